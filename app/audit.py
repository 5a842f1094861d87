"""The audit trail: one event per change, written in the same transaction as the change.

Every event names its action from one list (Action) and carries typed changes: a field with
its value before and after (Change), or a field whose values are secret and only said to have
changed (Noted: a password, an authenticator key). They are stored as JSON in a canonical
shape, so that a later hash chain can hash them the same way every time.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.clock import CLOCK_SOURCE, ClockSource
from app.db.models import AuditEvent

# What a change's before and after may be: JSON's own values, so they hash canonically.
JSONScalar = str | int | float | bool | None
JSONValue = JSONScalar | list[JSONScalar]

PASSWORD_CHANGED = "password changed"


class Action(enum.StrEnum):
    """Every kind of event the trail holds; the value is what the database stores."""

    USER_CREATED = "user.created"
    USER_COPIED = "user.copied"
    USER_UPDATED = "user.updated"
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_LOCKED = "user.locked"
    USER_UNLOCKED = "user.unlocked"
    PASSWORD_RESET = "password.reset"
    PASSWORD_CHANGED = "password.changed"
    LOGIN_TIMES_CHANGED = "login_times.changed"
    TWO_FACTOR_METHOD_CHANGED = "2fa.method_changed"
    TWO_FACTOR_ENROLLED = "2fa.enrolled"
    TWO_FACTOR_CONFIRMED = "2fa.confirmed"
    TWO_FACTOR_RESET = "2fa.reset"
    TWO_FACTOR_RECOVERY_CODES_ISSUED = "2fa.recovery_codes_issued"
    TWO_FACTOR_RECOVERY_CODE_USED = "2fa.recovery_code_used"
    TWO_FACTOR_TOKEN_SENT = "2fa.token_sent"
    TWO_FACTOR_SUCCEEDED = "2fa.succeeded"
    TWO_FACTOR_FAILED = "2fa.failed"
    TWO_FACTOR_REPLAYED = "2fa.replayed"
    TWO_FACTOR_POLICY_CHANGED = "2fa.policy_changed"
    SIGNIN_SUCCEEDED = "signin.succeeded"
    SIGNIN_FAILED = "signin.failed"
    SIGNIN_CHANGE_REQUIRED = "signin.change_required"
    SIGNIN_TWO_FACTOR_REQUIRED = "signin.two_factor_required"
    RECOVERY_CODE_SENT = "recovery.code_sent"
    RECOVERY_CODE_REFUSED = "recovery.code_refused"
    RECOVERY_PASSWORD_CHANGED = "recovery.password_changed"
    RECOVERY_REFUSED = "recovery.refused"  # the right code, but no self-service for this user
    DIRECT_EMAIL_CODE_SENT = "direct_email.code_sent"
    DIRECT_EMAIL_CODE_REFUSED = "direct_email.code_refused"
    DIRECT_EMAIL_VERIFIED = "direct_email.verified"
    POLICY_CHANGED = "policy.changed"
    MAIL_CHANGED = "mail.changed"
    SMS_CHANGED = "sms.changed"
    PRACTICE_KEY_CREATED = "practice_key.created"
    PRACTICE_KEY_EXPORTED = "practice_key.exported"
    PRACTICE_KEY_IMPORTED = "practice_key.imported"
    # User groups, departments and the base role (issue 13: groups)
    GROUP_CREATED = "group.created"
    GROUP_CHANGED = "group.changed"  # its name or description
    GROUP_ROLES_CHANGED = "group.roles_changed"
    GROUP_MEMBERS_CHANGED = (
        "group.members_changed"  # the group's (each member's: USER_GROUPS_CHANGED)
    )
    GROUP_DEACTIVATED = "group.deactivated"
    GROUP_ACTIVATED = "group.activated"
    DEPARTMENT_ADDED = "department.added"
    DEPARTMENT_RENAMED = "department.renamed"
    DEPARTMENT_DEACTIVATED = "department.deactivated"
    DEPARTMENT_ACTIVATED = "department.activated"
    BASE_ROLE_CHANGED = "roles.base_role_changed"
    # Issue 13, the Roles section of a user: the user groups they belong to (their direct
    # roles are USER_ROLE_CHANGED; their department is a field of USER_UPDATED)
    USER_GROUPS_CHANGED = "user.groups_changed"
    # Role Setup (app.roles.setup): a role's name, description, rights and whether it is active
    ROLE_CREATED = "role.created"
    ROLE_CHANGED = "role.changed"
    ROLE_COPIED = "role.copied"
    ROLE_DEACTIVATED = "role.deactivated"
    ROLE_ACTIVATED = "role.activated"
    # EPCS (issue 13): two people grant or take away controlled-substance prescribing
    # (21 CFR 1311.125), and the providers' DEA registrations it depends on.
    EPCS_REQUESTED = "epcs.requested"  # a grant or revocation started, pending approval
    EPCS_APPROVED = "epcs.approved"  # approved with a fresh token: the permission changed
    EPCS_REFUSED = "epcs.refused"  # an approver refused the request, with a reason
    EPCS_APPROVAL_REFUSED = "epcs.approval_refused"  # the program refused an approval attempt
    EPCS_WITHDRAWN = "epcs.withdrawn"  # by its requester, or because it can no longer apply
    EPCS_REVOKED = "epcs.revoked"  # taken away by the program: DEA lapsed, 2FA reset, ...
    PROVIDER_REGISTRATION_CHANGED = "provider.registration_changed"
    # Issue 13, self-service (the My Account screen of a user without User Setup rights)
    OWN_AUTHENTICATOR_REPLACED = "2fa.own_replaced"  # a new phone, verified by its own token
    # Issue 14: the practice's catalogs (app.catalogs), shared by all users
    CATALOG_ADDED = "catalog.added"
    CATALOG_CHANGED = "catalog.changed"  # its name, label or kind
    CATALOG_DEACTIVATED = "catalog.deactivated"
    CATALOG_ACTIVATED = "catalog.activated"
    # Issue 14: the four workflow sections of a user
    SIGNOFF_CHANGED = "sign_off.changed"  # flags, screens, recipients; the PIN only as Noted
    SIGNOFF_PIN_FAILED = "sign_off.pin_failed"  # a wrong PIN, counted as a wrong password
    FAX_CHANGED = "fax.changed"
    RESOURCES_CHANGED = "resources.changed"
    TEMPLATES_CHANGED = "templates.changed"


def _plain(value: object) -> JSONValue:
    """A value as JSON keeps it: dates as ISO text, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]  # type: ignore[misc]
    assert value is None or isinstance(value, str | int | float | bool), value
    return value


@dataclass(frozen=True)
class Change:
    """One field of an event: its value before and after (None: not there)."""

    field: str
    before: object = None
    after: object = None

    def stored(self) -> dict[str, JSONValue]:
        return {"field": self.field, "before": _plain(self.before), "after": _plain(self.after)}


@dataclass(frozen=True)
class Noted:
    """A field whose values are never written down, only that it changed and how."""

    field: str
    note: str

    def stored(self) -> dict[str, JSONValue]:
        return {"field": self.field, "change": self.note}


def said(field: str, value: object) -> Change:
    """Something the event says (a workstation, a reason) rather than a field it changed."""
    return Change(field, None, value)


def changed(field: str, before: object, after: object) -> list[Change]:
    """The field's change, or nothing when it did not change."""
    return [Change(field, before, after)] if before != after else []


def record(
    session: Session,
    *,
    at: datetime,
    operator: str,
    company_id: int,
    user_pk: int | None,
    action: Action,
    changes: Sequence[Change | Noted] = (),
) -> None:
    """Add the event to the session: it commits, or rolls back, with the change it tells.
    Written while the database's clock is this computer's standing in for the server's, it
    says so (``at`` is then that fallback's time)."""
    source: ClockSource = session.info.get(CLOCK_SOURCE, lambda: ClockSource.COMPUTER)()
    if not source.trusted:
        changes = [*changes, said("clock", source.value)]
    session.add(
        AuditEvent(
            occurred_at=at,
            operator=operator[:100],
            company_id=company_id,
            user_pk=user_pk,
            action=action.value,
            changes=[change.stored() for change in changes],
        )
    )
