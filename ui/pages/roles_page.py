"""The Roles section: a user's roles and user groups as checklists, their department, and the
read-only "Effective rights" panel (every right they hold, and where each comes from).

The panel shows what is stored: it is read again with the user after every save. Ticking a
box changes nothing until Save, where app/ checks it (no right given that the operator lacks,
the base role kept, and so on) and says what is wrong beside the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from app.access import Right
from app.rights import CATALOG, RightGroup
from app.sections.registry import AnySection, section
from app.sections.roles import GroupItem, RoleItem, RolesEdit, RolesState
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.pages.epcs_panel import EpcsPanel
from ui.widgets.form import FieldErrors, caption, show_read_only

ROLES = "Roles"
GROUPS = "User Groups"
DEPARTMENT = "Department"
EFFECTIVE = "Effective rights"
EPCS = "EPCS (prescribing controlled substances)"
EFFECTIVE_NOTE = "Every right this user holds as saved, and where it comes from."
DEPARTMENT_NOTE = "Chosen in the User section."
ID_ROLE = Qt.ItemDataRole.UserRole
INACTIVE = " (inactive)"


def _checklist(name: str) -> QListWidget:
    checklist = QListWidget()
    checklist.setObjectName(name)
    checklist.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    checklist.setUniformItemSizes(True)
    return checklist


def _fill(checklist: QListWidget, items: tuple[RoleItem, ...] | tuple[GroupItem, ...]) -> None:
    """One checkable row per role (or group): its description as the tooltip, a deactivated
    one the user still has struck through and marked "(inactive)"."""
    checklist.blockSignals(True)  # filling is not an edit
    try:
        checklist.clear()
        for item in items:
            ticked = item.held if isinstance(item, RoleItem) else item.member
            row = QListWidgetItem(item.name if item.active else item.name + INACTIVE)
            row.setData(ID_ROLE, item.id)
            row.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            row.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            if item.description:
                row.setToolTip(item.description)
            if not item.active:
                font = row.font()
                font.setStrikeOut(True)
                row.setFont(font)
                row.setToolTip(
                    "Deactivated: gives no rights. Untick to take it away; it cannot be given anew."
                )
            checklist.addItem(row)
    finally:
        checklist.blockSignals(False)


def _ticked(checklist: QListWidget) -> frozenset[int]:
    return frozenset(
        int(checklist.item(i).data(ID_ROLE))
        for i in range(checklist.count())
        if checklist.item(i).checkState() == Qt.CheckState.Checked
    )


class RolesPage(SectionPage):
    section: ClassVar[AnySection] = section("roles")

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.state = RolesState()
        self._loaded = RolesEdit((), ())
        self._roles_editable = context.may(Right.EDIT_ROLES)
        self._groups_editable = context.may(Right.EDIT_GROUPS)

        outer = QHBoxLayout(self)
        grid = QGridLayout()
        self.roles = _checklist("roles")
        self.groups = _checklist("groups")
        self.department = QLineEdit()
        self.department.setObjectName("department")
        self.department.setToolTip(DEPARTMENT_NOTE)
        self.department.setProperty("always_read_only", True)
        show_read_only(self.department)
        grid.addWidget(caption(ROLES, self.roles), 0, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.roles, 1, 0)
        self.errors.add(grid, "roles", self.roles, 2, 0)
        grid.addWidget(caption(GROUPS, self.groups), 3, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.groups, 4, 0)
        self.errors.add(grid, "groups", self.groups, 5, 0)
        grid.addWidget(caption(DEPARTMENT, self.department), 6, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.department, 7, 0)
        grid.setRowStretch(1, 2)
        grid.setRowStretch(4, 1)
        outer.addLayout(grid, 2)

        panel = QVBoxLayout()
        self.effective = QTreeWidget()
        self.effective.setObjectName("effective_rights")
        self.effective.setColumnCount(2)
        self.effective.setHeaderLabels(["Right", "From"])
        self.effective.setToolTip(EFFECTIVE_NOTE)
        self.effective.setAlternatingRowColors(True)
        self.effective.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        panel.addWidget(caption(EFFECTIVE, self.effective), 0, Qt.AlignmentFlag.AlignLeft)
        panel.addWidget(self.effective, 1)
        note = QLabel(EFFECTIVE_NOTE)
        note.setWordWrap(True)
        panel.addWidget(note)
        # EPCS, for users linked to a provider: the state and, for enrollers, the requests.
        self.epcs = EpcsPanel(context)
        self.epcs_caption = caption(EPCS, self.epcs)
        panel.addWidget(self.epcs_caption, 0, Qt.AlignmentFlag.AlignLeft)
        panel.addWidget(self.epcs)
        outer.addLayout(panel, 3)

        self.roles.itemChanged.connect(lambda _item: self.edited.emit())
        self.groups.itemChanged.connect(lambda _item: self.edited.emit())

    # The page protocol

    def load(self, subject: Subject) -> None:
        state = subject.states.get(self.key)
        self.state = state if isinstance(state, RolesState) else RolesState()
        _fill(self.roles, self.state.roles)
        _fill(self.groups, self.state.groups)
        department = self.state.department or ""
        if department and not self.state.department_active:
            department += INACTIVE
        self.department.setText(department)
        self._show_effective()
        self._show_epcs(subject)
        self.errors.clear()
        self._loaded = self.collect()

    def _show_epcs(self, subject: Subject) -> None:
        """A registrant's EPCS state, read with the section (in the opening's transaction:
        one click, one transaction); nothing for a new user or one not linked to a provider."""
        record = subject.record
        linked = record is not None and record.fields.provider_id is not None
        self.epcs.setVisible(linked)
        self.epcs_caption.setVisible(linked)
        self.epcs.host = self.host
        if linked and self.state.epcs is not None:
            self.epcs.show(self.state.epcs)
        else:
            self.epcs.clear()

    def _show_effective(self) -> None:
        """The rights by group, as Role Setup groups them; each with every source."""
        tree = self.effective
        tree.clear()
        by_group: dict[RightGroup, QTreeWidgetItem] = {}
        for right, sources in self.state.effective.sources.items():
            group = by_group.get(right.group)
            if group is None:
                group = QTreeWidgetItem([right.group.value, ""])
                by_group[right.group] = group
            row = QTreeWidgetItem([right.label, "; ".join(str(s) for s in sources)])
            row.setToolTip(0, CATALOG[right].description)
            row.setData(0, ID_ROLE, right.value)
            group.addChild(row)
        for group_name in RightGroup:  # in the catalog's order
            if group_name in by_group:
                tree.addTopLevelItem(by_group[group_name])
        if not by_group:
            tree.addTopLevelItem(QTreeWidgetItem(["No rights", ""]))
        tree.expandAll()
        tree.resizeColumnToContents(0)

    def collect(self) -> RolesEdit:
        return RolesEdit(_ticked(self.roles), _ticked(self.groups))

    def is_dirty(self) -> bool:
        return self.collect() != self._loaded

    def edit(self, subject: Subject) -> RolesEdit | None:
        """The roles and groups ticked; a new user's always (they start with the base role),
        a stored user's only when changed."""
        if not (self._roles_editable or self._groups_editable):
            return None
        if not subject.is_new and not self.is_dirty():
            return None
        return self.collect()

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        first = self.errors.show(mine)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine)

    def set_read_only(self, read_only: bool) -> None:
        """Roles with "Edit roles and rights", groups with "Edit user groups and
        departments": a mirror of app/'s rules, which refuse whatever the page allows."""
        super().set_read_only(read_only)
        self.roles.setEnabled(not read_only and self._roles_editable)
        self.groups.setEnabled(self._groups_editable)

    def focus_first_field(self) -> None:
        self.roles.setFocus(Qt.FocusReason.OtherFocusReason)
