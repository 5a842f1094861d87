"""`usersetup rights|roles|groups|departments|company`: the commands of roles and rights,
user groups, the Department List and the company's base role."""

from __future__ import annotations

import argparse
from typing import Any

from app.rights import Right, right_named
from cli.parser_types import CommandParser


def _right(text: str) -> Right:
    """A right by its stable key (see `usersetup rights list`)."""
    right = right_named(text)
    if right is None:
        raise argparse.ArgumentTypeError(
            f"no right has the key {text!r} (see usersetup rights list)"
        )
    return right


def add_rights_commands(commands: Any) -> None:
    rights = commands.add_parser("rights", help="the rights roles give, and who holds them")
    rights_commands = rights.add_subparsers(
        dest="rights_command", required=True, parser_class=CommandParser
    )
    listing = rights_commands.add_parser(
        "list", help="every right: its stable key, group, label and description"
    )
    listing.add_argument("--json", action="store_true")
    check = rights_commands.add_parser(
        "check",
        help="does this active user hold the right? exit 0 if so, 1 if not (for the "
        "practice's other programs)",
    )
    check.add_argument("user_id", metavar="USERID")
    check.add_argument("right", metavar="RIGHT", type=_right, help="the right's stable key")
    who = rights_commands.add_parser(
        "who", help="the active users who hold a right, and through which roles and groups"
    )
    who.add_argument("right", metavar="RIGHT", type=_right, help="the right's stable key")
    who.add_argument("--all", action="store_true", help="include inactive users")
    who.add_argument("--json", action="store_true")


def add_roles_commands(commands: Any) -> None:
    roles = commands.add_parser("roles", help="list, show, add, copy and change roles")
    roles_commands = roles.add_subparsers(
        dest="roles_command", required=True, parser_class=CommandParser
    )
    listing = roles_commands.add_parser("list", help="the roles (active ones unless --all)")
    listing.add_argument("--all", action="store_true", help="include deactivated roles")
    listing.add_argument("--json", action="store_true")
    show = roles_commands.add_parser("show", help="one role: its rights and who holds it")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    add = roles_commands.add_parser("add", help="add a role with no rights")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--description", metavar="TEXT", default="")
    add.add_argument("--json", action="store_true")
    change = roles_commands.add_parser(
        "set", help="give a role rights, take rights from it, rename or describe it"
    )
    change.add_argument("name", metavar="NAME")
    change.add_argument(
        "--grant", action="append", default=[], metavar="RIGHT", help="repeatable; a right's key"
    )
    change.add_argument(
        "--revoke", action="append", default=[], metavar="RIGHT", help="repeatable; a right's key"
    )
    change.add_argument("--description", metavar="TEXT")
    change.add_argument("--rename", metavar="NEWNAME")
    change.add_argument("--json", action="store_true")
    copy = roles_commands.add_parser(
        "copy", help="Copy Role: a new role with every right and the description of FROM"
    )
    copy.add_argument("source", metavar="FROM")
    copy.add_argument("new_name", metavar="NEWNAME")
    copy.add_argument("--json", action="store_true")
    for name, what in (
        ("deactivate", "deactivate a role: its holders lose its rights (roles are never deleted)"),
        ("activate", "activate a deactivated role again"),
    ):
        sub = roles_commands.add_parser(name, help=what)
        sub.add_argument("name", metavar="NAME")


def add_groups_commands(commands: Any) -> None:
    groups = commands.add_parser("groups", help="user groups: roles given to every member")
    group_commands = groups.add_subparsers(
        dest="groups_command", required=True, parser_class=CommandParser
    )
    listing = group_commands.add_parser("list", help="the groups, with members and roles")
    listing.add_argument("--json", action="store_true")
    show = group_commands.add_parser("show", help="one group: description, roles, members")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    add = group_commands.add_parser("add", help="add a group (no roles, no members yet)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--description", metavar="TEXT")
    change = group_commands.add_parser(
        "set", help="rename or describe a group, give or take roles, add or remove members"
    )
    change.add_argument("name", metavar="NAME")
    change.add_argument("--rename", metavar="NEWNAME")
    change.add_argument("--description", metavar="TEXT")
    for option, metavar, what in (
        ("--add-role", "ROLE", "give the group this role (repeatable)"),
        ("--remove-role", "ROLE", "take this role from the group (repeatable)"),
        ("--add-member", "USERID", "add this user to the group (repeatable)"),
        ("--remove-member", "USERID", "take this user out of the group (repeatable)"),
    ):
        change.add_argument(option, action="append", default=[], metavar=metavar, help=what)
    change.add_argument("--json", action="store_true")
    every = group_commands.add_parser(
        "assign-all", help="add every active user who is not a member yet, in one step"
    )
    every.add_argument("name", metavar="NAME")
    for name, what in (
        ("deactivate", "its members lose its roles (groups are never deleted)"),
        ("activate", "its members hold its roles again"),
    ):
        sub = group_commands.add_parser(name, help=f"{name} a group: {what}")
        sub.add_argument("name", metavar="NAME")


def add_departments_commands(commands: Any) -> None:
    departments = commands.add_parser("departments", help="the Department List")
    department_commands = departments.add_subparsers(
        dest="departments_command", required=True, parser_class=CommandParser
    )
    listing = department_commands.add_parser("list", help="the departments, with their users")
    listing.add_argument("--json", action="store_true")
    add = department_commands.add_parser("add", help="add a department")
    add.add_argument("name", metavar="NAME")
    rename = department_commands.add_parser("rename", help="rename a department")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEWNAME")
    for name, what in (
        ("deactivate", "it stays on the users who have it but cannot be newly chosen"),
        ("activate", "it can be chosen again"),
    ):
        sub = department_commands.add_parser(name, help=f"{name} a department: {what}")
        sub.add_argument("name", metavar="NAME")


def add_company_commands(commands: Any) -> None:
    company = commands.add_parser("company", help="the company's rules for roles")
    company_commands = company.add_subparsers(
        dest="company_command", required=True, parser_class=CommandParser
    )
    base = company_commands.add_parser(
        "base-role",
        help="show the role every user must hold, or set it (given at once to every active "
        "user who lacks it)",
    )
    which = base.add_mutually_exclusive_group()
    which.add_argument("role", metavar="NAME", nargs="?", help="the role's name")
    which.add_argument("--none", action="store_true", help="no role is required")
    base.add_argument("--json", action="store_true")


__all__ = [
    "add_company_commands",
    "add_departments_commands",
    "add_groups_commands",
    "add_rights_commands",
    "add_roles_commands",
]
