"""The Login Times section's service: read and save a user's login hours and account expiry.

The rules themselves (what a window means, the clock changes) are in app.login_times.hours;
the sign-in check applies them (app.signin).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.audit import Action, Change
from app.audit import changed as audit_changed
from app.clock import Clock
from app.db.models import User
from app.errors import ValidationError
from app.login_times.hours import (
    NEVER_ALLOWED,
    WEEKDAY_KEYS,
    LoginTimes,
    access_ends_at,
    expires_at,
)
from app.practice.company import CompanyInfo
from app.users.access_kept import guard_access_kept
from app.users.records import UserRecord, record_of
from app.users.writer import UserWriter


def _expiry_text(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class LoginTimesService:
    """Users' login times in one session, for one actor."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock
        self.zone = ZoneInfo(company.time_zone)
        self.writer = UserWriter(session, company, actor)

    def save(self, pk: int, times: LoginTimes, expected_version: int) -> UserRecord:
        """Store the section (checked already: see clean_login_times); one audit event naming
        each day that changed. ConflictError if the user was saved elsewhere meanwhile."""
        self.actor.require(Right.EDIT_LOGIN_TIMES)
        user = self.writer.load_for_edit(pk, expected_version)
        if times.limited and not any(day.available for day in times.days):
            raise ValidationError({"limited": NEVER_ALLOWED})
        return self._store(user, times)

    def set_expiry(self, pk: int, expires_on: date | None) -> UserRecord:
        """Only the account's expiry (`usersetup users set --expires`)."""
        self.actor.require(Right.EDIT_LOGIN_TIMES)
        user = self.writer.load_for_edit(pk)
        return self._store(user, replace(user.login_times, expires_on=expires_on))

    def _store(self, user: User, times: LoginTimes) -> UserRecord:
        current = user.login_times
        changes = [
            *audit_changed("limited_access", current.limited, times.limited),
            *(
                Change(f"hours.{key}", before.text, after.text)
                for key, before, after in zip(WEEKDAY_KEYS, current.days, times.days, strict=True)
                if before != after
            ),
            *audit_changed(
                "account_expires_on",
                _expiry_text(current.expires_on),
                _expiry_text(times.expires_on),
            ),
        ]
        if not changes:
            return record_of(user)
        guard_access_kept(
            self.session, self.company, self.actor, user, self.clock(),
            active=user.active, locked=user.login_locked, times=times,
        )  # fmt: skip
        user.limited_access = times.limited
        user.login_hours = times.stored_hours()
        user.account_expires_on = times.expires_on
        self.writer.save(user, Action.LOGIN_TIMES_CHANGED, changes, self.clock())
        return record_of(user)

    def access_end(self, pk: int, now: datetime) -> AccessEnd | None:
        """When the signed-in operator (row ``pk``) must stop: their window closing or their
        account expiring, whichever is first; None: never. ``now`` itself when they may not be
        in at all (the caller's moment, so that it can tell). NotFoundError when the user is
        gone."""
        times = self.writer.load(pk).login_times
        end = access_ends_at(times, self.zone, now)
        if end is None:
            return None
        expiry = expires_at(times.expires_on, self.zone)
        return AccessEnd(end, expiry is not None and end >= expiry)


@dataclass(frozen=True)
class AccessEnd:
    """The end of a signed-in operator's allowed time, and what ends it."""

    at: datetime
    expiry: bool  # the account expiring, not the login hours
