"""The week picture on its own: what it draws, and the strokes mouse and keyboard make."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QLocale, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QToolTip

from app.login_times.hours import DayHours, LoginTimes
from ui.widgets.week_picture import COLUMNS, WeekPicture, hour_label, twelve_hour_clock

MONDAY, TUESDAY, WEDNESDAY, FRIDAY, SATURDAY = 1, 2, 3, 5, 6
NIGHT_SHIFT = LoginTimes(
    True, (DayHours(),) * 2 + (DayHours.window(22 * 60, 6 * 60),) + (DayHours(),) * 4
)


@pytest.fixture
def picture(qtbot: Any) -> Iterator[WeekPicture]:
    widget = WeekPicture(twelve_hour=True)
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint())
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


def centre(picture: WeekPicture, row: int, column: int) -> QPoint:
    return picture.cell_rect(row, column).center().toPoint()


def drag(qtbot: Any, picture: WeekPicture, first: QPoint, *through: QPoint) -> None:
    qtbot.mousePress(picture, Qt.MouseButton.LeftButton, pos=first)
    for point in through:
        qtbot.mouseMove(picture, point)
    qtbot.mouseRelease(picture, Qt.MouseButton.LeftButton, pos=through[-1] if through else first)


def column(hour: float) -> int:
    return int(hour * 2)


# Drawing


def test_the_picture_fills_what_the_rules_allow_including_the_morning_after_a_night(
    picture: WeekPicture,
) -> None:
    picture.set_times(NIGHT_SHIFT)  # Tuesday 22:00-06:00
    image = picture.grab().toImage()
    fill = picture.palette().color(QPalette.ColorRole.Highlight)

    def filled(row: int, hour: float) -> bool:
        return image.pixelColor(centre(picture, row, column(hour))) == fill

    assert filled(TUESDAY, 22) and filled(TUESDAY, 23.5)
    assert not filled(TUESDAY, 21.5)
    assert filled(WEDNESDAY, 0) and filled(WEDNESDAY, 5.5)
    assert not filled(WEDNESDAY, 6)
    assert not filled(TUESDAY, 0)  # Monday has no night of its own


def test_a_quarter_hour_fills_a_quarter_of_its_cell_on_screen(picture: WeekPicture) -> None:
    picture.set_times(
        LoginTimes(True, (DayHours(), DayHours.window(9 * 60 + 15, 17 * 60)) + (DayHours(),) * 5)
    )
    cell = picture.cell_rect(MONDAY, column(9))
    image = picture.grab().toImage()
    fill = picture.palette().color(QPalette.ColorRole.Highlight)
    y = int(cell.center().y())

    def colour_at(fraction: float) -> QColor:
        return image.pixelColor(int(cell.left() + fraction * cell.width()), y)

    assert colour_at(0.15) != fill  # 9:00 to 9:15 is not allowed
    assert colour_at(0.7) == fill
    assert image.pixelColor(centre(picture, MONDAY, column(10))) == fill
    assert image.pixelColor(centre(picture, MONDAY, column(17))) != fill  # End is exclusive


def test_cells_cover_the_plot_exactly_from_the_first_to_the_last(picture: WeekPicture) -> None:
    plot = picture.plot_rect()
    for row in (0, SATURDAY):
        first, last = picture.cell_rect(row, 0), picture.cell_rect(row, COLUMNS - 1)
        assert first.left() == plot.left() and last.right() == pytest.approx(plot.right())
        assert picture.cell_at(QPointF(plot.left(), first.center().y())) == (row, 0)
        assert picture.cell_at(QPointF(plot.right() - 0.01, last.center().y())) == (row, 47)
        assert picture.cell_at(QPointF(plot.left() - 1, first.center().y())) is None  # the name
        assert picture.cell_at(QPointF(plot.right() + 1, last.center().y())) is None
    assert picture.cell_at(QPointF(plot.left() + 1, plot.top() - 1)) is None  # the hours
    assert picture.cell_at(QPointF(plot.left() + 1, plot.bottom() - 0.01)) == (SATURDAY, 0)


def test_the_hours_are_labelled_as_the_locale_writes_them() -> None:
    assert [hour_label(h, twelve_hour=True) for h in range(0, 24, 3)] == [
        "12a", "3a", "6a", "9a", "12p", "3p", "6p", "9p",
    ]  # fmt: skip
    assert [hour_label(h, twelve_hour=False) for h in (0, 9, 21)] == ["0", "9", "21"]
    assert twelve_hour_clock(QLocale("en_US")) and twelve_hour_clock(QLocale("ko_KR"))
    assert not twelve_hour_clock(QLocale("en_GB")) and not twelve_hour_clock(QLocale("de_DE"))
    assert not twelve_hour_clock(QLocale("fr_CA"))  # "HH 'h' mm": the quoted h is text


def test_the_tooltip_names_the_day_the_half_hour_and_whether_it_is_allowed(
    qtbot: Any, picture: WeekPicture
) -> None:
    picture.set_times(
        LoginTimes(True, (DayHours(), DayHours.window(9 * 60 + 15, 17 * 60)) + (DayHours(),) * 5)
    )
    assert picture.describe_cell(MONDAY, column(10)) == "Monday 10:00 am to 10:30 am: allowed"
    assert picture.describe_cell(MONDAY, column(9)) == (
        "Monday 9:00 am to 9:30 am: allowed 9:15 am to 9:30 am only"
    )
    assert picture.describe_cell(SATURDAY, COLUMNS - 1) == (
        "Saturday 11:30 pm to 12:00 am: not allowed"
    )
    point = centre(picture, MONDAY, column(10))
    QApplication.sendEvent(
        picture, QHelpEvent(QEvent.Type.ToolTip, point, picture.mapToGlobal(point))
    )
    qtbot.waitUntil(QToolTip.isVisible)
    assert QToolTip.text() == "Monday 10:00 am to 10:30 am: allowed"
    QToolTip.hideText()


def test_with_limited_access_off_the_tooltip_says_the_hours_are_not_used(
    picture: WeekPicture,
) -> None:
    picture.set_times(LoginTimes(False, (DayHours(True, True),) * 7))
    assert picture.describe_cell(0, 0).endswith(
        "in the hours kept; Limited access is off, so any time is allowed"
    )


# Mouse


def test_a_drag_over_empty_cells_marks_them_live_and_asks_to_fill_them_on_release(
    qtbot: Any, picture: WeekPicture
) -> None:
    monday_8 = centre(picture, MONDAY, column(8))
    friday_1730 = centre(picture, FRIDAY, column(17.5))
    qtbot.mousePress(picture, Qt.MouseButton.LeftButton, pos=monday_8)
    qtbot.mouseMove(picture, centre(picture, WEDNESDAY, column(12)))
    assert picture.marked() == ((1, 2, 3), 8 * 60, 12 * 60 + 30, True)
    qtbot.mouseMove(picture, friday_1730)
    assert picture.marked() == ((1, 2, 3, 4, 5), 8 * 60, 18 * 60, True)

    with qtbot.waitSignal(picture.painted) as stroke:
        qtbot.mouseRelease(picture, Qt.MouseButton.LeftButton, pos=friday_1730)

    assert stroke.args == [(1, 2, 3, 4, 5), 8 * 60, 18 * 60, True]
    assert picture.marked() is None
    assert picture.times() == LoginTimes()  # the page applies strokes, not the picture


def test_a_drag_may_go_backwards_and_past_the_edge(qtbot: Any, picture: WeekPicture) -> None:
    start = centre(picture, WEDNESDAY, column(12))
    beyond = QPoint(-20, picture.height() + 20)  # left of Sunday's names, under Saturday
    with qtbot.waitSignal(picture.painted) as stroke:
        drag(qtbot, picture, start, beyond)
    assert stroke.args == [(3, 4, 5, 6), 0, 12 * 60 + 30, True]


def test_first_and_last_cells_of_a_row_give_the_whole_day(qtbot: Any, picture: WeekPicture) -> None:
    with qtbot.waitSignal(picture.painted) as stroke:
        drag(qtbot, picture, centre(picture, 0, 0), centre(picture, 0, COLUMNS - 1))
    assert stroke.args == [(0,), 0, 24 * 60, True]


def test_a_press_on_a_filled_cell_asks_to_clear(qtbot: Any, picture: WeekPicture) -> None:
    picture.set_times(NIGHT_SHIFT)
    with qtbot.waitSignal(picture.painted) as stroke:
        drag(qtbot, picture, centre(picture, WEDNESDAY, column(5)))  # a click: one cell
    assert stroke.args == [(WEDNESDAY,), 5 * 60, 5 * 60 + 30, False]


def test_a_read_only_picture_paints_nothing(qtbot: Any, picture: WeekPicture) -> None:
    picture.set_editable(False)
    with qtbot.assertNotEmitted(picture.painted):
        drag(qtbot, picture, centre(picture, MONDAY, 0), centre(picture, FRIDAY, 10))
        picture.setFocus()
        qtbot.keyClick(picture, Qt.Key.Key_Space)
    assert picture.current_cell() == (MONDAY, 0)  # it still shows where it is


# Keyboard


def test_arrow_keys_move_the_cell_and_space_paints_it(qtbot: Any, picture: WeekPicture) -> None:
    picture.set_times(LoginTimes(limited=True))
    picture.setFocus()
    qtbot.waitUntil(picture.hasFocus)
    assert picture.current_cell() == (MONDAY, column(8))
    qtbot.keyClick(picture, Qt.Key.Key_Down)
    qtbot.keyClick(picture, Qt.Key.Key_Right)
    assert picture.current_cell() == (TUESDAY, column(8.5))
    assert picture.accessibleDescription() == "Tuesday 8:30 am to 9:00 am: not allowed"

    with qtbot.waitSignal(picture.painted) as stroke:
        qtbot.keyClick(picture, Qt.Key.Key_Space)
    assert stroke.args == [(TUESDAY,), 8 * 60 + 30, 9 * 60, True]


def test_shift_with_the_arrows_stretches_the_cells_and_escape_lets_go(
    qtbot: Any, picture: WeekPicture
) -> None:
    picture.set_times(LoginTimes(True, (DayHours(),) + (DayHours(True, True),) * 6))
    picture.setFocus()
    qtbot.keyClick(picture, Qt.Key.Key_Home)
    for _ in range(3):
        qtbot.keyClick(picture, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(picture, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)

    with qtbot.waitSignal(picture.painted) as stroke:
        qtbot.keyClick(picture, Qt.Key.Key_Return)
    assert stroke.args == [(MONDAY, TUESDAY), 0, 2 * 60, False]  # Monday 0:00 was filled

    qtbot.keyClick(picture, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(picture, Qt.Key.Key_Escape)
    with qtbot.waitSignal(picture.painted) as stroke:
        qtbot.keyClick(picture, Qt.Key.Key_Space)
    assert stroke.args == [(TUESDAY,), 60, 90, False]  # only the cell the keyboard is on


def test_the_keyboard_stops_at_the_edges(qtbot: Any, picture: WeekPicture) -> None:
    picture.setFocus()
    qtbot.keyClick(picture, Qt.Key.Key_End)
    qtbot.keyClick(picture, Qt.Key.Key_Right)
    for _ in range(9):
        qtbot.keyClick(picture, Qt.Key.Key_Down)
    assert picture.current_cell() == (SATURDAY, COLUMNS - 1)
    for _ in range(9):
        qtbot.keyClick(picture, Qt.Key.Key_Up)
    qtbot.keyClick(picture, Qt.Key.Key_Home)
    qtbot.keyClick(picture, Qt.Key.Key_Left)
    assert picture.current_cell() == (0, 0)
