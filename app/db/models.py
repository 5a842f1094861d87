"""The practice's tables, as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    exists,
    false,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from app.db import catalog_models as catalog_models  # the catalogs users' defaults point at
from app.db.base import NAMING_CONVENTION as NAMING_CONVENTION
from app.db.base import Base as Base
from app.db.column_types import UTCDateTime
from app.db.kinds import CodePurpose as CodePurpose
from app.db.kinds import DefaultScreen as DefaultScreen
from app.db.kinds import TwoFactorMethod as TwoFactorMethod
from app.db.kinds import TwoFactorSetup as TwoFactorSetup
from app.db.kinds import UserType as UserType
from app.login_times.hours import LoginTimes

SEALED_KEY_LENGTH = 200  # a sealed 32-character key takes 83; room for a longer one


class Company(Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    time_zone: Mapped[str] = mapped_column(String(64))
    # Region used to read phone numbers typed without a country code.
    phone_region: Mapped[str] = mapped_column(String(2), default="US")


class Provider(Base):
    __tablename__ = "providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    last_name: Mapped[str] = mapped_column(String(50))
    first_name: Mapped[str] = mapped_column(String(50))
    credentials: Mapped[str] = mapped_column(String(20), default="")
    npi: Mapped[str] = mapped_column(String(10), default="")
    # The DEA registration and state licence that prescribing controlled substances needs
    # (21 CFR 1311.125); the registration is current through dea_expires_on.
    dea_number: Mapped[str] = mapped_column(String(9), default="", server_default="")
    dea_expires_on: Mapped[date | None] = mapped_column(Date)
    state_license: Mapped[str] = mapped_column(String(30), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def display_name(self) -> str:
        suffix = f" {self.credentials}" if self.credentials else ""
        return f"{self.last_name}{suffix}, {self.first_name}"


class ServiceLocation(Base):
    __tablename__ = "service_locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class BuiltInRole(enum.StrEnum):
    """The roles every practice has: they cannot be deleted, and Administrator always holds
    every right whatever its stored rows say."""

    ADMINISTRATOR = "administrator"
    FRONT_DESK = "front_desk"


class Role(Base):
    """A named set of rights (app.rights), given to users directly or through user groups."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("company_id", "name_key", name="uq_roles_company_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))  # case-folded: one rule on every database
    description: Mapped[str] = mapped_column(String(255), default="", server_default="")
    built_in: Mapped[str | None] = mapped_column(String(20))  # a BuiltInRole value
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RoleRight(Base):
    """A right a role grants, by its stable key (app.rights.Right)."""

    __tablename__ = "role_rights"

    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), primary_key=True)
    right: Mapped[str] = mapped_column(String(60), primary_key=True)


class UserRole(Base):
    """A role given to a user directly."""

    __tablename__ = "user_roles"

    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), primary_key=True, index=True)


class UserGroup(Base):
    """A group of users who hold the group's roles ("Front Office")."""

    __tablename__ = "user_groups"
    __table_args__ = (
        UniqueConstraint("company_id", "name_key", name="uq_user_groups_company_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(255), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class GroupRole(Base):
    __tablename__ = "group_roles"

    group_id: Mapped[int] = mapped_column(ForeignKey("user_groups.id"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"), primary_key=True, index=True)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("user_groups.id"), primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Department(Base):
    """Where a user works in the practice (Office Ally's Department List)."""

    __tablename__ = "departments"
    __table_args__ = (
        UniqueConstraint("company_id", "name_key", name="uq_departments_company_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    name: Mapped[str] = mapped_column(String(60))
    name_key: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class RoleSettingsRow(Base):
    """A company's rules for roles: the base role every user must hold (None: no such rule)."""

    __tablename__ = "role_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    base_role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class EpcsRequest(Base):
    """A grant or revocation of a user's permission to prescribe controlled substances,
    started by an EPCS enroller and pending until a second person approves it with a token
    (21 CFR 1311.125). ``status``: pending, approved, refused or withdrawn."""

    __tablename__ = "epcs_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "grant" or "revoke"
    status: Mapped[str] = mapped_column(String(10), index=True)
    requested_by_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str] = mapped_column(String(100), default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(255), default="", server_default="")


class TwoFactorRecoveryCode(Base):
    """One of a user's ten single-use codes for signing in without their phone.

    The codes are random with about 60 bits each, so a keyed hash is as safe as argon2 here and
    lets one conditional UPDATE find and use a code atomically: HMAC(practice key, SHA-256(code))
    once ``keyed``, a plain SHA-256 in a row from before the practice had a key.
    """

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    keyed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PracticeKeyRow(Base):
    """Which practice key the database's secrets are sealed with, and the key's check value
    (HMAC of a fixed text): never the key itself (app.practice.practice_key)."""

    __tablename__ = "practice_key"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1: a practice has one key
    key_id: Mapped[str] = mapped_column(String(32))
    check_value: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The stable keys (app.rights) of the rights over others' access, by their groups' prefixes.
ADMINISTRATIVE_PREFIXES = ("user_setup.", "security.", "epcs.")


def _gives_administrative(role_id: Any) -> Any:
    """Is ``role_id`` an active role giving a right over others' access (or Administrator)?"""
    return exists().where(
        Role.id == role_id,
        Role.active,
        or_(
            Role.built_in == BuiltInRole.ADMINISTRATOR.value,
            exists().where(
                RoleRight.role_id == Role.id,
                or_(
                    *(
                        RoleRight.right.startswith(p, autoescape=True)
                        for p in ADMINISTRATIVE_PREFIXES
                    )
                ),
            ),
        ),
    )


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        # user_id_key is the case-folded User ID: one rule on every database.
        UniqueConstraint("company_id", "user_id_key", name="uq_users_company_user_id_key"),
        Index("ix_users_company_name", "company_id", "last_name", "first_name"),
        # The list's ORDER BY (UserService.list_rows); MariaDB has no expression indexes.
        Index(
            "ix_users_list_order",
            "company_id",
            func.lower(text("last_name")),
            func.lower(text("first_name")),
            "user_id_key",
        ).ddl_if(dialect=("postgresql", "sqlite")),  # type: ignore[arg-type]  # documented
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[str] = mapped_column(String(32))
    user_id_key: Mapped[str] = mapped_column(String(32))
    first_name: Mapped[str] = mapped_column(String(50))
    middle_initial: Mapped[str] = mapped_column(String(1), default="")
    last_name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(50), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    home_phone: Mapped[str] = mapped_column(String(20), default="")
    home_ext: Mapped[str] = mapped_column(String(10), default="")
    work_phone: Mapped[str] = mapped_column(String(20), default="")
    work_ext: Mapped[str] = mapped_column(String(10), default="")
    other_phone: Mapped[str] = mapped_column(String(20), default="")
    other_ext: Mapped[str] = mapped_column(String(10), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    direct_email: Mapped[str] = mapped_column(String(254), default="")
    email_notify: Mapped[str] = mapped_column(String(254), default="")
    send_email_confirmations: Mapped[bool] = mapped_column(default=False)
    default_screen: Mapped[str] = mapped_column(String(30), default=DefaultScreen.DASHBOARD.value)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    service_location_id: Mapped[int | None] = mapped_column(ForeignKey("service_locations.id"))
    user_type: Mapped[str] = mapped_column(String(10), default=UserType.STAFF.value)
    outage_email: Mapped[str] = mapped_column(String(254), default="")
    outage_mobile: Mapped[str] = mapped_column(String(20), default="")

    active: Mapped[bool] = mapped_column(default=True)
    webservice_only: Mapped[bool] = mapped_column(default=False)
    login_locked: Mapped[bool] = mapped_column(default=False)

    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # May prescribe controlled substances: set only by an approved EPCS request, and taken
    # away when the DEA registration lapses, the 2FA is reset or the user is deactivated.
    epcs_allowed: Mapped[bool] = mapped_column(default=False, server_default=false())

    # The Sign Off section (issue 14): the PIN only as an argon2id hash, never shown or audited.
    signoff_pin_hash: Mapped[str | None] = mapped_column(String(255))
    signoff_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    additional_signoff: Mapped[bool] = mapped_column(default=False, server_default=false())
    signoff_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The Fax and Resources sections' defaults (app.db.catalog_models holds the catalogs).
    default_fax_number_id: Mapped[int | None] = mapped_column(ForeignKey("fax_numbers.id"))
    default_resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))

    # Sign-in state. The counter is only ever changed by single UPDATE statements, so two
    # workstations failing at the same moment both count.
    # Failed sign-ins in a row (forgotten after the policy's failure reset time since the last
    # one); a lock with ``locked_until`` is temporary, one without lasts until an unlock.
    failed_logins: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    temporary_lockouts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    temporary_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Two-factor sign-in. The authenticator's secret is the shared key the app computes codes
    # from: it must be readable to check a code, so it is sealed with the practice key, bound to
    # this row (app.practice.practice_key), and never shown after setup, logged or audited.
    # totp_last_step is claimed by one conditional UPDATE per accepted code, so a code works
    # once even from two workstations at once.
    two_factor_method: Mapped[str] = mapped_column(
        String(10), default=TwoFactorMethod.NONE.value, server_default=TwoFactorMethod.NONE.value
    )
    two_factor_destination: Mapped[str] = mapped_column(String(254), default="", server_default="")
    two_factor_setup: Mapped[str] = mapped_column(String(10), default="", server_default="")
    authenticator_title: Mapped[str] = mapped_column(String(64), default="", server_default="")
    totp_secret: Mapped[str | None] = mapped_column(String(SEALED_KEY_LENGTH))
    totp_pending_secret: Mapped[str | None] = mapped_column(String(SEALED_KEY_LENGTH))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    two_factor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    direct_email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Read with the user in the same statement, so opening a user stays one query. Saving
    # the row does not change it, so a flush keeps it (no read-back after every save); what
    # changes the codes reads it again (app.two_factor.authenticator).
    recovery_codes_left: Mapped[int] = column_property(
        select(func.count(TwoFactorRecoveryCode.id))
        .where(TwoFactorRecoveryCode.user_pk == id, TwoFactorRecoveryCode.used_at.is_(None))
        .correlate_except(TwoFactorRecoveryCode)
        .scalar_subquery(),
        expire_on_flush=False,
    )

    # The DEA registration and state licence of the provider the user is linked to (EPCS, and
    # the User section's read-only line), read with the user in the same statement. A save
    # that links another provider expires them (app.users.service).
    provider_dea_number: Mapped[str | None] = column_property(
        select(Provider.dea_number)
        .where(Provider.id == provider_id)
        .correlate_except(Provider)
        .scalar_subquery(),
        expire_on_flush=False,
    )
    provider_dea_expires_on: Mapped[date | None] = column_property(
        select(Provider.dea_expires_on)
        .where(Provider.id == provider_id)
        .correlate_except(Provider)
        .scalar_subquery(),
        expire_on_flush=False,
    )
    provider_state_license: Mapped[str | None] = column_property(
        select(Provider.state_license)
        .where(Provider.id == provider_id)
        .correlate_except(Provider)
        .scalar_subquery(),
        expire_on_flush=False,
    )
    provider_last_name: Mapped[str | None] = column_property(
        select(Provider.last_name)
        .where(Provider.id == provider_id)
        .correlate_except(Provider)
        .scalar_subquery(),
        expire_on_flush=False,
    )

    # Does the user hold a right over others' access (User Setup, Security, EPCS), directly or
    # through a group? Read with the user in the same statement, so opening a user stays one
    # query; what changes roles or groups expires it (app.roles.assignments).
    holds_administrative_right: Mapped[bool] = column_property(
        or_(
            exists().where(UserRole.user_pk == id).where(_gives_administrative(UserRole.role_id)),
            exists()
            .where(GroupMember.user_pk == id)
            .where(UserGroup.id == GroupMember.group_id, UserGroup.active)
            .where(GroupRole.group_id == UserGroup.id)
            .where(_gives_administrative(GroupRole.role_id)),
        ),
        expire_on_flush=False,
    )

    # Login Times. The hours are wall-clock times in the company's zone, one rule per weekday
    # as app.login_hours writes them ({"mon": "09:00-18:00", "sun": "off", ...}); kept in the
    # row so that opening a user and checking a sign-in each stay one query. The account
    # expires at the end of account_expires_on in the company's zone.
    limited_access: Mapped[bool] = mapped_column(default=False, server_default=false())
    login_hours: Mapped[dict[str, str] | None] = mapped_column(JSON)
    account_expires_on: Mapped[date | None] = mapped_column(Date)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    company: Mapped[Company] = relationship(lazy="raise")

    @property
    def login_times(self) -> LoginTimes:
        """The Login Times section as this row keeps it."""
        return LoginTimes.from_stored(
            self.limited_access, self.login_hours, self.account_expires_on
        )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  (SQLAlchemy's own convention)


class PasswordHistory(Base):
    """Hashes of a user's earlier passwords, so that none of the last few is used again."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PasswordPolicyRow(Base):
    """A company's password and sign-in rules; a company without a row has the defaults."""

    __tablename__ = "password_policies"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    min_length: Mapped[int]
    min_length_two_factor: Mapped[int]
    max_length: Mapped[int]
    block_common: Mapped[bool]
    block_personal: Mapped[bool]
    history: Mapped[int]
    require_alphanumeric: Mapped[bool]
    max_age_days: Mapped[int]
    temporary_hours: Mapped[int]
    allow_typed_temporary: Mapped[bool]
    lockout_after: Mapped[int]
    lockout_wait_minutes: Mapped[int]
    lockout_max_wait_minutes: Mapped[int]
    failure_reset_hours: Mapped[int]
    permanent_after_lockouts: Mapped[int]
    idle_minutes: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MailSettingsRow(Base):
    """The company's outgoing mail server; its password lives in the OS keyring, not here."""

    __tablename__ = "mail_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int]
    security: Mapped[str] = mapped_column(String(10))  # "starttls", "tls" or "none"
    sender: Mapped[str] = mapped_column(String(254))
    username: Mapped[str] = mapped_column(String(254), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OneTimeCode(Base):
    """A 6-digit code sent by mail or text: stored only as a hash, single use, few tries."""

    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_pk: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # a CodePurpose value
    destination: Mapped[str] = mapped_column(String(254))  # the address or number it went to
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    tries_left: Mapped[int]
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TwoFactorPolicyRow(Base):
    """A company's two-factor rules; a company without a row has them off."""

    __tablename__ = "two_factor_policies"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    default_for_users: Mapped[int]  # 0 off, 1 required for all, 2 suggested
    excluded_networks: Mapped[list[str]] = mapped_column(JSON, default=list)  # CIDR strings
    trust_caller_addresses: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class SmsSettingsRow(Base):
    """The company's text-message gateway; its auth token lives in the OS keyring, not here."""

    __tablename__ = "sms_settings"

    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    api_url: Mapped[str] = mapped_column(String(255))
    account: Mapped[str] = mapped_column(String(100))
    sender: Mapped[str] = mapped_column(String(20))  # E.164
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    operator: Mapped[str] = mapped_column(String(100))
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_pk: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    # A list of {"field", "before", "after"}; a password appears only as
    # {"field": "password", "change": "password changed"}, never its value or hash.
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
