"""`usersetup groups ...` and `usersetup company base-role`: user groups and the base role,
through the same services and rules as the window."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.errors import NotFoundError
from app.roles.assignments import role_choices
from app.roles.base_role import base_role, base_role_version, set_base_role
from app.roles.group_views import GroupDetail, GroupSummary
from app.roles.groups import GroupSetup
from app.users.service import UserService
from app.workplace import Work


def groups_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one groups command in the caller's transaction; what to print once
    committed."""
    groups = GroupSetup(work.session, work.company, work.actor, work.clock)
    command = args.groups_command
    if command == "list":
        return _group_list(groups.list_groups(), as_json=args.json)
    if command == "add":
        return _group_shown(groups.create(args.name, args.description or ""), as_json=False)
    group = groups.find(args.name)
    if command == "show":
        return _group_shown(group, as_json=args.json)
    if command in ("deactivate", "activate"):
        shown = groups.set_active(group.id, command == "activate", group.version)
        return f"The group {shown.name} is {'active' if shown.active else 'inactive'}."
    if command == "assign-all":
        result = groups.assign_all(group.id, group.version)
        shown = groups.load(group.id)
        now_has = users_counted(len(shown.members))
        said = (
            f"{users_counted(result.added)} added to {shown.name}; it now has {now_has}."
            if result.added
            else f"Every active user is a member of {shown.name} already."
            if result.skipped_self is None
            else f"No one else to add to {shown.name}."
        )
        return f"{said} {result.note}" if result.note else said
    return _group_set(args, work, groups, group)


def _group_set(args: argparse.Namespace, work: Work, groups: GroupSetup, group: GroupDetail) -> str:
    """`groups set`: each kind of change in turn, all in the one transaction."""
    if args.rename is not None or args.description is not None:
        group = groups.change(
            group.id, name=args.rename, description=args.description, expected_version=group.version
        )
    if args.add_role or args.remove_role:
        by_name = {c.name.casefold(): c.id for c in role_choices(work.session, work.company)}
        added = {_role_id(by_name, name) for name in args.add_role}
        taken = {_role_id(by_name, name) for name in args.remove_role}
        group = groups.set_roles(group.id, (group.role_ids | added) - taken, group.version)
    users = UserService(work.session, work.company, work.actor, work.clock)
    if args.add_member:
        pks = [users.find(user_id).pk for user_id in args.add_member]
        group = groups.add_members(group.id, pks, group.version)
    if args.remove_member:
        pks = [users.find(user_id).pk for user_id in args.remove_member]
        group = groups.remove_members(group.id, pks, group.version)
    return _group_shown(group, as_json=args.json)


def _role_id(by_name: dict[str, int], name: str) -> int:
    found = by_name.get(name.strip().casefold())
    if found is None:
        raise NotFoundError(f"There is no role named {name!r}.")
    return found


def users_counted(n: int) -> str:
    return f"{n} user" + ("" if n == 1 else "s")


def _group_list(rows: list[GroupSummary], *, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            [
                {
                    "name": g.name,
                    "description": g.description,
                    "active": g.active,
                    "members": g.members,
                    "roles": list(g.roles),
                }
                for g in rows
            ],
            indent=2,
        )
    if not rows:
        return "No user groups yet; add one with: usersetup groups add NAME"
    return "\n".join(
        f"{g.name}{'' if g.active else ' [inactive]'}: {users_counted(g.members)}; "
        f"roles {', '.join(g.roles) or 'none'}"
        for g in rows
    )


def group_as_json(group: GroupDetail) -> dict[str, Any]:
    """The stable JSON form of a group (documented in the README)."""
    return {
        "name": group.name,
        "description": group.description,
        "active": group.active,
        "roles": list(group.roles),
        "members": [
            {"user_id": m.user_id, "name": m.name, "active": m.active} for m in group.members
        ],
        "version": group.version,
        "updated_by": group.updated_by,
        "updated_at": group.updated_at.isoformat(),
    }


def _group_shown(group: GroupDetail, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(group_as_json(group), indent=2)
    lines = [f"Group - {group.name}{'' if group.active else ' [inactive]'}"]
    lines.append(f"  {'Description:':<14}{group.description or '-'}")
    lines.append(f"  {'Roles:':<14}{', '.join(group.roles) or 'none'}")
    lines.append(f"  {'Members:':<14}{users_counted(len(group.members))}")
    lines.extend(f"    {m.label}" for m in group.members)
    lines.append(
        f"  {'Last changed:':<14}{group.updated_at:%Y-%m-%d %H:%M} UTC by {group.updated_by}"
    )
    return "\n".join(lines)


def company_command(args: argparse.Namespace, work: Work) -> str:
    """`company base-role`: show the base role, or set it (a role's name, or --none)."""
    session, company = work.session, work.company
    if args.role is None and not args.none:
        current = base_role(session, company.id)
        if args.json:
            return json.dumps({"base_role": current[1] if current else None}, indent=2)
        return f"Base role: {current[1] if current else 'none (no role is required)'}"
    role_id = None
    if not args.none:
        by_name = {c.name.casefold(): c.id for c in role_choices(session, company)}
        role_id = _role_id(by_name, args.role)
    version = base_role_version(session, company.id)
    done = set_base_role(session, company, work.actor, work.clock, role_id, version)
    if args.json:
        return json.dumps({"base_role": done.name, "given_to": list(done.given_to)}, indent=2)
    if done.name is None:
        return "Base role: none (no role is required)."
    given = (
        f"; given to {users_counted(len(done.given_to))} who lacked it: {', '.join(done.given_to)}"
        if done.given_to
        else "; every active user holds it already"
    )
    return f"Base role: {done.name}{given}."
