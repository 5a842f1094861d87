"""The command line: the same services as the window, for scripting and support.

Exit codes: 0 done; 1 refused (bad value, no such user, conflict); 2 bad call;
3 the database cannot be used (unreachable, or its schema does not fit).
`usersetup login` answers with its own codes: 0 signed in, 10 invalid, 11 locked,
12 inactive, 13 password change required, 14 two-factor required (the password was right;
a token is due, or an authenticator must be set up first), 15 outside login hours,
16 account expired.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import io
import json
import os
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any, NoReturn, TextIO
from zoneinfo import ZoneInfo

from app.access import Actor
from app.clock import Clock
from app.db.database import Database, locate_database, make_engine, open_database, upgrade
from app.db.models import SetupRole, TwoFactorMethod, TwoFactorSetup, User
from app.db.server import server_clock
from app.errors import (
    DatabaseUnavailableError,
    NotFoundError,
    SchemaError,
    UserSetupError,
    ValidationError,
)
from app.login_times.hours import (
    NOT_PERMITTED,
    WEEKDAY_KEYS,
    WEEKDAY_NAMES,
    DayForm,
    DayHours,
    LoginTimes,
    clean_login_times,
    is_expired,
    within_hours,
)
from app.login_times.service import LoginTimesService
from app.practice.company import (
    CompanyInfo,
    load_company,
    match_choice,
    provider_choices,
    service_location_choices,
)
from app.practice.demo import create_demo_practice
from app.signin.check import REFUSED, Reason, SignInResult, SignInService, TokenSent
from app.two_factor.service import (
    METHOD_LABELS,
    SETUP_LABELS,
    Need,
    Senders,
    TwoFactorForm,
    TwoFactorService,
    describe_destination,
)
from app.users.fields import FIELDS_BY_NAME, LABELS, USER_FIELDS, Kind
from app.users.service import UserFields, UserRecord, UserService
from app.validation import FieldProblem, display_phone

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_DATABASE = 0, 1, 2, 3
REFERENCE_CHOICES = {
    "provider_id": provider_choices,
    "service_location_id": service_location_choices,
}
# `hours set --day`: sun..sat or the full name, any case.
DAY_OPTION_NAMES = {
    **{key: index for index, key in enumerate(WEEKDAY_KEYS)},
    **{name.lower(): index for index, name in enumerate(WEEKDAY_NAMES)},
}
CLI_NAMES = {
    "provider_id": "provider",
    "service_location_id": "service-location",
    "user_type": "type",
}


class UsageError(Exception):
    """The command line itself is wrong."""


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


def _option(field_name: str) -> str:
    return "--" + CLI_NAMES.get(field_name, field_name.replace("_", "-"))


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
    parser.add_argument("--db", metavar="URL", help="database URL (default: see README)")
    parser.add_argument("--company", metavar="CODE", help="company code, e.g. valley")
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
        "has passed)",
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

    _add_two_factor_commands(commands)
    _add_hours_commands(commands)

    login = commands.add_parser("login", help="would this sign-in be allowed? (exit code)")
    login.add_argument("user_id", metavar="USERID")
    # SUPPRESS: given here or before the command, --company means the same.
    login.add_argument("--company", metavar="CODE", default=argparse.SUPPRESS)
    login.add_argument("--password-stdin", action="store_true", required=True)
    login.add_argument("--at", metavar="TIME", help="ISO time to ask about (company's zone)")
    login.add_argument("--ip", metavar="ADDRESS", help="the address signing in from")
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


def main(
    argv: Sequence[str] | None = None,
    stdin: TextIO | None = None,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
) -> int:
    """Run one command; ``clock`` is the time source (tests give a fixed one; None: the
    database server's, as in the window). ``database``, when given, is used in place of the
    one --db names (tests give one they roll back)."""
    stdin = stdin or sys.stdin
    try:
        args = build_parser().parse_args(argv)
        if database is not None and args.command not in (None, "db"):
            return _run_on(args, database, stdin, clock)
        return _run(args, stdin, clock)
    except UsageError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except ValidationError as exc:
        labels = {**LABELS, "setup_role": "Role"}
        text = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in exc.errors.items())
        return _fail(EXIT_REFUSED, text)
    except (DatabaseUnavailableError, SchemaError) as exc:
        return _fail(EXIT_DATABASE, str(exc))
    except UserSetupError as exc:
        return _fail(EXIT_REFUSED, str(exc))
    except BrokenPipeError:  # "usersetup users list | head": the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK


def _quiet_stdout() -> None:
    """Point stdout at nothing, so the interpreter's last flush does not fail on the pipe."""
    # A stdout that is not a real file (a test's capture) has nothing to flush to a pipe.
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail(code: int, message: str) -> int:
    print(f"usersetup: {' '.join(message.split())}", file=sys.stderr)
    return code


def _run(args: argparse.Namespace, stdin: TextIO, clock: Clock | None) -> int:
    location = locate_database(args.db)
    if args.command is None:
        from ui.main import run_window  # Qt is loaded only for the window

        code = run_window(location, args.company, _open_demo if args.demo else None)
        return EXIT_DATABASE if code is None else code
    if args.command == "db":
        engine = make_engine(location.url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        print(f"The database {location.describe()} is up to date.")
        return EXIT_OK

    if args.command == "demo" and args.users < 1:
        raise UsageError("--users must be at least 1")
    engine = open_database(location)
    try:
        return _run_on(args, Database.for_engine(engine, location.describe()), stdin, clock)
    finally:
        engine.dispose()


def _run_on(
    args: argparse.Namespace, database: Database, stdin: TextIO, clock: Clock | None
) -> int:
    """Run a command that works on the practice's data, in ``database``."""
    if clock is None:  # hours and expiries by the clock every workstation shares
        clock = server_clock(database)
    actor = Actor.database_administrator()
    if args.command == "demo":
        with database.transaction() as session:
            result = create_demo_practice(session, actor, clock, users=args.users)
        print_demo_result(result, database.description)
        return EXIT_OK
    if args.command == "login":
        return _login(args, database, stdin, clock)
    with database.transaction() as session:
        company = load_company(session, args.company)
        if args.command == "2fa":
            users = UserService(session, company, actor, clock)
            output = _two_factor_command(
                args, users, TwoFactorService(session, company, actor, clock)
            )
        elif args.command == "hours":
            users = UserService(session, company, actor, clock)
            output = _hours_command(args, users, LoginTimesService(session, company, actor, clock))
        else:
            output = _users_command(args, UserService(session, company, actor, clock), stdin)
    print(output)  # only once committed: a closed pipe must not undo the change
    return EXIT_OK


def _open_demo(database: Database) -> str:
    """--demo: the demo practice, made if absent, and its sign-ins printed; its code."""
    actor = Actor.database_administrator("User Setup demo")
    clock = server_clock(database)
    with database.transaction() as session:
        result = create_demo_practice(session, actor, clock)
    print_demo_result(result, database.description)
    return result.company.code


def print_demo_result(result: Any, where: str) -> None:
    if result.admin_password is None:
        print(
            f"The demo practice {result.company.code!r} is already in {where}, "
            f"with {result.users} users; nothing was changed."
        )
        return
    print(
        f"Created the demo practice {result.company.code!r} with {result.users} users in {where}."
    )
    print(
        f"Administrator sign-in: User ID {result.admin_user_id}, company {result.company.code}, "
        f"password {result.admin_password}"
    )
    if result.front_desk_password:
        print(
            f"Front Desk sign-in: User ID {result.front_desk_user_id}, "
            f"company {result.company.code}, password {result.front_desk_password}"
        )


def _users_command(args: argparse.Namespace, service: UserService, stdin: TextIO) -> str:
    """Carry out one users command in the caller's transaction; what to print once committed."""
    command = args.users_command
    if command == "list":
        rows = service.list_rows(active_only=not args.all)
        if args.json:
            keys = ("user_id", "last_name", "first_name", "active", "login_locked", "expired")
            return json.dumps(
                [dict(zip(keys, (*row[1:6], bool(row[6])), strict=True)) for row in rows],
                indent=2,
            )
        lines = []
        for _pk, user_id, last, first, active, locked, expired in rows:
            marks = ("" if active else " [inactive]") + (" [locked]" if locked else "")
            marks += " [expired]" if expired else ""
            lines.append(f"{last}, {first} ({user_id}){marks}")
        return "\n".join(lines)
    if command == "show":
        return _format_user(service, service.find(args.user_id), as_json=args.json)
    if command == "reset-password":
        record = service.find(args.user_id)
        password = service.reset_password(record.pk, unlock=args.unlock)
        record = service.get(record.pk)
        if args.json:
            return json.dumps(
                {
                    "user_id": record.fields.user_id,
                    "temporary_password": password,
                    "must_change_password": True,
                    "login_locked": record.fields.login_locked,
                },
                indent=2,
            )
        lock = " It is still locked: add --unlock." if record.fields.login_locked else ""
        return f"Temporary password for {record.heading}: {password}{lock}"
    if command == "set-role":
        record = service.find(args.user_id)
        record = service.set_setup_role(record.pk, ROLE_NAMES[args.role])
        return f"{record.heading}: User Setup role {record.setup_role or 'none'}."
    if command == "unlock":
        record = service.unlock(service.find(args.user_id).pk)
        return f"{record.heading} is unlocked."
    if command in ("deactivate", "activate"):
        record = service.find(args.user_id)
        record = service.set_active(record.pk, command == "activate")
        return f"{record.heading} is {'active' if record.fields.active else 'inactive'}."

    if command == "set":
        record = service.find(args.target)
        form = record.fields
        _apply_options(args, form, service)
        if args.password_stdin:
            form.new_password = form.retype_password = _read_password(stdin)
            if args.must_change_password is None:  # set by an administrator: temporary
                form.must_change_password = True
        record = service.update(record.pk, form, record.version)
        if "expires" in args:
            record = _login_times_service(service).set_expiry(record.pk, args.expires)
    else:  # add, copy
        if not args.password_stdin:
            raise UsageError(f"users {command} needs --password-stdin: a new user needs a password")
        source = service.find(args.source) if command == "copy" else None
        form = source.fields.for_copy() if source else UserFields()
        _apply_options(args, form, service)
        form.new_password = form.retype_password = _read_password(stdin)
        record = service.create(form, copied_from=source.pk if source else None)
        hours = _login_times_service(service)
        times = source.login_times.for_copy(hours.zone, service.clock()) if source else LoginTimes()
        if "expires" in args:
            times = dataclasses.replace(times, expires_on=args.expires)
        # Saved only when it differs from a new user's: no change, no audit event.
        record = hours.save(record.pk, times, record.version)
    return _format_user(service, record, as_json=args.json)


def _login_times_service(users: UserService) -> LoginTimesService:
    """The Login Times service in the same transaction, acting for the same operator."""
    return LoginTimesService(users.session, users.company, users.actor, users.clock)


def _apply_options(args: argparse.Namespace, form: UserFields, service: UserService) -> None:
    for field in USER_FIELDS:
        value = getattr(args, field.name, None)  # user_id: NEWID of add and copy, --user-id of set
        if value is None:
            continue
        if field.kind is Kind.REFERENCE:
            value = _reference_id(field.name, value, service)
        setattr(form, field.name, value)


def _reference_id(field_name: str, text: str, service: UserService) -> int | None:
    if text.strip().lower() in ("", "none"):
        return None
    choices = REFERENCE_CHOICES[field_name](service.session, service.company)
    choice = match_choice(choices, text)
    if choice is None:
        known = "; ".join(c.label for c in choices) or "none"
        label = FIELDS_BY_NAME[field_name].label
        raise ValidationError({field_name: f"No one {label} is named {text!r} (known: {known})."})
    return choice.id


def _read_password(stdin: TextIO, *, confirm: bool = True) -> str:
    if stdin.isatty():  # typed by a person: without echoing it, and twice when it is new
        password = getpass.getpass("New password: " if confirm else "Password: ")
        if confirm and password != getpass.getpass("ReType: "):
            raise ValidationError({"retype_password": "The two passwords differ."})
        return password
    line = stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    if not password:
        raise UsageError("no password on standard input")
    return password


TWO_FACTOR_OPTIONS = {
    "method": "--method",
    "destination": "--to",
    "setup": "--setup",
    "title": "--title",
    "token": "--token",
}


def _two_factor_command(
    args: argparse.Namespace, users: UserService, service: TwoFactorService
) -> str:
    """Carry out one 2fa command in the caller's transaction; what to print once committed."""
    command = args.tf_command
    record = users.find(args.user_id)
    try:
        if command == "show":
            return _format_two_factor(service, record, as_json=args.json)
        if command == "set":
            form = _two_factor_form(args, record)
            record, _ = service.save(record.pk, form, record.version)
            return _format_two_factor(service, record, as_json=args.json)
        if command == "enroll":
            enrolment = service.enroll(record.pk, args.title or "")
            if args.json:
                return json.dumps(
                    {
                        "user_id": record.fields.user_id,
                        "title": enrolment.title,
                        "account": enrolment.account,
                        "uri": enrolment.uri,
                        "manual_entry_key": enrolment.key,
                    },
                    indent=2,
                )
            return "\n".join(
                [
                    f"New authenticator key for {record.heading}, shown only now:",
                    f"  {'Title for Authenticator:':<26}{enrolment.title}",
                    f"  {'Manual Entry Key:':<26}{enrolment.key}",
                    f"  {'QR code address:':<26}{enrolment.uri}",
                    "Type the key into the app (or make a QR code of the address), then run:",
                    f"  usersetup 2fa confirm {record.fields.user_id} --token <6 digits>",
                ]
            )
        if command == "confirm":
            codes = service.confirm(record.pk, args.token)
            record = users.get(record.pk)
            return _format_codes(
                record, codes, f"{record.heading} now signs in with the authenticator app.", args
            )
        if command == "reset":
            record = service.reset(record.pk, args.setup)
            if args.json:
                return _format_two_factor(service, record, as_json=True)
            return (
                f"{record.heading}: authenticator and recovery codes removed. "
                f"{SETUP_LABELS[TwoFactorSetup(record.two_factor.setup)]}."
            )
        # recovery-codes
        codes = service.new_recovery_codes(record.pk)
        record = users.get(record.pk)
        return _format_codes(
            record, codes, f"New recovery codes for {record.heading}; the old ones stop.", args
        )
    except ValidationError as exc:  # say it with the option to change, not the window's field
        text = "; ".join(f"{TWO_FACTOR_OPTIONS.get(k, k)}: {v}" for k, v in exc.errors.items())
        raise UserSetupError(text) from exc


def _two_factor_form(args: argparse.Namespace, record: UserRecord) -> TwoFactorForm:
    """The 2FA section as `2fa set` asks for it; options that do not fit the method refused."""
    current = record.two_factor
    method = args.method
    if args.to is not None and method not in TOKEN_METHODS:
        raise UsageError("--to is only for --method email or text")
    if method != TwoFactorMethod.APP and (args.setup is not None or args.title is not None):
        raise UsageError("--setup and --title are only for --method app")
    if args.setup == TwoFactorSetup.NOW:
        raise UsageError(
            "--setup now needs a token from the phone: run 'usersetup 2fa enroll USERID', "
            "then 'usersetup 2fa confirm USERID --token T'"
        )
    same = method == current.method
    destination = args.to if args.to is not None else current.destination if same else ""
    setup = ""
    if method == TwoFactorMethod.APP:
        if args.setup is not None:
            setup = args.setup
        elif current.has_authenticator:  # kept: "now" is what a confirmed one is stored as
            setup = current.setup if same and current.setup else TwoFactorSetup.NOW.value
        elif same and current.setup in (TwoFactorSetup.PROMPT, TwoFactorSetup.REQUIRE):
            setup = current.setup
        else:
            setup = TwoFactorSetup.REQUIRE.value
    title = args.title if args.title is not None else current.title if same else ""
    return TwoFactorForm(method, destination, setup, title)


def two_factor_as_json(
    record: UserRecord, company: CompanyInfo, *, pending: bool
) -> dict[str, Any]:
    """The stable JSON form of one user's 2FA section (documented in the README)."""
    summary = record.two_factor
    tokens_sent = summary.method in TOKEN_METHODS  # a destination kept from before means nothing
    return {
        "company": company.code,
        "user_id": record.fields.user_id,
        "method": summary.method,
        "destination": summary.destination if tokens_sent else "",
        "setup": summary.setup,
        "title": summary.title,
        "authenticator": summary.has_authenticator,
        "confirmed_at": summary.confirmed_at.isoformat() if summary.confirmed_at else None,
        "authenticator_pending": pending,
        "recovery_codes_left": summary.recovery_codes_left,
        "version": record.version,
    }


def _format_two_factor(service: TwoFactorService, record: UserRecord, *, as_json: bool) -> str:
    user = service.session.get(User, record.pk)
    pending = user is not None and user.totp_pending_secret is not None
    if as_json:
        return json.dumps(two_factor_as_json(record, service.company, pending=pending), indent=2)
    summary = record.two_factor
    method = TwoFactorMethod(summary.method)
    if summary.has_authenticator and summary.confirmed_at is not None:
        authenticator = f"set up {summary.confirmed_at:%Y-%m-%d %H:%M} UTC"
    else:
        authenticator = "set up" if summary.has_authenticator else "none"
    if pending:
        authenticator += "; a new key waits for '2fa confirm'"
    destination = describe_destination(
        summary.method, summary.destination, service.company.phone_region
    )
    rows = [
        ("Method", METHOD_LABELS[method]),
        ("Tokens go to", destination if method.value in TOKEN_METHODS else ""),
        ("Setup", SETUP_LABELS[TwoFactorSetup(summary.setup)] if summary.setup else ""),
        ("Title for Authenticator", summary.title),
        ("Authenticator", authenticator),
        ("Recovery codes left", str(summary.recovery_codes_left)),
    ]
    lines = [f"2FA - {record.heading}"]
    lines += [f"  {label + ':':<26}{value or '-'}" for label, value in rows]
    return "\n".join(lines)


def _format_codes(
    record: UserRecord, codes: list[str], heading: str, args: argparse.Namespace
) -> str:
    if args.json:
        return json.dumps({"user_id": record.fields.user_id, "recovery_codes": codes}, indent=2)
    lines = [heading, "Recovery codes, shown only now (each works once, in place of a token):"]
    lines += [f"  {code}" for code in codes]
    return "\n".join(lines)


def user_as_json(
    record: UserRecord, company: CompanyInfo, labels: dict[str, dict[int, str]]
) -> dict[str, Any]:
    """The stable JSON form of one user (documented in the README)."""
    out: dict[str, Any] = {"company": company.code}
    for field in USER_FIELDS:
        value = getattr(record.fields, field.name)
        if field.kind is Kind.REFERENCE:
            out[field.name.removesuffix("_id")] = labels[field.name].get(value) if value else None
        else:
            out[field.name] = value
    expires_on = record.login_times.expires_on
    out["account_expires_on"] = expires_on.isoformat() if expires_on else None
    out["version"] = record.version
    out["updated_by"] = record.updated_by
    out["updated_at"] = record.updated_at.isoformat()
    out["created_at"] = record.created_at.isoformat()
    return out


ROLE_NAMES = {
    "administrator": SetupRole.ADMINISTRATOR,
    "front-desk": SetupRole.FRONT_DESK,
    "none": None,
}
LOGIN_EXIT_CODES = {
    Reason.SIGNED_IN: EXIT_OK,
    Reason.INVALID: 10,
    Reason.LOCKED: 11,
    Reason.INACTIVE: 12,
    Reason.PASSWORD_CHANGE_REQUIRED: 13,
    Reason.TWO_FACTOR_REQUIRED: 14,
    Reason.OUTSIDE_HOURS: 15,
    Reason.EXPIRED: 16,
}
TOKEN_METHODS = (TwoFactorMethod.EMAIL.value, TwoFactorMethod.TEXT.value)


def _login(args: argparse.Namespace, database: Database, stdin: TextIO, clock: Clock) -> int:
    """Check a sign-in the way every program on the database does; the answer is the exit code."""
    if not args.company:
        raise UsageError("login needs --company CODE")
    if args.at and args.token:
        # Tokens tried at a made-up moment would be neither counted nor recorded: a way to
        # find the token of a coming moment with no lockout and no trace.
        raise UsageError("--token is not allowed with --at")
    password = _read_password(stdin, confirm=False)
    sent: TokenSent | None = None
    with database.transaction() as session:
        at = _moment(args.at, session, args.company, clock)
        service = SignInService(session, lambda: at, socket.gethostname())
        result = service.check(args.company, args.user_id, password, ip=args.ip, token=args.token)
        if args.at:  # a question about another moment: answered, nothing recorded or changed
            session.rollback()
        elif (
            args.send_token
            and result.reason is Reason.TWO_FACTOR_REQUIRED
            and result.two_factor is Need.TOKEN
            and result.method in TOKEN_METHODS
            and result.company is not None
            and result.user_pk is not None
        ):
            senders = Senders.load(session, result.company, _secret_store())
            sent = service.send_token(result.user_pk, senders, args.ip)
    if args.json:
        print(json.dumps(_login_as_json(result, sent), indent=2))
    elif result.reason is Reason.TWO_FACTOR_REQUIRED:
        print(f"{result.reason.value}: {_what_is_due(result, args)}")
        if sent is not None:
            print(sent.message)
            if not sent.sent and sent.outcome:  # the command line is the administrator's:
                print(f"Why: {sent.outcome}")  # the mail server's or gateway's own words
    else:
        refusal = NOT_PERMITTED if result.reason is Reason.OUTSIDE_HOURS else REFUSED
        print(result.reason.value if result.allowed else f"{refusal} ({result.reason.value})")
    return LOGIN_EXIT_CODES[result.reason]


def _secret_store() -> Any:
    """Where the mail and text passwords are kept: this computer's keyring."""
    import keyring

    return keyring


def _login_as_json(result: SignInResult, sent: TokenSent | None) -> dict[str, Any]:
    """The stable JSON answer of `usersetup login` (documented in the README)."""
    out: dict[str, Any] = {"reason": result.reason.value, "user_id": result.user_id}
    if result.two_factor is not Need.NONE:
        out["two_factor"] = result.two_factor.value
        out["method"] = result.method
    if sent is not None:
        out["token_sent"] = {
            "sent": sent.sent,
            "message": sent.message,
            "outcome": sent.outcome,  # for the administrator: the server's or gateway's words
            "expires_at": sent.expires_at.isoformat(),
            "next_send_at": sent.next_send_at.isoformat(),
        }
    return out


def _what_is_due(result: SignInResult, args: argparse.Namespace) -> str:
    if result.two_factor is not Need.TOKEN:
        return "an authenticator must be set up first (at sign-in, or 2fa enroll and 2fa confirm)"
    if result.method not in TOKEN_METHODS:
        return "give the token the authenticator app shows with --token"
    how = METHOD_LABELS[TwoFactorMethod(result.method)]
    if args.send_token and args.at:
        return f"a token by {how} is due; nothing is sent with --at"
    if args.send_token:
        return f"a token by {how} is due; give it with --token"
    return f"a token by {how} is due; --send-token sends one"


def _moment(text: str | None, session: Any, company_code: str, clock: Clock) -> datetime:
    if not text:
        return clock()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--at takes an ISO time such as 2026-03-08T02:15, not {text!r}") from exc
    if moment.tzinfo is None:  # a wall-clock time at the practice
        try:
            zone = ZoneInfo(load_company(session, company_code).time_zone)
        except NotFoundError:
            zone = ZoneInfo("UTC")  # the check will answer "invalid" for the company anyway
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def _format_user(service: UserService, record: UserRecord, *, as_json: bool) -> str:
    labels = {
        name: {c.id: c.label for c in choices(service.session, service.company)}
        for name, choices in REFERENCE_CHOICES.items()
    }
    data = user_as_json(record, service.company, labels)
    if as_json:
        return json.dumps(data, indent=2)
    lines = [f"User - {record.heading}"]
    for field in USER_FIELDS:
        key = field.name.removesuffix("_id") if field.kind is Kind.REFERENCE else field.name
        value = data[key]
        if field.kind is Kind.FLAG:
            value = "yes" if value else "no"
        elif field.kind is Kind.PHONE:
            value = display_phone(value, service.company.phone_region)
        lines.append(f"  {field.label + ':':<26}{value if value not in (None, '') else '-'}")
    zone = ZoneInfo(service.company.time_zone)
    expiry = _expiry_shown(record.login_times, zone, service.clock())
    lines.append(f"  {'Account expires:':<26}{expiry}")
    lines.append(
        f"  {'Last changed:':<26}{record.updated_at:%Y-%m-%d %H:%M} UTC by {record.updated_by}"
    )
    return "\n".join(lines)


def _expiry_shown(times: LoginTimes, zone: ZoneInfo, now: datetime) -> str:
    """The expiry as `users show` and `hours show` print it: "never", "2027-06-30", or
    "2026-11-21 [expired]" once its end has passed."""
    if times.expires_on is None:
        return "never"
    mark = " [expired]" if is_expired(times, zone, now) else ""
    return f"{times.expires_on.isoformat()}{mark}"


# Login Times (usersetup hours)


def _hours_command(args: argparse.Namespace, users: UserService, service: LoginTimesService) -> str:
    """Carry out one hours command in the caller's transaction; what to print once committed."""
    record = users.find(args.user_id)
    if args.hours_command == "set":
        times = _hours_from_options(args, record.login_times)
        record = service.save(record.pk, times, record.version)
    return _format_login_times(service, record, as_json=args.json)


def _hours_from_options(args: argparse.Namespace, current: LoginTimes) -> LoginTimes:
    """The user's login times with `hours set`'s changes, checked as the section checks them."""
    times, given, problems = current, set[int](), list[str]()
    for index, typed in args.day:
        name = WEEKDAY_NAMES[index]
        if index in given:
            raise UsageError(f"--day {name} is given twice")
        given.add(index)
        try:
            if not typed.strip():  # "--day mon=": more likely a script's empty variable
                raise FieldProblem("Give the hours: 09:00-18:00, 'all day' or 'off'.")
            times = times.with_day(index, DayHours.parse(typed))
        except FieldProblem as problem:
            problems.append(f"{name} ({typed!r}): {problem}")
    if problems:
        raise UserSetupError(" ".join(problems))
    limited = times.limited if args.limited is None else args.limited
    try:
        # The window's own check: it refuses Limited access with no day Available.
        return clean_login_times(limited, [DayForm.of(day) for day in times.days], times.expires_on)
    except ValidationError as exc:
        raise UserSetupError(" ".join(exc.errors.values())) from exc


def login_times_as_json(record: UserRecord, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The stable JSON form of one user's login times (documented in the README)."""
    times = record.login_times
    expired = is_expired(times, zone, now)
    return {
        "user_id": record.fields.user_id,
        "limited_access": times.limited,
        "days": times.stored_hours(),
        "time_zone": zone.key,
        "account_expires_on": times.expires_on.isoformat() if times.expires_on else None,
        "expired": expired,
        "allowed_now": not expired and within_hours(times, zone, now),
    }


def _format_login_times(service: LoginTimesService, record: UserRecord, *, as_json: bool) -> str:
    now, zone = service.clock(), service.zone
    data = login_times_as_json(record, zone, now)
    if as_json:
        return json.dumps(data, indent=2)
    times = record.login_times
    if times.limited:
        limited = "on: only the hours below"
    else:
        limited = "off: any time (the hours below apply when it is on)"
    if data["allowed_now"]:
        allowed = "yes"
    else:
        allowed = "no (account expired)" if data["expired"] else "no (outside login hours)"
    rows = [("Limited access", limited)]
    for name, day in zip(WEEKDAY_NAMES, times.days, strict=True):
        rows.append((name, day.text + (" (ends the next day)" if day.overnight else "")))
    rows += [
        ("Account expires", _expiry_shown(times, zone, now)),
        ("Allowed now", allowed),
    ]
    lines = [f"Login Times - {record.heading}"]
    lines += [f"  {label + ':':<26}{value}" for label, value in rows]
    lines.append(f"Times are in {zone.key} ({now.astimezone(zone).tzname()}).")
    return "\n".join(lines)
