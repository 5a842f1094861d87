"""Any signed-in operator changes their own password, through the real dialog and the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QToolButton, QWidget
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, User
from app.practice.company import CompanyInfo
from app.signin.check import CURRENT_PASSWORD_WRONG, Reason, SignInService
from tests.conftest import FixedClock
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.window import open_window as shown_window
from tests.test_signin_dialogs import PASSWORD, add
from ui.operations import InlineRunner
from ui.signin.password_dialog import ChangePasswordDialog
from ui.window.window import UserSetupWindow

NEW_PASSWORD = "a lantern by the north gate"
WORKSTATION = "FRONTDESK-2"


@pytest.fixture
def kimberly(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    return add(database, company, clock, "kimberly")


@pytest.fixture
def dialog(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> Iterator[ChangePasswordDialog]:
    shown = ChangePasswordDialog(
        None, InlineRunner(), database, clock, company, "kimberly", WORKSTATION,
        "kimberly (Kimberly, Test)",
    )  # fmt: skip
    qtbot.addWidget(shown)
    shown.show()
    yield shown


def fill(dialog: QWidget, current: str, new: str, verify: str) -> None:
    by_name(dialog, QLineEdit, "Current Password").setText(current)
    by_name(dialog, QLineEdit, "New Password").setText(new)
    by_name(dialog, QLineEdit, "Verify").setText(verify)


def stored(database: Database, pk: int) -> User:
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        return user


def password_events(database: Database, pk: int) -> list[AuditEvent]:
    with database.transaction() as session:
        query = select(AuditEvent).where(
            AuditEvent.user_pk == pk, AuditEvent.action == "password.changed"
        )
        return list(session.scalars(query))


def sign_in(database: Database, clock: FixedClock, password: str) -> Reason:
    with database.transaction() as session:
        result = SignInService(session, clock, "TEST").check("valley", "kimberly", password)
    return result.reason


def test_the_dialog_asks_for_the_current_password_and_the_new_one_twice(dialog):
    assert dialog.windowTitle() == "Change My Password"
    assert dialog.ok_button.text() == "Change Password"
    assert by_name(dialog, QLineEdit, "Current Password").echoMode() is QLineEdit.EchoMode.Password
    meters = [bar for bar in dialog.findChildren(QProgressBar) if bar.isVisible()]
    assert len(meters) == 1, "New Password has the strength meter, Verify has none"


def test_a_wrong_current_password_is_refused_and_counted(dialog, database, kimberly):
    before = stored(database, kimberly).password_hash
    fill(dialog, "not my password", NEW_PASSWORD, NEW_PASSWORD)
    dialog.ok_button.click()

    assert dialog.errors.message("current_password") == CURRENT_PASSWORD_WRONG
    assert by_name(dialog, QLineEdit, "Current Password").text() == ""
    assert dialog.isVisible()
    user = stored(database, kimberly)
    assert user.failed_logins == 1  # counted toward the lockout, as a wrong sign-in is
    assert user.password_hash == before
    assert password_events(database, kimberly) == []


def test_a_new_password_breaking_the_policy_is_refused_beside_it(qtbot, dialog, database, kimberly):
    qtbot.keyClicks(by_name(dialog, QLineEdit, "New Password"), "kimberly1")
    hints = [w for w in dialog.findChildren(QLabel) if w.isVisible() and "at least" in w.text()]
    assert hints, "the rule that fails is said while typing"

    fill(dialog, PASSWORD, "kimberly1", "kimberly1")
    dialog.ok_button.click()

    assert dialog.errors.message("new_password").startswith("Use at least 15")
    assert dialog.errors.message("current_password") == ""
    assert dialog.isVisible()
    assert password_events(database, kimberly) == []


def test_the_user_s_current_password_is_not_taken_again(dialog, database, kimberly):
    fill(dialog, PASSWORD, PASSWORD, PASSWORD)
    dialog.ok_button.click()
    assert "not used for this account recently" in dialog.errors.message("new_password")


def test_a_verify_that_differs_is_refused_beside_it(dialog, database, kimberly):
    fill(dialog, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")
    dialog.ok_button.click()

    assert dialog.errors.message("verify") == "The two passwords differ."
    assert dialog.isVisible()
    assert password_events(database, kimberly) == []


def test_the_new_password_signs_in_and_the_old_one_does_not(
    qtbot, dialog, database, clock, kimberly
):
    fill(dialog, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()

    assert sign_in(database, clock, NEW_PASSWORD) is Reason.SIGNED_IN
    assert sign_in(database, clock, PASSWORD) is Reason.INVALID
    [event] = password_events(database, kimberly)
    assert event.operator == "kimberly (Kimberly, Test)"
    assert {"field": "workstation", "before": None, "after": WORKSTATION} in event.changes
    assert PASSWORD not in str(event.changes) and NEW_PASSWORD not in str(event.changes)


# From the window


def _window(
    database: Database, company: CompanyInfo, clock: FixedClock, operator_user_id: str
) -> UserSetupWindow:
    return shown_window(
        database, company, clock, name="kimberly (Kimberly, Test)",
        operator_user_id=operator_user_id,
    )  # fmt: skip


def test_the_window_opens_the_dialog_for_the_operator(qtbot, database, company, clock, kimberly):
    window = _window(database, company, clock, "kimberly")
    answers = DialogAnswers()
    titles: list[str] = []

    def change(dialog: QWidget) -> None:
        assert isinstance(dialog, ChangePasswordDialog)
        titles.append(dialog.windowTitle())
        fill(dialog, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
        dialog.ok_button.click()

    try:
        button = window.statusBar().findChild(QToolButton, "change_own_password")
        assert button is not None and button.defaultAction() is window.own_password_action
        assert window.own_password_action.isEnabled()
        answers.do(change)
        button.click()
        answers.finish()
        assert titles == ["Change My Password"]
        assert window.statusBar().currentMessage() == "Your password was changed."
    finally:
        window.close()
    assert sign_in(database, clock, NEW_PASSWORD) is Reason.SIGNED_IN


def test_without_a_signed_in_operator_the_action_is_off(qtbot, database, company, clock):
    window = _window(database, company, clock, "")
    try:
        assert not window.own_password_action.isEnabled()
    finally:
        window.close()


def test_an_easily_guessed_password_is_refused_beside_it_with_one_estimate_a_keystroke(
    qtbot, dialog, monkeypatch
):
    import zxcvbn

    estimates: list[str] = []
    real = zxcvbn.zxcvbn

    def counted(password: str, user_inputs: Any = None) -> Any:
        estimates.append(password)
        return real(password, user_inputs=user_inputs)

    monkeypatch.setattr(zxcvbn, "zxcvbn", counted)
    typed = "iloveyou iloveyou"
    qtbot.keyClicks(by_name(dialog, QLineEdit, "New Password"), typed)

    assert len(estimates) == len(typed)  # the meter and the floor share one estimate
    hints = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible()]
    assert "Words this common are easy to guess together. Add words nobody would expect " \
        "from you." in hints  # fmt: skip
    strength = dialog.findChild(QProgressBar)
    assert strength.accessibleName() == "Strength: Weak"  # zxcvbn says 3 (Strong): refused
