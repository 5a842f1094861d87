"""Role Setup's rules, through the service, on SQLite, PostgreSQL and MariaDB.

Each refusal is the attack itself (a role manager giving a right they lack, editing a
stronger role, deactivating a built-in role, taking away the last keeper, a stale form, a
password entered too long ago) seen refused with nothing stored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from app.access import EVERY_RIGHT, Actor, Right
from app.db.database import Database
from app.db.models import BuiltInRole, GroupMember, GroupRole, Role, User, UserGroup
from app.errors import (
    ConflictError,
    NotAllowedError,
    NotFoundError,
    PasswordAgainError,
    ValidationError,
)
from app.practice.company import CompanyInfo
from app.roles.assignments import UserRoles
from app.roles.built_in import built_in_role
from app.roles.effective import Source, rights_of
from app.roles.holders import RightHolders, right_holders
from app.roles.setup import ADMINISTRATOR_RIGHTS, RoleDetail, RoleSetup, role_setup
from app.workplace import Work, Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import WORKSTATION, dba
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.statements import count_statements

T = TypeVar("T")
E = TypeVar("E", bound=Exception)
MANAGER_RIGHTS = frozenset({Right.VIEW_USERS, Right.EDIT_ROLES})


class Practice:
    """The test's practice: jobs run as an actor through the window's Workplace (so every
    change reads the actor's rights anew), and roles made by the database administrator."""

    def __init__(self, database: Database, company: CompanyInfo, clock: FixedClock) -> None:
        self.database, self.company, self.clock = database, company, clock

    def run(self, actor: Actor, job: Callable[[RoleSetup], T]) -> T:
        return Workplace(self.database, self.company, actor, self.clock).within(
            lambda work: job(role_setup(work))
        )

    def admin(self, job: Callable[[RoleSetup], T]) -> T:
        return self.run(dba("setup"), job)

    def look(self, job: Callable[[RightHolders], T], actor: Actor | None = None) -> T:
        """Who has this right?, asked by ``actor`` (the database administrator if None)."""
        return Workplace(self.database, self.company, actor or dba("setup"), self.clock).within(
            lambda work: job(right_holders(work))
        )

    def role(self, name: str, *rights: Right, description: str = "") -> RoleDetail:
        created = self.admin(lambda roles: roles.create(name, description))
        return self.admin(lambda roles: roles.set_rights(created.id, rights))

    def user(self, user_id: str, *role_ids: int, **fields: Any) -> int:
        pk = add_user(self.database, self.company, self.clock, user_id, **fields)
        if role_ids:
            with self.database.transaction() as session:
                UserRoles(session, self.company, dba("setup"), self.clock).set_roles(pk, role_ids)
        return pk

    def operator(self, pk: int, name: str, rights: frozenset[Right]) -> Actor:
        """A signed-in user who entered their password just now."""
        return Actor.user(pk, name, WORKSTATION, rights).with_password_at(self.clock())

    def built_in(self, which: BuiltInRole) -> Role:
        with self.database.transaction() as session:
            role = built_in_role(session, self.company.id, which)
            session.expunge(role)
            return role

    def group(self, name: str, role_ids: list[int], members: list[int]) -> int:
        """A user group with roles and members, stored as the groups' service would."""
        with self.database.transaction() as session:
            group = UserGroup(
                company_id=self.company.id,
                name=name,
                name_key=name.casefold(),
                active=True,
                updated_at=self.clock(),
                updated_by="setup",
            )
            session.add(group)
            session.flush()
            session.add_all(GroupRole(group_id=group.id, role_id=r) for r in role_ids)
            session.add_all(GroupMember(group_id=group.id, user_pk=u) for u in members)
            return group.id

    def stored(self, role_id: int) -> RoleDetail:
        return self.admin(lambda roles: roles.load(role_id))


@pytest.fixture
def practice(database: Database, company: CompanyInfo, clock: FixedClock) -> Practice:
    return Practice(database, company, clock)


@pytest.fixture
def admin(practice: Practice) -> Actor:
    """Maria Reyes, an Administrator signed in at the window."""
    pk = practice.user(
        "mreyes", role=SetupRole.ADMINISTRATOR, last_name="Reyes", first_name="Maria"
    )
    return practice.operator(pk, "mreyes (Reyes, Maria)", EVERY_RIGHT)


@pytest.fixture
def manager(practice: Practice, admin: Actor) -> Actor:
    """Dana Lee, whose Role Manager role lets her see users and edit roles, nothing more."""
    role = practice.role("Role Manager", *MANAGER_RIGHTS)
    pk = practice.user("dlee", role.id)
    return practice.operator(pk, "dlee (Lee, Dana)", MANAGER_RIGHTS)


def refused_with_nothing_stored(
    practice: Practice, actor: Actor, job: Callable[[RoleSetup], object], error: type[E]
) -> E:
    before = len(audit_events(practice.database, prefix="role."))
    with pytest.raises(error) as raised:
        practice.run(actor, job)
    assert len(audit_events(practice.database, prefix="role.")) == before
    return raised.value


# Creating, naming, describing


def test_a_new_role_is_stored_trimmed_and_audited(practice, admin):
    made = practice.run(admin, lambda roles: roles.create("  Billing   Clerk ", " Posts charges "))

    assert (made.name, made.description, made.active, made.rights) == (
        "Billing Clerk",
        "Posts charges",
        True,
        frozenset(),
    )
    assert made.updated_by == "mreyes (Reyes, Maria) at TEST-PC"
    [event] = audit_events(practice.database, prefix="role.")
    assert (event.action, event.operator) == ("role.created", made.updated_by)
    assert event.changes == [
        {"field": "role", "before": None, "after": "Billing Clerk"},
        {"field": "name", "before": None, "after": "Billing Clerk"},
        {"field": "description", "before": None, "after": "Posts charges"},
    ]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("   ", "Enter a name for the role."),
        ("x" * 61, "A role's name has at most 60 characters."),
        ("front DESK", "There is already a role named Front Desk."),
    ],
)
def test_a_name_that_is_blank_too_long_or_taken_in_any_case_is_refused(
    practice, admin, name, message
):
    error = refused_with_nothing_stored(
        practice, admin, lambda roles: roles.create(name), ValidationError
    )
    assert error.errors == {"name": message}


def test_renaming_to_a_deactivated_roles_name_says_it_is_deactivated(practice, admin):
    old = practice.role("Scheduler")
    practice.admin(lambda roles: roles.set_active(old.id, False))
    clerk = practice.role("Clerk")

    error = refused_with_nothing_stored(
        practice, admin, lambda roles: roles.rename(clerk.id, "SCHEDULER"), ValidationError
    )
    assert error.errors == {"name": "There is already a role named Scheduler (deactivated)."}


def test_a_role_renamed_and_described_in_one_save_is_one_audited_change(practice, admin):
    clerk = practice.role("Clerk", Right.BILLING_VIEW)

    saved = practice.run(
        admin,
        lambda roles: roles.save(
            clerk.id,
            clerk.version,
            name="Billing Clerk",
            description="Charges and payments",
            rights=[Right.BILLING_VIEW.value, "practice.billing_edit"],
        ),
    )

    assert (saved.name, saved.description) == ("Billing Clerk", "Charges and payments")
    assert saved.rights == {Right.BILLING_VIEW, Right.BILLING_EDIT}
    assert saved.version > clerk.version
    event = audit_events(practice.database, prefix="role.")[-1]
    assert event.action == "role.changed"
    assert event.changes == [
        {"field": "role", "before": None, "after": "Billing Clerk"},
        {"field": "name", "before": "Clerk", "after": "Billing Clerk"},
        {"field": "description", "before": "", "after": "Charges and payments"},
        {
            "field": "rights",
            "before": ["View billing"],
            "after": ["View billing", "Post charges and payments"],
        },
    ]


def test_a_save_that_changes_nothing_stores_and_audits_nothing(practice, admin):
    clerk = practice.role("Clerk", Right.BILLING_VIEW)
    before = len(audit_events(practice.database))

    same = practice.run(
        admin,
        lambda roles: roles.save(
            clerk.id, clerk.version, name=" Clerk", description="", rights=[Right.BILLING_VIEW]
        ),
    )

    assert same.version == clerk.version
    assert len(audit_events(practice.database)) == before


# Who may change roles, and how much


def test_a_front_desk_user_cannot_create_or_change_roles(practice, admin):
    pk = practice.user("lblake", role=SetupRole.FRONT_DESK)
    desk = practice.operator(pk, "lblake (Blake, Lauren)", SetupRole.FRONT_DESK.rights)
    clerk = practice.role("Clerk")

    for job in (
        lambda roles: roles.create("Mine"),
        lambda roles: roles.set_rights(clerk.id, [Right.BILLING_VIEW]),
        lambda roles: roles.copy(clerk.id, "Clerk 2"),
        lambda roles: roles.set_active(clerk.id, False),
    ):
        error = refused_with_nothing_stored(practice, desk, job, NotAllowedError)
        assert str(error) == "Your role may not change roles or who holds them."


def test_an_operator_whose_role_was_taken_meanwhile_is_refused_at_once(practice, manager):
    dlee = practice.admin(lambda roles: roles.find("Role Manager"))
    practice.admin(lambda roles: roles.set_rights(dlee.id, revoked=[Right.EDIT_ROLES]))

    refused_with_nothing_stored(
        practice, manager, lambda roles: roles.create("Mine"), NotAllowedError
    )


def test_nobody_gives_a_role_a_right_they_do_not_hold(practice, manager):
    clerk = practice.role("Clerk")

    error = refused_with_nothing_stored(
        practice,
        manager,
        lambda roles: roles.set_rights(clerk.id, [Right.VIEW_USERS, Right.BILLING_EDIT]),
        ValidationError,
    )

    assert error.errors == {
        "rights": "You cannot give rights you do not hold yourself: Post charges and payments."
    }
    assert practice.stored(clerk.id).rights == frozenset()


def test_a_right_the_operator_holds_may_be_given(practice, manager):
    clerk = practice.role("Clerk")

    saved = practice.run(manager, lambda roles: roles.set_rights(clerk.id, [Right.VIEW_USERS]))

    assert saved.rights == {Right.VIEW_USERS}


def test_a_role_giving_rights_the_operator_lacks_cannot_be_changed_copied_or_deactivated(
    practice, manager
):
    billing = practice.role("Billing", Right.BILLING_EDIT, Right.VIEW_USERS)

    for job in (
        lambda roles: roles.rename(billing.id, "Billing Office"),
        lambda roles: roles.describe(billing.id, "mine now"),
        lambda roles: roles.set_rights(billing.id, revoked=[Right.VIEW_USERS]),
        lambda roles: roles.copy(billing.id, "My Billing"),
        lambda roles: roles.set_active(billing.id, False),
    ):
        error = refused_with_nothing_stored(practice, manager, job, NotAllowedError)
        assert "(Post charges and payments)" in str(error)
    assert practice.stored(billing.id).name == "Billing"


SCHEDULER_RIGHTS = MANAGER_RIGHTS | {Right.SCHEDULE_VIEW, Right.SCHEDULE_EDIT}


@pytest.mark.parametrize("through_group", [False, True])
def test_a_role_held_by_someone_stronger_loses_no_right_and_is_not_deactivated(
    practice, admin, through_group
):
    """The review's attack: a role manager holding the scheduling rights strips "Scheduling",
    or deactivates it, under a user who also holds Reset passwords, which the manager lacks."""
    scheduling = practice.role("Scheduling", Right.SCHEDULE_VIEW, Right.SCHEDULE_EDIT)
    resets = practice.role("Password Desk", Right.RESET_PASSWORDS)
    if through_group:
        boss = practice.user("boss", resets.id)
        practice.group("Front Office", [scheduling.id], [boss])
    else:
        boss = practice.user("boss", scheduling.id, resets.id)
    me = practice.user("sched", practice.role("Scheduler Manager", *SCHEDULER_RIGHTS).id)
    scheduler = practice.operator(me, "sched", SCHEDULER_RIGHTS)

    for job in (
        lambda roles: roles.set_rights(scheduling.id, revoked=[Right.SCHEDULE_EDIT]),
        lambda roles: roles.save(scheduling.id, None, rights=[Right.SCHEDULE_VIEW]),
        lambda roles: roles.set_active(scheduling.id, False),
    ):
        error = refused_with_nothing_stored(practice, scheduler, job, NotAllowedError)
        assert "boss holds rights you do not (Reset passwords" in str(error)
    assert practice.stored(scheduling.id).rights == {Right.SCHEDULE_VIEW, Right.SCHEDULE_EDIT}
    assert practice.stored(scheduling.id).active
    with practice.database.transaction() as session:
        assert Right.SCHEDULE_EDIT in rights_of(session, practice.company.id, boss)
    # Activating it again is refused too; someone holding the boss's rights does both.
    practice.run(admin, lambda roles: roles.set_active(scheduling.id, False))
    activate = lambda roles: roles.set_active(scheduling.id, True)  # noqa: E731
    refused_with_nothing_stored(practice, scheduler, activate, NotAllowedError)
    assert practice.run(admin, activate).active
    # Giving a right, or renaming, takes nothing from the holders: still allowed.
    renamed = practice.run(scheduler, lambda roles: roles.rename(scheduling.id, "Schedule"))
    assert renamed.name == "Schedule"


def test_administrators_rights_cannot_be_changed(practice, admin):
    role = practice.built_in(BuiltInRole.ADMINISTRATOR)

    error = refused_with_nothing_stored(
        practice,
        admin,
        lambda roles: roles.set_rights(role.id, revoked=[Right.BILLING_EDIT]),
        ValidationError,
    )

    assert error.errors == {"rights": ADMINISTRATOR_RIGHTS}
    assert practice.stored(role.id).rights == EVERY_RIGHT


@pytest.mark.parametrize("which", list(BuiltInRole))
def test_a_built_in_role_cannot_be_deactivated_or_renamed(practice, admin, which):
    role = practice.built_in(which)

    error = refused_with_nothing_stored(
        practice, admin, lambda roles: roles.set_active(role.id, False), ValidationError
    )
    assert error.errors == {"active": f"{role.name} is built in; it cannot be deactivated."}
    error = refused_with_nothing_stored(
        practice, admin, lambda roles: roles.rename(role.id, "Boss"), ValidationError
    )
    assert error.errors == {"name": f"{role.name} is built in; its name cannot be changed."}


def test_a_built_in_roles_description_and_front_desks_rights_may_change(practice, admin):
    desk = practice.built_in(BuiltInRole.FRONT_DESK)

    saved = practice.run(
        admin,
        lambda roles: roles.save(
            desk.id,
            desk.version,
            description="The desk",
            rights=[*SetupRole.FRONT_DESK.rights, Right.SCHEDULE_VIEW],
        ),
    )

    assert saved.description == "The desk"
    assert Right.SCHEDULE_VIEW in saved.rights


def test_an_unknown_right_is_refused_beside_the_rights(practice, admin):
    clerk = practice.role("Clerk")

    error = refused_with_nothing_stored(
        practice,
        admin,
        lambda roles: roles.set_rights(clerk.id, ["practice.teleport"]),
        ValidationError,
    )

    assert error.errors == {
        "rights": "No right has the key 'practice.teleport'; see `usersetup rights list`."
    }


def test_a_right_both_given_and_taken_is_refused(practice, admin):
    clerk = practice.role("Clerk")

    error = refused_with_nothing_stored(
        practice,
        admin,
        lambda roles: roles.set_rights(clerk.id, [Right.REPORTS], [Right.REPORTS]),
        ValidationError,
    )
    assert error.errors == {"rights": "Both given and taken away: Run reports."}


def test_a_password_entered_more_than_five_minutes_ago_is_asked_again(practice, admin):
    clerk = practice.role("Clerk")
    practice.clock.now += timedelta(minutes=5, seconds=1)

    for job in (
        lambda roles: roles.create("Mine"),
        lambda roles: roles.set_rights(clerk.id, [Right.REPORTS]),
        lambda roles: roles.copy(clerk.id, "Clerk 2"),
        lambda roles: roles.set_active(clerk.id, False),
    ):
        refused_with_nothing_stored(practice, admin, job, PasswordAgainError)
    # seeing the roles asks no password
    assert practice.run(admin, lambda roles: roles.list_roles())


def test_a_save_after_someone_else_saved_is_a_conflict(practice, admin):
    clerk = practice.role("Clerk")
    practice.run(
        admin, lambda roles: roles.set_rights(clerk.id, [Right.REPORTS], [], clerk.version)
    )

    error = refused_with_nothing_stored(
        practice,
        admin,
        lambda roles: roles.set_rights(clerk.id, [Right.BILLING_VIEW], [], clerk.version),
        ConflictError,
    )

    assert "The role Clerk was changed by mreyes (Reyes, Maria) at TEST-PC" in str(error)
    assert practice.stored(clerk.id).rights == {Right.REPORTS}


def test_a_role_of_another_company_is_not_found(practice, admin, database, clock):
    from app.practice.company import create_company

    with database.transaction() as session:
        other = create_company(session, "hills", "Hills Clinic", "America/New_York")
        theirs = built_in_role(session, other.id, BuiltInRole.FRONT_DESK).id

    refused_with_nothing_stored(
        practice, admin, lambda roles: roles.set_rights(theirs, [Right.REPORTS]), NotFoundError
    )


# The last keeper


@pytest.fixture
def only_keeper(practice: Practice) -> tuple[RoleDetail, int]:
    """Kim Fox is the only user who can sign in and edit roles, through Role Manager."""
    role = practice.role("Role Manager", *MANAGER_RIGHTS)
    return role, practice.user("kfox", role.id)


def test_taking_edit_roles_from_the_last_keepers_role_is_refused(practice, only_keeper):
    role, _ = only_keeper

    error = refused_with_nothing_stored(
        practice,
        dba(),
        lambda roles: roles.set_rights(role.id, revoked=[Right.EDIT_ROLES]),
        ValidationError,
    )

    assert "This would leave nobody who can sign in and edit roles" in error.errors["rights"]
    assert Right.EDIT_ROLES in practice.stored(role.id).rights


def test_deactivating_the_last_keepers_role_is_refused(practice, only_keeper):
    role, _ = only_keeper

    error = refused_with_nothing_stored(
        practice, dba(), lambda roles: roles.set_active(role.id, False), ValidationError
    )

    assert "This would leave nobody who can sign in and edit roles" in error.errors["active"]
    assert practice.stored(role.id).active


def test_with_another_keeper_the_role_may_lose_edit_roles_and_be_deactivated(
    practice, only_keeper, admin
):
    role, kfox = only_keeper

    practice.run(admin, lambda roles: roles.set_rights(role.id, revoked=[Right.EDIT_ROLES]))
    assert Right.EDIT_ROLES not in practice.stored(role.id).rights
    practice.run(admin, lambda roles: roles.set_active(role.id, False))

    assert not practice.stored(role.id).active
    with practice.database.transaction() as session:
        assert rights_of(session, practice.company.id, kfox).rights == frozenset()
    events = audit_events(practice.database, prefix="role.")
    assert events[-1].action == "role.deactivated"
    assert events[-1].changes[-1] == {"field": "active", "before": True, "after": False}


def test_an_inactive_role_may_be_activated_again(practice, admin):
    clerk = practice.role("Clerk", Right.REPORTS)
    practice.run(admin, lambda roles: roles.set_active(clerk.id, False))

    again = practice.run(admin, lambda roles: roles.set_active(clerk.id, True))

    assert again.active
    assert audit_events(practice.database, prefix="role.")[-1].action == "role.activated"


# Copy Role


def test_copy_role_carries_every_right_and_the_description(practice, admin):
    clerk = practice.role(
        "Clerk", Right.BILLING_VIEW, Right.REPORTS, description="Front office billing"
    )

    copied = practice.run(admin, lambda roles: roles.copy(clerk.id, "Billing Clerk"))

    assert (copied.name, copied.description, copied.rights, copied.built_in) == (
        "Billing Clerk",
        "Front office billing",
        {Right.BILLING_VIEW, Right.REPORTS},
        None,
    )
    assert copied.holders == ()
    event = audit_events(practice.database, prefix="role.")[-1]
    assert event.action == "role.copied"
    assert event.changes[1] == {"field": "copied_from", "before": None, "after": "Clerk"}
    assert event.changes[-1] == {
        "field": "rights",
        "before": None,
        "after": ["View billing", "Run reports"],
    }


def test_a_copy_of_administrator_is_an_ordinary_role_with_every_right(practice, admin):
    role = practice.built_in(BuiltInRole.ADMINISTRATOR)

    copied = practice.run(admin, lambda roles: roles.copy(role.id, "Deputy"))
    trimmed = practice.run(
        admin, lambda roles: roles.set_rights(copied.id, revoked=[Right.EPCS_APPROVER])
    )

    assert copied.rights == EVERY_RIGHT and copied.built_in is None
    assert trimmed.rights == EVERY_RIGHT - {Right.EPCS_APPROVER}


def test_a_copy_needs_a_name_of_its_own(practice, admin):
    clerk = practice.role("Clerk")

    error = refused_with_nothing_stored(
        practice, admin, lambda roles: roles.copy(clerk.id, "clerk"), ValidationError
    )
    assert error.errors == {"name": "There is already a role named Clerk."}


# Holders, listing, "Who has this right?"


@pytest.fixture
def staffed(practice: Practice, admin: Actor) -> dict[str, int]:
    """Billing Clerk held by Ann directly; Scheduling held by the Front Office group (Ann,
    Bob, and Cy, who is inactive)."""
    billing = practice.role("Billing Clerk", Right.BILLING_EDIT, Right.SCHEDULE_VIEW)
    scheduling = practice.role("Scheduling", Right.SCHEDULE_VIEW)
    ann = practice.user("ann", billing.id, last_name="Adams", first_name="Ann")
    bob = practice.user("bob", last_name="Brown", first_name="Bob")
    cy = practice.user("cyd", last_name="Cole", first_name="Cy", active=False)
    practice.group("Front Office", [scheduling.id], [ann, bob, cy])
    return {"billing": billing.id, "scheduling": scheduling.id, "ann": ann, "bob": bob, "cyd": cy}


def test_a_role_shows_who_holds_it_directly_and_through_groups(practice, staffed):
    scheduling = practice.stored(staffed["scheduling"])

    assert [(h.user_id, h.active, h.through) for h in scheduling.holders] == [
        ("ann", True, "Front Office group → Scheduling role"),
        ("bob", True, "Front Office group → Scheduling role"),
        ("cyd", False, "Front Office group → Scheduling role"),
    ]
    assert [h.user_id for h in practice.stored(staffed["billing"]).holders] == ["ann"]


def test_who_holds_a_right_names_every_source(practice, staffed):
    found = practice.look(lambda holders: holders.who_holds(Right.SCHEDULE_VIEW))

    assert [(h.user_id, h.name, h.sources) for h in found] == [
        (
            "ann",
            "Adams, Ann",
            (Source("Billing Clerk"), Source("Scheduling", "Front Office")),
        ),
        ("bob", "Brown, Bob", (Source("Scheduling", "Front Office"),)),
        ("mreyes", "Reyes, Maria", (Source("Administrator"),)),  # every right, always
    ]
    assert found[0].through == "Billing Clerk role; Front Office group → Scheduling role"
    everyone = practice.look(
        lambda holders: holders.who_holds(Right.SCHEDULE_VIEW, include_inactive=True)
    )
    assert [h.user_id for h in everyone] == ["ann", "bob", "cyd", "mreyes"]
    by_role = practice.look(lambda holders: holders.who_holds(staffed["billing"]))
    assert [(h.user_id, h.through) for h in by_role] == [("ann", "Billing Clerk role")]


def test_who_holds_a_deactivated_role_is_nobody(practice, staffed):
    practice.admin(lambda roles: roles.set_active(staffed["billing"], False))

    assert practice.look(lambda holders: holders.who_holds(staffed["billing"])) == []


def test_the_front_desk_may_see_who_holds_a_right(practice, staffed):
    pk = practice.user("lblake", role=SetupRole.FRONT_DESK)
    desk = practice.operator(pk, "lblake (Blake, Lauren)", SetupRole.FRONT_DESK.rights)

    found = practice.look(lambda holders: holders.who_holds(Right.BILLING_EDIT), desk)

    assert [h.user_id for h in found] == ["ann", "mreyes"]


def test_without_the_right_to_see_users_nobody_is_shown(practice, staffed):
    pk = practice.user("nouser")
    nobody = practice.operator(pk, "nouser (User, No)", frozenset({Right.CHANGE_OWN_PASSWORD}))

    refused_with_nothing_stored(
        practice,
        nobody,
        lambda roles: RightHolders(
            roles.session, roles.company, roles.actor, roles.clock
        ).who_holds(Right.BILLING_EDIT),
        NotAllowedError,
    )
    refused_with_nothing_stored(practice, nobody, lambda roles: roles.list_roles(), NotAllowedError)


def test_the_holders_csv_has_the_privacy_officers_columns(practice, staffed):
    text = practice.look(
        lambda holders: holders.holders_csv(Right.SCHEDULE_VIEW, include_inactive=True)
    )

    assert list(csv.reader(io.StringIO(text))) == [
        ["User ID", "Name", "Active", "Through"],
        ["ann", "Adams, Ann", "yes", "Billing Clerk role; Front Office group → Scheduling role"],
        ["bob", "Brown, Bob", "yes", "Front Office group → Scheduling role"],
        ["cyd", "Cole, Cy", "no", "Front Office group → Scheduling role"],
        ["mreyes", "Reyes, Maria", "yes", "Administrator role"],
    ]


def test_a_cell_that_would_run_as_a_formula_is_written_as_text(practice, admin):
    role = practice.role('=HYPERLINK("http://x")', Right.REPORTS)
    practice.user("eve", role.id, last_name="@SUM(A1)", first_name="+1")
    practice.user("mal", role.id, last_name="-2", first_name="x")

    rows = list(
        csv.reader(io.StringIO(practice.look(lambda holders: holders.holders_csv(Right.REPORTS))))
    )

    assert rows[1:] == [  # by name: "-2, x" before "@SUM(A1), +1"
        ["mal", "'-2, x", "yes", '\'=HYPERLINK("http://x") role'],
        ["eve", "'@SUM(A1), +1", "yes", '\'=HYPERLINK("http://x") role'],
        ["mreyes", "Reyes, Maria", "yes", "Administrator role"],
    ]
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_roles_are_listed_with_their_rights_and_active_holders(practice, staffed):
    listed = {r.name: r for r in practice.admin(lambda roles: roles.list_roles())}

    assert [r for r in listed] == sorted(listed, key=str.casefold)
    assert (listed["Administrator"].rights_count, listed["Administrator"].holders) == (
        len(EVERY_RIGHT),
        1,
    )
    assert (listed["Billing Clerk"].rights_count, listed["Billing Clerk"].holders) == (2, 1)
    assert (listed["Scheduling"].rights_count, listed["Scheduling"].holders) == (1, 2)
    assert listed["Front Desk"].built_in == "front_desk"


def test_the_role_list_is_three_statements_however_many_roles(practice, staffed, connection):
    def statements() -> int:
        with count_statements(connection) as seen:
            practice.admin(lambda roles: roles.list_roles())
        return len(seen)

    few = statements()
    for n in range(6):
        role = practice.role(f"Extra {n}", Right.REPORTS)
        practice.user(f"extra{n}", role.id)

    assert statements() == few == 3


def test_active_only_leaves_deactivated_roles_out(practice, staffed):
    practice.admin(lambda roles: roles.set_active(staffed["billing"], False))

    names = [r.name for r in practice.admin(lambda roles: roles.list_roles(active_only=True))]

    assert "Billing Clerk" not in names and "Scheduling" in names


def test_a_holders_mark_for_rights_over_others_is_read_again_after_a_rights_change(
    practice, staffed, database, company, clock
):
    def job(work: Work) -> tuple[bool, bool]:
        ann = work.session.get(User, staffed["ann"])
        assert ann is not None
        before = ann.holds_administrative_right
        role_setup(work).set_rights(staffed["billing"], [Right.EDIT_USERS])
        return before, ann.holds_administrative_right

    assert Workplace(database, company, dba(), clock).within(job) == (False, True)


def test_a_role_is_found_by_name_in_any_case(practice, staffed):
    assert practice.admin(lambda roles: roles.find("  billing CLERK")).id == staffed["billing"]
    with pytest.raises(NotFoundError):
        practice.admin(lambda roles: roles.find("Nobody"))


def test_the_stored_rows_match_what_is_shown(practice, admin, database):
    clerk = practice.role("Clerk", Right.REPORTS)
    with database.transaction() as session:
        row = session.scalars(select(Role).where(Role.id == clerk.id)).one()
        assert (row.name_key, row.version) == ("clerk", clerk.version)


def test_a_role_opens_in_four_statements_however_many_hold_it(practice, staffed, connection):
    def statements() -> int:
        with count_statements(connection) as seen:
            practice.admin(lambda roles: roles.load(staffed["scheduling"]))
        return len(seen)

    few = statements()
    more = [practice.user(f"member{n}") for n in range(5)]
    practice.group("Back Office", [staffed["scheduling"]], more)

    assert statements() == few == 4  # the role, its rights, its holders' grants, their names
