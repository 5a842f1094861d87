"""Two-factor sign-in's parts: authenticator tokens at exact moments, recovery codes, the
company's rules, the 2FA section's service, and two workstations claiming one token at once."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.database import Database
from app.db.models import (
    AuditEvent,
    CodePurpose,
    TwoFactorRecoveryCode,
    User,
)
from app.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from app.outbound.codes import OneTimeCodes
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import READABLE
from app.practice.company import CompanyInfo, create_company
from app.signin.check import TOKEN_USED
from app.signin.second_factor import SecondFactor
from app.two_factor.authenticator import (
    RECOVERY_CODE_COUNT,
    claim_step,
    clock_offset_minutes,
    grouped_key,
    hash_recovery_code,
    matching_step,
    new_recovery_code,
    new_secret,
    provisioning_uri,
    time_step,
    use_recovery_code,
)
from app.two_factor.policy import (
    CompanyDefault,
    Need,
    TwoFactorPolicy,
    load_two_factor_policy,
    need_of,
    save_two_factor_policy,
)
from app.two_factor.service import (
    TwoFactorForm,
    TwoFactorService,
    describe_destination,
    wrong_token_message,
)
from app.users.records import UserFields
from app.users.service import UserService
from tests.conftest import KIM_PASSWORD, NOW, FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.records import (
    Stored,
    authenticator_key,
    read_user,
    recovery_code_hashes,
    remove_company,
    version_of,
)
from tests.helpers.roles import SetupRole, set_setup_role

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits; its codes of nearby steps all differ
OTHER_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
ADDRESS = "kim.fox@valleyfamily.example"
STEP = time_step(NOW)  # NOW is the first second of its step
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CODE_SHAPE = re.compile(rf"^[{READABLE}]{{4}}-[{READABLE}]{{4}}-[{READABLE}]{{4}}$")


def phone(secret: str, moment: datetime) -> str:
    """The token an authenticator app shows at that moment (pyotp's own reading of time)."""
    return pyotp.TOTP(secret).at(moment)


def service(session: Session, company: CompanyInfo, clock: Any, **kw: Any) -> TwoFactorService:
    return TwoFactorService(session, company, dba("mreyes"), clock, **kw)


def get(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Stored:
    return read_user(database, company, clock, pk)


def set_up_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, secret: str = SECRET
) -> list[str]:
    """The desk's "Set up now": the phone scans the key, its token is verified, then saved."""
    with database.transaction() as session:
        tf = service(session, company, clock)
        enrolment = tf.enrolment(pk, secret=secret)
        verified = tf.verify_new_key(enrolment, phone(secret, clock.now))
        version = version_of(session, pk)
        _, codes = tf.save(pk, TwoFactorForm("app", setup="now"), version, verified)
    return codes


def save(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, form: TwoFactorForm
) -> tuple[Stored, list[str]]:
    """Save the section; the user as stored after the commit, and the codes to show."""
    with database.transaction() as session:
        tf = service(session, company, clock)
        _, codes = tf.save(pk, form, version_of(session, pk))
    return get(database, company, clock, pk), codes


def events(database: Database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def actions(database: Database) -> list[str]:
    return [e.action for e in events(database)]


def trail(database: Database) -> str:
    return " ".join(f"{e.operator} {json.dumps(e.changes)}" for e in events(database))


def use_code(database: Database, clock: FixedClock, pk: int, code: str) -> bool:
    with database.transaction() as session:
        return use_recovery_code(session, pk, code, clock())


# Authenticator tokens


def test_a_new_key_has_160_random_bits_in_32_base32_characters():
    keys = {new_secret() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(key) == 32 and len(base64.b32decode(key)) == 20
    assert grouped_key(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


@pytest.mark.parametrize(
    "seconds, token",
    [(59, "287082"), (1111111109, "081804"), (1234567890, "005924"), (2000000000, "279037")],
)
def test_tokens_are_rfc_6238_sha1_six_digits_thirty_second_steps(seconds, token):
    """The test vectors of RFC 6238, appendix B (SHA-1), cut to 6 digits as the apps show."""
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    moment = datetime.fromtimestamp(seconds, UTC)
    assert matching_step(rfc_secret, token, moment) == seconds // 30
    assert matching_step(rfc_secret, token, moment, offsets=(0,)) == seconds // 30


@pytest.mark.parametrize(
    "seconds, accepted",
    [
        (-31, False),  # the last second of step N-2: the token is two steps ahead
        (-30, True),  # the first second of step N-1
        (0, True),
        (29, True),
        (30, True),  # the first second of step N+1
        (59, True),  # its last second
        (59.999999, True),
        (60, False),  # the first second of step N+2: two steps behind
    ],
)
def test_a_token_works_from_one_step_before_its_own_to_one_step_after(seconds, accepted):
    token = phone(SECRET, NOW)  # step N
    moment = NOW + timedelta(seconds=seconds)
    assert matching_step(SECRET, token, moment) == (STEP if accepted else None)


def test_every_step_of_the_window_is_compared_in_constant_time(monkeypatch):
    import hmac

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("app.two_factor.authenticator.hmac.compare_digest", spy)
    for token in (phone(SECRET, NOW - timedelta(seconds=30)), phone(OTHER_SECRET, NOW)):
        compared.clear()
        matching_step(SECRET, token, NOW)
        assert len(compared) == 3  # no early answer when the first step matches
        assert {b for _, b in compared} == {token.encode()}


def test_the_window_is_read_in_utc_whatever_the_zone_of_the_moment():
    from zoneinfo import ZoneInfo

    moment = NOW.astimezone(ZoneInfo("America/New_York"))
    assert time_step(moment) == STEP
    assert matching_step(SECRET, phone(SECRET, NOW), moment) == STEP


def test_a_naive_moment_is_refused_not_guessed():
    naive = datetime(2026, 11, 22, 14, 30)
    with pytest.raises(ValueError, match="naive"):
        time_step(naive)
    with pytest.raises(ValueError, match="naive"):
        matching_step(SECRET, phone(SECRET, NOW), naive)
    with pytest.raises(ValueError, match="naive"):
        clock_offset_minutes(SECRET, phone(SECRET, NOW), naive)


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH])
def test_only_ascii_digits_are_tokens(digits):
    token = phone(SECRET, NOW)
    other_script = token.translate(digits)
    assert int(other_script) == int(token)  # what a careless check would take
    assert matching_step(SECRET, other_script, NOW) is None
    assert clock_offset_minutes(SECRET, other_script, NOW) is None
    assert wrong_token_message(SECRET, other_script, NOW) == (
        "A token is the 6 digits the authenticator app shows."
    )


@pytest.mark.parametrize(
    "typed", ["", "12345", "1234567", "12 345", "12345a", "¹²³⁴⁵⁶", "-12345", "+12345"]
)
def test_anything_but_six_digits_is_not_a_token(typed):
    assert matching_step(SECRET, typed, NOW) is None
    assert "6 digits" in wrong_token_message(SECRET, typed, NOW)


@pytest.mark.parametrize(
    "phone_off_by, minutes, words",
    [
        (timedelta(minutes=3), 3, "about 3 minutes ahead"),
        (timedelta(minutes=-2), -2, "about 2 minutes behind"),
        (timedelta(seconds=60), 1, "about 1 minute ahead"),  # two steps: just out of the window
        (timedelta(minutes=-5), -5, "about 5 minutes behind"),
    ],
)
def test_a_phone_whose_clock_is_off_is_told_so(phone_off_by, minutes, words):
    token = phone(SECRET, NOW + phone_off_by)
    assert matching_step(SECRET, token, NOW) is None
    assert clock_offset_minutes(SECRET, token, NOW) == minutes
    message = wrong_token_message(SECRET, token, NOW)
    assert words in message and "automatic" in message


def test_a_token_far_off_or_wrong_is_only_not_right():
    for token in (phone(SECRET, NOW + timedelta(minutes=6)), phone(OTHER_SECRET, NOW)):
        assert clock_offset_minutes(SECRET, token, NOW) is None
        assert wrong_token_message(SECRET, token, NOW) == (
            "That token is not right. Enter the 6 digits the app shows now."
        )


def test_the_qr_code_names_the_practice_and_the_user_with_the_standard_settings():
    uri = provisioning_uri(SECRET, "kimberly", "Valley Family Medicine")
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    assert (totp.secret, totp.name, totp.issuer) == (SECRET, "kimberly", "Valley Family Medicine")
    assert (totp.digits, totp.interval, totp.digest().name) == (6, 30, "sha1")


def test_a_step_is_claimed_once_and_never_an_older_one(database, clock, kim):
    with database.transaction() as session:
        session.get(User, kim).totp_secret = SECRET

    def claim(secret: str, step: int) -> bool:
        with database.transaction() as session:
            return claim_step(session, kim, secret, step)

    assert claim(SECRET, STEP)
    assert not claim(SECRET, STEP)  # the same token again, still inside its window
    assert not claim(SECRET, STEP - 1)  # an older one that is still inside the window too
    assert claim(SECRET, STEP + 1)
    assert not claim(OTHER_SECRET, STEP + 5)  # a key that is no longer the user's
    with database.transaction() as session:
        assert session.get(User, kim).totp_last_step == STEP + 1


# Recovery codes


def test_recovery_codes_are_readable_random_and_kept_only_as_keyed_hashes(
    database, company, clock, kim
):
    codes = set_up_authenticator(database, company, clock, kim)

    assert len(set(codes)) == RECOVERY_CODE_COUNT == 10
    assert all(CODE_SHAPE.match(code) for code in codes), codes
    with database.transaction() as session:
        stored = set(session.scalars(select(TwoFactorRecoveryCode.code_hash)))
    assert stored == recovery_code_hashes(database, codes)  # keyed: a dump cannot be guessed at
    assert not stored & {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    assert not any(code in trail(database) for code in codes)
    assert len({new_recovery_code() for _ in range(200)}) == 200


def test_a_recovery_code_works_once_however_it_is_typed(database, company, clock, kim):
    codes = set_up_authenticator(database, company, clock, kim)
    typed = f"  {codes[0].upper().replace('-', ' ')} "
    assert hash_recovery_code(typed) == hash_recovery_code(codes[0])

    assert use_code(database, clock, kim, typed)
    assert not use_code(database, clock, kim, codes[0])
    assert get(database, company, clock, kim).two_factor.recovery_codes_left == 9
    assert not use_code(database, clock, kim, codes[1][:-1])  # too short: not even looked up
    assert not use_code(database, clock, kim, "zzzz-zzzz-zzzz")
    assert use_code(database, clock, kim, codes[1])
    assert get(database, company, clock, kim).two_factor.recovery_codes_left == 8


def test_a_new_set_of_codes_replaces_the_old_one(database, company, clock, kim):
    old = set_up_authenticator(database, company, clock, kim)
    use_code(database, clock, kim, old[0])
    with database.transaction() as session:
        new = service(session, company, clock).new_recovery_codes(kim)

    assert set(new).isdisjoint(old)
    assert get(database, company, clock, kim).two_factor.recovery_codes_left == 10
    assert not use_code(database, clock, kim, old[1])
    assert use_code(database, clock, kim, new[0])
    assert actions(database)[-1] == "2fa.recovery_codes_issued"


def test_a_user_without_two_factor_sign_in_gets_no_recovery_codes(database, company, clock, kim):
    with database.transaction() as session, pytest.raises(ValidationError):
        service(session, company, clock).new_recovery_codes(kim)


# The company's rules


def test_the_company_default_is_off_with_no_excluded_networks(database, company):
    with database.transaction() as session:
        assert load_two_factor_policy(session, company.id) == (TwoFactorPolicy(), 0)
    assert TwoFactorPolicy().default_for_users == CompanyDefault.OFF == 0
    assert (CompanyDefault.REQUIRED, CompanyDefault.SUGGESTED) == (1, 2)


def test_excluded_networks_are_kept_canonical():
    policy = TwoFactorPolicy(
        CompanyDefault.SUGGESTED,
        (" 10.20.0.0/16 ", "", "2001:DB8::/32", "10.20.0.0/16", "192.168.1.7", "10.0.0.0/8"),
    ).checked()
    assert policy.excluded_networks == (
        "10.20.0.0/16",
        "2001:db8::/32",
        "192.168.1.7/32",
        "10.0.0.0/8",
    )


@pytest.mark.parametrize(
    "network, words",
    [
        ("192.168.1.5/24", "has host bits set; did you mean 192.168.1.0/24?"),
        ("2001:db8::1/64", "did you mean 2001:db8::/64?"),
        ("office", "is not a subnet"),
        ("192.168.1.0/33", "is not a subnet"),
        ("300.1.1.0/24", "is not a subnet"),
        ("0.0.0.0/0", "half the internet"),
        ("::/0", "half the internet"),
        ("8.0.0.0/7", "half the internet"),
    ],
)
def test_a_bad_excluded_network_is_refused_saying_why(network, words):
    with pytest.raises(ValidationError) as refused:
        TwoFactorPolicy(CompanyDefault.OFF, ("10.0.0.0/24", network)).checked()
    assert words in refused.value.errors["excluded_networks"]


def test_a_default_other_than_0_1_2_is_refused():
    with pytest.raises(ValidationError) as refused:
        TwoFactorPolicy(3).checked()
    assert set(refused.value.errors) == {"default_for_users"}


@pytest.mark.parametrize(
    "ip, excluded",
    [
        ("192.168.1.77", True),
        (" 192.168.1.77 ", True),
        ("192.168.2.77", False),
        ("2001:db8::5", True),
        ("2001:db9::5", False),
        ("", False),
        (None, False),
        ("front desk", False),
    ],
)
def test_a_sign_in_from_an_excluded_network_skips_the_token(ip, excluded):
    policy = TwoFactorPolicy(CompanyDefault.REQUIRED, ("192.168.1.0/24", "2001:db8::/32"))
    assert policy.excludes(ip) is excluded


def test_the_rules_are_saved_audited_and_not_overwritten_if_changed_meanwhile(
    database, company, clock
):
    rules = TwoFactorPolicy(CompanyDefault.REQUIRED, ("192.168.1.0/24",))
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, rules, actor=dba("mreyes"), clock=clock, expected_version=0
        )
    with database.transaction() as session:
        assert load_two_factor_policy(session, company.id) == (rules, 1)
        save_two_factor_policy(  # unchanged: nothing to record
            session, company.id, rules, actor=dba("mreyes"), clock=clock, expected_version=1
        )
    (event,) = events(database)
    assert (event.action, event.operator, event.user_pk) == ("2fa.policy_changed", "mreyes", None)
    assert event.changes == [
        {"field": "default_for_users", "before": 0, "after": 1},
        {"field": "excluded_networks", "before": [], "after": ["192.168.1.0/24"]},
    ]
    with database.transaction() as session, pytest.raises(ConflictError):
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(), actor=dba("lblake"), clock=clock,
            expected_version=0,
        )  # fmt: skip
    with database.transaction() as session, pytest.raises(ValidationError):
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(1, ("10.0.0.1/8",)), actor=dba("lblake"),
            clock=clock, expected_version=1,
        )  # fmt: skip
    with database.transaction() as session:
        assert load_two_factor_policy(session, company.id) == (rules, 1)


OFF, REQUIRED, SUGGESTED = CompanyDefault.OFF, CompanyDefault.REQUIRED, CompanyDefault.SUGGESTED


@pytest.mark.parametrize(
    "method, setup, secret, default, need",
    [
        ("none", "", None, OFF, Need.NONE),
        ("none", "", None, REQUIRED, Need.SETUP_REQUIRED),
        ("none", "", None, SUGGESTED, Need.SETUP_SUGGESTED),
        ("email", "", None, OFF, Need.TOKEN),
        ("text", "", None, SUGGESTED, Need.TOKEN),
        ("app", "now", SECRET, OFF, Need.TOKEN),
        ("app", "prompt", SECRET, REQUIRED, Need.TOKEN),  # set up already
        ("app", "prompt", None, OFF, Need.SETUP_SUGGESTED),
        ("app", "prompt", None, SUGGESTED, Need.SETUP_SUGGESTED),
        ("app", "prompt", None, REQUIRED, Need.SETUP_REQUIRED),  # the company's rule wins
        ("app", "require", None, OFF, Need.SETUP_REQUIRED),
        ("app", "now", None, OFF, Need.SETUP_REQUIRED),  # a desk setup never finished
    ],
)
def test_what_a_sign_in_needs(method, setup, secret, default, need):
    user = User(two_factor_method=method, two_factor_setup=setup, totp_secret=secret)
    policy = TwoFactorPolicy(default, ("192.168.1.0/24",))
    assert need_of(user, policy, "203.0.113.9") is need
    assert need_of(user, policy, None) is need
    assert need_of(user, policy, "192.168.1.20") is Need.NONE


# The 2FA section's service


def test_the_form_is_checked_and_cleaned(database, company, clock):
    with database.transaction() as session:
        tf = service(session, company, clock)
        assert tf.check(TwoFactorForm("email", " kim.fox@VALLEYFAMILY.example ")) == (
            TwoFactorForm("email", "kim.fox@valleyfamily.example")
        )
        assert tf.check(TwoFactorForm("text", "(617) 555-0199", "now", "ignored")) == (
            TwoFactorForm("text", "+16175550199")
        )
        assert tf.check(TwoFactorForm("app", "ignored", "", "  Valley   Main ")) == (
            TwoFactorForm("app", "", "now", "Valley Main")
        )
        assert tf.check(TwoFactorForm("none", "kim@example.com")) == TwoFactorForm("none")
        for form, field, words in (
            (TwoFactorForm("sms"), "method", "Choose None"),
            (TwoFactorForm("email", ""), "destination", "e-mail address"),
            (TwoFactorForm("email", "kim at valley"), "destination", "Not an e-mail"),
            (TwoFactorForm("text", ""), "destination", "mobile number"),
            (TwoFactorForm("text", "(617) 555-0199 x4"), "destination", "no extension"),
            (TwoFactorForm("text", "555-0100"), "destination", "Not a valid phone"),
            (TwoFactorForm("app", setup="later"), "setup", "Choose how"),
            (TwoFactorForm("app", title="Valley: Main"), "title", "no colon"),
            (TwoFactorForm("app", title="x" * 65), "title", "at most 64"),
        ):
            with pytest.raises(ValidationError) as refused:
                tf.check(form)
            assert words in refused.value.errors[field], form


def test_where_tokens_go_is_shown_as_the_practice_reads_it():
    assert describe_destination("text", "+16175550199", "US") == "(617) 555-0199"
    assert describe_destination("text", "+16175550199", "GB") == "+1 617-555-0199"
    assert describe_destination("email", ADDRESS, "US") == ADDRESS


def test_the_phones_title_defaults_to_the_company_name_without_colons(database, clock):
    with database.transaction() as session:
        info = create_company(session, "colon", "Valley: Family " + "M" * 80, "America/New_York")
        title = service(session, info, clock).default_title()
    assert ":" not in title and len(title) == 64 and title.startswith("Valley  Family M")


def test_set_up_now_is_verified_at_the_desk_before_it_is_saved(database, company, clock, kim):
    with database.transaction() as session:
        tf = service(session, company, clock)
        version = version_of(session, kim)
        with pytest.raises(ValidationError) as refused:
            tf.save(kim, TwoFactorForm("app", setup="now"), version)
        assert "Scan the code" in refused.value.errors["token"]
        enrolment = tf.enrolment(kim, "Valley Main")
        assert enrolment.account == "kimberly" and enrolment.title == "Valley Main"
        assert enrolment.key == grouped_key(enrolment.secret)
        with pytest.raises(ValidationError) as refused:
            tf.verify_new_key(enrolment, phone(OTHER_SECRET, clock.now))
        assert "not right" in refused.value.errors["token"]
        with pytest.raises(ValidationError) as refused:
            tf.verify_new_key(enrolment, phone(enrolment.secret, clock.now + timedelta(minutes=4)))
        assert "about 4 minutes ahead" in refused.value.errors["token"]
        verified = tf.verify_new_key(enrolment, f" {phone(enrolment.secret, clock.now)} ")
        assert verified.step == STEP
        record, codes = tf.save(kim, TwoFactorForm("app", setup="now"), version, verified)

    assert len(codes) == 10
    summary = get(database, company, clock, kim).two_factor
    assert (summary.method, summary.setup, summary.title) == ("app", "now", "Valley Main")
    assert summary.has_authenticator and summary.confirmed_at == clock.now
    assert summary.recovery_codes_left == 10
    assert get(database, company, clock, kim).record == record
    with database.transaction() as session:
        assert session.get(User, kim).totp_last_step == STEP
    assert authenticator_key(database, kim) == enrolment.secret
    assert actions(database)[-2:] == ["2fa.method_changed", "2fa.confirmed"]
    assert enrolment.secret not in trail(database)


@pytest.mark.parametrize(
    "setup, need", [("prompt", Need.SETUP_SUGGESTED), ("require", Need.SETUP_REQUIRED)]
)
def test_set_up_at_next_login_stores_no_key(database, company, clock, kim, setup, need):
    record, codes = save(database, company, clock, kim, TwoFactorForm("app", setup=setup))
    assert codes == []
    assert (record.two_factor.method, record.two_factor.setup) == ("app", setup)
    assert not record.two_factor.has_authenticator
    with database.transaction() as session:
        assert need_of(session.get(User, kim), TwoFactorPolicy(), None) is need
    (event,) = [e for e in events(database) if e.action.startswith("2fa.")]
    assert event.action == "2fa.method_changed"
    assert {"field": "two_factor_setup", "before": "", "after": setup} in event.changes


def test_email_and_text_methods_keep_where_the_tokens_go(database, company, clock, kim):
    record, _ = save(database, company, clock, kim, TwoFactorForm("text", "617-555-0199"))
    assert (record.two_factor.method, record.two_factor.destination) == ("text", "+16175550199")
    record, _ = save(database, company, clock, kim, TwoFactorForm("email", "kim@valley.example"))
    assert (record.two_factor.method, record.two_factor.destination) == (
        "email",
        "kim@valley.example",
    )
    assert actions(database)[-2:] == ["2fa.method_changed", "2fa.method_changed"]


def test_another_method_throws_the_authenticator_away(database, company, clock, kim):
    set_up_authenticator(database, company, clock, kim)
    record, _ = save(database, company, clock, kim, TwoFactorForm("email", "kim@valley.example"))
    assert not record.two_factor.has_authenticator
    assert record.two_factor.recovery_codes_left == 0  # the codes went with the key
    with database.transaction() as session:
        assert session.get(User, kim).totp_secret is None
    assert {"field": "authenticator", "change": "authenticator removed"} in events(database)[
        -1
    ].changes


def test_an_unchanged_section_saves_nothing(database, company, clock, kim):
    first, _ = save(database, company, clock, kim, TwoFactorForm("app", setup="require"))
    count = len(events(database))
    again, _ = save(database, company, clock, kim, TwoFactorForm("app", setup="require"))
    assert again.version == first.version and len(events(database)) == count


def test_a_section_changed_meanwhile_or_by_the_front_desk_is_refused(database, company, clock, kim):
    with database.transaction() as session:
        tf = service(session, company, clock)
        stale = version_of(session, kim)
        tf.save(kim, TwoFactorForm("app", setup="require"), stale)
        with pytest.raises(ConflictError):
            tf.save(kim, TwoFactorForm("app", setup="prompt"), stale)
    with database.transaction() as session:
        desk = TwoFactorService(session, company, front_desk("lblake"), clock)
        version = version_of(session, kim)
        with pytest.raises(NotAllowedError):
            desk.save(kim, TwoFactorForm("none"), version)
        with pytest.raises(NotAllowedError):
            desk.reset(kim)
        with pytest.raises(NotAllowedError):
            desk.new_recovery_codes(kim)


def test_enroll_then_confirm_as_the_command_line_does(database, company, clock, kim):
    with database.transaction() as session, pytest.raises(NotFoundError):
        service(session, company, clock).confirm(kim, "123456")
    with database.transaction() as session:
        enrolment = service(session, company, clock).enroll(kim)
    assert enrolment.title == "Valley Family Medicine"
    assert not get(database, company, clock, kim).two_factor.has_authenticator
    assert actions(database)[-1] == "2fa.enrolled"

    with database.transaction() as session, pytest.raises(ValidationError):
        service(session, company, clock).confirm(kim, phone(OTHER_SECRET, clock.now))
    clock.now += timedelta(minutes=1)
    with database.transaction() as session:
        codes = service(session, company, clock).confirm(kim, phone(enrolment.secret, clock.now))

    assert len(codes) == 10
    summary = get(database, company, clock, kim).two_factor
    assert (summary.method, summary.has_authenticator, summary.recovery_codes_left) == (
        "app",
        True,
        10,
    )
    assert authenticator_key(database, kim, pending=True) is None
    assert authenticator_key(database, kim) == enrolment.secret
    assert actions(database)[-1] == "2fa.confirmed"
    assert enrolment.secret not in trail(database)


@pytest.mark.parametrize(
    "asked, stored", [("prompt", "prompt"), ("require", "require"), ("now", "require")]
)
def test_a_reset_throws_the_key_and_the_recovery_codes_away(
    database, company, clock, kim, asked, stored
):
    codes = set_up_authenticator(database, company, clock, kim)
    with database.transaction() as session:
        service(session, company, clock).reset(kim, asked)

    summary = get(database, company, clock, kim).two_factor
    assert (summary.method, summary.setup) == ("app", stored)
    assert not summary.has_authenticator and summary.confirmed_at is None
    assert summary.recovery_codes_left == 0
    assert not use_code(database, clock, kim, codes[0])
    with database.transaction() as session:
        user = session.get(User, kim)
        assert (user.totp_secret, user.totp_last_step) == (None, None)
        expected = Need.SETUP_SUGGESTED if stored == "prompt" else Need.SETUP_REQUIRED
        assert need_of(user, TwoFactorPolicy(), None) is expected
    event = events(database)[-1]
    assert event.action == "2fa.reset"
    assert {"field": "two_factor_setup", "before": "now", "after": stored} in event.changes
    assert SECRET not in trail(database)


def test_a_reset_moves_an_email_user_to_the_authenticator(database, company, clock, kim):
    save(database, company, clock, kim, TwoFactorForm("email", "kim@valley.example"))
    with database.transaction() as session:
        service(session, company, clock).reset(kim)
    record = get(database, company, clock, kim)
    assert (record.two_factor.method, record.two_factor.setup) == ("app", "require")
    assert record.two_factor.destination == ""  # tokens no longer go to the address
    assert {"field": "two_factor_method", "before": "email", "after": "app"} in events(database)[
        -1
    ].changes


# Two workstations at the same moment


@dataclass
class Committed:
    database: Database
    company: CompanyInfo
    user_pk: int
    backend: str


@pytest.fixture
def committed(engine: Engine, clock: FixedClock) -> Iterator[Committed]:
    """A company and a user in committed rows, for several real connections; removed after."""
    database = Database(sessionmaker(engine, expire_on_commit=False), "concurrency")
    code = f"tf{uuid.uuid4().hex[:8]}"
    with database.transaction() as session:
        info = create_company(session, code, "Race Clinic", "America/New_York")
        users = UserService(session, info, dba("mreyes"), clock)
        pk = users.create(
            UserFields(
                user_id="kimberly",
                first_name="Kim",
                last_name="Fox",
                new_password=KIM_PASSWORD,
                retype_password=KIM_PASSWORD,
                must_change_password=False,
            )
        ).pk
        set_setup_role(users, pk, SetupRole.ADMINISTRATOR)
    yield Committed(database, info, pk, engine.dialect.name)
    remove_company(engine, info.id)


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together; their answers, in order."""
    start = threading.Barrier(count, timeout=60)
    answers: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            start.wait()
            answers[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def test_two_workstations_claiming_one_step_at_once_let_exactly_one_in(committed, clock):
    database, pk = committed.database, committed.user_pk
    set_up_authenticator(database, committed.company, FixedClock(NOW - timedelta(minutes=5)), pk)
    # On the servers both transactions read the user (and its last step, older than this one)
    # before either claims, as two sign-ins checking the same token do. SQLite lets one writer
    # in at a time (BEGIN IMMEDIATE), so there the second simply comes after the first.
    both_read = threading.Barrier(2, timeout=60) if committed.backend != "sqlite" else None

    def claim(_: int) -> bool:
        with database.transaction() as session:
            user = session.get(User, pk)
            if both_read is not None:
                assert user is not None and (user.totp_last_step or 0) < STEP
                both_read.wait()
            assert user is not None and user.totp_secret is not None
            return claim_step(session, pk, user.totp_secret, STEP)  # the key as stored

    assert sorted(at_once(2, claim)) == [False, True]
    with database.transaction() as session:
        assert session.get(User, pk).totp_last_step == STEP


def test_two_workstations_signing_in_with_one_token_at_once_let_exactly_one_in(committed, clock):
    database, pk = committed.database, committed.user_pk
    set_up_authenticator(database, committed.company, FixedClock(NOW - timedelta(minutes=5)), pk)
    token = phone(SECRET, clock.now)

    def sign_in(i: int) -> Any:
        with database.transaction() as session:
            return SecondFactor(session, clock, f"FRONTDESK-{i}").complete_second_factor(pk, token)

    verdicts = at_once(2, sign_in)
    assert sorted(v.accepted for v in verdicts) == [False, True]
    (refused,) = [v for v in verdicts if not v.accepted]
    assert (refused.detail, refused.message) == ("token used before", TOKEN_USED)
    with database.transaction() as session:
        done = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.user_pk == pk, AuditEvent.action.startswith("2fa."))
                .order_by(AuditEvent.action)
            )
        )
    assert done == [
        "2fa.confirmed",
        "2fa.failed",
        "2fa.method_changed",
        "2fa.replayed",
        "2fa.succeeded",
    ]


def test_one_emailed_token_used_by_two_workstations_at_once_works_once(committed, clock):
    database, pk = committed.database, committed.user_pk
    with database.transaction() as session:
        tf = service(session, committed.company, clock)
        tf.save(pk, TwoFactorForm("email", "kim@valley.example"), version_of(session, pk))
        code = OneTimeCodes(session, clock, owasp_hasher(), CodePurpose.SIGN_IN).issue(
            pk, "kim@valley.example", minutes=3, tries=5
        )

    def sign_in(i: int) -> Any:
        with database.transaction() as session:
            return SecondFactor(session, clock, f"FRONTDESK-{i}").complete_second_factor(pk, code)

    assert sorted(v.accepted for v in at_once(2, sign_in)) == [False, True]


def test_one_recovery_code_used_twice_at_once_works_once(committed, clock):
    database, pk = committed.database, committed.user_pk
    codes = set_up_authenticator(database, committed.company, clock, pk)

    def use(_: int) -> bool:
        with database.transaction() as session:
            return use_recovery_code(session, pk, codes[0], clock())

    assert sorted(at_once(2, use)) == [False, True]
    with database.transaction() as session:
        assert session.get(User, pk).recovery_codes_left == 9
