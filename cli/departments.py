"""`usersetup departments ...`: the Department List, through the same service as the window."""

from __future__ import annotations

import argparse
import json

from app.practice.departments import DepartmentRow, Departments
from app.workplace import Work
from cli.groups import users_counted


def departments_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one departments command in the caller's transaction."""
    departments = Departments(work.session, work.company, work.actor, work.clock)
    command = args.departments_command
    if command == "list":
        return _department_list(departments.list_departments(), as_json=args.json)
    if command == "add":
        return f"Added the department {departments.add(args.name).name}."
    row = departments.find(args.name)
    if command == "rename":
        before = row.name
        renamed = departments.rename(row.id, args.new_name, row.version)
        return f"The department {before} is now {renamed.name}."
    changed = departments.set_active(row.id, command == "activate", row.version)
    if changed.active:
        return f"The department {changed.name} is active."
    return (
        f"The department {changed.name} is inactive: it stays on the "
        f"{users_counted(changed.users)} who have it, and cannot be newly chosen."
    )


def _department_list(rows: list[DepartmentRow], *, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            [{"name": d.name, "active": d.active, "users": d.users} for d in rows], indent=2
        )
    if not rows:
        return "No departments yet; add one with: usersetup departments add NAME"
    return "\n".join(
        f"{d.name}{'' if d.active else ' [inactive]'}: {users_counted(d.users)}" for d in rows
    )
