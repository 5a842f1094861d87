"""Signing in without a User Setup right but with a self-service one, through the real sign-in
dialog: only the user's own My Account screen opens, with only what their rights allow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QWidget

from app.access import Actor, Right
from app.db.database import Database
from app.db.models import User
from app.practice.company import CompanyInfo
from app.roles.assignments import UserRoles
from app.signin.check import Reason, SignInService
from app.signin.flow import SignInFlow, Step
from app.signin.outcomes import NO_ACCESS, SIGNED_OUT
from app.two_factor.service import TwoFactorForm, TwoFactorService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.catalog import add_role
from tests.helpers.qt import by_name
from tests.helpers.records import add_user, authenticator_key, version_of
from tests.helpers.window import practice_context
from ui.operations import InlineRunner
from ui.signin.my_account_dialog import (
    AUTHENTICATOR_AGAIN,
    CHANGE_PASSWORD,
    PASSWORD_CHANGED,
    MyAccountDialog,
)
from ui.signin.password_again_dialog import PasswordAgainDialog
from ui.signin.sign_in_dialog import SignInDialog
from ui.window.window import UserSetupWindow

PASSWORD = "quiet harbor lights"
NEW_PASSWORD = "a lantern by the north gate"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def clerk(database: Database, company: CompanyInfo, clock: FixedClock, *rights: Right) -> int:
    """Kimberly, whose only role is a practice role with these rights."""
    pk = add_user(database, company, clock, "kimberly", password=PASSWORD)
    with database.transaction() as session:
        role = add_role(session, company, "Clinic Staff", rights)
        UserRoles(session, company, dba("setup"), clock).set_roles(pk, [role])
    return pk


@pytest.fixture
def sign_in(qtbot: Any, database: Database, clock: FixedClock) -> Iterator[SignInDialog]:
    dialog = SignInDialog(InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2"), "valley")
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog


def signs_in(sign_in: SignInDialog, password: str = PASSWORD) -> None:
    by_name(sign_in, QLineEdit, "User ID").setText("kimberly")
    by_name(sign_in, QLineEdit, "Password").setText(password)
    sign_in.ok_button.click()


def my_account(sign_in: SignInDialog) -> MyAccountDialog:
    dialog = sign_in.my_account
    assert dialog is not None and dialog.isVisible()
    return dialog


def buttons(dialog: QWidget) -> list[str]:
    return [b.accessibleName() for b in dialog.findChildren(QPushButton) if b.accessibleName()]


def windows() -> list[QWidget]:
    """The User Setup windows on screen (other tests may leave theirs: compare before and
    after)."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, UserSetupWindow) and w.isVisible()
    ]


def signs_in_with(database: Database, clock: FixedClock, password: str) -> Reason:
    with database.transaction() as session:
        service = SignInService(session, clock, "FRONTDESK-2")
        return service.check("valley", "kimberly", password, second_factor_done=True).reason


def test_only_the_own_screen_opens_with_what_the_rights_allow(
    qtbot, sign_in, database, company, clock
):
    clerk(database, company, clock, Right.CHANGE_OWN_PASSWORD, Right.OWN_TWO_FACTOR)
    before = windows()
    signs_in(sign_in)

    account = my_account(sign_in)
    assert account.windowTitle() == "User Setup - My Account"
    assert buttons(account) == [CHANGE_PASSWORD, AUTHENTICATOR_AGAIN]
    assert sign_in.flow.step is Step.SELF_SERVICE
    assert sign_in.operator is None and windows() == before  # nothing else of User Setup

    account.close_button.click()  # Sign Out: the session ends
    assert sign_in.my_account is None and sign_in.flow.step is Step.CREDENTIALS
    assert sign_in.findChild(QLabel, "refusal").text() == SIGNED_OUT
    assert sign_in.isVisible() and windows() == before


def test_changing_the_password_from_my_account(qtbot, sign_in, database, company, clock):
    clerk(database, company, clock, Right.CHANGE_OWN_PASSWORD)
    signs_in(sign_in)
    account = my_account(sign_in)
    assert buttons(account) == [CHANGE_PASSWORD]  # no authenticator without its right

    by_name(account, QPushButton, CHANGE_PASSWORD).click()
    dialog = account.password_dialog
    assert dialog.isVisible() and dialog.windowTitle() == "Change My Password"
    by_name(dialog, QLineEdit, "Current Password").setText(PASSWORD)
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)
    dialog.ok_button.click()

    assert not dialog.isVisible()
    assert account.status.text() == PASSWORD_CHANGED
    assert signs_in_with(database, clock, NEW_PASSWORD) is Reason.SIGNED_IN


def test_the_right_taken_away_meanwhile_refuses_the_change(
    qtbot, sign_in, database, company, clock
):
    pk = clerk(database, company, clock, Right.CHANGE_OWN_PASSWORD)
    signs_in(sign_in)
    account = my_account(sign_in)
    with database.transaction() as session:  # the administrator takes the role away
        UserRoles(session, company, dba("setup"), clock).set_roles(pk, [])

    by_name(account, QPushButton, CHANGE_PASSWORD).click()
    dialog = account.password_dialog
    by_name(dialog, QLineEdit, "Current Password").setText(PASSWORD)
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)
    dialog.ok_button.click()

    assert dialog.isVisible() and "no longer allows" in dialog.errors.message("new_password")
    assert signs_in_with(database, clock, PASSWORD) is Reason.SIGNED_IN


def with_old_phone(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> None:
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("setup"), clock)
        enrolment = service.enrolment(pk, secret=SECRET)
        verified = service.verify_new_key(enrolment, pyotp.TOTP(SECRET).at(clock.now))
        version = version_of(session, pk)
        service.save(pk, TwoFactorForm("app", setup="now"), version, verified)


def test_a_new_phone_from_my_account(qtbot, sign_in, database, company, clock):
    pk = clerk(database, company, clock, Right.OWN_TWO_FACTOR)
    with_old_phone(database, company, clock, pk)
    clock.now += timedelta(seconds=30)
    signs_in(sign_in)
    assert sign_in.flow.step is Step.TOKEN  # the old phone still signs her in
    sign_in.token.setText(pyotp.TOTP(SECRET).at(clock.now))
    sign_in.ok_button.click()
    account = my_account(sign_in)
    assert buttons(account) == [AUTHENTICATOR_AGAIN]
    clock.now += timedelta(seconds=30)

    by_name(account, QPushButton, AUTHENTICATOR_AGAIN).click()
    dialog = account.authenticator_dialog
    enrolment = dialog.panel.enrolment
    assert dialog.isVisible() and enrolment is not None and enrolment.secret != SECRET
    dialog.panel.token.setText(pyotp.TOTP(SECRET).at(clock.now))  # the old phone's
    dialog.panel.verify_button.click()
    assert dialog.isVisible() and dialog.panel.errors.message("token")
    assert authenticator_key(database, pk) == SECRET

    dialog.panel.token.setText(pyotp.TOTP(enrolment.secret).at(clock.now))
    dialog.panel.verify_button.click()
    assert not dialog.isVisible()
    assert authenticator_key(database, pk) == enrolment.secret
    codes = account.codes_dialog
    assert codes.isVisible() and len(codes.codes) == 10
    codes.close_button.click()
    assert "no longer works" in account.status.text()


def test_a_stale_password_is_asked_before_the_new_key_shows(
    qtbot, sign_in, database, company, clock
):
    pk = clerk(database, company, clock, Right.OWN_TWO_FACTOR)
    signs_in(sign_in)
    account = my_account(sign_in)
    clock.now += timedelta(minutes=6)

    by_name(account, QPushButton, AUTHENTICATOR_AGAIN).click()
    dialog = account.authenticator_dialog
    asked = [d for d in dialog.findChildren(PasswordAgainDialog) if d.isVisible()]
    assert len(asked) == 1 and dialog.panel.enrolment is None  # no key before the password
    by_name(asked[0], QLineEdit, "Password").setText(PASSWORD)
    asked[0].ok_button.click()

    enrolment = dialog.panel.enrolment
    assert enrolment is not None
    dialog.panel.token.setText(pyotp.TOTP(enrolment.secret).at(clock.now))
    dialog.panel.verify_button.click()
    assert authenticator_key(database, pk) == enrolment.secret


def test_the_forced_change_of_a_temporary_password_leads_to_my_account(
    qtbot, sign_in, database, company, clock
):
    pk = clerk(database, company, clock, Right.CHANGE_OWN_PASSWORD)
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        user.must_change_password = True  # the front desk's reset
    signs_in(sign_in)
    assert sign_in.flow.step is Step.CHANGE_PASSWORD
    by_name(sign_in, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(sign_in, QLineEdit, "Verify").setText(NEW_PASSWORD)
    with qtbot.assertNotEmitted(sign_in.accepted):
        sign_in.ok_button.click()

    account = my_account(sign_in)
    assert account.status.text() == PASSWORD_CHANGED
    assert signs_in_with(database, clock, NEW_PASSWORD) is Reason.SIGNED_IN


def test_a_role_without_a_self_service_right_still_reads_no_access(
    qtbot, sign_in, database, company, clock
):
    clerk(database, company, clock, Right.SCHEDULE_VIEW)
    before = windows()
    signs_in(sign_in)
    assert sign_in.my_account is None and sign_in.operator is None
    assert sign_in.findChild(QLabel, "refusal").text() == NO_ACCESS
    assert windows() == before


def test_the_windows_change_my_password_needs_the_right(qtbot, database, company, clock):
    """A practice role that sees users but was not given "Change own password"."""
    pk = add_user(database, company, clock, "kimberly", password=PASSWORD)
    context = practice_context(database, company, clock, operator_user_id="kimberly")
    actor = Actor.user(
        pk, "kimberly (Kimberly, Test)", "FRONTDESK-2", frozenset({Right.VIEW_USERS})
    )
    window = UserSetupWindow(
        InlineRunner(), database, replace(context, actor=actor.with_password_at(clock.now))
    )
    try:
        assert not window.own_password_action.isEnabled()
    finally:
        window.close()
