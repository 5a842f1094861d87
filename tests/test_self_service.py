"""Self-service without User Setup rights (issue 13): a user whose roles give only "Change own
password" or "User Two Factor Authentication" signs in to their own My Account screen, and app/
checks each right, held now, as they change their password or put a new phone on the account."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from app.access import Actor, Right
from app.db.database import Database
from app.db.models import AuditEvent, User
from app.errors import NotAllowedError, PasswordAgainError, ValidationError
from app.practice.company import CompanyInfo
from app.roles.assignments import UserRoles
from app.signin.flow import SignInFlow, Step
from app.signin.own_password import change_own_password
from app.two_factor.authenticator import use_recovery_code
from app.two_factor.service import Enrolment, TwoFactorForm, TwoFactorService, new_enrolment
from app.workplace import Work, Workplace
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.actors import dba
from tests.helpers.catalog import add_role
from tests.helpers.records import authenticator_key, version_of

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NEW_PASSWORD = "a lantern by the north gate"
KIM = "kimberly (Fox, Kimberly)"
SELF_SERVICE = frozenset({Right.CHANGE_OWN_PASSWORD, Right.OWN_TWO_FACTOR})


def phone(secret: str, clock: FixedClock) -> str:
    return pyotp.TOTP(secret).at(clock.now)


def give_role(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, *rights: Right
) -> int:
    """A practice role with only these rights, given to the user by the administrator."""
    with database.transaction() as session:
        role = add_role(session, company, f"Self {len(rights)} {rights[0].value}", rights)
        UserRoles(session, company, dba("setup"), clock).set_roles(pk, [role])
    return role


def as_kim(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    rights: frozenset[Right] = SELF_SERVICE,
    password_minutes_ago: int = 1,
) -> Workplace:
    """Kimberly signed in with ``rights`` (what her sign-in was told; app/ reads them again)."""
    actor = Actor.user(kim, KIM, "FRONTDESK-2", rights)
    at = clock.now - timedelta(minutes=password_minutes_ago)
    return Workplace(database, company, actor.with_password_at(at), clock)


def tf(work: Work) -> TwoFactorService:
    return TwoFactorService(work.session, work.company, work.actor, work.clock)


def old_authenticator(database: Database, company: CompanyInfo, clock: FixedClock, pk: int):
    """The desk's "Set up now" with the old phone: its key SECRET and ten recovery codes."""
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("mreyes"), clock)
        verified = service.verify_new_key(
            service.enrolment(pk, secret=SECRET), phone(SECRET, clock)
        )
        _, codes = service.save(
            pk, TwoFactorForm("app", setup="now"), version_of(session, pk), verified
        )
    clock.now += timedelta(seconds=30)  # the old phone's token is used up; a new step
    return codes


def events(database: Database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def stored(database: Database, pk: int) -> User:
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        session.expunge(user)
        return user


# Setting up one's own authenticator again


def test_a_new_phone_replaces_the_key_only_once_its_own_token_verifies(
    database, company, clock, kim
):
    old_codes = old_authenticator(database, company, clock, kim)
    give_role(database, company, clock, kim, Right.OWN_TWO_FACTOR)
    place = as_kim(database, company, clock, kim, frozenset({Right.OWN_TWO_FACTOR}))
    enrolment: Enrolment = place.within(lambda work: tf(work).own_enrolment("My new phone"))
    assert enrolment.account == "kimberly" and enrolment.secret != SECRET
    assert authenticator_key(database, kim) == SECRET  # nothing stored by making the key
    before = len(events(database))

    # The old phone's token, or a wrong one: nothing changes, nothing is recorded.
    def replace_with(token: str) -> list[str]:
        return place.within(lambda work: tf(work).replace_own_authenticator(enrolment, token))

    for wrong in (phone(SECRET, clock), "000000"):
        with pytest.raises(ValidationError) as refused:
            replace_with(wrong)
        assert "token" in refused.value.errors
    assert authenticator_key(database, kim) == SECRET
    assert len(events(database)) == before
    assert use_code_works(database, clock, kim, old_codes[0])  # the old codes still work

    codes = place.within(
        lambda work: tf(work).replace_own_authenticator(enrolment, phone(enrolment.secret, clock))
    )
    assert len(codes) == 10
    assert authenticator_key(database, kim) == enrolment.secret
    user = stored(database, kim)
    assert (user.authenticator_title, user.two_factor_method) == ("My new phone", "app")
    assert not use_code_works(database, clock, kim, old_codes[1])  # gone with the old key
    assert use_code_works(database, clock, kim, codes[0])
    replaced = [e for e in events(database) if e.action == "2fa.own_replaced"]
    assert len(replaced) == 1 and replaced[0].user_pk == kim
    assert replaced[0].operator == f"{KIM} at FRONTDESK-2"
    said = json.dumps(replaced[0].changes)
    assert "authenticator replaced by the user" in said and "My new phone" in said
    assert enrolment.secret not in said and SECRET not in said


def use_code_works(database: Database, clock: FixedClock, pk: int, code: str) -> bool:
    with database.transaction() as session:
        return use_recovery_code(session, pk, code, clock())


def test_without_the_right_no_key_is_made_or_stored(database, company, clock, kim):
    old_authenticator(database, company, clock, kim)
    give_role(database, company, clock, kim, Right.CHANGE_OWN_PASSWORD)
    honest = as_kim(database, company, clock, kim, frozenset({Right.CHANGE_OWN_PASSWORD}))
    with pytest.raises(NotAllowedError, match="User Two Factor Authentication"):
        honest.within(lambda work: tf(work).own_enrolment())

    # A forged actor claiming the right: the database's roles say otherwise.
    forged = as_kim(database, company, clock, kim)
    key = new_enrolment("kimberly", "", company)
    with pytest.raises(NotAllowedError):
        forged.within(
            lambda work: tf(work).replace_own_authenticator(key, phone(key.secret, clock))
        )
    assert authenticator_key(database, kim) == SECRET


def test_a_stale_password_is_asked_again_before_a_key_is_made_or_stored(
    database, company, clock, kim
):
    old_authenticator(database, company, clock, kim)
    give_role(database, company, clock, kim, Right.OWN_TWO_FACTOR)
    fresh = as_kim(database, company, clock, kim, password_minutes_ago=4)
    enrolment = fresh.within(lambda work: tf(work).own_enrolment())
    stale = as_kim(database, company, clock, kim, password_minutes_ago=6)
    with pytest.raises(PasswordAgainError):
        stale.within(lambda work: tf(work).own_enrolment())
    with pytest.raises(PasswordAgainError):
        stale.within(
            lambda work: tf(work).replace_own_authenticator(
                enrolment, phone(enrolment.secret, clock)
            )
        )
    assert authenticator_key(database, kim) == SECRET


def test_a_key_made_for_someone_else_is_refused(database, company, clock, kim):
    give_role(database, company, clock, kim, Right.OWN_TWO_FACTOR)
    place = as_kim(database, company, clock, kim)
    theirs = new_enrolment("mreyes", "", company)
    with pytest.raises(NotAllowedError):
        place.within(
            lambda work: tf(work).replace_own_authenticator(theirs, phone(theirs.secret, clock))
        )
    assert authenticator_key(database, kim) is None


def test_epcs_permission_ends_with_the_old_key(database, company, clock, kim):
    old_authenticator(database, company, clock, kim)
    give_role(database, company, clock, kim, Right.OWN_TWO_FACTOR)
    with database.transaction() as session:
        user = session.get(User, kim)
        assert user is not None
        user.epcs_allowed = True  # granted earlier by two people (app.epcs)
    place = as_kim(database, company, clock, kim)
    enrolment = place.within(lambda work: tf(work).own_enrolment())
    with pytest.raises(ValidationError):
        place.within(lambda work: tf(work).replace_own_authenticator(enrolment, "000000"))
    assert stored(database, kim).epcs_allowed  # a wrong token takes nothing away

    place.within(
        lambda work: tf(work).replace_own_authenticator(enrolment, phone(enrolment.secret, clock))
    )
    assert not stored(database, kim).epcs_allowed
    revoked = [e for e in events(database) if e.action == "epcs.revoked"]
    assert len(revoked) == 1
    assert "authenticator set up again by the user" in json.dumps(revoked[0].changes)


# Changing one's own password by choice


def change(place: Workplace, pk: int, current: str = KIM_PASSWORD) -> None:
    change_own_password(
        place.database, place.company, pk, NEW_PASSWORD, NEW_PASSWORD, clock=place.clock,
        workstation="FRONTDESK-2", operator=KIM, current_password=current, actor=place.actor,
    )  # fmt: skip


def password_hash(database: Database, pk: int) -> str:
    return stored(database, pk).password_hash or ""


def test_changing_ones_own_password_needs_the_right_held_now(database, company, clock, kim):
    give_role(database, company, clock, kim, Right.OWN_TWO_FACTOR)
    before = password_hash(database, kim)
    with pytest.raises(NotAllowedError, match="Change own password"):
        change(as_kim(database, company, clock, kim, frozenset({Right.OWN_TWO_FACTOR})), kim)
    with pytest.raises(NotAllowedError):  # claimed by a forged actor: the roles say no
        change(as_kim(database, company, clock, kim), kim)
    assert password_hash(database, kim) == before

    give_role(database, company, clock, kim, Right.CHANGE_OWN_PASSWORD)
    change(as_kim(database, company, clock, kim), kim)
    assert password_hash(database, kim) != before
    assert [e.action for e in events(database)][-1] == "password.changed"


def test_nobody_changes_another_users_password_as_their_own(database, company, clock, kim):
    give_role(database, company, clock, kim, Right.CHANGE_OWN_PASSWORD)
    with database.transaction() as session:
        other = session.scalars(
            select(User.id).where(User.company_id == company.id, User.id != kim)
        ).first()
    if other is None:
        from tests.helpers.records import add_user

        other = add_user(database, company, clock, "ljones", password=KIM_PASSWORD)
    before = password_hash(database, other)
    with pytest.raises(NotAllowedError):
        change(as_kim(database, company, clock, kim), other)
    assert password_hash(database, other) == before


# The sign-in's last step


@pytest.mark.parametrize(
    "rights, step",
    [
        ((Right.CHANGE_OWN_PASSWORD,), Step.SELF_SERVICE),
        ((Right.OWN_TWO_FACTOR,), Step.SELF_SERVICE),
        ((Right.SCHEDULE_VIEW,), Step.NO_ACCESS),
        ((Right.VIEW_USERS, Right.CHANGE_OWN_PASSWORD), Step.SIGNED_IN),
    ],
)
def test_a_self_service_right_without_user_setup_leads_to_my_account_only(
    database, company, clock, kim, rights, step
):
    give_role(database, company, clock, kim, *rights)
    flow = SignInFlow(database, clock, "FRONTDESK-2")
    assert flow.submit_password(company.code, "kimberly", KIM_PASSWORD) is step
    assert flow.self_service_rights == frozenset(rights) & SELF_SERVICE
