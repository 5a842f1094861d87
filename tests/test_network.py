"""The address a sign-in comes from, and the time, are the ones the database server sees."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.clock import ClockSource, source_of, utc_now
from app.db.database import Database, make_engine
from app.db.models import AuditEvent, Company
from app.db.server import ServerClock, observed_address, server_clock
from app.errors import DatabaseUnavailableError
from app.practice.company import CompanyInfo
from app.signin.check import Reason
from app.signin.own_password import check_presence
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.clocks import fake_server_clock
from tests.helpers.records import add_user, committed_company
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


def test_a_clock_that_cannot_read_the_server_says_it_is_a_fallback_until_a_read_succeeds(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    local = FixedClock(datetime(2026, 11, 22, 14, 30, tzinfo=UTC))
    clock, server = fake_server_clock(database, local, measured=False)
    assert clock.source is ClockSource.FALLBACK  # never measured: this computer's stands in

    assert clock.measure() is ClockSource.SERVER
    server.reachable = False
    assert clock.measure() is ClockSource.FALLBACK  # the last measure failed
    assert not clock.source.trusted and source_of(clock) is ClockSource.FALLBACK
    assert [r.getMessage()[:18] for r in caplog.records] == ["server clock not r"]
    caplog.clear()  # said, as it should be
    server.reachable = True
    assert clock.measure() is ClockSource.SERVER and clock.source.trusted


def test_on_sqlite_the_computers_clock_is_the_clock_not_a_fallback(database: Database) -> None:
    clock = ServerClock(database, utc_now)  # the real read: None on SQLite, a time on a server
    source = clock.measure()

    embedded = database.backend == "sqlite"
    assert source is (ClockSource.COMPUTER if embedded else ClockSource.SERVER)
    assert source.trusted
    assert source_of(server_clock(database)).trusted


def test_events_written_on_a_fallback_clock_say_so_and_later_ones_do_not(
    database: Database, company: CompanyInfo
) -> None:
    local = FixedClock(datetime(2026, 11, 22, 14, 30, tzinfo=UTC))
    clock, _ = fake_server_clock(database, local, measured=False)

    on_fallback = add_user(database, company, clock, "kim", by="mreyes")
    clock.measure()
    on_server = add_user(database, company, clock, "dana", by="mreyes")

    fallback = {
        "field": "clock",
        "before": None,
        "after": "this computer's (server clock unreadable)",
    }
    assert [fallback in event.changes for event in events_of(database, on_fallback)] == [True]
    assert [fallback in event.changes for event in events_of(database, on_server)] == [False]


def events_of(database: Database, pk: int) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.user_pk == pk)))


# A connection dropped while it lay in the pool (no pre-ping finds it first)


def _backend_id(session: Session) -> int:
    dialect = session.get_bind().dialect.name
    query = "SELECT pg_backend_pid()" if dialect == "postgresql" else "SELECT CONNECTION_ID()"
    return int(session.execute(text(query)).scalar_one())


def _drop(engine: Engine, backend_id: int) -> None:
    """End one connection from the server's side, as a restart or a VPN drop would."""
    with engine.connect() as other:
        if engine.dialect.name == "postgresql":
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend_id})
        else:
            other.exec_driver_sql(f"KILL {backend_id}")


@pytest.fixture
def server_database(database_url: str, engine: Engine) -> Iterator[tuple[Database, Engine]]:
    """The test server's database (``engine`` has upgraded it) through an engine of its own,
    and a second for killing."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has no connection to drop")
    engine, killer = make_engine(database_url, pool_size=1), make_engine(database_url)
    yield Database.for_engine(engine, "test server"), killer
    engine.dispose()
    killer.dispose()


def test_a_pooled_connection_dropped_meanwhile_is_found_by_the_read_and_the_job_run_again(
    server_database: tuple[Database, Engine], caplog: pytest.LogCaptureFixture
) -> None:
    database, killer = server_database
    first = database.run(_backend_id)
    _drop(killer, first)
    tries: list[int] = []

    def job(session: Session) -> int:
        tries.append(1)
        return _backend_id(session)

    with caplog.at_level(logging.INFO, logger="app.db.database"):
        second = database.run(job)
    assert len(tries) == 2 and second != first  # once on the dead one, once on a new one
    assert "dropped; trying once more" in caplog.text


def test_a_job_that_wrote_before_its_connection_dropped_is_not_run_again(
    server_database: tuple[Database, Engine],
) -> None:
    database, killer = server_database
    tries: list[int] = []

    def job(session: Session) -> None:
        tries.append(1)
        session.execute(text("UPDATE companies SET name = name WHERE id = -1"))
        _drop(killer, _backend_id(session))
        session.execute(text("SELECT 1"))  # the dropped connection fails here

    with pytest.raises(DatabaseUnavailableError, match="nothing was saved"):
        database.run(job)
    assert len(tries) == 1
    assert database.run(_backend_id) > 0  # the next job gets a connection that works


def test_a_job_whose_writes_wait_for_the_commit_is_not_done_again_when_they_fail(
    server_database: tuple[Database, Engine],
) -> None:
    """What the session writes only as the job ends (added, not yet flushed) counts as
    written: a COMMIT whose answer is lost may have committed, and is not done twice."""
    database, killer = server_database
    tries: list[int] = []

    def job(session: Session) -> None:
        tries.append(1)
        _drop(killer, _backend_id(session))
        session.add(Company(code="gone", name="Gone Clinic", time_zone="UTC"))  # sent at the end

    with pytest.raises(DatabaseUnavailableError, match="nothing was saved"):
        database.run(job)
    assert len(tries) == 1


def test_the_idle_lock_signs_back_in_over_a_connection_dropped_while_the_window_stood(
    server_database: tuple[Database, Engine], clock: FixedClock
) -> None:
    """The window stood locked for hours; the server restarted meanwhile. The password typed
    to unlock it is checked on a new connection, not refused as a lost one."""
    database, killer = server_database
    with committed_company(database, killer, "idle") as company:
        add_user(database, company, clock, "kimberly", password=KIM_PASSWORD)
        pooled = database.run(_backend_id)
        _drop(killer, pooled)
        result = check_presence(database, clock, "TEST-PC", company.code, "kimberly", KIM_PASSWORD)
        assert result.reason is Reason.SIGNED_IN


def test_a_statement_run_again_and_again_is_never_prepared(database: Database, connection) -> None:
    """psycopg would prepare a statement on its 5th run on a connection, sending the Parse
    alone and waiting for it: one round trip more in a save (and a DEALLOCATE ALL after a
    rollback). Each run is one request instead, the same every time."""
    with database.transaction() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("only psycopg prepares statements by itself")
    for _ in range(8):
        with database.transaction() as session, count_statements(connection) as statements:
            session.execute(select(Company.id).where(Company.code == "VALLEY")).all()
        assert len(statements) == 1
    prepared = connection.execute(text("SELECT count(*) FROM pg_prepared_statements"))
    assert prepared.scalar_one() == 0
