"""Forgot password?, through the real dialog, with mail to a real local SMTP server."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from app.outbound.mail import MailSettings, save_mail_settings
from app.passwords.recovery import ASK_ADMINISTRATOR, REFUSED, SENT
from app.signin.check import TOKEN_REFUSED, Reason, SignInService
from app.two_factor.service import TwoFactorForm
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore
from tests.helpers.qt import by_name
from tests.test_recovery import NEW_PASSWORD
from tests.test_signin_two_factor_dialogs import button, inputs_are_named_as_labelled
from tests.test_two_factor_signin import ADDRESS, authenticator, phone, two_factor
from ui.operations import InlineRunner
from ui.signin.recovery_dialog import TOKEN, ForgotPasswordDialog


def _dialog(qtbot: Any, database: Any, clock: Any, store: MemoryStore) -> ForgotPasswordDialog:
    dialog = ForgotPasswordDialog(InlineRunner(), database, clock, "HOME-PC", "valley", store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _ask_code(qtbot: Any, dialog: ForgotPasswordDialog, user_id: str) -> None:
    """Send Code for ``user_id``, then wait until the code is issued and mailed (or not)."""
    by_name(dialog, QLineEdit, "User ID").setText(user_id)
    dialog.ok_button.click()
    sending = dialog.sending
    assert sending is not None
    qtbot.waitUntil(sending.done)


def _new_password(dialog: ForgotPasswordDialog, code: str) -> None:
    by_name(dialog, QLineEdit, "Code").setText(code)
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)


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
    _ask_code(qtbot, dialog, "kimberly")
    assert dialog.findChild(QLabel, "sent").text() == SENT
    code = inbox[0].code()

    _new_password(dialog, f"{(int(code) + 1) % 1_000_000:06d}")
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
    _ask_code(qtbot, dialog, "nobody")
    assert dialog.findChild(QLabel, "sent").text() == SENT
    assert inbox[0].messages == []
    _new_password(dialog, "123456")
    dialog.ok_button.click()
    assert dialog.errors.message("code") == REFUSED


@pytest.mark.parametrize("user_id", ["kimberly", "nobody"])
def test_the_answer_is_shown_before_the_code_is_mailed(
    qtbot, database, company, clock, kim, inbox, user_id
):
    store = MemoryStore()
    _mail_server(database, company, clock, inbox[1], store)
    dialog = _dialog(qtbot, database, clock, store)
    inbox[0].gate.clear()  # the mail server holds every message until the test lets it go
    by_name(dialog, QLineEdit, "User ID").setText(user_id)
    dialog.ok_button.click()

    assert dialog.stack.currentWidget() is dialog.code_page
    assert dialog.findChild(QLabel, "sent").text() == SENT
    assert dialog.ok_button.isEnabled() and dialog.ok_button.text() == "Change Password"
    assert inbox[0].messages == []  # still held: nothing shown waited for it
    inbox[0].gate.set()
    sending = dialog.sending
    assert sending is not None
    qtbot.waitUntil(sending.done)
    assert len(inbox[0].messages) == (user_id == "kimberly")


def test_a_user_whose_token_goes_to_the_same_mailbox_reads_ask_the_administrator(
    qtbot, database, company, clock, kim, inbox
):
    two_factor(database, company, clock, kim, TwoFactorForm("email", ADDRESS))
    store = MemoryStore()
    _mail_server(database, company, clock, inbox[1], store)
    dialog = _dialog(qtbot, database, clock, store)
    _ask_code(qtbot, dialog, "kimberly")
    assert dialog.findChild(QLabel, "sent").text() == SENT  # as for anyone
    code = inbox[0].code()
    _new_password(dialog, f"{(int(code) + 1) % 1_000_000:06d}")
    dialog.ok_button.click()
    assert dialog.errors.message("code") == REFUSED  # as for anyone

    by_name(dialog, QLineEdit, "Code").setText(code)
    dialog.ok_button.click()
    sent = dialog.findChild(QLabel, "sent")
    assert sent.text() == ASK_ADMINISTRATOR and sent.isVisible()
    assert not dialog.ok_button.isEnabled() and dialog.isVisible()


def test_with_an_authenticator_the_dialog_asks_its_token_before_the_password_changes(
    qtbot, database, company, clock, kim, inbox
):
    codes = authenticator(database, company, clock, kim)
    store = MemoryStore()
    _mail_server(database, company, clock, inbox[1], store)
    dialog = _dialog(qtbot, database, clock, store)
    _ask_code(qtbot, dialog, "kimberly")
    _new_password(dialog, inbox[0].code())
    dialog.ok_button.click()
    token = by_name(dialog, QLineEdit, TOKEN)
    assert dialog.stack.currentWidget() is dialog.token_page and token.isVisible()
    inputs_are_named_as_labelled(dialog.token_page)
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == "Enter the token."

    token.setText(f"{(int(phone(clock.now)) + 1) % 1_000_000:06d}")
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == TOKEN_REFUSED
    button(dialog, "Use a recovery code").click()
    by_name(dialog, QLineEdit, "Recovery Code").setText(codes[0])
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", NEW_PASSWORD)
    assert result.reason is Reason.TWO_FACTOR_REQUIRED  # the new password, then the token


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
