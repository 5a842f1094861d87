"""The two built-in roles as tests give them: by name, through the real service."""

from __future__ import annotations

import enum

from app.db.database import Database
from app.db.models import BuiltInRole
from app.rights import Right
from app.roles.assignments import UserRoles
from app.roles.built_in import BUILT_IN_ROLES
from app.roles.effective import rights_of
from app.users.service import UserService


class SetupRole(enum.StrEnum):
    """The built-in roles by the names the practice sees."""

    ADMINISTRATOR = "Administrator"
    FRONT_DESK = "Front Desk"

    @property
    def built_in(self) -> BuiltInRole:
        return BUILT_IN[self]

    @property
    def rights(self) -> frozenset[Right]:
        return BUILT_IN_ROLES[self.built_in][2]


BUILT_IN = {
    SetupRole.ADMINISTRATOR: BuiltInRole.ADMINISTRATOR,
    SetupRole.FRONT_DESK: BuiltInRole.FRONT_DESK,
}


def rights_of_role(role: SetupRole | str | None) -> frozenset[Right]:
    """What a built-in role grants (nothing for None)."""
    return SetupRole(role).rights if role else frozenset()


def set_setup_role(users: UserService, pk: int, role: SetupRole | str | None) -> None:
    """Give ``pk`` the built-in role (None: neither), as ``users``' actor, in its transaction."""
    which = SetupRole(role).built_in if role else None
    UserRoles(users.session, users.company, users.actor, users.clock).set_built_in(pk, which)


def stored_roles(database: Database, company_id: int, pk: int) -> tuple[str, ...]:
    """The names of the user's roles as stored now."""
    with database.transaction() as session:
        return rights_of(session, company_id, pk).roles
