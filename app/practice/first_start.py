"""The first start: an empty database gets its company and first administrator."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import Actor
from app.clock import Clock
from app.db.models import Company, SetupRole
from app.errors import UserSetupError, ValidationError
from app.practice.company import CompanyInfo, create_company
from app.users.service import UserFields, UserRecord, UserService


def is_empty(session: Session) -> bool:
    """True when the database has no company yet: the first-run questions are due."""
    return session.scalar(select(Company.id).limit(1)) is None


def create_first_administrator(
    session: Session,
    *,
    company_code: str,
    company_name: str,
    time_zone: str,
    user: UserFields,
    actor: Actor,
    clock: Clock,
) -> tuple[CompanyInfo, UserRecord]:
    """The company and its first administrator, whose password is theirs (no change due).

    ``actor`` is whoever holds the new, empty database (see Actor.first_start).
    """
    if not is_empty(session):
        raise UserSetupError("This database has a company already; sign in instead.")
    errors: dict[str, str] = {}
    try:
        company = create_company(session, company_code, company_name, time_zone)
    except ValidationError as exc:
        errors.update(exc.errors)
        company = CompanyInfo(0, company_code, company_name, time_zone, "US")
    user.must_change_password = False
    users = UserService(session, company, actor, clock)
    try:
        users.check(user)  # all mistakes at once, the company's and the administrator's
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    record = users.create(user)
    return company, users.set_setup_role(record.pk, SetupRole.ADMINISTRATOR)
