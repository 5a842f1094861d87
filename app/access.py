"""Who acts, and what they may do: every service is given an Actor and asks it before acting.

Rights are a fixed catalog that the program itself enforces (app.rights); an actor holds the
rights of their roles (app.roles.effective), read when they sign in and asked again of the
database in every transaction that changes something. The command line acts as the database
administrator, who holds every right because they hold the database itself. The window only
mirrors these answers by disabling what the actor may not do.
"""

from __future__ import annotations

import getpass
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from app.errors import NotAllowedError, PasswordAgainError
from app.rights import ADMINISTRATIVE_RIGHTS, EVERY_RIGHT, USER_SETUP_RIGHTS, Right

__all__ = ["EVERY_RIGHT", "FRESH_PASSWORD", "USER_SETUP_RIGHTS", "Actor", "Right", "refusal"]

# Granting User Setup rights, editing roles and resetting someone's 2FA ask for the operator's
# password again when they last entered it longer ago than this.
FRESH_PASSWORD = timedelta(minutes=5)


# What a refusal says, by the right that was missing; the others name the right.
REFUSALS: dict[Right, str] = {
    Right.VIEW_USERS: "You may not see the practice's users in User Setup.",
    Right.EDIT_USERS: "Your role finds users, resets passwords and unlocks; ask an "
    "Administrator for other changes.",
    Right.RESET_PASSWORDS: "Your role may not reset passwords or unlock users.",
    Right.EDIT_TWO_FACTOR: "Your role may not set up or reset two-factor sign-in.",
    Right.EDIT_LOGIN_TIMES: "Your role may not change login times.",
    Right.EDIT_ROLES: "Your role may not change roles or who holds them.",
    Right.COMPANY_SETTINGS: "Only an Administrator may change the company settings.",
}


def refusal(right: Right) -> str:
    """What a person reads when they lack ``right``."""
    return REFUSALS.get(right, f"Your roles do not give the right \u201c{right.label}\u201d.")


NO_LONGER_ALLOWED = (
    "Your account was changed since you signed in and no longer allows this; sign in again, "
    "or ask an Administrator."
)


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
    # When a signed-in user last entered their password (the sign-in, the idle lock, asked
    # again); None for the database administrator, who holds the database itself.
    password_at: datetime | None = field(default=None, compare=False)

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
            raise NotAllowedError(refusal(right))
        if not self.may(right):
            raise NotAllowedError(NO_LONGER_ALLOWED)

    def require_fresh_password(self, now: datetime) -> None:
        """Go on only if a signed-in user entered their password within FRESH_PASSWORD of
        ``now``; PasswordAgainError otherwise (the window asks for it and tries again)."""
        if self.is_database_administrator:
            return
        if self.password_at is None or now - self.password_at > FRESH_PASSWORD:
            raise PasswordAgainError()

    def with_password_at(self, when: datetime) -> Actor:
        """This actor, having entered their password at ``when``."""
        return replace(self, password_at=when)

    def confirmed_by(self, confirm: Callable[[], frozenset[Right] | None]) -> Actor:
        """This actor, whose rights ``confirm`` reads from the database."""
        return replace(self, confirm=confirm)

    def may_manage(self, target_rights: frozenset[Right]) -> bool:
        """May this actor take over the sign-in of someone holding ``target_rights`` (reset
        their password, unlock them)? Never of someone holding a right over others' access
        (User Setup, Security, EPCS) that the actor lacks, and of a User Setup operator only
        when they may edit roles: a desk cannot take over a desk. The practice's own areas
        (scheduling, billing) do not stand in the way: the front desk resets a nurse."""
        if not (target_rights & ADMINISTRATIVE_RIGHTS) <= self.rights_now():
            return False
        return not (target_rights & USER_SETUP_RIGHTS) or self.may(Right.EDIT_ROLES)

    def may_edit(self, target_rights: frozenset[Right]) -> bool:
        """May this actor change someone holding ``target_rights``? Only when they hold every
        one of them (FreeIPA's CVE-2020-10747: user administrators could change admins)."""
        return target_rights <= self.rights_now()

    def require_may_manage(self, target_rights: frozenset[Right], who: str) -> None:
        if not self.may_manage(target_rights):
            raise NotAllowedError(
                f"{who} may use User Setup; only an Administrator can reset or unlock them."
            )
