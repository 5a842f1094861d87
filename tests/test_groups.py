"""User groups: a group's roles reach its members, and every rule of giving roles holds through
a group too. Each refusal is performed and seen refused, with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Connection, select

from app.access import EVERY_RIGHT
from app.audit import Action
from app.db.database import Database
from app.db.models import GroupMember, User
from app.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    PasswordAgainError,
    ValidationError,
)
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import RoleChoice, role_choices
from app.roles.effective import Source, rights_of
from app.roles.groups import GroupSetup
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.groups import make_group, make_role, operator
from tests.helpers.records import add_user, another_administrator, audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.statements import count_statements

# What a delegated administrator of groups holds: groups and roles, and scheduling.
DELEGATE = frozenset(
    {Right.VIEW_USERS, Right.EDIT_USERS, Right.EDIT_GROUPS, Right.EDIT_ROLES, Right.SCHEDULE_VIEW}
)
Attempt = Callable[[GroupSetup], object]
LAST_KEEPER = "the only user of this practice who can sign in and edit roles"


def _each(*attempts: Attempt) -> tuple[Attempt, ...]:
    """What each of a test's attempts does with a GroupSetup."""
    return attempts


def _members(database: Database, group_id: int) -> set[int]:
    with database.transaction() as session:
        return set(
            session.scalars(select(GroupMember.user_pk).where(GroupMember.group_id == group_id))
        )


def test_a_group_is_made_listed_and_read_back_with_its_roles_and_members(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly", first_name="Kimberly", last_name="Fox")
    scheduling = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    with database.transaction() as session:
        groups = GroupSetup(session, company, dba(), clock)
        made = groups.create("  Front   Office ", "Check-in and  the phones")
        assert (made.name, made.description, made.active) == (
            "Front Office",
            "Check-in and the phones",
            True,
        )
        groups.set_roles(made.id, [scheduling])
        shown = groups.add_members(made.id, [kim])
        assert shown.roles == ("Scheduling",)
        assert [m.label for m in shown.members] == ["Fox, Kimberly (kimberly)"]
        assert groups.find("front office").id == made.id
        (summary,) = groups.list_groups()
        assert (summary.name, summary.members, summary.roles) == (
            "Front Office",
            1,
            ("Scheduling",),
        )
        groups.set_active(made.id, False)
        assert groups.list_groups(active_only=True) == []
    actions = [e.action for e in audit_events(database, company_id=company.id, prefix="group.")]
    assert actions == [
        Action.GROUP_CREATED,
        Action.GROUP_ROLES_CHANGED,
        Action.GROUP_MEMBERS_CHANGED,  # the group's (Kimberly's own: USER_GROUPS_CHANGED)
        Action.GROUP_DEACTIVATED,
    ]


def test_a_member_holds_the_group_s_roles_and_the_effective_rights_say_through_which_group(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    scheduling = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_EDIT])
    group = make_group(database, company, clock, "Front Office", roles=[scheduling], members=[kim])
    with database.transaction() as session:
        held = rights_of(session, company.id, kim)
    assert held.sources[Right.SCHEDULE_EDIT] == (Source("Scheduling", "Front Office"),)
    assert str(held.sources[Right.SCHEDULE_EDIT][0]) == "Front Office group → Scheduling role"
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(group, False)
        assert Right.SCHEDULE_EDIT not in rights_of(session, company.id, kim)


def test_membership_is_audited_on_the_member_s_trail_with_their_groups_before_and_after(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    make_group(database, company, clock, "Billing", members=[kim])
    front = make_group(database, company, clock, "Front Office")
    with database.transaction() as session:
        GroupSetup(session, company, dba("mreyes"), clock).add_members(front, [kim])
        GroupSetup(session, company, dba("mreyes"), clock).remove_members(front, [kim])
    added, removed = audit_events(database, user_pk=kim, prefix="user.groups")[-2:]
    assert added.operator == removed.operator == "mreyes"
    assert added.changes == [
        {"field": "group", "before": None, "after": "Front Office"},
        {"field": "groups", "before": ["Billing"], "after": ["Billing", "Front Office"]},
    ]
    assert removed.changes[1] == {
        "field": "groups",
        "before": ["Billing", "Front Office"],
        "after": ["Billing"],
    }


def test_a_group_s_roles_are_audited_by_name(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    a = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    b = make_role(database, company, clock, "Billing Clerk", [Right.BILLING_VIEW])
    group = make_group(database, company, clock, "Front Office", roles=[a])
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_roles(group, [b])
    event = audit_events(database, company_id=company.id, prefix="group.roles")[-1]
    assert event.changes[1] == {
        "field": "roles",
        "before": ["Scheduling"],
        "after": ["Billing Clerk"],
    }


# Names


@pytest.mark.parametrize("typed", ["front office", "FRONT OFFICE ", " Front  Office"])
def test_group_names_are_unique_whatever_their_case(
    database: Database, company: CompanyInfo, clock: FixedClock, typed: str
) -> None:
    make_group(database, company, clock, "Front Office")
    other = make_group(database, company, clock, "Billing")
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        GroupSetup(session, company, dba(), clock).create(typed)
    assert refused.value.errors == {"name": "A group named “Front Office” exists already."}
    with pytest.raises(ValidationError), database.transaction() as session:
        GroupSetup(session, company, dba(), clock).change(other, name=typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("   ", "Group name is required."),
        ("x" * 61, "Group name can be at most 60 characters (61 typed)."),
        ("Front\nOffice", "Remove the line break: Group name is one line of printable text."),
    ],
)
def test_a_group_name_is_required_trimmed_and_one_line(
    database: Database, company: CompanyInfo, clock: FixedClock, typed: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        GroupSetup(session, company, dba(), clock).create(typed)
    assert refused.value.errors == {"name": message}


def test_a_group_renamed_keeps_its_members_and_says_its_old_name(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    group = make_group(database, company, clock, "Front Office", members=[kim])
    with database.transaction() as session:
        shown = GroupSetup(session, company, dba(), clock).change(
            group, name="Front Desk Team", description="The phones"
        )
    assert (shown.name, shown.description, len(shown.members)) == (
        "Front Desk Team",
        "The phones",
        1,
    )
    event = audit_events(database, company_id=company.id, prefix="group.changed")[-1]
    assert event.changes == [
        {"field": "group", "before": None, "after": "Front Office"},
        {"field": "name", "before": "Front Office", "after": "Front Desk Team"},
        {"field": "description", "before": "", "after": "The phones"},
    ]


# Refusals


def test_without_edit_groups_nothing_of_a_group_can_be_done(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    group = make_group(database, company, clock, "Front Office")
    desk = front_desk()
    for attempt in _each(
        lambda g: g.create("Billing"),
        lambda g: g.change(group, name="Other"),
        lambda g: g.add_members(group, [kim]),
        lambda g: g.remove_members(group, [kim]),
        lambda g: g.assign_all(group),
        lambda g: g.set_active(group, False),
        lambda g: g.set_roles(group, []),
    ):
        with pytest.raises(NotAllowedError), database.transaction() as session:
            attempt(GroupSetup(session, company, desk, clock))
    assert _members(database, group) == set()


def test_giving_a_group_roles_needs_edit_roles_and_a_fresh_password(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    role = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    group = make_group(database, company, clock, "Front Office")
    groups_only = operator(DELEGATE - {Right.EDIT_ROLES}, clock)
    with pytest.raises(NotAllowedError), database.transaction() as session:
        GroupSetup(session, company, groups_only, clock).set_roles(group, [role])
    stale = operator(DELEGATE, clock).with_password_at(clock() - timedelta(minutes=6))
    with pytest.raises(PasswordAgainError), database.transaction() as session:
        GroupSetup(session, company, stale, clock).set_roles(group, [role])
    with database.transaction() as session:
        assert GroupSetup(session, company, dba(), clock).load(group).roles == ()
        shown = GroupSetup(session, company, operator(DELEGATE, clock), clock).set_roles(
            group, [role]
        )
    assert shown.roles == ("Scheduling",)


def test_nobody_gives_rights_they_lack_through_a_group_s_roles(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    billing = make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    group = make_group(database, company, clock, "Front Office")
    admin = [r.id for r in _roles(database, company) if r.name == "Administrator"]
    for role in ([billing], admin):
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            GroupSetup(session, company, operator(DELEGATE, clock), clock).set_roles(group, role)
        assert "You cannot give rights you do not hold yourself" in refused.value.errors["roles"]
    with database.transaction() as session:
        assert GroupSetup(session, company, dba(), clock).load(group).roles == ()


def test_an_inactive_role_cannot_be_newly_given_to_a_group(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    role = make_role(
        database, company, clock, "Old Scheduling", [Right.SCHEDULE_VIEW], active=False
    )
    group = make_group(database, company, clock, "Front Office")
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_roles(group, [role])
    assert refused.value.errors == {"roles": "Old Scheduling is deactivated; activate it first."}


def test_nobody_adds_a_member_to_a_group_whose_rights_they_lack(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    billing = make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    group = make_group(database, company, clock, "Billing Office", roles=[billing])
    for attempt in _each(lambda g: g.add_members(group, [kim]), lambda g: g.assign_all(group)):
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            attempt(GroupSetup(session, company, operator(DELEGATE, clock), clock))
        assert refused.value.errors["members"] == (
            "You cannot give rights you do not hold yourself: Post charges and payments."
        )
    assert _members(database, group) == set()
    with database.transaction() as session:
        assert Right.BILLING_EDIT not in rights_of(session, company.id, kim)


def test_nobody_changes_the_membership_of_a_user_who_holds_rights_they_lack(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    boss = add_user(database, company, clock, "boss", role=SetupRole.ADMINISTRATOR)
    add_user(database, company, clock, "practice_admin", role=SetupRole.ADMINISTRATOR)
    plain = make_group(database, company, clock, "Newsletter")
    holding = make_group(database, company, clock, "Managers", members=[boss])
    with pytest.raises(NotAllowedError) as refused, database.transaction() as session:
        GroupSetup(session, company, operator(DELEGATE, clock), clock).add_members(plain, [boss])
    assert "boss holds rights you do not" in str(refused.value)
    with pytest.raises(NotAllowedError), database.transaction() as session:
        GroupSetup(session, company, operator(DELEGATE, clock), clock).remove_members(
            holding, [boss]
        )
    assert (_members(database, plain), _members(database, holding)) == (set(), {boss})


def test_nobody_changes_the_roles_of_a_group_whose_member_holds_rights_they_lack(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    boss = add_user(database, company, clock, "boss", role=SetupRole.ADMINISTRATOR)
    scheduling = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    group = make_group(database, company, clock, "Managers", roles=[scheduling], members=[boss])
    for attempt in _each(lambda g: g.set_roles(group, []), lambda g: g.set_active(group, False)):
        with pytest.raises(NotAllowedError), database.transaction() as session:
            attempt(GroupSetup(session, company, operator(DELEGATE, clock), clock))
    with database.transaction() as session:
        shown = GroupSetup(session, company, dba(), clock).load(group)
    assert (shown.roles, shown.active) == (("Scheduling",), True)


def test_nobody_changes_their_own_membership_or_a_group_they_belong_to(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    me = add_user(database, company, clock, "delegate")
    scheduling = make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    mine = make_group(database, company, clock, "Mine", roles=[scheduling], members=[me])
    other = make_group(database, company, clock, "Other")
    myself = operator(DELEGATE, clock, user_pk=me)
    for attempt in _each(
        lambda g: g.add_members(other, [me]),
        lambda g: g.remove_members(mine, [me]),
        lambda g: g.set_roles(mine, []),
        lambda g: g.set_active(mine, False),
    ):
        with pytest.raises(NotAllowedError) as refused, database.transaction() as session:
            attempt(GroupSetup(session, company, myself, clock))
        assert "your own" in str(refused.value)
    assert (_members(database, mine), _members(database, other)) == ({me}, set())


def test_activating_a_group_again_gives_its_rights_only_by_someone_who_holds_them(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    billing = make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    group = make_group(database, company, clock, "Billing Office", roles=[billing], members=[kim])
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(group, False)
    with pytest.raises(ValidationError), database.transaction() as session:
        GroupSetup(session, company, operator(DELEGATE, clock), clock).set_active(group, True)
    with database.transaction() as session:
        assert Right.BILLING_EDIT not in rights_of(session, company.id, kim)


def test_assign_all_by_an_operator_not_yet_a_member_skips_them_and_says_so(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    me = add_user(database, company, clock, "delegate")
    kim = add_user(database, company, clock, "kimberly")
    group = make_group(database, company, clock, "Everyone")
    with database.transaction() as session:
        done = GroupSetup(session, company, operator(DELEGATE, clock, user_pk=me), clock)
        result = done.assign_all(group)
    assert (result.skipped_self, "your own group memberships" in result.note) == ("delegate", True)
    assert kim in _members(database, group) and me not in _members(database, group)
    assert result.added == len(_members(database, group))


def test_adding_members_who_gain_user_setup_rights_asks_the_password_again(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    editors = make_role(database, company, clock, "User Editors", [Right.EDIT_USERS])
    group = make_group(database, company, clock, "Office Managers", roles=[editors])
    stale = operator(DELEGATE, clock).with_password_at(clock() - timedelta(minutes=6))
    for attempt in _each(
        lambda g: g.add_members(group, [kim]),
        lambda g: g.assign_all(group),
    ):
        with pytest.raises(PasswordAgainError), database.transaction() as session:
            attempt(GroupSetup(session, company, stale, clock))
    assert _members(database, group) == set()
    with database.transaction() as session:
        GroupSetup(session, company, operator(DELEGATE, clock), clock).add_members(group, [kim])
    assert _members(database, group) == {kim}


def test_adding_a_member_who_holds_the_group_s_user_setup_rights_already_asks_no_password(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    editors = make_role(database, company, clock, "User Editors", [Right.EDIT_USERS])
    make_group(database, company, clock, "Already", roles=[editors], members=[kim])
    group = make_group(database, company, clock, "Office Managers", roles=[editors])
    stale = operator(DELEGATE, clock).with_password_at(clock() - timedelta(minutes=6))
    with database.transaction() as session:
        GroupSetup(session, company, stale, clock).add_members(group, [kim])
    assert _members(database, group) == {kim}


def test_activating_a_group_with_roles_needs_edit_roles_and_a_fresh_password(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    editors = make_role(database, company, clock, "User Editors", [Right.EDIT_USERS])
    group = make_group(database, company, clock, "Office Managers", roles=[editors], members=[kim])
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(group, False)
    groups_only = operator(DELEGATE - {Right.EDIT_ROLES}, clock)
    with pytest.raises(NotAllowedError), database.transaction() as session:
        GroupSetup(session, company, groups_only, clock).set_active(group, True)
    stale = operator(DELEGATE, clock).with_password_at(clock() - timedelta(minutes=6))
    with pytest.raises(PasswordAgainError), database.transaction() as session:
        GroupSetup(session, company, stale, clock).set_active(group, True)
    with database.transaction() as session:
        assert Right.EDIT_USERS not in rights_of(session, company.id, kim)
        shown = GroupSetup(session, company, operator(DELEGATE, clock), clock).set_active(
            group, True
        )
        assert shown.active and Right.EDIT_USERS in rights_of(session, company.id, kim)
    # A group without roles gives nothing back: "Edit user groups" is enough.
    empty = make_group(database, company, clock, "Empty", members=[kim])
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(empty, False)
    with database.transaction() as session:
        assert GroupSetup(session, company, groups_only, clock).set_active(empty, True).active


def test_the_last_keeper_through_a_group_is_kept(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    """The only user who can sign in and edit roles holds it through a group: neither taking
    them out, nor deactivating the group, nor taking its role away is allowed."""
    keeper = add_user(database, company, clock, "keeper")
    admin = next(r.id for r in _roles(database, company) if r.name == "Administrator")
    group = make_group(database, company, clock, "Managers", roles=[admin], members=[keeper])
    attempts = _each(
        lambda g: g.remove_members(group, [keeper]),
        lambda g: g.set_active(group, False),
        lambda g: g.set_roles(group, []),
    )
    for field, attempt in zip(("members", "active", "roles"), attempts, strict=True):
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            attempt(GroupSetup(session, company, dba(), clock))
        (message,) = refused.value.errors.values()
        assert field in refused.value.errors
        assert "edit roles" in message
    assert _members(database, group) == {keeper}
    with database.transaction() as session:
        assert rights_of(session, company.id, keeper).rights == EVERY_RIGHT
    other = add_user(database, company, clock, "second", role=SetupRole.ADMINISTRATOR)
    assert other
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).remove_members(group, [keeper])
    assert _members(database, group) == set()


def test_the_last_keeper_removed_alone_is_named(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    keeper = add_user(database, company, clock, "keeper")
    admin = next(r.id for r in _roles(database, company) if r.name == "Administrator")
    group = make_group(database, company, clock, "Managers", roles=[admin], members=[keeper])
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        GroupSetup(session, company, dba(), clock).remove_members(group, [keeper])
    assert LAST_KEEPER in refused.value.errors["members"]
    assert refused.value.errors["members"].startswith("keeper ")


def test_a_group_saved_elsewhere_meanwhile_is_a_conflict(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    group = make_group(database, company, clock, "Front Office")
    with database.transaction() as session:
        read = GroupSetup(session, company, dba(), clock).load(group).version
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).change(group, description="Elsewhere")
    for attempt in _each(
        lambda g: g.change(group, name="Mine", expected_version=read),
        lambda g: g.set_roles(group, [], expected_version=read),
        lambda g: g.add_members(group, [kim], expected_version=read),
        lambda g: g.set_active(group, False, expected_version=read),
    ):
        with pytest.raises(ConflictError) as refused, database.transaction() as session:
            attempt(GroupSetup(session, company, dba(), clock))
        assert str(refused.value).startswith("This group was changed by mreyes")
    assert _members(database, group) == set()


def test_users_and_roles_of_another_company_are_not_found(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    group = make_group(database, company, clock, "Front Office")
    with pytest.raises(NotFoundError), database.transaction() as session:
        GroupSetup(session, company, dba(), clock).add_members(group, [987654])
    with pytest.raises(NotFoundError), database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_roles(group, [987654])
    with pytest.raises(NotFoundError), database.transaction() as session:
        GroupSetup(session, company, dba(), clock).find("Nobody's")


# Assign all users to this group


def _assign_all_statements(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock, n: int
) -> tuple[int, list[str]]:
    for i in range(n):
        add_user(database, company, clock, f"staff{n}x{i}")
    group = make_group(database, company, clock, f"Everyone {n}")
    actor = operator(DELEGATE, clock)
    with database.transaction() as session, count_statements(connection) as statements:
        added = GroupSetup(session, company, actor, clock).assign_all(group).added
    return added, statements


def test_assign_all_adds_every_active_user_not_yet_a_member_in_one_step(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    wes = add_user(database, company, clock, "wcassady")
    gone = add_user(database, company, clock, "gone")
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
    group = make_group(database, company, clock, "Everyone", members=[kim])
    with database.transaction() as session:
        assert GroupSetup(session, company, dba(), clock).assign_all(group).added == 1
        assert GroupSetup(session, company, dba(), clock).assign_all(group).added == 0
    assert _members(database, group) == {kim, wes}
    (event,) = audit_events(database, user_pk=wes, prefix="user.groups")
    assert event.changes[1] == {"field": "groups", "before": [], "after": ["Everyone"]}
    summary = audit_events(database, company_id=company.id, prefix="group.members")[-1]
    assert summary.user_pk is None
    assert summary.changes[1] == {"field": "added", "before": None, "after": ["wcassady"]}


def test_assign_all_reads_the_same_number_of_times_for_three_users_or_twelve(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock
) -> None:
    few, with_few = _assign_all_statements(database, connection, company, clock, 3)
    many, with_many = _assign_all_statements(database, connection, company, clock, 12)
    assert (few, many) == (3, 15)  # the second time, the three before are there too

    def reads(statements: list[str]) -> int:
        return sum(s.lstrip().upper().startswith("SELECT") for s in statements)

    assert reads(with_few) == reads(with_many) <= 8
    assert len(with_many) <= 8 + 2 + many + 1  # the reads, the member rows and group, the events


def test_a_member_row_read_before_is_read_again_as_holding_an_administrative_right(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    another_administrator(database, company, clock)
    admin = next(r.id for r in _roles(database, company) if r.name == "Administrator")
    group = make_group(database, company, clock, "Managers", roles=[admin])
    with database.transaction() as session:
        user = session.get(User, kim)
        assert user is not None and not user.holds_administrative_right
        GroupSetup(session, company, dba(), clock).add_members(group, [kim])
        assert user.holds_administrative_right
        GroupSetup(session, company, dba(), clock).set_active(group, False)
        assert not user.holds_administrative_right


def _roles(database: Database, company: CompanyInfo) -> list[RoleChoice]:
    with database.transaction() as session:
        return role_choices(session, company)


def test_a_name_taken_meanwhile_by_another_workstation_is_refused_beside_the_name(
    database: Database, company: CompanyInfo, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database's unique key decides when two saves pass the check at the same moment."""
    make_group(database, company, clock, "Front Office")
    monkeypatch.setattr(GroupSetup, "_checked", lambda self, name, text, group_id: (name, text))
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        GroupSetup(session, company, dba(), clock).create("front office")
    assert refused.value.errors == {"name": "A group named “front office” exists already."}
