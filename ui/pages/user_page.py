"""The User section: identity, password, contact, communication and account flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.db.models import DefaultScreen, UserType
from app.epcs.dea import Registration
from app.passwords.policy import PasswordOwner
from app.practice.company import Choice, match_choice
from app.sections.registry import AnySection, section
from app.users.fields import FIELDS_BY_NAME, LABELS, USER_FIELDS, Kind
from app.users.records import UserFields, UserRecord
from app.users.service import UserService
from app.validation import display_phone
from ui.dialogs import messages as dialogs
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.form import FieldErrors, caption, show_read_only
from ui.widgets.password_field import PasswordField

NO_CHOICE = "(none)"
UNMATCHED = -1  # the provider box holds typed text that names no provider
PHONES = tuple(f.name for f in USER_FIELDS if f.kind is Kind.PHONE)
NOT_VERIFIED = "Not verified: click to send an activation code"
NOT_VERIFIED_UNSAVED = "Not verified: save first, then click to send an activation code"
SAVE_FIRST = (
    "The activation code goes to the saved Direct Email address: save first, then click the "
    "mark to send it."
)
VERIFIED_STYLE = "color: #1e7d32;"  # green, dark enough to read
REGISTRATION = "DEA registration"  # the read-only line under the Provider field
GROUP_MARGIN = 8  # inside a titled box of fields
GROUP_SPACING = 4  # between the boxes and grids of the form
ROW_SPACING = 4  # between rows of fields


def _choice_box(choices: tuple[Choice, ...], *, searchable: bool) -> QComboBox:
    box = QComboBox()
    box.addItem(NO_CHOICE, None)
    for choice in choices:
        box.addItem(choice.label if choice.active else f"{choice.label} (inactive)", choice.id)
    if searchable:
        box.setEditable(True)
        box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = QCompleter(box.model(), box)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        box.setCompleter(completer)
    return box


def _chosen(box: QComboBox, choices: tuple[Choice, ...]) -> int | str | None:
    """The id (or value) picked; in a searchable box, the one entry its typed text names."""
    if not box.isEditable():
        return box.currentData()  # type: ignore[no-any-return]
    typed = box.currentText().strip()
    if not typed or typed == NO_CHOICE:
        return None
    if typed == box.itemText(box.currentIndex()):  # picked from the list: no guessing
        return box.currentData()  # type: ignore[no-any-return]
    choice = match_choice(choices, typed)
    return choice.id if choice is not None else UNMATCHED


class UserPage(SectionPage):
    section: ClassVar[AnySection] = section("user")
    # The saved user's row id: the window opens the Direct Email Authentication dialog.
    verify_direct_email_requested = Signal(int)

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.texts: dict[str, QLineEdit] = {}
        self.flags: dict[str, QCheckBox] = {}
        self.choices: dict[str, QComboBox] = {}
        self._loaded = UserFields()
        self._record: UserRecord | None = None
        self._is_new = False
        # Whether the user shown has a second factor every sign-in asks (the shorter minimum):
        # asked of app/ when a new password is first typed, not with every user opened.
        self._second_factor: bool | None = None

        outer = QVBoxLayout(self)
        outer.setSpacing(GROUP_SPACING)
        outer.addLayout(self._identity_grid())
        outer.addWidget(self._contact_group())
        outer.addWidget(self._communication_group())
        outer.addLayout(self._settings_grid())
        outer.addWidget(self._outage_group())
        outer.addLayout(self._flags_row())
        outer.addStretch(1)

        for line in self.texts.values():
            line.textChanged.connect(self.edited)
        self.texts["direct_email"].textChanged.connect(self._show_direct_email_state)
        for flag in self.flags.values():
            flag.toggled.connect(self.edited)
        for box in self.choices.values():
            box.currentIndexChanged.connect(self.edited)
            if box.isEditable():
                box.editTextChanged.connect(self.edited)

    # Building

    def _line(self, name: str, *, width: int = 0) -> QLineEdit:
        line = QLineEdit()
        line.setObjectName(name)
        spec = FIELDS_BY_NAME.get(name)
        if spec is not None and spec.kind is not Kind.PHONE and spec.max_length:
            line.setMaxLength(spec.max_length + 20)  # the check, not the box, says what is too long
        if width:
            line.setMaximumWidth(width)
        self.texts[name] = line
        return line

    def _place(
        self, grid: QGridLayout, name: str, widget: QWidget, row: int, column: int, span: int = 1
    ) -> None:
        """A label, its input, and under the input the place for its error message."""
        grid.addWidget(caption(LABELS[name], widget), 2 * row, column, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(widget, 2 * row, column + 1, 1, span)
        self.errors.add(grid, name, widget, 2 * row + 1, column + 1, span)

    def _identity_grid(self) -> QGridLayout:
        grid = QGridLayout()
        self._place(grid, "user_id", self._line("user_id"), 0, 0)
        company = QLineEdit(self.context.company.code)
        show_read_only(company)
        company.setProperty("always_read_only", True)
        company.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        grid.addWidget(caption("Company", company), 0, 2, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(company, 0, 3)
        self.company_box = company
        self._place(grid, "first_name", self._line("first_name"), 1, 0)
        self._place(grid, "middle_initial", self._line("middle_initial", width=48), 1, 2)
        self._place(grid, "last_name", self._line("last_name"), 2, 0)
        self._place(grid, "title", self._line("title"), 2, 2)
        # New Password shows the strength meter and the rule it breaks while typing.
        self.password_field = PasswordField()
        self.texts["new_password"] = self.password_field.edit
        self.password_field.edit.setObjectName("new_password")
        grid.addWidget(
            caption(LABELS["new_password"], self.password_field.edit),
            6, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
        )  # fmt: skip
        grid.addWidget(self.password_field, 6, 1)
        self.errors.add(grid, "new_password", self.password_field.edit, 7, 1)
        self._line("retype_password").setEchoMode(QLineEdit.EchoMode.Password)
        self._place(grid, "retype_password", self.texts["retype_password"], 3, 2)
        for name in ("user_id", "first_name", "last_name"):
            self.texts[name].textChanged.connect(self._password_rules)
        self.password_field.edit.textChanged.connect(self._ask_second_factor)
        if self.context.policy is not None and not self.context.policy.allow_typed_temporary:
            for name in ("new_password", "retype_password"):  # passwords come from a reset
                show_read_only(self.texts[name])
                self.texts[name].setProperty("always_read_only", True)
                self.texts[name].setPlaceholderText("Generated: use Reset Password... (Ctrl+R)")
        must_change = QCheckBox(LABELS["must_change_password"])
        must_change.setAccessibleName(LABELS["must_change_password"])
        must_change.setToolTip(
            "The password you set is temporary: the user picks their own at the next sign-in."
        )
        self.flags["must_change_password"] = must_change
        grid.addWidget(must_change, 8, 1, 1, 3)
        # Typing a new password makes it temporary unless the administrator says otherwise.
        self.texts["new_password"].textEdited.connect(
            lambda text: must_change.setChecked(True) if text else None
        )
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        return grid

    def _contact_group(self) -> QGroupBox:
        group, grid = _group("Contact Information")
        for row, (phone, ext) in enumerate(
            (("home_phone", "home_ext"), ("work_phone", "work_ext"), ("other_phone", "other_ext"))
        ):
            self._place(grid, phone, self._line(phone), row, 0)
            self._place(grid, ext, self._line(ext, width=80), row, 2)
        self._place(grid, "email", self._line("email"), 3, 0, span=3)
        self._direct_email_row(grid, 4)
        grid.setColumnStretch(1, 1)
        return group

    def _direct_email_row(self, grid: QGridLayout, row: int) -> None:
        """Direct Email, and beside it whether the saved address is verified."""
        line = self._line("direct_email")
        # A flat warning sign while the saved address is not verified: a click verifies it.
        self.direct_email_mark = QToolButton()
        self.direct_email_mark.setAutoRaise(True)
        self.direct_email_mark.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        )
        self.direct_email_mark.setAccessibleName("Verify Direct Email")
        self.direct_email_mark.clicked.connect(self.request_direct_email_verification)
        self.direct_email_ok = QLabel("\N{CHECK MARK} Verified")
        self.direct_email_ok.setObjectName("direct_email_verified")
        self.direct_email_ok.setStyleSheet(VERIFIED_STYLE)
        self.direct_email_ok.setToolTip("The saved Direct Email address is verified.")
        beside = QHBoxLayout()
        beside.setContentsMargins(0, 0, 0, 0)
        beside.addWidget(line, 1)
        beside.addWidget(self.direct_email_mark)
        beside.addWidget(self.direct_email_ok)
        grid.addWidget(
            caption(LABELS["direct_email"], line), 2 * row, 0, Qt.AlignmentFlag.AlignRight
        )
        grid.addLayout(beside, 2 * row, 1, 1, 3)
        self.errors.add(grid, "direct_email", line, 2 * row + 1, 1, 3)
        self.direct_email_mark.hide()
        self.direct_email_ok.hide()

    def _communication_group(self) -> QGroupBox:
        group, grid = _group("Communication")
        self._place(grid, "email_notify", self._line("email_notify"), 0, 0)
        confirm = QCheckBox(LABELS["send_email_confirmations"])
        confirm.setAccessibleName(LABELS["send_email_confirmations"])
        self.flags["send_email_confirmations"] = confirm
        grid.addWidget(confirm, 0, 2)
        grid.setColumnStretch(1, 1)
        return group

    def _settings_grid(self) -> QGridLayout:
        grid = QGridLayout()
        screens = QComboBox()
        for screen in DefaultScreen:
            screens.addItem(screen.value, screen.value)
        types = QComboBox()
        for kind in UserType:
            types.addItem(kind.value, kind.value)
        self.choices = {
            "default_screen": screens,
            "provider_id": _choice_box(self.context.providers, searchable=True),
            "service_location_id": _choice_box(self.context.service_locations, searchable=False),
            "department_id": QComboBox(),  # filled for each user shown (_offer_departments)
            "user_type": types,
        }
        search = self.choices["provider_id"].lineEdit()
        assert search is not None
        search.setPlaceholderText("Type to search providers")
        self._place(grid, "default_screen", screens, 0, 0)
        self._place(grid, "user_type", types, 0, 2)
        self._place(grid, "provider_id", self.choices["provider_id"], 1, 0, span=3)
        # The linked provider's DEA registration, read-only, under the Provider's error line
        # (grid row 4; the Service Location takes rows 6 and 7, the Department 8 and 9).
        self.registration_line = QLabel()
        self.registration_line.setAccessibleName(REGISTRATION)
        self.registration_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.registration_line.setVisible(False)
        grid.addWidget(self.registration_line, 4, 1, 1, 3)
        self._place(grid, "service_location_id", self.choices["service_location_id"], 3, 0, span=3)
        self._place(grid, "department_id", self.choices["department_id"], 4, 0, span=3)
        self._offer_departments(None)
        grid.setColumnStretch(1, 1)
        return grid

    def _outage_group(self) -> QGroupBox:
        group, grid = _group("Contact info for updates, maintenance and/or system outages")
        self._place(grid, "outage_email", self._line("outage_email"), 0, 0)
        self._place(grid, "outage_mobile", self._line("outage_mobile"), 0, 2)
        grid.setColumnStretch(1, 2)
        grid.setColumnStretch(3, 1)
        return group

    def _flags_row(self) -> QGridLayout:
        """Active, Webservice Only, Login Locked; a refusal of one shows under it."""
        grid = QGridLayout()
        for column, name in enumerate(("active", "webservice_only", "login_locked")):
            box = QCheckBox(LABELS[name])
            box.setAccessibleName(LABELS[name])
            self.flags[name] = box
            grid.addWidget(box, 0, column)
            if name != "webservice_only":
                self.errors.add(grid, name, box, 1, column)
        grid.setColumnStretch(3, 1)
        return grid

    def _password_rules(self) -> None:
        if self.context.policy is None:
            return
        company = self.context.company
        self.password_field.set_rules(
            self.context.policy,
            PasswordOwner(
                self.texts["user_id"].text(),
                self.texts["first_name"].text(),
                self.texts["last_name"].text(),
                company.code,
                company.name,
                two_factor=bool(self._second_factor),
            ),
        )

    def _ask_second_factor(self, typed: str) -> None:
        """The first keystroke of a saved user's new password asks app/ which minimum is
        theirs (8 with a second factor every sign-in asks, else the longer one)."""
        record = self._record
        if not typed or self._second_factor is not None or record is None or self.host is None:
            return
        self._second_factor = False  # asked once per user shown

        def asked(rules: tuple[object, PasswordOwner]) -> None:
            if self._record is record:  # still the user shown
                self._second_factor = rules[1].two_factor
                self._password_rules()

        pk = record.pk
        self.host.run(
            lambda work: UserService(
                work.session, work.company, work.actor, work.clock
            ).password_rules(pk),
            asked,
        )

    # The page protocol

    def load(self, subject: Subject) -> None:
        state = subject.states.get("user")
        fields = state.fields if state is not None else UserFields()
        region = self.context.company.phone_region
        for name, line in self.texts.items():
            value = getattr(fields, name)
            line.setText(display_phone(value, region) if name in PHONES else value)
        for name, box in self.flags.items():
            box.setChecked(bool(getattr(fields, name)))
        self._offer_departments(fields.department_id)
        for name, combo in self.choices.items():
            index = combo.findData(getattr(fields, name))
            combo.setCurrentIndex(max(index, 0))
        self._is_new = subject.is_new
        self._password_placeholder(subject.is_new)
        self.errors.clear()
        self._second_factor = None
        self._record = subject.record
        self._loaded = self.collect()
        self._show_direct_email_state()
        self._show_registration(state.registration if state is not None else None)

    def _show_registration(self, registration: Registration | None) -> None:
        """The provider's DEA registration as stored (the saved link's, not a new pick's)."""
        self.registration_line.setText(registration.line() if registration is not None else "")
        self.registration_line.setVisible(registration is not None)

    def _offer_departments(self, current: int | None) -> None:
        """The Department list for the user shown: the active departments, and theirs even if
        it was deactivated since (marked so); a closed one is not offered to anyone else."""
        box = self.choices["department_id"]
        box.blockSignals(True)  # filling the list is not an edit
        try:
            box.clear()
            box.addItem(NO_CHOICE, None)
            for choice in self.context.departments:
                if choice.active:
                    box.addItem(choice.label, choice.id)
                elif choice.id == current:
                    box.addItem(f"{choice.label} (inactive)", choice.id)
        finally:
            box.blockSignals(False)

    def collect(self) -> UserFields:
        """The form as typed."""
        fields = UserFields()
        for name, line in self.texts.items():
            setattr(fields, name, line.text())
        for name, box in self.flags.items():
            setattr(fields, name, box.isChecked())
        for name, combo in self.choices.items():
            lists = {"provider_id": self.context.providers}
            setattr(fields, name, _chosen(combo, lists.get(name, ())))
        return fields

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded

    # Direct Email verification

    def _direct_email_saved(self) -> bool:
        """Is the address in the field the saved one (so a code can go to it)?"""
        return self._record is not None and (
            self.texts["direct_email"].text() == self._loaded.direct_email
        )

    def _show_direct_email_state(self) -> None:
        typed = self.texts["direct_email"].text().strip()
        verified = self._record is not None and self._record.direct_email_verified
        verified = verified and self._direct_email_saved()
        self.direct_email_ok.setVisible(bool(typed) and verified)
        self.direct_email_mark.setVisible(bool(typed) and not verified)
        saved = self._direct_email_saved()
        self.direct_email_mark.setToolTip(NOT_VERIFIED if saved else NOT_VERIFIED_UNSAVED)
        self.direct_email_mark.setAccessibleDescription(self.direct_email_mark.toolTip())

    def request_direct_email_verification(self) -> None:
        """Ask for the dialog that verifies the saved address; unsaved edits are saved first."""
        if self._record is None or not self._direct_email_saved():
            dialogs.tell(self, "Save first", SAVE_FIRST, problem=False)
            return
        self.verify_direct_email_requested.emit(self._record.pk)

    def edit(self, subject: Subject) -> UserFields | None:
        """The form as typed; a new user's always (the User section makes their row)."""
        if not subject.is_new and not self.is_dirty():
            return None
        form = self.collect()
        if form.provider_id == UNMATCHED:  # said by problems(); app/ is asked about the rest
            form.provider_id = None
        return form

    def problems(self) -> dict[str, str]:
        if self.collect().provider_id == UNMATCHED:
            return {"provider_id": "No single provider has that name; pick one from the list."}
        return {}

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        first = self.errors.show(mine)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine)

    def focus_first_field(self) -> None:
        self.texts["user_id"].setFocus(Qt.FocusReason.OtherFocusReason)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.password_field.meter.setVisible(not read_only)  # nothing will be typed to rate
        self.password_field.show_action.setEnabled(not read_only)
        self._password_placeholder(self._is_new)

    def _password_placeholder(self, is_new: bool) -> None:
        """What New Password invites: nothing when it cannot be typed in."""
        edit = self.texts["new_password"]
        if edit.property("always_read_only"):
            return
        if edit.isReadOnly():
            edit.setPlaceholderText("")
        else:
            edit.setPlaceholderText("Required" if is_new else "Leave blank to keep the password")


def _group(title: str) -> tuple[QGroupBox, QGridLayout]:
    """A titled box of fields, with tighter margins than the style's: the whole form, down to
    Active / Webservice Only / Login Locked, fits a 1024 x 700 window without scrolling."""
    group = QGroupBox(title)
    group.setAccessibleName(title)
    grid = QGridLayout(group)
    grid.setContentsMargins(GROUP_MARGIN, GROUP_MARGIN // 2, GROUP_MARGIN, GROUP_MARGIN // 2)
    grid.setVerticalSpacing(ROW_SPACING)
    return group, grid
