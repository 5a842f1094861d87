"""`usersetup users roles`: a user's roles, user groups, department and effective rights, and
giving or taking roles and groups through the Roles section, as the window saves them."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from app.errors import ValidationError
from app.rights import RightGroup
from app.roles.assignments import ROLES_FIELD, role_choices
from app.roles.memberships import GROUPS_FIELD, group_choices
from app.sections.base import Target
from app.sections.editor import Opened, UserEditor
from app.sections.registry import section
from app.sections.roles import RolesEdit, RolesState
from app.users.service import UserService
from app.workplace import Work

KEY = "roles"


def user_roles_command(args: argparse.Namespace, work: Work) -> str:
    """Show the user's Roles section; with --add/--remove/--add-group/--remove-group, change
    it first (every rule of the section applies: rights, escalation, base role, last keeper)."""
    users = UserService(work.session, work.company, work.actor, work.clock)
    editor = UserEditor(work)
    pk = users.find(args.user_id).pk
    opened = editor.open(pk, [KEY])
    state: RolesState = opened.states[KEY]
    if args.add or args.remove or args.add_group or args.remove_group:
        roles = {c.name.casefold(): c.id for c in role_choices(work.session, work.company)}
        groups = {c.name.casefold(): c.id for c in group_choices(work.session, work.company)}
        role_ids = set(state.role_ids) | _named(roles, args.add, ROLES_FIELD, "role")
        role_ids -= _named(roles, args.remove, ROLES_FIELD, "role")
        group_ids = set(state.group_ids) | _named(groups, args.add_group, GROUPS_FIELD, "group")
        group_ids -= _named(groups, args.remove_group, GROUPS_FIELD, "group")
        target = Target(pk, opened.record.version)
        editor.save(target, {KEY: RolesEdit(role_ids, group_ids)})
        opened = editor.open(pk, [KEY])
    return format_roles(work, opened, as_json=args.json)


def _named(known: dict[str, int], names: Sequence[str], field: str, what: str) -> set[int]:
    """The row ids of roles (or groups) named in any case; a name of none is refused."""
    missing = [name for name in names if name.strip().casefold() not in known]
    if missing:
        raise ValidationError({field: f"There is no {what} named {missing[0]!r} in this practice."})
    return {known[name.strip().casefold()] for name in names}


def format_roles(work: Work, opened: Opened, *, as_json: bool) -> str:
    state: RolesState = opened.states[KEY]
    data = section(KEY).as_json(work, state)
    if as_json:
        return json.dumps({"user_id": opened.record.fields.user_id, **data}, indent=2)
    inactive = {r.name for r in state.roles if not r.active} | {
        g.name for g in state.groups if not g.active
    }

    def names(items: list[str]) -> str:
        return ", ".join(f"{n} (inactive)" if n in inactive else n for n in items) or "-"

    department = state.department or "-"
    if state.department and not state.department_active:
        department += " (inactive)"
    lines = [
        f"Roles - {opened.record.heading}",
        f"  {'Roles:':<18}{names(data['roles'])}",
        f"  {'User Groups:':<18}{names(data['groups'])}",
        f"  {'Department:':<18}{department}",
        "  Effective rights:",
    ]
    if not state.effective.sources:
        lines.append("    none")
    for group in RightGroup:
        held = [(r, s) for r, s in state.effective.sources.items() if r.group is group]
        if not held:
            continue
        lines.append(f"    {group.value}")
        for right, sources in held:
            lines.append(f"      {right.label:<40}from {'; '.join(str(s) for s in sources)}")
    return "\n".join(lines)
