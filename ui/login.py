"""The sign-in dialog, the forced and the chosen password change, and the first-run questions.

The dialogs collect input and show the steps of app.signin.SignInFlow; the flow decides.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import Clock
from app.db import Database
from app.errors import UserSetupError, ValidationError
from app.models import SetupRole
from app.policy import PasswordOwner, PasswordPolicy
from app.practice import CompanyInfo
from app.setup import create_first_administrator
from app.signin import (
    PASSWORD_EXPIRED,
    REFUSED,
    SignInFlow,
    SignInRefused,
    Step,
    change_own_password,
)
from app.users import UserFields, UserService
from ui.form import ERROR_STYLE, FieldErrors, caption
from ui.password_field import PasswordField

DEFAULT_TIME_ZONE = "America/New_York"


@dataclass(frozen=True)
class Operator:
    """Who signed in to User Setup: what the window shows, audits and allows."""

    company: CompanyInfo
    name: str  # "mreyes (Reyes, Maria)"
    role: str  # a SetupRole value
    user_pk: int
    user_id: str


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


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
        users = UserService(session, company, user_id)
        record = users.find(user_id)
        fields = record.fields
        owner = users.credentials.owner(fields.user_id, fields.first_name, fields.last_name)
        return record.pk, users.credentials.policy, owner


class SignInDialog(QDialog):
    """User ID, Password and Company; then, when due, "Your password has expired"."""

    def __init__(self, flow: SignInFlow, company_code: str = "") -> None:
        super().__init__()
        self.flow = flow
        self.operator: Operator | None = None
        self.setWindowTitle("User Setup - Sign In")
        self.stack = QStackedWidget()
        self.stack.addWidget(self._credentials_page(company_code))
        self.stack.addWidget(self._change_page())
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Sign In")
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self._next)
        buttons.rejected.connect(self.reject)
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
        self.forgot_button = QPushButton("Forgot password?")
        self.forgot_button.setFlat(True)
        self.forgot_button.setAutoDefault(False)
        self.forgot_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.forgot_button.setStyleSheet("color: palette(link); text-decoration: underline;")
        self.forgot_button.clicked.connect(self.forgot_password)
        grid.addWidget(self.forgot_button, 5, 1, Qt.AlignmentFlag.AlignLeft)
        return page

    def forgot_password(self) -> None:
        """A code by e-mail and a new password, then back here to sign in with it."""
        from ui.recovery_dialog import DONE, ForgotPasswordDialog

        dialog = ForgotPasswordDialog(
            self.flow.database,
            self.flow.clock,
            self.flow.workstation,
            self.company.text(),
            self.user_id.text(),
        )
        if dialog.exec():
            self.refusal.setText(DONE)
            self.password.setFocus()

    def _change_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        grid.addWidget(_heading(PASSWORD_EXPIRED), 0, 0, 1, 2)
        self.change_errors = FieldErrors()
        self.new_password, self.verify = _new_password_rows(grid, 1, self.change_errors)
        return page

    def _next(self) -> None:
        if self.flow.step is Step.CREDENTIALS:
            self._submit_password()
        elif self.flow.step is Step.CHANGE_PASSWORD:
            self._submit_new_password()
        if self.flow.step is Step.SIGNED_IN:
            self._signed_in()

    def _submit_password(self) -> None:
        try:
            step = self.flow.submit_password(
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
        if step is Step.CHANGE_PASSWORD:
            self._show_change_page()

    def _show_change_page(self) -> None:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_id is not None
        _, policy, owner = _own_password_rules(self.flow.database, result.company, result.user_id)
        self.new_password.set_rules(policy, owner)
        self.ok_button.setText("Change Password")
        self.stack.setCurrentIndex(1)
        self.new_password.edit.setFocus()

    def _submit_new_password(self) -> None:
        try:
            self.flow.submit_new_password(self.new_password.text(), self.verify.text())
        except ValidationError as exc:
            first = self.change_errors.show(exc.errors)
            if first is not None:
                first.setFocus()
        except UserSetupError as problem:
            self.change_errors.show({"new_password": str(problem)})

    def _signed_in(self) -> None:
        result = self.flow.result
        assert result is not None and result.company is not None and result.user_pk is not None
        self.operator = Operator(
            result.company,
            self.flow.operator,
            result.setup_role or "",
            result.user_pk,
            result.user_id or "",
        )
        self.accept()


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
        operator = f"{administrator.user_id} at {self.workstation} (first start)"
        try:
            with self.database.transaction() as session:
                company, record = create_first_administrator(
                    session,
                    company_code=self._text("code"),
                    company_name=self._text("name"),
                    time_zone=self._text("time_zone"),
                    user=administrator,
                    operator=operator,
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
        )
        self.accept()


class IdleLockDialog(QDialog):
    """The window locked after the idle time: the operator's password opens it again.

    Shown window-modal with open(), so the window and its unsaved edits stay as they are.
    """

    sign_out = Signal()

    def __init__(self, parent: QWidget, database: Database, clock: Clock, company: CompanyInfo,
                 user_id: str, workstation: str) -> None:  # fmt: skip
        super().__init__(parent)
        self.database = database
        self.clock = clock
        self.company = company
        self.user_id = user_id
        self.workstation = workstation
        self.setWindowTitle("User Setup - Locked")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        layout = QVBoxLayout(self)
        layout.addWidget(
            _heading(f"User Setup was locked because it was not used for a while. "
                     f"{user_id}, enter your password to go on; unsaved changes are kept.")
        )  # fmt: skip
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
        from app.signin import Reason, SignInService

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
        else:
            self.refusal.setText(REFUSED)

    def reject(self) -> None:  # Escape does not get past the lock
        pass
