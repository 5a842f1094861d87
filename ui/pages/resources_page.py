"""The Resources section: the resources a user books, grouped by kind, and their Default
Mobile Resource, which the drop-down offers only among the checked ones.

Unchecking the default asks at once for a new default among the checked resources, or to
clear it (or to keep it checked), so the page never holds a default the user cannot use;
app/ refuses one all the same.
"""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.catalogs.service import Kind
from app.db.kinds import ResourceKind
from app.sections.catalog_picks import Pick
from app.sections.registry import AnySection, section
from ui.pages.catalog_picks_page import CatalogPicksPage
from ui.widgets.form import caption

DEFAULT_LABEL = "Default Mobile Resource"
RESOURCES_LABEL = "Resources"
RESOURCES_BUTTON = "Resources..."
NEW_DEFAULT = "New Default"
USE = "Use as Default"
CLEAR = "Clear Default"
KEEP = "Keep Checked"
NOTE = (
    "The resources this user books and works with. The mobile app's schedule opens on the "
    "default, which must be one of the checked resources."
)
HEADINGS = {
    ResourceKind.PROVIDER: "Providers",
    ResourceKind.ROOM: "Rooms",
    ResourceKind.MACHINE: "Machines",
}


class NewDefaultQuestion(QDialog):
    """What becomes of the Default Mobile Resource once it is unchecked: another of the
    checked resources, or none; Keep Checked (Esc) leaves it as it was."""

    def __init__(self, parent: QWidget, unchecked: str, candidates: list[Pick]) -> None:
        super().__init__(parent)
        self.setWindowTitle(DEFAULT_LABEL)
        self.chosen: int | None = None
        layout = QVBoxLayout(self)
        if candidates:
            said = "Choose a new default among the checked resources, or clear it."
        else:
            said = "No other resource is checked: clear the default, or keep it checked."
        question = QLabel(f"\u201c{unchecked}\u201d is this user's {DEFAULT_LABEL}. {said}")
        question.setWordWrap(True)
        layout.addWidget(question)
        self.candidates = QComboBox()
        for pick in candidates:
            self.candidates.addItem(pick.shown, pick.id)
        label = caption(NEW_DEFAULT, self.candidates)
        layout.addWidget(label)
        layout.addWidget(self.candidates)
        label.setVisible(bool(candidates))
        self.candidates.setVisible(bool(candidates))
        buttons = QDialogButtonBox()
        self.use = QPushButton(USE)
        self.use.setDefault(bool(candidates))
        clear = QPushButton(CLEAR)
        keep = QPushButton(KEEP)
        buttons.addButton(self.use, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(clear, QDialogButtonBox.ButtonRole.DestructiveRole)
        buttons.addButton(keep, QDialogButtonBox.ButtonRole.RejectRole)
        self.use.setVisible(bool(candidates))  # after addButton, which shows it
        self.use.clicked.connect(self._use)
        clear.clicked.connect(self.accept)
        keep.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def _use(self) -> None:
        data = self.candidates.currentData()
        self.chosen = int(data) if data is not None else None
        self.accept()


class ResourcesPage(CatalogPicksPage):
    section: ClassVar[AnySection] = section("resources")
    DEFAULT_LABEL: ClassVar[str] = DEFAULT_LABEL
    CHECKED_LABEL: ClassVar[str] = RESOURCES_LABEL
    CATALOG_BUTTON: ClassVar[str] = RESOURCES_BUTTON
    KIND: ClassVar[Kind] = Kind.RESOURCE
    NOTE: ClassVar[str] = NOTE
    GROUPS: ClassVar[tuple[tuple[str, str], ...]] = tuple(
        (kind.value, HEADINGS[kind]) for kind in ResourceKind
    )

    def offered_as_default(self, pick: Pick, checked: frozenset[int]) -> bool:
        return pick.id in checked

    def default_unchecked(self, item: QTreeWidgetItem) -> None:
        """Ask what the default becomes; Keep Checked checks it again."""
        checked = self.checked_ids()
        had = self.state.default_id
        candidates = [
            p for p in self.state.entries if p.id in checked and (p.active or p.id == had)
        ]
        question = NewDefaultQuestion(self, item.text(0), candidates)
        answered = question.exec() == QDialog.DialogCode.Accepted
        if not answered:
            self._filling = True  # putting it back is no edit
            try:
                item.setCheckState(0, Qt.CheckState.Checked)
            finally:
                self._filling = False
            return
        self.fill_default(question.chosen)  # the caller fills it again, keeping this choice
