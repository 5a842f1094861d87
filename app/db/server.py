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
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from app.clock import Clock, utc_now
from app.db.database import Database
from app.errors import DatabaseUnavailableError

log = logging.getLogger(__name__)


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


def server_clock(database: Database, fallback: Clock = utc_now) -> Clock:
    """A clock that asks the database server each time (one short query); ``fallback`` for
    an embedded SQLite file, and while the server cannot be reached (the work that asked
    for the time then fails on its own, in plain words)."""
    with database.transaction() as session:
        if server_time(session) is None:
            return fallback

    def now() -> datetime:
        try:
            with database.transaction() as session:
                return server_time(session) or fallback()
        except (DatabaseUnavailableError, PoolTimeoutError) as exc:
            log.warning("server clock not read (%s): using this computer's", exc)
            return fallback()

    return now
