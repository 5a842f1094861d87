"""EPCS permission taken away by the program itself, with an audit event naming why.

A user's permission to prescribe controlled substances ends when their DEA registration
lapses, when their two-factor sign-in is reset, and when they are deactivated (21 CFR
1311.125 asks that access be revoked when its conditions stop holding); their pending
requests are withdrawn then too. The 2FA service and the User service call in here as
they make those changes, in the same transaction; the sweep of lapsed registrations runs
when the window reads its user list or the pending approvals, and with every
``usersetup epcs`` command. This module imports none of the services, so each may call it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from app.access import Actor
from app.audit import Action, Change, said
from app.db.models import EpcsRequest, Provider, User
from app.login_times.hours import today_in
from app.practice.company import CompanyInfo
from app.users.records import registration_of
from app.users.writer import UserWriter


class Kind(enum.StrEnum):
    GRANT = "grant"
    REVOKE = "revoke"


class Status(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


ALLOWED, NOT_ALLOWED = "allowed", "not allowed"  # how the audit trail says the permission

# Why the program took the permission away, as the audit event says it.
TWO_FACTOR_RESET = "two-factor sign-in reset"
DEACTIVATED = "user deactivated"
OWN_AUTHENTICATOR_REPLACED = "authenticator set up again by the user"
PROVIDER_CHANGED = "linked to another provider, or to none"


def company_today(company: CompanyInfo, now: datetime) -> date:
    """The date at the practice: a registration is good through its expiry date there."""
    return today_in(ZoneInfo(company.time_zone), now)


def registration_current(today: date) -> Any:
    """SQL: the user's linked provider has a DEA number good through ``today``."""
    return (
        exists()
        .where(
            Provider.id == User.provider_id,
            Provider.dea_number != "",
            Provider.dea_expires_on.is_not(None),
            Provider.dea_expires_on >= today,
        )
        .correlate(User)
    )


def lapse_reason(user: User, today: date) -> str:
    """Why a user's registration does not hold today, for the audit event."""
    registration = registration_of(user)
    if registration is None:
        return "no provider linked, so no DEA registration"
    if not registration.dea_number:
        return "the provider's DEA registration number was removed"
    if registration.expires_on is None:
        return "the provider's DEA registration has no expiry date"
    return f"DEA registration expired on {registration.expires_on.isoformat()}"


def withdraw_pending(
    session: Session, company: CompanyInfo, actor: Actor, user: User, why: str, now: datetime
) -> int:
    """Withdraw the user's pending requests (they can no longer be approved as asked), each
    audited; how many there were."""
    pending = session.scalars(
        select(EpcsRequest).where(
            EpcsRequest.company_id == company.id,
            EpcsRequest.user_pk == user.id,
            EpcsRequest.status == Status.PENDING.value,
        )
    ).all()
    writer = UserWriter(session, company, actor)
    for request in pending:
        request.status = Status.WITHDRAWN.value
        request.decided_by_pk, request.decided_by = actor.user_pk, actor.name[:100]
        request.decided_at = now
        request.reason = f"withdrawn by User Setup: {why}"[:255]
        writer.audit(
            user,
            Action.EPCS_WITHDRAWN,
            [
                said("request", f"#{request.id} {request.kind}"),
                said("requested_by", request.requested_by),
                said("reason", f"automatic: {why}"),
            ],
            now,
        )
    return len(pending)


def take_away(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    user: User,
    why: str,
    now: datetime,
    *,
    write_row: bool = True,
) -> bool:
    """End the user's EPCS permission because ``why`` (audited as automatic) and withdraw
    their pending requests; True if they had the permission. ``write_row``: False when the
    caller is saving the row anyway (it then carries the cleared flag in its one UPDATE)."""
    withdraw_pending(session, company, actor, user, why, now)
    if not user.epcs_allowed:
        return False
    user.epcs_allowed = False
    changes = [Change("epcs", ALLOWED, NOT_ALLOWED), said("reason", f"automatic: {why}")]
    writer = UserWriter(session, company, actor)
    if write_row:
        writer.save(user, Action.EPCS_REVOKED, changes, now)
    else:
        writer.audit(user, Action.EPCS_REVOKED, changes, now)
    return True


def sweep_lapsed(session: Session, company: CompanyInfo, actor: Actor, now: datetime) -> int:
    """Take the permission from every user of the company whose DEA registration no longer
    holds (expired, removed, or no provider linked), and withdraw pending grants for them:
    one statement when there is nothing to do. How many users it changed."""
    today = company_today(company, now)
    pending_grant = (
        exists()
        .where(
            EpcsRequest.user_pk == User.id,
            EpcsRequest.status == Status.PENDING.value,
            EpcsRequest.kind == Kind.GRANT.value,
        )
        .correlate(User)
    )
    lapsed = session.scalars(
        select(User).where(
            User.company_id == company.id,
            or_(User.epcs_allowed, pending_grant),
            ~registration_current(today),
        )
    ).all()
    for user in lapsed:
        take_away(session, company, actor, user, lapse_reason(user, today), now)
    return len(lapsed)
