"""`usersetup users roles`, `users set --department`, and the base role of `users add`, in the
test's rolled-back transaction on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.database import Database
from app.db.models import Role
from app.practice.company import CompanyInfo
from app.rights import Right
from cli.errors import EXIT_OK, EXIT_REFUSED
from tests.conftest import FixedClock
from tests.helpers.catalog import add_department, add_group, add_role, set_base_role
from tests.helpers.cli import CommandLine
from tests.helpers.records import audit_events, read_user
from tests.helpers.roles import stored_roles

NEW_PASSWORD = "a long enough password for the new hire\n"


@pytest.fixture
def usersetup(
    database: Database,
    company: CompanyInfo,
    kim: int,
    clock: FixedClock,
    capsys: pytest.CaptureFixture[str],
) -> CommandLine:
    with database.transaction() as session:
        add_role(session, company, "Billing Clerk", [Right.BILLING_VIEW])
        scheduling = add_role(session, company, "Scheduling", [Right.SCHEDULE_VIEW])
        add_role(session, company, "Retired", [Right.REPORTS], active=False)
        add_group(session, company, "Front Office", [scheduling])
        add_department(session, company, "Billing")
        add_department(session, company, "Old", active=False)
    return CommandLine(capsys, database=database, clock=clock)


def test_users_roles_shows_roles_groups_department_and_effective_rights(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    code, out, err = usersetup(
        "users", "roles", "kimberly", "--add", "billing clerk", "--add-group", "FRONT OFFICE"
    )
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "Roles - Fox, Kimberly (kimberly)"
    assert "Billing Clerk" in lines[1] and "Front Office" in lines[2]
    assert "View the schedule" in out and "from Front Office group → Scheduling role" in out
    assert stored_roles(database, company.id, kim) == ("Billing Clerk", "Scheduling")
    shown = usersetup.json("users", "roles", "kimberly")
    assert shown["roles"] == ["Billing Clerk"] and shown["groups"] == ["Front Office"]
    assert {r["key"] for r in shown["effective_rights"]} == {
        "practice.billing_view",
        "practice.schedule_view",
    }
    taken = usersetup.json(
        "users", "roles", "kimberly", "--remove", "Billing Clerk", "--remove-group", "front office"
    )
    assert (taken["roles"], taken["groups"], taken["effective_rights"]) == ([], [], [])
    actions = [e.action for e in audit_events(database, user_pk=kim, prefix="user.")]
    assert actions.count("user.role_changed") == 2 and actions.count("user.groups_changed") == 2


def test_users_roles_refuses_unknown_and_deactivated_names(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    code, _, err = usersetup("users", "roles", "kimberly", "--add", "Nobody")
    assert code == EXIT_REFUSED
    assert err == "usersetup: Roles: There is no role named 'Nobody' in this practice.\n"
    code, _, err = usersetup("users", "roles", "kimberly", "--add", "retired")
    assert (code, err) == (
        EXIT_REFUSED,
        "usersetup: Roles: Retired is deactivated; activate it first.\n",
    )
    assert stored_roles(database, company.id, kim) == ()


def test_users_roles_keeps_the_base_role(
    usersetup: CommandLine, database: Database, company: CompanyInfo, kim: int
) -> None:
    usersetup("users", "roles", "kimberly", "--add", "Scheduling")
    with database.transaction() as session:
        scheduling = session.scalar(
            select(Role.id).where(Role.company_id == company.id, Role.name == "Scheduling")
        )
        set_base_role(session, company, scheduling)
    code, _, err = usersetup("users", "roles", "kimberly", "--remove", "Scheduling")
    assert code == EXIT_REFUSED and "base role" in err
    # a new user starts with it
    code, _, err = usersetup(
        "users", "add", "mhall", "--first-name", "Megan", "--last-name", "Hall",
        "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    assert usersetup.json("users", "show", "mhall")["roles"]["roles"] == ["Scheduling"]


def test_users_set_department_by_name_or_none(
    usersetup: CommandLine, database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    shown = usersetup.json("users", "set", "kimberly", "--department", "billing")
    assert shown["department"] == "Billing" and shown["roles"]["department"] == "Billing"
    code, _, err = usersetup("users", "set", "kimberly", "--department", "old")
    assert (code, err) == (
        EXIT_REFUSED,
        "usersetup: Department: That Department is inactive; pick an active one.\n",
    )
    code, _, err = usersetup("users", "set", "kimberly", "--department", "Nowhere")
    assert code == EXIT_REFUSED and "No one Department is named 'Nowhere'" in err
    assert usersetup.json("users", "set", "kimberly", "--department", "none")["department"] is None
    assert read_user(database, company, clock, kim).fields.department_id is None
    changes = [e.changes for e in audit_events(database, user_pk=kim, prefix="user.updated")]
    assert changes == [
        [{"field": "department", "before": None, "after": "Billing"}],
        [{"field": "department", "before": "Billing", "after": None}],
    ]


def test_users_copy_says_it_carried_roles_groups_and_department(
    usersetup: CommandLine, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    usersetup("users", "set", "kimberly", "--department", "Billing")
    usersetup("users", "roles", "kimberly", "--add", "Billing Clerk", "--add-group", "Front Office")
    code, out, err = usersetup(
        "users", "copy", "kimberly", "mhall", "--first-name", "Megan", "--last-name", "Hall",
        "--password-stdin", stdin=NEW_PASSWORD,
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[0] == (
        "Copied from Fox, Kimberly: the role Billing Clerk, the user group Front Office, the "
        "department Billing."
    )
    copy = usersetup.json("users", "roles", "mhall")
    assert (copy["roles"], copy["groups"], copy["department"]) == (
        ["Billing Clerk"], ["Front Office"], "Billing",
    )  # fmt: skip
