"""Login times: when a user may sign in, as wall-clock hours in the company's time zone.

Each weekday has at most one window: not available, all day, or Start to End, in minutes
after midnight. Start is inclusive and End exclusive; an End earlier than the Start runs past
midnight into the next day (22:00-06:00 on Monday allows Tuesday 02:00).

A window is a stretch of real time: its Start and End are read on their date in the company's
zone. Two rules decide the hours the clocks skip or show twice:

- A time the clocks skip (spring forward) is read as if they had not changed yet, so it falls
  as far after the gap as it was into it: 01:30-02:30 on a New York spring-forward day allows
  01:30-01:59 and 03:00-03:29, an hour of work as on any other day. A window that starts in
  the skipped hour starts as late: 02:30-03:15 allows nothing that day.
- A time the clocks show twice (autumn) means the first time: 01:00-01:45 on the fall-back
  day allows those 45 minutes once, not again when the clocks repeat them. A window that spans
  the change keeps its real length: 01:30-02:30 allows 01:30 summer time until 02:30 standard
  time, two hours.

This is what datetime(..., fold=0) does (PEP 495), and what the reference implementation in
the tests rebuilds from UTC offsets alone.

The account expires at the end of its date in the company's zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from app.errors import ValidationError
from app.validation import FieldProblem

T = TypeVar("T", int, datetime)  # minutes of a day, or moments

DAY = 24 * 60  # minutes
WEEKDAY_KEYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # as the section lists them
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKDAYS = range(1, 6)  # Monday to Friday, as indexes into WEEKDAY_KEYS
OFF, ALL_DAY = "off", "all day"

NOT_PERMITTED = "Login not permitted at this time"
NEVER_ALLOWED = (
    "No day is Available, so this user could never sign in: mark the days they work, "
    "or turn Limited access off."
)
ONE_WINDOW = "{day} has one window: clear from its start or its end, or use Not Available."
MORNING_LEFT = (
    "Only {day}'s hours after midnight would be left, and {next} has hours of its own that "
    "they don't join: clear those too, or use Not Available."
)
WHOLE_DAY_OR_MORE = (
    "{day}'s hours would run for a whole day or more: tick All day, or clear its hours after "
    "midnight first."
)


def weekday_index(day: date) -> int:
    """Sunday 0 to Saturday 6, the section's order (date.weekday() has Monday 0)."""
    return (day.weekday() + 1) % 7


@dataclass(frozen=True)
class DayHours:
    """One weekday's rule: not available, all day, or Start to End (minutes after midnight)."""

    available: bool = False
    all_day: bool = False
    start: int = 0
    end: int = 0

    @classmethod
    def window(cls, start: int, end: int) -> DayHours:
        if not (0 <= start < DAY and 0 <= end < DAY) or start == end:
            raise ValueError(f"not a window: {start}-{end}")
        return cls(True, False, start, end)

    @property
    def overnight(self) -> bool:
        """Runs into the next day; a window ending at 00:00 ends at this day's midnight."""
        return self.available and not self.all_day and 0 < self.end < self.start

    def span(self) -> tuple[int, int] | None:
        """The minutes allowed, from this day's midnight; past DAY for an overnight window."""
        if not self.available:
            return None
        if self.all_day:
            return 0, DAY
        return self.start, self.end if self.end > self.start else self.end + DAY

    @property
    def text(self) -> str:
        """ "off", "all day" or "09:00-18:00": how the database and the command line write it."""
        if not self.available:
            return OFF
        if self.all_day:
            return ALL_DAY
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    @classmethod
    def parse(cls, text: str) -> DayHours:
        """The inverse of ``text``; also "9:00 am-6:00 pm". Raises FieldProblem."""
        cleaned = " ".join(text.lower().split())
        if cleaned in (OFF, "", "not available"):
            return cls()
        if cleaned in (ALL_DAY, "all", "allday"):
            return cls(True, True)
        start, sep, end = cleaned.partition("-")
        if not sep:
            raise FieldProblem(f"Write hours as 09:00-18:00, 'all day' or 'off', not {text!r}.")
        first, last = parse_clock(start), parse_clock(end)
        if first == last:
            raise FieldProblem(SAME_TIMES)
        return cls.window(first, last)


@dataclass(frozen=True)
class LoginTimes:
    """The Login Times section: limited access, a rule per weekday, and the account's expiry.

    The day rules are kept while Limited access is off, so turning it on again restores them.
    """

    limited: bool = False
    days: tuple[DayHours, ...] = (DayHours(),) * 7
    expires_on: date | None = None

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("a week has seven days")

    def for_copy(self, zone: ZoneInfo, now: datetime) -> LoginTimes:
        """What Copy User gives a new user: everything, but an expiry that has passed (the
        new user is to start working, so theirs never expires)."""
        return replace(self, expires_on=None) if is_expired(self, zone, now) else self

    def with_day(self, index: int, hours: DayHours) -> LoginTimes:
        days = list(self.days)
        days[index] = hours
        return replace(self, days=tuple(days))

    def stored_hours(self) -> dict[str, str]:
        """The day rules as the users.login_hours column keeps them."""
        return {key: day.text for key, day in zip(WEEKDAY_KEYS, self.days, strict=True)}

    @classmethod
    def from_stored(
        cls, limited: bool, hours: Mapping[str, str] | None, expires_on: date | None
    ) -> LoginTimes:
        """The section as the users row keeps it. A rule that cannot be read (another program
        wrote the shared row) counts as Not Available: a limited user is refused, not let in."""
        stored = hours if isinstance(hours, Mapping) else {}
        return cls(
            limited, tuple(_stored_day(stored.get(key, OFF)) for key in WEEKDAY_KEYS), expires_on
        )


def _stored_day(text: object) -> DayHours:
    try:
        return DayHours.parse(text) if isinstance(text, str) else DayHours()
    except (FieldProblem, ValueError):
        return DayHours()


# Times as typed

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h]?(\d{2}))?\s*([ap])?\.?\s*(?:m\.?)?$")
SAME_TIMES = "Start and End are the same time: for the whole day use All day."


def parse_clock(text: str) -> int:
    """Minutes after midnight from "9", "9:30", "09:30", "9:30 am", "9.30pm", "21:30" or
    "0930". Raises FieldProblem with a message for beside the field."""
    match = _CLOCK.match(text.strip().lower())
    if match is None:
        raise FieldProblem("Type a time such as 9:00 am or 17:30.")
    hours, minutes = int(match[1]), int(match[2] or 0)
    meridiem = match[3]
    if minutes > 59:
        raise FieldProblem("Minutes go from 00 to 59.")
    if meridiem is not None:
        if not 1 <= hours <= 12:
            raise FieldProblem("With am or pm, hours go from 1 to 12.")
        hours = hours % 12 + (12 if meridiem == "p" else 0)
    elif hours > 23:
        raise FieldProblem("Hours go from 0 to 23 (or 1 to 12 with am or pm).")
    return hours * 60 + minutes


def format_clock(minute: int, *, twelve_hour: bool = False) -> str:
    """09:00 or, with twelve_hour, 9:00 am."""
    hours, minutes = divmod(minute % DAY, 60)
    if not twelve_hour:
        return f"{hours:02d}:{minutes:02d}"
    return f"{(hours + 11) % 12 + 1}:{minutes:02d} {'am' if hours < 12 else 'pm'}"


@dataclass(frozen=True)
class DayForm:
    """One row of the section as typed: Available or not, All day, and the two times."""

    available: bool = False
    all_day: bool = False
    start: str = ""
    end: str = ""

    @classmethod
    def of(cls, hours: DayHours, *, twelve_hour: bool = False) -> DayForm:
        if not hours.available or hours.all_day:
            return cls(hours.available, hours.all_day)
        return cls(
            True,
            False,
            format_clock(hours.start, twelve_hour=twelve_hour),
            format_clock(hours.end, twelve_hour=twelve_hour),
        )


def clean_login_times(
    limited: bool, days: Sequence[DayForm], expires_on: date | None
) -> LoginTimes:
    """The section as typed, checked; raises ValidationError keyed "mon.start", "mon.end",
    "limited". A Not Available day keeps no times."""
    errors: dict[str, str] = {}
    rules: list[DayHours] = []
    for key, form in zip(WEEKDAY_KEYS, days, strict=True):
        if not form.available:
            rules.append(DayHours())
            continue
        if form.all_day:
            rules.append(DayHours(True, True))
            continue
        times: dict[str, int] = {}
        for part, typed in (("start", form.start), ("end", form.end)):
            if not typed.strip():
                label = "a Start" if part == "start" else "an End"
                errors[f"{key}.{part}"] = f"Enter {label} time, or tick All day."
                continue
            try:
                times[part] = parse_clock(typed)
            except FieldProblem as problem:
                errors[f"{key}.{part}"] = str(problem)
        if len(times) < 2:
            rules.append(DayHours())
        elif times["start"] == times["end"]:
            errors[f"{key}.end"] = SAME_TIMES
            rules.append(DayHours())
        else:
            rules.append(DayHours.window(times["start"], times["end"]))
    if limited and not errors and not any(rule.available for rule in rules):
        errors["limited"] = NEVER_ALLOWED
    if errors:
        raise ValidationError(errors)
    return LoginTimes(limited, tuple(rules), expires_on)


# When a user may sign in


def instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The moment the clocks in ``zone`` show ``minute`` after the midnight of ``day`` (in
    UTC): a skipped time is read with the offset before the change, a repeated one is the
    first. ``minute`` may pass DAY: the next day's time."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def windows(
    times: LoginTimes, zone: ZoneInfo, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The stretches of real time allowed by the windows of the dates first..last, in UTC,
    in order, with touching or overlapping stretches merged."""
    stretches: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        span = times.days[weekday_index(day)].span()
        if span is not None:
            start, end = instant(day, span[0], zone), instant(day, span[1], zone)
            if end > start:  # a window wholly inside a skipped hour may come out empty
                stretches.append((start, end))
        day += timedelta(days=1)
    return _merge(stretches)


def hours_depend_on_time(times: LoginTimes) -> bool:
    """Does the time of the week decide whether the user may sign in (their hours are limited,
    and not to all day every day)?"""
    return times.limited and not all(day.all_day for day in times.days)


def within_hours(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> bool:
    """May the user sign in at ``moment`` (aware) by their login hours? Expiry not included."""
    if not times.limited:
        return True
    today = moment.astimezone(zone).date()
    around = windows(times, zone, *_reaching(today))
    return any(start <= moment < end for start, end in around)


def _reaching(today: date) -> tuple[date, date]:
    """The dates whose windows can hold a moment of ``today``. Yesterday's overnight window
    reaches into today, and so can the day before's when the clocks skip an hour that ends
    at today's midnight (America/Nuuk); a window of tomorrow can begin before today's
    repeated last hour is over."""
    return today - timedelta(days=2), today + timedelta(days=1)


def expires_at(expires_on: date | None, zone: ZoneInfo) -> datetime | None:
    """The moment an account that expires on ``expires_on`` stops working: the end of that
    date in the company's zone."""
    if expires_on is None or expires_on >= date.max:  # 9999-12-31: a way of writing "never"
        return None
    return instant(expires_on + timedelta(days=1), 0, zone)


def is_expired(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> bool:
    return has_expired(times.expires_on, zone, moment)


def has_expired(expires_on: date | None, zone: ZoneInfo, moment: datetime) -> bool:
    """Has an account that expires on ``expires_on`` stopped working by ``moment``?"""
    end = expires_at(expires_on, zone)
    return end is not None and moment >= end


def today_in(zone: ZoneInfo, moment: datetime) -> date:
    return moment.astimezone(zone).date()


def access_ends_at(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> datetime | None:
    """When the allowed time around ``moment`` runs out: the window closing or the account
    expiring, whichever is first. None when neither ever happens; ``moment`` itself when
    the user may not sign in at all now."""
    end = expires_at(times.expires_on, zone)
    if end is not None and moment >= end:
        return moment
    if not hours_depend_on_time(times):
        return end
    first, last = _reaching(moment.astimezone(zone).date())
    while True:
        around = windows(times, zone, first, last)
        current = next(((s, e) for s, e in around if s <= moment < e), None)
        if current is None:
            return moment
        if current[1] < instant(last, 0, zone):
            return current[1] if end is None else min(end, current[1])
        # The stretch may go on past the dates looked at (a skipped hour can join two
        # windows); a week without a clock change has an hour not allowed, so this stops.
        last += timedelta(days=7)


# The week picture


def week_spans(times: LoginTimes) -> tuple[tuple[tuple[int, int], ...], ...]:
    """What the week picture fills, per row Sunday to Saturday: the allowed minutes [a, b)
    of a week without clock changes. An overnight window's morning is on the next row
    (Saturday's on Sunday's)."""
    rows: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for index, day in enumerate(times.days):
        span = day.span()
        if span is None:
            continue
        start, end = span
        rows[index].append((start, min(end, DAY)))
        if end > DAY:
            rows[(index + 1) % 7].append((0, end - DAY))
    return tuple(tuple(_merge(row)) for row in rows)


def _merge(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """The spans in order, with touching or overlapping ones joined."""
    merged: list[tuple[T, T]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def is_filled(times: LoginTimes, row: int, minute: int) -> bool:
    """Is this minute of this row filled in the week picture?"""
    return any(start <= minute < end for start, end in week_spans(times)[row])


def _from_span(start: int, end: int) -> DayHours:
    """A day's rule from minutes after its midnight (end up to 2 * DAY)."""
    if end - start >= DAY:
        return DayHours(True, True)
    if end <= start:
        return DayHours()
    return DayHours.window(start % DAY, end % DAY)


def _cut(span: tuple[int, int], start: int, end: int, day: int) -> tuple[int, int] | None:
    """``span`` without [start, end); None when nothing is left; ValidationError (keyed by
    the day) when the cut falls inside it and would leave two windows."""
    first, last = span
    if end <= first or start >= last:
        return span
    if start <= first and end >= last:
        return None
    if start <= first:
        return end, last
    if end >= last:
        return first, start
    raise ValidationError({WEEKDAY_KEYS[day]: ONE_WINDOW.format(day=WEEKDAY_NAMES[day])})


def paint(
    times: LoginTimes, rows: Iterable[int], start: int, end: int, *, fill: bool
) -> LoginTimes:
    """The week picture edited: minutes [start, end) of each row filled or cleared.

    Filling grows the row's own window to cover what was painted (a day has one window); a
    day that was Not Available gets exactly the painted hours. A night window that would
    grow to a whole day or more (other than midnight to midnight) raises ValidationError
    keyed by the day. Clearing trims the row's own window and the overnight part of the day
    before; a cut inside a window, which would leave two, raises ValidationError keyed by the
    day. What is left of a night window only after midnight becomes the next day's, joined
    to that day's window when they touch; otherwise ValidationError keyed by the day.
    Limited access is turned on.
    """
    if not 0 <= start < end <= DAY:
        raise ValueError(f"not a stretch of one day: {start}-{end}")
    result = replace(times, limited=True)
    for row in sorted(set(rows)):
        own = result.days[row].span()
        if fill:
            if own is None:
                result = result.with_day(row, _from_span(start, end))
            else:
                grown = min(own[0], start), max(own[1], end)
                if grown[1] - grown[0] >= DAY and grown != (0, DAY):
                    name = WEEKDAY_NAMES[row]
                    raise ValidationError({WEEKDAY_KEYS[row]: WHOLE_DAY_OR_MORE.format(day=name)})
                result = result.with_day(row, _from_span(*grown))
            continue
        if own is not None:
            kept = _cut(own, start, end, row)
            if kept is not None and kept[0] >= DAY:
                result = _morning_moved(result.with_day(row, DayHours()), row, kept[1] - DAY)
            else:
                result = result.with_day(row, DayHours() if kept is None else _from_span(*kept))
        before = (row - 1) % 7
        spill = result.days[before].span()
        if spill is not None and spill[1] > DAY:
            kept = _cut(spill, start + DAY, end + DAY, before)
            result = result.with_day(before, DayHours() if kept is None else _from_span(*kept))
    return result


def _morning_moved(times: LoginTimes, row: int, until: int) -> LoginTimes:
    """``times`` with the morning [0, until) of the day after ``row`` made that day's own: a
    night window whose evening was cleared. ValidationError keyed by ``row`` when the next
    day has hours of its own that the morning does not reach, or that run past its midnight."""
    after = (row + 1) % 7
    own = times.days[after].span()
    if own is None:
        return times.with_day(after, DayHours.window(0, until))
    if own[0] > until or max(own[1], until) > DAY:
        message = MORNING_LEFT.format(day=WEEKDAY_NAMES[row], next=WEEKDAY_NAMES[after])
        raise ValidationError({WEEKDAY_KEYS[row]: message})
    return times.with_day(after, _from_span(0, max(own[1], until)))


def weekdays_filled(times: LoginTimes, start: int = 8 * 60, end: int = 18 * 60) -> LoginTimes:
    """The "Weekdays 8-6" quick fill: Monday to Friday from 8:00 am to 6:00 pm; the weekend
    as it was. Limited access is turned on."""
    result = replace(times, limited=True)
    for index in WEEKDAYS:
        result = result.with_day(index, DayHours.window(start, end))
    return result


def monday_copied(times: LoginTimes) -> LoginTimes:
    """ "Copy Monday to all weekdays": Tuesday to Friday get Monday's rule."""
    result = times
    for index in WEEKDAYS:
        result = result.with_day(index, times.days[1])
    return result


def cleared(times: LoginTimes) -> LoginTimes:
    """ "Clear": every day Not Available (Limited access and the expiry as they were)."""
    return replace(times, days=(DayHours(),) * 7)
