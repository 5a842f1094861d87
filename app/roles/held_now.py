"""May this user do X now? What the practice's other programs ask, through `holds` (or
`usersetup rights check`, which answers with `right_now`).

A right is held now when the user's roles give it (directly or through a user group: the one
reading in app.roles.effective) and their account is open now: active, not locked (until an
unlock, or for a while after failed sign-ins: app.users.writer.is_locked), and not past its
end date in the company's time zone. Login hours are not asked: they govern signing in, not
what a user signed in may do. An end date is decided by the clock given; when that clock is
this computer's standing in for the server's, a user with an end date holds nothing (a
computer set back could pass it), as the sign-in refuses them (Reason.TIME_UNCHECKED).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.clock import Clock, source_of
from app.db.models import User
from app.login_times.hours import expires_at
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import Source, user_and_rights
from app.users.writer import is_locked


class Closed(enum.StrEnum):
    """Why an account holds no right now, in words for a message."""

    INACTIVE = "the account is inactive"
    LOCKED = "the account is locked"
    EXPIRED = "the account has expired"
    TIME_UNCHECKED = (
        "the account has an end date and the time cannot be checked against the database server now"
    )


@dataclass(frozen=True)
class RightNow:
    """The answer for one user and one right: where their roles give it (whether or not the
    account is open), and why the account holds nothing now (None: it is open)."""

    user_pk: int
    right: Right
    sources: tuple[Source, ...]
    closed: Closed | None

    @property
    def held(self) -> bool:
        return bool(self.sources) and self.closed is None


def closed_now(user: User, company: CompanyInfo, clock: Clock) -> Closed | None:
    """Why the account holds no right now: inactive, locked, past its end date (or an end
    date the clock cannot decide); None when it is open."""
    if not user.active:
        return Closed.INACTIVE
    now = clock()
    if is_locked(user, now):
        return Closed.LOCKED
    end = expires_at(user.account_expires_on, ZoneInfo(company.time_zone))
    if end is None:  # no end date, or 9999-12-31 for "never"
        return None
    if not source_of(clock).trusted:
        return Closed.TIME_UNCHECKED
    return Closed.EXPIRED if now >= end else None


def right_now(
    session: Session, company: CompanyInfo, user_pk: int, right: Right, clock: Clock
) -> RightNow:
    """Does the user hold ``right`` now, and if not, why? One statement (their row with their
    rights); a user of another company, or none, holds nothing."""
    user, held = user_and_rights(session, company.id, user_pk)
    if user is None or user.company_id != company.id:
        return RightNow(user_pk, right, (), Closed.INACTIVE)
    return RightNow(user_pk, right, held.sources.get(right, ()), closed_now(user, company, clock))


def holds(session: Session, company: CompanyInfo, user_pk: int, right: Right, clock: Clock) -> bool:
    """May this user do what ``right`` allows, now? What the practice's other programs ask:
    their roles give it, and their account is active, not locked and not expired."""
    return right_now(session, company, user_pk, right, clock).held


__all__ = ["Closed", "RightNow", "closed_now", "holds", "right_now"]
