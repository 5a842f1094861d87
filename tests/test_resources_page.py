"""The Resources page in the real window: the checklist grouped by kind, the default offered
only among the checked resources, unchecking the default answered each way (a new default,
cleared, kept), a deactivated resource struck through and not offered anew, the Resources...
button. The rules themselves are tested in tests/test_resources_section.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QPushButton, QTreeWidget, QWidget

from app.catalogs.service import Catalogs, Kind
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.sections.catalog_picks import PicksEdit
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user
from tests.helpers.window import catalog_editor_opened, close_window, opens, saves
from tests.helpers.window import open_window as shown_window
from tests.test_fax_page import check, choose, listed, offered, section_page
from tests.test_fax_section import opened as fax_opened
from tests.test_fax_section import save as fax_save
from tests.test_login_times_page import fill_in_new_user
from tests.test_resources_section import opened
from tests.test_resources_section import save as resources_save
from ui.pages.resources_page import CLEAR, KEEP, NEW_DEFAULT, USE, NewDefaultQuestion
from ui.window.window import UserSetupWindow

DEFAULT = "Default Mobile Resource"


@pytest.fixture
def booked(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        return {
            name: catalogs.add_resource(name, kind).id
            for name, kind in (
                ("X-ray", "machine"),
                ("Room 1", "room"),
                ("Room 2", "room"),
                ("Dr. Armstrong", "provider"),
            )
        }


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    booked: dict[str, int],
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = shown_window(database, company, clock, qtbot)
    yield window
    close_window(window, dialogs)


def headings(tree: QTreeWidget) -> list[str]:
    """Each heading of the checklist with the resources under it."""
    found = []
    for i in range(tree.topLevelItemCount()):
        top = tree.topLevelItem(i)
        assert top is not None
        names = [child.text(0) for j in range(top.childCount()) if (child := top.child(j))]
        found.append(f"{top.text(0)}: {', '.join(names)}")
    return found


def answer_question(dialogs: DialogAnswers, button: str, new_default: str = "") -> None:
    """Answer the question unchecking the default asks: pick ``new_default`` and press."""

    def press(dialog: QWidget) -> None:
        assert isinstance(dialog, NewDefaultQuestion), f"expected the question, got {dialog}"
        if new_default:
            choose(by_name(dialog, QComboBox, NEW_DEFAULT), new_default)
        (found,) = [b for b in dialog.findChildren(QPushButton) if b.text() == button]
        assert found.isVisible(), f"{button} is not offered"
        found.click()

    dialogs.do(press)


def test_the_default_is_offered_among_the_checked_resources_only(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    booked: dict[str, int],
) -> None:
    page = section_page(qtbot, window, kim, "resources")
    tree = by_name(page, QTreeWidget, "Resources")
    box = by_name(page, QComboBox, DEFAULT)
    assert headings(tree) == [
        "Providers: Dr. Armstrong", "Rooms: Room 1, Room 2", "Machines: X-ray",
    ]  # fmt: skip
    assert offered(box) == ["(none)"]
    check(page, "Room 1")
    check(page, "X-ray")
    assert offered(box) == ["(none)", "Room 1", "X-ray"]
    choose(box, "X-ray")
    assert saves(window)
    state = opened(database, company, clock, kim)
    assert (state.checked_ids, state.default_id) == (
        {booked["Room 1"], booked["X-ray"]},
        booked["X-ray"],
    )
    check(page, "Room 1", False)  # not the default: no question
    assert offered(box) == ["(none)", "X-ray"] and box.currentText() == "X-ray"


def test_unchecking_the_default_asks_for_a_new_one_or_clears_it(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    booked: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    page = section_page(qtbot, window, kim, "resources")
    box = by_name(page, QComboBox, DEFAULT)
    for name in ("Room 1", "Room 2", "X-ray"):
        check(page, name)
    choose(box, "X-ray")
    assert saves(window)

    answer_question(dialogs, USE, "Room 2")
    check(page, "X-ray", False)
    dialogs.finish()
    assert box.currentText() == "Room 2" and offered(box) == ["(none)", "Room 1", "Room 2"]
    assert saves(window)
    state = opened(database, company, clock, kim)
    assert state.default_id == booked["Room 2"] and booked["X-ray"] not in state.checked_ids

    answer_question(dialogs, KEEP)
    check(page, "Room 2", False)
    dialogs.finish()
    assert listed(page)["Room 2"] and box.currentText() == "Room 2"
    assert not window.is_dirty()

    answer_question(dialogs, CLEAR)
    check(page, "Room 2", False)
    dialogs.finish()
    assert box.currentText() == "(none)"
    assert saves(window)
    state = opened(database, company, clock, kim)
    assert (state.checked_ids, state.default_id) == ({booked["Room 1"]}, None)

    choose(box, "Room 1")  # the last one checked: only clearing or keeping is offered
    seen: list[list[str]] = []

    def only_clear_or_keep(dialog: QWidget) -> None:
        seen.append([b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()])
        (clear,) = [b for b in dialog.findChildren(QPushButton) if b.text() == CLEAR]
        clear.click()

    dialogs.do(only_clear_or_keep)
    check(page, "Room 1", False)
    dialogs.finish()
    assert seen == [[CLEAR, KEEP]]
    assert box.currentText() == "(none)"


def test_a_deactivated_resource_is_struck_through_and_not_offered_anew(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    booked: dict[str, int],
) -> None:
    page = section_page(qtbot, window, kim, "resources")
    box = by_name(page, QComboBox, DEFAULT)
    check(page, "X-ray")
    check(page, "Room 1")
    choose(box, "X-ray")
    assert saves(window)
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.RESOURCE, booked["X-ray"], False)
    window.open_user(kim)
    qtbot.waitUntil(page.deactivated_note.isVisible)
    (xray,) = [i for i in page.items() if i.text(0) == "X-ray"]
    assert xray.font(0).strikeOut() and not xray.icon(0).isNull()
    assert box.currentText() == "X-ray" and box.font().strikeOut()
    assert page.default_warning.isVisible()

    bob = add_user(database, company, clock, "bob")
    assert opens(window, bob)
    assert "X-ray" not in listed(page) and "X-ray" not in offered(box)
    check(page, "Room 1")
    assert offered(box) == ["(none)", "Room 1"]


def test_the_resources_button_opens_the_catalog(
    qtbot: Any, window: UserSetupWindow, kim: int, dialogs: DialogAnswers
) -> None:
    page = section_page(qtbot, window, kim, "resources")
    button = by_name(page, QPushButton, "Resources...")
    assert catalog_editor_opened(qtbot, dialogs, page, button) == ["resource", Kind.RESOURCE]


def test_copy_user_in_the_window_carries_the_fax_numbers_and_the_resources(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    booked: dict[str, int],
    dialogs: DialogAnswers,
) -> None:
    with database.transaction() as session:
        main = Catalogs(session, company, dba(), clock).add_fax_number("(212) 555-0142", "Main")
    fax_save(database, company, clock, kim, PicksEdit({main.id}, main.id))
    rooms = {booked["Room 1"], booked["Room 2"]}
    resources_save(database, company, clock, kim, PicksEdit(rooms, booked["Room 1"]))
    assert opens(window, kim)
    window.copy_action.trigger()  # neither page opened: the copy has both anyway
    assert "the default mobile resource Room 1" in window.subject.copied_note
    window.show_section("resources")
    page = window.page("resources")
    assert listed(page) == {  # type: ignore[arg-type]
        "Dr. Armstrong": False, "Room 1": True, "Room 2": True, "X-ray": False,
    }  # fmt: skip
    answer_question(dialogs, USE, "Room 2")
    check(page, "Room 1", False)  # type: ignore[arg-type]
    dialogs.finish()
    fill_in_new_user(qtbot, window)
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()
    copy = window.subject.record.pk
    assert copy != kim
    state = opened(database, company, clock, copy)
    assert (state.checked_ids, state.default_id) == ({booked["Room 2"]}, booked["Room 2"])
    fax = fax_opened(database, company, clock, copy)
    assert (fax.checked_ids, fax.default_id) == ({main.id}, main.id)
