"""A database server's clock as a test has it answer: on time, or out of reach."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.db.database import Database
from app.db.server import ServerClock
from app.errors import DatabaseUnavailableError
from tests.conftest import NOW, FixedClock


class FakeServerTime:
    """What ``server_time`` answers in a test: ``now``, or unreachable (``reachable`` False)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now
        self.reachable = True

    def __call__(self, session: Session) -> datetime:
        if not self.reachable:
            raise DatabaseUnavailableError("The database server cannot be reached.")
        return self.now


def fake_server_clock(
    database: Database, local: FixedClock, *, measured: bool = True
) -> tuple[ServerClock, FakeServerTime]:
    """``database``'s server clock against a fake server whose time is this computer's
    (``local``): measured, or (``measured`` False) a fallback, as a clock is until its first
    measure succeeds and after one fails (tests/test_network.py has both)."""
    server = FakeServerTime(local.now)
    clock = ServerClock(database, local, read=server)
    if measured:
        clock.measure()
    return clock, server
