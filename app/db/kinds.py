"""The kinds of things a row can be (roles, methods, screens): plain enums, with no
SQLAlchemy, so that what only names them (the sign-in dialog, drawn before the database
library is loaded) need not load the models. app.db.models stores them."""

from __future__ import annotations

import enum


class UserType(enum.StrEnum):
    PROVIDER = "Provider"
    STAFF = "Staff"
    OTHER = "Other"


class DefaultScreen(enum.StrEnum):
    """The screen a user lands on after signing in to the practice system."""

    DASHBOARD = "Dashboard"
    SCHEDULE = "Schedule"
    PATIENT_CHART = "Patient Chart"
    MY_TASKS = "My Tasks"
    MESSAGES = "Messages"
    BILLING = "Billing"
    REPORTS = "Reports"


class TwoFactorMethod(enum.StrEnum):
    """How a user proves it is them after the password."""

    NONE = "none"
    EMAIL = "email"  # a 6-digit code mailed at sign-in
    TEXT = "text"  # a 6-digit code sent by text message at sign-in
    APP = "app"  # an authenticator app (TOTP, RFC 6238)


class TwoFactorSetup(enum.StrEnum):
    """How a user with the authenticator method gets their app set up."""

    NOW = "now"  # at the desk, with the administrator: verified before it is saved
    PROMPT = "prompt"  # offered at the next sign-in; the user may skip it
    REQUIRE = "require"  # at the next sign-in, with no way past it


class CodePurpose(enum.StrEnum):
    """What a one-time code sent by mail or text is for."""

    PASSWORD = "password"  # choose a new password (forgot password)
    SIGN_IN = "sign-in"  # the second factor of a sign-in (Email and Text methods)
    DIRECT_EMAIL = "direct-email"  # prove the Direct Email address reaches the user


class ScreenSignoff(enum.StrEnum):
    """Which notes of one screen or SOAP note type need an additional sign-off from a user
    (the Sign Off section's All / Nev. / Cst. columns)."""

    ALL = "all"  # every note of this type
    NEVER = "never"  # none
    CUSTOM = "custom"  # as the practice's own rules for the type say


class ResourceKind(enum.StrEnum):
    """What an appointment books besides the patient."""

    PROVIDER = "provider"
    ROOM = "room"  # a procedure or exam room
    MACHINE = "machine"  # an X-ray, an ultrasound, a treadmill
