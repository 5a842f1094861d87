"""Login hours against a plain reference, over random rules and random moments.

The reference below reads the rule of app.login_hours' docstring straight off UTC offsets: it
never builds a local datetime with a fold or calls app.login_hours.instant. A wall-clock time
is the earliest UTC instant whose clocks show it; a time the clocks skip is read with the
offset in force just before the skip. A moment is allowed when it lies in [start, end) of the
window of any local date from two days before to two days after its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import ValidationError
from app.login_times.hours import (
    DAY,
    NEVER_ALLOWED,
    WEEKDAY_KEYS,
    DayForm,
    DayHours,
    LoginTimes,
    access_ends_at,
    clean_login_times,
    expires_at,
    is_expired,
    paint,
    week_spans,
    within_hours,
)

ZONES = [
    ZoneInfo("America/New_York"),
    ZoneInfo("America/Phoenix"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Australia/Lord_Howe"),
    # Its clocks skip from 23:00 on Saturday to Sunday's midnight, so a time skipped late on
    # Saturday is read on Sunday.
    ZoneInfo("America/Nuuk"),
]
FIRST, LAST = datetime(2020, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC)
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)
SCAN = timedelta(hours=1)  # every zone keeps an offset far longer than this
REACH = timedelta(hours=16)  # further than any zone's offset from UTC


# The reference


def wall(zone: ZoneInfo, moment: datetime) -> datetime:
    """What the zone's clocks show at ``moment`` (naive), by fromutc alone."""
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None)


def offset_at(zone: ZoneInfo, moment: datetime) -> timedelta:
    """The zone's clocks minus UTC at ``moment``."""
    return wall(zone, moment) - moment.astimezone(UTC).replace(tzinfo=None)


@cache
def offset_on_grid(zone: ZoneInfo, moment: datetime) -> timedelta:
    return offset_at(zone, moment)


@cache
def reference_instant(zone: ZoneInfo, shown: datetime) -> datetime:
    """The UTC instant the clocks in ``zone`` first show ``shown`` (naive); for a time they
    skip, ``shown`` read with the offset in force just before the skip."""
    as_utc = shown.replace(tzinfo=UTC)
    # Samples on a fixed hourly grid, so that neighbouring times share them.
    first = as_utc - REACH - (as_utc - REACH - FIRST) % SCAN
    samples = [first + k * SCAN for k in range(2 * REACH // SCAN + 2)]
    offsets = {offset_on_grid(zone, sample) for sample in samples}
    showing = sorted(as_utc - off for off in offsets if offset_at(zone, as_utc - off) == off)
    if showing:
        return showing[0]
    # The clocks jump over ``shown`` between the last sample still short of it and the next.
    before = [sample for sample in samples if sample + offset_on_grid(zone, sample) < as_utc][-1]
    return as_utc - offset_on_grid(zone, before)


def reference_windows(
    times: LoginTimes, zone: ZoneInfo, day: date
) -> list[tuple[datetime, datetime]]:
    """The stretch of real time the window of ``day`` allows, if it has one."""
    rule = times.days[(day.weekday() + 1) % 7]
    if not rule.available:
        return []
    midnight = datetime.combine(day, time())
    if rule.all_day:
        start, end = midnight, midnight + timedelta(days=1)
    else:
        start = midnight + timedelta(minutes=rule.start)
        end = midnight + timedelta(minutes=rule.end, days=1 if rule.end < rule.start else 0)
    return [(reference_instant(zone, start), reference_instant(zone, end))]


def dates_around(day: date, before: int, after: int) -> Iterator[date]:
    return (day + timedelta(days=k) for k in range(-before, after + 1))


def reference_allowed(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> bool:
    if not times.limited:
        return True
    today = wall(zone, moment).date()
    return any(
        start <= moment < end
        for day in dates_around(today, 2, 2)
        for start, end in reference_windows(times, zone, day)
    )


def reference_expired(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> bool:
    if times.expires_on is None:
        return False
    next_midnight = datetime.combine(times.expires_on + timedelta(days=1), time())
    return moment >= reference_instant(zone, next_midnight)


def reference_access(times: LoginTimes, zone: ZoneInfo, moment: datetime) -> bool:
    """May sign in: within the hours and not expired."""
    return reference_allowed(times, zone, moment) and not reference_expired(times, zone, moment)


@cache
def transitions(zone: ZoneInfo) -> tuple[datetime, ...]:
    """The instants in 2020-2030 at which the zone's offset changes: a daily scan, then
    halving down to the minute (no zone here changes twice in a day)."""
    found = []
    day, offset = FIRST, offset_at(zone, FIRST)
    while day < LAST:
        following = day + timedelta(days=1)
        if offset_at(zone, following) != offset:
            same, changed = 0, DAY  # minutes after ``day``
            while changed - same > 1:
                middle = (same + changed) // 2
                if offset_at(zone, day + middle * MINUTE) == offset:
                    same = middle
                else:
                    changed = middle
            found.append(day + changed * MINUTE)
            offset = offset_at(zone, following)
        day = following
    return tuple(found)


# The reference checked on its own, so that agreeing with it means something


def test_the_reference_reads_a_skipped_time_with_the_offset_before_the_skip() -> None:
    new_york = ZoneInfo("America/New_York")
    # 2:30 on the spring-forward day does not exist: read as EST, it is 3:30 EDT.
    assert reference_instant(new_york, datetime(2026, 3, 8, 2, 30)) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
    assert reference_instant(new_york, datetime(2026, 3, 8, 1, 59)) == datetime(
        2026, 3, 8, 6, 59, tzinfo=UTC
    )
    assert reference_instant(new_york, datetime(2026, 3, 8, 3, 0)) == datetime(
        2026, 3, 8, 7, 0, tzinfo=UTC
    )


def test_the_reference_reads_a_repeated_time_as_the_first() -> None:
    new_york = ZoneInfo("America/New_York")
    assert reference_instant(new_york, datetime(2026, 11, 1, 1, 30)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
    assert reference_instant(new_york, datetime(2026, 11, 1, 2, 0)) == datetime(
        2026, 11, 1, 7, 0, tzinfo=UTC
    )


def test_the_reference_finds_each_zones_changes_where_the_tz_database_puts_them() -> None:
    changes = {str(zone): transitions(zone) for zone in ZONES}

    assert changes["America/Phoenix"] == ()
    assert datetime(2026, 3, 8, 7, 0, tzinfo=UTC) in changes["America/New_York"]
    assert datetime(2026, 11, 1, 6, 0, tzinfo=UTC) in changes["America/New_York"]
    assert datetime(2026, 10, 3, 15, 30, tzinfo=UTC) in changes["Australia/Lord_Howe"]
    assert datetime(2026, 3, 29, 1, 0, tzinfo=UTC) in changes["America/Nuuk"]
    assert len(changes["Europe/London"]) == len(changes["Australia/Lord_Howe"]) == 2 * 11


# What hypothesis draws

ANY_MINUTE = st.integers(0, DAY - 1)
LIMITED = st.just(True)


@cache
def minutes_near(zone: ZoneInfo) -> st.SearchStrategy[int]:
    """Minutes after midnight, often close to the hours the zone's clocks change at."""
    changed_at = sorted(
        {
            (shown.hour * 60 + shown.minute)
            for change in transitions(zone)[:4]
            for shown in (wall(zone, change - MINUTE) + MINUTE, wall(zone, change))
        }
    )
    if not changed_at:
        return ANY_MINUTE
    close = st.builds(
        lambda base, shift: (base + shift) % DAY,
        st.sampled_from(changed_at),
        st.integers(-90, 90),
    )
    return st.one_of(ANY_MINUTE, close, st.sampled_from(changed_at))


@st.composite
def day_hours(draw: st.DrawFn, minutes: st.SearchStrategy[int]) -> DayHours:
    kind = draw(st.sampled_from(["off", "all day", "window", "window"]))
    if kind == "off":
        return DayHours()
    if kind == "all day":
        return DayHours(True, True)
    start = draw(minutes)
    end = draw(minutes.filter(lambda minute: minute != start))
    return DayHours.window(start, end)


@cache
def login_times(
    minutes: st.SearchStrategy[int] = ANY_MINUTE, limited: st.SearchStrategy[bool] = LIMITED
) -> st.SearchStrategy[LoginTimes]:
    return st.builds(
        LoginTimes,
        limited=limited,
        days=st.tuples(*[day_hours(minutes)] * 7),
        expires_on=st.none() | st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    )


@cache
def moments(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Instants in 2020-2030: anywhere, or within two days of one of the zone's changes, to
    the second or on the minute (where windows begin and end)."""
    seconds = int((LAST - FIRST).total_seconds()) - 1
    anywhere = st.builds(lambda s: FIRST + s * SECOND, st.integers(0, seconds))
    on_a_minute = st.builds(lambda m: FIRST + m * MINUTE, st.integers(0, seconds // 60))
    changes = transitions(zone)
    if not changes:
        return anywhere | on_a_minute
    near = st.builds(
        lambda change, s: change + s * SECOND,
        st.sampled_from(changes),
        st.integers(-2 * 86400, 2 * 86400),
    )
    near_on_a_minute = st.builds(
        lambda change, m, s: change + m * MINUTE - s * SECOND,
        st.sampled_from(changes),
        st.integers(-2 * DAY, 2 * DAY),
        st.sampled_from([0, 0, 1]),
    )
    return st.one_of(anywhere, on_a_minute, near, near_on_a_minute, near_on_a_minute)


@cache
def long_login_times(zone: ZoneInfo) -> st.SearchStrategy[LoginTimes]:
    """Rules with long windows, so that stretches run across midnights and clock changes."""
    minutes = st.one_of(minutes_near(zone), st.sampled_from([0, 60, 120, 1380, 1439]))
    return login_times(minutes, limited=st.booleans())


zones = pytest.mark.parametrize("zone", ZONES, ids=str)


# The properties


@zones
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_within_hours_agrees_with_the_reference(zone: ZoneInfo, data: st.DataObject) -> None:
    times = data.draw(login_times(minutes_near(zone)), label="times")
    moment = data.draw(moments(zone), label="moment")

    assert within_hours(times, zone, moment) == reference_allowed(times, zone, moment)


@zones
@settings(max_examples=25, deadline=None)
@given(times=login_times(limited=st.just(False)), data=st.data())
def test_without_limited_access_every_moment_is_within_hours(
    zone: ZoneInfo, times: LoginTimes, data: st.DataObject
) -> None:
    assert within_hours(times, zone, data.draw(moments(zone), label="moment"))


@zones
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_an_account_expires_at_the_end_of_its_date_and_stays_expired(
    zone: ZoneInfo, data: st.DataObject
) -> None:
    times = LoginTimes(expires_on=data.draw(st.dates(date(2020, 1, 3), date(2030, 12, 28))))
    end = expires_at(times.expires_on, zone)
    first, second = sorted([data.draw(moments(zone)), data.draw(moments(zone))])

    assert times.expires_on is not None
    assert end == reference_instant(zone, datetime.combine(times.expires_on, time()) + DAY * MINUTE)
    assert not is_expired(times, zone, end - SECOND)
    assert is_expired(times, zone, end)
    assert is_expired(times, zone, first) == reference_expired(times, zone, first)
    assert not is_expired(times, zone, first) or is_expired(times, zone, second)


def window_ends_between(
    times: LoginTimes, zone: ZoneInfo, after: datetime, before: datetime
) -> list[datetime]:
    """The reference's window ends strictly between two moments: the only places the allowed
    time can stop."""
    first, last = wall(zone, after).date(), wall(zone, before).date()
    days = (last - first).days
    return [
        end
        for day in dates_around(first, 2, days + 2)
        for _, end in reference_windows(times, zone, day)
        if after < end < before
    ]


@zones
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_access_ends_at_the_first_moment_the_reference_refuses(
    zone: ZoneInfo, data: st.DataObject
) -> None:
    """Allowed from the moment up to the answer, to the second, and refused at the answer (by
    the hours or by the expiry); the moment itself when refused now; None only when every hour
    of every day is allowed and the account never expires."""
    times = data.draw(long_login_times(zone), label="times")
    moment = data.draw(moments(zone), label="moment")

    ends = access_ends_at(times, zone, moment)

    if not reference_access(times, zone, moment):
        assert ends == moment
        return
    every_hour = not times.limited or all(day.all_day for day in times.days)
    if ends is None:
        assert times.expires_on is None
        assert every_hour
        return
    assert ends > moment
    assert reference_access(times, zone, ends - SECOND)
    assert not reference_access(times, zone, ends)
    if every_hour:
        assert ends == expires_at(times.expires_on, zone)
    else:
        for end in window_ends_between(times, zone, moment, ends):
            assert reference_access(times, zone, end), f"refused at {end}, before {ends}"


def minute_set(spans: tuple[tuple[tuple[int, int], ...], ...]) -> set[int]:
    """Every filled minute of the week picture, counted from Sunday's midnight."""
    return {
        row * DAY + minute
        for row, parts in enumerate(spans)
        for a, b in parts
        for minute in range(a, b)
    }


def painted_minutes(rows: set[int], start: int, end: int) -> set[int]:
    return {row * DAY + minute for row in rows for minute in range(start, end)}


WEEK = 7 * DAY
half_hour_cells = st.integers(0, 47).flatmap(
    lambda a: st.tuples(st.just(a * 30), st.integers(a + 1, 48).map(lambda b: b * 30))
)
any_minutes = st.integers(0, DAY - 1).flatmap(
    lambda a: st.tuples(st.just(a), st.integers(a + 1, DAY))
)
stretches = half_hour_cells | any_minutes
some_rows = st.sets(st.integers(0, 6), min_size=1, max_size=7)
any_login_times = login_times(limited=st.booleans())


@settings(max_examples=150, deadline=None)
@given(times=any_login_times, rows=some_rows, stretch=stretches)
def test_filling_keeps_every_filled_minute_and_fills_what_was_painted(
    times: LoginTimes, rows: set[int], stretch: tuple[int, int]
) -> None:
    """A day has one window, so filling grows it to cover the painted minutes; a night window
    that would have to grow to a whole day or more is refused rather than cut."""
    start, end = stretch
    too_long = {
        WEEKDAY_KEYS[row]
        for row in rows
        if (span := times.days[row].span()) is not None
        and span[1] > DAY
        and max(span[1], end) - min(span[0], start) >= DAY
    }
    if too_long:
        with pytest.raises(ValidationError) as refused:
            paint(times, rows, start, end, fill=True)
        assert set(refused.value.errors) <= too_long
        return

    after = paint(times, rows, start, end, fill=True)

    assert after.limited
    assert minute_set(week_spans(after)) >= minute_set(week_spans(times)) | painted_minutes(
        rows, start, end
    )
    assert all(after.days[row] == times.days[row] for row in range(7) if row not in rows)


def remains(times: LoginTimes, day: int, painted: set[int]) -> list[int]:
    """The minutes of this day's window, counted from Sunday's midnight (past the week for
    Saturday's night), that were not painted over."""
    span = times.days[day].span()
    if span is None:
        return []
    first, last = day * DAY + span[0], day * DAY + span[1]
    return [minute for minute in range(first, last) if minute % WEEK not in painted]


@settings(max_examples=150, deadline=None)
@given(times=any_login_times, rows=some_rows, stretch=stretches)
def test_clearing_removes_exactly_what_was_painted_unless_a_window_would_break_in_two(
    times: LoginTimes, rows: set[int], stretch: tuple[int, int]
) -> None:
    """What is left of a night window wholly after midnight moves to the next day when it can
    join that day's own window; a window cut in two is refused."""
    start, end = stretch
    painted = painted_minutes(rows, start, end)
    left = {day: remains(times, day, painted) for day in range(7)}
    broken = {
        WEEKDAY_KEYS[day] for day, kept in left.items() if kept and kept[-1] - kept[0] >= len(kept)
    }
    moves = {day for day, kept in left.items() if kept and kept[0] >= (day + 1) * DAY}

    try:
        after = paint(times, rows, start, end, fill=False)
    except ValidationError as refused:
        assert broken or moves
        assert set(refused.errors) <= broken | {WEEKDAY_KEYS[day] for day in moves}
        return

    assert not broken
    assert after.limited
    assert minute_set(week_spans(after)) == minute_set(week_spans(times)) - painted


@settings(max_examples=200, deadline=None)
@given(
    times=login_times(st.integers(0, DAY - 1), limited=st.booleans()),
    twelve_hour=st.booleans(),
)
def test_every_login_times_survives_the_form_in_either_clock(
    times: LoginTimes, twelve_hour: bool
) -> None:
    forms = [DayForm.of(day, twelve_hour=twelve_hour) for day in times.days]

    if times.limited and not any(day.available for day in times.days):
        with pytest.raises(ValidationError) as refused:
            clean_login_times(times.limited, forms, times.expires_on)
        assert refused.value.errors == {"limited": NEVER_ALLOWED}
    else:
        assert clean_login_times(times.limited, forms, times.expires_on) == times
    assert LoginTimes.from_stored(times.limited, times.stored_hours(), times.expires_on) == times
