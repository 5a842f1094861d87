"""The window and its context as a test opens them."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QPushButton, QWidget

from app.db.database import Database
from app.passwords.policy import load_policy
from app.practice.company import (
    CompanyInfo,
    department_choices,
    provider_choices,
    service_location_choices,
)
from app.signin.check import find_account
from app.workplace import Workplace
from tests.helpers.actors import signed_in
from tests.helpers.qt import DialogAnswers
from tests.helpers.roles import SetupRole
from ui.operations import InlineRunner
from ui.pages.base import PracticeContext
from ui.pages.user_page import UserPage
from ui.window.window import UserSetupWindow


def practice_context(
    database: Database,
    company: CompanyInfo,
    clock: Any,
    *,
    role: SetupRole | str = SetupRole.ADMINISTRATOR,
    name: str = "mreyes (Reyes, Maria)",
    user_pk: int | None = None,
    **options: Any,
) -> PracticeContext:
    """What the window is given for an operator signed in with ``role`` who entered their
    password at the clock's moment now; ``user_pk`` is their own row (by default the row of
    ``operator_user_id`` when one is given, else -1: none of the test's users), ``options``
    the rest of PracticeContext."""
    with database.transaction() as session:
        providers = tuple(provider_choices(session, company))
        locations = tuple(service_location_choices(session, company))
        departments = tuple(department_choices(session, company))
        if user_pk is None:
            _, own, _ = find_account(session, company.code, options.get("operator_user_id", ""))
            user_pk = own.id if own is not None else -1
        options.setdefault("policy", load_policy(session, company.id))  # as the window reads it
    return PracticeContext(
        company=company,
        actor=signed_in(name, role, user_pk, password_at=clock()),
        clock=clock,
        providers=providers,
        service_locations=locations,
        departments=departments,
        role=str(role),
        **options,
    )


class Saving(Protocol):
    """A window or a dialog that saves, and says so once it has."""

    saved: SignalInstance

    def save(self) -> None: ...


def saves(window: Saving) -> bool:
    """Save as the toolbar does; True if the save was made (the runner runs inline)."""
    made: list[int] = []
    window.saved.connect(made.append)
    try:
        window.save()
    finally:
        window.saved.disconnect(made.append)
    return bool(made)


def opens(window: UserSetupWindow, pk: int) -> bool:
    """Open a user as stored now; True if the editor shows them."""
    window.open_user(pk)
    return (
        window.subject is not None
        and window.subject.record is not None
        and (window.subject.record.pk == pk)
    )


def workplace_of(database: Database, context: PracticeContext) -> Workplace:
    """Where a dialog opened from the window with ``context`` does its work."""
    return Workplace(database, context.company, context.actor, context.clock)


def user_page(window: UserSetupWindow) -> UserPage:
    """The User section's page of the window, built if it was not yet."""
    page = window.page("user")
    assert isinstance(page, UserPage)
    return page


def open_window(
    database: Database,
    company: CompanyInfo,
    clock: Any,
    qtbot: Any = None,
    size: tuple[int, int] | None = None,
    **context: Any,
) -> UserSetupWindow:
    """The window for an operator (see practice_context), shown (at ``size``, when given);
    with ``qtbot``, active and exposed, so that keyboard shortcuts reach it. Its jobs run
    inline."""
    window = UserSetupWindow(
        InlineRunner(), database, practice_context(database, company, clock, **context)
    )
    if size is not None:
        window.resize(*size)
    window.show()
    if qtbot is not None:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.waitExposed(window)
    return window


def close_window(window: UserSetupWindow, dialogs: DialogAnswers) -> None:
    """Close as a person would: discarding what a test left unsaved."""
    if window.is_dirty():
        dialogs.answer("Discard")
    assert window.close()
    window.deleteLater()


def catalog_editor_opened(
    qtbot: Any, dialogs: DialogAnswers, page: Any, button: QPushButton
) -> list[object]:
    """What a page's catalog button asked for (its ``edit_catalog`` signal's kind) and the kind
    of editor the window opened for it (closed at once)."""
    opened: list[object] = []

    def close(dialog: QWidget) -> None:
        opened.append(getattr(dialog, "kind", type(dialog).__name__))
        dialog.close()

    dialogs.do(close)
    with qtbot.waitSignal(page.edit_catalog) as signalled:
        button.click()
    dialogs.finish()
    return [*signalled.args, *opened]
