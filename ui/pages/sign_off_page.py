"""The Sign Off section: the sign-off PIN (typed twice, or cleared), the three sign-off flags,
the "Screens Needing Additional Signoff" table (one of All / Nev. / Cst. per note type) and
who the user's sign-off tasks are sent to.

The table's rows follow app.sign_off.state.choose: a click on All in the top row sets every
row. Recipients are found by a search job (app.sign_off.recipients.search_recipients: one
statement, at most 50 users) as the operator types, not from a list of every user: a
practice may have 100,000, and the window's own user list may be filtered to active users
or lag a deactivation made elsewhere, which the search reads as it is now.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.db.kinds import ScreenSignoff
from app.sections.registry import AnySection, section
from app.sections.sign_off import SignOffEdit
from app.sign_off.pin import NO_PIN, Pin
from app.sign_off.recipients import search_recipients
from app.sign_off.state import CHOICE_WORDS, LEGEND, Recipient, ScreenRow, SignOffState, choose
from app.workplace import Work
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.form import FieldErrors, caption

PIN_LABEL, RETYPE_LABEL = "Signoff Approval PIN", "ReType PIN"
CLEAR_PIN = "Clear PIN"
FLAGS = (
    ("approval", "Signoff Approval", "This user may approve other users' notes."),
    ("additional", "Additional Sign-off", "This user's notes go to another user for sign-off."),
    ("required", "Signoff Required", "This user's notes must be signed off before they close."),
)
SCREENS = "Screens Needing Additional Signoff"
NOTE_TYPE_HEADER = "SOAP Note Type"
CHOICES = (ScreenSignoff.ALL, ScreenSignoff.NEVER, ScreenSignoff.CUSTOM)
RECIPIENTS = "Send sign-off tasks to"
FIND = "Find a user"
MATCHES = "Matching users"
ADD, REMOVE = "Add", "Remove"
NOTE_TYPES_BUTTON = "Note Types..."
INACTIVE = " (inactive)"
WARNING_STYLE = "color: #8a4b00;"
PIN_SET, PIN_NONE = "A PIN is set; type a new one to change it.", "No PIN is set."
PIN_CLEARING = "The PIN will be removed when you save."
PIN_TIP = "4 to 12 digits; not 1234, 0000, a year or the user's phone number."
ID_ROLE = Qt.ItemDataRole.UserRole


def _struck(item: QListWidgetItem | QTableWidgetItem) -> None:
    font = item.font()
    font.setStrikeOut(True)
    item.setFont(font)


def _pin_box(name: str) -> QLineEdit:
    box = QLineEdit()
    box.setObjectName(name)
    box.setEchoMode(QLineEdit.EchoMode.Password)
    box.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
    box.setMaxLength(32)  # room to type too many, so that app/ says so
    box.setToolTip(PIN_TIP)
    return box


class ShortList(QListWidget):
    """A list that asks for a few rows and takes what room the page has: the scroll area
    sizes a page of wrapped labels by its parts' size hints, and a plain list's 192 pixels
    pushed the Sign Off page past a 1024x700 window."""

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), 4 * self.fontMetrics().height() + 12)


class SignOffPage(SectionPage):
    section: ClassVar[AnySection] = section("sign_off")
    edit_catalog = Signal(str)  # the catalog editor asked for, by app.catalogs.Kind value

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.state = SignOffState()
        self.rows: tuple[ScreenRow, ...] = ()
        self.user_pk: int | None = None
        self._loaded: SignOffEdit = SignOffEdit()
        self._search_asked = 0
        self._read_only = False
        outer = QVBoxLayout(self)

        pins = QGridLayout()
        self.pin = _pin_box("pin")
        self.retype_pin = _pin_box("retype_pin")
        self.clear_pin = QPushButton(CLEAR_PIN)
        self.clear_pin.setAccessibleName(CLEAR_PIN)
        self.clear_pin.setCheckable(True)
        self.clear_pin.setToolTip("Remove the user's PIN when you save")
        self.pin_state = QLabel(PIN_NONE)
        self.pin_state.setObjectName("pin_state")
        self.pin_state.setWordWrap(True)
        pins.addWidget(caption(PIN_LABEL, self.pin), 0, 0)
        pins.addWidget(self.pin, 0, 1)
        pins.addWidget(caption(RETYPE_LABEL, self.retype_pin), 0, 2)
        pins.addWidget(self.retype_pin, 0, 3)
        pins.addWidget(self.clear_pin, 0, 4)
        self.errors.add(pins, "pin", self.pin, 1, 1)
        self.errors.add(pins, "retype_pin", self.retype_pin, 1, 3, 2)
        pins.addWidget(self.pin_state, 2, 0, 1, 5)
        pins.setColumnStretch(1, 1)
        pins.setColumnStretch(3, 1)
        outer.addLayout(pins)

        flags = QHBoxLayout()
        self.flags: dict[str, QCheckBox] = {}
        for key, label, tip in FLAGS:
            box = QCheckBox(label)
            box.setObjectName(key)
            box.setAccessibleName(label)
            box.setToolTip(tip)
            box.toggled.connect(lambda _on: self.edited.emit())
            flags.addWidget(box)
            self.flags[key] = box
        flags.addStretch(1)
        outer.addLayout(flags)

        heading = QHBoxLayout()
        self.table = QTableWidget(0, 1 + len(CHOICES))
        self.table.setObjectName("screens")
        self.table.setHorizontalHeaderLabels(
            [NOTE_TYPE_HEADER, *(CHOICE_WORDS[c] for c in CHOICES)]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, 1 + len(CHOICES)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        heading.addWidget(caption(SCREENS, self.table))
        heading.addStretch(1)
        self.note_types = QPushButton(NOTE_TYPES_BUTTON)
        self.note_types.setAccessibleName(NOTE_TYPES_BUTTON)
        self.note_types.setToolTip("The practice's screens and SOAP note types")
        self.note_types.setVisible(context.may(Right.EDIT_CATALOGS))
        self.note_types.clicked.connect(lambda: self.edit_catalog.emit("note-type"))
        heading.addWidget(self.note_types)
        outer.addLayout(heading)
        screens = QGridLayout()
        screens.addWidget(self.table, 0, 0)
        self.errors.add(screens, "screens", self.table, 1, 0)
        outer.addLayout(screens)
        self.screens_warning = QLabel()
        self.screens_warning.setObjectName("screens_warning")
        self.screens_warning.setStyleSheet(WARNING_STYLE)
        self.screens_warning.setWordWrap(True)
        self.screens_warning.hide()
        outer.addWidget(self.screens_warning)
        self.legend = legend = QLabel(
            "  ".join(f"<b>{CHOICE_WORDS[c]}</b> = {LEGEND[c]}." for c in CHOICES)
            + "<br>All on the top row sets every row; then change any row."
        )
        legend.setObjectName("legend")
        legend.setWordWrap(True)
        outer.addWidget(legend)
        self._groups: list[QButtonGroup] = []

        people = QGridLayout()
        self.recipients = ShortList()
        self.recipients.setObjectName("recipients")
        self.recipients.setUniformItemSizes(True)
        self.find_box = QLineEdit()
        self.find_box.setObjectName("find")
        self.find_box.setPlaceholderText("last name, first name or User ID")
        self.find_box.setClearButtonEnabled(True)
        self.matches = ShortList()
        self.matches.setObjectName("matches")
        self.matches.setAccessibleName(MATCHES)
        self.matches.setUniformItemSizes(True)
        self.add_button = QPushButton(ADD)
        self.add_button.setAccessibleName(ADD)
        self.remove_button = QPushButton(REMOVE)
        self.remove_button.setAccessibleName(REMOVE)
        people.addWidget(caption(RECIPIENTS, self.recipients), 0, 0)
        people.addWidget(caption(FIND, self.find_box), 0, 1)
        people.addWidget(self.recipients, 1, 0, 2, 1)
        people.addWidget(self.find_box, 1, 1)
        people.addWidget(self.matches, 2, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        people.addLayout(buttons, 3, 0, 1, 2)
        self.errors.add(people, "recipients", self.recipients, 4, 0, 2)
        self.recipients_warning = QLabel()
        self.recipients_warning.setObjectName("recipients_warning")
        self.recipients_warning.setStyleSheet(WARNING_STYLE)
        self.recipients_warning.setWordWrap(True)
        self.recipients_warning.hide()
        people.addWidget(self.recipients_warning, 5, 0, 1, 2)
        people.setColumnStretch(0, 1)
        people.setColumnStretch(1, 1)
        outer.addLayout(people, 1)

        for typed in (self.pin, self.retype_pin):
            typed.textEdited.connect(lambda _text: self.edited.emit())
        self.clear_pin.toggled.connect(self._clearing)
        self.find_box.textEdited.connect(self.search)
        self.add_button.clicked.connect(self._add_chosen)
        self.matches.itemDoubleClicked.connect(lambda _item: self._add_chosen())
        self.remove_button.clicked.connect(self._remove_chosen)

    # The PIN

    def _clearing(self, on: bool) -> None:
        if on:
            self.pin.clear()
            self.retype_pin.clear()
        self.pin.setEnabled(not on)
        self.retype_pin.setEnabled(not on)
        self._show_pin_state()
        self.edited.emit()

    def _show_pin_state(self) -> None:
        if self.clear_pin.isChecked():
            self.pin_state.setText(PIN_CLEARING)
        else:
            self.pin_state.setText(PIN_SET if self.state.has_pin else PIN_NONE)

    # The screens table

    def _fill_table(self) -> None:
        table = self.table
        table.setRowCount(len(self.rows))
        self._groups = []
        for r, row in enumerate(self.rows):
            name = QTableWidgetItem(row.name if row.active else row.name + INACTIVE)
            if r == 0:
                name.setToolTip("All here sets every row.")
            if not row.active:
                _struck(name)
                name.setToolTip("Deactivated: kept as chosen, but All or Cst. cannot be set anew.")
            table.setItem(r, 0, name)
            group = QButtonGroup(table)
            group.setExclusive(True)
            for c, choice in enumerate(CHOICES, start=1):
                button = QRadioButton()
                button.setObjectName(f"{choice.value}_{r}")
                button.setAccessibleName(CHOICE_WORDS[choice])  # the column's label
                button.setAccessibleDescription(row.name)
                button.setChecked(row.choice is choice)
                button.setEnabled(
                    not self._read_only
                    and (row.active or choice is ScreenSignoff.NEVER or choice is row.choice)
                )
                button.clicked.connect(
                    lambda _on=False, pk=row.note_type_id, ch=choice: self.choose(pk, ch)
                )
                cell = QWidget()
                cell_layout = QHBoxLayout(cell)
                cell_layout.setContentsMargins(0, 0, 0, 0)
                cell_layout.setAlignment(Qt.AlignmentFlag.AlignCenter)
                cell_layout.addWidget(button)
                group.addButton(button, c)
                table.setCellWidget(r, c, cell)
            self._groups.append(group)
        table.resizeRowsToContents()
        # As tall as its rows at most and four rows at least: a longer catalog scrolls inside
        # it, so the recipients and their buttons keep their room at 1024x700.
        rows_height = sum(table.rowHeight(r) for r in range(table.rowCount()))
        height = table.horizontalHeader().sizeHint().height() + rows_height + 2 * table.frameWidth()
        table.setMaximumHeight(height)
        four = (
            table.horizontalHeader().sizeHint().height()
            + 4 * table.verticalHeader().defaultSectionSize()
        )
        table.setMinimumHeight(min(height, four + 2 * table.frameWidth()))
        kept = [row.name for row in self.rows if not row.active]
        self.screens_warning.setText(
            f"{', '.join(kept)} {'is' if len(kept) == 1 else 'are'} deactivated: kept as "
            "chosen here; All or Cst. cannot be chosen anew."
        )
        self.screens_warning.setVisible(bool(kept))

    def button(self, row: int, choice: ScreenSignoff) -> QRadioButton:
        """The radio button of one row and column (for the tests, and keyboard users)."""
        button = self._groups[row].button(CHOICES.index(choice) + 1)
        assert isinstance(button, QRadioButton)
        return button

    def choose(self, note_type_id: int, choice: ScreenSignoff) -> None:
        """A click on a row's column: the rows as app/ says (All on the top row sets all)."""
        self.rows = choose(self.rows, note_type_id, choice)
        for r, row in enumerate(self.rows):
            self.button(r, row.choice).setChecked(True)
        self.edited.emit()

    # The recipients

    def _recipient_item(self, recipient: Recipient) -> QListWidgetItem:
        item = QListWidgetItem(recipient.shown + ("" if recipient.active else INACTIVE))
        item.setData(ID_ROLE, recipient.pk)
        if not recipient.active:
            _struck(item)
            item.setToolTip("Deactivated: tasks still go here until removed; cannot be added anew.")
        return item

    def _chosen(self) -> frozenset[int]:
        return frozenset(
            int(self.recipients.item(i).data(ID_ROLE)) for i in range(self.recipients.count())
        )

    def _show_recipients(self, recipients: tuple[Recipient, ...]) -> None:
        self.recipients.clear()
        for recipient in recipients:
            self.recipients.addItem(self._recipient_item(recipient))
        self._warn_inactive_recipients()

    def _warn_inactive_recipients(self) -> None:
        gone = [
            self.recipients.item(i).text().removesuffix(INACTIVE)
            for i in range(self.recipients.count())
            if self.recipients.item(i).text().endswith(INACTIVE)
        ]
        self.recipients_warning.setText(
            f"{'; '.join(gone)} {'is' if len(gone) == 1 else 'are'} deactivated: sign-off "
            "tasks still go there until removed."
        )
        self.recipients_warning.setVisible(bool(gone))

    def search(self, text: str) -> None:
        """Ask app/ for the active users the words name (one statement); an answer that
        comes after a newer question is dropped."""
        self._search_asked += 1
        asked = self._search_asked
        if not text.strip() or self.host is None:
            self.matches.clear()
            return
        excluding = self.user_pk

        def job(work: Work) -> tuple[Recipient, ...]:
            return search_recipients(
                work.session, work.company, work.actor, text, excluding=excluding
            )

        def done(found: tuple[Recipient, ...]) -> None:
            if asked == self._search_asked:
                self._show_matches(found)

        self.host.run(job, done)

    def _show_matches(self, found: tuple[Recipient, ...]) -> None:
        chosen = self._chosen()
        self.matches.clear()
        for recipient in found:
            if recipient.pk in chosen or recipient.pk == self.user_pk:
                continue
            item = self._recipient_item(recipient)
            item.setData(Qt.ItemDataRole.UserRole + 1, recipient)
            self.matches.addItem(item)
        if self.matches.count():
            self.matches.setCurrentRow(0)

    def _add_chosen(self) -> None:
        if self.matches.currentRow() < 0:
            return
        item = self.matches.currentItem()
        recipient = item.data(Qt.ItemDataRole.UserRole + 1)
        self.matches.takeItem(self.matches.row(item))
        self.recipients.addItem(self._recipient_item(recipient))
        self.edited.emit()

    def _remove_chosen(self) -> None:
        if self.recipients.currentRow() < 0:
            return
        self.recipients.takeItem(self.recipients.currentRow())
        self._warn_inactive_recipients()
        self.edited.emit()

    # The page protocol

    def load(self, subject: Subject) -> None:
        state = subject.states.get(self.key)
        self.state = state if isinstance(state, SignOffState) else SignOffState()
        self.user_pk = subject.record.pk if subject.record is not None else None
        self.rows = self.state.screens
        for key, flag in self.flags.items():
            flag.blockSignals(True)
            flag.setChecked(getattr(self.state, key))
            flag.blockSignals(False)
        self.clear_pin.blockSignals(True)
        self.clear_pin.setChecked(False)
        self.clear_pin.blockSignals(False)
        for box in (self.pin, self.retype_pin):
            box.clear()
            box.setEnabled(not self._read_only)
        self.clear_pin.setEnabled(self.state.has_pin and not self._read_only)
        self._show_pin_state()
        self._fill_table()
        self._show_recipients(self.state.recipients)
        self.find_box.clear()
        self.matches.clear()
        self.errors.clear()
        self._loaded = self.collect()

    def collect(self) -> SignOffEdit:
        return SignOffEdit(
            self.flags["approval"].isChecked(),
            self.flags["additional"].isChecked(),
            self.flags["required"].isChecked(),
            tuple((row.note_type_id, row.choice) for row in self.rows),
            self._chosen(),
            Pin(self.pin.text()) if self.pin.text() else NO_PIN,
            Pin(self.retype_pin.text()) if self.retype_pin.text() else NO_PIN,
            self.clear_pin.isChecked(),
        )

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded

    def edit(self, subject: Subject) -> SignOffEdit | None:
        if not self.context.may(self.section.edit_right) or not self.is_dirty():
            return None
        return self.collect()

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        first = self.errors.show(mine)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only  # the table's buttons are made again at each load
        super().set_read_only(read_only)
        for box in (self.find_box, self.pin, self.retype_pin):
            box.setEnabled(not read_only)
        self.recipients.setEnabled(True)  # readable, scrollable

    def focus_first_field(self) -> None:
        self.pin.setFocus(Qt.FocusReason.OtherFocusReason)
