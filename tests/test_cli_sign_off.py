"""`usersetup users set --pin-stdin|--clear-pin`, `users show --json`'s sign_off, and
`usersetup pin check`, on each backend in the test's rolled-back transaction."""

from __future__ import annotations

import pytest

from app.db.database import Database
from app.practice.company import CompanyInfo
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.cli import CommandLine
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.roles import SetupRole

EXIT_PIN_REFUSED, EXIT_NO_PIN = 10, 18
PIN = "58203"


@pytest.fixture
def usersetup(
    database: Database, company: CompanyInfo, kim: int, clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> CommandLine:  # fmt: skip
    return CommandLine(capsys, database=database, clock=clock)


def test_a_pin_set_twice_on_standard_input_is_checked_by_pin_check(
    usersetup: CommandLine, database: Database, kim: int
) -> None:
    code, out, err = usersetup("--company", "valley", "users", "set", "kimberly", "--pin-stdin",
                               stdin=f"{PIN}\n{PIN}\n")  # fmt: skip
    assert (code, err) == (EXIT_OK, ""), err
    assert PIN not in out
    shown = usersetup.json("--company", "valley", "users", "show", "kimberly")
    assert shown["sign_off"]["pin_set"] is True
    assert "signoff_pin_hash" not in str(shown) and "$argon2" not in str(shown)
    check = ("pin", "check", "kimberly", "--company", "valley")
    assert usersetup(*check, stdin=f"{PIN}\n") == (EXIT_OK, "", "")
    code, out, err = usersetup(*check, stdin="11493\n")
    assert code == EXIT_PIN_REFUSED and out == ""
    assert len(err.strip().splitlines()) == 1 and "refused" in err and "11493" not in err
    assert stored_user(database, kim).failed_logins == 1
    assert audit_events(database, user_pk=kim)[-1].action == "sign_off.pin_failed"


def test_the_pins_rules_hold_at_the_command_line_and_clear_pin_removes_it(
    usersetup: CommandLine, database: Database, kim: int
) -> None:
    set_pin = ("--company", "valley", "users", "set", "kimberly", "--pin-stdin")
    code, _out, err = usersetup(*set_pin, stdin="1234\n1234\n")
    assert code == EXIT_REFUSED and "in a row" in err
    code, _out, err = usersetup(*set_pin, stdin=f"{PIN}\n58230\n")
    assert code == EXIT_REFUSED and "differ" in err
    assert usersetup(*set_pin, stdin="")[0] == EXIT_USAGE
    assert stored_user(database, kim).signoff_pin_hash is None
    usersetup(*set_pin, stdin=f"{PIN}\n{PIN}\n")
    code, _out, err = usersetup("--company", "valley", "users", "set", "kimberly", "--clear-pin")
    assert (code, err) == (EXIT_OK, "")
    assert stored_user(database, kim).signoff_pin_hash is None
    code, _out, err = usersetup("pin", "check", "kimberly", "--company", "valley", stdin=PIN)
    assert code == EXIT_NO_PIN and "no sign-off PIN" in err
    both = usersetup(*set_pin, "--clear-pin", stdin=f"{PIN}\n{PIN}\n")
    assert both[0] == EXIT_USAGE
    changes = [e.changes for e in audit_events(database, user_pk=kim, prefix="sign_off")]
    assert changes == [[{"field": "pin", "change": "set"}], [{"field": "pin", "change": "cleared"}]]


def test_an_unknown_user_and_a_missing_pin_or_company(usersetup: CommandLine) -> None:
    assert usersetup("pin", "check", "nobody", "--company", "valley", stdin=PIN)[0] == 10
    assert usersetup("pin", "check", "kimberly", stdin=PIN)[0] == EXIT_USAGE
    assert usersetup("pin", "check", "kimberly", "--company", "valley")[0] == EXIT_USAGE
    assert usersetup("--as", "kimberly", "pin", "check", "kimberly", "--company", "valley",
                     stdin=f"{KIM_PASSWORD}\n{PIN}\n")[0] == EXIT_USAGE  # fmt: skip


def test_the_front_desk_sets_no_pin_at_the_command_line(
    usersetup: CommandLine, database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    add_user(database, company, clock, "lblake", password="front desk passphrase",
             role=SetupRole.FRONT_DESK)  # fmt: skip
    code, _out, err = usersetup(
        "--company", "valley", "--as", "lblake", "users", "set", "kimberly", "--pin-stdin",
        stdin=f"front desk passphrase\n{PIN}\n{PIN}\n",
    )  # fmt: skip
    assert code == EXIT_REFUSED and PIN not in err
    assert stored_user(database, kim).signoff_pin_hash is None
