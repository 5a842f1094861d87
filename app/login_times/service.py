"""The Login Times section's service: read and save a user's login hours and account expiry.

The rules themselves (what a window means, the clock changes) are in app.login_hours; the
sign-in check applies them (app.signin).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app.clock import Clock
from app.db.models import User
from app.errors import ConflictError, ValidationError
from app.login_times.hours import (
    NEVER_ALLOWED,
    WEEKDAY_KEYS,
    LoginTimes,
    access_ends_at,
    expires_at,
)
from app.practice.company import CompanyInfo
from app.users.service import UserRecord, UserService


def _expiry_text(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class LoginTimesService:
    """Users' login times in one session; the operator's role as UserService has it."""

    def __init__(
        self,
        session: Session,
        company: CompanyInfo,
        operator: str,
        clock: Clock,
        hasher: PasswordHasher | None = None,
        operator_role: str | None = None,
    ) -> None:
        self.session = session
        self.company = company
        self.clock = clock
        self.zone = ZoneInfo(company.time_zone)
        self.users = UserService(session, company, operator, clock, hasher, operator_role)

    def save(self, pk: int, times: LoginTimes, expected_version: int) -> UserRecord:
        """Store the section (checked already: see clean_login_times); one audit event naming
        each day that changed. ConflictError if the user was saved elsewhere meanwhile."""
        self.users._require_editor()
        user = self.users._load(pk)
        if user.version != expected_version:
            raise ConflictError(user.updated_by, user.updated_at)
        if times.limited and not any(day.available for day in times.days):
            raise ValidationError({"limited": NEVER_ALLOWED})
        return self._store(user, times)

    def set_expiry(self, pk: int, expires_on: date | None) -> UserRecord:
        """Only the account's expiry (`usersetup users set --expires`)."""
        self.users._require_editor()
        user = self.users._load(pk)
        return self._store(user, replace(user.login_times, expires_on=expires_on))

    def _store(self, user: User, times: LoginTimes) -> UserRecord:
        current = user.login_times
        changes: list[dict[str, Any]] = []
        if current.limited != times.limited:
            changes.append(
                {"field": "limited_access", "before": current.limited, "after": times.limited}
            )
        for key, before, after in zip(WEEKDAY_KEYS, current.days, times.days, strict=True):
            if before != after:
                changes.append(
                    {"field": f"hours.{key}", "before": before.text, "after": after.text}
                )
        if current.expires_on != times.expires_on:
            changes.append(
                {
                    "field": "account_expires_on",
                    "before": _expiry_text(current.expires_on),
                    "after": _expiry_text(times.expires_on),
                }
            )
        if not changes:
            return self.users.get(user.id)
        now = self.clock()
        user.limited_access = times.limited
        user.login_hours = times.stored_hours()
        user.account_expires_on = times.expires_on
        self.users._touch(user, now)
        self.users._flush(user)
        self.users._audit(user, "login_times.changed", changes, now)
        return self.users.get(user.id)

    def access_end(self, pk: int, now: datetime) -> AccessEnd | None:
        """When the signed-in operator (row ``pk``) must stop: their window closing or their
        account expiring, whichever is first; None: never. ``now`` itself when they may not be
        in at all (the caller's moment, so that it can tell). NotFoundError when the user is
        gone."""
        times = self.users._load(pk).login_times
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
