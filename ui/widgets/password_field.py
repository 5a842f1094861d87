"""A password box that helps: show or hide the text, a strength meter, the rule it breaks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QVBoxLayout, QWidget

from ui.widgets.icons import icon

if TYPE_CHECKING:  # drawn with the sign-in dialog, before the database library is loaded
    from app.passwords.policy import PasswordOwner, PasswordPolicy

HINT_STYLE = "color: #8a5a00;"
STRENGTH = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


def strength(password: str) -> int:
    """zxcvbn's 0-4 score, before the rules are known (with them, judge_password gives it)."""
    from zxcvbn import zxcvbn  # a large module: loaded when a meter first needs it

    return int(zxcvbn(password[:100])["score"])


class PasswordField(QWidget):
    """The line edit (``edit``) takes paste and password managers as any field does."""

    changed = Signal()

    def __init__(self, *, meter: bool = True) -> None:
        super().__init__()
        self.policy: PasswordPolicy | None = None
        self.owner: PasswordOwner | None = None
        self.edit = QLineEdit()
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        show = self.edit.addAction(icon("eye"), QLineEdit.ActionPosition.TrailingPosition)
        show.setCheckable(True)
        show.setToolTip("Show the password")
        show.toggled.connect(self._show_text)
        self.show_action = show
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        self.meter = QProgressBar()
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(True)
        self.meter.setMaximumHeight(14)
        self.meter.setVisible(meter)
        self.hint = QLabel()
        self.hint.setStyleSheet(HINT_STYLE)
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        layout.addWidget(self.meter)
        layout.addWidget(self.hint)
        self._metered = meter
        self.edit.textChanged.connect(self._update)
        self._update("")

    def set_rules(self, policy: PasswordPolicy, owner: PasswordOwner) -> None:
        self.policy, self.owner = policy, owner
        self._update(self.edit.text())

    def text(self) -> str:
        return self.edit.text()

    def _show_text(self, shown: bool) -> None:
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_action.setToolTip("Hide the password" if shown else "Show the password")

    def _update(self, text: str) -> None:
        score, problems = 0, list[str]()
        if text and self.policy is not None and self.owner is not None:
            from app.passwords.policy import judge_password  # loaded with the rules given

            score, problems = judge_password(self.policy, text, self.owner)  # one estimate
        elif text and self._metered:
            score = strength(text)
        if self._metered:
            self.meter.setValue(score)
            self.meter.setFormat(STRENGTH[score] if text else "")
            self.meter.setAccessibleName(f"Strength: {STRENGTH[score]}" if text else "Strength")
        self.hint.setText(problems[0] if problems else "")
        self.hint.setVisible(bool(problems))
        self.changed.emit()
