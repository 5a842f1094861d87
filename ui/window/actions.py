"""The window's actions: the toolbar, the keyboard shortcuts, the list's context menu.

The section buttons come from app.sections.registry: a section with an icon gets one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from app.access import Actor, Right
from app.sections.registry import SECTIONS
from app.users.records import UserRecord
from ui.widgets.icons import icon


def make_action(
    window: QMainWindow,
    text: str,
    icon_name: str,
    tip: str,
    slot: Callable[[], object],
    keys: QKeySequence | None = None,
) -> QAction:
    action = QAction(icon(icon_name), text, window)
    action.setToolTip(
        f"{tip} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})" if keys else tip
    )
    if keys is not None:
        action.setShortcut(keys)
    action.triggered.connect(lambda: slot())  # not slot(checked): the slot's own defaults
    window.addAction(action)
    return action


# The catalog editors (ui.window.catalogs): their menu items, the Kind each opens, and a tip.
CATALOG_EDITORS = (
    ("Fax Numbers...", "fax", "The practice's fax numbers, with a label for each"),
    ("Resources...", "resource", "Providers, rooms and machines that appointments book"),
    ("Note Types...", "note-type", "The screens and note types that may need a sign-off"),
    (
        "Chart Tabs and Templates...",
        "template",
        "The chart tabs, their template categories and templates",
    ),
)


def takes_part_in_epcs(actor: Actor) -> bool:
    """Does the operator see the pending EPCS approvals (an enroller or an approver)?"""
    return actor.may(Right.EPCS_APPROVER) or actor.may(Right.EPCS_ENROLLER)


class Slots(Protocol):
    """What the actions do: the window's methods of these names."""

    def new_user(self) -> None: ...
    def copy_user(self) -> None: ...
    def save(self) -> None: ...
    def toggle_active(self) -> None: ...
    def reset_password(self) -> None: ...
    def unlock_user(self) -> None: ...
    def company_settings(self) -> None: ...
    def user_groups(self) -> None: ...
    def department_list(self) -> None: ...
    def role_setup(self) -> None: ...
    def epcs_approvals(self) -> None: ...
    def edit_catalog(self, kind: str) -> None: ...
    def refresh(self) -> None: ...
    def focus_search(self) -> None: ...
    def show_section(self, key: str) -> None: ...


@dataclass
class WindowActions:
    new: QAction
    copy: QAction
    save: QAction
    active: QAction
    reset: QAction
    unlock: QAction
    settings: QAction
    roles: QAction  # Role Setup
    refresh: QAction
    epcs: QAction  # Pending EPCS approvals
    sections: dict[str, QAction]  # a button for each section with an icon, by its key
    groups: QAction  # User Groups..., in the Groups button's menu
    departments: QAction  # Department List..., in the same menu
    catalogs: dict[str, QAction]  # the Practice menu's Catalogs submenu, by app's Kind value

    def update(self, record: UserRecord | None, actor: Actor, *, dirty: bool) -> None:
        """What may be done now to the user shown: the rules of app.access, mirrored."""
        edit = actor.may(Right.EDIT_USERS)
        self.new.setEnabled(edit)
        self.copy.setEnabled(edit and record is not None)
        oneself = record is not None and record.pk == actor.user_pk
        self.active.setEnabled(edit and record is not None and not oneself)
        self.save.setEnabled(edit and dirty)
        # Resetting or unlocking takes over a sign-in: never of someone who may do more.
        may_help = (
            record is not None
            and actor.may(Right.RESET_PASSWORDS)
            and (not record.administrative or actor.may(Right.EDIT_ROLES))
        )
        self.reset.setEnabled(may_help)
        locked = record is not None and (
            record.fields.login_locked or record.locked_until is not None
        )
        self.unlock.setEnabled(may_help and locked)
        self.settings.setEnabled(actor.may(Right.COMPANY_SETTINGS))
        self.groups.setEnabled(actor.may(Right.EDIT_GROUPS))
        self.departments.setEnabled(actor.may(Right.EDIT_GROUPS))
        for action in self.catalogs.values():
            action.setEnabled(actor.may(Right.EDIT_CATALOGS))
        self.roles.setEnabled(actor.may(Right.EDIT_ROLES))
        self.epcs.setEnabled(takes_part_in_epcs(actor))
        active = record is None or record.fields.active
        self.active.setText("Deactivate" if active else "Activate")
        self.active.setIcon(icon("user-deactivate" if active else "user-activate"))
        self.active.setToolTip(
            "You cannot deactivate your own account; ask another Administrator"
            if oneself and active
            else "Deactivate the selected user (users are never deleted)"
            if active
            else "Activate the selected user again"
        )


def build_actions(window: QMainWindow, slots: Slots, actor: Actor) -> WindowActions:
    """The toolbar of the window, in the classic order, with its shortcuts. The practice's
    lists (Role Setup, User Groups, the Department List, EPCS approvals, Company Settings)
    share one Practice button (a menu), so that the toolbar still fits a window 1024 pixels
    wide with every section's button; it holds only what the operator may use."""
    toolbar = QToolBar("Actions")
    toolbar.setObjectName("actions")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    window.addToolBar(toolbar)
    standard = QKeySequence.StandardKey
    actions = WindowActions(
        new=make_action(
            window, "New User", "user-new", "Add a user with an empty form", slots.new_user,
            QKeySequence(standard.New),
        ),
        copy=make_action(
            window, "Copy User", "user-copy",
            "Add a user with the settings of the selected user (recommended)", slots.copy_user,
        ),
        save=make_action(
            window, "Save", "save", "Save all changes to this user", slots.save,
            QKeySequence(standard.Save),
        ),
        active=make_action(
            window, "Deactivate", "user-deactivate",
            "Deactivate the selected user (users are never deleted)", slots.toggle_active,
        ),
        reset=make_action(
            window, "Reset Password...", "key",
            "Give the selected user a temporary password, and unlock them if locked",
            slots.reset_password, QKeySequence("Ctrl+R"),
        ),
        unlock=make_action(
            window, "Unlock", "unlock", "Unlock the selected user after too many failed sign-ins",
            slots.unlock_user,
        ),
        settings=make_action(
            window, "Company Settings...", "settings",
            "Password rules, temporary passwords, lockout and idle time for the practice",
            slots.company_settings,
        ),
        roles=make_action(
            window, "Role Setup...", "role-setup",
            "Roles and the rights they give; who holds a right", slots.role_setup,
        ),
        refresh=make_action(
            window, "Refresh", "refresh", "Reload the user list and this user from the database",
            # F5 itself: the standard Refresh is also Ctrl+R on GNOME and Cmd+R on macOS,
            # which is Reset Password's, and a shortcut two actions share does nothing.
            slots.refresh, QKeySequence("F5"),
        ),
        epcs=make_action(
            window, "EPCS Approvals...", "epcs",
            "Grants and revocations of controlled-substance prescribing waiting for a second "
            "person's approval", slots.epcs_approvals,
        ),
        sections={
            s.key: make_action(
                window, s.title, s.icon, s.tooltip, partial(slots.show_section, s.key)
            )
            for s in SECTIONS
            if s.icon
        },
        groups=make_action(
            window, "User Groups...", "groups",
            "Groups of users who hold the group's roles; Assign all users to a group",
            slots.user_groups,
        ),
        departments=make_action(
            window, "Department List...", "groups", "Add, rename and deactivate departments",
            slots.department_list,
        ),
        catalogs={
            kind: make_action(window, text, "blank", tip, partial(slots.edit_catalog, kind))
            for text, kind, tip in CATALOG_EDITORS
        },
    )  # fmt: skip
    for action in actions.catalogs.values():  # with or without a user shown
        action.setEnabled(actor.may(Right.EDIT_CATALOGS))
    for action in (actions.new, actions.copy, actions.save):
        toolbar.addAction(action)
    toolbar.addSeparator()
    for action in (actions.reset, actions.unlock, actions.active):
        toolbar.addAction(action)
    toolbar.addSeparator()
    for action in actions.sections.values():
        toolbar.addAction(action)
    toolbar.addSeparator()
    toolbar.addAction(actions.refresh)
    shown = [
        action
        for action, may in (
            (actions.roles, actor.may(Right.EDIT_ROLES)),
            (actions.groups, actor.may(Right.EDIT_GROUPS)),
            (actions.departments, actor.may(Right.EDIT_GROUPS)),
            (_catalogs_menu(window, actions), actor.may(Right.EDIT_CATALOGS)),
            (actions.epcs, takes_part_in_epcs(actor)),
            (actions.settings, actor.may(Right.COMPANY_SETTINGS)),
        )
        if may
    ]
    if shown:
        toolbar.addWidget(_practice_button(window, shown))
    find = QAction("Find User", window)
    find.setShortcut(QKeySequence(standard.Find))
    find.triggered.connect(slots.focus_search)
    window.addAction(find)
    return actions


def _catalogs_menu(window: QMainWindow, actions: WindowActions) -> QAction:
    """The Practice menu's "Catalogs" item: a submenu of the catalog editors."""
    menu = QMenu("Catalogs", window)
    menu.setObjectName("catalogs")
    for action in actions.catalogs.values():
        menu.addAction(action)
    return menu.menuAction()


def _practice_button(window: QMainWindow, items: list[QAction]) -> QToolButton:
    """ "Practice": a toolbar button whose menu opens the practice's lists and settings."""
    menu = QMenu(window)
    for action in items:
        if action.text() == "Company Settings...":
            menu.addSeparator()
        menu.addAction(action)
    button = QToolButton(window)
    button.setObjectName("practice")
    button.setText("Practice")
    button.setAccessibleName("Practice")
    button.setIcon(icon("settings"))
    button.setToolTip(
        "Roles, user groups, departments, catalogs, EPCS approvals and company settings"
    )
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # as the toolbar's own buttons: no tab stop
    button.setMenu(menu)
    return button
