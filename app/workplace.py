"""Where work is done and as whom: what every service and section is given.

A Work is one transaction's session with the company, the actor and the clock; a Workplace is
what makes them: the database, the company, the actor and the clock, giving each job a
transaction of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from app.access import Actor
from app.clock import Clock
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.users.access_kept import StillAllowed

T = TypeVar("T")


@dataclass(frozen=True)
class Work:
    """What every section works with: the caller's session (and so its transaction), the
    company, who acts, and the clock."""

    session: Session
    company: CompanyInfo
    actor: Actor
    clock: Clock


@dataclass(frozen=True)
class Workplace:
    """Where and as whom the window works: the database, the company, the actor, the clock.
    Each job it runs gets a Work in one transaction of its own."""

    database: Database
    company: CompanyInfo
    actor: Actor
    clock: Clock

    def within(self, job: Callable[[Work], T]) -> T:
        """Run ``job`` in one transaction: committed when it returns, rolled back if it raises
        (and tried once more if its connection was found dropped before it wrote)."""

        def in_session(session: Session) -> T:
            actor = self.actor
            if actor.user_pk is not None:  # a signed-in user: their rights as they are now
                actor = actor.confirmed_by(
                    StillAllowed(session, self.company, actor.user_pk, self.clock)
                )
            return job(Work(session, self.company, actor, self.clock))

        return self.database.run(in_session)
