"""The sign-in dialog's step for setting up an authenticator app at sign-in, when the practice
requires or suggests one: a title, then the QR code, the Manual Entry Key and a token to
verify it, then the recovery codes.

The page is the step's own, and so is what it asks of the flow; it goes through the dialog
that owns it for the rest, so that every step runs, and is refused, the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from app.errors import UserSetupError, ValidationError
from app.signin.outcomes import Step
from ui.errors import plain_words
from ui.signin.common import heading
from ui.widgets.fitting_stack import FittingStack
from ui.widgets.two_factor_widgets import INSTRUCTIONS, AuthenticatorSetup, RecoveryCodesDialog

if TYPE_CHECKING:  # drawn with the sign-in dialog, before the database library is loaded
    from app.signin.flow import SignInFlow
    from app.two_factor.service import Enrolment

T = TypeVar("T")


class StepHost(Protocol):
    """What the step needs of the dialog that owns it: its flow, its OK button and its pages,
    and its way of running a step of the flow and of going on to the next one."""

    flow: SignInFlow  # a new one when the sign-in starts again from the password
    ok_button: QPushButton
    stack: FittingStack

    def run_step(
        self,
        step: Callable[[], T],
        done: Callable[[T], object],
        refused: Callable[[UserSetupError], object],
    ) -> None: ...

    def show_step(self) -> None: ...


class SetupStep(QWidget):
    """The page of the authenticator's set-up: the title alone first, then the QR code, the
    key and the token. The dialog's OK is Next until the code is shown; then the panel's own
    Verify goes on, and the dialog's Skip for now, if the practice only suggests it."""

    def __init__(self, dialog: StepHost) -> None:
        super().__init__()
        self.dialog = dialog
        layout = QVBoxLayout(self)
        self.heading = heading("")
        self.heading.setObjectName("setup_heading")
        layout.addWidget(self.heading)
        self.hint = QLabel()
        self.hint.setObjectName("setup_hint")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.panel = AuthenticatorSetup()
        self.panel.title_changed.connect(self._retitle)
        self.panel.verify_requested.connect(self._submit_token)
        layout.addWidget(self.panel)

    @property
    def flow(self) -> SignInFlow:
        """The dialog's flow, looked up each time: it is replaced on starting again."""
        return self.dialog.flow

    def open(self) -> None:
        """The step opens: the title alone, filled in with the company's name when it comes."""
        suggested = self.flow.may_skip_setup
        self.heading.setText(
            "Your practice suggests signing in with an authenticator app on your phone; "
            "set it up now, or skip it for now."
            if suggested
            else "Your practice requires an authenticator app on your phone for signing in: "
            "set it up to go on."
        )
        panel = self.panel
        panel.clear()
        self.hint.setText(
            "Enter the title your authenticator app will show beside the tokens, then choose Next."
        )
        self._show_fields(False)
        self.dialog.ok_button.setText("Next")
        self.dialog.stack.show_page(self)
        panel.title.setFocus()

        def titled(enrolment: Enrolment) -> None:
            panel.title.setText(enrolment.title)  # the company's name, as the app shows it
            panel.title.selectAll()

        self.dialog.run_step(
            lambda: self.flow.begin_setup(""),
            titled,
            lambda problem: panel.errors.show({"title": plain_words(problem)}),
        )

    def _show_fields(self, shown: bool) -> None:
        """The title alone first; then the QR code, the Manual Entry Key and the token."""
        panel = self.panel
        for widget in panel.findChildren(QWidget):
            if (
                widget is panel.title
                or (isinstance(widget, QLabel) and widget.buddy() is panel.title)
                or widget.objectName().endswith("_error")  # shown with their message
            ):
                continue
            widget.setVisible(shown)

    @property
    def shows_code(self) -> bool:
        """Past the title: the QR code and the token are on screen."""
        return self.panel.enrolment is not None

    def next(self) -> None:
        """Next, after the title: the QR code for that title, and the token to verify it."""
        if self.shows_code:
            self._submit_token(self.panel.token.text())
            return
        title = self.panel.title.text()
        self.dialog.run_step(lambda: self.flow.begin_setup(title), self._show_code, self._refused)

    def _show_code(self, enrolment: Enrolment) -> None:
        panel = self.panel
        self._show_fields(True)
        panel.show_enrolment(enrolment)
        self.hint.setText("\n".join(f"{n}. {s}" for n, s in enumerate(INSTRUCTIONS, 1)))
        self.dialog.stack.show_page(self)  # grown to the QR code and the key
        # The panel's own Verify (and Enter in its token field) goes on from here.
        self.dialog.ok_button.hide()
        panel.token.setFocus()

    def _refused(self, problem: UserSetupError) -> None:
        panel = self.panel
        if isinstance(problem, ValidationError):
            first = panel.errors.show(problem.errors)
            (first or panel.title).setFocus()
        else:
            panel.errors.show({"title": plain_words(problem)})

    def _retitle(self, title: str) -> None:
        """A new title once the code is shown: the QR code carries it, so it is made again."""
        panel = self.panel
        if self.flow.step is not Step.SETUP or panel.enrolment is None:
            return
        if title == panel.enrolment.title:
            return
        self.dialog.run_step(
            lambda: self.flow.begin_setup(title), panel.show_enrolment, self._refused
        )

    def _submit_token(self, token: str) -> None:
        panel = self.panel
        if self.flow.step is not Step.SETUP or panel.enrolment is None:
            return
        if not token.strip():
            panel.errors.show({"token": "Enter the 6-digit token the app shows."})
            panel.token.setFocus()
            return
        self.dialog.run_step(
            lambda: self.flow.submit_setup_token(token),
            lambda _: self._set_up(),
            self._token_refused,
        )

    def _set_up(self) -> None:
        self.panel.clear()
        self._show_recovery_codes()
        self.dialog.show_step()

    def _token_refused(self, problem: UserSetupError) -> None:
        """TokenRefused: what to do, for the person."""
        panel = self.panel
        panel.errors.show({"token": plain_words(problem)})
        panel.token.selectAll()
        panel.token.setFocus()

    def _show_recovery_codes(self) -> None:
        """The ten recovery codes of the new authenticator, shown once, then forgotten."""
        codes, self.flow.recovery_codes = self.flow.recovery_codes, []
        result = self.flow.result
        if not codes or result is None or result.company is None:
            return
        RecoveryCodesDialog(self.window(), codes, self.flow.operator, result.company.name).exec()

    def skip(self) -> None:
        """Skip for now: only when the practice suggests an authenticator, not requires one."""
        if self.flow.step is not Step.SETUP or not self.flow.may_skip_setup:
            return
        self.dialog.run_step(
            self.flow.skip_setup,
            lambda _: self._skipped(),
            lambda problem: self.panel.errors.show({"title": plain_words(problem)}),
        )

    def _skipped(self) -> None:
        self.panel.clear()
        self.dialog.show_step()
