"""User groups: a group's roles are held by every member while the group is active.

A group is a second way to give roles, so every rule of giving roles directly holds here too,
asked here in the caller's transaction whoever calls (the User Groups dialog, ``usersetup
groups``): nobody gives a group a role whose rights they lack, adds a member to a group whose
rights they lack, changes a member who holds rights they lack, changes a group they belong to
(it changes their own rights), or takes away the last user who can sign in and edit roles.
The rule checks are small functions in app.roles.group_rules, so that the user's side of
membership (the Roles section) asks the very same ones.

Membership changes are audited once per member, on the member's own trail (user_pk), with the
groups they belong to before and after: a privacy officer reads a user's history by the user,
and an event naming them only inside a group's list would not be found there. One more event
on the group says who was added or removed, for the group's own history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.models import GroupMember, GroupRole, Role, User, UserGroup
from app.db.named_lists import listed_with_counts
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import USER_SETUP_RIGHTS, Right
from app.roles.assignments import (
    ROLES_FIELD,
    refuse_escalation,
    require_fresh_password_for,
    rights_given_by,
    role_choices,
)
from app.roles.base_role import guard_base_role_kept
from app.roles.effective import NONE, EffectiveRights, effective_rights
from app.roles.group_rules import (
    MEMBERS_FIELD,
    refuse_group_roles_change,
    refuse_membership_change,
    refuse_own_group,
    refuse_stronger_members,
)
from app.roles.group_views import (
    AssignedAll,
    GroupDetail,
    GroupSummary,
    group_names_of,
    user_as_member,
)
from app.users.access_kept import guard_keeper_kept, usable_holders
from app.validation import FieldProblem, clean_text

NAME_LENGTH, DESCRIPTION_LENGTH = 60, 255  # the columns of user_groups
NAME_FIELD, DESCRIPTION_FIELD = "name", "description"


def clean_group_name(text: str) -> str:
    """The name as stored: one line, trimmed, required, at most 60 characters."""
    try:
        return clean_text(text, "Group name", NAME_LENGTH, required=True)
    except FieldProblem as problem:
        raise ValidationError({NAME_FIELD: str(problem)}) from None


def clean_description(text: str) -> str:
    try:
        return clean_text(text, "Description", DESCRIPTION_LENGTH)
    except FieldProblem as problem:
        raise ValidationError({DESCRIPTION_FIELD: str(problem)}) from None


class GroupSetup:
    """The company's user groups, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    # Reading

    def list_groups(self, *, active_only: bool = False) -> list[GroupSummary]:
        """The groups by name, each with its member count and role names: two statements."""
        self.actor.require(Right.VIEW_USERS)
        rows = listed_with_counts(
            self.session, UserGroup, GroupMember.group_id, self.company.id, active_only=active_only
        )
        roles = self._role_names([g.id for g, _ in rows])
        return [
            GroupSummary(g.id, g.name, g.description, g.active, n, roles[g.id], g.version)
            for g, n in rows
        ]

    def _role_names(self, group_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = defaultdict(list)
        if group_ids:
            rows = self.session.execute(
                select(GroupRole.group_id, Role.name)
                .join(Role, Role.id == GroupRole.role_id)
                .where(GroupRole.group_id.in_(sorted(group_ids)))
            )
            for group_id, name in rows:
                found[group_id].append(name)
        return {pk: tuple(sorted(found[pk], key=str.casefold)) for pk in group_ids}

    def load(self, group_id: int) -> GroupDetail:
        """One group with its roles and members; NotFoundError outside the company."""
        self.actor.require(Right.VIEW_USERS)
        group = self._group(group_id)
        role_ids = self._role_ids(group.id)
        names = {c.id: c.name for c in role_choices(self.session, self.company)}
        members = self.session.scalars(
            select(User)
            .join(GroupMember, GroupMember.user_pk == User.id)
            .where(GroupMember.group_id == group.id)
            .order_by(func.lower(User.last_name), func.lower(User.first_name), User.user_id_key)
        )
        return GroupDetail(
            group.id,
            group.name,
            group.description,
            group.active,
            group.version,
            role_ids,
            tuple(sorted((names[r] for r in role_ids), key=str.casefold)),
            tuple(user_as_member(u) for u in members),
            group.updated_by,
            group.updated_at,
        )

    def find(self, name: str) -> GroupDetail:
        """The group of this name (any case); NotFoundError naming the known ones if none."""
        key = name.strip().casefold()
        group_id = self.session.scalar(
            select(UserGroup.id).where(
                UserGroup.company_id == self.company.id, UserGroup.name_key == key
            )
        )
        if group_id is None:
            known = ", ".join(g.name for g in self.list_groups()) or "none"
            raise NotFoundError(f"There is no group named {name!r} (groups: {known}).")
        return self.load(group_id)

    def _group(self, group_id: int, expected_version: int | None = None) -> UserGroup:
        group = self.session.get(UserGroup, group_id)
        if group is None or group.company_id != self.company.id:
            raise NotFoundError(f"Group #{group_id} does not exist in {self.company.code}.")
        if expected_version is not None and group.version != expected_version:
            raise ConflictError(group.updated_by, group.updated_at, "This group")
        return group

    def _role_ids(self, group_id: int) -> frozenset[int]:
        return frozenset(
            self.session.scalars(select(GroupRole.role_id).where(GroupRole.group_id == group_id))
        )

    def _member_pks(self, group_id: int) -> frozenset[int]:
        return frozenset(
            self.session.scalars(
                select(GroupMember.user_pk).where(GroupMember.group_id == group_id)
            )
        )

    def _group_rights(self, group_id: int) -> frozenset[Right]:
        """What membership gives: the rights of the group's active roles."""
        active = {c.id for c in role_choices(self.session, self.company) if c.active}
        given = rights_given_by(self.session, self.company, self._role_ids(group_id) & active)
        return frozenset().union(*given.values())

    # Writing

    def create(self, name: str, description: str = "") -> GroupDetail:
        """A new active group with no roles and no members, audited."""
        self.actor.require(Right.EDIT_GROUPS)
        clean, text = self._checked(name, description, None)
        now = self.clock()
        group = UserGroup(
            company_id=self.company.id,
            name=clean,
            name_key=clean.casefold(),
            description=text,
            active=True,
            updated_at=now,
            updated_by=self.actor.name[:100],
        )
        self.session.add(group)
        self._flush(clean)
        changes = [Change(NAME_FIELD, None, clean)]
        if text:
            changes.append(Change(DESCRIPTION_FIELD, None, text))
        self._audit(Action.GROUP_CREATED, changes, now)
        return self.load(group.id)

    def change(
        self,
        group_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        expected_version: int | None = None,
    ) -> GroupDetail:
        """Rename the group or change its description (None: unchanged), audited."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        clean, text = self._checked(
            group.name if name is None else name,
            group.description if description is None else description,
            group.id,
        )
        changes = [
            *audit.changed(NAME_FIELD, group.name, clean),
            *audit.changed(DESCRIPTION_FIELD, group.description, text),
        ]
        if not changes:
            return self.load(group.id)
        before = group.name
        group.name, group.name_key, group.description = clean, clean.casefold(), text
        now = self._touch(group)
        self._flush(clean)
        self._audit(Action.GROUP_CHANGED, [said("group", before), *changes], now)
        return self.load(group.id)

    def set_active(
        self, group_id: int, active: bool, expected_version: int | None = None
    ) -> GroupDetail:
        """Deactivate (its members lose its roles; it stays, with its members) or activate
        the group again (its members get its roles back), audited."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        if group.active == active:
            return self.load(group.id)
        members = self._member_pks(group.id)
        refuse_own_group(self.actor, members)
        held, user_ids = self._members_rights(members)
        if active:
            # Its members are given its roles' rights again: only by someone who may give
            # roles ("Edit roles and rights") and holds those rights, and, when they include
            # User Setup rights a member lacks, who entered their password lately.
            if self._role_ids(group.id):
                self.actor.require(Right.EDIT_ROLES)
            group_rights = self._group_rights(group.id)
            refuse_escalation(self.actor, group_rights, MEMBERS_FIELD)
            self._require_fresh_password_for_members(group_rights, held)
        else:
            refuse_stronger_members(self.actor, held, user_ids)
        keepers = usable_holders(self.session, self.company, self.clock()) if not active else None
        group.active = active
        now = self._touch(group)
        self._flush(group.name)
        if keepers is not None:
            guard_keeper_kept(self.session, self.company, now, keepers, "active")
            guard_base_role_kept(self.session, self.company.id, members, "active")
        self._expire(members)
        action = Action.GROUP_ACTIVATED if active else Action.GROUP_DEACTIVATED
        self._audit(action, [said("group", group.name), Change("active", not active, active)], now)
        return self.load(group.id)

    def set_roles(
        self, group_id: int, role_ids: Collection[int], expected_version: int | None = None
    ) -> GroupDetail:
        """Give the group exactly ``role_ids``, audited with the roles' names before and
        after. Unchanged roles ask for no right."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        wanted = frozenset(role_ids)
        current = self._role_ids(group.id)
        if wanted == current:
            return self.load(group.id)
        known = {c.id: c for c in role_choices(self.session, self.company)}
        unknown = wanted - known.keys()
        if unknown:
            raise NotFoundError(f"Role #{min(unknown)} does not exist in {self.company.code}.")
        added, taken = wanted - current, current - wanted
        inactive = sorted(
            (known[pk].name for pk in added if not known[pk].active), key=str.casefold
        )
        if inactive:
            raise ValidationError(
                {ROLES_FIELD: f"{', '.join(inactive)} is deactivated; activate it first."}
            )
        given = rights_given_by(self.session, self.company, added)
        refuse_group_roles_change(self.actor, self.clock(), frozenset().union(*given.values()))
        members = self._member_pks(group.id)
        refuse_own_group(self.actor, members)
        held, user_ids = self._members_rights(members)
        refuse_stronger_members(self.actor, held, user_ids)
        now = self.clock()
        keepers = usable_holders(self.session, self.company, now) if taken else None
        if taken:
            self.session.execute(
                delete(GroupRole).where(
                    GroupRole.group_id == group.id, GroupRole.role_id.in_(sorted(taken))
                )
            )
        self.session.add_all(GroupRole(group_id=group.id, role_id=r) for r in sorted(added))
        self._touch(group)
        self._flush(group.name)
        if keepers is not None:
            guard_keeper_kept(self.session, self.company, now, keepers, ROLES_FIELD)
            guard_base_role_kept(self.session, self.company.id, members, ROLES_FIELD)
        self._expire(members)
        self._audit(
            Action.GROUP_ROLES_CHANGED,
            [
                said("group", group.name),
                Change(
                    ROLES_FIELD,
                    sorted((known[r].name for r in current), key=str.casefold),
                    sorted((known[r].name for r in wanted), key=str.casefold),
                ),
            ],
            now,
        )
        return self.load(group.id)

    def add_members(
        self, group_id: int, user_pks: Collection[int], expected_version: int | None = None
    ) -> GroupDetail:
        """Add these users of the company to the group (those already in it stay), audited
        on each one's trail."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        new = frozenset(user_pks) - self._member_pks(group.id)
        if new:
            users = self._users(new)
            self._add(group, users)
        return self.load(group.id)

    def assign_all(self, group_id: int, expected_version: int | None = None) -> AssignedAll:
        """ "Assign all users to this group": every active user of the company who is not a
        member yet, in one step, but the signed-in operator (nobody changes their own
        memberships: they are skipped and said so, not refused). A bounded number of
        statements, whatever the number of users."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        members = select(GroupMember.user_pk).where(GroupMember.group_id == group.id)
        users = list(
            self.session.scalars(
                select(User)
                .where(User.company_id == self.company.id, User.active)
                .where(User.id.not_in(members))
                .order_by(User.id)
            )
        )
        skipped = next((u.user_id for u in users if u.id == self.actor.user_pk), None)
        users = [u for u in users if u.id != self.actor.user_pk]
        if users:
            self._add(group, users)
        return AssignedAll(len(users), skipped)

    def remove_members(
        self, group_id: int, user_pks: Collection[int], expected_version: int | None = None
    ) -> GroupDetail:
        """Take these users out of the group (those not in it are ignored), audited on each
        one's trail; never the last user who can sign in and edit roles."""
        self.actor.require(Right.EDIT_GROUPS)
        group = self._group(group_id, expected_version)
        gone = frozenset(user_pks) & self._member_pks(group.id)
        if not gone:
            return self.load(group.id)
        users = self._users(gone)
        group_rights = self._group_rights(group.id)
        held = effective_rights(self.session, self.company.id, gone)
        for user in users:
            refuse_membership_change(
                self.actor, group_rights, held.get(user.id, NONE), user.id, user.user_id,
                adding=False,
            )  # fmt: skip
        before = group_names_of(self.session, gone)
        now = self.clock()
        keepers = usable_holders(self.session, self.company, now)
        self.session.execute(
            delete(GroupMember).where(
                GroupMember.group_id == group.id, GroupMember.user_pk.in_(sorted(gone))
            )
        )
        self._touch(group)
        self._flush(group.name)
        one = (users[0].id, users[0].user_id) if len(users) == 1 else None
        guard_keeper_kept(self.session, self.company, now, keepers, MEMBERS_FIELD, one)
        guard_base_role_kept(self.session, self.company.id, gone, MEMBERS_FIELD)
        self._expire(gone)
        self._audit_members(group, users, before, now, added=False)
        return self.load(group.id)

    # How

    def _checked(self, name: str, description: str, group_id: int | None) -> tuple[str, str]:
        errors: dict[str, str] = {}
        clean = text = ""
        try:
            clean = clean_group_name(name)
        except ValidationError as exc:
            errors.update(exc.errors)
        try:
            text = clean_description(description)
        except ValidationError as exc:
            errors.update(exc.errors)
        if clean and NAME_FIELD not in errors:
            taken = self.session.scalar(
                select(UserGroup.name).where(
                    UserGroup.company_id == self.company.id,
                    UserGroup.name_key == clean.casefold(),
                    UserGroup.id != (group_id or 0),
                )
            )
            if taken is not None:
                errors[NAME_FIELD] = _taken(taken)
        if errors:
            raise ValidationError(errors)
        return clean, text

    def _users(self, pks: Collection[int]) -> list[User]:
        """The company's users of these pks, by user ID; NotFoundError for one that is not."""
        users = list(
            self.session.scalars(
                select(User)
                .where(User.company_id == self.company.id, User.id.in_(sorted(pks)))
                .order_by(User.user_id_key)
            )
        )
        missing = set(pks) - {u.id for u in users}
        if missing:
            raise NotFoundError(f"User #{min(missing)} does not exist in {self.company.code}.")
        return users

    def _members_rights(
        self, members: Collection[int]
    ) -> tuple[dict[int, EffectiveRights], dict[int, str]]:
        """The members' effective rights and user IDs: two statements."""
        if not members:
            return {}, {}
        held = effective_rights(self.session, self.company.id, members)
        rows = self.session.execute(
            select(User.id, User.user_id).where(User.id.in_(sorted(members)))
        )
        user_ids = {pk: user_id for pk, user_id in rows}
        return {pk: held.get(pk, NONE) for pk in members}, user_ids

    def _add(self, group: UserGroup, users: list[User]) -> None:
        pks = [u.id for u in users]
        group_rights = self._group_rights(group.id)
        held = effective_rights(self.session, self.company.id, pks)
        for user in users:
            refuse_membership_change(
                self.actor, group_rights, held.get(user.id, NONE), user.id, user.user_id,
                adding=True,
            )  # fmt: skip
        self._require_fresh_password_for_members(
            group_rights, {pk: held.get(pk, NONE) for pk in pks}
        )
        before = group_names_of(self.session, pks)
        self.session.add_all(GroupMember(group_id=group.id, user_pk=pk) for pk in pks)
        now = self._touch(group)
        self._flush(group.name)
        self._expire(pks)
        self._audit_members(group, users, before, now, added=True)

    def _require_fresh_password_for_members(
        self, group_rights: frozenset[Right], members: Mapping[int, EffectiveRights]
    ) -> None:
        """PasswordAgainError when membership newly gives one of these members a User Setup
        right and the actor entered their password too long ago: adding to a group, or
        activating it, gives its rights as surely as giving the roles does. Asked last."""
        if not group_rights & USER_SETUP_RIGHTS:
            return
        for member in members.values():
            require_fresh_password_for(self.actor, group_rights, self.clock(), member.rights)

    def _audit_members(
        self,
        group: UserGroup,
        users: list[User],
        before: Mapping[int, list[str]],
        now: datetime,
        *,
        added: bool,
    ) -> None:
        """One event on each member's trail (their groups before and after), and one on the
        group's saying whom."""
        for user in users:
            was = before[user.id]
            now_in = [n for n in was if n != group.name]
            if added:
                now_in = sorted([*now_in, group.name], key=str.casefold)
            audit.record(
                self.session,
                at=now,
                operator=self.actor.name,
                company_id=self.company.id,
                user_pk=user.id,
                action=Action.USER_GROUPS_CHANGED,
                changes=[said("group", group.name), Change("groups", was, now_in)],
            )
        ids = sorted((u.user_id for u in users), key=str.casefold)
        self._audit(
            Action.GROUP_MEMBERS_CHANGED,
            [said("group", group.name), said("added" if added else "removed", ids)],
            now,
        )

    def _touch(self, group: UserGroup) -> datetime:
        now = self.clock()
        group.updated_at, group.updated_by = now, self.actor.name[:100]
        return now

    def _flush(self, name: str) -> None:
        """Write now: a save from elsewhere in between is a ConflictError, the name taken in
        between a ValidationError beside it."""
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(None, None, "This group") from exc
        except IntegrityError as exc:
            text = str(exc.orig)  # the name, taken meanwhile by another workstation:
            if "uq_user_groups_company_name" in text or "name_key" in text:
                raise ValidationError({NAME_FIELD: _taken(name)}) from exc
            raise

    def _expire(self, user_pks: Iterable[int]) -> None:
        """Whether members hold a right over others' access is read with their rows: read it
        again for the rows this session holds."""
        wanted = set(user_pks)
        for user in list(self.session.identity_map.values()):
            if isinstance(user, User) and user.id in wanted:
                self.session.expire(user, ["holds_administrative_right"])

    def _audit(self, action: Action, changes: list[Change], now: datetime) -> None:
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=None,
            action=action,
            changes=changes,
        )


def _taken(name: str) -> str:
    return f"A group named \u201c{name}\u201d exists already."


__all__ = ["GroupSetup", "clean_group_name"]
