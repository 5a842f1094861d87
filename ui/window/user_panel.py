"""The window's left side: the Active filter, the count, the search box and the user list."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.users.records import UserRow
from ui.widgets.form import caption
from ui.widgets.labels import heading_label
from ui.window.user_list import MarksStayDelegate, UserListModel


class UserPanel(QWidget):
    """Finds users: type part of a name or User ID, Up and Down to move, Enter to open.

    ``chosen`` says which user the operator picked (a click, the keys); the window decides
    whether to open them (it may first ask about unsaved edits) and, if not, puts the
    selection back with ``show_selected``.
    """

    chosen = Signal(int)  # a user's row id

    def __init__(self, context_actions: Iterable[QAction] = ()) -> None:
        super().__init__()
        self.setObjectName("user_panel")
        self.model = UserListModel(self)
        self._selected: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Users"))
        top = QHBoxLayout()
        self.active_only = QCheckBox("Active")
        self.active_only.setAccessibleName("Active")
        self.active_only.setToolTip("Show only active users")
        self.active_only.setChecked(True)
        self.active_only.toggled.connect(self._on_active_only)
        top.addWidget(self.active_only)
        top.addStretch(1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name or User ID")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._on_search_enter)
        self.search.installEventFilter(self)
        search_row = QHBoxLayout()
        search_row.addWidget(caption("Search", self.search))
        search_row.addWidget(self.search, 1)
        layout.addLayout(search_row)
        layout.addWidget(self._build_view(context_actions), 1)

    def _build_view(self, context_actions: Iterable[QAction]) -> QTableView:
        # A one-column table, not a QListView: with fixed row heights it never lays out
        # 100,000 rows to scroll to one, which a list view does after every filter.
        view = QTableView()
        view.setAccessibleName("Users")
        view.setModel(self.model)
        view.setIconSize(QSize(16, 16))
        view.horizontalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setItemDelegate(MarksStayDelegate(view))  # "(expired)" stays in view
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setTabKeyNavigation(False)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        view.selectionModel().currentRowChanged.connect(self._on_current_row)
        for action in context_actions:
            view.addAction(action)
        self.user_view = view
        return view

    # Filling

    def set_rows(self, rows: list[UserRow]) -> None:
        self.model.set_rows(rows)
        self._after_filter()

    def upsert_row(self, row: UserRow) -> None:
        self.model.upsert_row(row)
        self._after_filter()

    def clear_search(self) -> None:
        self.search.clear()

    # The user shown in the editor

    def show_selected(self, pk: int | None) -> None:
        """Select this user (None: nobody) where the filter shows them, saying nothing."""
        self._selected = pk
        self._after_filter()

    def select_user(self, pk: int) -> bool:
        """Choose a user as a click would; False if the filter hides them."""
        row = self.model.row_of(pk)
        if row is None:
            return False
        self._select_row(row)
        return True

    def first_pk(self) -> int | None:
        return self.model.pk_at(0) if self.model.rowCount() else None

    # Reacting to the operator

    def _on_active_only(self, checked: bool) -> None:
        self.model.set_active_only(checked)
        self._after_filter()

    def _on_search(self, text: str) -> None:
        self.model.set_search(text)
        self._after_filter()

    def _on_search_enter(self) -> None:
        if self.model.rowCount() > 0:
            self._select_row(0)
            self.user_view.setFocus()

    def _after_filter(self) -> None:
        """Count what is shown, and keep the edited user selected when the filter shows them."""
        shown, total = self.model.rowCount(), self.model.total()
        self.count_label.setText(
            f"{shown} shown of {total}" if shown != total else f"{total} users"
        )
        row = self.model.row_of(self._selected) if self._selected is not None else None
        selection = self.user_view.selectionModel()
        selection.blockSignals(True)
        if row is None:
            selection.clear()
        else:
            index = self.model.index(row)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.user_view.scrollTo(index)
        selection.blockSignals(False)

    def _select_row(self, row: int) -> None:
        self.user_view.selectionModel().setCurrentIndex(
            self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def _on_current_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        pk = self.model.pk_at(current.row())
        if pk != self._selected:
            self.chosen.emit(pk)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up and Down in the search box move through the list, as in a type-ahead picker.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.model.rowCount():
                row = self.user_view.currentIndex().row()
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                self._select_row(min(max(row + step, 0), self.model.rowCount() - 1))
                return True
        return False  # not consumed (QObject.eventFilter, which this overrides, does nothing)
