"""Pending EPCS approvals: the grants waiting for a second person (and revocations asked for
before an EPCS enroller could revoke at once).

An approver picks a request and approves it with the token their authenticator shows now;
app.epcs checks everything (who they are, their registration, the token) and its refusals
are shown in plain words beside the token field. A refusal needs a reason; a requester
withdraws their own request. A revocation waits for nobody: an EPCS enroller picks one and
presses Revoke Now, which takes the access away and withdraws the request. The list is read
after the sweep of lapsed registrations.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.epcs.revocation import Kind
from app.epcs.service import (
    Epcs,
    EpcsRefused,
    EpcsRequestView,
    keeping_refusals,
)
from app.errors import UserSetupError
from app.rights import Right
from app.workplace import Work, Workplace
from ui.errors import plain_words
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.widgets.form import ERROR_STYLE, caption

TITLE = "Pending EPCS approvals"
TABLE = "Pending EPCS requests"
TOKEN = "Authenticator token"
REASON = "Reason"
APPROVE, REFUSE, WITHDRAW, CLOSE = "Approve", "Refuse", "Withdraw", "Close"
REVOKE_NOW = "Revoke Now"
COLUMNS = ("User", "Request", "Requested by", "When")
DONE_STYLE = "color: #1e7d32;"  # green, dark enough to read
NONE_PENDING = "No EPCS requests are waiting for approval."
PICK_FIRST = "Pick a request in the list first."


def _button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(text)
    return button


def _pending(work: Work) -> list[EpcsRequestView]:
    epcs = Epcs(work.session, work.company, work.actor, work.clock)
    epcs.revoke_expired()
    return epcs.pending()


class EpcsPendingDialog(QDialog):
    """The pending requests of the practice, with Approve, Refuse and Withdraw."""

    decided = Signal()  # a request was approved, refused or withdrawn: the window reads again

    def __init__(
        self,
        parent: QWidget | None,
        runner: OperationRunner,
        workplace: Workplace,
        context: PracticeContext,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.workplace = workplace
        self.context = context
        self.zone = ZoneInfo(context.company.time_zone)
        self.requests: list[EpcsRequestView] = []
        self.setWindowTitle(TITLE)
        self.resize(720, 420)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setAccessibleName(TABLE)
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.token = QLineEdit()
        self.token.setAccessibleName(TOKEN)
        self.token.setMaxLength(20)
        self.token.setPlaceholderText("6 digits")
        self.token.setToolTip("The 6 digits your authenticator shows now; each works once")
        self.approve_button = _button(APPROVE)
        self.approve_button.clicked.connect(self.approve)
        self.token.returnPressed.connect(self.approve)
        self.reason = QLineEdit()
        self.reason.setAccessibleName(REASON)
        self.reason.setMaxLength(220)
        self.refuse_button = _button(REFUSE)
        self.refuse_button.clicked.connect(self.refuse)
        self.withdraw_button = _button(WITHDRAW)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.revoke_button = _button(REVOKE_NOW)
        self.revoke_button.setToolTip("Revoke at once: taking EPCS access away needs no approval")
        self.revoke_button.clicked.connect(self.revoke_now)
        # What app/ said of the last action, beside the token field: a refusal, or done.
        self.message = QLabel()
        self.message.setAccessibleName("EPCS message")
        self.message.setWordWrap(True)

        form = QGridLayout()
        form.addWidget(caption(TOKEN, self.token), 0, 0, Qt.AlignmentFlag.AlignRight)
        form.addWidget(self.token, 0, 1)
        form.addWidget(self.approve_button, 0, 2)
        form.addWidget(self.message, 0, 3, 2, 1)
        form.addWidget(caption(REASON, self.reason), 1, 0, Qt.AlignmentFlag.AlignRight)
        form.addWidget(self.reason, 1, 1)
        form.addWidget(self.refuse_button, 1, 2)
        form.addWidget(self.withdraw_button, 2, 2)
        form.addWidget(self.revoke_button, 3, 2)
        form.setColumnStretch(3, 1)

        buttons = QDialogButtonBox()
        close = _button(CLOSE)
        buttons.addButton(close, QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.approve_button.setEnabled(False)
        self.refuse_button.setEnabled(False)
        self.withdraw_button.setEnabled(False)
        self.revoke_button.setEnabled(False)
        self.load()

    # Reading

    def load(self) -> None:
        self.runner.run(self.workplace, _pending, self._show, failed=self._say_refused)

    def _when(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.zone):%Y-%m-%d %H:%M}"

    def _show(self, requests: list[EpcsRequestView]) -> None:
        chosen = self.chosen()
        self.requests = list(requests)
        self.table.setRowCount(len(self.requests))
        for row, request in enumerate(self.requests):
            cells = (
                f"{request.user_name} ({request.user_id})",
                request.what.capitalize(),
                request.requested_by,
                self._when(request.requested_at),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, request.id)
                self.table.setItem(row, column, item)
        if not self.requests and not self.message.text():
            self._say(NONE_PENDING, DONE_STYLE)
        ids = [r.id for r in self.requests]
        if chosen is not None and chosen.id in ids:
            self.table.selectRow(ids.index(chosen.id))
        elif self.requests:
            self.table.selectRow(0)
        self._update_buttons()

    def chosen(self) -> EpcsRequestView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or not 0 <= rows[0].row() < len(self.requests):
            return None
        return self.requests[rows[0].row()]

    def select_request(self, request_id: int) -> None:
        """Pick a request in the list, as a click would."""
        self.table.selectRow([r.id for r in self.requests].index(request_id))

    def _update_buttons(self) -> None:
        """What may be done to the request picked: app.epcs's rules, mirrored (it checks)."""
        request = self.chosen()
        actor = self.context.actor
        decides = request is not None and actor.may(Right.EPCS_APPROVER)
        self.approve_button.setEnabled(decides)
        self.refuse_button.setEnabled(decides)
        own = request is not None and request.requested_by_pk == actor.user_pk
        self.withdraw_button.setEnabled(own and actor.may(Right.EPCS_ENROLLER))
        revocation = request is not None and request.kind == Kind.REVOKE
        self.revoke_button.setEnabled(revocation and actor.may(Right.EPCS_ENROLLER))

    # Deciding

    def _say(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message.setStyleSheet(style)
        self.message.setText(text)

    def _say_refused(self, error: UserSetupError) -> None:
        self._say(plain_words(error))

    def _done(self, text: str) -> None:
        self._say(text, DONE_STYLE)
        self.decided.emit()
        self.load()

    def approve(self) -> None:
        request = self.chosen()
        if request is None:
            self._say(PICK_FIRST)
            return
        typed = self.token.text()
        self.token.clear()  # a token works once: the next try needs the next one

        def job(work: Work) -> EpcsRequestView:
            return Epcs(work.session, work.company, work.actor, work.clock).approve(
                request.id, typed
            )

        def done(result: EpcsRequestView | EpcsRefused) -> None:
            if isinstance(result, EpcsRefused):  # committed with its audit and count
                self._say_refused(result)
                self.token.setFocus(Qt.FocusReason.OtherFocusReason)
                return
            self._done(f"Approved: EPCS {result.what} for {result.user_name}.")

        self.runner.run(
            self.workplace,
            keeping_refusals(job),
            done,
            failed=self._say_refused,
            busy=(self.approve_button, self.token),
        )

    def refuse(self) -> None:
        request = self.chosen()
        if request is None:
            self._say(PICK_FIRST)
            return
        reason = self.reason.text()

        def job(work: Work) -> EpcsRequestView:
            return Epcs(work.session, work.company, work.actor, work.clock).refuse(
                request.id, reason
            )

        def done(result: EpcsRequestView) -> None:
            self.reason.clear()
            self._done(f"Refused: EPCS {result.what} for {result.user_name}.")

        self.runner.run(
            self.workplace, job, done, failed=self._say_refused, busy=(self.refuse_button,)
        )

    def withdraw(self) -> None:
        request = self.chosen()
        if request is None:
            self._say(PICK_FIRST)
            return

        def job(work: Work) -> EpcsRequestView:
            return Epcs(work.session, work.company, work.actor, work.clock).withdraw(request.id)

        self.runner.run(
            self.workplace,
            job,
            lambda result: self._done(f"Withdrawn: EPCS {result.what} for {result.user_name}."),
            failed=self._say_refused,
            busy=(self.withdraw_button,),
        )

    def revoke_now(self) -> None:
        """A revocation waiting for an approver, done at once by an EPCS enroller."""
        request = self.chosen()
        if request is None:
            self._say(PICK_FIRST)
            return

        def job(work: Work) -> None:
            Epcs(work.session, work.company, work.actor, work.clock).revoke(request.user_pk)

        self.runner.run(
            self.workplace,
            job,
            lambda _: self._done(f"Revoked: EPCS access of {request.user_name}, at once."),
            failed=self._say_refused,
            busy=(self.revoke_button,),
        )
