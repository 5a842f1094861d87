"""The catalog editors (Practice Fax Numbers, Resources, Note Types, Chart Tabs, and Chart Tabs
and Templates), driven through their real widgets with their jobs run inline."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QListWidget, QPushButton

from app.catalogs.service import Catalogs, Entry, Kind
from app.db.database import Database
from app.practice.company import CompanyInfo
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.window import practice_context, workplace_of
from ui.dialogs.catalog_dialog import CatalogDialog
from ui.dialogs.templates_catalog import TemplatesCatalogDialog
from ui.operations import InlineRunner


def open_catalog(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kind: Kind,
    role: SetupRole = SetupRole.ADMINISTRATOR,
) -> CatalogDialog:
    context = practice_context(database, company, clock, role=role)
    dialog = CatalogDialog(None, InlineRunner(), workplace_of(database, context), context, kind)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def open_templates(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> TemplatesCatalogDialog:
    context = practice_context(database, company, clock)
    dialog = TemplatesCatalogDialog(None, InlineRunner(), workplace_of(database, context), context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _items(dialog: Any, name: str) -> list[str]:
    widget = by_name(dialog, QListWidget, name)
    return [widget.item(i).text() for i in range(widget.count())]


def _struck(dialog: Any, name: str) -> list[bool]:
    widget = by_name(dialog, QListWidget, name)
    return [widget.item(i).font().strikeOut() for i in range(widget.count())]


def _type(qtbot: Any, dialog: Any, field: str, text: str) -> None:
    edit = by_name(dialog, QLineEdit, field)
    edit.clear()
    qtbot.keyClicks(edit, text)


def _press(qtbot: Any, dialog: Any, name: str) -> None:
    found = by_name(dialog, QPushButton, name)
    assert found.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(found, Qt.MouseButton.LeftButton)


def _pick(dialog: Any, name: str, text: str) -> None:
    widget = by_name(dialog, QListWidget, name)
    widget.setCurrentItem(widget.findItems(text, Qt.MatchFlag.MatchExactly)[0])


def _stored(database: Database, company: CompanyInfo, clock: FixedClock, kind: Kind) -> list[Entry]:
    with database.transaction() as session:
        return Catalogs(session, company, dba(), clock).entries(kind)


def test_a_fax_number_is_added_and_the_same_line_typed_another_way_refused_beside_it(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    dialog = open_catalog(qtbot, database, company, clock, Kind.FAX)
    assert dialog.windowTitle().startswith("Practice Fax Numbers - ")
    for label in ("Fax number", "Label"):
        assert by_name(dialog, QLineEdit, label).accessibleName() == label
    _type(qtbot, dialog, "Fax number", "(212) 555-0142")
    _type(qtbot, dialog, "Label", "Main office")
    _press(qtbot, dialog, "Add")
    assert _items(dialog, "Fax numbers") == ["Main office (212) 555-0142"]
    _type(qtbot, dialog, "Fax number", "+1 212.555.0142")
    _type(qtbot, dialog, "Label", "Billing")
    _press(qtbot, dialog, "Add")
    error = dialog.findChild(QLabel, "number_error")
    assert error is not None and error.isVisibleTo(dialog)
    assert error.text() == (
        "The practice lists this fax number already, as \u201cMain office (212) 555-0142\u201d."
    )
    assert by_name(dialog, QLineEdit, "Fax number").accessibleDescription() == error.text()
    assert [e.number for e in _stored(database, company, clock, Kind.FAX)] == ["+12125550142"]
    _type(qtbot, dialog, "Label", "Front desk")  # the one chosen: the first, added
    _type(qtbot, dialog, "Fax number", "212 555 0143")
    _press(qtbot, dialog, "Save Changes")
    assert _items(dialog, "Fax numbers") == ["Front desk (212) 555-0143"]
    assert not error.isVisibleTo(dialog)
    changes = [e.action for e in audit_events(database, company_id=company.id, prefix="catalog")]
    assert changes == ["catalog.added", "catalog.changed", "catalog.changed"]


def test_a_deactivated_resource_is_struck_through_and_hidden_unless_asked_for(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    dialog = open_catalog(qtbot, database, company, clock, Kind.RESOURCE)
    edits: list[str] = []
    dialog.changed.connect(edits.append)
    kind = by_name(dialog, QComboBox, "Kind")
    for name, which in (("X-ray", "Machine"), ("Room 1", "Room")):
        _type(qtbot, dialog, "Name", name)
        kind.setCurrentText(which)
        _press(qtbot, dialog, "Add")
    assert _items(dialog, "Resources") == ["X-ray (machine)", "Room 1 (room)"]
    _pick(dialog, "Resources", "X-ray (machine)")
    _press(qtbot, dialog, "Deactivate")
    # Still shown while chosen, struck through, and it can be activated again at once.
    assert _items(dialog, "Resources") == ["X-ray (machine) (deactivated)", "Room 1 (room)"]
    assert _struck(dialog, "Resources") == [True, False]
    assert by_name(dialog, QPushButton, "Activate").isEnabled()
    _pick(dialog, "Resources", "Room 1 (room)")
    dialog.reload()
    assert _items(dialog, "Resources") == ["Room 1 (room)"]
    by_name(dialog, QCheckBox, "Show deactivated").setChecked(True)
    assert _items(dialog, "Resources") == ["X-ray (machine) (deactivated)", "Room 1 (room)"]
    _pick(dialog, "Resources", "X-ray (machine) (deactivated)")
    _press(qtbot, dialog, "Activate")
    assert [e.active for e in _stored(database, company, clock, Kind.RESOURCE)] == [True, True]
    assert edits == ["resource"] * 4


def test_a_name_taken_is_refused_beside_the_name_and_a_conflict_said_in_plain_words(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    dialog = open_catalog(qtbot, database, company, clock, Kind.NOTE_TYPE)
    assert _items(dialog, "Note types")[:2] == ["(Base)", "(Error)"]
    _type(qtbot, dialog, "Name", "office NOTE")
    _press(qtbot, dialog, "Add")
    error = dialog.findChild(QLabel, "name_error")
    assert error is not None and error.isVisibleTo(dialog)
    assert error.text() == "A note type named \u201cOffice Note\u201d exists already."
    _pick(dialog, "Note types", "Office Note")
    with database.transaction() as session:  # another workstation, meanwhile
        catalogs = Catalogs(session, company, dba("jdoe"), clock)
        catalogs.rename(Kind.NOTE_TYPE, catalogs.find(Kind.NOTE_TYPE, "Office Note").id, "Clinic")
    _type(qtbot, dialog, "Name", "Office Visit")
    dialogs.answer("OK")
    _press(qtbot, dialog, "Rename")
    dialogs.finish()
    assert dialogs.seen[0].startswith("This note type was changed by jdoe at ")
    assert "your change was not made" in dialogs.seen[0]
    assert "Clinic" in _items(dialog, "Note types")  # the list as it is now


def test_the_front_desk_can_change_nothing_and_app_refuses_them_anyway(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    dialog = open_catalog(qtbot, database, company, clock, Kind.CHART_TAB, SetupRole.FRONT_DESK)
    assert _items(dialog, "Chart tabs")[0] == "Orders"
    _pick(dialog, "Chart tabs", "Orders")
    for name in ("Add", "Rename", "Deactivate"):
        assert not by_name(dialog, QPushButton, name).isEnabled(), name
    assert not by_name(dialog, QLineEdit, "Name").isEnabled()
    dialogs.answer("OK")
    dialog.toggle_active()  # as if the button were there: app/ says no
    dialogs.finish()
    assert dialogs.seen == ["Your roles do not give the right \u201cEdit catalogs\u201d."]
    assert all(e.active for e in _stored(database, company, clock, Kind.CHART_TAB))
    assert audit_events(database, company_id=company.id, prefix="catalog") == []


def test_templates_are_added_under_a_category_of_a_chart_tab(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    dialog = open_templates(qtbot, database, company, clock)
    assert _items(dialog, "Chart tabs")[:2] == ["Orders", "Assessments"]
    assert by_name(dialog, QListWidget, "Chart tabs").currentItem().text() == "Orders"
    assert not by_name(dialog, QPushButton, "Add Template").isEnabled()  # no category yet
    _type(qtbot, dialog, "Category name", "Labs")
    _press(qtbot, dialog, "Add Category")
    assert _items(dialog, "Categories") == ["Labs"]
    for name in ("CBC", "Lipid panel"):
        _type(qtbot, dialog, "Template name", name)
        _press(qtbot, dialog, "Add Template")
    assert _items(dialog, "Templates") == ["CBC", "Lipid panel"]
    _pick(dialog, "Chart tabs", "Exams")  # another tab: its own categories
    assert (_items(dialog, "Categories"), _items(dialog, "Templates")) == ([], [])
    _pick(dialog, "Chart tabs", "Orders")
    _pick(dialog, "Categories", "Labs")
    _press(qtbot, dialog, "Deactivate Category")
    assert _struck(dialog, "Categories") == [True]
    _pick(dialog, "Templates", "CBC")
    _press(qtbot, dialog, "Deactivate Template")
    _press(qtbot, dialog, "Activate Template")  # not under a deactivated category
    error = dialog.findChild(QLabel, "parent_error")
    assert error is not None and error.text() == "Labs is deactivated; activate it first."
    _press(qtbot, dialog, "Activate Category")
    _pick(dialog, "Chart tabs", "Orders")
    _pick(dialog, "Categories", "Labs")
    _pick(dialog, "Templates", "CBC (deactivated)")
    _press(qtbot, dialog, "Activate Template")
    stored = _stored(database, company, clock, Kind.TEMPLATE)
    assert [(t.name, t.detail, t.active) for t in stored] == [
        ("CBC", "Orders \u25b8 Labs", True),
        ("Lipid panel", "Orders \u25b8 Labs", True),
    ]


def test_the_templates_editor_shows_deactivated_entries_when_asked_and_says_what_changed(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        orders = catalogs.find(Kind.CHART_TAB, "Orders")
        labs = catalogs.add_category(orders.id, "Labs")
        catalogs.add_template(labs.id, "CBC")
        old = catalogs.add_template(labs.id, "Bleeding time")
        catalogs.set_active(Kind.TEMPLATE, old.id, False)
        catalogs.set_active(Kind.CHART_TAB, catalogs.find(Kind.CHART_TAB, "Letters").id, False)
    dialog = open_templates(qtbot, database, company, clock)
    edits: list[str] = []
    dialog.changed.connect(edits.append)
    assert "Letters" not in _items(dialog, "Chart tabs")
    assert _items(dialog, "Templates") == ["CBC"]  # Orders ▸ Labs, chosen at first
    by_name(dialog, QCheckBox, "Show deactivated").setChecked(True)
    assert _items(dialog, "Chart tabs")[-1] == "Letters (deactivated)"
    _pick(dialog, "Categories", "Labs")
    assert _items(dialog, "Templates") == ["Bleeding time (deactivated)", "CBC"]
    assert _struck(dialog, "Templates") == [True, False]
    _type(qtbot, dialog, "Template name", "Bleeding time")
    _press(qtbot, dialog, "Add Template")
    error = dialog.findChild(QLabel, "name_error")
    assert error is not None and error.isVisibleTo(dialog)
    assert error.text() == "A template named \u201cBleeding time\u201d exists already."
    _pick(dialog, "Templates", "CBC")
    _type(qtbot, dialog, "Template name", "CBC with differential")
    _press(qtbot, dialog, "Rename Template")
    _type(qtbot, dialog, "Tab name", "Vitals")
    _press(qtbot, dialog, "Add Tab")
    assert by_name(dialog, QListWidget, "Chart tabs").currentItem().text() == "Vitals"
    assert edits == ["template", "chart-tab"]
