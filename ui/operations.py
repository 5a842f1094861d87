"""The operations runner: the window's database work, off the window's thread.

A job is a Qt-free function of app/ (one that opens its own transactions, or one given a
Work in a transaction of its own by ``run``). It runs on one worker thread, one job after
another, so a save is always read back after it is made. Its result, or the typed error it
raised, comes back on the window's thread to the callbacks given with it. While it runs the
widgets it names are disabled, and after a short delay the runner says it is busy.

An error the operator can act on (app.errors.UserSetupError) goes to ``failed`` or, without
one, is shown in plain words. Anything else is a bug: logged with its traceback and reported
as such, never shown as a traceback. Tests use InlineRunner, which runs each job at once.

A job given a Workplace (``run``) that comes back with PasswordAgainError (granting User Setup
rights, editing roles, resetting 2FA, with the password entered more than 5 minutes ago) is
answered here for every page and dialog alike: the window's PasswordAsker asks the operator
for it, and the same job runs once more as the operator who just entered it; its callbacks
hear only how that ends. Nothing was written by the refused run, and the form was not touched,
so the edits stay; a Cancel reaches ``failed`` as PasswordNotEntered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.errors import PasswordAgainError, UserSetupError
from app.workplace import Work, Workplace
from ui.widgets.input_hold import InputHold

log = logging.getLogger(__name__)
T = TypeVar("T")
Failed = Callable[[UserSetupError], object]
Busy = Sequence[QWidget | QAction]
BUSY_DELAY_MS = 400  # a quick job shows no busy sign at all
BUG = (
    "UserSetup met an error it did not expect; nothing more was saved. The details are in the "
    "program's log file; please send it to support."
)


NOT_ENTERED = "Nothing was changed: your password was not entered again."


class Bug(UserSetupError):
    """What a failed job says when the failure was not one the operator can act on."""


class PasswordNotEntered(UserSetupError):
    """A job that asked for the operator's password again was not done: they cancelled."""

    def __init__(self) -> None:
        super().__init__(NOT_ENTERED)


class PasswordAsker(Protocol):
    """Who answers PasswordAgainError for the runner's jobs: the window of the signed-in
    operator (ui.window.password_again)."""

    def freshen(self, workplace: Workplace) -> Workplace:
        """``workplace`` as of the operator's latest password: a dialog's copy, made before
        they entered it again, must not ask once more."""
        ...

    def ask(
        self,
        parent: QWidget | None,
        error: PasswordAgainError,
        entered: Callable[[], object],
        cancelled: Callable[[], object],
    ) -> None:
        """Ask for the password over ``parent``; ``entered()`` once it was accepted (and the
        operator's actor knows when), ``cancelled()`` otherwise."""
        ...


class OperationRunner(QObject):
    """Runs jobs off the window's thread and hands their outcome back on it."""

    busy_changed = Signal(bool)  # True once a job has run longer than BUSY_DELAY_MS
    _outcome = Signal(object)  # from the worker: a callable to run on the window's thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = None
        self._detached: ThreadPoolExecutor | None = None
        self._running = 0
        self._disabled: dict[int, tuple[QWidget | QAction, int]] = {}
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self.busy_changed.emit(True))
        self._outcome.connect(self._deliver)  # queued: emitted from the worker thread
        self.password_asker: PasswordAsker | None = None  # None: PasswordAgainError is shown

    # What callers use

    def call(
        self,
        job: Callable[[], T],
        done: Callable[[T], object],
        *,
        failed: Failed | None = None,
        busy: Busy = (),
        parent: QWidget | None = None,
        hold: InputHold | None = None,
    ) -> None:
        """Run ``job``; then ``done(result)``, or ``failed(error)`` for a typed error (shown
        in plain words over ``parent`` when no ``failed`` is given). ``hold``: input it holds
        off until the answer is in (a form the answer loads again)."""
        self._begin(busy)
        if hold is not None:
            hold.start()

        def finish(outcome: tuple[bool, Any]) -> None:
            self._end(busy)
            if hold is not None:
                hold.stop()
            ok, value = outcome
            if ok:
                done(value)
            else:
                _report(value, failed, parent)

        self._start(job, finish)

    def run(
        self,
        workplace: Workplace,
        job: Callable[[Work], T],
        done: Callable[[T], object],
        *,
        failed: Failed | None = None,
        busy: Busy = (),
        parent: QWidget | None = None,
        hold: InputHold | None = None,
    ) -> None:
        """Run ``job`` in one transaction of ``workplace``, committed before ``done``; asked
        for the operator's password again, run once more when it is given (see above)."""

        def attempt(again: bool) -> None:
            asker = self.password_asker
            place = asker.freshen(workplace) if asker is not None else workplace

            def refused(error: UserSetupError) -> None:
                if isinstance(error, PasswordAgainError) and asker is not None and not again:
                    asker.ask(
                        parent,
                        error,
                        lambda: attempt(True),
                        lambda: _report(PasswordNotEntered(), failed, parent),
                    )
                else:
                    _report(error, failed, parent)

            self.call(
                lambda: place.within(job), done, failed=refused, busy=busy, parent=parent,
                hold=hold,
            )  # fmt: skip

        attempt(False)

    def every(
        self,
        interval_ms: int,
        job: Callable[[], T],
        parent: QObject,
        done: Callable[[T], object] = lambda _: None,
    ) -> QTimer:
        """Run ``job`` in the background every ``interval_ms`` while ``parent`` lives, then
        ``done(result)``; its failures are its own to log (reading the server's clock again,
        say). The timer is returned (a test fires it rather than wait)."""
        timer = QTimer(parent)
        timer.setInterval(interval_ms)
        timer.timeout.connect(lambda: self.call(job, done, failed=lambda _: None))
        timer.start()
        return timer

    def detach(self, job: Callable[[], object]) -> Future[object]:
        """Run ``job`` on a thread of its own, beside the queue: no later job waits for it and
        nothing shows it running (a code mailed after its answer was shown); what it raises
        is logged, never shown."""
        if self._detached is None:
            self._detached = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usersetup-send")

        def work() -> object:
            ok, value = _outcome_of(job)
            if not ok and not isinstance(value, Bug):  # a bug was logged with its traceback
                log.warning("A job in the background was not done: %s", value)
            return value

        return self._detached.submit(work)

    @property
    def is_busy(self) -> bool:
        return self._running > 0

    def shut_down(self) -> None:
        """Wait for the jobs under way, if any, and stop the workers (the window closes)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        if self._detached is not None:
            self._detached.shutdown(wait=True)
            self._detached = None

    # How a job runs

    def _start(self, job: Callable[[], Any], finish: Callable[[tuple[bool, Any]], None]) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="usersetup-db")

        def work() -> None:
            outcome = _outcome_of(job)
            self._outcome.emit(lambda: finish(outcome))

        self._executor.submit(work)

    def _deliver(self, then: Callable[[], None]) -> None:
        then()

    def _begin(self, busy: Busy) -> None:
        self._running += 1
        for item in busy:  # counted, so that two jobs naming one button both hold it off
            held, count = self._disabled.get(id(item), (item, 0))
            if count == 0:
                held.setEnabled(False)
            self._disabled[id(item)] = (held, count + 1)
        if self._running == 1:
            self._busy_timer.start()

    def _end(self, busy: Busy) -> None:
        self._running -= 1
        for item in busy:
            held, count = self._disabled[id(item)]
            if count == 1:
                del self._disabled[id(item)]
                held.setEnabled(True)
            else:
                self._disabled[id(item)] = (held, count - 1)
        if self._running == 0:
            self._busy_timer.stop()
            self.busy_changed.emit(False)


def _report(error: UserSetupError, failed: Failed | None, parent: QWidget | None) -> None:
    """``failed(error)``, or without it the error in plain words over ``parent``."""
    if failed is not None:
        failed(error)
        return
    from ui.errors import show_error  # the one place errors are shown

    show_error(parent, "Not done", error)


def _outcome_of(job: Callable[[], Any]) -> tuple[bool, Any]:
    """What the job gave: (True, its result), (False, its typed error), or for a bug, logged
    with its traceback, (False, Bug)."""
    try:
        return True, job()
    except UserSetupError as error:
        return False, error
    except Exception:
        log.exception("A database job failed")
        return False, Bug(BUG)


class InlineRunner(OperationRunner):
    """Runs each job at once, on the calling thread: for tests, which then need no waiting
    (a detached job still runs on its own thread)."""

    def _start(self, job: Callable[[], Any], finish: Callable[[tuple[bool, Any]], None]) -> None:
        finish(_outcome_of(job))
