"""Forgot password? A code to the e-mail address on file, then a new password."""

from __future__ import annotations

import keyring
from PySide6.QtCore import Qt
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
from app.errors import UserSetupError, ValidationError
from app.outbound.delivery import CompanySenders
from app.outbound.mail import SecretStore
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.passwords.recovery import (
    REFUSED,
    SENT,
    change_password_with_code,
    password_rules,
    send_recovery_code,
)
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.widgets.fitting_stack import FittingStack
from ui.widgets.form import FieldErrors, caption, fit_title
from ui.widgets.password_field import PasswordField

DONE = "Your password is changed. Sign in with it now."


class ForgotPasswordDialog(QDialog):
    """Two steps; each answers the same whether or not the user exists."""

    def __init__(
        self,
        runner: OperationRunner,
        database: Database,
        clock: Clock,
        workstation: str,
        company_code: str = "",
        user_id: str = "",
        store: SecretStore = keyring,
    ) -> None:
        super().__init__()
        self.runner = runner
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.store = store
        self.setWindowTitle("User Setup - Forgot Password")
        fit_title(self)
        self.errors = FieldErrors()
        self.code_page = self._code_page()
        self.stack = FittingStack(self._ask_page(company_code, user_id), self.code_page)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Send Code")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self._next)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        layout.addWidget(self.buttons)

    def _ask_page(self, company_code: str, user_id: str) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        intro = QLabel("Enter your User ID and Company: a code goes to your e-mail address.")
        intro.setWordWrap(True)
        grid.addWidget(intro, 0, 0, 1, 2)
        self.user_id = QLineEdit(user_id)
        self.company = QLineEdit(company_code)
        for row, (label, edit) in enumerate(
            (("User ID", self.user_id), ("Company", self.company)), start=1
        ):
            grid.addWidget(caption(label, edit), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(edit, row, 1)
        return page

    def _code_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.sent = QLabel(SENT)
        self.sent.setObjectName("sent")
        self.sent.setWordWrap(True)
        grid.addWidget(self.sent, 0, 0, 1, 2)
        self.code = QLineEdit()
        self.code.setMaxLength(6)
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.new_password = PasswordField()
        self.verify = PasswordField(meter=False)
        rows = (
            ("code", "Code", self.code, self.code),
            ("new_password", "New Password", self.new_password, self.new_password.edit),
            ("verify", "Verify", self.verify, self.verify.edit),
        )
        for index, (name, label, widget, edit) in enumerate(rows):
            grid.addWidget(caption(label, edit), 1 + 2 * index, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, 1 + 2 * index, 1)
            self.errors.add(grid, name, edit, 2 + 2 * index, 1)
        return page

    def _next(self) -> None:
        if self.stack.currentIndex() == 0:
            self._send()
        else:
            self._change()

    def _send(self) -> None:
        company_code, user_id = self.company.text(), self.user_id.text()
        database, clock, workstation = self.database, self.clock, self.workstation
        source = CompanySenders(self.store)

        def job() -> tuple[str, tuple[PasswordPolicy, PasswordOwner] | None]:
            answer = send_recovery_code(database, clock, workstation, company_code, user_id, source)
            return answer, password_rules(database, company_code, user_id)

        self.runner.call(job, self._sent, failed=self._not_sent, busy=(self.ok_button,))

    def _sent(self, result: tuple[str, tuple[PasswordPolicy, PasswordOwner] | None]) -> None:
        answer, rules = result
        if rules is not None:
            self.new_password.set_rules(*rules)
        self.sent.setText(answer)
        self._to_code_page()

    def _not_sent(self, error: UserSetupError) -> None:
        self.sent.setText(plain_words(error))  # the database, in plain words
        self._to_code_page()

    def _to_code_page(self) -> None:
        self.stack.show_page(self.code_page)
        self.ok_button.setText("Change Password")
        self.code.setFocus()

    def _change(self) -> None:
        database, clock, workstation = self.database, self.clock, self.workstation
        typed = (
            self.company.text(),
            self.user_id.text(),
            self.code.text(),
            self.new_password.text(),
            self.verify.text(),
        )
        self.runner.call(
            lambda: change_password_with_code(database, clock, workstation, *typed),
            self._changed,
            failed=self._refused,
            busy=(self.ok_button,),
        )

    def _refused(self, error: UserSetupError) -> None:
        if isinstance(error, ValidationError):
            first = self.errors.show(error.errors)
            if first is not None:
                first.setFocus()
        else:
            self.errors.show({"code": plain_words(error)})

    def _changed(self, changed: bool) -> None:
        if not changed:
            self.errors.show({"code": REFUSED})
            self.code.selectAll()
            self.code.setFocus()
            return
        self.errors.clear()
        self.sent.setText(DONE)
        self.accept()
