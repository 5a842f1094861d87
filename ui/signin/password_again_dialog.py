"""Enter your password again: what a change asks for when the operator last entered their
password more than 5 minutes ago (app.access.FRESH_PASSWORD). Checked as the idle lock checks
it: counted and audited as a sign-in, so guesses at an unattended window end in the lockout."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.db.database import Database
from app.errors import UserSetupError, ValidationError
from app.practice.company import CompanyInfo
from app.signin.own_password import PASSWORD_FIELD, confirm_password
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import heading
from ui.widgets.form import FieldErrors, caption, fit_title

TITLE = "Enter your password again"
ENTER_IT = "Enter your password."


class PasswordAgainDialog(QDialog):
    """Shown window-modal with open(): the form behind it stays as it is, edits and all.
    Accepted once the password was right, with ``password_at`` the moment it was."""

    refused = Signal()  # a wrong password was counted (the window looks for a lockout)

    def __init__(self, parent: QWidget, runner: OperationRunner, database: Database,
                 clock: Clock, company: CompanyInfo, user_id: str, workstation: str,
                 why: str) -> None:  # fmt: skip
        super().__init__(parent)
        self.runner = runner
        self.database = database
        self.clock = clock
        self.company = company
        self.user_id = user_id
        self.workstation = workstation
        self.password_at: datetime | None = None
        self.setWindowTitle(TITLE)
        fit_title(self)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(why))
        grid = QGridLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(caption("Password", self.password), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.password, 0, 1)
        self.errors = FieldErrors()
        self.errors.add(grid, PASSWORD_FIELD, self.password, 1, 1)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.password.setFocus()

    def _check(self) -> None:
        password = self.password.text()
        self.password.clear()
        if not password:  # not sent: an Enter pressed too soon is no failed sign-in
            self.errors.show({PASSWORD_FIELD: ENTER_IT})
            return
        database, clock, workstation = self.database, self.clock, self.workstation
        code, user_id = self.company.code, self.user_id
        self.runner.call(
            lambda: confirm_password(database, clock, workstation, code, user_id, password),
            self._accepted,
            failed=self._refused,
            busy=(self.ok_button,),
            parent=self,
        )

    def _accepted(self, at: datetime) -> None:
        self.password_at = at
        self.errors.clear()
        self.accept()

    def _refused(self, error: UserSetupError) -> None:
        """Beside the field, and the dialog stays for another try (or Cancel)."""
        if isinstance(error, ValidationError):
            self.errors.show(error.errors)
            self.refused.emit()
        else:  # the database is away: nothing was counted
            self.errors.show({PASSWORD_FIELD: plain_words(error)})
        self.password.setFocus()


Waiting = tuple[Callable[[], object], Callable[[], object]]  # (go on, cancelled)


class PasswordQueue:
    """The jobs one PasswordAgainDialog answers: each job refused with PasswordAgainError
    while it shows waits for it, so one password lets them all go on and Cancel cancels them
    all. The window's PasswordAgain and My Account each keep one."""

    def __init__(self, entered: Callable[[datetime], object]) -> None:
        self.dialog: PasswordAgainDialog | None = None  # the one asking now
        self._entered = entered  # told the moment, before the jobs go on
        self._waiting: list[Waiting] = []

    def wait(self, entered: Callable[[], object], cancelled: Callable[[], object]) -> bool:
        """Have a job wait for the password; True when no dialog asks it yet, and the caller
        is to ``open`` one."""
        self._waiting.append((entered, cancelled))
        return self.dialog is None

    def open(self, dialog: PasswordAgainDialog) -> None:
        dialog.finished.connect(self._answered)
        self.dialog = dialog
        dialog.open()

    def _answered(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        waiting, self._waiting = self._waiting, []
        if dialog is None:
            return
        at = dialog.password_at
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted and at is not None:
            self._entered(at)
            for go_on, _ in waiting:
                go_on()
        else:
            for _, cancelled in waiting:
                cancelled()
