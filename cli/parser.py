"""The command line's commands and options, as `usersetup --help` shows them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

from app.db.kinds import TwoFactorMethod, TwoFactorSetup
from app.db.models import BuiltInRole
from app.login_times.hours import (
    WEEKDAY_KEYS,
    WEEKDAY_NAMES,
)
from app.rights import Right, right_named
from app.users.fields import USER_FIELDS, Kind
from cli.errors import UsageError
from cli.parser_sign_off import add_pin_commands, add_pin_options

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


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: "--password X" must not pass for "--password-stdin" plus a stray X.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            # Echo only the option names: a stray value may be a password typed as an argument.
            words = message.removeprefix(prefix).split()
            options = [word.split("=", 1)[0] for word in words if word[:1] == "-"]
            message = prefix + (" ".join(options) or "extra values (not shown)")
        elif "ignored explicit argument" in message:  # "--password-stdin=secret"
            message = message.split(":", 1)[0] + ": takes no value"
        raise UsageError(message)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # Before any argument is used: a name made of bytes that are not text would reach the
        # database, a file name or the terminal, and fail there with a traceback.
        arguments = list(sys.argv[1:] if args is None else args)
        problem = _not_text(arguments)
        if problem:
            self.error(problem)
        return super().parse_known_args(arguments, namespace)


def is_text(text: str) -> bool:
    """Is this valid text? Bytes that are not UTF-8 reach Python as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_text(arguments: list[str]) -> str | None:
    """Which argument is not valid text, named without echoing it (it may be a password)."""
    for number, argument in enumerate(arguments, 1):
        if is_text(argument):
            continue
        if argument.startswith("-"):  # --title=VALUE
            option = argument.split("=", 1)[0] if "=" in argument else ""
            option = option if is_text(option) else ""
        else:  # --title VALUE
            previous = arguments[number - 2] if number > 1 else ""
            option = previous if previous.startswith("-") and "=" not in previous else ""
        what = f", the value of {option}," if option else ""
        return f"argument {number}{what} is not valid text (its bytes are not UTF-8)"
    return None


def _database_url(text: str) -> str:
    """--db: an empty one would quietly mean the usual places (see README)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("needs a database URL, such as sqlite:///PATH")
    return text


def _option(field_name: str) -> str:
    return "--" + CLI_NAMES.get(field_name, field_name.replace("_", "-"))


def _row_id(text: str) -> int:
    """A row's number as the program lists it: a positive whole number a database column
    can hold (a longer one would reach the database and fail there)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number, as the list shows it") from None
    if not 1 <= number < 2**63:
        raise argparse.ArgumentTypeError("no such number: the list shows every one")
    return number


def _yes_no(text: str) -> bool:
    if text.lower() in ("yes", "on", "true", "1"):
        return True
    if text.lower() in ("no", "off", "false", "0"):
        return False
    raise argparse.ArgumentTypeError(f"expected yes or no, not {text!r}")


def _expiry(text: str) -> date | None:
    """--expires: the last day the account works (in the company's zone), or never."""
    if text.strip().lower() == "never":
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2027-06-30, or never, not {text!r}"
        ) from None


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
        type=_expiry,
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
    parser = _Parser(prog="usersetup", description="User Setup for a medical practice.")
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
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    demo = commands.add_parser("demo", help="create the demo practice")
    demo.add_argument("--users", type=int, default=40, help="how many users (default 40)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_commands.add_parser("upgrade", help="bring the database schema up to this version")

    users = commands.add_parser("users", help="list, show, add, copy, change users")
    user_commands = users.add_subparsers(dest="users_command", required=True, parser_class=_Parser)
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
    _add_groups_commands(commands)
    _add_departments_commands(commands)
    _add_company_commands(commands)
    _add_rights_commands(commands)
    _add_roles_commands(commands)
    _add_providers_commands(commands)
    _add_epcs_commands(commands)
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
    hours_commands = hours.add_subparsers(dest="hours_command", required=True, parser_class=_Parser)
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
    tf_commands = tf.add_subparsers(dest="tf_command", required=True, parser_class=_Parser)
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


def _registration_expiry(text: str) -> date | None:
    """--dea-expires: the last day the DEA registration is good, or none."""
    if text.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date such as 2027-05-31, or none, not {text!r}"
        ) from None


def _add_providers_commands(commands: Any) -> None:
    providers = commands.add_parser(
        "providers", help="the providers' DEA registrations and state licences (EPCS)"
    )
    provider_commands = providers.add_subparsers(
        dest="providers_command", required=True, parser_class=_Parser
    )
    listing = provider_commands.add_parser("list", help="every provider, with its registration")
    listing.add_argument("--json", action="store_true")
    change = provider_commands.add_parser(
        "set",
        help="set a provider's DEA number, its expiry and the state licence (EPCS enroller)",
        description="Options not given keep their values. The DEA number is checked by DEA's "
        "rule (registrant type, the last name's initial or 9, the check digit).",
    )
    change.add_argument("provider_id", type=_row_id, metavar="ID", help="as providers list shows")
    # SUPPRESS: absent unless given, since an empty number and "none" are values to store.
    change.add_argument("--dea", default=argparse.SUPPRESS, metavar="NUMBER", help='"" removes it')
    change.add_argument(
        "--dea-expires",
        type=_registration_expiry,
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD|none",
        help="the last day the DEA registration is good",
    )
    change.add_argument("--state-license", default=argparse.SUPPRESS, metavar="TEXT")
    change.add_argument("--json", action="store_true")


def _add_epcs_commands(commands: Any) -> None:
    epcs = commands.add_parser(
        "epcs",
        help="controlled-substance prescribing: requests that a second person approves",
        description="A grant or revocation is started by an EPCS enroller and stays pending "
        "until a different user, an EPCS approver who is a DEA registrant with an "
        "authenticator, approves it with a fresh token (21 CFR 1311.125). Every epcs command "
        "first takes the permission from users whose DEA registration lapsed.",
    )
    epcs_commands = epcs.add_subparsers(dest="epcs_command", required=True, parser_class=_Parser)
    request = epcs_commands.add_parser("request", help="start a grant (or --revoke) for a user")
    request.add_argument("user_id", metavar="USERID")
    request.add_argument("--revoke", action="store_true", help="a revocation instead of a grant")
    request.add_argument("--json", action="store_true")
    revoke = epcs_commands.add_parser("revoke", help="start a revocation for a user")
    revoke.add_argument("user_id", metavar="USERID")
    revoke.add_argument("--json", action="store_true")
    approve = epcs_commands.add_parser(
        "approve",
        help="approve a pending request: the authenticator's token on standard input",
        description="The approver acts as themselves (--as USERID: their password, then the "
        "token, on standard input); the database administrator cannot approve.",
    )
    approve.add_argument("request_id", type=_row_id, metavar="REQUEST_ID")
    approve.add_argument("--json", action="store_true")
    refuse = epcs_commands.add_parser("refuse", help="refuse a pending request, saying why")
    refuse.add_argument("request_id", type=_row_id, metavar="REQUEST_ID")
    refuse.add_argument("--reason", required=True, metavar="TEXT")
    refuse.add_argument("--json", action="store_true")
    withdraw = epcs_commands.add_parser("withdraw", help="take back a request one made")
    withdraw.add_argument("request_id", type=_row_id, metavar="REQUEST_ID")
    withdraw.add_argument("--json", action="store_true")
    pending = epcs_commands.add_parser("pending", help="the requests waiting for approval")
    pending.add_argument("--json", action="store_true")
    status = epcs_commands.add_parser("status", help="a user's EPCS permission and request")
    status.add_argument("user_id", metavar="USERID")
    status.add_argument("--json", action="store_true")


def _add_key_commands(commands: Any) -> None:
    key = commands.add_parser(
        "key", help="the practice key that seals authenticator keys (on each workstation)"
    )
    key_commands = key.add_subparsers(dest="key_command", required=True, parser_class=_Parser)
    key_commands.add_parser("init", help="make the practice key here (once per practice)")
    key_commands.add_parser("status", help="whether this computer has the practice key")
    for name, what in (
        ("export", "write the key to FILE, sealed under a passphrase from standard input"),
        ("import", "keep here the key FILE holds (passphrase from standard input)"),
    ):
        sub = key_commands.add_parser(name, help=what)
        sub.add_argument("file", metavar="FILE")


def _right(text: str) -> Right:
    """A right by its stable key (see `usersetup rights list`)."""
    right = right_named(text)
    if right is None:
        raise argparse.ArgumentTypeError(
            f"no right has the key {text!r} (see usersetup rights list)"
        )
    return right


def _add_rights_commands(commands: Any) -> None:
    rights = commands.add_parser("rights", help="the rights roles give, and who holds them")
    rights_commands = rights.add_subparsers(
        dest="rights_command", required=True, parser_class=_Parser
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


def _add_roles_commands(commands: Any) -> None:
    roles = commands.add_parser("roles", help="list, show, add, copy and change roles")
    roles_commands = roles.add_subparsers(dest="roles_command", required=True, parser_class=_Parser)
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


ROLE_NAMES = {
    "administrator": BuiltInRole.ADMINISTRATOR,
    "front-desk": BuiltInRole.FRONT_DESK,
    "none": None,
}


def _add_groups_commands(commands: Any) -> None:
    groups = commands.add_parser("groups", help="user groups: roles given to every member")
    group_commands = groups.add_subparsers(
        dest="groups_command", required=True, parser_class=_Parser
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


def _add_departments_commands(commands: Any) -> None:
    departments = commands.add_parser("departments", help="the Department List")
    department_commands = departments.add_subparsers(
        dest="departments_command", required=True, parser_class=_Parser
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


def _add_company_commands(commands: Any) -> None:
    company = commands.add_parser("company", help="the company's rules for roles")
    company_commands = company.add_subparsers(
        dest="company_command", required=True, parser_class=_Parser
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
