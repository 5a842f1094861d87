"""Signing in with a second factor: the check, the flow's steps, the lockout, the company's
rules, and tokens sent through a real local mail server and a local text gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, OneTimeCode, User
from app.errors import AdministratorOnlyError, ValidationError
from app.outbound.delivery import GivenSenders, Senders
from app.outbound.mail import Mailer, MailSettings, save_mail_settings
from app.outbound.sms import KEYRING_SERVICE as SMS_KEYRING_SERVICE
from app.outbound.sms import SmsSettings, save_sms_settings
from app.passwords.policy import PasswordPolicy, policy_version, save_policy
from app.passwords.recovery import Outcome, change_password_with_code, send_recovery_code
from app.practice.company import CompanyInfo
from app.signin.check import (
    CODE_REFUSED,
    TOKEN_REFUSED,
    TOKEN_USED,
    Reason,
    SignInRefused,
    SignInResult,
    SignInService,
    TokenRefused,
)
from app.signin.flow import SignInFlow, Step
from app.two_factor.policy import (
    CompanyDefault,
    Need,
    TwoFactorPolicy,
    load_two_factor_policy,
    save_two_factor_policy,
)
from app.two_factor.service import OPTED_OUT, UNABLE_TO_SEND, TwoFactorForm, TwoFactorService
from tests.conftest import NOW, FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import Inbox, MemoryStore, free_port
from tests.helpers.records import add_user, authenticator_key, version_of
from tests.helpers.roles import SetupRole
from tests.helpers.sms_server import OPTED_OUT as GATEWAY_OPTED_OUT
from tests.helpers.sms_server import SERVER_ERROR, UNAUTHORIZED, Gateway, sms_server

PASSWORD = "quiet harbor lights"
NEW_PASSWORD = "a lantern by the north gate"
WORKSTATION = "FRONTDESK-2"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
OTHER_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
ADDRESS = "kim.fox@valleyfamily.example"
MOBILE = "+16175550199"
SID = "AC0123456789abcdef0123456789abcdef"
GATEWAY_TOKEN = "gateway auth token"
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def phone(moment: Any, secret: str = SECRET) -> str:
    return pyotp.TOTP(secret).at(moment)


def add(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    user_id: str = "kimberly",
    **kw: Any,
) -> int:
    """A User Setup administrator with PASSWORD."""
    return add_user(
        database, company, clock, user_id, first_name="Kimberly", last_name="Fox",
        email=ADDRESS, password=PASSWORD, role=SetupRole.ADMINISTRATOR, by="mreyes",
        must_change_password=kw.pop("must_change_password", False),
    )  # fmt: skip


def two_factor(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, form: TwoFactorForm
) -> None:
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), clock)
        tf.save(pk, form, version_of(session, pk))


def authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int
) -> list[str]:
    """Set up at the desk five minutes ago, so that the token it took is long used up."""
    desk_clock = FixedClock(clock.now - timedelta(minutes=5))
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), desk_clock)
        enrolment = tf.enrolment(pk, secret=SECRET)
        verified = tf.verify_new_key(enrolment, phone(desk_clock.now))
        _, codes = tf.save(pk, TwoFactorForm("app", setup="now"), version_of(session, pk), verified)
    return codes


def check(
    database: Database, clock: FixedClock, password: str = PASSWORD, **kw: Any
) -> SignInResult:
    with database.transaction() as session:
        return SignInService(session, clock, WORKSTATION).check(
            "valley", "kimberly", password, **kw
        )


def stored(database: Database, pk: int) -> User:
    with database.transaction() as session:
        found = session.get(User, pk)
        assert found is not None
        return found


def events(database: Database, pk: int) -> list[AuditEvent]:
    with database.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.user_pk == pk).order_by(AuditEvent.id)
        return list(session.scalars(query))


def actions(database: Database, pk: int) -> list[str]:
    return [e.action for e in events(database, pk)]


def reasons(database: Database, pk: int, action: str) -> list[str]:
    return [
        change["after"]
        for event in events(database, pk)
        if event.action == action
        for change in event.changes
        if change.get("field") == "reason"
    ]


def trail(database: Database) -> str:
    with database.transaction() as session:
        return " ".join(
            f"{e.operator} {json.dumps(e.changes)}" for e in session.scalars(select(AuditEvent))
        )


def company_rules(
    database: Database, company: CompanyInfo, clock: FixedClock, default: int, *networks: str
) -> None:
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(default, networks), actor=dba("mreyes"),
            clock=clock, expected_version=0,
        )  # fmt: skip


def lockout_after(database: Database, company: CompanyInfo, clock: FixedClock, tries: int) -> None:
    with database.transaction() as session:
        save_policy(
            session,
            company.id,
            PasswordPolicy(lockout_after=tries),
            actor=dba("mreyes"),
            clock=clock,
            expected_version=policy_version(session, company.id),
        )


def signed_in_flow(database: Database, clock: FixedClock, **kw: Any) -> SignInFlow:
    flow = SignInFlow(database, clock, WORKSTATION, **kw)
    flow.submit_password("valley", "kimberly", PASSWORD)
    return flow


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# The authenticator at the check


def test_the_password_alone_is_not_enough_and_does_not_clear_the_failures(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    for _ in range(4):
        assert check(database, clock, "wrong").reason is Reason.INVALID

    halfway = check(database, clock, ip="10.0.0.7")
    assert (halfway.reason, halfway.two_factor, halfway.method) == (
        Reason.TWO_FACTOR_REQUIRED,
        Need.TOKEN,
        "app",
    )
    assert not halfway.allowed and halfway.user_pk == pk
    assert stored(database, pk).failed_logins == 4
    assert reasons(database, pk, "signin.two_factor_required") == ["token (app)"]

    done = check(database, clock, token=f" {phone(clock.now)} ")
    assert done.reason is Reason.SIGNED_IN and done.allowed
    assert stored(database, pk).failed_logins == 0
    assert actions(database, pk)[-2:] == ["2fa.succeeded", "signin.succeeded"]
    assert reasons(database, pk, "2fa.succeeded") == ["app"]


def test_wrong_tokens_count_toward_the_lockout_with_wrong_passwords(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    for _ in range(4):
        check(database, clock, "wrong")
    check(database, clock)  # the right password: the count stays at 4

    result = check(database, clock, token=phone(clock.now, OTHER_SECRET))
    assert (result.reason, result.detail) == (Reason.INVALID, "wrong token")
    user = stored(database, pk)
    assert (user.failed_logins, user.locked_until is not None) == (5, True)
    assert actions(database, pk)[-2:] == ["2fa.failed", "user.locked"]
    assert reasons(database, pk, "2fa.failed") == ["wrong token (app)"]
    assert check(database, clock, token=phone(clock.now)).reason is Reason.LOCKED


def test_a_token_works_once_even_inside_its_window(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    token = phone(clock.now)
    assert check(database, clock, token=token).reason is Reason.SIGNED_IN

    again = check(database, clock, token=token)
    assert (again.reason, again.detail) == (Reason.INVALID, "token used before")
    clock.now += timedelta(seconds=29)
    assert check(database, clock, token=token).detail == "token used before"
    earlier = phone(NOW - timedelta(seconds=30))  # inside the window, but older than the used one
    assert check(database, clock, token=earlier).detail == "token used before"
    assert actions(database, pk).count("2fa.replayed") == 3
    assert stored(database, pk).failed_logins == 3  # a replay is a failure too

    clock.now = NOW + timedelta(seconds=30)
    assert check(database, clock, token=phone(clock.now)).reason is Reason.SIGNED_IN


def test_a_token_typed_as_the_app_shows_it_with_a_space_is_taken(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    token = phone(clock.now)
    assert check(database, clock, token=f" {token[:3]} {token[3:]} ").reason is Reason.SIGNED_IN


@pytest.mark.parametrize(
    "seconds, accepted",
    [(-31, False), (-30, True), (59, True), (60, False)],
)
def test_at_sign_in_a_token_works_from_one_step_before_its_own_to_one_after(
    database, company, clock, seconds, accepted
):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    token = phone(NOW)
    clock.now = NOW + timedelta(seconds=seconds)

    result = check(database, clock, token=token)
    assert result.allowed is accepted
    if not accepted:
        assert result.detail == "token from a phone whose clock is off"
        assert stored(database, pk).failed_logins == 1


def test_a_phone_whose_clock_is_off_is_noted_for_the_administrator_only(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock)
    assert flow.step is Step.TOKEN and flow.method == "app"

    with pytest.raises(TokenRefused) as refused:
        flow.submit_token(phone(clock.now + timedelta(minutes=3)))
    # Telling the person would confirm that the guess is the token of a coming moment.
    assert str(refused.value) == TOKEN_REFUSED
    assert flow.step is Step.TOKEN
    assert stored(database, pk).failed_logins == 1
    assert reasons(database, pk, "2fa.failed") == ["token from a phone whose clock is off (app)"]


def test_only_ascii_digits_are_taken_at_sign_in(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock)
    token = phone(clock.now)

    with pytest.raises(TokenRefused) as refused:
        flow.submit_token(token.translate(ARABIC_INDIC))
    assert str(refused.value) == "A token is the 6 digits the authenticator app shows."
    assert flow.submit_token(token) is Step.SIGNED_IN  # the refused one used nothing up
    assert stored(database, pk).failed_logins == 0


def test_the_idle_lock_asks_the_password_only(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    result = check(database, clock, second_factor_done=True)
    assert (result.reason, result.two_factor) == (Reason.SIGNED_IN, Need.NONE)


# The company's rules


def test_sign_ins_from_an_excluded_network_skip_the_token_and_the_setup(database, company, clock):
    company_rules(database, company, clock, CompanyDefault.REQUIRED, "192.168.10.0/24")
    pk = add(database, company, clock)

    inside = check(database, clock, ip="192.168.10.7")
    assert (inside.reason, inside.two_factor) == (Reason.SIGNED_IN, Need.NONE)
    outside = check(database, clock, ip="203.0.113.5")
    assert (outside.reason, outside.two_factor) == (Reason.TWO_FACTOR_REQUIRED, Need.SETUP_REQUIRED)

    authenticator(database, company, clock, pk)
    assert check(database, clock, ip="192.168.10.7").reason is Reason.SIGNED_IN
    assert check(database, clock, ip="203.0.113.5").two_factor is Need.TOKEN
    assert check(database, clock).two_factor is Need.TOKEN  # no address: no exclusion
    flow = SignInFlow(database, clock, WORKSTATION, ip="192.168.10.200")
    assert flow.submit_password("valley", "kimberly", PASSWORD) is Step.SIGNED_IN
    # The same office address written the IPv6 way (a dual-stack socket) is the same address.
    assert check(database, clock, ip="::ffff:192.168.10.7").reason is Reason.SIGNED_IN


def test_an_office_address_named_by_a_calling_program_skips_nothing_unless_trusted(
    database, company, clock
):
    """`usersetup login --ip 192.168.10.7`: anyone can name the office's address."""
    company_rules(database, company, clock, CompanyDefault.REQUIRED, "192.168.10.0/24")
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)

    def from_caller() -> SignInResult:
        with database.transaction() as session:
            service = SignInService(session, clock, WORKSTATION, ip_from_caller=True)
            return service.check("valley", "kimberly", PASSWORD, ip="192.168.10.7")

    assert from_caller().two_factor is Need.TOKEN  # the attack: refused
    with database.transaction() as session:
        policy, version = load_two_factor_policy(session, company.id)
        save_two_factor_policy(
            session, company.id, replace(policy, trust_caller_addresses=True),
            actor=dba("mreyes"), clock=clock, expected_version=version,
        )  # fmt: skip
    assert from_caller().reason is Reason.SIGNED_IN
    with database.transaction() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.user_pk == pk).order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.action == "signin.succeeded"
    assert {"field": "ip_given_by", "before": None, "after": "the calling program"} in (
        event.changes
    )


def test_a_required_setup_has_no_way_past_it(database, company, clock):
    company_rules(database, company, clock, CompanyDefault.REQUIRED)
    pk = add(database, company, clock)
    check(database, clock, "wrong")
    flow = signed_in_flow(database, clock)
    assert flow.step is Step.SETUP and not flow.may_skip_setup
    assert stored(database, pk).failed_logins == 1  # not in yet

    with pytest.raises(RuntimeError):
        flow.skip_setup()
    with pytest.raises(RuntimeError):
        flow.submit_setup_token("123456")  # begin_setup first
    enrolment = flow.begin_setup("Valley Main")
    assert enrolment.account == "kimberly" and enrolment.title == "Valley Main"
    assert flow.begin_setup("Valley Main").secret == enrolment.secret  # the same key again
    with pytest.raises(TokenRefused):
        flow.submit_setup_token(phone(clock.now, OTHER_SECRET))
    assert flow.step is Step.SETUP

    assert flow.submit_setup_token(phone(clock.now, enrolment.secret)) is Step.SIGNED_IN
    assert flow.result is not None and flow.result.allowed
    assert len(flow.recovery_codes) == 10
    user = stored(database, pk)
    assert (user.failed_logins, user.two_factor_method) == (0, "app")
    assert authenticator_key(database, pk) == enrolment.secret
    assert actions(database, pk)[-2:] == ["2fa.confirmed", "signin.succeeded"]
    assert enrolment.secret not in trail(database)

    again = signed_in_flow(database, clock)
    assert again.step is Step.TOKEN
    with pytest.raises(TokenRefused) as refused:
        again.submit_token(phone(clock.now, enrolment.secret))  # used up by the setup
    assert str(refused.value) == TOKEN_USED
    clock.now += timedelta(seconds=30)
    assert again.submit_token(phone(clock.now, enrolment.secret)) is Step.SIGNED_IN


def test_a_suggested_setup_may_be_skipped_and_is_offered_again(database, company, clock):
    company_rules(database, company, clock, CompanyDefault.SUGGESTED)
    pk = add(database, company, clock)
    flow = signed_in_flow(database, clock)
    assert flow.step is Step.SETUP and flow.may_skip_setup
    assert flow.skip_setup() is Step.SIGNED_IN
    assert actions(database, pk).count("signin.succeeded") == 1

    again = signed_in_flow(database, clock)
    assert again.step is Step.SETUP
    enrolment = again.begin_setup()
    assert enrolment.title == "Valley Family Medicine"
    assert again.submit_setup_token(phone(clock.now, enrolment.secret)) is Step.SIGNED_IN
    assert actions(database, pk).count("signin.succeeded") == 2  # one per sign-in
    assert signed_in_flow(database, clock).step is Step.TOKEN


@pytest.mark.parametrize("setup, may_skip", [("prompt", True), ("require", False)])
def test_a_users_own_setup_at_next_login(database, company, clock, setup, may_skip):
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("app", setup=setup))
    flow = signed_in_flow(database, clock)
    assert (flow.step, flow.may_skip_setup) == (Step.SETUP, may_skip)


def test_a_reset_authenticator_is_set_up_again_at_next_login(database, company, clock):
    pk = add(database, company, clock)
    codes = authenticator(database, company, clock, pk)
    with database.transaction() as session:
        TwoFactorService(session, company, dba("mreyes"), clock).reset(pk)
    flow = signed_in_flow(database, clock)
    assert (flow.step, flow.may_skip_setup) == (Step.SETUP, False)
    with pytest.raises(RuntimeError):
        flow.submit_recovery_code(codes[0])  # not at the token step


# The flow


def test_the_token_comes_before_a_forced_password_change(database, company, clock):
    pk = add(database, company, clock, must_change_password=True)
    authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock)
    assert flow.step is Step.TOKEN
    with pytest.raises(RuntimeError):
        flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD)  # not before the token

    assert flow.result is not None and flow.result.reason is Reason.TWO_FACTOR_REQUIRED
    assert flow.submit_token(phone(clock.now)) is Step.CHANGE_PASSWORD
    assert flow.result.reason is Reason.PASSWORD_CHANGE_REQUIRED
    assert flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD) is Step.SIGNED_IN
    assert flow.result.allowed
    assert not stored(database, pk).must_change_password


def test_a_required_setup_comes_before_a_forced_password_change(database, company, clock):
    company_rules(database, company, clock, CompanyDefault.REQUIRED)
    add(database, company, clock, must_change_password=True)
    flow = signed_in_flow(database, clock)
    assert flow.step is Step.SETUP
    enrolment = flow.begin_setup()
    assert flow.submit_setup_token(phone(clock.now, enrolment.secret)) is Step.CHANGE_PASSWORD
    assert flow.submit_new_password(NEW_PASSWORD, NEW_PASSWORD) is Step.SIGNED_IN


def test_a_recovery_code_stands_in_for_the_token_once(database, company, clock):
    pk = add(database, company, clock)
    codes = authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock)
    assert flow.submit_recovery_code(codes[0].upper()) is Step.SIGNED_IN
    assert reasons(database, pk, "2fa.recovery_code_used") == ["9 recovery codes left"]
    assert stored(database, pk).recovery_codes_left == 9

    again = signed_in_flow(database, clock)
    with pytest.raises(TokenRefused) as refused:
        again.submit_recovery_code(codes[0])
    assert str(refused.value) == CODE_REFUSED
    assert stored(database, pk).failed_logins == 1
    assert reasons(database, pk, "2fa.failed") == ["wrong recovery code"]
    assert not any(code in trail(database) for code in codes)


def test_the_fifth_wrong_token_ends_the_sign_in(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock)
    for _ in range(4):
        with pytest.raises(TokenRefused):
            flow.submit_token(phone(clock.now, OTHER_SECRET))
    with pytest.raises(SignInRefused):
        flow.submit_token(phone(clock.now, OTHER_SECRET))
    assert flow.step is Step.CREDENTIALS and flow.result is None
    assert stored(database, pk).locked_until is not None
    with pytest.raises(SignInRefused):
        signed_in_flow(database, clock)


# Tokens by e-mail


@pytest.fixture
def mail(database, company, clock, inbox) -> Iterator[tuple[Inbox, MemoryStore]]:
    """The company's mail server is the local one; the e-mail method goes to ADDRESS."""
    store = MemoryStore()
    with database.transaction() as session:
        save_mail_settings(
            session, company.id, company.code,
            MailSettings("127.0.0.1", inbox[1], "none", "office@valleyfamily.example"),
            password=None, store=store, actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip
    yield inbox[0], store


@pytest.fixture
def emailed(database, company, clock, mail) -> tuple[int, Inbox, SignInFlow]:
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("email", ADDRESS))
    flow = signed_in_flow(database, clock, store=mail[1])
    assert (flow.step, flow.method) == (Step.TOKEN, "email")
    return pk, mail[0], flow


def test_an_emailed_token_signs_in_and_is_kept_only_as_a_hash(database, clock, emailed):
    pk, inbox, flow = emailed
    sent = flow.send_token()

    assert sent.sent and sent.message == "A token was sent to k***@valleyfamily.example."
    assert (sent.expires_at, sent.next_send_at) == (
        clock.now + timedelta(minutes=3),
        clock.now + timedelta(minutes=1),
    )
    (message,) = inbox.messages
    assert message["To"] == ADDRESS and message["Subject"] == "Your User Setup sign-in token"
    code = inbox.code()
    assert flow.submit_token(code) is Step.SIGNED_IN
    assert flow.result is not None and flow.result.allowed
    with database.transaction() as session:
        (row,) = session.scalars(select(OneTimeCode))
    assert (row.purpose, row.destination, row.used_at) == ("sign-in", ADDRESS, clock.now)
    assert row.code_hash.startswith("$argon2id$") and code not in row.code_hash
    assert code not in trail(database)
    assert reasons(database, pk, "2fa.token_sent") == ["token sent (email)"]
    assert reasons(database, pk, "2fa.succeeded") == ["email"]


def test_a_code_in_other_digits_is_refused(database, clock, emailed):
    _, inbox, flow = emailed
    flow.send_token()
    code = inbox.code()
    with pytest.raises(TokenRefused):
        flow.submit_token(code.translate(ARABIC_INDIC))
    assert flow.submit_token(code) is Step.SIGNED_IN


def test_a_password_code_is_no_sign_in_token_nor_the_other_way_round(
    database, company, clock, emailed, inbox
):
    _, mailbox, flow = emailed
    mailer = Mailer(
        MailSettings("127.0.0.1", inbox[1], "none", "office@valleyfamily.example"),
        company.code,
        MemoryStore(),
    )
    send_recovery_code(
        database, clock, "HOME-PC", "valley", "kimberly", GivenSenders(Senders(mail=mailer))
    )
    password_code = mailbox.code()
    flow.send_token()  # a code for the other purpose leaves the first one as it was
    token = mailbox.code()

    def new_password(code: str) -> Outcome:
        return change_password_with_code(
            database, clock, "HOME-PC", "valley", "kimberly", code, NEW_PASSWORD, NEW_PASSWORD
        ).outcome

    if password_code != token:  # one in a million: the same six digits twice
        with pytest.raises(TokenRefused):
            flow.submit_token(password_code)
        assert new_password(token) is Outcome.CODE_REFUSED
    assert flow.submit_token(token) is Step.SIGNED_IN
    with pytest.raises(AdministratorOnlyError):  # the right code; the token goes there too
        new_password(password_code)


def test_a_code_works_once(database, clock, emailed):
    _, inbox, flow = emailed
    flow.send_token()
    code = inbox.code()
    assert check(database, clock, token=code).reason is Reason.SIGNED_IN
    assert check(database, clock, token=code).reason is Reason.INVALID


@pytest.mark.parametrize(
    "after, accepted", [(timedelta(minutes=3, seconds=-1), True), (timedelta(minutes=3), False)]
)
def test_a_code_works_for_three_minutes(database, clock, emailed, after, accepted):
    _, inbox, flow = emailed
    flow.send_token()
    clock.now += after
    if accepted:
        assert flow.submit_token(inbox.code()) is Step.SIGNED_IN
    else:
        with pytest.raises(TokenRefused) as refused:
            flow.submit_token(inbox.code())
        assert str(refused.value) == CODE_REFUSED


@pytest.mark.parametrize("wrong_tries, accepted", [(4, True), (5, False)])
def test_a_code_allows_five_tries(database, company, clock, emailed, wrong_tries, accepted):
    lockout_after(database, company, clock, 10)  # so that the code's own limit shows
    _, inbox, flow = emailed
    flow.send_token()
    code = inbox.code()
    for _ in range(wrong_tries):
        with pytest.raises(TokenRefused):
            flow.submit_token(wrong(code))
    if accepted:
        assert flow.submit_token(code) is Step.SIGNED_IN
    else:
        with pytest.raises(TokenRefused):
            flow.submit_token(code)


def test_wrong_codes_lock_the_account_as_wrong_passwords_do(database, clock, emailed):
    pk, inbox, flow = emailed
    flow.send_token()
    for _ in range(4):
        with pytest.raises(TokenRefused):
            flow.submit_token(wrong(inbox.code()))
    with pytest.raises(SignInRefused):
        flow.submit_token(wrong(inbox.code()))
    assert stored(database, pk).locked_until is not None
    assert reasons(database, pk, "2fa.failed") == ["wrong token (email)"] * 5


def test_a_token_is_resent_at_most_once_a_minute_and_replaces_the_first(database, clock, emailed):
    pk, inbox, flow = emailed
    flow.send_token()
    first = inbox.code()
    sent_at = clock.now

    clock.now = sent_at + timedelta(seconds=59)
    early = flow.send_token()
    assert not early.sent and early.message.endswith("send another in 1 second.")
    assert early.next_send_at == sent_at + timedelta(seconds=60)
    assert len(inbox.messages) == 1

    clock.now = sent_at + timedelta(seconds=60)
    assert flow.send_token().sent
    assert len(inbox.messages) == 2
    second = inbox.code()
    if second != first:  # one in a million: the same six digits twice
        with pytest.raises(TokenRefused):
            flow.submit_token(first)
    assert flow.submit_token(second) is Step.SIGNED_IN
    assert len(reasons(database, pk, "2fa.token_sent")) == 2


def test_a_code_sent_before_the_address_changed_does_not_work(database, company, clock, emailed):
    pk, inbox, flow = emailed
    flow.send_token()
    two_factor(database, company, clock, pk, TwoFactorForm("email", "kim@elsewhere.example"))
    with pytest.raises(TokenRefused):
        flow.submit_token(inbox.code())


def test_a_refusing_mail_server_is_told_to_the_administrator_not_the_user(database, clock, emailed):
    pk, inbox, flow = emailed
    inbox.refuse = True
    sent = flow.send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    (reason,) = reasons(database, pk, "2fa.token_sent")
    assert reason.startswith("token not sent") and "mailbox unavailable" in reason
    assert reason.endswith("(email)")
    # A token that never left does not hold back the next one: Send Token works at once.
    inbox.refuse = False
    assert flow.send_token().sent
    assert flow.submit_token(inbox.code()) is Step.SIGNED_IN


def test_without_a_mail_server_no_token_is_sent(database, company, clock):
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("email", ADDRESS))
    sent = signed_in_flow(database, clock, store=MemoryStore()).send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    assert "no mail server is set up" in reasons(database, pk, "2fa.token_sent")[0]


def test_an_authenticator_user_is_sent_nothing(database, company, clock):
    pk = add(database, company, clock)
    authenticator(database, company, clock, pk)
    flow = signed_in_flow(database, clock, store=MemoryStore())
    with pytest.raises(ValidationError):
        flow.send_token()


# Tokens by text


@pytest.fixture
def gateway(database, company, clock) -> Iterator[tuple[Gateway, MemoryStore]]:
    """The company's text gateway is the local one; its auth token is in the keyring."""
    store = MemoryStore()
    with sms_server() as server:
        with database.transaction() as session:
            save_sms_settings(
                session, company.id, company.code, company.phone_region,
                SmsSettings(SID, "(202) 555-0143", server.url),
                token=GATEWAY_TOKEN, store=store, actor=dba("mreyes"), clock=clock,
                expected_version=0,
            )  # fmt: skip
        yield server, store


@pytest.fixture
def texted(database, company, clock, gateway) -> tuple[int, Gateway, SignInFlow]:
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("text", "(617) 555-0199"))
    flow = signed_in_flow(database, clock, store=gateway[1])
    assert (flow.step, flow.method) == (Step.TOKEN, "text")
    return pk, gateway[0], flow


def test_a_texted_token_signs_in(database, clock, texted):
    pk, gateway, flow = texted
    sent = flow.send_token()

    assert sent.sent and sent.message == "A token was sent to the mobile number ending in 0199."
    (message,) = gateway.messages
    assert (message.sid, message.to, message.sender) == (SID, MOBILE, "+12025550143")
    assert (message.username, message.password) == (SID, GATEWAY_TOKEN)
    code = gateway.code()
    assert "works for 3 minutes" in message.body
    assert flow.submit_token(code) is Step.SIGNED_IN
    assert code not in trail(database) and GATEWAY_TOKEN not in trail(database)
    assert reasons(database, pk, "2fa.succeeded") == ["text"]


def test_a_number_that_replied_stop_is_told_to_text_start(database, clock, texted):
    pk, gateway, flow = texted
    gateway.refuse = GATEWAY_OPTED_OUT
    sent = flow.send_token()
    assert (sent.sent, sent.message) == (False, OPTED_OUT)
    assert "text START" in sent.message
    (reason,) = reasons(database, pk, "2fa.token_sent")
    assert "error 21610" in reason and "Attempt to send to unsubscribed recipient" in reason


@pytest.mark.parametrize("answer, words", [(UNAUTHORIZED, "HTTP 401"), (SERVER_ERROR, "HTTP 500")])
def test_a_refusing_gateway_is_told_to_the_administrator_in_its_own_words(
    database, clock, texted, answer, words
):
    pk, gateway, flow = texted
    gateway.refuse = answer
    sent = flow.send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    (reason,) = reasons(database, pk, "2fa.token_sent")
    assert reason.startswith("token not sent: The text gateway refused") and words in reason


def test_an_unreachable_gateway_is_unable_to_send(database, company, clock, texted):
    pk, _, flow = texted
    with database.transaction() as session:
        save_sms_settings(
            session, company.id, company.code, company.phone_region,
            SmsSettings(SID, "+12025550143", f"http://127.0.0.1:{free_port()}"),
            token=None, store=MemoryStore(), actor=dba("mreyes"), clock=clock, expected_version=1,
        )  # fmt: skip
    sent = flow.send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    assert "could not be reached" in reasons(database, pk, "2fa.token_sent")[0]


def test_a_computer_without_the_gateway_token_sends_nothing(database, company, clock, gateway):
    server, store = gateway
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("text", MOBILE))
    assert (SMS_KEYRING_SERVICE, f"valley:{SID}") in store.passwords
    sent = signed_in_flow(database, clock, store=MemoryStore()).send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    assert server.requests == 0
    assert "no gateway token" in reasons(database, pk, "2fa.token_sent")[0]


def test_without_a_gateway_no_text_is_sent(database, company, clock):
    pk = add(database, company, clock)
    two_factor(database, company, clock, pk, TwoFactorForm("text", MOBILE))
    sent = signed_in_flow(database, clock, store=MemoryStore()).send_token()
    assert (sent.sent, sent.message) == (False, UNABLE_TO_SEND)
    assert "no text gateway is set up" in reasons(database, pk, "2fa.token_sent")[0]
