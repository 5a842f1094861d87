"""Setting a password: the company policy, the user's history, the hash and the flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import PasswordHistory, User
from app.passwords.hashing import hash_password
from app.passwords.policy import PasswordOwner, PasswordPolicy, load_policy, password_problems
from app.practice.company import CompanyInfo
from app.two_factor.policy import load_two_factor_policy, password_is_one_of_two
from app.validation import normalize_password


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """Constant-time check of a password against an argon2 hash; False for any mismatch."""
    try:
        return bool(hasher.verify(password_hash, normalize_password(password)))
    except (VerificationError, InvalidHashError):
        return False


# Made once with OWASP's parameters from a password nobody knows; shipped as text so that even
# the first check in a new process costs one verification, as a real one does.
_DUMMY_HASH = (
    "$argon2id$v=19$m=19456,t=2,p=1$j/TQLHF3RsYE21GS7kq9ew$"
    "my5U85W5zGR7/yTenBgG5lfftiyDgeY7QUppkgpg2eI"
)


def dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of nothing anyone knows, with the same parameters as real ones: checking an
    unknown user or a missing code against it costs what a real check costs."""
    parameters = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if parameters == (2, 19 * 1024, 1):
        return _DUMMY_HASH
    return _dummy_hash_for(*parameters)


@cache
def _dummy_hash_for(time_cost: int, memory_cost: int, parallelism: int) -> str:
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash("not a password anyone has")


class Credentials:
    """Password rules of one company, applied the same way by every path that sets one."""

    def __init__(self, session: Session, company: CompanyInfo, hasher: PasswordHasher) -> None:
        self.session = session
        self.company = company
        self.hasher = hasher
        self._policy: PasswordPolicy | None = None

    @property
    def policy(self) -> PasswordPolicy:
        if self._policy is None:
            self._policy = load_policy(self.session, self.company.id)
        return self._policy

    def owner(self, user_id: str, first_name: str, last_name: str) -> PasswordOwner:
        """Whose password it is, for a user with no second factor yet (a new one)."""
        return PasswordOwner(
            user_id=user_id,
            first_name=first_name,
            last_name=last_name,
            company_code=self.company.code,
            company_name=self.company.name,
        )

    def owner_of(self, user: User) -> PasswordOwner:
        """Whose password it is, for a stored user: with a second factor on every sign-in,
        the shorter minimum applies."""
        two_factor_policy, _ = load_two_factor_policy(self.session, self.company.id)
        return replace(
            self.owner(user.user_id, user.first_name, user.last_name),
            two_factor=password_is_one_of_two(user, two_factor_policy),
        )

    def problems(self, password: str, owner: PasswordOwner, user: User | None) -> list[str]:
        """The policy's objections, and for an existing user any of their recent passwords."""
        problems = password_problems(self.policy, password, owner)
        if not problems and user is not None and self.was_used(user, password):
            problems.append(
                f"Choose a password not used for this account recently "
                f"(the last {self.policy.history} are remembered)."
            )
        return problems

    def was_used(self, user: User, password: str) -> bool:
        if self.policy.history == 0:
            return False
        earlier = self.session.scalars(
            select(PasswordHistory.password_hash)
            .where(PasswordHistory.user_pk == user.id)
            .order_by(PasswordHistory.id.desc())
            .limit(self.policy.history - 1)
        )
        hashes = [user.password_hash, *earlier]
        return any(verify_password(self.hasher, h, password) for h in hashes)

    def set_password(self, user: User, password: str, *, temporary: bool, now: datetime) -> None:
        """Store the new hash, remember the old one, and set or clear the temporary flags."""
        if user.id is not None and user.password_hash:
            self.session.add(
                PasswordHistory(user_pk=user.id, password_hash=user.password_hash, replaced_at=now)
            )
            self._trim_history(user)
        user.password_hash = hash_password(self.hasher, password)
        user.password_changed_at = now
        user.must_change_password = temporary
        user.temporary_expires_at = (
            now + timedelta(hours=self.policy.temporary_hours) if temporary else None
        )

    def _trim_history(self, user: User) -> None:
        keep = max(self.policy.history - 1, 0)  # the current password makes up the rest
        kept = select(PasswordHistory.id).where(PasswordHistory.user_pk == user.id)
        newest = list(self.session.scalars(kept.order_by(PasswordHistory.id.desc()).limit(keep)))
        self.session.execute(
            delete(PasswordHistory).where(
                PasswordHistory.user_pk == user.id, PasswordHistory.id.not_in(newest or [0])
            )
        )
