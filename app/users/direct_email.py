"""Direct Email verification: an activation code mailed to the saved address proves it works.

A code is 6 digits (app.codes: stored only as a hash, single use), works for 30 minutes and
allows 5 tries; at most one is sent a minute. It belongs to the address it was sent to: once
the Direct Email address is changed, only a code sent to the new address verifies it, and
changing the address clears the verification (app.users). Every send and every answer is an
audit event; the code itself never is.

Refused codes are answers, not errors: the try taken and its audit event must be kept when
the caller's transaction commits, so they are returned (``Verification.verified`` False).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.orm import Session

from app import audit
from app.access import Right
from app.audit import Action, Change
from app.clock import Clock
from app.db.models import CodePurpose, User
from app.errors import NotFoundError, ValidationError
from app.outbound.codes import OneTimeCodes, is_code_shaped, typed_code
from app.outbound.delivery import (
    Channel,
    Delivery,
    Outgoing,
    Senders,
    SenderSource,
    deliver,
)
from app.passwords.hashing import owasp_hasher
from app.practice.company import CompanyInfo
from app.workplace import Work, Workplace

CODE_MINUTES = 30
CODE_TRIES = 5
RESEND_SECONDS = 60  # "Send Activation Code" at most once a minute
SUBJECT = "Your Direct Email activation code"
NO_ADDRESS = "Save a Direct Email address for this user first."
NOT_A_CODE = "An activation code is the 6 digits in the message."
NO_MAIL_SERVER = "no mail server is set up in Company Settings"


@dataclass(frozen=True)
class CodeSent:
    """What became of "Send Activation Code"."""

    sent: bool
    message: str  # for the person at the screen
    address: str  # the saved Direct Email address the code went (or would have gone) to
    next_send_at: datetime  # when another code may be sent
    expires_at: datetime | None = None  # when the code sent stops working
    reason: str = ""  # when not sent: the mail server's own words, as audited


@dataclass(frozen=True)
class Verification:
    """The answer to an activation code typed in."""

    verified: bool
    message: str  # for the person at the screen
    reason: str = ""  # why refused, as audited


def send_activation_code(
    workplace: Workplace,
    user_pk: int,
    source: SenderSource,
    *,
    hasher: PasswordHasher | None = None,
) -> CodeSent:
    """Mail a new activation code to the user's saved Direct Email address: issued in one
    transaction, sent once it has committed, what became of it recorded in a second.

    No mail server set up means nothing can be sent; that is said and audited like a refusal
    by the server. NotFoundError for an unknown user, ValidationError ("direct_email") when
    no address is saved.
    """
    prepared = workplace.within(lambda work: _issue(work, user_pk, source, hasher))
    if isinstance(prepared, CodeSent):  # too soon: nothing was issued
        return prepared
    code_id, outgoing, senders = prepared
    delivery = deliver(outgoing, senders)
    return workplace.within(lambda work: _sent(work, user_pk, code_id, outgoing, delivery, hasher))


def _issue(
    work: Work, user_pk: int, source: SenderSource, hasher: PasswordHasher | None
) -> CodeSent | tuple[int, Outgoing, Senders]:
    work.actor.require(Right.EDIT_USERS)
    user = _load(work.session, work.company, user_pk)
    address = user.direct_email
    if not address:
        raise ValidationError({"direct_email": NO_ADDRESS})
    codes = _codes(work.session, work.clock, hasher)
    now = work.clock()
    current = codes.current(user.id)
    if (
        current is not None
        and current.destination == address  # a new address need not wait
        and now < current.created_at + timedelta(seconds=RESEND_SECONDS)
    ):
        wait = current.created_at + timedelta(seconds=RESEND_SECONDS)
        seconds = max(1, int((wait - now).total_seconds() + 0.999))
        return CodeSent(
            False,
            "An activation code was sent less than a minute ago; wait for it, or send "
            f"another in {seconds} seconds.",
            address,
            wait,
            current.expires_at,
        )
    code = codes.issue(user.id, address, minutes=CODE_MINUTES, tries=CODE_TRIES)
    issued = codes.current(user.id)
    assert issued is not None
    body = (
        f"Your activation code for this Direct Email address is {code}.\n"
        f"Enter it in User Setup within {CODE_MINUTES} minutes. If you did not expect it, "
        "tell your practice administrator."
    )
    senders = source.senders(work.session, work.company)
    return issued.id, Outgoing(Channel.MAIL, address, SUBJECT, body), senders


def _sent(
    work: Work,
    user_pk: int,
    code_id: int,
    outgoing: Outgoing,
    delivery: Delivery,
    hasher: PasswordHasher | None,
) -> CodeSent:
    """Record what became of the code; one that reached no one stops working at once, so
    that sending again need not wait a minute."""
    user = _load(work.session, work.company, user_pk)
    now, address, operator = work.clock(), outgoing.to, work.actor.name
    if not delivery.sent:
        _codes(work.session, work.clock, hasher).void(code_id)
        reason = delivery.reason
        _record(work.session, work.company, user, operator, now, Action.DIRECT_EMAIL_CODE_SENT,
                address, f"code not sent: {reason}")  # fmt: skip
        return CodeSent(
            False,
            f"The activation code could not be sent to {address}: {reason}",
            address,
            now,
            None,
            reason,
        )
    _record(
        work.session, work.company, user, operator, now, Action.DIRECT_EMAIL_CODE_SENT,
        address, "code sent",
    )  # fmt: skip
    return CodeSent(
        True,
        f"An activation code was sent to {address}. It works for {CODE_MINUTES} minutes.",
        address,
        now + timedelta(seconds=RESEND_SECONDS),
        now + timedelta(minutes=CODE_MINUTES),
    )


def verify_activation_code(
    work: Work,
    user_pk: int,
    code: str,
    *,
    hasher: PasswordHasher | None = None,
) -> Verification:
    """Check a typed code against the one sent to the saved address; if right, verify it.

    Something that is not 6 digits is refused with ValidationError ("activation_code") and
    costs no try; a wrong, expired or used-up code is refused by the answer, with its audit
    event and the try taken kept when the caller commits.
    """
    work.actor.require(Right.EDIT_USERS)
    session, company, clock, operator = work.session, work.company, work.clock, work.actor.name
    user = _load(session, company, user_pk)
    address = user.direct_email
    if not address:
        raise ValidationError({"direct_email": NO_ADDRESS})
    typed = typed_code(code)
    if not is_code_shaped(typed):
        raise ValidationError({"activation_code": NOT_A_CODE})
    codes = _codes(session, clock, hasher)
    now = clock()
    current = codes.current(user.id)
    if current is None or current.destination != address:
        return _refuse(
            session, company, user, operator, now, "no code sent to this address",
            f"No activation code is waiting for {address}: choose Send Activation Code.",
        )  # fmt: skip
    tries_before, expired = current.tries_left, current.expires_at <= now
    matched = codes.check(user.id, typed)
    if matched is None:
        if expired:
            reason = "expired code"
            message = (
                f"That activation code has expired (a code works for {CODE_MINUTES} minutes): "
                "send a new one."
            )
        elif tries_before <= 0:
            reason = "no tries left"
            message = "That code has had too many wrong tries: send a new one."
        else:
            left = tries_before - 1
            reason = "wrong code"
            message = "That activation code is not right. " + (
                f"{left} {'try' if left == 1 else 'tries'} left."
                if left
                else "That was the last try: send a new code."
            )
        return _refuse(session, company, user, operator, now, reason, message)
    if not codes.use(matched):
        return _refuse(
            session, company, user, operator, now, "code used elsewhere meanwhile",
            "That code was just used on another workstation.",
        )  # fmt: skip
    was_verified = user.direct_email_verified_at is not None
    # One conditional UPDATE: only if the address is still the one the code went to, even
    # if another workstation changed it a moment ago; and a new version, so that a save of
    # this user loaded before is refused as a conflict instead of keeping the mark.
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.direct_email == matched.destination)
        .values(
            direct_email_verified_at=now,
            updated_at=now,
            updated_by=operator,
            version=User.version + 1,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return _refuse(
            session, company, user, operator, now, "address changed meanwhile",
            "The Direct Email address was changed meanwhile: send a code to the new one.",
        )  # fmt: skip
    _record(session, company, user, operator, now, Action.DIRECT_EMAIL_VERIFIED, address,
            "right activation code", verified=(was_verified, True))  # fmt: skip
    return Verification(True, f"{address} is verified.")


def _load(session: Session, company: CompanyInfo, user_pk: int) -> User:
    user = session.get(User, user_pk)
    if user is None or user.company_id != company.id:
        raise NotFoundError(f"User #{user_pk} does not exist in {company.code}.")
    return user


def _codes(session: Session, clock: Clock, hasher: PasswordHasher | None) -> OneTimeCodes:
    return OneTimeCodes(session, clock, hasher or owasp_hasher(), CodePurpose.DIRECT_EMAIL)


def _refuse(
    session: Session,
    company: CompanyInfo,
    user: User,
    operator: str,
    now: datetime,
    reason: str,
    message: str,
) -> Verification:
    _record(
        session, company, user, operator, now, Action.DIRECT_EMAIL_CODE_REFUSED, user.direct_email,
        reason,
    )  # fmt: skip
    return Verification(False, message, reason)


def _record(
    session: Session,
    company: CompanyInfo,
    user: User,
    operator: str,
    now: datetime,
    action: Action,
    address: str,
    reason: str,
    *,
    verified: tuple[bool, bool] | None = None,
) -> None:
    changes = [audit.said("direct_email", address), audit.said("reason", reason)]
    if verified is not None:
        before, after = verified
        changes.append(Change("direct_email_verified", before, after))
    audit.record(
        session,
        at=now,
        operator=operator,
        company_id=company.id,
        user_pk=user.id,
        action=action,
        changes=changes,
    )
