"""The command line: the same services as the window, for scripting and support.

Exit codes: 0 done; 1 refused (bad value, no such user, conflict, a right not held, a wrong
--as password); 2 bad call (input that is not UTF-8 text, --at out of range, an unknown
right key); 3 the database cannot be used (unreachable, missing, not a UserSetup database,
or its schema does not fit). `usersetup rights check` ends 0 when the user holds the right
and 1 when not.
`usersetup login` answers with its own codes: 0 signed in, 10 invalid, 11 locked,
12 inactive, 13 password change required, 14 two-factor required (the password was right;
a token is due, or an authenticator must be set up first), 15 outside login hours,
16 account expired, 17 time not checked (the server's clock cannot be read, and the hours or
expiry depend on it). `usersetup pin check` answers 0 right, 10 refused (a wrong PIN, or a
locked, inactive or unknown account), 18 no PIN set.

Who acts: without --as, the database administrator (every right; audited as the system user
at this host). With --as USERID, that user, with the rights of their roles read anew in the
command's transaction: their password is the first line of standard input, checked as the
idle lock checks it (a wrong one counts toward the lockout and is refused, exit 1, with
"Invalid user ID, password or company"); a password the command itself reads
(--password-stdin) is the next line. --as applies to the users, 2fa, hours, roles and rights
commands (cli/acting.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import sys
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.access import Actor
from app.clock import Clock
from app.db.database import (
    Database,
    check_embedded_file,
    locate_database,
    make_engine,
    open_database,
    upgrade,
)
from app.db.server import ServerClock, server_clock, unmeasured_clock
from app.epcs.service import EpcsRefused, keeping_refusals, raise_kept
from app.errors import (
    DatabaseUnavailableError,
    SchemaError,
    UserSetupError,
    ValidationError,
)
from app.practice.company import (
    load_company,
)
from app.practice.demo import DemoResult, create_demo_practice
from app.roles.setup import ROLE_LABELS
from app.users.fields import LABELS
from app.workplace import Work
from cli.acting import acting_in, sign_in_as
from cli.catalog import catalog_command
from cli.departments import departments_command
from cli.epcs import epcs_command, read_token
from cli.errors import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, UsageError
from cli.groups import company_command, groups_command
from cli.hours import hours_command
from cli.key import key_command
from cli.login import login
from cli.parser import build_parser
from cli.passwords import PasswordInput
from cli.providers import providers_command
from cli.rights import Verdict, rights_command
from cli.roles import roles_command
from cli.sign_off import PinInput, pin_command
from cli.two_factor import two_factor_command
from cli.users import users_command

# How the messages of groups, departments and the base role name their fields.
CLI_LABELS = {
    "base_role": "Base role",
    "members": "Members",
    "roles": "Roles",
    "groups": "User Groups",
    "name": "Name",
    "description": "Description",
}

# The commands that may act as a user of the practice (--as): those on its data.
ACTING_COMMANDS = (
    "users",
    "2fa",
    "hours",
    "roles",
    "rights",
    "groups",
    "departments",
    "company",
    "providers",
    "epcs",
    "catalog",
)


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
        labels = {
            **LABELS,
            "setup_role": "Role",
            "passphrase": "Passphrase",
            **ROLE_LABELS,
            **CLI_LABELS,
        }
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
    if args.command is None:
        from cli.start import open_window

        return open_window(args)
    location = locate_database(args.db)
    if args.command == "db":
        engine = make_engine(location.url)
        try:
            check_embedded_file(location, create=True)
            upgrade(engine)
        finally:
            engine.dispose()
        print(f"The database {location.describe()} is up to date.")
        return EXIT_OK

    if args.command == "demo" and args.users < 1:
        raise UsageError("--users must be at least 1")
    # Only the demo makes a database here (and db upgrade): a mistyped --db is refused.
    engine = open_database(location, create=args.command == "demo")
    try:
        return _run_on(args, Database.for_engine(engine, location.describe()), stdin, clock)
    finally:
        engine.dispose()


def _run_on(
    args: argparse.Namespace, database: Database, stdin: TextIO, clock: Clock | None
) -> int:
    """Run a command that works on the practice's data, in ``database``."""
    server: ServerClock | None = None
    if clock is None:  # hours and expiries by the clock every workstation shares, read with
        clock = unmeasured_clock(database)  # the command's work: no transaction of its own
        server = clock if isinstance(clock, ServerClock) else None

    def measure(session: Session) -> None:
        """The server's clock, read as the command's transaction begins (not on SQLite, nor
        with a clock the caller gave)."""
        if server is not None:
            server.measure_in(session)

    actor = Actor.database_administrator()
    if args.as_user is not None:
        if args.command not in ACTING_COMMANDS:
            raise UsageError(f"--as applies to the {', '.join(ACTING_COMMANDS)} commands")
        if server is not None:  # the sign-in's hours and expiry by the server's clock
            server.measure()
        actor = sign_in_as(database, args.company, args.as_user, stdin, clock)
    if args.command == "demo":
        with database.transaction() as session:
            measure(session)
            result = create_demo_practice(session, actor, clock, users=args.users)
        print_demo_result(result, database.description, database_option(args.db))
        return EXIT_OK
    if args.command == "login":
        return login(args, database, stdin, clock, measure)
    if args.command == "pin":
        return pin_command(args, database, stdin, clock, measure)
    if args.command == "key":
        print(key_command(args, database, actor, stdin, clock, measure))
        return EXIT_OK
    passwords = PasswordInput(stdin)
    if args.command == "users" and getattr(args, "password_stdin", False):
        passwords.read()  # before the transaction: a person typing holds no connection open
    pins = PinInput(stdin)
    if args.command == "users" and getattr(args, "pin_stdin", False):
        pins.read()  # likewise
    token = None
    if args.command == "epcs" and args.epcs_command == "approve":
        token = read_token(stdin, actor)  # likewise; the administrator is refused first

    def command(session: Session) -> str | Verdict | EpcsRefused:
        measure(session)
        company = load_company(session, args.company)
        work = Work(session, company, acting_in(session, company, actor, clock), clock)
        if args.command == "rights":
            return rights_command(args, work)
        if args.command == "roles":
            return roles_command(args, work)
        if args.command == "2fa":
            return two_factor_command(args, work)
        if args.command == "hours":
            return hours_command(args, work)
        if args.command == "groups":
            return groups_command(args, work)
        if args.command == "departments":
            return departments_command(args, work)
        if args.command == "company":
            return company_command(args, work)
        if args.command == "providers":
            return providers_command(args, work)
        if args.command == "catalog":
            return catalog_command(args, work)
        if args.command == "epcs":  # a refused approval commits its audit, then is raised
            return keeping_refusals(lambda w: epcs_command(args, w, token))(work)
        return users_command(args, work, passwords, pins)

    # run(): on the embedded file a listing waits for no other workstation's save
    output = raise_kept(database.run(command))
    text, code, why = output if isinstance(output, Verdict) else (output, EXIT_OK, "")
    print(text)  # only once committed: a closed pipe must not undo the change
    if why:
        print(f"usersetup: {why}", file=sys.stderr)
    return code


def database_option(url: str | None) -> str:
    """How a printed command names the database the user named: ``--db URL`` (any password
    in it masked, to be typed again), or nothing when the database was found by itself."""
    if not url:
        return ""
    return f"--db {shlex.quote(make_url(url).render_as_string(hide_password=True))} "


def open_demo_practice(database: Database, db_option: str) -> str:
    """--demo: the demo practice, made if absent, and its sign-ins printed; its code."""
    actor = Actor.database_administrator("User Setup demo")
    clock = server_clock(database)
    with database.transaction() as session:
        result = create_demo_practice(session, actor, clock)
    print_demo_result(result, database.description, db_option)
    return result.company.code


def print_demo_result(result: DemoResult, where: str, db_option: str) -> None:
    code = result.company.code
    if result.admin_password is None:
        print(
            f"The demo practice {code!r} is already in {where}, "
            f"with {result.users} users; nothing was changed."
        )
        print(
            f"Its sign-in passwords were printed when it was made. To sign in as its "
            f"administrator, give {result.admin_user_id} a new temporary password:"
        )
        command = f"usersetup {db_option}--company {code} users reset-password"
        print(f"  {command} {result.admin_user_id}")
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
