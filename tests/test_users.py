"""The User section's service: what an administrator does to users, on every backend."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.db.database import Database
from app.db.models import AuditEvent, Provider, ServiceLocation, User
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import (
    CompanyInfo,
    create_company,
    provider_choices,
    service_location_choices,
)
from app.users.fields import USER_FIELDS, Copy
from app.users.records import UserFields, UserRecord, clean_fields
from app.users.service import UserService
from app.validation import display_phone, normalize_password
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.statements import count_statements

ADMIN = "mreyes"
OTHER_ADMIN = "wcassady"
PASSWORD = "correct horse battery"

USERS = cast(Table, User.__table__)  # the table itself, for writes past the ORM


def kimberly(**changes: Any) -> UserFields:
    """The form as an administrator fills it in for a new user."""
    form = UserFields(
        user_id="kimberly",
        first_name="Kimberly",
        middle_initial="A",
        last_name="Fox",
        title="Billing Specialist",
        work_phone="(614) 555-0123",
        work_ext="101",
        email="kimberly.fox@valleyfamily.example",
        new_password=PASSWORD,
        retype_password=PASSWORD,
    )
    return dataclasses.replace(form, **changes)


def edited(**changes: Any) -> UserFields:
    """Kimberly's saved form with some fields changed and the password left blank."""
    return kimberly(new_password="", retype_password="", **changes)


@contextmanager
def users_of(
    database: Database, company: CompanyInfo, clock: FixedClock, operator: str = ADMIN
) -> Iterator[UserService]:
    """A service in one transaction, as one save in the window or one CLI call uses it."""
    with database.transaction() as session:
        yield UserService(session, company, dba(operator), clock=clock)


def add_user(
    database: Database, company: CompanyInfo, clock: FixedClock, form: UserFields | None = None
) -> UserRecord:
    with users_of(database, company, clock) as service:
        return service.create(form or kimberly())


def stored_counts(database: Database) -> tuple[int, int]:
    """(users, audit events) as committed."""
    with database.transaction() as session:
        users = session.scalar(select(func.count()).select_from(User))
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    assert users is not None and events is not None
    return users, events


def audit_trail(database: Database, user_pk: int) -> list[AuditEvent]:
    with database.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.user_pk == user_pk).order_by(AuditEvent.id)
        return list(session.scalars(query))


def stored_user(database: Database, pk: int) -> User:
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        session.expunge(user)
        return user


# Creating and finding users


def test_new_user_is_saved_with_every_field(database, company, clock):
    record = add_user(database, company, clock)

    with users_of(database, company, clock) as service:
        loaded = service.get(record.pk)
    assert loaded.fields.user_id == "kimberly"
    assert loaded.fields.middle_initial == "A"
    assert loaded.fields.work_ext == "101"
    assert loaded.heading == "Fox, Kimberly (kimberly)"
    assert loaded.version == 1
    assert loaded.updated_by == ADMIN
    assert loaded.created_at == loaded.updated_at == clock.now
    assert loaded.fields.new_password == ""  # a stored user's form never holds a password


def test_typed_text_is_tidied_before_saving(database, company, clock):
    form = kimberly(first_name="  Kimberly   Ann ", middle_initial="a.", user_id=" kimberly ")

    record = add_user(database, company, clock, form)

    assert record.fields.first_name == "Kimberly Ann"
    assert record.fields.middle_initial == "A"
    assert record.fields.user_id == "kimberly"


def test_find_a_user_by_user_id_in_any_case(database, company, clock):
    record = add_user(database, company, clock)

    with users_of(database, company, clock) as service:
        assert service.find("KIMBERLY").pk == record.pk
        assert service.find("Kimberly").pk == record.pk


def test_finding_a_user_who_does_not_exist_is_refused(database, company, clock):
    with users_of(database, company, clock) as service, pytest.raises(NotFoundError):
        service.find("nobody")


def test_users_of_another_company_are_not_reachable(database, company, clock):
    record = add_user(database, company, clock)
    with database.transaction() as session:
        hills = create_company(session, "hills", "Hills Pediatrics", "America/Chicago")

    with users_of(database, hills, clock) as service:
        assert service.list_rows() == []
        with pytest.raises(NotFoundError):
            service.get(record.pk)
        with pytest.raises(NotFoundError):
            service.find("kimberly")
        # The same User ID is free in another company.
        service.create(kimberly())


def test_user_list_is_in_name_order_and_active_only_on_request(database, company, clock):
    for user_id, first, last in [
        ("zoe", "Zoe", "adams"),
        ("alb", "Al", "Baker"),
        ("bod", "Bo", "Adams"),
    ]:
        add_user(
            database, company, clock, kimberly(user_id=user_id, first_name=first, last_name=last)
        )
    with users_of(database, company, clock) as service:
        service.set_active(service.find("alb").pk, False)

        everyone = service.list_rows()
        active = service.list_rows(active_only=True)

    assert [row[1] for row in everyone] == ["bod", "zoe", "alb"]  # (id, User ID, last, ...)
    assert [row[1] for row in active] == ["bod", "zoe"]
    assert everyone[2][4] is False  # active
    assert everyone[0][5] is False  # login locked


# The same User ID in another case is the same user


def test_user_id_taken_in_another_case_is_refused(database, company, clock):
    add_user(database, company, clock)
    before = stored_counts(database)

    with pytest.raises(ValidationError) as refused:
        add_user(database, company, clock, kimberly(user_id="Kimberly", first_name="Kim"))

    assert "already taken" in refused.value.errors["user_id"]
    assert stored_counts(database) == before


def test_user_id_taken_between_check_and_save_is_refused_by_the_database(
    database, company, clock, monkeypatch
):
    """Another workstation adds "Kimberly" after this save's check passed: the unique key holds."""
    add_user(database, company, clock, kimberly(user_id="Kimberly"))
    before = stored_counts(database)

    with pytest.raises(ValidationError) as refused, users_of(database, company, clock) as service:
        # Skip only the taken-check, as if the other row did not exist yet when it ran.
        monkeypatch.setattr(
            service, "check", lambda form, pk=None: clean_fields(form, company, is_new=pk is None)
        )
        service.create(kimberly())

    assert "already taken" in refused.value.errors["user_id"]
    assert stored_counts(database) == before


def test_database_itself_refuses_a_second_row_with_the_same_user_id_key(database, company, clock):
    """A row written past the service (an import, a script) still collides case-insensitively."""
    record = add_user(database, company, clock)
    row = {
        c.name: getattr(stored_user(database, record.pk), c.name)
        for c in User.__table__.columns
        if c.name != "id"
    }
    row["user_id"] = "KIMBERLY"

    with pytest.raises(IntegrityError, match="user_id_key"), database.transaction() as session:
        session.execute(insert(USERS).values(row))

    assert stored_counts(database) == (1, 1)


def test_renaming_a_user_to_another_case_of_their_own_user_id_is_allowed(database, company, clock):
    record = add_user(database, company, clock)

    with users_of(database, company, clock) as service:
        saved = service.update(record.pk, edited(user_id="Kimberly"), 1)

    assert saved.fields.user_id == "Kimberly"


def test_renaming_a_user_to_someone_elses_user_id_is_refused(database, company, clock):
    add_user(database, company, clock)
    wes = add_user(database, company, clock, kimberly(user_id="wes", first_name="Wes"))

    with pytest.raises(ValidationError) as refused, users_of(database, company, clock) as service:
        service.update(wes.pk, edited(user_id="KIMBERLY", first_name="Wes"), wes.version)

    assert "already taken" in refused.value.errors["user_id"]
    assert stored_user(database, wes.pk).user_id == "wes"


# Bad input: every field checked before anything is written

TOO_LONG = "x" * 51


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"user_id": ""}, "user_id", "User ID is required."),
        ({"user_id": "   "}, "user_id", "User ID is required."),
        ({"user_id": "kf"}, "user_id", "Use 3 to 32 characters"),
        ({"user_id": "k" * 33}, "user_id", "Use 3 to 32 characters"),
        ({"user_id": "kim fox"}, "user_id", "Use 3 to 32 characters"),
        ({"user_id": "-kimberly"}, "user_id", "Use 3 to 32 characters"),
        ({"user_id": "kimberly@fox"}, "user_id", "Use 3 to 32 characters"),
        ({"first_name": ""}, "first_name", "First Name is required."),
        ({"last_name": "  "}, "last_name", "Last Name is required."),
        ({"first_name": TOO_LONG}, "first_name", "at most 50 characters (51 typed)"),
        ({"last_name": TOO_LONG}, "last_name", "at most 50 characters"),
        ({"title": TOO_LONG}, "title", "at most 50 characters"),
        ({"title": "Nurse\ue000"}, "title", "the character that cannot be stored (U+E000)"),
        ({"middle_initial": "AB"}, "middle_initial", "M.I. is one letter."),
        ({"middle_initial": "4"}, "middle_initial", "M.I. is one letter."),
        ({"email": "kimberly.fox"}, "email", "Not an e-mail address"),
        ({"direct_email": "kim@@valley"}, "direct_email", "Not an e-mail address"),
        ({"email_notify": "kim at valley.example"}, "email_notify", "Not an e-mail address"),
        ({"outage_email": "@valley.example"}, "outage_email", "Not an e-mail address"),
        ({"home_phone": "call me"}, "home_phone", "Not a phone number."),
        ({"work_phone": "555-0123"}, "work_phone", "Not a valid phone number"),
        ({"other_phone": "(999) 555-0123"}, "other_phone", "Not a valid phone number"),
        ({"outage_mobile": "614-555-0123 x12"}, "outage_mobile", "has no extension"),
        ({"home_ext": "12a"}, "home_ext", "Ext is up to 10 digits."),
        ({"work_ext": "12345678901"}, "work_ext", "Ext is up to 10 digits."),
        ({"work_phone": "614-555-0123 x12", "work_ext": "13"}, "work_ext", "different extension"),
        ({"default_screen": "Games"}, "default_screen", "Pick a Default Screen"),
        ({"user_type": "Boss"}, "user_type", "Provider, Staff or Other"),
        ({"new_password": "", "retype_password": ""}, "new_password", "needs a password"),
        ({"retype_password": PASSWORD + "!"}, "retype_password", "The two passwords differ."),
        ({"new_password": "short", "retype_password": "short"}, "new_password", "at least 15"),
        ({"new_password": "p" * 257, "retype_password": "p" * 257}, "new_password", "at most 256"),
        ({"provider_id": 999_999}, "provider_id", "no longer exists"),
        ({"service_location_id": 999_999}, "service_location_id", "no longer exists"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_written(
    database, company, clock, changes, field, message
):
    before = stored_counts(database)

    with pytest.raises(ValidationError) as refused:
        add_user(database, company, clock, kimberly(**changes))

    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]
    assert stored_counts(database) == before


def test_every_bad_field_is_reported_at_once(database, company, clock):
    form = kimberly(first_name="", middle_initial="XY", email="nope", home_phone="12")

    with pytest.raises(ValidationError) as refused:
        add_user(database, company, clock, form)

    assert set(refused.value.errors) == {"first_name", "middle_initial", "email", "home_phone"}


# A line break, tab or invisible character is refused with the reason, never made a space

LINE_BREAK = "Remove the line break: {} is one line of printable text."
INVISIBLE = "Remove the invisible character (U+{}): {} is one line of printable text."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"first_name": "Kim\nberly"}, "first_name", LINE_BREAK.format("First Name")),
        ({"first_name": "Kimberly\r\n"}, "first_name", LINE_BREAK.format("First Name")),
        ({"last_name": "Fox\u2028"}, "last_name", LINE_BREAK.format("Last Name")),
        ({"last_name": "\u202eFox"}, "last_name", INVISIBLE.format("202E", "Last Name")),
        ({"title": "Nurse\tPractitioner"}, "title", "Remove the tab: Title is one line"),
        ({"title": "Nurse\x07"}, "title", INVISIBLE.format("0007", "Title")),
        ({"user_id": "kim\u200bberly"}, "user_id", INVISIBLE.format("200B", "User ID")),
        ({"user_id": "\ufeffkimberly"}, "user_id", INVISIBLE.format("FEFF", "User ID")),
        ({"user_id": "kimberly\n"}, "user_id", LINE_BREAK.format("User ID")),
        ({"middle_initial": "A\n"}, "middle_initial", LINE_BREAK.format("M.I.")),
        ({"email": "kim@valley.example\n"}, "email", LINE_BREAK.format("Email")),
        (
            {"work_phone": "\u2066614-555-0123\u2069"},
            "work_phone",
            INVISIBLE.format("2066", "Work"),
        ),
        ({"work_ext": "101\t"}, "work_ext", "Remove the tab: Work Ext is one line"),
    ],
)
def test_a_line_break_or_invisible_character_is_refused_with_the_reason(
    database, company, clock, changes, field, message
):
    before = stored_counts(database)

    with pytest.raises(ValidationError) as refused:
        add_user(database, company, clock, kimberly(**changes))

    assert list(refused.value.errors) == [field]
    assert message in refused.value.errors[field]
    assert stored_counts(database) == before


def test_a_line_break_in_a_saved_users_name_is_refused_not_stored_as_a_space(
    database, company, clock
):
    record = add_user(database, company, clock)

    with pytest.raises(ValidationError) as refused, users_of(database, company, clock) as service:
        service.update(record.pk, edited(first_name="Kim\nberly"), record.version)

    assert refused.value.errors == {"first_name": LINE_BREAK.format("First Name")}
    assert stored_user(database, record.pk).first_name == "Kimberly"


def test_a_bad_edit_of_a_saved_user_writes_nothing(database, company, clock):
    record = add_user(database, company, clock)
    before = stored_counts(database)

    with pytest.raises(ValidationError), users_of(database, company, clock) as service:
        service.update(record.pk, edited(title="Manager", email="nope"), record.version)

    assert stored_counts(database) == before
    assert stored_user(database, record.pk).title == "Billing Specialist"
    assert stored_user(database, record.pk).version == record.version


def test_a_provider_of_another_company_cannot_be_picked(database, company, clock):
    with database.transaction() as session:
        hills = create_company(session, "hills", "Hills Pediatrics", "America/Chicago")
        stranger = Provider(company_id=hills.id, last_name="Stone", first_name="Ada")
        session.add(stranger)
        session.flush()
        stranger_id = stranger.id

    with pytest.raises(ValidationError) as refused:
        add_user(database, company, clock, kimberly(provider_id=stranger_id))

    assert set(refused.value.errors) == {"provider_id"}


def test_picking_the_practices_provider_and_service_location(database, company, clock):
    with database.transaction() as session:
        hynes = next(c for c in provider_choices(session, company) if "Hynes" in c.label)
        main = next(c for c in service_location_choices(session, company) if "Main" in c.label)

    record = add_user(
        database, company, clock, kimberly(provider_id=hynes.id, service_location_id=main.id)
    )

    assert (record.fields.provider_id, record.fields.service_location_id) == (hynes.id, main.id)


# Phones


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("(614) 555-0123", "+16145550123", "(614) 555-0123"),
        ("614.555.0123", "+16145550123", "(614) 555-0123"),
        ("+1 212 555 0199", "+12125550199", "(212) 555-0199"),
        ("+44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
    ],
)
def test_phones_are_stored_e164_and_shown_in_national_format(
    database, company, clock, typed, stored, shown
):
    record = add_user(database, company, clock, kimberly(home_phone=typed))

    assert stored_user(database, record.pk).home_phone == stored
    assert display_phone(record.fields.home_phone, company.phone_region) == shown


def test_an_extension_typed_with_the_number_goes_to_its_ext_field(database, company, clock):
    record = add_user(
        database, company, clock, kimberly(work_phone="614-555-0123 x12", work_ext="")
    )

    assert (record.fields.work_phone, record.fields.work_ext) == ("+16145550123", "12")


# Passwords


def test_password_is_stored_only_as_an_argon2id_hash_of_its_nfkc_form(database, company, clock):
    typed = "\ufb01sh and chips 42"  # starts with the "fi" ligature; NFKC makes it "fi"
    record = add_user(database, company, clock, kimberly(new_password=typed, retype_password=typed))

    stored = stored_user(database, record.pk).password_hash
    assert stored.startswith("$argon2id$")
    assert typed not in stored
    assert PasswordHasher().verify(stored, normalize_password(typed))
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(stored, typed.replace("\ufb01", "f"))


def test_passwords_never_appear_in_the_audit_trail(database, company, clock):
    first, second = "first secret 111", "second secret 222"
    record = add_user(database, company, clock, kimberly(new_password=first, retype_password=first))
    with users_of(database, company, clock) as service:
        service.update(
            record.pk, kimberly(new_password=second, retype_password=second), record.version
        )
    with database.transaction() as session:
        trail = json.dumps([event.changes for event in session.scalars(select(AuditEvent))])

    assert first not in trail and second not in trail
    assert "secret" not in trail
    assert trail.count(audit.PASSWORD_CHANGED) == 2


def test_blank_password_on_edit_leaves_the_password_as_it_was(database, company, clock):
    record = add_user(database, company, clock)
    before = stored_user(database, record.pk)
    clock.now += timedelta(days=1)

    with users_of(database, company, clock) as service:
        service.update(record.pk, edited(title="Office Manager"), 1)

    after = stored_user(database, record.pk)
    assert after.password_hash == before.password_hash
    assert after.password_changed_at == before.password_changed_at
    assert "password" not in [c["field"] for c in audit_trail(database, record.pk)[-1].changes]


def test_new_password_on_edit_is_rehashed_and_dated(database, company, clock):
    record = add_user(database, company, clock)
    clock.now += timedelta(days=1)
    changed = "a brand new password"

    with users_of(database, company, clock) as service:
        service.update(record.pk, kimberly(new_password=changed, retype_password=changed), 1)

    after = stored_user(database, record.pk)
    assert PasswordHasher().verify(after.password_hash, changed)
    assert after.password_changed_at == clock.now
    assert audit_trail(database, record.pk)[-1].changes == [
        {"field": "password", "change": audit.PASSWORD_CHANGED}
    ]


# Audit


def test_creating_a_user_is_audited_with_operator_time_and_values(database, company, clock):
    record = add_user(database, company, clock)

    (event,) = audit_trail(database, record.pk)
    assert event.action == "user.created"
    assert event.operator == ADMIN
    assert event.company_id == company.id
    assert event.occurred_at == clock.now
    assert event.occurred_at.utcoffset() == timedelta(0)
    assert {"field": "user_id", "before": None, "after": "kimberly"} in event.changes
    assert {"field": "work_phone", "before": None, "after": "+16145550123"} in event.changes


def test_editing_a_user_audits_each_changed_field_before_and_after(database, company, clock):
    record = add_user(database, company, clock)
    clock.now += timedelta(hours=3)

    with users_of(database, company, clock, operator=OTHER_ADMIN) as service:
        service.update(record.pk, edited(title="Office Manager", middle_initial=""), 1)

    event = audit_trail(database, record.pk)[-1]
    assert event.action == "user.updated"
    assert event.operator == OTHER_ADMIN
    assert event.occurred_at == clock.now
    assert event.user_pk == record.pk
    assert event.changes == [
        {"field": "middle_initial", "before": "A", "after": ""},
        {"field": "title", "before": "Billing Specialist", "after": "Office Manager"},
    ]
    after = stored_user(database, record.pk)
    assert (after.updated_by, after.updated_at, after.version) == (OTHER_ADMIN, clock.now, 2)


def test_saving_without_changes_writes_nothing(database, company, clock):
    record = add_user(database, company, clock)
    before = stored_counts(database)

    with users_of(database, company, clock) as service:
        saved = service.update(record.pk, edited(), 1)

    assert saved.version == 1
    assert stored_counts(database) == before


def test_change_and_its_audit_event_are_one_transaction(database, company, clock):
    record = add_user(database, company, clock)
    before = stored_counts(database)

    with pytest.raises(RuntimeError), users_of(database, company, clock) as service:
        service.update(record.pk, edited(title="Office Manager"), 1)
        raise RuntimeError("the workstation lost power before the commit")

    assert stored_counts(database) == before
    assert stored_user(database, record.pk).title == "Billing Specialist"


def test_audit_times_are_aware_utc_whatever_zone_the_clock_gives(database, company, clock):
    clock.now = clock.now.astimezone(ZoneInfo("America/New_York"))
    record = add_user(database, company, clock)

    (event,) = audit_trail(database, record.pk)
    assert event.occurred_at == clock.now
    assert event.occurred_at.utcoffset() == timedelta(0)


# Two workstations editing the same user


def test_saving_over_a_user_someone_else_changed_is_refused_naming_them(database, company, clock):
    record = add_user(database, company, clock)
    with users_of(database, company, clock) as here:
        opened = here.get(record.pk)
    clock.now += timedelta(minutes=5)
    with users_of(database, company, clock, operator=OTHER_ADMIN) as there:
        there.update(record.pk, edited(title="Front Desk"), opened.version)
    before = stored_counts(database)

    with pytest.raises(ConflictError) as conflict, users_of(database, company, clock) as here:
        here.update(record.pk, edited(title="Office Manager"), opened.version)

    assert conflict.value.changed_by == OTHER_ADMIN
    assert conflict.value.changed_at == clock.now
    assert OTHER_ADMIN in str(conflict.value)
    assert stored_user(database, record.pk).title == "Front Desk"
    assert stored_counts(database) == before


def test_deactivating_a_user_someone_else_changed_is_refused(database, company, clock):
    record = add_user(database, company, clock)
    with users_of(database, company, clock, operator=OTHER_ADMIN) as there:
        there.update(record.pk, edited(title="Front Desk"), record.version)

    with pytest.raises(ConflictError) as conflict, users_of(database, company, clock) as here:
        here.set_active(record.pk, False, expected_version=record.version)

    assert conflict.value.changed_by == OTHER_ADMIN
    assert stored_user(database, record.pk).active is True


def test_a_change_landing_between_load_and_write_is_caught_by_the_version_counter(
    database, company, clock, monkeypatch
):
    record = add_user(database, company, clock)
    before = stored_counts(database)

    with pytest.raises(ConflictError), users_of(database, company, clock) as here:
        load = here.writer.load

        def load_then_other_workstation_saves(pk: int, expected_version: int | None = None) -> User:
            user = load(pk, expected_version)
            # Straight to the connection: the session's copy of the row stays stale.
            here.session.connection().execute(
                update(USERS)
                .where(USERS.c.id == pk)
                .values(title="Front Desk", version=USERS.c.version + 1)
            )
            return user

        monkeypatch.setattr(here.writer, "load", load_then_other_workstation_saves)
        here.update(record.pk, edited(title="Office Manager"), record.version)

    assert stored_user(database, record.pk).title == "Billing Specialist"
    assert stored_counts(database) == before


# Deactivate and activate


def test_deactivated_user_stays_on_record_and_leaves_the_active_list(database, company, clock):
    record = add_user(database, company, clock)

    with users_of(database, company, clock) as service:
        deactivated = service.set_active(record.pk, False)
        active_ids = [row[0] for row in service.list_rows(active_only=True)]
        all_ids = [row[0] for row in service.list_rows()]

    assert deactivated.fields.active is False
    assert record.pk not in active_ids
    assert record.pk in all_ids
    assert stored_counts(database) == (1, 2)
    event = audit_trail(database, record.pk)[-1]
    assert event.action == "user.deactivated"
    assert event.changes == [{"field": "active", "before": True, "after": False}]


def test_reactivating_a_user_brings_them_back(database, company, clock):
    record = add_user(database, company, clock)
    with users_of(database, company, clock) as service:
        service.set_active(record.pk, False)
        reactivated = service.set_active(record.pk, True)

    assert reactivated.fields.active is True
    assert [e.action for e in audit_trail(database, record.pk)] == [
        "user.created",
        "user.deactivated",
        "user.activated",
    ]


def test_deactivating_an_inactive_user_writes_nothing(database, company, clock):
    record = add_user(database, company, clock)
    with users_of(database, company, clock) as service:
        service.set_active(record.pk, False)
    before = stored_counts(database)

    with users_of(database, company, clock) as service:
        service.set_active(record.pk, False)

    assert stored_counts(database) == before


# Copy User


def test_copy_user_takes_settings_but_not_identity_or_credentials(database, company, clock):
    with database.transaction() as session:
        hynes = provider_choices(session, company)[1].id
        main = service_location_choices(session, company)[1].id
    source = add_user(
        database,
        company,
        clock,
        kimberly(
            home_phone="(614) 555-0111",
            home_ext="7",
            other_phone="(614) 555-0112",
            other_ext="8",
            direct_email="kfox@direct.valleyfamily.example",
            email_notify="kfox.notify@valleyfamily.example",
            send_email_confirmations=True,
            default_screen="Billing",
            provider_id=hynes,
            service_location_id=main,
            user_type="Provider",
            outage_email="kfox.outage@valleyfamily.example",
            outage_mobile="(614) 555-0113",
            webservice_only=True,
            login_locked=True,
            must_change_password=False,  # she chose her own password long ago
        ),
    )
    with users_of(database, company, clock) as service:
        service.set_active(source.pk, False)
        source = service.get(source.pk)

        form = service.copy_from(source.pk)
        form.user_id, form.first_name, form.last_name = "lblake", "Lauren", "Blake"
        form.new_password = form.retype_password = "her own new passphrase"
        copy = service.create(form, copied_from=source.pk)

    for field in USER_FIELDS:
        copied, original = getattr(copy.fields, field.name), getattr(source.fields, field.name)
        if field.copy is Copy.COPIED:
            assert copied == original, field.name
        else:
            assert copied != original, field.name
    assert (copy.fields.active, copy.fields.login_locked) == (True, False)
    assert (
        stored_user(database, copy.pk).password_hash
        != stored_user(database, source.pk).password_hash
    )
    (event,) = audit_trail(database, copy.pk)
    assert event.action == "user.copied"
    assert event.changes[0] == {"field": "copied_from", "before": None, "after": "kimberly"}


def test_for_copy_keeps_exactly_the_fields_marked_copied():
    source = UserFields(**{f.name: object() for f in USER_FIELDS})  # type: ignore[arg-type]

    copy = source.for_copy()

    kept = {f.name for f in USER_FIELDS if getattr(copy, f.name) is getattr(source, f.name)}
    assert kept == {f.name for f in USER_FIELDS if f.copy is Copy.COPIED}
    assert (copy.new_password, copy.retype_password) == ("", "")


# How many statements the window's actions cost


def _add_forty_users(database: Database, company: CompanyInfo) -> None:
    with database.transaction() as session:
        rows = [
            {
                **{c.name: c.default.arg for c in User.__table__.columns if c.default is not None},
                "company_id": company.id,
                "user_id": f"user{n:02}",
                "user_id_key": f"user{n:02}",
                "first_name": "Pat",
                "last_name": f"Staff{n:02}",
                "password_hash": "$argon2id$not-a-real-hash",
                "password_changed_at": FixedClock().now,
                "created_at": FixedClock().now,
                "updated_at": FixedClock().now,
                "updated_by": ADMIN,
                "version": 1,
            }
            for n in range(40)
        ]
        session.execute(insert(USERS), rows)


def test_selecting_a_user_is_one_statement(database, company, clock, connection):
    record = add_user(database, company, clock)

    with users_of(database, company, clock) as service, count_statements(connection) as run:
        service.get(record.pk)

    assert len(run) == 1, run


def test_filling_the_user_list_is_one_statement_however_many_users(
    database, company, clock, connection
):
    _add_forty_users(database, company)

    with users_of(database, company, clock) as service, count_statements(connection) as run:
        rows = service.list_rows()

    assert len(rows) == 40
    assert len(run) == 1, run


def test_saving_one_changed_field_costs_at_most_four_statements(
    database, company, clock, connection
):
    record = add_user(database, company, clock)

    with count_statements(connection) as run, users_of(database, company, clock) as service:
        service.update(record.pk, edited(title="Office Manager"), record.version)

    assert len(run) <= 4, run
    assert stored_user(database, record.pk).title == "Office Manager"


def test_pick_lists_put_inactive_entries_last_and_marked(database, company):
    # Inactive entries stay listed: a user linked to one keeps the link when saved.
    with database.transaction() as session:
        session.execute(
            update(ServiceLocation)
            .where(ServiceLocation.name == "Family First Physicians")
            .values(active=False)
        )
        locations = [(c.label, c.active) for c in service_location_choices(session, company)]
        providers = [(c.label, c.active) for c in provider_choices(session, company)]

    assert locations == [("Valley Main Clinic", True), ("Family First Physicians", False)]
    assert providers == [("Armstrong PT, Stephen", True), ("Hynes MD, Patrick", True)]


def test_a_new_link_to_an_inactive_provider_or_location_is_refused(database, company, clock):
    with database.transaction() as session:
        hynes = provider_choices(session, company)[1].id
        session.execute(update(Provider).where(Provider.id == hynes).values(active=False))
    with pytest.raises(ValidationError) as refused, users_of(database, company, clock) as service:
        service.create(kimberly(provider_id=hynes))
    assert refused.value.errors == {
        "provider_id": "That User is this Provider is inactive; pick an active one."
    }
