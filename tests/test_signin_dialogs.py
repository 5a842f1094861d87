"""Signing in to User Setup through the real dialogs, and what each role may do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)
from sqlalchemy import select

from app.db.database import Database
from app.db.models import Company, User
from app.practice.company import CompanyInfo
from app.signin.check import PASSWORD_EXPIRED, REFUSED, Reason, SignInService
from app.signin.flow import SignInFlow, Step
from tests.conftest import FixedClock
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user
from tests.helpers.roles import SetupRole
from tests.helpers.window import open_window as shown_window
from tests.helpers.window import practice_context, user_page
from ui.operations import InlineRunner
from ui.signin.first_start_dialog import FirstRunDialog
from ui.signin.lock_dialog import IdleLockDialog
from ui.signin.sign_in_dialog import SignInDialog
from ui.window.window import UserSetupWindow

PASSWORD = "quiet harbor lights"


def add(
    database: Database, company: CompanyInfo, clock: FixedClock, user_id: str, **values: Any
) -> int:
    role = values.pop("role", SetupRole.ADMINISTRATOR)
    return add_user(
        database, company, clock, user_id, password=PASSWORD, role=role, by="mreyes", **values
    )


def fill(dialog: QWidget, **fields: str) -> None:
    for label, text in fields.items():
        by_name(dialog, QLineEdit, label.replace("_", " ")).setText(text)


@pytest.fixture
def sign_in(qtbot: Any, database: Database, clock: FixedClock) -> Iterator[SignInDialog]:
    dialog = SignInDialog(InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2"), "valley")
    qtbot.addWidget(dialog)
    dialog.show()
    yield dialog


def test_a_wrong_password_is_refused_with_the_one_message(qtbot, sign_in, database, company, clock):
    add(database, company, clock, "kimberly")
    fill(sign_in, **{"User ID": "kimberly", "Password": "not my password"})
    qtbot.keyClick(by_name(sign_in, QLineEdit, "Password"), Qt.Key.Key_Return)

    assert sign_in.findChild(QLabel, "refusal").text() == REFUSED
    assert by_name(sign_in, QLineEdit, "Password").text() == ""
    assert sign_in.isVisible() and sign_in.operator is None


def test_the_right_password_signs_in_as_the_operator(qtbot, sign_in, database, company, clock):
    add(database, company, clock, "kimberly")
    fill(sign_in, **{"User ID": "KIMBERLY", "Password": PASSWORD})
    with qtbot.waitSignal(sign_in.accepted):
        qtbot.keyClick(by_name(sign_in, QLineEdit, "Password"), Qt.Key.Key_Return)

    assert sign_in.operator is not None
    assert (sign_in.operator.name, sign_in.operator.role) == (
        "kimberly (Kimberly, Test)",
        "Administrator",
    )


def test_a_temporary_password_leads_to_the_forced_change(qtbot, sign_in, database, company, clock):
    pk = add(database, company, clock, "kimberly", must_change_password=True)
    fill(sign_in, **{"User ID": "kimberly", "Password": PASSWORD})
    sign_in.ok_button.click()

    assert sign_in.flow.step is Step.CHANGE_PASSWORD
    assert any(label.text() == PASSWORD_EXPIRED for label in sign_in.findChildren(QLabel))
    new = by_name(sign_in, QLineEdit, "New Password")
    qtbot.keyClicks(new, "kimberly1")
    hint = [
        label
        for label in sign_in.findChildren(QLabel)
        if label.isVisible() and "at least" in label.text()
    ]
    assert hint, "the rule that fails is said while typing"
    meter = [bar for bar in sign_in.findChildren(QProgressBar) if bar.isVisible()]
    assert meter and meter[0].format() in ("Very weak", "Weak")

    by_name(sign_in, QLineEdit, "Verify").setText("kimberly1")
    sign_in.ok_button.click()
    assert sign_in.change_errors.message("new_password").startswith("Use at least 15")
    assert sign_in.isVisible()

    new.setText("a lantern by the north gate")
    by_name(sign_in, QLineEdit, "Verify").setText("a lantern by the north gate")
    with qtbot.waitSignal(sign_in.accepted):
        sign_in.ok_button.click()
    with database.transaction() as session:
        assert not session.get(User, pk).must_change_password


def test_a_clerk_without_a_user_setup_role_finishes_the_forced_change_and_reads_no_access(
    qtbot, sign_in, database, company, clock
):
    pk = add(database, company, clock, "kimberly", must_change_password=True, role=None)
    fill(sign_in, **{"User ID": "kimberly", "Password": PASSWORD})
    sign_in.ok_button.click()
    assert sign_in.flow.step is Step.CHANGE_PASSWORD

    by_name(sign_in, QLineEdit, "New Password").setText("a lantern by the north gate")
    by_name(sign_in, QLineEdit, "Verify").setText("a lantern by the north gate")
    with qtbot.assertNotEmitted(sign_in.accepted):
        sign_in.ok_button.click()
    assert sign_in.findChild(QLabel, "refusal").text() == (
        "Your password has been changed. You have no access to User Setup."
    )
    assert sign_in.operator is None and sign_in.flow.step is Step.CREDENTIALS
    with database.transaction() as session:
        assert not session.get(User, pk).must_change_password


def test_the_forced_change_says_whose_password_and_enter_in_verify_changes_it(
    qtbot, sign_in, database, company, clock
):
    pk = add(database, company, clock, "kimberly", must_change_password=True)
    fill(sign_in, **{"User ID": "kimberly", "Password": PASSWORD})
    qtbot.keyClick(by_name(sign_in, QLineEdit, "Password"), Qt.Key.Key_Return)
    assert sign_in.flow.step is Step.CHANGE_PASSWORD
    assert sign_in.change_whose.isVisible()
    assert sign_in.change_whose.text() == "User ID: kimberly    Name: Kimberly, Test"

    fill(sign_in, **{"New Password": "a lantern by the north gate"})
    verify = by_name(sign_in, QLineEdit, "Verify")
    verify.setFocus()
    qtbot.keyClicks(verify, "a lantern by the north gate")
    with qtbot.waitSignal(sign_in.accepted):
        qtbot.keyClick(verify, Qt.Key.Key_Return)

    with database.transaction() as session:
        assert not session.get(User, pk).must_change_password


def test_the_show_password_toggle_shows_the_text(qtbot, sign_in, database, company, clock):
    add(database, company, clock, "kimberly", must_change_password=True)
    fill(sign_in, **{"User ID": "kimberly", "Password": PASSWORD})
    sign_in.ok_button.click()
    field = sign_in.new_password
    assert field.edit.echoMode() is QLineEdit.EchoMode.Password
    field.show_action.trigger()
    assert field.edit.echoMode() is QLineEdit.EchoMode.Normal


def test_a_user_without_a_user_setup_role_is_told_so_and_nothing_opens(
    qtbot, sign_in, database, company, clock
):
    add(database, company, clock, "kimberly", role=None)
    fill(sign_in, **{"User ID": "kimberly", "Password": PASSWORD})
    with qtbot.assertNotEmitted(sign_in.accepted):
        sign_in.ok_button.click()
    assert sign_in.findChild(QLabel, "refusal").text() == "You have no access to User Setup."
    assert sign_in.operator is None and sign_in.password.text() == ""
    fill(sign_in, **{"Password": "wrong password"})
    sign_in.ok_button.click()
    assert sign_in.findChild(QLabel, "refusal").text() == REFUSED


# The first start


def test_an_empty_database_asks_for_the_practice_and_its_first_administrator(
    qtbot, database, clock
):
    dialog = FirstRunDialog(InlineRunner(), database, clock, "OFFICE-PC")
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, **{"Company Code": "hill", "Company Name": "Hillside Pediatrics"})
    by_name(dialog, QComboBox, "Time Zone").setCurrentText("America/Denver")
    fill(dialog, **{"User ID": "jdoe", "First Name": "Jane", "Last Name": "Doe"})
    fill(dialog, **{"Password": "hillside", "ReType": "hillside"})
    ok = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Create and Sign In")
    ok.click()
    assert "at least 15" in dialog.errors.message("new_password")
    with database.transaction() as session:
        assert session.scalar(select(Company.id)) is None  # nothing written

    fill(dialog, **{"Password": "morning walk on the ridge", "ReType": "morning walk on the ridge"})
    with qtbot.waitSignal(dialog.accepted):
        ok.click()
    assert dialog.operator is not None
    assert (dialog.operator.company.code, dialog.operator.role) == ("hill", "Administrator")
    assert dialog.operator.company.time_zone == "America/Denver"


# What each role may do


def _window(
    database: Database, company: CompanyInfo, clock: FixedClock, role: str
) -> UserSetupWindow:
    return shown_window(database, company, clock, name="lblake (Blake, Lauren)", role=role)


def test_the_front_desk_sees_users_but_can_only_reset_and_unlock(qtbot, database, company, clock):
    pk = add(database, company, clock, "kimberly", login_locked=True, role=None)
    admin = add(database, company, clock, "mreyes", login_locked=True)
    window = _window(database, company, clock, SetupRole.FRONT_DESK.value)
    try:
        window.select_user(admin)  # another User Setup operator: not for the front desk
        assert not window.reset_action.isEnabled() and not window.unlock_action.isEnabled()
        window.select_user(pk)
        assert window.heading.text() == "User - Kimberly, Test (kimberly)"
        page = window.page("user")
        first_name = by_name(page, QLineEdit, "First Name")
        assert first_name.isReadOnly()
        assert looks_read_only(first_name), "a white box invites typing"
        new_password = by_name(page, QLineEdit, "New Password")
        assert new_password.isReadOnly() and looks_read_only(new_password)
        assert new_password.placeholderText() == ""  # not "Leave blank to keep the password"
        assert not by_name(page, QCheckBox, "Login Locked").isEnabled()
        for action in (
            window.new_action,
            window.copy_action,
            window.save_action,
            window.active_action,
        ):
            assert not action.isEnabled()
        assert window.reset_action.isEnabled() and window.unlock_action.isEnabled()
        assert window.operator_label.text().endswith("- Front Desk")

        with qtbot.waitSignal(window.saved):
            window.unlock_action.trigger()
        with database.transaction() as session:
            assert not session.get(User, pk).login_locked
        assert not window.unlock_action.isEnabled()
    finally:
        window.close()


def looks_read_only(edit: QLineEdit) -> bool:
    palette = edit.palette()
    return palette.color(QPalette.ColorRole.Base) == palette.color(QPalette.ColorRole.Window)


def test_an_administrator_edits_everything(qtbot, database, company, clock):
    pk = add(database, company, clock, "kimberly")
    window = _window(database, company, clock, SetupRole.ADMINISTRATOR.value)
    try:
        window.select_user(pk)
        first_name = by_name(window.page("user"), QLineEdit, "First Name")
        assert not first_name.isReadOnly() and not looks_read_only(first_name)
        company_box = by_name(window.page("user"), QLineEdit, "Company")
        assert company_box.isReadOnly() and looks_read_only(company_box)
        assert window.new_action.isEnabled() and window.settings_action.isEnabled()
    finally:
        window.close()


# The front-desk reset, by keyboard alone


def test_type_part_of_the_name_enter_ctrl_r_enter_resets_a_password(
    qtbot, database, company, clock
):
    pk = add(database, company, clock, "kimberly", login_locked=True, role=None)
    wcassady = add(database, company, clock, "wcassady")
    window = _window(database, company, clock, SetupRole.FRONT_DESK.value)
    answers = DialogAnswers()
    shown: list[str] = []

    def press_enter_twice(dialog: QWidget) -> None:
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # OK: generate, unlock, save
        shown.append(by_name(dialog, QLineEdit, "Temporary password").text())
        qtbot.keyClick(dialog, Qt.Key.Key_Return)  # Close

    try:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)  # shortcuts go to the active window
        qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        window.select_user(wcassady)  # someone else was on screen
        qtbot.keyClicks(by_name(window, QLineEdit, "Search"), "kimb")
        with qtbot.waitSignal(window.subject_loaded):
            qtbot.keyClick(by_name(window, QLineEdit, "Search"), Qt.Key.Key_Return)
        assert window.heading.text() == "User - Kimberly, Test (kimberly)"
        answers.do(press_enter_twice)
        qtbot.keyClick(window.user_view, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        answers.finish()
    finally:
        window.close()

    with database.transaction() as session:
        stored = session.get(User, pk)
        assert stored is not None
        assert (stored.login_locked, stored.must_change_password) == (False, True)
        result = SignInService(session, clock, "TEST").check("valley", "kimberly", shown[0])
    assert result.reason is Reason.PASSWORD_CHANGE_REQUIRED


# The idle lock


def test_the_window_locks_when_idle_and_keeps_unsaved_edits(qtbot, database, company, clock):
    pk = add(database, company, clock, "mreyes")
    context = practice_context(
        database,
        company,
        clock,
        name="mreyes (Mreyes, Test)",
        operator_user_id="mreyes",
        user_pk=pk,
        idle_minutes=15,
    )
    window = UserSetupWindow(InlineRunner(), database, context)
    window.show()
    try:
        window.select_user(pk)
        by_name(window.page("user"), QLineEdit, "Title").setText("Typed before lunch")
        assert (
            window.guard.idle_timer.interval() == 15 * 60_000 and window.guard.idle_timer.isActive()
        )

        window.guard.idle_timer.timeout.emit()  # fifteen minutes without a key or a click
        lock = window.lock_dialog
        assert lock is not None and lock.isVisible()
        assert not window.centralWidget().isVisible()  # no patient staff data on screen

        by_name(lock, QLineEdit, "Password").setText("not it")
        qtbot.keyClick(by_name(lock, QLineEdit, "Password"), Qt.Key.Key_Return)
        assert lock.findChild(QLabel, "refusal").text() == REFUSED
        by_name(lock, QLineEdit, "Password").setText(PASSWORD)
        qtbot.keyClick(by_name(lock, QLineEdit, "Password"), Qt.Key.Key_Return)

        assert window.lock_dialog is None and window.centralWidget().isVisible()
        assert by_name(window.page("user"), QLineEdit, "Title").text() == "Typed before lunch"
    finally:
        window.drop_edits()  # nothing left unsaved to ask about
        window.close()


def test_the_idle_lock_closes_open_dialogs_and_sign_out_leaves_without_asking(
    qtbot, database, company, clock
):
    from PySide6.QtWidgets import QDialog

    pk = add(database, company, clock, "mreyes")
    context = practice_context(
        database,
        company,
        clock,
        name="mreyes",
        operator_user_id="mreyes",
        user_pk=pk,
        idle_minutes=15,
    )
    window = UserSetupWindow(InlineRunner(), database, context)
    window.show()
    window.select_user(pk)
    by_name(window.page("user"), QLineEdit, "Title").setText("Never saved")
    open_dialog = QDialog(window)
    open_dialog.show()  # e.g. a reset's result with a temporary password on it

    window.guard.idle_timer.timeout.emit()
    assert not open_dialog.isVisible()
    lock = window.lock_dialog
    assert isinstance(lock, IdleLockDialog)
    lock.sign_out_button.click()  # no password, no question: the edits are dropped
    assert not window.isVisible()
    with database.transaction() as session:
        assert session.get(User, pk).title == ""


def test_the_user_sections_new_password_says_the_failing_rule_while_typing(
    qtbot, database, company, clock
):
    from app.passwords.policy import PasswordPolicy

    pk = add(database, company, clock, "kimberly", role=None)
    context = practice_context(database, company, clock, name="mreyes", policy=PasswordPolicy())
    window = UserSetupWindow(InlineRunner(), database, context)
    window.show()
    try:
        window.select_user(pk)
        field = user_page(window).password_field
        qtbot.keyClicks(by_name(window.page("user"), QLineEdit, "New Password"), "kimberly2026")
        assert field.hint.isVisible() and "at least 15" in field.hint.text()
        assert field.meter.format() in ("Very weak", "Weak", "Fair")
        field.edit.setText("kimberly's long garden path")
        assert "user ID" in field.hint.text()
    finally:
        window.drop_edits()
        window.close()


def test_a_new_idle_time_saved_in_company_settings_reaches_the_open_window(
    qtbot, database, company, clock
):
    pk = add(database, company, clock, "mreyes")
    context = practice_context(
        database, company, clock, name="mreyes", operator_user_id="mreyes", idle_minutes=15
    )
    window = UserSetupWindow(InlineRunner(), database, context)
    window.show()
    answers = DialogAnswers()
    try:
        window.select_user(pk)
        assert window.guard.idle_timer.interval() == 15 * 60_000

        def shorter_idle_time(dialog: Any) -> None:
            spin = dialog.numbers["idle_minutes"]
            spin.setValue(5)
            dialog.accept()

        answers.do(shorter_idle_time)
        window.settings_action.trigger()
        answers.finish()

        assert window.guard.idle_timer.interval() == 5 * 60_000  # no restart needed
        assert window.context.policy is not None and window.context.policy.idle_minutes == 5
    finally:
        window.close()
