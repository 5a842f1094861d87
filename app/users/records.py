"""A user as the window and the command line hold them: the User section's fields as typed
or stored, the record read back, the list's row, and the checks of the fields."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.db.models import DefaultScreen, User, UserType
from app.epcs.dea import Registration
from app.errors import ValidationError
from app.login_times.hours import has_expired, today_in
from app.practice.company import CompanyInfo
from app.users.fields import FIELDS_BY_NAME, PASSWORD_FIELDS, USER_FIELDS, Copy
from app.validation import (
    FieldProblem,
    clean_email,
    clean_extension,
    clean_middle_initial,
    clean_phone,
    clean_text,
    clean_user_id,
)

GENERATED_ONLY = (
    "This practice gives only generated temporary passwords: leave this blank, save, "
    "then use Reset Password... (Ctrl+R)."
)


PASSWORD_MAX = PASSWORD_FIELDS[0].max_length


# The columns of the user list: id, User ID, last, first, active, locked, expired, when a
# temporary lock ends (None: not locked, or locked until an unlock), and whether the user may
# prescribe controlled substances now (EPCS, with a current DEA registration).
UserRow = tuple[int, str, str, str, bool, bool, bool, datetime | None, bool]


@dataclass
class UserFields:
    """The User section's fields: as typed into the form, or as stored (phones in E.164)."""

    user_id: str = ""
    first_name: str = ""
    middle_initial: str = ""
    last_name: str = ""
    title: str = ""
    home_phone: str = ""
    home_ext: str = ""
    work_phone: str = ""
    work_ext: str = ""
    other_phone: str = ""
    other_ext: str = ""
    email: str = ""
    direct_email: str = ""
    email_notify: str = ""
    send_email_confirmations: bool = False
    default_screen: str = DefaultScreen.DASHBOARD.value
    provider_id: int | None = None
    service_location_id: int | None = None
    department_id: int | None = None  # app.db.models.Department: where they work
    user_type: str = UserType.STAFF.value
    outage_email: str = ""
    outage_mobile: str = ""
    active: bool = True
    webservice_only: bool = False
    login_locked: bool = False
    # A password an administrator sets is temporary unless they say otherwise.
    must_change_password: bool = True
    # Form-only: blank means "leave the password as it is".
    new_password: str = dataclasses.field(default="", repr=False)
    retype_password: str = dataclasses.field(default="", repr=False)

    def for_copy(self) -> UserFields:
        """A new user's fields taken from this one: settings kept, identity and secrets not."""
        blank = UserFields()
        values = {
            field.name: getattr(self if field.copy is Copy.COPIED else blank, field.name)
            for field in USER_FIELDS
        }
        return UserFields(**values)


@dataclass(frozen=True)
class UserRecord:
    """A user as read from the database, with the version its save must match."""

    pk: int
    version: int
    fields: UserFields
    updated_by: str
    updated_at: datetime
    created_at: datetime
    # Holds a right over others' access (User Setup, Security, EPCS): only someone who may edit
    # roles resets or unlocks them (the window mirrors Actor.may_manage with it).
    administrative: bool = False
    direct_email_verified: bool = False
    expires_on: date | None = None  # the last day the account works (Login Times)
    locked_until: datetime | None = None  # when a lock for a while ends (or ended)
    # EPCS as stored (app.epcs): reported allowed only while the registration is current.
    epcs_allowed: bool = False
    # The linked provider's DEA registration and state licence; None: no provider linked.
    registration: Registration | None = None

    def epcs_now(self, today: date) -> bool:
        """May prescribe controlled substances today: approved, and the DEA registration
        current (a lapsed one is never reported allowed, swept or not)."""
        return (
            self.epcs_allowed and self.registration is not None and self.registration.current(today)
        )

    @property
    def list_name(self) -> str:
        return f"{self.fields.last_name}, {self.fields.first_name}"

    @property
    def heading(self) -> str:
        """How the editor titles this user: "Fox, Kimberly (kimberly)"."""
        return f"{self.list_name} ({self.fields.user_id})"


def record_of(user: User) -> UserRecord:
    """The user as the window and the command line show them."""
    values = {field.name: getattr(user, field.name) for field in USER_FIELDS}
    return UserRecord(
        pk=user.id,
        version=user.version,
        fields=UserFields(**values),
        updated_by=user.updated_by,
        updated_at=user.updated_at,
        created_at=user.created_at,
        administrative=user.holds_administrative_right,
        direct_email_verified=user.direct_email_verified_at is not None and bool(user.direct_email),
        expires_on=user.account_expires_on,
        locked_until=user.locked_until,
        epcs_allowed=user.epcs_allowed,
        registration=registration_of(user),
    )


def registration_of(user: User) -> Registration | None:
    """The linked provider's registration, read with the user's row; None: no provider."""
    if user.provider_id is None:
        return None
    return Registration(
        user.provider_dea_number or "",
        user.provider_dea_expires_on,
        user.provider_state_license or "",
    )


def list_row(record: UserRecord, zone: ZoneInfo, now: datetime) -> UserRow:
    """The user list's row for a user just read or saved (as list_rows gives it)."""
    f = record.fields
    expired = has_expired(record.expires_on, zone, now)
    until = record.locked_until
    until = until if until is not None and until > now and not f.login_locked else None
    locked = f.login_locked or until is not None
    epcs = record.epcs_now(today_in(zone, now))
    return (
        record.pk, f.user_id, f.last_name, f.first_name, f.active, locked, expired, until, epcs
    )  # fmt: skip


def clean_fields(
    form: UserFields, company: CompanyInfo, *, is_new: bool, password_required: bool = True
) -> UserFields:
    """Every field of the form checked at once; raises ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    clean = UserFields()

    def take(name: str, check: Any, *args: Any) -> None:
        try:
            setattr(clean, name, check(getattr(form, name), *args))
        except FieldProblem as problem:
            errors[name] = str(problem)

    take("user_id", clean_user_id)
    for name in ("first_name", "last_name", "title"):
        spec = FIELDS_BY_NAME[name]
        take(name, clean_text, spec.label, spec.max_length, spec.required)
    take("middle_initial", clean_middle_initial)
    for name in ("email", "direct_email", "email_notify", "outage_email"):
        take(name, clean_email, FIELDS_BY_NAME[name].label)
    for name in ("home_ext", "work_ext", "other_ext"):
        take(name, clean_extension, FIELDS_BY_NAME[name].label)
    for phone, ext in (
        ("home_phone", "home_ext"),
        ("work_phone", "work_ext"),
        ("other_phone", "other_ext"),
        ("outage_mobile", ""),
    ):
        try:
            number, typed_ext = clean_phone(
                getattr(form, phone), company.phone_region, FIELDS_BY_NAME[phone].label
            )
        except FieldProblem as problem:
            errors[phone] = str(problem)
            continue
        setattr(clean, phone, number)
        if typed_ext and not ext:
            errors[phone] = "A mobile number has no extension."
        elif typed_ext and getattr(clean, ext) and getattr(clean, ext) != typed_ext:
            errors[ext] = "The number typed has a different extension; keep one."
        elif typed_ext:
            setattr(clean, ext, typed_ext)

    if form.default_screen not in {s.value for s in DefaultScreen}:
        errors["default_screen"] = "Pick a Default Screen from the list."
    clean.default_screen = form.default_screen
    if form.user_type not in {t.value for t in UserType}:
        errors["user_type"] = "Type is Provider, Staff or Other."
    clean.user_type = form.user_type
    for name in (
        "send_email_confirmations",
        "active",
        "webservice_only",
        "login_locked",
        "must_change_password",
        "provider_id",
        "service_location_id",
        "department_id",
    ):
        setattr(clean, name, getattr(form, name))

    if is_new and password_required and not form.new_password:
        errors["new_password"] = "A new user needs a password."
    if form.new_password or form.retype_password:
        if form.new_password != form.retype_password:
            errors["retype_password"] = "The two passwords differ."
        elif len(form.new_password) > PASSWORD_MAX:  # the company policy checks the rest
            errors["new_password"] = f"A password has at most {PASSWORD_MAX} characters."
    clean.new_password = form.new_password
    clean.retype_password = form.retype_password
    if errors:
        raise ValidationError(errors)
    return clean
