"""The front-desk reset dialog, driven through its real widgets."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, User
from app.errors import ConflictError
from app.passwords.policy import READABLE, PasswordPolicy, policy_version, save_policy
from app.practice.company import CompanyInfo
from app.signin.check import Reason, SignInService
from app.users.records import UserFields, UserRecord
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.window import practice_context, workplace_of
from ui.dialogs.reset_dialog import ResetPasswordDialog
from ui.operations import InlineRunner
from ui.pages.base import PracticeContext

PASSWORD = "bright meadow lantern"
TYPED = "violet harbour compass 42"
READABLE_PASSWORD = re.compile(rf"[{READABLE}]{{4}}(-[{READABLE}]{{4}})+")


@pytest.fixture
def kimberly(database: Database, company: CompanyInfo, clock: FixedClock) -> UserRecord:
    with database.transaction() as session:
        return UserService(session, company, dba("setup"), clock).create(
            UserFields(
                user_id="kimberly",
                first_name="Kimberly",
                last_name="Fox",
                new_password=PASSWORD,
                retype_password=PASSWORD,
                must_change_password=False,
            )
        )


@pytest.fixture
def context(database: Database, company: CompanyInfo, clock: FixedClock) -> PracticeContext:
    return practice_context(database, company, clock, name="mreyes (Reyes, Maria)")


def open_dialog(
    qtbot: Any, database: Database, context: PracticeContext, record: UserRecord
) -> ResetPasswordDialog:
    dialog = ResetPasswordDialog(
        None, InlineRunner(), workplace_of(database, context), context, record
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitExposed(dialog)
    return dialog


def lock(database: Database, record: UserRecord) -> UserRecord:
    """Lock the user as five failed sign-ins would."""
    with database.transaction() as session:
        user = session.get(User, record.pk)
        assert user is not None
        user.login_locked, user.failed_logins = True, 5
    return stored(database, record)


def stored(database: Database, record: UserRecord) -> UserRecord:
    with database.transaction() as session:
        user = session.get(User, record.pk)
        assert user is not None
        return UserRecord(
            pk=user.id,
            version=user.version,
            fields=UserFields(
                user_id=user.user_id,
                first_name=user.first_name,
                last_name=user.last_name,
                login_locked=user.login_locked,
                must_change_password=user.must_change_password,
            ),
            updated_by=user.updated_by,
            updated_at=user.updated_at,
            created_at=user.created_at,
        )


def secrets_of(database: Database, record: UserRecord) -> tuple[str, int, int]:
    """What a reset changes: the hash, the version and the failure counter."""
    with database.transaction() as session:
        user = session.get(User, record.pk)
        assert user is not None
        return user.password_hash, user.version, user.failed_logins


def sign_in(database: Database, clock: FixedClock, password: str) -> Reason:
    with database.transaction() as session:
        return SignInService(session, clock, "TEST").check("valley", "kimberly", password).reason


def press_enter(qtbot: Any, dialog: ResetPasswordDialog) -> None:
    """Enter where the cursor is, as a person presses it."""
    qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)


def shown_password(dialog: ResetPasswordDialog) -> str:
    return by_name(dialog, QLineEdit, "Temporary password").text()


def choose_typing(qtbot: Any, dialog: ResetPasswordDialog, new: str, retype: str) -> None:
    tick(qtbot, by_name(dialog, QRadioButton, "Type a password"))
    qtbot.keyClicks(by_name(dialog, QLineEdit, "New Password"), new)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "ReType"), retype)


def tick(qtbot: Any, box: QAbstractButton) -> None:
    """Click a check box or radio button on its indicator, where a person clicks it."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(6, box.height() // 2))


def error_beside(dialog: ResetPasswordDialog, name: str) -> str:
    label = dialog.findChild(QLabel, f"{name}_error")
    assert label is not None
    return label.text() if not label.isHidden() else ""


# Generating


def test_enter_resets_with_a_readable_temporary_password_that_must_be_changed(
    qtbot: Any,
    database: Database,
    context: PracticeContext,
    clock: FixedClock,
    kimberly: UserRecord,
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    assert dialog.windowTitle() == "Reset Password - Fox, Kimberly (kimberly)"
    assert by_name(dialog, QRadioButton, "Generate a readable temporary password").isChecked()
    assert not by_name(dialog, QLineEdit, "New Password").isEnabled()
    assert by_name(dialog, QCheckBox, "User must change password at next login").isChecked()
    assert by_name(dialog, QPushButton, "OK").isDefault()

    with qtbot.waitSignal(dialog.reset_done) as done:
        press_enter(qtbot, dialog)
    assert [record.pk for record in done.args] == [kimberly.pk]

    password = shown_password(dialog)
    assert READABLE_PASSWORD.fullmatch(password), password
    assert by_name(dialog, QLineEdit, "Temporary password").isReadOnly()
    assert dialog.result_heading.text() == "The temporary password for Fox, Kimberly (kimberly):"
    assert "only this once" in dialog.result_note.text()
    assert "72 hours" in dialog.result_note.text()
    assert sign_in(database, clock, PASSWORD) is Reason.INVALID  # the old one is gone
    assert sign_in(database, clock, password) is Reason.PASSWORD_CHANGE_REQUIRED

    press_enter(qtbot, dialog)  # Enter again closes
    assert dialog.result() == dialog.DialogCode.Accepted and not dialog.isVisible()
    assert shown_password(dialog) == ""  # not kept once closed


def test_cancel_changes_nothing(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    before = secrets_of(database, kimberly)
    dialog = open_dialog(qtbot, database, context, kimberly)
    with qtbot.assertNotEmitted(dialog.reset_done):
        qtbot.mouseClick(by_name(dialog, QPushButton, "Cancel"), Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Rejected
    assert secrets_of(database, kimberly) == before


# Unlocking


def test_unlock_is_checked_only_for_a_locked_user_and_unlocks(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    unlocked = open_dialog(qtbot, database, context, kimberly)
    assert not by_name(unlocked, QCheckBox, "Unlock the account").isChecked()
    assert not by_name(unlocked, QCheckBox, "Unlock the account").isHidden()
    unlocked.reject()

    locked = lock(database, kimberly)
    dialog = open_dialog(qtbot, database, context, locked)
    assert by_name(dialog, QCheckBox, "Unlock the account").isChecked()
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    assert not stored(database, kimberly).fields.login_locked
    assert secrets_of(database, kimberly)[2] == 0  # the failure counter is cleared


def test_a_locked_user_stays_locked_when_unlock_is_cleared(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    locked = lock(database, kimberly)
    dialog = open_dialog(qtbot, database, context, locked)
    tick(qtbot, by_name(dialog, QCheckBox, "Unlock the account"))
    with qtbot.waitSignal(dialog.reset_done):
        qtbot.mouseClick(by_name(dialog, QPushButton, "OK"), Qt.MouseButton.LeftButton)
    assert stored(database, kimberly).fields.login_locked
    assert secrets_of(database, kimberly)[2] == 0  # a reset always clears the counter


# Typing


def test_a_typed_password_works_and_need_not_be_temporary(
    qtbot: Any,
    database: Database,
    context: PracticeContext,
    clock: FixedClock,
    kimberly: UserRecord,
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    choose_typing(qtbot, dialog, TYPED, TYPED)
    tick(qtbot, by_name(dialog, QCheckBox, "User must change password at next login"))
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)  # from the New Password field, where typing began
    assert shown_password(dialog) == TYPED
    assert "72 hours" not in dialog.result_note.text()
    assert not stored(database, kimberly).fields.must_change_password
    assert sign_in(database, clock, TYPED) is Reason.SIGNED_IN


@pytest.mark.parametrize(
    ("new", "retype", "field", "message"),
    [
        (TYPED, TYPED + "!", "retype_password", "The two passwords differ."),
        ("short one", "short one", "new_password", "Use at least 15 characters"),
        ("kimberly's own password", "kimberly's own password", "new_password", "user ID"),
        (PASSWORD, PASSWORD, "new_password", "not used for this account recently"),
        ("", "", "new_password", "Type the new password"),
    ],
)
def test_a_bad_typed_password_is_explained_beside_the_field_and_nothing_changes(
    qtbot: Any,
    database: Database,
    context: PracticeContext,
    kimberly: UserRecord,
    new: str,
    retype: str,
    field: str,
    message: str,
) -> None:
    before = secrets_of(database, kimberly)
    dialog = open_dialog(qtbot, database, context, kimberly)
    choose_typing(qtbot, dialog, new, retype)
    with qtbot.assertNotEmitted(dialog.reset_done):
        qtbot.mouseClick(by_name(dialog, QPushButton, "OK"), Qt.MouseButton.LeftButton)
    assert message in error_beside(dialog, field)
    label = "New Password" if field == "new_password" else "ReType"
    assert message in by_name(dialog, QLineEdit, label).accessibleDescription()
    assert dialog.stack.currentIndex() == 0 and dialog.isVisible()
    assert secrets_of(database, kimberly) == before
    assert by_name(dialog, QLineEdit, "New Password").text() == new  # what was typed stays


def test_typing_is_not_offered_when_the_practice_allows_only_generated_passwords(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    context: PracticeContext,
    kimberly: UserRecord,
) -> None:
    with database.transaction() as session:
        save_policy(
            session,
            company.id,
            PasswordPolicy(allow_typed_temporary=False),
            actor=dba("setup"),
            clock=clock,
            expected_version=policy_version(session, company.id),
        )
    dialog = open_dialog(qtbot, database, context, kimberly)
    for kind, name in (
        (QRadioButton, "Type a password"),
        (QLineEdit, "New Password"),
        (QLineEdit, "ReType"),
    ):
        widget: QWidget = by_name(dialog, kind, name)
        assert widget.isHidden() and not widget.isEnabled(), name
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    assert READABLE_PASSWORD.fullmatch(shown_password(dialog))


# After the reset


def test_copy_puts_the_password_on_the_clipboard(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(by_name(dialog, QPushButton, "Copy"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == shown_password(dialog)


def test_the_slip_prints_to_a_pdf_with_who_and_the_password(
    qtbot: Any,
    database: Database,
    context: PracticeContext,
    kimberly: UserRecord,
    tmp_path: Path,
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    password = shown_password(dialog)
    slip = dialog.slip_html()
    for part in ("Valley Family Medicine", "Kimberly Fox", "kimberly", "valley", password):
        assert part in slip, part
    assert "Sign in with this password; you will be asked to choose your own." in slip

    path = tmp_path / "slip.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    dialog.print_slip(printer)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 500


def test_the_audit_trail_records_the_reset_but_never_the_password(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    password = shown_password(dialog)
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.user_pk == kimberly.pk).order_by(AuditEvent.id)
        ).all()
        trail = [(e.action, e.operator, json.dumps(e.changes)) for e in events]
    assert trail[-1][:2] == ("password.reset", "mreyes (Reyes, Maria)")
    assert all(password not in changes for _, _, changes in trail)
    assert "password changed" in trail[-1][2]


def test_a_refused_reset_is_said_in_plain_words_and_the_dialog_stays(
    qtbot: Any,
    database: Database,
    context: PracticeContext,
    kimberly: UserRecord,
    dialogs: DialogAnswers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> str:
        raise ConflictError("lblake", None)

    monkeypatch.setattr(UserService, "reset_password", refuse)
    dialog = open_dialog(qtbot, database, context, kimberly)
    dialogs.answer("OK")
    with qtbot.assertNotEmitted(dialog.reset_done):
        press_enter(qtbot, dialog)
    assert dialogs.seen and "changed by lblake" in dialogs.seen[0]
    assert dialog.isVisible() and dialog.stack.currentIndex() == 0


def test_the_title_that_names_the_user_fits_the_dialog(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    bold = dialog.font()
    bold.setBold(True)

    assert dialog.windowTitle() == "Reset Password - Fox, Kimberly (kimberly)"
    assert dialog.width() > QFontMetrics(bold).horizontalAdvance(dialog.windowTitle())


@pytest.mark.skipif(
    sys.platform != "linux", reason="Windows and macOS print dialogs are native: no test can press"
)
def test_print_asks_for_a_printer_and_cancelling_prints_nothing(
    qtbot: Any, database: Database, context: PracticeContext, kimberly: UserRecord
) -> None:
    dialog = open_dialog(qtbot, database, context, kimberly)
    with qtbot.waitSignal(dialog.reset_done):
        press_enter(qtbot, dialog)
    asked: list[str] = []

    def cancel_print_dialog() -> None:
        chooser = QApplication.activeModalWidget()
        if not isinstance(chooser, QPrintDialog):
            QTimer.singleShot(0, cancel_print_dialog)
            return
        asked.append(chooser.windowTitle())
        chooser.reject()

    QTimer.singleShot(0, cancel_print_dialog)
    qtbot.mouseClick(by_name(dialog, QPushButton, "Print"), Qt.MouseButton.LeftButton)
    assert asked == ["Print the password slip"]
    assert dialog.isVisible()
    # Back from printing, Enter closes the dialog; it does not print again.
    QTimer.singleShot(0, cancel_print_dialog)
    assert dialog.focusWidget() is by_name(dialog, QPushButton, "Close")
    with qtbot.waitSignal(dialog.accepted):
        press_enter(qtbot, dialog)
    assert asked == ["Print the password slip"]
