"""The Pending EPCS approvals dialog, the EPCS panel, the list's mark and the User section's
registration line, driven through their real widgets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableWidget
from sqlalchemy import event

from app.db.database import Database
from app.epcs.revocation import Kind
from app.practice.company import CompanyInfo
from app.signin.outcomes import TOKEN_REFUSED
from tests.conftest import FixedClock
from tests.helpers.epcs import (
    APPROVER,
    ENROLLER,
    EpcsDesk,
    add_registrant,
    person,
    revocation_asked_before,
    token,
)
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, stored_user
from tests.helpers.roles import SetupRole
from tests.helpers.window import (
    close_window,
    open_window,
    opens,
    practice_context,
    workplace_of,
)
from tests.test_roles_page import roles_page
from ui.dialogs.epcs_pending import EpcsPendingDialog
from ui.operations import InlineRunner
from ui.pages.epcs_panel import EpcsPanel
from ui.window.window import UserSetupWindow

ADMIN = SetupRole.ADMINISTRATOR


@pytest.fixture
def people(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    return {
        "erin": add_user(database, company, clock, "erin", last_name="Ennis", role=ADMIN),
        "hynes": add_registrant(database, company, clock, "drhynes", "Hynes", role=ADMIN),
        "fox": add_registrant(
            database, company, clock, "drfox", "Fox", expires_on=date(2027, 5, 31), role=ADMIN
        ),
    }


@pytest.fixture
def desk(database: Database, company: CompanyInfo, clock: FixedClock) -> EpcsDesk:
    return EpcsDesk(database, company, clock)


def _request(desk: EpcsDesk, people: dict[str, int], who: str = "fox") -> int:
    erin = person("erin", people["erin"], ENROLLER)
    return desk.run(erin, lambda e: e.request(people[who], Kind.GRANT)).id


def _dialog(qtbot: Any, database: Database, company: CompanyInfo, clock: Any, pk: int, **kw: Any):
    context = practice_context(database, company, clock, name="signed in", user_pk=pk, **kw)
    dialog = EpcsPendingDialog(None, InlineRunner(), workplace_of(database, context), context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _cells(dialog: EpcsPendingDialog) -> list[list[str]]:
    table = by_name(dialog, QTableWidget, "Pending EPCS requests")
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


def _message(dialog: EpcsPendingDialog) -> str:
    return by_name(dialog, QLabel, "EPCS message").text()


def _approve(qtbot: Any, dialog: EpcsPendingDialog, typed: str) -> None:
    field = by_name(dialog, QLineEdit, "Authenticator token")
    field.clear()
    qtbot.keyClicks(field, typed)
    by_name(dialog, QPushButton, "Approve").click()


def test_an_approver_approves_with_the_token_typed_in_the_dialog(
    qtbot, database, company, clock, people, desk
):
    _request(desk, people)
    dialog = _dialog(qtbot, database, company, clock, people["hynes"])
    assert _cells(dialog) == [["Fox, Pat (drfox)", "Grant", "erin at TEST-PC", "2026-11-22 09:30"]]

    with qtbot.waitSignal(dialog.decided):
        _approve(qtbot, dialog, token("drhynes", clock.now))

    assert _message(dialog) == "Approved: EPCS grant for Fox, Pat."
    assert _cells(dialog) == []
    assert stored_user(database, people["fox"]).epcs_allowed


def test_a_wrong_token_is_said_beside_the_field_and_counted(
    qtbot, database, company, clock, people, desk
):
    _request(desk, people)
    dialog = _dialog(qtbot, database, company, clock, people["hynes"])
    right = token("drhynes", clock.now)
    with qtbot.assertNotEmitted(dialog.decided):
        _approve(qtbot, dialog, f"{(int(right) + 1) % 1_000_000:06d}")
    assert _message(dialog) == TOKEN_REFUSED
    assert by_name(dialog, QLineEdit, "Authenticator token").text() == ""  # a token works once
    assert len(_cells(dialog)) == 1
    assert stored_user(database, people["hynes"]).failed_logins == 1
    assert not stored_user(database, people["fox"]).epcs_allowed


def test_the_subject_cannot_approve_their_own_grant_in_the_dialog(
    qtbot, database, company, clock, people, desk
):
    _request(desk, people)
    dialog = _dialog(qtbot, database, company, clock, people["fox"])
    _approve(qtbot, dialog, token("drfox", clock.now))
    assert "your own EPCS access" in _message(dialog)
    assert not stored_user(database, people["fox"]).epcs_allowed


def test_a_refusal_needs_a_reason_and_withdraw_is_only_for_the_requester(
    qtbot, database, company, clock, people, desk
):
    _request(desk, people)
    dialog = _dialog(qtbot, database, company, clock, people["hynes"])
    assert not by_name(dialog, QPushButton, "Withdraw").isEnabled()  # erin asked, not Hynes
    by_name(dialog, QPushButton, "Refuse").click()
    assert _message(dialog) == "Say why the request is refused."
    qtbot.keyClicks(by_name(dialog, QLineEdit, "Reason"), "DEA certificate not seen")
    by_name(dialog, QPushButton, "Refuse").click()
    assert _message(dialog) == "Refused: EPCS grant for Fox, Pat."
    assert _cells(dialog) == []

    _request(desk, people)
    mine = _dialog(qtbot, database, company, clock, people["erin"])
    withdraw = by_name(mine, QPushButton, "Withdraw")
    assert withdraw.isEnabled()
    withdraw.click()
    assert _message(mine) == "Withdrawn: EPCS grant for Fox, Pat." and _cells(mine) == []


@pytest.fixture
def window(
    qtbot: Any, database, company, clock, people, dialogs: DialogAnswers
) -> Iterator[UserSetupWindow]:
    shown = open_window(database, company, clock, qtbot, name="erin", user_pk=people["erin"])
    yield shown
    close_window(shown, dialogs)


def test_the_panel_shows_the_state_and_requests_access(
    qtbot, window, people, database, company, clock
):
    panel = EpcsPanel(window.context, window)
    qtbot.addWidget(panel)
    panel.load(people["fox"])
    state = by_name(panel, QLabel, "EPCS")
    assert state.text() == "EPCS: not allowed"
    grant = by_name(panel, QPushButton, "Request EPCS access")
    assert grant.isEnabled() and not by_name(panel, QPushButton, "Revoke EPCS access").isEnabled()

    with qtbot.waitSignal(panel.requested):
        grant.click()

    assert state.text().startswith("EPCS: pending grant requested by erin on ")
    assert not grant.isEnabled()

    lee = add_registrant(database, company, clock, "drlee", "Lee", authenticator=False)
    panel.load(lee)
    assert "no authenticator set up" in grant.toolTip()
    grant.click()  # app/ is asked all the same, and says why
    refusal = by_name(panel, QLabel, "EPCS refusal")
    assert refusal.isVisible() and "drlee has no authenticator set up" in refusal.text()


def test_clicking_a_registrant_with_the_roles_page_built_is_one_transaction(
    qtbot, window, people, database, company, clock, connection, desk
):
    """Their EPCS state comes with the Roles section's load: one click, one transaction
    (the test's transactions are savepoints), and the panel shows it at once."""
    _request(desk, people)
    page = roles_page(qtbot, window, people["erin"])
    panel = by_name(page, QLabel, "EPCS")
    assert not panel.isVisibleTo(page)  # erin is linked to no provider
    sent: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.lstrip().split()[0].upper())

    event.listen(connection, "before_cursor_execute", before)
    try:
        assert opens(window, people["fox"])
    finally:
        event.remove(connection, "before_cursor_execute", before)
    assert sent.count("SAVEPOINT") == 1, sent
    assert sent.count("SELECT") == 3, sent  # the row, the roles, the EPCS requests
    assert panel.isVisibleTo(page)
    assert panel.text().startswith("EPCS: pending grant requested by erin at ")


def _granted(desk: EpcsDesk, people: dict[str, int]) -> None:
    request = _request(desk, people)
    hynes = person("drhynes", people["hynes"], APPROVER)
    desk.run(hynes, lambda e: e.approve(request, token("drhynes", desk.clock.now)))


def test_the_panel_revokes_at_once_once_asked_again(qtbot, window, people, desk, dialogs):
    _granted(desk, people)
    panel = EpcsPanel(window.context, window)
    qtbot.addWidget(panel)
    panel.load(people["fox"])
    state = by_name(panel, QLabel, "EPCS")
    assert state.text().startswith("EPCS: allowed since ")
    revoke = by_name(panel, QPushButton, "Revoke EPCS access")
    assert revoke.isEnabled()

    dialogs.answer("Cancel")
    revoke.click()
    assert stored_user(desk.database, people["fox"]).epcs_allowed  # kept: not confirmed

    dialogs.answer("Revoke")
    with qtbot.waitSignal(panel.requested):
        revoke.click()
    assert dialogs.seen[-1] == "Revoke EPCS access of drfox now?"
    assert state.text() == "EPCS: not allowed" and not revoke.isEnabled()
    assert not stored_user(desk.database, people["fox"]).epcs_allowed  # no approver asked


def test_a_revocation_waiting_in_the_dialog_is_revoked_at_once_by_an_enroller(
    qtbot, database, company, clock, people, desk
):
    _granted(desk, people)
    erin = person("erin", people["erin"], ENROLLER)
    revocation_asked_before(database, company, people["fox"], erin, clock.now)
    dialog = _dialog(qtbot, database, company, clock, people["erin"])
    revoke_now = by_name(dialog, QPushButton, "Revoke Now")
    assert _cells(dialog)[0][1] == "Revocation" and revoke_now.isEnabled()

    with qtbot.waitSignal(dialog.decided):
        revoke_now.click()

    assert _message(dialog) == "Revoked: EPCS access of Fox, Pat, at once."
    assert _cells(dialog) == [] and not revoke_now.isEnabled()
    assert not stored_user(database, people["fox"]).epcs_allowed


def test_a_decision_in_the_dialog_from_the_toolbar_marks_the_list(
    qtbot, database, company, clock, people, desk, dialogs
):
    _request(desk, people)
    shown = open_window(database, company, clock, qtbot, name="drhynes", user_pk=people["hynes"])
    try:
        assert shown.toolbar_actions.epcs.isEnabled()
        dialog = shown.user_actions.epcs_dialog()  # what the toolbar button opens
        qtbot.addWidget(dialog)
        assert [row[0] for row in _cells(dialog)] == ["Fox, Pat (drfox)"]
        _approve(qtbot, dialog, token("drhynes", clock.now))
        model = shown.model
        texts = [model.data(model.index(r)) for r in range(model.rowCount())]
        assert "Fox, Pat  (drfox)  (EPCS)" in texts  # read again on the decision
        assert "Hynes, Pat  (drhynes)" in texts
    finally:
        close_window(shown, dialogs)


def test_the_toolbar_button_is_off_for_the_front_desk(qtbot, database, company, clock, dialogs):
    shown = open_window(database, company, clock, qtbot, role=SetupRole.FRONT_DESK)
    try:
        assert not shown.toolbar_actions.epcs.isEnabled()
    finally:
        close_window(shown, dialogs)


def test_the_user_section_shows_the_providers_registration_read_only(qtbot, window, people):
    assert opens(window, people["fox"])
    line = by_name(window.page("user"), QLabel, "DEA registration")
    assert line.isVisible()
    assert line.text() == "DEA BF1234563, expires 2027-05-31; licence CA A12345"
    assert opens(window, people["erin"])
    assert not line.isVisible()


def test_the_roles_section_shows_a_registrants_epcs_state_and_nobody_elses(qtbot, window, people):
    """In the real window: the Roles section of a user linked to a provider reads and shows
    their EPCS state; for a user linked to no provider the panel is not shown at all."""
    page = roles_page(qtbot, window, people["fox"])
    state = by_name(page, QLabel, "EPCS")
    qtbot.waitUntil(lambda: state.text() == "EPCS: not allowed")
    assert page.epcs.isVisible()
    assert by_name(page, QPushButton, "Request EPCS access").isEnabled()  # erin enrols

    page = roles_page(qtbot, window, people["erin"])
    assert not page.epcs.isVisible()
