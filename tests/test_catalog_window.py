"""The catalog editors from the window: the Practice menu's Catalogs (only for holders of
"Edit catalogs"), a page's ``edit_catalog`` signal, and the user shown read again when a
catalog changed (once per editor closed, never over edits typed meanwhile)."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLineEdit, QMenu, QPushButton, QToolButton, QWidget

from app.catalogs.service import Catalogs, Kind
from app.changes import CatalogChanged
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.sections.registry import AnySection, section
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.roles import SetupRole
from tests.helpers.window import close_window, open_window
from ui.dialogs.catalog_dialog import CatalogDialog
from ui.dialogs.templates_catalog import TemplatesCatalogDialog
from ui.pages import PAGES
from ui.pages.login_times_page import LoginTimesPage
from ui.window.catalogs import PENDING, catalog_editor


def _catalogs_menu(window: QWidget) -> QMenu:
    button = window.findChild(QToolButton, "practice")
    assert button is not None
    menus = [a.menu() for a in button.menu().actions() if a.text() == "Catalogs"]
    assert len(menus) == 1 and isinstance(menus[0], QMenu)
    return menus[0]


def test_the_practice_menu_opens_each_catalog_editor(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    window = open_window(database, company, clock, qtbot, size=(1024, 700))
    try:
        menu = _catalogs_menu(window)
        assert [a.text() for a in menu.actions()] == [
            "Fax Numbers...",
            "Resources...",
            "Note Types...",
            "Chart Tabs and Templates...",
        ]
        opened: list[str] = []

        def close(dialog: QWidget) -> None:
            opened.append(dialog.windowTitle().split(" - ")[0])
            dialog.close()

        for action in menu.actions():
            dialogs.do(close)
            action.trigger()
        dialogs.finish()
        assert opened == [
            "Practice Fax Numbers",
            "Resources",
            "Note Types",
            "Chart Tabs and Templates",
        ]
    finally:
        close_window(window, dialogs)


def test_the_front_desk_has_no_catalogs_and_nothing_opens_for_them(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    window = open_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        assert window.findChild(QToolButton, "practice") is None
        assert not any(a.isEnabled() for a in window.toolbar_actions.catalogs.values())
        window.edit_catalog("fax")  # as a script would: nothing opens (and app/ refuses anyway)
        assert not window.findChildren(CatalogDialog)
    finally:
        close_window(window, dialogs)


def test_a_catalog_change_reads_the_user_shown_again_once_per_editor(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    window = open_window(database, company, clock, qtbot)
    try:
        qtbot.waitUntil(lambda: window.subject is not None and window.subject.record is not None)
        loaded: list[int] = []
        window.subject_loaded.connect(lambda: loaded.append(1))
        with qtbot.waitSignal(window.subject_loaded):
            window.publish(CatalogChanged("fax"))
        assert loaded == [1]
        editor = catalog_editor(window, "resource")
        assert isinstance(editor, CatalogDialog)
        editor.show()
        for name in ("Room 1", "Room 2"):
            edit = by_name(editor, QLineEdit, "Name")
            edit.setText(name)
            by_name(editor, QPushButton, "Add").click()
        assert loaded == [1]  # nothing read while the editor is open
        editor.accept()
        assert loaded == [1, 1]  # one reading for both edits
        assert isinstance(catalog_editor(window, "chart-tab"), TemplatesCatalogDialog)
    finally:
        close_window(window, dialogs)


def test_edits_typed_meanwhile_are_kept_and_the_status_bar_says_why(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    window = open_window(database, company, clock, qtbot)
    try:
        qtbot.waitUntil(lambda: window.subject is not None and window.subject.record is not None)
        title = by_name(window.page("user"), QLineEdit, "Title")
        title.clear()
        qtbot.keyClicks(title, "Office Manager")
        assert window.is_dirty()
        with qtbot.assertNotEmitted(window.subject_loaded):
            window.publish(CatalogChanged("template"))
        assert title.text() == "Office Manager"
        assert window.statusBar().currentMessage() == PENDING
    finally:
        close_window(window, dialogs)


class PageWithCatalog(LoginTimesPage):
    """A page that offers a catalog editor, as the Fax, Resources and Templates pages do."""

    section: ClassVar[AnySection] = section("login_times")
    edit_catalog = Signal(str)


def test_a_pages_edit_catalog_signal_opens_that_catalogs_editor(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(PAGES, "login_times", PageWithCatalog)  # the window's own table
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).add_fax_number("(212) 555-0142", "Main office")
    window = open_window(database, company, clock, qtbot)
    try:
        page = window.page("login_times")
        assert isinstance(page, PageWithCatalog)
        shown: list[str] = []

        def close(dialog: QWidget) -> None:
            assert isinstance(dialog, CatalogDialog)
            shown.append(dialog.panel.texts()[0])
            dialog.close()

        dialogs.do(close)
        page.edit_catalog.emit(Kind.FAX.value)
        dialogs.finish()
        assert shown == ["Main office (212) 555-0142"]
    finally:
        close_window(window, dialogs)
