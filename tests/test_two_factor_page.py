"""The 2FA section of the User Setup window, driven through its real widgets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.database import Database
from app.db.models import AuditEvent, TwoFactorMethod, TwoFactorSetup
from app.errors import ConflictError
from app.practice.company import CompanyInfo
from app.two_factor.authenticator import grouped_key, time_step, use_recovery_code
from app.two_factor.service import SETUP_LABELS, Enrolment, TwoFactorForm, TwoFactorService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import Stored, read_user, version_of
from tests.helpers.roles import SetupRole
from tests.helpers.window import close_window, opens, saves
from tests.helpers.window import open_window as shown_window
from ui.pages.two_factor_page import DESTINATION, METHOD, TwoFactorPage
from ui.widgets.two_factor_widgets import RecoveryCodesDialog
from ui.window.window import UserSetupWindow

PASSWORD = "bright meadow lantern"
NOW_LABEL = SETUP_LABELS[TwoFactorSetup.NOW]
PROMPT_LABEL = SETUP_LABELS[TwoFactorSetup.PROMPT]
REQUIRE_LABEL = SETUP_LABELS[TwoFactorSetup.REQUIRE]
CODE = re.compile(r"[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}")
TOKEN = "Two Factor Application Token"


# Building the window


def open_window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    role: str = SetupRole.ADMINISTRATOR.value,
) -> UserSetupWindow:
    return shown_window(database, company, clock, qtbot, name="mreyes (Reyes, Maria)", role=role)


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    window = open_window(qtbot, database, company, clock)
    yield window
    close_window(window, dialogs)


def pick(qtbot: Any, window: UserSetupWindow, pk: int) -> None:
    if window.subject and window.subject.record and window.subject.record.pk == pk:
        return
    with qtbot.waitSignal(window.subject_loaded):
        assert window.select_user(pk)


def two_factor_page(window: UserSetupWindow) -> TwoFactorPage:
    """Show the 2FA section as the toolbar button does."""
    window.section_actions["two_factor"].trigger()
    page = window.page("two_factor")
    assert isinstance(page, TwoFactorPage)
    assert window.stack.currentWidget() is page
    return page


def choose_method(page: TwoFactorPage, label: str) -> None:
    box = by_name(page, QComboBox, METHOD)
    box.setCurrentIndex(box.findText(label))


def click(qtbot: Any, page: QWidget, kind: type[QAbstractButton], name: str) -> None:
    button = by_name(page, kind, name)
    assert button.isVisible() and button.isEnabled(), name
    qtbot.waitUntil(lambda: not button.visibleRegion().isEmpty())  # laid out where it shows
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def stored(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Stored:
    return read_user(database, company, clock, pk)


def events(database: Database, pk: int, prefix: str = "2fa.") -> list[AuditEvent]:
    with database.transaction() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.user_pk == pk, AuditEvent.action.startswith(prefix))
                .order_by(AuditEvent.id)
            )
        )


def give_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int
) -> list[str]:
    """Set up an authenticator as the desk setup would; its recovery codes."""
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("setup"), clock)
        enrolment = service.enrolment(pk)
        verified = service.verify_new_key(enrolment, pyotp.TOTP(enrolment.secret).at(clock.now))
        version = version_of(session, pk)
        form = TwoFactorForm(TwoFactorMethod.APP.value, setup=TwoFactorSetup.NOW.value)
        _, codes = service.save(pk, form, version, verified)
    return codes


def key_shown(page: TwoFactorPage) -> Enrolment | None:
    """The new key the page shows now, if any."""
    return page.setup_panel.enrolment


def wrong_token(secret: str, clock: FixedClock) -> str:
    """Six digits that are no token of this key anywhere near now."""
    totp = pyotp.TOTP(secret)
    near = {totp.generate_otp(time_step(clock.now) + o) for o in range(-12, 13)}
    return next(t for t in (f"{n:06d}" for n in range(123456, 999999, 7919)) if t not in near)


class CountedTransactions:
    """How many transactions the window opens."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.count = 0
        self.original = database.transaction

    def __call__(self) -> AbstractContextManager[Session]:
        self.count += 1
        return self.original()


# Email and Text


def test_email_with_a_bad_address_is_refused_beside_the_field_and_nothing_is_written(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    assert window.heading.text() == "2FA - Fox, Kimberly (kimberly)"
    choose_method(page, "Email")
    destination = by_name(page, QLineEdit, DESTINATION)
    assert destination.isVisible()
    qtbot.keyClicks(destination, "kim.fox@")
    window.show_section("user")
    assert window.is_dirty() and window.save_action.isEnabled()

    window.save_action.trigger()

    assert window.current_section() == "two_factor"
    assert page.errors.message("destination")
    assert destination.accessibleDescription() == page.errors.message("destination")
    assert "Nothing was saved" in window.statusBar().currentMessage()
    assert stored(database, company, clock, kim).two_factor.method == TwoFactorMethod.NONE
    assert events(database, kim) == []


def test_text_with_a_valid_mobile_number_is_saved_and_audited(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Text")
    qtbot.keyClicks(by_name(page, QLineEdit, DESTINATION), "614-555-0123")
    assert not by_name(page, QRadioButton, NOW_LABEL).isVisible()  # no setup for sent tokens

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    summary = stored(database, company, clock, kim).two_factor
    assert (summary.method, summary.destination) == ("text", "+16145550123")
    [event] = events(database, kim)
    assert event.action == "2fa.method_changed"
    assert event.operator.startswith("mreyes (Reyes, Maria)")
    assert {c["field"]: c["after"] for c in event.changes} == {
        "two_factor_method": "text",
        "two_factor_destination": "+16145550123",
    }
    assert by_name(page, QLineEdit, DESTINATION).text() == "(614) 555-0123"
    assert not window.is_dirty()
    assert page.codes_left.isVisible() and page.codes_left.text() == "Recovery codes left: 0"


def test_switching_between_email_and_text_keeps_what_was_typed_for_each(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    destination = by_name(page, QLineEdit, DESTINATION)
    choose_method(page, "Email")
    destination.setText("kim@valley.example")
    choose_method(page, "Text")
    assert destination.text() == ""
    destination.setText("614-555-0123")
    choose_method(page, "Email")
    assert destination.text() == "kim@valley.example"


# The authenticator, set up at the desk


def test_set_up_now_verifies_a_token_then_saves_with_the_user_section_in_one_transaction(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pick(qtbot, window, kim)
    by_name(window.page("user"), QLineEdit, "Title").setText("Billing Lead")
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    assert by_name(page, QRadioButton, NOW_LABEL).isChecked()  # at the desk, by default
    enrolment = page.setup_panel.enrolment
    assert enrolment is not None
    assert not page.setup_panel.qr.pixmap().isNull()
    key = by_name(page, QLabel, "Manual Entry Key").text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})*", key)
    assert key == grouped_key(enrolment.secret)
    assert by_name(page, QLineEdit, "Title for Authenticator").text() == company.name
    token = by_name(page, QLineEdit, TOKEN)

    qtbot.keyClicks(token, wrong_token(enrolment.secret, clock))
    click(qtbot, page, QPushButton, "Verify")
    assert page.setup_panel.errors.message("token") == (
        "That token is not right. Enter the 6 digits the app shows now."
    )
    assert not page.verified_label.isVisible() and page.setup_panel.isVisible()

    token.setText(pyotp.TOTP(enrolment.secret).at(clock.now))
    with qtbot.waitSignal(page.edited):
        qtbot.keyClick(token, Qt.Key.Key_Return)
    assert page.verified is not None
    assert page.verified_label.isVisible() and "Verified" in page.verified_label.text()
    assert not page.setup_panel.isVisible() and not page.setup_panel.key.text()  # off screen
    assert window.is_dirty() and window.save_action.isEnabled()
    assert not stored(database, company, clock, kim).two_factor.has_authenticator

    counted = CountedTransactions(database)
    monkeypatch.setattr(database, "transaction", counted)
    shown: dict[str, Any] = {}

    def read_codes(dialog: QWidget) -> None:
        assert isinstance(dialog, RecoveryCodesDialog)
        shown["codes"], shown["transactions"] = list(dialog.codes), counted.count
        shown["in_database"] = stored(database, company, clock, kim)  # committed already
        shown["count on page"] = page.codes_left.text()
        dialog.close_button.click()

    dialogs.do(read_codes)
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    assert len(shown["codes"]) == 10 and all(CODE.fullmatch(c) for c in shown["codes"])
    assert shown["transactions"] == 1  # both sections saved in one, then the codes shown
    record = shown["in_database"]
    assert record.fields.title == "Billing Lead"
    assert record.two_factor.has_authenticator
    assert (record.two_factor.method, record.two_factor.setup) == ("app", "now")
    assert record.two_factor.title == company.name
    assert record.two_factor.recovery_codes_left == 10
    assert shown["count on page"] == "Recovery codes left: 10"
    assert [e.action for e in events(database, kim)] == ["2fa.method_changed", "2fa.confirmed"]
    assert [e.action for e in events(database, kim, "user.updated")] == ["user.updated"]
    assert page.setup_panel.enrolment is None and not page.setup_panel.key.text()
    assert not page.verified_label.isVisible()
    assert "has an authenticator" in page.status.text()
    assert page.reset_button.isVisible()
    assert not window.is_dirty()


def test_saving_set_up_now_without_a_verified_token_is_refused(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    window.show_section("user")

    assert not saves(window)

    assert window.current_section() == "two_factor"
    assert "verify a token" in page.setup_panel.errors.message("token")
    assert by_name(page, QLineEdit, TOKEN).hasFocus()
    assert stored(database, company, clock, kim).two_factor.method == TwoFactorMethod.NONE
    assert events(database, kim) == []


@pytest.mark.parametrize(
    ("label", "setup"),
    [(PROMPT_LABEL, TwoFactorSetup.PROMPT), (REQUIRE_LABEL, TwoFactorSetup.REQUIRE)],
)
def test_prompt_or_require_at_next_login_is_saved_without_a_key(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    label: str,
    setup: TwoFactorSetup,
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    assert page.setup_panel.enrolment is not None
    click(qtbot, page, QRadioButton, label)
    assert key_shown(page) is None and not page.setup_panel.isVisible()

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()  # no codes: nothing is set up yet, so no dialog

    summary = stored(database, company, clock, kim).two_factor
    assert (summary.method, summary.setup, summary.has_authenticator) == ("app", setup, False)
    [event] = events(database, kim)
    assert {"field": "two_factor_setup", "before": "", "after": setup.value} in event.changes
    assert "at next login" in page.status.text()
    assert by_name(page, QRadioButton, label).isChecked()


def test_leaving_the_app_method_takes_the_key_off_the_screen(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    first = page.setup_panel.enrolment
    assert first is not None and page.setup_panel.key.text()
    choose_method(page, "Email")
    assert key_shown(page) is None
    assert not page.setup_panel.key.text() and page.setup_panel.qr.pixmap().isNull()
    choose_method(page, "Two Factor Application")
    again = key_shown(page)
    assert again is not None and again.secret != first.secret


def test_the_setup_sheet_prints_the_key_for_the_user(
    qtbot: Any, window: UserSetupWindow, kim: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[tuple[str, str]] = []

    def print_html(parent: QWidget, markup: str, title: str) -> bool:
        printed.append((markup, title))
        return True

    monkeypatch.setattr("ui.pages.two_factor_page.print_html", print_html)
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    enrolment = page.setup_panel.enrolment
    assert enrolment is not None

    click(qtbot, page, QPushButton, "Print Setup Sheet")

    [(markup, title)] = printed
    assert title == "Print the authenticator setup sheet"
    assert enrolment.key in markup and "Kimberly Fox (kimberly)" in markup


def test_codes_of_a_save_that_rolled_back_are_never_shown(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    choose_method(page, "Two Factor Application")
    enrolment = page.setup_panel.enrolment
    assert enrolment is not None
    page.verify(pyotp.TOTP(enrolment.secret).at(clock.now))
    shown: list[list[str]] = []
    monkeypatch.setattr(page, "show_codes", lambda codes, person: shown.append(codes))
    original = TwoFactorService.save

    def then_conflict(self: TwoFactorService, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)  # the codes are made, then the transaction fails
        raise ConflictError("lblake", None)

    monkeypatch.setattr(TwoFactorService, "save", then_conflict)
    dialogs.answer("Keep My Edits")

    assert not saves(window)

    assert shown == []
    assert not stored(database, company, clock, kim).two_factor.has_authenticator
    assert page.verified is not None and window.is_dirty()  # the edits stay to save again


# Immediate actions


def test_reset_authenticator_asks_then_requires_a_new_one_at_next_login(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    old_codes = give_authenticator(database, company, clock, kim)
    window = open_window(qtbot, database, company, clock)
    try:
        pick(qtbot, window, kim)
        page = two_factor_page(window)
        assert "has an authenticator (Valley Family Medicine), set up on Nov 22, 2026" in (
            page.status.text()
        )
        assert page.codes_left.text() == "Recovery codes left: 10"
        click(qtbot, page, QRadioButton, REQUIRE_LABEL)

        dialogs.answer("Cancel")
        click(qtbot, page, QPushButton, "Reset Authenticator")
        assert stored(database, company, clock, kim).two_factor.has_authenticator

        dialogs.answer("Reset Authenticator")
        with qtbot.waitSignal(window.subject_loaded):
            click(qtbot, page, QPushButton, "Reset Authenticator")

        assert dialogs.seen == ["Reset the authenticator of Fox, Kimberly (kimberly)?"] * 2
        summary = stored(database, company, clock, kim).two_factor
        assert (summary.has_authenticator, summary.setup) == (False, "require")
        assert summary.recovery_codes_left == 0
        with database.transaction() as session:
            assert not use_recovery_code(session, kim, old_codes[0], clock.now)
        assert [e.action for e in events(database, kim)][-1] == "2fa.reset"
        assert page.status.text() == (
            "No authenticator yet: the user must set one up at next login."
        )
        assert not page.reset_button.isVisible() and not window.is_dirty()
        assert "was reset" in window.statusBar().currentMessage()
    finally:
        window.close()


def test_reset_authenticator_with_set_up_now_shows_a_new_key_to_verify_at_once(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    give_authenticator(database, company, clock, kim)
    window = open_window(qtbot, database, company, clock)
    try:
        pick(qtbot, window, kim)
        page = two_factor_page(window)
        assert by_name(page, QRadioButton, NOW_LABEL).isChecked()
        dialogs.answer("Reset Authenticator")
        click(qtbot, page, QPushButton, "Reset Authenticator")

        assert stored(database, company, clock, kim).two_factor.setup == "require"
        enrolment = page.setup_panel.enrolment
        assert enrolment is not None and not page.setup_panel.qr.pixmap().isNull()
        assert window.is_dirty()
        page.verify(pyotp.TOTP(enrolment.secret).at(clock.now))
        codes: list[list[str]] = []

        def keep(dialog: QWidget) -> None:
            assert isinstance(dialog, RecoveryCodesDialog)
            codes.append(list(dialog.codes))
            dialog.close_button.click()

        dialogs.do(keep)
        assert saves(window)
        summary = stored(database, company, clock, kim).two_factor
        assert (summary.has_authenticator, summary.setup) == (True, "now")
        assert len(codes[0]) == 10
    finally:
        window.close()


def test_new_recovery_codes_are_shown_once_and_the_old_ones_stop_working(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    dialogs: DialogAnswers,
) -> None:
    old_codes = give_authenticator(database, company, clock, kim)
    with database.transaction() as session:
        assert use_recovery_code(session, kim, old_codes[0], clock.now)
    window = open_window(qtbot, database, company, clock)
    try:
        pick(qtbot, window, kim)
        page = two_factor_page(window)
        assert page.codes_left.text() == "Recovery codes left: 9"
        new_codes: list[str] = []

        def keep(dialog: QWidget) -> None:
            assert isinstance(dialog, RecoveryCodesDialog)
            new_codes.extend(dialog.codes)
            dialog.close_button.click()

        dialogs.answer("Make New Codes")
        dialogs.do(keep)
        click(qtbot, page, QPushButton, "New Recovery Codes")

        assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
        assert page.codes_left.text() == "Recovery codes left: 10"
        with database.transaction() as session:
            assert not use_recovery_code(session, kim, old_codes[1], clock.now)
            assert use_recovery_code(session, kim, new_codes[0], clock.now)
        assert [e.action for e in events(database, kim)][-1] == "2fa.recovery_codes_issued"
    finally:
        window.close()


# Who sees what


def test_front_desk_sees_the_section_read_only(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    give_authenticator(database, company, clock, kim)
    window = open_window(qtbot, database, company, clock, role=SetupRole.FRONT_DESK.value)
    try:
        pick(qtbot, window, kim)
        page = two_factor_page(window)
        assert by_name(page, QComboBox, METHOD).currentText() == "Two Factor Application"
        assert not by_name(page, QComboBox, METHOD).isEnabled()
        for label in (NOW_LABEL, PROMPT_LABEL, REQUIRE_LABEL):
            assert not by_name(page, QRadioButton, label).isEnabled()
        assert page.reset_button.isVisible() and not page.reset_button.isEnabled()
        assert not page.new_codes_button.isEnabled()
        assert page.codes_left.text() == "Recovery codes left: 10"
        assert key_shown(page) is None and not page.setup_panel.isVisible()
        assert not window.save_action.isEnabled()
    finally:
        window.close()


def test_copy_user_carries_the_method_but_not_the_key_or_the_address(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    give_authenticator(database, company, clock, kim)
    assert opens(window, kim)  # as stored now
    window.copy_action.trigger()  # the 2FA section was never opened: the copy has it anyway
    page = window.page("two_factor")
    assert isinstance(page, TwoFactorPage)
    assert by_name(page, QComboBox, METHOD).currentText() == "Two Factor Application"
    assert by_name(page, QRadioButton, REQUIRE_LABEL).isChecked()  # "now" needs the person
    assert not by_name(page, QRadioButton, NOW_LABEL).isEnabled()
    assert page.setup_panel.enrolment is None and not page.reset_button.isVisible()
    assert not page.codes_left.isVisible()
    user_page = window.page("user")
    for label, value in (
        ("User ID", "mhall"),
        ("First Name", "Michael"),
        ("Last Name", "Hall"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        qtbot.keyClicks(by_name(user_page, QLineEdit, label), value)

    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()

    copy = read_user(database, company, clock, "mhall")
    assert (copy.two_factor.method, copy.two_factor.setup) == ("app", "require")
    assert not copy.two_factor.has_authenticator and copy.two_factor.recovery_codes_left == 0


def test_copy_user_of_an_email_user_asks_for_the_new_users_own_address(
    qtbot: Any,
    window: UserSetupWindow,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
) -> None:
    with database.transaction() as session:
        service = TwoFactorService(session, company, dba("setup"), clock)
        version = version_of(session, kim)
        service.save(kim, TwoFactorForm("email", "kim.fox@valley.example"), version)
    assert opens(window, kim)  # as stored now
    window.copy_action.trigger()
    page = window.page("two_factor")
    assert by_name(page, QComboBox, METHOD).currentText() == "Email"
    assert by_name(page, QLineEdit, DESTINATION).text() == ""
    user_page = window.page("user")
    for label, value in (
        ("User ID", "mhall"),
        ("First Name", "Michael"),
        ("Last Name", "Hall"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        by_name(user_page, QLineEdit, label).setText(value)

    assert not saves(window)

    assert window.current_section() == "two_factor"
    assert isinstance(page, TwoFactorPage)
    assert page.errors.message("destination") == "Enter the e-mail address the tokens go to."


def test_every_input_is_named_as_its_visible_label(
    qtbot: Any, window: UserSetupWindow, kim: int
) -> None:
    pick(qtbot, window, kim)
    page = two_factor_page(window)
    for method in ("Email", "Two Factor Application"):
        choose_method(page, method)
        labels = {
            label.buddy(): label.text().rstrip(":")
            for label in page.findChildren(QLabel)
            if label.buddy() and label.isVisible()
        }
        inputs = [
            w
            for w in page.findChildren(QWidget)
            if isinstance(w, (QLineEdit, QComboBox, QAbstractButton)) and w.isVisible()
        ]
        for widget in inputs:
            name = widget.accessibleName()
            assert name, f"{type(widget).__name__} {widget.objectName()!r} has no name"
            if isinstance(widget, QAbstractButton):
                assert widget.text().rstrip(".") == name
            else:
                assert labels[widget] == name
