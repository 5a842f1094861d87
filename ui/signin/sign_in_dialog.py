"""The sign-in dialog, the forced and the chosen password change, and the first-run questions.

The dialogs collect input and show the steps of app.signin.SignInFlow; the flow decides.
"""

from __future__ import annotations

import math
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.access import EVERY_RIGHT, Actor, Right
from app.clock import Clock
from app.db.database import Database
from app.db.models import SetupRole, TwoFactorMethod
from app.errors import UserSetupError, ValidationError
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.practice.company import CompanyInfo
from app.practice.first_start import create_first_administrator
from app.signin.check import (
    PASSWORD_EXPIRED,
    REFUSED,
    SignInFlow,
    SignInRefused,
    Step,
    change_own_password,
    own_password_rules,
)
from app.two_factor.service import PROMPT_TITLES
from app.users.service import UserFields
from ui.widgets.form import ERROR_STYLE, FieldErrors, caption
from ui.widgets.password_field import PasswordField
from ui.widgets.two_factor_widgets import INSTRUCTIONS, AuthenticatorSetup, RecoveryCodesDialog

DEFAULT_TIME_ZONE = "America/New_York"
USE_RECOVERY_CODE = "Use a recovery code"
USE_TOKEN = "Use a token instead"
TOKEN_EXPIRED = "The token has expired; choose Send Token for a new one."


@dataclass(frozen=True)
class Operator:
    """Who signed in to User Setup: what the window shows, audits and allows."""

    company: CompanyInfo
    name: str  # "mreyes (Reyes, Maria)"
    role: str  # a SetupRole value, as the status bar names it
    user_pk: int
    user_id: str
    rights: frozenset[Right] = frozenset()

    def actor(self, workstation: str) -> Actor:
        """The operator acting from this workstation, as every service is given them."""
        return Actor.user(self.user_pk, self.name, workstation, self.rights)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _link_button(text: str) -> QPushButton:
    """A flat button that reads as a link, e.g. "Forgot password?"."""
    button = QPushButton(text)
    button.setFlat(True)
    button.setAutoDefault(False)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet("color: palette(link); text-decoration: underline;")
    return button


def _new_password_rows(
    grid: QGridLayout, row: int, errors: FieldErrors
) -> tuple[PasswordField, PasswordField]:
    """New Password (strength meter, rule hints) and Verify from ``row``, each error beneath."""
    new_password, verify = PasswordField(), PasswordField(meter=False)
    for offset, (name, label, field) in enumerate(
        (("new_password", "New Password", new_password), ("verify", "Verify", verify))
    ):
        at = row + 2 * offset
        grid.addWidget(caption(label, field.edit), at, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(field, at, 1)
        errors.add(grid, name, field.edit, at + 1, 1)
    return new_password, verify


def _own_password_rules(
    database: Database, company: CompanyInfo, user_id: str
) -> tuple[int, PasswordPolicy, PasswordOwner]:
    """The user's row id, the company's policy and whose password it is, for the hints."""
    with database.transaction() as session:
        return own_password_rules(session, company, user_id)


class SignInDialog(QDialog):
    """User ID, Password and Company; then the second factor (a token, or setting up an
    authenticator); then, when due, "Your password has expired"."""

    def __init__(self, flow: SignInFlow, company_code: str = "") -> None:
        super().__init__()
        self.flow = flow
        self.operator: Operator | None = None
        self.expires_at: datetime | None = None  # when the token sent by mail or text expires
        self.recovery_mode = False  # the token step takes a recovery code instead
        self._send_failed = False
        self._token_label = "Token"
        self.setWindowTitle("User Setup - Sign In")
        self.stack = QStackedWidget()
        self.credentials_page = self._credentials_page(company_code)
        self.token_page = self._token_page()
        self.setup_page = self._setup_page()
        self.change_page = self._change_page()
        for page in (self.credentials_page, self.token_page, self.setup_page, self.change_page):
            self.stack.addWidget(page)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign In")
        self.ok_button.setDefault(True)
        self.skip_button = buttons.addButton("Skip for now", QDialogButtonBox.ButtonRole.ActionRole)
        self.skip_button.setAutoDefault(False)
        self.skip_button.clicked.connect(self._skip_setup)
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
        grid.addWidget(_heading("Sign in to User Setup"), 0, 0, 1, 2)
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
        self.forgot_button = _link_button("Forgot password?")
        self.forgot_button.clicked.connect(self.forgot_password)
        grid.addWidget(self.forgot_button, 5, 1, Qt.AlignmentFlag.AlignLeft)
        return page

    def forgot_password(self) -> None:
        """A code by e-mail and a new password, then back here to sign in with it."""
        from ui.signin.recovery_dialog import DONE, ForgotPasswordDialog

        dialog = ForgotPasswordDialog(
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
        self.token_heading = _heading("")
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
        self.recovery_button = _link_button(USE_RECOVERY_CODE)
        self.recovery_button.clicked.connect(
            lambda: self._use_recovery_code(not self.recovery_mode)
        )
        grid.addWidget(self.recovery_button, 5, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(6, 1)  # the fields stay together at the top
        return page

    def _setup_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.setup_heading = _heading("")
        self.setup_heading.setObjectName("setup_heading")
        layout.addWidget(self.setup_heading)
        self.setup_hint = QLabel()
        self.setup_hint.setObjectName("setup_hint")
        self.setup_hint.setWordWrap(True)
        layout.addWidget(self.setup_hint)
        self.setup_panel = AuthenticatorSetup()
        self.setup_panel.title_changed.connect(self._retitle)
        self.setup_panel.verify_requested.connect(self._submit_setup_token)
        layout.addWidget(self.setup_panel)
        return page

    def _change_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(_heading(PASSWORD_EXPIRED), 0, 0, 1, 2)
        self.change_errors = FieldErrors()
        self.new_password, self.verify = _new_password_rows(grid, 1, self.change_errors)
        return page

    # Moving through the steps

    def _show_page(self, page: QWidget) -> None:
        """Show one step, with the dialog sized to it rather than to its largest step."""
        for other in self.stack.findChildren(
            QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
        ):
            policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
            other.setSizePolicy(policy, policy)
        self.stack.setCurrentWidget(page)
        self.stack.adjustSize()
        self.adjustSize()

    def _next(self) -> None:
        step = self.flow.step
        if step is Step.CREDENTIALS:
            self._submit_password()
        elif step is Step.TOKEN:
            self._submit_token()
        elif step is Step.SETUP:
            self._setup_next()
        elif step is Step.CHANGE_PASSWORD:
            self._submit_new_password()

    def _show_step(self) -> None:
        """The page of the flow's step, or signed in."""
        step = self.flow.step
        self.ok_button.show()
        self.skip_button.setVisible(step is Step.SETUP and self.flow.may_skip_setup)
        if step is not Step.TOKEN:
            self.countdown.stop()
        if step is Step.TOKEN:
            self._show_token_page()
        elif step is Step.SETUP:
            self._show_setup_page()
        elif step is Step.CHANGE_PASSWORD:
            self._show_change_page()
        elif step is Step.SIGNED_IN:
            self._signed_in()

    def _back_to_credentials(self, message: str) -> None:
        """Refused part way (e.g. locked by wrong tokens): start again from the password."""
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
        self._show_page(self.credentials_page)
        self.password.clear()
        self.password.setFocus()

    def _submit_password(self) -> None:
        try:
            self.flow.submit_password(
                self.company.text(), self.user_id.text(), self.password.text()
            )
        except SignInRefused as refused:
            self.refusal.setText(str(refused))
            self.password.clear()
            self.password.setFocus()
            return
        except UserSetupError as problem:  # the database, in plain words
            self.refusal.setText(str(problem))
            return
        self.password.clear()
        self.refusal.clear()
        self._show_step()

    # The token

    def _show_token_page(self) -> None:
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
        self._show_page(self.token_page)
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
        label = "Recovery Code" if recovery else self._token_label
        self.token_heading.setText(f"{label}: Required")
        self.token_caption.setText(f"{label}:")
        self.token.setAccessibleName(label)
        self.token.clear()
        self.token.setMaxLength(32 if recovery else 7)  # 7: "123 456" as the apps show it
        self.token.setPlaceholderText("e.g. kx7m-rt4p-9wqz" if recovery else "6 digits")
        self.token.setInputMethodHints(
            Qt.InputMethodHint.ImhNone if recovery else Qt.InputMethodHint.ImhDigitsOnly
        )
        self.token_errors.clear()
        self.recovery_button.setText(USE_TOKEN if recovery else USE_RECOVERY_CODE)
        sends = self._token_is_sent and not recovery
        self.send_button.setVisible(sends)
        self.token_sent.setVisible(not recovery)
        self.time_left.setVisible(sends and self.expires_at is not None)
        self.token.setFocus()

    def send_token(self) -> None:
        """Send (or resend) a token by mail or text; the flow says when it is too soon."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            sent = self.flow.send_token()
        except SignInRefused as refused:
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:
            self._say_sent(str(problem), failed=True)
            return
        finally:
            QApplication.restoreOverrideCursor()
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
        try:
            if self.recovery_mode:
                self.flow.submit_recovery_code(text)
            else:
                self.flow.submit_token(text)
        except SignInRefused as refused:  # locked: too many wrong tokens
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:  # TokenRefused: what to do, for the person
            self.token_errors.show({"token": str(problem)})
            self.token.selectAll()
            self.token.setFocus()
            return
        self.token.clear()
        self.token_errors.clear()
        self._show_step()

    # Setting up an authenticator

    def _show_setup_page(self) -> None:
        suggested = self.flow.may_skip_setup
        self.setup_heading.setText(
            "Your practice suggests signing in with an authenticator app on your phone; "
            "set it up now, or skip it for now."
            if suggested
            else "Your practice requires an authenticator app on your phone for signing in: "
            "set it up to go on."
        )
        panel = self.setup_panel
        panel.clear()
        try:
            enrolment = self.flow.begin_setup("")  # the company's name, as the app shows it
        except SignInRefused as refused:  # the hours ended, or the account expired, meanwhile
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:
            panel.errors.show({"title": str(problem)})
        else:
            panel.title.setText(enrolment.title)
        self.setup_hint.setText(
            "Enter the title your authenticator app will show beside the tokens, then choose Next."
        )
        self._show_setup_fields(False)
        self.ok_button.setText("Next")
        self._show_page(self.setup_page)
        panel.title.setFocus()
        panel.title.selectAll()

    def _show_setup_fields(self, shown: bool) -> None:
        """The title alone first; then the QR code, the Manual Entry Key and the token."""
        panel = self.setup_panel
        for widget in panel.findChildren(QWidget):
            if (
                widget is panel.title
                or (isinstance(widget, QLabel) and widget.buddy() is panel.title)
                or widget.objectName().endswith("_error")  # shown with their message
            ):
                continue
            widget.setVisible(shown)

    @property
    def setup_shows_code(self) -> bool:
        """Past the title: the QR code and the token are on screen."""
        return self.setup_panel.enrolment is not None

    def _setup_next(self) -> None:
        """Next, after the title: the QR code for that title, and the token to verify it."""
        if self.setup_shows_code:
            self._submit_setup_token(self.setup_panel.token.text())
            return
        panel = self.setup_panel
        try:
            enrolment = self.flow.begin_setup(panel.title.text())
        except ValidationError as exc:
            first = panel.errors.show(exc.errors)
            (first or panel.title).setFocus()
            return
        except SignInRefused as refused:
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:
            panel.errors.show({"title": str(problem)})
            return
        self._show_setup_fields(True)
        panel.show_enrolment(enrolment)
        self.setup_hint.setText("\n".join(f"{n}. {s}" for n, s in enumerate(INSTRUCTIONS, 1)))
        self._show_page(self.setup_page)  # grown to the QR code and the key
        # The panel's own Verify (and Enter in its token field) goes on from here.
        self.ok_button.hide()
        panel.token.setFocus()

    def _retitle(self, title: str) -> None:
        """A new title once the code is shown: the QR code carries it, so it is made again."""
        panel = self.setup_panel
        if self.flow.step is not Step.SETUP or panel.enrolment is None:
            return
        if title == panel.enrolment.title:
            return
        try:
            enrolment = self.flow.begin_setup(title)
        except SignInRefused as refused:
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:
            errors = problem.errors if isinstance(problem, ValidationError) else {}
            panel.errors.show(errors or {"title": str(problem)})
            return
        panel.show_enrolment(enrolment)

    def _submit_setup_token(self, token: str) -> None:
        panel = self.setup_panel
        if self.flow.step is not Step.SETUP or panel.enrolment is None:
            return
        if not token.strip():
            panel.errors.show({"token": "Enter the 6-digit token the app shows."})
            panel.token.setFocus()
            return
        try:
            self.flow.submit_setup_token(token)
        except SignInRefused as refused:
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:  # TokenRefused: what to do, for the person
            panel.errors.show({"token": str(problem)})
            panel.token.selectAll()
            panel.token.setFocus()
            return
        panel.clear()
        self._show_recovery_codes()
        self._show_step()

    def _show_recovery_codes(self) -> None:
        """The ten recovery codes of the new authenticator, shown once, then forgotten."""
        codes, self.flow.recovery_codes = self.flow.recovery_codes, []
        result = self.flow.result
        if not codes or result is None or result.company is None:
            return
        RecoveryCodesDialog(self, codes, self.flow.operator, result.company.name).exec()

    def _skip_setup(self) -> None:
        if self.flow.step is not Step.SETUP or not self.flow.may_skip_setup:
            return
        try:
            self.flow.skip_setup()
        except SignInRefused as refused:  # the hours ended, or the account expired, meanwhile
            self._back_to_credentials(str(refused))
            return
        self.setup_panel.clear()
        self._show_step()

    # The forced password change, and in

    def _show_change_page(self) -> None:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_id is not None
        _, policy, owner = _own_password_rules(self.flow.database, result.company, result.user_id)
        self.new_password.set_rules(policy, owner)
        self.ok_button.setText("Change Password")
        self._show_page(self.change_page)
        self.new_password.edit.setFocus()

    def _submit_new_password(self) -> None:
        try:
            self.flow.submit_new_password(self.new_password.text(), self.verify.text())
        except ValidationError as exc:
            first = self.change_errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        except SignInRefused as refused:  # the hours ended, or the account expired, meanwhile
            self._back_to_credentials(str(refused))
            return
        except UserSetupError as problem:
            self.change_errors.show({"new_password": str(problem)})
            return
        self._show_step()

    def _signed_in(self) -> None:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_pk is not None
        self.operator = Operator(
            result.company,
            self.flow.operator,
            result.setup_role or "",
            result.user_pk,
            result.user_id or "",
            result.rights,
        )
        self.accept()

    def done(self, result: int) -> None:
        self.countdown.stop()
        self.setup_panel.clear()  # no key left on screen
        super().done(result)


class ChangePasswordDialog(QDialog):
    """Any signed-in operator changes their own password: the current one, then the new one.

    Nothing changes on any error; a wrong current password counts as a failed sign-in.
    """

    def __init__(self, parent: QWidget | None, database: Database, clock: Clock,
                 company: CompanyInfo, user_id: str, workstation: str,
                 operator: str) -> None:  # fmt: skip
        super().__init__(parent)
        self.database = database
        self.clock = clock
        self.company = company
        self.workstation = workstation
        self.operator_name = operator  # as the audit trail names them
        self.user_pk, policy, owner = _own_password_rules(database, company, user_id)
        self.setWindowTitle("Change My Password")
        layout = QVBoxLayout(self)
        layout.addWidget(_heading(f"Change the password of {user_id} in {company.code}"))
        grid = QGridLayout()
        layout.addLayout(grid)
        self.errors = FieldErrors()
        self.current = QLineEdit()
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        grid.addWidget(caption("Current Password", self.current), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.current, 0, 1)
        self.errors.add(grid, "current_password", self.current, 1, 1)
        self.new_password, self.verify = _new_password_rows(grid, 2, self.errors)
        self.new_password.set_rules(policy, owner)
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

    def _change(self) -> None:
        try:
            change_own_password(
                self.database,
                self.company,
                self.user_pk,
                self.new_password.text(),
                self.verify.text(),
                clock=self.clock,
                workstation=self.workstation,
                operator=self.operator_name,
                current_password=self.current.text(),
            )
        except ValidationError as exc:
            if "current_password" in exc.errors:
                self.current.clear()
            first = self.errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        except UserSetupError as problem:  # the database, in plain words
            self.errors.show({"new_password": str(problem)})
            return
        self.accept()


def _time_zones() -> list[str]:
    return sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc"))


class FirstRunDialog(QDialog):
    """An empty database: the practice and its first administrator, who is then signed in."""

    FIELDS = (
        ("code", "Company Code"),
        ("name", "Company Name"),
        ("time_zone", "Time Zone"),
        ("user_id", "User ID"),
        ("first_name", "First Name"),
        ("last_name", "Last Name"),
    )

    def __init__(self, database: Database, clock: Clock, workstation: str) -> None:
        super().__init__()
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.operator: Operator | None = None
        self.setWindowTitle("User Setup - First Start")
        layout = QVBoxLayout(self)
        layout.addWidget(
            _heading(
                "This database is empty. Enter your practice and its first administrator; "
                "they will sign in with this password from now on."
            )
        )
        grid = QGridLayout()
        layout.addLayout(grid)
        self.errors = FieldErrors()
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        for row, (name, label) in enumerate(self.FIELDS):
            widget: QLineEdit | QComboBox
            if name == "time_zone":
                widget = QComboBox()
                widget.addItems(_time_zones())
                widget.setCurrentText(DEFAULT_TIME_ZONE)
            else:
                widget = QLineEdit()
            self.inputs[name] = widget
            grid.addWidget(caption(label, widget), 2 * row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, 2 * row, 1)
            self.errors.add(grid, name, widget, 2 * row + 1, 1)
        self.password = PasswordField()
        self.retype = PasswordField(meter=False)
        self.password.set_rules(PasswordPolicy(), self._owner())
        for name in ("user_id", "first_name", "last_name", "code", "name"):
            widget = self.inputs[name]
            assert isinstance(widget, QLineEdit)
            widget.textChanged.connect(
                lambda _text: self.password.set_rules(PasswordPolicy(), self._owner())
            )
        row = len(self.FIELDS)
        for offset, (name, label, field) in enumerate(
            (
                ("new_password", "Password", self.password),
                ("retype_password", "ReType", self.retype),
            )
        ):
            grid.addWidget(
                caption(label, field.edit), 2 * (row + offset), 0, Qt.AlignmentFlag.AlignRight
            )
            grid.addWidget(field, 2 * (row + offset), 1)
            self.errors.add(grid, name, field.edit, 2 * (row + offset) + 1, 1)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create and Sign In")
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _text(self, name: str) -> str:
        widget = self.inputs[name]
        return widget.currentText() if isinstance(widget, QComboBox) else widget.text()

    def _owner(self) -> PasswordOwner:
        return PasswordOwner(
            self._text("user_id"),
            self._text("first_name"),
            self._text("last_name"),
            self._text("code"),
            self._text("name"),
        )

    def _create(self) -> None:
        administrator = UserFields(
            user_id=self._text("user_id"),
            first_name=self._text("first_name"),
            last_name=self._text("last_name"),
            title="Practice Administrator",
            new_password=self.password.text(),
            retype_password=self.retype.text(),
        )
        actor = Actor.first_start(administrator.user_id, self.workstation)
        try:
            with self.database.transaction() as session:
                company, record = create_first_administrator(
                    session,
                    company_code=self._text("code"),
                    company_name=self._text("name"),
                    time_zone=self._text("time_zone"),
                    user=administrator,
                    actor=actor,
                    clock=self.clock,
                )
        except ValidationError as exc:
            first = self.errors.show(exc.errors)
            if first is not None:
                first.setFocus()
            return
        except UserSetupError as problem:
            self.errors.show({"code": str(problem)})
            return
        self.operator = Operator(
            company,
            f"{record.fields.user_id} ({record.list_name})",
            SetupRole.ADMINISTRATOR.value,
            record.pk,
            record.fields.user_id,
            EVERY_RIGHT,
        )
        self.accept()


class IdleLockDialog(QDialog):
    """The window locked after the idle time: the operator's password opens it again.

    Shown window-modal with open(), so the window and its unsaved edits stay as they are.
    """

    sign_out = Signal()

    def __init__(self, parent: QWidget, database: Database, clock: Clock, company: CompanyInfo,
                 user_id: str, workstation: str, why: str = "") -> None:  # fmt: skip
        super().__init__(parent)
        self.database = database
        self.clock = clock
        self.company = company
        self.user_id = user_id
        self.workstation = workstation
        self.setWindowTitle("User Setup - Locked")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        why = why or "User Setup was locked because it was not used for a while."
        layout.addWidget(
            _heading(f"{why} {user_id}, enter your password to go on; unsaved changes are kept.")
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
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        buttons.accepted.connect(self._check)
        # A way out that needs no password: unsaved changes are lost, nothing is saved.
        self.sign_out_button = buttons.addButton(
            "Sign Out", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.sign_out_button.clicked.connect(self.sign_out.emit)
        layout.addWidget(buttons)

    def _check(self) -> None:
        from app.signin.check import ACCOUNT_CLOSED, Reason, SignInService

        try:
            with self.database.transaction() as session:
                result = SignInService(session, self.clock, self.workstation).check(
                    self.company.code, self.user_id, self.password.text(), second_factor_done=True
                )
        except UserSetupError as problem:
            self.refusal.setText(str(problem))
            return
        self.password.clear()
        if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
            self.accept()
        elif result.reason in ACCOUNT_CLOSED:  # the password was right: say why
            self.refusal.setText(ACCOUNT_CLOSED[result.reason])
        else:
            self.refusal.setText(REFUSED)

    def reject(self) -> None:  # Escape does not get past the lock
        pass
