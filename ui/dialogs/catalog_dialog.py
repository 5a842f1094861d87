"""The catalog editors of the flat catalogs: Practice Fax Numbers (number and label),
Resources (name and kind), Note Types and Chart Tabs.

Entries are added, renamed (a fax number's digits and a resource's kind corrected),
deactivated and activated again, never deleted (app.catalogs.service): a deactivated one stays
with the users who have it, shown struck through, and cannot be newly chosen. Each change is
one transaction through the window's runner; app/ checks the right "Edit catalogs" and the
rules, and its refusals are shown beside the field they are about. ``EntryPanel`` (the list,
its fields and buttons) is shared with the templates editor (ui.dialogs.templates_catalog).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.catalogs.service import (
    KIND_FIELD,
    NAME_FIELD,
    NUMBER_FIELD,
    PARENT_FIELD,
    Catalogs,
    Entry,
    Kind,
)
from app.db.kinds import ResourceKind
from app.errors import ConflictError, UserSetupError, ValidationError
from app.workplace import Work, Workplace
from ui.dialogs import messages as dialogs
from ui.dialogs.user_groups import button
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import FieldErrors, caption, fit_title

T = TypeVar("T")
ID = Qt.ItemDataRole.UserRole
SHOW_DEACTIVATED = "Show deactivated"
DEACTIVATED = " (deactivated)"
NOTE = (
    "A deactivated entry stays with the users who have it, shown struck through, but cannot "
    "be chosen for anyone else. Entries are never deleted."
)
# The flat catalogs: the dialog's title, and what its list is called.
TITLES = {
    Kind.FAX: ("Practice Fax Numbers", "Fax numbers"),
    Kind.RESOURCE: ("Resources", "Resources"),
    Kind.NOTE_TYPE: ("Note Types", "Note types"),
    Kind.CHART_TAB: ("Chart Tabs", "Chart tabs"),
}
Values = Mapping[str, str]
STRUCK = "Deactivated: users who have it keep it; nobody can newly choose it."


def catalogs_of(work: Work) -> Catalogs:
    return Catalogs(work.session, work.company, work.actor, work.clock)


def entry_text(entry: Entry) -> str:
    """How an editor lists an entry: "Main office (212) 555-0142", "X-ray (machine)"."""
    text = f"{entry.name} ({entry.detail})" if entry.kind is Kind.RESOURCE else entry.shown
    return text if entry.active else text + DEACTIVATED


def add_entry(catalogs: Catalogs, kind: Kind, values: Values, parent_id: int | None) -> Entry:
    """An entry of ``kind`` made of the editor's fields (under ``parent_id``, a category's
    chart tab or a template's category)."""
    name = values.get(NAME_FIELD, "")
    if kind is Kind.FAX:
        return catalogs.add_fax_number(values.get(NUMBER_FIELD, ""), name)
    if kind is Kind.RESOURCE:
        return catalogs.add_resource(name, values.get(KIND_FIELD, ""))
    if kind is Kind.NOTE_TYPE:
        return catalogs.add_note_type(name)
    if kind is Kind.CHART_TAB:
        return catalogs.add_chart_tab(name)
    if parent_id is None:
        above = "chart tab" if kind is Kind.CATEGORY else "category"
        raise ValidationError({PARENT_FIELD: f"Choose the {above} first."})
    if kind is Kind.CATEGORY:
        return catalogs.add_category(parent_id, name)
    return catalogs.add_template(parent_id, name)


def change_entry(catalogs: Catalogs, entry: Entry, values: Values) -> Entry:
    """The entry renamed (and a fax number's digits or a resource's kind corrected) as the
    fields say, in one transaction; unchanged fields cost no audit."""
    changed = catalogs.rename(entry.kind, entry.id, values.get(NAME_FIELD, ""), entry.version)
    if entry.kind is Kind.FAX:
        changed = catalogs.change_fax_number(entry.id, values.get(NUMBER_FIELD, ""))
    elif entry.kind is Kind.RESOURCE:
        changed = catalogs.change_resource_kind(entry.id, values.get(KIND_FIELD, ""))
    return changed


def conflict_words(entry_words: str, error: ConflictError) -> str:
    who = error.changed_by or "another workstation"
    when = f" at {error.changed_at:%Y-%m-%d %H:%M} UTC" if error.changed_at else ""
    return (
        f"This {entry_words} was changed by {who}{when} after the list was read, so your "
        "change was not made. The list now shows it as it is; make your change again if it is "
        "still needed."
    )


class EntryPanel(QWidget):
    """One catalog's list, its fields and its Add / Rename / Deactivate buttons. ``noun``
    ends the buttons' names ("Add Template") where one dialog has several panels."""

    picked = Signal()  # another entry (or none) was chosen in the list

    def __init__(
        self, kind: Kind, list_label: str, name_label: str, may_edit: bool, noun: str = ""
    ) -> None:
        super().__init__()
        self.kind = kind
        self.may_edit = may_edit
        self.show_deactivated = False
        self.entries: dict[int, Entry] = {}
        self.errors = FieldErrors()
        self.noun = f" {noun}" if noun else ""
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.entry_list = QListWidget()
        grid.addWidget(caption(list_label, self.entry_list), 0, 0, 1, 2)
        grid.addWidget(self.entry_list, 1, 0, 1, 2)
        self.errors.add(grid, PARENT_FIELD, self.entry_list, 2, 0, 2)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        row = 3
        fields: list[tuple[str, str]] = [(NAME_FIELD, name_label)]
        if kind is Kind.FAX:
            fields = [(NUMBER_FIELD, "Fax number"), (NAME_FIELD, "Label")]
        elif kind is Kind.RESOURCE:
            fields.append((KIND_FIELD, "Kind"))
        for key, label in fields:
            widget: QLineEdit | QComboBox
            if key == KIND_FIELD:
                widget = QComboBox()
                for resource_kind in ResourceKind:
                    widget.addItem(resource_kind.value.capitalize(), resource_kind.value)
            else:
                widget = QLineEdit()
                widget.setMaxLength(100 if kind is Kind.TEMPLATE else 60)
            grid.addWidget(caption(label, widget), row, 0)
            grid.addWidget(widget, row, 1)
            self.errors.add(grid, key, widget, row + 1, 1)
            self.inputs[key] = widget
            row += 2
        grid.setColumnStretch(1, 1)
        two_fields = kind in (Kind.FAX, Kind.RESOURCE)
        self.add_button = button(f"Add{self.noun}")
        self.change_button = button("Save Changes" if two_fields else f"Rename{self.noun}")
        self.active_button = button(f"Deactivate{self.noun}")
        # Named buttons ("Deactivate Category") take two lines in a narrow column.
        lines = (
            [(self.add_button, self.change_button), (self.active_button,)]
            if noun
            else [(self.add_button, self.change_button, self.active_button)]
        )
        for line in lines:
            buttons = QHBoxLayout()
            for made in line:
                buttons.addWidget(made)
            buttons.addStretch(1)
            grid.addLayout(buttons, row, 0, 1, 2)
            row += 1
        self.entry_list.currentItemChanged.connect(lambda *_: self._picked())
        self.update_buttons()

    # The list

    def show_entries(self, entries: list[Entry], select: int | None = None) -> None:
        """Fill the list (deactivated entries only when shown, or the one chosen), struck
        through when deactivated; ``select`` the entry to choose (else the one chosen)."""
        wanted = select if select is not None else self.current_id()
        self.entries = {e.id: e for e in entries}
        self.entry_list.blockSignals(True)
        try:
            self.entry_list.clear()
            chosen: QListWidgetItem | None = None
            for entry in entries:
                if not entry.active and not self.show_deactivated and entry.id != wanted:
                    continue
                item = QListWidgetItem(entry_text(entry))
                item.setData(ID, entry.id)
                if not entry.active:
                    font = item.font()
                    font.setStrikeOut(True)
                    item.setFont(font)
                    item.setToolTip(
                        "Deactivated: users who have it keep it; nobody can newly choose it."
                    )
                self.entry_list.addItem(item)
                if entry.id == wanted:
                    chosen = item
            if chosen is not None:
                self.entry_list.setCurrentItem(chosen)
            else:
                self.entry_list.setCurrentRow(-1)
        finally:
            self.entry_list.blockSignals(False)
        self._picked()

    def current(self) -> Entry | None:
        item = self.entry_list.currentItem()
        return self.entries.get(int(item.data(ID))) if item is not None else None

    def current_id(self) -> int | None:
        entry = self.current()
        return entry.id if entry is not None else None

    def texts(self) -> list[str]:
        return [self.entry_list.item(i).text() for i in range(self.entry_list.count())]

    def _picked(self) -> None:
        entry = self.current()
        if entry is not None:
            for key, widget in self.inputs.items():
                value = {NUMBER_FIELD: entry.detail, KIND_FIELD: entry.detail}.get(key, entry.name)
                if isinstance(widget, QComboBox):
                    widget.setCurrentIndex(max(widget.findData(value), 0))
                else:
                    widget.setText(value)
        self.errors.clear()
        self.update_buttons()
        self.picked.emit()

    # The fields and buttons

    def values(self) -> dict[str, str]:
        return {
            key: str(w.currentData()) if isinstance(w, QComboBox) else w.text()
            for key, w in self.inputs.items()
        }

    def clear_fields(self) -> None:
        for widget in self.inputs.values():
            if isinstance(widget, QLineEdit):
                widget.clear()

    def editing_widgets(self) -> tuple[QWidget, ...]:
        return (*self.inputs.values(), self.add_button, self.change_button, self.active_button)

    def update_buttons(self, can_add: bool = True) -> None:
        entry = self.current()
        for widget in self.inputs.values():
            widget.setEnabled(self.may_edit)
        self.add_button.setEnabled(self.may_edit and can_add)
        self.change_button.setEnabled(self.may_edit and entry is not None)
        self.active_button.setEnabled(self.may_edit and entry is not None)
        word = "Activate" if entry is not None and not entry.active else "Deactivate"
        self.active_button.setText(f"{word}{self.noun}")
        self.active_button.setAccessibleName(self.active_button.text())

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        """Show app/'s messages beside their fields; True when every one had its place."""
        if not all(self.errors.owns(name) for name in errors):
            return False
        first = self.errors.show(errors)
        if first is not None:
            first.setFocus()
        return True


class CatalogDialog(QDialog):
    """One flat catalog of the company (fax numbers, resources, note types or chart tabs);
    ``changed`` says which, after each edit committed."""

    changed = Signal(str)  # the Kind's value

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        context: PracticeContext,
        kind: Kind,
    ) -> None:
        super().__init__(parent)
        if kind not in TITLES:
            raise ValueError(f"{kind.words}s are edited in the templates editor")
        self.runner = runner
        self.workplace = workplace
        self.kind = kind
        title, list_label = TITLES[kind]
        self.setWindowTitle(f"{title} - {context.company.name} ({context.company.code})")
        fit_title(self)
        self.may_edit = context.may(Right.EDIT_CATALOGS)
        layout = QVBoxLayout(self)
        self.panel = EntryPanel(kind, list_label, "Name", self.may_edit)
        layout.addWidget(self.panel)
        self.show_deactivated = QCheckBox(SHOW_DEACTIVATED)
        self.show_deactivated.setAccessibleName(SHOW_DEACTIVATED)
        layout.addWidget(self.show_deactivated)
        note = QLabel(NOTE)
        note.setObjectName("catalog_note")
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368;")
        layout.addWidget(note)
        closing = QHBoxLayout()
        closing.addStretch(1)
        self.close_button = button("Close")
        closing.addWidget(self.close_button)
        layout.addLayout(closing)
        self.resize(480, 460)

        self.show_deactivated.toggled.connect(self._show_deactivated)
        self.panel.add_button.clicked.connect(self.add)
        self.panel.change_button.clicked.connect(self.change)
        self.panel.active_button.clicked.connect(self.toggle_active)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def _run(self, job: Callable[[Work], T], done: Callable[[T], object]) -> None:
        busy = self.panel.editing_widgets() if self.may_edit else ()
        self.runner.run(self.workplace, job, done, failed=self._failed, busy=busy, parent=self)

    def reload(self, select: int | None = None) -> None:
        kind = self.kind
        self._run(
            lambda work: catalogs_of(work).entries(kind),
            lambda entries: self.panel.show_entries(entries, select),
        )

    def _show_deactivated(self, shown: bool) -> None:
        self.panel.show_deactivated = shown
        self.panel.show_entries(list(self.panel.entries.values()))

    def add(self) -> None:
        kind, values = self.kind, self.panel.values()
        self._run(lambda work: add_entry(catalogs_of(work), kind, values, None), self._done)

    def change(self) -> None:
        entry, values = self.panel.current(), self.panel.values()
        if entry is not None:
            self._run(lambda work: change_entry(catalogs_of(work), entry, values), self._done)

    def toggle_active(self) -> None:
        entry = self.panel.current()
        if entry is None:
            return
        self._run(
            lambda work: catalogs_of(work).set_active(
                entry.kind, entry.id, not entry.active, entry.version
            ),
            self._done,
        )

    def _done(self, entry: Entry) -> None:
        self.changed.emit(self.kind.value)
        self.reload(entry.id)

    def _failed(self, error: UserSetupError) -> None:
        self.panel.update_buttons()
        if isinstance(error, ValidationError) and self.panel.show_errors(error.errors):
            return
        if isinstance(error, ConflictError):
            dialogs.tell(self, "Changed by someone else", conflict_words(self.kind.words, error))
            self.reload()
            return
        show_error(self, "Not done", error)
