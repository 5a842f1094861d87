"""Company Settings' Roles tab: the base role every user of the company must hold.

The dialog reads and saves it with its other tabs, in one transaction (app.practice.
company_settings); choosing it needs "Edit roles and rights", which app/ asks and this tab
only mirrors.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QWidget

from app.practice.company_settings import BaseRoleState
from ui.widgets.form import NOTE_STYLE, caption

BASE_ROLE_LABEL = "Base role every user must hold"
NO_BASE_ROLE = "(none)"
BASE_ROLE_NOTE = (
    "Saving gives the role at once to every active user who holds it neither directly nor "
    "through a group; from then on a user cannot be saved without it. Choosing it needs "
    "\u201cEdit roles and rights\u201d as well."
)
# Where the dialog puts a field's messages, under its input: (grid, name, input, row, column).
ErrorPlace = Callable[[QGridLayout, str, QWidget, int, int], None]


class BaseRoleGroup(QGroupBox):
    """The base role's pick list, what it means, and whom saving gave it to."""

    def __init__(self, may_choose: bool, error_place: ErrorPlace) -> None:
        super().__init__("Roles")
        grid = QGridLayout(self)
        self.base_role = QComboBox()
        self.base_role.addItem(NO_BASE_ROLE, None)
        if not may_choose:  # app/ refuses it too; this only mirrors
            self.base_role.setEnabled(False)
            self.base_role.setToolTip(
                "Choosing the base role needs \u201cEdit roles and rights\u201d."
            )
        note = QLabel(BASE_ROLE_NOTE)
        note.setObjectName("base_role_note")
        note.setStyleSheet(NOTE_STYLE)
        note.setWordWrap(True)
        self.base_role_given = QLabel()
        self.base_role_given.setObjectName("base_role_given")
        self.base_role_given.setWordWrap(True)
        self.base_role_given.hide()
        grid.addWidget(caption(BASE_ROLE_LABEL, self.base_role), 0, 0)
        grid.addWidget(self.base_role, 0, 1)
        error_place(grid, "base_role", self.base_role, 1, 1)
        grid.addWidget(note, 2, 0, 1, 2)
        grid.addWidget(self.base_role_given, 3, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def fill(self, state: BaseRoleState) -> None:
        """The company's roles to choose from, the stored one chosen, and whom the last save
        gave it to."""
        self.base_role.clear()
        self.base_role.addItem(NO_BASE_ROLE, None)
        for role_id, name in state.choices:
            self.base_role.addItem(name, role_id)
        self.base_role.setCurrentIndex(max(self.base_role.findData(state.role_id), 0))
        if state.given_to:
            count = len(state.given_to)
            users = f"{count} user" + ("" if count == 1 else "s")
            self.base_role_given.setText(
                f"Given to {users} who lacked it: {', '.join(state.given_to)}."
            )
            self.base_role_given.show()

    def chosen(self) -> int | None:
        """The role chosen (its id), or None for no base role."""
        data = self.base_role.currentData()
        return int(data) if data is not None else None


__all__ = ["BaseRoleGroup"]
