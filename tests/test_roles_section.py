"""The Roles section of a user, on SQLite, PostgreSQL and MariaDB: what it shows, what it
saves, and every refusal performed as an attack would try it.

The practice here: a Billing Clerk role (billing), Scheduling (the schedule), User Clerk
(view and edit users: User Setup rights), Prescriber (prescribing), a deactivated Retired
role; the Front Office group gives Scheduling; the Closed group is deactivated; departments
Billing and Old (deactivated). Dana, the delegate, may edit users, roles and groups and holds
the billing and schedule rights, but not prescribing nor the company settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from app.access import Actor
from app.db.database import Database
from app.db.models import BuiltInRole, Department, GroupMember, User, UserRole
from app.errors import NotAllowedError, PasswordAgainError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import rights_of
from app.sections.base import Target
from app.sections.editor import Opened, SectionProblems, UserEditor
from app.sections.registry import section
from app.sections.roles import RolesEdit, RolesState
from app.users.records import UserFields
from app.users.service import UserService
from app.workplace import Work
from cli.users import user_as_json
from tests.conftest import FixedClock
from tests.helpers.actors import WORKSTATION, dba, front_desk
from tests.helpers.catalog import (
    add_department,
    add_group,
    add_role,
    built_in_id,
    set_base_role,
)
from tests.helpers.records import add_user, audit_events, read_user
from tests.helpers.roles import SetupRole, stored_roles
from tests.helpers.statements import count_statements

DANA_RIGHTS = frozenset(
    {
        Right.VIEW_USERS,
        Right.EDIT_USERS,
        Right.EDIT_ROLES,
        Right.EDIT_GROUPS,
        Right.RESET_PASSWORDS,
        Right.EDIT_LOGIN_TIMES,  # a copy saves every section it carries
        Right.EDIT_TWO_FACTOR,
        Right.BILLING_VIEW,
        Right.BILLING_EDIT,
        Right.SCHEDULE_VIEW,
        Right.SCHEDULE_EDIT,
    }
)


@dataclass(frozen=True)
class Practice:
    billing: int
    scheduling: int
    user_clerk: int
    prescriber: int
    retired: int
    front_office: int
    closed_group: int
    billing_department: int
    old_department: int
    dana: int  # the delegate's own row


@pytest.fixture
def practice(database: Database, company: CompanyInfo, clock: FixedClock) -> Practice:
    dana = add_user(database, company, clock, "dana")
    with database.transaction() as session:
        billing = add_role(
            session, company, "Billing Clerk", [Right.BILLING_VIEW, Right.BILLING_EDIT],
            description="Posts charges and payments.",
        )  # fmt: skip
        scheduling = add_role(
            session, company, "Scheduling", [Right.SCHEDULE_VIEW, Right.SCHEDULE_EDIT]
        )
        user_clerk = add_role(session, company, "User Clerk", [Right.VIEW_USERS, Right.EDIT_USERS])
        prescriber = add_role(session, company, "Prescriber", [Right.PRESCRIBE])
        retired = add_role(session, company, "Retired", [Right.REPORTS], active=False)
        front_office = add_group(session, company, "Front Office", [scheduling])
        closed_group = add_group(session, company, "Closed", [billing], active=False)
        billing_department = add_department(session, company, "Billing")
        old_department = add_department(session, company, "Old", active=False)
    return Practice(
        billing, scheduling, user_clerk, prescriber, retired, front_office, closed_group,
        billing_department, old_department, dana,
    )  # fmt: skip


def delegate(practice: Practice, clock: FixedClock, *, entered_ago: int = 1) -> Actor:
    """Dana, signed in, who entered her password ``entered_ago`` minutes ago."""
    actor = Actor.user(practice.dana, "dana (Delegate, Dana)", WORKSTATION, DANA_RIGHTS)
    return actor.with_password_at(clock() - timedelta(minutes=entered_ago))


def opened(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, actor: Actor | None = None
) -> Opened:
    with database.transaction() as session:
        return UserEditor(Work(session, company, actor or dba(), clock)).open(pk)


def save_roles(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    roles: set[int],
    groups: set[int] | None = None,
    actor: Actor | None = None,
) -> Opened:
    """Save the Roles section as the window does (the states as loaded, the edit ticked)."""
    shown = opened(database, company, clock, pk, actor)
    state: RolesState = shown.states["roles"]
    edit = RolesEdit(roles, state.group_ids if groups is None else groups)
    with database.transaction() as session:
        editor = UserEditor(Work(session, company, actor or dba(), clock))
        saved = editor.save(Target(pk, shown.record.version), {"roles": edit})
        return editor.open(saved.record.pk)


def roles_state(shown: Opened) -> RolesState:
    state = shown.states["roles"]
    assert isinstance(state, RolesState)
    return state


# What the section shows


def test_the_section_shows_roles_groups_department_and_where_each_right_comes_from(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly", department_id=practice.billing_department)
    shown = save_roles(database, company, clock, pk, {practice.billing}, {practice.front_office})
    state = roles_state(shown)
    held = [r.name for r in state.roles if r.held]
    assert held == ["Billing Clerk"]
    # the active roles to choose from; the deactivated one only for a user who has it
    assert [r.name for r in state.roles] == [
        "Administrator", "Billing Clerk", "Front Desk", "Prescriber", "Scheduling", "User Clerk",
    ]  # fmt: skip
    assert next(r for r in state.roles if r.name == "Billing Clerk").description == (
        "Posts charges and payments."
    )
    assert [(g.name, g.member) for g in state.groups] == [("Front Office", True)]
    assert (state.department, state.department_active) == ("Billing", True)
    sources = {r: [str(s) for s in ss] for r, ss in state.effective.sources.items()}
    assert sources == {
        Right.BILLING_VIEW: ["Billing Clerk role"],
        Right.BILLING_EDIT: ["Billing Clerk role"],
        Right.SCHEDULE_VIEW: ["Front Office group → Scheduling role"],
        Right.SCHEDULE_EDIT: ["Front Office group → Scheduling role"],
    }


def test_opening_the_section_costs_one_statement(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly", department_id=practice.billing_department)
    save_roles(database, company, clock, pk, {practice.billing}, {practice.front_office})
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        user = session.get(User, pk)
        assert user is not None
        with count_statements(connection) as statements:
            state = section("roles").load(work, user)
    assert len(statements) == 1, statements  # choices, ticks, department and rights together
    with database.transaction() as session:  # the one reading of effective rights
        assert state.effective == rights_of(session, company.id, pk)
    assert state.department == "Billing" and state.role_ids == {practice.billing}
    assert [str(s) for s in state.effective.sources[Right.SCHEDULE_VIEW]] == [
        "Front Office group → Scheduling role"
    ]
    with database.transaction() as session, count_statements(connection) as statements:
        UserEditor(Work(session, company, dba(), clock)).open(pk, ["user", "roles"])
    assert len(statements) == 2, statements  # as the window opens the user: row + 1


def test_a_deactivated_role_or_group_the_user_is_in_shows_marked_and_can_be_left(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:  # given while they were active
        user = session.get(User, pk)
        assert user is not None
        user.department_id = practice.old_department
        session.add(UserRole(user_pk=pk, role_id=practice.retired))
        session.add(GroupMember(user_pk=pk, group_id=practice.closed_group))
    state = roles_state(opened(database, company, clock, pk))
    retired = next(r for r in state.roles if r.id == practice.retired)
    closed = next(g for g in state.groups if g.id == practice.closed_group)
    assert (retired.active, retired.held, closed.active, closed.member) == (
        False, True, False, True,
    )  # fmt: skip
    assert (state.department, state.department_active) == ("Old", False)
    assert state.effective.sources == {}  # deactivated: they give nothing
    left = roles_state(save_roles(database, company, clock, pk, set(), set()))
    assert left.role_ids == set() and left.group_ids == set()
    assert practice.retired not in {r.id for r in left.roles}  # not offered anew


# Saving, audited


def test_roles_and_groups_are_saved_and_audited_with_their_names(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    save_roles(database, company, clock, pk, {practice.billing}, {practice.front_office})
    save_roles(database, company, clock, pk, {practice.scheduling}, set())
    role_events = audit_events(database, user_pk=pk, prefix="user.role")
    group_events = audit_events(database, user_pk=pk, prefix="user.groups")
    assert [e.changes for e in role_events] == [
        [{"field": "roles", "before": [], "after": ["Billing Clerk"]}],
        [{"field": "roles", "before": ["Billing Clerk"], "after": ["Scheduling"]}],
    ]
    assert [e.changes for e in group_events] == [
        [{"field": "groups", "before": [], "after": ["Front Office"]}],
        [{"field": "groups", "before": ["Front Office"], "after": []}],
    ]
    assert stored_roles(database, company.id, pk) == ("Scheduling",)


# Every refusal, performed


def test_nobody_changes_their_own_roles_or_groups(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    dana = delegate(practice, clock)
    with pytest.raises(NotAllowedError, match="your own roles"):
        save_roles(database, company, clock, practice.dana, {practice.billing}, actor=dana)
    with pytest.raises(NotAllowedError, match="your own group memberships"):
        save_roles(database, company, clock, practice.dana, set(), {practice.front_office}, dana)
    assert stored_roles(database, company.id, practice.dana) == ()


def test_nobody_gives_a_right_they_do_not_hold_by_a_role_or_a_group(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    dana = delegate(practice, clock)
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, pk, {practice.prescriber}, actor=dana)
    assert "Prescribe" in refused.value.by_section["roles"]["roles"]
    with database.transaction() as session:
        prescribers = add_group(session, company, "Prescribers", [practice.prescriber])
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, pk, set(), {prescribers}, actor=dana)
    assert "Prescribe" in refused.value.by_section["roles"]["groups"]
    assert stored_roles(database, company.id, pk) == ()
    # what she holds herself she may give
    save_roles(database, company, clock, pk, {practice.billing}, {practice.front_office}, dana)
    assert stored_roles(database, company.id, pk) == ("Billing Clerk", "Scheduling")


def test_nobody_changes_a_user_who_holds_rights_they_lack(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    admin = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    dana = delegate(practice, clock)
    administrator = built_in_id_of(database, company, BuiltInRole.ADMINISTRATOR)
    with pytest.raises(NotAllowedError, match="holds rights you do not"):
        save_roles(database, company, clock, admin, set(), actor=dana)  # take Administrator
    with pytest.raises(NotAllowedError, match="holds rights you do not"):
        save_roles(database, company, clock, admin, {administrator}, {practice.front_office}, dana)
    assert stored_roles(database, company.id, admin) == ("Administrator",)


def built_in_id_of(database: Database, company: CompanyInfo, which: BuiltInRole) -> int:
    with database.transaction() as session:
        return built_in_id(session, company, which)


def test_a_deactivated_role_or_group_cannot_be_newly_chosen(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, pk, {practice.retired}, {practice.closed_group})
    problems = refused.value.by_section["roles"]
    assert problems == {
        "roles": "Retired is deactivated; activate it first.",
        "groups": "Closed is deactivated; activate it first.",
    }


def test_a_user_without_the_base_role_is_refused_beside_the_roles(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    save_roles(database, company, clock, pk, {practice.billing})
    with database.transaction() as session:
        set_base_role(session, company, practice.scheduling)
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, pk, {practice.user_clerk})
    assert refused.value.by_section["roles"]["roles"].startswith(
        "Every user must hold the “Scheduling” role"
    )
    # through a group that has it is as good
    save_roles(database, company, clock, pk, {practice.user_clerk}, {practice.front_office})
    assert stored_roles(database, company.id, pk) == ("Scheduling", "User Clerk")
    # and directly
    save_roles(database, company, clock, pk, {practice.scheduling}, set())
    assert stored_roles(database, company.id, pk) == ("Scheduling",)


def test_a_new_user_starts_with_the_base_role_page_shown_or_not(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    with database.transaction() as session:
        set_base_role(session, company, practice.scheduling)
    form = UserFields(
        user_id="mhall", first_name="Megan", last_name="Hall",
        new_password="a long new passphrase", retype_password="a long new passphrase",
    )  # fmt: skip
    with database.transaction() as session:
        editor = UserEditor(Work(session, company, dba(), clock))
        started = editor.start()
        blank = started.states["roles"]
        assert blank.role_ids == {practice.scheduling}
        assert [str(s) for s in blank.effective.sources[Right.SCHEDULE_VIEW]] == ["Scheduling role"]
        saved = editor.save(Target(), {"user": form})  # as `users add`: no roles edit
    assert stored_roles(database, company.id, saved.record.pk) == ("Scheduling",)
    # someone who may add users but not edit roles gives the base role, and only that
    clerk = Actor.user(practice.dana, "dana", WORKSTATION, DANA_RIGHTS - {Right.EDIT_ROLES})
    with database.transaction() as session:
        editor = UserEditor(Work(session, company, clerk, clock))
        other = editor.save(Target(), {"user": replace(form, user_id="nhall")})
    assert stored_roles(database, company.id, other.record.pk) == ("Scheduling",)
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        UserEditor(Work(session, company, clerk, clock)).save(
            Target(),
            {
                "user": replace(form, user_id="ohall"),
                "roles": RolesEdit({practice.scheduling, practice.billing}),
            },
        )
    assert refused.value.by_section["roles"] == {
        "roles": "Your role may not change roles or who holds them."
    }
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        UserEditor(Work(session, company, dba(), clock)).save(
            Target(), {"user": replace(form, user_id="phall"), "roles": RolesEdit(())}
        )
    assert "base role" in refused.value.by_section["roles"]["roles"]


def test_the_last_user_who_can_edit_roles_keeps_it(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    administrator = built_in_id_of(database, company, BuiltInRole.ADMINISTRATOR)
    admin = add_user(database, company, clock, "mreyes")
    with database.transaction() as session:
        admins = add_group(session, company, "Admins", [administrator], [admin])
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, admin, set(), set())  # leave the group
    assert (
        "only user of this practice who can sign in and edit roles"
        in (refused.value.by_section["roles"]["groups"])
    )
    # moving it from the group to a role of her own keeps it throughout
    save_roles(database, company, clock, admin, {administrator}, set())
    assert stored_roles(database, company.id, admin) == ("Administrator",)
    with pytest.raises(SectionProblems) as refused:
        save_roles(database, company, clock, admin, set(), set())
    assert "only user" in refused.value.by_section["roles"]["roles"]
    # and back into the group, dropping the role at once
    save_roles(database, company, clock, admin, set(), {admins})
    assert stored_roles(database, company.id, admin) == ("Administrator",)


def test_newly_giving_a_user_setup_right_asks_for_the_password_again(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    stale = delegate(practice, clock, entered_ago=6)
    with pytest.raises(PasswordAgainError):
        save_roles(database, company, clock, pk, {practice.user_clerk}, actor=stale)
    assert stored_roles(database, company.id, pk) == ()
    # no User Setup right: no question
    save_roles(database, company, clock, pk, {practice.billing}, actor=stale)
    # a group that gives one: asked too
    with database.transaction() as session:
        clerks = add_group(session, company, "Clerks", [practice.user_clerk])
    with pytest.raises(PasswordAgainError):
        save_roles(database, company, clock, pk, {practice.billing}, {clerks}, stale)
    # entered just now: given
    fresh = delegate(practice, clock, entered_ago=1)
    save_roles(database, company, clock, pk, {practice.billing}, {clerks}, fresh)
    # a right they already hold (through the group) is not newly given: no question
    save_roles(database, company, clock, pk, {practice.billing, practice.user_clerk}, None, stale)
    assert stored_roles(database, company.id, pk) == ("Billing Clerk", "User Clerk")


def test_the_front_desk_changes_no_roles(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with pytest.raises(NotAllowedError):
        save_roles(database, company, clock, pk, {practice.billing}, actor=front_desk())
    with pytest.raises(NotAllowedError):
        save_roles(database, company, clock, pk, set(), {practice.front_office}, front_desk())
    assert stored_roles(database, company.id, pk) == ()


# Copy User


def _copy(
    database: Database, company: CompanyInfo, clock: FixedClock, source: int, actor: Actor
) -> int:
    form = UserFields(
        user_id="mhall", first_name="Megan", last_name="Hall",
        new_password="a long new passphrase", retype_password="a long new passphrase",
    )  # fmt: skip
    with database.transaction() as session:
        editor = UserEditor(Work(session, company, actor, clock))
        started = editor.start(source)
        fields = replace(
            started.states["user"].fields, user_id=form.user_id, first_name=form.first_name,
            last_name=form.last_name, new_password=form.new_password,
            retype_password=form.retype_password,
        )  # fmt: skip
        return editor.save(Target(copied_from=source), {"user": fields}).record.pk


def test_copy_user_carries_roles_groups_and_department_and_says_so(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    source = add_user(
        database, company, clock, "kimberly", title="Billing Specialist",
        department_id=practice.billing_department,
    )  # fmt: skip
    save_roles(database, company, clock, source, {practice.billing}, {practice.front_office})
    with database.transaction() as session:
        started = UserEditor(Work(session, company, dba(), clock)).start(source)
    assert started.copied_line() == (
        "Copied from Kimberly, Test: Title; the role Billing Clerk, the user group Front "
        "Office, the department Billing."
    )
    copy = _copy(database, company, clock, source, delegate(practice, clock))
    state = roles_state(opened(database, company, clock, copy))
    assert (state.role_ids, state.group_ids) == ({practice.billing}, {practice.front_office})
    assert state.department == "Billing"
    events = {e.action: e.changes for e in audit_events(database, user_pk=copy)}
    assert {"field": "department", "before": None, "after": "Billing"} in events["user.copied"]
    assert events["user.role_changed"] == [
        {"field": "roles", "before": [], "after": ["Billing Clerk"]}
    ]
    assert events["user.groups_changed"] == [
        {"field": "groups", "before": [], "after": ["Front Office"]}
    ]


def test_copying_a_user_whose_roles_the_copier_could_not_give_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    source = add_user(database, company, clock, "kimberly")
    save_roles(database, company, clock, source, {practice.prescriber, practice.billing})
    before = len(audit_events(database, company_id=company.id))
    with pytest.raises(SectionProblems) as refused:
        _copy(database, company, clock, source, delegate(practice, clock))
    assert refused.value.by_section == {
        "roles": {"roles": "You cannot give rights you do not hold yourself: Prescribe."}
    }
    assert len(audit_events(database, company_id=company.id)) == before  # nothing was made


def test_a_copy_of_a_user_from_before_the_base_role_gets_it(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    source = add_user(database, company, clock, "kimberly")
    save_roles(database, company, clock, source, {practice.billing})
    with database.transaction() as session:
        set_base_role(session, company, practice.scheduling)
    copy = _copy(database, company, clock, source, delegate(practice, clock))
    assert stored_roles(database, company.id, copy) == ("Billing Clerk", "Scheduling")


# The department, in the User section


def test_the_department_is_chosen_in_the_user_section_and_audited_by_name(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        users = UserService(session, company, dba(), clock)
        record = users.get(pk)
        users.update(
            pk, replace(record.fields, department_id=practice.billing_department), record.version
        )
    stored = read_user(database, company, clock, pk)
    assert stored.fields.department_id == practice.billing_department
    (event,) = audit_events(database, user_pk=pk, prefix="user.updated")
    assert event.changes == [{"field": "department", "before": None, "after": "Billing"}]
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        UserService(session, company, dba(), clock).update(
            pk, replace(stored.fields, department_id=practice.old_department), stored.version
        )
    assert refused.value.errors == {
        "department_id": "That Department is inactive; pick an active one."
    }
    with database.transaction() as session:  # closed since: the user keeps it on save
        department = session.get(Department, practice.billing_department)
        assert department is not None
        department.active = False
    with database.transaction() as session:
        UserService(session, company, dba(), clock).update(
            pk, replace(stored.fields, title="Lead"), stored.version
        )
    assert read_user(database, company, clock, pk).fields.department_id == (
        practice.billing_department
    )


# users show --json


def test_users_show_json_has_the_roles_section(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly", department_id=practice.billing_department)
    save_roles(database, company, clock, pk, {practice.billing}, {practice.front_office})
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        shown = user_as_json(work, UserEditor(work).open(pk))
    assert shown["department"] == "Billing"
    roles = shown["roles"]
    assert list(roles) == ["roles", "groups", "department", "effective_rights"]
    assert (roles["roles"], roles["groups"], roles["department"]) == (
        ["Billing Clerk"], ["Front Office"], "Billing",
    )  # fmt: skip
    schedule = {
        "key": "practice.schedule_view",
        "label": "View the schedule",
        "sources": ["Front Office group → Scheduling role"],
    }
    assert schedule in roles["effective_rights"]
    assert len(roles["effective_rights"]) == 4


def test_a_user_of_another_company_cannot_be_given_roles(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    other = replace(company, id=company.id + 1000, code="other")
    with pytest.raises(Exception, match="does not exist"), database.transaction() as session:
        UserEditor(Work(session, other, dba(), clock)).save(
            Target(pk, 1), {"roles": RolesEdit({practice.billing})}
        )
    assert stored_roles(database, company.id, pk) == ()
