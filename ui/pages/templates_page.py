"""The Templates section: the practice's chart tabs on the left, each with how many templates
the user may use ("Orders (12)"); for the tab chosen, its Default Template (only checked ones
are offered), a filter, and its categories as a tree of checkable templates.

A practice can keep thousands of templates, so the tree is one Qt item model built for the tab
shown (a tab's few hundred rows, not thousands of widgets), filtered by a proxy, and the
checks of every tab are kept as a set of ids. A deactivated template the user still has is
struck through, with a warning: it can be unchecked, not checked anew (app/ refuses that too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.catalogs.user_templates import (
    DEFAULT_FIELD,
    TEMPLATES_FIELD,
    TabItem,
    TemplatesEdit,
    UserTemplates,
)
from app.sections.registry import AnySection, section
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.form import FieldErrors, caption

CHART_TABS = "Chart Tabs"
DEFAULT = "Default Template"
FILTER = "Filter"
TEMPLATES = "Templates"
CHECK_ALL = "Check all in category"
EDIT_TEMPLATES = "Templates..."
NO_DEFAULT = "(none)"
ID_ROLE = Qt.ItemDataRole.UserRole
UNUSABLE_ROLE = Qt.ItemDataRole.UserRole + 1  # set only on the few that are
DEACTIVATED = (
    "Deactivated (or under a deactivated category or chart tab): kept until unchecked, "
    "and cannot be checked anew."
)
WARNING = (
    "\u26a0 Struck-through templates are deactivated: they stay checked until unchecked, "
    "and cannot be checked again."
)
TAB_DEACTIVATED = "This chart tab is deactivated: its templates can be unchecked, not checked."


class TemplateFilter(QSortFilterProxyModel):
    """Templates whose name holds the text, and every template of a category whose name does
    (the category shows whenever one of its templates does)."""

    text = ""  # what the filter box holds, case-folded

    def show_matching(self, text: str) -> None:
        self.text = text.strip().casefold()
        self.setFilterRegularExpression(QRegularExpression.escape(text.strip()))

    def filterAcceptsRow(
        self, source_row: int, source_parent: QModelIndex | QPersistentModelIndex
    ) -> bool:
        if not self.text:  # the common case, asked of every row: answered at once
            return True
        if source_parent.isValid() and self.text in str(source_parent.data()).casefold():
            return True
        return super().filterAcceptsRow(source_row, source_parent)


def _state_of(marks: set[Qt.CheckState]) -> Qt.CheckState:
    """A category's box: checked when all its templates are, partly when some are."""
    if marks == {Qt.CheckState.Checked}:
        return Qt.CheckState.Checked
    if Qt.CheckState.Checked in marks:
        return Qt.CheckState.PartiallyChecked
    return Qt.CheckState.Unchecked


def _struck(item: QStandardItem | QListWidgetItem) -> None:
    font = item.font()
    font.setStrikeOut(True)
    item.setFont(font)


class TemplatesPage(SectionPage):
    section: ClassVar[AnySection] = section("templates")
    edit_catalog = Signal(str)  # the catalog to edit: "template"

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.state = UserTemplates()
        self.granted: set[int] = set()
        self.defaults: dict[int, int] = {}
        self._loaded = TemplatesEdit(())
        self._tab: TabItem | None = None
        self._tab_ids: dict[int, frozenset[int]] = {}  # every tab's template ids
        self._read_only = not context.may(Right.EDIT_USERS)
        self._syncing = False  # the page sets check marks itself: not each an edit

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QListWidget()
        self.tabs.setObjectName("chart_tabs")
        self.tabs.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        left_layout.addWidget(caption(CHART_TABS, self.tabs))
        left_layout.addWidget(self.tabs, 1)
        splitter.addWidget(left)

        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        self.default_box = QComboBox()
        self.default_box.setObjectName("default_template")
        self.default_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.default_box.setMinimumContentsLength(16)
        grid.addWidget(caption(DEFAULT, self.default_box), 0, 0)
        grid.addWidget(self.default_box, 0, 1)
        self.errors.add(grid, DEFAULT_FIELD, self.default_box, 1, 0, 2)
        self.filter = QLineEdit()
        self.filter.setObjectName("filter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText("Part of a template's or category's name")
        grid.addWidget(caption(FILTER, self.filter), 2, 0)
        grid.addWidget(self.filter, 2, 1)
        self.model = QStandardItemModel(self)
        self.proxy = TemplateFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tree = QTreeView()
        self.tree.setObjectName("templates")
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)  # thousands of rows scroll without measuring each
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        grid.addWidget(caption(TEMPLATES, self.tree), 3, 0, 1, 2)
        grid.addWidget(self.tree, 4, 0, 1, 2)
        grid.setRowStretch(4, 1)
        grid.setColumnStretch(1, 1)
        self.errors.add(grid, TEMPLATES_FIELD, self.tree, 5, 0, 2)
        self.warning = QLabel(WARNING)
        self.warning.setObjectName("deactivated_warning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        grid.addWidget(self.warning, 6, 0, 1, 2)
        buttons = QHBoxLayout()
        self.check_all = QPushButton(CHECK_ALL)
        self.check_all.setAccessibleName(CHECK_ALL)
        self.check_all.setToolTip(
            "Check every template of the selected category that the filter shows"
        )
        buttons.addWidget(self.check_all)
        buttons.addStretch(1)
        self.catalog_button = QPushButton(EDIT_TEMPLATES)
        self.catalog_button.setAccessibleName(EDIT_TEMPLATES)
        self.catalog_button.setToolTip(
            "The practice's chart tabs, template categories and templates"
        )
        self.catalog_button.setVisible(context.may(Right.EDIT_CATALOGS))
        buttons.addWidget(self.catalog_button)
        grid.addLayout(buttons, 7, 0, 1, 2)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        self.tabs.currentRowChanged.connect(self._show_tab)
        self.filter.textChanged.connect(self._filter)
        self.default_box.currentIndexChanged.connect(self._default_chosen)
        self.check_all.clicked.connect(self.check_all_in_category)
        self.catalog_button.clicked.connect(lambda: self.edit_catalog.emit("template"))

    # The page protocol

    def load(self, subject: Subject) -> None:
        state = subject.states.get(self.key)
        self.state = state if isinstance(state, UserTemplates) else UserTemplates()
        self.granted = set(self.state.granted_ids)
        self.defaults = dict(self.state.defaults)
        self._tab_ids = {
            tab.id: frozenset(t.id for _c, t in tab.templates()) for tab in self.state.tabs
        }
        shown = self._tab.id if self._tab is not None else None
        self._syncing = True
        try:
            self.tabs.clear()
            for tab in self.state.tabs:
                item = QListWidgetItem(self._tab_text(tab))
                item.setData(ID_ROLE, tab.id)
                if not tab.active:
                    _struck(item)
                    item.setToolTip(TAB_DEACTIVATED)
                self.tabs.addItem(item)
        finally:
            self._syncing = False
        self.errors.clear()
        self._loaded = self.collect()
        ids = [tab.id for tab in self.state.tabs]
        self._tab = None
        self.tabs.setCurrentRow(ids.index(shown) if shown in ids else 0 if ids else -1)
        if not ids:
            self._show_tab(-1)

    def collect(self) -> TemplatesEdit:
        return TemplatesEdit(self.granted, self.defaults)

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded

    def edit(self, subject: Subject) -> TemplatesEdit | None:
        """The templates checked and the defaults, when changed (a copy not changed here is
        saved as Copy User carried it)."""
        if self._read_only or not self.is_dirty():
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
        self._read_only = read_only or not self.context.may(Right.EDIT_USERS)
        self.catalog_button.setEnabled(True)  # the catalog has a right of its own
        if self._tab is not None:
            self._build_tree(self._tab)

    def focus_first_field(self) -> None:
        self.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    # One tab shown

    def _tab_text(self, tab: TabItem) -> str:
        return f"{tab.name} ({len(self.granted & self._tab_ids.get(tab.id, frozenset()))})"

    def _show_tab(self, row: int) -> None:
        if self._syncing:
            return
        tab = self.state.tabs[row] if 0 <= row < len(self.state.tabs) else None
        self._tab = tab
        if tab is None:
            self.model.removeRows(0, self.model.rowCount())
            self._fill_defaults()
            self.warning.hide()
            return
        self._build_tree(tab)

    def _build_tree(self, tab: TabItem) -> None:
        """The tab's categories and templates as one model: each template checkable (read-only
        for an operator who may not edit users), each category checked as its templates are."""
        # Filled apart from the view and handed to the filter at once: one reset of the tree,
        # not one update per row.
        model = QStandardItemModel(self)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self._read_only:  # read-only: the marks show, and take no click
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        any_unusable = False
        checked, unchecked = Qt.CheckState.Checked, Qt.CheckState.Unchecked
        granted = self.granted
        for category in tab.categories:
            head = QStandardItem(category.name)
            head.setFlags(flags)
            head.setData(category.id, ID_ROLE)
            if not category.active:
                _struck(head)
                head.setToolTip(DEACTIVATED)
            rows = []
            marks = set()
            for template in category.templates:
                item = QStandardItem(template.name)
                item.setFlags(flags)
                item.setData(template.id, ID_ROLE)
                mark = checked if template.id in granted else unchecked
                marks.add(mark)
                item.setCheckState(mark)
                if not template.usable:
                    any_unusable = True
                    item.setData(True, UNUSABLE_ROLE)
                    _struck(item)
                    item.setToolTip(DEACTIVATED)
                rows.append(item)
            head.appendRows(rows)
            head.setCheckState(_state_of(marks))
            model.appendRow(head)
        self.warning.setVisible(any_unusable)
        old, self.model = self.model, model
        self.proxy.setSourceModel(model)
        model.itemChanged.connect(self._changed)
        old.deleteLater()
        self.tree.expandAll()
        if model.rowCount():  # a category is always selected, so Check all has one to check
            self.tree.setCurrentIndex(self.proxy.index(0, 0))
        self._fill_defaults()
        self.check_all.setEnabled(not self._read_only and bool(tab.categories))

    def _filter(self, text: str) -> None:
        self.proxy.show_matching(text)
        self.tree.expandAll()

    @staticmethod
    def _category_state(head: QStandardItem) -> Qt.CheckState:
        return _state_of({head.child(i).checkState() for i in range(head.rowCount())})

    def _changed(self, item: QStandardItem) -> None:
        if self._syncing:
            return
        head: QStandardItem | None = item.parent()
        if head is None:  # a category's own box: all its templates the filter shows
            self._set_category(item, item.checkState() == Qt.CheckState.Checked)
            return
        template_id = int(item.data(ID_ROLE))
        if item.checkState() == Qt.CheckState.Checked:
            self.granted.add(template_id)
        else:
            self.granted.discard(template_id)
        self._syncing = True
        try:
            head.setCheckState(self._category_state(head))
        finally:
            self._syncing = False
        self._after_checks()

    def _set_category(self, head: QStandardItem, checked: bool) -> None:
        """Check (only usable templates) or uncheck every template of the category that the
        filter shows, as one change."""
        source = self.model.indexFromItem(head)
        self._syncing = True
        try:
            for i in range(head.rowCount()):
                child = head.child(i)
                if not self.proxy.mapFromSource(self.model.index(i, 0, source)).isValid():
                    continue  # hidden by the filter
                if checked and child.data(UNUSABLE_ROLE):
                    continue
                child.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                template_id = int(child.data(ID_ROLE))
                if checked:
                    self.granted.add(template_id)
                else:
                    self.granted.discard(template_id)
            head.setCheckState(self._category_state(head))
        finally:
            self._syncing = False
        self._after_checks()

    def check_all_in_category(self) -> None:
        """The selected category (or the selected template's) checked as a whole."""
        index: QModelIndex = self.proxy.mapToSource(self.tree.currentIndex())
        item = self.model.itemFromIndex(index) if index.isValid() else None
        if item is None and self.model.rowCount() == 1:
            item = self.model.item(0)
        if item is None:
            return
        head = item.parent() or item
        self._set_category(head, True)

    def _after_checks(self) -> None:
        tab = self._tab
        if tab is not None:
            row = [t.id for t in self.state.tabs].index(tab.id)
            self.tabs.item(row).setText(self._tab_text(tab))
            default = self.defaults.get(tab.id)
            if default is not None and default not in self.granted:  # unchecked: no default
                del self.defaults[tab.id]
            self._fill_defaults()
        self.edited.emit()

    # The default of the tab shown

    def _fill_defaults(self) -> None:
        """(none), then the checked templates of the tab shown by name; the tab's default
        chosen."""
        box, tab = self.default_box, self._tab
        box.blockSignals(True)  # filling is not an edit
        try:
            box.clear()
            box.addItem(NO_DEFAULT, None)
            if tab is None:
                return
            checked = sorted(
                ((t.name, c.name, t.id) for c, t in tab.templates() if t.id in self.granted),
                key=lambda row: (row[0].casefold(), row[1].casefold()),
            )
            for name, category, template_id in checked:
                box.addItem(f"{name} ({category})", template_id)
            found = box.findData(self.defaults.get(tab.id)) if tab.id in self.defaults else 0
            box.setCurrentIndex(max(found, 0))
        finally:
            box.blockSignals(False)
        box.setEnabled(not self._read_only)

    def _default_chosen(self, index: int) -> None:
        tab = self._tab
        if tab is None or index < 0:
            return
        chosen = self.default_box.itemData(index)
        if chosen is None:
            self.defaults.pop(tab.id, None)
        else:
            self.defaults[tab.id] = int(chosen)
        self.edited.emit()
