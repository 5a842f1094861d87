"""One-time codes sent by mail or text: 6 digits, stored only as argon2 hashes, single use.

One table and one set of rules for every purpose (forgotten password, the sign-in token of
the Email and Text methods, the Direct Email activation code): a new code replaces the
unused one before it, each try is taken by one conditional UPDATE so that parallel guesses
all count, and checking costs one verification whether or not there is a code.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.clock import Clock
from app.db.models import CodePurpose, OneTimeCode
from app.passwords.credentials import dummy_hash, verify_password

CODE_DIGITS = 6


def typed_code(text: str) -> str:
    """A code as typed, without the spaces around it or inside it ("123 456", as apps show it)."""
    return text.strip().replace(" ", "")


def is_code_shaped(text: str) -> bool:
    """Six ASCII digits: what a code can be (str.isdigit would take other scripts' digits)."""
    return len(text) == CODE_DIGITS and all("0" <= c <= "9" for c in text)


class OneTimeCodes:
    """A user's codes of one purpose, in the caller's session."""

    def __init__(
        self, session: Session, clock: Clock, hasher: PasswordHasher, purpose: CodePurpose
    ) -> None:
        self.session = session
        self.clock = clock
        self.hasher = hasher
        self.purpose = purpose

    def sent_since(self, user_pk: int, since: datetime) -> int:
        """How many codes of this purpose were made for the user since then."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(OneTimeCode)
                .where(
                    OneTimeCode.user_pk == user_pk,
                    OneTimeCode.purpose == self.purpose.value,
                    OneTimeCode.created_at > since,
                )
            )
            or 0
        )

    def current(self, user_pk: int | None) -> OneTimeCode | None:
        """The newest unused code, expired or not (None for no user: asked all the same)."""
        return self.session.scalar(
            select(OneTimeCode)
            .where(
                OneTimeCode.user_pk == user_pk,
                OneTimeCode.purpose == self.purpose.value,
                OneTimeCode.used_at.is_(None),
            )
            .order_by(OneTimeCode.id.desc())
            .limit(1)
        )

    def issue(self, user_pk: int, destination: str, *, minutes: int, tries: int) -> str:
        """Make a new code (replacing any unused one) and return it, to be sent once."""
        now = self.clock()
        code = _new_code()
        self.session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.user_pk == user_pk,
                OneTimeCode.purpose == self.purpose.value,
                OneTimeCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        self.session.add(
            OneTimeCode(
                user_pk=user_pk,
                purpose=self.purpose.value,
                destination=destination,
                code_hash=self.hasher.hash(code),
                created_at=now,
                expires_at=now + timedelta(minutes=minutes),
                tries_left=tries,
            )
        )
        self.session.flush()
        return code

    def issue_to_nobody(self) -> None:
        """Make and hash a code that goes nowhere: asking one for somebody who cannot have
        one costs the hashing that issuing does."""
        self.hasher.hash(_new_code())

    def check(self, user_pk: int | None, code: str) -> OneTimeCode | None:
        """Take one try at the current code; the code if it matches (not yet marked used).

        A refusal is an answer, not an error: the try taken stays taken when the caller's
        transaction commits.
        """
        now = self.clock()
        current = self.current(user_pk)
        # The same statements whether or not there is a user or a code: the answer's time
        # must not say which (with no code, the UPDATE matches nothing).
        result = self.session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.id == (current.id if current is not None else None),
                OneTimeCode.used_at.is_(None),
                OneTimeCode.tries_left > 0,
                OneTimeCode.expires_at > now,
            )
            .values(tries_left=OneTimeCode.tries_left - 1)
            .execution_options(synchronize_session=False)
        )
        taken = bool(result.rowcount)  # type: ignore[attr-defined]
        code = typed_code(code)
        matches = verify_password(  # the same work whether or not there is a code
            self.hasher,
            current.code_hash if current is not None else dummy_hash(self.hasher),
            code if is_code_shaped(code) else "not a code",
        )
        return current if (taken and matches and is_code_shaped(code)) else None

    def void(self, code_id: int) -> None:
        """A code that never reached anyone stops working (and holds back no new one)."""
        self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.used_at.is_(None))
            .values(used_at=self.clock())
            .execution_options(synchronize_session=False)
        )

    def use(self, code: OneTimeCode) -> bool:
        """Mark a matched code used; False if another workstation used it first."""
        result = self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code.id, OneTimeCode.used_at.is_(None))
            .values(used_at=self.clock())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
