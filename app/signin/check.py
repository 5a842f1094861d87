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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app import audit
from app.access import Right, rights_of_role
from app.audit import Action, Noted
from app.clock import Clock
from app.db.database import Database
from app.db.models import CodePurpose, Company, TwoFactorMethod, TwoFactorSetup, User
from app.db.server import observed_address
from app.errors import NotFoundError, UserSetupError, ValidationError
from app.login_times.hours import NOT_PERMITTED, access_ends_at, is_expired, within_hours
from app.outbound.codes import OneTimeCodes, is_code_shaped, typed_code
from app.outbound.mail import SecretStore
from app.outbound.sms import SmsError
from app.passwords.credentials import Credentials, dummy_hash, verify_password
from app.passwords.hashing import hash_password, owasp_hasher
from app.passwords.policy import PasswordOwner, PasswordPolicy, load_policy
from app.practice.company import CompanyInfo
from app.two_factor.service import (
    NOT_A_TOKEN,
    OPTED_OUT,
    RESEND_SECONDS,
    TOKEN_MINUTES,
    TOKEN_TRIES,
    UNABLE_TO_SEND,
    Enrolment,
    Need,
    Senders,
    Verified,
    claim_step,
    clock_offset_minutes,
    load_two_factor_policy,
    matching_step,
    need_of,
    new_enrolment,
    replace_recovery_codes,
    use_recovery_code,
    verify_new_key,
)
from app.validation import user_id_key

# What a person is told for every refusal: which part was wrong, or that the account is
# locked or inactive, would help someone guessing.
REFUSED = "Invalid user ID, password or company"
PASSWORD_EXPIRED = "Your password has expired, please update password"
TOKEN_REFUSED = "That token is not right. Enter the 6 digits the app shows now."
TOKEN_USED = "That token was used already. Wait for the app to show the next one."
CODE_REFUSED = "That code is not right, or it has expired."
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


@dataclass(frozen=True)
class SignInResult:
    reason: Reason
    company: CompanyInfo | None = None
    user_pk: int | None = None
    user_id: str | None = None
    display_name: str | None = None
    setup_role: str | None = None
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
        company, user = find_account(self.session, company_code, user_id)
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
        if user.login_locked and self._lock_has_lapsed(user, policy.unlock_after_minutes, now):
            self._unlock(user, now, ip)
        if not verify_password(self.hasher, user.password_hash, password):
            return self._wrong_password(info, user, policy.lockout_after, now, ip)

        result = self._result(info, user)
        times, zone = user.login_times, ZoneInfo(company.time_zone)
        if not user.active:
            result = _with(result, Reason.INACTIVE, "inactive account")
        elif user.login_locked:
            result = _with(result, Reason.LOCKED, "account locked")
        elif is_expired(times, zone, now):
            result = _with(result, Reason.EXPIRED, "account expired")
        elif not within_hours(times, zone, now):
            result = _with(result, Reason.OUTSIDE_HOURS, "outside login hours")
        elif user.temporary_expires_at is not None and now >= user.temporary_expires_at:
            result = _with(result, Reason.INVALID, "temporary password expired")
        elif user.must_change_password:
            result = _with(result, Reason.PASSWORD_CHANGE_REQUIRED, "temporary password")
        elif policy.max_age_days and now >= user.password_changed_at + timedelta(
            days=policy.max_age_days
        ):
            result = _with(result, Reason.PASSWORD_CHANGE_REQUIRED, "password older than allowed")
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            result = replace(result, access_ends_at=access_ends_at(times, zone, now))
            tf_policy, _ = load_two_factor_policy(self.session, company.id)
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
                return _with(result, Reason.TWO_FACTOR_REQUIRED, need.value)
            if need is Need.TOKEN and token is not None:
                verdict = self.check_second_factor(user, token, policy.lockout_after, ip)
                if not verdict.accepted:
                    return SignInResult(Reason.INVALID, detail=verdict.detail)
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED) and not (
            self._succeeded(user, password)
        ):
            result = replace(result, reason=Reason.LOCKED, detail="locked meanwhile")
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            action = Action.SIGNIN_SUCCEEDED if result.allowed else Action.SIGNIN_CHANGE_REQUIRED
        else:
            action = Action.SIGNIN_FAILED
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
            rights=rights_of_role(user.setup_role),
        )

    def _wrong_password(
        self, company: CompanyInfo, user: User, lockout_after: int, now: datetime, ip: str | None
    ) -> SignInResult:
        if user.login_locked:  # "invalid", not "locked": only the right password learns that
            self.record_event(
                company.id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip, "locked"
            )
            return SignInResult(Reason.INVALID, detail="wrong password on a locked account")
        self._count_failure(company.id, user, lockout_after, now, ip, "wrong password")
        return SignInResult(Reason.INVALID, detail="wrong password")

    def _count_failure(
        self,
        company_id: int,
        user: User,
        lockout_after: int,
        now: datetime,
        ip: str | None,
        detail: str,
        action: Action = Action.SIGNIN_FAILED,
    ) -> bool:
        """Count one failed attempt and lock at the limit; True if this attempt locked it."""
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
        self.record_event(company_id, user.id, user.user_id, action, now, ip, detail)
        if locked.rowcount:  # type: ignore[attr-defined]
            self.record_event(
                company_id,
                user.id,
                user.user_id,
                Action.USER_LOCKED,
                now,
                ip,
                f"{lockout_after} failed sign-ins in a row",
            )
            return True
        return False

    def _succeeded(self, user: User, password: str | None) -> bool:
        """Clear the failure count (and upgrade an old hash) unless the account was locked
        meanwhile by attempts from another workstation; False if it was."""
        values: dict[str, Any] = {"failed_logins": 0}
        if password is not None and self.hasher.check_needs_rehash(user.password_hash):
            values["password_hash"] = hash_password(self.hasher, password)  # older parameters
        cleared = self.session.execute(
            update(User)
            .where(User.id == user.id, User.login_locked.is_(False))
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
            user.company_id, user.id, user.user_id, Action.USER_UNLOCKED, now, ip, "lock time over"
        )

    # The second factor

    def check_second_factor(
        self, user: User, token: str, lockout_after: int, ip: str | None
    ) -> Verdict:
        """Check a token by the user's method; a wrong or replayed one counts as a failure."""
        now = self.clock()
        method = user.two_factor_method
        token = typed_code(token)
        accepted, detail, message = False, "wrong token", TOKEN_REFUSED
        if method == TwoFactorMethod.APP and user.totp_secret is not None:
            step = matching_step(user.totp_secret, token, now)
            if step is None:
                if not is_code_shaped(token):
                    message = NOT_A_TOKEN
                elif clock_offset_minutes(user.totp_secret, token, now) is not None:
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
        locked = self._count_failure(
            user.company_id,
            user,
            lockout_after,
            now,
            ip,
            f"{detail} ({method})",
            Action.TWO_FACTOR_FAILED,
        )
        return Verdict(False, detail, REFUSED if locked else message, locked)

    def complete_second_factor(self, user_pk: int, token: str, ip: str | None = None) -> Verdict:
        """The token step of a sign-in whose password check() answered TWO_FACTOR_REQUIRED."""
        user, lockout_after = self._still_allowed(user_pk, ip)
        verdict = self.check_second_factor(user, token, lockout_after, ip)
        if verdict.accepted:
            return self._complete(user, ip, "signed in with a token")
        return verdict

    def complete_with_recovery_code(
        self, user_pk: int, code: str, ip: str | None = None
    ) -> Verdict:
        """The token step done with one of the user's recovery codes instead."""
        user, lockout_after = self._still_allowed(user_pk, ip)
        now = self.clock()
        if use_recovery_code(self.session, user.id, code, now):
            self.session.refresh(user, ["recovery_codes_left"])
            self.record_event(
                user.company_id, user.id, user.user_id, Action.TWO_FACTOR_RECOVERY_CODE_USED,
                now, ip, f"{user.recovery_codes_left} recovery codes left",
            )  # fmt: skip
            return self._complete(user, ip, "signed in with a recovery code")
        locked = self._count_failure(
            user.company_id,
            user,
            lockout_after,
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
        user, _ = self._still_allowed(user_pk, ip)
        if user.totp_secret is not None:  # set up at the desk meanwhile: not replaced from here
            raise SignInRefused()
        now = self.clock()
        if completes_sign_in and not self._succeeded(user, None):  # locked from elsewhere
            self.record_event(
                user.company_id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip,
                "locked meanwhile",
            )  # fmt: skip
            raise SignInRefused(commit=True)  # nothing stored but the event
        user.two_factor_method = TwoFactorMethod.APP.value
        user.two_factor_destination = ""
        user.totp_secret, user.totp_pending_secret = verified.secret, None
        user.totp_last_step = verified.step
        user.two_factor_confirmed_at = now
        user.two_factor_setup = TwoFactorSetup.NOW.value
        user.authenticator_title = verified.title
        user.updated_at, user.updated_by = now, f"{user.user_id} at {self.workstation}"[:100]
        self.session.flush()
        codes = replace_recovery_codes(self.session, user.id, now)
        self.record_event(
            user.company_id, user.id, user.user_id, Action.TWO_FACTOR_CONFIRMED, now, ip,
            "authenticator set up at sign-in",
        )  # fmt: skip
        if completes_sign_in and not self._complete(user, ip, "signed in after 2FA setup").accepted:
            raise SignInRefused()
        return codes

    def send_token(self, user_pk: int, senders: Senders, ip: str | None = None) -> TokenSent:
        """Send a sign-in token by the user's Email or Text method (at most once a minute)."""
        user, _ = self._still_allowed(user_pk, ip)
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
        message = (
            f"Your User Setup sign-in token is {code}. It works for {TOKEN_MINUTES} minutes. "
            "If you did not try to sign in, tell your practice administrator."
        )
        outcome, shown = "token sent", ""
        try:
            if method == TwoFactorMethod.EMAIL:
                if senders.mail is None:
                    raise UserSetupError("no mail server is set up in Company Settings")
                senders.mail.send(destination, "Your User Setup sign-in token", message)
            else:
                if senders.text is None:
                    raise UserSetupError("no text gateway is set up in Company Settings")
                senders.text.send(destination, message)
        except SmsError as exc:
            outcome = f"token not sent: {exc.reason}"
            shown = OPTED_OUT if exc.opted_out else UNABLE_TO_SEND
        except UserSetupError as exc:
            outcome, shown = f"token not sent: {exc}", UNABLE_TO_SEND
        if shown:  # never delivered: it must not hold back the next Send Token
            unsent = codes.current(user.id)
            if unsent is not None:
                codes.use(unsent)
        self.record_event(
            user.company_id, user.id, user.user_id, Action.TWO_FACTOR_TOKEN_SENT, now, ip,
            f"{outcome} ({method})",
        )  # fmt: skip
        return TokenSent(
            not shown,
            shown or f"A token was sent to {_masked(method, destination)}.",
            now + timedelta(minutes=TOKEN_MINUTES),
            now + timedelta(seconds=RESEND_SECONDS),
            outcome,
        )

    def _still_allowed(self, user_pk: int, ip: str | None = None) -> tuple[User, int]:
        """The user of a sign-in in progress, if still active, unlocked, unexpired and within
        their login hours; else refused (expiry and hours audited: see SignInRefused.commit)."""
        user = self.session.get(User, user_pk)
        if user is None:
            raise SignInRefused()
        self.session.refresh(user)  # another workstation may have locked it meanwhile
        if not user.active or user.login_locked:
            raise SignInRefused()
        company = self.session.get(Company, user.company_id)
        assert company is not None
        times, zone, now = user.login_times, ZoneInfo(company.time_zone), self.clock()
        for ended, detail, message in (
            (is_expired(times, zone, now), "account expired", REFUSED),
            # the window closed during the token step, the setup or the forced change
            (not within_hours(times, zone, now), "outside login hours", NOT_PERMITTED),
        ):
            if ended:
                self.record_event(
                    company.id, user.id, user.user_id, Action.SIGNIN_FAILED, now, ip, detail
                )
                raise SignInRefused(message, commit=True)
        return user, load_policy(self.session, user.company_id).lockout_after

    def _complete(self, user: User, ip: str | None, detail: str) -> Verdict:
        now = self.clock()
        if not self._succeeded(user, None):
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


def _with(result: SignInResult, reason: Reason, detail: str) -> SignInResult:
    return replace(result, reason=reason, detail=detail)


class Step(enum.StrEnum):
    CREDENTIALS = "credentials"
    TOKEN = "token"  # the second factor: an authenticator token, or a code sent to the user
    SETUP = "set up authenticator"  # at next login: title, QR code, then a token
    CHANGE_PASSWORD = "change password"
    SIGNED_IN = "signed in"


class SignInRefused(UserSetupError):
    """The sign-in was refused; the message says no more than REFUSED, or (after the right
    password) that this is not a time the user may sign in.

    ``commit``: the refusal was audited in the step's transaction, which must commit for the
    event to stay; otherwise the step's transaction is rolled back.
    """

    def __init__(self, message: str = REFUSED, *, commit: bool = False) -> None:
        super().__init__(message)
        self.commit = commit


class TokenRefused(UserSetupError):
    """The token or code was not right; the message says what to do, for the person."""


# What a person who typed the right password is told when their account is closed to them.
ACCOUNT_CLOSED = {Reason.OUTSIDE_HOURS: NOT_PERMITTED, Reason.EXPIRED: ACCOUNT_EXPIRED}
USABLE = (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED, Reason.TWO_FACTOR_REQUIRED)


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

    def _service(self, session: Session) -> SignInService:
        return SignInService(session, self.clock, self.workstation, self.hasher)

    @contextmanager
    def _step_transaction(self) -> Iterator[Session]:
        """A step after the password, in one transaction. A refusal audited in it (the account
        expired or out of its hours meanwhile) commits with its event; any refusal sends the
        flow back to the password."""
        try:
            audited: SignInRefused | None = None
            with self.database.transaction() as session:
                try:
                    yield session
                except SignInRefused as exc:
                    if not exc.commit:
                        raise  # rolled back
                    audited = exc  # committed with its event, then raised
            if audited is not None:
                raise audited
        except SignInRefused:
            self.step, self.result, self.enrolment = Step.CREDENTIALS, None, None
            raise

    def submit_password(self, company_code: str, user_id: str, password: str) -> Step:
        if self.step is not Step.CREDENTIALS:
            raise RuntimeError(f"the password was already accepted (step: {self.step})")
        with self.database.transaction() as session:
            service = self._service(session)
            if self.ip is None:  # asked of the server: not something this computer can choose
                self.ip = observed_address(session)
            result = service.check(company_code, user_id, password, ip=self.ip)
            usable = result.reason in USABLE
            if usable and Right.VIEW_USERS not in result.rights:
                assert result.company is not None and result.user_pk is not None
                service.record_event(
                    result.company.id,
                    result.user_pk,
                    result.user_id or user_id,
                    Action.SIGNIN_FAILED,
                    self.clock(),
                    self.ip,
                    "no right to use User Setup",
                )
                usable = False
        if not usable:
            # Outside the hours the right password is told so, but only to someone who may use
            # User Setup: to anyone else it would confirm a guessed password.
            in_hours = result.reason is not Reason.OUTSIDE_HOURS
            if in_hours or Right.VIEW_USERS not in result.rights:
                raise SignInRefused()
            raise SignInRefused(NOT_PERMITTED)
        self.result = result
        if result.two_factor is Need.TOKEN:
            self.step = Step.TOKEN
        elif result.two_factor in (Need.SETUP_REQUIRED, Need.SETUP_SUGGESTED):
            self.may_skip_setup = result.two_factor is Need.SETUP_SUGGESTED
            self.step = Step.SETUP
        else:
            self._after_second_factor()
        return self.step

    def _after_second_factor(self) -> None:
        assert self.result is not None
        self.step = Step.CHANGE_PASSWORD if self.result.change_due else Step.SIGNED_IN
        if self.result.reason is Reason.TWO_FACTOR_REQUIRED:  # the result says so too now
            due = self.result.change_due
            reason = Reason.PASSWORD_CHANGE_REQUIRED if due else Reason.SIGNED_IN
            self.result = _with(self.result, reason, "")

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
        with self._step_transaction() as session:
            company = self.result.company if self.result else None
            assert company is not None
            store = self.store if self.store is not None else _keyring()
            senders = Senders.load(session, company, store)
            return self._service(session).send_token(user_pk, senders, self.ip)

    def submit_token(self, token: str) -> Step:
        """The token: right, and the sign-in goes on; wrong, TokenRefused (it counts)."""
        user_pk = self._user_pk(Step.TOKEN)
        with self._step_transaction() as session:
            verdict = self._service(session).complete_second_factor(user_pk, token, self.ip)
        return self._after(verdict)

    def submit_recovery_code(self, code: str) -> Step:
        """A recovery code in place of the token (a lost or new phone)."""
        user_pk = self._user_pk(Step.TOKEN)
        with self._step_transaction() as session:
            verdict = self._service(session).complete_with_recovery_code(user_pk, code, self.ip)
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
        with self._step_transaction() as session:
            user, _ = self._service(session)._still_allowed(user_pk, self.ip)
            secret = self.enrolment.secret if self.enrolment is not None else None
            self.enrolment = new_enrolment(user.user_id, title, self.result.company, secret)
        return self.enrolment

    def submit_setup_token(self, token: str) -> Step:
        """The phone's first token: right, and the authenticator is the user's from now on."""
        user_pk = self._user_pk(Step.SETUP)
        if self.enrolment is None:
            raise RuntimeError("begin_setup first")
        assert self.result is not None and self.result.company is not None
        with self._step_transaction() as session:
            try:
                verified = verify_new_key(self.enrolment, token, self.clock())
            except ValidationError as exc:
                raise TokenRefused(exc.errors["token"]) from None
            self.recovery_codes = self._service(session).complete_setup(
                user_pk,
                verified,
                self.ip,
                completes_sign_in=self.result.reason is Reason.TWO_FACTOR_REQUIRED,
            )
        self.enrolment = None
        self._after_second_factor()
        return self.step

    def skip_setup(self) -> Step:
        """Not now: only when the setup is suggested, not required."""
        user_pk = self._user_pk(Step.SETUP)  # at the setup step, or a RuntimeError
        if not self.may_skip_setup:
            raise RuntimeError("this setup is required")
        with self._step_transaction() as session:  # still within the hours, not expired
            self._service(session)._still_allowed(user_pk, self.ip)
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
        with self._step_transaction() as session:  # still within the hours, not expired
            self._service(session)._still_allowed(result.user_pk, self.ip)
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


def _keyring() -> SecretStore:
    import keyring

    return keyring


def own_password_rules(
    session: Session, company: CompanyInfo, user_id: str
) -> tuple[int, PasswordPolicy, PasswordOwner]:
    """For a user about to choose their own password: their row id, the company's policy and
    whose password it is (for the strength meter and the rule hints). NotFoundError if gone."""
    _, user = find_account(session, company.code, user_id)
    if user is None or user.company_id != company.id:
        raise NotFoundError("This user no longer exists.")
    credentials = Credentials(session, company, owasp_hasher())
    owner = credentials.owner(user.user_id, user.first_name, user.last_name)
    return user.id, credentials.policy, owner


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
    refused = ""
    with database.transaction() as session:
        user = session.get(User, user_pk)
        if user is None:
            raise NotFoundError("This user no longer exists.")
        if current_password is not None:
            # A wrong current password counts toward the lockout, as a wrong sign-in does:
            # otherwise an unattended, signed-in window would let anyone guess without limit.
            checked = SignInService(session, clock, workstation, hasher).check(
                company.code, user.user_id, current_password, second_factor_done=True
            )
            if checked.user_pk != user_pk or checked.reason not in (
                Reason.SIGNED_IN,
                Reason.PASSWORD_CHANGE_REQUIRED,
            ):
                refused = CURRENT_PASSWORD_WRONG
            if checked.user_pk == user_pk and checked.reason in ACCOUNT_CLOSED:
                refused = ACCOUNT_CLOSED[checked.reason]  # the password was right: say why
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
                action=Action.PASSWORD_CHANGED,
                changes=[
                    Noted("password", audit.PASSWORD_CHANGED),
                    audit.said("workstation", workstation),
                ],
            )
    if refused:  # raised after the commit, so the failure stays counted
        raise ValidationError({"current_password": refused})
