"""The User Groups dialog, driven through its real widgets (found by their accessible names),
with its jobs run inline: groups made, given roles and members, and app/'s refusals shown
beside the field they are about."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QToolBar,
    QToolButton,
    QWidget,
)

from app.access import Actor
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import rights_of
from app.roles.groups import GroupSetup
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.groups import make_group, make_role
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user
from tests.helpers.roles import SetupRole
from tests.helpers.window import close_window, open_window, practice_context, workplace_of
from ui.dialogs.user_groups import ASSIGN_ALL, MemberPicker, UserGroupsDialog
from ui.operations import InlineRunner
from ui.pages.base import PracticeContext

DELEGATE = frozenset(
    {Right.VIEW_USERS, Right.EDIT_USERS, Right.EDIT_GROUPS, Right.EDIT_ROLES, Right.SCHEDULE_VIEW}
)


def _context(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    rights: frozenset[Right] | None = None,
    *,
    fresh: bool = True,
    role: SetupRole = SetupRole.ADMINISTRATOR,
) -> PracticeContext:
    context = practice_context(database, company, clock, role=role)
    actor = context.actor
    if rights is not None:
        actor = Actor(actor.name, rights, actor.workstation, actor.user_pk)
    if fresh:
        actor = actor.with_password_at(clock())
    return replace(context, actor=actor)


def open_dialog(qtbot: Any, database: Database, context: PracticeContext) -> UserGroupsDialog:
    dialog = UserGroupsDialog(None, InlineRunner(), workplace_of(database, context), context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _items(widget: QListWidget) -> list[str]:
    return [widget.item(i).text() for i in range(widget.count())]


def _tick(widget: QListWidget, text: str) -> None:
    (item,) = [widget.item(i) for i in range(widget.count()) if widget.item(i).text() == text]
    item.setCheckState(Qt.CheckState.Checked)


def _press(qtbot: Any, dialog: QWidget, name: str) -> None:
    found = by_name(dialog, QPushButton, name)
    assert found.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(found, Qt.MouseButton.LeftButton)


def _error(dialog: QWidget, field: str) -> str:
    label = dialog.findChild(QLabel, f"{field}_error")
    assert label is not None
    return label.text() if label.isVisibleTo(dialog) else ""


def _stored(database: Database, company: CompanyInfo, clock: FixedClock, name: str) -> Any:
    with database.transaction() as session:
        return GroupSetup(session, company, dba(), clock).find(name)


@pytest.fixture
def scheduling(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    return make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])


def test_every_input_is_named_as_its_label_reads(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    for label in dialog.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            assert buddy.accessibleName() == label.text().rstrip(":")
    for box in dialog.findChildren(QCheckBox):
        assert box.accessibleName() == box.text()
    for name in ("Name", "Description"):
        by_name(dialog, QLineEdit, name)
    for name in ("Groups", "Roles", "Members"):
        by_name(dialog, QListWidget, name)


def test_a_group_is_made_with_a_role_and_given_members_through_the_picker(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
    scheduling: int,
) -> None:
    kim = add_user(database, company, clock, "kimberly", first_name="Kimberly", last_name="Fox")
    add_user(database, company, clock, "wcassady", first_name="Wes", last_name="Cassady")
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    _press(qtbot, dialog, "New Group")
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Name"), "Front Office")
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Description"), "The phones")
    _tick(by_name(dialog, QListWidget, "Roles"), "Scheduling")
    _press(qtbot, dialog, "Save")
    assert _items(by_name(dialog, QListWidget, "Groups")) == ["Front Office (0 members)"]

    def pick(picker: QWidget) -> None:
        assert isinstance(picker, MemberPicker)
        qtbot.keyClicks(by_name(picker, QLineEdit, "Search"), "fox")
        users = by_name(picker, QListWidget, "Users")
        shown = [users.item(i) for i in range(users.count()) if not users.item(i).isHidden()]
        assert [i.text() for i in shown] == ["Fox, Kimberly (kimberly)"]
        shown[0].setCheckState(Qt.CheckState.Checked)
        picker.accept()

    dialogs.do(pick)
    _press(qtbot, dialog, "Add Members")
    assert _items(by_name(dialog, QListWidget, "Members")) == ["Fox, Kimberly (kimberly)"]
    stored = _stored(database, company, clock, "Front Office")
    assert (stored.description, stored.roles, [m.pk for m in stored.members]) == (
        "The phones",
        ("Scheduling",),
        [kim],
    )
    with database.transaction() as session:
        sources = rights_of(session, company.id, kim).sources[Right.SCHEDULE_VIEW]
    assert [str(s) for s in sources] == ["Front Office group → Scheduling role"]


def test_assign_all_asks_first_then_adds_every_active_user(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    for user_id in ("kimberly", "wcassady", "dnguyen"):
        add_user(database, company, clock, user_id)
    make_group(database, company, clock, "Everyone")
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    dialogs.answer("Cancel")
    _press(qtbot, dialog, ASSIGN_ALL)
    assert _items(by_name(dialog, QListWidget, "Members")) == []
    dialogs.answer("Assign All")
    _press(qtbot, dialog, ASSIGN_ALL)
    assert len(_items(by_name(dialog, QListWidget, "Members"))) == 3
    assert dialogs.seen == ["Add every active user who is not yet a member to Everyone?"] * 2
    assert dialog.state.text() == "3 users added to Everyone."
    assert len(_stored(database, company, clock, "Everyone").members) == 3


def test_a_member_is_removed_and_a_group_deactivated_after_asking(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    wes = add_user(database, company, clock, "wcassady")
    make_group(database, company, clock, "Front Office", members=[kim, wes])
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    members = by_name(dialog, QListWidget, "Members")
    members.item(0).setSelected(True)
    _press(qtbot, dialog, "Remove")
    assert len(_items(members)) == 1
    dialogs.answer("Deactivate")
    _press(qtbot, dialog, "Deactivate")
    stored = _stored(database, company, clock, "Front Office")
    assert (stored.active, len(stored.members)) == (False, 1)
    assert by_name(dialog, QPushButton, "Activate").isEnabled()
    assert _items(by_name(dialog, QListWidget, "Groups")) == ["Front Office [inactive] (1 member)"]


def test_a_name_taken_is_refused_beside_the_name(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_group(database, company, clock, "Front Office")
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    _press(qtbot, dialog, "New Group")
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Name"), "FRONT OFFICE")
    _press(qtbot, dialog, "Save")
    assert _error(dialog, "name") == "A group named “Front Office” exists already."
    assert _items(by_name(dialog, QListWidget, "Groups")) == ["Front Office (0 members)"]


def test_a_role_with_rights_the_operator_lacks_is_refused_beside_the_roles(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    make_group(database, company, clock, "Front Office")
    dialog = open_dialog(qtbot, database, _context(database, company, clock, DELEGATE))
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Description"), "typed")
    _tick(by_name(dialog, QListWidget, "Roles"), "Billing")
    _press(qtbot, dialog, "Save")
    assert _error(dialog, "roles") == (
        "You cannot give rights you do not hold yourself: Post charges and payments."
    )
    stored = _stored(database, company, clock, "Front Office")
    assert (stored.roles, stored.description) == ((), "")  # one transaction: nothing saved


def test_a_password_entered_long_ago_is_asked_for_again(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
    scheduling: int,
) -> None:
    make_group(database, company, clock, "Front Office")
    context = _context(database, company, clock)
    context = replace(context, actor=context.actor.with_password_at(clock() - timedelta(hours=1)))
    dialog = open_dialog(qtbot, database, context)
    _tick(by_name(dialog, QListWidget, "Roles"), "Scheduling")
    dialogs.answer("OK")
    _press(qtbot, dialog, "Save")
    assert "enter your password again" in dialogs.seen[0]
    assert _stored(database, company, clock, "Front Office").roles == ()


def test_the_front_desk_sees_the_groups_but_can_change_nothing(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_group(database, company, clock, "Front Office")
    context = _context(database, company, clock, role=SetupRole.FRONT_DESK)
    dialog = open_dialog(qtbot, database, context)
    assert _items(by_name(dialog, QListWidget, "Groups")) == ["Front Office (0 members)"]
    for name in ("Save", "New Group", "Add Members", "Remove", ASSIGN_ALL, "Deactivate"):
        assert not by_name(dialog, QPushButton, name).isEnabled(), name
    assert not by_name(dialog, QLineEdit, "Name").isEnabled()
    assert not by_name(dialog, QListWidget, "Roles").isEnabled()


def test_an_inactive_role_can_be_kept_but_not_newly_ticked(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_role(database, company, clock, "Old Role", [Right.SCHEDULE_VIEW], active=False)
    make_group(database, company, clock, "Front Office")
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    roles = by_name(dialog, QListWidget, "Roles")
    (old,) = [
        roles.item(i) for i in range(roles.count()) if roles.item(i).text() == "Old Role (inactive)"
    ]
    assert not old.flags() & Qt.ItemFlag.ItemIsEnabled


def test_inactive_groups_are_listed_when_asked(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_group(database, company, clock, "Front Office")
    old = make_group(database, company, clock, "Old Group")
    with database.transaction() as session:
        GroupSetup(session, company, dba(), clock).set_active(old, False)
    dialog = open_dialog(qtbot, database, _context(database, company, clock))
    groups = by_name(dialog, QListWidget, "Groups")
    assert _items(groups) == ["Front Office (0 members)"]
    by_name(dialog, QCheckBox, "Show inactive groups").setChecked(True)
    assert _items(groups) == ["Front Office (0 members)", "Old Group [inactive] (0 members)"]


# From the window


def test_the_practice_button_fits_a_1024_pixel_window_and_opens_both_dialogs(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    window = open_window(database, company, clock, qtbot, size=(1024, 700))
    try:
        button = window.findChild(QToolButton, "practice")
        assert button is not None and button.accessibleName() == "Practice"
        assert button.isVisible()  # not pushed into the toolbar's overflow
        toolbar = window.findChild(QToolBar, "actions")
        assert toolbar is not None
        assert toolbar.rect().contains(button.geometry())
        menu = button.menu()
        assert [a.text() for a in menu.actions()] == [
            "Role Setup...",
            "User Groups...",
            "Department List...",
            "Catalogs",  # a submenu of the catalog editors
            "EPCS Approvals...",
            "",  # the separator before the company's own settings
            "Company Settings...",
        ]
        opened: list[str] = []

        def close(dialog: QWidget) -> None:
            opened.append(type(dialog).__name__)
            dialog.close()

        for action in menu.actions()[1:3]:
            dialogs.do(close)
            action.trigger()
        assert opened == ["UserGroupsDialog", "DepartmentsDialog"]
    finally:
        close_window(window, dialogs)


def test_the_front_desk_has_no_practice_button(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    window = open_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        assert window.findChild(QToolButton, "practice") is None
        window.user_groups()  # as a script would: nothing opens (and app/ refuses anyway)
        window.department_list()
    finally:
        close_window(window, dialogs)
