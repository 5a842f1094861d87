"""The catalog of rights: every right the program and the practice's other programs know.

A right is stored by its stable key (``Right``'s value), so a key never changes once shipped;
its group and description are how Role Setup, ``usersetup rights list`` and the audit trail
name it. The groups are the ones a practice thinks in: User Setup (what this program does),
Security, Self-service, EPCS, and the practice's own areas, which its other programs read from
the same database and ask about through ``app.roles.effective.holds`` (``usersetup rights
check``). This module imports nothing of the database, so the sign-in dialog may name rights
before the database library is loaded.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RightGroup(enum.StrEnum):
    USER_SETUP = "User Setup"
    SECURITY = "Security"
    SELF_SERVICE = "Self-service"
    EPCS = "EPCS"
    PRACTICE = "Practice"


class Right(enum.StrEnum):
    """A right the program knows and enforces, stored by its value."""

    # User Setup
    VIEW_USERS = "user_setup.view_users"
    EDIT_USERS = "user_setup.edit_users"
    RESET_PASSWORDS = "user_setup.reset_passwords"  # and unlock
    EDIT_TWO_FACTOR = "user_setup.two_factor"  # set up and reset two-factor sign-in
    EDIT_LOGIN_TIMES = "user_setup.login_times"
    EDIT_ROLES = "user_setup.edit_roles"
    EDIT_GROUPS = "user_setup.edit_groups"  # user groups and departments
    COMPANY_SETTINGS = "user_setup.company_settings"
    EDIT_CATALOGS = "user_setup.edit_catalogs"  # fax numbers, resources, templates, note types
    # Security
    VIEW_AUDIT_LOG = "security.view_audit_log"
    MANAGE_ALERTS = "security.manage_alerts"
    # Self-service
    CHANGE_OWN_PASSWORD = "self.change_password"
    OWN_TWO_FACTOR = "self.two_factor"
    # EPCS (21 CFR 1311.125: two people grant controlled-substance prescribing)
    EPCS_ENROLLER = "epcs.enroller"
    EPCS_APPROVER = "epcs.approver"
    # The practice's own areas, enforced by its other programs
    SCHEDULE_VIEW = "practice.schedule_view"
    SCHEDULE_EDIT = "practice.schedule_edit"
    PATIENT_REGISTRATION = "practice.patient_registration"
    CHART_VIEW = "practice.chart_view"
    CHART_EDIT = "practice.chart_edit"
    COSIGN_NOTES = "practice.cosign_notes"
    LAB_RESULTS = "practice.lab_results"
    PRESCRIBE = "practice.prescribe"
    DOCUMENTS = "practice.documents"
    PORTAL_MESSAGES = "practice.portal_messages"
    BILLING_VIEW = "practice.billing_view"
    BILLING_EDIT = "practice.billing_edit"
    REPORTS = "practice.reports"

    @property
    def group(self) -> RightGroup:
        return CATALOG[self].group

    @property
    def label(self) -> str:
        return CATALOG[self].label


@dataclass(frozen=True)
class RightInfo:
    group: RightGroup
    label: str  # how Role Setup and the audit trail name it
    description: str  # one sentence for the tree's tooltip and ``rights list``


_G = RightGroup
CATALOG: dict[Right, RightInfo] = {
    Right.VIEW_USERS: RightInfo(
        _G.USER_SETUP, "View users", "Open User Setup and see the practice's users."
    ),
    Right.EDIT_USERS: RightInfo(
        _G.USER_SETUP, "Edit users", "Add, copy, change, deactivate and activate users."
    ),
    Right.RESET_PASSWORDS: RightInfo(
        _G.USER_SETUP,
        "Reset passwords and unlock",
        "Give a user a temporary password and unlock a locked account.",
    ),
    Right.EDIT_TWO_FACTOR: RightInfo(
        _G.USER_SETUP, "Set up and reset 2FA", "Set up or reset a user's two-factor sign-in."
    ),
    Right.EDIT_LOGIN_TIMES: RightInfo(
        _G.USER_SETUP, "Edit login times", "Change the hours and dates a user may sign in."
    ),
    Right.EDIT_ROLES: RightInfo(
        _G.USER_SETUP,
        "Edit roles and rights",
        "Create and change roles, and give roles to users.",
    ),
    Right.EDIT_GROUPS: RightInfo(
        _G.USER_SETUP,
        "Edit user groups and departments",
        "Create user groups and departments and choose their members.",
    ),
    Right.COMPANY_SETTINGS: RightInfo(
        _G.USER_SETUP,
        "Company settings",
        "Change the practice's password, sign-in, mail and two-factor rules.",
    ),
    Right.EDIT_CATALOGS: RightInfo(
        _G.USER_SETUP,
        "Edit catalogs",
        "Add, rename and deactivate the practice's fax numbers, resources, chart tabs, "
        "templates and note types.",
    ),
    Right.VIEW_AUDIT_LOG: RightInfo(
        _G.SECURITY, "View the audit log", "Read who changed what, and when."
    ),
    Right.MANAGE_ALERTS: RightInfo(
        _G.SECURITY, "Manage security alerts", "Receive and clear security alerts."
    ),
    Right.CHANGE_OWN_PASSWORD: RightInfo(
        _G.SELF_SERVICE, "Change own password", "Change one's own password when one wants to."
    ),
    Right.OWN_TWO_FACTOR: RightInfo(
        _G.SELF_SERVICE,
        "User Two Factor Authentication",
        "Set up one's own authenticator again, for a new phone.",
    ),
    Right.EPCS_ENROLLER: RightInfo(
        _G.EPCS,
        "EPCS enroller",
        "Start a grant or revocation of controlled-substance prescribing.",
    ),
    Right.EPCS_APPROVER: RightInfo(
        _G.EPCS,
        "EPCS approver",
        "Approve a pending EPCS grant or revocation with a fresh token.",
    ),
    Right.SCHEDULE_VIEW: RightInfo(_G.PRACTICE, "View the schedule", "See appointments."),
    Right.SCHEDULE_EDIT: RightInfo(
        _G.PRACTICE, "Book appointments", "Book, move and cancel appointments."
    ),
    Right.PATIENT_REGISTRATION: RightInfo(
        _G.PRACTICE, "Register patients", "Add patients and change their demographics."
    ),
    Right.CHART_VIEW: RightInfo(_G.PRACTICE, "View charts", "Open patient charts."),
    Right.CHART_EDIT: RightInfo(
        _G.PRACTICE, "Write in charts", "Write notes and orders in patient charts."
    ),
    Right.COSIGN_NOTES: RightInfo(_G.PRACTICE, "Co-sign notes", "Sign off others' notes."),
    Right.LAB_RESULTS: RightInfo(_G.PRACTICE, "Review lab results", "Review and sign lab results."),
    Right.PRESCRIBE: RightInfo(
        _G.PRACTICE, "Prescribe", "Send prescriptions that are not controlled substances."
    ),
    Right.DOCUMENTS: RightInfo(_G.PRACTICE, "File documents", "Scan, file and fax documents."),
    Right.PORTAL_MESSAGES: RightInfo(
        _G.PRACTICE, "Patient portal messaging", "Read and answer patient portal messages."
    ),
    Right.BILLING_VIEW: RightInfo(_G.PRACTICE, "View billing", "See charges, claims and balances."),
    Right.BILLING_EDIT: RightInfo(
        _G.PRACTICE, "Post charges and payments", "Enter charges, payments and adjustments."
    ),
    Right.REPORTS: RightInfo(_G.PRACTICE, "Run reports", "Run the practice's reports."),
}

EVERY_RIGHT = frozenset(Right)
# The rights that make someone a User Setup operator, whom only an editor of roles may help.
USER_SETUP_RIGHTS = frozenset(r for r in Right if r.group is RightGroup.USER_SETUP)
# Rights over other people's access: a reset or unlock by someone lacking one of these held by
# the target would hand over more than the operator holds.
ADMINISTRATIVE_RIGHTS = frozenset(
    r for r in Right if r.group in (RightGroup.USER_SETUP, RightGroup.SECURITY, RightGroup.EPCS)
)


def right_named(text: str) -> Right | None:
    """The right with this stable key (or its enum name, any case); None if there is none."""
    clean = text.strip()
    try:
        return Right(clean)
    except ValueError:
        return Right.__members__.get(clean.upper().replace("-", "_").replace(".", "_"))
