"""Forgot password?, through the real dialog, with mail to a real local SMTP server."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit

from app.outbound.mail import MailSettings, save_mail_settings
from app.passwords.recovery import REFUSED, SENT
from app.signin.check import Reason, SignInService
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore
from tests.helpers.qt import by_name
from tests.test_recovery import NEW_PASSWORD
from ui.operations import InlineRunner
from ui.signin.recovery_dialog import ForgotPasswordDialog


def _dialog(qtbot: Any, database: Any, clock: Any, store: MemoryStore) -> ForgotPasswordDialog:
    dialog = ForgotPasswordDialog(InlineRunner(), database, clock, "HOME-PC", "valley", store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _mail_server(database: Any, company: Any, clock: Any, port: int, store: MemoryStore) -> None:
    with database.transaction() as session:
        save_mail_settings(
            session, company.id, company.code,
            MailSettings("127.0.0.1", port, "none", "office@valleyfamily.example"),
            password=None, store=store, actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip


def test_a_code_by_mail_then_a_new_password_through_the_dialog(
    qtbot,
    database,
    company,
    clock,
    kim,
    inbox,
):
    store = MemoryStore()
    _mail_server(database, company, clock, inbox[1], store)
    dialog = _dialog(qtbot, database, clock, store)
    by_name(dialog, QLineEdit, "User ID").setText("kimberly")
    dialog.ok_button.click()
    assert dialog.findChild(QLabel, "sent").text() == SENT
    code = inbox[0].code()

    by_name(dialog, QLineEdit, "Code").setText(f"{(int(code) + 1) % 1_000_000:06d}")
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)
    dialog.ok_button.click()
    assert dialog.errors.message("code") == REFUSED

    by_name(dialog, QLineEdit, "Code").setText(code)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", NEW_PASSWORD)
    assert result.reason is Reason.SIGNED_IN


def test_an_unknown_user_reads_the_same_and_gets_nowhere(
    qtbot,
    database,
    company,
    clock,
    kim,
    inbox,
):
    store = MemoryStore()
    _mail_server(database, company, clock, inbox[1], store)
    dialog = _dialog(qtbot, database, clock, store)
    by_name(dialog, QLineEdit, "User ID").setText("nobody")
    dialog.ok_button.click()
    assert dialog.findChild(QLabel, "sent").text() == SENT
    assert inbox[0].messages == []
    by_name(dialog, QLineEdit, "Code").setText("123456")
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)
    dialog.ok_button.click()
    assert dialog.errors.message("code") == REFUSED


def test_forgot_password_is_reached_from_the_sign_in_dialog(qtbot, database, company, clock):
    from app.signin.flow import SignInFlow
    from tests.helpers.qt import DialogAnswers
    from ui.signin.sign_in_dialog import SignInDialog

    sign_in = SignInDialog(InlineRunner(), SignInFlow(database, clock, "HOME-PC"), "valley")
    qtbot.addWidget(sign_in)
    sign_in.show()
    by_name(sign_in, QLineEdit, "User ID").setText("kimberly")
    seen: list[tuple[str, str]] = []

    def look_and_cancel(dialog: Any) -> None:
        seen.append(
            (
                by_name(dialog, QLineEdit, "User ID").text(),
                by_name(dialog, QLineEdit, "Company").text(),
            )
        )
        dialog.reject()

    answers = DialogAnswers()
    answers.do(look_and_cancel)
    sign_in.forgot_button.click()
    answers.finish()
    assert seen == [("kimberly", "valley")]
