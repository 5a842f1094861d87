"""The Sign Off page in the real window (SQLite): one choice per row and All on the top row,
the PIN's rules beside its fields, Clear PIN, recipients found by a search (never the user
themselves; a deactivated one flagged), the Note Types button, the Front Desk's read-only
view, and the page at 1024x700. The rules themselves: tests/test_sign_off_section.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QTableWidget,
)

from app.catalogs.service import Kind
from app.db.catalog_models import NoteType
from app.db.database import Database
from app.db.kinds import ScreenSignoff
from app.practice.company import CompanyInfo
from app.sections.editor import UserEditor
from app.users.service import UserService
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.roles import SetupRole
from tests.helpers.window import catalog_editor_opened, close_window, saves
from tests.helpers.window import open_window as shown_window
from tests.test_two_factor_page import pick
from ui.pages.sign_off_page import SignOffPage
from ui.window.window import UserSetupWindow

ALL, NEVER, CUSTOM = ScreenSignoff.ALL, ScreenSignoff.NEVER, ScreenSignoff.CUSTOM


@pytest.fixture
def lee(database: Database, company: CompanyInfo, clock: FixedClock, kim: int) -> int:
    return add_user(database, company, clock, "lee", first_name="Lee", last_name="Adams")


@pytest.fixture
def window(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lee: int,
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:  # fmt: skip
    window = shown_window(database, company, clock, qtbot, size=(1024, 700))
    yield window
    close_window(window, dialogs)


def sign_off_page(qtbot: Any, window: UserSetupWindow, pk: int) -> SignOffPage:
    """The user's Sign Off section, chosen in the section list."""
    pick(qtbot, window, pk)
    window.show_section("sign_off")
    page = window.page("sign_off")
    assert isinstance(page, SignOffPage)
    assert window.stack.currentWidget() is page
    qtbot.waitUntil(page.isEnabled)
    return page


def choices_shown(page: SignOffPage) -> list[list[bool]]:
    return [
        [page.button(r, c).isChecked() for c in (ALL, NEVER, CUSTOM)] for r in range(len(page.rows))
    ]


def test_each_row_has_one_choice_and_all_on_the_top_row_sets_every_row(
    qtbot: Any, window: UserSetupWindow, database: Database, company: CompanyInfo,
    clock: FixedClock, kim: int,
) -> None:  # fmt: skip
    page = sign_off_page(qtbot, window, kim)
    table = by_name(page, QTableWidget, "Screens Needing Additional Signoff")
    assert table.item(0, 0).text() == "(Base)"
    assert [table.horizontalHeaderItem(c).text() for c in range(4)] == [
        "SOAP Note Type", "All", "Nev.", "Cst.",
    ]  # fmt: skip
    assert all(row == [False, True, False] for row in choices_shown(page))  # Never: no row
    qtbot.mouseClick(page.button(3, CUSTOM), Qt.MouseButton.LeftButton)
    assert choices_shown(page)[3] == [False, False, True]  # one per row: Nev. went off
    qtbot.mouseClick(page.button(0, ALL), Qt.MouseButton.LeftButton)
    assert all(row == [True, False, False] for row in choices_shown(page))
    qtbot.mouseClick(page.button(2, NEVER), Qt.MouseButton.LeftButton)  # then one by one
    assert [sum(row) for row in choices_shown(page)] == [1] * len(page.rows)
    assert "<b>Nev.</b> = no note of this type" in page.legend.text()
    assert saves(window)
    with database.transaction() as session:
        state = UserEditor(Work(session, company, dba(), clock)).open(kim).states["sign_off"]
    assert [r.choice for r in state.screens][:3] == [ALL, ALL, NEVER]


def test_the_pins_rules_are_shown_beside_its_fields_and_a_good_one_is_kept_hashed(
    qtbot: Any, window: UserSetupWindow, database: Database, kim: int
) -> None:
    page = sign_off_page(qtbot, window, kim)
    pin = by_name(page, QLineEdit, "Signoff Approval PIN")
    retype = by_name(page, QLineEdit, "ReType PIN")
    assert pin.echoMode() is QLineEdit.EchoMode.Password
    assert retype.echoMode() is QLineEdit.EchoMode.Password
    qtbot.keyClicks(pin, "1234")
    qtbot.keyClicks(retype, "1234")
    assert not saves(window)
    assert "in a row" in page.errors.message("pin")
    for typed, again, field, words in (
        ("2024", "2024", "pin", "year"),
        ("58203", "58230", "retype_pin", "differ"),
        ("58a03", "58a03", "pin", "digits only"),
    ):
        pin.clear()
        retype.clear()
        qtbot.keyClicks(pin, typed)
        qtbot.keyClicks(retype, again)
        assert not saves(window)
        assert words in page.errors.message(field)
    assert stored_user(database, kim).signoff_pin_hash is None
    pin.clear()
    retype.clear()
    qtbot.keyClicks(pin, "58203")
    qtbot.keyClicks(retype, "58203")
    assert saves(window)
    assert stored_user(database, kim).signoff_pin_hash.startswith("$argon2id$")
    assert pin.text() == retype.text() == ""  # never shown again
    assert "A PIN is set" in page.pin_state.text()
    clear = by_name(page, QPushButton, "Clear PIN")
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert not pin.isEnabled() and "removed when you save" in page.pin_state.text()
    assert saves(window)
    assert stored_user(database, kim).signoff_pin_hash is None
    trail = " ".join(str(e.changes) for e in audit_events(database, user_pk=kim))
    assert "58203" not in trail and "1234" not in trail


def test_recipients_are_found_by_a_search_never_the_user_and_a_deactivated_one_is_flagged(
    qtbot: Any, window: UserSetupWindow, database: Database, company: CompanyInfo,
    clock: FixedClock, kim: int, lee: int,
) -> None:  # fmt: skip
    page = sign_off_page(qtbot, window, kim)
    find = by_name(page, QLineEdit, "Find a user")
    matches = by_name(page, QListWidget, "Matching users")
    chosen = by_name(page, QListWidget, "Send sign-off tasks to")
    qtbot.keyClicks(find, "fox")  # Kimberly Fox herself: never offered
    assert matches.count() == 0
    find.clear()
    qtbot.keyClicks(find, "ad")
    assert [matches.item(i).text() for i in range(matches.count())] == ["Adams, Lee (lee)"]
    qtbot.mouseClick(by_name(page, QPushButton, "Add"), Qt.MouseButton.LeftButton)
    assert [chosen.item(i).text() for i in range(chosen.count())] == ["Adams, Lee (lee)"]
    assert matches.count() == 0
    assert saves(window)
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(lee, False)
    pick(qtbot, window, lee)
    page = sign_off_page(qtbot, window, kim)
    item = chosen.item(0)
    assert item.text() == "Adams, Lee (lee) (inactive)" and item.font().strikeOut()
    assert page.recipients_warning.isVisibleTo(page)
    assert "deactivated" in page.recipients_warning.text()
    find.clear()
    qtbot.keyClicks(find, "ad")
    assert matches.count() == 0  # a deactivated user cannot be newly chosen
    chosen.setCurrentRow(0)
    qtbot.mouseClick(by_name(page, QPushButton, "Remove"), Qt.MouseButton.LeftButton)
    assert chosen.count() == 0 and not page.recipients_warning.isVisibleTo(page)
    assert saves(window)


def test_the_note_types_button_opens_the_catalog_editor(
    qtbot: Any, window: UserSetupWindow, kim: int, dialogs: DialogAnswers
) -> None:
    page = sign_off_page(qtbot, window, kim)
    button = by_name(page, QPushButton, "Note Types...")
    assert button.isVisibleTo(page)
    assert catalog_editor_opened(qtbot, dialogs, page, button) == ["note-type", Kind.NOTE_TYPE]


def test_the_front_desk_sees_the_section_but_changes_nothing(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim: int,
    dialogs: DialogAnswers,
) -> None:  # fmt: skip
    window = shown_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        page = sign_off_page(qtbot, window, kim)
        assert not by_name(page, QPushButton, "Note Types...").isVisibleTo(page)
        assert not by_name(page, QCheckBox, "Signoff Approval").isEnabled()
        assert not page.button(0, ALL).isEnabled()
        assert not by_name(page, QLineEdit, "Signoff Approval PIN").isEnabled()
        assert page.edit(window.subject) is None  # type: ignore[arg-type]
    finally:
        close_window(window, dialogs)


def test_the_page_fits_the_window_at_1024_by_700(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    page = sign_off_page(qtbot, window, kim)
    assert page.minimumSizeHint().width() <= window.stack.width(), page.minimumSizeHint()
    for name in ("Clear PIN", "Note Types...", "Add", "Remove"):
        button = by_name(page, QPushButton, name)
        assert button.visibleRegion().boundingRect().width() >= button.sizeHint().width() - 2


def test_with_seven_note_types_the_table_scrolls_and_every_button_fits_1024_by_700(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim: int,
    dialogs: DialogAnswers,
) -> None:  # fmt: skip
    with database.transaction() as session:  # the demo's seventh note type
        session.add(
            NoteType(
                company_id=company.id, name="Telephone Note", name_key="telephone note",
                position=6, active=True, updated_at=clock(), updated_by="test",
            )
        )  # fmt: skip
    window = shown_window(database, company, clock, qtbot, size=(1024, 700))
    try:
        page = sign_off_page(qtbot, window, kim)
        assert len(page.rows) == 7
        table = page.table  # scrolls below about four rows, leaving the recipients room
        assert table.minimumHeight() < table.maximumHeight()
        scroll = window.stack.parentWidget()
        while not isinstance(scroll, QScrollArea):
            scroll = scroll.parentWidget()
        assert not scroll.verticalScrollBar().isVisible()
        for button in page.findChildren(QPushButton):
            if button.isVisibleTo(page):
                corner = button.mapTo(page, button.rect().bottomRight())
                assert page.rect().contains(corner), button.text()
                shown = button.mapTo(scroll.viewport(), button.rect().bottomRight())
                assert scroll.viewport().rect().contains(shown), button.text()
    finally:
        close_window(window, dialogs)
