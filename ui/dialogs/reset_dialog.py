"""The front-desk reset: a new temporary password, shown once, copied or printed on a slip."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DatabaseUnavailableError, UserSetupError, ValidationError
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.users.fields import LABELS
from app.users.records import PASSWORD_MAX, UserRecord
from app.users.service import UserService
from app.workplace import Work, Workplace
from ui.dialogs import messages as dialogs
from ui.errors import show_error
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.fitting_stack import FittingStack
from ui.widgets.form import FieldErrors, caption, fit_title
from ui.widgets.password_field import PasswordField
from ui.widgets.practice_locale import new_printer

GENERATE = "Generate a readable temporary password"
TYPE = "Type a password"
MUST_CHANGE = LABELS["must_change_password"]
UNLOCK = "Unlock the account"
SIGN_IN_AND_CHANGE = "Sign in with this password; you will be asked to choose your own."
SIGN_IN = "Sign in with this password."


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text.rstrip("."))
    return button


def _hours(hours: int) -> str:
    return "1 hour" if hours == 1 else f"{hours} hours"


class ResetPasswordDialog(QDialog):
    """Reset one user's password in one transaction, then show the new password this once.

    The password lives only in the read-only field of the second page: it is not logged or
    kept anywhere else, and the audit trail records only that it changed.
    """

    reset_done = Signal(object)  # the user as stored after the reset (a UserRecord)

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        context: PracticeContext,
        record: UserRecord,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.context = context
        self.record = record
        self.errors = FieldErrors()
        self._must_change_done = True  # what the committed reset asked for: the slip says it
        self.setWindowTitle(f"Reset Password - {record.heading}")
        fit_title(self)
        # The policy as the window holds it (saved changes reach it); the reset checks anew.
        policy = context.policy
        self.policy = policy
        # Unless the practice allows typed temporary passwords, typing is not offered.
        self.typing_allowed = policy is not None and policy.allow_typed_temporary

        self.result_page = self._result_page()
        self.stack = FittingStack(self._choice_page(), self.result_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        self._typing_toggled(False)
        self.ok_button.setDefault(True)  # Enter resets: "Ctrl+R, Enter" is the whole job
        self.generate.setFocus()
        # The policy as stored now: another workstation may have changed it since the window
        # read it. Until it is read, the window's copy decides what is offered.
        runner.run(
            workplace,
            lambda work: UserService(
                work.session, work.company, work.actor, work.clock
            ).password_rules(record.pk),
            self._rules_read,
            failed=lambda _error: None,  # the reset itself reads it again, and says why
        )

    def _rules_read(self, rules: tuple[PasswordPolicy, PasswordOwner]) -> None:
        policy, owner = rules
        self.policy = policy
        self.new_password_field.set_rules(policy, owner)
        self.typing_allowed = policy.allow_typed_temporary
        self._offer_typing(self.typing_allowed)
        if not self.typing_allowed:
            self.generate.setChecked(True)

    def _offer_typing(self, offered: bool) -> None:
        """Unless the practice allows typed temporary passwords, typing is not offered."""
        for widget in self.typing_widgets:
            widget.setVisible(offered)
            widget.setEnabled(offered)
        if offered:
            self._typing_toggled(self.type_own.isChecked())

    # Page 1: how to reset

    def _choice_page(self) -> QWidget:
        page = QWidget()
        grid = QGridLayout(page)
        self.generate = QRadioButton(GENERATE)
        self.generate.setAccessibleName(GENERATE)
        self.generate.setChecked(True)
        self.type_own = QRadioButton(TYPE)
        self.type_own.setAccessibleName(TYPE)
        self.type_own.toggled.connect(self._typing_toggled)
        grid.addWidget(self.generate, 0, 0, 1, 2)
        grid.addWidget(self.type_own, 1, 0, 1, 2)

        # The typed password gets the strength meter and the failing rule as it is typed.
        self.new_password_field = PasswordField()
        if self.policy is not None:
            fields = self.record.fields
            self.new_password_field.set_rules(
                self.policy,
                PasswordOwner(
                    fields.user_id,
                    fields.first_name,
                    fields.last_name,
                    self.context.company.code,
                    self.context.company.name,
                ),
            )
        self.new_password = self.new_password_field.edit
        self.new_password.setMaxLength(PASSWORD_MAX + 20)
        self.retype_password = self._password_line()
        typing_widgets: list[QWidget] = [self.type_own]
        rows: tuple[tuple[int, str, QLineEdit, QWidget], ...] = (
            (2, "new_password", self.new_password, self.new_password_field),
            (4, "retype_password", self.retype_password, self.retype_password),
        )
        for row, name, line, widget in rows:
            label = caption(LABELS[name], line)
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, row, 1)
            self.errors.add(grid, name, line, row + 1, 1)
            typing_widgets += [label, widget, line]
        self.typing_widgets = typing_widgets
        self._offer_typing(self.typing_allowed)

        self.must_change = QCheckBox(MUST_CHANGE)
        self.must_change.setAccessibleName(MUST_CHANGE)
        self.must_change.setChecked(True)
        self.must_change.setEnabled(self.context.may_edit)  # Front Desk: always temporary
        self.unlock = QCheckBox(UNLOCK)
        self.unlock.setAccessibleName(UNLOCK)
        self.unlock.setChecked(self.record.fields.login_locked)
        grid.addWidget(self.must_change, 6, 0, 1, 2)
        grid.addWidget(self.unlock, 7, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(8, 1)

        self.ok_button = _button("OK")
        self.cancel_button = _button("Cancel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self.reset)
        self.cancel_button.clicked.connect(self.reject)
        grid.addWidget(buttons, 9, 0, 1, 2)
        return page

    def _password_line(self) -> QLineEdit:
        line = QLineEdit()
        line.setEchoMode(QLineEdit.EchoMode.Password)
        line.setMaxLength(PASSWORD_MAX + 20)  # the policy, not the box, says what is too long
        return line

    def _typing_toggled(self, typing: bool) -> None:
        for line in (self.new_password, self.retype_password):
            line.setEnabled(typing and self.typing_allowed)
        if typing and self.typing_allowed:
            self.new_password.setFocus()
        else:
            self.errors.clear()

    def _typed_password(self) -> str | None:
        """The typed password, or None to generate one; raises ValidationError when unusable."""
        if not (self.typing_allowed and self.type_own.isChecked()):
            return None
        typed, retyped = self.new_password.text(), self.retype_password.text()
        if not typed:
            raise ValidationError({"new_password": "Type the new password, or generate one."})
        if typed != retyped:
            raise ValidationError({"retype_password": "The two passwords differ."})
        return typed

    def reset(self) -> None:
        """OK: reset in one transaction; on success show the password, else say what is wrong."""
        pk = self.record.pk
        must_change, unlock = self.must_change.isChecked(), self.unlock.isChecked()
        try:
            typed = self._typed_password()
        except ValidationError as exc:
            self._show_errors(exc.errors)
            return

        def job(work: Work) -> tuple[str, int, UserRecord]:
            users = UserService(work.session, work.company, work.actor, work.clock)
            password = users.reset_password(
                pk, password=typed, must_change=must_change, unlock=unlock
            )
            return password, users.credentials.policy.temporary_hours, users.get(pk)

        def done(result: tuple[str, int, UserRecord]) -> None:
            password, hours, record = result
            self._show_result(password, must_change or not self.context.may_edit, hours)
            self.reset_done.emit(record)

        def failed(error: UserSetupError) -> None:
            if isinstance(error, ValidationError):
                self._show_errors(error.errors)
            elif isinstance(error, DatabaseUnavailableError):
                dialogs.tell(self, "Database unavailable", f"The password was not reset. {error}")
            else:
                show_error(self, "Password not reset", error)

        self.runner.run(self.workplace, job, done, failed=failed, busy=(self.ok_button,))

    def _show_errors(self, errors: dict[str, str]) -> None:
        """Messages beside the fields they are about; any other (say, a policy changed
        since the dialog opened to forbid typing) in a message box."""
        shown = {
            name: message
            for name, message in errors.items()
            if self.errors.owns(name) and self.typing_allowed and self.type_own.isChecked()
        }
        first = self.errors.show(shown)
        if first is not None:
            first.setFocus()
        rest = [message for name, message in errors.items() if name not in shown]
        if rest:
            dialogs.tell(self, "Password not reset", " ".join(rest))

    # Page 2: the password, shown once

    def _result_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.password_view = QLineEdit()
        self.password_view.setReadOnly(True)
        self.password_view.setAccessibleName("Temporary password")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.8)
        self.password_view.setFont(font)
        self.password_view.setMinimumWidth(self.password_view.fontMetrics().averageCharWidth() * 24)
        self.result_heading = QLabel(f"The temporary password for {self.record.heading}:")
        self.result_heading.setBuddy(self.password_view)
        self.result_note = QLabel()
        self.result_note.setWordWrap(True)
        layout.addWidget(self.result_heading)
        layout.addWidget(self.password_view)
        layout.addWidget(self.result_note)
        layout.addStretch(1)

        self.copy_button = _button("Copy")
        self.print_button = _button("Print...")
        self.close_button = _button("Close")
        buttons = QHBoxLayout()  # in the order of the job: copy or print, then close
        buttons.addStretch(1)
        for button in (self.copy_button, self.print_button, self.close_button):
            buttons.addWidget(button)
        for button in (self.copy_button, self.print_button):
            button.setAutoDefault(False)  # focused, they still leave Enter to Close
        self.copy_button.clicked.connect(self.copy_password)
        self.print_button.clicked.connect(self.print_with_dialog)
        self.close_button.clicked.connect(self.accept)
        layout.addLayout(buttons)
        return page

    def _show_result(self, password: str, must_change: bool, hours: int) -> None:
        self._must_change_done = must_change
        self.password_view.setText(password)
        note = "It is shown only this once."
        if must_change:
            note += (
                " The user must change it at the next sign-in,"
                f" and it stops working after {_hours(hours)}."
            )
        self.result_note.setText(note)
        self.stack.show_page(self.result_page)
        self.close_button.setDefault(True)  # the OK button is hidden now; Enter closes
        self.password_view.setFocus()
        self.password_view.selectAll()

    def done(self, result: int) -> None:
        self.password_view.clear()  # shown once: not left in a closed dialog kept by its parent
        super().done(result)

    def copy_password(self) -> None:
        QGuiApplication.clipboard().setText(self.password_view.text())

    # The slip

    def slip_html(self) -> str:
        """The slip handed to the user: practice, name, User ID, company and the password."""
        fields = self.record.fields
        company = self.context.company
        rows = [
            ("Name", f"{fields.first_name} {fields.last_name}"),
            ("User ID", fields.user_id),
            ("Company", company.code),
        ]
        cells = "".join(
            f"<tr><td>{html.escape(label)}:</td><td><b>{html.escape(value)}</b></td></tr>"
            for label, value in rows
        )
        password = html.escape(self.password_view.text())
        instruction = SIGN_IN_AND_CHANGE if self._must_change_done else SIGN_IN
        return (
            f"<h2>{html.escape(company.name)}</h2>"
            f"<table cellpadding='4'>{cells}"
            f"<tr><td>Password:</td>"
            f"<td><span style='font-family: monospace; font-size: 16pt'>{password}</span>"
            f"</td></tr></table>"
            f"<p>{html.escape(instruction)}</p>"
        )

    def print_slip(self, printer: QPrinter) -> None:
        """Print the slip on this printer (a PDF printer saves it to a file)."""
        document = QTextDocument()
        document.setHtml(self.slip_html())
        document.print_(printer)

    def print_with_dialog(self) -> None:
        printer = new_printer()
        chooser = QPrintDialog(printer, self)
        chooser.setWindowTitle("Print the password slip")
        if chooser.exec() == QDialog.DialogCode.Accepted:
            self.print_slip(printer)
        self.close_button.setFocus()  # printed or not, Enter now closes: it never prints twice
