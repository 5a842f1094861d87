"""The company's password policy: NIST SP 800-63B rev. 4 by default, each rule tunable."""

from __future__ import annotations

import dataclasses
import random
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.audit import Action
from app.clock import Clock
from app.db.models import PasswordPolicyRow
from app.errors import ValidationError
from app.practice.settings import save_settings, settings_row, stored_version
from app.validation import normalize_password

ABSOLUTE_MIN_LENGTH = 8  # NIST's floor: no setting goes below it
LONGEST_ALLOWED = 256  # what the hash input may be at most; never truncated
# Lower-case letters and digits a person cannot misread on a slip or mishear on the phone:
# no 0/o, 1/l/i, and no capitals to spell out. 16 of them carry about 79 bits.
READABLE = "abcdefghjkmnpqrstuvwxyz23456789"
# zxcvbn's estimate of the guesses a password takes, below which it is refused. A password
# alone: a billion, weeks of argon2id work for an attacker holding a stolen hash; repeats,
# sequences, keyboard walks and common words strung together ("iloveyou iloveyou": 10^8) fall
# below it, three unrelated words ("quiet harbor lights": 10^14) pass. One factor of two: a
# million, beyond the throttled guessing at the sign-in that is all a second factor leaves
# (any 8 random characters pass; "qwertyui" does not).
GUESSES_FLOOR = 10**9
GUESSES_FLOOR_TWO_FACTOR = 10**6
ADD_WORDS = "Add words nobody would expect from you."
COMMON_WORDS_TOGETHER = "Words this common are easy to guess together."
GUESSED_FROM = 100  # zxcvbn's work grows with the length: the first 100 characters are judged


@dataclass(frozen=True)
class PasswordPolicy:
    """Defaults follow NIST SP 800-63B revision 4; the last rules are what practices ask for."""

    min_length: int = 15  # a user who signs in with a password alone
    min_length_two_factor: int = 8  # a user who also has two-factor sign-in
    max_length: int = 64  # the longest password accepted: at least 64
    block_common: bool = True
    block_personal: bool = True  # user ID, the user's name, the company's name or code
    history: int = 5  # none of the last N passwords again
    require_alphanumeric: bool = False  # letters and at least one digit (NIST advises against)
    max_age_days: int = 0  # 0: passwords do not expire (NIST advises against expiry)
    temporary_hours: int = 72  # how long a temporary password can be used
    allow_typed_temporary: bool = True  # may an administrator type a temporary password
    # Lockout, after Keycloak's: each lock after ``lockout_after`` failures in a row is
    # temporary, its wait growing by the increment up to the longest wait; failures are
    # forgotten after the reset time without one; 0 temporary locks: never permanent.
    lockout_after: int = 5  # failed sign-ins in a row that lock the account
    lockout_wait_minutes: int = 1  # the first lock's wait, and what each further one adds
    lockout_max_wait_minutes: int = 15  # the longest a temporary lock lasts
    failure_reset_hours: int = 12  # failures are forgotten this long after the last one
    permanent_after_lockouts: int = 0  # a lock lasts until an unlock after this many (0: never)
    idle_minutes: int = 15  # the window locks after this long untouched

    def check_settings(self) -> None:
        """Refuse settings that would weaken sign-in below the floor, field by field."""
        errors: dict[str, str] = {}
        for name in ("min_length", "min_length_two_factor"):
            if getattr(self, name) < ABSOLUTE_MIN_LENGTH:
                errors[name] = f"A password must be at least {ABSOLUTE_MIN_LENGTH} characters."
        if not 64 <= self.max_length <= LONGEST_ALLOWED:
            errors["max_length"] = f"Allow at least 64 and at most {LONGEST_ALLOWED} characters."
        elif self.max_length < max(self.min_length, self.min_length_two_factor):
            errors["max_length"] = "The longest allowed must not be shorter than the minimum."
        bounds = {
            "history": (0, 24),
            "max_age_days": (0, 3650),
            "temporary_hours": (1, 24 * 30),
            "lockout_after": (1, 100),
            "lockout_wait_minutes": (1, 7 * 24 * 60),
            "lockout_max_wait_minutes": (1, 7 * 24 * 60),
            "failure_reset_hours": (1, 30 * 24),
            "permanent_after_lockouts": (0, 100),
            "idle_minutes": (1, 24 * 60),
        }
        for name, (low, high) in bounds.items():
            if not low <= getattr(self, name) <= high:
                errors[name] = f"Use a number from {low} to {high}."
        if "lockout_max_wait_minutes" not in errors and (
            self.lockout_max_wait_minutes < self.lockout_wait_minutes
        ):
            errors["lockout_max_wait_minutes"] = (
                "The longest wait must not be shorter than the first."
            )
        if errors:
            raise ValidationError(errors)

    def lockout_wait(self, lockouts: int) -> timedelta | None:
        """How long the ``lockouts``-th temporary lock in a row lasts; None: until an unlock."""
        if self.permanent_after_lockouts and lockouts >= self.permanent_after_lockouts:
            return None
        minutes = min(self.lockout_wait_minutes * lockouts, self.lockout_max_wait_minutes)
        return timedelta(minutes=minutes)


@dataclass(frozen=True)
class PasswordOwner:
    """Whose password it is: what it must not contain, and which minimum applies."""

    user_id: str
    first_name: str
    last_name: str
    company_code: str
    company_name: str
    two_factor: bool = False


@cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords from zxcvbn's lists (MIT), case-folded."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # a large module: loaded when needed

    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def _personal_words(owner: PasswordOwner) -> list[str]:
    # IDs and codes from 3 characters; names from 4, or "Kim" would refuse "skimming".
    words = [w for w in (owner.user_id, owner.company_code) if len(w) >= 3]
    words += [w for w in (owner.first_name, owner.last_name) if len(w) >= 4]
    words += re.findall(r"\w{4,}", owner.company_name)
    return [w.casefold() for w in words]


def password_problems(policy: PasswordPolicy, password: str, owner: PasswordOwner) -> list[str]:
    """What is wrong with a new password, in plain words; empty when it is acceptable."""
    text = normalize_password(password)
    return _problems(policy, text, owner, lambda: _estimate(text, owner))


def judge_password(
    policy: PasswordPolicy, password: str, owner: PasswordOwner
) -> tuple[int, list[str]]:
    """zxcvbn's 0-4 strength score and the problems, from one estimate: the password field
    shows both at each keystroke."""
    text = normalize_password(password)
    estimate = _estimate(text, owner)
    problems = _problems(policy, text, owner, lambda: estimate)
    score = int(estimate["score"])
    if any(p.endswith(ADD_WORDS) for p in problems):  # refused as guessable: never "Strong"
        score = min(score, 1)
    return score, problems


def _problems(
    policy: PasswordPolicy,
    text: str,
    owner: PasswordOwner,
    estimate: Callable[[], dict[str, Any]],
) -> list[str]:
    problems: list[str] = []
    minimum = policy.min_length_two_factor if owner.two_factor else policy.min_length
    if len(text) < minimum:
        problems.append(f"Use at least {minimum} characters ({len(text)} so far).")
    if len(text) > policy.max_length:
        problems.append(f"Use at most {policy.max_length} characters.")
    folded = text.casefold()
    if policy.block_common and (
        folded in common_passwords() or folded.replace(" ", "") in common_passwords()
    ):
        problems.append("This is one of the most commonly used passwords; choose another.")
    if policy.block_common and not problems:
        floor = GUESSES_FLOOR_TWO_FACTOR if owner.two_factor else GUESSES_FLOOR
        found = estimate()
        if float(found["guesses"]) < floor:
            why = (
                str(found["feedback"]["warning"]) or "Words this common are easy to guess together."
            )
            problems.append(f"{why} {ADD_WORDS}")
    if policy.block_personal:
        personal = next((w for w in _personal_words(owner) if w in folded), None)
        if personal is not None:
            problems.append(f"Do not use your user ID, your name or the practice's ({personal!r}).")
    if policy.require_alphanumeric and not (
        any(c.isalpha() for c in text) and any(c.isdigit() for c in text)
    ):
        problems.append("Use letters and at least one digit.")
    return problems


def _estimate(text: str, owner: PasswordOwner) -> dict[str, Any]:
    """zxcvbn's estimate of the guesses ``text`` takes, knowing the owner's names."""
    from zxcvbn import zxcvbn  # a large module: loaded when a password is first checked

    estimate: dict[str, Any] = zxcvbn(text[:GUESSED_FROM], user_inputs=_personal_words(owner))
    return estimate


def generate_temporary_password(
    policy: PasswordPolicy, owner: PasswordOwner, rng: random.Random | None = None
) -> str:
    """A readable temporary password from a cryptographic source that meets the policy."""
    rng = rng or secrets.SystemRandom()
    minimum = max(policy.min_length, policy.min_length_two_factor, 16)
    groups = -(-minimum // 4)  # groups of four, e.g. "kx7m-rt4p-9wqz-hd3n"
    separator = "-" if 5 * groups - 1 <= policy.max_length else ""  # dashes only if they fit
    for _ in range(1000):
        password = separator.join(
            "".join(rng.choice(READABLE) for _ in range(4)) for _ in range(groups)
        )
        has_both = any(c.isdigit() for c in password) and any(c.isalpha() for c in password)
        if has_both and not password_problems(policy, password, owner):
            return password
    raise ValidationError(  # only a policy no random password can meet gets here
        {"new_password": "No temporary password meets this policy; type one instead."}
    )


# Stored policies


def load_policy(session: Session, company_id: int) -> PasswordPolicy:
    """The company's policy, the defaults when none is stored; read once per transaction
    (settings_row), so that checking a save and making it do not ask the server twice."""
    row = settings_row(session, PasswordPolicyRow, company_id)
    if row is None:
        return PasswordPolicy()
    return PasswordPolicy(**{f.name: getattr(row, f.name) for f in _policy_fields()})


def save_policy(
    session: Session,
    company_id: int,
    policy: PasswordPolicy,
    *,
    actor: Actor,
    clock: Clock,
    expected_version: int,
) -> int:
    """Store the company's policy (audited); it applies to passwords set from now on.

    ``expected_version`` is policy_version() as read when the form was filled (0: none was
    stored); a policy saved by someone else since is refused with ConflictError. Returns the
    version now stored.
    """
    actor.require(Right.COMPANY_SETTINGS)
    policy.check_settings()
    defaults = dataclasses.asdict(PasswordPolicy())
    return save_settings(
        session,
        PasswordPolicyRow,
        company_id,
        dataclasses.asdict(policy),
        actor=actor,
        clock=clock,
        expected_version=expected_version,
        action=Action.POLICY_CHANGED,
        what="The policy",
        defaults=defaults,
    )


def policy_version(session: Session, company_id: int) -> int:
    """The stored policy's version, 0 when the company has the defaults (none stored)."""
    return stored_version(session, PasswordPolicyRow, company_id)


def _policy_fields() -> Sequence[dataclasses.Field[Any]]:
    return dataclasses.fields(PasswordPolicy)
