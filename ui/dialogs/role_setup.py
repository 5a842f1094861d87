"""Role Setup: the practice's roles on the left, the one chosen on the right (its name,
description, the rights it gives as a tree grouped the way a practice thinks of them, and who
holds it), with a button to "Who has this right?" (ui.dialogs.who_has_right).

Every read and save is a job of app.roles.setup on the window's runner; the rules (who may
give which right, the built-in roles, the last keeper) are the service's, and its refusals
are shown beside the field they are about. The widgets only mirror them: a right the operator
does not hold cannot be ticked, Administrator's rights cannot be unticked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ConflictError, UserSetupError, ValidationError
from app.rights import CATALOG, Right, RightGroup
from app.roles.holders import Holder
from app.roles.setup import (
    ACTIVE,
    DESCRIPTION,
    NAME,
    RIGHTS,
    RoleDetail,
    RoleSetup,
    RoleSummary,
    role_setup,
)
from app.workplace import Workplace
from ui.dialogs import messages as dialogs
from ui.dialogs.messages import Unsaved
from ui.dialogs.who_has_right import WhoHasRightDialog
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import NOTE_STYLE, FieldErrors, caption, fit_title
from ui.widgets.row_list import refill, row_id

KEY = Qt.ItemDataRole.UserRole  # a right's key, on its item in the tree
STRONGER = "This role gives rights you do not hold; only someone who holds them may change it."
ADMINISTRATOR_NOTE = "Administrator always holds every right."


@dataclass(frozen=True)
class Form:
    """What the right-hand side holds, to tell an edit from what was read."""

    name: str
    description: str
    rights: frozenset[Right]


BLANK = Form("", "", frozenset())


class RoleSetupDialog(QDialog):
    """Create, rename, describe, copy, deactivate roles and tick their rights; Save stores
    the role shown in one transaction."""

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
        self.context = context
        company = context.company
        self.setWindowTitle(f"Role Setup - {company.name} ({company.code})")
        fit_title(self)
        self.resize(900, 640)
        self.errors = FieldErrors()
        self.summaries: list[RoleSummary] = []
        self.detail: RoleDetail | None = None  # the stored role shown
        self.new_shown = False  # a role not stored yet is shown (New Role, Copy Role)
        self.copy_of: RoleDetail | None = None  # what Copy Role copies
        self.loaded = BLANK
        self._filling = False

        layout = QHBoxLayout(self)
        layout.addLayout(self._role_column(), 1)
        layout.addLayout(self._form_column(), 3)
        self._show(None)
        self.refresh()

    # Building

    def _role_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.role_list = QListWidget()
        column.addWidget(caption("Roles", self.role_list))
        self.active_only = QCheckBox("Active only")
        self.active_only.setAccessibleName("Active only")
        self.active_only.setChecked(True)
        self.active_only.toggled.connect(self._filter_changed)
        column.addWidget(self.active_only)
        column.addWidget(self.role_list, 1)
        self.role_list.currentItemChanged.connect(self._chosen)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New Role")
        self.new_button.clicked.connect(self.new_role)
        self.copy_button = QPushButton("Copy Role")
        self.copy_button.setToolTip("A new role with every right of the role shown")
        self.copy_button.clicked.connect(self.copy_role)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.copy_button)
        column.addLayout(buttons)
        return column

    def _form_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        self.heading = QLabel()
        self.heading.setObjectName("heading")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        column.addWidget(self.heading)
        grid = QGridLayout()
        self.name = QLineEdit()
        self.name.setMaxLength(60)
        self.description = QLineEdit()
        self.description.setMaxLength(255)
        self.rights_filter = QLineEdit()
        self.rights_filter.setPlaceholderText("Type part of a right's name")
        self.rights_filter.setClearButtonEnabled(True)
        self.rights_filter.textChanged.connect(self.filter_rights)
        self.rights = QTreeWidget()
        self.rights.setHeaderHidden(True)
        self.rights.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._fill_tree()
        self.rights.itemChanged.connect(self._ticked)
        self.note = QLabel()
        self.note.setObjectName("note")
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.holders = QTreeWidget()
        self.holders.setColumnCount(2)
        self.holders.setHeaderLabels(["User", "Through"])
        self.holders.setRootIsDecorated(False)
        rows: tuple[tuple[str, str, QWidget], ...] = (
            (NAME, "Name", self.name),
            (DESCRIPTION, "Description", self.description),
        )
        row = 0
        for field, label, widget in rows:
            grid.addWidget(caption(label, widget), row, 0)
            grid.addWidget(widget, row, 1)
            self.errors.add(grid, field, widget, row + 1, 1)
            row += 2
        grid.addWidget(caption("Find a right", self.rights_filter), row, 0)
        grid.addWidget(self.rights_filter, row, 1)
        grid.addWidget(caption("Rights", self.rights), row + 1, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.rights, row + 1, 1)
        self.errors.add(grid, RIGHTS, self.rights, row + 2, 1)
        grid.addWidget(self.note, row + 3, 1)
        grid.addWidget(caption("Held by", self.holders), row + 4, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.holders, row + 4, 1)
        grid.setRowStretch(row + 1, 3)
        grid.setRowStretch(row + 4, 1)
        column.addLayout(grid, 1)

        buttons = QHBoxLayout()
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        self.who_button = QPushButton("Who has this right?")
        self.who_button.setToolTip("The users who hold a right or role, with a CSV export")
        self.who_button.clicked.connect(self.who_has)
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.reject)
        for button in (self.active_button, self.who_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)
        active_errors = QGridLayout()
        self.errors.add(active_errors, ACTIVE, self.active_button, 0, 0)
        column.addLayout(active_errors)
        for edit in (self.name, self.description):
            edit.textEdited.connect(lambda _text: self._update_buttons())
        return column

    def _fill_tree(self) -> None:
        """A row for each group, tri-state from its rights, and a checkbox for each right."""
        self.right_items: dict[Right, QTreeWidgetItem] = {}
        self.group_items: dict[RightGroup, QTreeWidgetItem] = {}
        for group in RightGroup:
            parent = QTreeWidgetItem(self.rights, [group.value])
            parent.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsUserCheckable
                | Qt.ItemFlag.ItemIsAutoTristate
            )
            self.group_items[group] = parent
        for right in Right:
            info = CATALOG[right]
            item = QTreeWidgetItem(self.group_items[info.group], [info.label])
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, KEY, right.value)
            item.setToolTip(0, f"{info.description} ({right.value})")
            self.right_items[right] = item
        self.rights.expandAll()

    # What the form holds

    def form(self) -> Form:
        ticked = frozenset(
            r for r, item in self.right_items.items() if item.checkState(0) == Qt.CheckState.Checked
        )
        return Form(self.name.text(), self.description.text(), ticked)

    def is_dirty(self) -> bool:
        """Edits that Save would store: a changed role, or a role not stored yet (a copy is
        one from the start)."""
        if self.new_shown:
            return self.copy_of is not None or self.form() != BLANK
        return self.detail is not None and self.form() != self.loaded

    def filter_rights(self, text: str) -> None:
        """Only the rights whose name, description or key has ``text``; a group with none
        left is hidden."""
        wanted = text.strip().casefold()
        shown: dict[RightGroup, int] = dict.fromkeys(RightGroup, 0)
        for right, item in self.right_items.items():
            info = CATALOG[right]
            haystack = f"{info.label} {info.description} {right.value} {info.group.value}"
            hide = bool(wanted) and wanted not in haystack.casefold()
            item.setHidden(hide)
            shown[info.group] += not hide
        for group, parent in self.group_items.items():
            parent.setHidden(shown[group] == 0)

    # The role list

    def refresh(self, then_show: int | None = None) -> None:
        """Read the role list again; then show ``then_show`` (a role's id), or keep the one
        shown."""
        keep = then_show if then_show is not None else (self.detail.id if self.detail else None)
        active_only = self.active_only.isChecked()
        self.runner.run(
            self.workplace,
            lambda work: role_setup(work).list_roles(active_only=active_only),
            lambda roles: self._listed(roles, keep),
            failed=lambda error: show_error(self, "Cannot show the roles", error),
            parent=self,
        )

    def _filter_changed(self, on: bool) -> None:
        """A new list may leave out the role being edited: its edits are asked about first."""

        def back() -> None:
            self.active_only.blockSignals(True)
            self.active_only.setChecked(not on)
            self.active_only.blockSignals(False)

        self.when_may_leave(self.refresh, back)

    def _listed(self, roles: list[RoleSummary], keep: int | None) -> None:
        self.summaries = roles
        self._filling = True
        chosen = refill(self.role_list, (_role_row(role) for role in roles), keep)
        if chosen is None and self.role_list.count() and not self.new_shown:
            chosen = self.role_list.item(0)
        if chosen is not None and not self.new_shown:
            self.role_list.setCurrentItem(chosen)
        self._filling = False
        if chosen is None or self.new_shown:
            return
        role_id = row_id(chosen)
        if self.detail is None or self.detail.id != role_id:
            self.load(role_id)

    def _chosen(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if self._filling or current is None:
            return
        role_id = row_id(current)
        if self.detail is not None and self.detail.id == role_id:
            return

        def go() -> None:
            self.load(role_id)

        def stay() -> None:
            if previous is not None:
                self._filling = True
                self.role_list.setCurrentItem(previous)
                self._filling = False

        self.when_may_leave(go, stay)

    def when_may_leave(self, then: Callable[[], None], otherwise: Callable[[], None]) -> None:
        """Go on with ``then`` once unsaved edits are saved or given up; ``otherwise`` when
        the operator chose to stay."""
        if not self.is_dirty():
            then()
            return
        who = f"the role {self.detail.name}" if self.detail is not None else "the new role"
        answer = dialogs.ask_unsaved(self, who)
        if answer is Unsaved.DISCARD:
            then()
        elif answer is Unsaved.SAVE:
            otherwise()  # the list shows the role being saved until the save is in
            self.save(then=then)
        else:
            otherwise()

    def load(self, role_id: int) -> None:
        self.runner.run(
            self.workplace,
            lambda work: role_setup(work).load(role_id),
            self._show,
            failed=lambda error: show_error(self, "Cannot show the role", error),
            parent=self,
        )

    # Showing a role

    def _show(self, detail: RoleDetail | None, *, new: Form | None = None) -> None:
        """Show a stored role (None: nothing), or with ``new`` a role not stored yet."""
        self.detail = detail
        self.new_shown = new is not None
        if new is None:
            self.copy_of = None
        self.errors.clear()
        form = new or (Form(detail.name, detail.description, detail.rights) if detail else BLANK)
        self._filling = True
        self.name.setText(form.name)
        self.description.setText(form.description)
        for right, item in self.right_items.items():
            item.setCheckState(
                0, Qt.CheckState.Checked if right in form.rights else Qt.CheckState.Unchecked
            )
        self._filling = False
        self.loaded = form
        if detail is not None:
            self.heading.setText(f"Role - {detail.name}" + ("" if detail.active else " - inactive"))
            self._select(detail.id)
        elif new is not None:
            source = self.copy_of
            self.heading.setText(f"New Role (copy of {source.name})" if source else "New Role")
        else:
            self.heading.setText("")
        self._show_holders(detail.holders if detail is not None else ())
        self._update_buttons()

    def _select(self, role_id: int) -> None:
        """The list shows the role the form shows."""
        self._filling = True
        for row in range(self.role_list.count()):
            item = self.role_list.item(row)
            if row_id(item) == role_id:
                self.role_list.setCurrentItem(item)
        self._filling = False

    def _show_holders(self, holders: tuple[Holder, ...]) -> None:
        self.holders.clear()
        for holder in holders:
            who = f"{holder.name} ({holder.user_id})" + ("" if holder.active else " - inactive")
            QTreeWidgetItem(self.holders, [who, holder.through])
        self.holders.resizeColumnToContents(0)

    def _update_buttons(self) -> None:
        detail = self.detail
        new = self.new_shown
        may_change = new or (detail is not None and detail.editable)
        administrator = detail is not None and detail.is_administrator
        built_in = detail is not None and detail.built_in is not None
        self.name.setReadOnly(not may_change or built_in)
        self.description.setReadOnly(not may_change)
        held = self.context.actor.rights
        filling, self._filling = self._filling, True  # a flag set is an itemChanged too
        for right, item in self.right_items.items():
            # Only what the operator holds may be ticked; what they lack stays as it is.
            enabled = may_change and not administrator and right in held
            flags = Qt.ItemFlag.ItemIsUserCheckable | (
                Qt.ItemFlag.ItemIsEnabled if enabled else Qt.ItemFlag.NoItemFlags
            )
            if item.flags() != flags:
                item.setFlags(flags)
        for group, parent in self.group_items.items():
            # A group's box ticks every right in it, those that cannot be ticked too: it may
            # be clicked only when each of them may.
            every = all(
                item.flags() & Qt.ItemFlag.ItemIsEnabled
                for right, item in self.right_items.items()
                if right.group is group
            )
            flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsAutoTristate
            if every:
                flags |= Qt.ItemFlag.ItemIsUserCheckable
            if parent.flags() != flags:
                parent.setFlags(flags)
        self._filling = filling
        self.note.setText(
            ADMINISTRATOR_NOTE
            if administrator
            else STRONGER
            if detail is not None and not detail.editable
            else ""
        )
        self.note.setVisible(bool(self.note.text()))
        self.save_button.setEnabled(may_change and (new or self.is_dirty()))
        self.copy_button.setEnabled(detail is not None and detail.editable)
        self.active_button.setEnabled(
            detail is not None and detail.editable and not (built_in and detail.active)
        )
        active = detail is None or detail.active
        self.active_button.setText("Deactivate" if active else "Activate")
        self.active_button.setAccessibleName(self.active_button.text())

    def _ticked(self, _item: QTreeWidgetItem, _column: int) -> None:
        if not self._filling:
            self._update_buttons()

    # New, Copy, Save, Deactivate

    def new_role(self) -> None:
        self.when_may_leave(lambda: self._start_new(BLANK, None), lambda: None)

    def copy_role(self) -> None:
        """Copy Role: a new role's form with every right and the description of the role
        shown; stored only by Save."""
        source = self.detail
        if source is None:
            return
        form = Form(f"Copy of {source.name}"[:60], source.description, source.rights)
        self.when_may_leave(lambda: self._start_new(form, source), lambda: None)

    def _start_new(self, form: Form, source: RoleDetail | None) -> None:
        self.copy_of = source
        self._show(None, new=form)
        self._filling = True
        self.role_list.setCurrentRow(-1)
        self._filling = False
        self.name.setFocus()
        self.name.selectAll()

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Store the role shown (or the new one) in one transaction; its refusals beside the
        fields."""
        form = self.form()
        detail, source = self.detail, self.copy_of
        if detail is None and not self.new_shown:
            return

        def job(roles: RoleSetup) -> RoleDetail:
            if detail is not None:
                return roles.save(
                    detail.id,
                    detail.version,
                    name=form.name,
                    description=form.description,
                    rights=form.rights,
                )
            made = (
                roles.copy(source.id, form.name)
                if source is not None
                else roles.create(form.name, form.description)
            )
            return roles.save(made.id, made.version, description=form.description,
                              rights=form.rights)  # fmt: skip

        def saved(stored: RoleDetail) -> None:
            self._show(stored)
            self.refresh(then_show=stored.id)
            if then is not None:
                then()

        self.runner.run(
            self.workplace,
            lambda work: job(role_setup(work)),
            saved,
            failed=self._refused,
            busy=(self.save_button,),
            parent=self,
        )

    def toggle_active(self) -> None:
        detail = self.detail
        if detail is None:
            return
        active = not detail.active
        if not active and not dialogs.confirm(
            self,
            "Deactivate Role",
            f"Deactivate the role {detail.name}?",
            f"Its {len(detail.holders)} holders lose its rights at once. The role is kept, "
            "and Activate gives them back.",
            "Deactivate",
        ):
            return

        def done(stored: RoleDetail) -> None:
            self._show(stored)
            self.refresh(then_show=stored.id)

        self.runner.run(
            self.workplace,
            lambda work: role_setup(work).set_active(detail.id, active, detail.version),
            done,
            failed=self._refused,
            busy=(self.active_button,),
            parent=self,
        )

    def _refused(self, error: UserSetupError) -> None:
        if isinstance(error, ValidationError):
            self._show_errors(error.errors)
        elif isinstance(error, ConflictError):
            dialogs.tell(self, "Changed by someone else", str(error))
        else:
            show_error(self, "Not saved", error)

    def _show_errors(self, errors: Mapping[str, str]) -> None:
        first = self.errors.show({k: v for k, v in errors.items() if self.errors.owns(k)})
        elsewhere = [m for n, m in errors.items() if not self.errors.owns(n)]
        if first is not None:
            first.setFocus()
        if elsewhere:
            dialogs.tell(self, "Not saved", "\n".join(elsewhere))

    # Who has this right?

    def who_has(self) -> None:
        chosen: Right | int | None = None
        current = self.rights.currentItem()
        if current is not None and current.data(0, KEY):
            chosen = Right(current.data(0, KEY))
        elif self.detail is not None:
            chosen = self.detail.id
        dialog = WhoHasRightDialog(self, self.runner, self.workplace, self.summaries, chosen)
        dialog.exec()

    # Closing

    def reject(self) -> None:
        """Close, Escape and the title bar's close: unsaved edits are asked about first."""
        if not self.is_dirty():
            super().reject()
            return
        self.when_may_leave(self._close_now, lambda: None)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.reject()

    def _close_now(self) -> None:
        self._show(None)  # saved or given up: nothing left to ask about
        super().reject()


def _role_row(role: RoleSummary) -> tuple[int, str, str]:
    """A role as the role list shows it: marked inactive or built in, counts in its tooltip."""
    marks = ("" if role.active else " (inactive)") + (" - built in" if role.built_in else "")
    tooltip = (
        f"{role.description or role.name}\n{role.rights_count} rights, "
        f"{role.holders} active holders"
    )
    return role.id, f"{role.name}{marks}", tooltip


__all__: list[Any] = ["RoleSetupDialog"]
