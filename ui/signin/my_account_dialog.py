"""User Setup - My Account: what a user without User Setup rights sees after signing in, when
their roles give a self-service right ("Change own password", "User Two Factor
Authentication"). Only their own account, only what those rights allow; nothing else of User
Setup opens, and closing it ends the session (the sign-in dialog is back at the password).

The buttons only mirror the rights: app.signin.own_password and app.two_factor.service refuse
each change without the right, held now, and the new authenticator without a password entered
within 5 minutes (asked here again, as the window asks it: ui.window.password_again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.access import Right
from app.errors import PasswordAgainError, UserSetupError, ValidationError
from app.two_factor.service import Enrolment, TwoFactorService
from app.workplace import Work, Workplace
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import Operator, heading
from ui.signin.password_again_dialog import PasswordAgainDialog, PasswordQueue
from ui.widgets.form import fit_title
from ui.widgets.two_factor_widgets import INSTRUCTIONS, AuthenticatorSetup, RecoveryCodesDialog

TITLE = "User Setup - My Account"
CHANGE_PASSWORD = "Change My Password"
AUTHENTICATOR_AGAIN = "Set Up My Authenticator Again"
PASSWORD_CHANGED = "Your password was changed."
AUTHENTICATOR_REPLACED = (
    "Your new authenticator is set up; the one on your old phone no longer works."
)


def _service(work: Work) -> TwoFactorService:
    return TwoFactorService(work.session, work.company, work.actor, work.clock)


class MyAccountDialog(QDialog):
    """The signed-in user's own self-service screen. While it is open it answers the runner's
    PasswordAgainError (ui.operations.PasswordAsker): the password is asked in a small dialog
    and the job runs again."""

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        operator: Operator,
        workstation: str,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.operator = operator
        self.workstation = workstation
        self.password_queue = PasswordQueue(self.entered)
        self.setWindowTitle(TITLE)
        fit_title(self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"My Account: {operator.name}"))
        note = QLabel(
            "Your roles give you no access to User Setup itself; here you can look after "
            "your own sign-in. Close this window to sign out."
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        rights = operator.rights
        self.password_button: QPushButton | None = None
        self.authenticator_button: QPushButton | None = None
        if Right.CHANGE_OWN_PASSWORD in rights:
            self.password_button = QPushButton(CHANGE_PASSWORD)
            self.password_button.setAccessibleName(CHANGE_PASSWORD)
            self.password_button.clicked.connect(self.change_password)
            layout.addWidget(self.password_button)
        if Right.OWN_TWO_FACTOR in rights:
            self.authenticator_button = QPushButton(AUTHENTICATOR_AGAIN)
            self.authenticator_button.setAccessibleName(AUTHENTICATOR_AGAIN)
            self.authenticator_button.clicked.connect(self.set_up_authenticator)
            layout.addWidget(self.authenticator_button)
        self.status = QLabel()
        self.status.setObjectName("my_account_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setText("Sign Out")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        runner.password_asker = self

    # What the buttons open

    def change_password(self) -> None:
        """The dialog of the window's Change My Password, as this user (app/ checks the
        right "Change own password")."""
        from ui.signin.password_dialog import ChangePasswordDialog

        operator = self.operator
        dialog = ChangePasswordDialog(
            self, self.runner, self.workplace.database, self.workplace.clock, operator.company,
            operator.user_id, self.workstation, operator.name, actor=self.workplace.actor,
        )  # fmt: skip
        dialog.accepted.connect(self._password_changed)
        self.password_dialog = dialog
        dialog.open()

    def _password_changed(self) -> None:
        # The current password was entered with it: as good as entering it again.
        self.entered(self.workplace.clock())
        self.status.setText(PASSWORD_CHANGED)

    def set_up_authenticator(self) -> None:
        """A new phone: its key, verified by its own token before it replaces the old one."""
        dialog = NewAuthenticatorDialog(self, self.runner, self)
        self.authenticator_dialog = dialog
        dialog.open()
        dialog.start()  # over the open dialog: the password, if it must be asked again

    def authenticator_replaced(self, codes: list[str]) -> None:
        """The new authenticator's ten recovery codes, shown once, over this screen."""
        self.status.setText(AUTHENTICATOR_REPLACED)
        operator = self.operator
        self.codes_dialog = RecoveryCodesDialog(self, codes, operator.name, operator.company.name)
        self.codes_dialog.open()

    # The runner's PasswordAsker

    def entered(self, at: datetime) -> None:
        actor = self.workplace.actor
        if actor.password_at is None or actor.password_at < at:
            self.workplace = replace(self.workplace, actor=actor.with_password_at(at))

    def freshen(self, workplace: Workplace) -> Workplace:
        latest = self.workplace.actor.password_at
        actor = workplace.actor
        if latest is None or (actor.password_at is not None and actor.password_at >= latest):
            return workplace
        return replace(workplace, actor=actor.with_password_at(latest))

    def ask(
        self,
        parent: QWidget | None,
        error: PasswordAgainError,
        entered: Callable[[], object],
        cancelled: Callable[[], object],
    ) -> None:
        if not self.password_queue.wait(entered, cancelled):  # one password answers both
            return
        operator = self.operator
        dialog = PasswordAgainDialog(
            parent.window() if parent is not None else self, self.runner,
            self.workplace.database, self.workplace.clock, operator.company, operator.user_id,
            self.workstation, str(error),
        )  # fmt: skip
        self.password_queue.open(dialog)

    def done(self, result: int) -> None:
        if self.runner.password_asker is self:
            self.runner.password_asker = None
        super().done(result)


class NewAuthenticatorDialog(QDialog):
    """Set Up My Authenticator Again: the title, the QR code and the Manual Entry Key of a new
    key (kept in memory only), and the token from the new phone to verify it; then the ten
    recovery codes, shown once."""

    def __init__(self, parent: QWidget, runner: OperationRunner, account: MyAccountDialog):
        super().__init__(parent)
        self.runner = runner
        self.account = account
        self.setWindowTitle(AUTHENTICATOR_AGAIN)
        fit_title(self)
        layout = QVBoxLayout(self)
        layout.addWidget(
            heading("Your authenticator keeps working until the new phone's token is verified.")
        )
        hint = QLabel("\n".join(f"{n}. {s}" for n, s in enumerate(INSTRUCTIONS, 1)))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.panel = AuthenticatorSetup()
        self.panel.title_changed.connect(self._retitle)
        self.panel.verify_requested.connect(self.verify)
        layout.addWidget(self.panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def start(self) -> None:
        """The new key, for the title the practice's name gives."""
        self._enrol("")

    def _enrol(self, title: str) -> None:
        enrolment = self.panel.enrolment
        secret = enrolment.secret if enrolment is not None else None
        self.runner.run(
            self.account.workplace,
            lambda work: _service(work).own_enrolment(title, secret),
            self._show,
            failed=self._refused,
            busy=(self.panel.verify_button,),
            parent=self,
        )

    def _show(self, enrolment: Enrolment) -> None:
        self.panel.show_enrolment(enrolment)
        self.panel.token.setFocus()

    def _retitle(self, title: str) -> None:
        enrolment = self.panel.enrolment
        if enrolment is not None and title != enrolment.title:
            self._enrol(title)  # the title is in the QR code: the same key, made again

    def verify(self, token: str) -> None:
        enrolment = self.panel.enrolment
        if enrolment is None:
            return
        if not token.strip():
            self.panel.errors.show({"token": "Enter the 6-digit token the app shows."})
            self.panel.token.setFocus()
            return
        self.runner.run(
            self.account.workplace,
            lambda work: _service(work).replace_own_authenticator(enrolment, token),
            self._replaced,
            failed=self._refused,
            busy=(self.panel.verify_button,),
            parent=self,
        )

    def _replaced(self, codes: list[str]) -> None:
        self.accept()  # no key left on screen
        self.account.authenticator_replaced(codes)

    def _refused(self, problem: UserSetupError) -> None:
        if isinstance(problem, ValidationError):
            first = self.panel.errors.show(problem.errors)
            if first is not None:
                first.setFocus()
                if first is self.panel.token:
                    first.selectAll()
        else:  # not allowed (any more), the password not entered again, or the database
            self.panel.errors.show({"token": plain_words(problem)})

    def done(self, result: int) -> None:
        self.panel.clear()
        super().done(result)
