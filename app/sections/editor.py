"""The editor: every section of one user opened, checked and saved together.

The window and the command line both edit users through it. Opening reads the user's row in
one statement and gives each section asked for its state (each section may add at most one
statement). Saving checks every section's edit first, and only when all pass saves them all
in the caller's one transaction, the User section first (it makes a new user's row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.access import Right
from app.changes import UserChanged
from app.db.models import User
from app.errors import ValidationError
from app.sections.base import Target
from app.sections.registry import FIRST, SECTIONS, AnySection, section
from app.users.records import UserRecord, record_of
from app.users.writer import UserWriter
from app.workplace import Work


class SectionProblems(ValidationError):
    """Edits that cannot be saved; ``by_section`` maps each section's key to its problems
    (field name to message), in the order the section list shows them."""

    def __init__(self, by_section: Mapping[str, Mapping[str, str]]) -> None:
        self.by_section = {key: dict(problems) for key, problems in by_section.items()}
        super().__init__(
            {k: v for problems in self.by_section.values() for k, v in problems.items()}
        )

    @property
    def first_section(self) -> str:
        return next(iter(self.by_section))


@dataclass(frozen=True)
class Opened:
    """A stored user, and the state of each section asked for, by key."""

    record: UserRecord
    states: Mapping[str, Any]


@dataclass(frozen=True)
class Started:
    """A new user's sections before the first save: blank, or what Copy User carried from
    ``source`` (``carried``: each section's settings taken, in words; ``needs``: what each
    section still needs of the new user)."""

    states: Mapping[str, Any]
    source: UserRecord | None = None
    carried: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    needs: Mapping[str, str] = field(default_factory=dict)

    def copied_line(self, leaving_out: Iterable[str] = ()) -> str:
        """ "Copied from Fox, Kimberly: Title, Work; Limited access ..." for the editor;
        without the sections ``leaving_out`` (those a copy saved at once does not take)."""
        if self.source is None:
            return ""
        left = set(leaving_out)
        taken = [", ".join(phrases) for key, phrases in self.carried.items() if key not in left]
        what = "; ".join(taken) if taken else "no settings (none were set)"
        return f"Copied from {self.source.list_name}: {what}."


@dataclass(frozen=True)
class Saved:
    """A save that will commit with the caller's transaction: the user as now stored, the
    sections it wrote, and what each may show once the commit is done."""

    record: UserRecord
    changed: frozenset[str]
    shown_once: Mapping[str, tuple[str, ...]]

    @property
    def change(self) -> UserChanged:
        return UserChanged(self.record, self.changed)


class UserEditor:
    """Opens, starts and saves users through the section registry, in the caller's session."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def _row(self, pk: int) -> User:
        self.work.actor.require(Right.VIEW_USERS)
        return UserWriter(self.work.session, self.work.company, self.work.actor).load(pk)

    def open(self, pk: int, keys: Iterable[str] | None = None) -> Opened:
        """The user's row (one statement) and each section's state; every section when
        ``keys`` is None."""
        user = self._row(pk)
        chosen = SECTIONS if keys is None else [section(key) for key in keys]
        return Opened(record_of(user), {s.key: s.load(self.work, user) for s in chosen})

    def start(self, copied_from: int | None = None) -> Started:
        """A new user's sections: blank, or copied from a stored user."""
        if copied_from is None:
            return Started({s.key: s.blank(self.work) for s in SECTIONS})
        source = self._row(copied_from)
        copies = {s.key: s.copy(self.work, s.load(self.work, source)) for s in SECTIONS}
        return Started(
            {key: copy.state for key, copy in copies.items()},
            record_of(source),
            {key: copy.carried for key, copy in copies.items() if copy.carried},
            {key: copy.needs for key, copy in copies.items() if copy.needs},
        )

    def check(self, target: Target, edits: Mapping[str, Any]) -> dict[str, Any]:
        """Every edit checked; SectionProblems naming every wrong field of every section.

        Each section is checked against its state as stored, read here in the caller's
        transaction (the row once, and each edited section's own statement, if it has one):
        never against what a caller says it loaded, so no forged or stale state can make an
        edit look unchanged, or a choice look held already."""
        stored = self._stored(target, edits)
        checked: dict[str, Any] = {}
        problems: dict[str, dict[str, str]] = {}
        for s in self._ordered(edits):
            loaded = stored.get(s.key)
            try:
                checked[s.key] = s.check(self.work, target, loaded, edits[s.key])
            except ValidationError as exc:
                problems[s.key] = dict(exc.errors)
        if problems:
            raise SectionProblems(problems)
        return checked

    def save(
        self, target: Target, edits: Mapping[str, Any], *, leave_out: Iterable[str] = ()
    ) -> Saved:
        """Check every edit (against what is stored: see check), then save each in the
        caller's transaction, the User section first.

        A new user needs the User section's edit. A copy (``target.copied_from``) saves every
        section it was not given an edit for as Copy User carried it (but those in
        ``leave_out``), so a copy takes every section's settings whether or not its page was
        opened; a section whose copy needs something of the new user is then refused,
        saying what. Any other new user is saved with each section marked ``saved_when_new``
        as its blank() starts (the Roles section: the company's base role) unless given one.
        """
        if target.is_new and FIRST.key not in edits:
            raise ValueError("a new user is saved with the User section's edit")
        if target.copied_from is not None:
            started = self.start(target.copied_from)
            skipped = set(leave_out)
            carried = {
                s.key: s.edit_of(started.states[s.key]) for s in SECTIONS if s.key not in skipped
            }
            edits = {**carried, **edits}
        elif target.is_new:  # what every new user starts with, its page shown or not
            edits = {
                **{s.key: s.edit_of(s.blank(self.work)) for s in SECTIONS if s.saved_when_new},
                **edits,
            }
        checked = self.check(target, edits)
        record: UserRecord | None = None
        shown: dict[str, tuple[str, ...]] = {}
        for s in self._ordered(checked):
            try:
                saved = s.save(self.work, target, checked[s.key])
            except SectionProblems:
                raise
            except ValidationError as exc:  # a rule only the stored row can tell, said as such
                raise SectionProblems({s.key: exc.errors}) from exc
            record = saved.record
            target = Target(record.pk, record.version, target.copied_from)
            if saved.shown_once:
                shown[s.key] = saved.shown_once
        if record is None:  # nothing to save: the user as stored
            assert target.pk is not None
            record = record_of(self._row(target.pk))
        return Saved(record, frozenset(checked), shown)

    def _stored(self, target: Target, edits: Mapping[str, Any]) -> dict[str, Any]:
        """The stored state of each section edited (none for a new user)."""
        if target.pk is None:
            return {}
        user = self._row(target.pk)  # kept for the transaction: the saves read it again free
        return {s.key: s.load(self.work, user) for s in self._ordered(edits)}

    @staticmethod
    def _ordered(keyed: Mapping[str, Any]) -> list[AnySection]:
        unknown = set(keyed) - {s.key for s in SECTIONS}
        if unknown:
            raise ValueError(f"no such section: {', '.join(sorted(unknown))}")
        return [s for s in SECTIONS if s.key in keyed]
