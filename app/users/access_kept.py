"""The practice is never locked out of User Setup by one save, and an operator removed
meanwhile changes nothing more.

An operator cannot deactivate, lock or end their own account, and nobody can take away the
last Administrator who can still sign in (active, not locked, not expired). Every section
that could do so asks here in the caller's transaction: the User section (Active, Login
Locked, the role) and Login Times (the account's expiry), in the window and on the command
line alike.

An operator's rights are read at sign-in; StillAllowed reads them again in each transaction
that changes something, so that an operator deactivated, locked, expired or given another role
from another workstation (or the command line) is refused at once by the window still open.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import NO_LONGER_ALLOWED, Actor, Right, rights_of_role
from app.clock import Clock
from app.db.models import SetupRole, User
from app.errors import NotAllowedError, ValidationError
from app.login_times.hours import LoginTimes, is_expired
from app.practice.company import CompanyInfo
from app.users.writer import get_user

ADMINISTRATOR = SetupRole.ADMINISTRATOR.value


def is_usable(user: User, zone: ZoneInfo, now: datetime) -> bool:
    """Is the account open now: active, not locked, not expired?"""
    return user.active and not user.login_locked and not is_expired(user.login_times, zone, now)


def can_administer(user: User, zone: ZoneInfo, now: datetime) -> bool:
    """Could this user sign in and run User Setup as an Administrator now? Not with a
    temporary password that has run out: only another Administrator could give a new one."""
    temporary_over = user.temporary_expires_at is not None and user.temporary_expires_at <= now
    return user.setup_role == ADMINISTRATOR and is_usable(user, zone, now) and not temporary_over


def other_administrators(session: Session, company: CompanyInfo, user: User, now: datetime) -> int:
    """How many of the company's other users could sign in as an Administrator now.

    The company's Administrators' rows (``user``'s among them) are locked until the caller's
    transaction ends, always in the same order: two workstations taking away one Administrator
    each at the same moment then go one after the other, and the second sees the first's
    change (PostgreSQL and MariaDB; SQLite lets one writer in at a time anyway).
    """
    zone = ZoneInfo(company.time_zone)
    session.flush()  # what this save changed so far is written before the rows are read anew
    administrators = session.scalars(
        select(User)
        .where(
            User.company_id == company.id,
            User.setup_role == ADMINISTRATOR,
            User.active,
            User.login_locked.is_(False),
        )
        .order_by(User.id)
        .with_for_update()
        # The locked rows as the lock found them: rows read earlier in this transaction (the
        # operator's own, for their rights) would otherwise keep the values read then, and
        # an expiry set meanwhile by another workstation would go unseen.
        .execution_options(populate_existing=True)
    )
    return sum(1 for a in administrators if a.id != user.id and can_administer(a, zone, now))


def guard_access_kept(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    user: User,
    now: datetime,
    *,
    active: bool,
    locked: bool,
    role: str | None,
    times: LoginTimes | None = None,
) -> None:
    """Refuse, beside the field that would do it, a save that ends the actor's own access or
    takes away the last Administrator who can sign in. ``times``: the login times the save
    stores (None: unchanged)."""
    zone = ZoneInfo(company.time_zone)
    current = user.login_times
    times = times or current
    ends = is_expired(times, zone, now) and not is_expired(current, zone, now)
    # A new end date: the last Administrator's account must not end, today or later.
    dated = times.expires_on is not None and times.expires_on != current.expires_on
    if user.id == actor.user_pk:
        if user.active and not active:
            raise ValidationError(
                {"active": "You cannot deactivate your own account; ask another Administrator."}
            )
        if not user.login_locked and locked:
            raise ValidationError(
                {"login_locked": "You cannot lock your own account; ask another Administrator."}
            )
        if ends:
            raise ValidationError(
                {"expires_on": "You cannot end your own account; ask another Administrator."}
            )
    was_in = can_administer(user, zone, now)
    stays_in = (
        role == ADMINISTRATOR
        and active
        and not locked
        and not dated
        and not is_expired(times, zone, now)
    )
    if was_in and not stays_in and not other_administrators(session, company, user, now):
        if not active:
            field = "active"
        elif locked:
            field = "login_locked"
        elif role != ADMINISTRATOR:
            field = "setup_role"
        else:
            field = "expires_on"
        raise ValidationError(
            {
                field: f"{user.user_id} is the only active Administrator of this practice who "
                "can sign in; make someone else an Administrator first."
            }
        )


class StillAllowed:
    """The rights the signed-in user ``pk`` holds now, read once per transaction from their
    own row: none unless active, not locked and not expired; else their role's."""

    def __init__(self, session: Session, company: CompanyInfo, pk: int, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.pk = pk
        self.clock = clock
        self._read_yet = False
        self._rights: frozenset[Right] | None = None

    def __call__(self) -> frozenset[Right] | None:
        if not self._read_yet:
            self._rights, self._read_yet = self._read(), True
        return self._rights

    def require(self, right: Right) -> None:
        """NotAllowedError unless they hold ``right`` now (seeing the list included)."""
        rights = self()
        if rights is not None and right not in rights:
            raise NotAllowedError(NO_LONGER_ALLOWED)

    def _read(self) -> frozenset[Right] | None:
        """Their rights now; None when there is no row to read them from. Users are never
        deleted (the operator guard locks a window whose operator's row is gone), so then the
        rights the sign-in gave stand."""
        user = get_user(self.session, self.pk)  # kept: an operator editing themselves
        if user is None:
            return None
        if user.company_id != self.company.id:
            return frozenset()
        usable = is_usable(user, ZoneInfo(self.company.time_zone), self.clock())
        return rights_of_role(user.setup_role) if usable else frozenset()
