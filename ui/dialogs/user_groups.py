"""User Groups: groups of users who hold the group's roles (iSalus has them).

The list of groups on the left; the group picked on the right: its Name, Description and
roles, saved together with Save, and its members, changed at once (Add Members..., Remove,
"Assign all users to this group"), each in a transaction of its own. Every rule is app/'s
(app.roles.groups); the dialog only mirrors the rights by disabling what may not be done, and
shows app/'s refusals beside the field they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.errors import UserSetupError, ValidationError
from app.roles.assignments import RoleChoice, role_choices
from app.roles.group_views import AssignedAll, GroupDetail, GroupSummary, Member, member_choices
from app.roles.groups import GroupSetup
from app.workplace import Work, Workplace
from ui.dialogs import messages as dialogs
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import FieldErrors, caption, fit_title
from ui.widgets.row_list import ROW_ID, refill, row_id

T = TypeVar("T")
ASSIGN_ALL = "Assign all users to this group"
SHOW_INACTIVE = "Show inactive groups"


def button(text: str) -> QPushButton:
    """A button named for screen readers (and tests) as it reads, without its dots."""
    made = QPushButton(text)
    made.setAccessibleName(text.rstrip("."))
    made.setAutoDefault(False)
    return made


@dataclass(frozen=True)
class Listing:
    """What the dialog shows first: the groups and the roles they may be given."""

    groups: list[GroupSummary]
    roles: list[RoleChoice]


def _listing(work: Work) -> Listing:
    setup = GroupSetup(work.session, work.company, work.actor, work.clock)
    return Listing(setup.list_groups(), role_choices(work.session, work.company))


class MemberPicker(QDialog):
    """A searchable list of the practice's active users, ticked to be added."""

    def __init__(self, parent: QWidget, choices: list[Member], members: set[int]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add Members")
        layout = QVBoxLayout(self)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type part of a name or User ID")
        self.search.setClearButtonEnabled(True)
        row = QHBoxLayout()
        row.addWidget(caption("Search", self.search))
        row.addWidget(self.search)
        layout.addLayout(row)
        self.users = QListWidget()
        self.users.setAccessibleName("Users")
        for choice in choices:
            if choice.pk in members:
                continue
            item = QListWidgetItem(choice.label)
            item.setData(ROW_ID, choice.pk)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.users.addItem(item)
        layout.addWidget(self.users)
        self.search.textChanged.connect(self._filter)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 480)

    def _filter(self, text: str) -> None:
        words = text.casefold().split()
        for index in range(self.users.count()):
            item = self.users.item(index)
            label = item.text().casefold()
            item.setHidden(not all(word in label for word in words))

    def chosen(self) -> list[int]:
        """The users ticked (whether or not the search shows them now)."""
        return [
            row_id(self.users.item(i))
            for i in range(self.users.count())
            if self.users.item(i).checkState() == Qt.CheckState.Checked
        ]


class UserGroupsDialog(QDialog):
    """The practice's user groups, read and changed through the window's runner."""

    changed = Signal()  # something was stored: members' rights may differ now

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
        self.setWindowTitle(f"User Groups - {context.company.name} ({context.company.code})")
        fit_title(self)
        self.detail: GroupDetail | None = None  # the group shown; None: a new one
        self.roles: list[RoleChoice] = []
        self.errors = FieldErrors()
        may_edit = context.may(Right.EDIT_GROUPS)
        self.may_give_roles = may_edit and context.may(Right.EDIT_ROLES)

        splitter = QSplitter()
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        self.group_list = QListWidget()
        column.addWidget(caption("Groups", self.group_list))
        column.addWidget(self.group_list)
        self.show_inactive = QCheckBox(SHOW_INACTIVE)
        self.show_inactive.setAccessibleName(SHOW_INACTIVE)
        column.addWidget(self.show_inactive)
        self.new_button = button("New Group")
        column.addWidget(self.new_button)
        splitter.addWidget(left)

        right = QWidget()
        grid = QGridLayout(right)
        grid.setContentsMargins(0, 0, 0, 0)
        self.name = QLineEdit()
        self.name.setMaxLength(60)
        self.description = QLineEdit()
        self.description.setMaxLength(255)
        self.role_list = QListWidget()
        self.member_list = QListWidget()
        self.member_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.state = QLabel()
        self.state.setObjectName("group_state")
        rows: tuple[tuple[str, str, QWidget], ...] = (
            ("name", "Name", self.name),
            ("description", "Description", self.description),
            ("roles", "Roles", self.role_list),
            ("members", "Members", self.member_list),
        )
        for index, (field, label, widget) in enumerate(rows):
            grid.addWidget(caption(label, widget), 2 * index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(widget, 2 * index, 1)
            self.errors.add(grid, field, widget, 2 * index + 1, 1)
        member_buttons = QHBoxLayout()
        self.add_members_button = button("Add Members...")
        self.remove_button = button("Remove")
        self.assign_all_button = button(ASSIGN_ALL)
        for b in (self.add_members_button, self.remove_button, self.assign_all_button):
            member_buttons.addWidget(b)
        member_buttons.addStretch(1)
        grid.addLayout(member_buttons, 8, 1)
        grid.addWidget(self.state, 9, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(6, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        bottom = QHBoxLayout()
        self.active_button = button("Deactivate")
        self.save_button = button("Save")
        self.save_button.setDefault(True)
        self.close_button = button("Close")
        bottom.addWidget(self.active_button)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.close_button)
        layout.addLayout(bottom)
        self.resize(820, 560)

        self.edits: tuple[QWidget, ...] = (
            self.name,
            self.description,
            self.save_button,
            self.new_button,
            self.add_members_button,
            self.remove_button,
            self.assign_all_button,
            self.active_button,
        )
        for widget in self.edits:
            widget.setEnabled(may_edit)
        self.role_list.setEnabled(self.may_give_roles)
        if not self.may_give_roles:
            self.role_list.setToolTip("Giving a group roles needs “Edit roles and rights”.")
        self.may_edit = may_edit

        self.group_list.currentItemChanged.connect(self._picked)
        self.show_inactive.toggled.connect(lambda _: self.reload())
        self.new_button.clicked.connect(self.new_group)
        self.save_button.clicked.connect(self.save)
        self.add_members_button.clicked.connect(self.add_members)
        self.remove_button.clicked.connect(self.remove_members)
        self.assign_all_button.clicked.connect(self.assign_all)
        self.active_button.clicked.connect(self.toggle_active)
        self.close_button.clicked.connect(self.accept)
        self.reload()

    # Reading

    def _run(
        self,
        job: Callable[[Work], T],
        done: Callable[[T], object],
        failed: Callable[[UserSetupError], object] | None = None,
    ) -> None:
        # Held off while a job runs, then given back: only to someone who may use them.
        busy = self.edits if self.may_edit else ()
        self.runner.run(
            self.workplace, job, done, failed=failed or self._failed, busy=busy, parent=self
        )

    def reload(self, select: int | None = None) -> None:
        """Read the groups and roles again; show ``select`` (else the group shown, else the
        first one)."""
        wanted = select if select is not None else (self.detail.id if self.detail else None)
        self._run(_listing, lambda listing: self._listed(listing, wanted))

    def _listed(self, listing: Listing, wanted: int | None) -> None:
        self.roles = listing.roles
        self.group_list.blockSignals(True)
        shown = (
            _group_row(group)
            for group in listing.groups
            if group.active or self.show_inactive.isChecked() or group.id == wanted
        )
        chosen = refill(self.group_list, shown, wanted)
        if chosen is None and self.group_list.count():
            chosen = self.group_list.item(0)
        self.group_list.blockSignals(False)
        if chosen is not None:
            self.group_list.setCurrentItem(chosen)
            self._load(row_id(chosen))
        else:
            self.new_group()

    def _picked(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self._load(row_id(item))

    def _load(self, group_id: int) -> None:
        self._run(
            lambda work: GroupSetup(work.session, work.company, work.actor, work.clock).load(
                group_id
            ),
            self.show_group,
        )

    def show_group(self, detail: GroupDetail | None) -> None:
        """Fill the form with the group (None: an empty form for a new one)."""
        self.detail = detail
        self.name.setText(detail.name if detail else "")
        self.description.setText(detail.description if detail else "")
        self._fill_roles(detail.role_ids if detail else frozenset())
        self._show_members(detail)
        self.errors.clear()

    def _fill_roles(self, given: frozenset[int]) -> None:
        self.role_list.clear()
        for role in self.roles:
            item = QListWidgetItem(role.name + ("" if role.active else " (inactive)"))
            item.setData(ROW_ID, role.id)
            item.setToolTip(role.description)
            flags = Qt.ItemFlag.ItemIsUserCheckable
            if role.active or role.id in given:  # an inactive role is never newly given
                flags |= Qt.ItemFlag.ItemIsEnabled
            item.setFlags(flags)
            item.setCheckState(
                Qt.CheckState.Checked if role.id in given else Qt.CheckState.Unchecked
            )
            self.role_list.addItem(item)

    def _show_members(self, detail: GroupDetail | None) -> None:
        """The members, the state line and the buttons of the group as now stored; the name,
        description and roles being typed are left as they are."""
        self.detail = detail
        self.member_list.clear()
        for member in detail.members if detail else ():
            item = QListWidgetItem(member.label)
            item.setData(ROW_ID, member.pk)
            self.member_list.addItem(item)
        stored = detail is not None
        for widget in (self.add_members_button, self.remove_button, self.assign_all_button):
            widget.setEnabled(self.may_edit and stored)
        self.active_button.setEnabled(self.may_edit and stored)
        active = detail is None or detail.active
        self.active_button.setText("Deactivate" if active else "Activate")
        self.active_button.setAccessibleName(self.active_button.text())
        if detail is None:
            self.state.setText("A new group: Save adds it; then add its members.")
        else:
            inactive = "" if detail.active else "Inactive: its members do not hold its roles. "
            self.state.setText(
                f"{inactive}Last changed {detail.updated_at:%Y-%m-%d %H:%M} UTC by "
                f"{detail.updated_by}"
            )

    def checked_roles(self) -> frozenset[int]:
        return frozenset(
            row_id(self.role_list.item(i))
            for i in range(self.role_list.count())
            if self.role_list.item(i).checkState() == Qt.CheckState.Checked
        )

    # Writing

    def new_group(self) -> None:
        self.group_list.blockSignals(True)
        self.group_list.setCurrentRow(-1)
        self.group_list.clearSelection()
        self.group_list.blockSignals(False)
        self.show_group(None)
        self.name.setFocus()

    def save(self) -> None:
        """Name, Description and the roles ticked, in one transaction."""
        name, description, roles = self.name.text(), self.description.text(), self.checked_roles()
        shown = self.detail

        def store(work: Work) -> GroupDetail:
            groups = GroupSetup(work.session, work.company, work.actor, work.clock)
            if shown is None:
                group = groups.create(name, description)
            else:
                group = groups.change(
                    shown.id, name=name, description=description, expected_version=shown.version
                )
            return groups.set_roles(group.id, roles, group.version)

        self._run(store, self._stored)

    def _stored(self, detail: GroupDetail) -> None:
        self.changed.emit()
        self.detail = detail
        self.reload(detail.id)

    def add_members(self) -> None:
        shown = self.detail
        if shown is None:
            return
        self._run(
            lambda work: member_choices(work.session, work.company),
            lambda choices: self._pick_members(shown, choices),
        )

    def _pick_members(self, shown: GroupDetail, choices: list[Member]) -> None:
        picker = MemberPicker(self, choices, {m.pk for m in shown.members})
        if picker.exec() != QDialog.DialogCode.Accepted or not picker.chosen():
            return
        pks = picker.chosen()
        self._run(
            lambda work: GroupSetup(work.session, work.company, work.actor, work.clock).add_members(
                shown.id, pks, shown.version
            ),
            self._members_changed,
        )

    def remove_members(self) -> None:
        shown = self.detail
        pks = [row_id(item) for item in self.member_list.selectedItems()]
        if shown is None or not pks:
            return
        self._run(
            lambda work: GroupSetup(
                work.session, work.company, work.actor, work.clock
            ).remove_members(shown.id, pks, shown.version),
            self._members_changed,
        )

    def assign_all(self) -> None:
        shown = self.detail
        if shown is None or not dialogs.confirm(
            self,
            ASSIGN_ALL,
            f"Add every active user who is not yet a member to {shown.name}?",
            "Each of them then holds the group's roles. Members can be removed again one by one.",
            "Assign All",
        ):
            return

        def assign(work: Work) -> tuple[AssignedAll, GroupDetail]:
            groups = GroupSetup(work.session, work.company, work.actor, work.clock)
            result = groups.assign_all(shown.id, shown.version)
            return result, groups.load(shown.id)

        def assigned(result: tuple[AssignedAll, GroupDetail]) -> None:
            done, detail = result
            self._members_changed(detail)
            users = f"{done.added} user" + ("" if done.added == 1 else "s")
            text = f"{users} added to {detail.name}."
            self.state.setText(f"{text} {done.note}" if done.note else text)

        self._run(assign, assigned)

    def _members_changed(self, detail: GroupDetail) -> None:
        self.changed.emit()
        self._show_members(detail)
        self.errors.clear()
        item = self.group_list.currentItem()
        if item is not None:
            n = len(detail.members)
            members = f"{n} member" + ("" if n == 1 else "s")
            item.setText(f"{detail.name}{'' if detail.active else ' [inactive]'} ({members})")

    def toggle_active(self) -> None:
        shown = self.detail
        if shown is None:
            return
        if shown.active and not dialogs.confirm(
            self,
            "Deactivate Group",
            f"Deactivate {shown.name}?",
            "Its members no longer hold its roles. The group and its members are kept, and "
            "Activate gives the roles back.",
            "Deactivate",
        ):
            return
        self._run(
            lambda work: GroupSetup(work.session, work.company, work.actor, work.clock).set_active(
                shown.id, not shown.active, shown.version
            ),
            self._stored,
        )

    def _failed(self, error: UserSetupError) -> None:
        self._show_members(self.detail)  # the buttons as the group shown allows
        if isinstance(error, ValidationError) and all(self.errors.owns(n) for n in error.errors):
            first = self.errors.show(error.errors)
            if first is not None:
                first.setFocus()
            return
        show_error(self, "Not done", error)


def _group_row(group: GroupSummary) -> tuple[int, str, str]:
    """A group as the group list shows it: marked inactive, with its member count."""
    members = f"{group.members} member" + ("" if group.members == 1 else "s")
    return group.id, f"{group.name}{'' if group.active else ' [inactive]'} ({members})", ""
