"""The command line, as a support person or a script uses it, on the demo practice."""

from __future__ import annotations

import getpass
import io
import json
import re
import shlex
import shutil
import socket
import sqlite3
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from app.users.fields import USER_FIELDS, Copy, Kind
from cli.errors import EXIT_DATABASE, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from cli.main import database_option, main
from tests.helpers.cli import CommandLine

NEW_PASSWORD = "a long enough password\n"
SHOW_KEYS = [
    "company",
    "user_id",
    "first_name",
    "middle_initial",
    "last_name",
    "title",
    "home_phone",
    "home_ext",
    "work_phone",
    "work_ext",
    "other_phone",
    "other_ext",
    "email",
    "direct_email",
    "email_notify",
    "send_email_confirmations",
    "default_screen",
    "provider",
    "service_location",
    "department",
    "user_type",
    "outage_email",
    "outage_mobile",
    "active",
    "webservice_only",
    "login_locked",
    "must_change_password",
    "direct_email_verified",
    "account_expires_on",
    "version",
    "updated_by",
    "updated_at",
    "created_at",
    "roles",
    "sign_off",
    "fax",
    "resources",
    "templates",
    "login_times",
    "two_factor",
]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo practice built once (40 argon2 hashes take a while), and what demo printed."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    printed = io.StringIO()
    with redirect_stdout(printed):
        assert main(["--db", f"sqlite:///{path}", "demo"]) == EXIT_OK
    return path, printed.getvalue()


@pytest.fixture
def practice(demo_file: tuple[Path, str], tmp_path: Path) -> Path:
    """A fresh copy of the demo practice for one test to change."""
    path = tmp_path / "practice.sqlite3"
    shutil.copyfile(demo_file[0], path)
    return path


class Usersetup(CommandLine):
    """Runs ``usersetup --db <practice> ...`` and captures what it prints."""

    def everyone(self) -> list[dict[str, Any]]:
        listing: list[dict[str, Any]] = self.json("users", "list", "--all")
        return listing


@pytest.fixture
def usersetup(practice: Path, capsys: pytest.CaptureFixture[str]) -> Usersetup:
    return Usersetup(capsys, path=practice)


# The demo practice


def test_demo_prints_the_administrators_sign_in(demo_file):
    path, printed = demo_file

    match = re.search(r"User ID (\w+), company valley, password (\S+)", printed)

    assert match, printed
    user_id, password = match.groups()
    connection = sqlite3.connect(path)
    try:
        (stored_hash,) = connection.execute(
            "SELECT password_hash FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
    finally:
        connection.close()
    assert PasswordHasher().verify(stored_hash, password)


def test_demo_practice_has_about_forty_users_some_inactive_a_few_locked(usersetup):
    everyone = usersetup.everyone()

    assert len(everyone) == 40
    assert 1 <= sum(not user["active"] for user in everyone) <= 10
    assert 1 <= sum(user["login_locked"] for user in everyone) <= 5
    assert {"kimberly", "mreyes"} <= {user["user_id"] for user in everyone}


def test_demo_a_second_time_changes_nothing_and_says_how_to_get_a_sign_in(usersetup):
    before = usersetup.dump()

    code, out, err = usersetup("demo")

    assert (code, err) == (EXIT_OK, "")
    assert "already" in out
    assert usersetup.dump() == before
    # The command it prints, typed as printed, gives the administrator a password that works.
    command = re.search(r"^  usersetup (.*)$", out, re.MULTILINE)
    assert command is not None, out
    argv = shlex.split(command.group(1))
    assert argv[:2] == ["--db", f"sqlite:///{usersetup.path}"]
    code, reset, _ = usersetup(*argv[2:], "--json")
    assert code == EXIT_OK
    code, out, _ = usersetup(
        "login", "mreyes", "--company", "valley", "--password-stdin", "--json",
        stdin=json.loads(reset)["temporary_password"],
    )  # fmt: skip
    assert (code, json.loads(out)["reason"]) == (13, "password change required")


def test_demo_hint_masks_a_password_in_the_database_url():
    option = database_option("postgresql+psycopg://clinic:s3cret@db.example/practice")

    assert "s3cret" not in option
    assert option == "--db 'postgresql+psycopg://clinic:***@db.example/practice' "
    assert database_option(None) == ""


def test_demo_with_a_chosen_number_of_users(tmp_path, capsys):
    usersetup = Usersetup(capsys, path=tmp_path / "small.sqlite3")

    code, out, _ = usersetup("demo", "--users", "5")

    assert code == EXIT_OK
    assert "with 5 users" in out
    assert len(usersetup.everyone()) == 5


def test_database_upgrade_of_a_current_database(usersetup):
    code, out, err = usersetup("db", "upgrade")

    assert (code, err) == (EXIT_OK, "")
    assert "up to date" in out


# Listing and showing users


def test_user_list_shows_active_users_unless_all_are_asked_for(usersetup):
    everyone = usersetup.everyone()
    active = usersetup.json("users", "list")
    _, text, _ = usersetup("users", "list")
    _, text_all, _ = usersetup("users", "list", "--all")

    assert active == [user for user in everyone if user["active"]]
    assert len(text.splitlines()) == len(active)
    assert "[inactive]" not in text
    assert len(text_all.splitlines()) == len(everyone)
    assert "[inactive]" in text_all
    assert "Fox, Kimberly (kimberly)" in text


def test_user_list_json_is_a_list_of_users_with_stable_keys(usersetup):
    listing = usersetup.everyone()

    for user in listing:
        assert list(user) == [
            "user_id",
            "last_name",
            "first_name",
            "active",
            "login_locked",
            "expired",
            "locked_until",
            "epcs",
        ]
        assert isinstance(user["active"], bool)
        assert isinstance(user["login_locked"], bool)
        assert isinstance(user["expired"], bool)
        assert isinstance(user["epcs"], bool)
    assert {
        "user_id": "kimberly",
        "last_name": "Fox",
        "first_name": "Kimberly",
        "active": True,
        "login_locked": False,
        "expired": False,
        "locked_until": None,
        "epcs": False,
    } in listing


def test_show_user_json_has_every_field_of_the_user_section(usersetup):
    shown = usersetup.json("users", "show", "KIMBERLY")

    assert list(shown) == SHOW_KEYS
    assert shown["company"] == "valley"
    assert (shown["user_id"], shown["title"]) == ("kimberly", "Billing Specialist")
    assert shown["work_phone"] == "+16145550100"


def test_show_user_as_text_is_titled_like_the_editor(usersetup):
    code, out, _ = usersetup("users", "show", "kimberly")

    assert code == EXIT_OK
    assert out.splitlines()[0] == "User - Fox, Kimberly (kimberly)"
    assert "Billing Specialist" in out


def test_company_is_picked_by_code_in_any_case(usersetup):
    code, _, err = usersetup("--company", "VALLEY", "users", "show", "kimberly")

    assert (code, err) == (EXIT_OK, "")


# Changing users


def test_add_user_reads_the_password_from_standard_input(usersetup):
    code, out, err = usersetup(
        "users",
        "add",
        "jdoe",
        "--first-name",
        "Jane",
        "--last-name",
        "Doe",
        "--work-phone",
        "614 555 0177",
        "--password-stdin",
        "--json",
        stdin=NEW_PASSWORD,
    )

    assert (code, err) == (EXIT_OK, "")
    added = json.loads(out)
    assert (added["user_id"], added["work_phone"], added["active"]) == (
        "jdoe",
        "+16145550177",
        True,
    )
    ((stored_hash,),) = usersetup.stored("SELECT password_hash FROM users WHERE user_id = 'jdoe'")
    assert PasswordHasher().verify(stored_hash, NEW_PASSWORD.rstrip("\n"))
    assert "long enough" not in json.dumps(usersetup.stored("SELECT changes FROM audit_events"))


def test_copy_user_takes_the_settings_of_the_user_copied(usersetup):
    source = usersetup.json("users", "show", "kimberly")

    code, _, err = usersetup(
        "users",
        "copy",
        "kimberly",
        "lblake2",
        "--first-name",
        "Lena",
        "--last-name",
        "Blake",
        "--password-stdin",
        stdin=NEW_PASSWORD,
    )

    assert (code, err) == (EXIT_OK, "")
    copy = usersetup.json("users", "show", "lblake2")
    for field in USER_FIELDS:
        key = field.name.removesuffix("_id") if field.kind is Kind.REFERENCE else field.name
        if field.copy is Copy.COPIED:
            assert copy[key] == source[key], key
    assert (copy["first_name"], copy["last_name"], copy["email"]) == ("Lena", "Blake", "")
    assert copy["service_location"] is not None
    actions = usersetup.stored(
        "SELECT action FROM audit_events WHERE user_pk = "
        "(SELECT id FROM users WHERE user_id = 'lblake2') ORDER BY id"
    )
    assert actions[0] == ("user.copied",)
    assert {a for (a,) in actions[1:]} <= {
        "user.role_changed", "user.groups_changed", "sign_off.changed", "fax.changed",
        "resources.changed", "templates.changed",
    }  # fmt: skip
    # The Sign Off section came along (the demo's Kimberly has one; never a PIN).
    assert copy["sign_off"] == {**source["sign_off"], "pin_set": False}
    assert copy["sign_off"]["recipients"] != []
    # The Fax and Resources sections came along too (the demo's billing line).
    assert copy["fax"] == source["fax"] and copy["fax"]["inbound"] != []
    assert copy["resources"] == source["resources"]
    # The Templates section came along: the demo's billing specialist's letters, less the one
    # the practice retired.
    granted = [t["name"] for tab in copy["templates"]["chart_tabs"] for t in tab["granted"]]
    assert sorted(granted) == ["Missed Appointment", "Normal Results", "Referral Sent"]
    # The Roles section came along: the role, the group and the department.
    assert copy["roles"]["roles"] == source["roles"]["roles"] != []
    assert (copy["roles"]["groups"], copy["department"]) == (
        source["roles"]["groups"],
        source["department"],
    )


def test_set_changes_a_field_audited_as_the_os_user_at_this_host(usersetup):
    before = usersetup.json("users", "show", "kimberly")["version"]
    code, _, err = usersetup("users", "set", "kimberly", "--title", "Office Manager")

    assert (code, err) == (EXIT_OK, "")
    shown = usersetup.json("users", "show", "kimberly")
    assert shown["title"] == "Office Manager"
    assert shown["version"] == before + 1
    ((operator, changes),) = usersetup.stored(
        "SELECT operator, changes FROM audit_events ORDER BY id DESC LIMIT 1"
    )
    assert getpass.getuser() in operator
    assert socket.gethostname() in operator
    assert shown["updated_by"] == operator
    assert json.loads(changes) == [
        {"field": "title", "before": "Billing Specialist", "after": "Office Manager"}
    ]


def test_set_picks_the_provider_by_name_and_clears_it_with_none(usersetup):
    code, _, err = usersetup("users", "set", "kimberly", "--provider", "hynes md, patrick")

    assert (code, err) == (EXIT_OK, "")
    assert usersetup.json("users", "show", "kimberly")["provider"] == "Hynes MD, Patrick"

    usersetup("users", "set", "kimberly", "--provider", "none")
    assert usersetup.json("users", "show", "kimberly")["provider"] is None


def test_set_a_flag_and_a_new_password(usersetup):
    code, _, err = usersetup(
        "users",
        "set",
        "kimberly",
        "--login-locked",
        "yes",
        "--password-stdin",
        stdin="new pass phrase 1234",
    )

    assert (code, err) == (EXIT_OK, "")
    assert usersetup.json("users", "show", "kimberly")["login_locked"] is True
    ((stored_hash,),) = usersetup.stored(
        "SELECT password_hash FROM users WHERE user_id = 'kimberly'"
    )
    assert PasswordHasher().verify(stored_hash, "new pass phrase 1234")


def test_deactivate_and_activate_a_user(usersetup):
    code, out, _ = usersetup("users", "deactivate", "kimberly")
    assert code == EXIT_OK
    assert "inactive" in out
    assert "kimberly" not in [user["user_id"] for user in usersetup.json("users", "list")]
    assert "kimberly" in [user["user_id"] for user in usersetup.everyone()]

    code, out, _ = usersetup("users", "activate", "kimberly")
    assert code == EXIT_OK
    assert "kimberly" in [user["user_id"] for user in usersetup.json("users", "list")]


# A bad call says what is wrong in one line and changes nothing

ADD_JANE = ("users", "add", "jdoe", "--first-name", "Jane", "--last-name", "Doe")


@pytest.mark.parametrize(
    ("argv", "stdin", "exit_code"),
    [
        (("users",), "", EXIT_USAGE),
        (("users", "remove", "kimberly"), "", EXIT_USAGE),
        (("users", "show"), "", EXIT_USAGE),
        (ADD_JANE, "", EXIT_USAGE),
        ((*ADD_JANE, "--password", "hunter2hunter2"), "", EXIT_USAGE),
        ((*ADD_JANE, "--password-stdin"), "", EXIT_USAGE),
        (("users", "set", "kimberly", "--active", "maybe"), "", EXIT_USAGE),
        (("demo", "--users", "0"), "", EXIT_USAGE),
        (("users", "show", "nobody"), "", EXIT_REFUSED),
        (("users", "set", "nobody", "--title", "Nurse"), "", EXIT_REFUSED),
        (("users", "deactivate", "nobody"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--email", "not-an-address"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--middle-initial", "AB"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--home-phone", "12"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--type", "Boss"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--user-id", "MREYES"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--provider", "Dr Nobody"), "", EXIT_REFUSED),
        (("users", "set", "kimberly", "--password-stdin"), "short\n", EXIT_REFUSED),
        (("users", "add", "KIMBERLY", "--first-name", "K", "--last-name", "F", "--password-stdin"),
         NEW_PASSWORD, EXIT_REFUSED),
        (("users", "add", "j doe", "--first-name", "J", "--last-name", "D", "--password-stdin"),
         NEW_PASSWORD, EXIT_REFUSED),
        (("users", "copy", "nobody", "jdoe", "--first-name", "J", "--last-name", "D",
          "--password-stdin"), NEW_PASSWORD, EXIT_REFUSED),
        (("users", "copy", "kimberly", "jdoe", "--password-stdin"), NEW_PASSWORD, EXIT_REFUSED),
        (("--company", "nowhere", "users", "list"), "", EXIT_REFUSED),
    ],
)  # fmt: skip
def test_bad_call_prints_one_line_exits_non_zero_and_changes_nothing(
    usersetup, argv, stdin, exit_code
):
    listing_before, stored_before = usersetup.everyone(), usersetup.dump()

    code, out, err = usersetup(*argv, stdin=stdin)

    assert code == exit_code
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("usersetup: ")
    assert usersetup.everyone() == listing_before
    assert usersetup.dump() == stored_before


@pytest.mark.parametrize(
    "argv",
    [
        ("users", "set", "kimberly", "--password", "Qz7!x-secret"),
        ("users", "set", "kimberly", "--password=Qz7!x-secret"),
        ("users", "set", "kimberly", "--password-stdin=Qz7!x-secret"),
        ("users", "set", "kimberly", "--title", "Nurse", "Qz7!x-secret"),
    ],
)
def test_a_password_typed_as_an_argument_is_refused_and_never_echoed(usersetup, argv):
    before = usersetup.dump()

    code, _, err = usersetup(*argv)

    assert code == EXIT_USAGE
    assert "Qz7!x" not in err
    assert usersetup.dump() == before


@pytest.mark.parametrize("argv", [("users", "list"), ("db", "upgrade")])
def test_a_database_of_a_newer_version_is_refused_untouched(usersetup, argv):
    connection = sqlite3.connect(usersetup.path)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_from_future'")
    connection.close()
    before = usersetup.dump()

    code, out, err = usersetup(*argv)

    assert code == EXIT_DATABASE
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "newer version of UserSetup" in err
    assert usersetup.dump() == before


def test_a_password_given_on_standard_input_never_shows_in_an_error(usersetup):
    code, _, err = usersetup("users", "set", "kimberly", "--password-stdin", stdin="Qz7!x")

    assert code == EXIT_REFUSED
    assert "Qz7!x" not in err


def test_set_user_id_renames_the_user(usersetup):
    code, _, err = usersetup("users", "set", "kimberly", "--user-id", "kfox")

    assert (code, err) == (EXIT_OK, "")
    assert usersetup.json("users", "show", "KFOX")["first_name"] == "Kimberly"
    code, _, err = usersetup("users", "show", "kimberly")
    assert code == EXIT_REFUSED and err.count("\n") == 1


def test_a_change_whose_output_pipe_closed_is_still_saved(usersetup, monkeypatch):
    # "usersetup users set ... | head -1": the reader leaves before everything is printed.
    def closed_pipe(*args: Any, **kwargs: Any) -> None:
        raise BrokenPipeError

    monkeypatch.setattr("builtins.print", closed_pipe)
    code = main(
        ["--db", f"sqlite:///{usersetup.path}", "users", "set", "kimberly", "--title", "Piped"]
    )
    monkeypatch.undo()

    assert code == EXIT_OK
    assert usersetup.json("users", "show", "kimberly")["title"] == "Piped"


def test_a_user_linked_to_an_inactive_provider_shows_the_provider(usersetup):
    usersetup("users", "set", "kimberly", "--provider", "Hynes MD, Patrick")
    connection = sqlite3.connect(usersetup.path)
    with connection:
        connection.execute("UPDATE providers SET active = 0 WHERE last_name = 'Hynes'")
    connection.close()

    assert usersetup.json("users", "show", "kimberly")["provider"] == "Hynes MD, Patrick"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://usersetup@127.0.0.1:1/practice",  # nothing listens on port 1
        "nonsense",
        "oracle+nodriver://host/db",
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["users", "list"]])
def test_a_database_that_cannot_be_used_is_one_line_and_exit_3(capsys, url, command):
    code = main(["--db", url, *command], stdin=io.StringIO())

    out, err = capsys.readouterr()
    assert code == EXIT_DATABASE
    assert out == "" and err.count("\n") == 1 and err.startswith("usersetup: ")
    assert "Traceback" not in err


def test_provider_is_found_by_the_name_people_say(usersetup):
    code, _, err = usersetup("users", "set", "kimberly", "--provider", "Hynes, Patrick")

    assert (code, err) == (EXIT_OK, "")
    assert usersetup.json("users", "show", "kimberly")["provider"] == "Hynes MD, Patrick"


def test_demo_with_no_users_is_refused_before_any_file_is_made(tmp_path, capsys):
    path = tmp_path / "never.sqlite3"
    assert main(["--db", f"sqlite:///{path}", "demo", "--users", "0"]) == EXIT_USAGE
    assert not path.exists()


def test_a_password_set_from_the_command_line_is_temporary_unless_said_otherwise(usersetup):
    usersetup("users", "set", "mreyes", "--must-change-password", "no")
    usersetup("users", "set", "mreyes", "--password-stdin", stdin="a brand new passphrase")
    assert usersetup.json("users", "show", "mreyes")["must_change_password"] is True

    usersetup(
        "users", "set", "mreyes", "--password-stdin", "--must-change-password", "no",
        stdin="another brand new passphrase",
    )  # fmt: skip
    assert usersetup.json("users", "show", "mreyes")["must_change_password"] is False


# Sign-in from the command line


def _sign_ins(printed: str) -> dict[str, tuple[str, str]]:
    found = re.findall(
        r"(\w[\w ]*) sign-in: User ID (\w+), company valley, password (\S+)", printed
    )
    return {role: (user_id, password) for role, user_id, password in found}


def test_demo_prints_an_administrator_and_a_front_desk_sign_in_that_work(usersetup, demo_file):
    sign_ins = _sign_ins(demo_file[1])
    assert set(sign_ins) == {"Administrator", "Front Desk"}
    for user_id, password in sign_ins.values():
        code, out, _ = usersetup(
            "login", user_id, "--company", "valley", "--password-stdin", "--json", stdin=password
        )
        assert (code, json.loads(out)) == (EXIT_OK, {"reason": "signed in", "user_id": user_id})


@pytest.mark.parametrize(
    ("argv", "stdin", "code", "reason"),
    [
        (["login", "mreyes", "--company", "valley"], "wrong password here", 10, "invalid"),
        (["login", "nobody", "--company", "valley"], "wrong password here", 10, "invalid"),
        # A locked account with the wrong password is just "invalid": only the right password
        # learns that an account is locked.
        (["--company", "valley", "login", "dbrennan"], "any", 10, "invalid"),
    ],
)
def test_login_answers_with_an_exit_code_and_a_json_reason(usersetup, argv, stdin, code, reason):
    got, out, err = usersetup(*argv, "--password-stdin", "--json", stdin=stdin)
    assert (got, json.loads(out)["reason"], err) == (code, reason, "")


def test_reset_password_prints_a_temporary_password_that_must_be_changed(usersetup):
    code, out, _ = usersetup("users", "reset-password", "dbrennan", "--unlock", "--json")
    reset = json.loads(out)
    assert code == EXIT_OK and reset["login_locked"] is False

    code, out, _ = usersetup(
        "login", "dbrennan", "--company", "valley", "--password-stdin", "--json",
        stdin=reset["temporary_password"],
    )  # fmt: skip
    assert (code, json.loads(out)["reason"]) == (13, "password change required")
    audit_rows = usersetup.stored("SELECT changes FROM audit_events")
    assert not any(reset["temporary_password"] in row[0] for row in audit_rows)


def test_five_failures_lock_and_unlock_lifts_it(usersetup, demo_file):
    user_id, password = _sign_ins(demo_file[1])["Front Desk"]
    for _ in range(5):
        usersetup("login", user_id, "--company", "valley", "--password-stdin", stdin="nope")
    code, out, _ = usersetup(
        "login", user_id, "--company", "valley", "--password-stdin", "--json", stdin=password
    )
    assert (code, json.loads(out)["reason"]) == (11, "locked")

    assert usersetup("users", "unlock", user_id)[0] == EXIT_OK
    code, _, _ = usersetup(
        "login", user_id, "--company", "valley", "--password-stdin", stdin=password
    )
    assert code == EXIT_OK


def test_login_at_a_moment_past_a_temporary_passwords_end_is_invalid(usersetup, demo_file):
    user_id, _ = _sign_ins(demo_file[1])["Administrator"]
    assert usersetup("users", "reset-password", user_id, "--json")[0] == EXIT_OK
    expires = usersetup.stored(
        f"SELECT temporary_expires_at FROM users WHERE user_id = '{user_id}'"
    )
    assert expires[0][0]
    code, out, _ = usersetup(
        "login", user_id, "--company", "valley", "--json", "--at", "2999-01-01T09:00",
    )  # fmt: skip
    assert (code, json.loads(out)["reason"]) == (10, "invalid")  # long expired by then


def test_set_role_gives_and_takes_the_right_to_use_user_setup(usersetup):
    code, out, _ = usersetup("users", "set-role", "kimberly", "front-desk")
    assert code == EXIT_OK and "Front Desk" in out
    roles_of_kimberly = (
        "SELECT roles.name FROM user_roles JOIN roles ON roles.id = user_roles.role_id"
        " JOIN users ON users.id = user_roles.user_pk WHERE users.user_id = 'kimberly'"
    )
    roles_of_kimberly += " ORDER BY roles.name"
    # The built-in role is given beside the practice's own (the demo's Billing Clerk).
    assert usersetup.stored(roles_of_kimberly) == [("Billing Clerk",), ("Front Desk",)]
    usersetup("users", "set-role", "kimberly", "none")
    assert usersetup.stored(roles_of_kimberly) == [("Billing Clerk",)]


def test_login_at_another_moment_changes_nothing_and_takes_no_password(usersetup, demo_file):
    before = usersetup.dump()
    user_id, password = _sign_ins(demo_file[1])["Front Desk"]
    at = ("login", user_id, "--company", "valley", "--at", "2099-01-01T09:00")
    assert usersetup(*at)[0] == EXIT_OK  # the account alone: it would let them in then
    for attempt in ("wrong", password):  # an unlimited, unrecorded way to guess: refused
        code, out, err = usersetup(*at, "--password-stdin", stdin=attempt)
        assert (code, out) == (EXIT_USAGE, "") and "takes no password" in err
    code, _, err = usersetup(*at, "--token", "123456")
    assert code == EXIT_USAGE and "takes no password or token" in err
    assert usersetup.dump() == before


def test_the_only_administrator_cannot_be_deactivated_or_demoted(usersetup):
    before = usersetup.dump()
    for argv in (("users", "deactivate", "mreyes"), ("users", "set-role", "mreyes", "none")):
        code, out, err = usersetup(*argv)
        assert (code, out) == (EXIT_REFUSED, "")
        assert err.count("\n") == 1
        assert "mreyes is the only user of this practice who can sign in and edit roles" in err
    assert usersetup.dump() == before


def test_the_command_line_acts_as_the_database_administrator(usersetup):
    usersetup("users", "set", "kimberly", "--title", "Office Manager")
    ((operator,),) = usersetup.stored("SELECT operator FROM audit_events ORDER BY id DESC LIMIT 1")
    assert (
        operator
        == f"{getpass.getuser()}@{socket.gethostname()} (database administrator, command line)"[
            :100
        ]
    )


def test_a_password_is_read_before_the_transaction_begins(database, company, kim, clock, capsys):
    """A person typing at the prompt holds no transaction (and so no lock) open."""
    happened: list[str] = []
    run = database.run

    def recording_run(job):
        happened.append("transaction")
        return run(job)

    class Typed(io.StringIO):
        def readline(self, *args):
            happened.append("password read")
            return super().readline(*args)

    database.run = recording_run
    code = main(
        ["users", "set", "kimberly", "--password-stdin"],
        Typed("a new long passphrase\n"),
        clock=clock,
        database=database,
    )
    assert code == EXIT_OK
    assert happened == ["password read", "transaction"]
