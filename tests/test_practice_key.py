"""The practice key: authenticator keys and recovery codes unreadable in the database, a
workstation without the key or with a wrong one, and moving the key between workstations."""

from __future__ import annotations

import hashlib
import io
import json
import stat
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.database import Database
from app.db.models import Base, PracticeKeyRow, TwoFactorRecoveryCode, User
from app.practice.company import CompanyInfo
from app.practice.practice_key import (
    KEYRING_SERVICE,
    KeyFile,
    PracticeKey,
    PracticeKeyError,
    PracticeKeys,
    is_sealed,
    practice_keys,
)
from app.signin.second_factor import SecondFactor
from app.two_factor.authenticator import hash_recovery_code, use_recovery_code
from app.two_factor.service import TwoFactorForm, TwoFactorService, summary_of
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from cli.main import main
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.records import add_user, version_of

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSPHRASE = "carry the key to the front desk"


class MemoryStore:
    """A keyring of one computer, in memory."""

    def __init__(self) -> None:
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service_name: str, username: str) -> str | None:
        return self.kept.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self.kept[(service_name, username)] = password


def elsewhere(database: Database, store: MemoryStore | None = None) -> Database:
    """The same database as another workstation, with its own keyring, sees it."""
    sessions = sessionmaker(**{k: v for k, v in database.sessions.kw.items() if k != "info"})
    return Database(sessions, "another workstation", PracticeKeys(store or MemoryStore()))


def set_up(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> list[str]:
    """The desk's Set up now with SECRET; the recovery codes."""
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), clock)
        enrolment = tf.enrolment(pk, secret=SECRET)
        verified = tf.verify_new_key(enrolment, pyotp.TOTP(SECRET).at(clock.now))
        _, codes = tf.save(pk, TwoFactorForm("app", setup="now"), version_of(session, pk), verified)
    return codes


def with_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, user_id: str, **row: Any
) -> int:
    """A user whose row says they sign in with an app (and whatever else ``row`` says),
    written past the services, as a practice from before the key left it."""
    pk = add_user(database, company, clock, user_id)
    with database.transaction() as session:
        session.execute(update(User).where(User.id == pk).values(two_factor_method="app", **row))
    return pk


def sign_in_with(database: Database, clock: FixedClock, pk: int, token: str) -> Any:
    with database.transaction() as session:
        return SecondFactor(session, clock, "FRONTDESK-1").complete_second_factor(pk, token)


def dump(session: Session) -> str:
    """Every value of every column of every table, as a backup would hold them."""
    values: list[str] = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            values.extend(json.dumps(v, default=str) for v in row)
    return "\n".join(values)


def variants(secret: str) -> set[str]:
    """The ways a key could be written down: as typed, grouped, lower case, as bytes in hex."""
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    raw = pyotp.TOTP(secret).byte_secret()
    return {secret, secret.lower(), grouped, raw.hex(), raw.hex().upper()}


def test_no_authenticator_key_or_recovery_code_is_in_a_full_dump(database, company, clock, kim):
    codes = set_up(database, company, clock, kim)
    with database.transaction() as session:
        pending = TwoFactorService(session, company, dba("mreyes"), clock)
        waiting = pending.enroll(kim).secret  # a second key, waiting for its first token
        everything = dump(session)
    for secret in (SECRET, waiting):
        assert not any(v in everything for v in variants(secret)), "an authenticator key"
    for code in codes:
        digest = hash_recovery_code(code)
        assert code not in everything and digest not in everything, "a recovery code"
    # and what is there still works
    assert sign_in_with(database, clock, kim, pyotp.TOTP(SECRET).at(clock.now)).accepted is False
    with database.transaction() as session:
        assert use_recovery_code(session, kim, codes[0], clock())


def test_a_sealed_key_copied_into_another_users_row_does_not_open(database, company, clock, kim):
    set_up(database, company, clock, kim)
    other = with_authenticator(database, company, clock, "bella")
    with database.transaction() as session:
        sealed = session.get(User, kim).totp_secret
        session.execute(update(User).where(User.id == other).values(totp_secret=sealed))
    with pytest.raises(PracticeKeyError, match="altered or copied"):
        sign_in_with(database, clock, other, pyotp.TOTP(SECRET).at(clock.now))


def test_a_practice_from_before_keys_is_sealed_when_its_key_is_made(database, company, clock):
    pk = with_authenticator(database, company, clock, "kimberly", totp_secret=SECRET)
    code = "kx7m-rt4p-9wqz"
    with database.transaction() as session:
        session.execute(
            insert(TwoFactorRecoveryCode).values(
                user_pk=pk, code_hash=hash_recovery_code(code), created_at=clock.now
            )
        )
        practice_keys(session).create(session, clock(), "mreyes")
        user = session.get(User, pk)
        stored_code = session.scalars(select(TwoFactorRecoveryCode)).one()
        assert is_sealed(user.totp_secret) and SECRET not in user.totp_secret
        assert stored_code.keyed and stored_code.code_hash != hash_recovery_code(code)
    assert sign_in_with(database, clock, pk, pyotp.TOTP(SECRET).at(clock.now)).accepted
    with database.transaction() as session:
        assert use_recovery_code(session, pk, code, clock())


def test_a_readable_key_written_after_the_key_was_made_is_sealed_at_its_first_use(
    database, company, clock
):
    with database.transaction() as session:
        practice_keys(session).create(session, clock(), "mreyes")
    pk = with_authenticator(database, company, clock, "kimberly", totp_secret=SECRET)

    assert sign_in_with(database, clock, pk, pyotp.TOTP(SECRET).at(clock.now)).accepted
    with database.transaction() as session:
        assert is_sealed(session.get(User, pk).totp_secret)
    later = clock.now + timedelta(minutes=1)
    assert sign_in_with(database, FixedClock(later), pk, pyotp.TOTP(SECRET).at(later)).accepted


def test_a_workstation_without_the_key_says_so_and_still_does_what_needs_none(
    database, company, clock, kim
):
    set_up(database, company, clock, kim)
    there = elsewhere(database)

    with pytest.raises(PracticeKeyError, match="does not have the practice key"):
        sign_in_with(there, clock, kim, pyotp.TOTP(SECRET).at(clock.now))
    with there.transaction() as session:  # the rest of the 2FA section needs no key
        user = session.get(User, kim)
        assert user is not None and summary_of(user).has_authenticator


def test_a_wrong_key_is_found_out_and_never_used_to_write(database, company, clock, kim):
    set_up(database, company, clock, kim)
    with database.transaction() as session:
        key_id = session.scalars(select(PracticeKeyRow.key_id)).one()
    store = MemoryStore()
    store.set_password(KEYRING_SERVICE, f"practice-{key_id}", "A" * 43 + "=")  # 32 bytes, wrong
    there = elsewhere(database, store)
    with database.transaction() as session:
        before = dump(session)

    with pytest.raises(PracticeKeyError, match="not this practice's"), there.transaction() as s:
        TwoFactorService(s, company, dba("mreyes"), clock).enroll(kim)
    with pytest.raises(PracticeKeyError, match="not this practice's"), there.transaction() as s:
        TwoFactorService(s, company, dba("mreyes"), clock).new_recovery_codes(kim)
    with database.transaction() as session:
        assert dump(session) == before


def test_the_key_never_shows_in_its_repr():
    key = PracticeKey("abc", b"\x01" * 32)
    assert repr(key) == "PracticeKey('abc')" and "01" not in repr(key).replace("abc", "")


# Moving the key: usersetup key init, export, import


def run(path: Path, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["--db", f"sqlite:///{path}", *argv], io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def test_the_key_moves_to_another_workstation_under_a_passphrase(
    tmp_path, monkeypatch, practice_key_file
):
    path = tmp_path / "practice.sqlite3"
    assert run(path, "demo", "--users", "3")[0] == EXIT_OK  # the demo makes its key here
    code, out, _ = run(path, "key", "status")
    assert code == EXIT_OK and "This computer has the practice key" in out
    assert stat.S_IMODE(practice_key_file.stat().st_mode) == 0o600
    exported = tmp_path / "valley.usersetup-key"
    code, out, _ = run(path, "key", "export", str(exported), stdin=PASSPHRASE + "\n")
    assert code == EXIT_OK and stat.S_IMODE(exported.stat().st_mode) == 0o600
    key_text = next(iter(json.loads(practice_key_file.read_text()).values()))
    assert key_text not in exported.read_text()

    monkeypatch.setenv("USERSETUP_KEY_FILE", str(tmp_path / "front-desk" / "key.json"))
    code, _, err = run(path, "key", "status")
    assert code == EXIT_REFUSED and "does not have the practice key" in err
    code, _, err = run(path, "key", "import", str(exported), stdin="not the passphrase\n")
    assert (code, err.count("\n")) == (EXIT_REFUSED, 1) and "passphrase does not open" in err
    code, _, _ = run(path, "key", "import", str(exported), stdin=PASSPHRASE + "\n")
    assert code == EXIT_OK
    assert run(path, "key", "status")[0] == EXIT_OK
    assert json.loads((tmp_path / "front-desk" / "key.json").read_text()) == json.loads(
        practice_key_file.read_text()
    )


def test_another_practices_key_file_is_refused(tmp_path, monkeypatch):
    ours, theirs = tmp_path / "ours.sqlite3", tmp_path / "theirs.sqlite3"
    assert run(ours, "demo", "--users", "2")[0] == EXIT_OK
    monkeypatch.setenv("USERSETUP_KEY_FILE", str(tmp_path / "theirs.json"))
    assert run(theirs, "demo", "--users", "2")[0] == EXIT_OK
    exported = tmp_path / "theirs.usersetup-key"
    assert run(theirs, "key", "export", str(exported), stdin=PASSPHRASE)[0] == EXIT_OK

    code, _, err = run(ours, "key", "import", str(exported), stdin=PASSPHRASE)
    assert code == EXIT_REFUSED and "another practice's" in err


def test_key_init_refuses_a_second_key_and_export_a_short_passphrase_or_an_existing_file(
    tmp_path,
):
    path = tmp_path / "practice.sqlite3"
    assert run(path, "demo", "--users", "2")[0] == EXIT_OK
    code, _, err = run(path, "key", "init")
    assert code == EXIT_REFUSED and "has a practice key already" in err
    code, _, err = run(path, "key", "export", str(tmp_path / "k"), stdin="short\n")
    assert code == EXIT_REFUSED and "at least 12 characters" in err
    assert not (tmp_path / "k").exists()
    (tmp_path / "taken").write_text("someone's notes")
    code, _, err = run(path, "key", "export", str(tmp_path / "taken"), stdin=PASSPHRASE)
    assert code == EXIT_USAGE and "exists already" in err
    assert (tmp_path / "taken").read_text() == "someone's notes"


def test_a_key_file_that_is_not_one_is_said_so(tmp_path):
    not_ours = tmp_path / "notes.json"
    not_ours.write_text("[1, 2]")
    with pytest.raises(PracticeKeyError, match="not a UserSetup key file"):
        KeyFile(not_ours).get_password("a", "b")


def test_recovery_codes_are_stored_as_keyed_hashes_not_plain_sha256(database, company, clock, kim):
    codes = set_up(database, company, clock, kim)
    with database.transaction() as session:
        stored = set(session.scalars(select(TwoFactorRecoveryCode.code_hash)))
    plain = {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert not stored & plain  # a dump's hashes cannot be checked against guessed codes


@pytest.mark.parametrize(
    "change", [{"sealed": 5}, {"nonce": ""}, {"kdf": "scrypt"}, {"salt": None}, {"key_id": []}]
)
def test_a_damaged_key_file_is_said_so_in_one_line(tmp_path, change):
    path = tmp_path / "practice.sqlite3"
    assert run(path, "demo", "--users", "2")[0] == EXIT_OK
    exported = tmp_path / "valley.usersetup-key"
    assert run(path, "key", "export", str(exported), stdin=PASSPHRASE)[0] == EXIT_OK
    document = json.loads(exported.read_text())
    if "salt" in change:
        document["kdf"]["salt"] = change.pop("salt")
    document.update(change)
    exported.write_text(json.dumps(document))

    code, out, err = run(path, "key", "import", str(exported), stdin=PASSPHRASE)
    assert (code, out, err.count("\n")) == (EXIT_REFUSED, "", 1)
    assert "not a UserSetup practice key file" in err or "another practice's" in err


def test_a_passphrase_that_is_not_text_is_refused_in_one_line(tmp_path):
    path = tmp_path / "practice.sqlite3"
    assert run(path, "demo", "--users", "2")[0] == EXIT_OK
    exported = tmp_path / "valley.usersetup-key"
    code, _, err = run(path, "key", "export", str(exported), stdin="a long passphrase \udcff\n")
    assert (code, err.count("\n")) == (EXIT_USAGE, 1) and "not valid text" in err
    assert not exported.exists()
