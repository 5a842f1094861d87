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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.db.database import Database
from app.errors import NotFoundError, UserSetupError, ValidationError
from app.outbound.mail import Mailer, SecretStore, load_mail_settings
from app.passwords.policy import PasswordOwner, load_policy
from app.passwords.recovery import REFUSED, SENT, Recovery
from app.practice.company import load_company
from ui.widgets.form import FieldErrors, caption
from ui.widgets.password_field import PasswordField

DONE = "Your password is changed. Sign in with it now."


class ForgotPasswordDialog(QDialog):
    """Two steps; each answers the same whether or not the user exists."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        workstation: str,
        company_code: str = "",
        user_id: str = "",
        store: SecretStore = keyring,
    ) -> None:
        super().__init__()
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.store = store
        self.setWindowTitle("User Setup - Forgot Password")
        self.errors = FieldErrors()
        self.stack = QStackedWidget()
        self.stack.addWidget(self._ask_page(company_code, user_id))
        self.stack.addWidget(self._code_page())
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
        try:
            with self.database.transaction() as session:
                mailer = None
                try:
                    company = load_company(session, company_code)
                except NotFoundError:
                    company = None
                if company is not None:
                    settings, _version = load_mail_settings(session, company.id)
                    if settings is not None:
                        mailer = Mailer(settings, company.code, self.store)
                    self.new_password.set_rules(
                        load_policy(session, company.id),
                        PasswordOwner(user_id, "", "", company.code, company.name),
                    )
                Recovery(session, self.clock, self.workstation).send_code(
                    company_code, user_id, mailer
                )
        except UserSetupError as problem:
            self.sent.setText(str(problem))
        self.stack.setCurrentIndex(1)
        self.ok_button.setText("Change Password")
        self.code.setFocus()

    def _change(self) -> None:
        try:
            with self.database.transaction() as session:
                changed = Recovery(session, self.clock, self.workstation).change_password(
                    self.company.text(),
                    self.user_id.text(),
                    self.code.text(),
                    self.new_password.text(),
                    self.verify.text(),
                )
        except ValidationError as exc:
            first = self.errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        except UserSetupError as problem:
            self.errors.show({"code": str(problem)})
            return
        if not changed:
            self.errors.show({"code": REFUSED})
            self.code.selectAll()
            self.code.setFocus()
            return
        self.errors.clear()
        self.sent.setText(DONE)
        self.accept()
