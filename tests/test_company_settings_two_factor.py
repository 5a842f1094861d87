"""Company Settings' two-factor and text-message groups, driven through their real widgets."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
)
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent
from app.outbound.mail import MailSettings, load_mail_settings, save_mail_settings
from app.outbound.sms import KEYRING_SERVICE, SmsSettings, load_sms_settings, save_sms_settings
from app.passwords.policy import PasswordPolicy, load_policy, policy_version
from app.practice.company import CompanyInfo
from app.two_factor.policy import TwoFactorPolicy, load_two_factor_policy, save_two_factor_policy
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.window import practice_context, saves, workplace_of
from tests.test_company_settings import MIN_LENGTH, number, press, type_number
from ui.dialogs.company_settings import CompanySettingsDialog
from ui.operations import InlineRunner

OPERATOR = "mreyes (Reyes, Maria)"
THEM = "lblake (Blake, Lauren)"
DEFAULT_2FA = "Default 2FA Setting for Users"
EXCLUDED = "Exclude 2FA by IP range"
OK = QDialogButtonBox.StandardButton.Ok
THEIR_MAIL = MailSettings("smtp.example.com", sender="office@valleyfamily.example")
SMS_VALUES = {"Account SID": "AC0123456789", "Sending Number": "413-555-0142"}


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def open_settings(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, store: MemoryStore
) -> CompanySettingsDialog:
    context = practice_context(database, company, clock, name=OPERATOR)
    dialog = CompanySettingsDialog(
        None, InlineRunner(), workplace_of(database, context), context, store=store
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def dialog(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, store: MemoryStore
) -> CompanySettingsDialog:
    return open_settings(qtbot, database, company, clock, store)


def networks(dialog: CompanySettingsDialog) -> QPlainTextEdit:
    return by_name(dialog, QPlainTextEdit, EXCLUDED)


def type_networks(qtbot: Any, dialog: CompanySettingsDialog, text: str) -> None:
    edit = networks(dialog)
    dialog.tabs.setCurrentIndex(1)
    edit.setFocus()
    edit.selectAll()
    for index, line in enumerate(text.split("\n")):
        if index:
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        qtbot.keyClicks(edit, line)


def line(dialog: CompanySettingsDialog, name: str) -> QLineEdit:
    return by_name(dialog, QLineEdit, name)


def stored_two_factor(database: Database, company: CompanyInfo) -> tuple[TwoFactorPolicy, int]:
    with database.transaction() as session:
        return load_two_factor_policy(session, company.id)


def stored_sms(database: Database, company: CompanyInfo) -> tuple[SmsSettings | None, int]:
    with database.transaction() as session:
        return load_sms_settings(session, company.id)


def actions(database: Database, company: CompanyInfo) -> list[tuple[str, str]]:
    with database.transaction() as session:
        return [
            (e.action, e.operator)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.company_id == company.id)
                .order_by(AuditEvent.id)
            )
        ]


def event(database: Database, company: CompanyInfo, action: str) -> AuditEvent:
    with database.transaction() as session:
        return session.scalars(
            select(AuditEvent).where(
                AuditEvent.company_id == company.id, AuditEvent.action == action
            )
        ).one()


def tab_title(dialog: CompanySettingsDialog) -> str:
    return dialog.tabs.tabText(dialog.tabs.currentIndex())


# What it shows


def test_the_groups_sit_on_tabs_and_the_dialog_fits_a_768_pixel_screen(
    dialog: CompanySettingsDialog,
) -> None:
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == [
        "Passwords",
        "Sign-in and Lockout",
        "Two-factor",
        "Mail and Text",
        "Roles",
    ]
    # Room left for the title bar and the taskbar.
    assert dialog.sizeHint().height() <= 700
    assert dialog.minimumSizeHint().height() <= 700


def test_a_company_without_settings_shows_2fa_off_and_the_twilio_address(
    dialog: CompanySettingsDialog,
) -> None:
    combo = by_name(dialog, QComboBox, DEFAULT_2FA)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "0 = Off",
        "1 = Required for all users",
        "2 = Suggested (prompted at next login)",
    ]
    assert combo.currentText() == "0 = Off"
    assert networks(dialog).toPlainText() == ""
    note = dialog.findChild(QLabel, "excluded_networks_note")
    assert note is not None and "Sign-ins from these subnets (the office LAN) skip" in note.text()
    assert line(dialog, "Gateway Address").text() == "https://api.twilio.com"
    for name in ("Account SID", "Auth Token", "Sending Number"):
        assert line(dialog, name).text() == ""
    assert line(dialog, "Auth Token").echoMode() == QLineEdit.EchoMode.Password
    assert "keyring" in line(dialog, "Auth Token").placeholderText()


def test_stored_settings_are_shown_as_stored(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, store: MemoryStore
) -> None:
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(1, ("192.168.1.0/24", "10.8.0.0/16")),
            actor=dba(THEM), clock=clock, expected_version=0,
        )  # fmt: skip
        save_sms_settings(
            session, company.id, company.code, "US",
            SmsSettings("AC0123456789", "+14135550142", "https://sms.example.com"),
            token=None, store=store, actor=dba(THEM), clock=clock, expected_version=0,
        )  # fmt: skip
    dialog = open_settings(qtbot, database, company, clock, store)
    assert by_name(dialog, QComboBox, DEFAULT_2FA).currentText() == "1 = Required for all users"
    assert networks(dialog).toPlainText() == "192.168.1.0/24\n10.8.0.0/16"
    assert line(dialog, "Gateway Address").text() == "https://sms.example.com"
    assert line(dialog, "Account SID").text() == "AC0123456789"
    assert line(dialog, "Sending Number").text() == "(413) 555-0142"
    assert line(dialog, "Auth Token").text() == ""


# Two-factor sign-in


def test_what_is_not_a_subnet_is_refused_beside_the_field_and_nothing_is_saved(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    type_number(qtbot, number(dialog, MIN_LENGTH), 16)  # a good change elsewhere
    by_name(dialog, QComboBox, DEFAULT_2FA).setCurrentIndex(1)
    type_networks(qtbot, dialog, "192.168.1.0/24\nthe front office")
    dialog.tabs.setCurrentIndex(0)
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, OK)
    assert dialog.isVisible()
    assert dialog.errors.message("excluded_networks") == (
        "'the front office' is not a subnet; write it as an address and a prefix length, "
        "e.g. 192.168.1.0/24."
    )
    # The wrong field is shown, with the cursor in it, and its tab is marked.
    assert tab_title(dialog) == "Two-factor" and networks(dialog).hasFocus()
    assert not dialog.tabs.tabIcon(2).isNull()
    assert dialog.tabs.tabIcon(0).isNull() and dialog.tabs.tabIcon(1).isNull()
    assert networks(dialog).accessibleDescription().startswith("'the front office'")
    assert stored_two_factor(database, company) == (TwoFactorPolicy(), 0)
    with database.transaction() as session:
        assert policy_version(session, company.id) == 0  # nothing saved, the good change neither
    assert actions(database, company) == []


def test_a_subnet_written_with_host_bits_asks_did_you_mean(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    type_networks(qtbot, dialog, "192.168.1.10/24")
    assert not saves(dialog)
    assert dialog.errors.message("excluded_networks") == (
        "'192.168.1.10/24' has host bits set; did you mean 192.168.1.0/24?"
    )
    assert stored_two_factor(database, company)[1] == 0

    type_networks(qtbot, dialog, "192.168.1.0/24")
    assert saves(dialog)
    assert dialog.errors.message("excluded_networks") == ""
    assert all(dialog.tabs.tabIcon(i).isNull() for i in range(dialog.tabs.count()))
    assert stored_two_factor(database, company)[0].excluded_networks == ("192.168.1.0/24",)


def test_the_rules_are_saved_audited_and_shown_in_canonical_form(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    combo = by_name(dialog, QComboBox, DEFAULT_2FA)
    combo.setCurrentIndex(combo.findText("2 = Suggested (prompted at next login)"))
    type_networks(qtbot, dialog, " 10.20.0.0/16 \n\n2001:DB8::/32\n10.20.0.0/16")
    with qtbot.waitSignal(dialog.saved):
        assert saves(dialog)
    assert networks(dialog).toPlainText() == "10.20.0.0/16\n2001:db8::/32"
    policy, version = stored_two_factor(database, company)
    assert policy == TwoFactorPolicy(2, ("10.20.0.0/16", "2001:db8::/32")) and version == 1
    changed = event(database, company, "2fa.policy_changed")
    assert changed.operator == OPERATOR and changed.user_pk is None
    assert changed.changes == [
        {"field": "default_for_users", "before": 0, "after": 2},
        {"field": "excluded_networks", "before": [], "after": ["10.20.0.0/16", "2001:db8::/32"]},
    ]
    # Saved again unchanged: nothing new written, and the version read stays right.
    type_number(qtbot, number(dialog, MIN_LENGTH), 17)
    assert saves(dialog)
    assert stored_two_factor(database, company)[1] == 1
    assert [a for a, _ in actions(database, company)].count("2fa.policy_changed") == 1


def test_trusting_the_calling_programs_addresses_is_off_until_ticked_and_audited(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    dialog.tabs.setCurrentIndex(2)
    box = by_name(dialog, QCheckBox, "Trust addresses given by calling programs")
    assert not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.saved):
        assert saves(dialog)
    policy, _ = stored_two_factor(database, company)
    assert policy.trust_caller_addresses
    changed = event(database, company, "2fa.policy_changed")
    assert {"field": "trust_caller_addresses", "before": False, "after": True} in changed.changes


def test_ok_without_touching_the_new_groups_writes_none_of_them(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    with qtbot.waitSignal(dialog.saved):
        press(qtbot, dialog, OK)
    assert stored_two_factor(database, company) == (TwoFactorPolicy(), 0)
    assert stored_sms(database, company) == (None, 0)
    assert [a for a, _ in actions(database, company)] == ["policy.changed"]


# Text messages


def test_the_gateway_is_saved_and_its_token_goes_to_the_keyring(
    qtbot: Any,
    dialog: CompanySettingsDialog,
    database: Database,
    company: CompanyInfo,
    store: MemoryStore,
) -> None:
    line(dialog, "Gateway Address").setText("http://sms.example.com")
    line(dialog, "Auth Token").setText("gateway secret")
    line(dialog, "Sending Number").setText("555-0142")
    # The mail server has a Sender Address too: each message stays beside its own field.
    line(dialog, "Mail Server").setText("smtp.valleyfamily.example")
    line(dialog, "Sender Address").setText("not an address")
    assert not saves(dialog)
    assert tab_title(dialog) == "Mail and Text"
    assert dialog.errors.message("sms_api_url").startswith("Enter the gateway's https:// address")
    assert dialog.errors.message("sms_account") == "Enter the gateway account (Account SID)."
    assert dialog.errors.message("sms_sender").startswith("Not a valid phone number")
    assert dialog.errors.message("sender").startswith("Not an e-mail address")
    assert dialog.errors.message("sms_token") == ""
    assert store.passwords == {} and stored_sms(database, company) == (None, 0)

    line(dialog, "Gateway Address").setText("https://api.twilio.com/")
    line(dialog, "Sender Address").setText("office@valleyfamily.example")
    for name, value in SMS_VALUES.items():
        line(dialog, name).setText(value)
    assert saves(dialog)
    assert stored_sms(database, company) == (
        SmsSettings("AC0123456789", "+14135550142", "https://api.twilio.com"),
        1,
    )
    assert store.passwords[(KEYRING_SERVICE, "valley:AC0123456789")] == "gateway secret"
    assert line(dialog, "Auth Token").text() == ""  # never kept in the form
    assert line(dialog, "Sending Number").text() == "(413) 555-0142"
    changed = event(database, company, "sms.changed")
    assert changed.operator == OPERATOR
    assert {"field": "token", "change": "token changed"} in changed.changes
    assert "gateway secret" not in str(changed.changes)

    # A blank token leaves the stored one; nothing changed, nothing written.
    assert saves(dialog)
    assert [a for a, _ in actions(database, company)].count("sms.changed") == 1
    assert stored_sms(database, company)[1] == 1


def test_a_token_alone_is_refused_for_want_of_an_account(
    dialog: CompanySettingsDialog, database: Database, company: CompanyInfo, store: MemoryStore
) -> None:
    line(dialog, "Auth Token").setText("gateway secret")
    assert not saves(dialog)
    assert dialog.errors.message("sms_account") == "Enter the gateway account (Account SID)."
    assert dialog.errors.message("sms_sender") == "Enter the number the texts come from."
    assert store.passwords == {}


# Someone else saved meanwhile


@pytest.mark.parametrize("group", ["two-factor", "text"])
def test_saving_over_someone_elses_change_is_refused_and_nothing_of_mine_is_saved(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    store: MemoryStore,
    dialogs: DialogAnswers,
    group: str,
) -> None:
    dialog = open_settings(qtbot, database, company, clock, store)
    type_number(qtbot, number(dialog, MIN_LENGTH), 18)
    with database.transaction() as session:
        if group == "two-factor":
            save_two_factor_policy(
                session, company.id, TwoFactorPolicy(1), actor=dba(THEM), clock=clock,
                expected_version=0,
            )  # fmt: skip
        else:
            save_sms_settings(
                session, company.id, company.code, "US",
                SmsSettings("ACtheirs", "+14135550100"),
                token=None, store=store, actor=dba(THEM), clock=clock, expected_version=0,
            )  # fmt: skip
    if group == "two-factor":
        by_name(dialog, QComboBox, DEFAULT_2FA).setCurrentIndex(2)
    else:
        for name, value in SMS_VALUES.items():
            line(dialog, name).setText(value)
    dialogs.answer("OK")
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, OK)
    assert dialogs.seen == [
        f"The company settings were changed by {THEM} at 2026-11-22 14:30 UTC after you "
        "opened them, so yours were not saved. Your edits are still in the form. To see the "
        "other changes, choose Cancel and open Company Settings again."
    ]
    assert dialog.isVisible() and number(dialog, MIN_LENGTH).value() == 18
    with database.transaction() as session:
        assert load_policy(session, company.id) == PasswordPolicy()  # one transaction: none
    if group == "two-factor":
        assert stored_two_factor(database, company)[0] == TwoFactorPolicy(1)
    else:
        assert stored_sms(database, company)[0] == SmsSettings("ACtheirs", "+14135550100")
    assert store.passwords == {}


def test_a_group_i_left_alone_is_not_a_conflict(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    store: MemoryStore,
) -> None:
    dialog = open_settings(qtbot, database, company, clock, store)
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(1), actor=dba(THEM), clock=clock,
            expected_version=0,
        )  # fmt: skip
        save_mail_settings(
            session, company.id, company.code, THEIR_MAIL,
            password=None, store=store, actor=dba(THEM), clock=clock, expected_version=0,
        )  # fmt: skip
    type_number(qtbot, number(dialog, MIN_LENGTH), 18)
    assert saves(dialog)
    assert stored_two_factor(database, company)[0] == TwoFactorPolicy(1)  # theirs stays
    with database.transaction() as session:
        assert load_mail_settings(session, company.id)[0] == THEIR_MAIL
