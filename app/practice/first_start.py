"""Starting: an empty database gets its company and first administrator; otherwise, the
companies to sign in to and what the window opens with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import Actor
from app.clock import Clock
from app.db.database import Database
from app.db.models import BuiltInRole, Company
from app.errors import UserSetupError, ValidationError
from app.passwords.policy import PasswordPolicy, load_policy
from app.practice.company import (
    Choice,
    CompanyInfo,
    create_company,
    department_choices,
    list_companies,
    load_company,
    provider_choices,
    service_location_choices,
)
from app.practice.practice_key import practice_keys
from app.roles.assignments import UserRoles
from app.users.records import UserFields, UserRecord
from app.users.service import UserService


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
        company = create_company(session, company_code, company_name, time_zone, now=clock())
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
    practice_keys(session).made_with_practice(session, clock(), actor.name)
    UserRoles(session, company, actor, clock).set_built_in(record.pk, BuiltInRole.ADMINISTRATOR)
    return company, users.get(record.pk)


def start_practice(
    database: Database,
    *,
    company_code: str,
    company_name: str,
    time_zone: str,
    user: UserFields,
    actor: Actor,
    clock: Clock,
) -> tuple[CompanyInfo, UserRecord]:
    """The first start, in one transaction: nothing is kept if anything is wrong."""
    with database.transaction() as session:
        return create_first_administrator(
            session,
            company_code=company_code,
            company_name=company_name,
            time_zone=time_zone,
            user=user,
            actor=actor,
            clock=clock,
        )


def what_to_open(database: Database) -> list[CompanyInfo] | None:
    """At start: the companies to sign in to, or None when the database is empty and the
    first-start questions are due."""
    with database.transaction() as session:
        return None if is_empty(session) else list_companies(session)


@dataclass(frozen=True)
class Opening:
    """What the window opens with: the company, its password policy and its pick lists."""

    company: CompanyInfo
    policy: PasswordPolicy
    providers: tuple[Choice, ...]
    service_locations: tuple[Choice, ...]
    departments: tuple[Choice, ...] = ()


def opening(database: Database, company_code: str | None) -> Opening:
    """Read once as the window opens (Refresh reads the pick lists again)."""
    with database.transaction() as session:
        company = load_company(session, company_code)
        return Opening(
            company,
            load_policy(session, company.id),
            tuple(provider_choices(session, company)),
            tuple(service_location_choices(session, company)),
            tuple(department_choices(session, company)),
        )
