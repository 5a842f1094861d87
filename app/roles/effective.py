"""Which rights a user holds, and where each comes from.

A user holds the rights of their active roles, given directly (user_roles) or through an
active user group they belong to (group_members → group_roles); the built-in Administrator
role holds every right whatever its stored rows say. This is the one reading of that rule:
the sign-in, every check of the window and the command line, the Roles section's "Effective
rights" panel, "Who has this right?" and ``usersetup rights check`` all ask here. Keys a newer
version of the program stored are ignored, not refused.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, null, select, union_all
from sqlalchemy.orm import Session

from app.access import Actor
from app.db.models import (
    BuiltInRole,
    GroupMember,
    GroupRole,
    Role,
    RoleRight,
    User,
    UserGroup,
    UserRole,
)
from app.errors import NotAllowedError
from app.rights import EVERY_RIGHT, Right


@dataclass(frozen=True, order=True)
class Source:
    """Where a right comes from: a role given directly, or a role of one of their groups."""

    role: str
    group: str | None = None

    def __str__(self) -> str:
        if self.group is None:
            return f"{self.role} role"
        return f"{self.group} group → {self.role} role"


@dataclass(frozen=True)
class EffectiveRights:
    """Every right a user ends up with, each with all of its sources (sorted), and the names of
    every active role they hold, directly or through a group, rights or none."""

    sources: dict[Right, tuple[Source, ...]] = field(default_factory=dict)
    roles: tuple[str, ...] = ()

    @property
    def rights(self) -> frozenset[Right]:
        return frozenset(self.sources)

    def __contains__(self, right: object) -> bool:
        return right in self.sources


NONE = EffectiveRights()


def _grants(company_id: int) -> Select[tuple[int, str | None, str, str | None, str | None]]:
    """(user, group or NULL, role, built-in, right or NULL) for every active role a user of
    the company holds, directly or through an active group: one statement."""
    direct = (
        select(
            UserRole.user_pk.label("user_pk"),
            null().label("group_name"),
            Role.name.label("role_name"),
            Role.built_in.label("built_in"),
            RoleRight.right.label("right"),
        )
        .join(Role, Role.id == UserRole.role_id)
        .outerjoin(RoleRight, RoleRight.role_id == Role.id)
        .where(Role.company_id == company_id, Role.active)
    )
    grouped = (
        select(
            GroupMember.user_pk,
            UserGroup.name,
            Role.name,
            Role.built_in,
            RoleRight.right,
        )
        .join(UserGroup, UserGroup.id == GroupMember.group_id)
        .join(GroupRole, GroupRole.group_id == UserGroup.id)
        .join(Role, Role.id == GroupRole.role_id)
        .outerjoin(RoleRight, RoleRight.role_id == Role.id)
        .where(UserGroup.company_id == company_id, UserGroup.active, Role.active)
    )
    return union_all(direct, grouped)  # type: ignore[return-value]


def _source_order(source: Source) -> tuple[str, bool, str]:
    """By role, the direct source first: a role held directly and through a group has a
    source with no group, which does not compare with a group's name."""
    return (source.role, source.group is not None, source.group or "")


def _gather(
    rows: Iterable[tuple[int, str | None, str, str | None, str | None]],
) -> dict[int, EffectiveRights]:
    found: dict[int, dict[Right, set[Source]]] = defaultdict(lambda: defaultdict(set))
    roles: dict[int, set[str]] = defaultdict(set)
    for user_pk, group, role, built_in, key in rows:
        source = Source(role, group)
        rights = found[user_pk]
        roles[user_pk].add(role)
        if built_in == BuiltInRole.ADMINISTRATOR:
            for right in EVERY_RIGHT:
                rights[right].add(source)
        elif key is not None and key in Right._value2member_map_:
            rights[Right(key)].add(source)
    return {
        pk: EffectiveRights(
            {r: tuple(sorted(s, key=_source_order)) for r, s in sorted(rights.items())},
            tuple(sorted(roles[pk], key=str.casefold)),
        )
        for pk, rights in found.items()
    }


def effective_rights(
    session: Session, company_id: int, user_pks: Collection[int] | None = None
) -> dict[int, EffectiveRights]:
    """The effective rights of the company's users (of ``user_pks`` only, when given), in one
    statement; a user with no role is missing from the answer."""
    grants = _grants(company_id).subquery()
    query = select(*grants.c)
    if user_pks is not None:
        if not user_pks:
            return {}
        query = query.where(grants.c.user_pk.in_(list(user_pks)))
    return _gather(session.execute(query).all())


def grants_of(
    company_id: int, user_pk: int
) -> Select[tuple[int, str | None, str, str | None, str | None]]:
    """The rows ``rights_from`` reads one user's rights from, for a caller that reads them
    within a statement of its own (the Roles section, with its choices: one round trip)."""
    grants = _grants(company_id).subquery()
    return select(*grants.c).where(grants.c.user_pk == user_pk)


def rights_from(
    user_pk: int, rows: Iterable[tuple[int, str | None, str, str | None, str | None]]
) -> EffectiveRights:
    """One user's effective rights from the rows of ``grants_of``."""
    return _gather(rows).get(user_pk, NONE)


def rights_of(session: Session, company_id: int, user_pk: int) -> EffectiveRights:
    """One user's effective rights, in one statement."""
    return effective_rights(session, company_id, [user_pk]).get(user_pk, NONE)


def user_and_rights(
    session: Session, company_id: int, which: int | ColumnElement[bool]
) -> tuple[User | None, EffectiveRights]:
    """A user's row and their effective rights in the company, in one statement: one round
    trip, not two. ``which`` is the user's primary key (the operator's, read again before each
    change) or a condition that names one user of the company (the sign-in's typed user ID)."""
    grants = _grants(company_id).subquery()
    rows = session.execute(
        select(User, *grants.c)
        .outerjoin(grants, grants.c.user_pk == User.id)
        .where(User.id == which if isinstance(which, int) else which)
    ).all()
    if not rows:
        return None, NONE
    user = rows[0][0]
    held = _gather(row[1:] for row in rows if row[1] is not None)
    return user, held.get(user.id, NONE)


def holders(session: Session, company_id: int, right: Right) -> dict[int, tuple[Source, ...]]:
    """Who holds ``right`` (active or not; the caller decides), with where it comes from."""
    return {
        pk: held.sources[right]
        for pk, held in effective_rights(session, company_id).items()
        if right in held
    }


def locked_holders(session: Session, company_id: int, right: Right) -> set[int]:
    """The users who hold ``right``, read with locks on the rows that give it, so that two
    transactions each taking it from someone go one after the other and the second sees the
    first's change (PostgreSQL, MariaDB; SQLite has one writer at a time). Four statements;
    only saves that could take away the last holder of a right ask it."""
    found: set[int] = set()
    for through_group in (False, True):
        for by_right in (False, True):
            if through_group:
                query = (
                    select(GroupMember.user_pk)
                    .join(UserGroup, UserGroup.id == GroupMember.group_id)
                    .join(GroupRole, GroupRole.group_id == UserGroup.id)
                    .join(Role, Role.id == GroupRole.role_id)
                    .where(UserGroup.company_id == company_id, UserGroup.active, Role.active)
                )
            else:
                query = (
                    select(UserRole.user_pk)
                    .join(Role, Role.id == UserRole.role_id)
                    .where(Role.company_id == company_id, Role.active)
                )
            if by_right:
                query = query.join(RoleRight, RoleRight.role_id == Role.id).where(
                    RoleRight.right == right.value
                )
            else:
                query = query.where(Role.built_in == BuiltInRole.ADMINISTRATOR.value)
            found.update(session.scalars(query.with_for_update()))
    return found


def refuse_editing_stronger(actor: Actor, held: EffectiveRights, who: str) -> None:
    """NotAllowedError when the user holds a right the actor lacks."""
    if not actor.may_edit(held.rights):
        missing = ", ".join(sorted(r.label for r in held.rights - actor.rights_now()))
        raise NotAllowedError(
            f"{who} holds rights you do not ({missing}); only someone who holds them may "
            "change this user."
        )


__all__ = [
    "NONE",
    "EffectiveRights",
    "Source",
    "effective_rights",
    "grants_of",
    "holders",
    "locked_holders",
    "refuse_editing_stronger",
    "rights_from",
    "rights_of",
    "user_and_rights",
]
