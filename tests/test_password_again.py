"""The window asks for the operator's password again, through its real widgets: six minutes
after the sign-in, Reset Authenticator (or a Save that takes an authenticator away) asks in a
small dialog; a wrong password is refused beside the field and counted as a failed sign-in,
the right one completes the change, and Cancel leaves the form as it was. The domain's side,
on every database, is in test_fresh_password.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QWidget

from app.db.database import Database
from app.db.models import TwoFactorMethod, TwoFactorSetup
from app.practice.company import CompanyInfo
from app.signin.check import REFUSED
from app.two_factor.service import METHOD_LABELS, TwoFactorForm, TwoFactorService
from app.workplace import Workplace
from tests.conftest import NOW, FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, audit_events, stored_user, version_of
from tests.helpers.roles import SetupRole
from tests.helpers.window import open_window, opens
from ui.operations import NOT_ENTERED
from ui.pages.two_factor_page import METHOD
from ui.signin.password_again_dialog import TITLE, PasswordAgainDialog
from ui.window.window import UserSetupWindow

PASSWORD = "bright meadow lantern"
SIGNED_IN_FOR = timedelta(minutes=6)
CONFIRM = "Reset the authenticator of Fox, Kimberly (kimberly)?"


@pytest.fixture
def operator(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    """mreyes, an Administrator with a password of her own: who signed in to the window."""
    return add_user(
        database, company, clock, "mreyes", password=PASSWORD, role=SetupRole.ADMINISTRATOR,
        first_name="Maria", last_name="Reyes",
    )  # fmt: skip


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    operator: int,
    kim: int,
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    """The window as mreyes signed in at NOW (the clock's moment), kim shown with an
    authenticator in the 2FA section."""
    give_authenticator(database, company, clock, kim)
    window = open_window(
        database, company, clock, qtbot, name="mreyes (Reyes, Maria)", user_pk=operator,
        operator_user_id="mreyes",
    )  # fmt: skip
    assert opens(window, kim)
    window.section_actions["two_factor"].trigger()
    yield window
    window.drop_edits()
    window.close()


def give_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int
) -> None:
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("setup"), clock)
        enrolment = service.enrolment(pk)
        verified = service.verify_new_key(enrolment, pyotp.TOTP(enrolment.secret).at(clock.now))
        form = TwoFactorForm(TwoFactorMethod.APP.value, setup=TwoFactorSetup.NOW.value)
        service.save(pk, form, version_of(session, pk), verified)


def has_authenticator(database: Database, pk: int) -> bool:
    return stored_user(database, pk).totp_secret is not None


def resets(database: Database, pk: int) -> int:
    return len(audit_events(database, user_pk=pk, prefix="2fa.reset"))


def press_reset(qtbot: Any, window: UserSetupWindow, dialogs: DialogAnswers) -> None:
    """Reset Authenticator, answering its question with yes."""
    page = window.page("two_factor")
    button = by_name(page, QPushButton, "Reset Authenticator")
    assert button.isVisible() and button.isEnabled()
    dialogs.answer("Reset Authenticator")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def asked(window: UserSetupWindow) -> PasswordAgainDialog:
    """The password dialog the window shows now."""
    dialog = window.password_again.dialog
    assert dialog is not None and dialog.isVisible(), "the password was not asked"
    assert dialog.windowTitle() == TITLE and dialog.isModal()
    return dialog


def enter(qtbot: Any, dialog: QWidget, password: str) -> None:
    field = by_name(dialog, QLineEdit, "Password")
    field.setText(password)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def error_beside_field(dialog: PasswordAgainDialog) -> str:
    label = dialog.findChild(QLabel, "password_error")
    assert label is not None
    return label.text() if label.isVisibleTo(dialog) else ""


def test_six_minutes_after_the_sign_in_a_reset_asks_refuses_a_wrong_password_then_resets(
    qtbot, window, database, clock, kim, operator, dialogs
):
    clock.now = NOW + SIGNED_IN_FOR
    press_reset(qtbot, window, dialogs)
    dialog = asked(window)
    assert has_authenticator(database, kim)  # nothing changed while the dialog asks
    assert by_name(dialog, QLineEdit, "Password").echoMode() is QLineEdit.EchoMode.Password

    enter(qtbot, dialog, "not my password")
    assert error_beside_field(dialog) == REFUSED
    assert dialog.isVisible() and window.password_again.dialog is dialog  # it stays for a try
    assert stored_user(database, operator).failed_logins == 1  # counted as a failed sign-in
    assert audit_events(database, user_pk=operator, prefix="signin.")[-1].action == (
        "signin.failed"
    )
    assert has_authenticator(database, kim)

    enter(qtbot, dialog, PASSWORD)
    assert window.password_again.dialog is None and not dialog.isVisible()
    assert not has_authenticator(database, kim)  # the same reset, run again: done once
    assert resets(database, kim) == 1
    assert stored_user(database, operator).failed_logins == 0
    assert window.workplace.actor.password_at == NOW + SIGNED_IN_FOR  # the window's actor
    assert window.context.actor.password_at == NOW + SIGNED_IN_FOR
    assert "was reset" in window.statusBar().currentMessage()
    assert dialogs.seen == [CONFIRM]


def test_cancel_changes_nothing_and_says_so(qtbot, window, database, clock, kim, dialogs):
    clock.now = NOW + SIGNED_IN_FOR
    press_reset(qtbot, window, dialogs)
    dialog = asked(window)
    dialogs.answer("OK")
    dialog.cancel_button.click()

    assert window.password_again.dialog is None
    assert dialogs.seen == [CONFIRM, NOT_ENTERED]
    assert has_authenticator(database, kim) and resets(database, kim) == 0
    assert window.workplace.actor.password_at == NOW  # still as at the sign-in
    page = window.page("two_factor")
    assert by_name(page, QPushButton, "Reset Authenticator").isEnabled()


def test_within_five_minutes_of_the_sign_in_nothing_is_asked(
    qtbot, window, database, clock, kim, dialogs
):
    clock.now = NOW + timedelta(minutes=4)
    press_reset(qtbot, window, dialogs)
    assert window.password_again.dialog is None
    assert not has_authenticator(database, kim)


def test_once_entered_again_the_next_change_and_a_dialogs_older_copy_go_through(
    qtbot, window, database, company, clock, kim, dialogs
):
    clock.now = NOW + SIGNED_IN_FOR
    press_reset(qtbot, window, dialogs)
    enter(qtbot, asked(window), PASSWORD)
    window.drop_edits()  # the new key the reset showed to set up at the desk
    give_authenticator(database, company, clock, kim)
    assert opens(window, kim)

    clock.now += timedelta(minutes=3)
    press_reset(qtbot, window, dialogs)  # three minutes after the password: not asked
    assert window.password_again.dialog is None
    assert resets(database, kim) == 2

    # A dialog given the window's workplace before the password was entered again
    older = Workplace(database, company, window.workplace.actor.with_password_at(NOW), clock)
    fresh = window.password_again.freshen(older)
    assert fresh.actor.password_at == NOW + SIGNED_IN_FOR
    assert window.password_again.freshen(Workplace(database, company, dba(), clock)).actor == dba()


def test_a_save_that_takes_the_authenticator_away_asks_and_keeps_the_edits_through_cancel(
    qtbot, window, database, clock, kim, dialogs
):
    clock.now = NOW + SIGNED_IN_FOR
    title = by_name(window.page("user"), QLineEdit, "Title")
    title.setText("Night nurse")
    box = by_name(window.page("two_factor"), QComboBox, METHOD)
    box.setCurrentIndex(box.findText(METHOD_LABELS[TwoFactorMethod.NONE]))
    assert window.is_dirty()

    dialogs.answer("OK")
    window.save_action.trigger()
    asked(window).cancel_button.click()
    assert dialogs.seen[-1] == NOT_ENTERED
    assert window.is_dirty() and title.text() == "Night nurse"  # the form as it was
    assert box.currentText() == METHOD_LABELS[TwoFactorMethod.NONE]
    assert has_authenticator(database, kim) and stored_user(database, kim).title == ""

    made: list[int] = []
    window.saved.connect(made.append)
    window.save_action.trigger()
    enter(qtbot, asked(window), PASSWORD)
    assert made == [kim] and not window.is_dirty()
    stored = stored_user(database, kim)
    assert stored.title == "Night nurse" and stored.totp_secret is None


def test_passing_the_idle_lock_counts_as_entering_the_password(
    qtbot, window, database, clock, kim, dialogs
):
    clock.now = NOW + timedelta(minutes=20)
    window.lock()
    lock = window.lock_dialog
    assert lock is not None
    enter(qtbot, lock, PASSWORD)  # its field is named alike
    assert window.lock_dialog is None
    assert window.workplace.actor.password_at == NOW + timedelta(minutes=20)

    clock.now += timedelta(minutes=2)
    press_reset(qtbot, window, dialogs)
    assert window.password_again.dialog is None and not has_authenticator(database, kim)


def test_an_empty_password_is_not_sent_and_not_counted(
    qtbot, window, database, clock, operator, dialogs
):
    clock.now = NOW + SIGNED_IN_FOR
    press_reset(qtbot, window, dialogs)
    dialog = asked(window)
    enter(qtbot, dialog, "")
    assert error_beside_field(dialog) == "Enter your password."
    assert stored_user(database, operator).failed_logins == 0
    dialogs.answer("OK")
    dialog.reject()


def test_the_sign_in_dialog_hands_the_window_the_moment_of_the_password(
    qtbot, database, company, clock, operator
):
    from app.signin.flow import SignInFlow
    from ui.operations import InlineRunner
    from ui.signin.sign_in_dialog import SignInDialog

    clock.now = NOW + timedelta(hours=1)
    dialog = SignInDialog(InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2"), "valley")
    qtbot.addWidget(dialog)
    dialog.show()
    by_name(dialog, QLineEdit, "User ID").setText("mreyes")
    by_name(dialog, QLineEdit, "Password").setText(PASSWORD)
    qtbot.keyClick(by_name(dialog, QLineEdit, "Password"), Qt.Key.Key_Return)
    assert dialog.operator is not None
    assert dialog.operator.actor("FRONTDESK-2").password_at == NOW + timedelta(hours=1)
