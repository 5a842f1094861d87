"""Which user groups a user belongs to: joined and left under the same no-escalation rules as
their direct roles (app.roles.assignments).

A group gives its members its roles, so putting someone in a group is giving them roles:
nobody adds a user to a group whose roles give rights they do not hold themselves, changes a
user who holds a right they lack, changes their own groups, or takes away the last user who
can sign in and edit roles. A deactivated group gives nothing and takes nobody new, but a user
still in it may be taken out. This is the user's side of memberships (the Roles section, the
command line); the group's side ("Assign all users to this group") is the group's own service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Delete, delete, select
from sqlalchemy.orm import Session

from app.audit import Action, Change
from app.db.models import GroupMember, GroupRole, User, UserGroup
from app.errors import NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.assignments import UserLinks, rights_given_by
from app.roles.effective import rights_of
from app.roles.group_rules import OWN_MEMBERSHIP, refuse_membership_change

GROUPS_FIELD = "groups"


@dataclass(frozen=True)
class GroupChoice:
    """A user group as the pick lists show it."""

    id: int
    name: str
    description: str
    active: bool


def group_choices(session: Session, company: CompanyInfo) -> list[GroupChoice]:
    """The company's user groups, active ones and inactive ones, by name."""
    rows = session.scalars(
        select(UserGroup).where(UserGroup.company_id == company.id).order_by(UserGroup.name_key)
    )
    return [GroupChoice(g.id, g.name, g.description, g.active) for g in rows]


def member_group_ids(session: Session, user_pk: int) -> frozenset[int]:
    """The groups the user belongs to, active or not."""
    return frozenset(
        session.scalars(select(GroupMember.group_id).where(GroupMember.user_pk == user_pk))
    )


def roles_of_groups(session: Session, group_ids: Collection[int]) -> dict[int, frozenset[int]]:
    """Each group's roles (their ids), in one statement; a group without roles maps to none."""
    found: dict[int, set[int]] = defaultdict(set)
    if group_ids:
        rows = session.execute(
            select(GroupRole.group_id, GroupRole.role_id).where(
                GroupRole.group_id.in_(sorted(group_ids))
            )
        )
        for group_id, role_id in rows:
            found[group_id].add(role_id)
    return {pk: frozenset(found[pk]) for pk in group_ids}


def rights_of_groups(
    session: Session, company: CompanyInfo, group_ids: Collection[int]
) -> frozenset[Right]:
    """Every right the roles of these groups give their members (two statements)."""
    roles = frozenset().union(*roles_of_groups(session, group_ids).values())
    return frozenset().union(*rights_given_by(session, company, roles).values())


def refuse_inactive_groups(
    known: dict[int, GroupChoice], added: Collection[int], field: str = GROUPS_FIELD
) -> None:
    """ValidationError beside ``field`` naming the deactivated groups among ``added``."""
    inactive = sorted((known[pk].name for pk in added if not known[pk].active), key=str.casefold)
    if inactive:
        raise ValidationError({field: f"{', '.join(inactive)} is deactivated; activate it first."})


class UserGroups(UserLinks):
    """A user's memberships of user groups, in the caller's transaction, for ``actor``."""

    field = GROUPS_FIELD
    action = Action.USER_GROUPS_CHANGED

    def linked(self, user_pk: int) -> frozenset[int]:
        return member_group_ids(self.session, user_pk)

    def names(self) -> dict[int, str]:
        return {c.id: c.name for c in group_choices(self.session, self.company)}

    def unlink(self, user_pk: int, ids: list[int]) -> Delete:
        return delete(GroupMember).where(
            GroupMember.user_pk == user_pk, GroupMember.group_id.in_(ids)
        )

    def link(self, user_pk: int, linked_id: int) -> GroupMember:
        return GroupMember(user_pk=user_pk, group_id=linked_id)

    def check(self, user: User, group_ids: Collection[int]) -> frozenset[int]:
        """The groups as they would be stored, or NotAllowedError / ValidationError; writes
        nothing. Unchanged groups ask for no right: a copy of a user may keep theirs."""
        wanted = frozenset(group_ids)
        current = member_group_ids(self.session, user.id)
        if wanted == current:
            return wanted
        self.actor.require(Right.EDIT_GROUPS)
        if user.id == self.actor.user_pk:
            raise NotAllowedError(OWN_MEMBERSHIP)
        known = {c.id: c for c in group_choices(self.session, self.company)}
        unknown = wanted - known.keys()
        if unknown:
            raise NotFoundError(
                f"User group #{min(unknown)} does not exist in {self.company.code}."
            )
        added = wanted - current
        refuse_inactive_groups(known, added)
        # The one rule of memberships, as the User Groups dialog asks it of each member.
        refuse_membership_change(
            self.actor,
            rights_of_groups(self.session, self.company, added),
            rights_of(self.session, self.company.id, user.id),
            user.id,
            user.user_id,
            adding=bool(added),
            field=GROUPS_FIELD,
        )
        return wanted

    def set_groups(
        self, pk: int, group_ids: Collection[int], expected_version: int | None = None
    ) -> list[Change]:
        """Make the user a member of exactly ``group_ids``, audited with the groups' names
        before and after; the changes (none when nothing changed)."""
        user = self.writer.load(pk, expected_version)
        return self.save(user, self.check(user, group_ids))


__all__ = [
    "GROUPS_FIELD",
    "GroupChoice",
    "UserGroups",
    "group_choices",
    "member_group_ids",
    "refuse_inactive_groups",
    "rights_of_groups",
    "roles_of_groups",
]
