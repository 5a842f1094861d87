"""Who acts, and what they may do: every service is given an Actor and asks it before acting.

Rights are a fixed catalog that the program itself enforces; an actor holds the rights of
their roles. Until the Roles section makes roles editable there are two built-in roles
(Administrator: every right; Front Desk: find users, reset passwords, unlock), and the
command line acts as the database administrator, who holds every right because they hold the
database itself. The window only mirrors these answers by disabling what the actor may not do.
"""

from __future__ import annotations

import enum
import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from app.db.models import SetupRole
from app.errors import NotAllowedError


class Right(enum.StrEnum):
    """A right the program knows and enforces, stored by its value."""

    VIEW_USERS = "user_setup.view_users"
    EDIT_USERS = "user_setup.edit_users"
    RESET_PASSWORDS = "user_setup.reset_passwords"  # and unlock
    EDIT_TWO_FACTOR = "user_setup.two_factor"  # set up and reset two-factor sign-in
    EDIT_LOGIN_TIMES = "user_setup.login_times"
    EDIT_ROLES = "user_setup.edit_roles"
    COMPANY_SETTINGS = "user_setup.company_settings"


EVERY_RIGHT = frozenset(Right)
# The rights that make someone a User Setup operator, whom only an editor of roles may help.
USER_SETUP_RIGHTS = frozenset(r for r in Right if r.value.startswith("user_setup."))

# What each built-in role grants. The Roles section stores these; until then they are fixed.
ROLE_RIGHTS: dict[str, frozenset[Right]] = {
    SetupRole.ADMINISTRATOR.value: EVERY_RIGHT,
    SetupRole.FRONT_DESK.value: frozenset({Right.VIEW_USERS, Right.RESET_PASSWORDS}),
}

# What a refusal says, by the right that was missing.
REFUSALS: dict[Right, str] = {
    Right.VIEW_USERS: "You may not see the practice's users in User Setup.",
    Right.EDIT_USERS: "Your role finds users, resets passwords and unlocks; ask an "
    "Administrator for other changes.",
    Right.RESET_PASSWORDS: "Your role may not reset passwords or unlock users.",
    Right.EDIT_TWO_FACTOR: "Your role may not set up or reset two-factor sign-in.",
    Right.EDIT_LOGIN_TIMES: "Your role may not change login times.",
    Right.EDIT_ROLES: "Your role may not change who may use User Setup.",
    Right.COMPANY_SETTINGS: "Only an Administrator may change the company settings.",
}


NO_LONGER_ALLOWED = (
    "Your account was changed since you signed in and no longer allows this; sign in again, "
    "or ask an Administrator."
)


def rights_of_role(setup_role: str | None) -> frozenset[Right]:
    """The rights a user holds through their User Setup role (none without one)."""
    return ROLE_RIGHTS.get(setup_role or "", frozenset())


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class Actor:
    """Who does something: a signed-in user, or the database administrator at the command line.

    ``name`` is how the audit trail names them ("mreyes (Reyes, Maria) at FRONTDESK-2", or
    "root@db-host (database administrator, command line)").
    """

    name: str
    rights: frozenset[Right]
    workstation: str
    user_pk: int | None = None  # their own user row; None for the database administrator
    # Reads, in the transaction at hand, the rights a signed-in user holds now (see
    # app.users.access_kept.StillAllowed; None from it: no row to read them from). None: the
    # rights above are the answer.
    confirm: Callable[[], frozenset[Right] | None] | None = field(
        default=None, compare=False, repr=False
    )

    @classmethod
    def database_administrator(cls, via: str = "command line") -> Actor:
        """The person at the command line: they hold the database, so every right."""
        host = socket.gethostname()
        name = f"{_system_user()}@{host} (database administrator, {via})"
        return cls(name[:100], EVERY_RIGHT, host)

    @classmethod
    def first_start(cls, user_id: str, workstation: str) -> Actor:
        """Whoever sets up an empty database: its administrator, as at the command line."""
        return cls(f"{user_id} at {workstation} (first start)"[:100], EVERY_RIGHT, workstation)

    @classmethod
    def user(cls, user_pk: int, name: str, workstation: str, rights: frozenset[Right]) -> Actor:
        """A user signed in at a workstation, with the rights of their roles."""
        return cls(f"{name} at {workstation}"[:100], rights, workstation, user_pk)

    @property
    def is_database_administrator(self) -> bool:
        return self.user_pk is None

    def rights_now(self) -> frozenset[Right]:
        """The rights from the sign-in that the actor still holds: with ``confirm``, as the
        database has them now (rights taken away since are gone at once; rights given since
        come with the next sign-in)."""
        current = self.confirm() if self.confirm is not None else None
        return self.rights if current is None else self.rights & current

    def may(self, right: Right) -> bool:
        """Only seeing the list goes by what the sign-in gave, so that opening a user costs no
        extra statement; every other right is asked of the database when it can be."""
        if right not in self.rights:
            return False
        return right is Right.VIEW_USERS or right in self.rights_now()

    def require(self, right: Right) -> None:
        """Go on only with this right; NotAllowedError otherwise."""
        if right not in self.rights:
            raise NotAllowedError(REFUSALS[right])
        if not self.may(right):
            raise NotAllowedError(NO_LONGER_ALLOWED)

    def confirmed_by(self, confirm: Callable[[], frozenset[Right] | None]) -> Actor:
        """This actor, whose rights ``confirm`` reads from the database."""
        return replace(self, confirm=confirm)

    def may_manage(self, target_rights: frozenset[Right]) -> bool:
        """May this actor take over the sign-in of someone holding ``target_rights`` (reset
        their password, unlock them)? Never of someone who may do more than they may, and of
        a User Setup operator only when they may edit roles: a desk cannot take over a desk."""
        if not target_rights <= self.rights_now():
            return False
        return not (target_rights & USER_SETUP_RIGHTS) or self.may(Right.EDIT_ROLES)

    def require_may_manage(self, target_rights: frozenset[Right], who: str) -> None:
        if not self.may_manage(target_rights):
            raise NotAllowedError(
                f"{who} may use User Setup; only an Administrator can reset or unlock them."
            )
