"""The text gateway: a real HTTP exchange with a local Twilio-style server, and its settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.db.models import AuditEvent
from app.errors import ConflictError, ValidationError
from app.outbound.sms import (
    KEYRING_SERVICE,
    SmsError,
    SmsGateway,
    SmsSettings,
    load_sms_settings,
    save_sms_settings,
)
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore, free_port
from tests.helpers.sms_server import OPTED_OUT, SERVER_ERROR, UNAUTHORIZED, Gateway, sms_server

SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "gateway auth token"
SENDER = "+12025550143"
MOBILE = "+16175550199"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with sms_server() as server:
        yield server


def client(url: str, token: str | None = AUTH_TOKEN) -> SmsGateway:
    store = MemoryStore()
    if token is not None:
        store.set_password(KEYRING_SERVICE, f"valley:{SID}", token)
    return SmsGateway(SmsSettings(SID, SENDER, url), "valley", store)


# Sending


def test_a_text_is_posted_to_the_accounts_messages_with_basic_auth(gateway):
    client(gateway.url).send(MOBILE, "Your token is 123456.")

    (sent,) = gateway.messages
    assert (sent.sid, sent.to, sent.sender, sent.body) == (
        SID,
        MOBILE,
        SENDER,
        "Your token is 123456.",
    )
    assert (sent.username, sent.password) == (SID, AUTH_TOKEN)


def test_a_number_that_replied_stop_is_a_refusal_that_says_so(gateway):
    gateway.refuse = OPTED_OUT
    with pytest.raises(SmsError) as refused:
        client(gateway.url).send(MOBILE, "Your token is 123456.")
    assert refused.value.opted_out
    assert refused.value.reason == (
        "The text gateway refused the message (HTTP 400, error 21610): "
        "Attempt to send to unsubscribed recipient"
    )


@pytest.mark.parametrize(
    "answer, words",
    [
        (UNAUTHORIZED, "(HTTP 401, error 20003): Authenticate"),
        (SERVER_ERROR, "(HTTP 500): Internal Server Error"),  # not JSON: the status's words
        ((400, {"code": [21610], "message": "odd"}), "(HTTP 400, error [21610]): odd"),
        ((400, ["not", "an", "object"]), "(HTTP 400): Bad Request"),
    ],
)
def test_other_refusals_carry_the_gateways_reason_and_are_not_opt_outs(gateway, answer, words):
    gateway.refuse = answer
    with pytest.raises(SmsError) as refused:
        client(gateway.url).send(MOBILE, "Your token is 123456.")
    assert not refused.value.opted_out
    assert words in refused.value.reason
    assert gateway.messages == []


def test_a_redirect_is_a_refusal_and_the_credentials_stay_home(gateway):
    gateway.redirect = f"{gateway.url}/elsewhere"  # another host, for all urllib knows
    with pytest.raises(SmsError) as refused:
        client(gateway.url).send(MOBILE, "Your token is 123456.")
    assert "(HTTP 302" in refused.value.reason
    assert gateway.followed == []


def test_an_unreachable_gateway_is_an_sms_error():
    port = free_port()  # closed again: nothing listens there
    with pytest.raises(SmsError) as refused:
        client(f"http://127.0.0.1:{port}").send(MOBILE, "Your token is 123456.")
    assert "could not be reached" in refused.value.reason
    assert not refused.value.opted_out


def test_without_a_token_in_the_keyring_nothing_is_sent(gateway):
    with pytest.raises(SmsError) as refused:
        client(gateway.url, token=None).send(MOBILE, "Your token is 123456.")
    assert "no gateway token" in refused.value.reason
    assert gateway.requests == 0


# Settings


def test_the_settings_keep_the_sender_in_e164_and_the_token_in_the_keyring(
    database, company, clock
):
    store = MemoryStore()
    with database.transaction() as session:
        save_sms_settings(
            session, company.id, company.code, company.phone_region,
            SmsSettings(f" {SID} ", "(202) 555-0143", "https://api.twilio.com/"),
            token=AUTH_TOKEN, store=store, actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip
    with database.transaction() as session:
        settings, version = load_sms_settings(session, company.id)
        trail = " ".join(str(e.changes) for e in session.scalars(select(AuditEvent)))
        actions = list(session.scalars(select(AuditEvent.action)))
    assert settings == SmsSettings(SID, SENDER, "https://api.twilio.com")
    assert version == 1
    assert store.passwords == {(KEYRING_SERVICE, f"valley:{SID}"): AUTH_TOKEN}
    assert actions == ["sms.changed"]
    assert AUTH_TOKEN not in trail and "token changed" in trail


def test_settings_changed_meanwhile_are_not_overwritten(database, company, clock):
    settings = SmsSettings(SID, SENDER)
    with database.transaction() as session:
        save_sms_settings(
            session, company.id, company.code, "US", settings, token=None, store=MemoryStore(),
            actor=dba("mreyes"), clock=clock, expected_version=0,
        )  # fmt: skip
    with database.transaction() as session, pytest.raises(ConflictError):
        save_sms_settings(
            session, company.id, company.code, "US", settings, token=None, store=MemoryStore(),
            actor=dba("lblake"), clock=clock, expected_version=0,
        )  # fmt: skip


@pytest.mark.parametrize(
    "url",
    [
        "https://api.twilio.com",
        "https://sms.example.org:8443/gateway",
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
    ],
)
def test_a_gateway_is_https_or_on_this_computer(url):
    assert SmsSettings(SID, SENDER, url).checked("US").api_url == url


@pytest.mark.parametrize(
    "url",
    [
        "http://api.twilio.com",  # the auth token would cross the network in clear
        "http://localhost.example.com",
        "http://127.0.0.1@sms.example.com",
        "ftp://api.twilio.com",
        "api.twilio.com",
        "https://",  # no host at all
        "https:api.twilio.com",
        "http://[::1",  # garbage that urllib raises on
        "",
    ],
)
def test_any_other_gateway_address_is_refused(url):
    with pytest.raises(ValidationError) as refused:
        SmsSettings(SID, SENDER, url).checked("US")
    assert set(refused.value.errors) == {"api_url"}


@pytest.mark.parametrize(
    "sender, problem",
    [
        ("", "Enter the number"),
        ("555-0100", "Not a valid phone number"),
        ("not a number", "Not a phone number"),
        ("(202) 555-0143 x12", "no extension"),
    ],
)
def test_the_sending_number_must_be_a_real_one(sender, problem):
    with pytest.raises(ValidationError) as refused:
        SmsSettings(SID, sender).checked("US")
    assert problem in refused.value.errors["sender"]


def test_a_blank_account_is_refused_with_every_other_problem():
    with pytest.raises(ValidationError) as refused:
        SmsSettings("  ", "", "http://sms.example.com").checked("US")
    assert set(refused.value.errors) == {"account", "sender", "api_url"}


def test_a_number_typed_with_its_country_code_is_read_as_such():
    checked = SmsSettings(SID, "+1 (415) 555-2671").checked("GB")
    assert checked.sender == "+14155552671"
