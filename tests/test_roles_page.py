"""The Roles page in the real window (SQLite): ticking a role and saving it, the effective
rights panel read again after the save, a refusal beside the list, and the Front Desk's
read-only view. The rules themselves are tested in tests/test_roles_section.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QTreeWidget

from app.db.database import Database
from app.db.models import User
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import UserRoles
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.catalog import add_department, add_group, add_role, set_base_role
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, audit_events, read_user
from tests.helpers.roles import SetupRole, stored_roles
from tests.helpers.window import close_window, saves, user_page
from tests.helpers.window import open_window as shown_window
from tests.test_two_factor_page import pick
from ui.pages.roles_page import RolesPage
from ui.window.window import UserSetupWindow


@pytest.fixture
def catalog(database: Database, company: CompanyInfo) -> dict[str, int]:
    with database.transaction() as session:
        billing = add_role(
            session, company, "Billing Clerk", [Right.BILLING_VIEW],
            description="Posts charges and payments.",
        )  # fmt: skip
        scheduling = add_role(session, company, "Scheduling", [Right.SCHEDULE_VIEW])
        front_office = add_group(session, company, "Front Office", [scheduling])
        department = add_department(session, company, "Billing")
    return {
        "billing": billing,
        "scheduling": scheduling,
        "front_office": front_office,
        "department": department,
    }


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    catalog: dict[str, int],
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = shown_window(database, company, clock, qtbot)
    yield window
    close_window(window, dialogs)


def roles_page(qtbot: Any, window: UserSetupWindow, pk: int) -> RolesPage:
    """The user's Roles section, shown as its toolbar button shows it."""
    pick(qtbot, window, pk)
    window.section_actions["roles"].trigger()
    page = window.page("roles")
    assert isinstance(page, RolesPage)
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(page.isEnabled)  # its state read for the user shown
    return page


def tick(checklist: QListWidget, name: str, on: bool = True) -> None:
    (item,) = checklist.findItems(name, Qt.MatchFlag.MatchExactly)
    item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def rights_shown(page: RolesPage) -> dict[str, str]:
    """The effective rights panel: each right's label and where it comes from."""
    tree = by_name(page, QTreeWidget, "Effective rights")
    shown: dict[str, str] = {}
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        for j in range(group.childCount()):
            shown[group.child(j).text(0)] = group.child(j).text(1)
    return shown


def test_ticking_a_role_and_saving_shows_the_new_right_and_where_it_comes_from(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    kim: int,
) -> None:
    page = roles_page(qtbot, window, kim)
    roles = by_name(page, QListWidget, "Roles")
    groups = by_name(page, QListWidget, "User Groups")
    assert roles.isEnabled() and groups.isEnabled()
    (billing,) = roles.findItems("Billing Clerk", Qt.MatchFlag.MatchExactly)
    assert billing.toolTip() == "Posts charges and payments."
    assert rights_shown(page) == {}
    tick(roles, "Billing Clerk")
    tick(groups, "Front Office")
    assert window.is_dirty()
    assert saves(window)
    assert stored_roles(database, company.id, kim) == ("Billing Clerk", "Scheduling")
    assert rights_shown(page) == {
        "View billing": "Billing Clerk role",
        "View the schedule": "Front Office group → Scheduling role",
    }
    assert not window.is_dirty()


def test_a_refusal_shows_beside_the_list_and_nothing_is_saved(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    kim: int,
    catalog: dict[str, int],
) -> None:
    with database.transaction() as session:
        set_base_role(session, company, catalog["billing"])
    page = roles_page(qtbot, window, kim)
    roles = by_name(page, QListWidget, "Roles")
    tick(roles, "Scheduling")
    assert not saves(window)
    error = page.findChild(QLabel, "roles_error")
    assert error is not None and error.isVisible()
    assert error.text().startswith("Every user must hold the “Billing Clerk” role")
    assert roles.accessibleDescription() == error.text()
    assert stored_roles(database, company.id, kim) == ()
    tick(roles, "Billing Clerk")
    assert saves(window)
    assert not error.isVisible()
    assert stored_roles(database, company.id, kim) == ("Billing Clerk", "Scheduling")


def test_the_front_desk_sees_the_roles_read_only(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    catalog: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    clerk = add_user(database, company, clock, "clerk", department_id=catalog["department"])
    with database.transaction() as session:
        UserRoles(session, company, dba(), clock).set_roles(clerk, {catalog["billing"]})
    window = shown_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        page = roles_page(qtbot, window, clerk)
        assert not by_name(page, QListWidget, "Roles").isEnabled()
        assert not by_name(page, QListWidget, "User Groups").isEnabled()
        department = by_name(page, QLineEdit, "Department")
        assert department.isReadOnly() and department.text() == "Billing"
        assert rights_shown(page) == {"View billing": "Billing Clerk role"}
        assert page.edit(window.subject) is None  # type: ignore[arg-type]
    finally:
        close_window(window, dialogs)


def test_the_user_page_picks_a_department_and_offers_a_closed_one_only_to_its_users(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    catalog: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    with database.transaction() as session:
        old = add_department(session, company, "Old", active=False)
    leaver = add_user(database, company, clock, "leaver")
    with database.transaction() as session:  # in it since before it closed
        row = session.get(User, leaver)
        assert row is not None
        row.department_id = old
    window = shown_window(database, company, clock, qtbot)
    try:
        pick(qtbot, window, kim)
        box = by_name(user_page(window), QComboBox, "Department")
        assert [box.itemText(i) for i in range(box.count())] == ["(none)", "Billing"]
        box.setCurrentIndex(box.findText("Billing"))
        assert saves(window)
        assert (
            read_user(database, company, clock, kim).fields.department_id == (catalog["department"])
        )
        (event,) = audit_events(database, user_pk=kim, prefix="user.updated")
        assert event.changes == [{"field": "department", "before": None, "after": "Billing"}]
        pick(qtbot, window, leaver)
        assert [box.itemText(i) for i in range(box.count())] == [
            "(none)", "Billing", "Old (inactive)",
        ]  # fmt: skip
        assert box.currentText() == "Old (inactive)" and not window.is_dirty()
    finally:
        close_window(window, dialogs)


def test_a_new_user_in_the_window_starts_with_the_base_role_ticked(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    catalog: dict[str, int],
) -> None:
    with database.transaction() as session:
        set_base_role(session, company, catalog["scheduling"])
    window.new_user()
    assert window.subject is not None and window.subject.is_new
    window.section_actions["roles"].trigger()
    page = window.page("roles")
    assert isinstance(page, RolesPage)
    roles = by_name(page, QListWidget, "Roles")
    ticked = [
        roles.item(i).text()
        for i in range(roles.count())
        if roles.item(i).checkState() == Qt.CheckState.Checked
    ]
    assert ticked == ["Scheduling"]
    assert rights_shown(page) == {"View the schedule": "Scheduling role"}
    assert not window.is_dirty()
