"""What the Fax and Resources sections share: a checklist of one of the practice's catalogs
(app.catalogs) and a default among it.

The user's choices are link rows (user, entry) and the default a column of users. Loading
is one statement: the company's active entries LEFT JOINed with the user's links, plus the
deactivated entries the user still has (shown struck through; kept, never newly chosen).
An unchanged edit costs no statement to check; only what an edit adds is asked of the
catalog (app.catalogs.choices), so an entry deactivated meanwhile, or another company's, is
refused whatever the page offered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.access import Right
from app.audit import Action, Change
from app.catalogs.choices import refuse_new_inactive
from app.catalogs.service import MODELS, Kind
from app.db.base import Base
from app.db.models import User
from app.errors import ValidationError
from app.sections.base import Copied, Section, SectionSaved, Target
from app.users.records import record_of
from app.users.writer import UserWriter
from app.workplace import Work


@dataclass(frozen=True)
class Pick:
    """One catalog entry as the section lists it, and whether the user has it checked.

    ``shown``: how the page names it ("Main office (212) 555-0142", "X-ray"); ``group``: the
    heading it is listed under (a resource's kind; "" for a fax number); ``number``: a fax
    number in E.164."""

    id: int
    shown: str
    active: bool
    checked: bool
    group: str = ""
    number: str = ""
    name: str = ""  # a fax number's label, a resource's name


@dataclass(frozen=True)
class Picks:
    """The section for one user: the entries to choose from (the company's active ones and
    the deactivated ones the user still has, checked or as their default) and the default."""

    entries: tuple[Pick, ...] = ()
    default_id: int | None = None

    @property
    def checked_ids(self) -> frozenset[int]:
        return frozenset(e.id for e in self.entries if e.checked)

    def entry(self, entry_id: int | None) -> Pick | None:
        return next((e for e in self.entries if e.id == entry_id), None)

    @property
    def default(self) -> Pick | None:
        return self.entry(self.default_id)

    @property
    def checked(self) -> tuple[Pick, ...]:
        return tuple(e for e in self.entries if e.checked)


@dataclass(frozen=True)
class PicksEdit:
    """The section as chosen: the entries checked and the default, by row id."""

    checked_ids: frozenset[int]
    default_id: int | None = None

    def __init__(self, checked_ids: Iterable[int], default_id: int | None = None) -> None:
        object.__setattr__(self, "checked_ids", frozenset(checked_ids))
        object.__setattr__(self, "default_id", default_id)


@dataclass(frozen=True)
class PicksChecked:
    """A checked edit, with what is stored now and the entries' names for the audit."""

    checked_ids: frozenset[int]
    default_id: int | None
    before_ids: frozenset[int] = frozenset()
    before_default: int | None = None
    names: Mapping[int, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return (self.checked_ids, self.default_id) != (self.before_ids, self.before_default)


class CatalogPicksSection(Section[Picks, PicksEdit, PicksChecked]):
    """A section that checks entries of one catalog and names one of them the default."""

    edit_right: ClassVar[Right] = Right.EDIT_USERS
    kind: ClassVar[Kind]
    link: ClassVar[type[Base]]  # the link table: (user_pk, <link_column>)
    link_column: ClassVar[str]
    default_column: ClassVar[str]  # the column of users holding the default
    action: ClassVar[Action]
    checked_field: ClassVar[str]  # the field names app/'s problems are said beside
    default_field: ClassVar[str]
    checked_words: ClassVar[str]  # "the inbound fax numbers", for Copy User and the audit
    default_words: ClassVar[str]
    default_among_checked: ClassVar[bool]  # the default must be one of the checked entries

    # How an entry is shown and listed: the subclass's.

    def pick_of(self, work: Work, row: Any, checked: bool) -> Pick:
        raise NotImplementedError

    def sort_key(self, pick: Pick) -> tuple[Any, ...]:
        return (pick.shown.casefold(), pick.id)

    def not_checked_problem(self) -> str:
        return f"The {self.default_words} must be one of the checked entries."

    # Reading

    def read(self, work: Work, user_pk: int | None, default_id: int | None) -> Picks:
        """The entries to choose from with the user's ticks (None: a new user's), in one
        statement; each entry once, however many ways it is the user's."""
        model: Any = MODELS[self.kind]
        link: Any = self.link
        company_id = work.company.id
        if user_pk is None:
            query = select(model, model.id.is_(None)).where(
                model.company_id == company_id, model.active
            )
        else:
            linked = getattr(link, self.link_column)
            offered = [model.active, link.user_pk.is_not(None)]
            if default_id is not None:
                offered.append(model.id == default_id)
            query = (
                select(model, link.user_pk.is_not(None))
                .outerjoin(link, and_(linked == model.id, link.user_pk == user_pk))
                .where(model.company_id == company_id, or_(*offered))
            )
        picks: dict[int, Pick] = {}
        for row, checked in work.session.execute(query):
            if row.id not in picks:  # the join matches one link at most: a guard all the same
                picks[row.id] = self.pick_of(work, row, bool(checked))
        return Picks(tuple(sorted(picks.values(), key=self.sort_key)), default_id)

    def load(self, work: Work, user: User) -> Picks:
        """One statement: the catalog with the user's ticks."""
        return self.read(work, user.id, getattr(user, self.default_column))

    def blank(self, work: Work) -> Picks:
        """A new user has nothing checked; the company's active entries to choose from."""
        return self.read(work, None, None)

    def copy(self, work: Work, source: Picks) -> Copied[Picks]:
        """The active entries the user copied has, and their default if it is active (and,
        where it must be, checked); a deactivated one is not given anew."""
        entries = tuple(e for e in source.entries if e.active)
        copied = Picks(entries)
        default = source.default
        usable = default is not None and default.active
        if default is not None and usable and (default.checked or not self.default_among_checked):
            copied = replace(copied, default_id=default.id)
        carried: list[str] = []
        names = [e.shown for e in copied.checked]
        if names:
            carried.append(f"{self.checked_words} {', '.join(names)}")
        if copied.default is not None:
            carried.append(f"{self.default_words} {copied.default.shown}")
        return Copied(copied, tuple(carried))

    def edit_of(self, state: Picks) -> PicksEdit:
        return PicksEdit(state.checked_ids, state.default_id)

    # Checking

    def check(
        self, work: Work, target: Target, current: Picks | None, edit: PicksEdit
    ) -> PicksChecked:
        """The edit as it would be stored: the default one of the checked entries where it
        must be, and nothing deactivated or foreign newly chosen. Unchanged: no statement."""
        if current is None and target.pk is not None:  # not opened: as stored now
            user = UserWriter(work.session, work.company, work.actor).load(target.pk)
            current = self.load(work, user)
        before_ids = current.checked_ids if current is not None else frozenset()
        before_default = current.default_id if current is not None else None
        unchanged = PicksChecked(before_ids, before_default, before_ids, before_default)
        if (edit.checked_ids, edit.default_id) == (before_ids, before_default):
            return unchanged
        work.actor.require(Right.EDIT_USERS)
        errors: dict[str, str] = {}
        if (
            self.default_among_checked
            and edit.default_id is not None
            and edit.default_id not in edit.checked_ids
        ):
            errors[self.default_field] = self.not_checked_problem()
        session, company = work.session, work.company
        asked = (
            (edit.checked_ids, before_ids, self.checked_field),
            (_one(edit.default_id), _one(before_default), self.default_field),
        )
        for chosen, had, name in asked:
            if name in errors:
                continue
            try:
                refuse_new_inactive(
                    session, company.id, self.kind, chosen, had, name, company.phone_region
                )
            except ValidationError as exc:
                errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        names = {e.id: e.shown for e in current.entries} if current is not None else {}
        wanted = edit.checked_ids | _one(edit.default_id)
        if wanted - names.keys():  # chosen since the page was filled: active, as just asked
            names.update((e.id, e.shown) for e in self.read(work, None, None).entries)
        return PicksChecked(edit.checked_ids, edit.default_id, before_ids, before_default, names)

    # Saving

    def save(self, work: Work, target: Target, checked: PicksChecked) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        session, company, actor = work.session, work.company, work.actor
        writer = UserWriter(session, company, actor)
        user = writer.load_for_edit(target.pk, target.version)
        if not checked.changed:
            return SectionSaved(record_of(user))
        actor.require(Right.EDIT_USERS)
        self._store_links(session, user.id, checked)
        setattr(user, self.default_column, checked.default_id)
        now = work.clock()
        writer.touch(user, now)
        # The row's new version is what tells another workstation its edit is stale, even
        # when only the links changed and the stamp is the same instant as before.
        flag_modified(user, "updated_at")
        writer.flush(user)
        writer.audit(user, self.action, self._changes(checked), now)
        return SectionSaved(record_of(user))

    def _store_links(self, session: Session, user_pk: int, checked: PicksChecked) -> None:
        link: Any = self.link
        linked = getattr(link, self.link_column)
        taken = checked.before_ids - checked.checked_ids
        if taken:
            session.execute(delete(link).where(link.user_pk == user_pk, linked.in_(sorted(taken))))
        session.add_all(
            link(user_pk=user_pk, **{self.link_column: entry_id})
            for entry_id in sorted(checked.checked_ids - checked.before_ids)
        )

    def _changes(self, checked: PicksChecked) -> list[Change]:
        def named(ids: Iterable[int]) -> list[str]:
            return sorted((checked.names.get(i, f"#{i}") for i in ids), key=str.casefold)

        def one(entry_id: int | None) -> str | None:
            return None if entry_id is None else checked.names.get(entry_id, f"#{entry_id}")

        changes: list[Change] = []
        if checked.default_id != checked.before_default:
            changes.append(
                Change(self.default_field, one(checked.before_default), one(checked.default_id))
            )
        if checked.checked_ids != checked.before_ids:
            changes.append(
                Change(self.checked_field, named(checked.before_ids), named(checked.checked_ids))
            )
        return changes


def _one(entry_id: int | None) -> frozenset[int]:
    return frozenset() if entry_id is None else frozenset({entry_id})


__all__ = ["CatalogPicksSection", "Pick", "Picks", "PicksChecked", "PicksEdit"]
