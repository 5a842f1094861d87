"""The sign-in dialog: User ID, Password and Company; then the second factor (a token, or
setting up an authenticator); then, when due, "Your password has expired"; for a user with
only self-service rights, their own My Account screen (ui.signin.my_account_dialog) over it.

The dialog collects input and shows the steps of app.signin.flow.SignInFlow; the flow
decides. Each step runs off the window's thread (the password's check is an argon2 hash).
Setting up an authenticator is a page of its own, ui.signin.setup_step, which the dialog
owns; it goes through the dialog's run_step and show_step like the other steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db.kinds import TwoFactorMethod
from app.errors import UserSetupError, ValidationError
from app.signin.outcomes import PASSWORD_EXPIRED, SIGNED_OUT, SignInRefused, Step
from ui.errors import plain_words
from ui.signin.common import (
    USE_RECOVERY_CODE,
    Operator,
    heading,
    link_button,
    new_password_rows,
    show_token_or_code,
)
from ui.signin.setup_step import SetupStep
from ui.widgets.fitting_stack import FittingStack
from ui.widgets.form import ERROR_STYLE, FieldErrors, caption, fit_title
from ui.widgets.two_factor_widgets import AuthenticatorSetup

if TYPE_CHECKING:  # the dialog is drawn before the database library is loaded
    from app.signin.flow import SignInFlow
    from app.signin.second_factor import TokenSent
    from ui.operations import OperationRunner
    from ui.signin.my_account_dialog import MyAccountDialog

T = TypeVar("T")
TOKEN_EXPIRED = "The token has expired; choose Send Token for a new one."
OPENING = "Opening the database…"


class SignInDialog(QDialog):
    """User ID, Password and Company; then the second factor (a token, or setting up an
    authenticator); then, when due, "Your password has expired"."""

    runner: OperationRunner
    flow: SignInFlow

    def __init__(
        self, runner: OperationRunner | None, flow: SignInFlow | None, company_code: str = ""
    ) -> None:
        """Without a runner and flow the dialog waits for them (``attach``): the start shows
        it at once and opens the database behind it; Sign In pressed meanwhile is kept."""
        super().__init__()
        self._waiting = runner is None or flow is None
        self._asked = False  # Sign In pressed while waiting
        if runner is not None and flow is not None:
            self.runner, self.flow = runner, flow
        self.operator: Operator | None = None
        self.my_account: MyAccountDialog | None = None  # open for a self-service sign-in
        self.expires_at: datetime | None = None  # when the token sent by mail or text expires
        self.recovery_mode = False  # the token step takes a recovery code instead
        self._send_failed = False
        self._token_label = "Token"
        self.setWindowTitle("User Setup - Sign In")
        fit_title(self)
        self.credentials_page = self._credentials_page(company_code)
        self.token_page = self._token_page()
        self.setup_page = SetupStep(self)
        self.change_page = self._change_page()
        self.stack = FittingStack(
            self.credentials_page, self.token_page, self.setup_page, self.change_page
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign In")
        self.ok_button.setDefault(True)
        self.skip_button = buttons.addButton("Skip for now", QDialogButtonBox.ButtonRole.ActionRole)
        self.skip_button.setAutoDefault(False)
        self.skip_button.clicked.connect(self.setup_page.skip)
        self.skip_button.hide()
        buttons.accepted.connect(self._next)
        buttons.rejected.connect(self.reject)
        # The countdown of a mailed or texted token; the label is worked out from the clock,
        # so the timer only says when to look again.
        self.countdown = QTimer(self)
        self.countdown.setInterval(1000)
        self.countdown.timeout.connect(self.update_time_left)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        layout.addWidget(buttons)
        (
            self.user_id if not company_code or self.user_id.text() == "" else self.password
        ).setFocus()

    def _credentials_page(self, company_code: str) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(heading("Sign in to User Setup"), 0, 0, 1, 2)
        self.user_id = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.company = QLineEdit(company_code)
        for row, (label, edit) in enumerate(
            (("User ID", self.user_id), ("Password", self.password), ("Company", self.company)),
            start=1,
        ):
            grid.addWidget(caption(label, edit), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(edit, row, 1)
        self.refusal = QLabel()
        self.refusal.setObjectName("refusal")
        self.refusal.setStyleSheet(ERROR_STYLE)
        self.refusal.setWordWrap(True)
        grid.addWidget(self.refusal, 4, 1)
        self.forgot_button = link_button("Forgot password?")
        self.forgot_button.clicked.connect(self.forgot_password)
        self.forgot_button.setEnabled(not self._waiting)  # it needs the database
        grid.addWidget(self.forgot_button, 5, 1, Qt.AlignmentFlag.AlignLeft)
        return page

    def forgot_password(self) -> None:
        """A code by e-mail and a new password, then back here to sign in with it."""
        from ui.signin.recovery_dialog import DONE, ForgotPasswordDialog

        dialog = ForgotPasswordDialog(
            self.runner,
            self.flow.database,
            self.flow.clock,
            self.flow.workstation,
            self.company.text(),
            self.user_id.text(),
            **({"store": self.flow.store} if self.flow.store is not None else {}),
        )
        if dialog.exec():
            self.refusal.setText(DONE)
            self.password.setFocus()

    def _token_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.token_heading = heading("")
        self.token_heading.setObjectName("token_heading")
        grid.addWidget(self.token_heading, 0, 0, 1, 2)
        self.token_sent = QLabel()
        self.token_sent.setObjectName("token_sent")
        self.token_sent.setWordWrap(True)
        grid.addWidget(self.token_sent, 1, 0, 1, 2)
        self.token = QLineEdit()
        self.token_caption = caption(self._token_label, self.token)
        grid.addWidget(self.token_caption, 2, 0, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(self.token)
        self.send_button = QPushButton("Send Token")
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.send_token)
        row.addWidget(self.send_button)
        grid.addLayout(row, 2, 1)
        self.token_errors = FieldErrors()
        self.token_errors.add(grid, "token", self.token, 3, 1)
        self.time_left = QLabel()
        self.time_left.setObjectName("time_left")
        grid.addWidget(self.time_left, 4, 1)
        self.recovery_button = link_button(USE_RECOVERY_CODE)
        self.recovery_button.clicked.connect(
            lambda: self._use_recovery_code(not self.recovery_mode)
        )
        grid.addWidget(self.recovery_button, 5, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(6, 1)  # the fields stay together at the top
        return page

    @property
    def setup_panel(self) -> AuthenticatorSetup:
        """The set-up step's title, QR code, key and token."""
        return self.setup_page.panel

    @property
    def setup_shows_code(self) -> bool:
        """Past the set-up's title: the QR code and the token are on screen."""
        return self.setup_page.shows_code

    def _change_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(heading(PASSWORD_EXPIRED), 0, 0, 1, 2)
        self.change_whose = QLabel()
        self.change_whose.setObjectName("change_whose")
        grid.addWidget(self.change_whose, 1, 0, 1, 2)
        self.change_errors = FieldErrors()
        self.new_password, self.verify = new_password_rows(grid, 2, self.change_errors)
        self.verify.edit.returnPressed.connect(self._next)  # Enter in the last field goes on
        return page

    # Moving through the steps

    def attach(self, runner: OperationRunner, flow: SignInFlow, company_code: str = "") -> None:
        """The database is open: sign-ins can be checked now (one asked for meanwhile at once).
        ``company_code`` fills the Company box if nothing was typed there."""
        self.runner, self.flow, self._waiting = runner, flow, False
        if company_code and not self.company.text():
            self.company.setText(company_code)
        self.forgot_button.setEnabled(True)
        if self._asked:
            self.refusal.clear()
            self._next()

    @property
    def waiting(self) -> bool:
        """Is the database still being opened behind the dialog?"""
        return self._waiting

    def _next(self) -> None:
        if self._waiting:
            self._asked = True
            self.refusal.setText(OPENING)
            return
        step = self.flow.step
        if step is Step.CREDENTIALS:
            self._submit_password()
        elif step is Step.TOKEN:
            self._submit_token()
        elif step is Step.SETUP:
            self.setup_page.next()
        elif step is Step.CHANGE_PASSWORD:
            self._submit_new_password()

    def show_step(self) -> None:
        """The page of the flow's step, or signed in."""
        step = self.flow.step
        self.ok_button.show()
        self.skip_button.setVisible(step is Step.SETUP and self.flow.may_skip_setup)
        if step is not Step.TOKEN:
            self.countdown.stop()
        if step is Step.TOKEN:
            self._show_token_page()
        elif step is Step.SETUP:
            self.setup_page.open()
        elif step is Step.CHANGE_PASSWORD:
            self._show_change_page()
        elif step is Step.SIGNED_IN:
            self._signed_in()
        elif step is Step.NO_ACCESS:  # what the account needed is done; nothing else opens
            self._back_to_credentials(self.flow.no_access_message)
            self.password.clear()
        elif step is Step.SELF_SERVICE:  # only their own My Account screen
            self._open_my_account()

    def _back_to_credentials(self, message: str) -> None:
        """Refused part way (e.g. locked by wrong tokens): start again from the password."""
        from app.signin.flow import SignInFlow  # loaded by now: a sign-in was answered

        old = self.flow
        self.flow = SignInFlow(
            old.database, old.clock, old.workstation, old.hasher, ip=old.ip, store=old.store
        )
        self.countdown.stop()
        self.expires_at = None
        self.token.clear()
        self.token_errors.clear()
        self.setup_panel.clear()
        self.skip_button.hide()
        self.ok_button.show()
        self.ok_button.setText("Sign In")
        self.refusal.setText(message)
        self.stack.show_page(self.credentials_page)
        self.password.clear()
        self.password.setFocus()

    def run_step(
        self,
        step: Callable[[], T],
        done: Callable[[T], object],
        refused: Callable[[UserSetupError], object],
    ) -> None:
        """A step of the flow, off the window's thread. A refusal of the whole sign-in (wrong
        password, locked meanwhile, out of hours) goes back to the password; any other
        problem to ``refused``."""

        def failed(error: UserSetupError) -> None:
            if isinstance(error, SignInRefused):
                self._back_to_credentials(str(error))
            else:
                refused(error)

        busy = (self.ok_button, self.skip_button, self.send_button, self.setup_panel.verify_button)
        self.runner.call(step, done, failed=failed, busy=busy, parent=self)

    def _submit_password(self) -> None:
        company, user_id, password = self.company.text(), self.user_id.text(), self.password.text()
        self.run_step(
            lambda: self.flow.submit_password(company, user_id, password),
            lambda _: self._password_accepted(),
            lambda problem: self.refusal.setText(plain_words(problem)),  # the database
        )

    def _password_accepted(self) -> None:
        self.password.clear()
        self.refusal.clear()
        self.show_step()

    def _show_token_page(self) -> None:
        from app.two_factor.service import PROMPT_TITLES  # loaded by now, as the flow is

        try:
            title = PROMPT_TITLES[TwoFactorMethod(self.flow.method)]
        except (KeyError, ValueError):
            title = "Token"
        self._token_label = title
        self.expires_at = None
        self._send_failed = False
        self.token_sent.clear()
        self._use_recovery_code(False)
        self.ok_button.setText("Verify")
        self.stack.show_page(self.token_page)
        if self._token_is_sent:
            self.send_token()  # the first one goes when the step opens
        else:
            self.token_sent.setText("Enter the 6-digit token your authenticator app shows.")
        self.token.setFocus()

    @property
    def _token_is_sent(self) -> bool:
        return self.flow.method in (TwoFactorMethod.EMAIL, TwoFactorMethod.TEXT)

    def _use_recovery_code(self, recovery: bool) -> None:
        """Switch the field between the token and a recovery code."""
        self.recovery_mode = recovery
        label = show_token_or_code(
            self.token, self.token_caption, self.token_errors, self.recovery_button,
            recovery, self._token_label,
        )  # fmt: skip
        self.token_heading.setText(f"{label}: Required")
        sends = self._token_is_sent and not recovery
        self.send_button.setVisible(sends)
        self.token_sent.setVisible(not recovery)
        self.time_left.setVisible(sends and self.expires_at is not None)
        self.token.setFocus()

    def send_token(self) -> None:
        """Send (or resend) a token by mail or text; the flow says when it is too soon."""
        self._say_sent("Sending the token…", failed=False)
        self.run_step(
            self.flow.send_token,
            self._token_sent,
            lambda problem: self._say_sent(plain_words(problem), failed=True),
        )

    def _token_sent(self, sent: TokenSent) -> None:
        if sent.sent:
            self._send_failed = False
        elif sent.outcome:  # not sent: the mail server or the gateway failed
            self._send_failed = True
        # Too soon: the token sent before still counts down, unless it never left.
        self.expires_at = None if self._send_failed else sent.expires_at
        self._say_sent(sent.message, failed=not sent.sent and bool(sent.outcome))
        self.update_time_left()

    def _say_sent(self, message: str, *, failed: bool) -> None:
        self.token_sent.setText(message)
        self.token_sent.setStyleSheet(ERROR_STYLE if failed else "")

    def time_left_text(self) -> str:
        """ "Time Left: 00:02:55" by the clock, until the sent token expires."""
        if self.expires_at is None:
            return ""
        seconds = max(0, math.ceil((self.expires_at - self.flow.clock()).total_seconds()))
        hours, rest = divmod(seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"Time Left: {hours:02d}:{minutes:02d}:{seconds:02d}"

    def update_time_left(self) -> None:
        """Show the time left now; the timer calls this each second."""
        if self.expires_at is None:
            self.countdown.stop()
            self.time_left.clear()
            self.time_left.hide()
            return
        self.time_left.setText(self.time_left_text())
        self.time_left.setVisible(not self.recovery_mode)
        if self.flow.clock() >= self.expires_at:
            self.countdown.stop()
            self._say_sent(TOKEN_EXPIRED, failed=True)
        elif not self.countdown.isActive():
            self.countdown.start()

    def _submit_token(self) -> None:
        text = self.token.text().strip()
        if not text:
            self.token_errors.show(
                {"token": "Enter a recovery code." if self.recovery_mode else "Enter the token."}
            )
            self.token.setFocus()
            return
        submit = self.flow.submit_recovery_code if self.recovery_mode else self.flow.submit_token
        self.run_step(lambda: submit(text), lambda _: self._token_accepted(), self._token_refused)

    def _token_accepted(self) -> None:
        self.token.clear()
        self.token_errors.clear()
        self.show_step()

    def _token_refused(self, problem: UserSetupError) -> None:
        """TokenRefused: what to do, for the person; or the database, in plain words."""
        self.token_errors.show({"token": plain_words(problem)})
        self.token.selectAll()
        self.token.setFocus()

    def _show_change_page(self) -> None:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_id is not None
        from app.signin.own_password import own_password_rules  # loaded by now, as the flow is

        database, company, user_id = self.flow.database, result.company, result.user_id
        # As the classic dialog does: whose password this is.
        self.change_whose.setText(f"User ID: {user_id}    Name: {result.display_name or ''}")
        self.ok_button.setText("Change Password")
        self.stack.show_page(self.change_page)
        self.new_password.edit.setFocus()
        self.run_step(
            lambda: own_password_rules(database, company, user_id),
            lambda rules: self.new_password.set_rules(rules[1], rules[2]),
            lambda problem: self.change_errors.show({"new_password": plain_words(problem)}),
        )

    def _submit_new_password(self) -> None:
        new, verify = self.new_password.text(), self.verify.text()
        self.run_step(
            lambda: self.flow.submit_new_password(new, verify),
            lambda _: self.show_step(),
            self._new_password_refused,
        )

    def _new_password_refused(self, problem: UserSetupError) -> None:
        if isinstance(problem, ValidationError):
            first = self.change_errors.show(problem.errors)
            if first is not None:
                first.setFocus()
        else:
            self.change_errors.show({"new_password": plain_words(problem)})

    def _signed_in(self) -> None:
        self.operator = self._operator()
        self.accept()

    def _operator(self) -> Operator:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_pk is not None
        return Operator(
            result.company,
            self.flow.operator,
            ", ".join(result.roles) or "no role",
            result.user_pk,
            result.user_id or "",
            result.rights,
            self.flow.password_at,
        )

    def _open_my_account(self) -> None:
        """User Setup - My Account, over this dialog; closing it ends the session, and the
        dialog is back at the password for the next person."""
        from app.workplace import Workplace  # loaded by now: a sign-in was answered
        from ui.signin.my_account_dialog import PASSWORD_CHANGED, MyAccountDialog

        operator = self._operator()
        flow = self.flow
        workplace = Workplace(
            flow.database, operator.company, operator.actor(flow.workstation), flow.clock
        )
        dialog = MyAccountDialog(self, self.runner, workplace, operator, flow.workstation)
        if flow.password_changed:  # by the forced change just now
            dialog.status.setText(PASSWORD_CHANGED)
        self.my_account = dialog
        dialog.finished.connect(self._my_account_closed)
        dialog.open()

    def _my_account_closed(self) -> None:
        dialog, self.my_account = self.my_account, None
        if dialog is not None:
            dialog.deleteLater()
        self._back_to_credentials(SIGNED_OUT)

    def done(self, result: int) -> None:
        if self.my_account is not None:  # the sign-in closes: so does the session
            self.my_account.reject()
        self.countdown.stop()
        self.setup_panel.clear()  # no key left on screen
        super().done(result)
