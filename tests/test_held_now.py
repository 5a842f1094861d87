"""May this user do X now? `holds` and `right_now` (app.roles.held_now), what the practice's
other programs ask, on SQLite, PostgreSQL and MariaDB, at the tests' clock moved by hand.

Kimberly is a Billing Clerk ("Post charges and payments" among its rights); the company's
time zone is America/New_York, and the tests' clock starts on Sunday 22 November 2026 at
14:30 UTC (9:30 in the morning there).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.clock import ClockSource, Held
from app.db.database import Database
from app.db.models import User
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import UserRoles
from app.roles.held_now import Closed, holds, right_now
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.catalog import add_role
from tests.helpers.records import add_user
from tests.helpers.statements import count_statements

BILLING = Right.BILLING_EDIT
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.fixture
def kimberly(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        clerk = add_role(session, company, "Billing Clerk", [Right.BILLING_VIEW, BILLING])
        UserRoles(session, company, dba(), clock).set_roles(pk, [clerk])
    return pk


def change(database: Database, pk: int, **values: Any) -> None:
    """The user's row as another workstation might leave it."""
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        for name, value in values.items():
            setattr(user, name, value)


def asked(
    database: Database, company: CompanyInfo, pk: int, clock: Callable[[], datetime]
) -> tuple[bool, Closed | None, tuple[str, ...]]:
    with database.transaction() as session:
        answer = right_now(session, company, pk, BILLING, clock)
        assert holds(session, company, pk, BILLING, clock) is answer.held
    return answer.held, answer.closed, tuple(str(s) for s in answer.sources)


def test_an_open_account_holds_what_its_roles_give_in_one_statement(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    with database.transaction() as session, count_statements(connection) as statements:
        answer = right_now(session, company, kimberly, BILLING, clock)
    assert len(statements) == 1, statements  # the row with the rights
    assert (answer.held, answer.closed) == (True, None)
    assert [str(s) for s in answer.sources] == ["Billing Clerk role"]
    with database.transaction() as session:
        assert not holds(session, company, kimberly, Right.PRESCRIBE, clock)  # not given


def test_an_inactive_account_holds_nothing(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    change(database, kimberly, active=False)
    assert asked(database, company, kimberly, clock) == (
        False, Closed.INACTIVE, ("Billing Clerk role",),
    )  # fmt: skip


def test_a_locked_account_holds_nothing_until_unlocked_or_its_lock_runs_out(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    change(database, kimberly, login_locked=True)
    assert asked(database, company, kimberly, clock)[:2] == (False, Closed.LOCKED)
    # locked for a while after failed sign-ins
    change(database, kimberly, login_locked=False, locked_until=clock() + timedelta(minutes=15))
    assert asked(database, company, kimberly, clock)[:2] == (False, Closed.LOCKED)
    clock.now += timedelta(minutes=15)
    assert asked(database, company, kimberly, clock)[:2] == (True, None)


def test_an_account_past_its_end_date_holds_nothing_by_the_companys_day(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    change(database, kimberly, account_expires_on=date(2026, 11, 22))
    assert asked(database, company, kimberly, clock)[:2] == (True, None)
    clock.now = datetime(2026, 11, 23, 4, 59, tzinfo=UTC)  # 23:59 on the 22nd in New York
    assert asked(database, company, kimberly, clock)[:2] == (True, None)
    clock.now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # midnight there: it has ended
    assert asked(database, company, kimberly, clock)[:2] == (False, Closed.EXPIRED)
    change(database, kimberly, account_expires_on=date(9999, 12, 31))  # "never"
    assert asked(database, company, kimberly, clock)[:2] == (True, None)


def test_an_end_date_the_clock_cannot_decide_holds_nothing(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    """A computer's clock standing in for the server's could be set back to pass the date."""
    standing_in = Held(clock(), ClockSource.FALLBACK)
    assert asked(database, company, kimberly, standing_in)[:2] == (True, None)  # no end date
    change(database, kimberly, account_expires_on=date(2027, 1, 31))
    assert asked(database, company, kimberly, standing_in)[:2] == (False, Closed.TIME_UNCHECKED)
    assert asked(database, company, kimberly, clock)[:2] == (True, None)  # the server's time


def test_login_hours_govern_signing_in_not_what_a_user_holds(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    change(database, kimberly, limited_access=True, login_hours=dict.fromkeys(DAYS, "off"))
    assert asked(database, company, kimberly, clock)[:2] == (True, None)


def test_a_user_of_another_company_holds_nothing_here(
    database: Database, company: CompanyInfo, clock: FixedClock, kimberly: int
) -> None:
    other = CompanyInfo(company.id + 1000, "other", "Other", company.time_zone, "US")
    assert asked(database, other, kimberly, clock) == (False, Closed.INACTIVE, ())
