"""What the database server sees: where a sign-in comes from, and what time it is.

Company Settings can let sign-ins from the office's subnets skip the second factor. The
address compared must be one the signing-in computer cannot choose: a laptop at home on
192.168.1.x would otherwise pass for an office PC on the same private range. So it is the
address the database server observes for this connection, and an embedded SQLite file, which
has no server to ask, never skips the second factor.

For the same reason login hours, expiries and audit times follow the server's clock: someone
who sets their own computer's clock back must not sign in outside their hours by it.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from app.clock import Clock, ClockSource, utc_now
from app.db.database import Database
from app.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)
SERVERS = ("postgresql", "mysql", "mariadb")  # the dialects with a server clock to ask


def observed_address(session: Session) -> str | None:
    """This connection's client address as the server sees it; None when there is none to
    trust (SQLite, a local socket, or an answer that is not an IP address)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        value = session.scalar(text("SELECT host(inet_client_addr())"))
    elif dialect in ("mysql", "mariadb"):
        value = session.scalar(
            text("SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()")
        )
        if isinstance(value, str) and value.count(":") == 1:
            value = value.rsplit(":", 1)[0]  # "192.168.10.7:51234"; IPv6 comes bare
    else:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip("[]")))
    except ValueError:
        return None  # "localhost" (a socket) or nothing


def server_time(session: Session) -> datetime | None:
    """The database server's clock, aware in UTC; None for SQLite, which has no server."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # statement_timestamp(), not CURRENT_TIMESTAMP: that one stops at the transaction's start
        value = session.scalar(text("SELECT statement_timestamp()"))
    elif dialect in ("mysql", "mariadb"):
        value = session.scalar(text("SELECT UTC_TIMESTAMP(6)"))
    else:
        return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ServerClock:
    """The database server's clock, kept by this computer's: the offset between the two is
    read from the server (``measure``, one short query), and reading the time does no I/O.

    The window measures again in the background every minute, so a computer whose clock is
    set back meanwhile is put right within the minute; a server that cannot be reached
    leaves the offset as it was last read. Until a measure succeeds, and after one fails,
    ``source`` says the time is a fallback: the window shows it, events say it, and a sign-in
    whose login hours or expiry depend on it is refused (app.signin.check). ``read`` is how the
    server's time is asked (tests give one that fails).
    """

    def __init__(
        self,
        database: Database,
        local: Clock = utc_now,
        read: Callable[[Session], datetime | None] = server_time,
    ) -> None:
        self.database = database
        self.local = local
        self.read = read
        self.offset = timedelta(0)
        self.source = ClockSource.FALLBACK  # never measured yet
        database.clock = self  # the clock the database's events are stamped by

    def measure(self) -> ClockSource:
        """Read the server's clock once and keep its offset from this computer's; whose time
        the clock tells now."""
        try:
            self.database.run(self.measure_in)
        except (DatabaseUnavailableError, PoolTimeoutError) as exc:
            self.source = ClockSource.FALLBACK
            log.warning("server clock not read (%s): keeping the offset read before", exc)
        return self.source

    def measure_in(self, session: Session) -> None:
        """Measure in the caller's transaction: one statement, no transaction of its own (a
        command-line process reads the clock with its work, not before it)."""
        before = self.local()
        server = self.read(session)
        after = self.local()
        if server is None:  # SQLite has no server; a server's answer that is no time is no reading
            embedded = self.database.backend not in SERVERS
            self.source = ClockSource.COMPUTER if embedded else ClockSource.FALLBACK
        else:  # the query's moment: halfway through the round trip
            self.offset = server - (before + (after - before) / 2)
            self.source = ClockSource.SERVER

    def __call__(self) -> datetime:
        return self.local() + self.offset


def unmeasured_clock(database: Database, fallback: Clock = utc_now) -> Clock:
    """As server_clock, but not yet measured: the caller measures it (``measure_in``) as its
    first transaction begins. ``fallback`` itself on an embedded file."""
    return ServerClock(database, fallback) if database.backend in SERVERS else fallback


def server_clock(database: Database, fallback: Clock = utc_now) -> Clock:
    """The clock hours, expiries and audit times follow: the database server's (measured
    once here, see ServerClock); ``fallback`` for an embedded SQLite file, which has no
    server. A server that cannot be reached now leaves the clock at this computer's until a
    later measure succeeds (it is logged)."""
    if database.backend not in SERVERS:
        return fallback
    clock = ServerClock(database, fallback)
    clock.measure()
    return clock
