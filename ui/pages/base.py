"""The page protocol: the window loads pages lazily, checks them all, then saves all at once."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QWidget
from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.clock import Clock
from app.db.models import SetupRole
from app.login_times.service import LoginTimesService
from app.passwords.policy import PasswordPolicy
from app.practice.company import Choice, CompanyInfo
from app.two_factor.service import TwoFactorService
from app.users.service import UserRecord, UserService


@dataclass(frozen=True)
class Subject:
    """Whom the pages edit: a saved user, or a new one (optionally copied from another), with
    each section's state as app.sections gave it (a new user's: blank, or what Copy User
    carried)."""

    record: UserRecord | None
    states: Mapping[str, Any]
    copied_from: UserRecord | None = None

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
    role: str = SetupRole.ADMINISTRATOR.value  # the operator's role, as the status bar says it
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

    def users(self, session: Session) -> UserService:
        return UserService(session, self.company, self.actor, self.clock)

    def two_factor(self, session: Session) -> TwoFactorService:
        return TwoFactorService(session, self.company, self.actor, self.clock)

    def login_times(self, session: Session) -> LoginTimesService:
        return LoginTimesService(session, self.company, self.actor, self.clock)


class PageHost(Protocol):
    """What a page may ask of the window it is in, for its immediate actions (such as Reset
    authenticator), which commit in their own transaction as Reset Password does."""

    def transaction(self) -> AbstractContextManager[Session]:
        """A session in one transaction of the window's database."""
        ...

    def may_act(self, ignoring: SectionPage | None = None) -> bool:
        """True when no section (but ``ignoring``) has unsaved edits; else asks Save /
        Discard / Cancel, and True unless the answer was Cancel or the Save failed."""
        ...

    def user_changed(self, pk: int, message: str) -> None:
        """An immediate action changed this user: show them again as now stored."""
        ...


class SectionPage(QWidget):
    """One section of the editor.

    load() fills the page from the subject; check() validates without writing, shows its
    messages beside the fields and raises ValidationError; save() writes in the caller's
    transaction and returns the saved user, if it saved one. What must be shown only once the
    transaction has committed (recovery codes) waits for after_commit(); after_rollback()
    drops it.
    """

    section: ClassVar[str]
    edited = Signal()

    def __init__(self, context: PracticeContext) -> None:
        super().__init__()
        self.context = context
        self.host: PageHost | None = None  # set by the window that shows the page

    def load(self, subject: Subject) -> None:
        raise NotImplementedError

    def is_dirty(self) -> bool:
        raise NotImplementedError

    def check(self, session: Session, subject: Subject) -> None:
        raise NotImplementedError

    def save(self, session: Session, subject: Subject) -> UserRecord | None:
        raise NotImplementedError

    def show_errors(self, errors: Mapping[str, str]) -> bool:
        """Show the messages that belong here; True if any did."""
        raise NotImplementedError

    def after_commit(self) -> None:
        """The save's transaction has committed (and the page is loaded again): show what
        could only be shown now."""

    def after_rollback(self) -> None:
        """The save's transaction was rolled back or never began: forget what save() kept."""

    def set_read_only(self, read_only: bool) -> None:
        """Show without allowing edits: text stays readable and selectable."""
        for edit in self.findChildren(QLineEdit):
            if not edit.property("always_read_only"):
                edit.setReadOnly(read_only)
        for widget in self.findChildren(QComboBox) + self.findChildren(QAbstractButton):
            widget.setEnabled(not read_only)

    def focus_first_field(self) -> None:
        """Put the cursor where a person starts typing on this page."""
        self.setFocus()
