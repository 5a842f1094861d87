"""Which roles a user holds directly: given and taken away under the no-escalation rules.

Nobody grants a right they do not hold themselves, changes a user who holds a right they lack
(FreeIPA's CVE-2020-10747), changes their own roles, or takes away the last active holder of
"Edit roles and rights". Each rule is asked here, in the caller's transaction, whoever calls:
the Roles section, the command line, the demo.
"""

from __future__ import annotations

import abc
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Delete, delete, select
from sqlalchemy.orm import Session

from app.access import Actor
from app.audit import Action, Change
from app.clock import Clock
from app.db.models import BuiltInRole, GroupMember, Role, RoleRight, User, UserRole
from app.errors import NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import EVERY_RIGHT, USER_SETUP_RIGHTS, Right
from app.roles.effective import refuse_editing_stronger, rights_of
from app.users.access_kept import guard_keeper_kept, usable_holders
from app.users.writer import UserWriter

ROLES_FIELD = "roles"


@dataclass(frozen=True)
class RoleChoice:
    """A role as the pick lists show it."""

    id: int
    name: str
    description: str
    built_in: str | None
    active: bool


def role_choices(session: Session, company: CompanyInfo) -> list[RoleChoice]:
    """The company's roles, active ones and inactive ones, by name."""
    rows = session.scalars(
        select(Role).where(Role.company_id == company.id).order_by(Role.name_key)
    )
    return [RoleChoice(r.id, r.name, r.description, r.built_in, r.active) for r in rows]


def direct_role_ids(session: Session, user_pk: int) -> frozenset[int]:
    """The roles given to the user directly (not through a group)."""
    return frozenset(session.scalars(select(UserRole.role_id).where(UserRole.user_pk == user_pk)))


def rights_given_by(
    session: Session, company: CompanyInfo, role_ids: Collection[int]
) -> dict[int, frozenset[Right]]:
    """Each role's rights as a holder ends up with them (Administrator: every right)."""
    if not role_ids:
        return {}
    given: dict[int, set[Right]] = {pk: set() for pk in role_ids}
    rows = session.execute(
        select(Role.id, Role.built_in, RoleRight.right)
        .outerjoin(RoleRight, RoleRight.role_id == Role.id)
        .where(Role.company_id == company.id, Role.id.in_(list(role_ids)))
    )
    for role_id, built_in, key in rows:
        if built_in == BuiltInRole.ADMINISTRATOR:
            given[role_id] |= EVERY_RIGHT
        elif key in Right._value2member_map_:
            given[role_id].add(Right(key))
    return {pk: frozenset(r) for pk, r in given.items()}


def refuse_escalation(actor: Actor, granted: frozenset[Right], field: str = ROLES_FIELD) -> None:
    """ValidationError beside ``field`` naming the rights the actor would give but lacks."""
    missing = granted - actor.rights_now()
    if missing:
        names = ", ".join(sorted(r.label for r in missing))
        raise ValidationError({field: f"You cannot give rights you do not hold yourself: {names}."})


def require_fresh_password_for(
    actor: Actor,
    granted: frozenset[Right],
    now: datetime,
    held: frozenset[Right] = frozenset(),
) -> None:
    """PasswordAgainError when ``granted`` newly gives a User Setup right (one not in ``held``,
    what the user holds already) and the actor last entered their password more than
    FRESH_PASSWORD ago (app.access): whoever is given those rights can change others' access,
    so a window left signed in does not hand them out. Asked last, once every other rule has
    passed, so that the password is not asked for a change refused anyway; the roles of a
    user, of a group and Role Setup's edits all ask it."""
    if (granted & USER_SETUP_RIGHTS) - held:
        actor.require_fresh_password(now)


class UserLinks(abc.ABC):
    """A user's links to roles (``UserRoles``) or to user groups (``UserGroups``), in the
    caller's transaction, for ``actor``: both store a checked set the same way."""

    field: str  # the field the change is audited under, and refusals are shown beside
    action: Action

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock
        self.writer = UserWriter(session, company, actor)

    @abc.abstractmethod
    def linked(self, user_pk: int) -> frozenset[int]:
        """The ids the user is linked to now."""

    @abc.abstractmethod
    def names(self) -> dict[int, str]:
        """Every id the company has, by its name, for the audit trail."""

    @abc.abstractmethod
    def unlink(self, user_pk: int, ids: list[int]) -> Delete:
        """The statement that takes these links away."""

    @abc.abstractmethod
    def link(self, user_pk: int, linked_id: int) -> UserRole | GroupMember:
        """The row of one new link."""

    def save(self, user: User, wanted: frozenset[int]) -> list[Change]:
        """Store a checked set (see ``check``) in the caller's transaction, audited with the
        names before and after; the changes (none when nothing changed). Taking a link away
        may take away "Edit roles and rights": the last user who could sign in with it stays."""
        current = self.linked(user.id)
        if wanted == current:
            return []
        names = self.names()
        taken = current - wanted
        keepers = usable_holders(self.session, self.company, self.clock()) if taken else set()
        if taken:
            self.session.execute(self.unlink(user.id, sorted(taken)))
        self.session.add_all(self.link(user.id, r) for r in sorted(wanted - current))
        self.session.flush()
        if taken:
            guard_keeper_kept(
                self.session,
                self.company,
                self.clock(),
                keepers,
                self.field,
                (user.id, user.user_id),
            )
        change = Change(
            self.field,
            sorted((names[r] for r in current), key=str.casefold),
            sorted((names[r] for r in wanted), key=str.casefold),
        )
        self.writer.save(user, self.action, [change], self.clock())
        self.session.expire(user, ["holds_administrative_right"])
        return [change]


class UserRoles(UserLinks):
    """A user's direct roles, in the caller's transaction, for ``actor``."""

    field = ROLES_FIELD
    action = Action.USER_ROLE_CHANGED

    def linked(self, user_pk: int) -> frozenset[int]:
        return direct_role_ids(self.session, user_pk)

    def names(self) -> dict[int, str]:
        return {c.id: c.name for c in role_choices(self.session, self.company)}

    def unlink(self, user_pk: int, ids: list[int]) -> Delete:
        return delete(UserRole).where(UserRole.user_pk == user_pk, UserRole.role_id.in_(ids))

    def link(self, user_pk: int, linked_id: int) -> UserRole:
        return UserRole(user_pk=user_pk, role_id=linked_id)

    def check(self, user: User, role_ids: Collection[int]) -> frozenset[int]:
        """The roles as they would be stored, or NotAllowedError / ValidationError (or
        PasswordAgainError: roles giving User Setup rights, the password entered too long
        ago); writes nothing. Unchanged roles ask for no right: a copy of a user may keep
        theirs."""
        wanted = frozenset(role_ids)
        current = direct_role_ids(self.session, user.id)
        if wanted == current:
            return wanted
        self.actor.require(Right.EDIT_ROLES)
        if user.id == self.actor.user_pk:
            raise NotAllowedError("You cannot change your own roles; ask another Administrator.")
        known = {c.id: c for c in role_choices(self.session, self.company)}
        unknown = wanted - known.keys()
        if unknown:
            raise NotFoundError(f"Role #{min(unknown)} does not exist in {self.company.code}.")
        added = wanted - current
        inactive = sorted(known[pk].name for pk in added if not known[pk].active)
        if inactive:
            raise ValidationError(
                {ROLES_FIELD: f"{', '.join(inactive)} is deactivated; activate it first."}
            )
        held = rights_of(self.session, self.company.id, user.id)
        refuse_editing_stronger(self.actor, held, user.user_id)
        granted = frozenset().union(*rights_given_by(self.session, self.company, added).values())
        refuse_escalation(self.actor, granted)
        require_fresh_password_for(self.actor, granted, self.clock(), held.rights)
        return wanted

    def set_roles(
        self, pk: int, role_ids: Collection[int], expected_version: int | None = None
    ) -> list[Change]:
        """Give the user exactly ``role_ids`` as direct roles, audited with the roles' names
        before and after; the changes (none when nothing changed). Roles that leave the user
        without the practice's base role (held neither directly nor through one of their
        active groups) are refused beside the roles: the command line and the demo come this
        way, and the Roles section asks the same rule with the groups it saves beside them."""
        # Imported here: app.roles.base_role builds on this module's rules.
        from app.roles.base_role import require_base_role

        user = self.writer.load(pk, expected_version)
        wanted = self.check(user, role_ids)
        if wanted != direct_role_ids(self.session, user.id):
            groups = self.session.scalars(
                select(GroupMember.group_id).where(GroupMember.user_pk == user.id)
            )
            require_base_role(self.session, self.company.id, wanted, list(groups))
        return self.save(user, wanted)

    def set_built_in(self, pk: int, which: BuiltInRole | None) -> list[Change]:
        """Give the user the built-in role ``which`` in place of the other built-in one (None:
        neither); their other roles stay. What ``usersetup users set-role`` does."""
        built_in = {c.id: c.built_in for c in role_choices(self.session, self.company)}
        current = direct_role_ids(self.session, pk)
        wanted = {r for r in current if built_in.get(r) is None}
        wanted |= {r for r, b in built_in.items() if which is not None and b == which.value}
        return self.set_roles(pk, wanted)


__all__ = [
    "ROLES_FIELD",
    "RoleChoice",
    "UserLinks",
    "UserRoles",
    "direct_role_ids",
    "refuse_editing_stronger",
    "refuse_escalation",
    "require_fresh_password_for",
    "rights_given_by",
    "role_choices",
]
