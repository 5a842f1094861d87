"""Roles with rights of a test's choosing, groups with roles and members, and operators who
hold exactly some rights: what the tests of groups, departments and the base role build on."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from app.access import Actor
from app.clock import Clock
from app.db.database import Database
from app.db.models import Role, RoleRight
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.groups import GroupSetup
from tests.helpers.actors import WORKSTATION, dba


def make_role(
    database: Database,
    company: CompanyInfo,
    clock: Clock,
    name: str,
    rights: Iterable[Right],
    *,
    active: bool = True,
) -> int:
    """A role of the company granting ``rights`` (stored as Role Setup stores them)."""
    with database.transaction() as session:
        role = Role(
            company_id=company.id,
            name=name,
            name_key=name.casefold(),
            description="",
            built_in=None,
            active=active,
            updated_at=clock(),
            updated_by="test",
        )
        session.add(role)
        session.flush()
        session.add_all(RoleRight(role_id=role.id, right=r.value) for r in rights)
        return role.id


def make_group(
    database: Database,
    company: CompanyInfo,
    clock: Clock,
    name: str,
    *,
    roles: Collection[int] = (),
    members: Collection[int] = (),
) -> int:
    """A group with these roles and members, made by the database administrator."""
    with database.transaction() as session:
        groups = GroupSetup(session, company, dba("setup"), clock)
        group = groups.create(name)
        if roles:
            groups.set_roles(group.id, roles)
        if members:
            groups.add_members(group.id, members)
        return group.id


def operator(rights: Iterable[Right], clock: Clock, user_pk: int = -1, name: str = "op") -> Actor:
    """A signed-in user holding exactly ``rights``, who entered their password just now."""
    return Actor(name, frozenset(rights), WORKSTATION, user_pk).with_password_at(clock())
