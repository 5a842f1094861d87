"""The Company Settings dialog, driven through its real widgets."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QSpinBox, QWidget
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from app.db.database import Database, make_engine
from app.db.models import AuditEvent
from app.passwords.policy import PasswordPolicy, load_policy, policy_version, save_policy
from app.practice.company import CompanyInfo
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.window import practice_context, saves, workplace_of
from ui.dialogs.company_settings import CompanySettingsDialog
from ui.operations import InlineRunner

OPERATOR = "mreyes (Reyes, Maria)"
DEFAULTS = PasswordPolicy()
MIN_LENGTH = "Minimum length for users who sign in with a password alone"
COMMON = "Refuse commonly used passwords"
LOCKOUT = "Lock the account after this many failed sign-ins"


def open_settings(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> CompanySettingsDialog:
    context = practice_context(database, company, clock, name=OPERATOR)
    dialog = CompanySettingsDialog(None, InlineRunner(), workplace_of(database, context), context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def dialog(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> CompanySettingsDialog:
    return open_settings(qtbot, database, company, clock)


def number(dialog: QWidget, label: str) -> QSpinBox:
    return by_name(dialog, QSpinBox, label)


def flag(dialog: QWidget, label: str) -> QCheckBox:
    return by_name(dialog, QCheckBox, label)


def type_number(qtbot: Any, spin: QSpinBox, value: int) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))


def label_text(dialog: QWidget, object_name: str) -> str:
    label = dialog.findChild(QLabel, object_name)
    assert label is not None, f"no label {object_name!r}"
    return label.text()


def toggle(qtbot: Any, box: QCheckBox) -> None:
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)


def press(qtbot: Any, dialog: QDialog, button: QDialogButtonBox.StandardButton) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    qtbot.mouseClick(buttons.button(button), Qt.MouseButton.LeftButton)


def stored(database: Database, company: CompanyInfo) -> tuple[PasswordPolicy, int | None]:
    with database.transaction() as session:
        return load_policy(session, company.id), policy_version(session, company.id)


def policy_events(database: Database, company: CompanyInfo) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.company_id == company.id, AuditEvent.action == "policy.changed")
                .order_by(AuditEvent.id)
            )
        )


def store(
    database: Database, company: CompanyInfo, clock: FixedClock, operator: str, **rules: Any
) -> None:
    """Another workstation (or an earlier session) stores a policy."""
    with database.transaction() as session:
        version = policy_version(session, company.id)
        save_policy(
            session,
            company.id,
            PasswordPolicy(**rules),
            actor=dba(operator),
            clock=clock,
            expected_version=version,
        )


def shown(dialog: CompanySettingsDialog) -> PasswordPolicy:
    return dialog.policy()


# What it shows


def test_shows_nist_defaults_for_a_company_without_a_stored_policy(
    dialog: CompanySettingsDialog,
) -> None:
    assert dialog.windowTitle() == "Company Settings - Valley Family Medicine (valley)"
    assert number(dialog, MIN_LENGTH).value() == 15
    assert number(dialog, "Minimum length for users with two-factor sign-in").value() == 8
    assert number(dialog, "Longest password accepted").value() == 64
    assert number(dialog, "Passwords remembered (not to be used again)").value() == 5
    assert number(dialog, "Passwords expire after (days, 0 = never)").value() == 0
    assert number(dialog, "Temporary passwords work for (hours)").value() == 72
    assert number(dialog, LOCKOUT).value() == 5
    assert number(dialog, "Each lock lasts this many minutes longer than the last").value() == 1
    assert number(dialog, "Longest lock (minutes)").value() == 15
    assert number(dialog, "Forget failed sign-ins after (hours without one)").value() == 12
    permanent = "Lock until an administrator unlocks after this many locks (0 = never)"
    assert number(dialog, permanent).value() == 0
    assert number(dialog, "Lock the window after this many idle minutes").value() == 15
    assert flag(dialog, COMMON).isChecked()
    personal = "Refuse passwords containing the user's ID or name, or the practice's name"
    assert flag(dialog, personal).isChecked()
    assert not flag(dialog, "Require letters and at least one digit").isChecked()
    assert flag(dialog, "Administrators may type a temporary password").isChecked()
    assert shown(dialog) == DEFAULTS
    # Every rule of the policy has its input: a new rule cannot be forgotten here.
    assert set(dialog.numbers) | set(dialog.flags) == {
        f.name for f in dataclasses.fields(PasswordPolicy)
    }


def test_says_current_passwords_stay_valid_and_marks_the_rules_nist_advises_against(
    dialog: CompanySettingsDialog,
) -> None:
    intro = label_text(dialog, "intro")
    assert "passwords set from now on" in intro and "Current passwords stay valid" in intro
    for name in ("require_alphanumeric", "max_age_days"):
        assert label_text(dialog, f"{name}_note") == "NIST advises against this rule"


def test_every_input_is_named_as_its_visible_label(dialog: CompanySettingsDialog) -> None:
    labels = {
        label.buddy(): label.text().rstrip(":")
        for label in dialog.findChildren(QLabel)
        if label.buddy()
    }
    for spin in dialog.findChildren(QSpinBox):
        assert spin.accessibleName() and labels[spin] == spin.accessibleName()
    for box in dialog.findChildren(QCheckBox):
        assert box.accessibleName() == box.text()


# Saving


def test_ok_stores_the_policy_and_writes_one_audit_event(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    type_number(qtbot, number(dialog, MIN_LENGTH), 16)
    toggle(qtbot, flag(dialog, COMMON))
    with qtbot.waitSignal(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    policy, version = stored(database, company)
    assert policy == dataclasses.replace(DEFAULTS, min_length=16, block_common=False)
    assert version is not None
    events = policy_events(database, company)
    assert len(events) == 1
    assert events[0].operator == OPERATOR and events[0].user_pk is None
    assert events[0].changes == [
        {"field": "min_length", "before": 15, "after": 16},
        {"field": "block_common", "before": True, "after": False},
    ]


def test_a_minimum_of_7_is_refused_beside_its_field_and_nothing_is_stored(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    spin = number(dialog, MIN_LENGTH)
    type_number(qtbot, spin, 7)
    dialog.tabs.setCurrentIndex(1)  # the lockout rules' tab
    type_number(qtbot, number(dialog, LOCKOUT), 0)
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialog.isVisible()
    assert dialog.errors.message("min_length") == "A password must be at least 8 characters."
    # on the lockout rules' tab, which is marked
    assert number(dialog, LOCKOUT).accessibleDescription() == "Use a number from 1 to 100."
    assert not dialog.tabs.tabIcon(1).isNull()
    assert dialog.errors.message("max_length") == ""
    assert spin.value() == 7  # shown as typed, not quietly raised to 8
    assert spin.accessibleDescription() == "A password must be at least 8 characters."
    assert spin.hasFocus()  # the first wrong field
    assert stored(database, company) == (DEFAULTS, 0)  # nothing stored
    assert policy_events(database, company) == []

    type_number(qtbot, spin, 8)
    type_number(qtbot, number(dialog, LOCKOUT), 3)
    with qtbot.waitSignal(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialog.errors.message("min_length") == ""
    assert stored(database, company)[0] == dataclasses.replace(
        DEFAULTS, min_length=8, lockout_after=3
    )


def test_restore_nist_defaults_fills_the_form_without_saving(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    store(database, company, clock, "setup", min_length=20, require_alphanumeric=True)
    dialog = open_settings(qtbot, database, company, clock)
    assert number(dialog, MIN_LENGTH).value() == 20
    assert flag(dialog, "Require letters and at least one digit").isChecked()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert shown(dialog) == DEFAULTS
    assert dialog.isVisible()
    stored_policy = stored(database, company)[0]
    assert stored_policy.min_length == 20 and stored_policy.require_alphanumeric
    with qtbot.waitSignal(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert stored(database, company)[0] == DEFAULTS


def test_cancel_closes_without_saving_or_asking(
    qtbot: Any, dialog: CompanySettingsDialog, database: Database, company: CompanyInfo
) -> None:
    type_number(qtbot, number(dialog, MIN_LENGTH), 20)
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Cancel)
    assert dialog.result() == QDialog.DialogCode.Rejected and not dialog.isVisible()
    assert stored(database, company) == (DEFAULTS, 0)  # nothing stored
    assert policy_events(database, company) == []


@pytest.mark.parametrize("stored_before", [False, True], ids=["first-policy", "stored-policy"])
def test_saving_over_someone_elses_change_is_refused_in_plain_words_and_keeps_my_edits(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
    stored_before: bool,
) -> None:
    if stored_before:
        store(database, company, clock, "setup", min_length=16)
    dialog = open_settings(qtbot, database, company, clock)
    type_number(qtbot, number(dialog, MIN_LENGTH), 18)
    store(database, company, clock, "lblake (Blake, Lauren)", min_length=12, lockout_after=10)
    dialogs.answer("OK")
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    assert dialogs.seen == [
        "The company settings were changed by lblake (Blake, Lauren) at 2026-11-22 14:30 UTC "
        "after you opened them, so yours were not saved. Your edits are still in the form. "
        "To see the other changes, choose Cancel and open Company Settings again."
    ]
    assert dialog.isVisible()
    assert number(dialog, MIN_LENGTH).value() == 18
    theirs = stored(database, company)[0]
    assert (theirs.min_length, theirs.lockout_after) == (12, 10)
    assert [e.operator for e in policy_events(database, company)][-1] == "lblake (Blake, Lauren)"


def test_a_lost_connection_is_said_in_plain_words_and_the_edits_stay(
    qtbot: Any, dialog: CompanySettingsDialog, dialogs: DialogAnswers
) -> None:
    type_number(qtbot, number(dialog, MIN_LENGTH), 20)
    # Nothing listens on port 1: connecting is refused at once, as with a server that is down.
    down = make_engine("postgresql+psycopg://usersetup@127.0.0.1:1/practice")
    dialog.workplace = replace(
        dialog.workplace, database=Database(sessionmaker(down), "postgresql://127.0.0.1:1/practice")
    )
    dialogs.answer("OK")
    with qtbot.assertNotEmitted(dialog.saved):
        press(qtbot, dialog, QDialogButtonBox.StandardButton.Ok)
    down.dispose()
    assert "was lost or refused" in dialogs.seen[0] and "nothing was saved" in dialogs.seen[0]
    assert dialog.isVisible() and number(dialog, MIN_LENGTH).value() == 20


# The mail server for forgotten passwords


def test_the_mail_server_is_saved_and_its_password_goes_to_the_keyring(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    from PySide6.QtWidgets import QComboBox, QLineEdit

    from app.outbound.mail import KEYRING_SERVICE, MailSettings, load_mail_settings
    from tests.helpers.mail_server import MemoryStore

    store = MemoryStore()
    context = practice_context(database, company, clock, name=OPERATOR)
    dialog = CompanySettingsDialog(
        None, InlineRunner(), workplace_of(database, context), context, store=store
    )
    qtbot.addWidget(dialog)
    dialog.show()
    by_name(dialog, QLineEdit, "Mail Server").setText("smtp.valleyfamily.example")
    by_name(dialog, QLineEdit, "Sender Address").setText("not an address")
    by_name(dialog, QLineEdit, "Mail User Name").setText("office")
    by_name(dialog, QLineEdit, "Mail Password").setText("mail server secret")
    by_name(dialog, QComboBox, "Security").setCurrentText("TLS")
    number(dialog, "Port").setValue(465)
    assert not saves(dialog)
    assert dialog.errors.message("sender").startswith("Not an e-mail address")
    assert store.passwords == {}

    by_name(dialog, QLineEdit, "Sender Address").setText("office@valleyfamily.example")
    assert saves(dialog)
    with database.transaction() as session:
        settings, _version = load_mail_settings(session, company.id)
    assert settings == MailSettings(
        "smtp.valleyfamily.example", 465, "tls", "office@valleyfamily.example", "office"
    )
    assert store.passwords == {
        (KEYRING_SERVICE, "valley:office@smtp.valleyfamily.example"): "mail server secret"
    }
    assert by_name(dialog, QLineEdit, "Mail Password").text() == ""
