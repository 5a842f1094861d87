"""Signing in to User Setup, step by step, with no Qt: the password, then the second factor
(a token, or setting up an authenticator), then a forced password change when one is due.
The dialogs show its steps; the tests walk them without a widget.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar, cast

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app.access import Right
from app.clock import Clock
from app.db.database import Database
from app.db.models import TwoFactorMethod
from app.db.server import observed_address
from app.errors import ValidationError
from app.login_times.hours import NOT_PERMITTED
from app.outbound.delivery import (
    CompanySenders,
)
from app.outbound.mail import SecretStore
from app.passwords.hashing import owasp_hasher
from app.signin.check import (
    TIME_UNCHECKED,
    Reason,
    SignInRefused,
    SignInResult,
    SignInService,
    TokenRefused,
    Verdict,
    with_reason,
)
from app.signin.outcomes import CHANGED_NO_ACCESS, NO_ACCESS
from app.signin.outcomes import Step as Step
from app.signin.own_password import change_own_password
from app.signin.second_factor import SecondFactor, TokenSent, send_token
from app.two_factor.policy import Need
from app.two_factor.service import Enrolment, new_enrolment, verify_new_key

SELF_SERVICE_RIGHTS = frozenset({Right.CHANGE_OWN_PASSWORD, Right.OWN_TWO_FACTOR})
USABLE = (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED, Reason.TWO_FACTOR_REQUIRED)
# What the right password is told of a refusal, by someone who may use User Setup (else REFUSED).
TOLD = {Reason.OUTSIDE_HOURS: NOT_PERMITTED, Reason.TIME_UNCHECKED: TIME_UNCHECKED}
T = TypeVar("T")


class SignInFlow:
    """Signing in to User Setup, step by step: the password; then the second factor (a token,
    or setting up an authenticator when it is required or suggested); then a forced password
    change when one is due.

    Each step is one transaction. Only users with a User Setup role get past the password.
    The dialogs show the steps; the tests walk them without a widget.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        workstation: str,
        hasher: PasswordHasher | None = None,
        *,
        ip: str | None = None,
        store: SecretStore | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.hasher = hasher or owasp_hasher()
        # Where the sign-in comes from (Company Settings' subnets may skip 2FA); by default
        # the address the database server sees, asked at the password step.
        self.ip = ip
        self.store = store  # where the mail and text passwords are kept (the OS keyring)
        self.step = Step.CREDENTIALS
        self.result: SignInResult | None = None
        self.may_skip_setup = False
        self.enrolment: Enrolment | None = None
        self.recovery_codes: list[str] = []  # set up just now: shown once, then forgotten
        self.password_changed = False  # by the forced change of this sign-in
        # When the password was accepted (or the forced change's new one stored), by the
        # flow's clock: the signed-in actor's password_at, after which granting User Setup
        # rights or resetting 2FA asks for it again (app.access.FRESH_PASSWORD).
        self.password_at: datetime | None = None

    def _service(self, session: Session) -> SignInService:
        return SignInService(session, self.clock, self.workstation, self.hasher)

    def _second(self, session: Session) -> SecondFactor:
        return SecondFactor(session, self.clock, self.workstation, self.hasher)

    def _step(self, job: Callable[[Session], T]) -> T:
        """A step after the password, in one transaction (Database.run: done again on a new
        connection if the dialog stood long enough for its connection to drop). A refusal
        audited in it (the account expired or out of its hours meanwhile) commits with its
        event; any refusal sends the flow back to the password."""
        audited: list[SignInRefused] = []

        def in_session(session: Session) -> T | None:
            audited.clear()
            try:
                return job(session)
            except SignInRefused as exc:
                if not exc.commit:
                    raise  # rolled back
                audited.append(exc)  # committed with its event, then raised
                return None

        try:
            result = self.database.run(in_session)
            if audited:
                raise audited[0]
            return cast(T, result)
        except SignInRefused:
            self.step, self.result, self.enrolment = Step.CREDENTIALS, None, None
            raise

    def submit_password(self, company_code: str, user_id: str, password: str) -> Step:
        if self.step is not Step.CREDENTIALS:
            raise RuntimeError(f"the password was already accepted (step: {self.step})")

        def check(session: Session) -> tuple[SignInResult, bool]:
            service = self._service(session)
            if self.ip is None:  # asked of the server: not something this computer can choose
                self.ip = observed_address(session)
            result = service.check(company_code, user_id, password, ip=self.ip)
            # Anyone active may finish what their account needs (the forced change after a
            # front-desk reset, a 2FA setup); only User Setup itself needs a right.
            return result, result.reason in USABLE

        # The sign-in dialog may have stood open for hours: a connection dropped meanwhile is
        # found by the check's first read and the check made again on a new one.
        result, usable = self.database.run(check)
        if not usable:
            # Outside the hours (or with the time unchecked) the right password is told so, but
            # only to someone who may use User Setup: to anyone else it would confirm a guess.
            told = TOLD.get(result.reason)
            if told is None or Right.VIEW_USERS not in result.rights:
                raise SignInRefused()
            raise SignInRefused(told)
        self.result = result
        self.password_at = self.clock()
        if result.two_factor is Need.TOKEN:
            self.step = Step.TOKEN
        elif result.two_factor in (Need.SETUP_REQUIRED, Need.SETUP_SUGGESTED):
            self.may_skip_setup = result.two_factor is Need.SETUP_SUGGESTED
            self.step = Step.SETUP
        else:
            self._after_second_factor()
        return self.step

    @property
    def no_access(self) -> bool:
        """The user signing in has no right to use User Setup itself."""
        return self.result is not None and Right.VIEW_USERS not in self.result.rights

    @property
    def no_access_message(self) -> str:
        return CHANGED_NO_ACCESS if self.password_changed else NO_ACCESS

    @property
    def self_service_rights(self) -> frozenset[Right]:
        """The self-service rights of a user without User Setup rights: what their My
        Account screen offers (app.signin.own_password and app.two_factor.service check them
        again, as the database has them then, when they act)."""
        if self.result is None:
            return frozenset()
        return self.result.rights & SELF_SERVICE_RIGHTS

    def _signed_in(self) -> Step:
        if not self.no_access:
            return Step.SIGNED_IN
        return Step.SELF_SERVICE if self.self_service_rights else Step.NO_ACCESS

    def _after_second_factor(self) -> None:
        assert self.result is not None
        self.step = Step.CHANGE_PASSWORD if self.result.change_due else self._signed_in()
        if self.result.reason is Reason.TWO_FACTOR_REQUIRED:  # the result says so too now
            due = self.result.change_due
            reason = Reason.PASSWORD_CHANGE_REQUIRED if due else Reason.SIGNED_IN
            self.result = with_reason(self.result, reason, "")

    def _user_pk(self, *steps: Step) -> int:
        if self.step not in steps or self.result is None or self.result.user_pk is None:
            raise RuntimeError(f"not at this step (step: {self.step})")
        return self.result.user_pk

    @property
    def method(self) -> str:
        return self.result.method if self.result is not None else TwoFactorMethod.NONE.value

    def send_token(self) -> TokenSent:
        """Send (or resend) the token of the Email and Text methods."""
        user_pk = self._user_pk(Step.TOKEN)
        company = self.result.company if self.result else None
        assert company is not None
        return send_token(
            self.database,
            self._second,
            company,
            user_pk,
            self.ip,
            CompanySenders(self.store if self.store is not None else _keyring()),
            first=self._step,
        )

    def submit_token(self, token: str) -> Step:
        """The token: right, and the sign-in goes on; wrong, TokenRefused (it counts)."""
        user_pk = self._user_pk(Step.TOKEN)
        verdict = self._step(
            lambda session: self._second(session).complete_second_factor(user_pk, token, self.ip)
        )
        return self._after(verdict)

    def submit_recovery_code(self, code: str) -> Step:
        """A recovery code in place of the token (a lost or new phone)."""
        user_pk = self._user_pk(Step.TOKEN)
        verdict = self._step(
            lambda session: self._second(session).complete_with_recovery_code(
                user_pk, code, self.ip
            )
        )
        return self._after(verdict)

    def _after(self, verdict: Verdict) -> Step:
        if verdict.locked:
            self.step, self.result = Step.CREDENTIALS, None
            raise SignInRefused()
        if not verdict.accepted:
            raise TokenRefused(verdict.message)
        self._after_second_factor()
        return self.step

    def begin_setup(self, title: str = "") -> Enrolment:
        """A new key for the phone (kept in memory only until a token verifies it)."""
        user_pk = self._user_pk(Step.SETUP)
        assert self.result is not None and self.result.company is not None
        company = self.result.company
        secret = self.enrolment.secret if self.enrolment is not None else None

        def enrol(session: Session) -> Enrolment:
            user, _ = self._service(session).still_allowed(user_pk, self.ip)
            return new_enrolment(user.user_id, title, company, secret)

        self.enrolment = self._step(enrol)
        return self.enrolment

    def submit_setup_token(self, token: str) -> Step:
        """The phone's first token: right, and the authenticator is the user's from now on."""
        user_pk = self._user_pk(Step.SETUP)
        if self.enrolment is None:
            raise RuntimeError("begin_setup first")
        assert self.result is not None and self.result.company is not None
        enrolment = self.enrolment
        completes = self.result.reason is Reason.TWO_FACTOR_REQUIRED

        def complete(session: Session) -> list[str]:
            try:
                verified = verify_new_key(enrolment, token, self.clock())
            except ValidationError as exc:
                raise TokenRefused(exc.errors["token"]) from None
            return self._second(session).complete_setup(
                user_pk, verified, self.ip, completes_sign_in=completes
            )

        self.recovery_codes = self._step(complete)
        self.enrolment = None
        self._after_second_factor()
        return self.step

    def skip_setup(self) -> Step:
        """Not now: only when the setup is suggested, not required."""
        user_pk = self._user_pk(Step.SETUP)  # at the setup step, or a RuntimeError
        if not self.may_skip_setup:
            raise RuntimeError("this setup is required")
        # still within the hours, not expired
        self._step(lambda session: self._service(session).still_allowed(user_pk, self.ip))
        # A suggested setup: check() has signed the user in already; nothing to record.
        self.enrolment = None
        self._after_second_factor()
        return self.step

    def submit_new_password(self, new_password: str, verify: str) -> Step:
        """The forced change: the new password must pass the policy before anything else."""
        if self.step is not Step.CHANGE_PASSWORD or self.result is None:
            raise RuntimeError(f"no password change is due (step: {self.step})")
        result = self.result
        assert result.company is not None and result.user_pk is not None
        user_pk = result.user_pk  # still within the hours, not expired
        self._step(lambda session: self._service(session).still_allowed(user_pk, self.ip))
        change_own_password(
            self.database,
            result.company,
            result.user_pk,
            new_password,
            verify,
            clock=self.clock,
            workstation=self.workstation,
            operator=self.operator,
            hasher=self.hasher,
        )
        self.password_changed = True
        self.password_at = self.clock()
        self.result = with_reason(result, Reason.SIGNED_IN, "")
        self.step = self._signed_in()
        return self.step

    @property
    def operator(self) -> str:
        """Who is signed in, as the status bar and the audit trail name them."""
        if self.result is None or self.result.user_id is None:
            return ""
        return f"{self.result.user_id} ({self.result.display_name})"[:100]


def _keyring() -> SecretStore:
    import keyring

    return keyring
