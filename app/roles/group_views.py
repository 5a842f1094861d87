"""What the User Groups dialog and `usersetup groups` are given of the company's user groups:
the list, one group with its roles and members, whom Add Members... offers, and the groups
each user belongs to. GroupSetup (app.roles.groups) reads and changes them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import GroupMember, User, UserGroup
from app.practice.company import CompanyInfo


@dataclass(frozen=True)
class GroupSummary:
    """One line of the group list."""

    id: int
    name: str
    description: str
    active: bool
    members: int
    roles: tuple[str, ...]  # names, by name
    version: int


@dataclass(frozen=True)
class AssignedAll:
    """What "Assign all users" did: how many were added, and the operator's own user ID
    when they were skipped (nobody changes their own memberships)."""

    added: int
    skipped_self: str | None = None

    @property
    def note(self) -> str:
        """Why the operator is not among them ("" when they were not skipped)."""
        if self.skipped_self is None:
            return ""
        return (
            f"You ({self.skipped_self}) were not added: you cannot change your own group "
            "memberships; ask another Administrator."
        )


@dataclass(frozen=True)
class Member:
    """A member as the members list shows them."""

    pk: int
    user_id: str
    name: str  # "Fox, Kimberly"
    active: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.user_id})" + ("" if self.active else " [inactive]")


@dataclass(frozen=True)
class GroupDetail:
    """One group as the dialog edits it."""

    id: int
    name: str
    description: str
    active: bool
    version: int
    role_ids: frozenset[int]
    roles: tuple[str, ...]
    members: tuple[Member, ...]  # by name
    updated_by: str
    updated_at: datetime


def user_as_member(row: User) -> Member:
    """A user as the members list shows them."""
    return Member(row.id, row.user_id, f"{row.last_name}, {row.first_name}", row.active)


def member_choices(session: Session, company: CompanyInfo) -> list[Member]:
    """The company's active users, by name: whom Add Members... offers."""
    rows = session.scalars(
        select(User)
        .where(User.company_id == company.id, User.active)
        .order_by(func.lower(User.last_name), func.lower(User.first_name), User.user_id_key)
    )
    return [user_as_member(u) for u in rows]


def group_names_of(session: Session, user_pks: Collection[int]) -> dict[int, list[str]]:
    """The groups (active or not) each user belongs to, by name: one statement."""
    names: dict[int, list[str]] = {pk: [] for pk in user_pks}
    if not user_pks:
        return names
    rows = session.execute(
        select(GroupMember.user_pk, UserGroup.name)
        .join(UserGroup, UserGroup.id == GroupMember.group_id)
        .where(GroupMember.user_pk.in_(sorted(user_pks)))
    )
    for pk, name in rows:
        names[pk].append(name)
    return {pk: sorted(n, key=str.casefold) for pk, n in names.items()}


__all__ = [
    "AssignedAll",
    "GroupDetail",
    "GroupSummary",
    "Member",
    "group_names_of",
    "member_choices",
    "user_as_member",
]
