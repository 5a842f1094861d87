"""Codes leave only after the transaction that issued them has committed, never while it is
open (on SQLite that transaction holds the whole practice's write lock)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.database import Database
from app.db.models import OneTimeCode
from app.outbound.delivery import GivenSenders, Senders
from app.passwords.recovery import send_recovery_code
from app.practice.company import CompanyInfo
from app.signin.second_factor import SecondFactor, send_token
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.direct_email import send_activation_code
from app.workplace import Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.records import add_user, audit_events, version_of


class WatchedDatabase(Database):
    """The test's database, counting the transactions open at each moment."""

    def __init__(self, database: Database) -> None:
        super().__init__(database.sessions, database.description)
        self.open = 0

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        self.open += 1
        try:
            with super().transaction() as session:
                yield session
        finally:
            self.open -= 1


class Sender:
    """Mail and text that notes how many transactions were open when each message left."""

    def __init__(self, database: WatchedDatabase, fail: str = "") -> None:
        self.database = database
        self.fail = fail
        self.open_at_send: list[int] = []

    def send(self, to: str, *rest: Any) -> None:
        self.open_at_send.append(self.database.open)
        if self.fail:
            from app.errors import UserSetupError

            raise UserSetupError(self.fail)


def _codes(database: Database, pk: int) -> list[OneTimeCode]:
    with database.transaction() as session:
        return list(session.scalars(select(OneTimeCode).where(OneTimeCode.user_pk == pk)))


def test_a_direct_email_code_is_mailed_after_its_transaction_committed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly", direct_email="kim@direct.example")
    watched = WatchedDatabase(database)
    sender = Sender(watched)
    sent = send_activation_code(
        Workplace(watched, company, dba(), clock), pk, GivenSenders(Senders(mail=sender))
    )
    assert sent.sent and sender.open_at_send == [0]
    assert [e.action for e in audit_events(database, user_pk=pk)][-1] == "direct_email.code_sent"


def test_a_code_that_could_not_be_sent_is_voided_in_a_second_transaction(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly", direct_email="kim@direct.example")
    watched = WatchedDatabase(database)
    sender = Sender(watched, fail="the mail server refused: 550")
    sent = send_activation_code(
        Workplace(watched, company, dba(), clock), pk, GivenSenders(Senders(mail=sender))
    )
    assert not sent.sent and "550" in sent.message and sender.open_at_send == [0]
    (code,) = _codes(database, pk)
    assert code.used_at is not None  # never reached anyone: it holds back no new code
    reasons = [c.get("after") for e in audit_events(database, user_pk=pk) for c in e.changes]
    assert "code not sent: the mail server refused: 550" in reasons


def test_a_forgotten_password_code_is_mailed_after_its_transaction_committed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly", email="kim@valley.example")
    watched = WatchedDatabase(database)
    sender = Sender(watched)
    send_recovery_code(
        watched, clock, "HOME-PC", company.code, "kimberly", GivenSenders(Senders(mail=sender))
    )
    assert sender.open_at_send == [0] and len(_codes(database, pk)) == 1


def test_a_sign_in_token_is_sent_after_its_transaction_committed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        TwoFactorService(session, company, dba(), clock).save(
            pk, TwoFactorForm("text", "617-555-0199"), version_of(session, pk)
        )
    watched = WatchedDatabase(database)
    sender = Sender(watched)
    sent = send_token(
        watched,
        lambda session: SecondFactor(session, clock, "FRONTDESK-2"),
        company,
        pk,
        None,
        GivenSenders(Senders(text=sender)),
    )
    assert sent.sent and sender.open_at_send == [0]
    assert "ending in 0199" in sent.message
