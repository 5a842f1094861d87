"""The window's start: the sign-in dialog on screen before the database is open, a Sign In
pressed meanwhile kept, and what was opened behind it handed over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from app.access import Actor
from app.clock import utc_now
from app.db.database import Database, make_engine, upgrade
from app.errors import DatabaseUnavailableError
from app.practice.company import CompanyInfo
from app.practice.demo import create_demo_practice
from app.signin.flow import SignInFlow
from tests.conftest import FixedClock
from tests.helpers.qt import by_name
from tests.helpers.records import add_user
from tests.helpers.roles import SetupRole
from ui.main import Practice
from ui.operations import InlineRunner
from ui.signin.sign_in_dialog import OPENING, SignInDialog
from ui.start import Opening

PASSWORD = "quiet harbor lights"


def test_sign_in_pressed_before_the_database_is_open_goes_on_once_it_is(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    add_user(database, company, clock, "kimberly", password=PASSWORD, role=SetupRole.ADMINISTRATOR)
    dialog = SignInDialog(None, None, "")  # as the start shows it: nothing open yet
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.waiting
    assert not dialog.forgot_button.isEnabled()  # it needs the database
    by_name(dialog, QLineEdit, "User ID").setText("kimberly")
    by_name(dialog, QLineEdit, "Password").setText(PASSWORD)
    qtbot.keyClick(by_name(dialog, QLineEdit, "Password"), Qt.Key.Key_Return)
    assert dialog.findChild(QLabel, "refusal").text() == OPENING
    assert dialog.operator is None and dialog.isVisible()

    with qtbot.waitSignal(dialog.accepted):
        dialog.attach(InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2"), company.code)
    assert by_name(dialog, QLineEdit, "Company").text() == company.code  # the only one
    assert dialog.operator is not None and dialog.operator.user_id == "kimberly"


def test_what_was_typed_in_company_is_kept_when_the_database_names_one(
    qtbot: Any, database: Database, clock: FixedClock
) -> None:
    dialog = SignInDialog(None, None, "")
    qtbot.addWidget(dialog)
    by_name(dialog, QLineEdit, "Company").setText("hill")
    dialog.attach(InlineRunner(), SignInFlow(database, clock, "FRONTDESK-2"), "valley")
    assert by_name(dialog, QLineEdit, "Company").text() == "hill"
    assert not dialog.waiting and dialog.forgot_button.isEnabled()


def test_the_database_is_opened_behind_the_dialog_and_handed_to_the_windows_thread(
    qtbot: Any, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'practice.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Database.for_engine(engine, "practice").transaction() as session:
        demo = create_demo_practice(session, Actor.database_administrator("setup"), utc_now, 5)
    engine.dispose()
    opening = Opening(url, None, None)
    with qtbot.waitSignal(opening.opened, timeout=30_000) as got:
        opening.start()
    practice = got.args[0]
    assert isinstance(practice, Practice)
    assert practice.company_code == demo.company.code  # the only company, offered
    assert [c.code for c in practice.companies or ()] == [demo.company.code]


def test_a_database_that_cannot_be_opened_is_said_on_the_windows_thread(
    qtbot: Any, tmp_path: Path
) -> None:
    (tmp_path / "not a database.sqlite3").write_text("these are not SQLite pages", "utf-8")
    opening = Opening(f"sqlite:///{tmp_path / 'not a database.sqlite3'}", None, None)
    with qtbot.waitSignal(opening.failed, timeout=30_000) as got:
        opening.start()
    assert isinstance(got.args[0], DatabaseUnavailableError)


def test_a_window_larger_than_the_screen_opens_maximized_and_a_smaller_one_as_it_is(qtbot):
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    from ui.main import show_fitting

    screen = QGuiApplication.primaryScreen()
    assert screen is not None
    room = screen.availableGeometry()
    large, small = QWidget(), QWidget()
    for widget in (large, small):
        qtbot.addWidget(widget)
    large.resize(room.width() + 100, room.height())
    small.resize(room.width() // 2, room.height() // 2)
    show_fitting(large)
    show_fitting(small)
    assert large.isMaximized() and not small.isMaximized()
