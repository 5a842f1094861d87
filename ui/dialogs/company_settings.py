"""Company Settings: the practice's password and sign-in rules, two-factor sign-in, and how
codes leave the practice (its mail server and text gateway).

The groups sit on tabs so that the dialog fits a 768-pixel-high screen. OK checks every
group at once, then saves them all in one transaction, each against the version it was read
at; a group left as it was read is not written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import keyring
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.errors import ConflictError, UserSetupError
from app.outbound.mail import MailSettings, SecretStore
from app.outbound.sms import DEFAULT_API_URL, SmsSettings
from app.passwords.policy import PasswordPolicy
from app.practice.company_settings import (
    CompanySettingsEditor,
    MailEdit,
    Stored,
    TextEdit,
)
from app.sections.editor import SectionProblems
from app.two_factor.policy import CompanyDefault, TwoFactorPolicy
from app.validation import display_phone
from app.workplace import Workplace
from ui.dialogs import messages as dialogs
from ui.dialogs.company_settings_base_role import BaseRoleGroup
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import NOTE_STYLE, FieldErrors, caption, fit_title

NIST_NOTE = "NIST advises against this rule"
# Wide on purpose: a number outside the rules is refused by check_settings with a message
# beside the field, never silently changed by the spin box.
SPIN_RANGE = (0, 99_999)


@dataclass(frozen=True)
class Setting:
    """One rule as the form shows it: the PasswordPolicy field, its label, an optional note."""

    name: str
    label: str
    note: str = ""


MINIMUM_WIDTH = 640  # each rule's label on one or two lines, the spin box beside it
TRUST_LABEL = "Trust addresses given by calling programs"
TRUST_NOTE = (
    "The practice's other programs may name the address a sign-in comes from "
    "(usersetup login --ip). Only when this is on does such an address skip the token from an "
    "excluded network; either way the audit trail says the address was given by the program."
)
LOCKOUT_NOTE = (
    "A lock that lasts until an administrator unlocks it lets anyone who knows a User ID "
    "lock that person out; a short lock that grows stops guessing just as well."
)
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
                "lockout_wait_minutes",
                "Each lock lasts this many minutes longer than the last",
                LOCKOUT_NOTE,
            ),
            Setting("lockout_max_wait_minutes", "Longest lock (minutes)"),
            Setting("failure_reset_hours", "Forget failed sign-ins after (hours without one)"),
            Setting(
                "permanent_after_lockouts",
                "Lock until an administrator unlocks after this many locks (0 = never)",
            ),
            Setting("idle_minutes", "Lock the window after this many idle minutes"),
        ),
    ),
)

INTRO = (
    "Changes apply to passwords set from now on. Current passwords stay valid "
    "until they are next changed."
)
DEFAULT_CHOICES = (
    (CompanyDefault.OFF, "0 = Off"),
    (CompanyDefault.REQUIRED, "1 = Required for all users"),
    (CompanyDefault.SUGGESTED, "2 = Suggested (prompted at next login)"),
)
EXCLUDED_NOTE = (
    "One subnet per line in CIDR form, e.g. 192.168.1.0/24. Sign-ins from these subnets "
    "(the office LAN) skip the token."
)
KEYRING_NOTE = "Kept in this computer's keyring; blank: unchanged"
# The gateway's messages name its fields as app.sms does; here they carry this prefix, as the
# mail server has fields of the same names (sender).
SMS = "sms_"
SMS_FIELDS = ("api_url", "account", "token", "sender")
# Tabs: (title, the titles of the groups on it). The password rules share one tab so that
# all of their messages can be seen at once.
TABS = (
    ("Passwords", ("Passwords", "Temporary passwords")),
    ("Sign-in and Lockout", ("Sign-in",)),
    ("Two-factor", ("Two-factor sign-in",)),
    ("Mail and Text", ("E-mail (mail server)", "Text messages (SMS gateway)")),
    ("Roles", ("Roles",)),
)


class CompanySettingsDialog(QDialog):
    """Edits the company's password and two-factor rules, its mail server and text gateway;
    OK saves them in one transaction, audited.

    Reading the stored settings happens in the constructor: a database that cannot be reached
    raises UserSetupError there, for the caller to show.
    """

    saved = Signal(object)  # the password policy now stored, once the save committed

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        context: PracticeContext,
        store: SecretStore = keyring,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.context = context
        self.store = store
        company = context.company
        self.setWindowTitle(f"Company Settings - {company.name} ({company.code})")
        fit_title(self)
        self.errors = FieldErrors()
        self.inputs: dict[str, QWidget] = {}  # each field's input, by the name of its messages
        self.numbers: dict[str, QSpinBox] = {}
        self.flags: dict[str, QCheckBox] = {}

        layout = QVBoxLayout(self)
        self.setMinimumWidth(MINIMUM_WIDTH)
        intro = QLabel(INTRO)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        groups = {title: self._group(title, settings) for title, settings in GROUPS}
        groups["Two-factor sign-in"] = self._two_factor_group()
        groups["E-mail (mail server)"] = self._mail_group()
        groups["Text messages (SMS gateway)"] = self._sms_group()
        self.roles_tab = BaseRoleGroup(self.context.may(Right.EDIT_ROLES), self._error_place)
        groups["Roles"] = self.roles_tab
        self.tabs = QTabWidget()
        for tab_title, titles in TABS:
            page = QWidget()
            column = QVBoxLayout(page)
            if not self.tabs.count():  # what the password rules' tab is about
                column.addWidget(intro)
            for title in titles:
                column.addWidget(groups.pop(title))
            column.addStretch(1)
            self.tabs.addTab(page, tab_title)
        assert not groups, f"groups on no tab: {list(groups)}"
        layout.addWidget(self.tabs)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.restore_button = QPushButton("Restore NIST defaults")
        self.restore_button.setAutoDefault(False)
        self.restore_button.setToolTip("The password and sign-in rules only; saved with OK")
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ResetRole)
        self.restore_button.clicked.connect(self.restore_defaults)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        self.stored: dict[str, Stored[Any]] = {}
        self._accept_when_saved = False
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.runner.run(
            workplace,
            lambda work: CompanySettingsEditor(work).open(),
            self._opened,
            failed=self._not_opened,
            busy=(self.ok_button,),
            parent=self,
        )

    def _opened(self, stored: dict[str, Stored[Any]]) -> None:
        self.stored = stored
        self.fill(stored["policy"].state)
        self._fill_mail(stored["mail"].state)
        self._fill_two_factor(stored["two_factor"].state)
        self._fill_sms(stored["text"].state)
        self.roles_tab.fill(stored["roles"].state)

    def _not_opened(self, error: UserSetupError) -> None:
        show_error(self, "Cannot show the company settings", error)
        self.ok_button.setEnabled(False)  # nothing read: nothing to save over

    def _error_place(
        self, grid: QGridLayout, name: str, widget: QWidget, row: int, column: int, span: int = 1
    ) -> None:
        """The place for the field's messages, under its input."""
        self.errors.add(grid, name, widget, row, column, span)
        self.inputs[name] = widget

    # Two-factor sign-in

    def _two_factor_group(self) -> QGroupBox:
        group = QGroupBox("Two-factor sign-in")
        grid = QGridLayout(group)
        self.default_for_users = QComboBox()
        for value, label in DEFAULT_CHOICES:
            self.default_for_users.addItem(label, int(value))
        self.excluded_networks = QPlainTextEdit()
        self.excluded_networks.setTabChangesFocus(True)
        self.excluded_networks.setPlaceholderText("192.168.1.0/24")
        self.excluded_networks.setMaximumHeight(96)
        note = QLabel(EXCLUDED_NOTE)
        note.setObjectName("excluded_networks_note")
        note.setStyleSheet(NOTE_STYLE)
        note.setWordWrap(True)
        rows: tuple[tuple[str, str, QWidget], ...] = (
            ("default_for_users", "Default 2FA Setting for Users", self.default_for_users),
            ("excluded_networks", "Exclude 2FA by IP range", self.excluded_networks),
        )
        for index, (name, label, widget) in enumerate(rows):
            grid.addWidget(caption(label, widget), 2 * index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, 2 * index, 1)
            self._error_place(grid, name, widget, 2 * index + 1, 1)
        grid.addWidget(note, 4, 1)
        self.trust_caller_addresses = QCheckBox(TRUST_LABEL)
        self.trust_caller_addresses.setAccessibleName(TRUST_LABEL)
        self.trust_caller_addresses.setToolTip(TRUST_NOTE)
        grid.addWidget(self.trust_caller_addresses, 5, 1)
        self._error_place(grid, "trust_caller_addresses", self.trust_caller_addresses, 6, 1)
        grid.setColumnStretch(1, 1)
        return group

    def _fill_two_factor(self, policy: TwoFactorPolicy) -> None:
        self.two_factor_loaded = policy
        index = self.default_for_users.findData(int(policy.default_for_users))
        self.default_for_users.setCurrentIndex(max(index, 0))
        self.excluded_networks.setPlainText("\n".join(policy.excluded_networks))
        self.trust_caller_addresses.setChecked(policy.trust_caller_addresses)

    def two_factor_policy(self) -> TwoFactorPolicy:
        """The two-factor rules as the form holds them (not yet checked)."""
        lines = self.excluded_networks.toPlainText().splitlines()
        return TwoFactorPolicy(
            int(self.default_for_users.currentData()),
            tuple(line.strip() for line in lines if line.strip()),
            self.trust_caller_addresses.isChecked(),
        )

    # Text messages

    def _sms_group(self) -> QGroupBox:
        group = QGroupBox("Text messages (SMS gateway)")
        grid = QGridLayout(group)
        self.sms: dict[str, QLineEdit] = {name: QLineEdit() for name in SMS_FIELDS}
        self.sms["api_url"].setPlaceholderText(DEFAULT_API_URL)
        self.sms["token"].setEchoMode(QLineEdit.EchoMode.Password)
        self.sms["token"].setPlaceholderText(KEYRING_NOTE)
        labels = {
            "api_url": "Gateway Address",
            "account": "Account SID",
            "token": "Auth Token",
            "sender": "Sending Number",
        }
        for index, name in enumerate(SMS_FIELDS):
            widget = self.sms[name]
            grid.addWidget(caption(labels[name], widget), 2 * index, 0)
            grid.addWidget(widget, 2 * index, 1)
            self._error_place(grid, SMS + name, widget, 2 * index + 1, 1)
        grid.setColumnStretch(1, 1)
        return group

    def _fill_sms(self, sms: SmsSettings | None) -> None:
        self.sms_loaded = sms
        region = self.context.company.phone_region
        self.sms["api_url"].setText(sms.api_url if sms else DEFAULT_API_URL)
        self.sms["account"].setText(sms.account if sms else "")
        self.sms["sender"].setText(display_phone(sms.sender, region) if sms else "")
        self.sms["token"].clear()

    def sms_settings(self) -> SmsSettings | None:
        """The gateway as the form holds it; None when none is stored and none was entered."""
        account, sender, token = (
            self.sms[n].text().strip() for n in ("account", "sender", "token")
        )
        if self.sms_loaded is None and not (account or sender or token):
            return None
        return SmsSettings(account, sender, self.sms["api_url"].text().strip() or DEFAULT_API_URL)

    # The mail server

    def _mail_group(self) -> QGroupBox:
        group = QGroupBox("E-mail (mail server)")
        group.setToolTip(
            "Forgotten-password codes, sign-in tokens and Direct Email activation codes "
            "are sent through this server."
        )
        grid = QGridLayout(group)
        self.mail: dict[str, QLineEdit] = {
            name: QLineEdit() for name in ("host", "sender", "username", "password")
        }
        self.mail["password"].setEchoMode(QLineEdit.EchoMode.Password)
        self.mail["password"].setPlaceholderText(KEYRING_NOTE)
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
            self._error_place(grid, name, widget, 2 * index + 1, 1)
        grid.setColumnStretch(1, 1)
        return group

    def _fill_mail(self, mail: MailSettings | None) -> None:
        self.mail_loaded = mail
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
            row = 3 * index  # the field, its messages, its note (each row empty when unused)
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
                self._error_place(grid, setting.name, spin, row + 1, 0, 2)
                self.numbers[setting.name] = spin
            if setting.note:  # under its field, the width of the group: never cut off
                note = QLabel(setting.note)
                note.setObjectName(f"{setting.name}_note")
                note.setStyleSheet(NOTE_STYLE)
                note.setWordWrap(True)
                grid.addWidget(note, row + 2, 0, 1, 2)
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
        self.save(then_close=True)

    def edits(self) -> dict[str, Any]:
        """Each group the form changed, as a typed edit; the groups left as read are not."""
        edits: dict[str, Any] = {}
        policy, two_factor = self.policy(), self.two_factor_policy()
        mail, sms = self.mail_settings(), self.sms_settings()
        mail_password = self.mail["password"].text() or None
        sms_token = self.sms["token"].text().strip() or None
        if policy != self.stored["policy"].state or not self.stored["policy"].version:
            edits["policy"] = policy
        if two_factor != self.stored["two_factor"].state:
            edits["two_factor"] = two_factor
        if mail is not None and (mail != self.mail_loaded or mail_password):
            edits["mail"] = MailEdit(mail, mail_password, self.store)
        if sms is not None and (sms != self.sms_loaded or sms_token):
            edits["text"] = TextEdit(sms, sms_token, self.store)
        if self.roles_tab.chosen() != self.stored["roles"].state.role_id:
            edits["roles"] = self.roles_tab.chosen()
        return edits

    def save(self, *, then_close: bool = False) -> None:
        """Check every group, then store them all in one transaction; the reason is shown
        beside the fields (and the tab marked) when not."""
        if not self.stored:  # never read: nothing to save over
            return
        edits = self.edits()
        if not edits:
            if then_close:
                super().accept()
            return
        versions = {key: stored.version for key, stored in self.stored.items()}

        def saved(stored: dict[str, Stored[Any]]) -> None:
            self.stored = stored
            self.mail_loaded = stored["mail"].state
            self.mail["password"].clear()
            self._fill_two_factor(stored["two_factor"].state)  # canonical, one a line
            self._fill_sms(stored["text"].state)
            self.roles_tab.fill(stored["roles"].state)
            self.errors.clear()
            self._mark_tabs(())
            self.saved.emit(stored["policy"].state)
            if then_close:
                super(CompanySettingsDialog, self).accept()

        def failed(error: UserSetupError) -> None:
            if isinstance(error, SectionProblems):
                self._show_errors(dict(error.errors))
            elif isinstance(error, ConflictError):
                dialogs.tell(self, "Changed by someone else", _conflict_message(error))
            else:
                show_error(self, "Not saved", error)

        self.runner.run(
            self.workplace,
            lambda work: CompanySettingsEditor(work).save(edits, versions),
            saved,
            failed=failed,
            busy=(self.ok_button,),
            parent=self,
        )

    def _show_errors(self, errors: Mapping[str, str]) -> None:
        """Each message beside its field; the first wrong field's tab shown, with the cursor."""
        first = self.errors.show(errors)
        self._mark_tabs(self.inputs[name] for name in errors if self.errors.owns(name))
        elsewhere = [m for n, m in errors.items() if not self.errors.owns(n)]
        if first is not None:
            self.tabs.setCurrentIndex(self._tab_of(first))
            first.setFocus()
        if elsewhere:
            dialogs.tell(self, "Not saved", "\n".join(elsewhere))

    def _tab_of(self, widget: QWidget) -> int:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(widget):
                return index
        return self.tabs.currentIndex()

    def _mark_tabs(self, wrong: Iterable[QWidget]) -> None:
        """A warning sign on each tab with a wrong field, so none goes unseen."""
        tabs = {self._tab_of(widget) for widget in wrong}
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for index in range(self.tabs.count()):
            self.tabs.setTabIcon(index, warning if index in tabs else QIcon())
            title = self.tabs.tabText(index)
            self.tabs.setTabToolTip(
                index, f"{title}: correct the fields marked in red" if index in tabs else ""
            )


def _conflict_message(exc: ConflictError) -> str:
    who = exc.changed_by or "another workstation"
    when = f" at {exc.changed_at:%Y-%m-%d %H:%M} UTC" if exc.changed_at else ""
    return (
        f"The company settings were changed by {who}{when} after you opened them, "
        "so yours were not saved. Your edits are still in the form. To see the other "
        "changes, choose Cancel and open Company Settings again."
    )
