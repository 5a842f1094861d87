"""`usersetup hours ...`, `users ... --expires`, and `usersetup login` against login times.

Every command runs in the test's rolled-back transaction on each backend, at the fixed clock:
NOW is Sunday 2026-11-22 9:30 am EST at the practice (America/New_York).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.db.database import Database
from app.db.models import AuditEvent, User
from app.login_times.hours import NEVER_ALLOWED, NOT_PERMITTED
from app.practice.company import CompanyInfo
from app.signin.check import TIME_UNCHECKED
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.cli import CommandLine
from tests.helpers.clocks import fake_server_clock

EXIT_OUTSIDE_HOURS, EXIT_EXPIRED, EXIT_TIME_UNCHECKED = 15, 16, 17
HOURS_KEYS = [
    "user_id",
    "limited_access",
    "days",
    "time_zone",
    "account_expires_on",
    "expired",
    "allowed_now",
]
ALL_OFF = {key: "off" for key in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}
NEW_PASSWORD = "a long enough password for the new hire\n"


class Usersetup(CommandLine):
    """Runs ``usersetup ...`` on the test's database at the test's clock, capturing output."""

    database: Database

    def login(self, *extra: str) -> tuple[int, str]:
        """Kimberly's sign-in now, or (with --at) what her account would say then."""
        password = () if "--at" in extra else ("--password-stdin",)
        code, out, err = self(
            "login", "kimberly", "--company", "valley", *password, *extra,
            stdin=KIM_PASSWORD,
        )  # fmt: skip
        assert err == ""
        return code, out.strip()

    def audit_count(self) -> int:
        with self.database.transaction() as session:
            return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def last_event(self) -> tuple[str, dict[str, Any]]:
        """The newest audit event's action and its changes by field."""
        with self.database.transaction() as session:
            event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
            assert event is not None
            return event.action, {change["field"]: change for change in event.changes}

    def kim_row(self) -> tuple[int, int]:
        """Kimberly's version and failed sign-in count."""
        with self.database.transaction() as session:
            user = session.scalars(select(User).where(User.user_id == "kimberly")).one()
            return user.version, user.failed_logins


@pytest.fixture
def usersetup(
    database: Database,
    company: CompanyInfo,
    kim: int,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> Usersetup:
    return Usersetup(capsys, database=database, clock=clock)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


# hours show


def test_show_a_user_without_limits_as_json_and_text(usersetup):
    shown = usersetup.json("hours", "show", "KIMBERLY")
    code, out, err = usersetup("hours", "show", "kimberly")

    assert list(shown) == HOURS_KEYS
    assert shown == {
        "user_id": "kimberly",
        "limited_access": False,
        "days": ALL_OFF,
        "time_zone": "America/New_York",
        "account_expires_on": None,
        "expired": False,
        "allowed_now": True,
    }
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "Login Times - Fox, Kimberly (kimberly)"
    assert (
        "  Limited access:           off: any time (the hours below apply when it is on)" in lines
    )
    assert "  Sunday:                   off" in lines
    assert "  Account expires:          never" in lines
    assert "  Allowed now:              yes" in lines
    assert lines[-1] == "Times are in America/New_York (EST)."


def test_show_names_the_zone_as_it_reads_at_the_clocks_moment(usersetup):
    usersetup.clock.now = moment("2026-07-01T12:00:00+00:00")

    _, out, _ = usersetup("hours", "show", "kimberly")

    assert out.splitlines()[-1] == "Times are in America/New_York (EDT)."


# hours set


def test_set_limited_hours_saves_every_day_given_in_one_audited_change(usersetup):
    version, _ = usersetup.kim_row()
    before = usersetup.audit_count()

    saved = usersetup.json(
        "hours", "set", "kimberly", "--limited", "on",
        "--day", "mon=09:00-18:00", "--day", "Tuesday=9:00 am-6:00 pm", "--day", "WED=all",
        "--day", "thu=all day", "--day", "fri=22:00-06:00", "--day", "sat=off",
    )  # fmt: skip

    assert saved["limited_access"] is True
    assert saved["days"] == {
        "sun": "off",
        "mon": "09:00-18:00",
        "tue": "09:00-18:00",
        "wed": "all day",
        "thu": "all day",
        "fri": "22:00-06:00",
        "sat": "off",
    }
    assert saved["allowed_now"] is False  # Sunday 9:30 am is not among them
    assert usersetup.json("hours", "show", "kimberly") == saved
    assert usersetup.kim_row()[0] == version + 1
    assert usersetup.audit_count() == before + 1
    action, changes = usersetup.last_event()
    assert action == "login_times.changed"
    assert set(changes) == {
        "limited_access", "hours.mon", "hours.tue", "hours.wed", "hours.thu", "hours.fri"
    }  # fmt: skip
    assert changes["hours.fri"]["after"] == "22:00-06:00"


def test_set_prints_the_result_as_show_does(usersetup):
    code, out, err = usersetup(
        "hours", "set", "kimberly", "--limited", "on", "--day", "sun=08:00-12:00",
        "--day", "mon=22:00-06:00",
    )  # fmt: skip

    assert (code, err) == (EXIT_OK, "")
    assert out == usersetup("hours", "show", "kimberly")[1]
    lines = out.splitlines()
    assert "  Limited access:           on: only the hours below" in lines
    assert "  Sunday:                   08:00-12:00" in lines
    assert "  Monday:                   22:00-06:00 (ends the next day)" in lines
    assert "  Allowed now:              yes" in lines


def test_days_not_given_keep_their_rule(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00",
              "--day", "sat=all")  # fmt: skip

    saved = usersetup.json("hours", "set", "kimberly", "--day", "MONDAY=10:00-14:00")

    assert saved["limited_access"] is True
    assert saved["days"] == {**ALL_OFF, "mon": "10:00-14:00", "sat": "all day"}


def test_limited_off_keeps_the_hours_for_when_it_is_on_again(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")

    off = usersetup.json("hours", "set", "kimberly", "--limited", "off")
    on = usersetup.json("hours", "set", "kimberly", "--limited", "on")

    assert (off["limited_access"], off["allowed_now"]) == (False, True)
    assert off["days"] == on["days"] == {**ALL_OFF, "mon": "09:00-18:00"}
    assert on["allowed_now"] is False


def test_the_same_rules_again_change_nothing(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, _, _ = usersetup("hours", "set", "kimberly", "--day", "mon=9:00 am-6:00 pm")

    assert code == EXIT_OK
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


@pytest.mark.parametrize(
    "options",
    [
        ("--limited", "on"),  # every day is Not Available
        ("--limited", "on", "--day", "mon=off"),
    ],
)
def test_limited_access_with_no_day_available_is_refused(usersetup, options):
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, out, err = usersetup("hours", "set", "kimberly", *options)

    assert (code, out) == (EXIT_REFUSED, "")
    assert err == f"usersetup: {NEVER_ALLOWED}\n"
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


def test_clearing_the_last_available_day_of_a_limited_user_is_refused(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, _, err = usersetup("hours", "set", "kimberly", "--day", "mon=off")

    assert code == EXIT_REFUSED
    assert "No day is Available" in err
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


def test_bad_hours_are_refused_naming_each_day_and_nothing_is_written(usersetup):
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, out, err = usersetup(
        "hours", "set", "kimberly", "--limited", "on", "--day", "mon=25:00-18:00",
        "--day", "wed=9:00-9:00", "--day", "thu=", "--day", "fri=09:00", "--day", "sat=all",
    )  # fmt: skip

    assert (code, out) == (EXIT_REFUSED, "")
    assert err.startswith("usersetup: Monday ('25:00-18:00'): Hours go from 0 to 23")
    assert "Wednesday ('9:00-9:00'): Start and End are the same time" in err
    assert "for the whole day use All day" in err
    assert "Thursday (''): Give the hours" in err
    assert "Friday ('09:00'): Write hours as 09:00-18:00" in err
    assert "Saturday" not in err
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--day", "mnd=off"), "argument --day: expected DAY=HOURS"),
        (("--day", "09:00-18:00"), "argument --day: expected DAY=HOURS"),
        (("--day", "mon=off", "--day", "Monday=all"), "--day Monday is given twice"),
        (("--limited", "maybe"), "argument --limited"),
    ],
)
def test_a_malformed_day_option_is_a_bad_call(usersetup, options, message):
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, _, err = usersetup("hours", "set", "kimberly", *options)

    assert code == EXIT_USAGE
    assert message in err
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


def test_hours_of_an_unknown_user_are_refused(usersetup):
    code, _, err = usersetup("hours", "show", "nobody")

    assert code == EXIT_REFUSED
    assert "There is no user 'nobody'" in err


# Account expiry


def test_users_set_expires_stores_the_date_and_show_prints_it(usersetup):
    shown = usersetup.json("users", "set", "kimberly", "--expires", "2027-06-30")
    _, out, _ = usersetup("users", "show", "kimberly")

    assert shown["account_expires_on"] == "2027-06-30"
    assert "  Account expires:          2027-06-30" in out.splitlines()
    hours = usersetup.json("hours", "show", "kimberly")
    assert (hours["account_expires_on"], hours["expired"]) == ("2027-06-30", False)
    action, changes = usersetup.last_event()
    assert action == "login_times.changed"
    assert changes["account_expires_on"]["after"] == "2027-06-30"


def test_never_removes_the_expiry(usersetup):
    usersetup("users", "set", "kimberly", "--expires", "2027-06-30")

    shown = usersetup.json("users", "set", "kimberly", "--expires", "NEVER")

    assert shown["account_expires_on"] is None
    assert "  Account expires:          never" in usersetup("users", "show", "kimberly")[1]


def test_an_account_is_expired_after_the_end_of_its_date_in_the_companys_zone(usersetup):
    usersetup("users", "set", "kimberly", "--expires", "2026-11-21")  # yesterday at the practice

    hours = usersetup.json("hours", "show", "kimberly")
    _, hours_text, _ = usersetup("hours", "show", "kimberly")
    _, user_text, _ = usersetup("users", "show", "kimberly")
    listing = usersetup.json("users", "list")

    assert (hours["expired"], hours["allowed_now"]) == (True, False)
    assert "  Account expires:          2026-11-21 [expired]" in hours_text.splitlines()
    assert "  Allowed now:              no (account expired)" in hours_text.splitlines()
    assert "  Account expires:          2026-11-21 [expired]" in user_text.splitlines()
    assert [user["expired"] for user in listing if user["user_id"] == "kimberly"] == [True]


def test_expires_is_saved_with_the_other_fields_or_not_at_all(usersetup):
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, _, err = usersetup(
        "users", "set", "kimberly", "--expires", "2027-06-30", "--email", "not an address"
    )

    assert code == EXIT_REFUSED
    assert "Email" in err
    assert (usersetup.kim_row(), usersetup.audit_count()) == before
    saved = usersetup.json(
        "users", "set", "kimberly", "--expires", "2027-06-30", "--title", "Office Manager"
    )
    assert (saved["title"], saved["account_expires_on"]) == ("Office Manager", "2027-06-30")


@pytest.mark.parametrize("typed", ["2027-13-01", "30/06/2027", "soon", ""])
def test_a_bad_expiry_date_is_a_bad_call_naming_the_format(usersetup, typed):
    before = (usersetup.kim_row(), usersetup.audit_count())

    code, _, err = usersetup("users", "set", "kimberly", "--expires", typed)

    assert code == EXIT_USAGE
    assert "argument --expires: expected a date such as 2027-06-30, or never" in err
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


def test_users_add_takes_an_expiry(usersetup):
    added = usersetup.json(
        "users", "add", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--expires", "2027-01-31", "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    assert added["account_expires_on"] == "2027-01-31"
    assert usersetup.json("hours", "show", "lena")["limited_access"] is False


def test_copy_user_copies_the_login_times_and_the_expiry(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00",
              "--day", "fri=22:00-06:00")  # fmt: skip
    usersetup("users", "set", "kimberly", "--expires", "2027-06-30")
    source = usersetup.json("hours", "show", "kimberly")

    usersetup(
        "users", "copy", "kimberly", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    copy = usersetup.json("hours", "show", "lena")
    assert {**copy, "user_id": "kimberly"} == source
    action, changes = usersetup.last_event()
    assert action == "login_times.changed"
    assert set(changes) == {"limited_access", "hours.mon", "hours.fri", "account_expires_on"}


def test_copy_user_with_its_own_expiry(usersetup):
    usersetup("users", "set", "kimberly", "--expires", "2027-06-30")

    copy = usersetup.json(
        "users", "copy", "kimberly", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--expires", "never", "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    assert copy["account_expires_on"] is None


@pytest.mark.parametrize(
    ("source_expires", "copy_expires"),
    [
        ("2027-03-09", None),  # yesterday at the practice: over, the new user gets never
        ("2027-03-10", "2027-03-10"),  # today: not over yet, copied
    ],
)
def test_copy_user_leaves_out_an_expiry_that_has_passed(usersetup, source_expires, copy_expires):
    usersetup.clock.now = moment("2027-03-10T15:00:00+00:00")  # not the real today
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    usersetup("users", "set", "kimberly", "--expires", source_expires)

    copy = usersetup.json(
        "users", "copy", "kimberly", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    assert copy["account_expires_on"] == copy_expires
    hours = usersetup.json("hours", "show", "lena")
    assert (hours["limited_access"], hours["days"]["mon"]) == (True, "09:00-18:00")
    assert hours["expired"] is False


@pytest.mark.parametrize("given", ["2027-01-31", "2026-11-01"])
def test_an_expiry_given_to_copy_wins_over_a_passed_one(usersetup, given):
    usersetup("users", "set", "kimberly", "--expires", "2026-11-21")  # yesterday

    copy = usersetup.json(
        "users", "copy", "kimberly", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--expires", given, "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    assert copy["account_expires_on"] == given


def test_copy_help_says_a_passed_expiry_is_not_copied(usersetup):
    with pytest.raises(SystemExit) as done:
        usersetup("users", "copy", "--help")
    out = " ".join(usersetup.capsys.readouterr().out.split())

    assert done.value.code == 0
    assert "default FROM's, or never if FROM's has passed" in out


def test_the_farthest_date_is_taken_and_never_reached(usersetup):
    shown = usersetup.json("users", "set", "kimberly", "--expires", "9999-12-31")
    hours = usersetup.json("hours", "show", "kimberly")
    _, text, _ = usersetup("hours", "show", "kimberly")

    assert shown["account_expires_on"] == "9999-12-31"
    assert (hours["expired"], hours["allowed_now"]) == (False, True)
    assert "  Account expires:          9999-12-31" in text.splitlines()
    assert usersetup.login()[0] == EXIT_OK


def test_copying_a_user_without_login_times_writes_no_login_times_event(usersetup):
    usersetup(
        "users", "copy", "kimberly", "lena", "--first-name", "Lena", "--last-name", "Blake",
        "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip

    assert usersetup.last_event()[0] == "user.copied"


# usersetup demo


def test_demo_dates_its_expired_temp_by_the_commands_clock(database, clock, capsys):
    clock.now = moment("2027-03-10T15:00:00+00:00")  # not today, wherever the tests run
    # an empty database: no practice yet
    usersetup = Usersetup(capsys, database=database, clock=clock)

    code, _, err = usersetup("demo", "--users", "12")
    listing = usersetup.json("--company", "valley", "users", "list", "--all")

    assert (code, err) == (EXIT_OK, "")
    expired = [user["user_id"] for user in listing if user["expired"]]
    assert expired, "the demo has a temp whose contract ended"
    for user_id in expired:
        hours = usersetup.json("--company", "valley", "hours", "show", user_id)
        assert hours["account_expires_on"] == "2027-03-03"  # a week before the clock's today


# usersetup login


def test_a_sign_in_outside_the_hours_is_refused_audited_and_not_counted(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    before = usersetup.audit_count()

    code, out = usersetup.login()
    json_code, json_out = usersetup.login("--json")

    assert (code, out) == (EXIT_OUTSIDE_HOURS, f"{NOT_PERMITTED} (outside login hours)")
    assert json_code == EXIT_OUTSIDE_HOURS
    assert json.loads(json_out) == {"reason": "outside login hours", "user_id": "kimberly"}
    assert usersetup.audit_count() == before + 2
    action, changes = usersetup.last_event()
    assert action == "signin.failed"
    assert changes["reason"]["after"] == "outside login hours"
    assert usersetup.kim_row()[1] == 0  # the right password: not a failure toward the lockout


def test_at_answers_for_another_moment_and_writes_nothing(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    before = (usersetup.kim_row(), usersetup.audit_count())

    inside = usersetup.login("--at", "2026-11-23T09:00")
    outside = usersetup.login("--at", "2026-11-23T18:00")

    assert inside == (EXIT_OK, "signed in")
    assert outside[0] == EXIT_OUTSIDE_HOURS
    assert (usersetup.kim_row(), usersetup.audit_count()) == before


@pytest.mark.parametrize(
    ("at", "code"),
    [
        ("2026-03-08T01:29", EXIT_OUTSIDE_HOURS),
        ("2026-03-08T01:45", EXIT_OK),
        ("2026-03-08T02:15", EXIT_OK),  # a time the clocks skip: read as 03:15
        ("2026-03-08T03:15", EXIT_OK),  # the skipped half hour, after the gap
        ("2026-03-08T03:29", EXIT_OK),
        ("2026-03-08T03:30", EXIT_OUTSIDE_HOURS),
        ("2026-03-08T03:45", EXIT_OUTSIDE_HOURS),
    ],
)
def test_a_window_across_the_spring_forward_gap_keeps_its_hour(usersetup, at, code):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "sun=01:30-02:30")

    assert usersetup.login("--at", at)[0] == code


@pytest.mark.parametrize(
    ("at", "code"),
    [
        ("2026-11-01T00:59", EXIT_OUTSIDE_HOURS),
        ("2026-11-01T01:30", EXIT_OK),  # the first 01:30, summer time
        ("2026-11-01T01:30-04:00", EXIT_OK),
        ("2026-11-01T01:30-05:00", EXIT_OUTSIDE_HOURS),  # the clocks show 01:30 again
    ],
)
def test_a_repeated_autumn_time_means_the_first(usersetup, at, code):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "sun=01:00-01:45")

    assert usersetup.login("--at", at)[0] == code


@pytest.mark.parametrize(
    ("at", "code"),
    [
        ("2026-11-23T21:59", EXIT_OUTSIDE_HOURS),
        ("2026-11-23T22:00", EXIT_OK),  # Start is allowed
        ("2026-11-24T02:00", EXIT_OK),  # Tuesday, inside Monday's night shift
        ("2026-11-24T05:59", EXIT_OK),
        ("2026-11-24T06:00", EXIT_OUTSIDE_HOURS),  # End is not
        ("2026-11-24T22:00", EXIT_OUTSIDE_HOURS),  # Tuesday has no night shift of its own
    ],
)
def test_a_night_shift_runs_past_midnight_into_the_next_day(usersetup, at, code):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=22:00-06:00")

    assert usersetup.login("--at", at)[0] == code


def test_an_expired_account_is_refused_with_its_own_code(usersetup):
    usersetup("users", "set", "kimberly", "--expires", "2026-11-21")
    before = usersetup.audit_count()

    code, out = usersetup.login()
    json_code, json_out = usersetup.login("--json")

    assert code == json_code == EXIT_EXPIRED
    assert out == "Invalid user ID, password or company (account expired)"
    assert json.loads(json_out) == {"reason": "account expired", "user_id": "kimberly"}
    assert usersetup.audit_count() == before + 2
    action, changes = usersetup.last_event()
    assert (action, changes["reason"]["after"]) == ("signin.failed", "account expired")


def test_an_account_works_until_the_end_of_its_expiry_date(usersetup):
    usersetup("users", "set", "kimberly", "--expires", "2026-11-22")

    assert usersetup.login("--at", "2026-11-22T23:59")[0] == EXIT_OK
    assert usersetup.login("--at", "2026-11-23T00:00")[0] == EXIT_EXPIRED
    assert usersetup.login()[0] == EXIT_OK


def test_expiry_is_told_before_the_hours(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")
    usersetup("users", "set", "kimberly", "--expires", "2026-11-21")

    assert usersetup.login()[0] == EXIT_EXPIRED


def test_a_wrong_password_outside_the_hours_is_only_invalid(usersetup):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "mon=09:00-18:00")

    code, out, _ = usersetup(
        "login", "kimberly", "--company", "valley", "--password-stdin", "--json",
        stdin="not her password",
    )  # fmt: skip

    assert code == 10
    assert json.loads(out)["reason"] == "invalid"


def test_login_reads_the_servers_clock_with_its_check_in_one_transaction(
    database: Database, connection, kim: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """No transaction of its own for the clock: over a VPN each is two more round trips."""
    sent: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    usersetup = Usersetup(capsys, database=database, clock=None)  # the server's clock
    event.listen(connection, "before_cursor_execute", before)
    try:
        code, _ = usersetup.login()
    finally:
        event.remove(connection, "before_cursor_execute", before)
    assert code == EXIT_OK
    transactions = [s for s in sent if s.startswith("SAVEPOINT")]  # the test's: savepoints
    clock_reads = [s for s in sent if "statement_timestamp" in s or "UTC_TIMESTAMP" in s]
    assert len(transactions) == 1, sent
    backend = connection.dialect.name
    assert len(clock_reads) == (0 if backend == "sqlite" else 1), sent


def test_login_on_a_fallback_clock_refuses_limited_hours_with_its_own_code(
    usersetup, database, clock
):
    usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "sun=08:00-12:00")
    usersetup.clock, _ = fake_server_clock(database, clock, measured=False)

    code, out = usersetup.login()

    assert (code, out) == (EXIT_TIME_UNCHECKED, f"{TIME_UNCHECKED} (time not checked)")
    action, changes = usersetup.last_event()
    assert action == "signin.failed"
    assert changes["clock"]["after"] == "this computer's (server clock unreadable)"
    code, out = usersetup.login("--json")
    assert (code, json.loads(out)["reason"]) == (EXIT_TIME_UNCHECKED, "time not checked")
    # A moment given is no reading of the clock: it is answered by the hours.
    assert usersetup.login("--at", "2026-11-22T09:00")[0] == EXIT_OK
    usersetup("hours", "set", "kimberly", "--limited", "off")
    assert usersetup.login()[0] == EXIT_OK  # the answer needs no time
