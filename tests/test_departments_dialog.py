"""The Department List dialog, driven through its real widgets with its jobs run inline."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QPushButton, QWidget

from app.db.database import Database
from app.practice.company import CompanyInfo
from app.practice.departments import Departments
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import by_name
from tests.helpers.roles import SetupRole
from tests.helpers.window import practice_context, workplace_of
from ui.dialogs.departments import DepartmentsDialog
from ui.operations import InlineRunner


def open_dialog(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    role: SetupRole = SetupRole.ADMINISTRATOR,
) -> DepartmentsDialog:
    context = practice_context(database, company, clock, role=role)
    dialog = DepartmentsDialog(None, InlineRunner(), workplace_of(database, context), context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _items(dialog: QWidget) -> list[str]:
    widget = by_name(dialog, QListWidget, "Departments")
    return [widget.item(i).text() for i in range(widget.count())]


def _type_name(qtbot: Any, dialog: QWidget, text: str) -> None:
    name = by_name(dialog, QLineEdit, "Department name")
    name.clear()
    qtbot.keyClicks(name, text)


def _press(qtbot: Any, dialog: QWidget, name: str) -> None:
    found = by_name(dialog, QPushButton, name)
    assert found.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(found, Qt.MouseButton.LeftButton)


def _pick(dialog: QWidget, row: int) -> None:
    by_name(dialog, QListWidget, "Departments").setCurrentRow(row)


def _stored(database: Database, company: CompanyInfo, clock: FixedClock) -> list[tuple[str, bool]]:
    with database.transaction() as session:
        rows = Departments(session, company, dba(), clock).list_departments()
        return [(d.name, d.active) for d in rows]


def test_departments_are_added_renamed_deactivated_and_activated(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    dialog = open_dialog(qtbot, database, company, clock)
    label = dialog.findChild(QLabel, "departments_note")
    assert label is not None
    assert by_name(dialog, QLineEdit, "Department name").accessibleName() == "Department name"
    _type_name(qtbot, dialog, "Billing")
    _press(qtbot, dialog, "Add")
    _type_name(qtbot, dialog, "Front Office")
    _press(qtbot, dialog, "Add")
    assert _items(dialog) == ["Billing (0 users)", "Front Office (0 users)"]
    _pick(dialog, 0)
    assert by_name(dialog, QLineEdit, "Department name").text() == "Billing"
    _type_name(qtbot, dialog, "Billing Office")
    _press(qtbot, dialog, "Rename")
    _press(qtbot, dialog, "Deactivate")
    assert _items(dialog) == ["Billing Office [inactive] (0 users)", "Front Office (0 users)"]
    assert _stored(database, company, clock) == [("Billing Office", False), ("Front Office", True)]
    _press(qtbot, dialog, "Activate")
    assert _stored(database, company, clock)[0] == ("Billing Office", True)


def test_a_name_taken_is_refused_beside_the_name(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        Departments(session, company, dba(), clock).add("Billing")
    dialog = open_dialog(qtbot, database, company, clock)
    _type_name(qtbot, dialog, "BILLING")
    _press(qtbot, dialog, "Add")
    error = dialog.findChild(QLabel, "name_error")
    assert error is not None and error.isVisibleTo(dialog)
    assert error.text() == "A department named “Billing” exists already."
    assert _stored(database, company, clock) == [("Billing", True)]


def test_the_front_desk_sees_the_list_but_can_change_nothing(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        Departments(session, company, dba(), clock).add("Billing")
    dialog = open_dialog(qtbot, database, company, clock, SetupRole.FRONT_DESK)
    _pick(dialog, 0)
    assert _items(dialog) == ["Billing (0 users)"]
    for name in ("Add", "Rename", "Deactivate"):
        assert not by_name(dialog, QPushButton, name).isEnabled(), name
    assert not by_name(dialog, QLineEdit, "Department name").isEnabled()
