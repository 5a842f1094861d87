"""Authenticator codes (RFC 6238, as every phone app makes them), and the recovery codes
that stand in for them.

Codes are 6 digits from 30-second steps; the current step and one either side are accepted,
compared in constant time, and a step once used is claimed by one conditional UPDATE so
that it never works twice, even from two workstations at the same moment."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import socket
from collections.abc import Sequence
from datetime import datetime

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db.models import (
    TwoFactorRecoveryCode,
    User,
)
from app.outbound.codes import is_code_shaped
from app.passwords.policy import READABLE
from app.practice.practice_key import PracticeKey, is_sealed, practice_keys, totp_binding

STEP_SECONDS = 30


ACCEPTED_STEPS = (-1, 0, 1)  # the current 30-second step and one either side


SKEW_STEPS = 10  # how far to look to tell a phone whose clock is off from a wrong code


RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    """A new authenticator key: 32 base32 characters, 160 random bits."""
    return pyotp.random_base32()


def grouped_key(secret: str) -> str:
    """The Manual Entry Key as a person types it: groups of four."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The otpauth:// address the QR code carries (issuer and account name filled in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def time_step(moment: datetime) -> int:
    """The RFC 6238 time step of an aware moment."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use an aware UTC datetime")
    return int(moment.timestamp()) // STEP_SECONDS


def matching_step(
    secret: str, token: str, now: datetime, offsets: Sequence[int] = ACCEPTED_STEPS
) -> int | None:
    """The time step whose code the token is, among ``offsets`` from now; None if none.

    Every candidate is compared, in constant time, so the answer takes as long either way.
    """
    if not is_code_shaped(token):
        return None
    totp = pyotp.TOTP(secret)
    base = time_step(now)
    found: int | None = None
    for offset in offsets:
        step = base + offset
        if hmac.compare_digest(totp.generate_otp(step).encode(), token.encode()):
            found = step if found is None else max(found, step)
    return found


def clock_offset_minutes(secret: str, token: str, now: datetime) -> int | None:
    """A token from a phone whose clock is off: by about how many minutes; None otherwise."""
    offsets = [o for o in range(-SKEW_STEPS, SKEW_STEPS + 1) if o not in ACCEPTED_STEPS]
    step = matching_step(secret, token, now, offsets)
    if step is None:
        return None
    minutes = round((step - time_step(now)) * STEP_SECONDS / 60)
    return minutes or (1 if step > time_step(now) else -1)


def _key_for(session: Session, now: datetime) -> PracticeKey:
    """The practice key, made on this computer when the practice has none yet (a practice
    from before keys, whose first authenticator is set up here)."""
    return practice_keys(session).ensure(session, now, f"UserSetup on {socket.gethostname()}")


def sealed_key(session: Session, user_pk: int, secret: str, now: datetime) -> str:
    """An authenticator key as stored: sealed with the practice key, bound to its user."""
    return _key_for(session, now).seal(secret, totp_binding(user_pk))


def readable_key(session: Session, user: User, pending: bool = False) -> str | None:
    """The user's authenticator key (or the one waiting for its first token), opened.

    A key stored readable, from before the practice had a key, is sealed now if the practice
    has one (in place, without touching the user's version)."""
    column = "totp_pending_secret" if pending else "totp_secret"
    stored: str | None = getattr(user, column)
    if stored is None:
        return None
    keys = practice_keys(session)
    if is_sealed(stored):
        return keys.required(session).open(stored, totp_binding(user.id))
    key = keys.key(session)
    if key is not None:
        sealed = key.seal(stored, totp_binding(user.id))
        sealed_here = session.execute(
            update(User)
            .where(User.id == user.id, getattr(User, column) == stored)
            .values({column: sealed})
            .execution_options(synchronize_session=False)
        )
        if sealed_here.rowcount:  # type: ignore[attr-defined]
            set_committed_value(user, column, sealed)
        else:  # sealed (or replaced) by another workstation a moment ago: as it is stored now
            session.refresh(user, [column])
    return stored


def claim_step(session: Session, user_pk: int, stored: str, step: int) -> bool:
    """Record ``step`` as used; False when it (or a later one) was used already: a replay.
    ``stored`` is the key as stored (sealed): a key replaced meanwhile claims nothing."""
    result = session.execute(
        update(User)
        .where(
            User.id == user_pk,
            User.totp_secret == stored,
            (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _normalized_code(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def hash_recovery_code(text: str) -> str:
    """A recovery code's SHA-256, which the practice key then hashes again to be stored."""
    return hashlib.sha256(_normalized_code(text).encode()).hexdigest()


def new_recovery_code() -> str:
    """12 readable characters in groups of four (about 59 bits), e.g. "kx7m-rt4p-9wqz"."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(4)) for _ in range(3))


def replace_recovery_codes(session: Session, user_pk: int, now: datetime) -> list[str]:
    """Ten new codes; every earlier unused one stops working. Returned once, never stored."""
    key = _key_for(session, now)
    void_recovery_codes(session, user_pk, now)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        TwoFactorRecoveryCode(
            user_pk=user_pk,
            code_hash=key.code_hash(hash_recovery_code(c)),
            keyed=True,
            created_at=now,
        )
        for c in codes
    )
    session.flush()
    _recount_codes(session, user_pk)
    return codes


def void_recovery_codes(session: Session, user_pk: int, now: datetime) -> None:
    """Every unused recovery code of the user stops working."""
    session.execute(
        update(TwoFactorRecoveryCode)
        .where(TwoFactorRecoveryCode.user_pk == user_pk, TwoFactorRecoveryCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    _recount_codes(session, user_pk)


def _recount_codes(session: Session, user_pk: int) -> None:
    """The user's code count is read with the user: read it again after codes changed."""
    user = session.get(User, user_pk)
    if user is not None:
        session.expire(user, ["recovery_codes_left"])


def use_recovery_code(session: Session, user_pk: int, text: str, now: datetime) -> bool:
    """Use one recovery code: one conditional UPDATE, so a code works once even in a race."""
    if len(_normalized_code(text)) != 12:
        return False
    digest = hash_recovery_code(text)
    key = practice_keys(session).key(session)
    matches = ~TwoFactorRecoveryCode.keyed & (TwoFactorRecoveryCode.code_hash == digest)
    if key is not None:
        matches |= TwoFactorRecoveryCode.keyed & (
            TwoFactorRecoveryCode.code_hash == key.code_hash(digest)
        )
    result = session.execute(
        update(TwoFactorRecoveryCode)
        .where(
            TwoFactorRecoveryCode.user_pk == user_pk,
            matches,
            TwoFactorRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    used = bool(result.rowcount)  # type: ignore[attr-defined]
    if used:
        _recount_codes(session, user_pk)
    return used
