"""The first start: an empty database gets its practice and first administrator."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLineEdit,
    QVBoxLayout,
)

from app.access import EVERY_RIGHT, Actor
from app.clock import Clock
from app.db.database import Database
from app.errors import UserSetupError, ValidationError
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.practice.company import CompanyInfo
from app.practice.first_start import start_practice
from app.users.records import UserFields, UserRecord
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.signin.common import Operator, heading
from ui.widgets.form import FieldErrors, caption, fit_title
from ui.widgets.password_field import PasswordField

DEFAULT_TIME_ZONE = "America/New_York"


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

    def __init__(
        self, runner: OperationRunner, database: Database, clock: Clock, workstation: str
    ) -> None:
        super().__init__()
        self.runner = runner
        self.database = database
        self.clock = clock
        self.workstation = workstation
        self.operator: Operator | None = None
        self.setWindowTitle("User Setup - First Start")
        fit_title(self)
        layout = QVBoxLayout(self)
        layout.addWidget(
            heading(
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
        self.create_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create and Sign In")
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
        database, clock = self.database, self.clock
        code, name, zone = self._text("code"), self._text("name"), self._text("time_zone")
        self.runner.call(
            lambda: start_practice(
                database, company_code=code, company_name=name, time_zone=zone,
                user=administrator, actor=actor, clock=clock,
            ),
            self._started,
            failed=self._refused,
            busy=(self.create_button,),
            parent=self,
        )  # fmt: skip

    def _refused(self, error: UserSetupError) -> None:
        if isinstance(error, ValidationError):
            first = self.errors.show(error.errors)
            if first is not None:
                first.setFocus()
        else:
            self.errors.show({"code": plain_words(error)})

    def _started(self, started: tuple[CompanyInfo, UserRecord]) -> None:
        company, record = started
        self.operator = Operator(
            company,
            f"{record.fields.user_id} ({record.list_name})",
            "Administrator",
            record.pk,
            record.fields.user_id,
            EVERY_RIGHT,
            self.clock(),  # the administrator's password was typed just now
        )
        self.accept()
