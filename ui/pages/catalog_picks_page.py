"""What the Fax and Resources pages share: a default drop-down above a checklist of one of
the practice's catalogs, and the catalog's editor for those who may edit it.

A deactivated entry the user still has is listed struck through with a warning icon and a
warning beside the list; it can be unchecked (and checked again before Save) but nothing
deactivated is offered to be newly chosen. app/ checks the same rules again on Save.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
)

from app.access import Right
from app.catalogs.service import Kind
from app.sections.catalog_picks import Pick, Picks, PicksEdit
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.form import FieldErrors, caption

ID_ROLE = Qt.ItemDataRole.UserRole
NONE = "(none)"
WARNING_STYLE = "color: #8a5300;"
DEACTIVATED_TIP = (
    "Deactivated in the practice's catalog: this user keeps it until it is unchecked, "
    "and it cannot be newly chosen."
)
DEACTIVATED_NOTE = (
    "\u26a0 Struck through: deactivated in the catalog. The user keeps it until unchecked; "
    "it cannot be chosen anew."
)


def _struck(font: QFont, struck: bool = True) -> QFont:
    font = QFont(font)
    font.setStrikeOut(struck)
    return font


class CatalogPicksPage(SectionPage):
    """A section page of app.sections.catalog_picks: subclasses name the labels, the catalog
    and, optionally, the headings the checklist is grouped under."""

    edit_catalog = Signal(str)  # the window opens that catalog's editor (a Kind value)

    DEFAULT_LABEL: ClassVar[str]
    CHECKED_LABEL: ClassVar[str]
    CATALOG_BUTTON: ClassVar[str]
    KIND: ClassVar[Kind]
    NOTE: ClassVar[str] = ""
    GROUPS: ClassVar[tuple[tuple[str, str], ...]] = ()  # (Pick.group, its heading)

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.state = Picks()
        self._loaded = PicksEdit(())
        self._filling = False
        grid = QGridLayout(self)
        grid.setColumnStretch(1, 1)

        self.default = QComboBox()
        self.default.setObjectName(self.section_fields()[1])
        self.default.setMinimumContentsLength(24)
        self.default.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        grid.addWidget(caption(self.DEFAULT_LABEL, self.default), 0, 0)
        grid.addWidget(self.default, 0, 1)
        self.default_warning = QLabel()
        self.default_warning.setObjectName("default_warning")
        self.default_warning.setStyleSheet(WARNING_STYLE)
        self.default_warning.setWordWrap(True)
        self.default_warning.hide()
        grid.addWidget(self.default_warning, 1, 1)
        self.errors.add(grid, self.section_fields()[1], self.default, 2, 1)

        self.checklist = QTreeWidget()
        self.checklist.setObjectName(self.section_fields()[0])
        self.checklist.setHeaderHidden(True)
        self.checklist.setColumnCount(1)
        self.checklist.setUniformRowHeights(True)
        self.checklist.setRootIsDecorated(bool(self.GROUPS))
        self.checklist.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        grid.addWidget(caption(self.CHECKED_LABEL, self.checklist), 3, 0, 1, 2)
        grid.addWidget(self.checklist, 4, 0, 1, 2)
        grid.setRowStretch(4, 1)
        self.errors.add(grid, self.section_fields()[0], self.checklist, 5, 0, 2)
        self.deactivated_note = QLabel(DEACTIVATED_NOTE)
        self.deactivated_note.setObjectName("deactivated_note")
        self.deactivated_note.setStyleSheet(WARNING_STYLE)
        self.deactivated_note.setWordWrap(True)
        self.deactivated_note.hide()
        grid.addWidget(self.deactivated_note, 6, 0, 1, 2)
        self.note = QLabel(self.NOTE)
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(self.NOTE))
        grid.addWidget(self.note, 7, 0, 1, 2)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.catalog_button = QPushButton(self.CATALOG_BUTTON)
        self.catalog_button.setAccessibleName(self.CATALOG_BUTTON)
        self.catalog_button.setToolTip(f"Edit the practice's list: {self.KIND.words}s")
        self.catalog_button.setVisible(context.may(Right.EDIT_CATALOGS))
        self.catalog_button.clicked.connect(lambda: self.edit_catalog.emit(self.KIND.value))
        buttons.addWidget(self.catalog_button)
        grid.addLayout(buttons, 8, 0, 1, 2)

        self.default.currentIndexChanged.connect(self._default_changed)
        self.checklist.itemChanged.connect(self._item_changed)

    def section_fields(self) -> tuple[str, str]:
        """The names app/'s problems use: (the checklist's, the default's)."""
        section = self.section
        return (
            str(getattr(section, "checked_field", "checked")),
            str(getattr(section, "default_field", "default")),
        )

    # What the subclasses decide

    def offered_as_default(self, pick: Pick, checked: frozenset[int]) -> bool:
        """Whether the drop-down offers ``pick``, an active entry or the default as loaded."""
        return True

    def default_unchecked(self, item: QTreeWidgetItem) -> None:
        """The operator unchecked the entry that is the default."""

    def update_note(self) -> None:
        """What the page says about the choices as they now are."""

    # Filling

    def load(self, subject: Subject) -> None:
        state = subject.states.get(self.key)
        self.state = state if isinstance(state, Picks) else Picks()
        self._filling = True
        try:
            self._fill_checklist()
            self.fill_default(self.state.default_id)
        finally:
            self._filling = False
        self.errors.clear()
        self._loaded = self.collect()
        self.update_note()

    def _fill_checklist(self) -> None:
        """Active entries and the deactivated ones the user has checked (a deactivated
        default that is not checked is shown in the drop-down only)."""
        tree = self.checklist
        tree.clear()
        shown = [p for p in self.state.entries if p.active or p.checked]
        headings: dict[str, QTreeWidgetItem] = {}
        for group, heading in self.GROUPS:
            if any(p.group == group for p in shown):
                top = QTreeWidgetItem([heading])
                top.setFlags(Qt.ItemFlag.ItemIsEnabled)
                top.setFont(0, _bold(top.font(0)))
                tree.addTopLevelItem(top)
                headings[group] = top
        for pick in shown:
            item = QTreeWidgetItem([pick.shown])
            item.setData(0, ID_ROLE, pick.id)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(
                0, Qt.CheckState.Checked if pick.checked else Qt.CheckState.Unchecked
            )
            if not pick.active:
                item.setFont(0, _struck(item.font(0)))
                item.setIcon(
                    0, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                )
                item.setToolTip(0, DEACTIVATED_TIP)
            parent = headings.get(pick.group)
            if parent is not None:
                parent.addChild(item)
            else:
                tree.addTopLevelItem(item)
        tree.expandAll()
        self.deactivated_note.setVisible(any(not p.active for p in shown))

    def items(self) -> list[QTreeWidgetItem]:
        """The checklist's entries (not its headings)."""
        found: list[QTreeWidgetItem] = []
        for i in range(self.checklist.topLevelItemCount()):
            top = self.checklist.topLevelItem(i)
            if top is None:
                continue
            if top.data(0, ID_ROLE) is not None:
                found.append(top)
            children = (top.child(j) for j in range(top.childCount()))
            found.extend(child for child in children if child is not None)
        return found

    def item_of(self, entry_id: int) -> QTreeWidgetItem | None:
        return next((i for i in self.items() if i.data(0, ID_ROLE) == entry_id), None)

    def checked_ids(self) -> frozenset[int]:
        return frozenset(
            int(i.data(0, ID_ROLE))
            for i in self.items()
            if i.checkState(0) == Qt.CheckState.Checked
        )

    def fill_default(self, chosen: int | None) -> None:
        """The drop-down: (none), then what may be the default, ``chosen`` selected."""
        box = self.default
        checked = self.checked_ids()
        was = self._filling
        self._filling = True
        box.blockSignals(True)
        try:
            box.clear()
            box.addItem(NONE, None)
            for pick in self.state.entries:
                had = pick.id == self.state.default_id  # kept even when deactivated
                if not ((pick.active or had) and self.offered_as_default(pick, checked)):
                    continue
                box.addItem(pick.shown, pick.id)
                if not pick.active:
                    index = box.count() - 1
                    box.setItemData(index, _struck(box.font()), Qt.ItemDataRole.FontRole)
                    box.setItemData(index, DEACTIVATED_TIP, Qt.ItemDataRole.ToolTipRole)
                    box.setItemIcon(
                        index, self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                    )
            index = box.findData(chosen)
            box.setCurrentIndex(index if index >= 0 else 0)
        finally:
            box.blockSignals(False)
            self._filling = was
        self._show_default_warning()

    def default_id(self) -> int | None:
        data = self.default.currentData()
        return int(data) if data is not None else None

    def _show_default_warning(self) -> None:
        pick = self.state.entry(self.default_id())
        inactive = pick is not None and not pick.active
        self.default.setFont(_struck(self.font(), inactive))
        self.default_warning.setVisible(inactive)
        self.default_warning.setText(
            f"\u26a0 Deactivated in the catalog: choose another {self.KIND.words}, or {NONE}."
            if inactive
            else ""
        )

    # Changes

    def _default_changed(self, _index: int) -> None:
        self._show_default_warning()
        if not self._filling:
            self.update_note()
            self.edited.emit()

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if self._filling or item.data(0, ID_ROLE) is None:
            return
        entry_id = int(item.data(0, ID_ROLE))
        if item.checkState(0) != Qt.CheckState.Checked and entry_id == self.default_id():
            self.default_unchecked(item)
        self.fill_default(self.default_id())
        self.update_note()
        self.edited.emit()

    # The page protocol

    def collect(self) -> PicksEdit:
        return PicksEdit(self.checked_ids(), self.default_id())

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded

    def edit(self, subject: Subject) -> PicksEdit | None:
        if not self.context.may_edit or not self.is_dirty():
            return None
        return self.collect()

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        first = self.errors.show(mine)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine)

    def set_read_only(self, read_only: bool) -> None:
        super().set_read_only(read_only)
        self.checklist.setEnabled(not read_only)
        self.catalog_button.setEnabled(True)  # the catalog's right, not the user's, decides

    def focus_first_field(self) -> None:
        self.default.setFocus(Qt.FocusReason.OtherFocusReason)


def _bold(font: QFont) -> QFont:
    font = QFont(font)
    font.setBold(True)
    return font
