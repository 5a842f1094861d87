"""Resetting someone's 2FA and granting User Setup rights ask for the operator's password again
when they last entered it more than 5 minutes ago: a window left signed in at the front desk
must not let a passer-by put their own phone on an account or make themselves an operator.
Domain tests, on every database; the window's side is in test_password_again.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.access import FRESH_PASSWORD, Actor
from app.db.database import Database
from app.db.models import BuiltInRole, Role, RoleRight, TwoFactorMethod, TwoFactorSetup
from app.errors import NotAllowedError, PasswordAgainError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import USER_SETUP_RIGHTS, Right
from app.roles.assignments import UserRoles, direct_role_ids
from app.roles.built_in import built_in_role
from app.signin.flow import SignInFlow, Step
from app.signin.own_password import confirm_password
from app.two_factor.service import TwoFactorForm, TwoFactorService
from tests.conftest import KIM_PASSWORD, NOW, FixedClock
from tests.helpers.actors import SIGNED_IN_AT, dba, signed_in
from tests.helpers.records import add_user, audit_events, stored_user, version_of
from tests.helpers.roles import SetupRole

SIX_MINUTES_AGO = NOW - timedelta(minutes=6)


def administrator(password_at: datetime | None) -> Actor:
    """An Administrator signed in at the desk, who entered their password at ``password_at``."""
    return signed_in("mreyes (Reyes, Maria)", SetupRole.ADMINISTRATOR, password_at=password_at)


def give_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int
) -> None:
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("setup"), clock)
        enrolment = service.enrolment(pk)
        verified = service.verify_new_key(enrolment, pyotp.TOTP(enrolment.secret).at(clock.now))
        form = TwoFactorForm(TwoFactorMethod.APP.value, setup=TwoFactorSetup.NOW.value)
        service.save(pk, form, version_of(session, pk), verified)


def reset(
    database: Database, company: CompanyInfo, clock: FixedClock, actor: Actor, pk: int
) -> None:
    with database.transaction() as session:
        TwoFactorService(session, company, actor, clock).reset(pk)


def has_authenticator(database: Database, pk: int) -> bool:
    return stored_user(database, pk).totp_secret is not None


def resets(database: Database, pk: int) -> int:
    return len(audit_events(database, user_pk=pk, prefix="2fa.reset"))


def test_the_helpers_operator_entered_the_password_as_the_tests_clock_starts() -> None:
    assert SIGNED_IN_AT == NOW  # otherwise every signed-in actor of the tests would be stale


# Resetting 2FA


def test_a_2fa_reset_six_minutes_after_the_password_is_refused_and_changes_nothing(
    database, company, clock, kim
):
    give_authenticator(database, company, clock, kim)
    with pytest.raises(PasswordAgainError, match="enter your password again"):
        reset(database, company, clock, administrator(SIX_MINUTES_AGO), kim)

    assert has_authenticator(database, kim)
    assert resets(database, kim) == 0
    stored = stored_user(database, kim)
    assert stored.two_factor_setup == TwoFactorSetup.NOW.value
    assert stored.recovery_codes_left == 10


@pytest.mark.parametrize(
    ("entered_ago", "refused"),
    [
        (timedelta(minutes=4), False),
        (FRESH_PASSWORD, False),  # exactly five minutes still counts as fresh
        (FRESH_PASSWORD + timedelta(seconds=1), True),
        (timedelta(hours=3), True),
    ],
)
def test_the_password_counts_as_fresh_for_five_minutes_and_not_a_second_more(
    database, company, clock, kim, entered_ago, refused
):
    give_authenticator(database, company, clock, kim)
    actor = administrator(NOW - entered_ago)
    if refused:
        with pytest.raises(PasswordAgainError):
            reset(database, company, clock, actor, kim)
    else:
        reset(database, company, clock, actor, kim)
    assert has_authenticator(database, kim) is refused
    assert resets(database, kim) == (0 if refused else 1)


def test_an_actor_with_no_password_moment_is_asked_for_it(database, company, clock, kim):
    give_authenticator(database, company, clock, kim)
    with pytest.raises(PasswordAgainError):
        reset(database, company, clock, administrator(None), kim)
    assert has_authenticator(database, kim)


def test_the_command_lines_database_administrator_is_never_asked(database, company, clock, kim):
    give_authenticator(database, company, clock, kim)
    clock.now = NOW + timedelta(days=30)  # no password was ever entered: they hold the database
    reset(database, company, clock, Actor.database_administrator(), kim)
    assert not has_authenticator(database, kim)
    assert resets(database, kim) == 1


def test_saving_the_2fa_section_without_the_authenticator_is_a_reset_and_asks_too(
    database, company, clock, kim
):
    give_authenticator(database, company, clock, kim)
    actor = administrator(SIX_MINUTES_AGO)
    with database.transaction() as session, pytest.raises(PasswordAgainError):
        TwoFactorService(session, company, actor, clock).save(
            kim, TwoFactorForm(TwoFactorMethod.NONE.value), version_of(session, kim)
        )
    assert has_authenticator(database, kim)

    with database.transaction() as session:  # a user without one: nothing is taken away
        other = add_user(database, company, clock, "wcassady")
        TwoFactorService(session, company, actor, clock).save(
            other, TwoFactorForm(TwoFactorMethod.EMAIL.value, "w@valley.example"),
            version_of(session, other),
        )  # fmt: skip
    assert stored_user(database, other).two_factor_method == TwoFactorMethod.EMAIL.value


# Granting roles


def practice_role(database: Database, company: CompanyInfo, name: str, *rights: Right) -> int:
    """A role of the practice's own (no Role Setup in this test), stored as Role Setup does."""
    with database.transaction() as session:
        role = Role(
            company_id=company.id, name=name, name_key=name.casefold(), built_in=None,
            active=True, updated_at=NOW, updated_by="setup",
        )  # fmt: skip
        session.add(role)
        session.flush()
        session.add_all(RoleRight(role_id=role.id, right=r.value) for r in rights)
        return role.id


def built_in_id(database: Database, company: CompanyInfo, which: BuiltInRole) -> int:
    with database.transaction() as session:
        return built_in_role(session, company.id, which).id


def give(
    database: Database, company: CompanyInfo, clock: FixedClock, actor: Actor, pk: int,
    *roles: int,
) -> None:  # fmt: skip
    with database.transaction() as session:
        UserRoles(session, company, actor, clock).set_roles(pk, roles)


def roles_of(database: Database, pk: int) -> frozenset[int]:
    with database.transaction() as session:
        return direct_role_ids(session, pk)


@pytest.mark.parametrize("which", [BuiltInRole.FRONT_DESK, BuiltInRole.ADMINISTRATOR])
def test_granting_a_role_with_user_setup_rights_asks_for_the_password_again(
    database, company, clock, kim, which
):
    role = built_in_id(database, company, which)
    with pytest.raises(PasswordAgainError):
        give(database, company, clock, administrator(SIX_MINUTES_AGO), kim, role)
    assert roles_of(database, kim) == frozenset()
    assert audit_events(database, user_pk=kim, prefix="user.role") == []

    give(database, company, clock, administrator(NOW - timedelta(minutes=4)), kim, role)
    assert roles_of(database, kim) == {role}


def test_a_role_with_a_single_user_setup_right_asks_too(database, company, clock, kim):
    for right in sorted(USER_SETUP_RIGHTS):
        role = practice_role(database, company, f"Only {right.value}", right)
        with pytest.raises(PasswordAgainError):
            give(database, company, clock, administrator(SIX_MINUTES_AGO), kim, role)
    assert roles_of(database, kim) == frozenset()


def test_granting_a_role_with_only_practice_rights_does_not_ask(database, company, clock, kim):
    billing = practice_role(
        database, company, "Billing Clerk", Right.BILLING_VIEW, Right.BILLING_EDIT
    )
    audit = practice_role(database, company, "Auditor", Right.VIEW_AUDIT_LOG)
    give(database, company, clock, administrator(SIX_MINUTES_AGO), kim, billing, audit)
    assert roles_of(database, kim) == {billing, audit}


def test_a_role_whose_user_setup_rights_are_held_already_does_not_ask(
    database, company, clock, kim
):
    administrator_role = built_in_id(database, company, BuiltInRole.ADMINISTRATOR)
    front_desk = built_in_id(database, company, BuiltInRole.FRONT_DESK)
    give(database, company, clock, administrator(NOW), kim, administrator_role)
    give(
        database,
        company,
        clock,
        administrator(SIX_MINUTES_AGO),
        kim,
        administrator_role,
        front_desk,
    )
    assert roles_of(database, kim) == {administrator_role, front_desk}  # nothing newly given


def test_taking_a_user_setup_role_away_or_keeping_one_does_not_ask(database, company, clock, kim):
    front_desk = built_in_id(database, company, BuiltInRole.FRONT_DESK)
    billing = practice_role(database, company, "Billing Clerk", Right.BILLING_VIEW)
    give(database, company, clock, administrator(NOW), kim, front_desk)
    stale = administrator(SIX_MINUTES_AGO)

    give(database, company, clock, stale, kim, front_desk, billing)  # Front Desk was held already
    assert roles_of(database, kim) == {front_desk, billing}
    give(database, company, clock, stale, kim, billing)  # taken away: nothing more can be done
    assert roles_of(database, kim) == {billing}


def test_a_refused_grant_says_the_other_refusals_first(database, company, clock, kim):
    """The password is asked last: not for a change that would be refused anyway."""
    front_desk = built_in_id(database, company, BuiltInRole.FRONT_DESK)
    desk = signed_in("lblake", SetupRole.FRONT_DESK, password_at=SIX_MINUTES_AGO)
    with pytest.raises(NotAllowedError, match="may not change roles"):
        give(database, company, clock, desk, kim, front_desk)
    with database.transaction() as session:
        session.add(Role(company_id=company.id, name="Old", name_key="old", built_in=None,
                         active=False, updated_at=NOW, updated_by="setup"))  # fmt: skip
    with database.transaction() as session:
        old = session.scalars(select(Role.id).where(Role.name_key == "old")).one()
        session.add(RoleRight(role_id=old, right=Right.EDIT_USERS.value))
    with pytest.raises(ValidationError, match="deactivated"):
        give(database, company, clock, administrator(SIX_MINUTES_AGO), kim, old)


# Where the moment comes from


def test_the_sign_in_stamps_the_moment_the_password_was_accepted(database, company, clock):
    from ui.signin.common import Operator

    add_user(
        database, company, clock, "mreyes", password=KIM_PASSWORD, role=SetupRole.ADMINISTRATOR
    )
    clock.now = NOW + timedelta(hours=2)
    flow = SignInFlow(database, clock, "FRONTDESK-2", ip="10.0.0.5")
    assert flow.submit_password("valley", "mreyes", KIM_PASSWORD) is Step.SIGNED_IN
    assert flow.password_at == NOW + timedelta(hours=2)
    result = flow.result
    assert result is not None and result.company is not None and result.user_pk is not None
    operator = Operator(
        result.company, flow.operator, "Administrator", result.user_pk, "mreyes", result.rights,
        flow.password_at,
    )  # fmt: skip
    actor = operator.actor("FRONTDESK-2")
    assert actor.password_at == NOW + timedelta(hours=2)
    clock.now += FRESH_PASSWORD
    actor.require_fresh_password(clock())  # five minutes on: still fresh
    clock.now += timedelta(seconds=1)
    with pytest.raises(PasswordAgainError):
        actor.require_fresh_password(clock())


def test_entering_the_password_again_is_counted_and_audited_as_a_sign_in(database, company, clock):
    pk = add_user(
        database, company, clock, "mreyes", password=KIM_PASSWORD, role=SetupRole.ADMINISTRATOR
    )
    clock.now = NOW + timedelta(minutes=20)
    with pytest.raises(ValidationError) as refused:
        confirm_password(database, clock, "FRONTDESK-2", "valley", "mreyes", "not my password")
    assert refused.value.errors == {"password": "Invalid user ID, password or company"}
    assert stored_user(database, pk).failed_logins == 1  # kept: raised after the commit

    assert confirm_password(database, clock, "FRONTDESK-2", "valley", "mreyes", KIM_PASSWORD) == (
        NOW + timedelta(minutes=20)
    )
    actions = [e.action for e in audit_events(database, user_pk=pk, prefix="signin.")]
    assert actions[-2:] == ["signin.failed", "signin.succeeded"]


def test_too_many_wrong_passwords_lock_the_operator_out(database, company, clock):
    pk = add_user(
        database, company, clock, "mreyes", password=KIM_PASSWORD, role=SetupRole.ADMINISTRATOR
    )
    for _ in range(5):
        with pytest.raises(ValidationError):
            confirm_password(database, clock, "FRONTDESK-2", "valley", "mreyes", "guess")
    with pytest.raises(ValidationError):  # the right password no longer opens it
        confirm_password(database, clock, "FRONTDESK-2", "valley", "mreyes", KIM_PASSWORD)
    stored = stored_user(database, pk)
    assert stored.locked_until is not None or stored.login_locked
