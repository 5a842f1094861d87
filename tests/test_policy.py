"""The password policy: NIST SP 800-63B rev. 4 defaults, tunable rules, history, temporaries."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select

from app.db.database import Database
from app.db.models import AuditEvent, PasswordHistory, TwoFactorMethod, User
from app.errors import ValidationError
from app.passwords.policy import (
    READABLE,
    PasswordOwner,
    PasswordPolicy,
    common_passwords,
    generate_temporary_password,
    load_policy,
    password_problems,
    policy_version,
    save_policy,
)
from app.practice.company import CompanyInfo
from app.signin.own_password import change_own_password, own_password_rules
from app.two_factor.policy import TwoFactorPolicy, save_two_factor_policy
from app.users.records import UserFields
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.records import add_user

KIM = PasswordOwner("kimberly", "Kimberly", "Fox", "valley", "Valley Family Medicine")
DEFAULTS = PasswordPolicy()
LONGEST = "seven quiet otters drift past the old grey mill on a windy tuesd"  # 64


def problems(password: str, policy: PasswordPolicy = DEFAULTS, **owner: Any) -> list[str]:
    return password_problems(policy, password, PasswordOwner(**{**KIM.__dict__, **owner}))


def test_defaults_are_nists() -> None:
    assert (DEFAULTS.min_length, DEFAULTS.min_length_two_factor, DEFAULTS.max_length) == (15, 8, 64)
    assert DEFAULTS.block_common and DEFAULTS.block_personal and DEFAULTS.history == 5
    assert not DEFAULTS.require_alphanumeric and DEFAULTS.max_age_days == 0


@pytest.mark.parametrize(
    ("password", "two_factor", "accepted"),
    [
        ("fourteen chars", False, False),
        ("fifteen chars!!", False, True),
        ("mango tr", True, True),
        ("mango t", True, False),
        (LONGEST, False, True),  # 64 allowed
        (LONGEST + "s", False, False),
        ("grüne äpfel im körbchen", False, True),  # any Unicode, spaces included
    ],
)
def test_length_depends_on_two_factor_sign_in(
    password: str, two_factor: bool, accepted: bool
) -> None:
    assert (problems(password, two_factor=two_factor) == []) is accepted


@pytest.mark.parametrize(
    "password",
    [
        "passwordpassword",  # a repeat
        "aaaaaaaaaaaaaaaa",
        "iloveyou iloveyou",
        "1234567890123456",  # a sequence
        "abcdefghijklmnop",
        "qwertyuiopasdfgh",  # keyboard walks
        "zxcvbnmasdfghjkl",
        "monkey dishwasher",  # two common words
    ],
)
def test_repeats_sequences_and_keyboard_walks_are_refused_saying_why(password: str) -> None:
    found = problems(password)
    assert found and found[0].endswith("Add words nobody would expect from you.")


def test_guesses_floor_says_zxcvbns_reason() -> None:
    assert problems("aaaaaaaaaaaaaaaa") == [
        'Repeats like "aaa" are easy to guess. Add words nobody would expect from you.'
    ]


def test_one_factor_of_two_has_the_lower_floor() -> None:
    assert problems("kx7mrt4p", two_factor=True) == []  # 8 random characters
    assert problems("qwertyui", two_factor=True)
    assert problems("kx7mrt4p9wqzhd3", two_factor=False) == []  # 15 random ones


def test_guesses_floor_goes_with_the_common_passwords_setting() -> None:
    assert problems("monkey dishwasher", PasswordPolicy(block_common=False)) == []


def test_length_is_counted_after_nfkc_normalization() -> None:
    full_width = "ｃｏｒｒｅｃｔ ｈｏｒｓｅ ｎｏｗ"  # the same text typed on an East Asian keyboard
    assert problems(full_width) == []


def test_at_least_ten_thousand_common_passwords_are_refused() -> None:
    assert len(common_passwords()) >= 10_000
    assert problems("password", two_factor=True) == [
        "This is one of the most commonly used passwords; choose another."
    ]
    assert problems("Baseball", two_factor=True)  # whatever the case


@pytest.mark.parametrize("word", ["kimberly", "KimBerly", "VALLEY", "medicine"])
def test_names_of_the_user_and_practice_are_refused(word: str) -> None:
    found = problems(f"my {word} summer 2026")
    assert found and "your user ID, your name or the practice's" in found[0]


def test_names_shorter_than_four_letters_are_not_searched_for() -> None:
    # Last name "Fox": refusing every password with "fox" in it would refuse "foxglove".
    assert problems("foxglove by the garden wall") == []


def test_personal_rule_can_be_switched_off() -> None:
    policy = PasswordPolicy(block_personal=False)
    assert problems("kimberly's garden gate", policy) == []


def test_alphanumeric_rule_is_off_by_default_and_can_be_asked_for() -> None:
    assert problems("only letters and spaces") == []
    policy = PasswordPolicy(require_alphanumeric=True)
    assert problems("only letters and spaces", policy) == ["Use letters and at least one digit."]
    assert problems("letters and 1 digit here", policy) == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"min_length": 7}, "min_length"),
        ({"min_length_two_factor": 6}, "min_length_two_factor"),
        ({"max_length": 63}, "max_length"),
        ({"min_length": 80, "max_length": 64}, "max_length"),
        ({"lockout_after": 0}, "lockout_after"),
        ({"temporary_hours": 0}, "temporary_hours"),
    ],
)
def test_settings_that_weaken_sign_in_are_refused(change: dict[str, int], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        PasswordPolicy(**change).check_settings()  # type: ignore[arg-type]
    assert field in refused.value.errors


def test_temporary_passwords_are_readable_and_meet_the_policy() -> None:
    rng = random.Random(7)
    for _ in range(50):
        password = generate_temporary_password(DEFAULTS, KIM, rng)
        assert len(password) >= 15
        assert set(password.replace("-", "")) <= set(READABLE)
        assert not set(password) & set("0O1lI")
        assert problems(password) == []
    long_policy = PasswordPolicy(min_length=30, max_length=64)
    assert len(generate_temporary_password(long_policy, KIM, rng)) >= 30


def test_a_policy_is_stored_audited_and_applies_from_then_on(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        assert load_policy(session, company.id) == DEFAULTS
        save_policy(
            session,
            company.id,
            PasswordPolicy(min_length=12, lockout_after=3),
            actor=dba("mreyes"),
            clock=clock,
            expected_version=policy_version(session, company.id),
        )
    with database.transaction() as session:
        assert load_policy(session, company.id) == PasswordPolicy(min_length=12, lockout_after=3)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "policy.changed")
        ).one()
    assert event.changes == [
        {"field": "min_length", "before": 15, "after": 12},
        {"field": "lockout_after", "before": 5, "after": 3},
    ]


def test_none_of_the_last_five_passwords_is_taken_again(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    passwords = [f"garden path number {n}" for n in range(7)]
    with database.transaction() as session:
        users = UserService(session, company, dba("mreyes"), clock)
        form = UserFields(
            user_id="wcassady",
            first_name="Wes",
            last_name="Cassady",
            new_password=passwords[0],
            retype_password=passwords[0],
        )
        record = users.create(form)
        for password in passwords[1:6]:
            form = users.get(record.pk).fields
            form.new_password = form.retype_password = password
            record = users.update(record.pk, form, record.version)
        form = users.get(record.pk).fields
        for recent in passwords[1:6]:  # the current one and the four before it ...
            form.new_password = form.retype_password = recent
            with pytest.raises(ValidationError) as refused:
                users.check(form, record.pk, record.fields)
            assert "not used for this account recently" in refused.value.errors["new_password"]
        form.new_password = form.retype_password = passwords[0]  # ... but not the sixth
        users.check(form, record.pk, record.fields)
        kept = session.scalar(
            select(func.count())
            .select_from(PasswordHistory)
            .where(PasswordHistory.user_pk == record.pk)
        )
    assert kept == 4  # with the current hash, five passwords are remembered


def test_a_temporary_password_fits_a_policy_of_64_and_64() -> None:
    policy = PasswordPolicy(min_length=64, max_length=64)
    password = generate_temporary_password(policy, KIM, random.Random(3))
    assert len(password) == 64 and problems(password, policy) == []


# The shorter minimum for a password that is one factor of two


def _with_mailed_codes(database: Database, pk: int) -> None:
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        user.two_factor_method = TwoFactorMethod.EMAIL.value
        user.two_factor_destination = "kim@valleyfm.example"


def _reset_to(database: Database, company: CompanyInfo, clock: FixedClock, pk: int, typed: str):
    with database.transaction() as session:
        return UserService(session, company, dba(), clock).reset_password(pk, password=typed)


def test_a_user_with_a_second_factor_may_have_eight_characters(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kim")
    with pytest.raises(ValidationError) as refused:  # a password alone: 15
        _reset_to(database, company, clock, pk, "mango tr")
    assert refused.value.errors["new_password"].startswith("Use at least 15 characters")
    _with_mailed_codes(database, pk)
    assert _reset_to(database, company, clock, pk, "mango tr") == "mango tr"


def test_the_shorter_minimum_is_not_given_where_the_second_factor_is_skipped(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kim")
    _with_mailed_codes(database, pk)
    with database.transaction() as session:
        save_two_factor_policy(
            session, company.id, TwoFactorPolicy(0, ("192.168.1.0/24",)),
            actor=dba(), clock=clock, expected_version=0,
        )  # fmt: skip
    with pytest.raises(ValidationError) as refused:  # from the office, the password alone
        _reset_to(database, company, clock, pk, "mango tr")
    assert refused.value.errors["new_password"].startswith("Use at least 15 characters")


def test_a_factor_still_to_be_set_up_is_not_one_yet(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kim")
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        user.two_factor_method = TwoFactorMethod.APP.value  # required, no authenticator yet
    with pytest.raises(ValidationError):
        _reset_to(database, company, clock, pk, "mango tr")


def test_ones_own_new_password_gets_the_shorter_minimum(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kim")
    _with_mailed_codes(database, pk)
    change_own_password(
        database, company, pk, "mango tr", "mango tr",
        clock=clock, workstation="FRONT-1", operator="kim at FRONT-1",
    )  # fmt: skip
    rules = own_password_rules(database, company, "kim")
    assert rules[2].two_factor
