"""The Login Times section: the hours a user may sign in, and when their account expires.

The rows (one per weekday) and the week picture edit the same rules: a stroke in the picture
is applied to the rules the rows say now (app.login_hours.paint) and written back into the
rows, so what is saved is always what the rows show.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTimeZone
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationError
from app.login_times.hours import (
    WEEKDAY_KEYS,
    WEEKDAY_NAMES,
    DayForm,
    DayHours,
    LoginTimes,
    clean_login_times,
    cleared,
    format_clock,
    is_expired,
    monday_copied,
    paint,
    parse_clock,
    today_in,
    weekdays_filled,
)
from app.sections.login_times import LoginTimesEdit
from app.sections.registry import AnySection, section
from app.validation import FieldProblem
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.form import FieldErrors
from ui.widgets.icons import icon
from ui.widgets.week_picture import WeekPicture, twelve_hour_clock

LIMITED = "Limited access"
HEADERS = ("Available", "Not Available", "Week Day", "All day", "Start", "End")
LIMITED_ON = "On: this user may sign in only in the hours below."
LIMITED_OFF = "Off: this user may sign in at any time. The hours below are kept but not used."
KEPT_HOURS_WRONG = (
    "Some hours kept below are not complete: turn Limited access on to correct them "
    "(they are kept even while it is off)."
)
TIME_TIP = "Type a time such as 9:00 am, 9:30pm or 17:30"
PICTURE_HINT = (
    "Drag across the cells to allow those hours; start on a filled cell to clear them. "
    "Keyboard: arrow keys, Shift+arrows to stretch, Space to paint."
)
EXPIRY_NOTE = "The account stops working at the end of this day in the company's time zone."
SUGGESTED_EXPIRY = timedelta(days=30)  # End of is offered a month on, not tonight
# Past dates stay allowed (an account may be expired at once); the earliest is Qt's, so a
# date another program stored is shown as it is. The latest is date.max, as on the command line.
EARLIEST_EXPIRY = QDate(100, 1, 1)
LATEST_EXPIRY = QDate(date.max.year, date.max.month, date.max.day)
EXPIRED = "This account has expired."
NEXT_DAY = "ends the next day"
WARNING_STYLE = "color: #8a4b00;"  # amber, not the red of an error: expiring may be on purpose

State = tuple[bool, date | None, tuple[DayHours | DayForm, ...]]
UNCHANGED: State = (False, None, LoginTimes().days)  # a new user's section as it starts


def zone_note(time_zone: str, moment: datetime) -> str:
    """ "Note: All times are in Eastern Standard Time (EST, America/New_York)", as named at
    ``moment`` (so daylight saving shows); the IANA name alone when Qt does not know it."""
    zone = QTimeZone(time_zone.encode())
    if not zone.isValid():
        return f"Note: All times are in {time_zone} time"
    at = QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), QTimeZone.utc())
    long_name = zone.displayName(at, QTimeZone.NameType.LongName)
    short_name = zone.displayName(at, QTimeZone.NameType.ShortName)
    if not long_name:
        long_name, short_name = time_zone, short_name if short_name != time_zone else ""
    aside = ", ".join(name for name in (short_name, time_zone) if name and name != long_name)
    return f"Note: All times are in {long_name}" + (f" ({aside})" if aside else "")


def short_date_format(locale: QLocale | None = None) -> str:
    """The locale's short date with a four-digit year: an expiry in '27 reads as a typo."""
    shown = (locale or QLocale()).dateFormat(QLocale.FormatType.ShortFormat)
    return re.sub(r"(?<!y)yy(?!y)", "yyyy", shown)


@dataclass
class DayRow:
    """The widgets of one weekday's row."""

    key: str
    available: QRadioButton
    not_available: QRadioButton
    name: QLabel
    all_day: QCheckBox
    start: QLineEdit
    end: QLineEdit
    next_day: QLabel

    def form(self) -> DayForm:
        """The row as typed; a Not Available or All day row keeps no times."""
        if not self.available.isChecked():
            return DayForm()
        if self.all_day.isChecked():
            return DayForm(True, True)
        return DayForm(True, False, self.start.text(), self.end.text())

    def show(self, form: DayForm) -> None:
        (self.available if form.available else self.not_available).setChecked(True)
        self.all_day.setChecked(form.all_day)
        self.start.setText(form.start)
        self.end.setText(form.end)


def _quiet(label: QLabel) -> None:
    """A hint, in the grey of placeholder text."""
    palette = label.palette()
    palette.setColor(
        QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText)
    )
    label.setPalette(palette)


def _button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text)
    button.setToolTip(tip)
    button.setAutoDefault(False)
    return button


class LoginTimesPage(SectionPage):
    section: ClassVar[AnySection] = section("login_times")

    def __init__(self, context: PracticeContext) -> None:
        super().__init__(context)
        self.errors = FieldErrors()
        self.subject = Subject(None, {})
        self.read_only = False
        self.twelve_hour = twelve_hour_clock()
        self.zone = ZoneInfo(context.company.time_zone)
        self.rows: list[DayRow] = []
        self._loading = False
        self._loaded: State = UNCHANGED

        outer = QVBoxLayout(self)
        outer.addLayout(self._limited_grid())
        self.hours = QWidget()  # what Limited access switches on and off
        hours_layout = QVBoxLayout(self.hours)
        hours_layout.setContentsMargins(0, 0, 0, 0)
        hours_layout.addLayout(self._day_grid())
        outer.addWidget(self.hours)
        outer.addLayout(self._quick_fill_row())
        self.zone_label = QLabel()
        self.zone_label.setObjectName("zone_note")
        self.zone_label.setWordWrap(True)
        outer.addWidget(self.zone_label)
        self.picture = WeekPicture(twelve_hour=self.twelve_hour)
        self.picture.painted.connect(self._picture_painted)
        outer.addWidget(self.picture)
        self.picture_hint = QLabel(PICTURE_HINT)
        self.picture_hint.setObjectName("picture_hint")
        self.picture_hint.setWordWrap(True)
        _quiet(self.picture_hint)
        outer.addWidget(self.picture_hint)
        outer.addLayout(self._expiry_grid())
        outer.addStretch(1)
        self._show_times(LoginTimes())
        self._loaded = self._state()

    # Building

    def _limited_grid(self) -> QGridLayout:
        grid = QGridLayout()
        self.limited = QCheckBox(LIMITED)
        self.limited.setAccessibleName(LIMITED)
        self.limited.setToolTip("Allow sign-in only in the hours set here")
        self.limited.toggled.connect(self._changed)
        grid.addWidget(self.limited, 0, 0, Qt.AlignmentFlag.AlignLeft)  # click = its text
        self.limited_state = QLabel()
        self.limited_state.setObjectName("limited_state")
        self.limited_state.setWordWrap(True)
        grid.addWidget(self.limited_state, 1, 0)
        self.errors.add(grid, "limited", self.limited, 2, 0)
        return grid

    def _day_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        for column, header in enumerate(HEADERS):
            label = QLabel(header)
            label.setObjectName(f"header_{column}")
            if column in (0, 1, 3):  # over a radio button or a checkbox
                grid.addWidget(label, 0, column, Qt.AlignmentFlag.AlignHCenter)
            else:
                grid.addWidget(label, 0, column)
        width = self.fontMetrics().horizontalAdvance("12:30 pm" if self.twelve_hour else "00:00")
        for index, (key, day) in enumerate(zip(WEEKDAY_KEYS, WEEKDAY_NAMES, strict=True)):
            row = DayRow(
                key=key,
                available=QRadioButton(),
                not_available=QRadioButton(),
                name=QLabel(day),
                all_day=QCheckBox(),
                start=QLineEdit(),
                end=QLineEdit(),
                next_day=QLabel(NEXT_DAY),
            )
            group = QButtonGroup(self)  # each row on its own: Available or Not Available
            cells: list[QWidget] = [row.available, row.not_available, row.name, row.all_day]
            for column, widget in enumerate(cells):
                if isinstance(widget, QAbstractButton):
                    widget.setAccessibleName(f"{day} {HEADERS[column]}")
                    grid.addWidget(widget, index + 1, column, Qt.AlignmentFlag.AlignHCenter)
                else:
                    grid.addWidget(widget, index + 1, column)
            group.addButton(row.available)
            group.addButton(row.not_available)
            row.name.setObjectName(f"{key}_name")
            for column, field in ((4, row.start), (5, row.end)):
                field.setAccessibleName(f"{day} {HEADERS[column]}")
                field.setObjectName(f"{key}_{HEADERS[column].lower()}")
                field.setMaxLength(12)
                field.setFixedWidth(width + 18)
                field.setToolTip(TIME_TIP)
                field.textChanged.connect(self._changed)
                field.editingFinished.connect(lambda field=field: self._tidy(field))
                grid.addWidget(field, index + 1, column)
            row.available.toggled.connect(self._changed)
            row.all_day.toggled.connect(self._changed)
            grid.addWidget(self._messages(row), index + 1, len(HEADERS))
            self.rows.append(row)
        grid.setColumnStretch(len(HEADERS), 1)
        return grid

    def _messages(self, row: DayRow) -> QWidget:
        """Beside the row: what is wrong with it, and whether it runs past midnight."""
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(0)
        self.errors.add(grid, row.key, row.name, 0, 0)
        self.errors.add(grid, f"{row.key}.start", row.start, 1, 0)
        self.errors.add(grid, f"{row.key}.end", row.end, 2, 0)
        row.next_day.setObjectName(f"{row.key}_next_day")
        _quiet(row.next_day)
        grid.addWidget(row.next_day, 3, 0)
        return box

    def _quick_fill_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.weekdays_button = _button(
            "Weekdays 8-6",
            "Monday to Friday from 8:00 am to 6:00 pm (the weekend stays as it is); "
            "turns Limited access on",
        )
        self.weekdays_button.clicked.connect(lambda: self._quick_fill(weekdays_filled))
        self.copy_monday_button = _button(
            "Copy Monday to all weekdays", "Tuesday to Friday get Monday's hours"
        )
        self.copy_monday_button.clicked.connect(lambda: self._quick_fill(monday_copied))
        self.clear_button = _button("Clear", "Every day Not Available")
        self.clear_button.clicked.connect(lambda: self._quick_fill(cleared, every_day=True))
        for button in (self.weekdays_button, self.copy_monday_button, self.clear_button):
            row.addWidget(button)
        row.addStretch(1)
        return row

    def _expiry_grid(self) -> QGridLayout:
        grid = QGridLayout()
        grid.addWidget(QLabel("Account expires:"), 0, 0)
        self.never = QRadioButton("Never")
        self.never.setAccessibleName("Never")
        self.end_of = QRadioButton("End of")
        self.end_of.setAccessibleName("End of")
        self.expiry_group = QButtonGroup(self)
        self.expiry_group.addButton(self.never)
        self.expiry_group.addButton(self.end_of)
        self.expires_on = QDateEdit()
        self.expires_on.setAccessibleName("Account expires on")
        self.expires_on.setCalendarPopup(True)
        self.expires_on.setDisplayFormat(short_date_format())
        self.expires_on.setDateRange(EARLIEST_EXPIRY, LATEST_EXPIRY)
        self.end_of.toggled.connect(self._changed)
        self.expires_on.dateChanged.connect(self._changed)
        for column, widget in enumerate((self.never, self.end_of, self.expires_on), start=1):
            grid.addWidget(widget, 0, column)
        # Under the date they speak of, running on into the stretch at the right.
        self.expiry_note = QLabel(EXPIRY_NOTE)
        self.expiry_note.setObjectName("expiry_note")
        self.expiry_note.setWordWrap(True)
        grid.addWidget(self.expiry_note, 1, 3, 1, 2)
        self.expired_mark = QLabel()
        self.expired_mark.setPixmap(icon("expired").pixmap(16, 16))
        self.expired_label = QLabel(EXPIRED)
        self.expired_label.setObjectName("expired")
        self.expired_label.setStyleSheet(WARNING_STYLE)
        warning = QHBoxLayout()
        warning.addWidget(self.expired_mark)
        warning.addWidget(self.expired_label, 1)
        grid.addLayout(warning, 2, 3, 1, 2)
        # app/ refuses an expiry that ends one's own account or the last Administrator's.
        self.errors.add(grid, "expires_on", self.expires_on, 3, 3, span=2)
        grid.setColumnStretch(4, 1)
        return grid

    # What is shown

    def _expiry(self) -> date | None:
        if not self.end_of.isChecked():
            return None
        day = self.expires_on.date()
        return date(day.year(), day.month(), day.day())

    def _read(self) -> tuple[LoginTimes, dict[str, str]]:
        """The rules the rows say, and the messages of the rows that say none (those count as
        Not Available here). Limited access is left out of the messages: a picture edit or a
        quick fill may be what makes a day available."""
        forms = [row.form() for row in self.rows]
        limited, expiry = self.limited.isChecked(), self._expiry()
        try:
            return replace(clean_login_times(False, forms, expiry), limited=limited), {}
        except ValidationError as exc:
            bad = {name.partition(".")[0] for name in exc.errors}
            kept = [
                DayForm() if row.key in bad else form
                for row, form in zip(self.rows, forms, strict=True)
            ]
            rules = clean_login_times(False, kept, expiry)
            return replace(rules, limited=limited), exc.errors

    def _state(self) -> State:
        """What the section says, to compare with what was loaded: times typed differently
        but meaning the same ("9" and "9:00 am") are the same."""
        times, errors = self._read()
        bad = {name.partition(".")[0] for name in errors}
        days = tuple(
            row.form() if row.key in bad else hours
            for row, hours in zip(self.rows, times.days, strict=True)
        )
        return times.limited, times.expires_on, days

    def collect(self) -> LoginTimes:
        """The section as typed, checked: ValidationError keyed "mon.start", "limited"..."""
        return clean_login_times(
            self.limited.isChecked(), [row.form() for row in self.rows], self._expiry()
        )

    def _show_times(self, times: LoginTimes) -> None:
        """Put these rules in the rows and the expiry, without counting it as an edit."""
        self._loading = True
        try:
            self.limited.setChecked(times.limited)
            for row, hours in zip(self.rows, times.days, strict=True):
                row.show(DayForm.of(hours, twelve_hour=self.twelve_hour))
            if times.expires_on is None:
                self.never.setChecked(True)
                day = today_in(self.zone, self.context.clock()) + SUGGESTED_EXPIRY
            else:
                self.end_of.setChecked(True)
                day = times.expires_on
            self.expires_on.setDate(QDate(day.year, day.month, day.day))
        finally:
            self._loading = False
        self._update_views()

    def _update_views(self) -> None:
        limited, editable = self.limited.isChecked(), not self.read_only
        times, _ = self._read()
        self.limited_state.setText(LIMITED_ON if limited else LIMITED_OFF)
        self.hours.setEnabled(limited)
        for row, hours in zip(self.rows, times.days, strict=True):
            available = row.available.isChecked()
            row.available.setEnabled(editable)
            row.not_available.setEnabled(editable)
            row.all_day.setEnabled(editable and available)
            for field in (row.start, row.end):
                field.setEnabled(available and not row.all_day.isChecked())
                field.setReadOnly(self.read_only)
            row.next_day.setVisible(hours.overnight)
        self.picture.setEnabled(limited)
        self.picture.set_editable(editable)
        self.picture.set_times(times)
        self.picture_hint.setVisible(editable)
        self.weekdays_button.setEnabled(editable)
        self.copy_monday_button.setEnabled(editable and limited)
        self.clear_button.setEnabled(editable and limited)
        self.never.setEnabled(editable)
        self.end_of.setEnabled(editable)
        self.expires_on.setEnabled(editable and self.end_of.isChecked())
        self.expiry_note.setVisible(self.end_of.isChecked())
        expired = times.expires_on is not None and is_expired(
            times, self.zone, self.context.clock()
        )
        self.expired_mark.setVisible(expired)
        self.expired_label.setVisible(expired)

    # Reacting to the operator

    def _changed(self) -> None:
        if self._loading:
            return
        self._update_views()
        self.edited.emit()

    def _tidy(self, field: QLineEdit) -> None:
        """Show a time as it was understood: "9" becomes "9:00 am" (or "09:00")."""
        if field.isReadOnly():
            return
        try:
            minute = parse_clock(field.text())
        except FieldProblem:
            return
        shown = format_clock(minute, twelve_hour=self.twelve_hour)
        if field.text() != shown:
            field.setText(shown)

    def _apply(self, times: LoginTimes) -> None:
        """A picture edit or quick fill: the rows say the new rules."""
        self._show_times(times)
        self.errors.clear()
        self.edited.emit()

    def _picture_painted(self, rows: object, start: int, end: int, fill: bool) -> None:
        assert isinstance(rows, tuple)
        times, errors = self._read()
        if errors:  # the rows must say what they mean before the picture can change them
            self._refuse(errors)
            return
        try:
            painted = paint(times, rows, start, end, fill=fill)
        except ValidationError as exc:  # a day would need two windows, or a whole day or more
            self.show_errors(exc.errors)
            return
        self._apply(painted)

    def _quick_fill(
        self, change: Callable[[LoginTimes], LoginTimes], *, every_day: bool = False
    ) -> None:
        times, errors = self._read()
        if errors and not every_day:
            self._refuse(errors)
            return
        self._apply(change(times))

    def _refuse(self, errors: Mapping[str, str]) -> None:
        """Show what is wrong with the rows; while they are greyed, say how to reach them."""
        self.show_errors(errors)

    # The page protocol

    def load(self, subject: Subject) -> None:
        self.subject = subject
        times: LoginTimes = subject.states.get("login_times", LoginTimes())
        self.zone_label.setText(zone_note(self.context.company.time_zone, self.context.clock()))
        self._show_times(times)
        self.errors.clear()
        self._loaded = self._state()

    def is_dirty(self) -> bool:
        return self._state() != self._loaded

    def edit(self, subject: Subject) -> LoginTimesEdit | None:
        """The rows as typed, for app/ to check; None when there is nothing to save (a new
        user's section as it started, or a stored user's unchanged)."""
        if self.read_only:
            return None
        if subject.is_new and subject.copied_from is None and self._state() == UNCHANGED:
            return None
        if not subject.is_new and not self.is_dirty():
            return None
        return LoginTimesEdit(
            self.limited.isChecked(), tuple(row.form() for row in self.rows), self._expiry()
        )

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        if errors and "limited" not in errors and not self.limited.isChecked():
            errors = {**errors, "limited": KEPT_HOURS_WRONG}  # the rows are greyed: say how
        mine = {name: message for name, message in errors.items() if self.errors.owns(name)}
        first = self.errors.show(mine)
        if isinstance(first, (QLineEdit, QAbstractButton)):  # not a day's name: nothing to type
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        return bool(mine)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        super().set_read_only(read_only)
        self._update_views()

    def focus_first_field(self) -> None:
        self.limited.setFocus(Qt.FocusReason.OtherFocusReason)
