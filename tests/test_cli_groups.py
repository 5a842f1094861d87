"""`usersetup groups ...`, `usersetup departments ...` and `usersetup company base-role`: the
same services and rules as the window, one line on stderr when refused, and exit codes as the
command line documents them (0 done, 1 refused, 2 bad call)."""

from __future__ import annotations

import pytest

from app.db.database import Database
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import rights_of
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import FixedClock
from tests.helpers.cli import CommandLine
from tests.helpers.groups import make_role
from tests.helpers.records import add_user, audit_events


@pytest.fixture
def usersetup(
    database: Database,
    company: CompanyInfo,
    kim: int,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> CommandLine:
    make_role(database, company, clock, "Scheduling", [Right.SCHEDULE_VIEW])
    make_role(database, company, clock, "Old Role", [Right.SCHEDULE_VIEW], active=False)
    add_user(database, company, clock, "wcassady", first_name="Wes", last_name="Cassady")
    return CommandLine(capsys, database=database, clock=clock)


def _ok(usersetup: CommandLine, *argv: str) -> str:
    code, out, err = usersetup(*argv)
    assert (code, err) == (EXIT_OK, ""), err
    return out


def _refused(usersetup: CommandLine, *argv: str, code: int = EXIT_REFUSED) -> str:
    got, out, err = usersetup(*argv)
    assert (got, out) == (code, "")
    assert err.count("\n") == 1 and err.startswith("usersetup: "), err
    return err.strip()


def test_a_group_is_added_given_roles_and_members_and_shown(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    _ok(usersetup, "groups", "add", "Front Office", "--description", "The phones")
    out = _ok(
        usersetup, "groups", "set", "front office", "--add-role", "scheduling",
        "--add-member", "KIMBERLY", "--add-member", "wcassady", "--rename", "Front Desk Team",
    )  # fmt: skip
    assert out.splitlines()[:5] == [
        "Group - Front Desk Team",
        "  Description:  The phones",
        "  Roles:        Scheduling",
        "  Members:      2 users",
        "    Cassady, Wes (wcassady)",
    ]
    shown = usersetup.json("groups", "show", "Front Desk Team")
    assert (shown["roles"], [m["user_id"] for m in shown["members"]]) == (
        ["Scheduling"],
        ["wcassady", "kimberly"],
    )
    assert usersetup.json("groups", "list") == [
        {
            "name": "Front Desk Team",
            "description": "The phones",
            "active": True,
            "members": 2,
            "roles": ["Scheduling"],
        }
    ]
    with database.transaction() as session:
        sources = rights_of(session, company.id, kim).sources[Right.SCHEDULE_VIEW]
    assert [str(s) for s in sources] == ["Front Desk Team group → Scheduling role"]
    out = _ok(usersetup, "groups", "set", "Front Desk Team", "--remove-member", "kimberly",
              "--remove-role", "Scheduling")  # fmt: skip
    assert "  Roles:        none" in out.splitlines()
    assert audit_events(database, user_pk=kim, prefix="user.groups")[-1].changes[1] == {
        "field": "groups",
        "before": ["Front Desk Team"],
        "after": [],
    }


def test_assign_all_deactivate_and_activate(usersetup: CommandLine) -> None:
    _ok(usersetup, "groups", "add", "Everyone")
    assert _ok(usersetup, "groups", "assign-all", "everyone").strip() == (
        "2 users added to Everyone; it now has 2 users."
    )
    assert _ok(usersetup, "groups", "assign-all", "everyone").strip() == (
        "Every active user is a member of Everyone already."
    )
    assert _ok(usersetup, "groups", "deactivate", "Everyone").strip() == (
        "The group Everyone is inactive."
    )
    assert _ok(usersetup, "groups", "list").strip() == "Everyone [inactive]: 2 users; roles none"
    _ok(usersetup, "groups", "activate", "Everyone")


def test_group_refusals_say_one_line_and_exit_1(usersetup: CommandLine) -> None:
    _ok(usersetup, "groups", "add", "Front Office")
    assert _refused(usersetup, "groups", "add", " FRONT office ") == (
        "usersetup: Name: A group named “Front Office” exists already."
    )
    assert _refused(usersetup, "groups", "show", "Billing") == (
        "usersetup: There is no group named 'Billing' (groups: Front Office)."
    )
    assert _refused(usersetup, "groups", "set", "Front Office", "--add-role", "Old Role") == (
        "usersetup: Roles: Old Role is deactivated; activate it first."
    )
    assert _refused(usersetup, "groups", "set", "Front Office", "--add-role", "Nope") == (
        "usersetup: There is no role named 'Nope'."
    )
    assert "There is no user 'nobody'" in _refused(
        usersetup, "groups", "set", "Front Office", "--add-member", "nobody"
    )
    _refused(usersetup, "groups", "frobnicate", code=EXIT_USAGE)


def test_a_refused_set_changes_nothing_of_what_came_before_in_it(usersetup: CommandLine) -> None:
    _ok(usersetup, "groups", "add", "Front Office")
    _refused(usersetup, "groups", "set", "Front Office", "--rename", "Desk", "--add-role", "Nope")
    assert [g["name"] for g in usersetup.json("groups", "list")] == ["Front Office"]


def test_departments_are_added_renamed_deactivated_and_listed(usersetup: CommandLine) -> None:
    assert _ok(usersetup, "departments", "add", " Billing ").strip() == (
        "Added the department Billing."
    )
    assert _ok(usersetup, "departments", "rename", "billing", "Billing Office").strip() == (
        "The department Billing is now Billing Office."
    )
    assert "cannot be newly chosen" in _ok(usersetup, "departments", "deactivate", "Billing Office")
    assert usersetup.json("departments", "list") == [
        {"name": "Billing Office", "active": False, "users": 0}
    ]
    assert _ok(usersetup, "departments", "list").strip() == "Billing Office [inactive]: 0 users"
    _ok(usersetup, "departments", "activate", "billing office")
    _ok(usersetup, "departments", "add", "Lab")
    assert _refused(usersetup, "departments", "rename", "Lab", "BILLING OFFICE") == (
        "usersetup: Name: A department named “Billing Office” exists already."
    )
    assert "There is no department named 'X'" in _refused(usersetup, "departments", "activate", "X")


def test_the_base_role_is_shown_set_and_cleared(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    assert _ok(usersetup, "company", "base-role").strip() == (
        "Base role: none (no role is required)"
    )
    assert _ok(usersetup, "company", "base-role", "scheduling").strip() == (
        "Base role: Scheduling; given to 2 users who lacked it: kimberly, wcassady."
    )
    assert usersetup.json("company", "base-role") == {"base_role": "Scheduling"}
    assert _ok(usersetup, "company", "base-role", "Scheduling").strip() == (
        "Base role: Scheduling; every active user holds it already."
    )
    assert _refused(usersetup, "company", "base-role", "Old Role") == (
        "usersetup: Base role: Old Role is deactivated; activate it first."
    )
    _refused(usersetup, "company", "base-role", "Scheduling", "--none", code=EXIT_USAGE)
    assert _ok(usersetup, "company", "base-role", "--none").strip() == (
        "Base role: none (no role is required)."
    )
    with database.transaction() as session:
        assert "Scheduling" in rights_of(session, company.id, kim).roles  # given, not taken


def test_the_base_role_is_neither_taken_by_set_role_nor_deactivated(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    _ok(usersetup, "company", "base-role", "Front Desk")
    before = len(audit_events(database, company_id=company.id))
    assert "the practice's base role" in _refused(
        usersetup, "users", "set-role", "kimberly", "none"
    )
    assert len(audit_events(database, company_id=company.id)) == before
    with database.transaction() as session:
        assert "Front Desk" in rights_of(session, company.id, kim).roles
    _ok(usersetup, "company", "base-role", "Scheduling")
    before = len(audit_events(database, company_id=company.id))
    assert _refused(usersetup, "roles", "deactivate", "Scheduling") == (
        "usersetup: Active: Scheduling is the practice's base role, which every user must hold; "
        "change the base role in Company Settings first."
    )
    assert len(audit_events(database, company_id=company.id)) == before
