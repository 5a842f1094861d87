"""Forgotten passwords: a code mailed through a real local SMTP server, then a new password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, OneTimeCode
from app.errors import ValidationError
from app.outbound.delivery import GivenSenders, Senders
from app.outbound.mail import KEYRING_SERVICE, Mailer, MailError, MailSettings, save_mail_settings
from app.passwords.recovery import SENT, Recovery, send_recovery_code
from app.practice.company import CompanyInfo
from app.signin.check import Reason, SignInService
from app.users.service import UserService
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import Inbox, MemoryStore, free_port

PASSWORD = KIM_PASSWORD
NEW_PASSWORD = "a lantern by the north gate"


@pytest.fixture
def mailer(inbox: tuple[Inbox, int], company: CompanyInfo) -> Mailer:
    settings = MailSettings("127.0.0.1", inbox[1], "none", "office@valleyfamily.example")
    return Mailer(settings, company.code, MemoryStore())


def send(database: Database, clock: FixedClock, user_id: str, sender: Any) -> str:
    return send_recovery_code(
        database, clock, "HOME-PC", "valley", user_id, GivenSenders(Senders(mail=sender))
    )


def change(database: Database, clock: FixedClock, code: str, password: str = NEW_PASSWORD) -> bool:
    with database.transaction() as session:
        return Recovery(session, clock, "HOME-PC").change_password(
            "valley", "kimberly", code, password, password
        )


def signs_in(database: Database, clock: FixedClock, password: str) -> bool:
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", password)
    return result.reason is Reason.SIGNED_IN


def test_a_mailed_code_lets_the_user_choose_a_new_password_once(
    database, clock, kim, mailer, inbox
):
    assert send(database, clock, "KIMBERLY", mailer) == SENT
    (message,) = inbox[0].messages
    assert message["To"] == "kim.fox@valleyfamily.example"
    code = inbox[0].code()

    assert change(database, clock, code)
    assert signs_in(database, clock, NEW_PASSWORD) and not signs_in(database, clock, PASSWORD)
    assert not change(database, clock, code, "yet another long passphrase")  # single use
    with database.transaction() as session:
        stored = session.scalars(select(OneTimeCode)).one()
        trail = " ".join(str(e.changes) for e in session.scalars(select(AuditEvent)))
    assert stored.code_hash.startswith("$argon2id$") and code not in stored.code_hash
    assert code not in trail and NEW_PASSWORD not in trail


def test_an_unknown_user_gets_the_same_answer_and_no_mail(database, clock, kim, mailer, inbox):
    assert send(database, clock, "nobody", mailer) == SENT
    assert inbox[0].messages == []
    assert not change(database, clock, "123456")


def test_a_code_lasts_ten_minutes(database, clock, kim, mailer, inbox):
    send(database, clock, "kimberly", mailer)
    code = inbox[0].code()
    clock.now += timedelta(minutes=10)
    assert not change(database, clock, code)


def test_a_code_allows_five_tries(database, clock, kim, mailer, inbox):
    send(database, clock, "kimberly", mailer)
    code = inbox[0].code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert not change(database, clock, wrong)
    assert not change(database, clock, code)  # the right code, too late


def test_a_new_password_must_pass_the_policy_and_the_code_stays_usable(
    database, clock, kim, mailer, inbox
):
    send(database, clock, "kimberly", mailer)
    code = inbox[0].code()
    with pytest.raises(ValidationError) as refused:
        change(database, clock, code, "fox1234")
    assert "at least 15" in refused.value.errors["new_password"]
    assert change(database, clock, code)


def test_a_refusing_mail_server_is_told_to_the_administrator_not_the_user(
    database, clock, kim, mailer, inbox, caplog
):
    inbox[0].refuse = True
    assert send(database, clock, "kimberly", mailer) == SENT
    with database.transaction() as session:
        reasons = [
            change["after"]
            for event in session.scalars(select(AuditEvent).where(AuditEvent.user_pk == kim))
            for change in event.changes
            if change["field"] == "reason"
        ]
    assert any("code not sent" in r and "mailbox unavailable" in r for r in reasons), reasons
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    caplog.clear()  # the warning above is the one this test expects


def test_the_mail_password_goes_to_the_keyring_not_the_database(database, company, clock):
    store = MemoryStore()
    settings = MailSettings(
        "smtp.valleyfamily.example", 587, "starttls", "office@valleyfamily.example", "office"
    )
    with database.transaction() as session:
        save_mail_settings(
            session, company.id, company.code, settings,
            password="mail server secret", store=store, actor=dba("mreyes"), clock=clock,
            expected_version=0,
        )  # fmt: skip
    assert store.passwords == {
        (KEYRING_SERVICE, "valley:office@smtp.valleyfamily.example"): "mail server secret"
    }
    with database.transaction() as session:
        trail = " ".join(str(e.changes) for e in session.scalars(select(AuditEvent)))
    assert "mail server secret" not in trail


def test_bad_mail_settings_are_refused_field_by_field() -> None:
    with pytest.raises(ValidationError) as refused:
        MailSettings("", 70000, "ssl", "not an address").check()
    assert set(refused.value.errors) == {"host", "port", "security", "sender"}


def test_an_unreachable_server_is_a_mail_error(company) -> None:
    port = free_port()  # closed again: nothing listens there
    mailer = Mailer(
        MailSettings("127.0.0.1", port, "none", "office@valleyfamily.example"),
        "valley",
        MemoryStore(),
    )
    with pytest.raises(MailError):
        mailer.send("kim@valleyfamily.example", "test", "test")


def test_only_three_codes_an_hour_so_tries_cannot_be_renewed_forever(
    database, clock, kim, mailer, inbox
):
    for _ in range(5):
        send(database, clock, "kimberly", mailer)
    assert len(inbox[0].messages) == 3
    clock.now += timedelta(hours=1, seconds=1)
    send(database, clock, "kimberly", mailer)
    assert len(inbox[0].messages) == 4


def test_a_deactivated_users_code_does_not_work(database, company, clock, kim, mailer, inbox):
    send(database, clock, "kimberly", mailer)
    with database.transaction() as session:
        UserService(session, company, dba("mreyes"), clock).set_active(kim, False)
    assert not change(database, clock, inbox[0].code())


def test_a_new_password_by_code_lifts_a_lock_from_failed_sign_ins(
    database, clock, kim, mailer, inbox
):
    for _ in range(5):
        signs_in(database, clock, "wrong password")
    send(database, clock, "kimberly", mailer)
    assert change(database, clock, inbox[0].code())
    assert signs_in(database, clock, NEW_PASSWORD)
