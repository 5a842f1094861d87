"""The Fax page in the real window: the drop-down and the checklist of the practice's lines,
each once, saved; a deactivated line struck through with a warning and offered to nobody
new; the Fax Numbers... button for those who edit catalogs; the Front Desk's read-only view.
The rules themselves are tested in tests/test_fax_section.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTreeWidget

from app.catalogs.service import Catalogs, Kind
from app.db.database import Database
from app.practice.company import CompanyInfo
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import SetupRole
from tests.helpers.window import catalog_editor_opened, close_window, opens, saves
from tests.helpers.window import open_window as shown_window
from tests.test_fax_section import opened
from tests.test_two_factor_page import pick
from ui.pages.catalog_picks_page import CatalogPicksPage
from ui.pages.fax_page import FaxPage
from ui.window.window import UserSetupWindow

MAIN = "Main office (212) 555-0142"
REFERRALS = "Referrals (212) 555-0177"
OLD = "Old line (212) 555-0100"


@pytest.fixture
def lines(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        return {
            MAIN: catalogs.add_fax_number("(212) 555-0142", "Main office").id,
            REFERRALS: catalogs.add_fax_number("212.555.0177", "Referrals").id,
            OLD: catalogs.add_fax_number("+1 212 555 0100", "Old line").id,
        }


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    lines: dict[str, int],
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = shown_window(database, company, clock, qtbot)
    yield window
    close_window(window, dialogs)


def section_page(qtbot: Any, window: UserSetupWindow, pk: int, key: str) -> CatalogPicksPage:
    """The user's section, shown as the section list shows it, and read for them."""
    pick(qtbot, window, pk)
    window.show_section(key)
    page = window.page(key)
    assert isinstance(page, CatalogPicksPage)
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(page.isEnabled)
    return page


def listed(page: CatalogPicksPage) -> dict[str, bool]:
    """Each entry of the checklist and whether it is checked."""
    return {i.text(0): i.checkState(0) == Qt.CheckState.Checked for i in page.items()}


def offered(box: QComboBox) -> list[str]:
    return [box.itemText(i) for i in range(box.count())]


def check(page: CatalogPicksPage, text: str, on: bool = True) -> None:
    (item,) = [i for i in page.items() if i.text(0) == text]
    item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def choose(box: QComboBox, text: str) -> None:
    index = box.findText(text)
    assert index >= 0, f"{text!r} not offered: {offered(box)}"
    box.setCurrentIndex(index)


def test_the_lines_are_listed_once_each_and_the_choices_saved(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    lines: dict[str, int],
) -> None:
    page = section_page(qtbot, window, kim, "fax")
    assert isinstance(page, FaxPage)
    box = by_name(page, QComboBox, "Default Outbound Fax Number")
    inbound = by_name(page, QTreeWidget, "Inbound Fax Numbers")
    assert inbound is page.checklist
    assert offered(box) == ["(none)", MAIN, OLD, REFERRALS]
    assert listed(page) == {MAIN: False, OLD: False, REFERRALS: False}
    choose(box, MAIN)
    check(page, REFERRALS)
    assert "Main office (212) 555-0142 is not checked" in page.note.text()  # allowed, said
    assert window.is_dirty()
    assert saves(window)
    state = opened(database, company, clock, kim)
    assert (state.default_id, state.checked_ids) == (lines[MAIN], {lines[REFERRALS]})
    assert listed(page) == {MAIN: False, OLD: False, REFERRALS: True}  # as read again
    assert box.currentText() == MAIN and not window.is_dirty()
    check(page, MAIN)
    assert "not checked" not in page.note.text()
    choose(box, "(none)")
    assert saves(window)
    assert opened(database, company, clock, kim).default_id is None
    assert [e.action for e in audit_events(database, user_pk=kim, prefix="fax.")] == [
        "fax.changed", "fax.changed",
    ]  # fmt: skip


def test_a_deactivated_line_is_struck_through_with_a_warning_and_offered_to_nobody_new(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    lines: dict[str, int],
) -> None:
    page = section_page(qtbot, window, kim, "fax")
    box = by_name(page, QComboBox, "Default Outbound Fax Number")
    choose(box, OLD)
    check(page, OLD)
    assert saves(window)
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.FAX, lines[OLD], False)
    window.open_user(kim)
    qtbot.waitUntil(page.deactivated_note.isVisible)
    (old,) = [i for i in page.items() if i.text(0) == OLD]  # once, default and inbound
    assert old.font(0).strikeOut() and not old.icon(0).isNull()
    assert "Deactivated" in old.toolTip(0)
    assert page.deactivated_note.isVisible()
    assert box.currentText() == OLD and box.font().strikeOut()
    warning = page.findChild(QLabel, "default_warning")
    assert warning is not None and warning.isVisible() and "Deactivated" in warning.text()
    assert not window.is_dirty()
    choose(box, MAIN)  # away from it: the warning goes; back again: it was the user's
    assert not warning.isVisible() and not box.font().strikeOut()
    choose(box, OLD)
    assert not window.is_dirty()

    bob = add_user(database, company, clock, "bob")
    assert opens(window, bob)
    assert OLD not in offered(box) and OLD not in listed(page)
    assert not page.deactivated_note.isVisible()


def test_the_fax_numbers_button_opens_the_catalog_for_those_who_edit_it(
    qtbot: Any, window: UserSetupWindow, kim: int, dialogs: DialogAnswers
) -> None:
    page = section_page(qtbot, window, kim, "fax")
    button = by_name(page, QPushButton, "Fax Numbers...")
    assert button.isVisible()
    assert catalog_editor_opened(qtbot, dialogs, page, button) == ["fax", Kind.FAX]


def test_the_front_desk_sees_the_fax_numbers_read_only(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    lines: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    window = shown_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        page = section_page(qtbot, window, kim, "fax")
        assert not by_name(page, QComboBox, "Default Outbound Fax Number").isEnabled()
        assert not page.checklist.isEnabled()
        assert not by_name(page, QPushButton, "Fax Numbers...").isVisible()
        assert page.edit(window.subject) is None  # type: ignore[arg-type]
    finally:
        close_window(window, dialogs)
