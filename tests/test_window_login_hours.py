"""The signed-in operator's own login hours: a warning five minutes before they end, then the
window locks with unsaved edits kept, and opens again with the password once the hours allow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import QDateEdit, QLabel, QLineEdit, QRadioButton

from app.db.database import Database
from app.errors import DatabaseUnavailableError
from app.login_times.hours import NOT_PERMITTED, DayHours, LoginTimes, weekdays_filled
from app.login_times.service import LoginTimesService
from app.practice.company import CompanyInfo
from app.signin.check import ACCOUNT_EXPIRED
from app.users.records import UserFields
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.clocks import fake_server_clock
from tests.helpers.qt import by_name
from tests.helpers.records import add_user, stored_user, version_of
from tests.helpers.roles import SetupRole, set_setup_role
from tests.helpers.window import close_window
from tests.helpers.window import open_window as shown_window
from ui.operations import InlineRunner
from ui.window.operator_guard import ACCESS_CHANGED, EXPIRED_OVER, HOURS_OVER
from ui.window.window import UserSetupWindow

PASSWORD = "quiet harbor lights"
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK).astimezone(UTC)


@pytest.fixture(autouse=True)
def us_english() -> object:
    """The warning says the time as the system's locale writes it; here, 6:00 PM."""
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield None
    QLocale.setDefault(QLocale.c())


def operator(database: Database, company: CompanyInfo, clock: FixedClock, times: LoginTimes) -> int:
    with database.transaction() as session:
        users = UserService(session, company, dba("setup"), clock)
        pk = users.create(
            UserFields(
                user_id="mreyes",
                first_name="Maria",
                last_name="Reyes",
                new_password=PASSWORD,
                retype_password=PASSWORD,
                must_change_password=False,
            )
        ).pk
        set_setup_role(users, pk, SetupRole.ADMINISTRATOR)
        if times.expires_on is not None:  # the last Administrator's account is given no end
            backup = users.create(
                UserFields(user_id="backup", first_name="Bea", last_name="Backup",
                           new_password=PASSWORD, retype_password=PASSWORD,
                           must_change_password=False)
            ).pk  # fmt: skip
            set_setup_role(users, backup, SetupRole.ADMINISTRATOR)
        service = LoginTimesService(session, company, dba("setup"), clock)
        service.save(pk, times, users.get(pk).version)
        return pk


def open_window(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int
) -> UserSetupWindow:
    return shown_window(
        database, company, clock, name="mreyes (Reyes, Maria)", user_pk=pk,
        operator_user_id="mreyes",
    )  # fmt: skip


def test_the_operator_is_warned_then_locked_and_their_edits_wait(qtbot, database, company, clock):
    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    clock.now = at("2026-11-23T17:50")  # Monday
    window = open_window(database, company, clock, pk)
    try:
        window.select_user(pk)
        title = by_name(window.page("user"), QLineEdit, "Title")
        title.setText("Typed at ten to six")
        warning = window.findChild(QLabel, "hours_warning")
        assert not warning.isVisible()
        assert (
            window.guard.hours_timer.isActive()
            and window.guard.hours_timer.interval() == 5 * 60_000
        )

        clock.now = at("2026-11-23T17:55")
        window.guard.hours_timer.timeout.emit()
        assert warning.isVisible()
        assert warning.text().startswith("Your login hours end at 6:00\u202fPM: save your changes.")
        assert window.guard.hours_timer.interval() == 5 * 60_000
        assert window.centralWidget().isVisible()

        clock.now = at("2026-11-23T18:00")
        window.guard.hours_timer.timeout.emit()
        lock = window.lock_dialog
        assert lock is not None and lock.isVisible()
        assert not window.centralWidget().isVisible() and not warning.isVisible()
        assert HOURS_OVER in " ".join(label.text() for label in lock.findChildren(QLabel))

        password = by_name(lock, QLineEdit, "Password")
        password.setText(PASSWORD)
        qtbot.keyClick(password, Qt.Key.Key_Return)
        assert lock.findChild(QLabel, "refusal").text() == NOT_PERMITTED
        assert window.lock_dialog is lock

        clock.now = at("2026-11-24T09:00")  # Tuesday morning: the hours allow it again
        password.setText(PASSWORD)
        qtbot.keyClick(password, Qt.Key.Key_Return)
        assert window.lock_dialog is None and window.centralWidget().isVisible()
        assert title.text() == "Typed at ten to six"
        assert window.guard.hours_timer.interval() == 15 * 60_000  # re-read at least that often
    finally:
        if window.subject is not None:
            window.page("user").load(window.subject)
        window.close()


def test_an_operator_without_limited_hours_is_never_warned(qtbot, database, company, clock):
    pk = operator(database, company, clock, LoginTimes())
    window = open_window(database, company, clock, pk)
    try:
        window.guard.hours_timer.timeout.emit()
        assert window.lock_dialog is None
        assert not window.findChild(QLabel, "hours_warning").isVisible()
        assert window.guard.hours_end is None
    finally:
        window.close()


def test_the_accounts_expiry_counts_as_the_end_of_the_hours(qtbot, database, company, clock):
    times = LoginTimes(False, (DayHours(),) * 7, date(2026, 11, 22))  # NOW is that day, 9:30 am
    pk = operator(database, company, clock, times)
    clock.now = at("2026-11-22T23:56")
    window = open_window(database, company, clock, pk)
    try:
        assert window.guard.hours_end is not None and window.guard.hours_end.at == at(
            "2026-11-23T00:00"
        )
        warning = window.findChild(QLabel, "hours_warning")
        assert warning.isVisible() and warning.text().startswith("Your account expires at 12:00")

        clock.now = at("2026-11-23T00:00")
        window.guard.hours_timer.timeout.emit()
        lock = window.lock_dialog
        assert lock is not None
        assert EXPIRED_OVER in " ".join(label.text() for label in lock.findChildren(QLabel))
        password = by_name(lock, QLineEdit, "Password")
        password.setText(PASSWORD)
        qtbot.keyClick(password, Qt.Key.Key_Return)
        assert lock.findChild(QLabel, "refusal").text() == ACCOUNT_EXPIRED
        window.close()
        assert not lock.isVisible()  # the lock goes with the window
    finally:
        window.close()


def test_the_window_locks_at_the_end_even_when_the_database_is_away(
    qtbot, database, company, clock, monkeypatch
):
    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    clock.now = at("2026-11-23T17:56")
    window = open_window(database, company, clock, pk)
    try:

        def away() -> None:
            raise DatabaseUnavailableError("The database cannot be reached.")

        monkeypatch.setattr(database, "transaction", away)
        clock.now = at("2026-11-23T18:00")
        window.guard.hours_timer.timeout.emit()

        assert window.lock_dialog is not None  # kept to the end it read last
    finally:
        monkeypatch.undo()
        window.close()


def test_a_renamed_operator_is_still_held_to_their_hours(qtbot, database, company, clock):
    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    clock.now = at("2026-11-23T11:50")
    window = open_window(database, company, clock, pk)
    try:
        with database.transaction() as session:
            users = UserService(session, company, dba("setup"), clock)
            form = users.get(pk).fields
            form.user_id = "maria.reyes"
            users.update(pk, form, users.get(pk).version)

        clock.now = at("2026-11-23T12:00")
        window.guard.hours_timer.timeout.emit()  # read again: by row id, so found
        # Found by the old User ID it would be gone, and a gone operator is locked out.
        assert window.lock_dialog is None
        assert window.guard.hours_end is not None
        assert window.guard.hours_end.at == at("2026-11-23T18:00")

        clock.now = at("2026-11-23T18:00")
        window.guard.hours_timer.timeout.emit()
        assert window.lock_dialog is not None
    finally:
        window.close()


def test_hours_changed_by_an_administrator_meanwhile_are_read_again(
    qtbot, database, company, clock
):
    pk = operator(database, company, clock, LoginTimes())
    clock.now = at("2026-11-23T17:57")
    window = open_window(database, company, clock, pk)
    try:
        assert window.guard.hours_timer.interval() == 15 * 60_000
        with database.transaction() as session:
            service = LoginTimesService(session, company, dba("setup"), clock)
            times = weekdays_filled(LoginTimes(), 9 * 60, 18 * 60)
            service.save(pk, times, version_of(session, pk))

        window.guard.hours_timer.timeout.emit()  # the quarter-hourly re-read

        assert window.findChild(QLabel, "hours_warning").isVisible()
        assert window.guard.hours_timer.interval() == 3 * 60_000
    finally:
        window.close()


def test_the_sign_in_dialog_says_login_is_not_permitted_now(qtbot, database, company, clock):
    from app.signin.flow import SignInFlow
    from ui.signin.sign_in_dialog import SignInDialog

    operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    dialog = SignInDialog(
        InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2", ip="10.0.0.7"), "valley"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    by_name(dialog, QLineEdit, "User ID").setText("mreyes")
    by_name(dialog, QLineEdit, "Password").setText(PASSWORD)
    qtbot.keyClick(by_name(dialog, QLineEdit, "Password"), Qt.Key.Key_Return)  # on a Sunday

    assert dialog.findChild(QLabel, "refusal").text() == NOT_PERMITTED
    assert dialog.isVisible() and dialog.operator is None


def test_the_sign_in_dialog_says_the_time_cannot_be_checked_on_a_fallback_clock(
    qtbot, database, company, clock
):
    from app.signin.flow import SignInFlow
    from ui.signin.sign_in_dialog import SignInDialog

    operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    clock.now = at("2026-11-23T10:00")  # Monday, inside the hours by this computer's clock
    fallback, _ = fake_server_clock(database, clock, measured=False)
    flow = SignInFlow(database, fallback, "FRONTDESK-2", ip="10.0.0.7")
    dialog = SignInDialog(InlineRunner(), flow, "valley")
    qtbot.addWidget(dialog)
    dialog.show()
    by_name(dialog, QLineEdit, "User ID").setText("mreyes")
    by_name(dialog, QLineEdit, "Password").setText(PASSWORD)
    qtbot.keyClick(by_name(dialog, QLineEdit, "Password"), Qt.Key.Key_Return)

    assert dialog.findChild(QLabel, "refusal").text() == (
        "The time cannot be checked against the database server now: try again in a moment."
    )
    assert dialog.isVisible() and dialog.operator is None


class TickingClock(FixedClock):
    """A clock that moves on a millisecond each time it is read, as a real one does."""

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def test_a_window_opened_after_the_hours_locks_with_a_clock_that_moves(
    qtbot, database, company, clock
):
    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    moving = TickingClock(at("2026-11-23T18:00"))
    window = open_window(database, company, moving, pk)
    try:
        assert window.lock_dialog is not None  # not a warning restarted every millisecond
        assert not window.guard.hours_timer.isActive()
    finally:
        window.close()


def test_closing_a_locked_window_drops_the_edits_without_asking(qtbot, database, company, clock):
    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    clock.now = at("2026-11-23T17:59")
    window = open_window(database, company, clock, pk)
    window.select_user(pk)
    by_name(window.page("user"), QLineEdit, "Title").setText("Typed after hours")
    clock.now = at("2026-11-23T18:00")
    window.guard.hours_timer.timeout.emit()
    assert window.lock_dialog is not None

    assert window.close()  # the system signing out: no question, and nothing saved

    with database.transaction() as session:
        assert UserService(session, company, dba("test"), clock).get(pk).fields.title == ""


def test_the_forced_change_after_the_hours_goes_back_to_the_password(
    qtbot, database, company, clock
):
    from app.signin.flow import SignInFlow
    from ui.signin.sign_in_dialog import SignInDialog

    pk = operator(database, company, clock, weekdays_filled(LoginTimes(), 9 * 60, 18 * 60))
    with database.transaction() as session:
        UserService(session, company, dba("setup"), clock).reset_password(
            pk, password="amber window pottery"
        )
    clock.now = at("2026-11-23T17:59")
    dialog = SignInDialog(
        InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2", ip="10.0.0.7"), "valley"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    by_name(dialog, QLineEdit, "User ID").setText("mreyes")
    by_name(dialog, QLineEdit, "Password").setText("amber window pottery")
    dialog.ok_button.click()
    new = "a lantern by the north gate"
    by_name(dialog, QLineEdit, "New Password").setText(new)
    by_name(dialog, QLineEdit, "Verify").setText(new)

    clock.now = at("2026-11-23T18:00")
    dialog.ok_button.click()

    assert dialog.findChild(QLabel, "refusal").text() == NOT_PERMITTED
    assert by_name(dialog, QLineEdit, "Password").isVisible()  # asked again, counted as nothing
    with database.transaction() as session:
        assert UserService(session, company, dba("test"), clock).get(pk).fields.must_change_password


def test_an_operator_who_ends_their_own_account_is_told_beside_the_date(
    qtbot, database, company, clock, dialogs
):
    pk = operator(database, company, clock, LoginTimes())
    window = open_window(database, company, clock, pk)
    try:
        window.select_user(pk)
        window.show_section("login_times")
        page = window.page("login_times")
        qtbot.mouseClick(by_name(page, QRadioButton, "End of"), Qt.MouseButton.LeftButton)
        by_name(page, QDateEdit, "Account expires on").setDate(QDate(2026, 11, 21))  # yesterday
        window.save_action.trigger()
        error = page.findChild(QLabel, "expires_on_error")
        assert error.isVisible() and "your own account" in error.text()
        assert stored_user(database, pk).account_expires_on is None
    finally:
        close_window(window, dialogs)


def test_an_operator_removed_elsewhere_finds_the_window_locked_at_its_next_check(
    qtbot, database, company, clock, dialogs
):
    pk = operator(database, company, clock, LoginTimes())
    add_user(database, company, clock, "wcassady", role=SetupRole.ADMINISTRATOR)
    window = open_window(database, company, clock, pk)
    try:
        assert window.lock_dialog is None
        with database.transaction() as session:  # another Administrator deactivates her
            UserService(session, company, dba("wcassady"), clock).set_active(pk, False)
        window.guard.hours_timer.timeout.emit()  # the guard's next look at her account
        lock = window.lock_dialog
        assert lock is not None and not window.centralWidget().isVisible()
        assert ACCESS_CHANGED in " ".join(label.text() for label in lock.findChildren(QLabel))
        password = by_name(lock, QLineEdit, "Password")
        password.setText(PASSWORD)
        qtbot.keyClick(password, Qt.Key.Key_Return)
        assert window.lock_dialog is lock  # her password no longer opens it
    finally:
        close_window(window, dialogs)
