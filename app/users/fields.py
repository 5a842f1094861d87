"""The User section's fields: one table that validation, audit, copy and the CLI all read."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    TEXT = "text"
    PHONE = "phone"
    EXTENSION = "extension"
    EMAIL = "email"
    FLAG = "flag"
    CHOICE = "choice"
    REFERENCE = "reference"


class Copy(enum.Enum):
    """What Copy User does with a field."""

    COPIED = "copied"
    IDENTITY = "identity"  # belongs to the person: entered anew
    CREDENTIAL = "credential"  # never copied
    RESET = "reset"  # set to the new user's starting value


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: Kind
    max_length: int = 0
    copy: Copy = Copy.COPIED
    required: bool = False


USER_FIELDS: tuple[Field, ...] = (
    Field("user_id", "User ID", Kind.TEXT, 32, Copy.IDENTITY, required=True),
    Field("first_name", "First Name", Kind.TEXT, 50, Copy.IDENTITY, required=True),
    Field("middle_initial", "M.I.", Kind.TEXT, 1, Copy.IDENTITY),
    Field("last_name", "Last Name", Kind.TEXT, 50, Copy.IDENTITY, required=True),
    Field("title", "Title", Kind.TEXT, 50),
    Field("home_phone", "Home", Kind.PHONE, 20, Copy.IDENTITY),
    Field("home_ext", "Home Ext", Kind.EXTENSION, 10, Copy.IDENTITY),
    Field("work_phone", "Work", Kind.PHONE, 20),
    Field("work_ext", "Work Ext", Kind.EXTENSION, 10, Copy.IDENTITY),
    Field("other_phone", "Other", Kind.PHONE, 20, Copy.IDENTITY),
    Field("other_ext", "Other Ext", Kind.EXTENSION, 10, Copy.IDENTITY),
    Field("email", "Email", Kind.EMAIL, 254, Copy.IDENTITY),
    Field("direct_email", "Direct Email", Kind.EMAIL, 254, Copy.IDENTITY),
    Field("email_notify", "Email Notify", Kind.EMAIL, 254, Copy.IDENTITY),
    Field("send_email_confirmations", "Send Email Confirmations", Kind.FLAG),
    Field("default_screen", "Default Screen", Kind.CHOICE, 30),
    Field("provider_id", "User is this Provider", Kind.REFERENCE, copy=Copy.IDENTITY),
    Field("service_location_id", "Service Location", Kind.REFERENCE),
    Field("department_id", "Department", Kind.REFERENCE),
    Field("user_type", "Type", Kind.CHOICE, 10),
    Field("outage_email", "Outage Email", Kind.EMAIL, 254, Copy.IDENTITY),
    Field("outage_mobile", "Outage Mobile", Kind.PHONE, 20, Copy.IDENTITY),
    Field("active", "Active", Kind.FLAG, copy=Copy.RESET),
    Field("webservice_only", "Webservice Only", Kind.FLAG),
    Field("login_locked", "Login Locked", Kind.FLAG, copy=Copy.RESET),
    Field(
        "must_change_password",
        "User must change password at next login",
        Kind.FLAG,
        copy=Copy.RESET,
    ),
)

FIELDS_BY_NAME = {field.name: field for field in USER_FIELDS}

# Not columns of the table above, but fields of the form, validated with it.
PASSWORD_FIELDS = (
    Field("new_password", "New Password", Kind.TEXT, 256, Copy.CREDENTIAL),
    Field("retype_password", "ReType", Kind.TEXT, 256, Copy.CREDENTIAL),
)

# Every field of the form by name, with the words people see for it.
LABELS = {field.name: field.label for field in (*USER_FIELDS, *PASSWORD_FIELDS)}
