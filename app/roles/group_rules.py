"""The rules of giving roles through user groups, one function each.

The group's side (``GroupSetup`` in app.roles.groups, the User Groups dialog, ``usersetup
groups``), the user's side of membership (``UserGroups`` in app.roles.memberships, the Roles
section) and Role Setup all ask these very same ones, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from app.access import Actor
from app.errors import NotAllowedError
from app.rights import Right
from app.roles.assignments import ROLES_FIELD, refuse_escalation
from app.roles.effective import EffectiveRights, refuse_editing_stronger

MEMBERS_FIELD = "members"
OWN_GROUP = "You cannot change a group you belong to: it changes your own rights; ask another "
OWN_GROUP += "Administrator."
OWN_MEMBERSHIP = "You cannot change your own group memberships; ask another Administrator."


def refuse_membership_change(
    actor: Actor,
    group_rights: frozenset[Right],
    member_rights: EffectiveRights,
    member_pk: int,
    who: str,
    *,
    adding: bool,
    field: str = MEMBERS_FIELD,
) -> None:
    """Refuse adding ``member_pk`` (user ID ``who``) to, or removing them from, a group
    giving ``group_rights``: never one's own membership (NotAllowedError); never a member who
    holds rights the actor lacks (NotAllowedError); and never adding to a group whose rights
    the actor lacks (ValidationError beside ``field``: it would give them)."""
    if member_pk == actor.user_pk:
        raise NotAllowedError(OWN_MEMBERSHIP)
    refuse_editing_stronger(actor, member_rights, who)
    if adding:
        refuse_escalation(actor, group_rights, field)


def refuse_own_group(actor: Actor, member_pks: Collection[int]) -> None:
    """NotAllowedError when the actor belongs to the group: changing its roles or whether it
    is active changes their own rights."""
    if actor.user_pk is not None and actor.user_pk in member_pks:
        raise NotAllowedError(OWN_GROUP)


def refuse_stronger_members(
    actor: Actor, members: Mapping[int, EffectiveRights], user_ids: Mapping[int, str]
) -> None:
    """NotAllowedError naming the first member (by user ID) who holds rights the actor lacks:
    changing a group's roles or taking it away changes every member."""
    for pk in sorted(members, key=lambda p: user_ids[p].casefold()):
        refuse_editing_stronger(actor, members[pk], user_ids[pk])


def refuse_group_roles_change(
    actor: Actor, now: datetime, added_rights: frozenset[Right], field: str = ROLES_FIELD
) -> None:
    """Giving a group roles: "Edit roles and rights", the password entered lately, and only
    rights the actor holds (ValidationError beside ``field`` naming the others)."""
    actor.require(Right.EDIT_ROLES)
    actor.require_fresh_password(now)
    refuse_escalation(actor, added_rights, field)


__all__ = [
    "MEMBERS_FIELD",
    "OWN_GROUP",
    "OWN_MEMBERSHIP",
    "refuse_group_roles_change",
    "refuse_membership_change",
    "refuse_own_group",
    "refuse_stronger_members",
]
