"""Forgotten passwords, self-service: a 6-digit code by e-mail, then a new password.

Both steps answer the same whether or not the user exists, so the dialog tells a stranger
nothing: the first step's answer (SENT) is given before any work, and the code is issued and
mailed after it, with the same hashing for somebody who gets no code. A code is stored only as
a hash, works once, for 10 minutes, and allows 5 tries.

The code is one factor, the mailbox. So once it is proved, a user whose sign-in token goes to
that same mailbox or phone is refused (an administrator resets their password), and a user
with an authenticator gives its token, or a recovery code, before the new password counts.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app import audit
from app.audit import Action
from app.clock import Clock
from app.db.database import Database
from app.db.models import CodePurpose, OneTimeCode, TwoFactorMethod, User
from app.errors import AdministratorOnlyError, NotFoundError, ValidationError
from app.outbound.codes import OneTimeCodes
from app.outbound.delivery import Channel, Delivery, Outgoing, SenderSource, deliver
from app.passwords.credentials import Credentials
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import PasswordOwner, PasswordPolicy, load_policy
from app.practice.company import CompanyInfo, load_company
from app.signin.check import TOKEN_REFUSED, Verdict, find_account
from app.signin.second_factor import SecondFactor
from app.users.writer import clear_lockout, is_locked

log = logging.getLogger(__name__)
CODE_MINUTES = 10
CODE_TRIES = 5
CODES_PER_HOUR = 3
HOUR = timedelta(hours=1)
SENT = (
    "If that user has an e-mail address on file, a 6-digit code is on its way to it. "
    "It works for 10 minutes."
)
REFUSED = "That code is not right, or it has expired. Ask for a new code."
ASK_ADMINISTRATOR = "Ask your practice's administrator to reset your password"
LOCKED_NOW = (
    "Your account is locked after failed sign-ins. Wait a few minutes and try again, or ask "
    "your practice's administrator to unlock it."
)
RECOVERY_CODE_REFUSED = "That recovery code is not right, or it was used already."


class Outcome(enum.Enum):
    """What a new password by code came to."""

    CHANGED = "changed"
    CODE_REFUSED = "code refused"
    TOKEN_NEEDED = "token needed"  # the code was right: now the authenticator's token
    TOKEN_REFUSED = "token refused"


@dataclass(frozen=True)
class Answer:
    """The outcome, and what to tell the person."""

    outcome: Outcome
    message: str = ""

    @property
    def changed(self) -> bool:
        return self.outcome is Outcome.CHANGED


class Recovery:
    """One company's forgotten-password codes, in the caller's session."""

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

    def issue_code(
        self, company_code: str, user_id: str
    ) -> tuple[CompanyInfo, int, Outgoing] | None:
        """Issue a code if the user can have one: the company, the user's row id and the
        message to send once this transaction has committed; None otherwise (the answer is
        SENT either way)."""
        company, user, _ = find_account(self.session, company_code, user_id)
        codes = self._codes()
        if company is None or user is None or not user.active or not user.email:
            codes.issue_to_nobody()
            return None
        if codes.sent_since(user.id, self.clock() - HOUR) >= CODES_PER_HOUR:
            # each code brings new tries: limit the codes
            codes.issue_to_nobody()
            self._record(company.id, user, Action.RECOVERY_CODE_REFUSED, "too many codes this hour")
            return None
        code = codes.issue(user.id, user.email, minutes=CODE_MINUTES, tries=CODE_TRIES)
        body = (
            f"Your code to choose a new User Setup password is {code}.\n"
            f"It works for {CODE_MINUTES} minutes. If you did not ask for it, ignore this "
            "message and tell your practice administrator."
        )
        outgoing = Outgoing(Channel.MAIL, user.email, "Your User Setup code", body)
        return CompanyInfo.of(company), user.id, outgoing

    def record_sent(self, company: CompanyInfo, user_pk: int, delivery: Delivery) -> None:
        """What became of the code's mail: audited, for the administrator."""
        user = self.session.get(User, user_pk)
        assert user is not None
        outcome = "code sent" if delivery.sent else f"code not sent: {delivery.reason}"
        if not delivery.sent:  # the person is told SENT; the administrator sees why
            log.warning("A recovery code for a user of %s could not be mailed", company.code)
        self._record(company.id, user, Action.RECOVERY_CODE_SENT, outcome)

    def change_password(
        self,
        company_code: str,
        user_id: str,
        code: str,
        new_password: str,
        verify: str,
        *,
        token: str | None = None,
        recovery_code: str | None = None,
    ) -> Answer:
        """Check the code and set the new password. A user with an authenticator is answered
        TOKEN_NEEDED until its ``token`` or a ``recovery_code`` is given too.

        A refusal is an answer, not an error: the used try and its audit event are kept when
        the caller's transaction commits. AdministratorOnlyError (after the right code) for a
        user whose second factor goes where the code went: it is audited and uses the code,
        so its transaction must commit (change_password_with_code does).
        """
        company, user, _ = find_account(self.session, company_code, user_id)
        if new_password != verify:
            raise ValidationError({"verify": "The two passwords differ."})
        codes = self._codes()
        current = codes.check(user.id if user is not None else None, code)
        if not (company and user and user.active and current):
            if company is not None:  # an unknown user ID too (as at sign-in): the same statements
                self._record(
                    company.id, user, Action.RECOVERY_CODE_REFUSED, "wrong or expired code"
                )
            return Answer(Outcome.CODE_REFUSED, REFUSED)
        if second_factor_goes_with(user, current):  # said only now: the code is proved
            codes.use(current)
            self._record(
                company.id,
                user,
                Action.RECOVERY_REFUSED,
                "the sign-in token goes where the code went",
            )
            raise AdministratorOnlyError(ASK_ADMINISTRATOR)
        if is_locked(user, self.clock()):  # by failed sign-ins or an administrator: no way
            self._record(company.id, user, Action.RECOVERY_REFUSED, "account locked")
            raise AdministratorOnlyError(LOCKED_NOW)
        credentials = Credentials(self.session, CompanyInfo.of(company), self.hasher)
        owner = credentials.owner_of(user)
        problems = credentials.problems(new_password, owner, user)
        if problems:
            raise ValidationError({"new_password": " ".join(problems)})
        if user.two_factor_method == TwoFactorMethod.APP and user.totp_secret is not None:
            if token is None and recovery_code is None:
                return Answer(Outcome.TOKEN_NEEDED)
            verdict = self._second_factor(user, token, recovery_code)
            if not verdict.accepted:
                return Answer(Outcome.TOKEN_REFUSED, verdict.message)
        if not codes.use(current):  # the same code used at the same moment elsewhere
            return Answer(Outcome.CODE_REFUSED, REFUSED)
        now = self.clock()
        credentials.set_password(user, new_password, temporary=False, now=now)
        forgotten = "; failed sign-ins forgotten" if clear_lockout(user) else ""
        user.updated_at, user.updated_by = now, f"{user.user_id} at {self.workstation}"
        how = "e-mail code and authenticator" if token or recovery_code else "e-mail code"
        self._record(
            company.id, user, Action.RECOVERY_PASSWORD_CHANGED, f"new password by {how}{forgotten}"
        )
        return Answer(Outcome.CHANGED)

    def _second_factor(self, user: User, token: str | None, recovery_code: str | None) -> Verdict:
        """The authenticator's token or a recovery code, checked as at sign-in: a replay is
        refused and a wrong one counts toward the lockout."""
        second = SecondFactor(self.session, self.clock, self.workstation, self.hasher)
        policy = load_policy(self.session, user.company_id)
        if recovery_code is not None:
            verdict = second.check_recovery_code(user, recovery_code, policy)
            return verdict if verdict.accepted else replace(verdict, message=RECOVERY_CODE_REFUSED)
        assert token is not None
        verdict = second.signin.check_second_factor(user, token, policy, None)
        # A lock is the sign-in's to tell; here the person hears only that the token was wrong.
        return replace(verdict, message=TOKEN_REFUSED) if verdict.locked else verdict

    def _codes(self) -> OneTimeCodes:
        return OneTimeCodes(self.session, self.clock, self.hasher, CodePurpose.PASSWORD)

    def _record(self, company_id: int, user: User | None, action: Action, detail: str) -> None:
        # the typed ID of an unknown user is not kept: it may be somebody's mistyped password
        who = user.user_id if user is not None else "(unknown user ID)"
        audit.record(
            self.session,
            at=self.clock(),
            operator=f"{who} at {self.workstation}"[:100],
            company_id=company_id,
            user_pk=user.id if user is not None else None,
            action=action,
            changes=[
                audit.said("workstation", self.workstation),
                audit.said("reason", detail),
            ],
        )


def second_factor_goes_with(user: User, code: OneTimeCode) -> bool:
    """Does the user's sign-in token go to the mailbox or phone the code went to? Then
    whoever reads it holds both factors."""
    return user.two_factor_method in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT) and (
        user.two_factor_destination.strip().casefold() == code.destination.strip().casefold()
    )


def send_recovery_code(
    database: Database,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    source: SenderSource,
    hasher: PasswordHasher | None = None,
) -> None:
    """Forgot password, after its answer (SENT, the same for anyone) was given: issue a code
    if the user can have one and mail it once that transaction has committed."""
    with database.transaction() as session:
        recovery = Recovery(session, clock, workstation, hasher)
        issued = recovery.issue_code(company_code, user_id)
        if issued is None:
            return
        company, user_pk, outgoing = issued
        senders = source.senders(session, company)
    delivery = deliver(outgoing, senders)
    with database.transaction() as session:
        Recovery(session, clock, workstation, hasher).record_sent(company, user_pk, delivery)


def password_rules(
    database: Database, company_code: str, user_id: str
) -> tuple[PasswordPolicy, PasswordOwner] | None:
    """The company's policy and whose password it would be, for the new password's hints;
    the same for a user who exists and one who does not (None: no such company)."""
    with database.transaction() as session:
        try:
            company = load_company(session, company_code)
        except NotFoundError:
            return None
        owner = PasswordOwner(user_id, "", "", company.code, company.name)
        return load_policy(session, company.id), owner


def change_password_with_code(
    database: Database,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    code: str,
    new_password: str,
    verify: str,
    hasher: PasswordHasher | None = None,
    *,
    token: str | None = None,
    recovery_code: str | None = None,
) -> Answer:
    """The second step of Forgot password (and its token step), in one transaction: a refusal
    is an answer (the try taken and its audit event are kept), ValidationError for the new
    password, AdministratorOnlyError, committed with its event, for a one-factor user."""
    with database.transaction() as session:
        try:
            return Recovery(session, clock, workstation, hasher).change_password(
                company_code, user_id, code, new_password, verify,
                token=token, recovery_code=recovery_code,
            )  # fmt: skip
        except AdministratorOnlyError as refusal:
            refused = refusal  # leaving the block normally commits the event and the used code
    raise refused
