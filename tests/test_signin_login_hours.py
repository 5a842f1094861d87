"""Login hours and account expiry at sign-in, and the Login Times service, on every database.

The company is in America/New_York; NOW (2026-11-22 14:30 UTC) is Sunday 9:30 am EST.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
import pytest
from sqlalchemy import select

from app.clock import Clock
from app.db.database import Database
from app.db.models import AuditEvent, TwoFactorSetup, User
from app.errors import ConflictError, NotAllowedError, ValidationError
from app.login_times.hours import NOT_PERMITTED, DayHours, LoginTimes
from app.login_times.service import AccessEnd, LoginTimesService
from app.practice.company import CompanyInfo
from app.signin.check import (
    CLOCK_UNREAD,
    REFUSED,
    TIME_UNCHECKED,
    Reason,
    SignInRefused,
    SignInService,
    find_account,
)
from app.signin.flow import SignInFlow, Step
from app.signin.own_password import change_own_password
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.clocks import fake_server_clock
from tests.helpers.records import add_user, another_administrator, version_of
from tests.helpers.roles import SetupRole, set_setup_role
from tests.helpers.statements import count_statements

PASSWORD = "quiet harbor lights"
WORKSTATION = "FRONTDESK-2"
NEW_YORK = ZoneInfo("America/New_York")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def at(text: str) -> datetime:
    """A wall-clock time at the practice, as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(UTC)


def hours(**days: str) -> LoginTimes:
    """Limited access with the given days ("mon": "09:00-18:00"); the rest Not Available."""
    times = LoginTimes(limited=True)
    for index, key in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat")):
        if key in days:
            times = times.with_day(index, DayHours.parse(days[key]))
    return times


def add(database: Database, company: CompanyInfo, clock: FixedClock, user_id: str = "kim") -> int:
    return add_user(
        database, company, clock, user_id, first_name="Kimberly", last_name="Fox",
        password=PASSWORD, role=SetupRole.ADMINISTRATOR, by="mreyes",
    )  # fmt: skip


def save(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, times: LoginTimes
) -> None:
    """Store ``times``; an account that is to end has another Administrator beside it (the
    last Administrator's account is given no end date)."""
    if times.expires_on is not None:
        with database.transaction() as session:
            backup = find_account(session, company.code, "backup")[1]
        if backup is None:
            add(database, company, clock, "backup")
    with database.transaction() as session:
        service = LoginTimesService(session, company, dba("mreyes"), clock)
        service.save(pk, times, version_of(session, pk))


def check(database: Database, clock: Clock, password: str = PASSWORD, **kw: Any):
    with database.transaction() as session:
        return SignInService(session, clock, WORKSTATION).check("valley", "kim", password, **kw)


def reasons(database: Database, pk: int) -> list[tuple[str, str]]:
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.user_pk == pk).order_by(AuditEvent.id)
        )
        return [
            (event.action, change["after"])
            for event in events
            for change in event.changes
            if change.get("field") == "reason"
        ]


def test_inside_the_hours_signs_in_and_says_when_the_window_closes(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    clock.now = at("2026-11-23T09:00")  # Monday, the first minute of the window

    result = check(database, clock)

    assert result.reason is Reason.SIGNED_IN
    assert result.access_ends_at == at("2026-11-23T18:00")


def test_outside_the_hours_the_right_password_is_refused_and_audited(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    clock.now = at("2026-11-23T18:00")  # End is exclusive

    result = check(database, clock)

    assert (result.reason, result.detail) == (Reason.OUTSIDE_HOURS, "outside login hours")
    assert ("signin.failed", "outside login hours") in reasons(database, pk)
    with database.transaction() as session:
        assert session.get(User, pk).failed_logins == 0  # not a wrong password: nothing counts


def test_a_wrong_password_outside_the_hours_is_only_invalid_and_counts(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))  # NOW is a Sunday

    result = check(database, clock, "not the password")

    assert result.reason is Reason.INVALID
    with database.transaction() as session:
        assert session.get(User, pk).failed_logins == 1


def test_inactive_and_locked_accounts_say_so_before_the_hours(database, company, clock):
    pk = add(database, company, clock)
    another_administrator(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    with database.transaction() as session:
        UserService(session, company, dba("mreyes"), clock).set_active(pk, False)

    assert check(database, clock).reason is Reason.INACTIVE


def test_a_night_shift_runs_past_midnight(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="22:00-06:00"))

    clock.now = at("2026-11-24T02:00")  # Tuesday
    assert check(database, clock).reason is Reason.SIGNED_IN
    clock.now = at("2026-11-24T06:00")
    assert check(database, clock).reason is Reason.OUTSIDE_HOURS


def test_limited_access_off_keeps_the_hours_but_allows_any_time(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    save(database, company, clock, pk, replace(hours(mon="09:00-18:00"), limited=False))

    assert check(database, clock).reason is Reason.SIGNED_IN
    with database.transaction() as session:
        assert session.get(User, pk).login_hours["mon"] == "09:00-18:00"


def test_an_account_expires_at_the_end_of_its_day_in_the_companys_zone(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, LoginTimes(expires_on=date(2026, 11, 30)))

    clock.now = at("2026-11-30T23:59:59")
    assert check(database, clock).reason is Reason.SIGNED_IN
    clock.now = at("2026-12-01T00:00")
    result = check(database, clock)
    assert (result.reason, result.detail) == (Reason.EXPIRED, "account expired")
    assert ("signin.failed", "account expired") in reasons(database, pk)


def test_the_sign_in_ends_at_the_expiry_when_that_comes_before_the_window(database, company, clock):
    pk = add(database, company, clock)
    times = hours(sun="all day", mon="all day")
    save(database, company, clock, pk, LoginTimes(True, times.days, date(2026, 11, 22)))

    assert check(database, clock).access_ends_at == at("2026-11-23T00:00")


def test_checking_the_hours_costs_no_statement_of_its_own(database, company, clock, connection):
    pk = add(database, company, clock)
    check(database, clock)  # the policy rows and the dummy hash are read once like this too
    with count_statements(connection) as unlimited:
        check(database, clock)
    save(database, company, clock, pk, hours(sun="all day"))
    with count_statements(connection) as limited:
        check(database, clock)

    assert len(limited) == len(unlimited)


def test_the_flow_tells_the_person_it_is_not_a_time_they_may_sign_in(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")

    with pytest.raises(SignInRefused) as refused:
        flow.submit_password("valley", "kim", PASSWORD)

    assert str(refused.value) == NOT_PERMITTED
    assert flow.step is Step.CREDENTIALS
    with pytest.raises(SignInRefused) as wrong:
        flow.submit_password("valley", "kim", "not the password")
    assert str(wrong.value) == REFUSED  # only the right password learns about the hours


def test_a_window_that_closes_during_the_token_step_refuses_the_token(database, company, clock):
    pk = add(database, company, clock)
    clock.now = at("2026-11-23T17:59")
    desk = FixedClock(clock.now - timedelta(minutes=5))  # set up earlier: its token is used up
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), desk)
        verified = tf.verify_new_key(
            tf.enrolment(pk, secret=SECRET), pyotp.TOTP(SECRET).at(desk.now)
        )
        form = TwoFactorForm(method="app", setup=TwoFactorSetup.NOW.value, title="Valley")
        tf.save(pk, form, version_of(session, pk), verified)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")
    assert flow.submit_password("valley", "kim", PASSWORD) is Step.TOKEN

    clock.now = at("2026-11-23T18:00:30")
    with pytest.raises(SignInRefused) as refused:
        flow.submit_token(pyotp.TOTP(SECRET).at(clock.now))

    assert str(refused.value) == NOT_PERMITTED


def test_saving_login_times_is_audited_day_by_day(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00", tue="all day"))
    save(database, company, clock, pk, hours(mon="08:00-17:00", tue="all day"))

    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "login_times.changed")
            .order_by(AuditEvent.id)
        ).all()
    assert len(events) == 2
    assert events[1].changes == [
        {"field": "hours.mon", "before": "09:00-18:00", "after": "08:00-17:00"}
    ]
    assert {"field": "limited_access", "before": False, "after": True} in events[0].changes


def test_saving_the_same_login_times_writes_nothing(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    with database.transaction() as session:
        version = session.get(User, pk).version

    save(database, company, clock, pk, hours(mon="09:00-18:00"))

    with database.transaction() as session:
        assert session.get(User, pk).version == version


def test_a_save_over_another_workstations_save_is_a_conflict(database, company, clock):
    pk = add(database, company, clock)
    with database.transaction() as session:
        stale = UserService(session, company, dba("mreyes"), clock).get(pk).version
    save(database, company, clock, pk, hours(mon="09:00-18:00"))

    with pytest.raises(ConflictError), database.transaction() as session:
        LoginTimesService(session, company, dba("mreyes"), clock).save(pk, hours(), stale)


def test_the_front_desk_cannot_change_login_times(database, company, clock):
    pk = add(database, company, clock)

    with pytest.raises(NotAllowedError), database.transaction() as session:
        service = LoginTimesService(session, company, front_desk("desk"), clock)
        service.save(pk, hours(mon="09:00-18:00"), version_of(session, pk))


def test_the_user_list_marks_expired_accounts_by_the_companys_date(database, company, clock):
    pk = add(database, company, clock)
    add(database, company, clock, "other")
    save(database, company, clock, pk, LoginTimes(expires_on=date(2026, 11, 21)))

    with database.transaction() as session:
        rows = UserService(session, company, dba("mreyes"), clock).list_rows()
    assert {row[1]: row[6] for row in rows} == {"kim": True, "other": False, "backup": False}
    clock.now = at("2026-11-21T23:59")
    with database.transaction() as session:
        rows = UserService(session, company, dba("mreyes"), clock).list_rows()
    assert {row[1]: row[6] for row in rows} == {"kim": False, "other": False, "backup": False}


def test_the_operators_access_ends_at_their_window_or_expiry_or_never(database, company, clock):
    pk = add(database, company, clock)
    with database.transaction() as session:
        assert (
            LoginTimesService(session, company, dba("mreyes"), clock).access_end(pk, clock.now)
            is None
        )
    save(database, company, clock, pk, hours(sun="08:00-12:00"))
    with database.transaction() as session:
        end = LoginTimesService(session, company, dba("mreyes"), clock).access_end(pk, clock.now)
    assert end == AccessEnd(at("2026-11-22T12:00"), expiry=False)
    save(database, company, clock, pk, replace(hours(sun="all day"), expires_on=date(2026, 11, 22)))
    with database.transaction() as session:
        end = LoginTimesService(session, company, dba("mreyes"), clock).access_end(pk, clock.now)
    assert end == AccessEnd(at("2026-11-23T00:00"), expiry=True)


def test_login_times_that_allow_no_day_are_refused_by_the_service_too(database, company, clock):
    pk = add(database, company, clock)

    with pytest.raises(ValidationError) as refused:
        save(database, company, clock, pk, LoginTimes(limited=True))

    assert list(refused.value.errors) == ["limited"]


def test_outside_the_hours_a_user_without_a_user_setup_role_reads_only_invalid(
    database, company, clock
):
    pk = add(database, company, clock)
    another_administrator(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    with database.transaction() as session:
        set_setup_role(UserService(session, company, dba("mreyes"), clock), pk, None)
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")

    with pytest.raises(SignInRefused) as refused:  # the right password, on a Sunday
        flow.submit_password("valley", "kim", PASSWORD)

    assert str(refused.value) == REFUSED  # else the dialog would confirm a guessed password


def test_a_refusal_at_the_token_step_is_audited_and_sends_back_to_the_password(
    database, company, clock
):
    pk = add(database, company, clock)
    clock.now = at("2026-11-23T17:59")
    desk = FixedClock(clock.now - timedelta(minutes=5))
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), desk)
        token = pyotp.TOTP(SECRET).at(desk.now)
        verified = tf.verify_new_key(tf.enrolment(pk, secret=SECRET), token)
        form = TwoFactorForm(method="app", setup=TwoFactorSetup.NOW.value, title="Valley")
        tf.save(pk, form, version_of(session, pk), verified)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")
    flow.submit_password("valley", "kim", PASSWORD)
    before = reasons(database, pk)

    clock.now = at("2026-11-23T18:01")
    with pytest.raises(SignInRefused):
        flow.submit_recovery_code("not a code")

    assert reasons(database, pk)[len(before) :] == [("signin.failed", "outside login hours")]
    assert flow.step is Step.CREDENTIALS


def test_a_forced_change_after_the_window_closed_is_refused(database, company, clock):
    pk = add(database, company, clock)
    with database.transaction() as session:
        temporary = "amber window pottery"
        UserService(session, company, dba("mreyes"), clock).reset_password(pk, password=temporary)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    clock.now = at("2026-11-23T17:59")
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")
    assert flow.submit_password("valley", "kim", "amber window pottery") is Step.CHANGE_PASSWORD

    clock.now = at("2026-11-23T18:00")
    with pytest.raises(SignInRefused) as refused:
        flow.submit_new_password("a lantern by the north gate", "a lantern by the north gate")

    assert str(refused.value) == NOT_PERMITTED
    with database.transaction() as session:
        assert session.get(User, pk).must_change_password  # the password was not changed


def test_changing_ones_own_password_outside_the_hours_says_why(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))

    with pytest.raises(ValidationError) as refused:
        change_own_password(
            database, company, pk, "a lantern by the north gate", "a lantern by the north gate",
            clock=clock, workstation=WORKSTATION, operator="kim",
            current_password=PASSWORD,
        )  # fmt: skip

    assert refused.value.errors == {"current_password": NOT_PERMITTED}


def test_an_expiry_on_the_last_date_there_is_signs_in(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, LoginTimes(expires_on=date.max))

    result = check(database, clock)

    assert result.reason is Reason.SIGNED_IN and result.access_ends_at is None


def test_hours_another_program_wrote_unreadably_refuse_rather_than_allow(database, company, clock):
    pk = add(database, company, clock)
    with database.transaction() as session:
        user = session.get(User, pk)
        user.limited_access, user.login_hours = True, {"sun": "nine to five"}

    assert check(database, clock).reason is Reason.OUTSIDE_HOURS


def test_skipping_a_suggested_setup_after_the_hours_is_refused_and_audited(
    database, company, clock
):
    from app.two_factor.policy import CompanyDefault, TwoFactorPolicy, save_two_factor_policy

    pk = add(database, company, clock)
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(CompanyDefault.SUGGESTED, ()), actor=dba("mreyes"),
            clock=clock, expected_version=0,
        )  # fmt: skip
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    clock.now = at("2026-11-23T17:59")
    flow = SignInFlow(database, clock, WORKSTATION, ip="10.0.0.7")
    assert flow.submit_password("valley", "kim", PASSWORD) is Step.SETUP

    clock.now = at("2026-11-23T20:00")
    with pytest.raises(SignInRefused) as refused:
        flow.skip_setup()

    assert str(refused.value) == NOT_PERMITTED and flow.step is Step.CREDENTIALS
    assert reasons(database, pk)[-1] == ("signin.failed", "outside login hours")


# The server's clock unreadable: this computer's stands in (app.db.server.ServerClock), and a
# computer set back could pass the hours by it.


def clock_said(database: Database, pk: int) -> list[str | None]:
    """What each of the user's events says of the clock (None: nothing, the server's)."""
    with database.transaction() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.user_pk == pk).order_by(AuditEvent.id)
        )
        return [
            next((c["after"] for c in event.changes if c.get("field") == "clock"), None)
            for event in events
        ]


def test_limited_hours_on_a_fallback_clock_refuse_the_right_password_until_the_server_answers(
    database, company, clock
):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    clock.now = at("2026-11-23T10:00")  # inside the window, by this computer's clock
    fallback, _ = fake_server_clock(database, clock, measured=False)

    result = check(database, fallback)

    assert (result.reason, result.detail) == (Reason.TIME_UNCHECKED, CLOCK_UNREAD)
    assert reasons(database, pk)[-1] == ("signin.failed", CLOCK_UNREAD)
    assert clock_said(database, pk)[-1] == "this computer's (server clock unreadable)"
    with database.transaction() as session:
        assert session.get(User, pk).failed_logins == 0  # the password was right
    fallback.measure()
    assert check(database, fallback).reason is Reason.SIGNED_IN
    assert clock_said(database, pk)[-1] is None


def test_on_a_fallback_clock_a_user_whose_answer_needs_no_time_signs_in(database, company, clock):
    pk = add(database, company, clock)
    fallback, _ = fake_server_clock(database, clock, measured=False)
    assert check(database, fallback).reason is Reason.SIGNED_IN  # no limited hours

    every_day = hours(**dict.fromkeys(("sun", "mon", "tue", "wed", "thu", "fri", "sat"), "all"))
    save(database, company, clock, pk, every_day)
    assert check(database, fallback).reason is Reason.SIGNED_IN
    save(database, company, clock, pk, replace(every_day, limited=False, expires_on=None))
    assert check(database, fallback).reason is Reason.SIGNED_IN


def test_on_a_fallback_clock_an_end_date_still_to_come_refuses_and_one_past_says_expired(
    database, company, clock
):
    pk = add(database, company, clock)
    fallback, _ = fake_server_clock(database, clock, measured=False)

    save(database, company, clock, pk, LoginTimes(expires_on=date(2026, 11, 30)))
    assert check(database, fallback).reason is Reason.TIME_UNCHECKED
    save(database, company, clock, pk, LoginTimes(expires_on=date(2026, 11, 1)))
    assert check(database, fallback).reason is Reason.EXPIRED


def test_the_flow_tells_an_operator_on_a_fallback_clock_to_try_again(database, company, clock):
    pk = add(database, company, clock)
    save(database, company, clock, pk, hours(sun="all day"))  # NOW is a Sunday
    fallback, _ = fake_server_clock(database, clock, measured=False)
    flow = SignInFlow(database, fallback, WORKSTATION, ip="10.0.0.7")

    with pytest.raises(SignInRefused) as refused:
        flow.submit_password("valley", "kim", PASSWORD)

    assert str(refused.value) == TIME_UNCHECKED
    assert str(refused.value) == (
        "The time cannot be checked against the database server now: try again in a moment."
    )
    with pytest.raises(SignInRefused) as wrong:
        flow.submit_password("valley", "kim", "not the password")
    assert str(wrong.value) == REFUSED  # only the right password learns why


def test_a_clock_that_falls_back_during_the_token_step_refuses_the_token(
    database, company, clock, caplog
):
    pk = add(database, company, clock)
    clock.now = at("2026-11-23T10:00")
    desk = FixedClock(clock.now - timedelta(minutes=5))  # set up earlier: its token is used up
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), desk)
        verified = tf.verify_new_key(
            tf.enrolment(pk, secret=SECRET), pyotp.TOTP(SECRET).at(desk.now)
        )
        form = TwoFactorForm(method="app", setup=TwoFactorSetup.NOW.value, title="Valley")
        tf.save(pk, form, version_of(session, pk), verified)
    save(database, company, clock, pk, hours(mon="09:00-18:00"))
    server_clock, server = fake_server_clock(database, clock)
    flow = SignInFlow(database, server_clock, WORKSTATION, ip="10.0.0.7")
    assert flow.submit_password("valley", "kim", PASSWORD) is Step.TOKEN

    server.reachable = False
    server_clock.measure()
    caplog.clear()  # "server clock not read", as it should be
    with pytest.raises(SignInRefused) as refused:
        flow.submit_token(pyotp.TOTP(SECRET).at(clock.now))

    assert str(refused.value) == TIME_UNCHECKED
    assert reasons(database, pk)[-1] == ("signin.failed", CLOCK_UNREAD)
