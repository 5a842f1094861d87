"""`usersetup roles ...`: Role Setup on the command line, under the same rules as the dialog."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.rights import Right
from app.roles.setup import RoleDetail, RoleSetup, RoleSummary, labels, role_setup
from app.workplace import Work
from cli.rights import holder_as_json


def roles_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one roles command in the caller's transaction; what to print once committed."""
    roles = role_setup(work)
    command = args.roles_command
    if command == "list":
        return _listing(roles.list_roles(active_only=not args.all), as_json=args.json)
    if command == "add":
        return format_role(roles.create(args.name, args.description), as_json=args.json)
    if command == "copy":
        source = roles.find(args.source)
        return format_role(roles.copy(source.id, args.new_name), as_json=args.json)
    role = roles.find(args.name)
    if command == "show":
        return format_role(roles.load(role.id), as_json=args.json)
    if command in ("deactivate", "activate"):
        changed = roles.set_active(role.id, command == "activate")
        return f"The role {changed.name} is {'active' if changed.active else 'deactivated'}."
    return format_role(_change(args, roles, role), as_json=args.json)


def _change(args: argparse.Namespace, roles: RoleSetup, role: RoleSummary) -> RoleDetail:
    """`roles set`: every option given, in one audited save."""
    return roles.save(
        role.id,
        None,
        name=args.rename,
        description=args.description,
        granted=args.grant,
        revoked=args.revoke,
    )


def role_as_json(role: RoleDetail) -> dict[str, Any]:
    return {
        "name": role.name,
        "description": role.description,
        "built_in": role.built_in,
        "active": role.active,
        "rights": [r.value for r in Right if r in role.rights],
        "holders": [holder_as_json(h) for h in role.holders],
        "version": role.version,
        "updated_by": role.updated_by,
        "updated_at": role.updated_at.isoformat(),
    }


def format_role(role: RoleDetail, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(role_as_json(role), indent=2, ensure_ascii=False)
    marks = (" [built in]" if role.built_in else "") + ("" if role.active else " [deactivated]")
    lines = [f"Role - {role.name}{marks}"]
    if role.description:
        lines.append(f"  {role.description}")
    lines.append("  Rights:")
    lines += [f"    {label}" for label in labels(role.rights)] or ["    none"]
    lines.append("  Held by:")
    lines += [
        f"    {h.name} ({h.user_id}){'' if h.active else ' [inactive]'}: {h.through}"
        for h in role.holders
    ] or ["    nobody"]
    lines.append(f"  Last changed: {role.updated_at:%Y-%m-%d %H:%M} UTC by {role.updated_by}")
    return "\n".join(lines)


def _listing(roles: list[RoleSummary], *, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            [
                {
                    "name": r.name,
                    "description": r.description,
                    "built_in": r.built_in,
                    "active": r.active,
                    "rights": r.rights_count,
                    "holders": r.holders,
                }
                for r in roles
            ],
            indent=2,
            ensure_ascii=False,
        )
    lines = []
    for r in roles:
        marks = (" [built in]" if r.built_in else "") + ("" if r.active else " [deactivated]")
        rights = f"{r.rights_count} right{'s' if r.rights_count != 1 else ''}"
        people = f"{r.holders} holder{'s' if r.holders != 1 else ''}"
        lines.append(f"{r.name}{marks}: {rights}, {people}")
    return "\n".join(lines)
