"""The operations runner: jobs run off the window's thread, their outcome comes back on it."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from app.errors import NotFoundError, UserSetupError
from ui.operations import BUG, Bug, InlineRunner, OperationRunner


@pytest.fixture
def runner(qtbot: Any) -> Any:
    runner = OperationRunner()
    yield runner
    runner.shut_down()


def test_a_job_runs_off_the_windows_thread_and_its_result_comes_back_on_it(qtbot, runner):
    window_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def job() -> str:
        seen["job"] = threading.get_ident()
        return "read"

    results: list[str] = []

    def done(result: str) -> None:
        seen["done"] = threading.get_ident()
        results.append(result)

    runner.call(job, done)
    qtbot.waitUntil(lambda: results == ["read"])
    assert seen["job"] != window_thread
    assert seen["done"] == window_thread


def test_a_typed_error_comes_back_to_its_callback_on_the_windows_thread(qtbot, runner):
    window_thread = threading.get_ident()
    errors: list[tuple[UserSetupError, int]] = []

    def job() -> None:
        raise NotFoundError("There is no user 'nobody' in valley.")

    runner.call(job, lambda _: None, failed=lambda e: errors.append((e, threading.get_ident())))
    qtbot.waitUntil(lambda: len(errors) == 1)
    error, thread = errors[0]
    assert isinstance(error, NotFoundError) and thread == window_thread


def test_a_bug_is_logged_with_its_traceback_and_reported_without_it(qtbot, runner, caplog):
    errors: list[UserSetupError] = []

    def job() -> None:
        raise KeyError("a bug")

    runner.call(job, lambda _: None, failed=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert isinstance(errors[0], Bug) and str(errors[0]) == BUG and "KeyError" not in BUG
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None and "a bug" in str(record.exc_info[1])
    caplog.clear()  # expected: the test fails on any other logged error


def test_jobs_run_one_after_another_in_the_order_given(qtbot, runner):
    order: list[int] = []
    gate = threading.Event()

    def first() -> int:
        gate.wait(5)
        return 1

    runner.call(first, order.append)
    runner.call(lambda: 2, order.append)
    gate.set()
    qtbot.waitUntil(lambda: order == [1, 2])


def test_the_widgets_a_job_names_are_off_while_it_runs(qtbot, runner):
    button, action = QPushButton("Save"), QAction("Save")
    qtbot.addWidget(button)
    gate = threading.Event()
    finished: list[bool] = []
    runner.call(lambda: gate.wait(5), finished.append, busy=(button, action))
    runner.call(lambda: True, finished.append, busy=(button,))
    assert not button.isEnabled() and not action.isEnabled()
    gate.set()
    qtbot.waitUntil(lambda: len(finished) == 2)
    assert button.isEnabled() and action.isEnabled()
    assert not runner.is_busy


def test_the_busy_sign_shows_only_for_a_job_that_takes_a_while(qtbot, runner):
    signs: list[bool] = []
    runner.busy_changed.connect(signs.append)
    gate = threading.Event()
    done: list[object] = []
    runner.call(lambda: gate.wait(5), done.append)
    with qtbot.waitSignal(runner.busy_changed, check_params_cb=lambda busy: busy):
        pass
    gate.set()
    qtbot.waitUntil(lambda: bool(done))
    assert signs == [True, False]


def test_the_inline_runner_runs_at_once_for_tests():
    runner = InlineRunner()
    results: list[int] = []
    runner.call(lambda: 7, results.append)
    assert results == [7]


def test_the_window_with_the_threaded_runner_opens_and_saves_a_user(qtbot, tmp_path):
    """The window as the program runs it: every read and the save off the window's thread."""
    from dataclasses import replace

    from PySide6.QtWidgets import QLineEdit

    from app.access import Actor
    from app.db.database import Database, DatabaseLocation, open_database
    from app.practice.demo import create_demo_practice
    from tests.conftest import FixedClock
    from tests.helpers.qt import by_name
    from tests.helpers.records import read_user
    from ui.main import build_window

    location = DatabaseLocation(f"sqlite:///{tmp_path / 'practice.sqlite3'}", "test")
    engine = open_database(location, create=True)
    database = Database.for_engine(engine, location.describe())
    clock = FixedClock()
    actor = Actor.database_administrator("test")
    with database.transaction() as session:
        demo = create_demo_practice(session, actor, clock, users=5)
    runner = OperationRunner()
    window = build_window(database, demo.company.code, actor, runner=runner)
    window.context = replace(window.context, clock=clock)
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.subject is not None and window.subject.record is not None)
        assert window.subject is not None and window.subject.record is not None
        pk = window.subject.record.pk
        by_name(window.page("user"), QLineEdit, "Title").setText("Opened off the thread")
        with qtbot.waitSignal(window.saved, timeout=10_000):
            window.save_action.trigger()
        stored = read_user(database, demo.company, clock, pk)
        assert stored.fields.title == "Opened off the thread"
        assert not window.is_dirty()
    finally:
        window.close()
        runner.shut_down()
        engine.dispose()


def test_a_detached_job_holds_up_no_later_job_and_shows_no_busy_sign(qtbot, runner, caplog):
    released = threading.Event()
    button = QPushButton()
    busy: list[bool] = []
    runner.busy_changed.connect(busy.append)
    sending = runner.detach(lambda: released.wait(10))
    results: list[str] = []
    runner.call(lambda: "answered", results.append, busy=(button,))
    qtbot.waitUntil(lambda: results == ["answered"])
    assert not sending.done() and not runner.is_busy and button.isEnabled()
    released.set()
    qtbot.waitUntil(sending.done)
    assert sending.result() is True and True not in busy

    def fails() -> None:
        raise NotFoundError("There is no user 'nobody' in valley.")

    failing = runner.detach(fails)
    qtbot.waitUntil(failing.done)
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # logged, never shown
    caplog.clear()
