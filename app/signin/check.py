"""Signing in: the check any program on the shared database can call, and the flow around it
(password, then the second factor or its setup, then a forced password change when one is due).

The check answers one question (would this sign-in be allowed, here and now) and records the
answer: failures count toward the lockout in single UPDATE statements, so attempts from several
workstations at once all count; every outcome is an audit event. SignInFlow is the sequence a
person goes through, with no Qt in it: the dialogs show its steps and the tests walk it
without widgets.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.access import Right
from app.audit import Action
from app.clock import Clock, source_of
from app.db.models import (
    CodePurpose,
    Company,
    PasswordPolicyRow,
    TwoFactorMethod,
    TwoFactorPolicyRow,
    User,
)
from app.login_times.hours import (
    NOT_PERMITTED,
    LoginTimes,
    access_ends_at,
    hours_depend_on_time,
    is_expired,
    within_hours,
)
from app.outbound.codes import OneTimeCodes, is_code_shaped, typed_code
from app.passwords.credentials import dummy_hash, verify_password
from app.passwords.hashing import hash_password, owasp_hasher
from app.passwords.policy import PasswordPolicy, load_policy
from app.practice.company import CompanyInfo
from app.practice.settings import remember_settings
from app.roles.effective import NONE, EffectiveRights, user_and_rights
from app.signin.outcomes import CODE_REFUSED as CODE_REFUSED
from app.signin.outcomes import PASSWORD_EXPIRED as PASSWORD_EXPIRED
from app.signin.outcomes import REFUSED as REFUSED
from app.signin.outcomes import TIME_UNCHECKED as TIME_UNCHECKED
from app.signin.outcomes import TOKEN_REFUSED as TOKEN_REFUSED
from app.signin.outcomes import TOKEN_USED as TOKEN_USED
from app.signin.outcomes import SignInRefused as SignInRefused
from app.signin.outcomes import TokenRefused as TokenRefused
from app.two_factor.authenticator import (
    claim_step,
    clock_offset_minutes,
    matching_step,
    readable_key,
)
from app.two_factor.policy import Need, TwoFactorPolicy, load_two_factor_policy, need_of
from app.two_factor.service import NOT_A_TOKEN
from app.users.writer import is_locked
from app.validation import user_id_key

CURRENT_PASSWORD_WRONG = "The current password is not right."
ACCOUNT_EXPIRED = "Your account has expired: ask your practice administrator."


class Reason(enum.StrEnum):
    """The outcome of a sign-in check, as `usersetup login --json` reports it."""

    SIGNED_IN = "signed in"
    INVALID = "invalid"
    LOCKED = "locked"
    INACTIVE = "inactive"
    PASSWORD_CHANGE_REQUIRED = "password change required"
    TWO_FACTOR_REQUIRED = "two-factor required"  # the password was right; a token is due
    OUTSIDE_HOURS = "outside login hours"  # the password was right; not at this time of day
    EXPIRED = "account expired"  # past the end of the date the account expires on
    # the password was right; the hours or expiry need the server's clock, unreadable now
    TIME_UNCHECKED = "time not checked"


# What a person who typed the right password is told when their account is closed to them.
ACCOUNT_CLOSED = {
    Reason.OUTSIDE_HOURS: NOT_PERMITTED,
    Reason.EXPIRED: ACCOUNT_EXPIRED,
    Reason.TIME_UNCHECKED: TIME_UNCHECKED,
}
CLOCK_UNREAD = "server clock unreadable: login hours or expiry not checked"  # the audit's


def _minutes(wait: timedelta) -> str:
    minutes = round(wait.total_seconds() / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


@dataclass(frozen=True)
class SignInResult:
    reason: Reason
    company: CompanyInfo | None = None
    user_pk: int | None = None
    user_id: str | None = None
    display_name: str | None = None
    roles: tuple[str, ...] = ()  # the names of their roles, as the status bar shows them
    rights: frozenset[Right] = frozenset()  # what the user may do, through their roles
    detail: str = ""  # why, for the audit trail and support; never shown to the person
    two_factor: Need = Need.NONE  # what the second factor still asks, after the password
    method: str = TwoFactorMethod.NONE.value  # the user's two-factor method
    change_due: bool = False  # a password change follows the second factor
    # When the allowed time runs out (login hours or the account's expiry); None: never.
    access_ends_at: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is Reason.SIGNED_IN


def find_account(
    session: Session, company_code: str, user_id: str
) -> tuple[Company | None, User | None, EffectiveRights]:
    """The company and user that typed codes name, whatever their case (None for unknown),
    and the user's effective rights.

    Two statements: the company with its password and two-factor policies, kept for the
    transaction (settings_row), then the user's row with their rights (user_and_rights):
    over a VPN each read is a round trip more.
    """
    found = session.execute(
        select(Company, PasswordPolicyRow, TwoFactorPolicyRow)
        .outerjoin(PasswordPolicyRow, PasswordPolicyRow.company_id == Company.id)
        .outerjoin(TwoFactorPolicyRow, TwoFactorPolicyRow.company_id == Company.id)
        .where(func.lower(Company.code) == company_code.strip().lower())
    ).first()
    if found is None:
        return None, None, NONE
    company, password_policy, two_factor_policy = found
    remember_settings(session, PasswordPolicyRow, company.id, password_policy)
    remember_settings(session, TwoFactorPolicyRow, company.id, two_factor_policy)
    user, held = user_and_rights(
        session,
        company.id,
        (User.company_id == company.id) & (User.user_id_key == user_id_key(user_id)),
    )
    return company, user, held


class SignInService:
    """Checks sign-ins against one database session. Times come from the injected clock."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        workstation: str,
        hasher: PasswordHasher | None = None,
        *,
        ip_from_caller: bool = False,
    ) -> None:
        self.session = session
        self.clock = clock
        self.workstation = workstation
        self.hasher = hasher or owasp_hasher()
        # The address was named by a calling program (usersetup login --ip), not seen by the
        # database server: it skips the token only if the practice trusts its programs.
        self.ip_from_caller = ip_from_caller

    def check(
        self,
        company_code: str,
        user_id: str,
        password: str,
        *,
        ip: str | None = None,
        token: str | None = None,
        second_factor_done: bool = False,
    ) -> SignInResult:
        """Would this sign-in be allowed now? Records failures, lockouts and the outcome.

        With the right password, a user who needs a second factor is answered
        TWO_FACTOR_REQUIRED unless ``token`` (an authenticator token, or a code sent by mail
        or text) is right too; a wrong token counts toward the lockout as a wrong password
        does. ``second_factor_done``: an operator signed in fully in this session proving
        presence again (the idle lock), who is asked the password only.
        """
        now = self.clock()
        company, user, held = find_account(self.session, company_code, user_id)
        if company is None or user is None:
            self._spend_one_hash(password)  # an unknown user ID costs what a known one does
            if company is not None:  # the typed ID is not kept: it may be a mistyped password
                self.record_event(
                    company.id,
                    None,
                    "(unknown user ID)",
                    Action.SIGNIN_FAILED,
                    now,
                    ip,
                    "unknown user ID",
                )
            return SignInResult(Reason.INVALID, detail="unknown company or user ID")

        info = CompanyInfo.of(company)
        policy = load_policy(self.session, company.id)
        if not verify_password(self.hasher, user.password_hash, password):
            return self._wrong_password(info, user, policy, now, ip)

        result = self._account_answer(info, user, held, policy, now)
        times, zone = user.login_times, ZoneInfo(company.time_zone)
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            result = replace(result, access_ends_at=access_ends_at(times, zone, now))
            tf_policy, _ = load_two_factor_policy(self.session, company.id)
            tf_policy = self._trusted(tf_policy)
            need = Need.NONE if second_factor_done else need_of(user, tf_policy, ip)
            result = replace(
                result,
                two_factor=need,
                method=user.two_factor_method,
                change_due=result.reason is Reason.PASSWORD_CHANGE_REQUIRED,
            )
            if need is Need.SETUP_REQUIRED or (need is Need.TOKEN and token is None):
                self._rehash(user, password)
                self.record_event(
                    company.id, user.id, user.user_id, Action.SIGNIN_TWO_FACTOR_REQUIRED, now, ip,
                    f"{need.value} ({user.two_factor_method})",
                )  # fmt: skip
                return with_reason(result, Reason.TWO_FACTOR_REQUIRED, need.value)
            if need is Need.TOKEN and token is not None:
                verdict = self.check_second_factor(user, token, policy, ip)
                if not verdict.accepted:
                    return SignInResult(Reason.INVALID, detail=verdict.detail)
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED) and not (
            self.clear_failures(user, password)
        ):
            result = replace(result, reason=Reason.LOCKED, detail="locked meanwhile")
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            action = Action.SIGNIN_SUCCEEDED if result.allowed else Action.SIGNIN_CHANGE_REQUIRED
        else:
            action = Action.SIGNIN_FAILED
        self.record_event(company.id, user.id, user.user_id, action, now, ip, result.detail)
        return result

    def answer_at(self, company_code: str, user_id: str, ip: str | None = None) -> SignInResult:
        """Would the account let this user sign in at the clock's moment: active, unlocked,
        unexpired, within its hours, its temporary password still good, and is a second factor
        due? Takes no password or token, so it is no way to guess one, and it reads only:
        nothing is counted or recorded."""
        company, user, held = find_account(self.session, company_code, user_id)
        if company is None or user is None:
            return SignInResult(Reason.INVALID, detail="unknown company or user ID")
        policy = load_policy(self.session, company.id)
        result = self._account_answer(CompanyInfo.of(company), user, held, policy, self.clock())
        if result.reason not in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            return result
        need = need_of(user, self._trusted(load_two_factor_policy(self.session, company.id)[0]), ip)
        result = replace(result, two_factor=need, method=user.two_factor_method)
        if need in (Need.TOKEN, Need.SETUP_REQUIRED):
            return with_reason(result, Reason.TWO_FACTOR_REQUIRED, need.value)
        return result

    def _trusted(self, policy: TwoFactorPolicy) -> TwoFactorPolicy:
        """The 2FA rules as they apply to this sign-in's address: a calling program's word
        for it counts only where the practice trusts its programs."""
        if self.ip_from_caller and not policy.trust_caller_addresses:
            return replace(policy, excluded_networks=())
        return policy

    def _account_answer(
        self,
        company: CompanyInfo,
        user: User,
        held: EffectiveRights,
        policy: PasswordPolicy,
        now: datetime,
    ) -> SignInResult:
        """What the account's own state says of a sign-in now, the password aside."""
        result = self._result(company, user, held)
        times, zone = user.login_times, ZoneInfo(company.time_zone)
        if not user.active:
            return with_reason(result, Reason.INACTIVE, "inactive account")
        if is_locked(user, now):
            return with_reason(result, Reason.LOCKED, "account locked")
        if is_expired(times, zone, now):
            return with_reason(result, Reason.EXPIRED, "account expired")
        if self._time_unchecked(times):
            return with_reason(result, Reason.TIME_UNCHECKED, CLOCK_UNREAD)
        if not within_hours(times, zone, now):
            return with_reason(result, Reason.OUTSIDE_HOURS, "outside login hours")
        if user.temporary_expires_at is not None and now >= user.temporary_expires_at:
            return with_reason(result, Reason.INVALID, "temporary password expired")
        if user.must_change_password:
            return with_reason(result, Reason.PASSWORD_CHANGE_REQUIRED, "temporary password")
        if policy.max_age_days and now >= user.password_changed_at + timedelta(
            days=policy.max_age_days
        ):
            return with_reason(
                result, Reason.PASSWORD_CHANGE_REQUIRED, "password older than allowed"
            )
        return result

    def _time_unchecked(self, times: LoginTimes) -> bool:
        """The time decides (limited hours, or an end date still to come), and the clock is
        this computer's standing in for the server's: a computer set back could pass them."""
        decides = hours_depend_on_time(times) or times.expires_on is not None
        return decides and not source_of(self.clock).trusted

    def _result(self, company: CompanyInfo, user: User, held: EffectiveRights) -> SignInResult:
        """The answer for this user with their roles and rights (read with their row), made
        once the password is known to be right: the flow tells the reason for a refusal only
        to someone who may use User Setup."""
        return SignInResult(
            Reason.SIGNED_IN,
            company=company,
            user_pk=user.id,
            user_id=user.user_id,
            display_name=f"{user.last_name}, {user.first_name}",
            roles=held.roles,
            rights=held.rights,
        )

    def _wrong_password(
        self,
        company: CompanyInfo,
        user: User,
        policy: PasswordPolicy,
        now: datetime,
        ip: str | None,
    ) -> SignInResult:
        if is_locked(user, now):  # "invalid", not "locked": only the right password learns that
            self.record_event(
                company.id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip, "locked"
            )
            return SignInResult(Reason.INVALID, detail="wrong password on a locked account")
        self.count_failure(company.id, user, policy, now, ip, "wrong password")
        return SignInResult(Reason.INVALID, detail="wrong password")

    def count_failure(
        self,
        company_id: int,
        user: User,
        policy: PasswordPolicy,
        now: datetime,
        ip: str | None,
        detail: str,
        action: Action = Action.SIGNIN_FAILED,
    ) -> bool:
        """Count one failed attempt and lock at the limit; True if this attempt locked it.

        Failures are forgotten ``failure_reset_hours`` after the last one. Every
        ``lockout_after`` failures in a row lock the account, for a wait that grows with each
        lock (PasswordPolicy.lockout_wait), until an unlock after the policy's number of them.
        """
        # Each statement is atomic in the database: concurrent failures all count, and
        # whichever attempt finds the counter at the next multiple of the limit locks.
        forgotten = User.last_failed_at.is_(None) | (
            User.last_failed_at <= now - timedelta(hours=policy.failure_reset_hours)
        )
        self.session.execute(
            update(User)
            .where(User.id == user.id)
            .ordered_values(  # in this order: MariaDB's later values see the earlier ones
                (User.failed_logins, case((forgotten, 1), else_=User.failed_logins + 1)),
                (User.temporary_lockouts, case((forgotten, 0), else_=User.temporary_lockouts)),
                (User.last_failed_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        locked = self.session.execute(
            update(User)
            .where(
                User.id == user.id,
                User.login_locked.is_(False),
                User.locked_until.is_(None) | (User.locked_until <= now),
                User.failed_logins >= policy.lockout_after * (User.temporary_lockouts + 1),
            )
            .values(
                locked_at=now,
                temporary_lockouts=User.temporary_lockouts + 1,
                version=User.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        self.record_event(company_id, user.id, user.user_id, action, now, ip, detail)
        if not locked.rowcount:  # type: ignore[attr-defined]
            return False
        # This attempt locks (the row is this transaction's now): for how long.
        lockouts = self.session.scalar(select(User.temporary_lockouts).where(User.id == user.id))
        wait = policy.lockout_wait(lockouts or 1)
        self.session.execute(
            update(User)
            .where(User.id == user.id)
            .values(
                {"login_locked": True, "locked_until": None}
                if wait is None
                else {"locked_until": now + wait}
            )
            .execution_options(synchronize_session=False)
        )
        how = "until an administrator unlocks it" if wait is None else f"for {_minutes(wait)}"
        self.record_event(
            company_id, user.id, user.user_id, Action.USER_LOCKED, now, ip,
            f"{policy.lockout_after} failed sign-ins in a row: locked {how}",
        )  # fmt: skip
        return True

    def clear_failures(self, user: User, password: str | None) -> bool:
        """Clear the failure count (and upgrade an old hash) unless the account was locked
        meanwhile by attempts from another workstation; False if it was."""
        values: dict[str, Any] = {
            "failed_logins": 0,
            "temporary_lockouts": 0,
            "last_failed_at": None,
            "locked_until": None,
        }
        if password is not None and self.hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(self.hasher, password)  # older parameters
        cleared = self.session.execute(
            update(User)
            .where(
                User.id == user.id,
                User.login_locked.is_(False),
                User.locked_until.is_(None) | (User.locked_until <= self.clock()),
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(cleared.rowcount)  # type: ignore[attr-defined]

    def _rehash(self, user: User, password: str) -> None:
        """Upgrade a hash made with older parameters; the failure count is left as it is."""
        if self.hasher.check_needs_rehash(user.password_hash):
            self.session.execute(
                update(User)
                .where(User.id == user.id)
                .values(password_hash=hash_password(self.hasher, password))
                .execution_options(synchronize_session=False)
            )

    # The second factor

    def check_second_factor(
        self, user: User, token: str, policy: PasswordPolicy, ip: str | None
    ) -> Verdict:
        """Check a token by the user's method; a wrong or replayed one counts as a failure."""
        now = self.clock()
        method = user.two_factor_method
        token = typed_code(token)
        accepted, detail, message = False, "wrong token", TOKEN_REFUSED
        secret = readable_key(self.session, user) if method == TwoFactorMethod.APP else None
        if secret is not None and user.totp_secret is not None:
            step = matching_step(secret, token, now)
            if step is None:
                if not is_code_shaped(token):
                    message = NOT_A_TOKEN
                elif clock_offset_minutes(secret, token, now) is not None:
                    # For the administrator only: telling the person would confirm that a
                    # guess is the token of a coming moment.
                    detail = "token from a phone whose clock is off"
            elif claim_step(self.session, user.id, user.totp_secret, step):
                accepted = True
            else:  # used before, here or on another workstation: a replay, and said so
                self.record_event(
                    user.company_id, user.id, user.user_id, Action.TWO_FACTOR_REPLAYED, now, ip,
                    "an authenticator token used before",
                )  # fmt: skip
                detail, message = "token used before", TOKEN_USED
        elif method in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT):
            codes = OneTimeCodes(self.session, self.clock, self.hasher, CodePurpose.SIGN_IN)
            code = codes.check(user.id, token)
            accepted = (
                code is not None
                and code.destination == user.two_factor_destination
                and codes.use(code)
            )
            if not accepted:
                message = CODE_REFUSED
        if accepted:
            self.record_event(
                user.company_id, user.id, user.user_id, Action.TWO_FACTOR_SUCCEEDED, now, ip, method
            )
            return Verdict(True)
        locked = self.count_failure(
            user.company_id,
            user,
            policy,
            now,
            ip,
            f"{detail} ({method})",
            Action.TWO_FACTOR_FAILED,
        )
        return Verdict(False, detail, REFUSED if locked else message, locked)

    def still_allowed(self, user_pk: int, ip: str | None = None) -> tuple[User, PasswordPolicy]:
        """The user of a sign-in in progress, if still active, unlocked, unexpired and within
        their login hours; else refused (expiry and hours audited: see SignInRefused.commit)."""
        user = self.session.get(User, user_pk)
        if user is None:
            raise SignInRefused()
        self.session.refresh(user)  # another workstation may have locked it meanwhile
        if not user.active or is_locked(user, self.clock()):
            raise SignInRefused()
        company = self.session.get(Company, user.company_id)
        assert company is not None
        times, zone, now = user.login_times, ZoneInfo(company.time_zone), self.clock()
        for ended, detail, message in (
            (is_expired(times, zone, now), "account expired", REFUSED),
            (self._time_unchecked(times), CLOCK_UNREAD, TIME_UNCHECKED),
            # the window closed during the token step, the setup or the forced change
            (not within_hours(times, zone, now), "outside login hours", NOT_PERMITTED),
        ):
            if ended:
                self.record_event(
                    company.id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip, detail
                )
                raise SignInRefused(message, commit=True)
        return user, load_policy(self.session, user.company_id)

    def complete(self, user: User, ip: str | None, detail: str) -> Verdict:
        now = self.clock()
        if not self.clear_failures(user, None):
            self.record_event(
                user.company_id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip,
                "locked meanwhile",
            )  # fmt: skip
            return Verdict(False, "locked meanwhile", REFUSED, True)
        self.record_event(
            user.company_id, user.id, user.user_id, Action.SIGNIN_SUCCEEDED, now, ip, detail
        )
        return Verdict(True)

    def _spend_one_hash(self, password: str) -> None:
        verify_password(self.hasher, dummy_hash(self.hasher), password)

    def record_event(
        self,
        company_id: int,
        user_pk: int | None,
        user_id: str,
        action: Action,
        now: datetime,
        ip: str | None,
        detail: str,
    ) -> None:
        changes = [audit.said("workstation", self.workstation)]
        if ip:
            changes.append(audit.said("ip", ip))
            if self.ip_from_caller:
                changes.append(audit.said("ip_given_by", "the calling program"))
        changes.append(audit.said("reason", detail or action.value))
        audit.record(
            self.session,
            at=now,
            operator=f"{user_id} at {self.workstation}"[:100],
            company_id=company_id,
            user_pk=user_pk,
            action=action,
            changes=changes,
        )


@dataclass(frozen=True)
class Verdict:
    """The answer to a second factor: accepted, or why not (detail: audit; message: person)."""

    accepted: bool
    detail: str = ""
    message: str = ""
    locked: bool = False


def with_reason(result: SignInResult, reason: Reason, detail: str) -> SignInResult:
    """The result, refused (or let in) for ``reason``; ``detail`` goes to the audit trail."""
    return replace(result, reason=reason, detail=detail)
