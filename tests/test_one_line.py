"""Every field a person types beyond the User section's (the company, its mail and text
settings, the authenticator's title) is one line of printable text: a line break, a tab or an
invisible character is refused with the reason and nothing is stored. (The User section's own
fields are checked in tests/test_users.py.)"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from app.access import Actor
from app.db.database import Database
from app.db.models import Company
from app.errors import ValidationError
from app.outbound.mail import MailSettings
from app.outbound.sms import SmsSettings
from app.practice.company import CompanyInfo
from app.practice.company_settings import CompanySettingsEditor, MailEdit, TextEdit
from app.practice.first_start import start_practice
from app.sections.editor import SectionProblems
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.records import UserFields
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import MemoryStore

MAIL = MailSettings("smtp.valley.example", 587, "starttls", "office@valley.example", "office")
TEXT = SmsSettings("AC0123456789", "(614) 555-0100", "https://api.twilio.com")


def saved_settings(
    database: Database, company: CompanyInfo, clock: FixedClock, edits: dict[str, Any]
) -> dict[str, dict[str, str]]:
    """What Company Settings refuses of ``edits``, each section's fields and why."""
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        CompanySettingsEditor(Work(session, company, dba(), clock)).save(
            edits, dict.fromkeys(edits, 0)
        )
    with database.transaction() as session:
        stored = CompanySettingsEditor(Work(session, company, dba(), clock)).open()
    assert all(stored[key].version == 0 for key in edits), "nothing is stored"
    return refused.value.by_section


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"host": "smtp.valley.example\nRCPT TO:<x@evil.example>"},
            "host",
            "Remove the line break: Mail Server is one line of printable text.",
        ),
        (
            {"username": "office\t"},
            "username",
            "Remove the tab: Mail User Name is one line of printable text.",
        ),
        (
            {"sender": "office@valley.example\r\n"},
            "sender",
            "Remove the line break: Sender Address is one line of printable text.",
        ),
    ],
)
def test_the_mail_server_refuses_a_line_break_or_tab(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    edit = MailEdit(replace(MAIL, **changes), None, MemoryStore())

    assert saved_settings(database, company, clock, {"mail": edit}) == {"mail": {field: message}}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"account": "AC0123\u200b456789"},
            "sms_account",
            "Remove the invisible character (U+200B): Account SID is one line of printable text.",
        ),
        (
            # urlsplit drops the tab: the address would be stored with it
            {"api_url": "https://api.\ttwilio.com"},
            "sms_api_url",
            "Remove the tab: Gateway Address is one line of printable text.",
        ),
    ],
)
def test_the_text_gateway_refuses_an_invisible_character_or_tab(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    edit = TextEdit(replace(TEXT, **changes), None, MemoryStore())

    assert saved_settings(database, company, clock, {"text": edit}) == {"text": {field: message}}


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("Valley\nMain", "Remove the line break: Title for Authenticator is one line"),
        ("\n", "Remove the line break: Title for Authenticator is one line"),
        ("Valley \u202eniaM", "Remove the invisible character (U+202E): Title for Authenticator"),
    ],
)
def test_the_authenticators_title_refuses_a_line_break_or_bidi_override(
    database: Database, company: CompanyInfo, clock: FixedClock, title: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        TwoFactorService(session, company, dba(), clock).check(TwoFactorForm("app", title=title))

    assert list(refused.value.errors) == ["title"]
    assert refused.value.errors["title"].startswith(message)


def test_the_first_start_refuses_a_line_break_in_the_company_name_and_keeps_nothing(
    database: Database, clock: FixedClock
) -> None:
    administrator = UserFields(
        user_id="mreyes",
        first_name="Maria",
        last_name="Reyes",
        new_password="a long enough password for the first start",
        retype_password="a long enough password for the first start",
    )

    with pytest.raises(ValidationError) as refused:
        start_practice(
            database,
            company_code="valley\u2066",
            company_name="Valley Family\nMedicine",
            time_zone="America/New_York",
            user=administrator,
            actor=Actor.first_start("mreyes", "front-desk"),
            clock=clock,
        )

    assert refused.value.errors == {
        "code": "Remove the invisible character (U+2066): Company Code is one line of "
        "printable text.",
        "name": "Remove the line break: Company Name is one line of printable text.",
    }
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Company)) == 0
