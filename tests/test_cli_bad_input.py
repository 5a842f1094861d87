"""Bad input on the command line: one line on standard error and a documented exit code, never
a traceback, and never a database made by accident."""

from __future__ import annotations

import contextlib
import io
import sqlite3
from pathlib import Path

import pytest

from app.db.database import Database, make_engine, schema_state
from app.practice.company import CompanyInfo
from cli.errors import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from cli.main import main
from cli.start import main as start
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.cli import CommandLine

NEW_PASSWORD = "a long enough password for the new hire"


def one_error_line(err: str) -> str:
    """The one line a refused command prints, checked to be no more and no traceback."""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("usersetup: ")
    assert "Traceback" not in err
    return err


@pytest.fixture
def usersetup(
    database: Database,
    company: CompanyInfo,
    kim: int,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> CommandLine:
    return CommandLine(capsys, database=database, clock=clock)


def everything(folder: Path) -> list[tuple[str, int]]:
    """Every file and folder under ``folder``, with its size: equal means nothing was made."""
    return sorted((str(p), p.stat().st_size if p.is_file() else -1) for p in folder.rglob("*"))


# Standard input that is not UTF-8

PASSWORD_COMMANDS = [
    ("users", "set", "kimberly", "--password-stdin"),
    ("users", "add", "jdoe", "--first-name", "J", "--last-name", "Doe", "--password-stdin"),
    ("login", "kimberly", "--company", "valley", "--password-stdin"),
]


@pytest.mark.parametrize("argv", PASSWORD_COMMANDS)
@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])
def test_a_password_on_standard_input_that_is_not_utf8_is_refused(
    database, company, kim, clock, capsys, argv, errors
):
    # As Python reads a pipe: strictly, or (in the C locale) with the bytes escaped.
    stdin = io.TextIOWrapper(io.BytesIO(NEW_PASSWORD.encode() + b"\xff\xfe\n"), errors=errors)

    code = main(list(argv), stdin, clock=clock, database=database)

    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_USAGE, "")
    assert "password given is not valid text" in one_error_line(err)


# Arguments that are not UTF-8 (Python hands them over as lone surrogates)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (("users", "show", "kim\udcffberly"), "argument 3"),
        (("users", "set", "kimberly", "--title", "RN\udcff"), "argument 5, the value of --title,"),
        (("users", "set", "kimberly", "--title=RN\udcff"), "argument 4, the value of --title,"),
        (("--company", "val\udcffley", "users", "list"), "argument 2, the value of --company,"),
        (("hours", "show", "\udcc3"), "argument 3"),
    ],
)  # fmt: skip
def test_an_argument_that_is_not_utf8_is_named_and_refused(usersetup, argv, named):
    code, out, err = usersetup(*argv)

    assert (code, out) == (EXIT_USAGE, "")
    assert f"usersetup: {named} is not valid text" in one_error_line(err)


def test_a_line_break_in_a_name_is_refused_in_one_line_and_nothing_is_saved(usersetup):
    code, out, err = usersetup("users", "set", "kimberly", "--first-name", "a\nb")

    assert (code, out) == (EXIT_REFUSED, "")
    assert one_error_line(err) == (
        "usersetup: First Name: Remove the line break: First Name is one line of printable text.\n"
    )
    assert usersetup.json("users", "show", "kimberly")["first_name"] == "Kimberly"


@pytest.mark.parametrize("run", [main, start], ids=["command", "window"])
def test_a_database_path_that_is_not_utf8_makes_no_file(tmp_path, capsys, run):
    argv = ["--db", f"sqlite:///{tmp_path}/prac\udcfftice.sqlite3"]

    code = run([*argv, "users", "list"] if run is main else argv)

    assert code == EXIT_USAGE
    assert "argument 2, the value of --db," in one_error_line(capsys.readouterr().err)
    assert everything(tmp_path) == []


# A file that is not a database


@pytest.mark.parametrize(
    "content",
    [b"database_url = 'sqlite:///practice.sqlite3'\n", b"\x89PNG\r\n\x1a\n" + bytes(range(256))],
    ids=["text", "png"],
)
@pytest.mark.parametrize("command", [["users", "list"], ["db", "upgrade"], ["demo"]])
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path, capsys, content, command):
    path = tmp_path / "practice.sqlite3"
    path.write_bytes(content)
    before = everything(tmp_path)

    code = main(["--db", f"sqlite:///{path}", *command], io.StringIO())

    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_DATABASE, "")
    assert f"{path} is not a UserSetup database" in one_error_line(err)
    assert path.read_bytes() == content
    assert everything(tmp_path) == before


# --at out of what a date can hold


@pytest.mark.parametrize(
    "at",
    [
        "9999-12-31T23:59",  # in New York: past the last moment in UTC
        "0001-01-01T00:00+14:00",  # before the first
        "9999-12-31T23:59+00:00",  # the hours' check looks a day and a week ahead
        "0001-01-01T00:00+00:00",  # and back
    ],
)
def test_login_at_a_moment_out_of_range_is_refused(usersetup, at):
    assert usersetup("hours", "set", "kimberly", "--limited", "on", "--day", "sun=all")[0] == 0

    code, out, err = usersetup(
        "login", "kimberly", "--company", "valley", "--at", at,
    )  # fmt: skip

    assert (code, out) == (EXIT_USAGE, "")
    assert "--at is out of range" in one_error_line(err)


# Only the demo, db upgrade and the window's first start make a database

COMMANDS = [
    ["users", "list"],
    ["users", "show", "kimberly"],
    ["hours", "show", "kimberly"],
    ["2fa", "show", "kimberly"],
    ["login", "kimberly", "--company", "valley", "--password-stdin"],
]
MISSING = ["absent.sqlite3", "Practise/practice.sqlite3", "empty.sqlite3"]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda argv: " ".join(argv[:2]))
@pytest.mark.parametrize("where", MISSING)
def test_a_command_refuses_a_database_that_is_not_there(tmp_path, capsys, command, where):
    (tmp_path / "empty.sqlite3").touch()
    before = everything(tmp_path)
    path = tmp_path / where

    code = main(["--db", f"sqlite:///{path}", *command], io.StringIO(KIM_PASSWORD))

    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_DATABASE, "")
    assert f"There is no UserSetup database at {path}" in one_error_line(err)
    assert everything(tmp_path) == before


@pytest.mark.parametrize("where", MISSING)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["demo", "--users", "2"]])
def test_the_demo_and_db_upgrade_make_the_database(tmp_path, capsys, command, where):
    (tmp_path / "empty.sqlite3").touch()
    path = tmp_path / where

    code = main(["--db", f"sqlite:///{path}", *command])

    assert (code, capsys.readouterr().err) == (EXIT_OK, "")
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert schema_state(engine) == "current"
    finally:
        engine.dispose()


@pytest.mark.parametrize("run", [main, start], ids=["command", "window"])
@pytest.mark.parametrize("command", [["users", "list"], ["demo"], ["db", "upgrade"], []])
def test_an_empty_db_option_is_a_bad_call(tmp_path, capsys, monkeypatch, run, command):
    # Not a quiet "the usual place": that database would be made, or changed.
    monkeypatch.setenv("USERSETUP_DATABASE_URL", f"sqlite:///{tmp_path / 'usual.sqlite3'}")
    if run is main and not command:
        pytest.skip("no command is the window's: cli.start")

    code = run(["--db", "", *command])

    assert code == EXIT_USAGE
    assert "argument --db: needs a database URL" in one_error_line(capsys.readouterr().err)
    assert everything(tmp_path) == []


def test_the_windows_first_start_makes_the_database(tmp_path):
    from ui.main import open_practice

    path = tmp_path / "New folder" / "practice.sqlite3"

    practice = open_practice(f"sqlite:///{path}", None)

    assert practice.companies is None  # empty: the first start's questions come next
    engine = practice.database.sessions.kw["bind"]
    try:
        assert schema_state(engine) == "current"
    finally:
        engine.dispose()


@pytest.mark.parametrize("command", [["users", "list"], ["db", "upgrade"], ["demo"]])
def test_another_programs_sqlite_file_is_not_added_to(tmp_path, capsys, command):
    path = tmp_path / "appointments.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE appointments (id INTEGER PRIMARY KEY, patient TEXT)")
    usersetup = CommandLine(capsys, path=path)
    before = usersetup.dump()

    code, out, err = usersetup(*command)

    assert (code, out) == (EXIT_DATABASE, "")
    assert f"{path} is not a UserSetup database" in one_error_line(err)
    assert usersetup.dump() == before
