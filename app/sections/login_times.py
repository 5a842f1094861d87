"""The Login Times section: when a user may sign in, and when their account expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from app.access import Right
from app.db.models import User
from app.login_times.hours import DayForm, LoginTimes, clean_login_times, is_expired, within_hours
from app.login_times.service import LoginTimesService
from app.sections.base import Copied, Section, SectionSaved, Target
from app.workplace import Work


@dataclass(frozen=True)
class LoginTimesEdit:
    """The section as typed: Limited access, a row per weekday (Sunday first), the expiry."""

    limited: bool
    days: tuple[DayForm, ...]
    expires_on: date | None

    @classmethod
    def of(cls, times: LoginTimes) -> LoginTimesEdit:
        return cls(times.limited, tuple(DayForm.of(day) for day in times.days), times.expires_on)


class LoginTimesSection(Section[LoginTimes, LoginTimesEdit, LoginTimes]):
    key: ClassVar[str] = "login_times"
    title: ClassVar[str] = "Login Times"
    order: ClassVar[int] = 80
    icon: ClassVar[str] = "clock"
    tooltip: ClassVar[str] = "When the selected user may sign in, and when their account expires"
    edit_right: ClassVar[Right] = Right.EDIT_LOGIN_TIMES

    def load(self, work: Work, user: User) -> LoginTimes:
        return user.login_times

    def blank(self, work: Work) -> LoginTimes:
        return LoginTimes()

    def copy(self, work: Work, source: LoginTimes) -> Copied[LoginTimes]:
        times = source.for_copy(ZoneInfo(work.company.time_zone), work.clock())
        carried: list[str] = []
        if times.limited:
            carried.append("Limited access and the hours of each day")
        elif times.days != LoginTimes().days:
            carried.append("the hours of each day (Limited access is off)")
        if times.expires_on is not None:
            carried.append(f"the account's expiry ({times.expires_on.isoformat()})")
        return Copied(times, tuple(carried))

    def edit_of(self, state: LoginTimes) -> LoginTimesEdit:
        return LoginTimesEdit.of(state)

    def check(
        self, work: Work, target: Target, current: LoginTimes | None, edit: LoginTimesEdit
    ) -> LoginTimes:
        return clean_login_times(edit.limited, list(edit.days), edit.expires_on)

    def save(self, work: Work, target: Target, checked: LoginTimes) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        service = LoginTimesService(work.session, work.company, work.actor, work.clock)
        return SectionSaved(service.save(target.pk, checked, target.version))

    def as_json(self, work: Work, state: LoginTimes) -> dict[str, Any]:
        zone, now = ZoneInfo(work.company.time_zone), work.clock()
        expired = is_expired(state, zone, now)
        return {
            "limited_access": state.limited,
            "days": state.stored_hours(),
            "time_zone": zone.key,
            "account_expires_on": state.expires_on.isoformat() if state.expires_on else None,
            "expired": expired,
            "allowed_now": not expired and within_hours(state, zone, now),
        }
