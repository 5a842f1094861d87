"""The practice's catalogs, edited: add, rename or change, deactivate and activate entries.

Every kind of entry (app.db.catalog_models) is kept the same way: the company's, shared by
all its users, deactivated and never deleted (users who have one keep it, shown struck
through, and nobody can newly choose it), its edits audited and allowed to holders of "Edit
catalogs". Names are unique within their list whatever their case (a template's within its
category, a category's within its chart tab); a fax number is stored in E.164, once per
company, so the same line typed two ways is one entry.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.catalog_models import (
    CatalogEntry,
    ChartTab,
    FaxNumber,
    NoteType,
    Resource,
    Template,
    TemplateCategory,
)
from app.db.kinds import ResourceKind
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.validation import FieldProblem, clean_phone, clean_text, display_phone

NAME_FIELD = "name"
NUMBER_FIELD = "number"
KIND_FIELD = "kind"
PARENT_FIELD = "parent"


class Kind(enum.StrEnum):
    """A catalog, by the word the command line takes."""

    FAX = "fax"
    RESOURCE = "resource"
    NOTE_TYPE = "note-type"
    CHART_TAB = "chart-tab"
    CATEGORY = "category"
    TEMPLATE = "template"

    @property
    def words(self) -> str:
        return _WORDS[self]


_WORDS = {
    Kind.FAX: "fax number",
    Kind.RESOURCE: "resource",
    Kind.NOTE_TYPE: "note type",
    Kind.CHART_TAB: "chart tab",
    Kind.CATEGORY: "template category",
    Kind.TEMPLATE: "template",
}
AnyEntry = FaxNumber | Resource | NoteType | ChartTab | TemplateCategory | Template
MODELS: dict[Kind, type[CatalogEntry]] = {
    Kind.FAX: FaxNumber,
    Kind.RESOURCE: Resource,
    Kind.NOTE_TYPE: NoteType,
    Kind.CHART_TAB: ChartTab,
    Kind.CATEGORY: TemplateCategory,
    Kind.TEMPLATE: Template,
}
NAME_LENGTHS = {Kind.TEMPLATE: 100}  # the others: 60
KNOWN_SHOWN = 12  # how many entries a "there is no such entry" names
POSITIONED = (Kind.NOTE_TYPE, Kind.CHART_TAB)  # shown in the order they were added


@dataclass(frozen=True)
class Entry:
    """One catalog entry as the editors and ``usersetup catalog list`` show it.

    ``name``: a fax number's label (or "" when it has none); ``detail``: a fax number as the
    practice reads it, a resource's kind, the chart tab of a category, "Tab ▸ Category" of a
    template. ``parent_id``: a category's chart tab, a template's category."""

    kind: Kind
    id: int
    name: str
    detail: str
    active: bool
    version: int
    parent_id: int | None = None
    number: str = ""  # a fax number in E.164, as stored
    parents: tuple[str, ...] = ()  # a category's (tab,), a template's (tab, category)

    @property
    def shown(self) -> str:
        """How a section lists it: "Main office (555) 010-2000", "X-ray", ..."""
        if self.kind is Kind.FAX:
            return f"{self.name} {self.detail}" if self.name else self.detail
        return self.name


class Catalogs:
    """The company's catalogs, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    # Reading

    def entries(
        self,
        kind: Kind,
        *,
        active_only: bool = False,
        parent_id: int | None = None,
        chart_tab_id: int | None = None,
    ) -> list[Entry]:
        """A catalog in the order it is shown (a category's or a tab's entries with
        ``parent_id``; a chart tab's templates with ``chart_tab_id``): one statement."""
        self.actor.require(Right.VIEW_USERS)
        model = MODELS[kind]
        query: Select[Any] = select(model).where(model.company_id == self.company.id)
        if active_only:
            query = query.where(model.active)
        if parent_id is not None:
            query = query.where(_parent_column(kind) == parent_id)
        if chart_tab_id is not None:
            if kind is not Kind.TEMPLATE:
                raise ValueError(f"a {kind.words} is not listed by chart tab")
            query = query.where(Template.chart_tab_id == chart_tab_id)
        query = self._with_parents(kind, query).order_by(*_order(kind))
        return [self._entry(kind, *row) for row in self.session.execute(query)]

    def get(self, kind: Kind, entry_id: int) -> Entry:
        """One entry; NotFoundError when the company has no such entry."""
        self.actor.require(Right.VIEW_USERS)
        return self._shown(kind, self._load(kind, entry_id, None))

    def find(
        self,
        kind: Kind,
        text: str,
        *,
        parent_id: int | None = None,
        chart_tab_id: int | None = None,
    ) -> Entry:
        """The entry named ``text`` (any case; a fax number as typed, in any format; or
        "#id"), among a parent's entries when given; NotFoundError naming the known ones."""
        clean = text.strip()
        if clean.startswith("#") and clean[1:].isdigit():
            return self.get(kind, int(clean[1:]))
        candidates = self.entries(kind, parent_id=parent_id, chart_tab_id=chart_tab_id)
        wanted = clean.casefold()
        if kind is Kind.FAX:
            try:
                number, _ext = clean_phone(clean, self.company.phone_region)
            except FieldProblem:
                number = ""
            found = [
                e
                for e in candidates
                if (e.name and e.name.casefold() == wanted) or e.number == number
            ]
        else:
            found = [e for e in candidates if e.name.casefold() == wanted]
        if len(found) == 1:
            return found[0]
        known = ", ".join(e.shown for e in candidates[:KNOWN_SHOWN]) or "none"
        if len(candidates) > KNOWN_SHOWN:  # thousands of templates: the first few, and where
            known += f", ... {len(candidates)} in all: usersetup catalog list {kind.value}"
        if found:
            raise NotFoundError(
                f"More than one {kind.words} is named {text!r}; give its number as #id "
                f"(usersetup catalog list {kind.value})."
            )
        raise NotFoundError(f"There is no {kind.words} {text!r} ({kind.words}s: {known}).")

    # Adding

    def add_fax_number(self, number: str, label: str = "") -> Entry:
        """A practice fax line, audited; refused when the company lists it already."""
        self.actor.require(Right.EDIT_CATALOGS)
        e164 = self._fax_number(number, None)
        clean_label = self._name(Kind.FAX, label, required=False)
        row = FaxNumber(company_id=self.company.id, number=e164, label=clean_label)
        return self._added(Kind.FAX, row, [Change(NUMBER_FIELD, None, e164)])

    def add_resource(self, name: str, kind: ResourceKind | str) -> Entry:
        self.actor.require(Right.EDIT_CATALOGS)
        clean = self._unique_name(Kind.RESOURCE, name, None, None)
        resource_kind = _resource_kind(kind)
        row = Resource(
            company_id=self.company.id, name=clean, name_key=clean.casefold(), kind=resource_kind
        )
        return self._added(
            Kind.RESOURCE,
            row,
            [Change(NAME_FIELD, None, clean), Change(KIND_FIELD, None, resource_kind)],
        )

    def add_note_type(self, name: str) -> Entry:
        return self._add_positioned(Kind.NOTE_TYPE, name)

    def add_chart_tab(self, name: str) -> Entry:
        return self._add_positioned(Kind.CHART_TAB, name)

    def add_category(self, chart_tab_id: int, name: str) -> Entry:
        """A category under a chart tab (which must be active)."""
        self.actor.require(Right.EDIT_CATALOGS)
        tab = self._active_parent(Kind.CHART_TAB, chart_tab_id)
        clean = self._unique_name(Kind.CATEGORY, name, None, tab.id)
        row = TemplateCategory(
            company_id=self.company.id, chart_tab_id=tab.id, name=clean, name_key=clean.casefold()
        )
        return self._added(
            Kind.CATEGORY, row, [said("chart_tab", tab.name), Change(NAME_FIELD, None, clean)]
        )

    def add_template(self, category_id: int, name: str) -> Entry:
        """A template under a category (which must be active), on the category's chart tab."""
        self.actor.require(Right.EDIT_CATALOGS)
        category = self._active_parent(Kind.CATEGORY, category_id)
        assert isinstance(category, TemplateCategory)
        clean = self._unique_name(Kind.TEMPLATE, name, None, category.id)
        row = Template(
            company_id=self.company.id,
            chart_tab_id=category.chart_tab_id,
            category_id=category.id,
            name=clean,
            name_key=clean.casefold(),
        )
        return self._added(
            Kind.TEMPLATE, row, [said("category", category.name), Change(NAME_FIELD, None, clean)]
        )

    # Changing

    def rename(
        self, kind: Kind, entry_id: int, name: str, expected_version: int | None = None
    ) -> Entry:
        """A new name (a fax number's label), audited; the users who have it keep it."""
        row = self._load(kind, entry_id, expected_version, editing=True)
        if isinstance(row, FaxNumber):
            clean = self._name(kind, name, required=False)
            before, row.label = row.label, clean
        else:
            clean = self._unique_name(kind, name, row.id, _parent_of(row))
            before = row.name
            row.name, row.name_key = clean, clean.casefold()
        if clean == before:
            return self._shown(kind, row)
        return self._changed(kind, row, Action.CATALOG_CHANGED, [Change(NAME_FIELD, before, clean)])

    def change_fax_number(
        self, entry_id: int, number: str, expected_version: int | None = None
    ) -> Entry:
        """Correct a fax line's digits, audited; the users who have it keep it."""
        row = self._load(Kind.FAX, entry_id, expected_version, editing=True)
        assert isinstance(row, FaxNumber)
        e164 = self._fax_number(number, row.id)
        if e164 == row.number:
            return self._shown(Kind.FAX, row)
        before, row.number = row.number, e164
        return self._changed(
            Kind.FAX, row, Action.CATALOG_CHANGED, [Change(NUMBER_FIELD, before, e164)]
        )

    def change_resource_kind(
        self, entry_id: int, kind: ResourceKind | str, expected_version: int | None = None
    ) -> Entry:
        row = self._load(Kind.RESOURCE, entry_id, expected_version, editing=True)
        assert isinstance(row, Resource)
        resource_kind = _resource_kind(kind)
        if resource_kind == row.kind:
            return self._shown(Kind.RESOURCE, row)
        before, row.kind = row.kind, resource_kind
        return self._changed(
            Kind.RESOURCE, row, Action.CATALOG_CHANGED, [Change(KIND_FIELD, before, resource_kind)]
        )

    def set_active(
        self, kind: Kind, entry_id: int, active: bool, expected_version: int | None = None
    ) -> Entry:
        """Deactivate an entry (it stays with the users who have it, shown struck through,
        and cannot be newly chosen) or activate it again, audited."""
        row = self._load(kind, entry_id, expected_version, editing=True)
        if row.active == active:
            return self._shown(kind, row)
        if active and (parent := _parent_of(row)) is not None:
            self._active_parent(Kind.CHART_TAB if kind is Kind.CATEGORY else Kind.CATEGORY, parent)
        row.active = active
        action = Action.CATALOG_ACTIVATED if active else Action.CATALOG_DEACTIVATED
        return self._changed(kind, row, action, [Change("active", not active, active)])

    # The parts

    def _add_positioned(self, kind: Kind, name: str) -> Entry:
        self.actor.require(Right.EDIT_CATALOGS)
        model = NoteType if kind is Kind.NOTE_TYPE else ChartTab
        clean = self._unique_name(kind, name, None, None)
        last = self.session.scalar(
            select(func.max(model.position)).where(model.company_id == self.company.id)
        )
        row = model(
            company_id=self.company.id,
            name=clean,
            name_key=clean.casefold(),
            position=(last if last is not None else -1) + 1,
        )
        return self._added(kind, row, [Change(NAME_FIELD, None, clean)])

    def _added(self, kind: Kind, row: AnyEntry, changes: list[Change]) -> Entry:
        now = self.clock()
        row.active, row.updated_at, row.updated_by = True, now, self.actor.name[:100]
        self.session.add(row)
        self._flush(kind, row)
        self._audit(Action.CATALOG_ADDED, kind, row, changes, now)
        return self._shown(kind, row)

    def _changed(self, kind: Kind, row: AnyEntry, action: Action, changes: list[Change]) -> Entry:
        now = self.clock()
        row.updated_at, row.updated_by = now, self.actor.name[:100]
        self._flush(kind, row)
        self._audit(action, kind, row, changes, now)
        return self._shown(kind, row)

    def _load(
        self, kind: Kind, entry_id: int, expected_version: int | None, *, editing: bool = False
    ) -> AnyEntry:
        self.actor.require(Right.EDIT_CATALOGS if editing else Right.VIEW_USERS)
        row: AnyEntry | None = self.session.get(MODELS[kind], entry_id)  # type: ignore[assignment]
        if row is None or row.company_id != self.company.id:
            raise NotFoundError(f"There is no {kind.words} #{entry_id} in {self.company.code}.")
        if expected_version is not None and row.version != expected_version:
            raise ConflictError(row.updated_by, row.updated_at, f"This {kind.words}")
        return row

    def _active_parent(self, kind: Kind, parent_id: int) -> ChartTab | TemplateCategory:
        row = self._load(kind, parent_id, None)
        assert isinstance(row, ChartTab | TemplateCategory)
        if not row.active:
            raise ValidationError({PARENT_FIELD: f"{row.name} is deactivated; activate it first."})
        return row

    def _name(self, kind: Kind, text: str, *, required: bool = True) -> str:
        label = "Label" if kind is Kind.FAX else "Name"
        try:
            return clean_text(text, label, NAME_LENGTHS.get(kind, 60), required=required)
        except FieldProblem as problem:
            raise ValidationError({NAME_FIELD: str(problem)}) from None

    def _unique_name(self, kind: Kind, text: str, entry_id: int | None, parent: int | None) -> str:
        clean = self._name(kind, text)
        model = MODELS[kind]
        query = select(model.name).where(  # type: ignore[attr-defined]
            model.company_id == self.company.id,
            model.name_key == clean.casefold(),  # type: ignore[attr-defined]
            model.id != (entry_id or 0),
        )
        if kind in (Kind.CATEGORY, Kind.TEMPLATE):
            query = query.where(_parent_column(kind) == parent)
        taken = self.session.scalar(query)
        if taken is not None:
            raise ValidationError({NAME_FIELD: _taken(kind, taken)})
        return clean

    def _fax_number(self, text: str, entry_id: int | None) -> str:
        try:
            e164, extension = clean_phone(text, self.company.phone_region, "A fax number")
        except FieldProblem as problem:
            raise ValidationError({NUMBER_FIELD: str(problem)}) from None
        if not e164:
            raise ValidationError({NUMBER_FIELD: "Type the fax number."})
        if extension:
            raise ValidationError({NUMBER_FIELD: "A fax number has no extension."})
        taken = self.session.scalar(
            select(FaxNumber).where(
                FaxNumber.company_id == self.company.id,
                FaxNumber.number == e164,
                FaxNumber.id != (entry_id or 0),
            )
        )
        if taken is not None:
            raise ValidationError({NUMBER_FIELD: self._listed_already(taken)})
        return e164

    def _listed_already(self, row: FaxNumber) -> str:
        shown = self._shown(Kind.FAX, row).shown
        state = "" if row.active else " (deactivated: activate it instead)"
        return f"The practice lists this fax number already, as \u201c{shown}\u201d{state}."

    def _flush(self, kind: Kind, row: AnyEntry) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(None, None, f"This {kind.words}") from exc
        except IntegrityError as exc:  # taken meanwhile by another workstation
            text = str(exc.orig)
            if kind is Kind.FAX:  # a fax number's only unique key is its number
                raise ValidationError(
                    {NUMBER_FIELD: "Another workstation just added this fax number."}
                ) from exc
            if "_name" in text and ("uq_" in text or ".name_key" in text):
                raise ValidationError({NAME_FIELD: _taken(kind, getattr(row, "name", ""))}) from exc
            raise

    def _audit(
        self, action: Action, kind: Kind, row: AnyEntry, changes: Sequence[Change], now: datetime
    ) -> None:
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=None,
            action=action,
            changes=[
                said("catalog", kind.value),
                said("entry", self._shown(kind, row).shown),
                *changes,
            ],
        )

    def _with_parents(self, kind: Kind, query: Select[Any]) -> Select[Any]:
        """A category's tab name and a template's "Tab ▸ Category", in the same statement."""
        if kind is Kind.CATEGORY:
            return query.add_columns(ChartTab.name).join(
                ChartTab, ChartTab.id == TemplateCategory.chart_tab_id
            )
        if kind is Kind.TEMPLATE:
            return (
                query.add_columns(ChartTab.name, TemplateCategory.name)
                .join(ChartTab, ChartTab.id == Template.chart_tab_id)
                .join(TemplateCategory, TemplateCategory.id == Template.category_id)
            )
        return query

    def _shown(self, kind: Kind, row: AnyEntry) -> Entry:
        if isinstance(row, TemplateCategory):
            tab = self.session.get(ChartTab, row.chart_tab_id)
            return self._entry(kind, row, tab.name if tab else "")
        if isinstance(row, Template):
            tab = self.session.get(ChartTab, row.chart_tab_id)
            category = self.session.get(TemplateCategory, row.category_id)
            return self._entry(
                kind, row, tab.name if tab else "", category.name if category else ""
            )
        return self._entry(kind, row)

    def _entry(self, kind: Kind, row: AnyEntry, *parents: str) -> Entry:
        if isinstance(row, FaxNumber):
            shown = display_phone(row.number, self.company.phone_region)
            return Entry(kind, row.id, row.label, shown, row.active, row.version, number=row.number)
        if isinstance(row, Resource):
            return Entry(kind, row.id, row.name, row.kind, row.active, row.version)
        detail = " \u25b8 ".join(parents)
        return Entry(
            kind, row.id, row.name, detail, row.active, row.version, _parent_of(row),
            parents=tuple(parents),
        )  # fmt: skip


def _parent_column(kind: Kind) -> Any:
    if kind is Kind.CATEGORY:
        return TemplateCategory.chart_tab_id
    if kind is Kind.TEMPLATE:
        return Template.category_id
    raise ValueError(f"a {kind.words} has no parent")


def _parent_of(row: AnyEntry) -> int | None:
    if isinstance(row, TemplateCategory):
        return row.chart_tab_id
    if isinstance(row, Template):
        return row.category_id
    return None


def _order(kind: Kind) -> tuple[Any, ...]:
    model = MODELS[kind]
    if kind in POSITIONED:
        return (model.position, model.id)  # type: ignore[attr-defined]
    if kind is Kind.FAX:
        return (FaxNumber.label, FaxNumber.number)
    if kind is Kind.RESOURCE:
        return (Resource.kind, Resource.name_key)
    if kind is Kind.CATEGORY:
        return (ChartTab.position, TemplateCategory.name_key)
    return (ChartTab.position, TemplateCategory.name_key, Template.name_key)


def _resource_kind(kind: ResourceKind | str) -> str:
    try:
        return ResourceKind(str(kind).strip().lower()).value
    except ValueError:
        choices = ", ".join(k.value for k in ResourceKind)
        raise ValidationError({KIND_FIELD: f"A resource is one of: {choices}."}) from None


def _taken(kind: Kind, name: str) -> str:
    return f"A {kind.words} named \u201c{name}\u201d exists already."


__all__ = ["Catalogs", "Entry", "Kind"]
