"""The practice is never locked out of User Setup by one save, and an operator removed
meanwhile changes nothing more.

An operator cannot deactivate, lock or end their own account, and nobody can take away the
last user who holds "Edit roles and rights" and can still sign in (active, not locked, not
expired). Every change that could do so asks here in the caller's transaction: the User
section (Active, Login Locked), Login Times (the account's expiry), a user's roles and groups,
and a role's rights, in the window and on the command line alike.

An operator's rights are read at sign-in; StillAllowed reads them again in each transaction
that changes something, so that an operator deactivated, locked, expired or given another role
from another workstation (or the command line) is refused at once by the window still open.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import NO_LONGER_ALLOWED, Actor, Right
from app.clock import Clock
from app.db.models import User
from app.errors import NotAllowedError, ValidationError
from app.login_times.hours import LoginTimes, is_expired
from app.practice.company import CompanyInfo
from app.roles.effective import locked_holders, rights_of, user_and_rights

# The right whose last holder who can sign in the practice never loses: with it, they can
# give every other right back.
KEEPER = Right.EDIT_ROLES


def is_usable(user: User, zone: ZoneInfo, now: datetime) -> bool:
    """Is the account open now: active, not locked, not expired?"""
    return user.active and not user.login_locked and not is_expired(user.login_times, zone, now)


def can_sign_in(user: User, zone: ZoneInfo, now: datetime) -> bool:
    """Could this user sign in now? Not with a temporary password that has run out: only
    someone who may reset passwords could give a new one."""
    temporary_over = user.temporary_expires_at is not None and user.temporary_expires_at <= now
    return is_usable(user, zone, now) and not temporary_over


def usable_holders(
    session: Session, company: CompanyInfo, now: datetime, right: Right = KEEPER
) -> set[int]:
    """The company's users who hold ``right`` and could sign in now.

    The rows that give the right and the holders' own rows are locked until the caller's
    transaction ends, always in the same order: two workstations each taking it from someone
    at the same moment then go one after the other, and the second sees the first's change
    (PostgreSQL and MariaDB; SQLite lets one writer in at a time anyway).
    """
    zone = ZoneInfo(company.time_zone)
    session.flush()  # what this save changed so far is written before the rows are read anew
    pks = locked_holders(session, company.id, right)
    if not pks:
        return set()
    users = session.scalars(
        select(User)
        .where(User.company_id == company.id, User.id.in_(sorted(pks)))
        .order_by(User.id)
        .with_for_update()
        # The locked rows as the lock found them: rows read earlier in this transaction (the
        # operator's own, for their rights) would otherwise keep the values read then, and
        # an expiry set meanwhile by another workstation would go unseen.
        .execution_options(populate_existing=True)
    )
    return {u.id for u in users if can_sign_in(u, zone, now)}


def last_keeper_message(who: str) -> str:
    return (
        f"{who} is the only user of this practice who can sign in and edit roles; give "
        f"\u201c{KEEPER.label}\u201d to someone else first."
    )


def guard_keeper_kept(
    session: Session,
    company: CompanyInfo,
    now: datetime,
    before: set[int],
    field: str,
    who: tuple[int, str] | None = None,
) -> None:
    """After a change (flushed here): refuse it, beside ``field``, when someone could sign in
    and edit roles before it (``before``: ``usable_holders`` then) and nobody can after.
    ``who``: the one user the change is about (pk, user ID), named when they were the last."""
    if not before or usable_holders(session, company, now):
        return
    if who is not None and before == {who[0]}:
        raise ValidationError({field: last_keeper_message(who[1])})
    raise ValidationError(
        {
            field: "This would leave nobody who can sign in and edit roles; give "
            f"\u201c{KEEPER.label}\u201d to someone else first."
        }
    )


def guard_access_kept(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    user: User,
    now: datetime,
    *,
    active: bool,
    locked: bool,
    times: LoginTimes | None = None,
) -> None:
    """Refuse, beside the field that would do it, a save that ends the actor's own access or
    takes away the last user who can sign in and edit roles. ``times``: the login times the
    save stores (None: unchanged)."""
    zone = ZoneInfo(company.time_zone)
    current = user.login_times
    times = times or current
    ends = is_expired(times, zone, now) and not is_expired(current, zone, now)
    # A new end date: the last keeper's account must not end, today or later.
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
    stays_in = active and not locked and not dated and not is_expired(times, zone, now)
    if stays_in or not can_sign_in(user, zone, now):
        return
    if KEEPER not in rights_of(session, company.id, user.id):
        return
    if usable_holders(session, company, now) - {user.id}:
        return
    field = "active" if not active else "login_locked" if locked else "expires_on"
    raise ValidationError({field: last_keeper_message(user.user_id)})


class StillAllowed:
    """The rights the signed-in user ``pk`` holds now, read once per transaction from their
    own row and their roles: none unless active, not locked and not expired."""

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
        # One statement for the row and the rights; a row already in the session (an operator
        # editing themselves) is the one the session holds, not read over it.
        user, held = user_and_rights(self.session, self.company.id, self.pk)
        if user is None:
            return None
        if user.company_id != self.company.id:
            return frozenset()
        usable = is_usable(user, ZoneInfo(self.company.time_zone), self.clock())
        return held.rights if usable else frozenset()
