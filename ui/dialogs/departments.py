"""The Department List (Office Ally has one): add, rename, deactivate and activate again.

Departments are never deleted: a deactivated one stays on the users who have it and cannot be
newly chosen (app.practice.departments). Each change is a transaction of its own, through the
window's runner; a refusal is shown beside the name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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
from app.errors import UserSetupError, ValidationError
from app.practice.departments import DepartmentRow, Departments
from app.workplace import Work, Workplace
from ui.dialogs.user_groups import button
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import NOTE_STYLE, FieldErrors, caption, fit_title
from ui.widgets.row_list import refill, row_id

T = TypeVar("T")
NOTE = (
    "A deactivated department stays on the users who have it, but cannot be chosen for "
    "anyone else. Departments are never deleted."
)


def _service(work: Work) -> Departments:
    return Departments(work.session, work.company, work.actor, work.clock)


class DepartmentsDialog(QDialog):
    """The company's departments; pick one to rename or deactivate it."""

    changed = Signal()

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
        self.setWindowTitle(f"Department List - {context.company.name} ({context.company.code})")
        fit_title(self)
        self.rows: dict[int, DepartmentRow] = {}
        self.errors = FieldErrors()
        layout = QVBoxLayout(self)
        self.department_list = QListWidget()
        layout.addWidget(caption("Departments", self.department_list))
        layout.addWidget(self.department_list)
        grid = QGridLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(60)
        grid.addWidget(caption("Department name", self.name), 0, 0)
        grid.addWidget(self.name, 0, 1)
        self.errors.add(grid, "name", self.name, 1, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        buttons = QHBoxLayout()
        self.add_button = button("Add")
        self.rename_button = button("Rename")
        self.active_button = button("Deactivate")
        self.close_button = button("Close")
        for b in (self.add_button, self.rename_button, self.active_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        note = QLabel(NOTE)
        note.setObjectName("departments_note")
        note.setWordWrap(True)
        note.setStyleSheet(NOTE_STYLE)
        layout.addWidget(note)
        self.resize(460, 420)

        self.may_edit = context.may(Right.EDIT_GROUPS)
        self.edits: tuple[QWidget, ...] = (
            self.name,
            self.add_button,
            self.rename_button,
            self.active_button,
        )
        self.department_list.currentItemChanged.connect(lambda item, _: self._picked(item))
        self.add_button.clicked.connect(self.add)
        self.rename_button.clicked.connect(self.rename)
        self.active_button.clicked.connect(self.toggle_active)
        self.close_button.clicked.connect(self.accept)
        self._update_buttons()
        self.reload()

    def _run(self, job: Callable[[Work], T], done: Callable[[T], object]) -> None:
        busy = self.edits if self.may_edit else ()  # given back after the job: only to them
        self.runner.run(self.workplace, job, done, failed=self._failed, busy=busy, parent=self)

    def reload(self, select: int | None = None) -> None:
        self._run(
            lambda work: _service(work).list_departments(), lambda rows: self._listed(rows, select)
        )

    def _listed(self, rows: list[DepartmentRow], select: int | None) -> None:
        wanted = select if select is not None else self.current_id()
        self.rows = {row.id: row for row in rows}
        self.department_list.blockSignals(True)
        chosen = refill(self.department_list, (_department_row(row) for row in rows), wanted)
        if chosen is not None:
            self.department_list.setCurrentItem(chosen)
        else:
            self.department_list.setCurrentRow(-1)
        self.department_list.blockSignals(False)
        self._update_buttons()

    def current_id(self) -> int | None:
        item = self.department_list.currentItem()
        return row_id(item) if item is not None else None

    def _picked(self, item: QListWidgetItem | None) -> None:
        row = self.rows.get(row_id(item)) if item is not None else None
        if row is not None:
            self.name.setText(row.name)
        self.errors.clear()
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.rows.get(self.current_id() or 0)
        self.name.setEnabled(self.may_edit)
        self.add_button.setEnabled(self.may_edit)
        self.rename_button.setEnabled(self.may_edit and row is not None)
        self.active_button.setEnabled(self.may_edit and row is not None)
        self.active_button.setText(
            "Activate" if row is not None and not row.active else "Deactivate"
        )
        self.active_button.setAccessibleName(self.active_button.text())

    def add(self) -> None:
        name = self.name.text()
        self._run(lambda work: _service(work).add(name), self._done)

    def rename(self) -> None:
        row = self.rows.get(self.current_id() or 0)
        if row is None:
            return
        name = self.name.text()
        self._run(lambda work: _service(work).rename(row.id, name, row.version), self._done)

    def toggle_active(self) -> None:
        row = self.rows.get(self.current_id() or 0)
        if row is None:
            return
        self._run(
            lambda work: _service(work).set_active(row.id, not row.active, row.version), self._done
        )

    def _done(self, row: DepartmentRow) -> None:
        self.errors.clear()
        self.changed.emit()
        self.reload(row.id)
        self.name.setText(row.name)

    def _failed(self, error: UserSetupError) -> None:
        self._update_buttons()
        if isinstance(error, ValidationError) and all(self.errors.owns(n) for n in error.errors):
            self.errors.show(error.errors)
            self.name.setFocus()
            return
        show_error(self, "Not done", error)


def _department_row(row: DepartmentRow) -> tuple[int, str, str]:
    """A department as the list shows it: marked inactive, with how many users have it."""
    users = f"{row.users} user" + ("" if row.users == 1 else "s")
    return row.id, f"{row.name}{'' if row.active else ' [inactive]'} ({users})", ""
