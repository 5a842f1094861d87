"""The sign-off PIN: what may be one, how it is kept, and the one check the practice's
programs call (`check_pin`, and `usersetup pin check`).

A PIN is digits only, 4 to 12 of them, typed twice, and not one anybody could guess from the
user's record or a list of favourites. It is stored only as an argon2id hash (the
password hasher, app.passwords.hashing) and never shown, logged or audited. A wrong PIN counts
toward the user's lockout exactly as a wrong password does: the sign-in's own counting
(SignInService.count_failure, single UPDATE statements), so tries from several workstations
all count.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit import Action
from app.clock import Clock
from app.db.models import User
from app.errors import ValidationError
from app.passwords.credentials import dummy_hash, verify_password
from app.passwords.hashing import hash_password, owasp_hasher
from app.passwords.policy import load_policy
from app.practice.company import CompanyInfo
from app.roles.held_now import closed_now
from app.signin.check import SignInService, find_account

PIN_FIELD, RETYPE_FIELD = "pin", "retype_pin"
PIN_LENGTHS = (4, 12)
DIGITS_ONLY = "The PIN is digits only (0 to 9)."
LENGTH = f"The PIN has {PIN_LENGTHS[0]} to {PIN_LENGTHS[1]} digits."
DIFFER = "The two PINs differ."
REPEATED = "The PIN may not be one digit or a short group repeated (0000, 1212)."
RUN = "The PIN may not be digits in a row (1234, 4321)."
YEAR = "The PIN may not look like a year (19xx, 20xx)."
DATE = "The PIN may not look like a date, such as a birthday (041985, 12251990, 19850412)."
PHONE = "The PIN may not be taken from the user's phone numbers."
CLEAR_AND_TYPED = "Clear PIN removes the PIN: leave the PIN fields blank, or keep the PIN."


class Pin:
    """A PIN as typed: its digits never appear in a repr, a log line or a traceback."""

    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        self._digits = digits

    def reveal(self) -> str:
        return self._digits

    def __bool__(self) -> bool:
        return bool(self._digits)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pin) and other._digits == self._digits

    def __hash__(self) -> int:
        return hash(("pin", len(self._digits)))

    def __repr__(self) -> str:
        return "Pin(***)" if self._digits else "Pin()"

    __str__ = __repr__


NO_PIN = Pin("")


def _digits_of(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _is_run(digits: str) -> bool:
    """Each digit one up (or each one down) from the one before, 9 then 0 too: 1234, 7890."""
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {9})


def _is_repeated(digits: str) -> bool:
    """0000, 1212, 123123: a group of up to half its length, said again and again."""
    return any(
        len(digits) % size == 0 and digits == digits[:size] * (len(digits) // size)
        for size in range(1, len(digits) // 2 + 1)
    )


def _is_day(month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _is_date(digits: str) -> bool:
    """Six digits as MMDDYY, DDMMYY or YYMMDD; eight as MMDDYYYY, DDMMYYYY or YYYYMMDD with a
    year from 1900 to 2099: the birthdays people pick (about one six-digit PIN in ten)."""
    if len(digits) == 6:
        a, b, c = digits[:2], digits[2:4], digits[4:]
        return _is_day(a, b) or _is_day(b, a) or _is_day(b, c)
    if len(digits) == 8:
        head, tail = digits[:4], digits[4:]
        return (
            tail[:2] in ("19", "20")
            and (_is_day(head[:2], head[2:]) or _is_day(head[2:], head[:2]))
        ) or (head[:2] in ("19", "20") and _is_day(tail[:2], tail[2:]))
    return False


def trivial_reason(digits: str, phones: Iterable[str] = ()) -> str | None:
    """Why these digits are too easy to guess as a PIN, or None."""
    if _is_repeated(digits):
        return REPEATED
    if _is_run(digits):
        return RUN
    if len(digits) == 4 and digits[:2] in ("19", "20"):
        return YEAR
    if _is_date(digits):
        return DATE
    if any(digits in _digits_of(phone) for phone in phones if phone):
        return PHONE
    return None


def clean_pin(pin: Pin, retype: Pin, phones: Iterable[str] = ()) -> Pin | None:
    """The new PIN, or None when both fields were left blank (the PIN stays as it is);
    ValidationError beside the PIN or the ReType field."""
    typed, again = pin.reveal(), retype.reveal()
    if not typed and not again:
        return None
    if not typed:
        raise ValidationError({PIN_FIELD: "Type the new PIN here and again under ReType PIN."})
    if not (typed.isascii() and typed.isdigit()):
        raise ValidationError({PIN_FIELD: DIGITS_ONLY})
    if not PIN_LENGTHS[0] <= len(typed) <= PIN_LENGTHS[1]:
        raise ValidationError({PIN_FIELD: LENGTH})
    reason = trivial_reason(typed, phones)
    if reason is not None:
        raise ValidationError({PIN_FIELD: reason})
    if typed != again:
        raise ValidationError({RETYPE_FIELD: DIFFER})
    return pin


def hash_pin(pin: Pin, hasher: PasswordHasher | None = None) -> str:
    """The PIN's argon2id hash, as the users row keeps it."""
    return hash_password(hasher or owasp_hasher(), pin.reveal())


class PinAnswer(enum.StrEnum):
    """What `check_pin` says, as `usersetup pin check` reports it."""

    RIGHT = "right"
    # Wrong, or the account is locked or inactive, or there is no such user: one answer, so
    # that the answer never tells whether the PIN of a closed account was right.
    REFUSED = "refused"
    NO_PIN = "no PIN set"  # an open account with no PIN: nothing was guessed, nothing counted


@dataclass(frozen=True)
class PinVerdict:
    answer: PinAnswer
    locked: bool = False  # this wrong PIN locked the account
    detail: str = ""  # for the audit trail and support; never shown to the person

    @property
    def right(self) -> bool:
        return self.answer is PinAnswer.RIGHT


def check_pin(
    session: Session,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    pin: str,
    *,
    hasher: PasswordHasher | None = None,
) -> PinVerdict:
    """Is this the user's sign-off PIN? The one check the practice's programs make.

    A wrong PIN counts toward the lockout as a wrong password does (and is audited as
    SIGNOFF_PIN_FAILED); the PIN of an inactive, locked or expired account is refused whether
    or not it was right (app.roles.held_now.closed_now, as a right is). A right PIN does not
    clear the failed sign-ins: else knowing the PIN would
    buy unlimited password guesses. Every answer costs one hash verification.
    """
    signin = SignInService(session, clock, workstation, hasher)
    now = clock()
    company, user, _rights = find_account(session, company_code, user_id)
    if user is not None:
        user = _claimed(session, user)
    stored = user.signoff_pin_hash if user is not None else None
    right = verify_password(signin.hasher, stored or dummy_hash(signin.hasher), pin)
    if company is None or user is None:
        return PinVerdict(PinAnswer.REFUSED, detail="unknown company or user ID")
    info = CompanyInfo.of(company)
    shut = closed_now(user, info, clock)  # inactive, locked or expired
    if shut is None and right:  # locked by another check while this one hashed? ask again
        shut = closed_now(_fresh(session, user), info, clock)
    closed = shut.value if shut is not None else ""
    if closed:  # not counted: a closed account's PIN is not checked at all, only refused
        signin.record_event(
            company.id, user.id, user.user_id, Action.SIGNOFF_PIN_FAILED, now, None,
            f"PIN tried: {closed}",
        )  # fmt: skip
        return PinVerdict(PinAnswer.REFUSED, detail=closed)
    if stored is None:
        return PinVerdict(PinAnswer.NO_PIN, detail="no PIN set")
    if right:
        return PinVerdict(PinAnswer.RIGHT)
    policy = load_policy(session, company.id)
    locked = signin.count_failure(
        company.id, user, policy, now, None, "wrong sign-off PIN", Action.SIGNOFF_PIN_FAILED
    )
    return PinVerdict(PinAnswer.REFUSED, locked=locked, detail="wrong PIN")


def _claimed(session: Session, user: User) -> User:
    """The user's row locked for this check and read afresh, before the PIN is hashed: PIN
    checks of one user from several workstations then take turns, each seeing the failures
    counted before it, so parallel guesses cannot all be checked before any of them counts.
    PostgreSQL and MariaDB lock the row (FOR UPDATE reads the latest committed row even
    under MariaDB's repeatable read); SQLite has no row lock, so a write that changes nothing
    takes the database's write lock (a check that finds another's write newer than what it
    read is done again from the start by Database.run)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins)
            .execution_options(synchronize_session=False)
        )
    return _fresh(session, user, lock=True)


def _fresh(session: Session, user: User, *, lock: bool = False) -> User:
    query = select(User).where(User.id == user.id).execution_options(populate_existing=True)
    return session.scalars(query.with_for_update() if lock else query).one()
