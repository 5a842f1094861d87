"""The practice's base role: a role every user must hold (one practice system's "TABS role is
always required").

Setting it gives it, in the same transaction, to every active user who holds it neither
directly nor through an active group, each audited as their roles changing; from then on a
user saved without it is refused beside their roles (``require_base_role``, which the Roles
section asks). Deactivating the base role is refused by Role Setup (the rule belongs there:
this module only reads that a base role is active when it is set).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.models import GroupMember, GroupRole, Role, RoleSettingsRow, User, UserGroup, UserRole
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import (
    ROLES_FIELD,
    refuse_editing_stronger,
    refuse_escalation,
    rights_given_by,
)
from app.roles.effective import NONE, effective_rights

BASE_ROLE_FIELD = "base_role"
WHAT = "The base role setting"


@dataclass(frozen=True)
class BaseRoleSet:
    """What setting the base role did: the role now (None: no rule), the settings' version,
    and the users it was given to (by user ID)."""

    role_id: int | None
    name: str | None
    version: int
    given_to: tuple[str, ...] = ()


def base_role(session: Session, company_id: int) -> tuple[int, str] | None:
    """The company's base role (its id and name); None when there is no such rule. One
    statement."""
    row = session.execute(
        select(Role.id, Role.name)
        .join(RoleSettingsRow, RoleSettingsRow.base_role_id == Role.id)
        .where(RoleSettingsRow.company_id == company_id)
    ).first()
    return (row[0], row[1]) if row is not None else None


def base_role_message(name: str) -> str:
    return (
        f"Every user must hold the \u201c{name}\u201d role (the practice's base role): tick it, "
        "or add them to a group that has it."
    )


def require_base_role(
    session: Session,
    company_id: int,
    role_ids_of_user: Collection[int],
    group_ids_of_user: Collection[int],
    field: str = ROLES_FIELD,
) -> None:
    """ValidationError beside ``field`` when a user with these direct roles and groups would
    hold the base role neither directly nor through an active group. One statement, two
    when the groups must be asked."""
    base = base_role(session, company_id)
    if base is None or base[0] in role_ids_of_user:
        return
    if group_ids_of_user:
        through_group = session.scalar(
            select(GroupRole.group_id)
            .join(UserGroup, UserGroup.id == GroupRole.group_id)
            .where(
                GroupRole.role_id == base[0],
                UserGroup.active,
                GroupRole.group_id.in_(sorted(group_ids_of_user)),
            )
            .limit(1)
        )
        if through_group is not None:
            return
    raise ValidationError({field: base_role_message(base[1])})


def base_role_version(session: Session, company_id: int) -> int:
    """The version a change of the base role must be read at (0: never set)."""
    version = session.scalar(
        select(RoleSettingsRow.version).where(RoleSettingsRow.company_id == company_id)
    )
    return int(version or 0)


def set_base_role(
    session: Session,
    company: CompanyInfo,
    actor: Actor,
    clock: Clock,
    role_id: int | None,
    expected_version: int,
) -> BaseRoleSet:
    """Name the base role (None: no rule), audited; the role is given at once to every active
    user who lacks it, each audited as their roles changing. Needs "Company settings" and
    "Edit roles and rights", an active role, and only rights the actor holds; ConflictError
    when the setting was saved elsewhere after ``expected_version`` was read."""
    actor.require(Right.COMPANY_SETTINGS)
    actor.require(Right.EDIT_ROLES)
    row = session.get(RoleSettingsRow, company.id)
    if (row.version if row is not None else 0) != expected_version:
        raise ConflictError(
            row.updated_by if row is not None else None,
            row.updated_at if row is not None else None,
            WHAT,
        )
    before = base_role(session, company.id)
    if (before[0] if before else None) == role_id:
        return BaseRoleSet(role_id, before[1] if before else None, expected_version)
    role: Role | None = None
    if role_id is not None:
        role = session.get(Role, role_id)
        if role is None or role.company_id != company.id:
            raise NotFoundError(f"Role #{role_id} does not exist in {company.code}.")
        if not role.active:
            raise ValidationError(
                {BASE_ROLE_FIELD: f"{role.name} is deactivated; activate it first."}
            )
        granted = rights_given_by(session, company, [role.id]).get(role.id, frozenset())
        refuse_escalation(actor, granted, BASE_ROLE_FIELD)
        actor.require_fresh_password(clock())
    now = clock()
    if row is None:
        row = RoleSettingsRow(company_id=company.id)
        session.add(row)
    row.base_role_id = role_id
    row.updated_at, row.updated_by = now, actor.name[:100]
    try:
        session.flush()
    except StaleDataError as exc:
        raise ConflictError(None, None, WHAT) from exc
    given = _give_to_everyone(session, company, actor, role, now) if role is not None else ()
    audit.record(
        session,
        at=now,
        operator=actor.name,
        company_id=company.id,
        user_pk=None,
        action=Action.BASE_ROLE_CHANGED,
        changes=[
            Change(BASE_ROLE_FIELD, before[1] if before else None, role.name if role else None),
            *([said("given to", list(given))] if given else []),
        ],
    )
    return BaseRoleSet(role_id, role.name if role else None, int(row.version), given)


def _lacking(role_id: int) -> ColumnElement[bool]:
    """A user row holds the role neither directly nor through an active group."""
    direct = exists().where(UserRole.user_pk == User.id, UserRole.role_id == role_id)
    grouped = (
        exists()
        .where(GroupMember.user_pk == User.id)
        .where(UserGroup.id == GroupMember.group_id, UserGroup.active)
        .where(GroupRole.group_id == UserGroup.id, GroupRole.role_id == role_id)
    )
    return and_(~direct, ~grouped)


def guard_base_role_kept(
    session: Session, company_id: int, user_pks: Collection[int], field: str
) -> None:
    """After a change that could take the base role from these users (flushed here): refuse
    it beside ``field``, naming the active ones who no longer hold it (a member taken out of
    the group that gave it them, say). One statement, two with a base role."""
    if not user_pks:
        return
    base = base_role(session, company_id)
    if base is None:
        return
    session.flush()
    lost = list(
        session.scalars(
            select(User.user_id)
            .where(User.company_id == company_id, User.active, User.id.in_(sorted(user_pks)))
            .where(_lacking(base[0]))
            .order_by(User.user_id_key)
        )
    )
    if lost:
        who = ", ".join(lost)
        raise ValidationError(
            {
                field: f"{who} would no longer hold the \u201c{base[1]}\u201d role (the "
                "practice's base role); give it to them directly first."
            }
        )


def _give_to_everyone(
    session: Session, company: CompanyInfo, actor: Actor, role: Role, now: datetime
) -> tuple[str, ...]:
    """Give ``role`` directly to every active user who holds it neither directly nor through
    an active group; their user IDs. Four statements whatever the number of users (and the
    inserts)."""
    users = list(
        session.execute(
            select(User.id, User.user_id)
            .where(User.company_id == company.id, User.active, _lacking(role.id))
            .order_by(User.user_id_key)
        )
    )
    if not users:
        return ()
    pks = [pk for pk, _ in users]
    held = effective_rights(session, company.id, pks)
    for pk, user_id in users:
        refuse_editing_stronger(actor, held.get(pk, NONE), user_id)
    names: dict[int, list[str]] = defaultdict(list)
    for pk, name in session.execute(
        select(UserRole.user_pk, Role.name)
        .join(Role, Role.id == UserRole.role_id)
        .where(UserRole.user_pk.in_(pks))
    ):
        names[pk].append(name)
    session.add_all(UserRole(user_pk=pk, role_id=role.id) for pk in pks)
    session.flush()
    for pk, _user_id in users:
        before = sorted(names[pk], key=str.casefold)
        audit.record(
            session,
            at=now,
            operator=actor.name,
            company_id=company.id,
            user_pk=pk,
            action=Action.USER_ROLE_CHANGED,
            changes=[
                Change(ROLES_FIELD, before, sorted([*before, role.name], key=str.casefold)),
                said("reason", "the practice's base role"),
            ],
        )
    wanted = set(pks)
    for user in list(session.identity_map.values()):
        if isinstance(user, User) and user.id in wanted:
            session.expire(user, ["holds_administrative_right"])
    return tuple(user_id for _, user_id in users)


__all__ = [
    "BASE_ROLE_FIELD",
    "BaseRoleSet",
    "base_role",
    "base_role_message",
    "base_role_version",
    "guard_base_role_kept",
    "require_base_role",
    "set_base_role",
]
