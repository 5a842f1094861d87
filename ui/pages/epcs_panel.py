"""A user's EPCS state, and the buttons that start a grant or revoke at once.

Self-contained so that any page may hold it (the Roles section's page is meant to): give it
the page's PracticeContext and the PageHost the page was given (``panel.host = host``),
then either ``load(user_pk)`` (one job of its own: the sweep, the user and their requests)
or, when the page read the state with its own load (the Roles section does, in the
opening's transaction), ``show(status)``. A request goes through
app.epcs (which checks the enroller's right and every condition) and the panel shows the
state it leaves; a refusal is said in plain words beside the buttons. A revocation needs no
second person: Revoke EPCS access, asked once more in a message box, takes it away at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.epcs.revocation import Kind
from app.epcs.service import Epcs, EpcsStatus
from app.errors import UserSetupError
from app.rights import Right
from app.workplace import Work
from ui.dialogs import messages as dialogs
from ui.errors import plain_words
from ui.pages.base import PageHost, PracticeContext
from ui.widgets.form import ERROR_STYLE

STATE = "EPCS"  # the line's accessible name: "EPCS: allowed since ..."
REQUEST_GRANT = "Request EPCS access"
REVOKE = "Revoke EPCS access"
NO_USER = "EPCS: save the user first"


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text)
    return button


class EpcsPanel(QWidget):
    """ "EPCS: allowed since … / pending grant requested by … / not allowed", with "Request
    EPCS access" and "Revoke EPCS access" for EPCS enrollers."""

    # A request was made for this user (its row id), or their access revoked: lists read again.
    requested = Signal(int)

    def __init__(self, context: PracticeContext, host: PageHost | None = None) -> None:
        super().__init__()
        self.context = context
        self.host = host
        self.status: EpcsStatus | None = None
        self.state = QLabel(NO_USER)
        self.state.setAccessibleName(STATE)
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.grant_button = _button(REQUEST_GRANT)
        self.grant_button.clicked.connect(lambda: self.request(Kind.GRANT))
        self.revoke_button = _button(REVOKE)
        self.revoke_button.setToolTip("Take the permission away now; nobody needs to approve it")
        self.revoke_button.clicked.connect(self.revoke)
        self.message = QLabel()
        self.message.setAccessibleName("EPCS refusal")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.grant_button)
        buttons.addWidget(self.revoke_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.state)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        enroller = context.may(Right.EPCS_ENROLLER)
        self.grant_button.setVisible(enroller)
        self.revoke_button.setVisible(enroller)
        self._update_buttons()

    def show(self, status: EpcsStatus | None = None) -> None:
        """Show ``status`` (a user's EPCS state as app.epcs read it); without one, as
        QWidget.show."""
        if status is not None:
            self.status = status
            self.state.setText(status.line())
            self.state.setToolTip(
                status.registration.line() if status.registration is not None else ""
            )
            self.message.setVisible(False)
            self._update_buttons()
        super().show()

    def clear(self) -> None:
        """No saved user shown (a new one, say): nothing to request for."""
        self.status = None
        self.state.setText(NO_USER)
        self.message.setVisible(False)
        self._update_buttons()

    def load(self, user_pk: int) -> None:
        """Read the user's EPCS state (after the sweep of lapsed registrations) and show it."""
        assert self.host is not None, "the page gives the panel its host"

        def job(work: Work) -> EpcsStatus:
            epcs = Epcs(work.session, work.company, work.actor, work.clock)
            epcs.revoke_expired()
            return epcs.status(user_pk)

        self.host.run(job, self.show, failed=self._refused)

    def _update_buttons(self) -> None:
        """What app.epcs would allow, mirrored: it checks again, and says why not."""
        status = self.status
        free = status is not None and status.pending is None
        self.grant_button.setEnabled(free and status is not None and not status.allowed)
        # A pending request (a revocation asked for before, say) does not hold a revocation back.
        self.revoke_button.setEnabled(status is not None and status.allowed)
        if status is not None and not status.allowed and status.grant_problem:
            self.grant_button.setToolTip(f"Not now: {status.grant_problem}.")
        else:
            self.grant_button.setToolTip("Start a grant; a second person approves it")

    def _refused(self, error: UserSetupError) -> None:
        self.message.setText(plain_words(error))
        self.message.setVisible(True)

    def request(self, kind: Kind) -> None:
        """Start a grant for the user shown; it waits for an approver."""
        status = self.status
        if status is None or self.host is None:
            return
        pk = status.user_pk

        def job(work: Work) -> EpcsStatus:
            epcs = Epcs(work.session, work.company, work.actor, work.clock)
            epcs.request(pk, kind)
            return epcs.status(pk)

        def done(result: EpcsStatus) -> None:
            self.show(result)
            self.requested.emit(pk)

        self.host.run(job, done, failed=self._refused, busy=(self.grant_button, self.revoke_button))

    def revoke(self) -> None:
        """Take the user's EPCS access away at once, asked once more first."""
        status = self.status
        if status is None or self.host is None:
            return
        if not dialogs.confirm(
            self,
            REVOKE,
            f"Revoke EPCS access of {status.user_id} now?",
            "They can no longer prescribe controlled substances; giving it back needs a new "
            "grant, approved by a second person.",
            "Revoke",
        ):
            return
        pk = status.user_pk

        def job(work: Work) -> EpcsStatus:
            epcs = Epcs(work.session, work.company, work.actor, work.clock)
            epcs.revoke(pk)
            return epcs.status(pk)

        def done(result: EpcsStatus) -> None:
            self.show(result)
            self.requested.emit(pk)

        self.host.run(job, done, failed=self._refused, busy=(self.grant_button, self.revoke_button))
