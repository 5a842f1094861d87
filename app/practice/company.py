"""The company (practice) being administered, and its pick lists."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.catalogs.starting import add_starting_catalogs
from app.db.models import Company, Department, Provider, ServiceLocation
from app.errors import NotFoundError, ValidationError
from app.roles.built_in import add_built_in_roles
from app.validation import not_one_line


@dataclass(frozen=True)
class CompanyInfo:
    """What the services need to know of the company; read once when the program opens it."""

    id: int
    code: str
    name: str
    time_zone: str
    phone_region: str

    @classmethod
    def of(cls, company: Company) -> CompanyInfo:
        return cls(company.id, company.code, company.name, company.time_zone, company.phone_region)


@dataclass(frozen=True)
class Choice:
    """One entry of a pick list: the row's id, the words shown for it, and whether it is active.

    Inactive entries stay in the lists so that a user linked to one keeps the link on save.
    """

    id: int
    label: str
    active: bool = True


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.casefold()))


def match_choice(choices: Sequence[Choice], text: str) -> Choice | None:
    """The one entry that typed text names, or None if it names none or several.

    The full label in any case names its entry; otherwise the typed words must all be words of
    exactly one label, so "Hynes, Patrick" or "hynes" finds "Hynes MD, Patrick".
    """
    typed = text.strip().casefold()
    exact = [c for c in choices if c.label.casefold() == typed]
    if len(exact) == 1:
        return exact[0]
    words = _words(text)
    if not words:
        return None
    partial = [c for c in choices if words <= _words(c.label)]
    return partial[0] if len(partial) == 1 else None


def list_companies(session: Session) -> list[CompanyInfo]:
    return [CompanyInfo.of(c) for c in session.scalars(select(Company).order_by(Company.code))]


def load_company(session: Session, code: str | None) -> CompanyInfo:
    """The company with this code; with no code, the only company in the database."""
    if code:
        company = session.scalar(select(Company).where(func.lower(Company.code) == code.lower()))
        if company is None:
            raise NotFoundError(f"There is no company with the code {code!r} in this database.")
        return CompanyInfo.of(company)
    companies = list_companies(session)
    if not companies:
        raise NotFoundError(
            "This database has no company yet. Create the demo practice with 'usersetup demo'."
        )
    if len(companies) > 1:
        codes = ", ".join(c.code for c in companies)
        raise NotFoundError(
            f"This database holds several companies ({codes}); pick one with --company."
        )
    return companies[0]


def create_company(
    session: Session,
    code: str,
    name: str,
    time_zone: str,
    phone_region: str = "US",
    *,
    now: datetime | None = None,
) -> CompanyInfo:
    """A new company with its built-in roles; ValidationError naming each wrong field."""
    errors = not_one_line({"code": ("Company Code", code), "name": ("Company Name", name)})
    code = code.strip().lower()
    if not code or not code.replace("-", "").replace("_", "").isalnum() or len(code) > 20:
        errors.setdefault("code", "Company code is 1 to 20 letters, digits, '-' or '_'.")
    elif (
        "code" not in errors
        and session.scalar(select(Company.id).where(Company.code == code)) is not None
    ):
        errors["code"] = f"A company with the code {code!r} exists already."
    if not name.strip() or len(name.strip()) > 100:
        errors.setdefault("name", "Company name is required, at most 100 characters.")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["time_zone"] = f"{time_zone!r} is not an IANA time zone such as America/New_York."
    if errors:
        raise ValidationError(errors)
    company = Company(code=code, name=name.strip(), time_zone=time_zone, phone_region=phone_region)
    session.add(company)
    session.flush()
    now = now or datetime.now(UTC)
    add_built_in_roles(session, company.id, "company created", now)
    add_starting_catalogs(session, company.id, "company created", now)
    return CompanyInfo.of(company)


def provider_choices(session: Session, company: CompanyInfo) -> list[Choice]:
    query = (
        select(Provider)
        .where(Provider.company_id == company.id)
        .order_by(Provider.active.desc(), Provider.last_name, Provider.first_name)
    )
    return [Choice(p.id, p.display_name, p.active) for p in session.scalars(query)]


def service_location_choices(session: Session, company: CompanyInfo) -> list[Choice]:
    query = (
        select(ServiceLocation.id, ServiceLocation.name, ServiceLocation.active)
        .where(ServiceLocation.company_id == company.id)
        .order_by(ServiceLocation.active.desc(), ServiceLocation.name)
    )
    return [Choice(row.id, row.name, row.active) for row in session.execute(query)]


def department_choices(session: Session, company: CompanyInfo) -> list[Choice]:
    """The company's departments, active ones first, by name. Inactive ones stay in the list
    (as providers do) so that a user in a department since closed keeps it on save; the User
    page offers them only to their own users, and the User section refuses one newly chosen.
    (The Department List's own service keeps the catalog; this only reads it.)"""
    query = (
        select(Department.id, Department.name, Department.active)
        .where(Department.company_id == company.id)
        .order_by(Department.active.desc(), Department.name_key)
    )
    return [Choice(row.id, row.name, row.active) for row in session.execute(query)]
