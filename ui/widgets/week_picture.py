"""The week picture of the Login Times section: 7 days by 48 half hours, allowed time filled.

It draws the rules it is given (app.login_hours.week_spans, to the minute) and turns mouse
drags and key presses into strokes: "fill (or clear) these rows from this minute to that".
It changes nothing itself; the page applies each stroke to the rules and hands them back.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QLineF, QLocale, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.login_times.hours import (
    DAY,
    WEEKDAY_NAMES,
    LoginTimes,
    format_clock,
    is_filled,
    week_spans,
)

HALF_HOUR = 30
COLUMNS = DAY // HALF_HOUR
ROWS = len(WEEKDAY_NAMES)
LABEL_EVERY = 6  # columns between hour labels: every three hours
CELL_WIDTH, CELL_HEIGHT = 13, 19  # preferred; a narrower editor gets narrower cells
MIN_CELL_WIDTH, MIN_CELL_HEIGHT = 8, 14
MAX_CELL_WIDTH = 24

Cell = tuple[int, int]  # (row, column): Sunday 0 to Saturday 6, 00:00 0 to 23:30 47


def twelve_hour_clock(locale: QLocale | None = None) -> bool:
    """Does this locale (the default one if None) write short times with am/pm?"""
    shown = (locale or QLocale()).timeFormat(QLocale.FormatType.ShortFormat)
    return "a" in re.sub(r"'[^']*'", "", shown).lower()  # quoted text is literal, not a field


def hour_label(hour: int, *, twelve_hour: bool) -> str:
    """The picture's header: 12a 3a ... 9p, or 0 3 ... 21."""
    if not twelve_hour:
        return str(hour)
    return f"{(hour + 11) % 12 + 1}{'a' if hour < 12 else 'p'}"


class WeekPicture(QWidget):
    """The week at a glance, edited by dragging over cells or with the keyboard.

    A drag from one cell to another marks the rectangle of rows and half hours between them;
    on release ``painted`` says what to do with it: fill when the cell pressed first was empty,
    clear otherwise. The keyboard does the same: arrow keys move the focused cell, Shift with
    them stretches the rectangle, Space or Enter paints it.
    """

    painted = Signal(object, int, int, bool)  # rows (a tuple), start and end minute, fill

    def __init__(self, parent: QWidget | None = None, *, twelve_hour: bool | None = None) -> None:
        super().__init__(parent)
        self.twelve_hour = twelve_hour_clock() if twelve_hour is None else twelve_hour
        self._times = LoginTimes()
        self._spans = week_spans(self._times)
        self._editable = True
        self._current: Cell = (1, 16)  # Monday 8:00, where a working week usually begins
        self._anchor: Cell = self._current  # the other corner of the keyboard's rectangle
        self._dragging = False
        self._fill = True  # what the drag in progress will do
        self.setAccessibleName("Week picture")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMaximumWidth(self._label_width() + COLUMNS * MAX_CELL_WIDTH + 1)
        self._describe_current()

    # What is drawn

    def set_times(self, times: LoginTimes) -> None:
        """Draw these rules."""
        self._times = times
        self._spans = week_spans(times)
        self._describe_current()
        self.update()

    def times(self) -> LoginTimes:
        return self._times

    def set_editable(self, editable: bool) -> None:
        """Read-only still shows the hours and their tooltips; it only paints nothing."""
        if editable != self._editable:
            self._editable = editable
            self._dragging = False
            self._anchor = self._current
            self.update()

    def is_editable(self) -> bool:
        return self._editable

    def current_cell(self) -> Cell:
        """The cell the keyboard is on."""
        return self._current

    def marked(self) -> tuple[tuple[int, ...], int, int, bool] | None:
        """The rectangle a drag in progress would paint, as ``painted`` would say it."""
        if not self._dragging:
            return None
        return self._stroke(self._anchor, self._current, self._fill)

    def describe_cell(self, row: int, column: int) -> str:
        """ "Monday 9:00 am to 9:30 am: allowed", as the tooltip says it."""
        start, end = column * HALF_HOUR, (column + 1) * HALF_HOUR
        when = f"{WEEKDAY_NAMES[row]} {self._clock(start)} to {self._clock(end)}"
        parts = [(max(a, start), min(b, end)) for a, b in self._spans[row] if a < end and b > start]
        if not self._times.limited:
            kept = "in" if parts else "not in"
            return f"{when}: {kept} the hours kept; Limited access is off, so any time is allowed"
        if not parts:
            return f"{when}: not allowed"
        if parts == [(start, end)]:
            return f"{when}: allowed"
        allowed = ", ".join(f"{self._clock(a)} to {self._clock(b)}" for a, b in parts)
        return f"{when}: allowed {allowed} only"

    def _clock(self, minute: int) -> str:
        return format_clock(minute, twelve_hour=self.twelve_hour)

    # Geometry

    def _label_width(self) -> int:
        metrics = self.fontMetrics()
        return max(metrics.horizontalAdvance(name[:3]) for name in WEEKDAY_NAMES) + 10

    def _header_height(self) -> int:
        return self.fontMetrics().height() + 4

    def sizeHint(self) -> QSize:
        return QSize(
            self._label_width() + COLUMNS * CELL_WIDTH + 1,
            self._header_height() + ROWS * CELL_HEIGHT + 1,
        )

    def minimumSizeHint(self) -> QSize:
        return QSize(
            self._label_width() + COLUMNS * MIN_CELL_WIDTH + 1,
            self._header_height() + ROWS * MIN_CELL_HEIGHT + 1,
        )

    def plot_rect(self) -> QRectF:
        """Where the cells are (the day names are left of it, the hours above)."""
        left, top = self._label_width(), self._header_height()
        return QRectF(left, top, self.width() - left - 1, self.height() - top - 1)

    def _x(self, minute: int) -> float:
        plot = self.plot_rect()
        return plot.left() + minute * plot.width() / DAY

    def _y(self, row: int) -> float:
        plot = self.plot_rect()
        return plot.top() + row * plot.height() / ROWS

    def cell_rect(self, row: int, column: int) -> QRectF:
        """The cell's square on screen, in the widget's coordinates."""
        left, right = self._x(column * HALF_HOUR), self._x((column + 1) * HALF_HOUR)
        top, bottom = self._y(row), self._y(row + 1)
        return QRectF(left, top, right - left, bottom - top)

    def cell_at(self, point: QPointF, *, clamp: bool = False) -> Cell | None:
        """The cell under ``point``; None outside the cells unless ``clamp`` (nearest)."""
        plot = self.plot_rect()
        column = int((point.x() - plot.left()) * COLUMNS // plot.width())
        row = int((point.y() - plot.top()) * ROWS // plot.height())
        if clamp:
            return min(max(row, 0), ROWS - 1), min(max(column, 0), COLUMNS - 1)
        if not (0 <= row < ROWS and 0 <= column < COLUMNS):
            return None
        return row, column

    # Drawing

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        group = QPalette.ColorGroup.Active if self.isEnabled() else QPalette.ColorGroup.Disabled
        base = palette.color(group, QPalette.ColorRole.Base)
        fill = palette.color(group, QPalette.ColorRole.Highlight)
        text = palette.color(group, QPalette.ColorRole.WindowText)
        hour_line = palette.color(group, QPalette.ColorRole.Mid)
        half_line = _blend(hour_line, base)
        plot = self.plot_rect()

        painter.fillRect(plot, base)
        for row, spans in enumerate(self._spans):
            top, bottom = self._y(row), self._y(row + 1)
            for start, end in spans:
                painter.fillRect(QRectF(self._x(start), top, self._x(end) - self._x(start),
                                        bottom - top), fill)  # fmt: skip

        for column in range(COLUMNS + 1):
            x = round(self._x(column * HALF_HOUR)) + 0.5
            painter.setPen(hour_line if column % 2 == 0 else half_line)
            painter.drawLine(QLineF(x, plot.top(), x, plot.bottom()))
        painter.setPen(hour_line)
        for row in range(ROWS + 1):
            y = round(self._y(row)) + 0.5
            painter.drawLine(QLineF(plot.left(), y, plot.right(), y))

        painter.setPen(text)
        left_column = QRectF(0, 0, plot.left() - 6, 0)
        for row, name in enumerate(WEEKDAY_NAMES):
            label = left_column.adjusted(0, self._y(row), 0, self._y(row + 1))
            align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(label, int(align), name[:3])
        metrics = self.fontMetrics()
        for column in range(0, COLUMNS, LABEL_EVERY):
            hour = hour_label(column // 2, twelve_hour=self.twelve_hour)
            width = metrics.horizontalAdvance(hour)
            x = max(self._x(column * HALF_HOUR) - width / 2, 0.0)
            painter.drawText(QPointF(x, plot.top() - 4 - metrics.descent()), hour)

        if self._dragging:
            self._draw_mark(painter, self._anchor, self._current, fill, base, dashed=True)
        elif self.hasFocus():
            self._draw_mark(painter, self._anchor, self._current, fill, base, dashed=False)
        painter.end()

    def _draw_mark(
        self, painter: QPainter, first: Cell, last: Cell, fill: QColor, base: QColor, *,
        dashed: bool,
    ) -> None:  # fmt: skip
        """The rubber band of a drag (filled as it will paint), or the keyboard's cells."""
        rows = sorted((first[0], last[0]))
        columns = sorted((first[1], last[1]))
        area = self.cell_rect(rows[0], columns[0]).united(self.cell_rect(rows[1], columns[1]))
        if dashed:
            preview = QColor(fill if self._fill else base)
            preview.setAlpha(150)
            painter.fillRect(area, preview)
        pen = QPen(self.palette().color(QPalette.ColorRole.Text), 2)
        pen.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        painter.setPen(pen)
        painter.drawRect(area.adjusted(1, 1, -1, -1))

    # Mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if event.button() != Qt.MouseButton.LeftButton or cell is None:
            super().mousePressEvent(event)
            return
        self._move_to(cell, extend=False)
        if self._editable:
            self._dragging = True
            self._fill = not is_filled(self._times, cell[0], cell[1] * HALF_HOUR)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if not self._dragging:
            super().mouseMoveEvent(event)
            return
        cell = self.cell_at(event.position(), clamp=True)
        assert cell is not None
        if cell != self._current:
            self._current = cell
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if not self._dragging or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        cell = self.cell_at(event.position(), clamp=True)
        assert cell is not None
        self._current = cell
        self._finish(self._fill)

    # Keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        row, column = self._current
        moves = {
            Qt.Key.Key_Left: (row, column - 1),
            Qt.Key.Key_Right: (row, column + 1),
            Qt.Key.Key_Up: (row - 1, column),
            Qt.Key.Key_Down: (row + 1, column),
            Qt.Key.Key_Home: (row, 0),
            Qt.Key.Key_End: (row, COLUMNS - 1),
        }
        if key in moves and not self._dragging:
            to_row, to_column = moves[Qt.Key(key)]
            cell = (min(max(to_row, 0), ROWS - 1), min(max(to_column, 0), COLUMNS - 1))
            self._move_to(cell, extend=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        elif key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._editable:
            if not self._dragging:
                anchor_row, anchor_column = self._anchor
                self._finish(not is_filled(self._times, anchor_row, anchor_column * HALF_HOUR))
        elif key == Qt.Key.Key_Escape and (self._dragging or self._anchor != self._current):
            self._dragging = False
            self._anchor = self._current
            self.update()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # Tooltip

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            cell = self.cell_at(QPointF(event.pos()))
            if cell is None:
                QToolTip.hideText()
            else:
                area = self.cell_rect(*cell).toAlignedRect()
                QToolTip.showText(event.globalPos(), self.describe_cell(*cell), self, area)
            return True
        return super().event(event)

    # Strokes

    def _move_to(self, cell: Cell, *, extend: bool) -> None:
        self._current = cell
        if not extend:
            self._anchor = cell
        self._describe_current()
        self.update()

    def _describe_current(self) -> None:
        """Screen readers read the focused cell from the description."""
        self.setAccessibleDescription(self.describe_cell(*self._current))

    @staticmethod
    def _stroke(first: Cell, last: Cell, fill: bool) -> tuple[tuple[int, ...], int, int, bool]:
        rows = tuple(range(min(first[0], last[0]), max(first[0], last[0]) + 1))
        start = min(first[1], last[1]) * HALF_HOUR
        end = (max(first[1], last[1]) + 1) * HALF_HOUR
        return rows, start, end, fill

    def _finish(self, fill: bool) -> None:
        rows, start, end, fill = self._stroke(self._anchor, self._current, fill)
        self._dragging = False
        self._anchor = self._current
        self.update()
        self.painted.emit(rows, start, end, fill)


def _blend(first: QColor, second: QColor) -> QColor:
    """Half way between two colours: the half-hour lines, lighter than the hour lines."""
    return QColor(
        (first.red() + second.red()) // 2,
        (first.green() + second.green()) // 2,
        (first.blue() + second.blue()) // 2,
    )
