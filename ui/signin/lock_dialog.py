"""The lock: after the idle time, or at the end of the operator's hours, their password opens
User Setup again; Sign Out leaves without it, dropping unsaved edits."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.signin.own_password import confirm_password
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import heading
from ui.widgets.form import ERROR_STYLE, caption, fit_title


class IdleLockDialog(QDialog):
    """Shown window-modal with open(), so the window and its unsaved edits stay as they are."""

    sign_out = Signal()

    def __init__(self, parent: QWidget, runner: OperationRunner, database: Database,
                 clock: Clock, company: CompanyInfo, user_id: str, workstation: str,
                 why: str = "") -> None:  # fmt: skip
        super().__init__(parent)
        self.runner = runner
        self.database = database
        self.clock = clock
        self.company = company
        self.user_id = user_id
        self.workstation = workstation
        self.password_at: datetime | None = None  # when the password opened it again
        self.setWindowTitle("User Setup - Locked")
        fit_title(self)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        why = why or "User Setup was locked because it was not used for a while."
        layout.addWidget(
            heading(f"{why} {user_id}, enter your password to go on; unsaved changes are kept.")
        )
        grid = QGridLayout()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(caption("Password", self.password), 0, 0)
        grid.addWidget(self.password, 0, 1)
        self.refusal = QLabel()
        self.refusal.setObjectName("refusal")
        self.refusal.setStyleSheet(ERROR_STYLE)
        grid.addWidget(self.refusal, 1, 1)
        layout.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.unlock_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.unlock_button.setText("Unlock")
        buttons.accepted.connect(self._check)
        # A way out that needs no password: unsaved changes are lost, nothing is saved.
        self.sign_out_button = buttons.addButton(
            "Sign Out", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.sign_out_button.clicked.connect(self.sign_out.emit)
        layout.addWidget(buttons)

    def _check(self) -> None:
        password = self.password.text()
        self.password.clear()
        database, clock, workstation = self.database, self.clock, self.workstation
        code, user_id = self.company.code, self.user_id
        self.runner.call(
            lambda: confirm_password(database, clock, workstation, code, user_id, password),
            self._answered,
            failed=lambda error: self.refusal.setText(plain_words(error)),
            busy=(self.unlock_button,),
            parent=self,
        )

    def _answered(self, at: datetime) -> None:
        self.password_at = at
        self.accept()

    def reject(self) -> None:  # Escape does not get past the lock
        pass
