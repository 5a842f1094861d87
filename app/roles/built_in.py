"""The roles every practice has from its first day, as they were before roles were editable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import BuiltInRole, Role, RoleRight
from app.rights import EVERY_RIGHT, Right

BUILT_IN_ROLES: dict[BuiltInRole, tuple[str, str, frozenset[Right]]] = {
    BuiltInRole.ADMINISTRATOR: ("Administrator", "Every right, always.", EVERY_RIGHT),
    BuiltInRole.FRONT_DESK: (
        "Front Desk",
        "Finds users, resets passwords and unlocks users who hold no User Setup right.",
        frozenset(
            {
                Right.VIEW_USERS,
                Right.RESET_PASSWORDS,
                Right.CHANGE_OWN_PASSWORD,
                Right.OWN_TWO_FACTOR,
            }
        ),
    ),
}


def add_built_in_roles(session: Session, company_id: int, by: str, now: datetime) -> None:
    """Give a new company its built-in roles (what migration 0009 gave the existing ones)."""
    for built_in, (name, description, rights) in BUILT_IN_ROLES.items():
        role = Role(
            company_id=company_id,
            name=name,
            name_key=name.casefold(),
            description=description,
            built_in=built_in.value,
            active=True,
            updated_at=now,
            updated_by=by,
        )
        session.add(role)
        session.flush()
        session.add_all(RoleRight(role_id=role.id, right=r.value) for r in sorted(rights))


def built_in_role(session: Session, company_id: int, which: BuiltInRole) -> Role:
    """The company's built-in role ``which``."""
    return session.scalars(
        select(Role).where(Role.company_id == company_id, Role.built_in == which.value)
    ).one()
