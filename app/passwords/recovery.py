"""Forgotten passwords, self-service: a 6-digit code by e-mail, then a new password.

Both steps answer the same whether or not the user exists, so the dialog tells a stranger
nothing. A code is stored only as a hash, works once, for 10 minutes, and allows 5 tries.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app import audit
from app.audit import Action
from app.clock import Clock
from app.db.database import Database
from app.db.models import CodePurpose, User
from app.errors import NotFoundError, ValidationError
from app.outbound.codes import OneTimeCodes
from app.outbound.delivery import Channel, Delivery, Outgoing, SenderSource, deliver
from app.passwords.credentials import Credentials
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import PasswordOwner, PasswordPolicy, load_policy
from app.practice.company import CompanyInfo, load_company
from app.signin.check import find_account

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
        company, user = find_account(self.session, company_code, user_id)
        if company is None or user is None or not user.active or not user.email:
            return None
        codes = self._codes()
        if codes.sent_since(user.id, self.clock() - HOUR) >= CODES_PER_HOUR:
            # each code brings new tries: limit the codes
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
        self, company_code: str, user_id: str, code: str, new_password: str, verify: str
    ) -> bool:
        """Check the code and set the new password; False when the code is refused.

        A refusal is an answer, not an error: the used try and its audit event are kept when
        the caller's transaction commits.
        """
        company, user = find_account(self.session, company_code, user_id)
        if new_password != verify:
            raise ValidationError({"verify": "The two passwords differ."})
        codes = self._codes()
        current = codes.check(user.id if user is not None else None, code)
        if not (company and user and user.active and current):
            if company is not None and user is not None:
                self._record(
                    company.id, user, Action.RECOVERY_CODE_REFUSED, "wrong or expired code"
                )
            return False
        credentials = Credentials(self.session, CompanyInfo.of(company), self.hasher)
        owner = credentials.owner_of(user)
        problems = credentials.problems(new_password, owner, user)
        if problems:
            raise ValidationError({"new_password": " ".join(problems)})
        if not codes.use(current):  # the same code used at the same moment elsewhere
            return False
        now = self.clock()
        credentials.set_password(user, new_password, temporary=False, now=now)
        user.failed_logins = 0
        if user.login_locked and user.locked_at is not None:  # locked by failed sign-ins only:
            user.login_locked, user.locked_at = False, None  # an administrator's lock stays
        user.updated_at, user.updated_by = now, f"{user.user_id} at {self.workstation}"
        self._record(
            company.id, user, Action.RECOVERY_PASSWORD_CHANGED, "new password by e-mail code"
        )
        return True

    def _codes(self) -> OneTimeCodes:
        return OneTimeCodes(self.session, self.clock, self.hasher, CodePurpose.PASSWORD)

    def _record(self, company_id: int, user: User, action: Action, detail: str) -> None:
        audit.record(
            self.session,
            at=self.clock(),
            operator=f"{user.user_id} at {self.workstation}"[:100],
            company_id=company_id,
            user_pk=user.id,
            action=action,
            changes=[
                audit.said("workstation", self.workstation),
                audit.said("reason", detail),
            ],
        )


def send_recovery_code(
    database: Database,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    source: SenderSource,
    hasher: PasswordHasher | None = None,
) -> str:
    """Forgot password: mail a code if the user can have one, after the transaction that
    issued it has committed; the answer is SENT either way."""
    with database.transaction() as session:
        recovery = Recovery(session, clock, workstation, hasher)
        issued = recovery.issue_code(company_code, user_id)
        if issued is None:
            return SENT
        company, user_pk, outgoing = issued
        senders = source.senders(session, company)
    delivery = deliver(outgoing, senders)
    with database.transaction() as session:
        Recovery(session, clock, workstation, hasher).record_sent(company, user_pk, delivery)
    return SENT


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
) -> bool:
    """The second step of Forgot password, in one transaction: False when the code is refused
    (the try taken and its audit event are kept), ValidationError for the new password."""
    with database.transaction() as session:
        return Recovery(session, clock, workstation, hasher).change_password(
            company_code, user_id, code, new_password, verify
        )
