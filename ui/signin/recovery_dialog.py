"""Forgot password? A code to the e-mail address on file, then a new password, and for a
user with an authenticator, its token (or a recovery code)."""

from __future__ import annotations

from concurrent.futures import Future

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
from app.errors import AdministratorOnlyError, UserSetupError, ValidationError
from app.outbound.delivery import CompanySenders
from app.outbound.mail import SecretStore
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.passwords.recovery import (
    SENT,
    Answer,
    Outcome,
    change_password_with_code,
    password_rules,
    send_recovery_code,
)
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import USE_RECOVERY_CODE, heading, link_button, show_token_or_code
from ui.widgets.fitting_stack import FittingStack
from ui.widgets.form import FieldErrors, caption, fit_title
from ui.widgets.password_field import PasswordField

DONE = "Your password is changed. Sign in with it now."
TOKEN = "Authenticator Token"
TOKEN_ASKED = (
    "One more step: your account has an authenticator app. Enter the 6 digits it shows now, "
    "or one of your recovery codes; only then is the new password yours."
)


class ForgotPasswordDialog(QDialog):
    """Ask for a code, then the code and a new password, then (with an authenticator) its
    token; each step answers the same whether or not the user exists until the code is
    proved."""

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
        self.sending: Future[object] | None = None  # the code's issue and mail, once asked
        self.recovery_mode = False  # the token step takes a recovery code instead
        self.setWindowTitle("User Setup - Forgot Password")
        fit_title(self)
        self.errors = FieldErrors()
        self.token_errors = FieldErrors()
        self.code_page = self._code_page()
        self.token_page = self._token_page()
        self.stack = FittingStack(
            self._ask_page(company_code, user_id), self.code_page, self.token_page
        )
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

    def _token_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(heading(TOKEN_ASKED), 0, 0, 1, 2)
        self.token = QLineEdit()
        self.token_caption = caption(TOKEN, self.token)
        grid.addWidget(self.token_caption, 1, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.token, 1, 1)
        self.token_errors.add(grid, "token", self.token, 2, 1)
        self.recovery_button = link_button(USE_RECOVERY_CODE)
        self.recovery_button.clicked.connect(
            lambda: self._use_recovery_code(not self.recovery_mode)
        )
        grid.addWidget(self.recovery_button, 3, 1, Qt.AlignmentFlag.AlignLeft)
        self._use_recovery_code(False)
        return page

    def _use_recovery_code(self, recovery: bool) -> None:
        """Switch the token step's field between the token and a recovery code."""
        self.recovery_mode = recovery
        show_token_or_code(
            self.token, self.token_caption, self.token_errors, self.recovery_button,
            recovery, TOKEN,
        )  # fmt: skip
        self.token.setFocus()

    def _next(self) -> None:
        if self.stack.currentIndex() == 0:
            self._send()
        else:
            self._change()

    def _send(self) -> None:
        """The answer first, the same for anyone; the code is issued and mailed after it, on
        a thread of its own, so that nothing shown (nor the next step) waits for it."""
        company_code, user_id = self.company.text(), self.user_id.text()
        database, clock, workstation = self.database, self.clock, self.workstation
        source = CompanySenders(self.store)
        self.sent.setText(SENT)
        self._show(self.code_page)

        def rules() -> tuple[PasswordPolicy, PasswordOwner] | None:
            return password_rules(database, company_code, user_id)

        self.runner.call(rules, self._rules, failed=self._not_sent)
        self.sending = self.runner.detach(
            lambda: send_recovery_code(database, clock, workstation, company_code, user_id, source)
        )

    def _rules(self, rules: tuple[PasswordPolicy, PasswordOwner] | None) -> None:
        if rules is not None:
            self.new_password.set_rules(*rules)

    def _not_sent(self, error: UserSetupError) -> None:
        self.sent.setText(plain_words(error))  # the database, in plain words

    def _show(self, page: QWidget) -> None:
        self.stack.show_page(page)
        self.ok_button.setText("Change Password")
        (self.token if page is self.token_page else self.code).setFocus()

    def _change(self) -> None:
        database, clock, workstation = self.database, self.clock, self.workstation
        typed = (
            self.company.text(),
            self.user_id.text(),
            self.code.text(),
            self.new_password.text(),
            self.verify.text(),
        )
        proof = self.token.text() if self.stack.currentWidget() is self.token_page else None
        if proof is not None and not proof.strip():  # not a wrong token: nothing to count
            asked = "Enter a recovery code." if self.recovery_mode else "Enter the token."
            self.token_errors.show({"token": asked})
            return
        token, recovery_code = (None, proof) if self.recovery_mode else (proof, None)
        self.runner.call(
            lambda: change_password_with_code(
                database, clock, workstation, *typed, token=token, recovery_code=recovery_code
            ),
            self._answered,
            failed=self._refused,
            busy=(self.ok_button,),
        )

    def _refused(self, error: UserSetupError) -> None:
        if isinstance(error, AdministratorOnlyError):  # the code was right: nothing more here
            self.sent.setText(plain_words(error))
            self._show(self.code_page)
            self.errors.clear()
            self.ok_button.setEnabled(False)
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        elif isinstance(error, ValidationError):
            self._show(self.code_page)
            first = self.errors.show(error.errors)
            if first is not None:
                first.setFocus()
        else:
            self._show(self.code_page)
            self.errors.show({"code": plain_words(error)})

    def _answered(self, answer: Answer) -> None:
        if answer.outcome is Outcome.CODE_REFUSED:
            self._show(self.code_page)
            self.errors.show({"code": answer.message})
            self.code.selectAll()
        elif answer.outcome is Outcome.TOKEN_NEEDED:
            self.errors.clear()
            self._show(self.token_page)
        elif answer.outcome is Outcome.TOKEN_REFUSED:
            self.token_errors.show({"token": answer.message})
            self.token.selectAll()
            self.token.setFocus()
        else:
            self.errors.clear()
            self.sent.setText(DONE)
            self.accept()
