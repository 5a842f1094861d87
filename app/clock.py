"""The time source. Services take a clock so tests can ask about exact moments."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Clock = Callable[[], datetime]
# The key, in a session's info, of whose time the database's clock tells now (app.db.database).
CLOCK_SOURCE = "usersetup_clock_source"


class ClockSource(enum.StrEnum):
    """Whose time a clock tells; the value is what an audit event says of a fallback."""

    SERVER = "the database server's"
    COMPUTER = "this computer's"  # an embedded file has no server: this computer's is the clock
    FALLBACK = "this computer's (server clock unreadable)"

    @property
    def trusted(self) -> bool:
        """False while the server's clock could not be read and this computer's stands in."""
        return self is not ClockSource.FALLBACK


def source_of(clock: Clock) -> ClockSource:
    """Whose time ``clock`` tells: its own ``source`` (ServerClock, Held), else this computer's."""
    source = getattr(clock, "source", None)
    return source if isinstance(source, ClockSource) else ClockSource.COMPUTER


@dataclass(frozen=True)
class Held:
    """One moment read from a clock, told again each time it is asked, with whose it was."""

    at: datetime
    source: ClockSource = ClockSource.COMPUTER

    def __call__(self) -> datetime:
        return self.at


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)
