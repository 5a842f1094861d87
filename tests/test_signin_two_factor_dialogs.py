"""The second factor through the real sign-in dialog: tokens from an app, by mail with a real
local SMTP server, recovery codes, and setting up an authenticator at sign-in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from app.db.database import Database
from app.db.models import PracticeKeyRow, TwoFactorMethod, TwoFactorSetup, User
from app.outbound.mail import MailSettings, save_mail_settings
from app.practice.company import CompanyInfo
from app.signin.check import CODE_REFUSED, REFUSED, TOKEN_REFUSED
from app.signin.flow import SignInFlow, Step
from app.two_factor.authenticator import new_secret, replace_recovery_codes
from app.two_factor.policy import CompanyDefault, TwoFactorPolicy, save_two_factor_policy
from app.two_factor.service import UNABLE_TO_SEND
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, stored_user
from tests.helpers.roles import SetupRole
from ui.operations import InlineRunner
from ui.signin.sign_in_dialog import TOKEN_EXPIRED, SignInDialog
from ui.widgets.two_factor_widgets import RecoveryCodesDialog

PASSWORD = "quiet harbor lights"
NEW_PASSWORD = "a lantern by the north gate"
KIM_MAIL = "kim.fox@valleyfamily.example"


def add(
    database: Database, company: CompanyInfo, clock: FixedClock, user_id: str, **columns: Any
) -> int:
    """A User Setup operator with PASSWORD; ``columns`` set on the stored row as they are."""
    must_change = columns.pop("must_change_password", False)
    pk = add_user(
        database, company, clock, user_id, first_name="Kimberly", last_name="Fox",
        password=PASSWORD, role=SetupRole.ADMINISTRATOR, by="mreyes",
        must_change_password=must_change,
    )  # fmt: skip
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        for name, value in columns.items():
            setattr(user, name, value)
    return pk


def stored(database: Database, pk: int) -> User:
    return stored_user(database, pk)


def company_rule(database: Database, company: CompanyInfo, clock: FixedClock, **rule: Any) -> None:
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(**rule),
            actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip


def mail_server(
    database: Database, company: CompanyInfo, clock: FixedClock, port: int, store: MemoryStore
) -> None:
    with database.transaction() as session:
        save_mail_settings(
            session, company.id, company.code,
            MailSettings("127.0.0.1", port, "none", "office@valleyfamily.example"),
            password=None, store=store, actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip


@pytest.fixture
def open_dialog(qtbot: Any, database: Database, clock: FixedClock) -> Callable[..., SignInDialog]:
    def open_(**flow: Any) -> SignInDialog:
        dialog = SignInDialog(
            InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2", **flow), "valley"
        )
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return open_


def password(dialog: SignInDialog, user_id: str = "kimberly") -> None:
    by_name(dialog, QLineEdit, "User ID").setText(user_id)
    by_name(dialog, QLineEdit, "Password").setText(PASSWORD)
    dialog.ok_button.click()


def token_field(dialog: SignInDialog, name: str) -> QLineEdit:
    return by_name(dialog.token_page, QLineEdit, name)


def shown(dialog: QWidget, name: str) -> str:
    label = dialog.findChild(QLabel, name)
    assert label is not None, name
    return label.text() if label.isVisible() else ""


def button(dialog: QWidget, text: str) -> QPushButton:
    (found,) = [b for b in dialog.findChildren(QPushButton) if b.text() == text]
    return found


def inputs_are_named_as_labelled(page: QWidget) -> None:
    """Every visible input is named for screen readers exactly as its visible label reads."""
    edits = [e for e in page.findChildren(QLineEdit) if e.isVisible()]
    assert edits
    for edit in edits:
        labels = [label for label in page.findChildren(QLabel) if label.buddy() is edit]
        assert [label.text() for label in labels] == [f"{edit.accessibleName()}:"]


def other_token(token: str) -> str:
    return f"{(int(token) + 1) % 1_000_000:06d}"


# A token from the authenticator app


def test_an_authenticator_token_after_the_password_signs_in(
    qtbot, open_dialog, database, company, clock
):
    secret = new_secret()
    pk = add(database, company, clock, "kimberly", two_factor_method="app", totp_secret=secret)
    dialog = open_dialog()
    password(dialog)

    assert dialog.flow.step is Step.TOKEN and dialog.stack.currentWidget() is dialog.token_page
    assert shown(dialog, "token_heading") == "Two Factor Application Token: Required"
    assert not dialog.send_button.isVisible() and shown(dialog, "time_left") == ""
    field = token_field(dialog, "Two Factor Application Token")
    assert dialog.focusWidget() is field
    inputs_are_named_as_labelled(dialog.token_page)

    right = pyotp.TOTP(secret).at(clock.now)
    field.setText(other_token(right))
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == TOKEN_REFUSED
    assert field.accessibleDescription() == TOKEN_REFUSED  # read out with the field
    assert dialog.operator is None and dialog.isVisible()
    assert stored(database, pk).failed_logins == 1  # a wrong token counts

    field.setText(right)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    assert dialog.operator is not None and dialog.operator.user_id == "kimberly"
    assert stored(database, pk).failed_logins == 0


def test_a_computer_without_the_practice_key_says_so_beside_the_token(
    open_dialog, database, company, clock
):
    secret = new_secret()
    pk = add(database, company, clock, "kimberly", two_factor_method="app", totp_secret=secret)
    with database.transaction() as session:  # the key was made on another computer
        session.add(PracticeKeyRow(id=1, key_id="elsewhere", check_value="0" * 64,
                                   created_at=clock.now))  # fmt: skip
    dialog = open_dialog()
    password(dialog)

    token_field(dialog, "Two Factor Application Token").setText(pyotp.TOTP(secret).at(clock.now))
    dialog.ok_button.click()
    assert dialog.token_errors.message("token").startswith(
        "This computer does not have the practice key"
    )
    assert dialog.operator is None and dialog.isVisible()
    assert stored(database, pk).failed_logins == 0  # the person did nothing wrong


def test_an_empty_token_is_asked_for_and_not_counted(open_dialog, database, company, clock):
    pk = add(
        database, company, clock, "kimberly", two_factor_method="app", totp_secret=new_secret()
    )
    dialog = open_dialog()
    password(dialog)
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == "Enter the token."
    assert stored(database, pk).failed_logins == 0


def test_five_wrong_tokens_lock_the_account_and_go_back_to_the_password(
    open_dialog, database, company, clock
):
    secret = new_secret()
    pk = add(database, company, clock, "kimberly", two_factor_method="app", totp_secret=secret)
    dialog = open_dialog()
    password(dialog)
    wrong = other_token(pyotp.TOTP(secret).at(clock.now))
    for _ in range(4):
        token_field(dialog, "Two Factor Application Token").setText(wrong)
        dialog.ok_button.click()
        assert dialog.token_errors.message("token") == TOKEN_REFUSED
    token_field(dialog, "Two Factor Application Token").setText(wrong)
    dialog.ok_button.click()

    assert dialog.stack.currentWidget() is dialog.credentials_page
    assert shown(dialog, "refusal") == REFUSED
    assert dialog.ok_button.text() == "Sign In" and dialog.flow.step is Step.CREDENTIALS
    assert by_name(dialog, QLineEdit, "Password").text() == ""
    assert by_name(dialog, QLineEdit, "User ID").text() == "kimberly"
    assert stored(database, pk).locked_until is not None  # locked for a while

    password(dialog)  # even the right password now says no more than that
    assert shown(dialog, "refusal") == REFUSED and dialog.operator is None


def test_a_recovery_code_in_place_of_the_token(qtbot, open_dialog, database, company, clock):
    pk = add(
        database, company, clock, "kimberly", two_factor_method="app", totp_secret=new_secret()
    )
    with database.transaction() as session:
        codes = replace_recovery_codes(session, pk, clock.now)
    dialog = open_dialog()
    password(dialog)

    button(dialog, "Use a recovery code").click()
    assert shown(dialog, "token_heading") == "Recovery Code: Required"
    field = token_field(dialog, "Recovery Code")
    inputs_are_named_as_labelled(dialog.token_page)
    field.setText("aaaa-bbbb-cccc")
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == CODE_REFUSED

    button(dialog, "Use a token instead").click()  # and back again
    assert token_field(dialog, "Two Factor Application Token") is field
    button(dialog, "Use a recovery code").click()
    field.setText(codes[3].upper())
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    assert dialog.operator is not None
    assert stored(database, pk).recovery_codes_left == 9


def test_an_office_subnet_skips_the_token(qtbot, open_dialog, database, company, clock):
    add(database, company, clock, "kimberly", two_factor_method="app", totp_secret=new_secret())
    company_rule(database, company, clock, excluded_networks=("192.168.10.0/24",))
    dialog = open_dialog(ip="192.168.10.23")
    with qtbot.waitSignal(dialog.accepted):
        password(dialog)
    assert dialog.operator is not None


# A token by mail


@pytest.fixture
def mailed(database, company, clock, inbox) -> tuple[int, MemoryStore]:
    store = MemoryStore()
    mail_server(database, company, clock, inbox[1], store)
    pk = add(
        database, company, clock, "kimberly",
        two_factor_method=TwoFactorMethod.EMAIL.value, two_factor_destination=KIM_MAIL,
    )  # fmt: skip
    return pk, store


def test_a_token_by_mail_is_sent_when_the_step_opens_and_counts_down(
    qtbot, open_dialog, clock, inbox, mailed
):
    _, store = mailed
    dialog = open_dialog(store=store)
    password(dialog)

    assert shown(dialog, "token_heading") == "Email Token: Required"
    assert len(inbox[0].messages) == 1 and inbox[0].messages[0]["To"] == KIM_MAIL
    assert shown(dialog, "token_sent") == "A token was sent to k***@valleyfamily.example."
    assert shown(dialog, "time_left") == "Time Left: 00:03:00"
    assert dialog.countdown.isActive() and dialog.countdown.interval() == 1000
    inputs_are_named_as_labelled(dialog.token_page)

    clock.now += timedelta(seconds=5)
    dialog.countdown.timeout.emit()
    assert shown(dialog, "time_left") == "Time Left: 00:02:55"
    clock.now += timedelta(seconds=54, milliseconds=500)
    dialog.countdown.timeout.emit()
    assert shown(dialog, "time_left") == "Time Left: 00:02:01"  # a part second shows as one

    dialog.send_button.click()  # within the minute: nothing is sent, and it says so
    assert len(inbox[0].messages) == 1
    assert shown(dialog, "token_sent").startswith("A token was sent less than a minute ago")
    assert shown(dialog, "token_sent").endswith("send another in 1 second.")
    assert shown(dialog, "time_left") == "Time Left: 00:02:01"

    clock.now += timedelta(minutes=2, seconds=1)
    dialog.countdown.timeout.emit()
    assert shown(dialog, "time_left") == "Time Left: 00:00:00"
    assert shown(dialog, "token_sent") == TOKEN_EXPIRED and not dialog.countdown.isActive()
    expired = inbox[0].code()
    token_field(dialog, "Email Token").setText(expired)
    dialog.ok_button.click()
    assert dialog.token_errors.message("token") == CODE_REFUSED

    dialog.send_button.click()
    assert len(inbox[0].messages) == 2
    assert shown(dialog, "time_left") == "Time Left: 00:03:00" and dialog.countdown.isActive()
    token_field(dialog, "Email Token").setText(inbox[0].code())
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    assert dialog.operator is not None
    assert not dialog.countdown.isActive()


def test_a_token_that_cannot_be_mailed_says_so_without_a_countdown(
    open_dialog, clock, inbox, mailed
):
    _, store = mailed
    inbox[0].refuse = True
    dialog = open_dialog(store=store)
    password(dialog)
    assert shown(dialog, "token_sent") == UNABLE_TO_SEND
    assert shown(dialog, "time_left") == "" and not dialog.countdown.isActive()

    clock.now += timedelta(minutes=1)
    inbox[0].refuse = False
    dialog.send_button.click()
    assert shown(dialog, "token_sent") == "A token was sent to k***@valleyfamily.example."
    assert shown(dialog, "time_left") == "Time Left: 00:03:00"


# Setting up an authenticator at sign-in


def verify_setup(
    qtbot: Any, dialog: SignInDialog, clock: FixedClock, *, by_keyboard: bool = False
) -> list[str]:
    """Next, a wrong token, the right one, then the recovery codes, read and closed; with
    ``by_keyboard``, Enter in place of each button."""
    panel = dialog.setup_panel
    assert not panel.qr.isVisible() and not panel.token.isVisible()  # the title comes first

    def press(button: QPushButton, field: QLineEdit) -> None:
        if by_keyboard:
            qtbot.keyClick(field, Qt.Key.Key_Return)
        else:
            button.click()

    press(dialog.ok_button, panel.title)  # Next
    assert panel.qr.isVisible() and panel.qr.pixmap() is not None
    assert not dialog.ok_button.isVisible()  # the panel's own Verify goes on
    enrolment = dialog.flow.enrolment
    assert enrolment is not None
    assert by_name(dialog, QLabel, "Manual Entry Key").text() == enrolment.key
    inputs_are_named_as_labelled(dialog.setup_page)

    right = pyotp.TOTP(enrolment.secret).at(clock.now)
    token = by_name(dialog, QLineEdit, "Two Factor Application Token")
    token.setText(other_token(right))
    press(panel.verify_button, token)
    assert panel.errors.message("token") == TOKEN_REFUSED

    codes: list[str] = []

    def read_and_close(codes_dialog: QWidget) -> None:
        assert isinstance(codes_dialog, RecoveryCodesDialog)
        codes.extend(codes_dialog.codes)
        codes_dialog.close_button.click()

    answers = DialogAnswers()
    answers.do(read_and_close)
    token.setText(right)
    press(panel.verify_button, token)
    answers.finish()
    assert len(codes) == 10 and dialog.flow.recovery_codes == []  # shown once, then forgotten
    assert panel.key.text() == "" and panel.enrolment is None
    return codes


def test_a_company_that_requires_2fa_has_it_set_up_before_signing_in(
    qtbot, open_dialog, database, company, clock
):
    pk = add(database, company, clock, "kimberly", must_change_password=True)
    company_rule(database, company, clock, default_for_users=CompanyDefault.REQUIRED)
    dialog = open_dialog()
    password(dialog)

    assert dialog.flow.step is Step.SETUP and dialog.stack.currentWidget() is dialog.setup_page
    assert "requires" in shown(dialog, "setup_heading")
    assert not dialog.skip_button.isVisible() and dialog.ok_button.text() == "Next"
    title = by_name(dialog, QLineEdit, "Title for Authenticator")
    assert title.text() == "Valley Family Medicine"  # the company's name unless changed
    title.setText("Valley: Front Desk")
    dialog.ok_button.click()
    assert dialog.setup_panel.errors.message("title").startswith("Use at most 64")
    title.setText("Valley Front Desk")

    codes = verify_setup(qtbot, dialog, clock)

    assert dialog.stack.currentWidget() is dialog.change_page  # the change that was due
    by_name(dialog, QLineEdit, "New Password").setText(NEW_PASSWORD)
    by_name(dialog, QLineEdit, "Verify").setText(NEW_PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        dialog.ok_button.click()
    user = stored(database, pk)
    assert user.totp_secret is not None and user.authenticator_title == "Valley Front Desk"
    assert user.recovery_codes_left == 10 and len(set(codes)) == 10
    assert not user.must_change_password


def test_a_title_changed_after_next_makes_the_qr_code_again(open_dialog, database, company, clock):
    add(database, company, clock, "kimberly", two_factor_method="app",
        two_factor_setup=TwoFactorSetup.REQUIRE.value)  # fmt: skip
    dialog = open_dialog()
    password(dialog)
    dialog.ok_button.click()  # Next, with the company's name
    first = dialog.flow.enrolment
    assert first is not None and first.title == "Valley Family Medicine"
    title = by_name(dialog, QLineEdit, "Title for Authenticator")
    title.setText("Kim's phone")
    title.editingFinished.emit()
    second = dialog.flow.enrolment
    assert second is not None and second.title == "Kim's phone"
    assert second.secret == first.secret and dialog.setup_panel.enrolment == second


def test_a_suggested_setup_may_be_skipped(qtbot, open_dialog, database, company, clock):
    pk = add(database, company, clock, "kimberly", two_factor_method="app",
             two_factor_setup=TwoFactorSetup.PROMPT.value)  # fmt: skip
    dialog = open_dialog()
    password(dialog)
    assert dialog.flow.step is Step.SETUP and "suggests" in shown(dialog, "setup_heading")
    assert dialog.skip_button.isVisible() and dialog.skip_button.text() == "Skip for now"
    dialog.ok_button.click()  # Next: the code is made, then skipped all the same
    with qtbot.waitSignal(dialog.accepted):
        dialog.skip_button.click()
    assert dialog.operator is not None
    assert stored(database, pk).totp_secret is None


def test_a_suggested_setup_done_shows_the_codes_and_signs_in(
    qtbot, open_dialog, database, company, clock
):
    company_rule(database, company, clock, default_for_users=CompanyDefault.SUGGESTED)
    pk = add(database, company, clock, "kimberly")
    dialog = open_dialog()
    password(dialog)
    assert dialog.skip_button.isVisible()
    with qtbot.waitSignal(dialog.accepted):
        verify_setup(qtbot, dialog, clock, by_keyboard=True)
    assert stored(database, pk).two_factor_method == TwoFactorMethod.APP.value


def test_a_required_setup_has_no_way_past_it_but_cancel(
    qtbot, open_dialog, database, company, clock
):
    pk = add(database, company, clock, "kimberly", two_factor_method="app",
             two_factor_setup=TwoFactorSetup.REQUIRE.value)  # fmt: skip
    dialog = open_dialog()
    password(dialog)
    assert not dialog.skip_button.isVisible()
    assert {b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()} == {
        "Next",
        "Cancel",
    }
    dialog.skip_button.click()  # even if it were pressed somehow
    assert dialog.flow.step is Step.SETUP and dialog.isVisible()
    with qtbot.waitSignal(dialog.rejected):
        button(dialog, "Cancel").click()
    assert dialog.operator is None
    assert stored(database, pk).totp_secret is None


# The window's sign-in


def test_the_window_signs_in_with_this_workstations_address_and_the_keyring(
    monkeypatch, database, company, clock
):
    import keyring

    from ui import main

    add(database, company, clock, "kimberly")
    flows: list[SignInFlow] = []

    def exec_(dialog: SignInDialog) -> int:
        flows.append(dialog.flow)
        return 0  # cancelled

    monkeypatch.setattr(SignInDialog, "exec", exec_)
    assert main.sign_in(InlineRunner(), database, clock, None, "192.168.10.23") is None
    (flow,) = flows
    assert (flow.ip, flow.store) == ("192.168.10.23", keyring)
