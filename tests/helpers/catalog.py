"""Roles, user groups, departments and the base role as a test needs them, written straight
to their tables (Role Setup and the group and department lists have services of their own;
these tests are about a user's Roles section, not about them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import (
    BuiltInRole,
    Department,
    GroupMember,
    GroupRole,
    Role,
    RoleRight,
    RoleSettingsRow,
    UserGroup,
)
from app.practice.company import CompanyInfo
from app.rights import Right

WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def add_role(
    session: Session,
    company: CompanyInfo,
    name: str,
    rights: Iterable[Right] = (),
    *,
    description: str = "",
    active: bool = True,
) -> int:
    """A role of the company with these rights; its row id."""
    role = Role(
        company_id=company.id, name=name, name_key=name.casefold(), description=description,
        active=active, updated_at=WHEN, updated_by="test",
    )  # fmt: skip
    session.add(role)
    session.flush()
    session.add_all(RoleRight(role_id=role.id, right=r.value) for r in set(rights))
    session.flush()
    return role.id


def add_group(
    session: Session,
    company: CompanyInfo,
    name: str,
    role_ids: Iterable[int] = (),
    members: Iterable[int] = (),
    *,
    active: bool = True,
) -> int:
    """A user group of the company with these roles and members; its row id."""
    group = UserGroup(
        company_id=company.id, name=name, name_key=name.casefold(), active=active,
        updated_at=WHEN, updated_by="test",
    )  # fmt: skip
    session.add(group)
    session.flush()
    session.add_all(GroupRole(group_id=group.id, role_id=r) for r in role_ids)
    session.add_all(GroupMember(group_id=group.id, user_pk=u) for u in members)
    session.flush()
    return group.id


def add_department(
    session: Session, company: CompanyInfo, name: str, *, active: bool = True
) -> int:
    department = Department(
        company_id=company.id, name=name, name_key=name.casefold(), active=active,
        updated_at=WHEN, updated_by="test",
    )  # fmt: skip
    session.add(department)
    session.flush()
    return department.id


def set_base_role(session: Session, company: CompanyInfo, role_id: int | None) -> None:
    """The company's base role, every user must hold (None: no such rule)."""
    row = session.get(RoleSettingsRow, company.id)
    if row is None:
        row = RoleSettingsRow(company_id=company.id, updated_at=WHEN, updated_by="test")
        session.add(row)
    row.base_role_id = role_id
    session.flush()


def built_in_id(session: Session, company: CompanyInfo, which: BuiltInRole) -> int:
    return session.scalars(
        select(Role.id).where(Role.company_id == company.id, Role.built_in == which.value)
    ).one()
