"""Keeping the signed-in operator to the rules: the idle lock, and their own login hours.

After the company's idle time the window hides its contents and asks the operator's password
again; five minutes before their login hours (or their account) end it warns them, and at the
end it locks the same way. Unsaved edits are kept through a lock; Sign Out drops them.
"""

from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QLocale, QObject, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

from app.access import Right
from app.errors import NotAllowedError, NotFoundError, UserSetupError
from app.login_times.service import AccessEnd, LoginTimesService
from app.users.access_kept import StillAllowed
from app.workplace import Work, Workplace
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext

log = logging.getLogger(__name__)
HOURS_WARNING = timedelta(minutes=5)  # how long before the operator's hours end they are told
HOURS_RECHECK = timedelta(minutes=15)  # an administrator may change those hours meanwhile
HOURS_OVER = "Your login hours have ended, so User Setup is locked."
EXPIRED_OVER = "Your account has expired, so User Setup is locked."
ACCESS_CHANGED = "Your account was changed and no longer allows User Setup, so it is locked."
_USE_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)


class Guarded(Protocol):
    """What the guard asks of the window it guards."""

    def hide_contents(self, hidden: bool) -> None: ...

    def drop_edits(self) -> None: ...

    def close(self) -> bool: ...


class OperatorGuard(QObject):
    """The idle lock and the operator's login hours, for one window."""

    locked = Signal(bool)  # True when the lock shows, False when the password opened it
    password_entered = Signal(object)  # the moment the password opened the lock

    def __init__(
        self,
        window: QWidget,
        guarded: Guarded,
        context: PracticeContext,
        runner: OperationRunner,
        workplace: Workplace,
        warning: QLabel,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.guarded = guarded
        self.context = context
        self.runner = runner
        self.workplace = workplace
        self.warning = warning
        self.lock_dialog: QDialog | None = None
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(lambda: self.lock())
        # The operator's own login hours (or account expiry): warned, then locked, at their end.
        self.hours_timer = QTimer(self)
        self.hours_timer.setSingleShot(True)
        self.hours_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may fire late
        self.hours_timer.timeout.connect(self.check_login_hours)
        self.hours_end: AccessEnd | None = None
        self._watching = False

    def start(self) -> None:
        """Begin keeping watch: the hours now, the idle time from now."""
        if self.context.operator_pk is not None:
            self.check_login_hours()
        self.set_idle_minutes(self.context.idle_minutes)

    def set_idle_minutes(self, minutes: int) -> None:
        """The company's idle time, as read at start or saved since in Company Settings."""
        if not (minutes and self.context.operator_user_id):
            self.idle_timer.stop()
            return
        self.idle_timer.setInterval(minutes * 60_000)
        if self.lock_dialog is None:
            self.idle_timer.start()
        app = QApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)  # any key or click in the program counts as use
            self._watching = True

    def stop(self) -> None:
        """The window closes: no more timers, and the lock goes with it."""
        self.idle_timer.stop()
        self.hours_timer.stop()
        if self.lock_dialog is not None:
            self.lock_dialog.hide()
            self.lock_dialog.deleteLater()
            self.lock_dialog = None
        app = QApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
            self._watching = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.idle_timer.isActive() and event.type() in _USE_EVENTS:
            self.idle_timer.start()  # used: the idle time starts over
        return False  # not consumed

    # The operator's login hours

    def check_login_hours(self) -> None:
        """Warn five minutes before the operator's login hours or account run out, and lock
        the window when they have (edits kept), or when their account no longer allows User
        Setup (deactivated, locked, its role taken). Runs again when due and every 15 minutes,
        as an administrator may change those meanwhile."""
        pk = self.context.operator_pk
        assert pk is not None
        now = self.context.clock()

        def read(work: Work) -> AccessEnd | None:
            hours = LoginTimesService(work.session, work.company, work.actor, work.clock)
            end = hours.access_end(pk, now)
            if end is None or now < end.at:  # in their hours: is the account still theirs?
                StillAllowed(work.session, work.company, pk, work.clock).require(Right.VIEW_USERS)
            return end

        def failed(error: UserSetupError) -> None:
            if isinstance(error, NotAllowedError):
                self.warning.hide()
                self.hours_timer.stop()  # the unlock checks again
                self.lock(ACCESS_CHANGED)
            elif isinstance(error, NotFoundError):  # their own row is gone: nothing lets them in
                self._keep_to(AccessEnd(now, expiry=False), now)
            else:  # the database is away: keep to what was read last
                log.info("login hours not read again: %s", error)
                self._keep_to(self.hours_end, now)

        self.runner.run(self.workplace, read, lambda end: self._keep_to(end, now), failed=failed)

    def _keep_to(self, end: AccessEnd | None, now: datetime) -> None:
        self.hours_end = end
        if end is None:
            self.warning.hide()
            self._check_hours_in(HOURS_RECHECK)
            return
        if now >= end.at:
            self.warning.hide()
            self.hours_timer.stop()  # the unlock checks again
            self.lock(EXPIRED_OVER if end.expiry else HOURS_OVER)
            return
        if now >= end.at - HOURS_WARNING:
            local = end.at.astimezone(ZoneInfo(self.context.company.time_zone))
            when = QLocale().toString(
                QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat
            )
            what = "Your account expires" if end.expiry else "Your login hours end"
            self.warning.setText(
                f"{what} at {when}: save your changes. User Setup then locks, keeping what is "
                "not saved."
            )
            self.warning.show()
            self._check_hours_in(end.at - now)
        else:
            self.warning.hide()
            self._check_hours_in(end.at - HOURS_WARNING - now)

    def _check_hours_in(self, wait: timedelta) -> None:
        wait = min(wait, HOURS_RECHECK)
        self.hours_timer.start(max(int(wait.total_seconds() * 1000), 1))

    # The lock

    def lock(self, why: str = "") -> None:
        """Hide the practice's data and ask the operator's password; edits stay as they are."""
        if self.lock_dialog is not None:
            return
        from ui.signin.lock_dialog import IdleLockDialog

        self.guarded.hide_contents(True)
        for other in self.window.findChildren(QDialog):  # a reset's password must not stay
            if other.isVisible():
                other.reject()
        context = self.context
        dialog = IdleLockDialog(
            self.window,
            self.runner,
            self.workplace.database,
            context.clock,
            context.company,
            context.operator_user_id,
            socket.gethostname(),
            why,
        )
        dialog.accepted.connect(lambda: self._unlocked(dialog.password_at))
        dialog.sign_out.connect(self._sign_out)
        self.lock_dialog = dialog
        self.locked.emit(True)
        dialog.open()

    def _sign_out(self) -> None:
        """Leave from the lock without the password: unsaved edits are dropped, not saved."""
        self.guarded.drop_edits()
        if self.lock_dialog is not None:
            self.lock_dialog.hide()
            self.lock_dialog = None
        self.guarded.close()

    def _unlocked(self, at: datetime | None = None) -> None:
        if self.lock_dialog is not None:
            self.lock_dialog.deleteLater()
        self.lock_dialog = None
        if at is not None:
            self.password_entered.emit(at)
        self.guarded.hide_contents(False)
        self.locked.emit(False)
        if self.idle_timer.interval() and self.context.idle_minutes:
            self.idle_timer.start()
        if self.context.operator_pk is not None:
            self.check_login_hours()
