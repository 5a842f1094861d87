"""Who acts in a test: the database administrator, or a signed-in user with a role's rights."""

from __future__ import annotations

from datetime import UTC, datetime

from app.access import EVERY_RIGHT, Actor
from tests.helpers.roles import SetupRole, rights_of_role

WORKSTATION = "TEST-PC"
# When a test's signed-in operator entered their password: the moment the tests' clock starts
# at (tests.conftest.NOW, which imports this module and so cannot be imported by it).
SIGNED_IN_AT = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


def dba(name: str = "mreyes") -> Actor:
    """Every right, as at the command line; ``name`` is what the audit trail shows."""
    return Actor(name, EVERY_RIGHT, WORKSTATION)


def signed_in(
    name: str = "mreyes (Reyes, Maria)",
    role: SetupRole | str = SetupRole.ADMINISTRATOR,
    user_pk: int = -1,
    password_at: datetime | None = SIGNED_IN_AT,
) -> Actor:
    """A user signed in to the window with ``role``; ``user_pk`` is their own row (-1: one
    that is none of the test's users); ``password_at`` when they entered their password."""
    return Actor(name, rights_of_role(str(role)), WORKSTATION, user_pk, password_at=password_at)


def front_desk(name: str = "lblake (Blake, Lauren)", user_pk: int = -1) -> Actor:
    return signed_in(name, SetupRole.FRONT_DESK, user_pk)
