"""The Login Times section of the User Setup window, driven through its real widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from PySide6.QtCore import QDate, QLocale, QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QDateEdit,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QWidget,
)

from app.db.database import Database
from app.login_times.hours import (
    NEVER_ALLOWED,
    ONE_WINDOW,
    SAME_TIMES,
    WEEKDAY_NAMES,
    DayHours,
    LoginTimes,
    is_filled,
)
from app.login_times.service import LoginTimesService
from app.practice.company import CompanyInfo
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import read_user, version_of
from tests.helpers.roles import SetupRole
from tests.helpers.window import close_window, opens, saves
from tests.test_two_factor_page import PASSWORD, click, events, open_window, pick, stored
from ui.pages.login_times_page import (
    EXPIRED,
    EXPIRY_NOTE,
    HEADERS,
    KEPT_HOURS_WRONG,
    LIMITED,
    LIMITED_OFF,
    LIMITED_ON,
    LoginTimesPage,
    zone_note,
)
from ui.widgets.week_picture import HALF_HOUR, WeekPicture
from ui.window.window import UserSetupWindow

SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = range(7)
NINE_TO_SIX = DayHours.window(9 * 60, 18 * 60)
OFF = DayHours()
ALL_OFF = {key: "off" for key in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}


def week(*days: DayHours, limited: bool = True, expires_on: date | None = None) -> LoginTimes:
    """Sunday first; the days not given are Not Available."""
    return LoginTimes(limited, tuple(days) + (OFF,) * (7 - len(days)), expires_on)


def give_times(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, times: LoginTimes
) -> None:
    with database.transaction() as session:
        service = LoginTimesService(session, company, dba("setup"), clock)
        service.save(pk, times, version_of(session, pk))


# Building the window


@pytest.fixture
def locale_name() -> str:
    """The practice's habit; a test that needs another locale parametrizes this."""
    return "en_US"


@pytest.fixture
def locale(locale_name: str) -> Iterator[None]:
    before = QLocale()
    QLocale.setDefault(QLocale(locale_name))
    yield
    QLocale.setDefault(before)


@pytest.fixture
def window(
    qtbot: Any,
    locale: None,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = open_window(qtbot, database, company, clock)
    yield window
    close_window(window, dialogs)


def login_times_page(window: UserSetupWindow) -> LoginTimesPage:
    """Show the Login Times section as the toolbar button does."""
    window.section_actions["login_times"].trigger()
    page = window.page("login_times")
    assert isinstance(page, LoginTimesPage)
    assert window.stack.currentWidget() is page
    return page


def field(page: QWidget, day: int, column: str) -> QLineEdit:
    return by_name(page, QLineEdit, f"{WEEKDAY_NAMES[day]} {column}")


def radio(page: QWidget, day: int, column: str) -> QRadioButton:
    return by_name(page, QRadioButton, f"{WEEKDAY_NAMES[day]} {column}")


def type_into(qtbot: Any, line: QLineEdit, text: str) -> None:
    """Select what is there and type over it, as a person does."""
    assert line.isEnabled() and not line.isReadOnly(), line.accessibleName()
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    line.editingFinished.emit()  # what leaving the field does


def type_day(qtbot: Any, page: LoginTimesPage, day: int, start: str, end: str) -> None:
    """Mark the day Available and type its Start and End."""
    click(qtbot, page, QRadioButton, f"{WEEKDAY_NAMES[day]} Available")
    type_into(qtbot, field(page, day, "Start"), start)
    type_into(qtbot, field(page, day, "End"), end)


def turn_limited_on(qtbot: Any, page: LoginTimesPage) -> None:
    box = by_name(page, QCheckBox, LIMITED)
    if not box.isChecked():
        click(qtbot, page, QCheckBox, LIMITED)
    assert box.isChecked()


def rows_say(page: LoginTimesPage, day: int) -> tuple[str, str]:
    return field(page, day, "Start").text(), field(page, day, "End").text()


def picture(page: QWidget) -> WeekPicture:
    return by_name(page, WeekPicture, "Week picture")


def filled(picture: WeekPicture, day: int, minute: int) -> bool:
    """Does the picture fill this minute of this day?"""
    return is_filled(picture.times(), day, minute)


def cell(picture: WeekPicture, day: int, minute: int) -> QPoint:
    return picture.cell_rect(day, minute // HALF_HOUR).center().toPoint()


def drag(qtbot: Any, picture: WeekPicture, first: QPoint, last: QPoint) -> None:
    qtbot.waitUntil(lambda: not picture.visibleRegion().isEmpty())
    qtbot.mousePress(picture, Qt.MouseButton.LeftButton, pos=first)
    qtbot.mouseMove(picture, last)
    qtbot.mouseRelease(picture, Qt.MouseButton.LeftButton, pos=last)


def save_with_ctrl_s(qtbot: Any, window: UserSetupWindow) -> None:
    with qtbot.waitSignal(window.saved):
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def hours_events(database: Database, pk: int) -> list[Any]:
    return events(database, pk, prefix="login_times.")


def fill_in_new_user(qtbot: Any, window: UserSetupWindow) -> None:
    """The User section of a new user, Michael Hall (mhall), ready to save."""
    user_page = window.page("user")
    for label, value in (
        ("User ID", "mhall"),
        ("First Name", "Michael"),
        ("Last Name", "Hall"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        qtbot.keyClicks(by_name(user_page, QLineEdit, label), value)


# Typing the hours


def test_typed_hours_are_saved_and_audited(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    assert window.heading.text() == "Login Times - Fox, Kimberly (kimberly)"
    turn_limited_on(qtbot, page)
    type_day(qtbot, page, MONDAY, "9:00 am", "6:00 pm")
    assert window.is_dirty() and window.save_action.isEnabled()

    save_with_ctrl_s(qtbot, window)

    times = stored(database, company, clock, kim).login_times
    assert times.limited and times.stored_hours() == {**ALL_OFF, "mon": "09:00-18:00"}
    [event] = hours_events(database, kim)
    assert event.action == "login_times.changed"
    assert event.operator.startswith("mreyes (Reyes, Maria)")
    assert {c["field"]: (c["before"], c["after"]) for c in event.changes} == {
        "limited_access": (False, True),
        "hours.mon": ("off", "09:00-18:00"),
    }
    assert rows_say(page, MONDAY) == ("9:00 am", "6:00 pm")
    assert not window.is_dirty()


def test_a_time_typed_short_is_shown_as_understood_and_the_same_time_is_no_edit(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    type_into(qtbot, field(page, MONDAY, "Start"), "9")
    type_into(qtbot, field(page, MONDAY, "End"), "18:00")

    assert rows_say(page, MONDAY) == ("9:00 am", "6:00 pm")
    assert not window.is_dirty()
    type_into(qtbot, field(page, MONDAY, "End"), "5:30pm")
    assert field(page, MONDAY, "End").text() == "5:30 pm" and window.is_dirty()


@pytest.mark.parametrize(
    ("locale_name", "shown"),
    [
        ("en_US", ("9:00 am", "6:00 pm")),
        ("en_GB", ("09:00", "18:00")),
        ("de_DE", ("09:00", "18:00")),
    ],
)
def test_times_are_shown_as_the_locale_writes_them(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    shown: tuple[str, str],
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    assert rows_say(page, MONDAY) == shown
    click(qtbot, page, QRadioButton, "Tuesday Available")
    type_into(qtbot, field(page, TUESDAY, "Start"), "9:00 am")  # either way is understood
    type_into(qtbot, field(page, TUESDAY, "End"), "18:00")
    assert rows_say(page, TUESDAY) == shown


def _empty_start(qtbot: Any, page: LoginTimesPage) -> None:
    click(qtbot, page, QRadioButton, "Monday Available")
    type_into(qtbot, field(page, MONDAY, "End"), "6:00 pm")


def _same_times(qtbot: Any, page: LoginTimesPage) -> None:
    type_day(qtbot, page, MONDAY, "9:00 am", "09:00")


def _no_such_hour(qtbot: Any, page: LoginTimesPage) -> None:
    type_day(qtbot, page, MONDAY, "25:00", "6:00 pm")


def _no_day_available(qtbot: Any, page: LoginTimesPage) -> None:
    pass  # Limited access is on and every day is Not Available


@pytest.mark.parametrize(
    ("typing", "where", "message"),
    [
        (_empty_start, "mon.start", "Enter a Start time, or tick All day."),
        (_same_times, "mon.end", SAME_TIMES),
        (_no_such_hour, "mon.start", "Hours go from 0 to 23 (or 1 to 12 with am or pm)."),
        (_no_day_available, "limited", NEVER_ALLOWED),
    ],
)
def test_bad_hours_are_refused_beside_the_row_and_nothing_is_written(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    typing: Callable[[Any, LoginTimesPage], None],
    where: str,
    message: str,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    typing(qtbot, page)
    window.show_section("user")

    window.save_action.trigger()

    assert window.current_section() == "login_times"
    assert page.errors.message(where) == message
    assert [name for name in ("mon.start", "mon.end", "limited") if page.errors.message(name)] == [
        where
    ]
    inputs = {"mon.start": "Monday Start", "mon.end": "Monday End"}
    if where in inputs:
        wrong = by_name(page, QLineEdit, inputs[where])
        assert wrong.accessibleDescription() == message and wrong.hasFocus()
    assert "Nothing was saved" in window.statusBar().currentMessage()
    assert stored(database, company, clock, kim).login_times == LoginTimes()
    assert hours_events(database, kim) == []


def test_limited_access_off_keeps_the_rows_but_greys_them(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX, limited=False))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    state = page.findChild(QLabel, "limited_state")
    assert state is not None and state.text() == LIMITED_OFF
    assert rows_say(page, MONDAY) == ("9:00 am", "6:00 pm")
    for widget in (field(page, MONDAY, "Start"), radio(page, MONDAY, "Available"), picture(page)):
        assert widget.isVisible() and not widget.isEnabled(), widget.accessibleName()
    assert not by_name(page, QPushButton, "Clear").isEnabled()

    turn_limited_on(qtbot, page)

    assert state.text() == LIMITED_ON
    assert field(page, MONDAY, "Start").isEnabled() and picture(page).isEnabled()
    assert not field(page, TUESDAY, "Start").isEnabled()  # Not Available: no times
    click(qtbot, page, QCheckBox, "Monday All day")
    assert not field(page, MONDAY, "Start").isEnabled()


def test_hours_left_wrong_while_limited_access_is_off_say_how_to_reach_them(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    click(qtbot, page, QRadioButton, "Monday Available")
    click(qtbot, page, QCheckBox, LIMITED)  # off again, with Monday's times still empty

    assert not saves(window)

    assert page.errors.message("limited") == KEPT_HOURS_WRONG
    assert page.errors.message("mon.start") and page.errors.message("mon.end")
    assert stored(database, company, clock, kim).login_times == LoginTimes()


# The week picture


def test_a_drag_in_the_picture_writes_the_rows_and_saves(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    week_picture = picture(page)

    with qtbot.waitSignal(page.edited):
        drag(
            qtbot,
            week_picture,
            cell(week_picture, MONDAY, 8 * 60),
            cell(week_picture, FRIDAY, 17 * 60 + 30),
        )

    for day in range(MONDAY, SATURDAY):
        assert radio(page, day, "Available").isChecked()
        assert rows_say(page, day) == ("8:00 am", "6:00 pm")
    assert radio(page, SATURDAY, "Not Available").isChecked()
    assert stored(database, company, clock, kim).login_times == LoginTimes()  # not before Save
    save_with_ctrl_s(qtbot, window)
    hours = stored(database, company, clock, kim).login_times.stored_hours()
    assert hours == {**ALL_OFF, **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-18:00")}


def test_a_click_on_a_filled_cell_trims_the_window(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    week_picture = picture(page)
    last = cell(week_picture, MONDAY, 17 * 60 + 30)

    drag(qtbot, week_picture, last, last)
    assert rows_say(page, MONDAY) == ("9:00 am", "5:30 pm")
    first = cell(week_picture, MONDAY, 9 * 60)
    drag(qtbot, week_picture, first, first)
    assert rows_say(page, MONDAY) == ("9:30 am", "5:30 pm")
    assert not filled(week_picture, MONDAY, 9 * 60 + 29) and filled(week_picture, MONDAY, 570)
    assert window.is_dirty()


def test_a_cut_inside_a_window_is_refused_beside_that_day(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    week_picture = picture(page)
    noon = cell(week_picture, MONDAY, 12 * 60)

    with qtbot.assertNotEmitted(page.edited):
        drag(qtbot, week_picture, noon, noon)

    assert page.errors.message("mon") == ONE_WINDOW.format(day="Monday")
    assert rows_say(page, MONDAY) == ("9:00 am", "6:00 pm")
    assert filled(week_picture, MONDAY, 12 * 60) and not window.is_dirty()


def test_the_picture_draws_what_the_rows_say_including_the_night_into_the_next_day(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    type_day(qtbot, page, TUESDAY, "22:00", "06:00")

    week_picture = picture(page)
    assert rows_say(page, TUESDAY) == ("10:00 pm", "6:00 am")
    assert filled(week_picture, TUESDAY, 22 * 60) and filled(week_picture, TUESDAY, 1439)
    assert filled(week_picture, WEDNESDAY, 0) and filled(week_picture, WEDNESDAY, 359)
    assert not filled(week_picture, WEDNESDAY, 360)
    next_day = page.findChild(QLabel, "tue_next_day")
    assert next_day is not None and next_day.isVisible()


def test_a_picture_edit_while_a_row_is_wrong_shows_the_row_and_changes_nothing(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    type_day(qtbot, page, WEDNESDAY, "9:00 am", "half past five")
    week_picture = picture(page)

    drag(
        qtbot, week_picture, cell(week_picture, MONDAY, 8 * 60), cell(week_picture, MONDAY, 9 * 60)
    )

    assert page.errors.message("wed.end") == "Type a time such as 9:00 am or 17:30."
    assert field(page, WEDNESDAY, "End").hasFocus()
    assert radio(page, MONDAY, "Not Available").isChecked()
    assert not filled(week_picture, MONDAY, 8 * 60)


def test_the_keyboard_paints_the_picture_too(qtbot: Any, window: UserSetupWindow, kim: int) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    turn_limited_on(qtbot, page)
    week_picture = picture(page)
    week_picture.setFocus()
    qtbot.waitUntil(week_picture.hasFocus)
    assert week_picture.current_cell() == (MONDAY, 16)  # Monday 8:00
    for _ in range(3):
        qtbot.keyClick(week_picture, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)

    qtbot.keyClick(week_picture, Qt.Key.Key_Space)

    assert rows_say(page, MONDAY) == ("8:00 am", "10:00 am")
    assert week_picture.hasFocus()  # the keyboard stays in the picture


# Quick fills


def test_quick_fills_edit_the_rows_until_save(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    assert not by_name(page, QCheckBox, LIMITED).isChecked()

    click(qtbot, page, QPushButton, "Weekdays 8-6")  # from off: it turns Limited access on

    assert by_name(page, QCheckBox, LIMITED).isChecked()
    assert [rows_say(page, day) for day in range(7)] == [("", "")] + [
        ("8:00 am", "6:00 pm")
    ] * 5 + [("", "")]
    type_into(qtbot, field(page, MONDAY, "Start"), "7:00 am")
    type_into(qtbot, field(page, MONDAY, "End"), "3:00 pm")
    click(qtbot, page, QPushButton, "Copy Monday to all weekdays")
    assert {rows_say(page, day) for day in range(MONDAY, SATURDAY)} == {("7:00 am", "3:00 pm")}
    assert stored(database, company, clock, kim).login_times == LoginTimes()

    click(qtbot, page, QPushButton, "Clear")

    assert all(radio(page, day, "Not Available").isChecked() for day in range(7))
    assert by_name(page, QCheckBox, LIMITED).isChecked()
    assert not filled(picture(page), MONDAY, 8 * 60)


# Around the hours


def test_the_time_zone_note_names_the_zone_as_it_is_now(
    qtbot: Any, window: UserSetupWindow, clock: FixedClock, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    note = page.findChild(QLabel, "zone_note")
    assert note is not None and note.isVisible()
    assert note.text() == "Note: All times are in Eastern Standard Time (EST, America/New_York)"
    clock.now = datetime(2027, 7, 1, 12, tzinfo=UTC)
    assert opens(window, kim)
    assert note.text() == "Note: All times are in Eastern Daylight Time (EDT, America/New_York)"


def test_a_zone_qt_does_not_know_is_named_as_written(qapp: Any) -> None:
    assert zone_note("Nowhere/Special", datetime(2026, 11, 22, tzinfo=UTC)) == (
        "Note: All times are in Nowhere/Special time"
    )


def test_an_expiry_date_is_saved_and_a_past_one_is_marked_expired(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    expires_on = by_name(page, QDateEdit, "Account expires on")
    expired = page.findChild(QLabel, "expired")
    assert expired is not None
    assert by_name(page, QRadioButton, "Never").isChecked() and not expires_on.isEnabled()
    assert expires_on.date() == QDate(2026, 12, 22)  # a month on: one click must not end it tonight
    assert not window.is_dirty()  # offered, not stored

    click(qtbot, page, QRadioButton, "End of")
    assert expires_on.isEnabled() and expires_on.date() == QDate(2026, 12, 22)
    assert window.is_dirty() and not expired.isVisible()
    expires_on.setDate(QDate(2026, 11, 22))
    assert not expired.isVisible()  # today is not over yet at the practice
    expires_on.setDate(QDate(2026, 11, 21))
    assert expired.isVisible() and expired.text() == EXPIRED
    expires_on.setDate(QDate(2027, 6, 30))
    assert not expired.isVisible()

    save_with_ctrl_s(qtbot, window)

    assert stored(database, company, clock, kim).login_times.expires_on == date(2027, 6, 30)
    [event] = hours_events(database, kim)
    assert event.changes == [{"field": "account_expires_on", "before": None, "after": "2027-06-30"}]
    clock.now = datetime(2027, 7, 1, 4, 30, tzinfo=UTC)  # 00:30 in New York
    assert opens(window, kim)
    assert by_name(page, QRadioButton, "End of").isChecked()
    assert expires_on.date() == QDate(2027, 6, 30) and expired.isVisible()


def test_the_note_on_the_end_of_the_day_shows_under_the_date_only_with_end_of(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    note = page.findChild(QLabel, "expiry_note")
    assert note is not None and not note.isVisible()

    click(qtbot, page, QRadioButton, "End of")

    assert note.isVisible() and note.text() == EXPIRY_NOTE
    expires_on = by_name(page, QDateEdit, "Account expires on")
    qtbot.waitUntil(lambda: not note.visibleRegion().isEmpty())
    date_at, note_at = expires_on.mapTo(page, QPoint(0, 0)), note.mapTo(page, QPoint(0, 0))
    assert note_at.x() == date_at.x()  # left-aligned with the date it speaks of
    assert note_at.y() >= date_at.y() + expires_on.height()  # and under it
    click(qtbot, page, QRadioButton, "Never")
    assert not note.isVisible()


def test_the_farthest_date_is_saved_and_is_not_expired(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    expires_on = by_name(page, QDateEdit, "Account expires on")
    expired = page.findChild(QLabel, "expired")
    assert expired is not None
    assert expires_on.maximumDate() == QDate(9999, 12, 31)  # as far as --expires goes
    click(qtbot, page, QRadioButton, "End of")

    expires_on.setDate(QDate(9999, 12, 31))
    assert expires_on.date() == QDate(9999, 12, 31) and not expired.isVisible()
    save_with_ctrl_s(qtbot, window)

    assert stored(database, company, clock, kim).login_times.expires_on == date(9999, 12, 31)
    assert opens(window, kim)
    assert expires_on.text() == "12/31/9999" and not expired.isVisible()


def test_a_date_long_past_is_shown_as_stored(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(limited=False, expires_on=date(1700, 1, 1)))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)

    assert by_name(page, QDateEdit, "Account expires on").text() == "1/1/1700"
    expired = page.findChild(QLabel, "expired")
    assert expired is not None and expired.isVisible()
    assert not window.is_dirty()


def test_the_date_is_shown_in_the_locales_short_format_with_the_whole_year(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(expires_on=date(2027, 6, 30), limited=False))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    assert by_name(page, QDateEdit, "Account expires on").text() == "6/30/2027"


# Who and what


def test_copy_user_carries_the_login_times_to_the_new_user(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    night = DayHours.window(22 * 60, 6 * 60)
    times = week(OFF, NINE_TO_SIX, night, DayHours(True, True), expires_on=date(2027, 6, 30))
    give_times(database, company, clock, kim, times)
    assert opens(window, kim)
    window.copy_action.trigger()  # the section was never opened: the copy has it anyway
    page = window.page("login_times")
    assert isinstance(page, LoginTimesPage)
    assert rows_say(page, TUESDAY) == ("10:00 pm", "6:00 am")
    fill_in_new_user(qtbot, window)

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    copy = read_user(database, company, clock, "mhall")
    assert copy.login_times == times
    assert [e.action for e in hours_events(database, copy.pk)] == ["login_times.changed"]


@pytest.mark.parametrize(
    ("source_expires_on", "copy_expires_on"),
    [
        (date(2027, 3, 9), None),  # yesterday at the practice: over, the copy gets Never
        (date(2027, 3, 10), date(2027, 3, 10)),  # today: not over yet, copied
    ],
)
def test_copy_user_leaves_out_an_expiry_that_has_passed(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    source_expires_on: date,
    copy_expires_on: date | None,
) -> None:
    clock.now = datetime(2027, 3, 10, 15, tzinfo=UTC)  # 10:00 am there; not the real today
    times = week(OFF, NINE_TO_SIX, expires_on=source_expires_on)
    give_times(database, company, clock, kim, times)
    assert opens(window, kim)
    window.copy_action.trigger()
    page = login_times_page(window)
    expired = page.findChild(QLabel, "expired")
    assert expired is not None and not expired.isVisible()
    expires_on = by_name(page, QDateEdit, "Account expires on")
    if copy_expires_on is None:
        assert by_name(page, QRadioButton, "Never").isChecked()
        assert expires_on.date() == QDate(2027, 4, 9)  # what End of offers: a month on
    else:
        assert by_name(page, QRadioButton, "End of").isChecked()
        assert expires_on.date() == QDate(2027, 3, 10)
    fill_in_new_user(qtbot, window)

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    copy = read_user(database, company, clock, "mhall")
    assert copy.login_times == replace(times, expires_on=copy_expires_on)


def test_a_new_user_gets_hours_typed_before_the_first_save(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
) -> None:
    window.new_action.trigger()
    fill_in_new_user(qtbot, window)
    page = login_times_page(window)
    click(qtbot, page, QPushButton, "Weekdays 8-6")

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    new = read_user(database, company, clock, "mhall")
    assert new.login_times.limited and new.login_times.days[MONDAY] == DayHours.window(480, 1080)


def test_a_new_user_left_as_the_section_starts_writes_no_hours(
    qtbot: Any, window: UserSetupWindow, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    window.new_action.trigger()
    login_times_page(window)  # seen, not touched
    fill_in_new_user(qtbot, window)

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    new = read_user(database, company, clock, "mhall")
    assert new.login_times == LoginTimes() and hours_events(database, new.pk) == []


def test_front_desk_sees_the_section_read_only(
    qtbot: Any,
    locale: None,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX, expires_on=date(2027, 1, 1)))
    window = open_window(qtbot, database, company, clock, role=SetupRole.FRONT_DESK.value)
    try:
        assert opens(window, kim)  # as stored now
        page = login_times_page(window)
        assert rows_say(page, MONDAY) == ("9:00 am", "6:00 pm")
        start = field(page, MONDAY, "Start")
        assert start.isEnabled() and start.isReadOnly()  # readable, selectable, not editable
        buttons = [w for w in page.findChildren(QAbstractButton) if w.isVisibleTo(page)]
        assert buttons and not any(button.isEnabled() for button in buttons)
        assert not by_name(page, QDateEdit, "Account expires on").isEnabled()
        week_picture = picture(page)
        assert not week_picture.is_editable()
        hint = page.findChild(QLabel, "picture_hint")
        assert hint is not None and not hint.isVisible()  # nothing to drag
        with qtbot.assertNotEmitted(page.edited):
            drag(qtbot, week_picture, cell(week_picture, SUNDAY, 0), cell(week_picture, SUNDAY, 60))
        assert not filled(week_picture, SUNDAY, 0)
        assert not window.save_action.isEnabled() and not window.is_dirty()
    finally:
        window.close()


def test_every_input_is_named_by_its_day_and_column(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = login_times_page(window)
    headers = [
        label.text()
        for label in page.findChildren(QLabel)
        if label.objectName().startswith("header_")
    ]
    assert headers == list(HEADERS)
    rows = {
        f"{day} {column}"
        for day in WEEKDAY_NAMES
        for column in ("Available", "Not Available", "All day", "Start", "End")
    }
    named = [
        w.accessibleName()
        for w in page.findChildren(QWidget)
        if isinstance(w, (QLineEdit, QAbstractButton, QDateEdit, WeekPicture))
        and not isinstance(w.parent(), QDateEdit)  # the date's own line edit
    ]
    assert len(named) == len(set(named)), "two inputs share a name"
    assert set(named) == rows | {
        LIMITED, "Weekdays 8-6", "Copy Monday to all weekdays", "Clear", "Never", "End of",
        "Account expires on", "Week picture",
    }  # fmt: skip
    for widget in page.findChildren(QAbstractButton):
        if widget.text():
            assert widget.text() == widget.accessibleName()


def test_the_section_fits_the_window_without_scrolling_sideways(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_times(database, company, clock, kim, week(OFF, NINE_TO_SIX, expires_on=date(2026, 1, 1)))
    assert opens(window, kim)  # as stored now
    page = login_times_page(window)
    type_into(qtbot, field(page, MONDAY, "End"), "25:00")  # messages beside the rows as well
    assert not saves(window)
    scroll = next(w for w in window.findChildren(QScrollArea) if w.widget() is window.stack)

    qtbot.waitUntil(lambda: page.width() > 0 and page.errors.message("mon.end") != "")
    assert (window.width(), window.height()) == (1180, 760)
    assert not scroll.horizontalScrollBar().isVisible()
    assert picture(page).width() >= picture(page).minimumSizeHint().width()
    assert picture(page).geometry().right() <= scroll.viewport().width()
