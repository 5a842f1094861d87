"""The command line's commands and options, as `usersetup --help` shows them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from app.db.kinds import TwoFactorMethod, TwoFactorSetup
from app.db.models import BuiltInRole
from app.login_times.hours import (
    WEEKDAY_KEYS,
    WEEKDAY_NAMES,
)
from app.users.fields import USER_FIELDS, Kind
from cli.parser_catalog import add_catalog_commands
from cli.parser_epcs import add_epcs_commands, add_providers_commands
from cli.parser_roles import (
    add_company_commands,
    add_departments_commands,
    add_groups_commands,
    add_rights_commands,
    add_roles_commands,
)
from cli.parser_sign_off import add_pin_commands, add_pin_options
from cli.parser_types import CommandParser, date_or

# `hours set --day`: sun..sat or the full name, any case.
DAY_OPTION_NAMES = {
    **{key: index for index, key in enumerate(WEEKDAY_KEYS)},
    **{name.lower(): index for index, name in enumerate(WEEKDAY_NAMES)},
}


CLI_NAMES = {
    "provider_id": "provider",
    "service_location_id": "service-location",
    "department_id": "department",
    "user_type": "type",
}

# `users set-role`: the built-in role to give in place of the other one.
ROLE_NAMES = {
    "administrator": BuiltInRole.ADMINISTRATOR,
    "front-desk": BuiltInRole.FRONT_DESK,
    "none": None,
}


def _database_url(text: str) -> str:
    """--db: an empty one would quietly mean the usual places (see README)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a database URL, such as sqlite:///PATH")
    return text


def _option(field_name: str) -> str:
    return "--" + CLI_NAMES.get(field_name, field_name.replace("_", "-"))


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "on", "true", "1"):
        return True
    if text.lower() in ("no", "off", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def _day_option(text: str) -> tuple[int, str]:
    """--day mon=09:00-18:00: the weekday (Sunday 0) and the hours as typed."""
    day, sep, hours = text.partition("=")
    index = DAY_OPTION_NAMES.get(day.strip().lower())
    if not sep or index is None:
        raise argparse.ArgumentTypeError(
            f"expected DAY=HOURS such as mon=09:00-18:00, sun=off or sat=all (DAY: "
            f"{', '.join(WEEKDAY_KEYS)} or the full name), not {text!r}"
        )
    return index, hours


def _add_expires_option(parser: argparse.ArgumentParser, what: str) -> None:
    # SUPPRESS: absent unless given, since "never" (None) is a value to store.
    parser.add_argument(
        "--expires",
        type=date_or("never", "2027-06-30"),
        default=argparse.SUPPRESS,
        metavar="DATE|never",
        help=f"the account works until the end of this date in the company's time zone "
        f"(YYYY-MM-DD), or never; {what}",
    )


def _add_field_options(parser: argparse.ArgumentParser, *, rename: bool) -> None:
    for field in USER_FIELDS:
        if field.name == "user_id" and not rename:
            continue
        kind: Callable[[str], Any] = _yes_no if field.kind is Kind.FLAG else str
        metavar = (
            "yes|no"
            if field.kind is Kind.FLAG
            else "NAME"
            if field.kind is Kind.REFERENCE
            else None
        )
        parser.add_argument(
            _option(field.name), dest=field.name, type=kind, metavar=metavar, help=field.label
        )
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the new password from standard input (never give it as an argument)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="usersetup", description="User Setup for a medical practice.")
    parser.add_argument(
        "--db", type=_database_url, metavar="URL", help="database URL (default: see README)"
    )
    parser.add_argument("--company", metavar="CODE", help="company code, e.g. valley")
    parser.add_argument(
        "--as",
        dest="as_user",
        metavar="USERID",
        help="act as this user, with their rights (their password: the first line of "
        "standard input); default: as the database administrator",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the window on the demo practice (created if absent)",
    )
    commands = parser.add_subparsers(dest="command", parser_class=CommandParser)

    demo = commands.add_parser("demo", help="create the demo practice")
    demo.add_argument("--users", type=int, default=40, help="how many users (default 40)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=CommandParser)
    db_commands.add_parser("upgrade", help="bring the database schema up to this version")

    users = commands.add_parser("users", help="list, show, add, copy, change users")
    user_commands = users.add_subparsers(
        dest="users_command", required=True, parser_class=CommandParser
    )
    listing = user_commands.add_parser("list", help="the user list (active users unless --all)")
    listing.add_argument("--all", action="store_true", help="include inactive users")
    listing.add_argument("--json", action="store_true")
    show = user_commands.add_parser("show", help="one user's User section")
    show.add_argument("user_id", metavar="USERID")
    show.add_argument("--json", action="store_true")
    add = user_commands.add_parser("add", help="add a user (password from --password-stdin)")
    add.add_argument("user_id", metavar="USERID")
    _add_field_options(add, rename=False)
    _add_expires_option(add, "default never")
    add.add_argument("--json", action="store_true")
    copy = user_commands.add_parser(
        "copy",
        help="add a user by copying one who does similar work, with their login times "
        "(Limited access, the hours of each day, and the account's expiry date unless it "
        "has passed), their roles, user groups and department",
    )
    copy.add_argument("source", metavar="FROM")
    copy.add_argument("user_id", metavar="NEWID")
    _add_field_options(copy, rename=False)
    _add_expires_option(copy, "default FROM's, or never if FROM's has passed")
    copy.add_argument("--json", action="store_true")
    change = user_commands.add_parser("set", help="change fields of a user")
    change.add_argument("target", metavar="USERID")
    _add_field_options(change, rename=True)
    _add_expires_option(change, "default unchanged")
    add_pin_options(change)
    change.add_argument("--json", action="store_true")
    for name in ("deactivate", "activate"):
        sub = user_commands.add_parser(name, help=f"{name} a user (users are never deleted)")
        sub.add_argument("user_id", metavar="USERID")
    reset = user_commands.add_parser(
        "reset-password", help="give a user a generated temporary password, printed once"
    )
    reset.add_argument("user_id", metavar="USERID")
    reset.add_argument("--unlock", action="store_true", help="also unlock the account")
    reset.add_argument("--json", action="store_true")
    unlock = user_commands.add_parser("unlock", help="unlock a locked account")
    unlock.add_argument("user_id", metavar="USERID")
    role = user_commands.add_parser(
        "set-role", help="who may use User Setup: administrator, front-desk or none"
    )
    role.add_argument("user_id", metavar="USERID")
    role.add_argument("role", choices=sorted(ROLE_NAMES))
    _add_user_roles_command(user_commands)

    _add_two_factor_commands(commands)
    _add_hours_commands(commands)
    _add_key_commands(commands)
    add_groups_commands(commands)
    add_departments_commands(commands)
    add_company_commands(commands)
    add_rights_commands(commands)
    add_roles_commands(commands)
    add_providers_commands(commands)
    add_epcs_commands(commands)
    add_catalog_commands(commands)
    add_pin_commands(commands)

    login = commands.add_parser("login", help="would this sign-in be allowed? (exit code)")
    login.add_argument("user_id", metavar="USERID")
    # SUPPRESS: given here or before the command, --company means the same.
    login.add_argument("--company", metavar="CODE", default=argparse.SUPPRESS)
    login.add_argument("--password-stdin", action="store_true")
    login.add_argument(
        "--at",
        metavar="TIME",
        help="ISO time to ask about (company's zone): would the account allow a sign-in then? "
        "(no password: nothing is checked against one, counted or recorded)",
    )
    login.add_argument(
        "--ip",
        metavar="ADDRESS",
        help="the address signing in from (skips the token from an excluded network only when "
        "the company trusts addresses given by calling programs)",
    )
    second = login.add_mutually_exclusive_group()
    second.add_argument(
        "--token",
        metavar="T",
        help="the second factor: the 6 digits the authenticator app shows, or the token sent "
        "by --send-token (unlike a password it may be given here: it works once and expires "
        "within minutes)",
    )
    second.add_argument(
        "--send-token",
        action="store_true",
        help="when the answer is 'two-factor required' for an Email or Text user, send the "
        "token and say where it went (with --at nothing is sent)",
    )
    login.add_argument("--json", action="store_true")
    return parser


def _add_user_roles_command(user_commands: Any) -> None:
    roles = user_commands.add_parser(
        "roles",
        help="a user's roles, user groups, department and effective rights; give or take "
        "roles and groups (the Roles section)",
    )
    roles.add_argument("user_id", metavar="USERID")
    for option, dest, what in (
        ("--add", "add", "give the user this role (repeatable)"),
        ("--remove", "remove", "take this role from the user (repeatable)"),
        ("--add-group", "add_group", "make the user a member of this user group (repeatable)"),
        ("--remove-group", "remove_group", "take the user out of this user group (repeatable)"),
    ):
        roles.add_argument(
            option, dest=dest, action="append", default=[], metavar="NAME", help=what
        )
    roles.add_argument("--json", action="store_true")


def _add_hours_commands(commands: Any) -> None:
    hours = commands.add_parser("hours", help="when a user may sign in (the Login Times section)")
    hours_commands = hours.add_subparsers(
        dest="hours_command", required=True, parser_class=CommandParser
    )
    show = hours_commands.add_parser(
        "show", help="a user's login hours, time zone and account expiry"
    )
    show.add_argument("user_id", metavar="USERID")
    show.add_argument("--json", action="store_true")
    change = hours_commands.add_parser(
        "set",
        help="change Limited access and the hours of some days; days not given keep theirs",
        description="Times are wall-clock times in the company's time zone, 24-hour. Start "
        "is allowed, End is not; an End before the Start runs past midnight into the next "
        "day (mon=22:00-06:00 allows Tuesday 02:00).",
    )
    change.add_argument("user_id", metavar="USERID")
    change.add_argument(
        "--limited",
        type=_yes_no,
        metavar="on|off",
        help="on: only the hours set here are allowed; off: any time (the hours are kept)",
    )
    change.add_argument(
        "--day",
        type=_day_option,
        action="append",
        default=[],
        metavar="DAY=HOURS",
        help="one day's hours, repeatable: DAY is sun, mon, ... sat (or the full name); "
        "HOURS is 09:00-18:00, 'all day' (or all) or off",
    )
    change.add_argument("--json", action="store_true")


def _add_two_factor_commands(commands: Any) -> None:
    tf = commands.add_parser("2fa", help="a user's two-factor sign-in (the 2FA section)")
    tf_commands = tf.add_subparsers(dest="tf_command", required=True, parser_class=CommandParser)
    show = tf_commands.add_parser("show", help="how a user signs in with a second factor")
    show.add_argument("user_id", metavar="USERID")
    show.add_argument("--json", action="store_true")
    change = tf_commands.add_parser("set", help="choose the method and where tokens go")
    change.add_argument("user_id", metavar="USERID")
    change.add_argument("--method", choices=[m.value for m in TwoFactorMethod], required=True)
    change.add_argument(
        "--to",
        metavar="ADDRESS_OR_NUMBER",
        help="where tokens go: an e-mail address (email) or a mobile number (text); "
        "default: unchanged when the method is",
    )
    change.add_argument(
        "--setup",
        choices=[s.value for s in TwoFactorSetup],
        help="for --method app without an authenticator: prompt (may skip) or require the user "
        "to set one up at next login (default: as stored, else require); 'now' is done with "
        "'2fa enroll' and '2fa confirm'",
    )
    change.add_argument("--title", metavar="TITLE", help="Title for Authenticator (--method app)")
    change.add_argument("--json", action="store_true")
    enroll = tf_commands.add_parser(
        "enroll", help="make a new authenticator key, printed once, waiting for '2fa confirm'"
    )
    enroll.add_argument("user_id", metavar="USERID")
    enroll.add_argument("--title", metavar="TITLE", help="shown in the app (default: company)")
    enroll.add_argument("--json", action="store_true")
    confirm = tf_commands.add_parser(
        "confirm", help="check the app's token against the new key; prints the recovery codes"
    )
    confirm.add_argument("user_id", metavar="USERID")
    confirm.add_argument("--token", metavar="T", required=True, help="the 6 digits the app shows")
    confirm.add_argument("--json", action="store_true")
    reset = tf_commands.add_parser(
        "reset", help="throw the authenticator away: a new one is set up at next login"
    )
    reset.add_argument("user_id", metavar="USERID")
    reset.add_argument(
        "--setup",
        choices=[TwoFactorSetup.PROMPT.value, TwoFactorSetup.REQUIRE.value],
        default=TwoFactorSetup.REQUIRE.value,
        help="prompt (may skip) or require (default) the new setup at next login",
    )
    reset.add_argument("--json", action="store_true")
    codes = tf_commands.add_parser(
        "recovery-codes", help="a new set of 10 recovery codes, printed once; old ones stop"
    )
    codes.add_argument("user_id", metavar="USERID")
    codes.add_argument("--json", action="store_true")


def _add_key_commands(commands: Any) -> None:
    key = commands.add_parser(
        "key", help="the practice key that seals authenticator keys (on each workstation)"
    )
    key_commands = key.add_subparsers(dest="key_command", required=True, parser_class=CommandParser)
    key_commands.add_parser("init", help="make the practice key here (once per practice)")
    key_commands.add_parser("status", help="whether this computer has the practice key")
    for name, what in (
        ("export", "write the key to FILE, sealed under a passphrase from standard input"),
        ("import", "keep here the key FILE holds (passphrase from standard input)"),
    ):
        sub = key_commands.add_parser(name, help=what)
        sub.add_argument("file", metavar="FILE")
