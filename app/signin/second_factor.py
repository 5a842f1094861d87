"""The second factor of a sign-in in progress: the token step, a recovery code in its place,
setting up an authenticator at sign-in, and sending the Email and Text methods' tokens.

Each is a step after the right password (SignInService.check answered TWO_FACTOR_REQUIRED):
the user must still be allowed in (active, unlocked, in their hours) at every step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app.audit import Action
from app.clock import Clock
from app.db.database import Database
from app.db.models import CodePurpose, TwoFactorMethod, TwoFactorSetup, User
from app.errors import ValidationError
from app.outbound.codes import OneTimeCodes
from app.outbound.delivery import (
    Channel,
    Delivery,
    Outgoing,
    Senders,
    SenderSource,
    deliver,
)
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import PasswordPolicy
from app.practice.company import CompanyInfo
from app.signin.check import CODE_REFUSED, REFUSED, SignInRefused, SignInService, Verdict
from app.two_factor.authenticator import (
    replace_recovery_codes,
    sealed_key,
    use_recovery_code,
)
from app.two_factor.service import (
    OPTED_OUT,
    RESEND_SECONDS,
    TOKEN_MINUTES,
    TOKEN_TRIES,
    UNABLE_TO_SEND,
    Verified,
)


class SecondFactor:
    """The steps after the password, in one database session."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        workstation: str,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.workstation = workstation
        self.hasher = hasher or owasp_hasher()
        self.signin = SignInService(session, clock, workstation, self.hasher)

    def complete_second_factor(self, user_pk: int, token: str, ip: str | None = None) -> Verdict:
        """The token step of a sign-in whose password check() answered TWO_FACTOR_REQUIRED."""
        user, policy = self.signin.still_allowed(user_pk, ip)
        verdict = self.signin.check_second_factor(user, token, policy, ip)
        if verdict.accepted:
            return self.signin.complete(user, ip, "signed in with a token")
        return verdict

    def complete_with_recovery_code(
        self, user_pk: int, code: str, ip: str | None = None
    ) -> Verdict:
        """The token step done with one of the user's recovery codes instead."""
        user, policy = self.signin.still_allowed(user_pk, ip)
        verdict = self.check_recovery_code(user, code, policy, ip)
        if verdict.accepted:
            return self.signin.complete(user, ip, "signed in with a recovery code")
        return verdict

    def check_recovery_code(
        self, user: User, code: str, policy: PasswordPolicy, ip: str | None = None
    ) -> Verdict:
        """One of the user's recovery codes in place of a token: used up and audited if
        right; a wrong one counts toward the lockout as a wrong token does."""
        now = self.clock()
        if use_recovery_code(self.session, user.id, code, now):
            self.session.refresh(user, ["recovery_codes_left"])
            self.signin.record_event(
                user.company_id, user.id, user.user_id, Action.TWO_FACTOR_RECOVERY_CODE_USED,
                now, ip, f"{user.recovery_codes_left} recovery codes left",
            )  # fmt: skip
            return Verdict(True)
        locked = self.signin.count_failure(
            user.company_id,
            user,
            policy,
            now,
            ip,
            "wrong recovery code",
            Action.TWO_FACTOR_FAILED,
        )
        return Verdict(False, "wrong recovery code", REFUSED if locked else CODE_REFUSED, locked)

    def complete_setup(
        self,
        user_pk: int,
        verified: Verified,
        ip: str | None = None,
        *,
        completes_sign_in: bool = True,
    ) -> list[str]:
        """The authenticator set up at sign-in and verified: stored, and (when it was required)
        the user is in. Returns the ten recovery codes, to be shown once."""
        user, _ = self.signin.still_allowed(user_pk, ip)
        if user.totp_secret is not None:  # set up at the desk meanwhile: not replaced from here
            raise SignInRefused()
        now = self.clock()
        if completes_sign_in and not self.signin.clear_failures(
            user, None
        ):  # locked from elsewhere
            self.signin.record_event(
                user.company_id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip,
                "locked meanwhile",
            )  # fmt: skip
            raise SignInRefused(commit=True)  # nothing stored but the event
        user.two_factor_method = TwoFactorMethod.APP.value
        user.two_factor_destination = ""
        user.totp_secret = sealed_key(self.session, user.id, verified.secret, now)
        user.totp_pending_secret = None
        user.totp_last_step = verified.step
        user.two_factor_confirmed_at = now
        user.two_factor_setup = TwoFactorSetup.NOW.value
        user.authenticator_title = verified.title
        user.updated_at, user.updated_by = now, f"{user.user_id} at {self.workstation}"[:100]
        self.session.flush()
        codes = replace_recovery_codes(self.session, user.id, now)
        self.signin.record_event(
            user.company_id, user.id, user.user_id, Action.TWO_FACTOR_CONFIRMED, now, ip,
            "authenticator set up at sign-in",
        )  # fmt: skip
        if (
            completes_sign_in
            and not self.signin.complete(user, ip, "signed in after 2FA setup").accepted
        ):
            raise SignInRefused()
        return codes

    def prepare_token(self, user_pk: int, ip: str | None = None) -> TokenSent | PreparedToken:
        """Issue a sign-in token for the user's Email or Text method (at most once a minute);
        the message to send once this transaction has committed, or, when it is too soon,
        what to tell the person."""
        user, _ = self.signin.still_allowed(user_pk, ip)
        now = self.clock()
        method = user.two_factor_method
        codes = OneTimeCodes(self.session, self.clock, self.hasher, CodePurpose.SIGN_IN)
        current = codes.current(user.id)
        if current is not None and now < current.created_at + timedelta(seconds=RESEND_SECONDS):
            return TokenSent(
                False,
                "A token was sent less than a minute ago; wait for it, or send another in "
                f"{_plural(_seconds_until(now, current.created_at, RESEND_SECONDS), 'second')}.",
                current.expires_at,
                current.created_at + timedelta(seconds=RESEND_SECONDS),
            )
        if method not in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT):
            raise ValidationError({"token": "This user's tokens come from an authenticator app."})
        destination = user.two_factor_destination
        code = codes.issue(user.id, destination, minutes=TOKEN_MINUTES, tries=TOKEN_TRIES)
        issued = codes.current(user.id)
        assert issued is not None
        body = (
            f"Your User Setup sign-in token is {code}. It works for {TOKEN_MINUTES} minutes. "
            "If you did not try to sign in, tell your practice administrator."
        )
        channel = Channel.MAIL if method == TwoFactorMethod.EMAIL else Channel.TEXT
        outgoing = Outgoing(channel, destination, "Your User Setup sign-in token", body)
        return PreparedToken(
            user.id, user.company_id, user.user_id, method, issued.id, now, outgoing
        )

    def record_token(
        self, prepared: PreparedToken, delivery: Delivery, ip: str | None = None
    ) -> TokenSent:
        """What became of a token sent after its transaction: audited, and a token that never
        left voided, so that it does not hold back the next Send Token."""
        shown = ""
        if not delivery.sent:
            shown = OPTED_OUT if delivery.opted_out else UNABLE_TO_SEND
            codes = OneTimeCodes(self.session, self.clock, self.hasher, CodePurpose.SIGN_IN)
            codes.void(prepared.code_id)
        outcome = "token sent" if delivery.sent else f"token not sent: {delivery.reason}"
        now, method = prepared.at, prepared.method
        self.signin.record_event(
            prepared.company_id, prepared.user_pk, prepared.user_id,
            Action.TWO_FACTOR_TOKEN_SENT, self.clock(), ip, f"{outcome} ({method})",
        )  # fmt: skip
        return TokenSent(
            not shown,
            shown or f"A token was sent to {_masked(method, prepared.outgoing.to)}.",
            now + timedelta(minutes=TOKEN_MINUTES),
            now + timedelta(seconds=RESEND_SECONDS),
            outcome,
        )


# What issuing a token gives: the token (or why none was issued yet) and how to send it.
Issued = tuple["TokenSent | PreparedToken", Senders]


@dataclass(frozen=True)
class PreparedToken:
    """A sign-in token issued and waiting to be sent once its transaction has committed."""

    user_pk: int
    company_id: int
    user_id: str
    method: str
    code_id: int
    at: datetime
    outgoing: Outgoing


@dataclass(frozen=True)
class TokenSent:
    """What became of a "Send Token": the words for the person and the times that matter."""

    sent: bool
    message: str
    expires_at: datetime
    next_send_at: datetime
    outcome: str = ""  # for the administrator: the gateway's or mail server's own reason


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _seconds_until(now: datetime, start: datetime, seconds: int) -> int:
    return max(1, int((start + timedelta(seconds=seconds) - now).total_seconds() + 0.999))


def _masked(method: str, destination: str) -> str:
    """Enough of the address or number to recognise it, not enough to learn it."""
    if method == TwoFactorMethod.TEXT:
        return f"the mobile number ending in {destination[-4:]}"
    name, _, domain = destination.partition("@")
    return f"{name[:1]}***@{domain}"


def send_token(
    database: Database,
    service: Callable[[Session], SecondFactor],
    company: CompanyInfo,
    user_pk: int,
    ip: str | None,
    source: SenderSource,
    *,
    first: Callable[[Callable[[Session], Issued]], Issued] | None = None,
) -> TokenSent:
    """Send a sign-in token by the user's Email or Text method: issued in one transaction
    (run by ``first``, by default ``database.run``), sent once it has committed, what became
    of it recorded in a second one."""

    def issue(session: Session) -> Issued:
        return service(session).prepare_token(user_pk, ip), source.senders(session, company)

    prepared, senders = (first or database.run)(issue)
    if isinstance(prepared, TokenSent):  # too soon: nothing was issued
        return prepared
    delivery = deliver(prepared.outgoing, senders)
    with database.transaction() as session:
        return service(session).record_token(prepared, delivery, ip)
