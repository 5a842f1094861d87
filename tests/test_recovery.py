"""Forgotten passwords: a code mailed through a real local SMTP server, then a new password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, OneTimeCode, User
from app.errors import AdministratorOnlyError, ValidationError
from app.outbound.delivery import GivenSenders, Senders
from app.outbound.mail import KEYRING_SERVICE, Mailer, MailError, MailSettings, save_mail_settings
from app.passwords.recovery import (
    CODES_PER_HOUR,
    HOUR,
    RECOVERY_CODE_REFUSED,
    REFUSED,
    Answer,
    Outcome,
    change_password_with_code,
    password_rules,
    send_recovery_code,
)
from app.practice.company import CompanyInfo
from app.signin.check import TOKEN_REFUSED, TOKEN_USED, Reason, SignInService
from app.two_factor.service import TwoFactorForm
from app.users.service import UserService
from tests.conftest import KIM_PASSWORD, FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import Inbox, MemoryStore, free_port
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.statements import count_statements
from tests.test_two_factor_signin import (
    ADDRESS,
    MOBILE,
    authenticator,
    phone,
    reasons,
    two_factor,
)

PASSWORD = KIM_PASSWORD
NEW_PASSWORD = "a lantern by the north gate"


@pytest.fixture
def mailer(inbox: tuple[Inbox, int], company: CompanyInfo) -> Mailer:
    settings = MailSettings("127.0.0.1", inbox[1], "none", "office@valleyfamily.example")
    return Mailer(settings, company.code, MemoryStore())


def send(database: Database, clock: FixedClock, user_id: str, sender: Any, **kw: Any) -> None:
    send_recovery_code(
        database, clock, "HOME-PC", "valley", user_id, GivenSenders(Senders(mail=sender)), **kw
    )


def answer(
    database: Database, clock: FixedClock, code: str, password: str = NEW_PASSWORD, **kw: Any
) -> Answer:
    return change_password_with_code(
        database, clock, "HOME-PC", "valley", "kimberly", code, password, password, **kw
    )


def change(database: Database, clock: FixedClock, code: str, password: str = NEW_PASSWORD) -> bool:
    return answer(database, clock, code, password).changed


def signs_in(database: Database, clock: FixedClock, password: str) -> bool:
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", password)
    return result.reason is Reason.SIGNED_IN


def test_a_mailed_code_lets_the_user_choose_a_new_password_once(
    database, clock, kim, mailer, inbox
):
    send(database, clock, "KIMBERLY", mailer)
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


def test_an_unknown_user_gets_no_mail_and_no_code_works(database, clock, kim, mailer, inbox):
    send(database, clock, "nobody", mailer)
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
    send(database, clock, "kimberly", mailer)
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


def test_a_locked_account_gets_no_new_password_by_code_until_its_lock_ends(
    database, clock, kim, mailer, inbox
):
    """Forgot password is no way around a lock: not one for a while, not one until an unlock."""
    for _ in range(5):
        signs_in(database, clock, "wrong password")
    send(database, clock, "kimberly", mailer)
    with pytest.raises(AdministratorOnlyError, match="locked after failed sign-ins"):
        change(database, clock, inbox[0].code())
    clock.now += timedelta(minutes=1)  # the lock is over: the code still works
    assert change(database, clock, inbox[0].code())
    assert signs_in(database, clock, NEW_PASSWORD)
    with database.transaction() as session:
        stored = session.get(User, kim)
        assert stored is not None and (stored.failed_logins, stored.temporary_lockouts) == (0, 0)


def test_an_administrators_lock_is_not_lifted_by_a_new_password_by_code(
    database, company, clock, kim, mailer, inbox
):
    with database.transaction() as session:
        session.get(User, kim).login_locked = True
    send(database, clock, "kimberly", mailer)
    with pytest.raises(AdministratorOnlyError, match="locked"):
        change(database, clock, inbox[0].code())
    with database.transaction() as session:
        assert session.get(User, kim).login_locked


class CountingHasher(PasswordHasher):
    """The OWASP hasher, counting the hashes it makes and checks."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.calls = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.calls += 1
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # type: ignore[override]
        self.calls += 1
        return super().verify(hash, password)


def test_asking_for_a_code_hashes_as_much_for_someone_who_gets_none(
    database, company, clock, kim, mailer, inbox
):
    add_user(database, company, clock, "nomail")  # no e-mail address on file
    for _ in range(CODES_PER_HOUR):
        send(database, clock, "kimberly", mailer)
    clock.now += HOUR  # the codes above are past the hour: kimberly may have one again
    for _ in range(CODES_PER_HOUR - 1):
        send(database, clock, "nomail", mailer)

    def hashes(company_code: str, user_id: str) -> int:
        hasher = CountingHasher()
        send_recovery_code(
            database, clock, "HOME-PC", company_code, user_id,
            GivenSenders(Senders(mail=mailer)), hasher,
        )  # fmt: skip
        return hasher.calls

    known = hashes("valley", "kimberly")
    assert len(inbox[0].messages) == CODES_PER_HOUR + 1
    assert known == 1
    assert [
        hashes("valley", "nobody"),
        hashes("nowhere", "kimberly"),
        hashes("valley", "nomail"),
    ] == [known] * 3
    for _ in range(CODES_PER_HOUR - 1):
        hashes("valley", "kimberly")
    assert hashes("valley", "kimberly") == known  # past the limit: no code, the same hashing
    assert len(inbox[0].messages) == 2 * CODES_PER_HOUR


def test_what_the_new_password_asks_is_read_alike_for_a_known_and_an_unknown_user(
    database, connection, company, kim
):
    with count_statements(connection) as known:
        kims = password_rules(database, "valley", "kimberly")
    with count_statements(connection) as unknown:
        nobodys = password_rules(database, "valley", "nobody")
    assert known == unknown and kims is not None and nobodys is not None
    assert kims[0] == nobodys[0]


@pytest.mark.parametrize("method, address", [("email", ADDRESS), ("email", ADDRESS.upper())])
def test_a_user_whose_token_goes_to_the_same_mailbox_is_sent_to_the_administrator(
    database, company, clock, kim, mailer, inbox, method, address
):
    two_factor(database, company, clock, kim, TwoFactorForm(method, address))
    send(database, clock, "kimberly", mailer)  # whoever reads kim's mail
    code = inbox[0].code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert answer(database, clock, wrong) == Answer(Outcome.CODE_REFUSED, REFUSED)  # as anyone

    with pytest.raises(AdministratorOnlyError) as refused:
        answer(database, clock, code)
    assert str(refused.value) == "Ask your practice's administrator to reset your password"
    assert not signs_in(database, clock, NEW_PASSWORD)
    assert reasons(database, kim, "recovery.refused") == [
        "the sign-in token goes where the code went"
    ]
    assert not change(database, clock, code)  # the code is used up


@pytest.mark.parametrize("method, address", [("email", "kim@home.example"), ("text", MOBILE)])
def test_a_user_whose_token_goes_elsewhere_chooses_a_new_password_by_code(
    database, company, clock, kim, mailer, inbox, method, address
):
    two_factor(database, company, clock, kim, TwoFactorForm(method, address))
    send(database, clock, "kimberly", mailer)
    assert change(database, clock, inbox[0].code())
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", NEW_PASSWORD)
    assert result.reason is Reason.TWO_FACTOR_REQUIRED  # the token still goes elsewhere


def test_with_an_authenticator_the_mailed_code_alone_changes_nothing(
    database, company, clock, kim, mailer, inbox
):
    authenticator(database, company, clock, kim)
    send(database, clock, "kimberly", mailer)  # whoever reads kim's mail
    code = inbox[0].code()

    assert answer(database, clock, code) == Answer(Outcome.TOKEN_NEEDED)
    wrong = f"{(int(phone(clock.now)) + 1) % 1_000_000:06d}"
    assert answer(database, clock, code, token=wrong) == Answer(
        Outcome.TOKEN_REFUSED, TOKEN_REFUSED
    )
    assert answer(database, clock, code, recovery_code="aaaa-bbbb-cccc") == Answer(
        Outcome.TOKEN_REFUSED, RECOVERY_CODE_REFUSED
    )
    with database.transaction() as session:
        tokened = SignInService(session, clock, "FRONTDESK-2").check(
            "valley", "kimberly", PASSWORD, token=phone(clock.now)
        )
    assert tokened.reason is Reason.SIGNED_IN  # kim signs in: her token is used up
    assert answer(database, clock, code, token=phone(clock.now)) == Answer(
        Outcome.TOKEN_REFUSED, TOKEN_USED
    )
    assert reasons(database, kim, "2fa.failed") == [
        "wrong token (app)",
        "wrong recovery code",
        "token used before (app)",
    ]
    assert stored_user(database, kim).failed_logins == 1  # her sign-in cleared the first two
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", PASSWORD)
    assert result.reason is Reason.TWO_FACTOR_REQUIRED  # her own password is still the one


def test_with_an_authenticator_a_new_password_takes_its_token_or_a_recovery_code(
    database, company, clock, kim, mailer, inbox
):
    codes = authenticator(database, company, clock, kim)
    send(database, clock, "kimberly", mailer)
    assert answer(database, clock, inbox[0].code(), token=phone(clock.now)).changed
    with database.transaction() as session:
        result = SignInService(session, clock, "HOME-PC").check("valley", "kimberly", NEW_PASSWORD)
    assert result.reason is Reason.TWO_FACTOR_REQUIRED  # the new password, then the token

    clock.now += timedelta(minutes=1)
    send(database, clock, "kimberly", mailer)
    third = "the third lantern by the gate"
    assert answer(database, clock, inbox[0].code(), third, recovery_code=codes[0]).changed
    assert stored_user(database, kim).recovery_codes_left == 9
    assert (
        reasons(database, kim, "recovery.password_changed")
        == ["new password by e-mail code and authenticator"] * 2
    )


def test_a_wrong_code_costs_the_same_statements_and_hashing_for_an_unknown_user(
    database, connection, company, clock, kim, mailer, inbox
):
    send(database, clock, "kimberly", mailer)  # kim has a code waiting; nobody cannot have one
    wrong = f"{(int(inbox[0].code()) + 1) % 1_000_000:06d}"

    def cost(user_id: str) -> tuple[list[str], int]:
        hasher = CountingHasher()
        with count_statements(connection) as statements:
            refused = change_password_with_code(
                database, clock, "HOME-PC", "valley", user_id, wrong, NEW_PASSWORD,
                NEW_PASSWORD, hasher,
            )  # fmt: skip
        assert refused == Answer(Outcome.CODE_REFUSED, REFUSED)
        return [s.split()[0] for s in statements], hasher.calls

    assert (
        cost("nobody")
        == cost("kimberly")
        == (
            ["SELECT", "SELECT", "SELECT", "UPDATE", "INSERT"],
            1,
        )
    )
    refusals = audit_events(database, company_id=company.id, prefix="recovery.code_refused")
    assert [(e.user_pk, e.operator) for e in refusals] == [
        (None, "(unknown user ID) at HOME-PC"),
        (kim, "kimberly at HOME-PC"),
    ]
