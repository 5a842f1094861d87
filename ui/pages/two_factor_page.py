"""The 2FA section: how a user proves it is them after the password.

Email and Text send tokens to an address or mobile number; Two Factor Application uses an
authenticator on the phone, set up here at the desk (verified before anything is stored) or
at the user's next sign-in. Reset authenticator and New recovery codes are immediate actions
with their own transaction, as Reset Password is; what runs through the window is in
ui.pages.two_factor_actions, and this page keeps the form and what it shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from app.db.models import TwoFactorMethod, TwoFactorSetup
from app.sections.registry import AnySection, section
from app.sections.two_factor import TwoFactorEdit
from app.two_factor.authenticator import RECOVERY_CODE_COUNT
from app.two_factor.service import (
    METHOD_LABELS,
    SETUP_LABELS,
    TwoFactorForm,
    TwoFactorSummary,
    Verified,
    describe_destination,
)
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.pages.two_factor_actions import TwoFactorActions
from ui.widgets.form import FieldErrors, caption
from ui.widgets.two_factor_widgets import (
    AuthenticatorSetup,
    RecoveryCodesDialog,
    print_html,
    setup_sheet_html,
)

METHOD = "Two-Factor Authentication Method"
DESTINATION = "Send Tokens To"
PLACEHOLDERS = {
    TwoFactorMethod.EMAIL.value: "The e-mail address that receives the tokens",
    TwoFactorMethod.TEXT.value: "The mobile number that receives the tokens by text",
}
SENT = (TwoFactorMethod.EMAIL.value, TwoFactorMethod.TEXT.value)
APP = TwoFactorMethod.APP.value
NOW = TwoFactorSetup.NOW.value
WAITING = {
    TwoFactorSetup.PROMPT.value: "No authenticator yet: the user is asked to set one up at "
    "next login.",
    TwoFactorSetup.REQUIRE.value: "No authenticator yet: the user must set one up at next login.",
}
NEW_USER_SETUP = (
    "Save the new user first to set up the authenticator here; until then choose "
    "to set it up at next login."
)


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.rstrip("."))
    button.setAutoDefault(False)
    return button


class TwoFactorPage(SectionPage):
    section: ClassVar[AnySection] = section("two_factor")

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.subject = Subject(None, {})
        self.read_only = False
        self.verified: Verified | None = None  # a new authenticator, waiting for Save
        self._loaded = TwoFactorForm()
        self._loaded_title = ""
        self._shown_method = TwoFactorMethod.NONE.value
        self._destinations: dict[str, str] = {}  # typed per method, so switching keeps them
        self._loading = False
        self.two_factor_actions = TwoFactorActions(self)  # what runs through the window

        outer = QVBoxLayout(self)
        outer.addLayout(self._method_grid())
        outer.addWidget(self._setup_group())
        outer.addWidget(self._authenticator_group())
        outer.addLayout(self._recovery_row())
        outer.addStretch(1)
        self.update_views()

    # Building

    def _method_grid(self) -> QGridLayout:
        grid = QGridLayout()
        self.method_box = QComboBox()
        for method, label in METHOD_LABELS.items():
            self.method_box.addItem(label, method.value)
        self.method_box.currentIndexChanged.connect(self._method_changed)
        grid.addWidget(caption(METHOD, self.method_box), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.method_box, 0, 1)
        self.errors.add(grid, "method", self.method_box, 1, 1)
        self.destination = QLineEdit()
        self.destination.setObjectName("destination")
        self.destination.setMaxLength(200)
        self.destination.textChanged.connect(self._changed)
        self.destination_label = caption(DESTINATION, self.destination)
        grid.addWidget(self.destination_label, 2, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.destination, 2, 1)
        self.errors.add(grid, "destination", self.destination, 3, 1)
        self.removal_note = QLabel("Saving removes the user's authenticator and recovery codes.")
        self.removal_note.setObjectName("removal_note")
        self.removal_note.setWordWrap(True)
        grid.addWidget(self.removal_note, 4, 1)
        grid.setColumnStretch(1, 1)
        return grid

    def _setup_group(self) -> QGroupBox:
        title = "Set Up the Two Factor Application"
        group = QGroupBox(title)
        group.setAccessibleName(title)
        grid = QGridLayout(group)
        self.setup_buttons: dict[str, QRadioButton] = {}
        self.setup_group = QButtonGroup(self)
        for row, (setup, label) in enumerate(SETUP_LABELS.items()):
            button = QRadioButton(label)
            button.setAccessibleName(label)
            self.setup_group.addButton(button)
            self.setup_buttons[setup.value] = button
            grid.addWidget(button, row, 0, Qt.AlignmentFlag.AlignLeft)  # click = label
            button.toggled.connect(self._setup_toggled)
        self.errors.add(grid, "setup", self.setup_buttons[NOW], len(SETUP_LABELS), 0)
        self.setup_box = group
        return group

    def _authenticator_group(self) -> QGroupBox:
        title = "Authenticator"
        group = QGroupBox(title)
        group.setAccessibleName(title)
        layout = QVBoxLayout(group)
        status_row = QHBoxLayout()
        self.status = QLabel()
        self.status.setObjectName("authenticator_status")
        self.status.setWordWrap(True)
        status_row.addWidget(self.status, 1)
        self.reset_button = _button("Reset Authenticator...")
        self.reset_button.setToolTip(
            "Throw the authenticator away at once; the user sets up a new one as chosen above"
        )
        self.reset_button.clicked.connect(self.reset_authenticator)
        status_row.addWidget(self.reset_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(status_row)
        self.setup_panel = AuthenticatorSetup()
        self.setup_panel.title_changed.connect(self.two_factor_actions.title_changed)
        self.setup_panel.verify_requested.connect(self.verify)
        self.setup_panel.verify_button.setAccessibleName("Verify")
        layout.addWidget(self.setup_panel)
        print_row = QHBoxLayout()
        self.print_button = _button("Print Setup Sheet...")
        self.print_button.setToolTip("Print the QR code and key for the user, or save a PDF")
        self.print_button.clicked.connect(self.print_setup_sheet)
        print_row.addWidget(self.print_button)
        print_row.addStretch(1)
        layout.addLayout(print_row)
        self.verified_label = QLabel()
        self.verified_label.setObjectName("verified")
        self.verified_label.setWordWrap(True)
        layout.addWidget(self.verified_label)
        self.authenticator_box = group
        return group

    def _recovery_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.codes_left = QLabel()
        self.codes_left.setObjectName("recovery_codes_left")
        row.addWidget(self.codes_left)
        row.addStretch(1)
        self.new_codes_button = _button("New Recovery Codes...")
        self.new_codes_button.setToolTip(
            f"Make {RECOVERY_CODE_COUNT} new codes for signing in without the phone; "
            "the earlier ones stop working"
        )
        self.new_codes_button.clicked.connect(self.new_recovery_codes)
        row.addWidget(self.new_codes_button)
        return row

    # What is shown

    def method(self) -> str:
        return str(self.method_box.currentData())

    def selected_setup(self) -> str:
        for setup, button in self.setup_buttons.items():
            if button.isChecked():
                return setup
        return ""

    def select_setup(self, setup: str) -> None:
        button = self.setup_buttons.get(setup)
        if button is not None:
            button.setChecked(True)

    def summary(self) -> TwoFactorSummary:
        if self.subject.record is None:  # a copy's method is a choice, not a stored setting
            return TwoFactorSummary()
        summary: TwoFactorSummary = self.subject.states.get("two_factor", TwoFactorSummary())
        return summary

    def setting_up_here(self) -> bool:
        """Is the desk setup (QR code, key, token) what the form asks for now?"""
        return (
            self.method() == APP
            and self.selected_setup() == NOW
            and not self.summary().has_authenticator
            and self.subject.record is not None
            and not self.read_only
        )

    def _when(self) -> str:
        moment = self.summary().confirmed_at
        if moment is None:
            return ""
        with suppress(ZoneInfoNotFoundError, ValueError):  # else said in UTC
            moment = moment.astimezone(ZoneInfo(self.context.company.time_zone))
        return f" on {moment:%b %d, %Y at %I:%M %p}"

    def update_views(self) -> None:
        method, summary = self.method(), self.summary()
        app, here = method == APP, self.setting_up_here()
        sent = method in SENT
        self.destination.setVisible(sent)
        self.destination_label.setVisible(sent)
        if sent:
            self.destination.setPlaceholderText(PLACEHOLDERS[method])
        self.removal_note.setVisible(summary.has_authenticator and not app)
        self.setup_box.setVisible(app)
        now_button = self.setup_buttons[NOW]
        now_button.setEnabled(not self.read_only and self.subject.record is not None)
        now_button.setToolTip("" if self.subject.record is not None else NEW_USER_SETUP)
        self.authenticator_box.setVisible(app)
        if summary.has_authenticator:
            title = f" ({summary.title})" if summary.title else ""
            self.status.setText(f"The user has an authenticator{title}, set up{self._when()}.")
        elif self.verified is not None:
            self.status.setText("")
        elif here:
            self.status.setText(
                "Scan the QR code with the user's phone, then verify a token it shows."
            )
        elif self.subject.record is not None and summary.method == APP:
            self.status.setText(WAITING.get(summary.setup, "No authenticator yet."))
        else:
            self.status.setText("")
        self.status.setVisible(bool(self.status.text()))
        self.reset_button.setVisible(summary.has_authenticator)
        self.reset_button.setEnabled(not self.read_only)
        showing_key = here and self.verified is None
        self.setup_panel.setVisible(showing_key)
        self.print_button.setVisible(showing_key)
        self.print_button.setEnabled(self.setup_panel.enrolment is not None)
        self.verified_label.setVisible(self.verified is not None)
        has_two_factor = summary.method != TwoFactorMethod.NONE or summary.has_authenticator
        show_codes = self.subject.record is not None and has_two_factor
        self.codes_left.setVisible(show_codes)
        self.new_codes_button.setVisible(show_codes)
        self.new_codes_button.setEnabled(not self.read_only)
        self.codes_left.setText(f"Recovery codes left: {summary.recovery_codes_left}")

    def _forget_key(self) -> None:
        """Nothing of a new key stays: not on screen, not waiting for Save."""
        self.setup_panel.clear()
        self.verified = None

    # Reacting to the operator

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def _method_changed(self) -> None:
        method = self.method()
        if self._loading:
            self._shown_method = method
            return
        if self._shown_method in SENT:
            self._destinations[self._shown_method] = self.destination.text()
        if method in SENT:
            self.destination.setText(self._destinations.get(method, ""))
        self._shown_method = method
        self.errors.clear()
        if method != APP:
            self._forget_key()
        elif not self.selected_setup():
            self.select_setup(self._default_setup())
        self.update_views()
        self.two_factor_actions.start_enrolment()
        self.edited.emit()

    def _setup_toggled(self, checked: bool) -> None:
        if self._loading or not checked:
            return
        if self.selected_setup() != NOW:
            self._forget_key()
        self.setup_panel.errors.clear()
        self.update_views()
        self.two_factor_actions.start_enrolment()
        self.edited.emit()

    def print_setup_sheet(self) -> None:
        enrolment = self.setup_panel.enrolment
        record = self.subject.record
        if enrolment is None or record is None:
            return
        fields = record.fields
        person = f"{fields.first_name} {fields.last_name} ({fields.user_id})"
        markup = setup_sheet_html(enrolment, self.context.company.name, person)
        print_html(self, markup, "Print the authenticator setup sheet")

    # Through the window (ui.pages.two_factor_actions)

    def verify(self, token: str) -> None:
        self.two_factor_actions.verify(token)

    def reset_authenticator(self) -> None:
        self.two_factor_actions.reset_authenticator()

    def new_recovery_codes(self) -> None:
        self.two_factor_actions.new_recovery_codes()

    def show_codes(self, codes: list[str], person: str) -> None:
        """The one way codes are shown: after the save that made them, or New Recovery Codes."""
        RecoveryCodesDialog(self, codes, person, self.context.company.name).exec()

    # The page protocol

    def _default_setup(self) -> str:
        """A saved user is set up here; a new one (no row to enrol yet) at next login."""
        return NOW if self.subject.record is not None else TwoFactorSetup.REQUIRE.value

    def load(self, subject: Subject) -> None:
        self.subject = subject
        self._forget_key()
        self.setup_panel.title.clear()
        summary = subject.states.get("two_factor", TwoFactorSummary())
        method, setup, destination = summary.method, summary.setup, summary.destination
        self._loaded_title = summary.title if method == APP else ""
        shown = describe_destination(method, destination, self.context.company.phone_region)
        self._loading = True
        try:
            self.method_box.setCurrentIndex(max(self.method_box.findData(method), 0))
            self._destinations = {method: shown} if method in SENT else {}
            self.destination.setText(shown if method in SENT else "")
            self.setup_group.setExclusive(False)  # a user without the app method has no choice
            for button in self.setup_buttons.values():
                button.setChecked(False)
            self.setup_group.setExclusive(True)
            if method == APP:
                self.select_setup(setup or self._default_setup())
        finally:
            self._loading = False
        self._shown_method = self.method()
        self.errors.clear()
        self._loaded = self.collect()
        self.update_views()
        self.two_factor_actions.start_enrolment()

    def collect(self) -> TwoFactorForm:
        """The form as chosen."""
        method = self.method()
        return TwoFactorForm(
            method=method,
            destination=self.destination.text() if method in SENT else "",
            setup=self.selected_setup() if method == APP else "",
            title=self.verified.title if self.verified is not None else self._loaded_title,
        )

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded or self.verified is not None

    def edit(self, subject: Subject) -> TwoFactorEdit | None:
        """The method chosen (and a new authenticator verified here); None when there is
        nothing to save: a new user's section as it started, or a stored user's unchanged."""
        if self.read_only:
            return None
        if subject.is_new and subject.copied_from is None and self.collect() == TwoFactorForm():
            return None
        if not subject.is_new and not self.is_dirty():
            return None
        return TwoFactorEdit(self.collect(), self.verified)

    def after_commit(self, shown_once: tuple[str, ...]) -> None:
        if shown_once and self.subject.record is not None:
            self.show_codes(list(shown_once), self.subject.record.heading)

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        panel = {
            name: message for name, message in errors.items() if self.setup_panel.errors.owns(name)
        }
        if "token" in panel and not self.setup_panel.isVisibleTo(self):
            mine["setup"] = panel.pop("token")  # no key on screen: say it by the choice
        first = self.errors.show(mine)
        first_in_panel = self.setup_panel.errors.show(panel)
        target = first or first_in_panel
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine or panel)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        super().set_read_only(read_only)
        self.update_views()

    def focus_first_field(self) -> None:
        self.method_box.setFocus(Qt.FocusReason.OtherFocusReason)
