"""Signing in: the check any program on the shared database can call, and the flow around it.

The check answers one question (would this sign-in be allowed, here and now) and records the
answer: failures count toward the lockout in single UPDATE statements, so attempts from several
workstations at once all count; every outcome is an audit event. SignInFlow is the sequence a
person goes through (password, then a forced change when one is due), with no Qt in it: the
dialogs show its steps and the tests walk it without widgets.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.clock import Clock
from app.credentials import Credentials, dummy_hash, verify_password
from app.db import Database
from app.errors import NotFoundError, UserSetupError, ValidationError
from app.models import Company, SetupRole, User
from app.passwords import hash_password, owasp_hasher
from app.policy import load_policy
from app.practice import CompanyInfo
from app.validation import user_id_key

# What a person is told for every refusal: which part was wrong, or that the account is
# locked or inactive, would help someone guessing.
REFUSED = "Invalid user ID, password or company"
PASSWORD_EXPIRED = "Your password has expired, please update password"
CURRENT_PASSWORD_WRONG = "The current password is not right."


class Reason(enum.StrEnum):
    """The outcome of a sign-in check, as `usersetup login --json` reports it."""

    SIGNED_IN = "signed in"
    INVALID = "invalid"
    LOCKED = "locked"
    INACTIVE = "inactive"
    PASSWORD_CHANGE_REQUIRED = "password change required"


@dataclass(frozen=True)
class SignInResult:
    reason: Reason
    company: CompanyInfo | None = None
    user_pk: int | None = None
    user_id: str | None = None
    display_name: str | None = None
    setup_role: str | None = None
    detail: str = ""  # why, for the audit trail and support; never shown to the person

    @property
    def allowed(self) -> bool:
        return self.reason is Reason.SIGNED_IN


def find_account(
    session: Session, company_code: str, user_id: str
) -> tuple[Company | None, User | None]:
    """The company and user that typed codes name, whatever their case; None for unknown."""
    company = session.scalar(
        select(Company).where(func.lower(Company.code) == company_code.strip().lower())
    )
    if company is None:
        return None, None
    user = session.scalar(
        select(User).where(User.company_id == company.id, User.user_id_key == user_id_key(user_id))
    )
    return company, user


class SignInService:
    """Checks sign-ins against one database session. Times come from the injected clock."""

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

    def check(
        self, company_code: str, user_id: str, password: str, *, ip: str | None = None
    ) -> SignInResult:
        """Would this sign-in be allowed now? Records failures, lockouts and the outcome."""
        now = self.clock()
        company, user = find_account(self.session, company_code, user_id)
        if company is None or user is None:
            self._spend_one_hash(password)  # an unknown user ID costs what a known one does
            if company is not None:  # the typed ID is not kept: it may be a mistyped password
                self.record_event(
                    company.id,
                    None,
                    "(unknown user ID)",
                    "signin.failed",
                    now,
                    ip,
                    "unknown user ID",
                )
            return SignInResult(Reason.INVALID, detail="unknown company or user ID")

        info = CompanyInfo.of(company)
        policy = load_policy(self.session, company.id)
        if user.login_locked and self._lock_has_lapsed(user, policy.unlock_after_minutes, now):
            self._unlock(user, now, ip)
        if not verify_password(self.hasher, user.password_hash, password):
            return self._wrong_password(info, user, policy.lockout_after, now, ip)

        result = self._result(info, user)
        if not user.active:
            result = _with(result, Reason.INACTIVE, "inactive account")
        elif user.login_locked:
            result = _with(result, Reason.LOCKED, "account locked")
        elif user.temporary_expires_at is not None and now >= user.temporary_expires_at:
            result = _with(result, Reason.INVALID, "temporary password expired")
        elif user.must_change_password:
            result = _with(result, Reason.PASSWORD_CHANGE_REQUIRED, "temporary password")
        elif policy.max_age_days and now >= user.password_changed_at + timedelta(
            days=policy.max_age_days
        ):
            result = _with(result, Reason.PASSWORD_CHANGE_REQUIRED, "password older than allowed")
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED) and not (
            self._succeeded(user, password)
        ):
            result = replace(result, reason=Reason.LOCKED, detail="locked meanwhile")
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            action = "signin.succeeded" if result.allowed else "signin.change_required"
        else:
            action = "signin.failed"
        self.record_event(company.id, user.id, user.user_id, action, now, ip, result.detail)
        return result

    def _result(self, company: CompanyInfo, user: User) -> SignInResult:
        return SignInResult(
            Reason.SIGNED_IN,
            company=company,
            user_pk=user.id,
            user_id=user.user_id,
            display_name=f"{user.last_name}, {user.first_name}",
            setup_role=user.setup_role,
        )

    def _wrong_password(
        self, company: CompanyInfo, user: User, lockout_after: int, now: datetime, ip: str | None
    ) -> SignInResult:
        if user.login_locked:  # "invalid", not "locked": only the right password learns that
            self.record_event(company.id, user.id, user.user_id, "signin.failed", now, ip, "locked")
            return SignInResult(Reason.INVALID, detail="wrong password on a locked account")
        # Two statements, each atomic in the database: concurrent failures all count, and
        # whichever attempt finds the counter at the limit locks the account.
        self.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        locked = self.session.execute(
            update(User)
            .where(
                User.id == user.id,
                User.login_locked.is_(False),
                User.failed_logins >= lockout_after,
            )
            .values(login_locked=True, locked_at=now, version=User.version + 1)
            .execution_options(synchronize_session=False)
        )
        self.record_event(
            company.id, user.id, user.user_id, "signin.failed", now, ip, "wrong password"
        )
        if locked.rowcount:  # type: ignore[attr-defined]
            self.record_event(
                company.id,
                user.id,
                user.user_id,
                "user.locked",
                now,
                ip,
                f"{lockout_after} failed sign-ins in a row",
            )
        return SignInResult(Reason.INVALID, detail="wrong password")

    def _succeeded(self, user: User, password: str) -> bool:
        """Clear the failure count (and upgrade an old hash) unless the account was locked
        meanwhile by attempts from another workstation; False if it was."""
        values: dict[str, Any] = {"failed_logins": 0}
        if self.hasher.check_needs_rehash(user.password_hash):  # older parameters: upgrade
            values["password_hash"] = hash_password(self.hasher, password)
        cleared = self.session.execute(
            update(User)
            .where(User.id == user.id, User.login_locked.is_(False))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(cleared.rowcount)  # type: ignore[attr-defined]

    def _lock_has_lapsed(self, user: User, minutes: int, now: datetime) -> bool:
        return (
            bool(minutes)
            and user.locked_at is not None
            and now >= user.locked_at + timedelta(minutes=minutes)
        )

    def _unlock(self, user: User, now: datetime, ip: str | None) -> None:
        self.session.execute(
            update(User)
            .where(User.id == user.id, User.login_locked.is_(True))
            .values(login_locked=False, locked_at=None, failed_logins=0, version=User.version + 1)
            .execution_options(synchronize_session=False)
        )
        self.session.refresh(user)
        self.record_event(
            user.company_id, user.id, user.user_id, "user.unlocked", now, ip, "lock time over"
        )

    def _spend_one_hash(self, password: str) -> None:
        verify_password(self.hasher, dummy_hash(self.hasher), password)

    def record_event(
        self,
        company_id: int,
        user_pk: int | None,
        user_id: str,
        action: str,
        now: datetime,
        ip: str | None,
        detail: str,
    ) -> None:
        changes = [{"field": "workstation", "before": None, "after": self.workstation}]
        if ip:
            changes.append({"field": "ip", "before": None, "after": ip})
        changes.append({"field": "reason", "before": None, "after": detail or action})
        audit.record(
            self.session,
            at=now,
            operator=f"{user_id} at {self.workstation}"[:100],
            company_id=company_id,
            user_pk=user_pk,
            action=action,
            changes=changes,
        )


def _with(result: SignInResult, reason: Reason, detail: str) -> SignInResult:
    return replace(result, reason=reason, detail=detail)


class Step(enum.StrEnum):
    CREDENTIALS = "credentials"
    CHANGE_PASSWORD = "change password"
    SIGNED_IN = "signed in"


class SignInRefused(UserSetupError):
    """The sign-in was refused; the message says no more than REFUSED."""

    def __init__(self) -> None:
        super().__init__(REFUSED)


USER_SETUP_ROLES = frozenset(role.value for role in SetupRole)


class SignInFlow:
    """Signing in to User Setup, step by step: password, then a forced change when one is due.

    Each step is one transaction. Only users with a User Setup role get past the password.
    """

    def __init__(
        self,
        database: Database,
        clock: Clock,
        workstation: str,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.hasher = hasher or owasp_hasher()
        self.step = Step.CREDENTIALS
        self.result: SignInResult | None = None

    def submit_password(self, company_code: str, user_id: str, password: str) -> Step:
        if self.step is not Step.CREDENTIALS:
            raise RuntimeError(f"the password was already accepted (step: {self.step})")
        with self.database.transaction() as session:
            service = SignInService(session, self.clock, self.workstation, self.hasher)
            result = service.check(company_code, user_id, password)
            usable = result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED)
            if usable and result.setup_role not in USER_SETUP_ROLES:
                assert result.company is not None and result.user_pk is not None
                service.record_event(
                    result.company.id,
                    result.user_pk,
                    result.user_id or user_id,
                    "signin.failed",
                    self.clock(),
                    None,
                    "no right to use User Setup",
                )
                usable = False
        if not usable:
            raise SignInRefused()
        self.result = result
        self.step = (
            Step.CHANGE_PASSWORD
            if result.reason is Reason.PASSWORD_CHANGE_REQUIRED
            else Step.SIGNED_IN
        )
        return self.step

    def submit_new_password(self, new_password: str, verify: str) -> Step:
        """The forced change: the new password must pass the policy before anything else."""
        if self.step is not Step.CHANGE_PASSWORD or self.result is None:
            raise RuntimeError(f"no password change is due (step: {self.step})")
        result = self.result
        assert result.company is not None and result.user_pk is not None
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
        self.step = Step.SIGNED_IN
        self.result = _with(result, Reason.SIGNED_IN, "")
        return self.step

    @property
    def operator(self) -> str:
        """Who is signed in, as the status bar and the audit trail name them."""
        if self.result is None or self.result.user_id is None:
            return ""
        return f"{self.result.user_id} ({self.result.display_name})"[:100]


def change_own_password(
    database: Database,
    company: CompanyInfo,
    user_pk: int,
    new_password: str,
    verify: str,
    *,
    clock: Clock,
    workstation: str,
    operator: str,
    hasher: PasswordHasher | None = None,
    current_password: str | None = None,
) -> None:
    """A user sets their own password, in one transaction: the forced change, or by choice.

    With ``current_password`` that password is checked first, as a sign-in is. Raises
    ValidationError keyed "current_password", "verify" or "new_password"; on any of them the
    password is unchanged, and only a wrong current password leaves a trace (it is counted).
    """
    if new_password != verify:
        raise ValidationError({"verify": "The two passwords differ."})
    hasher = hasher or owasp_hasher()
    refused = False
    with database.transaction() as session:
        user = session.get(User, user_pk)
        if user is None:
            raise NotFoundError("This user no longer exists.")
        if current_password is not None:
            # A wrong current password counts toward the lockout, as a wrong sign-in does:
            # otherwise an unattended, signed-in window would let anyone guess without limit.
            checked = SignInService(session, clock, workstation, hasher).check(
                company.code, user.user_id, current_password
            )
            refused = checked.user_pk != user_pk or checked.reason not in (
                Reason.SIGNED_IN,
                Reason.PASSWORD_CHANGE_REQUIRED,
            )
        if not refused:
            credentials = Credentials(session, company, hasher)
            owner = credentials.owner(user.user_id, user.first_name, user.last_name)
            problems = credentials.problems(new_password, owner, user)
            if problems:  # raised inside: the current password's check is rolled back too
                raise ValidationError({"new_password": " ".join(problems)})
            now = clock()
            credentials.set_password(user, new_password, temporary=False, now=now)
            user.updated_at, user.updated_by = now, operator
            audit.record(
                session,
                at=now,
                operator=operator,
                company_id=company.id,
                user_pk=user.id,
                action="password.changed",
                changes=[
                    {"field": "password", "change": audit.PASSWORD_CHANGED},
                    {"field": "workstation", "before": None, "after": workstation},
                ],
            )
    if refused:  # raised after the commit, so the failure stays counted
        raise ValidationError({"current_password": CURRENT_PASSWORD_WRONG})
