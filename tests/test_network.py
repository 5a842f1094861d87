"""The address a sign-in comes from, and the time, are the ones the database server sees."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.clock import utc_now
from app.db.database import Database
from app.db.server import ServerClock, observed_address, server_clock
from app.errors import DatabaseUnavailableError
from tests.conftest import FixedClock
from tests.helpers.statements import count_statements


def test_the_server_names_the_address_and_sqlite_names_none(database: Database) -> None:
    with database.transaction() as session:
        found = observed_address(session)
        backend = session.get_bind().dialect.name
    # The tests reach the servers over TCP on 127.0.0.1; SQLite has no server to ask.
    assert found == (None if backend == "sqlite" else "127.0.0.1")


def test_hours_follow_the_servers_clock_and_sqlite_the_computers(database: Database) -> None:
    long_ago = FixedClock(datetime(2001, 1, 1, tzinfo=UTC))  # a computer set back by years

    clock = server_clock(database, fallback=long_ago)
    with database.transaction() as session:
        backend = session.get_bind().dialect.name

    if backend == "sqlite":
        assert clock is long_ago  # no server to ask
    else:
        now = clock()
        assert now.tzinfo is not None and now.utcoffset() == timedelta(0)
        # The server shares this machine's clock in the tests: the set-back one is not used.
        assert abs(now - utc_now()) < timedelta(minutes=5)


def test_the_servers_clock_is_read_once_and_kept_by_this_computers(
    database: Database, connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite has no server clock to keep")
    local = FixedClock(datetime(2026, 11, 22, 14, 30, tzinfo=UTC))
    clock = ServerClock(database, local)
    clock.measure()
    server_now = utc_now()
    assert abs(clock() - server_now) < timedelta(minutes=5)  # set back by years, put right
    with count_statements(connection) as statements:
        for _ in range(100):  # the token countdown reads it twice a second
            clock()
    assert statements == []
    local.now += timedelta(seconds=30)
    assert abs(clock() - (server_now + timedelta(seconds=30))) < timedelta(minutes=5)


def test_a_server_that_cannot_be_reached_keeps_the_offset_read_before(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with database.transaction() as session:
        if session.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite has no server to lose")
    local = FixedClock(datetime(2001, 1, 1, tzinfo=UTC))
    clock = ServerClock(database, local)
    clock.measure()
    before = clock()

    def away() -> None:
        raise DatabaseUnavailableError("The database cannot be reached.")

    monkeypatch.setattr(database, "transaction", away)
    clock.measure()

    assert clock() == before  # the offset read before, not the computer's set-back clock
    assert [r.getMessage()[:18] for r in caplog.records] == ["server clock not r"]
    caplog.clear()  # said, as it should be
