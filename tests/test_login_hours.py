"""Login hours at exact moments: times as typed, the section's checks, windows across midnight
and across the clock changes, expiry, when access ends, and the week picture's edits.

Moments are written with their UTC offset, so "2026-03-08T03:00-04:00" is 3:00 am EDT.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.errors import ValidationError
from app.login_times.hours import (
    DAY,
    MORNING_LEFT,
    NEVER_ALLOWED,
    ONE_WINDOW,
    SAME_TIMES,
    WHOLE_DAY_OR_MORE,
    DayForm,
    DayHours,
    LoginTimes,
    access_ends_at,
    clean_login_times,
    cleared,
    expires_at,
    format_clock,
    instant,
    is_expired,
    is_filled,
    monday_copied,
    paint,
    parse_clock,
    today_in,
    week_spans,
    weekday_index,
    weekdays_filled,
    windows,
    within_hours,
)
from app.validation import FieldProblem
from tests.test_login_hours_properties import transitions

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
PHOENIX = ZoneInfo("America/Phoenix")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
NUUK = ZoneInfo("America/Nuuk")
KEYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
SECOND, MINUTE = timedelta(seconds=1), timedelta(minutes=1)

TYPE_A_TIME = "Type a time such as 9:00 am or 17:30."
MINUTES_RANGE = "Minutes go from 00 to 59."
TWELVE_HOURS = "With am or pm, hours go from 1 to 12."
HOURS_RANGE = "Hours go from 0 to 23 (or 1 to 12 with am or pm)."


def at(text: str) -> datetime:
    """An exact moment, written with its offset."""
    return datetime.fromisoformat(text)


def hours(limited: bool = True, expires_on: date | None = None, **days: str) -> LoginTimes:
    """Login times with the given days ("mon": "09:00-18:00"); the rest Not Available."""
    rules = tuple(DayHours.parse(days.get(key, "off")) for key in KEYS)
    return LoginTimes(limited, rules, expires_on)


def window(text: str) -> DayHours:
    return DayHours.parse(text)


def clock(hour: int, minute: int = 0) -> int:
    return hour * 60 + minute


# Times as typed


@pytest.mark.parametrize(
    ("typed", "minute"),
    [
        ("9", clock(9)),
        ("9:30", clock(9, 30)),
        ("09:30", clock(9, 30)),
        ("0930", clock(9, 30)),
        ("930", clock(9, 30)),
        ("9.30", clock(9, 30)),
        ("9h30", clock(9, 30)),
        ("21:30", clock(21, 30)),
        ("0:00", 0),
        ("00:00", 0),
        ("23:59", clock(23, 59)),
        ("9:30 am", clock(9, 30)),
        ("9:30am", clock(9, 30)),
        ("9:30 AM", clock(9, 30)),
        ("9:30 a.m.", clock(9, 30)),
        ("9.30pm", clock(21, 30)),
        ("9:30 p", clock(21, 30)),
        ("6 pm", clock(18)),
        ("11:59 pm", clock(23, 59)),
        ("12 am", 0),
        ("12:30 am", clock(0, 30)),
        ("12 pm", clock(12)),
        ("12:45 pm", clock(12, 45)),
        ("1 pm", clock(13)),
        ("  7:05  ", clock(7, 5)),
    ],
)
def test_a_time_is_read_in_any_of_the_ways_the_practice_types_it(typed: str, minute: int) -> None:
    assert parse_clock(typed) == minute


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", TYPE_A_TIME),
        ("   ", TYPE_A_TIME),
        ("noon", TYPE_A_TIME),
        ("9:5", TYPE_A_TIME),
        ("9 30", TYPE_A_TIME),
        ("9:30:00", TYPE_A_TIME),
        ("-1", TYPE_A_TIME),
        ("9:30 xm", TYPE_A_TIME),
        ("9:75", MINUTES_RANGE),
        ("9:60 pm", MINUTES_RANGE),
        ("13 pm", TWELVE_HOURS),
        ("0 am", TWELVE_HOURS),
        ("0:30 am", TWELVE_HOURS),
        ("25:00", HOURS_RANGE),
        ("24:00", HOURS_RANGE),
    ],
)
def test_a_time_that_cannot_be_read_says_why_beside_the_field(typed: str, message: str) -> None:
    with pytest.raises(FieldProblem) as refused:
        parse_clock(typed)

    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("minute", "twenty_four", "twelve"),
    [
        (0, "00:00", "12:00 am"),
        (clock(0, 30), "00:30", "12:30 am"),
        (clock(9), "09:00", "9:00 am"),
        (clock(11, 59), "11:59", "11:59 am"),
        (clock(12), "12:00", "12:00 pm"),
        (clock(12, 45), "12:45", "12:45 pm"),
        (clock(18, 5), "18:05", "6:05 pm"),
        (clock(23, 59), "23:59", "11:59 pm"),
    ],
)
def test_a_time_is_written_in_the_twenty_four_or_twelve_hour_clock(
    minute: int, twenty_four: str, twelve: str
) -> None:
    assert format_clock(minute) == twenty_four
    assert format_clock(minute, twelve_hour=True) == twelve


def test_every_minute_of_the_day_reads_back_as_written_in_either_clock() -> None:
    for minute in range(DAY):
        assert parse_clock(format_clock(minute)) == minute
        assert parse_clock(format_clock(minute, twelve_hour=True)) == minute


def test_midnight_at_the_end_of_a_night_window_is_written_as_midnight() -> None:
    assert format_clock(DAY) == "00:00"


# One day's rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("off", DayHours()),
        ("Not Available", DayHours()),
        ("", DayHours()),
        ("all day", DayHours(True, True)),
        ("All  Day", DayHours(True, True)),
        ("allday", DayHours(True, True)),
        ("09:00-18:00", DayHours(True, False, clock(9), clock(18))),
        ("9:00 am - 6:00 pm", DayHours(True, False, clock(9), clock(18))),
        ("22:00-06:00", DayHours(True, False, clock(22), clock(6))),
        ("18:00-00:00", DayHours(True, False, clock(18), 0)),
    ],
)
def test_a_days_rule_is_read_from_its_stored_or_typed_text(text: str, rule: DayHours) -> None:
    assert DayHours.parse(text) == rule


@pytest.mark.parametrize("text", ["off", "all day", "09:00-18:00", "22:00-06:00", "00:01-00:00"])
def test_a_days_rule_is_stored_as_text_that_reads_back_the_same(text: str) -> None:
    assert DayHours.parse(text).text == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9:00-9:00", SAME_TIMES),
        ("00:00-00:00", SAME_TIMES),
        ("nine to five", "Write hours as 09:00-18:00, 'all day' or 'off', not 'nine to five'."),
        ("09:00-25:00", HOURS_RANGE),
        ("noon-18:00", TYPE_A_TIME),
    ],
)
def test_a_days_rule_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(FieldProblem) as refused:
        DayHours.parse(text)

    assert str(refused.value) == message


@pytest.mark.parametrize(("start", "end"), [(0, 0), (-1, 60), (0, DAY), (DAY, 60)])
def test_a_window_needs_two_different_times_of_one_day(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        DayHours.window(start, end)


def test_a_window_ending_before_it_starts_runs_into_the_next_day() -> None:
    night = window("22:00-06:00")

    assert night.overnight
    assert night.span() == (clock(22), DAY + clock(6))
    assert not window("06:00-22:00").overnight
    assert window("06:00-22:00").span() == (clock(6), clock(22))
    assert DayHours(True, True).span() == (0, DAY)
    assert not DayHours(True, True).overnight
    assert not window("08:00-00:00").overnight  # ends at this day's midnight
    assert window("08:00-00:00").span() == (clock(8), DAY)
    assert DayHours().span() is None


def test_the_week_is_stored_as_one_text_per_day_and_reads_back_the_same() -> None:
    times = hours(
        limited=True,
        expires_on=date(2027, 6, 30),
        mon="09:00-18:00",
        tue="22:00-06:00",
        sat="all day",
    )

    assert times.stored_hours() == {
        "sun": "off",
        "mon": "09:00-18:00",
        "tue": "22:00-06:00",
        "wed": "off",
        "thu": "off",
        "fri": "off",
        "sat": "all day",
    }
    assert LoginTimes.from_stored(True, times.stored_hours(), date(2027, 6, 30)) == times


def test_days_missing_from_storage_are_not_available() -> None:
    assert LoginTimes.from_stored(False, None, None) == LoginTimes()
    assert LoginTimes.from_stored(True, {"mon": "all day"}, None) == hours(mon="all day")


def test_a_week_has_seven_days() -> None:
    with pytest.raises(ValueError):
        LoginTimes(True, (DayHours(),) * 6)


def test_weekdays_are_counted_from_sunday_as_the_section_lists_them() -> None:
    assert weekday_index(date(2026, 11, 22)) == 0  # a Sunday
    assert weekday_index(date(2026, 11, 23)) == 1
    assert weekday_index(date(2026, 11, 28)) == 6


# The section as typed


def rows(**typed: DayForm) -> list[DayForm]:
    return [typed.get(key, DayForm()) for key in KEYS]


def test_the_section_as_typed_becomes_the_rules_in_either_clock() -> None:
    typed = rows(
        mon=DayForm(True, False, "9:00 am", "6:00 pm"),
        tue=DayForm(True, False, "22:00", "06:00"),
        sat=DayForm(True, True),
    )

    times = clean_login_times(True, typed, date(2027, 6, 30))

    assert times == hours(
        expires_on=date(2027, 6, 30), mon="09:00-18:00", tue="22:00-06:00", sat="all day"
    )


@pytest.mark.parametrize(
    ("form", "errors"),
    [
        (
            DayForm(True, False, "", "6:00 pm"),
            {"mon.start": "Enter a Start time, or tick All day."},
        ),
        (DayForm(True, False, "9:00 am", "  "), {"mon.end": "Enter an End time, or tick All day."}),
        (
            DayForm(True, False, "", ""),
            {
                "mon.start": "Enter a Start time, or tick All day.",
                "mon.end": "Enter an End time, or tick All day.",
            },
        ),
        (DayForm(True, False, "9:00 am", "09:00"), {"mon.end": SAME_TIMES}),
        (DayForm(True, False, "noon", "6:00 pm"), {"mon.start": TYPE_A_TIME}),
        (DayForm(True, False, "9:00", "25:00"), {"mon.end": HOURS_RANGE}),
        (
            DayForm(True, False, "13 pm", "9:75"),
            {"mon.start": TWELVE_HOURS, "mon.end": MINUTES_RANGE},
        ),
    ],
)
def test_an_available_day_needs_two_readable_different_times(
    form: DayForm, errors: dict[str, str]
) -> None:
    with pytest.raises(ValidationError) as refused:
        clean_login_times(False, rows(mon=form), None)

    assert refused.value.errors == errors


def test_every_wrong_day_is_reported_at_once() -> None:
    typed = rows(
        sun=DayForm(True, False, "", "5 pm"),
        wed=DayForm(True, False, "8", "8:00"),
        sat=DayForm(True, False, "9", "noon"),
    )

    with pytest.raises(ValidationError) as refused:
        clean_login_times(True, typed, None)

    assert refused.value.errors == {
        "sun.start": "Enter a Start time, or tick All day.",
        "wed.end": SAME_TIMES,
        "sat.end": TYPE_A_TIME,
    }


def test_limited_access_with_no_day_available_is_refused() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_login_times(True, rows(), None)

    assert refused.value.errors == {"limited": NEVER_ALLOWED}


def test_with_limited_access_off_no_day_needs_to_be_available() -> None:
    assert clean_login_times(False, rows(), None) == LoginTimes()


def test_a_wrong_time_is_reported_before_the_empty_week() -> None:
    with pytest.raises(ValidationError) as refused:
        clean_login_times(True, rows(mon=DayForm(True, False, "", "5 pm")), None)

    assert refused.value.errors == {"mon.start": "Enter a Start time, or tick All day."}


def test_not_available_and_all_day_ignore_the_times_left_in_the_row() -> None:
    typed = rows(
        mon=DayForm(False, False, "noon", "9"),
        tue=DayForm(True, True, "25:00", ""),
        wed=DayForm(False, True, "9", "9"),
    )

    assert clean_login_times(True, typed, None) == hours(tue="all day")


def test_a_row_shows_the_rules_times_in_the_operators_clock() -> None:
    assert DayForm.of(window("09:00-18:00")) == DayForm(True, False, "09:00", "18:00")
    assert DayForm.of(window("09:00-18:00"), twelve_hour=True) == DayForm(
        True, False, "9:00 am", "6:00 pm"
    )
    assert DayForm.of(DayHours(True, True)) == DayForm(True, True)
    assert DayForm.of(DayHours()) == DayForm()


# Within the hours, at exact moments (a Monday in November: New York on EST, -05:00)


def test_start_is_allowed_and_end_is_not_to_the_second() -> None:
    times = hours(mon="09:00-18:00")

    assert not within_hours(times, NEW_YORK, at("2026-11-23T08:59:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T09:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T17:59:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T17:59:59-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-23T18:00:00-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-24T09:00:00-05:00"))  # Tuesday


def test_a_night_shift_on_monday_allows_tuesday_until_its_end() -> None:
    times = hours(mon="22:00-06:00")

    assert not within_hours(times, NEW_YORK, at("2026-11-23T21:59:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T22:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-24T00:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-24T02:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-24T05:59:59-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-24T06:00:00-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-24T22:00:00-05:00"))  # Tuesday night
    assert not within_hours(times, NEW_YORK, at("2026-11-23T02:00:00-05:00"))  # Monday morning


def test_a_saturday_night_shift_runs_into_sunday_across_the_week() -> None:
    times = hours(sat="22:00-06:00")

    assert within_hours(times, NEW_YORK, at("2026-11-28T22:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-29T00:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-29T05:59:59-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-29T06:00:00-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-22T22:00:00-05:00"))  # Sunday night


def test_all_day_is_midnight_to_midnight() -> None:
    times = hours(wed="all day")

    assert not within_hours(times, NEW_YORK, at("2026-11-24T23:59:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-25T00:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-25T23:59:59-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-26T00:00:00-05:00"))


def test_with_limited_access_off_every_moment_is_allowed_and_the_rules_are_kept() -> None:
    times = hours(limited=False, mon="09:00-18:00")

    assert within_hours(times, NEW_YORK, at("2026-11-22T03:00:00-05:00"))
    assert within_hours(LoginTimes(), NEW_YORK, at("2026-11-23T20:00:00-05:00"))
    assert times.days[1] == window("09:00-18:00")


def test_the_moment_is_read_in_the_companys_zone_whatever_zone_it_comes_in() -> None:
    times = hours(mon="09:00-18:00")

    assert within_hours(times, NEW_YORK, at("2026-11-23T14:00:00+00:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-24T00:30:00+10:30"))  # 9:00 am in New York
    assert not within_hours(times, NEW_YORK, at("2026-11-23T13:59:59+00:00"))


# Across the clock changes


def test_nine_oclock_stays_nine_oclock_across_the_change() -> None:
    times = hours(mon="09:00-17:00")

    # Winter (EST, -05:00): 14:00 to 22:00 UTC.
    assert not within_hours(times, NEW_YORK, at("2026-11-23T13:59:59+00:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T14:00:00+00:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-23T21:59:59+00:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-23T22:00:00+00:00"))
    # Summer (EDT, -04:00): 13:00 to 21:00 UTC.
    assert not within_hours(times, NEW_YORK, at("2026-06-01T12:59:59+00:00"))
    assert within_hours(times, NEW_YORK, at("2026-06-01T13:00:00+00:00"))
    assert within_hours(times, NEW_YORK, at("2026-06-01T20:59:59+00:00"))
    assert not within_hours(times, NEW_YORK, at("2026-06-01T21:00:00+00:00"))


def test_a_window_across_the_skipped_hour_allows_an_hour_of_work() -> None:
    """New York springs forward at 2:00 am on Sunday 8 March 2026: 02:30 is read as if the
    clocks had not changed yet, which is 03:30 EDT."""
    times = hours(sun="01:30-02:30")

    assert not within_hours(times, NEW_YORK, at("2026-03-08T01:29:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T01:30:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T01:59:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T03:00:00-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T03:29:59-04:00"))
    assert not within_hours(times, NEW_YORK, at("2026-03-08T03:30:00-04:00"))
    assert windows(times, NEW_YORK, date(2026, 3, 8), date(2026, 3, 8)) == [
        (at("2026-03-08T06:30:00+00:00"), at("2026-03-08T07:30:00+00:00"))
    ]


def test_a_window_wholly_inside_the_skipped_hour_falls_just_after_it() -> None:
    times = hours(sun="02:00-02:30")

    assert not within_hours(times, NEW_YORK, at("2026-03-08T01:59:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T03:00:00-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T03:29:59-04:00"))
    assert not within_hours(times, NEW_YORK, at("2026-03-08T03:30:00-04:00"))


def test_a_window_from_inside_the_skipped_hour_to_a_time_its_start_is_read_past_is_empty() -> None:
    """02:30 is read as 03:30 EDT, after the End (03:15), so that Sunday allows nothing: the
    written rule, taken to the letter; every other Sunday allows 02:30-03:15."""
    times = hours(sun="02:30-03:15")

    assert windows(times, NEW_YORK, date(2026, 3, 8), date(2026, 3, 8)) == []
    assert not within_hours(times, NEW_YORK, at("2026-03-08T03:05:00-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-15T03:05:00-04:00"))


def test_a_window_inside_the_repeated_hour_is_allowed_once_in_summer_time() -> None:
    """New York falls back at 2:00 am on Sunday 1 November 2026: 1:00-1:59 happen twice."""
    times = hours(sun="01:00-01:45")

    assert not within_hours(times, NEW_YORK, at("2026-11-01T00:59:59-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:00:00-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:44:59-04:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-01T01:45:00-04:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-01T01:00:00-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-01T01:30:00-05:00"))


def test_a_window_across_the_repeated_hour_keeps_its_real_length_of_two_hours() -> None:
    times = hours(sun="01:30-02:30")

    assert not within_hours(times, NEW_YORK, at("2026-11-01T01:29:59-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:30:00-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:59:59-04:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T01:29:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T02:00:00-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-11-01T02:29:59-05:00"))
    assert not within_hours(times, NEW_YORK, at("2026-11-01T02:30:00-05:00"))
    assert windows(times, NEW_YORK, date(2026, 11, 1), date(2026, 11, 1)) == [
        (at("2026-11-01T05:30:00+00:00"), at("2026-11-01T07:30:00+00:00"))
    ]


def test_a_weekend_of_all_day_across_the_repeated_hour_is_one_stretch_of_forty_nine_hours() -> None:
    times = hours(sat="all day", sun="all day")

    assert windows(times, NEW_YORK, date(2026, 10, 31), date(2026, 11, 1)) == [
        (at("2026-10-31T00:00:00-04:00"), at("2026-11-02T00:00:00-05:00"))
    ]
    assert at("2026-11-02T00:00:00-05:00") - at("2026-10-31T00:00:00-04:00") == timedelta(hours=49)


def test_a_time_past_midnight_is_read_on_the_next_day() -> None:
    assert instant(date(2026, 11, 23), DAY + clock(6), NEW_YORK) == at("2026-11-24T06:00:00-05:00")
    assert instant(date(2026, 3, 7), DAY + clock(2, 30), NEW_YORK) == at(
        "2026-03-08T03:30:00-04:00"
    )


def test_london_reads_its_skipped_and_repeated_hours_by_the_same_rule() -> None:
    """London springs forward at 1:00 am on Sunday 29 March 2026 and falls back at 2:00 am
    (BST) on Sunday 25 October."""
    spring = hours(sun="00:30-01:30")
    assert not within_hours(spring, LONDON, at("2026-03-29T00:29:59+00:00"))
    assert within_hours(spring, LONDON, at("2026-03-29T00:30:00+00:00"))
    assert within_hours(spring, LONDON, at("2026-03-29T02:29:59+01:00"))
    assert not within_hours(spring, LONDON, at("2026-03-29T02:30:00+01:00"))

    autumn = hours(sun="01:00-01:30")
    assert within_hours(autumn, LONDON, at("2026-10-25T01:00:00+01:00"))
    assert within_hours(autumn, LONDON, at("2026-10-25T01:29:59+01:00"))
    assert not within_hours(autumn, LONDON, at("2026-10-25T01:30:00+01:00"))
    assert not within_hours(autumn, LONDON, at("2026-10-25T01:00:00+00:00"))
    assert not within_hours(autumn, LONDON, at("2026-10-25T01:15:00+00:00"))

    workday = hours(mon="09:00-17:00")
    assert within_hours(workday, LONDON, at("2026-06-01T08:00:00+00:00"))
    assert not within_hours(workday, LONDON, at("2026-11-23T08:00:00+00:00"))
    assert within_hours(workday, LONDON, at("2026-11-23T09:00:00+00:00"))


def test_phoenix_keeps_one_offset_so_a_workday_is_the_same_utc_hours_all_year() -> None:
    times = hours(mon="09:00-17:00")

    for monday in (date(2026, 3, 9), date(2026, 6, 1), date(2026, 11, 2)):
        opens = datetime(monday.year, monday.month, monday.day, 16, tzinfo=UTC)
        assert not within_hours(times, PHOENIX, opens - SECOND)
        assert within_hours(times, PHOENIX, opens)
        assert within_hours(times, PHOENIX, opens + timedelta(hours=8) - SECOND)
        assert not within_hours(times, PHOENIX, opens + timedelta(hours=8))


def lord_howe_2026() -> tuple[datetime, datetime]:
    """Lord Howe Island's clock changes of 2026 (back in April, forward in October), as the
    zone's own data has them."""
    back, forward = [change for change in transitions(LORD_HOWE) if change.year == 2026]
    return back, forward


def test_lord_howe_changes_its_clocks_by_half_an_hour_at_two() -> None:
    back, forward = lord_howe_2026()

    def shown(moment: datetime) -> tuple[str, timedelta | None]:
        local = moment.astimezone(LORD_HOWE)
        return local.strftime("%H:%M:%S"), local.utcoffset()

    assert shown(back - SECOND) == ("01:59:59", timedelta(hours=11))
    assert shown(back) == ("01:30:00", timedelta(hours=10, minutes=30))
    assert shown(forward - SECOND) == ("01:59:59", timedelta(hours=10, minutes=30))
    assert shown(forward) == ("02:30:00", timedelta(hours=11))
    assert back.astimezone(LORD_HOWE).month == 4
    assert forward.astimezone(LORD_HOWE).month == 10


def on_the_day_of(change: datetime, rule: str) -> LoginTimes:
    """Limited access with ``rule`` on the weekday of the change, at Lord Howe."""
    day = change.astimezone(LORD_HOWE).date()
    return LoginTimes(True).with_day(weekday_index(day), window(rule))


def test_lord_howes_repeated_half_hour_is_allowed_once() -> None:
    back, _ = lord_howe_2026()
    times = on_the_day_of(back, "01:30-01:45")

    assert not within_hours(times, LORD_HOWE, back - timedelta(minutes=30) - SECOND)
    assert within_hours(times, LORD_HOWE, back - timedelta(minutes=30))  # 01:30 summer time
    assert within_hours(times, LORD_HOWE, back - timedelta(minutes=15) - SECOND)
    assert not within_hours(times, LORD_HOWE, back - timedelta(minutes=15))
    assert not within_hours(times, LORD_HOWE, back)  # 01:30 again, standard time
    assert not within_hours(times, LORD_HOWE, back + timedelta(minutes=10))


def test_lord_howes_window_across_the_repeated_half_hour_lasts_an_hour() -> None:
    back, _ = lord_howe_2026()
    times = on_the_day_of(back, "01:30-02:00")
    day = back.astimezone(LORD_HOWE).date()

    assert windows(times, LORD_HOWE, day, day) == [
        (back - timedelta(minutes=30), back + timedelta(minutes=30))
    ]


def test_lord_howes_skipped_half_hour_is_read_with_the_offset_before_it() -> None:
    _, forward = lord_howe_2026()
    inside = on_the_day_of(forward, "02:00-02:15")
    across = on_the_day_of(forward, "01:45-02:45")
    day = forward.astimezone(LORD_HOWE).date()

    assert not within_hours(inside, LORD_HOWE, forward - SECOND)
    assert within_hours(inside, LORD_HOWE, forward)  # 02:30 summer time
    assert within_hours(inside, LORD_HOWE, forward + timedelta(minutes=15) - SECOND)
    assert not within_hours(inside, LORD_HOWE, forward + timedelta(minutes=15))
    assert windows(across, LORD_HOWE, day, day) == [
        (forward - timedelta(minutes=15), forward + timedelta(minutes=15))
    ]


def test_a_time_skipped_late_on_saturday_is_read_on_sunday_for_fridays_night_window() -> None:
    """Nuuk springs forward from 23:00 on Saturday 28 March 2026 to Sunday's midnight, so
    Friday's night window ending at Saturday 23:30 ends at 00:30 on Sunday: a window two days
    before the moment's own date."""
    times = hours(fri="23:45-23:30")

    assert within_hours(times, NUUK, at("2026-03-28T22:59:59-02:00"))
    assert within_hours(times, NUUK, at("2026-03-29T00:00:00-01:00"))
    assert within_hours(times, NUUK, at("2026-03-29T00:29:59-01:00"))
    assert not within_hours(times, NUUK, at("2026-03-29T00:30:00-01:00"))
    assert access_ends_at(times, NUUK, at("2026-03-29T00:15:00-01:00")) == at(
        "2026-03-29T00:30:00-01:00"
    )


# Expiry


def test_an_account_expires_at_the_end_of_its_date_in_the_companys_zone() -> None:
    times = LoginTimes(expires_on=date(2026, 11, 30))

    assert expires_at(date(2026, 11, 30), NEW_YORK) == at("2026-12-01T00:00:00-05:00")
    assert not is_expired(times, NEW_YORK, at("2026-11-30T23:59:59-05:00"))
    assert is_expired(times, NEW_YORK, at("2026-12-01T00:00:00-05:00"))
    assert is_expired(times, NEW_YORK, at("2027-06-30T12:00:00-04:00"))
    assert expires_at(date(2026, 6, 30), LORD_HOWE) == at("2026-06-30T13:30:00+00:00")


def test_expiry_on_the_eve_of_a_clock_change_is_at_the_midnight_before_it() -> None:
    assert expires_at(date(2026, 3, 7), NEW_YORK) == at("2026-03-08T00:00:00-05:00")
    assert expires_at(date(2026, 10, 31), NEW_YORK) == at("2026-11-01T00:00:00-04:00")
    assert expires_at(date(2026, 3, 8), NEW_YORK) == at("2026-03-09T00:00:00-04:00")


def test_an_account_without_an_expiry_date_never_expires() -> None:
    assert expires_at(None, NEW_YORK) is None
    assert not is_expired(LoginTimes(True), NEW_YORK, at("2099-12-31T23:59:59-05:00"))


def test_today_is_the_date_in_the_companys_zone() -> None:
    assert today_in(NEW_YORK, at("2026-11-23T03:00:00+00:00")) == date(2026, 11, 22)
    assert today_in(LORD_HOWE, at("2026-11-22T14:00:00+00:00")) == date(2026, 11, 23)


# When access ends


def test_access_ends_when_the_window_closes() -> None:
    times = hours(mon="09:00-18:00")

    assert access_ends_at(times, NEW_YORK, at("2026-11-23T10:00:00-05:00")) == at(
        "2026-11-23T18:00:00-05:00"
    )
    assert access_ends_at(times, NEW_YORK, at("2026-11-23T17:59:59-05:00")) == at(
        "2026-11-23T18:00:00-05:00"
    )


def test_access_ends_at_the_expiry_when_it_comes_before_the_window_closes() -> None:
    night = hours(mon="22:00-06:00", expires_on=date(2026, 11, 23))
    later = hours(mon="22:00-06:00", expires_on=date(2026, 11, 30))

    assert access_ends_at(night, NEW_YORK, at("2026-11-23T23:00:00-05:00")) == at(
        "2026-11-24T00:00:00-05:00"
    )
    assert access_ends_at(later, NEW_YORK, at("2026-11-23T23:00:00-05:00")) == at(
        "2026-11-24T06:00:00-05:00"
    )


def test_access_runs_on_across_midnight_into_the_next_days_window() -> None:
    times = hours(mon="all day", tue="00:00-08:00")

    assert access_ends_at(times, NEW_YORK, at("2026-11-23T10:00:00-05:00")) == at(
        "2026-11-24T08:00:00-05:00"
    )


def test_access_never_ends_with_every_day_all_day_or_limited_access_off() -> None:
    every_day = LoginTimes(True, (DayHours(True, True),) * 7)
    moment = at("2026-11-23T10:00:00-05:00")

    assert access_ends_at(every_day, NEW_YORK, moment) is None
    assert access_ends_at(LoginTimes(), NEW_YORK, moment) is None
    expiring = LoginTimes(True, every_day.days, date(2027, 6, 30))
    assert access_ends_at(expiring, NEW_YORK, moment) == at("2027-07-01T00:00:00-04:00")
    unlimited = LoginTimes(False, expires_on=date(2027, 6, 30))
    assert access_ends_at(unlimited, NEW_YORK, moment) == at("2027-07-01T00:00:00-04:00")


def test_access_ends_now_outside_the_hours_at_the_close_or_after_expiry() -> None:
    times = hours(mon="09:00-18:00", expires_on=date(2026, 11, 20))
    open_ended = hours(mon="09:00-18:00")

    outside = at("2026-11-23T20:00:00-05:00")
    assert access_ends_at(open_ended, NEW_YORK, outside) == outside
    at_close = at("2026-11-23T18:00:00-05:00")
    assert access_ends_at(open_ended, NEW_YORK, at_close) == at_close
    expired = at("2026-11-23T10:00:00-05:00")
    assert access_ends_at(times, NEW_YORK, expired) == expired
    unlimited = LoginTimes(False, expires_on=date(2026, 11, 20))
    assert access_ends_at(unlimited, NEW_YORK, expired) == expired


def test_access_joined_by_the_skipped_hour_ends_at_the_next_sundays_hole() -> None:
    """Each night window ends where the next day's begins, except Saturday's, which ends at
    Sunday 02:00, an hour before Sunday's begins. On 8 March 2026 that hour is skipped, so the
    allowed time runs on from that week to the next Sunday at 02:00."""
    times = hours(
        sun="03:00-02:50",
        mon="02:50-02:40",
        tue="02:40-02:30",
        wed="02:30-02:20",
        thu="02:20-02:10",
        fri="02:10-02:05",
        sat="02:05-02:00",
    )

    assert within_hours(times, NEW_YORK, at("2026-03-08T01:59:59-05:00"))
    assert within_hours(times, NEW_YORK, at("2026-03-08T03:00:00-04:00"))
    assert not within_hours(times, NEW_YORK, at("2026-03-15T02:00:00-04:00"))
    assert access_ends_at(times, NEW_YORK, at("2026-03-04T12:00:00-05:00")) == at(
        "2026-03-15T02:00:00-04:00"
    )


# The week picture


def test_the_picture_fills_each_days_window_and_puts_a_night_windows_morning_on_the_next_row() -> (
    None
):
    assert week_spans(hours(mon="09:00-18:00")) == ((), ((540, 1080),), (), (), (), (), ())
    assert week_spans(hours(mon="22:00-06:00")) == ((), ((1320, DAY),), ((0, 360),), (), (), (), ())
    assert week_spans(hours(sat="22:00-06:00")) == (((0, 360),), (), (), (), (), (), ((1320, DAY),))
    assert week_spans(hours(wed="all day"))[3] == ((0, DAY),)


def test_the_picture_merges_a_mornings_night_hours_with_the_days_own() -> None:
    assert week_spans(hours(sun="20:00-02:00", mon="all day"))[1] == ((0, DAY),)
    assert week_spans(hours(mon="22:00-06:00", tue="05:00-12:00"))[2] == ((0, 720),)
    assert week_spans(hours(mon="22:00-06:00", tue="08:00-12:00"))[2] == ((0, 360), (480, 720))


def test_a_cell_is_filled_from_the_start_up_to_not_including_the_end() -> None:
    times = hours(mon="09:00-18:00", wed="22:00-06:00")

    assert not is_filled(times, 1, 539)
    assert is_filled(times, 1, 540)
    assert is_filled(times, 1, 1079)
    assert not is_filled(times, 1, 1080)
    assert is_filled(times, 4, 0)
    assert not is_filled(times, 4, 360)


def test_filling_an_empty_day_gives_it_exactly_the_painted_hours_and_limits_access() -> None:
    painted = paint(LoginTimes(), [1], 540, 1080, fill=True)

    assert painted.limited
    assert painted.days[1] == window("09:00-18:00")
    assert paint(LoginTimes(), [2], 1320, DAY, fill=True).days[2] == window("22:00-00:00")


def test_filling_a_whole_row_makes_the_day_all_day() -> None:
    assert paint(LoginTimes(), [3], 0, DAY, fill=True).days[3] == DayHours(True, True)


def test_filling_beside_a_window_grows_it_over_the_gap_between() -> None:
    times = hours(mon="09:00-12:00")

    assert paint(times, [1], 840, 900, fill=True).days[1] == window("09:00-15:00")
    assert paint(times, [1], 420, 480, fill=True).days[1] == window("07:00-12:00")
    assert paint(times, [1], 600, 660, fill=True).days[1] == window("09:00-12:00")


def test_filling_up_to_a_whole_day_makes_the_day_all_day() -> None:
    times = hours(mon="01:00-00:00")

    assert paint(times, [1], 0, 60, fill=True).days[1] == DayHours(True, True)


def test_filling_before_a_night_window_starts_it_earlier() -> None:
    times = hours(mon="22:00-06:00")

    assert paint(times, [1], 1200, 1260, fill=True).days[1] == window("20:00-06:00")


def test_filling_that_would_grow_a_night_window_to_a_whole_day_is_refused() -> None:
    """Monday 22:00-06:00 with Monday 05:00 painted would have to run 25 hours."""
    times = hours(mon="22:00-06:00")

    with pytest.raises(ValidationError) as refused:
        paint(times, [1], 300, 360, fill=True)

    assert refused.value.errors == {"mon": WHOLE_DAY_OR_MORE.format(day="Monday")}
    assert "Monday's hours would run for a whole day or more" in refused.value.errors["mon"]


def test_filling_several_rows_fills_each() -> None:
    assert paint(LoginTimes(), range(1, 6), 480, 1080, fill=True) == weekdays_filled(LoginTimes())


def test_clearing_from_the_start_or_the_end_trims_the_window() -> None:
    times = hours(mon="09:00-18:00")

    assert paint(times, [1], 540, 600, fill=False).days[1] == window("10:00-18:00")
    assert paint(times, [1], 480, 600, fill=False).days[1] == window("10:00-18:00")
    assert paint(times, [1], 1020, 1080, fill=False).days[1] == window("09:00-17:00")
    assert paint(times, [1], 1020, DAY, fill=False).days[1] == window("09:00-17:00")
    assert paint(times, [1], 0, 300, fill=False).days[1] == window("09:00-18:00")


def test_clearing_all_of_a_window_makes_the_day_not_available() -> None:
    cleared_day = paint(hours(limited=False, mon="09:00-18:00"), [1], 0, DAY, fill=False)

    assert cleared_day.days[1] == DayHours()
    assert cleared_day.limited


def test_clearing_inside_a_window_is_refused_for_that_day() -> None:
    with pytest.raises(ValidationError) as refused:
        paint(hours(mon="09:00-18:00"), [1], 720, 780, fill=False)

    assert refused.value.errors == {"mon": ONE_WINDOW.format(day="Monday")}


def test_clearing_the_morning_on_the_next_row_trims_the_night_window_of_the_day_before() -> None:
    times = hours(mon="22:00-06:00")

    assert paint(times, [2], 180, 360, fill=False).days[1] == window("22:00-03:00")
    assert paint(times, [2], 0, 360, fill=False).days[1] == window("22:00-00:00")
    assert paint(times, [2], 0, 360, fill=False).days[2] == DayHours()
    with pytest.raises(ValidationError) as refused:
        paint(times, [2], 60, 120, fill=False)
    assert refused.value.errors == {"mon": ONE_WINDOW.format(day="Monday")}


def test_clearing_sundays_morning_trims_saturdays_night_window() -> None:
    times = hours(sat="22:00-06:00")

    assert paint(times, [0], 300, 360, fill=False).days[6] == window("22:00-05:00")


def test_clearing_a_night_windows_evening_leaves_its_morning_to_the_next_day() -> None:
    """Monday 22:00-06:00 with Monday's 22:00-24:00 cleared: Tuesday 00:00-06:00 stays
    filled, now as Tuesday's own hours."""
    times = hours(mon="22:00-06:00")

    alone = paint(times, [1], 1320, DAY, fill=False)
    assert alone.days[1] == DayHours()
    assert alone.days[2] == window("00:00-06:00")
    assert week_spans(alone) == ((), (), ((0, 360),), (), (), (), ())

    joined = paint(hours(mon="22:00-06:00", tue="05:00-12:00"), [1], 0, DAY, fill=False)
    assert joined.days[1] == DayHours()
    assert joined.days[2] == window("00:00-12:00")

    saturday = paint(hours(sat="22:00-06:00"), [6], 1200, DAY, fill=False)
    assert saturday.days[0] == window("00:00-06:00")


def test_a_night_windows_morning_that_cannot_join_the_next_days_hours_is_refused() -> None:
    times = hours(mon="22:00-06:00", tue="08:00-17:00")

    with pytest.raises(ValidationError) as refused:
        paint(times, [1], 1320, DAY, fill=False)

    assert refused.value.errors == {
        "mon": MORNING_LEFT.format(day="Monday", next="Tuesday"),
    }
    assert refused.value.errors["mon"].startswith("Only Monday's hours after midnight")


@pytest.mark.parametrize(("start", "end"), [(60, 60), (120, 60), (-30, 60), (0, DAY + 30)])
def test_painting_takes_a_stretch_of_one_day(start: int, end: int) -> None:
    with pytest.raises(ValueError):
        paint(LoginTimes(), [1], start, end, fill=True)


# Quick fills and the summary


def test_weekdays_8_to_6_fills_monday_to_friday_and_keeps_the_weekend() -> None:
    times = hours(limited=False, sat="all day", sun="10:00-14:00", mon="22:00-06:00")

    filled = weekdays_filled(times)

    assert filled.limited
    assert filled.days[1:6] == (window("08:00-18:00"),) * 5
    assert filled.days[0] == window("10:00-14:00")
    assert filled.days[6] == DayHours(True, True)
    assert weekdays_filled(LoginTimes(), 420, 900).days[3] == window("07:00-15:00")


def test_copy_monday_gives_tuesday_to_friday_mondays_rule() -> None:
    times = hours(limited=False, mon="07:00-15:00", tue="all day", sat="09:00-12:00")

    copied = monday_copied(times)

    assert copied.days[1:6] == (window("07:00-15:00"),) * 5
    assert copied.days[6] == window("09:00-12:00")
    assert copied.days[0] == DayHours()
    assert not copied.limited


def test_clear_makes_every_day_not_available_and_keeps_limited_access_and_expiry() -> None:
    times = hours(mon="all day", fri="09:00-17:00", expires_on=date(2027, 1, 31))

    assert cleared(times) == LoginTimes(True, (DayHours(),) * 7, date(2027, 1, 31))


def test_an_expiry_of_the_last_date_there_is_means_never() -> None:
    far = LoginTimes(expires_on=date.max)

    assert expires_at(date.max, NEW_YORK) is None
    assert not is_expired(far, NEW_YORK, datetime(2999, 1, 1, tzinfo=UTC))


def test_a_stored_rule_that_cannot_be_read_is_not_available() -> None:
    assert LoginTimes.from_stored(True, ["mon"], None) == LoginTimes(True)  # type: ignore[arg-type]
    stored = {"mon": "nine to five", "tue": 42, "wed": "09:00-17:00"}

    times = LoginTimes.from_stored(True, stored, None)  # type: ignore[arg-type]

    assert times.days[1] == DayHours() and times.days[2] == DayHours()
    assert times.days[3] == window("09:00-17:00")


def test_a_copy_keeps_a_coming_expiry_and_drops_one_that_has_passed() -> None:
    times = hours(mon="09:00-18:00", expires_on=date(2026, 11, 22))
    last_second = datetime(2026, 11, 22, 23, 59, 59, tzinfo=NEW_YORK)
    midnight = datetime(2026, 11, 23, tzinfo=NEW_YORK)

    assert times.for_copy(NEW_YORK, last_second) == times
    assert times.for_copy(NEW_YORK, midnight) == replace(times, expires_on=None)
