"""The section protocol: what every section of User Setup does, whatever it edits.

A section loads its own typed state for a user from the user's row (plus at most one
statement of its own), checks a typed edit and says what is wrong field by field, saves the
edit in the caller's transaction, and says what Copy User carries over. The window, its
toolbar, Copy User on both sides, `usersetup users show --json` and the demo all go through
the registry (app.sections.registry), so a new section appears everywhere by being listed.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from app.access import Right
from app.db.models import User
from app.users.records import UserRecord
from app.workplace import Work

S = TypeVar("S")  # what a section shows: its state for one user
E = TypeVar("E")  # what a page hands in: a typed edit of that state, as typed
C = TypeVar("C")  # what a save stores: the edit as checked


@dataclass(frozen=True)
class Target:
    """Whom a save is for: a stored user at the version the editor read, or a new one
    (optionally a copy of another, audited as such)."""

    pk: int | None = None
    version: int | None = None
    copied_from: int | None = None

    @property
    def is_new(self) -> bool:
        return self.pk is None


@dataclass(frozen=True)
class Copied(Generic[S]):
    """What Copy User takes from one section of the user copied.

    ``carried``: the settings carried over, in the words the section shows them (for "Copied
    from ..."); ``needs``: what the copy still lacks and the new user must be given (their
    own address, say), or "" when the copy can be saved as it is.
    """

    state: S
    carried: tuple[str, ...] = ()
    needs: str = ""


@dataclass(frozen=True)
class SectionSaved:
    """A section's save: the user as now stored, and what may be shown only once, after the
    transaction has committed (new recovery codes, say)."""

    record: UserRecord
    shown_once: tuple[str, ...] = ()


class Section(abc.ABC, Generic[S, E, C]):
    """One section of the User Setup window, without any Qt."""

    key: ClassVar[str]  # how the registry, the pages and the JSON name it: "login_times"
    title: ClassVar[str]  # as the section list shows it: "Login Times"
    order: ClassVar[int]  # its place in the section list
    icon: ClassVar[str] = ""  # its toolbar button's icon ("": no toolbar button)
    tooltip: ClassVar[str] = ""  # what its toolbar button says it is for
    edit_right: ClassVar[Right]  # the right that edits it; without it the page is read-only
    # A new user is saved with this section as blank() starts it even when no edit was
    # handed in (its page never shown): the Roles section, whose blank holds the base role.
    saved_when_new: ClassVar[bool] = False

    @abc.abstractmethod
    def load(self, work: Work, user: User) -> S:
        """The section for this stored user, from its row (and at most one statement)."""

    @abc.abstractmethod
    def blank(self, work: Work) -> S:
        """What a new user starts with."""

    @abc.abstractmethod
    def copy(self, work: Work, source: S) -> Copied[S]:
        """What Copy User carries over from the user copied."""

    @abc.abstractmethod
    def edit_of(self, state: S) -> E:
        """The edit that stores ``state`` as it is (a copy saved without being opened)."""

    @abc.abstractmethod
    def check(self, work: Work, target: Target, current: S | None, edit: E) -> C:
        """The edit as it would be stored; ValidationError naming each wrong field.
        ``current`` is the section's state as stored, read by the editor in this
        transaction (None for a new user), so that what did not change costs no statement
        and what was already chosen need not be checked again."""

    @abc.abstractmethod
    def save(self, work: Work, target: Target, checked: C) -> SectionSaved:
        """Store a checked edit in the caller's transaction, audited."""

    @abc.abstractmethod
    def as_json(self, work: Work, state: S) -> dict[str, Any]:
        """The section as `usersetup users show --json` prints it (documented in the README)."""
