"""Change My Password: a signed-in operator holding "Change own password" changes their own
password (the window's status bar, and the My Account screen)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.access import Actor
from app.clock import Clock
from app.db.database import Database
from app.errors import UserSetupError, ValidationError
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.practice.company import CompanyInfo
from app.signin.own_password import change_own_password, own_password_rules
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import heading, new_password_rows
from ui.widgets.form import FieldErrors, caption, fit_title


class ChangePasswordDialog(QDialog):
    """The current password, then the new one twice. Nothing changes on any error; a wrong
    current password counts as a failed sign-in."""

    def __init__(self, parent: QWidget | None, runner: OperationRunner, database: Database,
                 clock: Clock, company: CompanyInfo, user_id: str, workstation: str,
                 operator: str, actor: Actor | None = None) -> None:  # fmt: skip
        """``actor``: who changes it, whose right "Change own password" app/ checks."""
        super().__init__(parent)
        self.actor = actor
        self.runner = runner
        self.database = database
        self.clock = clock
        self.company = company
        self.workstation = workstation
        self.operator_name = operator  # as the audit trail names them
        self.user_pk: int | None = None  # known once the rules are read
        self.setWindowTitle("Change My Password")
        fit_title(self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Change the password of {user_id} in {company.code}"))
        grid = QGridLayout()
        layout.addLayout(grid)
        self.errors = FieldErrors()
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(caption("Current Password", self.current), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.current, 0, 1)
        self.errors.add(grid, "current_password", self.current, 1, 1)
        self.new_password, self.verify = new_password_rows(grid, 2, self.errors)
        self.verify.edit.returnPressed.connect(self._change)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Change Password")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._change)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.current.setFocus()
        self.runner.call(
            lambda: own_password_rules(database, company, user_id),
            self._rules_read,
            failed=self._not_readable,
            busy=(self.ok_button,),
            parent=self,
        )

    def _rules_read(self, rules: tuple[int, PasswordPolicy, PasswordOwner]) -> None:
        self.user_pk, policy, owner = rules
        self.new_password.set_rules(policy, owner)

    def _not_readable(self, error: UserSetupError) -> None:
        self.errors.show({"current_password": plain_words(error)})
        self.ok_button.setEnabled(False)  # nothing to change without the user's row

    def _change(self) -> None:
        if self.user_pk is None or not self.ok_button.isEnabled():
            return
        pk, company, database = self.user_pk, self.company, self.database
        new, verify, current = self.new_password.text(), self.verify.text(), self.current.text()
        clock, workstation, operator = self.clock, self.workstation, self.operator_name
        actor = self.actor
        self.runner.call(
            lambda: change_own_password(
                database, company, pk, new, verify,
                clock=clock, workstation=workstation, operator=operator, current_password=current,
                actor=actor,
            ),
            lambda _: self.accept(),
            failed=self._refused,
            busy=(self.ok_button,),
            parent=self,
        )  # fmt: skip

    def _refused(self, error: UserSetupError) -> None:
        if isinstance(error, ValidationError):
            if "current_password" in error.errors:
                self.current.clear()
            first = self.errors.show(error.errors)
            if first is not None:
                first.setFocus()
        else:  # not allowed (any more), or the database, in plain words
            self.errors.show({"new_password": plain_words(error)})
