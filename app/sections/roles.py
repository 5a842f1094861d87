"""The Roles section: a user's roles, their user groups, their department, and every right
they end up with and where it comes from.

Roles given directly are ruled by app.roles.assignments (UserRoles), memberships by
app.roles.memberships (UserGroups): both refuse changing one's own, giving rights the actor
lacks, changing a user who holds rights the actor lacks, choosing what was deactivated, and
taking away the last user who can sign in and edit roles. This section adds the company's
base role (every user holds it, directly or through a group) and asks for the operator's
password again before newly giving someone a User Setup right. The department is a field of
the User section (the User page picks it); it is shown here, read-only, beside the rights.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    case,
    cast,
    exists,
    literal_column,
    null,
    select,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Session

from app.access import USER_SETUP_RIGHTS, Right, refusal
from app.db.models import (
    Department,
    GroupMember,
    Role,
    RoleSettingsRow,
    User,
    UserGroup,
    UserRole,
)
from app.epcs.service import Epcs, EpcsStatus
from app.errors import NotFoundError, ValidationError
from app.roles.assignments import (
    ROLES_FIELD,
    UserRoles,
    refuse_escalation,
    rights_given_by,
    role_choices,
)
from app.roles.base_role import base_role, require_base_role
from app.roles.effective import NONE, EffectiveRights, Source, grants_of, rights_from
from app.roles.memberships import (
    GROUPS_FIELD,
    GroupChoice,
    UserGroups,
    group_choices,
    refuse_inactive_groups,
    rights_of_groups,
)
from app.sections.base import Copied, Section, SectionSaved, Target
from app.users.records import record_of
from app.users.writer import UserWriter
from app.workplace import Work


@dataclass(frozen=True)
class RoleItem:
    """One role of the company's list, and whether the user holds it directly."""

    id: int
    name: str
    description: str
    active: bool
    held: bool
    built_in: str | None = None


@dataclass(frozen=True)
class GroupItem:
    """One user group of the company's list, and whether the user belongs to it."""

    id: int
    name: str
    description: str
    active: bool
    member: bool


@dataclass(frozen=True)
class RolesState:
    """The section for one user: the roles to choose from (the active ones, and inactive ones
    the user still holds), the groups likewise, the user's department by name, and their
    effective rights as stored (read-only)."""

    roles: tuple[RoleItem, ...] = ()
    groups: tuple[GroupItem, ...] = ()
    department: str | None = None
    department_active: bool = True
    effective: EffectiveRights = NONE
    base_role_id: int | None = None  # the company's base role (None: no such rule)
    epcs: EpcsStatus | None = None  # a stored user linked to a provider: their EPCS state

    @property
    def role_ids(self) -> frozenset[int]:
        return frozenset(r.id for r in self.roles if r.held)

    @property
    def group_ids(self) -> frozenset[int]:
        return frozenset(g.id for g in self.groups if g.member)

    @property
    def base_role(self) -> RoleItem | None:
        return next((r for r in self.roles if r.id == self.base_role_id), None)


@dataclass(frozen=True)
class RolesEdit:
    """The section as ticked: the user's direct roles and their groups, by row id."""

    role_ids: frozenset[int]
    group_ids: frozenset[int]

    def __init__(self, role_ids: Any, group_ids: Any = ()) -> None:
        object.__setattr__(self, "role_ids", frozenset(role_ids))
        object.__setattr__(self, "group_ids", frozenset(group_ids))


@dataclass(frozen=True)
class RolesChecked:
    """A checked edit; ``drops_roles``: it takes direct roles away (the groups are then
    stored first, so a user moving from a role to a group that has it keeps it throughout)."""

    role_ids: frozenset[int]
    group_ids: frozenset[int]
    drops_roles: bool = False


def _word(text: str) -> Any:
    return literal_column(f"'{text}'", String)


def _choices(
    company_id: int, user_pk: int | None, department_id: int | None
) -> CompoundSelect[Any]:
    """(kind, id, name, description, active, ticked, built_in, right) for every role and user
    group of the company (ticked: held by, or a member of, the user), the user's department,
    the company's base role, and each of the user's grants (role, group, right: as
    app.roles.effective reads them): one statement."""
    one, zero = literal_column("1", Integer), literal_column("0", Integer)
    if user_pk is None:
        holds: Any = zero
        member: Any = zero
    else:
        holds = case(
            (exists().where(UserRole.user_pk == user_pk, UserRole.role_id == Role.id), one),
            else_=zero,
        )
        member = case(
            (
                exists().where(
                    GroupMember.user_pk == user_pk, GroupMember.group_id == UserGroup.id
                ),
                one,
            ),
            else_=zero,
        )
    no_built_in = cast(null(), String(20))
    no_right = cast(null(), String(60))
    parts: list[Select[Any]] = [
        select(
            _word("role").label("kind"),
            Role.id.label("id"),
            Role.name.label("name"),
            Role.description.label("description"),
            Role.active.label("active"),
            holds.label("ticked"),
            Role.built_in.label("built_in"),
            no_right.label("right"),
        ).where(Role.company_id == company_id),
        select(
            _word("group"),
            UserGroup.id,
            UserGroup.name,
            UserGroup.description,
            UserGroup.active,
            member,
            no_built_in,
            no_right,
        ).where(UserGroup.company_id == company_id),
        select(
            _word("base"),
            RoleSettingsRow.base_role_id,
            _word(""),
            _word(""),
            sql_true(),
            zero,
            no_built_in,
            no_right,
        ).where(RoleSettingsRow.company_id == company_id),
    ]
    if user_pk is not None:
        grants = grants_of(company_id, user_pk).subquery()
        parts.append(
            select(
                _word("grant"),
                cast(null(), Integer),
                grants.c.role_name,
                grants.c.group_name,
                sql_true(),
                zero,
                grants.c.built_in,
                grants.c.right,
            )
        )
    if department_id is not None:
        parts.append(
            select(
                _word("department"),
                Department.id,
                Department.name,
                _word(""),
                Department.active,
                one,
                no_built_in,
                no_right,
            ).where(Department.id == department_id, Department.company_id == company_id)
        )
    first, *rest = parts
    return first.union_all(*rest)


def _read_choices(
    session: Session, company_id: int, user_pk: int | None, department_id: int | None
) -> RolesState:
    """The choices and ticks of ``_choices``: the active roles and groups, and inactive ones
    only when ticked (a deactivated role is not offered anew); the user's effective rights."""
    roles: list[RoleItem] = []
    groups: list[GroupItem] = []
    department: str | None = None
    department_active = True
    base: int | None = None
    grants: list[tuple[int, str | None, str, str | None, str | None]] = []
    for kind, pk, name, description, active, ticked, built_in, right in session.execute(
        _choices(company_id, user_pk, department_id)
    ):
        if kind == "grant" and user_pk is not None:  # the role's name, its group's
            grants.append((user_pk, description, name, built_in, right))
        elif kind == "role" and (active or ticked):
            roles.append(RoleItem(pk, name, description, bool(active), bool(ticked), built_in))
        elif kind == "group" and (active or ticked):
            groups.append(GroupItem(pk, name, description, bool(active), bool(ticked)))
        elif kind == "department":
            department, department_active = name, bool(active)
        elif kind == "base":
            base = pk
    return RolesState(
        tuple(sorted(roles, key=lambda r: r.name.casefold())),
        tuple(sorted(groups, key=lambda g: g.name.casefold())),
        department,
        department_active,
        rights_from(user_pk, grants) if user_pk is not None else NONE,
        base,
    )


class RolesSection(Section[RolesState, RolesEdit, RolesChecked]):
    key: ClassVar[str] = "roles"
    title: ClassVar[str] = "Roles"
    order: ClassVar[int] = 10
    icon: ClassVar[str] = "roles"
    tooltip: ClassVar[str] = (
        "Roles and user groups of the selected user, and every right they end up with"
    )
    edit_right: ClassVar[Right] = Right.EDIT_ROLES
    saved_when_new: ClassVar[bool] = True  # a new user gets the base role, page shown or not

    def load(self, work: Work, user: User) -> RolesState:
        """One statement: the choices with the user's ticks, and their effective rights; for a
        user linked to a provider, one more in the same transaction: their EPCS requests (the
        state shown beside the roles, as Epcs.status reads it from the row already read)."""
        state = _read_choices(work.session, work.company.id, user.id, user.department_id)
        if user.provider_id is None:
            return state
        epcs = Epcs(work.session, work.company, work.actor, work.clock)
        return replace(state, epcs=epcs.status(user.id))

    def blank(self, work: Work) -> RolesState:
        """A new user holds the company's base role, and so its rights."""
        state = _read_choices(work.session, work.company.id, None, None)
        base = state.base_role
        if base is None or not base.active:
            return state
        rights = rights_given_by(work.session, work.company, [base.id]).get(base.id, frozenset())
        source = (Source(base.name),)
        return replace(
            state,
            roles=tuple(replace(r, held=r.id == base.id) for r in state.roles),
            effective=EffectiveRights({r: source for r in sorted(rights)}, (base.name,)),
        )

    def copy(self, work: Work, source: RolesState) -> Copied[RolesState]:
        """The active roles and groups of the user copied (a deactivated one gives nothing
        and is not given anew); their department comes with the User section."""
        base = source.base_role
        roles = tuple(
            replace(r, held=True) if base is not None and r.id == base.id else r
            for r in source.roles
            if r.active
        )  # the base role too, for a user copied from before the company named it
        groups = tuple(g for g in source.groups if g.active)
        copied = replace(source, roles=roles, groups=groups, epcs=None)
        carried: list[str] = []
        held = [r.name for r in source.roles if r.held and r.active]
        if held:
            carried.append(f"the {_plural('role', held)} {', '.join(held)}")
        joined = [g.name for g in groups if g.member]
        if joined:
            carried.append(f"the {_plural('user group', joined)} {', '.join(joined)}")
        if source.department:
            carried.append(f"the department {source.department}")
        return Copied(copied, tuple(carried))

    def edit_of(self, state: RolesState) -> RolesEdit:
        return RolesEdit(state.role_ids, state.group_ids)

    def check(
        self, work: Work, target: Target, current: RolesState | None, edit: RolesEdit
    ) -> RolesChecked:
        """``current`` is what the database holds, read by the editor (read here when a
        caller gives none): the edit is compared with it, so an edit that claims to change
        nothing skips no rule."""
        roles, groups = edit.role_ids, edit.group_ids
        if target.pk is None:
            return self._check_new(work, roles, groups)
        session, company, actor, clock = work.session, work.company, work.actor, work.clock
        user = UserWriter(session, company, actor).load(target.pk)  # read once per transaction
        stored = current if current is not None else self.load(work, user)
        if (roles, groups) == (stored.role_ids, stored.group_ids):
            return RolesChecked(roles, groups)  # unchanged: nothing to ask
        errors: dict[str, str] = {}
        try:
            UserRoles(session, company, actor, clock).check(user, roles)
        except ValidationError as exc:
            errors.update(exc.errors)
        try:
            UserGroups(session, company, actor, clock).check(user, groups)
        except ValidationError as exc:
            errors.update(exc.errors)
        if not errors:
            try:
                require_base_role(session, company.id, roles, groups)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        self._fresh_password_for_setup_rights(
            work,
            roles - stored.role_ids,
            groups - stored.group_ids,
            stored.effective.rights,
        )
        return RolesChecked(roles, groups, drops_roles=bool(stored.role_ids - roles))

    def _check_new(self, work: Work, roles: frozenset[int], groups: frozenset[int]) -> RolesChecked:
        """A new user's roles and groups (New, or Copy User): nothing to take away and nobody
        stronger to edit, but no right given that the actor lacks, nothing deactivated, and
        the base role held. Giving the base role alone is the practice's rule, not a choice:
        whoever may add users gives it, with no right to edit roles."""
        session, company, actor = work.session, work.company, work.actor
        base = base_role(session, company.id)
        errors: dict[str, str] = {}
        known_roles = {c.id: c for c in role_choices(session, company)} if roles else {}
        known_groups: dict[int, GroupChoice] = (
            {c.id: c for c in group_choices(session, company)} if groups else {}
        )
        unknown = (roles - known_roles.keys()) | (groups - known_groups.keys())
        if unknown:
            raise NotFoundError(f"Role or group #{min(unknown)} does not exist in {company.code}.")
        if roles - {base[0] if base else None} and not actor.may(Right.EDIT_ROLES):
            errors[ROLES_FIELD] = refusal(Right.EDIT_ROLES)
        if groups and not actor.may(Right.EDIT_GROUPS):
            errors[GROUPS_FIELD] = refusal(Right.EDIT_GROUPS)
        inactive = sorted(
            (known_roles[pk].name for pk in roles if not known_roles[pk].active), key=str.casefold
        )
        if inactive and ROLES_FIELD not in errors:
            errors[ROLES_FIELD] = f"{', '.join(inactive)} is deactivated; activate it first."
        if GROUPS_FIELD not in errors:
            try:
                refuse_inactive_groups(known_groups, groups)
            except ValidationError as exc:
                errors.update(exc.errors)
        if ROLES_FIELD not in errors and roles:
            given = frozenset().union(*rights_given_by(session, company, roles).values())
            try:
                refuse_escalation(actor, given)
            except ValidationError as exc:
                errors.update(exc.errors)
        if GROUPS_FIELD not in errors and groups:
            try:
                refuse_escalation(actor, rights_of_groups(session, company, groups), GROUPS_FIELD)
            except ValidationError as exc:
                errors.update(exc.errors)
        if not errors:
            try:
                require_base_role(session, company.id, roles, groups)
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        self._fresh_password_for_setup_rights(work, roles, groups, frozenset())
        return RolesChecked(roles, groups)

    @staticmethod
    def _fresh_password_for_setup_rights(
        work: Work,
        roles_added: frozenset[int],
        groups_added: frozenset[int],
        held: frozenset[Right],
    ) -> None:
        """Newly giving someone a User Setup right asks for the operator's password again
        when they last entered it more than five minutes ago (PasswordAgainError)."""
        if work.actor.is_database_administrator or not (roles_added or groups_added):
            return
        session, company = work.session, work.company
        given = frozenset().union(*rights_given_by(session, company, roles_added).values())
        given |= rights_of_groups(session, company, groups_added)
        if not given & USER_SETUP_RIGHTS:
            return
        if (given & USER_SETUP_RIGHTS) - held:
            work.actor.require_fresh_password(work.clock())

    def save(self, work: Work, target: Target, checked: RolesChecked) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        session, company, actor, clock = work.session, work.company, work.actor, work.clock
        user = UserWriter(session, company, actor).load(target.pk, target.version)
        roles = UserRoles(session, company, actor, clock)
        groups = UserGroups(session, company, actor, clock)
        if checked.drops_roles:  # join before leaving: the rights the groups give stay held
            groups.save(user, checked.group_ids)
            roles.save(user, checked.role_ids)
        else:
            roles.save(user, checked.role_ids)
            groups.save(user, checked.group_ids)
        return SectionSaved(record_of(user))

    def as_json(self, work: Work, state: RolesState) -> dict[str, Any]:
        return {
            "roles": [r.name for r in state.roles if r.held],
            "groups": [g.name for g in state.groups if g.member],
            "department": state.department,
            "effective_rights": [
                {"key": right.value, "label": right.label, "sources": [str(s) for s in sources]}
                for right, sources in state.effective.sources.items()
            ],
        }


def _plural(word: str, names: list[str]) -> str:
    return word if len(names) == 1 else f"{word}s"
