"""Two-factor sign-in: the company's rules, authenticator codes, recovery codes, and the
2FA section's service.

Authenticator codes follow RFC 6238 as every phone app does (SHA-1, 6 digits, 30-second
steps); the current step and one either side are accepted, compared in constant time, and a
step once used is claimed by one conditional UPDATE so that it never works twice, even from
two workstations at the same moment. The sign-in side (asking for, sending and checking the
second factor) is in app.signin, which calls what is here.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import pyotp
from sqlalchemy import update
from sqlalchemy.orm import Session

from app import audit
from app.access import Actor, Right
from app.audit import Action, Change, Noted
from app.clock import Clock
from app.db.models import (
    TwoFactorMethod,
    TwoFactorPolicyRow,
    TwoFactorRecoveryCode,
    TwoFactorSetup,
    User,
)
from app.errors import NotFoundError, ValidationError
from app.outbound.codes import is_code_shaped, typed_code
from app.passwords.policy import READABLE
from app.practice.company import CompanyInfo
from app.practice.settings import save_settings
from app.users.service import UserRecord, record_of
from app.users.writer import UserWriter
from app.validation import FieldProblem, clean_email, clean_phone, display_phone

STEP_SECONDS = 30
ACCEPTED_STEPS = (-1, 0, 1)  # the current 30-second step and one either side
SKEW_STEPS = 10  # how far to look to tell a phone whose clock is off from a wrong code
TOKEN_MINUTES = 3  # an Email or Text token works this long
TOKEN_TRIES = 5
RESEND_SECONDS = 60  # "Send Token" at most once a minute
RECOVERY_CODE_COUNT = 10
TITLE_MAX = 64

METHOD_LABELS = {
    TwoFactorMethod.NONE: "None",
    TwoFactorMethod.EMAIL: "Email",
    TwoFactorMethod.TEXT: "Text",
    TwoFactorMethod.APP: "Two Factor Application",
}
SETUP_LABELS = {
    TwoFactorSetup.NOW: "Set up now",
    TwoFactorSetup.PROMPT: "Prompt the user to set up 2FA at next login",
    TwoFactorSetup.REQUIRE: "Require the user to set up 2FA at next login",
}
PROMPT_TITLES = {
    TwoFactorMethod.EMAIL: "Email Token",
    TwoFactorMethod.TEXT: "Text Token",
    TwoFactorMethod.APP: "Two Factor Application Token",
}
UNABLE_TO_SEND = "Unable to send the token at this time."
NOT_A_TOKEN = "A token is the 6 digits the authenticator app shows."
OPTED_OUT = (
    "Unable to send the token at this time: this phone number has turned off text messages "
    "from the practice (it replied STOP). Its owner must text START to the practice's number "
    "to turn them on again; no practice can override that."
)


# The company's rules


class CompanyDefault(enum.IntEnum):
    """Company Settings: what users without a method of their own get."""

    OFF = 0
    REQUIRED = 1  # every user sets up an authenticator at next login, with no way past it
    SUGGESTED = 2  # users are prompted at next login and may skip


@dataclass(frozen=True)
class TwoFactorPolicy:
    default_for_users: int = CompanyDefault.OFF
    # LAN subnets (CIDR) from which in-office sign-ins skip the second factor.
    excluded_networks: tuple[str, ...] = ()

    def checked(self) -> TwoFactorPolicy:
        """These rules with the subnets written canonically; ValidationError if any is bad."""
        errors: dict[str, str] = {}
        if self.default_for_users not in {d.value for d in CompanyDefault}:
            errors["default_for_users"] = "Choose 0 (off), 1 (required) or 2 (suggested)."
        networks: list[str] = []
        for text in self.excluded_networks:
            text = text.strip()
            if not text:
                continue
            try:
                network = ipaddress.ip_network(text, strict=True)
            except ValueError:
                try:
                    meant = ipaddress.ip_network(text, strict=False)
                except ValueError:
                    errors["excluded_networks"] = (
                        f"{text!r} is not a subnet; write it as an address and a prefix "
                        "length, e.g. 192.168.1.0/24."
                    )
                    break
                errors["excluded_networks"] = f"{text!r} has host bits set; did you mean {meant}?"
                break
            if (network.num_addresses > 2**24 and network.version == 4) or network.prefixlen == 0:
                errors["excluded_networks"] = (
                    f"{network} would let half the internet skip the token; list only the "
                    "office's own subnets."
                )
                break
            if str(network) not in networks:
                networks.append(str(network))
        if errors:
            raise ValidationError(errors)
        return replace(self, excluded_networks=tuple(networks))

    def excludes(self, ip: str | None) -> bool:
        """Does a sign-in from this address skip the second factor?"""
        if not ip or not self.excluded_networks:
            return False
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # ::ffff:192.168.1.5 is 192.168.1.5
        return any(address in ipaddress.ip_network(n) for n in self.excluded_networks)


def load_two_factor_policy(session: Session, company_id: int) -> tuple[TwoFactorPolicy, int]:
    """The company's 2FA rules and their version (0: none stored, 2FA off)."""
    row = session.get(TwoFactorPolicyRow, company_id)
    if row is None:
        return TwoFactorPolicy(), 0
    return TwoFactorPolicy(row.default_for_users, tuple(row.excluded_networks)), row.version


def save_two_factor_policy(
    session: Session,
    company_id: int,
    policy: TwoFactorPolicy,
    *,
    actor: Actor,
    clock: Clock,
    expected_version: int,
) -> int:
    """Store the company's 2FA rules, audited; the version now stored. ConflictError if they
    were changed after ``expected_version`` was read."""
    actor.require(Right.COMPANY_SETTINGS)
    policy = policy.checked()
    return save_settings(
        session,
        TwoFactorPolicyRow,
        company_id,
        {
            "default_for_users": int(policy.default_for_users),
            "excluded_networks": list(policy.excluded_networks),
        },
        actor=actor,
        clock=clock,
        expected_version=expected_version,
        action=Action.TWO_FACTOR_POLICY_CHANGED,
        what="The two-factor settings",
        defaults={"default_for_users": int(CompanyDefault.OFF), "excluded_networks": []},
    )


# What a sign-in needs


class Need(enum.StrEnum):
    """What a sign-in with the right password still needs."""

    NONE = "none"
    TOKEN = "token"  # a code from the app, or one sent by mail or text
    SETUP_REQUIRED = "setup required"  # set up an authenticator before getting in
    SETUP_SUGGESTED = "setup suggested"  # offered; the user may skip


def need_of(user: User, policy: TwoFactorPolicy, ip: str | None) -> Need:
    """The second factor this user needs for a sign-in from ``ip``."""
    # An EPCS role that needs 2FA whatever the address comes with the Roles section.
    if policy.excludes(ip):
        return Need.NONE
    method = user.two_factor_method
    if method in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT):
        return Need.TOKEN
    if method == TwoFactorMethod.APP:
        if user.totp_secret:
            return Need.TOKEN
        if (
            user.two_factor_setup == TwoFactorSetup.PROMPT
            and policy.default_for_users != CompanyDefault.REQUIRED
        ):
            return Need.SETUP_SUGGESTED
        return Need.SETUP_REQUIRED  # "require", or a desk setup that was never finished
    if policy.default_for_users == CompanyDefault.REQUIRED:
        return Need.SETUP_REQUIRED
    if policy.default_for_users == CompanyDefault.SUGGESTED:
        return Need.SETUP_SUGGESTED
    return Need.NONE


# Authenticator codes


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


def claim_step(session: Session, user_pk: int, secret: str, step: int) -> bool:
    """Record ``step`` as used; False when it (or a later one) was used already: a replay."""
    result = session.execute(
        update(User)
        .where(
            User.id == user_pk,
            User.totp_secret == secret,
            (User.totp_last_step.is_(None)) | (User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Recovery codes


def _normalized_code(text: str) -> str:
    return "".join(c for c in text.lower() if c.isascii() and c.isalnum())


def hash_recovery_code(text: str) -> str:
    return hashlib.sha256(_normalized_code(text).encode()).hexdigest()


def new_recovery_code() -> str:
    """12 readable characters in groups of four (about 59 bits), e.g. "kx7m-rt4p-9wqz"."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(4)) for _ in range(3))


def replace_recovery_codes(session: Session, user_pk: int, now: datetime) -> list[str]:
    """Ten new codes; every earlier unused one stops working. Returned once, never stored."""
    void_recovery_codes(session, user_pk, now)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(
        TwoFactorRecoveryCode(user_pk=user_pk, code_hash=hash_recovery_code(c), created_at=now)
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
    result = session.execute(
        update(TwoFactorRecoveryCode)
        .where(
            TwoFactorRecoveryCode.user_pk == user_pk,
            TwoFactorRecoveryCode.code_hash == hash_recovery_code(text),
            TwoFactorRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    used = bool(result.rowcount)  # type: ignore[attr-defined]
    if used:
        _recount_codes(session, user_pk)
    return used


# The 2FA section


@dataclass(frozen=True)
class TwoFactorSummary:
    """A user's two-factor sign-in as stored (never the authenticator's key)."""

    method: str = TwoFactorMethod.NONE.value
    destination: str = ""  # where Email and Text tokens go
    setup: str = ""  # a TwoFactorSetup value, for the authenticator method
    title: str = ""  # Title for Authenticator
    has_authenticator: bool = False
    confirmed_at: datetime | None = None
    recovery_codes_left: int = 0
    authenticator_pending: bool = False  # a key from `2fa enroll` waits for `2fa confirm`


def summary_of(user: User) -> TwoFactorSummary:
    """The 2FA section as this row keeps it; read with the row, so no statement of its own."""
    return TwoFactorSummary(
        user.two_factor_method,
        user.two_factor_destination,
        user.two_factor_setup,
        user.authenticator_title,
        user.totp_secret is not None,
        user.two_factor_confirmed_at,
        user.recovery_codes_left,
        user.totp_pending_secret is not None,
    )


@dataclass(frozen=True)
class TwoFactorForm:
    """What the 2FA section edits."""

    method: str = TwoFactorMethod.NONE.value
    destination: str = ""  # the address (Email) or mobile number (Text) tokens go to
    setup: str = ""  # a TwoFactorSetup value, for the authenticator method
    title: str = ""  # Title for Authenticator: shown in the phone app; blank: company name


@dataclass(frozen=True)
class Enrolment:
    """A new authenticator key and what the phone needs to learn it."""

    secret: str
    uri: str
    title: str
    account: str

    @property
    def key(self) -> str:
        return grouped_key(self.secret)


@dataclass(frozen=True)
class Verified:
    """An authenticator key checked against a token from the phone, ready to be saved."""

    secret: str
    step: int
    title: str


def default_title(company: CompanyInfo) -> str:
    """Title for Authenticator when none is typed: the practice's name."""
    return company.name[:TITLE_MAX].replace(":", " ")


def clean_title(title: str, company: CompanyInfo) -> str:
    """The title as the phone app will show it; ValidationError ("title") if it cannot be."""
    title = " ".join(title.split()) or default_title(company)
    if len(title) > TITLE_MAX or ":" in title:
        raise ValidationError({"title": f"Use at most {TITLE_MAX} characters and no colon (:)."})
    return title


def new_enrolment(
    account: str, title: str, company: CompanyInfo, secret: str | None = None
) -> Enrolment:
    """A new key for ``account`` (or ``secret`` again), with its QR address; nothing stored."""
    title = clean_title(title, company)
    secret = secret or new_secret()
    return Enrolment(secret, provisioning_uri(secret, account, title), title, account)


def verify_new_key(enrolment: Enrolment, token: str, now: datetime) -> Verified:
    """Check the phone's first token against a new key; ValidationError if it is not right."""
    step = matching_step(enrolment.secret, typed_code(token), now)
    if step is None:
        raise ValidationError({"token": wrong_token_message(enrolment.secret, token, now)})
    return Verified(enrolment.secret, step, enrolment.title)


class TwoFactorService:
    """Users' two-factor settings in one session, for one actor."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock
        self.writer = UserWriter(session, company, actor)

    # Reading

    def default_title(self) -> str:
        return default_title(self.company)

    def enrolment(self, pk: int, title: str = "", secret: str | None = None) -> Enrolment:
        """A new key for this user (or ``secret`` again), with its QR address; nothing stored."""
        self.actor.require(Right.EDIT_TWO_FACTOR)
        return new_enrolment(self.writer.load(pk).user_id, title, self.company, secret)

    # Checking

    def clean_title(self, title: str) -> str:
        return clean_title(title, self.company)

    def check(self, form: TwoFactorForm) -> TwoFactorForm:
        """The form as it would be stored; ValidationError naming each bad field."""
        errors: dict[str, str] = {}
        try:
            method = TwoFactorMethod(form.method)
        except ValueError:
            raise ValidationError(
                {"method": "Choose None, Email, Text or Two Factor Application."}
            ) from None
        destination, setup, title = "", "", form.title.strip()
        try:
            if method is TwoFactorMethod.EMAIL:
                destination = clean_email(form.destination)
                if not destination:
                    errors["destination"] = "Enter the e-mail address the tokens go to."
            elif method is TwoFactorMethod.TEXT:
                destination, extension = clean_phone(form.destination, self.company.phone_region)
                if not destination:
                    errors["destination"] = "Enter the mobile number the tokens go to."
                elif extension:
                    errors["destination"] = "A mobile number has no extension."
        except FieldProblem as problem:
            errors["destination"] = str(problem)
        if method is TwoFactorMethod.APP:
            try:
                setup = TwoFactorSetup(form.setup or TwoFactorSetup.NOW).value
            except ValueError:
                errors["setup"] = "Choose how the user gets set up."
            if title:
                try:
                    title = self.clean_title(title)
                except ValidationError as exc:
                    errors.update(exc.errors)
        else:
            title = ""
        if errors:
            raise ValidationError(errors)
        return TwoFactorForm(method.value, destination, setup, title)

    def verify_new_key(self, enrolment: Enrolment, token: str) -> Verified:
        """Check the phone's first token against a new key; ValidationError if it is not right."""
        self.actor.require(Right.EDIT_TWO_FACTOR)
        return verify_new_key(enrolment, token, self.clock())

    # Writing

    def save(
        self,
        pk: int,
        form: TwoFactorForm,
        expected_version: int,
        verified: Verified | None = None,
    ) -> tuple[UserRecord, list[str]]:
        """Store the section; with ``verified``, the new authenticator too.

        Returns the saved user and, when an authenticator was just set up, its ten recovery
        codes, to be shown once.
        """
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load(pk, expected_version)
        clean = self.check(form)
        method = TwoFactorMethod(clean.method)
        if (
            method is TwoFactorMethod.APP
            and clean.setup == TwoFactorSetup.NOW
            and (verified is None and user.totp_secret is None)
        ):
            raise ValidationError(
                {"token": "Scan the code with the phone and verify a token, or choose to set "
                          "up at next login."}
            )  # fmt: skip
        now = self.clock()
        changes: list[Change | Noted] = []
        for field, value in (
            ("two_factor_method", clean.method),
            ("two_factor_destination", clean.destination),
            ("two_factor_setup", clean.setup),
            ("authenticator_title", clean.title),
        ):
            if getattr(user, field) != value:
                changes.append(Change(field, getattr(user, field), value))
                setattr(user, field, value)
        codes: list[str] = []
        if method is not TwoFactorMethod.APP and (
            user.totp_secret is not None
            or user.totp_pending_secret is not None
            or user.recovery_codes_left
        ):  # a key, one waiting for confirmation, or its recovery codes: all stop working
            if user.totp_secret is not None:
                changes.append(Noted("authenticator", "authenticator removed"))
            self._forget_authenticator(user, now)
        if verified is not None and method is TwoFactorMethod.APP:
            codes = self._store_authenticator(user, verified, now)
            user.authenticator_title = verified.title
        if not changes and not codes:
            return record_of(user), []
        self.writer.touch(user, now)
        self.writer.flush(user)
        if changes:
            self.writer.audit(user, Action.TWO_FACTOR_METHOD_CHANGED, changes, now)
        if codes:
            self._audit_confirmed(user, verified, now)
        return record_of(user), codes

    def _store_authenticator(self, user: User, verified: Verified, now: datetime) -> list[str]:
        user.totp_secret = verified.secret
        user.totp_pending_secret = None
        user.totp_last_step = verified.step  # the token that proved it is used up
        user.two_factor_confirmed_at = now
        user.two_factor_setup = TwoFactorSetup.NOW.value
        user.two_factor_method = TwoFactorMethod.APP.value
        user.two_factor_destination = ""  # tokens come from the app now, not by mail or text
        self.writer.flush(user)
        return replace_recovery_codes(self.session, user.id, now)

    def _forget_authenticator(self, user: User, now: datetime) -> None:
        """The key and its recovery codes stop working."""
        user.totp_secret = user.totp_pending_secret = None
        user.totp_last_step = None
        user.two_factor_confirmed_at = None
        void_recovery_codes(self.session, user.id, now)

    def _audit_confirmed(self, user: User, verified: Verified | None, now: datetime) -> None:
        title = verified.title if verified else user.authenticator_title
        self.writer.audit(
            user,
            Action.TWO_FACTOR_CONFIRMED,
            [
                Noted("authenticator", "authenticator set up"),
                Change("authenticator_title", None, title),
                Change("recovery_codes", None, RECOVERY_CODE_COUNT),
            ],
            now,
        )

    def enroll(self, pk: int, title: str = "") -> Enrolment:
        """A new key kept as pending until `confirm` (the command line's two steps)."""
        enrolment = self.enrolment(pk, title)
        user = self.writer.load(pk)
        user.totp_pending_secret = enrolment.secret
        user.authenticator_title = enrolment.title
        self.writer.save(
            user,
            Action.TWO_FACTOR_ENROLLED,
            [Noted("authenticator", "new key made, waiting for a token")],
            self.clock(),
        )
        return enrolment

    def confirm(self, pk: int, token: str) -> list[str]:
        """Check a token against the pending key; on success it becomes the user's."""
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load(pk)
        if user.totp_pending_secret is None:
            raise NotFoundError(f"{user.user_id} has no authenticator waiting: enroll first.")
        enrolment = self.enrolment(pk, user.authenticator_title, user.totp_pending_secret)
        verified = self.verify_new_key(enrolment, token)
        now = self.clock()
        codes = self._store_authenticator(user, verified, now)
        self.writer.touch(user, now)
        self.writer.flush(user)
        self._audit_confirmed(user, verified, now)
        return codes

    def reset(self, pk: int, setup: str = TwoFactorSetup.REQUIRE.value) -> UserRecord:
        """Throw the authenticator away; the user sets up a new one at next login.

        ``setup`` is "prompt" (may skip) or "require"; "now" is kept as "require" until the
        desk setup is verified, so an unfinished one never leaves the user without 2FA.
        """
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load(pk)
        stored = TwoFactorSetup.PROMPT if setup == TwoFactorSetup.PROMPT else TwoFactorSetup.REQUIRE
        now = self.clock()
        changes: list[Change | Noted] = [
            Noted("authenticator", "authenticator removed"),
            Change("two_factor_setup", user.two_factor_setup, stored.value),
            *audit.changed("two_factor_method", user.two_factor_method, TwoFactorMethod.APP.value),
        ]
        self._forget_authenticator(user, now)
        user.two_factor_method = TwoFactorMethod.APP.value
        user.two_factor_destination = ""  # tokens come from the app now, not by mail or text
        user.two_factor_setup = stored.value
        self.writer.save(user, Action.TWO_FACTOR_RESET, changes, now)
        return record_of(user)

    def new_recovery_codes(self, pk: int) -> list[str]:
        """A new set of ten; the earlier codes stop working. Shown once."""
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load(pk)
        if user.totp_secret is None and user.two_factor_method == TwoFactorMethod.NONE:
            raise ValidationError({"method": f"{user.user_id} has no two-factor sign-in."})
        now = self.clock()
        codes = replace_recovery_codes(self.session, pk, now)
        # A new version: a window that shows the old count reads the user again.
        self.writer.save(
            user,
            Action.TWO_FACTOR_RECOVERY_CODES_ISSUED,
            [Change("recovery_codes", None, RECOVERY_CODE_COUNT)],
            now,
        )
        return codes


def wrong_token_message(secret: str, token: str, now: datetime) -> str:
    """What a person is told about a token that is not right now, in plain words."""
    token = typed_code(token)
    if not is_code_shaped(token):
        return NOT_A_TOKEN
    minutes = clock_offset_minutes(secret, token, now)
    if minutes is not None:
        way = "ahead" if minutes > 0 else "behind"
        return (
            f"That token is from a phone whose clock is about {abs(minutes)} minute"
            f"{'s' if abs(minutes) != 1 else ''} {way}. Set the phone's time to automatic "
            "and enter the token it shows then."
        )
    return "That token is not right. Enter the 6 digits the app shows now."


def describe_destination(method: str, destination: str, region: str) -> str:
    """Where tokens go, as the section and the token prompt say it."""
    if method == TwoFactorMethod.TEXT:
        return display_phone(destination, region)
    return destination
