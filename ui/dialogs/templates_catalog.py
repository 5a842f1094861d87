"""Chart Tabs and Templates: the practice's chart tabs, each tab's template categories and each
category's templates, side by side; add, rename, deactivate and activate at every level.

The three lists are read in one transaction (three statements), then each shows what belongs
to the entry chosen on its left. A category or template cannot be added under a deactivated
tab or category, nor activated under one (app.catalogs.service says so beside the list).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.catalogs.service import Entry, Kind
from app.errors import ConflictError, UserSetupError, ValidationError
from app.workplace import Work, Workplace
from ui.dialogs import messages as dialogs
from ui.dialogs.catalog_dialog import (
    NOTE,
    SHOW_DEACTIVATED,
    EntryPanel,
    add_entry,
    catalogs_of,
    change_entry,
    conflict_words,
)
from ui.dialogs.user_groups import button
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import fit_title

T = TypeVar("T")
LEVELS = (Kind.CHART_TAB, Kind.CATEGORY, Kind.TEMPLATE)


@dataclass(frozen=True)
class TemplateCatalogs:
    """Every chart tab, template category and template of the company, as shown."""

    tabs: list[Entry]
    categories: list[Entry]
    templates: list[Entry]


def read_template_catalogs(work: Work) -> TemplateCatalogs:
    catalogs = catalogs_of(work)
    return TemplateCatalogs(
        catalogs.entries(Kind.CHART_TAB),
        catalogs.entries(Kind.CATEGORY),
        catalogs.entries(Kind.TEMPLATE),
    )


class TemplatesCatalogDialog(QDialog):
    """Chart tabs → categories → templates; ``changed`` says which level, after each edit."""

    changed = Signal(str)  # the Kind's value of the level edited

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        context: PracticeContext,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.setWindowTitle(
            f"Chart Tabs and Templates - {context.company.name} ({context.company.code})"
        )
        fit_title(self)
        self.may_edit = context.may(Right.EDIT_CATALOGS)
        self.read = TemplateCatalogs([], [], [])
        self._wanted: dict[Kind, int | None] = {}  # to choose once, as the lists are filled
        layout = QVBoxLayout(self)
        splitter = QSplitter()
        self.tabs = EntryPanel(Kind.CHART_TAB, "Chart tabs", "Tab name", self.may_edit, "Tab")
        self.categories = EntryPanel(
            Kind.CATEGORY, "Categories", "Category name", self.may_edit, "Category"
        )
        self.templates = EntryPanel(
            Kind.TEMPLATE, "Templates", "Template name", self.may_edit, "Template"
        )
        self.panels = {p.kind: p for p in (self.tabs, self.categories, self.templates)}
        for panel in self.panels.values():
            splitter.addWidget(panel)
        splitter.setChildrenCollapsible(False)
        layout.addWidget(splitter, 1)
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
        self.resize(900, 520)

        self.show_deactivated.toggled.connect(self._show_deactivated)
        self.tabs.picked.connect(self._tab_picked)
        self.categories.picked.connect(self._category_picked)
        for kind, panel in self.panels.items():
            panel.add_button.clicked.connect(lambda _=False, k=kind: self.add(k))
            panel.change_button.clicked.connect(lambda _=False, k=kind: self.change(k))
            panel.active_button.clicked.connect(lambda _=False, k=kind: self.toggle_active(k))
        self.close_button.clicked.connect(self.accept)
        self.reload()

    def _run(self, job: Callable[[Work], T], done: Callable[[T], object], kind: Kind) -> None:
        panel = self.panels[kind]
        busy = panel.editing_widgets() if self.may_edit else ()
        self.runner.run(
            self.workplace, job, done, failed=lambda e: self._failed(kind, e), busy=busy,
            parent=self,
        )  # fmt: skip

    # Reading and showing

    def reload(self, chosen: Entry | None = None) -> None:
        """Read the three lists again, keeping the entries chosen (or choosing ``chosen``,
        with the tab and category it is under); at first, the first tab."""
        wanted = {kind: panel.current_id() for kind, panel in self.panels.items()}

        def shown(read: TemplateCatalogs) -> None:
            self.read = read
            if chosen is not None:
                wanted[chosen.kind] = chosen.id
                parent_id = chosen.parent_id
                if chosen.kind is Kind.TEMPLATE:
                    wanted[Kind.CATEGORY] = parent_id
                    above = next((c for c in read.categories if c.id == parent_id), None)
                    parent_id = above.parent_id if above is not None else None
                if chosen.kind is not Kind.CHART_TAB:
                    wanted[Kind.CHART_TAB] = parent_id
            if wanted[Kind.CHART_TAB] is None and read.tabs:
                wanted[Kind.CHART_TAB] = read.tabs[0].id
            self._wanted = wanted
            self.tabs.show_entries(read.tabs, wanted[Kind.CHART_TAB])

        self._run(read_template_catalogs, shown, Kind.CHART_TAB)

    def _tab_picked(self) -> None:
        tab = self.tabs.current_id()
        wanted = self._wanted.pop(Kind.CATEGORY, None)
        categories = [c for c in self.read.categories if c.parent_id == tab] if tab else []
        ids = {c.id for c in categories}
        if wanted not in ids:  # another tab: its first category, so its templates show
            kept = self.categories.current_id()
            first = next((c.id for c in categories if c.active), None)
            wanted = kept if kept in ids else first
        self.categories.show_entries(categories, wanted)
        self.categories.update_buttons(can_add=tab is not None)

    def _category_picked(self) -> None:
        category = self.categories.current_id()
        wanted = self._wanted.pop(Kind.TEMPLATE, None)
        templates = [t for t in self.read.templates if t.parent_id == category] if category else []
        self.templates.show_entries(templates, wanted)
        self.templates.update_buttons(can_add=category is not None)

    def _show_deactivated(self, shown: bool) -> None:
        for panel in self.panels.values():
            panel.show_deactivated = shown
        self._wanted = {}
        self.tabs.show_entries(self.read.tabs)

    def _parent_of(self, kind: Kind) -> int | None:
        if kind is Kind.CATEGORY:
            return self.tabs.current_id()
        if kind is Kind.TEMPLATE:
            return self.categories.current_id()
        return None

    # Editing

    def add(self, kind: Kind) -> None:
        values, parent = self.panels[kind].values(), self._parent_of(kind)
        self._run(lambda work: add_entry(catalogs_of(work), kind, values, parent), self._done, kind)

    def change(self, kind: Kind) -> None:
        panel = self.panels[kind]
        entry, values = panel.current(), panel.values()
        if entry is not None:
            self._run(lambda work: change_entry(catalogs_of(work), entry, values), self._done, kind)

    def toggle_active(self, kind: Kind) -> None:
        entry = self.panels[kind].current()
        if entry is None:
            return
        self._run(
            lambda work: catalogs_of(work).set_active(
                entry.kind, entry.id, not entry.active, entry.version
            ),
            self._done,
            kind,
        )

    def _done(self, entry: Entry) -> None:
        self.changed.emit(entry.kind.value)
        self.reload(entry)

    def _failed(self, kind: Kind, error: UserSetupError) -> None:
        panel = self.panels[kind]
        panel.update_buttons(can_add=kind is Kind.CHART_TAB or self._parent_of(kind) is not None)
        if isinstance(error, ValidationError) and panel.show_errors(error.errors):
            return
        if isinstance(error, ConflictError):
            dialogs.tell(self, "Changed by someone else", conflict_words(kind.words, error))
            self.reload()
            return
        show_error(self, "Not done", error)
