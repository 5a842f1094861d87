"""Nobody changes a user who holds a right they lack, whatever section or command they use
(FreeIPA's CVE-2020-10747 let user administrators lock and modify admins): the attacks a
review performed, each refused with nothing stored; and a new authenticator or new recovery
codes are as much a way into an account as a reset."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import update

from app.db.database import Database
from app.db.models import User
from app.errors import NotAllowedError, PasswordAgainError, ValidationError
from app.login_times.service import LoginTimesService
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import UserRoles
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.epcs import SECRETS, add_registrant
from tests.helpers.groups import make_role, operator
from tests.helpers.records import add_user, stored_user
from tests.helpers.roles import SetupRole

USER_EDITOR = (Right.VIEW_USERS, Right.EDIT_USERS)
TWO_FACTOR_DESK = (Right.VIEW_USERS, Right.EDIT_TWO_FACTOR)


def _give(database: Database, company: CompanyInfo, clock: FixedClock, pk: int, role: int) -> None:
    with database.transaction() as session:
        UserRoles(session, company, dba(), clock).set_roles(pk, [role])


@pytest.fixture
def people(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    """An Administrator, a user editor, and a clerk holding a practice right."""
    editor_role = make_role(database, company, clock, "User Editor", USER_EDITOR)
    billing = make_role(database, company, clock, "Billing", [Right.BILLING_VIEW])
    people = {
        "admin": add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR),
        "editor": add_user(database, company, clock, "uadmin"),
        "clerk": add_user(database, company, clock, "kimberly"),
    }
    _give(database, company, clock, people["editor"], editor_role)
    _give(database, company, clock, people["clerk"], billing)
    return people


def test_a_user_editor_cannot_change_deactivate_or_set_the_password_of_an_administrator(
    database: Database, company: CompanyInfo, clock: FixedClock, people: dict[str, int]
) -> None:
    editor = operator(USER_EDITOR, clock, people["editor"], "uadmin")
    before = stored_user(database, people["admin"])
    with database.transaction() as session:
        users = UserService(session, company, editor, clock)
        record = users.get(people["admin"])
        taken_over = record.fields
        taken_over.new_password = taken_over.retype_password = "a password of mine 42"
        taken_over.must_change_password = False
        with pytest.raises(NotAllowedError, match="mreyes holds rights you do not"):
            users.update(people["admin"], taken_over, record.version)
        with pytest.raises(NotAllowedError, match="mreyes holds rights you do not"):
            users.set_active(people["admin"], False)
    after = stored_user(database, people["admin"])
    assert (after.password_hash, after.active, after.version) == (
        before.password_hash,
        True,
        before.version,
    )


def test_a_user_editor_types_no_password_for_anyone_without_the_right_to_reset(
    database: Database, company: CompanyInfo, clock: FixedClock, people: dict[str, int]
) -> None:
    """The clerk holds a right the editor lacks too: both rules refuse, the reset's first."""
    editor = operator((*USER_EDITOR, Right.BILLING_VIEW), clock, people["editor"], "uadmin")
    before = stored_user(database, people["clerk"]).password_hash
    with database.transaction() as session:
        users = UserService(session, company, editor, clock)
        record = users.get(people["clerk"])
        form = record.fields
        form.new_password = form.retype_password = "a password of mine 42"
        with pytest.raises(NotAllowedError, match="may not reset passwords"):
            users.update(people["clerk"], form, record.version)
        form.new_password = form.retype_password = ""
        form.title = "Billing Lead"  # what the editor may do: edit a user no stronger
        users.update(people["clerk"], form, record.version)
    assert stored_user(database, people["clerk"]).password_hash == before
    assert stored_user(database, people["clerk"]).title == "Billing Lead"


def test_a_two_factor_desk_cannot_reset_or_enrol_someone_who_holds_more(
    database: Database, company: CompanyInfo, clock: FixedClock, people: dict[str, int]
) -> None:
    desk = operator(TWO_FACTOR_DESK, clock, name="tdesk")
    with database.transaction() as session:
        two_factor = TwoFactorService(session, company, desk, clock)
        for pk in (people["editor"], people["admin"]):
            with pytest.raises(NotAllowedError, match="holds rights you do not"):
                two_factor.reset(pk)
            with pytest.raises(NotAllowedError, match="holds rights you do not"):
                two_factor.enroll(pk)
    assert stored_user(database, people["admin"]).totp_pending_secret is None


def test_login_times_of_a_stronger_user_are_not_changed(
    database: Database, company: CompanyInfo, clock: FixedClock, people: dict[str, int]
) -> None:
    hours = operator((Right.VIEW_USERS, Right.EDIT_LOGIN_TIMES), clock, name="hours")
    with database.transaction() as session, pytest.raises(NotAllowedError):
        LoginTimesService(session, company, hours, clock).set_expiry(
            people["editor"], clock.now.date() + timedelta(days=1)
        )
    assert stored_user(database, people["editor"]).account_expires_on is None


def test_new_recovery_codes_ask_for_the_password_again(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_registrant(database, company, clock, "drhynes", "Hynes")
    stale = operator(TWO_FACTOR_DESK, clock, name="tdesk").with_password_at(
        clock.now - timedelta(minutes=6)
    )
    with database.transaction() as session, pytest.raises(PasswordAgainError):
        TwoFactorService(session, company, stale, clock).new_recovery_codes(pk)


def test_a_new_authenticator_in_place_of_the_old_one_ends_epcs(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    """EPCS was approved for the device the user had: a new one is a reset by another name."""
    pk = add_registrant(database, company, clock, "drhynes", "Hynes")
    with database.transaction() as session:
        session.execute(update(User).where(User.id == pk).values(epcs_allowed=True))
    new_secret = SECRETS["drfox"]
    with database.transaction() as session:
        two_factor = TwoFactorService(session, company, dba(), clock)
        enrolment = two_factor.enrolment(pk, secret=new_secret)  # a new phone, at the desk
        verified = two_factor.verify_new_key(enrolment, pyotp.TOTP(new_secret).at(clock.now))
        record = UserService(session, company, dba(), clock).get(pk)
        two_factor.save(pk, TwoFactorForm("app", setup="now"), record.version, verified)
    assert stored_user(database, pk).epcs_allowed is False


def test_nobody_links_their_own_account_to_a_provider(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    """A provider's current DEA registration is what an EPCS approver needs: an administrator
    linking themselves to a registrant could approve as one."""
    registrant = add_registrant(database, company, clock, "drhynes", "Hynes")
    provider = stored_user(database, registrant).provider_id
    me = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    admin = operator(SetupRole.ADMINISTRATOR.rights, clock, me, "mreyes")
    with database.transaction() as session:
        users = UserService(session, company, admin, clock)
        record = users.get(me)
        form = record.fields
        form.provider_id = provider
        with pytest.raises(ValidationError) as refused:
            users.update(me, form, record.version)
    assert "link your own account to a provider" in refused.value.errors["provider_id"]
    assert stored_user(database, me).provider_id is None
