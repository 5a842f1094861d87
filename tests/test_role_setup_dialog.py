"""The Role Setup dialog and "Who has this right?", driven through their real widgets."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.db.database import Database
from app.errors import PasswordAgainError
from app.practice.company import CompanyInfo
from app.rights import CATALOG, Right, RightGroup
from app.roles.assignments import UserRoles
from app.roles.setup import RoleDetail, RoleSetup
from app.workplace import Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.window import open_window, practice_context, workplace_of
from ui.dialogs.role_setup import RoleSetupDialog
from ui.dialogs.who_has_right import WhoHasRightDialog
from ui.operations import InlineRunner
from ui.pages.base import PracticeContext


@pytest.fixture
def admin_pk(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    return add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR,
                    last_name="Reyes", first_name="Maria")  # fmt: skip


def context_for(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, role: SetupRole
) -> PracticeContext:
    """The window's context for an operator who entered their password just now."""
    context = practice_context(database, company, clock, role=role, user_pk=pk)
    return replace(context, actor=context.actor.with_password_at(clock()))


@pytest.fixture
def context(database, company, clock, admin_pk) -> PracticeContext:
    return context_for(database, company, clock, admin_pk, SetupRole.ADMINISTRATOR)


def stored(database: Database, company: CompanyInfo, clock: FixedClock, name: str) -> RoleDetail:
    def job(work: Any) -> RoleDetail:
        roles = RoleSetup(work.session, work.company, work.actor, work.clock)
        return roles.load(roles.find(name).id)

    return Workplace(database, company, dba(), clock).within(job)


@pytest.fixture
def clerk(database, company, clock) -> RoleDetail:
    """A Clerk role that may see the schedule, held by Ann Adams."""

    def job(work: Any) -> RoleDetail:
        roles = RoleSetup(work.session, work.company, work.actor, work.clock)
        made = roles.create("Clerk", "Front office")
        return roles.set_rights(made.id, [Right.SCHEDULE_VIEW])

    made = Workplace(database, company, dba(), clock).within(job)
    ann = add_user(database, company, clock, "ann", last_name="Adams", first_name="Ann")
    with database.transaction() as session:
        UserRoles(session, company, dba(), clock).set_roles(ann, [made.id])
    return made


def open_dialog(qtbot: Any, database: Database, context: PracticeContext) -> RoleSetupDialog:
    dialog = RoleSetupDialog(None, InlineRunner(), workplace_of(database, context), context)
    # what a test left unsaved is given up as it ends: no question while nobody answers
    qtbot.addWidget(dialog, before_close_func=lambda d: d._show(None))
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(qtbot: Any, dialog: RoleSetupDialog, name: str) -> None:
    """Click the role in the list, as a person would."""
    roles = by_name(dialog, QListWidget, "Roles")
    [item] = [
        roles.item(row) for row in range(roles.count()) if roles.item(row).text().startswith(name)
    ]
    rect = roles.visualItemRect(item)
    qtbot.mouseClick(roles.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.heading.text().startswith(f"Role - {name}")


def right_item(dialog: RoleSetupDialog, right: Right) -> QTreeWidgetItem:
    item = dialog.right_items[right]
    assert item.text(0) == right.label and item.parent() is not None
    return item


def tick(qtbot: Any, dialog: RoleSetupDialog, right: Right, on: bool = True) -> None:
    """Tick (or untick) the right's box in the tree with the keyboard, as a person may."""
    tree = by_name(dialog, QTreeWidget, "Rights")
    item = right_item(dialog, right)
    tree.setFocus()
    tree.setCurrentItem(item)
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    wanted = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
    assert item.checkState(0) == wanted


def button(dialog: QWidget, text: str) -> QPushButton:
    [found] = [b for b in dialog.findChildren(QPushButton) if b.text() == text]
    return found


def test_every_input_is_named_as_its_label(qtbot, database, context, clerk):
    dialog = open_dialog(qtbot, database, context)

    for kind, name in (
        (QListWidget, "Roles"),
        (QCheckBox, "Active only"),
        (QLineEdit, "Name"),
        (QLineEdit, "Description"),
        (QLineEdit, "Find a right"),
        (QTreeWidget, "Rights"),
        (QTreeWidget, "Held by"),
    ):
        widget = by_name(dialog, kind, name)
        labels = [
            label.text()
            for label in dialog.findChildren(QLabel)
            if label.buddy() is widget or isinstance(widget, QCheckBox)
        ]
        assert f"{name}:" in labels or (isinstance(widget, QCheckBox) and widget.text() == name)


def test_ticking_a_right_and_saving_stores_it(qtbot, database, company, clock, context, clerk):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    assert right_item(dialog, Right.SCHEDULE_VIEW).checkState(0) == Qt.CheckState.Checked
    save = button(dialog, "Save")
    assert not save.isEnabled()  # nothing to save yet

    tick(qtbot, dialog, Right.BILLING_VIEW)
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)

    assert stored(database, company, clock, "Clerk").rights == {
        Right.SCHEDULE_VIEW,
        Right.BILLING_VIEW,
    }
    assert not save.isEnabled()
    event = audit_events(database, prefix="role.")[-1]
    assert (event.action, event.operator) == ("role.changed", "mreyes (Reyes, Maria)")


def test_the_group_row_shows_some_of_its_rights_ticked(qtbot, database, context, clerk):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    tree = by_name(dialog, QTreeWidget, "Rights")
    groups = {tree.topLevelItem(i).text(0): tree.topLevelItem(i) for i in range(5)}

    assert groups[RightGroup.PRACTICE.value].checkState(0) == Qt.CheckState.PartiallyChecked
    assert groups[RightGroup.SECURITY.value].checkState(0) == Qt.CheckState.Unchecked
    choose(qtbot, dialog, "Administrator")
    assert groups[RightGroup.SECURITY.value].checkState(0) == Qt.CheckState.Checked


def test_the_holders_of_the_role_are_shown(qtbot, database, context, clerk):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")

    held = by_name(dialog, QTreeWidget, "Held by")
    rows = [(held.topLevelItem(i).text(0), held.topLevelItem(i).text(1))
            for i in range(held.topLevelItemCount())]  # fmt: skip
    assert rows == [("Adams, Ann (ann)", "Clerk role")]


def test_a_taken_name_is_refused_beside_the_name(qtbot, database, company, clock, context):
    dialog = open_dialog(qtbot, database, context)
    qtbot.mouseClick(button(dialog, "New Role"), Qt.MouseButton.LeftButton)
    name = by_name(dialog, QLineEdit, "Name")
    qtbot.keyClicks(name, "front desk")
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)

    assert dialog.errors.message("name") == "There is already a role named Front Desk."
    assert name.accessibleDescription() == "There is already a role named Front Desk."
    assert audit_events(database, prefix="role.") == []


def test_a_new_role_with_rights_is_stored_in_one_save(qtbot, database, company, clock, context):
    dialog = open_dialog(qtbot, database, context)
    qtbot.mouseClick(button(dialog, "New Role"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Name"), "Billing Clerk")
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Description"), "Charges")
    tick(qtbot, dialog, Right.BILLING_EDIT)
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)

    made = stored(database, company, clock, "Billing Clerk")
    assert (made.description, made.rights) == ("Charges", {Right.BILLING_EDIT})
    assert dialog.heading.text() == "Role - Billing Clerk"
    roles = by_name(dialog, QListWidget, "Roles")
    assert roles.currentItem().text() == "Billing Clerk"


def test_copy_role_makes_a_new_role_with_every_right(
    qtbot, database, company, clock, context, clerk
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    qtbot.mouseClick(button(dialog, "Copy Role"), Qt.MouseButton.LeftButton)
    name = by_name(dialog, QLineEdit, "Name")
    assert (dialog.heading.text(), name.text()) == ("New Role (copy of Clerk)", "Copy of Clerk")
    name.selectAll()
    qtbot.keyClicks(name, "Night Clerk")
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)

    copied = stored(database, company, clock, "Night Clerk")
    assert (copied.description, copied.rights) == ("Front office", {Right.SCHEDULE_VIEW})
    assert [e.action for e in audit_events(database, prefix="role.")][-1:] == ["role.copied"]


def test_typing_in_the_filter_narrows_the_tree(qtbot, database, context):
    dialog = open_dialog(qtbot, database, context)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Find a right"), "billing")
    tree = by_name(dialog, QTreeWidget, "Rights")

    shown = [
        tree.topLevelItem(g).child(c).text(0)
        for g in range(tree.topLevelItemCount())
        if not tree.topLevelItem(g).isHidden()
        for c in range(tree.topLevelItem(g).childCount())
        if not tree.topLevelItem(g).child(c).isHidden()
    ]
    hidden_groups = [
        tree.topLevelItem(g).text(0)
        for g in range(tree.topLevelItemCount())
        if tree.topLevelItem(g).isHidden()
    ]
    assert shown == ["View billing", "Post charges and payments"]
    assert hidden_groups == ["User Setup", "Security", "Self-service", "EPCS"]
    by_name(dialog, QLineEdit, "Find a right").clear()
    assert all(not item.isHidden() for item in dialog.right_items.values())


def test_administrators_rights_cannot_be_unticked(qtbot, database, context):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Administrator")

    assert all(
        item.checkState(0) == Qt.CheckState.Checked and not item.flags() & Qt.ItemFlag.ItemIsEnabled
        for item in dialog.right_items.values()
    )
    assert dialog.findChild(QLabel, "note").text() == "Administrator always holds every right."
    groups = dialog.group_items.values()
    assert not any(group.flags() & Qt.ItemFlag.ItemIsUserCheckable for group in groups)
    assert by_name(dialog, QLineEdit, "Name").isReadOnly()
    assert not button(dialog, "Deactivate").isEnabled()


def test_unsaved_edits_are_asked_about_before_another_role_is_shown(
    qtbot, database, company, clock, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    tick(qtbot, dialog, Right.REPORTS)

    dialogs.answer("Cancel")
    roles = by_name(dialog, QListWidget, "Roles")
    front = [
        roles.item(r) for r in range(roles.count()) if roles.item(r).text().startswith("Front")
    ]
    rect = roles.visualItemRect(front[0])
    qtbot.mouseClick(roles.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialogs.finish()
    assert dialog.heading.text() == "Role - Clerk"
    assert roles.currentItem().text() == "Clerk"

    dialogs.answer("Save")
    qtbot.mouseClick(roles.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialogs.finish()
    assert dialog.heading.text().startswith("Role - Front Desk")
    assert Right.REPORTS in stored(database, company, clock, "Clerk").rights
    assert dialogs.seen == ["Save the changes to the role Clerk?"] * 2


def test_closing_with_unsaved_edits_asks_and_discard_stores_nothing(
    qtbot, database, company, clock, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    tick(qtbot, dialog, Right.REPORTS)

    dialogs.answer("Discard")
    qtbot.mouseClick(button(dialog, "Close"), Qt.MouseButton.LeftButton)
    dialogs.finish()

    assert not dialog.isVisible()
    assert Right.REPORTS not in stored(database, company, clock, "Clerk").rights


def test_deactivate_asks_then_the_role_leaves_the_active_list(
    qtbot, database, company, clock, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")

    dialogs.answer("Deactivate")
    qtbot.mouseClick(button(dialog, "Deactivate"), Qt.MouseButton.LeftButton)
    dialogs.finish()

    assert not stored(database, company, clock, "Clerk").active
    roles = by_name(dialog, QListWidget, "Roles")
    assert "Clerk" not in [roles.item(r).text() for r in range(roles.count())]
    by_name(dialog, QCheckBox, "Active only").click()
    assert "Clerk (inactive)" in [roles.item(r).text() for r in range(roles.count())]


def test_a_right_the_operator_lacks_cannot_be_ticked(qtbot, database, company, clock, clerk):
    def job(work: Any) -> int:
        roles = RoleSetup(work.session, work.company, work.actor, work.clock)
        made = roles.create("Role Manager")
        return roles.set_rights(
            made.id, [Right.VIEW_USERS, Right.EDIT_ROLES, Right.SCHEDULE_VIEW]
        ).id

    manager_role = Workplace(database, company, dba(), clock).within(job)
    pk = add_user(database, company, clock, "dlee")
    with database.transaction() as session:
        UserRoles(session, company, dba(), clock).set_roles(pk, [manager_role])
    context = practice_context(database, company, clock, user_pk=pk)
    actor = replace(
        context.actor,
        rights=frozenset({Right.VIEW_USERS, Right.EDIT_ROLES, Right.SCHEDULE_VIEW}),
        password_at=clock(),
    )
    dialog = open_dialog(qtbot, database, replace(context, actor=actor))
    choose(qtbot, dialog, "Clerk")

    assert right_item(dialog, Right.SCHEDULE_VIEW).flags() & Qt.ItemFlag.ItemIsEnabled
    assert not right_item(dialog, Right.BILLING_EDIT).flags() & Qt.ItemFlag.ItemIsEnabled
    # ticking the Practice group would tick billing too: its box cannot be clicked
    assert not dialog.group_items[RightGroup.PRACTICE].flags() & Qt.ItemFlag.ItemIsUserCheckable
    choose(qtbot, dialog, "Front Desk")  # gives a right Dana lacks: she cannot change it
    assert "only someone who holds them may change it" in dialog.findChild(QLabel, "note").text()
    assert not button(dialog, "Copy Role").isEnabled()
    assert by_name(dialog, QLineEdit, "Description").isReadOnly()


def test_the_service_refuses_a_front_desk_operator_and_says_why(
    qtbot, database, company, clock, dialogs: DialogAnswers
):
    pk = add_user(database, company, clock, "lblake", role=SetupRole.FRONT_DESK)
    context = context_for(database, company, clock, pk, SetupRole.FRONT_DESK)
    dialog = open_dialog(qtbot, database, context)
    qtbot.mouseClick(button(dialog, "New Role"), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Name"), "Mine")

    dialogs.answer("OK")
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)
    dialogs.finish()

    assert dialogs.seen == ["Your role may not change roles or who holds them."]
    assert audit_events(database, prefix="role.") == []


def test_a_stale_password_is_asked_for_again(
    qtbot, database, company, clock, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    tick(qtbot, dialog, Right.REPORTS)
    clock.now += timedelta(minutes=6)

    dialogs.answer("OK")
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)
    dialogs.finish()

    assert dialogs.seen == [str(PasswordAgainError())]
    assert Right.REPORTS not in stored(database, company, clock, "Clerk").rights


# Who has this right?


def test_who_has_this_right_lists_holders_and_exports_csv(
    qtbot, database, context, clerk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    target = tmp_path / "holders.csv"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_args, **_kw: (str(target), "CSV files (*.csv)")),
    )
    dialog = WhoHasRightDialog(None, InlineRunner(), workplace_of(database, context), [],
                               Right.SCHEDULE_VIEW)  # fmt: skip
    qtbot.addWidget(dialog)
    dialog.show()

    holders = by_name(dialog, QTreeWidget, "Holders")
    rows = [[holders.topLevelItem(i).text(c) for c in range(4)]
            for i in range(holders.topLevelItemCount())]  # fmt: skip
    assert rows == [
        ["ann", "Adams, Ann", "yes", "Clerk role"],
        ["mreyes", "Reyes, Maria", "yes", "Administrator role"],
    ]
    assert by_name(dialog, QComboBox, "Right or role").currentText() == (
        f"Practice: {CATALOG[Right.SCHEDULE_VIEW].label}"
    )
    qtbot.mouseClick(button(dialog, "Export CSV..."), Qt.MouseButton.LeftButton)

    text = target.read_text(encoding="utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["User ID", "Name", "Active", "Through"], *rows]


def test_who_has_this_right_opens_from_role_setup_on_the_role_shown(
    qtbot, database, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    seen: list[str] = []

    def look(who: QWidget) -> None:
        assert isinstance(who, WhoHasRightDialog)
        seen.append(by_name(who, QComboBox, "Right or role").currentText())
        tree = by_name(who, QTreeWidget, "Holders")
        seen.extend(tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount()))
        who.accept()

    dialogs.do(look)
    qtbot.mouseClick(button(dialog, "Who has this right?"), Qt.MouseButton.LeftButton)
    dialogs.finish()

    assert seen == ["Role: Clerk", "ann"]


# The toolbar


def test_the_toolbar_opens_role_setup_only_for_editors_of_roles(qtbot, database, company, clock):
    admin = open_window(database, company, clock, qtbot)
    desk = open_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)

    assert admin.toolbar_actions.roles.isEnabled()
    assert admin.toolbar_actions.roles.text() == "Role Setup..."
    assert not desk.toolbar_actions.roles.isEnabled()


def test_filtering_the_list_with_unsaved_edits_asks_first(
    qtbot, database, company, clock, context, clerk, dialogs: DialogAnswers
):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Description"), " desk")
    active_only = by_name(dialog, QCheckBox, "Active only")

    dialogs.answer("Cancel")
    active_only.click()
    dialogs.finish()

    assert active_only.isChecked()
    assert by_name(dialog, QLineEdit, "Description").text() == "Front office desk"
    assert dialogs.seen == ["Save the changes to the role Clerk?"]


def test_ticking_a_group_ticks_every_right_in_it(qtbot, database, company, clock, context, clerk):
    dialog = open_dialog(qtbot, database, context)
    choose(qtbot, dialog, "Clerk")
    tree = by_name(dialog, QTreeWidget, "Rights")
    epcs = dialog.group_items[RightGroup.EPCS]
    assert epcs.flags() & Qt.ItemFlag.ItemIsUserCheckable

    tree.setFocus()
    tree.setCurrentItem(epcs)
    qtbot.keyClick(tree, Qt.Key.Key_Space)
    qtbot.mouseClick(button(dialog, "Save"), Qt.MouseButton.LeftButton)

    assert stored(database, company, clock, "Clerk").rights == {
        Right.SCHEDULE_VIEW,
        Right.EPCS_ENROLLER,
        Right.EPCS_APPROVER,
    }
