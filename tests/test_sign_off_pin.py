"""The sign-off PIN check the practice's programs call (app.sign_off.pin.check_pin), on
SQLite, PostgreSQL and MariaDB: wrong PINs count toward the lockout as wrong passwords do,
from every workstation, and a closed account's PIN is refused without telling if it was right."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection
from sqlalchemy.orm import sessionmaker

from app.db.database import Database
from app.db.models import User
from app.passwords.credentials import verify_password
from app.passwords.policy import PasswordPolicy, policy_version, save_policy
from app.practice.company import CompanyInfo
from app.sign_off.pin import Pin, PinAnswer, check_pin, hash_pin
from app.signin.check import SignInService
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.records import add_user, audit_events, stored_user

PIN = "58203"


@pytest.fixture
def kim(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    pk = add_user(database, company, clock, "kimberly", password="quiet harbor lights")
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        user.signoff_pin_hash = hash_pin(Pin(PIN))
    return pk


def _lockout_after(database: Database, company: CompanyInfo, clock: FixedClock, n: int) -> None:
    with database.transaction() as session:
        save_policy(
            session, company.id, PasswordPolicy(lockout_after=n), actor=dba(), clock=clock,
            expected_version=policy_version(session, company.id),
        )  # fmt: skip


def _pin(database: Database, clock: FixedClock, pin: str, where: str = "EXAM-1", who="kimberly"):
    with database.transaction() as session:
        return check_pin(session, clock, where, "valley", who, pin)


def test_the_right_pin_is_right_and_a_wrong_one_counts_as_a_wrong_password(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    assert _pin(database, clock, PIN).answer is PinAnswer.RIGHT
    wrong = _pin(database, clock, "58204")
    assert wrong.answer is PinAnswer.REFUSED and not wrong.locked
    assert stored_user(database, kim).failed_logins == 1
    assert [e.action for e in audit_events(database, user_pk=kim)][-1] == "sign_off.pin_failed"
    # the right PIN does not forgive failed sign-ins: else it would buy password guesses
    assert _pin(database, clock, PIN).right
    assert stored_user(database, kim).failed_logins == 1


def test_wrong_pins_and_wrong_passwords_lock_together_from_two_workstations(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """The front desk's workstation holds the user's row as read before the exam room's four
    failures land (its own Database, its own sessions); its one more is the fifth all the same."""
    _lockout_after(database, company, clock, 5)
    exam_room = Database(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False),
        "the exam room's workstation",
    )  # fmt: skip
    with database.transaction() as front_desk:
        stale = front_desk.get(User, kim)
        assert stale is not None and stale.failed_logins == 0
        for _ in range(2):
            assert _pin(exam_room, clock, "11493", "EXAM-2").answer is PinAnswer.REFUSED
        with exam_room.transaction() as session:
            for _ in range(2):
                SignInService(session, clock, "EXAM-2").check("valley", "kimberly", "guess")
        assert stale.failed_logins == 0  # what this workstation read is out of date
        verdict = check_pin(front_desk, clock, "DESK-1", "valley", "kimberly", "77710")
    assert verdict.answer is PinAnswer.REFUSED and verdict.locked
    stored = stored_user(database, kim)
    assert stored.failed_logins == 5 and stored.locked_until is not None
    actions = [e.action for e in audit_events(database, user_pk=kim)]
    assert actions.count("sign_off.pin_failed") == 3 and actions[-1] == "user.locked"


def test_a_locked_or_inactive_accounts_pin_is_refused_as_a_wrong_one_is(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    _lockout_after(database, company, clock, 2)
    for _ in range(2):
        _pin(database, clock, "31415")
    assert stored_user(database, kim).locked_until is not None
    right, wrong = _pin(database, clock, PIN), _pin(database, clock, "31416")
    assert right.answer is wrong.answer is PinAnswer.REFUSED
    assert (right.locked, wrong.locked) == (False, False)
    assert stored_user(database, kim).failed_logins == 2  # a locked account counts no more
    with database.transaction() as session:
        users = UserService(session, company, dba(), clock)
        users.unlock(kim)
        users.set_active(kim, False)
    assert _pin(database, clock, PIN).answer is PinAnswer.REFUSED
    assert stored_user(database, kim).failed_logins == 0


def test_an_expired_accounts_pin_is_refused_from_its_end_date_on(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """Expiry is the company's day (America/New_York): the account that ends on the 22nd
    signs off until that day begins there, and not from then on."""
    with database.transaction() as session:
        user = session.get(User, kim)
        assert user is not None
        user.account_expires_on = date(2026, 11, 22)
    clock.now = datetime(2026, 11, 23, 4, 59, tzinfo=UTC)  # 23:59 on the 22nd in New York
    assert _pin(database, clock, PIN).answer is PinAnswer.RIGHT
    clock.now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # midnight there
    expired = _pin(database, clock, PIN)
    assert (expired.answer, expired.detail) == (PinAnswer.REFUSED, "the account has expired")
    assert stored_user(database, kim).failed_logins == 0  # refused, not counted


def test_a_right_pin_is_refused_when_parallel_guesses_lock_the_account_while_it_is_hashed(
    database: Database,
    connection: Connection,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The attack a review ran: while the right guess's argon2 runs, wrong guesses from other
    workstations land and lock the account. The right one must not get through then."""
    import app.sign_off.pin as pin_module

    _lockout_after(database, company, clock, 3)
    others = Database(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False),
        "other workstations",
    )  # fmt: skip
    real = verify_password
    landed: list[PinAnswer] = []

    def slow(hasher: PasswordHasher, stored: str, typed: str) -> bool:
        if typed == PIN and not landed:
            landed.extend(
                _pin(others, clock, g, "EXAM-2").answer for g in ("11493", "11494", "11495")
            )
        return real(hasher, stored, typed)

    monkeypatch.setattr(pin_module, "verify_password", slow)
    verdict = _pin(database, clock, PIN)
    assert landed == [PinAnswer.REFUSED] * 3 and stored_user(database, kim).locked_until is not None
    assert (verdict.answer, verdict.detail) == (PinAnswer.REFUSED, "the account is locked")


def test_an_unknown_user_and_a_user_with_no_pin(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    add_user(database, company, clock, "lee")
    assert _pin(database, clock, PIN, who="nobody").answer is PinAnswer.REFUSED
    assert _pin(database, clock, PIN, who="lee").answer is PinAnswer.NO_PIN
    assert stored_user(database, kim).failed_logins == 0


def test_no_pin_tried_reaches_the_audit_trail_or_the_log(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    _pin(database, clock, "90417")
    _pin(database, clock, PIN)
    trail = " ".join(f"{e.operator} {e.changes}" for e in audit_events(database))
    assert "90417" not in trail and PIN not in trail
    assert "90417" not in caplog.text and PIN not in caplog.text
