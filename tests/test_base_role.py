"""The base role every user must hold: set with the rights to set it, given at once to every
active user who lacks it (each audited), and a user without it refused beside their roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Connection

from app.access import EVERY_RIGHT, Actor
from app.audit import Action
from app.db.database import Database
from app.db.models import BuiltInRole
from app.errors import (
    ConflictError,
    NotAllowedError,
    PasswordAgainError,
    ValidationError,
)
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import UserRoles, direct_role_ids
from app.roles.base_role import (
    BaseRoleSet,
    base_role,
    base_role_version,
    require_base_role,
    set_base_role,
)
from app.roles.built_in import built_in_role
from app.roles.effective import rights_of
from app.roles.groups import GroupSetup
from app.roles.setup import RoleSetup
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.groups import make_group, make_role, operator
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.statements import count_statements

SETTINGS_AND_ROLES = frozenset(
    {Right.VIEW_USERS, Right.COMPANY_SETTINGS, Right.EDIT_ROLES, Right.SCHEDULE_VIEW}
)
MESSAGE = (
    "Every user must hold the “Staff” role (the practice's base role): tick it, or add them to "
    "a group that has it."
)


def _set(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    role_id: int | None,
    actor: Actor | None = None,
) -> BaseRoleSet:
    with database.transaction() as session:
        version = base_role_version(session, company.id)
        return set_base_role(session, company, actor or dba(), clock, role_id, version)


def test_setting_the_base_role_gives_it_to_every_active_user_who_lacks_it(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    kim = add_user(database, company, clock, "kimberly", role=SetupRole.FRONT_DESK)
    wes = add_user(database, company, clock, "wcassady")
    grouped = add_user(database, company, clock, "grouped")
    gone = add_user(database, company, clock, "gone")
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
    make_group(database, company, clock, "Everyone", roles=[staff], members=[grouped])
    with database.transaction() as session:
        assert base_role(session, company.id) is None
    done = _set(database, company, clock, staff)
    assert (done.name, done.given_to) == ("Staff", ("kimberly", "wcassady"))
    with database.transaction() as session:
        assert base_role(session, company.id) == (staff, "Staff")
        assert {pk: staff in direct_role_ids(session, pk) for pk in (kim, wes, grouped, gone)} == {
            kim: True,
            wes: True,
            grouped: False,  # holds it through a group
            gone: False,  # inactive
        }
    (event,) = audit_events(database, user_pk=kim, prefix=Action.USER_ROLE_CHANGED.value)[-1:]
    assert event.changes[0] == {
        "field": "roles",
        "before": ["Front Desk"],
        "after": ["Front Desk", "Staff"],
    }
    setting = audit_events(database, company_id=company.id, prefix="roles.base_role")[-1]
    assert setting.changes[0] == {"field": "base_role", "before": None, "after": "Staff"}
    assert _set(database, company, clock, None).role_id is None
    with database.transaction() as session:
        assert base_role(session, company.id) is None


def test_a_user_who_would_hold_it_neither_directly_nor_through_a_group_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    other = make_role(database, company, clock, "Billing", [Right.BILLING_VIEW])
    with_it = make_group(database, company, clock, "Everyone", roles=[staff])
    without = make_group(database, company, clock, "Billing Office", roles=[other])
    with database.transaction() as session:
        require_base_role(session, company.id, [other], [])  # no base role yet: no rule
    _set(database, company, clock, staff)
    with database.transaction() as session:
        require_base_role(session, company.id, [staff], [])
        require_base_role(session, company.id, [], [with_it])
        for roles, groups in (([other], [without]), ([], [])):
            with pytest.raises(ValidationError) as refused:
                require_base_role(session, company.id, roles, groups)
            assert refused.value.errors == {"roles": MESSAGE}
        with pytest.raises(ValidationError) as refused:
            require_base_role(session, company.id, [], [], field="groups")
        assert refused.value.errors == {"groups": MESSAGE}


def test_a_group_deactivated_does_not_give_the_base_role(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    group = make_group(database, company, clock, "Everyone", roles=[staff])
    _set(database, company, clock, staff)
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(group, False)
        with pytest.raises(ValidationError):
            require_base_role(session, company.id, [], [group])


def test_setting_it_needs_company_settings_and_edit_roles_and_a_fresh_password(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    add_user(database, company, clock, "kimberly")
    for lacking in (Right.COMPANY_SETTINGS, Right.EDIT_ROLES):
        with pytest.raises(NotAllowedError):
            _set(database, company, clock, staff, operator(SETTINGS_AND_ROLES - {lacking}, clock))
    stale = operator(SETTINGS_AND_ROLES, clock).with_password_at(clock() - timedelta(minutes=6))
    with pytest.raises(PasswordAgainError):
        _set(database, company, clock, staff, stale)
    with database.transaction() as session:
        assert base_role(session, company.id) is None
    assert _set(database, company, clock, staff, operator(SETTINGS_AND_ROLES, clock)).given_to == (
        "kimberly",
    )


def test_nobody_makes_a_role_with_rights_they_lack_everyone_s(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    billing = make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    kim = add_user(database, company, clock, "kimberly")
    with pytest.raises(ValidationError) as refused:
        _set(database, company, clock, billing, operator(SETTINGS_AND_ROLES, clock))
    assert refused.value.errors == {
        "base_role": "You cannot give rights you do not hold yourself: Post charges and payments."
    }
    with database.transaction() as session:
        assert base_role(session, company.id) is None
        assert direct_role_ids(session, kim) == frozenset()


def test_a_user_who_holds_rights_the_setter_lacks_is_not_changed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    boss = add_user(database, company, clock, "boss", role=SetupRole.ADMINISTRATOR)
    with pytest.raises(NotAllowedError) as refused:
        _set(database, company, clock, staff, operator(SETTINGS_AND_ROLES, clock))
    assert "boss holds rights you do not" in str(refused.value)
    with database.transaction() as session:
        assert staff not in direct_role_ids(session, boss)
        assert base_role(session, company.id) is None


def test_an_inactive_role_cannot_be_the_base_role(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    old = make_role(database, company, clock, "Old Staff", [Right.SCHEDULE_VIEW], active=False)
    with pytest.raises(ValidationError) as refused:
        _set(database, company, clock, old)
    assert refused.value.errors == {"base_role": "Old Staff is deactivated; activate it first."}


def test_the_base_role_set_elsewhere_meanwhile_is_a_conflict(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    other = make_role(database, company, clock, "Everyone", [Right.SCHEDULE_VIEW])
    _set(database, company, clock, staff)
    with pytest.raises(ConflictError) as refused, database.transaction() as session:
        set_base_role(session, company, dba(), clock, other, 0)
    assert str(refused.value).startswith("The base role setting was changed by mreyes")


def test_the_base_role_is_given_to_many_users_in_a_bounded_number_of_reads(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock
) -> None:
    role = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    for i in range(10):
        add_user(database, company, clock, f"staff{i}")
    with database.transaction() as session, count_statements(connection) as statements:
        done = set_base_role(session, company, dba(), clock, role, 0)
    assert len(done.given_to) == 10
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 7


def test_every_right_of_the_administrator_role_may_be_the_base_role_only_for_one_who_holds_all(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    from app.roles.assignments import role_choices

    with database.transaction() as session:
        admin = next(c.id for c in role_choices(session, company) if c.name == "Administrator")
    with pytest.raises(ValidationError):
        _set(database, company, clock, admin, operator(SETTINGS_AND_ROLES, clock))
    assert _set(database, company, clock, admin, operator(EVERY_RIGHT, clock)).name == (
        "Administrator"
    )


def test_a_member_holding_the_base_role_only_through_a_group_keeps_it(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    """Taking them out of the group, taking the role from the group, or deactivating the
    group would leave them without it: each is refused, naming them."""
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    kim = add_user(database, company, clock, "kimberly")
    group = make_group(database, company, clock, "Everyone", roles=[staff], members=[kim])
    _set(database, company, clock, staff)  # Kimberly holds it through the group: not given
    with database.transaction() as session:
        assert staff not in direct_role_ids(session, kim)
    lost = "kimberly would no longer hold the “Staff” role (the practice's base role)"
    attempts: list[tuple[str, Callable[[GroupSetup], object]]] = [
        ("members", lambda g: g.remove_members(group, [kim])),
        ("roles", lambda g: g.set_roles(group, [])),
        ("active", lambda g: g.set_active(group, False)),
    ]
    for field, attempt in attempts:
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            attempt(GroupSetup(session, company, dba(), clock))
        assert refused.value.errors[field].startswith(lost)
    with database.transaction() as session:
        assert "Staff" in rights_of(session, company.id, kim).roles


def test_a_user_s_roles_set_without_the_base_role_are_refused_beside_the_roles(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    """What ``usersetup users set-role`` and the demo go through: the base role cannot be
    taken from a user by giving them other roles directly."""
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    other = make_role(database, company, clock, "Billing", [Right.BILLING_VIEW])
    kim = add_user(database, company, clock, "kimberly")
    grouped = add_user(database, company, clock, "grouped")
    make_group(database, company, clock, "Everyone", roles=[staff], members=[grouped])
    _set(database, company, clock, staff)
    for wanted in ([other], []):
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            UserRoles(session, company, dba(), clock).set_roles(kim, wanted)
        assert refused.value.errors == {"roles": MESSAGE}
    with database.transaction() as session:
        assert direct_role_ids(session, kim) == {staff}
        # Through an active group it is held: the direct roles may go.
        UserRoles(session, company, dba(), clock).set_roles(grouped, [other])
        assert direct_role_ids(session, grouped) == {other}


def test_a_built_in_base_role_cannot_be_swapped_away_by_set_role(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly", role=SetupRole.FRONT_DESK)
    with database.transaction() as session:
        front_desk = built_in_role(session, company.id, BuiltInRole.FRONT_DESK).id
    _set(database, company, clock, front_desk)
    for which in (BuiltInRole.ADMINISTRATOR, None):
        with pytest.raises(ValidationError) as refused, database.transaction() as session:
            UserRoles(session, company, dba(), clock).set_built_in(kim, which)
        assert "the practice's base role" in refused.value.errors["roles"]
    with database.transaction() as session:
        assert direct_role_ids(session, kim) == {front_desk}


def test_the_base_role_cannot_be_deactivated_in_role_setup(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    staff = make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    _set(database, company, clock, staff)
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        RoleSetup(session, company, dba(), clock).set_active(staff, False)
    assert refused.value.errors == {
        "active": "Staff is the practice's base role, which every user must hold; change the "
        "base role in Company Settings first."
    }
    with database.transaction() as session:
        assert RoleSetup(session, company, dba(), clock).load(staff).active
    _set(database, company, clock, None)
    with database.transaction() as session:
        assert not RoleSetup(session, company, dba(), clock).set_active(staff, False).active
