"""`usersetup 2fa ...` and `usersetup login --token / --send-token`, on a small demo practice.

Every command runs at a moment the test chooses (``main(..., clock=...)``), and every token is
computed for that exact moment: nothing sleeps, nothing depends on the wall clock.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest

from app.db.database import Database, make_engine
from app.outbound.mail import MailSettings, save_mail_settings
from app.practice.company import load_company
from app.two_factor.authenticator import hash_recovery_code
from app.two_factor.service import UNABLE_TO_SEND
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from cli.main import main
from tests.helpers.actors import dba
from tests.helpers.cli import CommandLine
from tests.helpers.mail_server import Inbox, MemoryStore, smtp_server

KIM_PASSWORD = "quiet harbor lights at dusk"
LOGIN_KIM = ("login", "kimberly", "--company", "valley", "--password-stdin")
EXIT_TWO_FACTOR = 14
SHOW_KEYS = [
    "company",
    "user_id",
    "method",
    "destination",
    "setup",
    "title",
    "authenticator",
    "confirmed_at",
    "authenticator_pending",
    "recovery_codes_left",
    "version",
]


class Clock:
    """The moment every command of a test runs at; the test moves it by hand."""

    def __init__(self) -> None:
        # The start of a 30-second step: a token stays the same until the test moves on.
        self.now = datetime.now(UTC).replace(second=0, microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def token(self, secret: str, at: datetime | None = None) -> str:
        return str(pyotp.TOTP(secret).at(int((at or self.now).timestamp())))

    def wrong_token(self, secret: str) -> str:
        """Six digits the app shows at none of the accepted steps (now and one either side)."""
        near = {self.token(secret, self.now + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}
        return next(t for t in (f"{n:06d}" for n in range(10**6)) if t not in near)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A five-user demo practice where kimberly has a password of her own, built once."""
    path = tmp_path_factory.mktemp("demo2fa") / "demo.sqlite3"
    url = f"sqlite:///{path}"
    own_password = ("users", "set", "kimberly", "--password-stdin", "--must-change-password", "no")
    with redirect_stdout(io.StringIO()):
        assert main(["--db", url, "demo", "--users", "5"]) == EXIT_OK
        assert main(["--db", url, *own_password], stdin=io.StringIO(KIM_PASSWORD)) == EXIT_OK
    return path


class Usersetup(CommandLine):
    """Runs ``usersetup --db <practice> ...`` at the clock's moment, capturing what it prints."""

    clock: Clock

    def login(self, *extra: str, password: str = KIM_PASSWORD) -> tuple[int, Any]:
        """Kimberly's sign-in now, or (with --at) what her account would say then."""
        login = [a for a in LOGIN_KIM if a != "--password-stdin"] if "--at" in extra else LOGIN_KIM
        code, out, err = self(*login, *extra, "--json", stdin=password)
        assert err == ""
        return code, json.loads(out)

    def last_actions(self, n: int) -> list[str]:
        rows = self.stored(f"SELECT action FROM audit_events ORDER BY id DESC LIMIT {n}")
        return [action for (action,) in reversed(rows)]

    def authenticator(self) -> tuple[str, list[str]]:
        """Kimberly set up with an authenticator app: its key, and her recovery codes."""
        secret = self.json("2fa", "enroll", "kimberly")["manual_entry_key"].replace(" ", "")
        codes = self.json("2fa", "confirm", "kimberly", "--token", self.clock.token(secret))
        return secret, codes["recovery_codes"]


@pytest.fixture
def usersetup(demo_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Usersetup:
    path = tmp_path / "practice.sqlite3"
    shutil.copyfile(demo_file, path)
    return Usersetup(capsys, path=path, clock=Clock())


# 2fa show


def test_show_a_user_without_two_factor_as_json_and_text(usersetup):
    shown = usersetup.json("2fa", "show", "KIMBERLY")
    code, out, err = usersetup("2fa", "show", "kimberly")

    assert list(shown) == SHOW_KEYS
    assert shown == {
        "company": "valley",
        "user_id": "kimberly",
        "method": "none",
        "destination": "",
        "setup": "",
        "title": "",
        "authenticator": False,
        "confirmed_at": None,
        "authenticator_pending": False,
        "recovery_codes_left": 0,
        "version": shown["version"],
    }
    assert (code, err) == (EXIT_OK, "")
    lines = out.splitlines()
    assert lines[0] == "2FA - Fox, Kimberly (kimberly)"
    assert "  Method:                   None" in lines
    assert "  Authenticator:            none" in lines
    assert "  Recovery codes left:      0" in lines


# 2fa set


def test_set_email_stores_the_cleaned_address_in_one_audited_change(usersetup):
    version = usersetup.json("2fa", "show", "kimberly")["version"]

    saved = usersetup.json(
        "2fa", "set", "kimberly", "--method", "email", "--to", " Kim.Fox@ValleyFamily.example "
    )

    assert (saved["method"], saved["destination"]) == ("email", "Kim.Fox@valleyfamily.example")
    assert saved["version"] == version + 1
    assert usersetup.json("2fa", "show", "kimberly") == saved
    assert usersetup.last_actions(1) == ["2fa.method_changed"]
    _, out, _ = usersetup("2fa", "show", "kimberly")
    assert "  Tokens go to:             Kim.Fox@valleyfamily.example" in out.splitlines()


def test_set_text_stores_e164_and_shows_the_number_as_the_practice_reads_it(usersetup):
    saved = usersetup.json("2fa", "set", "kimberly", "--method", "text", "--to", "614 555 0188")

    assert (saved["method"], saved["destination"]) == ("text", "+16145550188")
    _, out, _ = usersetup("2fa", "show", "kimberly")
    assert "  Method:                   Text" in out
    assert "  Tokens go to:             (614) 555-0188" in out


def test_set_a_method_again_keeps_where_tokens_go(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "text", "--to", "614 555 0188")
    before = usersetup.dump()

    code, _, err = usersetup("2fa", "set", "kimberly", "--method", "text")

    assert (code, err) == (EXIT_OK, "")
    assert usersetup.dump() == before  # nothing changed: no new version, no audit event


def test_set_app_without_an_authenticator_requires_setup_at_next_login_unless_told(usersetup):
    saved = usersetup.json("2fa", "set", "kimberly", "--method", "app", "--title", "Valley EHR")
    assert (saved["method"], saved["setup"], saved["title"]) == ("app", "require", "Valley EHR")

    saved = usersetup.json("2fa", "set", "kimberly", "--method", "app", "--setup", "prompt")
    assert (saved["setup"], saved["title"]) == ("prompt", "Valley EHR")  # the title is kept

    _, out, _ = usersetup("2fa", "show", "kimberly")
    assert "Prompt the user to set up 2FA at next login" in out
    assert "  Method:                   Two Factor Application" in out


def test_set_none_takes_the_authenticator_away(usersetup):
    usersetup.authenticator()

    saved = usersetup.json("2fa", "set", "kimberly", "--method", "none")

    assert (saved["method"], saved["authenticator"], saved["setup"]) == ("none", False, "")
    assert usersetup.stored("SELECT totp_secret FROM users WHERE user_id = 'kimberly'") == [(None,)]


SET_KIM = ("2fa", "set", "kimberly")


@pytest.mark.parametrize(
    ("argv", "exit_code", "said"),
    [
        ((*SET_KIM, "--method", "email", "--to", "not-an-address"), EXIT_REFUSED, "--to: "),
        ((*SET_KIM, "--method", "email"), EXIT_REFUSED, "--to: Enter the e-mail address"),
        ((*SET_KIM, "--method", "text", "--to", "12"), EXIT_REFUSED, "--to: "),
        ((*SET_KIM, "--method", "text", "--to", "614-555-0100 x12"), EXIT_REFUSED, "extension"),
        ((*SET_KIM, "--method", "app", "--title", "a:b"), EXIT_REFUSED, "--title: "),
        ((*SET_KIM, "--method", "app", "--setup", "now"), EXIT_USAGE, "2fa enroll"),
        ((*SET_KIM, "--method", "app", "--to", "kim@example.com"), EXIT_USAGE, "--to"),
        ((*SET_KIM, "--method", "email", "--to", "k@valleyfamily.example", "--title", "T"),
         EXIT_USAGE, "--title"),
        ((*SET_KIM, "--method", "fax"), EXIT_USAGE, "--method"),
        ((*SET_KIM,), EXIT_USAGE, "--method"),
        (("2fa", "set", "nobody", "--method", "none"), EXIT_REFUSED, "nobody"),
        (("2fa", "show", "nobody"), EXIT_REFUSED, "nobody"),
        (("2fa", "confirm", "kimberly", "--token", "123456"), EXIT_REFUSED, "enroll first"),
        (("2fa", "confirm", "kimberly"), EXIT_USAGE, "--token"),
        (("2fa", "enroll", "kimberly", "--title", "x" * 65), EXIT_REFUSED, "--title: "),
        (("2fa", "recovery-codes", "kimberly"), EXIT_REFUSED, "no two-factor sign-in"),
        (("2fa", "reset", "kimberly", "--setup", "now"), EXIT_USAGE, "--setup"),
        ((*LOGIN_KIM, "--token", "123456", "--send-token"), EXIT_USAGE, "not allowed with"),
    ],
)  # fmt: skip
def test_a_bad_2fa_call_prints_one_line_and_changes_nothing(usersetup, argv, exit_code, said):
    before = usersetup.dump()

    code, out, err = usersetup(*argv, stdin=KIM_PASSWORD)

    assert code == exit_code
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith("usersetup: ")
    assert said in err
    assert usersetup.dump() == before


# 2fa enroll and confirm


def test_enroll_prints_the_key_once_and_keeps_it_pending_until_confirmed(usersetup):
    code, out, err = usersetup("2fa", "enroll", "kimberly", "--title", "Valley EHR")

    assert (code, err) == (EXIT_OK, "")
    key = re.search(r"Manual Entry Key: +((?:[A-Z2-7]{4} ){7}[A-Z2-7]{4})$", out, re.MULTILINE)
    assert key, out
    secret = key.group(1).replace(" ", "")
    uri = re.search(r"otpauth://\S+", out)
    assert uri, out
    parsed = pyotp.parse_uri(uri.group(0))
    assert (parsed.secret, parsed.name, parsed.issuer) == (secret, "kimberly", "Valley EHR")
    assert "2fa confirm kimberly --token" in out
    [(key, pending)] = usersetup.stored(
        "SELECT totp_secret, id || ':' || totp_pending_secret FROM users WHERE user_id = 'kimberly'"
    )
    pk, sealed = pending.split(":", 1)
    assert key is None and secret not in sealed
    assert usersetup.practice_key().open(sealed, f"totp:{pk}") == secret
    shown = usersetup.json("2fa", "show", "kimberly")
    assert (shown["authenticator"], shown["authenticator_pending"]) == (False, True)
    assert usersetup.last_actions(1) == ["2fa.enrolled"]
    _, text, _ = usersetup("2fa", "show", "kimberly")
    assert secret not in json.dumps(shown) + text


def test_confirm_with_the_apps_token_prints_ten_recovery_codes_once(usersetup):
    enrolled = usersetup.json("2fa", "enroll", "kimberly")
    secret = enrolled["manual_entry_key"].replace(" ", "")
    assert list(enrolled) == ["user_id", "title", "account", "uri", "manual_entry_key"]
    assert enrolled["title"] == "Valley Family Medicine"  # the company's name by default

    token = usersetup.clock.token(secret)
    code, out, err = usersetup("2fa", "confirm", "kimberly", "--token", token)

    assert (code, err) == (EXIT_OK, "")
    codes = re.findall(r"^  ([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})$", out, re.MULTILINE)
    assert len(set(codes)) == 10, out
    assert "shown only now" in out
    shown = usersetup.json("2fa", "show", "kimberly")
    assert shown["method"] == "app"
    assert (shown["authenticator"], shown["authenticator_pending"]) == (True, False)
    assert shown["confirmed_at"] == usersetup.clock.now.isoformat()
    assert shown["recovery_codes_left"] == 10
    stored = {h for (h,) in usersetup.stored("SELECT code_hash FROM two_factor_recovery_codes")}
    key = usersetup.practice_key()
    assert {key.code_hash(hash_recovery_code(c)) for c in codes} == stored
    assert usersetup.last_actions(1) == ["2fa.confirmed"]
    assert not any(c in str(usersetup.stored("SELECT changes FROM audit_events")) for c in codes)


def test_an_email_user_who_confirms_an_authenticator_switches_to_the_app(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim@valleyfamily.example")

    usersetup.authenticator()

    shown = usersetup.json("2fa", "show", "kimberly")
    assert (shown["method"], shown["destination"], shown["setup"]) == ("app", "", "now")
    _, out, _ = usersetup("2fa", "show", "kimberly")
    assert "  Tokens go to:             -" in out.splitlines()


def test_confirm_with_a_wrong_token_is_refused_and_keeps_the_key_waiting(usersetup):
    secret = usersetup.json("2fa", "enroll", "kimberly")["manual_entry_key"].replace(" ", "")
    before = usersetup.dump()

    code, out, err = usersetup(
        "2fa", "confirm", "kimberly", "--token", usersetup.clock.wrong_token(secret)
    )

    assert (code, out) == (EXIT_REFUSED, "")
    assert err.startswith("usersetup: --token: ") and err.count("\n") == 1
    assert usersetup.dump() == before
    # The right one still works afterwards: the key is still waiting.
    assert usersetup("2fa", "confirm", "kimberly", "--token", usersetup.clock.token(secret))[0] == 0


def test_confirm_with_the_token_of_a_phone_whose_clock_is_off_says_so(usersetup):
    secret = usersetup.json("2fa", "enroll", "kimberly")["manual_entry_key"].replace(" ", "")
    late = usersetup.clock.token(secret, usersetup.clock.now - timedelta(minutes=3))

    code, _, err = usersetup("2fa", "confirm", "kimberly", "--token", late)

    assert code == EXIT_REFUSED
    assert "clock is about 3 minutes behind" in err


# 2fa reset and recovery-codes


@pytest.mark.parametrize(("argv", "setup"), [((), "require"), (("--setup", "prompt"), "prompt")])
def test_reset_throws_the_authenticator_and_its_codes_away(usersetup, argv, setup):
    usersetup.authenticator()

    code, out, err = usersetup("2fa", "reset", "kimberly", *argv)

    assert (code, err) == (EXIT_OK, "")
    assert "authenticator and recovery codes removed" in out
    shown = usersetup.json("2fa", "show", "kimberly")
    assert (shown["method"], shown["setup"], shown["authenticator"]) == ("app", setup, False)
    assert (shown["confirmed_at"], shown["recovery_codes_left"]) == (None, 0)
    assert usersetup.last_actions(1) == ["2fa.reset"]


def test_reset_json_is_the_show_object(usersetup):
    usersetup.authenticator()

    reset = usersetup.json("2fa", "reset", "kimberly")

    assert reset == usersetup.json("2fa", "show", "kimberly")


def test_recovery_codes_are_replaced_by_a_new_set_of_ten(usersetup):
    _, old = usersetup.authenticator()

    issued = usersetup.json("2fa", "recovery-codes", "kimberly")

    assert list(issued) == ["user_id", "recovery_codes"]
    new = issued["recovery_codes"]
    assert len(set(new)) == 10 and not set(new) & set(old)
    unused = {
        h
        for (h,) in usersetup.stored(
            "SELECT code_hash FROM two_factor_recovery_codes WHERE used_at IS NULL"
        )
    }
    key = usersetup.practice_key()
    assert unused == {key.code_hash(hash_recovery_code(c)) for c in new}
    assert usersetup.json("2fa", "show", "kimberly")["recovery_codes_left"] == 10
    code, out, _ = usersetup("2fa", "recovery-codes", "kimberly")
    assert code == EXIT_OK and len(re.findall(r"^  \S{4}-\S{4}-\S{4}$", out, re.MULTILINE)) == 10


# Sign-in with a second factor


def test_login_without_a_token_is_two_factor_required_exit_14(usersetup):
    usersetup.authenticator()

    code, answer = usersetup.login()
    text_code, out, _ = usersetup(*LOGIN_KIM, stdin=KIM_PASSWORD)

    assert (code, answer) == (
        EXIT_TWO_FACTOR,
        {"reason": "two-factor required", "user_id": "kimberly", "two_factor": "token",
         "method": "app"},
    )  # fmt: skip
    assert text_code == EXIT_TWO_FACTOR
    assert out.startswith("two-factor required: ") and "--token" in out
    assert usersetup.last_actions(1) == ["signin.two_factor_required"]


def test_login_with_the_apps_token_signs_in_once_and_a_replay_is_invalid(usersetup):
    secret, _ = usersetup.authenticator()
    usersetup.clock.now += timedelta(seconds=30)  # the setup's own token is used up
    token = usersetup.clock.token(secret)

    assert usersetup.login("--token", token) == (
        EXIT_OK,
        {"reason": "signed in", "user_id": "kimberly", "two_factor": "token", "method": "app"},
    )
    assert usersetup.last_actions(2) == ["2fa.succeeded", "signin.succeeded"]

    code, answer = usersetup.login("--token", token)
    assert (code, answer) == (10, {"reason": "invalid", "user_id": None})
    assert "2fa.replayed" in usersetup.last_actions(3)


def test_login_with_the_setups_own_token_is_a_replay(usersetup):
    secret = usersetup.json("2fa", "enroll", "kimberly")["manual_entry_key"].replace(" ", "")
    token = usersetup.clock.token(secret)
    usersetup("2fa", "confirm", "kimberly", "--token", token)

    assert usersetup.login("--token", token)[0] == 10


def test_login_with_a_wrong_token_is_invalid_and_counts_as_a_failure(usersetup):
    secret, _ = usersetup.authenticator()

    code, out, _ = usersetup(
        *LOGIN_KIM, "--token", usersetup.clock.wrong_token(secret), stdin=KIM_PASSWORD
    )

    assert code == 10
    assert out == "Invalid user ID, password or company (invalid)\n"
    assert usersetup.stored("SELECT failed_logins FROM users WHERE user_id = 'kimberly'") == [(1,)]
    assert usersetup.last_actions(1) == ["2fa.failed"]


def test_a_wrong_password_with_a_right_token_is_just_invalid(usersetup):
    secret, _ = usersetup.authenticator()
    usersetup.clock.now += timedelta(seconds=30)

    code, answer = usersetup.login("--token", usersetup.clock.token(secret), password="nope")

    assert (code, answer["reason"]) == (10, "invalid")


def test_login_at_another_moment_takes_no_token_and_writes_nothing(usersetup):
    secret, _ = usersetup.authenticator()
    at = datetime(2031, 5, 6, 9, 0, tzinfo=UTC)
    before = usersetup.dump()

    # A token tried at a made-up moment would count for nothing: a free guess at a coming one.
    token = usersetup.clock.token(secret, at)
    tried = usersetup(*LOGIN_KIM, "--at", at.isoformat(), "--token", token, stdin=KIM_PASSWORD)
    missing = usersetup.login("--at", at.isoformat(), "--send-token")

    assert tried[0] == EXIT_USAGE and "takes no password or token" in tried[2]
    assert missing[0] == EXIT_TWO_FACTOR
    assert usersetup.dump() == before


def test_an_authenticator_to_set_up_is_two_factor_required(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "app")

    code, answer = usersetup.login()
    _, out, _ = usersetup(*LOGIN_KIM, stdin=KIM_PASSWORD)

    assert (code, answer["two_factor"], answer["method"]) == (
        EXIT_TWO_FACTOR,
        "setup required",
        "app",
    )
    assert "set up first" in out


def test_a_suggested_setup_signs_in_and_says_so(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "app", "--setup", "prompt")

    assert usersetup.login() == (
        EXIT_OK,
        {"reason": "signed in", "user_id": "kimberly", "two_factor": "setup suggested",
         "method": "app"},
    )  # fmt: skip


# Tokens sent by mail or text


@pytest.fixture
def mail_server(usersetup: Usersetup, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server set as the practice's mail server; the keyring a dictionary."""
    store = MemoryStore()
    monkeypatch.setattr("cli.login.secret_store", lambda: store)
    with smtp_server() as (inbox, port):
        engine = make_engine(f"sqlite:///{usersetup.path}")
        try:
            with Database.for_engine(engine, "test").transaction() as session:
                company = load_company(session, "valley")
                settings = MailSettings("127.0.0.1", port, "none", "office@valleyfamily.example")
                save_mail_settings(
                    session, company.id, company.code, settings, password=None, store=store,
                    actor=dba("test"), clock=usersetup.clock, expected_version=0,
                )  # fmt: skip
        finally:
            engine.dispose()
        yield inbox


def test_send_token_mails_it_and_the_token_signs_in(usersetup, mail_server):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim.fox@valleyfamily.example")

    code, out, err = usersetup(*LOGIN_KIM, "--send-token", stdin=KIM_PASSWORD)

    assert (code, err) == (EXIT_TWO_FACTOR, "")
    assert out.splitlines() == [
        "two-factor required: a token by Email is due; give it with --token",
        "A token was sent to k***@valleyfamily.example.",
    ]
    assert [m["To"] for m in mail_server.messages] == ["kim.fox@valleyfamily.example"]
    assert usersetup.last_actions(2) == ["signin.two_factor_required", "2fa.token_sent"]
    usersetup.clock.now += timedelta(seconds=20)
    assert usersetup.login("--token", mail_server.code())[0] == EXIT_OK
    assert usersetup.login("--token", mail_server.code())[0] == 10  # once only


def test_send_token_json_and_at_most_once_a_minute(usersetup, mail_server):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim.fox@valleyfamily.example")
    now = usersetup.clock.now

    code, first = usersetup.login("--send-token")
    usersetup.clock.now += timedelta(seconds=10)
    _, second = usersetup.login("--send-token")

    assert code == EXIT_TWO_FACTOR
    assert first == {
        "reason": "two-factor required",
        "user_id": "kimberly",
        "two_factor": "token",
        "method": "email",
        "token_sent": {
            "sent": True,
            "message": "A token was sent to k***@valleyfamily.example.",
            "outcome": "token sent",
            "expires_at": (now + timedelta(minutes=3)).isoformat(),
            "next_send_at": (now + timedelta(minutes=1)).isoformat(),
        },
    }
    assert second["token_sent"]["sent"] is False
    assert "in 50 seconds" in second["token_sent"]["message"]
    assert len(mail_server.messages) == 1


def test_without_send_token_nothing_is_sent(usersetup, mail_server):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim.fox@valleyfamily.example")

    code, out, _ = usersetup(*LOGIN_KIM, stdin=KIM_PASSWORD)

    assert code == EXIT_TWO_FACTOR
    assert out == "two-factor required: a token by Email is due; --send-token sends one\n"
    assert mail_server.messages == []


def test_send_token_at_another_moment_sends_and_records_nothing(usersetup, mail_server):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim.fox@valleyfamily.example")
    before = usersetup.dump()

    without_password = [a for a in LOGIN_KIM if a != "--password-stdin"]
    code, out, _ = usersetup(*without_password, "--send-token", "--at", "2031-05-06T09:00")

    assert code == EXIT_TWO_FACTOR
    assert "nothing is sent with --at" in out
    assert mail_server.messages == []
    assert usersetup.dump() == before


def test_send_token_without_a_text_gateway_says_it_could_not(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "text", "--to", "614 555 0188")

    code, answer = usersetup.login("--send-token")

    assert code == EXIT_TWO_FACTOR
    assert answer["token_sent"]["sent"] is False
    assert answer["token_sent"]["message"] == UNABLE_TO_SEND
    ((changes,),) = usersetup.stored("SELECT changes FROM audit_events ORDER BY id DESC LIMIT 1")
    assert "no text gateway" in changes
    # The administrator running the command line reads why, in the sender's own words.
    assert "no text gateway" in answer["token_sent"]["outcome"]
    code, out, _ = usersetup(*LOGIN_KIM, "--send-token", stdin=KIM_PASSWORD)
    assert "Why: token not sent: no text gateway" in out


def test_send_token_for_an_app_user_sends_nothing_and_says_where_the_token_is(usersetup):
    usersetup.authenticator()

    code, out, _ = usersetup(*LOGIN_KIM, "--send-token", stdin=KIM_PASSWORD)

    assert code == EXIT_TWO_FACTOR
    assert "authenticator app" in out
    assert usersetup.last_actions(1) == ["signin.two_factor_required"]


# Copy User on the command line copies the 2FA section too


def test_copy_takes_the_two_factor_method_and_setup_never_the_key(usersetup):
    usersetup.authenticator()  # kimberly's app is set up at the desk ("now")
    code, out, err = usersetup(
        "users", "copy", "kimberly", "kfox2", "--first-name", "Kim", "--last-name", "Foxe",
        "--password-stdin", stdin="a long passphrase for kim",
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[0].startswith("Copied from Fox, Kimberly: ")
    assert "the 2FA method (Two Factor Application)" in out.splitlines()[0]
    copied = usersetup.json("2fa", "show", "kfox2")
    assert (copied["method"], copied["setup"]) == ("app", "require")  # a desk setup: require
    assert not copied["authenticator"] and copied["recovery_codes_left"] == 0
    shown = usersetup.json("users", "show", "kfox2")
    assert shown["two_factor"]["method"] == "app"


def test_copy_of_an_email_user_leaves_the_method_for_the_new_users_own_address(usersetup):
    usersetup("2fa", "set", "kimberly", "--method", "email", "--to", "kim@valley.example")
    code, out, err = usersetup(
        "users", "copy", "kimberly", "kfox2", "--first-name", "Kim", "--last-name", "Foxe",
        "--password-stdin", stdin="a long passphrase for kim",
    )  # fmt: skip
    assert (code, err) == (EXIT_OK, "")
    assert (
        "Not copied: the 2FA method (Email), which needs their own e-mail address for the 2FA "
        "tokens; set it with: usersetup 2fa set kfox2 --method email --to ADDRESS"
    ) in out
    assert "2FA" not in out.splitlines()[0]  # the "Copied from" line names only what it took
    copied = usersetup.json("2fa", "show", "kfox2")
    assert (copied["method"], copied["destination"]) == ("none", "")
    assert "kim@valley.example" not in json.dumps(usersetup.json("users", "show", "kfox2"))
