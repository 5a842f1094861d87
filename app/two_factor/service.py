"""The 2FA section's service: a user's method, setting up an authenticator at the desk or
from the command line, resetting it, and new recovery codes.

The company's rules are in app.two_factor.policy, the codes themselves in
app.two_factor.authenticator; the sign-in side (asking for, sending and checking the second
factor) is in app.signin, which calls what is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app import audit
from app.access import Actor, Right
from app.audit import Action, Change, Noted
from app.clock import Clock
from app.db.models import (
    TwoFactorMethod,
    TwoFactorSetup,
    User,
)
from app.epcs.revocation import OWN_AUTHENTICATOR_REPLACED, TWO_FACTOR_RESET, take_away
from app.errors import NotAllowedError, NotFoundError, ValidationError
from app.outbound.codes import is_code_shaped, typed_code
from app.practice.company import CompanyInfo
from app.two_factor.authenticator import (
    RECOVERY_CODE_COUNT,
    clock_offset_minutes,
    grouped_key,
    matching_step,
    new_secret,
    provisioning_uri,
    readable_key,
    replace_recovery_codes,
    sealed_key,
    void_recovery_codes,
)
from app.users.records import UserRecord, record_of
from app.users.writer import UserWriter
from app.validation import FieldProblem, clean_email, clean_phone, display_phone, one_line

TOKEN_MINUTES = 3  # an Email or Text token works this long
TOKEN_TRIES = 5
RESEND_SECONDS = 60  # "Send Token" at most once a minute
TITLE_MAX = 64
TITLE_LABEL = "Title for Authenticator"

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


# What a sign-in needs


# Authenticator codes


# Recovery codes


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
    try:
        title = " ".join(one_line(title, TITLE_LABEL).split()) or default_title(company)
    except FieldProblem as problem:
        raise ValidationError({"title": str(problem)}) from problem
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
        return new_enrolment(self.writer.load_for_edit(pk).user_id, title, self.company, secret)

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
        destination, setup, title = "", "", ""
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
            try:  # a blank title stays blank: the company's name is taken as the key is made
                one_line(form.title, TITLE_LABEL)  # a title of only a line break is no blank
                title = self.clean_title(form.title) if form.title.strip() else ""
            except FieldProblem as problem:
                errors["title"] = str(problem)
            except ValidationError as exc:
                errors.update(exc.errors)
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
        user = self.writer.load_for_edit(pk, expected_version)
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
        if user.totp_secret is not None and (
            method is not TwoFactorMethod.APP or verified is not None
        ):  # the authenticator the user has goes: a reset by another name
            self.actor.require_fresh_password(self.clock())
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
        if user.totp_secret is not None:  # a new key in place of one: EPCS was approved for
            take_away(  # the old device, so it ends as at a reset (app.epcs)
                self.session, self.company, self.actor, user, TWO_FACTOR_RESET, now,
                write_row=False,
            )  # fmt: skip
        user.totp_secret = sealed_key(self.session, user.id, verified.secret, now)
        user.totp_pending_secret = None
        user.totp_last_step = verified.step  # the token that proved it is used up
        user.two_factor_confirmed_at = now
        user.two_factor_setup = TwoFactorSetup.NOW.value
        user.two_factor_method = TwoFactorMethod.APP.value
        user.two_factor_destination = ""  # tokens come from the app now, not by mail or text
        self.writer.flush(user)
        return replace_recovery_codes(self.session, user.id, now)

    def _forget_authenticator(self, user: User, now: datetime) -> None:
        """The key and its recovery codes stop working, and with them any EPCS permission
        (which needs the authenticator: app.epcs); the caller writes the row."""
        take_away(
            self.session, self.company, self.actor, user, TWO_FACTOR_RESET, now, write_row=False
        )
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
        user = self.writer.load_for_edit(pk)
        user.totp_pending_secret = sealed_key(self.session, pk, enrolment.secret, self.clock())
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
        user = self.writer.load_for_edit(pk)
        pending = readable_key(self.session, user, pending=True)
        if pending is None:
            raise NotFoundError(f"{user.user_id} has no authenticator waiting: enroll first.")
        enrolment = self.enrolment(pk, user.authenticator_title, pending)
        verified = self.verify_new_key(enrolment, token)
        if user.totp_secret is not None:  # the new key takes the place of the user's one
            self.actor.require_fresh_password(self.clock())
        now = self.clock()
        codes = self._store_authenticator(user, verified, now)
        self.writer.touch(user, now)
        self.writer.flush(user)
        self._audit_confirmed(user, verified, now)
        return codes

    def reset(self, pk: int, setup: str = TwoFactorSetup.REQUIRE.value) -> UserRecord:
        """Throw the authenticator away; the user sets up a new one at next login. Asks for
        the operator's password again when entered more than FRESH_PASSWORD ago
        (PasswordAgainError), as removing or replacing an authenticator in ``save`` does.

        ``setup`` is "prompt" (may skip) or "require"; "now" is kept as "require" until the
        desk setup is verified, so an unfinished one never leaves the user without 2FA.
        """
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load_for_edit(pk)
        # A window left signed in must not let a passer-by put their own phone on an account.
        self.actor.require_fresh_password(self.clock())
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

    # Setting up one's own authenticator again (the My Account screen: a new phone)

    def _own_account(self) -> User:
        """The actor's own row, when they hold "User Two Factor Authentication" now and
        entered their password within FRESH_PASSWORD: a screen left signed in must not let a
        passer-by put their own phone on the account (PasswordAgainError)."""
        self.actor.require(Right.OWN_TWO_FACTOR)
        if self.actor.user_pk is None:
            raise NotAllowedError("Only a signed-in user sets up their own authenticator.")
        self.actor.require_fresh_password(self.clock())
        return self.writer.load(self.actor.user_pk)

    def own_enrolment(self, title: str = "", secret: str | None = None) -> Enrolment:
        """A new key for the actor's own new phone (or ``secret`` again, retitled); nothing
        is stored: the authenticator they have keeps working until the new one is verified."""
        user = self._own_account()
        return new_enrolment(user.user_id, title, self.company, secret)

    def replace_own_authenticator(self, enrolment: Enrolment, token: str) -> list[str]:
        """The new phone's first token verifies its key, which then takes the place of the
        actor's authenticator, in one transaction; a wrong token (ValidationError beside
        "token") changes nothing. Returns the ten new recovery codes (the old ones stop
        working with the old key), to be shown once.

        EPCS permission ends with the old key, as with a reset: the new key was bound by the
        user alone, not by the practice that checked the old one (21 CFR 1311.125), so
        prescribing again takes a new grant by two people."""
        user = self._own_account()
        if enrolment.account != user.user_id:
            raise NotAllowedError("This key was made for another user.")
        verified = verify_new_key(enrolment, token, self.clock())
        now = self.clock()
        had_key = user.totp_secret is not None
        before_title = user.authenticator_title
        if had_key or user.epcs_allowed:
            take_away(
                self.session, self.company, self.actor, user, OWN_AUTHENTICATOR_REPLACED, now,
                write_row=False,
            )  # fmt: skip
        before_method = user.two_factor_method
        codes = self._store_authenticator(user, verified, now)
        user.authenticator_title = verified.title
        self.writer.touch(user, now)
        self.writer.flush(user)
        self.writer.audit(
            user,
            Action.OWN_AUTHENTICATOR_REPLACED,
            [
                Noted(
                    "authenticator",
                    "authenticator replaced by the user" if had_key else "authenticator set up",
                ),
                *audit.changed("two_factor_method", before_method, TwoFactorMethod.APP.value),
                *audit.changed("authenticator_title", before_title, verified.title),
                Change("recovery_codes", None, RECOVERY_CODE_COUNT),
                audit.said("workstation", self.actor.workstation),
            ],
            now,
        )
        return codes

    def new_recovery_codes(self, pk: int) -> list[str]:
        """A new set of ten; the earlier codes stop working. Shown once."""
        self.actor.require(Right.EDIT_TWO_FACTOR)
        user = self.writer.load_for_edit(pk)
        if user.totp_secret is None and user.two_factor_method == TwoFactorMethod.NONE:
            raise ValidationError({"method": f"{user.user_id} has no two-factor sign-in."})
        # Codes that sign in as the user: as much a way in as a new authenticator.
        self.actor.require_fresh_password(self.clock())
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
