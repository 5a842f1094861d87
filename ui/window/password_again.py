"""The window's answer to PasswordAgainError: ask the operator's password, then go on.

Granting User Setup rights, editing roles and resetting someone's 2FA ask for the operator's
password again when they last entered it more than 5 minutes ago (app.access). Whichever page
or dialog ran the job, the runner (ui.operations) hands the refusal here: the password is asked
in a small dialog over the one that asked, checked as the idle lock checks it, and the window's
actor then carries the moment it was entered, so the job (run again by the runner) and the next
ones within 5 minutes go through. The sign-in, the idle lock and Change My Password move that
moment too.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from app.errors import PasswordAgainError
from app.workplace import Workplace
from ui.signin.password_again_dialog import PasswordAgainDialog, PasswordQueue

if TYPE_CHECKING:
    from ui.window.window import UserSetupWindow


class PasswordAgain(QObject):
    """The ui.operations.PasswordAsker of one window, whose operator signed in."""

    def __init__(self, window: UserSetupWindow) -> None:
        super().__init__(window)
        self.window = window
        self.queue = PasswordQueue(self.entered)  # each job that asked while the dialog shows

    @property
    def dialog(self) -> PasswordAgainDialog | None:
        """The dialog asking for the password now, if any."""
        return self.queue.dialog

    def entered(self, at: datetime) -> None:
        """The operator entered their password at ``at``: the window's actor says so."""
        window = self.window
        actor = window.workplace.actor
        if actor.password_at is not None and actor.password_at >= at:
            return
        actor = actor.with_password_at(at)
        window.workplace = replace(window.workplace, actor=actor)
        window.context = replace(window.context, actor=actor)
        window.guard.context = window.context

    def freshen(self, workplace: Workplace) -> Workplace:
        latest = self.window.workplace.actor
        actor = workplace.actor
        if (
            latest.password_at is None
            or actor.user_pk != latest.user_pk
            or (actor.password_at is not None and actor.password_at >= latest.password_at)
        ):
            return workplace
        return replace(workplace, actor=actor.with_password_at(latest.password_at))

    def ask(
        self,
        parent: QWidget | None,
        error: PasswordAgainError,
        entered: Callable[[], object],
        cancelled: Callable[[], object],
    ) -> None:
        if not self.queue.wait(entered, cancelled):  # asked already: one password answers both
            return
        window = self.window
        over = parent.window() if parent is not None else window
        context = window.context
        dialog = PasswordAgainDialog(
            over,
            window.runner,
            window.workplace.database,
            context.clock,
            context.company,
            context.operator_user_id,
            socket.gethostname(),
            str(error),
        )
        # A wrong password counts toward the lockout: once it is locked, the window locks too.
        dialog.refused.connect(self._look_for_lockout)
        self.queue.open(dialog)

    def _look_for_lockout(self) -> None:
        if self.window.context.operator_pk is not None:
            self.window.guard.check_login_hours()
