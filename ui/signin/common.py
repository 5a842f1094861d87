"""What the sign-in dialogs share: who signed in, and their headings, links and password rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton

from ui.widgets.form import FieldErrors, caption
from ui.widgets.password_field import PasswordField

if TYPE_CHECKING:  # the sign-in dialog is drawn before the database library is loaded
    from app.access import Actor, Right
    from app.practice.company import CompanyInfo


@dataclass(frozen=True)
class Operator:
    """Who signed in to User Setup: what the window shows, audits and allows."""

    company: CompanyInfo
    name: str  # "mreyes (Reyes, Maria)"
    role: str  # the names of their roles, as the status bar shows them
    user_pk: int
    user_id: str
    rights: frozenset[Right] = frozenset()
    # When they entered their password, by the sign-in's clock (SignInFlow.password_at).
    password_at: datetime | None = None

    def actor(self, workstation: str) -> Actor:
        """The operator acting from this workstation, as every service is given them."""
        from app.access import Actor  # loaded by now: the sign-in was answered

        actor = Actor.user(self.user_pk, self.name, workstation, self.rights)
        return actor.with_password_at(self.password_at) if self.password_at else actor


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def link_button(text: str) -> QPushButton:
    """A flat button that reads as a link, e.g. "Forgot password?"."""
    button = QPushButton(text)
    button.setFlat(True)
    button.setAutoDefault(False)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.setStyleSheet("color: palette(link); text-decoration: underline;")
    return button


def new_password_rows(
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


USE_RECOVERY_CODE = "Use a recovery code"
USE_TOKEN = "Use a token instead"


def show_token_or_code(
    token: QLineEdit,
    token_caption: QLabel,
    errors: FieldErrors,
    switch: QPushButton,
    recovery: bool,
    token_label: str,
) -> str:
    """Make the token step's field take a recovery code or a token; the field's label now."""
    label = "Recovery Code" if recovery else token_label
    token_caption.setText(f"{label}:")
    token.setAccessibleName(label)
    token.clear()
    token.setMaxLength(32 if recovery else 7)  # 7: "123 456" as the apps show it
    token.setPlaceholderText("e.g. kx7m-rt4p-9wqz" if recovery else "6 digits")
    token.setInputMethodHints(
        Qt.InputMethodHint.ImhNone if recovery else Qt.InputMethodHint.ImhDigitsOnly
    )
    errors.clear()
    switch.setText(USE_TOKEN if recovery else USE_RECOVERY_CODE)
    return label
