"""The Department List: where users work in the practice (Office Ally has one).

Departments are never deleted: a deactivated one stays on the users who have it (the User
section shows it as such, and saving such a user keeps it), but cannot be newly chosen.
Names are unique in the company whatever their case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.models import Department, User
from app.db.named_lists import listed_with_counts
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import Choice, CompanyInfo
from app.rights import Right
from app.validation import FieldProblem, clean_text

NAME_FIELD = "name"
NAME_LENGTH = 60


@dataclass(frozen=True)
class DepartmentRow:
    """One line of the Department List."""

    id: int
    name: str
    active: bool
    users: int  # how many users (active or not) have it
    version: int


def department_choices(session: Session, company_id: int, current_id: int | None) -> list[Choice]:
    """What the User section's Department drop-down offers: the active departments, and the
    user's own (``current_id``) even when it was deactivated, so that a save keeps it. One
    statement."""
    condition = or_(Department.active, Department.id == (current_id or 0))
    rows = session.execute(
        select(Department.id, Department.name, Department.active)
        .where(Department.company_id == company_id, condition)
        .order_by(Department.name_key)
    )
    return [Choice(pk, name, active) for pk, name, active in rows]


def check_department_choice(
    session: Session, company_id: int, chosen: int | None, current: int | None
) -> None:
    """ValidationError beside ``department_id`` unless ``chosen`` may be stored for a user
    who has ``current``: none, an active department of the company, or the one they have."""
    if chosen is None or chosen == current:
        return
    row = session.get(Department, chosen)
    if row is None or row.company_id != company_id:
        raise ValidationError({"department_id": "That department does not exist."})
    if not row.active:
        raise ValidationError(
            {"department_id": f"{row.name} is deactivated; choose another department."}
        )


class Departments:
    """The company's Department List, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    def list_departments(self, *, active_only: bool = False) -> list[DepartmentRow]:
        """The departments by name, each with how many users have it: one statement."""
        self.actor.require(Right.VIEW_USERS)
        rows = listed_with_counts(
            self.session, Department, User.department_id, self.company.id, active_only=active_only
        )
        return [DepartmentRow(d.id, d.name, d.active, n, d.version) for d, n in rows]

    def find(self, name: str) -> Department:
        """The department of this name (any case); NotFoundError naming the known ones."""
        row = self.session.scalar(
            select(Department).where(
                Department.company_id == self.company.id,
                Department.name_key == name.strip().casefold(),
            )
        )
        if row is None:
            known = ", ".join(d.name for d in self.list_departments()) or "none"
            raise NotFoundError(f"There is no department named {name!r} (departments: {known}).")
        return row

    def add(self, name: str) -> DepartmentRow:
        """A new active department, audited."""
        self.actor.require(Right.EDIT_GROUPS)
        clean = self._checked(name, None)
        now = self.clock()
        row = Department(
            company_id=self.company.id,
            name=clean,
            name_key=clean.casefold(),
            active=True,
            updated_at=now,
            updated_by=self.actor.name[:100],
        )
        self.session.add(row)
        self._flush(clean)
        self._audit(Action.DEPARTMENT_ADDED, [Change(NAME_FIELD, None, clean)], now)
        return self._row(row)

    def rename(
        self, department_id: int, name: str, expected_version: int | None = None
    ) -> DepartmentRow:
        """A new name, audited; the users who have it keep it."""
        self.actor.require(Right.EDIT_GROUPS)
        row = self._load(department_id, expected_version)
        clean = self._checked(name, row.id)
        if clean == row.name:
            return self._row(row)
        before = row.name
        row.name, row.name_key = clean, clean.casefold()
        now = self._touch(row)
        self._flush(clean)
        self._audit(Action.DEPARTMENT_RENAMED, [Change(NAME_FIELD, before, clean)], now)
        return self._row(row)

    def set_active(
        self, department_id: int, active: bool, expected_version: int | None = None
    ) -> DepartmentRow:
        """Deactivate (it stays on the users who have it, but cannot be newly chosen) or
        activate it again, audited."""
        self.actor.require(Right.EDIT_GROUPS)
        row = self._load(department_id, expected_version)
        if row.active == active:
            return self._row(row)
        row.active = active
        now = self._touch(row)
        self._flush(row.name)
        action = Action.DEPARTMENT_ACTIVATED if active else Action.DEPARTMENT_DEACTIVATED
        self._audit(
            action, [said("department", row.name), Change("active", not active, active)], now
        )
        return self._row(row)

    def _load(self, department_id: int, expected_version: int | None) -> Department:
        row = self.session.get(Department, department_id)
        if row is None or row.company_id != self.company.id:
            raise NotFoundError(
                f"Department #{department_id} does not exist in {self.company.code}."
            )
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(row.updated_by, row.updated_at, "This department")
        return row

    def _row(self, row: Department) -> DepartmentRow:
        users = self.session.scalar(
            select(func.count()).select_from(User).where(User.department_id == row.id)
        )
        return DepartmentRow(row.id, row.name, row.active, int(users or 0), row.version)

    def _checked(self, name: str, department_id: int | None) -> str:
        try:
            clean = clean_text(name, "Department name", NAME_LENGTH, required=True)
        except FieldProblem as problem:
            raise ValidationError({NAME_FIELD: str(problem)}) from None
        taken = self.session.scalar(
            select(Department.name).where(
                Department.company_id == self.company.id,
                Department.name_key == clean.casefold(),
                Department.id != (department_id or 0),
            )
        )
        if taken is not None:
            raise ValidationError({NAME_FIELD: _taken(taken)})
        return clean

    def _touch(self, row: Department) -> datetime:
        now = self.clock()
        row.updated_at, row.updated_by = now, self.actor.name[:100]
        return now

    def _flush(self, name: str) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(None, None, "This department") from exc
        except IntegrityError as exc:
            text = str(exc.orig)  # the name, taken meanwhile by another workstation:
            if "uq_departments_company_name" in text or "name_key" in text:
                raise ValidationError({NAME_FIELD: _taken(name)}) from exc
            raise

    def _audit(self, action: Action, changes: list[Change], now: datetime) -> None:
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=None,
            action=action,
            changes=changes,
        )


def _taken(name: str) -> str:
    return f"A department named \u201c{name}\u201d exists already."


__all__ = [
    "DepartmentRow",
    "Departments",
    "check_department_choice",
    "department_choices",
]
