"""`usersetup rights ...`, `usersetup roles ...` and the global `--as USERID`, on each backend.

Every command runs in the test's rolled-back transaction at the fixed clock. Without --as the
command line is the database administrator; with it, the user whose password is the first
line of standard input, under the same rules as the window.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db.database import Database
from app.db.models import BuiltInRole, User
from app.practice.company import CompanyInfo
from app.rights import CATALOG, Right
from app.roles.assignments import UserRoles
from app.roles.built_in import built_in_role
from app.signin.outcomes import REFUSED
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.actors import dba
from tests.helpers.cli import CommandLine
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.roles import SetupRole

DESK_PASSWORD = "morning shift at the counter"
ADMIN_PASSWORD = "the keys stay with the office"


@pytest.fixture
def usersetup(
    database: Database, company: CompanyInfo, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> CommandLine:
    add_user(database, company, clock, "mreyes", password=ADMIN_PASSWORD,
             role=SetupRole.ADMINISTRATOR, last_name="Reyes", first_name="Maria")  # fmt: skip
    add_user(database, company, clock, "lblake", password=DESK_PASSWORD,
             role=SetupRole.FRONT_DESK, last_name="Blake", first_name="Lauren")  # fmt: skip
    return CommandLine(capsys, database=database, clock=clock)


# rights


def test_rights_list_gives_every_rights_key_group_label_and_description(usersetup):
    listed = usersetup.json("rights", "list")
    code, out, _ = usersetup("rights", "list")

    assert listed == [
        {
            "key": r.value,
            "group": CATALOG[r].group.value,
            "label": CATALOG[r].label,
            "description": CATALOG[r].description,
        }
        for r in Right
    ]
    assert code == EXIT_OK
    assert "  user_setup.edit_roles           Edit roles and rights: " in out
    assert out.startswith("User Setup:\n")


def test_rights_check_answers_with_its_exit_code(usersetup):
    held = usersetup("rights", "check", "LBLAKE", "user_setup.reset_passwords")
    not_held = usersetup("rights", "check", "lblake", "user_setup.edit_roles")

    assert held == (
        EXIT_OK,
        "lblake holds \u201cReset passwords and unlock\u201d (user_setup.reset_passwords) "
        "through Front Desk role.\n",
        "",
    )
    assert not_held[:2] == (
        EXIT_REFUSED,
        "lblake does not hold \u201cEdit roles and rights\u201d (user_setup.edit_roles).\n",
    )


def test_an_inactive_user_holds_no_right(usersetup):
    assert usersetup("users", "deactivate", "lblake")[0] == EXIT_OK

    code, out, err = usersetup("rights", "check", "lblake", "user_setup.view_users")

    assert code == EXIT_REFUSED
    assert out == "lblake does not hold \u201cView users\u201d (user_setup.view_users).\n"
    assert err == (
        "usersetup: not held now: the account is inactive (its roles give it through "
        "Front Desk role).\n"
    )


def test_a_locked_or_expired_user_holds_no_right_and_stderr_says_why(usersetup, clock):
    check = ("rights", "check", "lblake", "user_setup.view_users")
    assert usersetup("users", "set", "lblake", "--login-locked", "yes")[0] == EXIT_OK
    code, out, err = usersetup(*check)
    assert (code, out.startswith("lblake does not hold")) == (EXIT_REFUSED, True)
    assert err.startswith("usersetup: not held now: the account is locked (its roles give")
    assert usersetup("users", "set", "lblake", "--login-locked", "no")[0] == EXIT_OK
    today = clock().date().isoformat()
    assert usersetup("users", "set", "lblake", "--expires", today)[0] == EXIT_OK
    assert usersetup(*check)[0] == EXIT_OK  # until the end of the day in the company's zone
    clock.now += timedelta(days=1)
    code, _, err = usersetup(*check)
    assert code == EXIT_REFUSED and "the account has expired" in err


def test_rights_check_of_an_unknown_right_is_a_bad_call_in_one_line(usersetup):
    code, out, err = usersetup("rights", "check", "lblake", "practice.teleport")

    assert (code, out) == (EXIT_USAGE, "")
    assert err.count("\n") == 1 and "no right has the key 'practice.teleport'" in err


def test_rights_check_of_an_unknown_user_is_refused(usersetup):
    code, _, err = usersetup("rights", "check", "nobody", "user_setup.view_users")

    assert code == EXIT_REFUSED and "There is no user 'nobody'" in err


def test_rights_who_lists_holders_with_where_each_right_comes_from(usersetup):
    who = usersetup.json("rights", "who", "user_setup.reset_passwords")

    assert who == [
        {
            "user_id": "lblake",
            "name": "Blake, Lauren",
            "active": True,
            "through": [{"role": "Front Desk", "group": None}],
        },
        {
            "user_id": "mreyes",
            "name": "Reyes, Maria",
            "active": True,
            "through": [{"role": "Administrator", "group": None}],
        },
    ]
    _, out, _ = usersetup("rights", "who", "user_setup.edit_roles")
    assert out == "Reyes, Maria (mreyes): Administrator role\n"


# roles


def test_roles_add_set_show_and_list(usersetup):
    code, out, err = usersetup("roles", "add", "Billing Clerk", "--description", "Charges")
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("Role - Billing Clerk\n  Charges\n  Rights:\n    none\n")

    shown = usersetup.json(
        "roles", "set", "billing clerk",
        "--grant", "practice.billing_view", "--grant", "practice.billing_edit",
        "--rename", "Billing Office",
    )  # fmt: skip
    assert (shown["name"], shown["rights"]) == (
        "Billing Office",
        ["practice.billing_view", "practice.billing_edit"],
    )
    shown = usersetup.json(
        "roles", "set", "Billing Office", "--revoke", "practice.billing_edit",
        "--description", "Looks only",
    )  # fmt: skip
    assert (shown["rights"], shown["description"]) == (["practice.billing_view"], "Looks only")
    assert shown["updated_by"].endswith("(database administrator, command line)")

    listed = usersetup.json("roles", "list")
    assert [(r["name"], r["rights"], r["holders"]) for r in listed] == [
        ("Administrator", len(Right), 1),
        ("Billing Office", 1, 0),
        ("Front Desk", 4, 1),
    ]
    _, out, _ = usersetup("roles", "show", "front desk")
    assert "  Held by:\n    Blake, Lauren (lblake): Front Desk role\n" in out


def test_roles_copy_deactivate_and_activate(usersetup):
    usersetup("roles", "add", "Clerk")
    usersetup("roles", "set", "Clerk", "--grant", "practice.reports")

    copied = usersetup.json("roles", "copy", "clerk", "Night Clerk")
    code, out, _ = usersetup("roles", "deactivate", "Night Clerk")

    assert (copied["name"], copied["rights"]) == ("Night Clerk", ["practice.reports"])
    assert (code, out) == (EXIT_OK, "The role Night Clerk is deactivated.\n")
    assert [r["name"] for r in usersetup.json("roles", "list")] == [
        "Administrator",
        "Clerk",
        "Front Desk",
    ]
    assert "Night Clerk" in [r["name"] for r in usersetup.json("roles", "list", "--all")]
    assert usersetup("roles", "activate", "night clerk")[1] == "The role Night Clerk is active.\n"


def test_roles_set_of_an_unknown_right_is_refused_naming_it(usersetup):
    usersetup("roles", "add", "Clerk")

    code, _, err = usersetup("roles", "set", "Clerk", "--grant", "practice.teleport")

    assert code == EXIT_REFUSED
    assert err == (
        "usersetup: Rights: No right has the key 'practice.teleport'; see `usersetup rights "
        "list`.\n"
    )


def test_a_built_in_role_cannot_be_deactivated_from_the_command_line(usersetup):
    code, _, err = usersetup("roles", "deactivate", "Administrator")

    assert code == EXIT_REFUSED
    assert "Administrator is built in; it cannot be deactivated." in err


# --as


def test_a_front_desk_user_acting_as_themselves_cannot_add_a_role(usersetup):
    code, out, err = usersetup("--as", "lblake", "roles", "add", "Mine", stdin=DESK_PASSWORD)

    assert (code, out) == (EXIT_REFUSED, "")
    assert err == "usersetup: Your role may not change roles or who holds them.\n"
    assert [r["name"] for r in usersetup.json("roles", "list")] == ["Administrator", "Front Desk"]


def test_an_administrator_acting_as_themselves_is_audited_by_name(usersetup, database):
    code, _, err = usersetup("--as", "mreyes", "roles", "add", "Clerk", stdin=ADMIN_PASSWORD + "\n")

    assert (code, err) == (EXIT_OK, "")
    event = audit_events(database, prefix="role.")[-1]
    assert event.operator.startswith("mreyes (Reyes, Maria) at ")
    assert not event.operator.endswith("(database administrator, command line)")
    signed = audit_events(database, prefix="signin.")[-1]
    assert signed.action == "signin.succeeded"


def test_a_wrong_password_is_refused_in_the_sign_ins_words_and_counted(
    usersetup, database, company
):
    pk = stored_user_pk(usersetup, "lblake")
    before = stored_user(database, pk).failed_logins

    code, out, err = usersetup("--as", "lblake", "rights", "who", "user_setup.view_users",
                               stdin="not her password\n")  # fmt: skip

    assert (code, out, err) == (EXIT_REFUSED, "", f"usersetup: {REFUSED}\n")
    assert stored_user(database, pk).failed_logins == before + 1
    assert audit_events(database, user_pk=pk)[-1].action == "signin.failed"


def test_an_unknown_user_reads_the_same_as_a_wrong_password(usersetup):
    code, _, err = usersetup("--as", "nobody", "roles", "list", stdin="whatever it is\n")

    assert (code, err) == (EXIT_REFUSED, f"usersetup: {REFUSED}\n")


def test_a_temporary_password_must_be_changed_before_acting(usersetup, database, company, clock):
    add_user(database, company, clock, "newhire", password="temporary words here",
             must_change_password=True, role=SetupRole.ADMINISTRATOR)  # fmt: skip

    code, _, err = usersetup("--as", "newhire", "roles", "list", stdin="temporary words here")

    assert code == EXIT_REFUSED
    assert "Your password must be changed first" in err


def test_acting_as_a_user_asks_their_rights_of_the_database(usersetup, database, company, clock):
    """Rights check of oneself needs no right; of others, the right to see users."""
    pk = add_user(database, company, clock, "kimberly", password=KIM_PASSWORD)

    mine = usersetup("--as", "kimberly", "rights", "check", "kimberly", "user_setup.view_users",
                     stdin=KIM_PASSWORD)  # fmt: skip
    theirs = usersetup("--as", "kimberly", "rights", "check", "mreyes", "user_setup.view_users",
                       stdin=KIM_PASSWORD)  # fmt: skip

    assert mine[0] == EXIT_REFUSED and "kimberly does not hold" in mine[1]
    assert theirs[:2] == (EXIT_REFUSED, "")
    assert theirs[2] == "usersetup: You may not see the practice's users in User Setup.\n"
    with database.transaction() as session:  # given the Front Desk role: seen at once
        desk = built_in_role(session, company.id, BuiltInRole.FRONT_DESK).id
        UserRoles(session, company, dba(), clock).set_roles(pk, [desk])
    again = usersetup("--as", "kimberly", "rights", "check", "mreyes", "user_setup.view_users",
                      stdin=KIM_PASSWORD)  # fmt: skip
    assert again[0] == EXIT_OK


def test_a_password_for_the_command_follows_the_as_password(usersetup, database, company):
    code, _, err = usersetup(
        "--as", "mreyes", "users", "add", "newbie", "--first-name", "New", "--last-name", "Bie",
        "--password-stdin",
        stdin=f"{ADMIN_PASSWORD}\na long enough password for the hire\n",
    )  # fmt: skip

    assert (code, err) == (EXIT_OK, ""), err
    created = audit_events(database, prefix="user.created")[-1]
    assert created.operator.startswith("mreyes (Reyes, Maria) at ")


def test_as_is_refused_for_commands_not_on_the_practices_data(usersetup):
    code, _, err = usersetup("--as", "mreyes", "key", "status", stdin=ADMIN_PASSWORD)

    assert code == EXIT_USAGE
    assert "--as applies to the users, 2fa, hours, roles, rights, groups," in err


def stored_user_pk(usersetup: CommandLine, user_id: str) -> int:
    assert usersetup.database is not None
    with usersetup.database.transaction() as session:
        return session.scalars(select(User.id).where(User.user_id == user_id)).one()
