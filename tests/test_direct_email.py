"""Direct Email verification: a code mailed through a real local SMTP server, typed back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton
from sqlalchemy import select

from app.db.database import Database
from app.db.models import AuditEvent, OneTimeCode, User
from app.errors import ConflictError, ValidationError
from app.outbound.delivery import GivenSenders, MailSender, Senders
from app.outbound.mail import Mailer, MailSettings, save_mail_settings
from app.practice.company import CompanyInfo
from app.sections.user import UserState
from app.users.direct_email import (
    CODE_TRIES,
    NO_ADDRESS,
    NOT_A_CODE,
    SUBJECT,
    CodeSent,
    Verification,
    send_activation_code,
    verify_activation_code,
)
from app.users.records import UserFields, UserRecord
from app.users.service import UserService
from app.workplace import Work, Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.mail_server import Inbox, MemoryStore
from tests.helpers.qt import DialogAnswers, assert_every_line_shows, by_name
from tests.helpers.window import practice_context, workplace_of
from ui.dialogs.direct_email_dialog import INTRO, TITLE, DirectEmailDialog
from ui.operations import InlineRunner
from ui.pages.base import PracticeContext, Subject
from ui.pages.user_page import NOT_VERIFIED, SAVE_FIRST, UserPage

OPERATOR = "mreyes (Reyes, Maria)"
DIRECT = "kfox@direct.valleyfamily.example"
NEW_DIRECT = "kimberly.fox@direct.valleyfamily.example"
# Fast to compute: these tests are about the rules, not the hash's cost.
HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


@pytest.fixture
def mailer(inbox: tuple[Inbox, int], company: CompanyInfo) -> Mailer:
    settings = MailSettings("127.0.0.1", inbox[1], "none", "office@valleyfamily.example")
    return Mailer(settings, company.code, MemoryStore())


def users(session: Any, company: CompanyInfo, clock: FixedClock) -> UserService:
    return UserService(session, company, dba(OPERATOR), clock)


def record(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> UserRecord:
    with database.transaction() as session:
        return users(session, company, clock).get(pk)


def set_direct_email(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, address: str
) -> UserRecord:
    with database.transaction() as session:
        service = users(session, company, clock)
        current = service.get(pk)
        form = current.fields
        form.direct_email = address
        return service.update(pk, form, current.version)


@pytest.fixture
def kim_direct(database: Database, company: CompanyInfo, clock: FixedClock, kim: int) -> int:
    """Kimberly Fox with a Direct Email address saved, not yet verified."""
    set_direct_email(database, company, clock, kim, DIRECT)
    return kim


def send(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    sender: MailSender | None,
) -> CodeSent:
    workplace = Workplace(database, company, dba(OPERATOR), clock)
    return send_activation_code(workplace, pk, GivenSenders(Senders(mail=sender)), hasher=HASHER)


def verify(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, code: str
) -> Verification:
    with database.transaction() as session:
        work = Work(session, company, dba(OPERATOR), clock)
        return verify_activation_code(work, pk, code, hasher=HASHER)


def events(database: Database, pk: int, prefix: str = "direct_email.") -> list[AuditEvent]:
    with database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.user_pk == pk, AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            )
        )


def reasons(database: Database, pk: int) -> list[tuple[str, str]]:
    """Each Direct Email event's action and the reason it gives."""
    return [
        (e.action, next(c["after"] for c in e.changes if c["field"] == "reason"))
        for e in events(database, pk)
    ]


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


# The service


def test_a_code_mailed_to_the_saved_address_verifies_it(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    before = record(database, company, clock, kim_direct)
    assert not before.direct_email_verified

    sent = send(database, company, clock, kim_direct, mailer)
    assert sent.sent and sent.address == DIRECT
    assert sent.message == f"An activation code was sent to {DIRECT}. It works for 30 minutes."
    assert sent.expires_at == clock.now + timedelta(minutes=30)
    (message,) = inbox[0].messages
    assert message["To"] == DIRECT and message["Subject"] == SUBJECT
    code = inbox[0].code()

    clock.now += timedelta(minutes=29)
    answer = verify(database, company, clock, kim_direct, f" {code} ")
    assert answer == Verification(True, f"{DIRECT} is verified.")
    after = record(database, company, clock, kim_direct)
    assert after.direct_email_verified
    # A change to the user: a form loaded before it is refused, not saved over it.
    assert after.version == before.version + 1 and after.updated_by == OPERATOR
    with database.transaction() as session:
        assert session.get(User, kim_direct).direct_email_verified_at == clock.now
    assert reasons(database, kim_direct) == [
        ("direct_email.code_sent", "code sent"),
        ("direct_email.verified", "right activation code"),
    ]
    trail = " ".join(str(e.changes) for e in events(database, kim_direct, ""))
    assert code not in trail  # the code itself is never audited

    assert not verify(database, company, clock, kim_direct, code).verified  # single use


def test_a_form_loaded_before_the_verification_is_not_saved_over_it(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    loaded = record(database, company, clock, kim_direct)
    send(database, company, clock, kim_direct, mailer)
    assert verify(database, company, clock, kim_direct, inbox[0].code()).verified
    loaded.fields.direct_email = NEW_DIRECT
    with database.transaction() as session, pytest.raises(ConflictError):
        users(session, company, clock).update(kim_direct, loaded.fields, loaded.version)
    assert record(database, company, clock, kim_direct).direct_email_verified


def test_a_wrong_code_is_refused_and_every_try_counts(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    send(database, company, clock, kim_direct, mailer)
    code = inbox[0].code()
    wrong = other_than(code)
    first = verify(database, company, clock, kim_direct, wrong)
    assert first == Verification(
        False, "That activation code is not right. 4 tries left.", "wrong code"
    )
    for _ in range(CODE_TRIES - 2):
        verify(database, company, clock, kim_direct, wrong)
    last = verify(database, company, clock, kim_direct, wrong)
    assert (
        last.message == "That activation code is not right. That was the last try: send a new code."
    )
    # Each try was its own transaction: the five taken stay taken, so the right code is late.
    late = verify(database, company, clock, kim_direct, code)
    assert late.message == "That code has had too many wrong tries: send a new one."
    assert not record(database, company, clock, kim_direct).direct_email_verified
    assert reasons(database, kim_direct)[1:] == [
        ("direct_email.code_refused", "wrong code")
    ] * CODE_TRIES + [("direct_email.code_refused", "no tries left")]


def test_what_is_not_six_digits_is_refused_without_costing_a_try(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    send(database, company, clock, kim_direct, mailer)
    for typed in ["", "12345", "1234567", "12-34-56", "١٢٣٤٥٦"]:
        with pytest.raises(ValidationError) as refused:
            verify(database, company, clock, kim_direct, typed)
        assert refused.value.errors == {"activation_code": NOT_A_CODE}
    with database.transaction() as session:
        assert session.scalars(select(OneTimeCode.tries_left)).one() == CODE_TRIES
    assert verify(database, company, clock, kim_direct, inbox[0].code()).verified


def test_a_code_lasts_thirty_minutes(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    send(database, company, clock, kim_direct, mailer)
    clock.now += timedelta(minutes=30)
    answer = verify(database, company, clock, kim_direct, inbox[0].code())
    assert answer.message.startswith("That activation code has expired")
    assert not record(database, company, clock, kim_direct).direct_email_verified


def test_one_code_a_minute_and_a_new_code_replaces_the_one_before(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    send(database, company, clock, kim_direct, mailer)
    first = inbox[0].code()
    clock.now += timedelta(seconds=20)
    again = send(database, company, clock, kim_direct, mailer)
    assert not again.sent and again.next_send_at == clock.now + timedelta(seconds=40)
    assert again.message == (
        "An activation code was sent less than a minute ago; wait for it, or send another "
        "in 40 seconds."
    )
    assert len(inbox[0].messages) == 1
    clock.now += timedelta(seconds=40)
    assert send(database, company, clock, kim_direct, mailer).sent
    second = inbox[0].code()
    if first != second:
        assert not verify(database, company, clock, kim_direct, first).verified
    assert verify(database, company, clock, kim_direct, second).verified


def test_changing_the_address_clears_the_mark_and_the_old_code(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    send(database, company, clock, kim_direct, mailer)
    assert verify(database, company, clock, kim_direct, inbox[0].code()).verified

    # Saving other fields keeps the mark.
    with database.transaction() as session:
        service = users(session, company, clock)
        current = service.get(kim_direct)
        current.fields.title = "Nurse Practitioner"
        assert service.update(kim_direct, current.fields, current.version).direct_email_verified

    changed = set_direct_email(database, company, clock, kim_direct, NEW_DIRECT)
    assert not changed.direct_email_verified
    (updated,) = events(database, kim_direct, "user.updated")[-1:]
    assert updated.changes == [
        {"field": "direct_email", "before": DIRECT, "after": NEW_DIRECT},
        {"field": "direct_email_verified", "before": True, "after": False},
    ]

    # A code sent to the old address does not verify the new one.
    clock.now += timedelta(minutes=1)
    send(database, company, clock, kim_direct, mailer)
    old_code = inbox[0].code()
    set_direct_email(database, company, clock, kim_direct, DIRECT)
    answer = verify(database, company, clock, kim_direct, old_code)
    assert answer.message == (
        f"No activation code is waiting for {DIRECT}: choose Send Activation Code."
    )
    # The new address need not wait a minute for its own code.
    assert send(database, company, clock, kim_direct, mailer).sent
    assert inbox[0].messages[-1]["To"] == DIRECT


def test_a_new_user_has_an_unverified_address(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        created = users(session, company, clock).create(
            UserFields(
                user_id="pnguyen",
                first_name="Paul",
                last_name="Nguyen",
                direct_email="pnguyen@direct.valleyfamily.example",
                new_password="a quiet harbor at dawn",
                retype_password="a quiet harbor at dawn",
            )
        )
    assert not created.direct_email_verified


def test_nothing_is_sent_without_a_saved_address(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, mailer: Mailer
) -> None:
    with pytest.raises(ValidationError) as refused:
        send(database, company, clock, kim, mailer)
    assert refused.value.errors == {"direct_email": NO_ADDRESS}
    with pytest.raises(ValidationError):
        verify(database, company, clock, kim, "123456")
    assert events(database, kim) == []


def test_a_code_that_could_not_be_sent_is_said_audited_and_can_be_sent_again_at_once(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    mailer: Mailer,
    inbox: tuple[Inbox, int],
) -> None:
    no_server = send(database, company, clock, kim_direct, None)
    assert not no_server.sent
    assert no_server.message == (
        f"The activation code could not be sent to {DIRECT}: no mail server is set up in "
        "Company Settings"
    )
    inbox[0].refuse = True
    refused = send(database, company, clock, kim_direct, mailer)
    assert not refused.sent and "550" in refused.reason and refused.reason in refused.message
    assert reasons(database, kim_direct) == [
        ("direct_email.code_sent", "code not sent: no mail server is set up in Company Settings"),
        ("direct_email.code_sent", f"code not sent: {refused.reason}"),
    ]
    inbox[0].refuse = False
    assert send(database, company, clock, kim_direct, mailer).sent  # no minute to wait
    assert verify(database, company, clock, kim_direct, inbox[0].code()).verified


def test_another_companys_user_is_not_found(
    database: Database, company: CompanyInfo, clock: FixedClock, kim_direct: int, mailer: Mailer
) -> None:
    from app.errors import NotFoundError
    from app.practice.company import create_company

    with database.transaction() as session:
        other = create_company(session, "hill", "Hill Clinic", "America/Chicago")
    with pytest.raises(NotFoundError):
        send(database, other, clock, kim_direct, mailer)


# The User page's mark and the dialog


def _context(database: Database, company: CompanyInfo, clock: FixedClock) -> PracticeContext:
    return practice_context(database, company, clock, name=OPERATOR)


def _mail_server(database: Database, company: CompanyInfo, clock: FixedClock, port: int) -> None:
    with database.transaction() as session:
        save_mail_settings(
            session, company.id, company.code,
            MailSettings("127.0.0.1", port, "none", "office@valleyfamily.example"),
            password=None, store=MemoryStore(), actor=dba(OPERATOR), clock=clock,
            expected_version=0,
        )  # fmt: skip


def subject(shown: UserRecord) -> Subject:
    return Subject(shown, {"user": UserState(shown.fields, shown.direct_email_verified)})


def _page(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, shown: UserRecord
) -> UserPage:
    page = UserPage(_context(database, company, clock))
    qtbot.addWidget(page)
    page.load(subject(shown))
    page.show()
    return page


def _open_dialog(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, shown: UserRecord
) -> DirectEmailDialog:
    dialog = DirectEmailDialog(
        None,
        InlineRunner(),
        workplace_of(database, _context(database, company, clock)),
        shown,
        store=MemoryStore(),
        hasher=HASHER,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_mark_opens_the_dialog_and_a_verified_address_shows_verified(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    inbox: tuple[Inbox, int],
) -> None:
    _mail_server(database, company, clock, inbox[1])
    page = _page(qtbot, database, company, clock, record(database, company, clock, kim_direct))
    mark = page.direct_email_mark
    assert mark.isVisibleTo(page) and not page.direct_email_ok.isVisibleTo(page)
    assert mark.toolTip() == NOT_VERIFIED

    # What the window does with the page's request: open the dialog; show the user again.
    opened: list[DirectEmailDialog] = []

    def open_dialog(pk: int) -> None:
        dialog = _open_dialog(qtbot, database, company, clock, record(database, company, clock, pk))
        dialog.verified.connect(lambda pk: page.load(subject(record(database, company, clock, pk))))
        opened.append(dialog)

    page.verify_direct_email_requested.connect(open_dialog)
    with qtbot.waitSignal(page.verify_direct_email_requested):
        qtbot.mouseClick(mark, Qt.MouseButton.LeftButton)
    (dialog,) = opened
    assert dialog.windowTitle() == f"{TITLE} - Fox, Kimberly (kimberly)"
    assert dialog.findChild(QLabel, "intro").text() == INTRO

    qtbot.mouseClick(
        by_name(dialog, QPushButton, "Send Activation Code"), Qt.MouseButton.LeftButton
    )
    status = dialog.findChild(QLabel, "status")
    assert status is not None and status.text().startswith(
        f"An activation code was sent to {DIRECT}"
    )
    code_field = by_name(dialog, QLineEdit, "Activation Code")
    assert dialog.focusWidget() is code_field  # typing goes straight to the code

    qtbot.keyClicks(code_field, other_than(inbox[0].code()))
    qtbot.keyClick(code_field, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert (
        dialog.errors.message("activation_code")
        == "That activation code is not right. 4 tries left."
    )

    code_field.clear()
    qtbot.keyClicks(code_field, inbox[0].code())
    with qtbot.waitSignal(dialog.verified):
        qtbot.keyClick(code_field, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert record(database, company, clock, kim_direct).direct_email_verified
    assert page.direct_email_ok.isVisibleTo(page) and not mark.isVisibleTo(page)
    assert page.direct_email_ok.text().endswith("Verified")


def test_an_unsaved_address_is_saved_first(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim_direct: int,
    dialogs: DialogAnswers,
) -> None:
    page = _page(qtbot, database, company, clock, record(database, company, clock, kim_direct))
    by_name(page, QLineEdit, "Direct Email").setText(NEW_DIRECT)
    assert page.direct_email_mark.isVisibleTo(page)
    assert page.direct_email_mark.toolTip().startswith("Not verified: save first")
    dialogs.answer("OK")
    with qtbot.assertNotEmitted(page.verify_direct_email_requested):
        qtbot.mouseClick(page.direct_email_mark, Qt.MouseButton.LeftButton)
    assert dialogs.seen == [SAVE_FIRST]
    by_name(page, QLineEdit, "Direct Email").clear()  # nothing to verify: no mark
    assert not page.direct_email_mark.isVisibleTo(page)
    assert not page.direct_email_ok.isVisibleTo(page)


def test_a_new_user_has_no_verified_mark(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    page = UserPage(_context(database, company, clock))
    qtbot.addWidget(page)
    page.load(Subject(None, {}))
    by_name(page, QLineEdit, "Direct Email").setText(DIRECT)
    assert page.direct_email_mark.isVisibleTo(page)
    assert not page.direct_email_ok.isVisibleTo(page)


def test_the_dialog_says_when_the_code_could_not_be_sent(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim_direct: int
) -> None:
    dialog = _open_dialog(
        qtbot, database, company, clock, record(database, company, clock, kim_direct)
    )
    qtbot.mouseClick(
        by_name(dialog, QPushButton, "Send Activation Code"), Qt.MouseButton.LeftButton
    )
    status = dialog.findChild(QLabel, "status")
    assert status is not None
    assert status.text().endswith("no mail server is set up in Company Settings")
    dialog.ok_button.click()  # nothing typed
    assert dialog.errors.message("activation_code") == NOT_A_CODE
    assert dialog.isVisible()
    assert_every_line_shows(dialog)


def test_the_window_opens_the_dialog_from_the_mark(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim_direct: int
) -> None:
    from tests.test_window import _window_for

    window = _window_for(database, company, clock)
    try:
        assert window.select_user(kim_direct)
        mark = window.page("user").direct_email_mark  # type: ignore[attr-defined]
        answers, titles = DialogAnswers(), []

        def look_and_close(dialog: Any) -> None:
            titles.append(dialog.windowTitle())
            dialog.reject()

        answers.do(look_and_close)
        qtbot.mouseClick(mark, Qt.MouseButton.LeftButton)
        answers.finish()
        assert titles == [f"{TITLE} - Fox, Kimberly (kimberly)"]
    finally:
        window.close()
