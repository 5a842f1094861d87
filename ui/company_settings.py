"""Company Settings: the practice's password, temporary-password and sign-in rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import keyring
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.errors import ConflictError, UserSetupError, ValidationError
from app.mail import MailSettings, SecretStore, load_mail_settings, save_mail_settings
from app.policy import PasswordPolicy, load_policy, policy_version, save_policy
from ui import dialogs
from ui.form import FieldErrors, caption
from ui.pages.base import PracticeContext

NIST_NOTE = "NIST advises against this rule"
NOTE_STYLE = "color: #5f6368;"  # grey, yet dark enough to read
# Wide on purpose: a number outside the rules is refused by check_settings with a message
# beside the field, never silently changed by the spin box.
SPIN_RANGE = (0, 99_999)


@dataclass(frozen=True)
class Setting:
    """One rule as the form shows it: the PasswordPolicy field, its label, an optional note."""

    name: str
    label: str
    note: str = ""


GROUPS: tuple[tuple[str, tuple[Setting, ...]], ...] = (
    (
        "Passwords",
        (
            Setting("min_length", "Minimum length for users who sign in with a password alone"),
            Setting("min_length_two_factor", "Minimum length for users with two-factor sign-in"),
            Setting("max_length", "Longest password accepted"),
            Setting("block_common", "Refuse commonly used passwords"),
            Setting(
                "block_personal",
                "Refuse passwords containing the user's ID or name, or the practice's name",
            ),
            Setting("history", "Passwords remembered (not to be used again)"),
            Setting("require_alphanumeric", "Require letters and at least one digit", NIST_NOTE),
            Setting("max_age_days", "Passwords expire after (days, 0 = never)", NIST_NOTE),
        ),
    ),
    (
        "Temporary passwords",
        (
            Setting("temporary_hours", "Temporary passwords work for (hours)"),
            Setting("allow_typed_temporary", "Administrators may type a temporary password"),
        ),
    ),
    (
        "Sign-in",
        (
            Setting("lockout_after", "Lock the account after this many failed sign-ins"),
            Setting(
                "unlock_after_minutes",
                "Unlock by itself after (minutes, 0 = only an administrator unlocks)",
            ),
            Setting("idle_minutes", "Lock the window after this many idle minutes"),
        ),
    ),
)

INTRO = (
    "Changes apply to passwords set from now on. Current passwords stay valid "
    "until they are next changed."
)


class CompanySettingsDialog(QDialog):
    """Edits the company's password policy; OK saves it in one transaction, audited.

    Reading the stored policy happens in the constructor: a database that cannot be reached
    raises UserSetupError there, for the caller to show.
    """

    saved = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        database: Database,
        context: PracticeContext,
        store: SecretStore = keyring,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.context = context
        self.store = store
        company = context.company
        self.setWindowTitle(f"Company Settings - {company.name} ({company.code})")
        self.errors = FieldErrors()
        self.numbers: dict[str, QSpinBox] = {}
        self.flags: dict[str, QCheckBox] = {}

        layout = QVBoxLayout(self)
        intro = QLabel(INTRO)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        for title, settings in GROUPS:
            layout.addWidget(self._group(title, settings))
        layout.addWidget(self._mail_group())

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.restore_button = QPushButton("Restore NIST defaults")
        self.restore_button.setAutoDefault(False)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.restore_button.clicked.connect(self.restore_defaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        with database.transaction() as session:
            policy = load_policy(session, company.id)
            self.loaded_version = policy_version(session, company.id)
            mail, self.mail_version = load_mail_settings(session, company.id)
        self.fill(policy)
        self._fill_mail(mail)

    def _mail_group(self) -> QGroupBox:
        group = QGroupBox("E-mail for forgotten passwords")
        grid = QGridLayout(group)
        self.mail: dict[str, QLineEdit] = {
            name: QLineEdit() for name in ("host", "sender", "username", "password")
        }
        self.mail["password"].setEchoMode(QLineEdit.EchoMode.Password)
        self.mail["password"].setPlaceholderText(
            "Kept in this computer's keyring; blank: unchanged"
        )
        self.mail_port = QSpinBox()
        self.mail_port.setRange(*SPIN_RANGE)
        self.mail_port.setMaximumWidth(110)
        self.mail_security = QComboBox()
        for value, label in (("starttls", "STARTTLS"), ("tls", "TLS"), ("none", "None")):
            self.mail_security.addItem(label, value)
        self.mail_security.setMaximumWidth(160)
        rows: tuple[tuple[str, str, QWidget], ...] = (
            ("host", "Mail Server", self.mail["host"]),
            ("port", "Port", self.mail_port),
            ("security", "Security", self.mail_security),
            ("sender", "Sender Address", self.mail["sender"]),
            ("username", "Mail User Name", self.mail["username"]),
            ("password", "Mail Password", self.mail["password"]),
        )
        for index, (name, label, widget) in enumerate(rows):
            grid.addWidget(caption(label, widget), 2 * index, 0)
            grid.addWidget(widget, 2 * index, 1)
            self.errors.add(grid, name, widget, 2 * index + 1, 1)
        grid.setColumnStretch(1, 1)
        return group

    def _fill_mail(self, mail: MailSettings | None) -> None:
        mail = mail or MailSettings("")
        self.mail["host"].setText(mail.host)
        self.mail["sender"].setText(mail.sender)
        self.mail["username"].setText(mail.username)
        self.mail_port.setValue(mail.port)
        self.mail_security.setCurrentIndex(max(self.mail_security.findData(mail.security), 0))

    def mail_settings(self) -> MailSettings | None:
        """The mail server as the form holds it; None when no server is named."""
        if not self.mail["host"].text().strip():
            return None
        self.mail_port.interpretText()
        return MailSettings(
            self.mail["host"].text().strip(),
            self.mail_port.value(),
            str(self.mail_security.currentData()),
            self.mail["sender"].text().strip(),
            self.mail["username"].text().strip(),
        )

    def _group(self, title: str, settings: tuple[Setting, ...]) -> QGroupBox:
        group = QGroupBox(title)
        grid = QGridLayout(group)
        defaults = PasswordPolicy()
        for index, setting in enumerate(settings):
            row = 2 * index
            if isinstance(getattr(defaults, setting.name), bool):
                box = QCheckBox(setting.label)
                box.setObjectName(setting.name)
                box.setAccessibleName(setting.label)
                grid.addWidget(box, row, 0, 1, 2)
                self.flags[setting.name] = box
            else:
                spin = QSpinBox()
                spin.setObjectName(setting.name)
                spin.setRange(*SPIN_RANGE)
                label = caption(setting.label, spin)
                label.setWordWrap(True)
                grid.addWidget(label, row, 0)
                grid.addWidget(spin, row, 1)
                self.errors.add(grid, setting.name, spin, row + 1, 1, 2)
                self.numbers[setting.name] = spin
            if setting.note:
                note = QLabel(setting.note)
                note.setObjectName(f"{setting.name}_note")
                note.setStyleSheet(NOTE_STYLE)
                grid.addWidget(note, row, 2, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(0, 1)
        return group

    def fill(self, policy: PasswordPolicy) -> None:
        """Show these settings in the form and clear any messages."""
        for name, spin in self.numbers.items():
            spin.setValue(getattr(policy, name))
        for name, box in self.flags.items():
            box.setChecked(getattr(policy, name))
        self.errors.clear()

    def policy(self) -> PasswordPolicy:
        """The settings as the form holds them now (not yet checked)."""
        for spin in self.numbers.values():
            spin.interpretText()  # a number still being typed counts
        values: dict[str, Any] = {n: s.value() for n, s in self.numbers.items()}
        values.update({n: b.isChecked() for n, b in self.flags.items()})
        return PasswordPolicy(**values)

    def restore_defaults(self) -> None:
        """Fill the form with NIST's defaults; nothing is saved until OK."""
        self.fill(PasswordPolicy())

    def accept(self) -> None:
        if self.save():
            super().accept()

    def save(self) -> bool:
        """Store the form's settings in one transaction; False, with the reason shown, if not."""
        policy = self.policy()
        try:
            with self.database.transaction() as session:
                save_policy(
                    session,
                    self.context.company.id,
                    policy,
                    operator=self.context.operator,
                    clock=self.context.clock,
                    expected_version=self.loaded_version,
                )
                saved_version = policy_version(session, self.context.company.id)
                mail = self.mail_settings()
                if mail is not None:
                    company = self.context.company
                    save_mail_settings(
                        session,
                        company.id,
                        company.code,
                        mail,
                        password=self.mail["password"].text() or None,
                        store=self.store,
                        operator=self.context.operator,
                        clock=self.context.clock,
                        expected_version=self.mail_version,
                    )
                    _settings, mail_version = load_mail_settings(session, company.id)
                    self.mail_version = mail_version
        except ValidationError as exc:
            first = self.errors.show(exc.errors)
            elsewhere = [m for n, m in exc.errors.items() if not self.errors.owns(n)]
            if elsewhere:
                dialogs.tell(self, "Not saved", "\n".join(elsewhere))
            if first is not None:
                first.setFocus()
            return False
        except ConflictError as exc:
            dialogs.tell(self, "Changed by someone else", _conflict_message(exc))
            return False
        except UserSetupError as exc:
            dialogs.tell(self, "Not saved", str(exc))
            return False
        self.loaded_version = saved_version
        self.mail["password"].clear()
        self.errors.clear()
        self.saved.emit()
        return True


def _conflict_message(exc: ConflictError) -> str:
    who = exc.changed_by or "another workstation"
    when = f" at {exc.changed_at:%Y-%m-%d %H:%M} UTC" if exc.changed_at else ""
    return (
        f"The company settings were changed by {who}{when} after you opened them, "
        "so yours were not saved. Your edits are still in the form. To see the other "
        "changes, choose Cancel and open Company Settings again."
    )
