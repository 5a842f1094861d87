"""The page protocol: a page shows one section of app/ and turns its widgets into a typed edit.

The window builds a page when its section is first shown, loads it with the section's state,
and on Save hands every page's edit to app.sections.editor, which checks them all and saves
them in one transaction. A page never sees the database: what it does at once (Reset
Authenticator, say) goes through the window (PageHost), which runs it off the window's
thread and publishes what it changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget

from app.access import Actor, Right
from app.changes import Change
from app.clock import Clock
from app.errors import UserSetupError
from app.passwords.policy import PasswordPolicy
from app.practice.company import Choice, CompanyInfo
from app.sections.registry import AnySection
from app.users.records import UserRecord
from app.workplace import Work
from ui.widgets.form import show_read_only

T = TypeVar("T")


@dataclass(frozen=True)
class Subject:
    """Whom the pages edit: a saved user, or a new one (optionally copied from another), with
    each section's state as app.sections gave it (a new user's: blank, or what Copy User
    carried), and for a copy the line that says what it took from whom."""

    record: UserRecord | None
    states: Mapping[str, Any]
    copied_from: UserRecord | None = None
    copied_note: str = ""
    needs: Mapping[str, str] = field(default_factory=dict)  # what each copied section lacks

    @property
    def is_new(self) -> bool:
        return self.record is None


@dataclass(frozen=True)
class PracticeContext:
    """What every page may need: the company, its pick lists, who acts, the clock."""

    company: CompanyInfo
    actor: Actor  # who operates the window, with their rights
    clock: Clock
    providers: tuple[Choice, ...] = ()
    service_locations: tuple[Choice, ...] = ()
    departments: tuple[Choice, ...] = ()  # active and inactive: the User page picks
    role: str = "Administrator"  # the operator's roles, as the status bar says them
    operator_user_id: str = ""  # who must sign in again after the idle lock ("" : no lock)
    idle_minutes: int = 0  # 0: the window never locks itself
    policy: PasswordPolicy | None = None  # for the password fields' hints; checks read it anew

    @property
    def operator(self) -> str:
        """How the audit trail names the operator."""
        return self.actor.name

    @property
    def operator_pk(self) -> int | None:
        """The signed-in operator's own row, whose login hours the window keeps to; None when
        no one signed in (the window then keeps to no hours)."""
        return self.actor.user_pk if self.operator_user_id else None

    @property
    def may_edit(self) -> bool:
        """Only an actor who may edit users edits; Front Desk finds, resets and unlocks."""
        return self.actor.may(Right.EDIT_USERS)

    def may(self, right: Right) -> bool:
        return self.actor.may(right)


class PageHost(Protocol):
    """What a page may ask of the window it is in, for what it does at once (Reset
    Authenticator, New Recovery Codes), which commits in a transaction of its own."""

    def run(
        self,
        job: Callable[[Work], T],
        done: Callable[[T], None],
        *,
        failed: Callable[[UserSetupError], None] | None = None,
        busy: tuple[QWidget | QAction, ...] = (),
        hold: bool = False,
    ) -> None:
        """Run ``job`` off the window's thread in one transaction; ``done`` with its result.
        ``hold``: the job changes the user shown, so the form takes no input until then."""
        ...

    def when_may_act(self, then: Callable[[], None], ignoring: SectionPage | None = None) -> None:
        """``then()`` once no section (but ``ignoring``) has unsaved edits: at once, or after
        the operator chose Save (and it saved) or Discard; never after Cancel."""
        ...

    def publish(self, *changes: Change) -> None:
        """Tell the window and every page what an immediate action changed."""
        ...

    def show_message(self, message: str) -> None:
        """A line in the status bar."""
        ...


class SectionPage(QWidget):
    """One section of the editor: load() fills it from the subject; edit() is what it would
    save (None when nothing changed); show_errors() shows app's problems beside the fields;
    after_commit() shows what may be shown only once the save committed (recovery codes)."""

    section: ClassVar[AnySection]
    edited = Signal()

    def __init__(self, context: PracticeContext) -> None:
        super().__init__()
        self.context = context
        self.host: PageHost | None = None  # set by the window that shows the page

    @property
    def key(self) -> str:
        return self.section.key

    def load(self, subject: Subject) -> None:
        raise NotImplementedError

    def is_dirty(self) -> bool:
        raise NotImplementedError

    def edit(self, subject: Subject) -> object | None:
        """The typed edit Save hands to app/, or None when there is nothing of this page's to
        save (a new user's section left as it started, say)."""
        raise NotImplementedError

    def problems(self) -> dict[str, str]:
        """What the page itself can tell is wrong before app/ is asked (typed text that names
        no entry of a list, say); shown with app's problems."""
        return {}

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        """Show the messages that belong here; True if any did."""
        raise NotImplementedError

    def after_commit(self, shown_once: tuple[str, ...]) -> None:
        """The save committed (and the page is loaded again): show what could only be shown
        now."""

    def set_read_only(self, read_only: bool) -> None:
        """Show without allowing edits: text stays readable and selectable."""
        for edit in self.findChildren(QLineEdit):
            if not edit.property("always_read_only"):
                show_read_only(edit, read_only)
        for widget in self.findChildren(QComboBox) + self.findChildren(QAbstractButton):
            widget.setEnabled(not read_only)

    def focus_first_field(self) -> None:
        """Put the cursor where a person starts typing on this page."""
        self.setFocus()
