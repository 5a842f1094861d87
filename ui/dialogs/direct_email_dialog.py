"""Direct Email Authentication: an activation code to the saved address, typed back here."""

from __future__ import annotations

import keyring
from argon2 import PasswordHasher
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import UserSetupError, ValidationError
from app.outbound.codes import CODE_DIGITS
from app.outbound.delivery import CompanySenders
from app.outbound.mail import SecretStore
from app.users.direct_email import (
    CodeSent,
    Verification,
    send_activation_code,
    verify_activation_code,
)
from app.users.records import UserRecord
from app.workplace import Workplace
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.widgets.form import ERROR_STYLE, FieldErrors, caption, fit_title, grow_to_fit

TITLE = "Direct Email Authentication"
INTRO = (
    "In order to verify your direct email address an activation code will be sent to your "
    "direct email address."
)
SEND = "Send Activation Code"
CODE = "Activation Code"


class DirectEmailDialog(QDialog):
    """Sends an activation code to the user's saved Direct Email address and checks it.

    Each step is its own transaction: a code sent, and every try with its audit event, stay
    recorded even if the dialog is then closed. ``verified`` carries the user's row id once
    the verification is committed, for the window to show the user again.
    """

    verified = Signal(int)

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        record: UserRecord,
        store: SecretStore = keyring,
        hasher: PasswordHasher | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.record = record
        self.store = store
        self.hasher = hasher
        self.errors = FieldErrors()
        self.setWindowTitle(f"{TITLE} - {record.heading}")
        fit_title(self)

        intro = QLabel(INTRO)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        address = QLabel(f"Direct Email: {record.fields.direct_email}")
        address.setObjectName("address")
        address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.send_button = QPushButton(SEND)
        self.send_button.setAccessibleName(SEND)
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.send)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        self.status.hide()
        self.code = QLineEdit()
        self.code.setMaxLength(CODE_DIGITS + 4)  # room for stray spaces, which are ignored
        self.code.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.code.setMaximumWidth(140)

        grid = QGridLayout()
        grid.addWidget(caption(CODE, self.code), 0, 0, Qt.AlignmentFlag.AlignRight)
        grid.addWidget(self.code, 0, 1, Qt.AlignmentFlag.AlignLeft)
        self.errors.add(grid, "activation_code", self.code, 1, 1)
        grid.setColumnStretch(1, 1)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Close
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(address)
        layout.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addStretch(1)  # room the dialog grows by goes below the fields
        layout.addWidget(buttons)
        self.send_button.setFocus()

    def _say(self, message: str, *, problem: bool = False) -> None:
        self.status.setText(message)
        self.status.setStyleSheet(ERROR_STYLE if problem else "")
        self.status.setVisible(bool(message))
        grow_to_fit(self)

    def send(self) -> None:
        """Mail a new code to the saved address; the outcome is said under the button."""
        pk, source, hasher = self.record.pk, CompanySenders(self.store), self.hasher
        self._say("Sending…")
        self.runner.call(
            lambda: send_activation_code(self.workplace, pk, source, hasher=hasher),
            self._sent,
            failed=self._refused,
            busy=(self.send_button,),
            parent=self,
        )

    def _sent(self, result: CodeSent) -> None:
        self._say(result.message, problem=not result.sent)
        if result.sent:
            self.errors.clear()
            self.code.clear()
            self.code.setFocus()

    def _refused(self, error: UserSetupError) -> None:
        self._say(plain_words(error), problem=True)

    def accept(self) -> None:
        """Check the typed code; the dialog closes once the address is verified."""
        pk, code, hasher = self.record.pk, self.code.text(), self.hasher
        self.runner.run(
            self.workplace,
            lambda work: verify_activation_code(work, pk, code, hasher=hasher),
            self._answered,
            failed=self._not_checked,
            busy=(self.ok_button,),
            parent=self,
        )

    def _not_checked(self, error: UserSetupError) -> None:
        if isinstance(error, ValidationError):
            self.errors.show(error.errors)
            others = [m for n, m in error.errors.items() if not self.errors.owns(n)]
            if others:  # e.g. the address was removed meanwhile
                self._say(" ".join(others), problem=True)
            self.code.setFocus()
        else:
            self._say(plain_words(error), problem=True)

    def _answered(self, result: Verification) -> None:
        if not result.verified:
            self.errors.show({"activation_code": result.message})
            self.code.selectAll()
            self.code.setFocus()
            return
        self.errors.clear()
        self._say(result.message)
        self.verified.emit(self.record.pk)
        super().accept()
