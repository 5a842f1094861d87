"""Which chart templates a user may use, and the template each chart tab opens with for them.

A practice can keep thousands of templates, so everything here is sized for that: a user's
whole list is read in one statement (the chart tabs, their categories, every template with the
user's check mark, and each tab's default), held as tuples of small frozen records, and saved
with a few set statements (what was taken away deleted at once, what was added inserted at
once), never a statement per template.

The rules: a template newly checked must be the company's and usable now (itself, its
category and its chart tab all active: a deactivated entry the user has is kept, shown struck
through, but never given anew); a tab's default must be one of the templates checked for that
tab.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.orm import Session

from app.audit import Change, said
from app.db.catalog_models import (
    ChartTab,
    Template,
    TemplateCategory,
    UserDefaultTemplate,
    UserTemplate,
)
from app.errors import ValidationError

TEMPLATES_FIELD = "templates"
DEFAULT_FIELD = "default_template"
# An audit event names at most this many templates added (and as many taken away), with the
# exact counts beside them: "Check all" on a big tab would otherwise write thousands of names
# into one row that a person reads, while the user's full list stays in user_templates.
NAMED_IN_AUDIT = 20


class TemplateItem(NamedTuple):
    """One template as a user's section lists it: ``usable`` when it, its category and its
    chart tab are all active (only a usable one may be newly checked). A named tuple: a
    practice's thousands of them are made in a few milliseconds, where frozen dataclasses
    took several times as long."""

    id: int
    name: str
    usable: bool
    granted: bool


@dataclass(frozen=True, slots=True)
class CategoryItem:
    """A category of one chart tab, with its templates by name."""

    id: int
    name: str
    active: bool
    templates: tuple[TemplateItem, ...]


@dataclass(frozen=True, slots=True)
class TabItem:
    """A chart tab with its categories, and the template it opens with for the user."""

    id: int
    name: str
    active: bool
    categories: tuple[CategoryItem, ...]
    default_id: int | None = None

    def templates(self) -> Iterable[tuple[CategoryItem, TemplateItem]]:
        for category in self.categories:
            for template in category.templates:
                yield category, template

    @property
    def granted_count(self) -> int:
        return sum(t.granted for c in self.categories for t in c.templates)


@dataclass(frozen=True)
class UserTemplates:
    """A user's templates: every chart tab (in the practice's order) with its categories and
    templates: the usable ones, and the deactivated ones the user still has."""

    tabs: tuple[TabItem, ...] = ()

    @property
    def granted_ids(self) -> frozenset[int]:
        return frozenset(t.id for tab in self.tabs for _c, t in tab.templates() if t.granted)

    @property
    def defaults(self) -> dict[int, int]:
        """Each tab's default template, by tab id (a tab without one is not there)."""
        return {tab.id: tab.default_id for tab in self.tabs if tab.default_id is not None}

    def named(self) -> dict[int, tuple[str, str]]:
        """Every template listed, by id: (its chart tab's name, its own)."""
        return {t.id: (tab.name, t.name) for tab in self.tabs for _c, t in tab.templates()}


@dataclass(frozen=True)
class TemplatesEdit:
    """The section as checked: the templates the user may use and each tab's default."""

    granted: frozenset[int]
    defaults: tuple[tuple[int, int], ...]  # (chart tab id, template id), by tab

    def __init__(self, granted: Iterable[int], defaults: Mapping[int, int] | None = None) -> None:
        object.__setattr__(self, "granted", frozenset(granted))
        object.__setattr__(self, "defaults", tuple(sorted((defaults or {}).items())))

    @property
    def default_of(self) -> dict[int, int]:
        return dict(self.defaults)


@dataclass(frozen=True)
class TemplatesChecked:
    """A checked edit, with what the save must do and say (nothing, when unchanged)."""

    granted: frozenset[int]
    defaults: dict[int, int]
    added: frozenset[int] = frozenset()
    removed: frozenset[int] = frozenset()
    defaults_changed: frozenset[int] = frozenset()  # chart tab ids
    changes: tuple[Change, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _word(text: str) -> Any:
    return literal_column(f"'{text}'", String)


def templates_query(company_id: int, user_pk: int | None) -> CompoundSelect[Any]:
    """(kind, id, parent, name, active, mark, position) for every chart tab of the company
    (mark: the user's default template of it; position: its place), every category (parent:
    its tab) and every template that is active or that the user has (parent: its category;
    mark: 1 when the user has it): one statement, a row per entry, no name repeated. A new
    user (``user_pk`` None) has no marks."""
    zero, one = literal_column("0", Integer), literal_column("1", Integer)
    tab_part: Select[Any] = select(
        _word("tab").label("kind"),
        ChartTab.id.label("id"),
        cast(null(), Integer).label("parent"),
        ChartTab.name.label("name"),
        ChartTab.active.label("active"),
        (UserDefaultTemplate.template_id if user_pk is not None else cast(null(), Integer)).label(
            "mark"
        ),
        ChartTab.position.label("position"),
    ).where(ChartTab.company_id == company_id)
    category_part = select(
        _word("category"),
        TemplateCategory.id,
        TemplateCategory.chart_tab_id,
        TemplateCategory.name,
        TemplateCategory.active,
        cast(null(), Integer),
        zero,
    ).where(TemplateCategory.company_id == company_id)
    if user_pk is None:
        template_part: Select[Any] = select(
            _word("template"), Template.id, Template.category_id, Template.name,
            Template.active, zero, zero,
        ).where(Template.company_id == company_id, Template.active)  # fmt: skip
        return tab_part.union_all(category_part, template_part)
    tab_part = tab_part.outerjoin(
        UserDefaultTemplate,
        and_(
            UserDefaultTemplate.chart_tab_id == ChartTab.id,
            UserDefaultTemplate.user_pk == user_pk,
        ),
    )
    has = UserTemplate.template_id.is_not(None)
    template_part = (
        select(
            _word("template"),
            Template.id,
            Template.category_id,
            Template.name,
            Template.active,
            case((has, one), else_=zero),
            zero,
        )
        .outerjoin(
            UserTemplate,
            and_(UserTemplate.template_id == Template.id, UserTemplate.user_pk == user_pk),
        )
        .where(Template.company_id == company_id, or_(Template.active, has))
    )
    return tab_part.union_all(category_part, template_part)


def read_user_templates(session: Session, company_id: int, user_pk: int | None) -> UserTemplates:
    """The user's templates (a new user's: none checked) in one statement. A deactivated
    template, or one under a deactivated category or tab, is listed only when the user has it;
    a deactivated tab or category is listed only when it holds such a template."""
    tabs: list[tuple[int, int, str, bool, int | None]] = []
    categories: dict[int, tuple[int, str, bool]] = {}
    under: dict[int, list[TemplateItem]] = {}
    # Through the connection: plain rows, none of the ORM's work for entities it would not make.
    for kind, pk, parent, name, active, mark, position in (
        session.connection().execute(templates_query(company_id, user_pk)).all()
    ):
        if kind == "template":  # the rows are active or the user's: listed as they come
            rows = under.get(parent)
            if rows is None:
                rows = under[parent] = []
            rows.append(TemplateItem(pk, name, bool(active), mark == 1))
        elif kind == "category":
            categories[pk] = (parent, name, bool(active))
        else:
            tabs.append((position, pk, name, bool(active), mark))
    by_tab: dict[int, list[CategoryItem]] = {}
    for category_id, (tab_id, name, active) in categories.items():
        by_tab.setdefault(tab_id, []).append(_category(category_id, name, active, under))
    result: list[TabItem] = []
    for _position, tab_id, name, active, default in sorted(tabs):
        listed = [c for c in by_tab.get(tab_id, ()) if c.templates or (active and c.active)]
        if not active:  # its templates can be kept, not given: listed only when it has some
            listed = [_unusable(c) for c in listed if any(t.granted for t in c.templates)]
            if not listed:
                continue
        listed.sort(key=lambda c: c.name.casefold())
        result.append(TabItem(tab_id, name, active, tuple(listed), default))
    return UserTemplates(tuple(result))


def _category(
    category_id: int, name: str, active: bool, under: dict[int, list[TemplateItem]]
) -> CategoryItem:
    items = under.get(category_id, [])
    if not active:  # a deactivated category: only what the user has, none of it usable
        items = [t._replace(usable=False) for t in items if t.granted]
    items.sort(key=_by_name)
    return CategoryItem(category_id, name, active, tuple(items))


def _by_name(template: TemplateItem) -> str:
    return template.name.casefold()


def _unusable(category: CategoryItem) -> CategoryItem:
    """A category of a deactivated tab: only what the user has, none of it usable."""
    kept = tuple(TemplateItem(t.id, t.name, False, True) for t in category.templates if t.granted)
    return CategoryItem(category.id, category.name, category.active, kept)


@dataclass(frozen=True)
class _Chosen:
    tab_id: int
    tab: str
    name: str
    usable: bool


def _read_chosen(session: Session, company_id: int, ids: Iterable[int]) -> dict[int, _Chosen]:
    """The company's templates among ``ids`` with their tab and whether usable now (the
    template, its category and its tab active): one statement."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Template.id,
            Template.chart_tab_id,
            ChartTab.name,
            Template.name,
            Template.active,
            TemplateCategory.active,
            ChartTab.active,
        )
        .join(TemplateCategory, TemplateCategory.id == Template.category_id)
        .join(ChartTab, ChartTab.id == Template.chart_tab_id)
        .where(Template.id.in_(wanted), Template.company_id == company_id)
    )
    return {
        pk: _Chosen(tab_id, tab, name, bool(own and category and tab_active))
        for pk, tab_id, tab, name, own, category, tab_active in rows
    }


def check_templates(
    session: Session, company_id: int, current: UserTemplates, edit: TemplatesEdit
) -> TemplatesChecked:
    """The edit as it would be stored over ``current`` (what the user has now; a new user's
    is empty), or ValidationError beside the list or the default. What it adds (a template
    newly checked, a default newly chosen) is read in one statement; an edit that adds
    nothing reads nothing."""
    had, had_defaults = current.granted_ids, current.defaults
    wanted, defaults = edit.granted, edit.default_of
    if wanted == had and defaults == had_defaults:
        return TemplatesChecked(wanted, defaults)
    added, removed = wanted - had, had - wanted
    changed_tabs = frozenset(
        tab
        for tab in set(defaults) | set(had_defaults)
        if defaults.get(tab) != had_defaults.get(tab)
    )
    newly_default = {defaults[tab] for tab in changed_tabs if tab in defaults}
    chosen = _read_chosen(session, company_id, added | newly_default)
    errors: dict[str, str] = {}
    missing = (added | newly_default) - chosen.keys()
    unusable = sorted(
        {chosen[pk].name for pk in added | newly_default if pk in chosen and not chosen[pk].usable},
        key=str.casefold,
    )
    if missing:
        errors[TEMPLATES_FIELD] = "That template does not exist; refresh the list and choose again."
    elif unusable:
        names = ", ".join(unusable)
        verb = "is" if len(unusable) == 1 else "are"
        errors[TEMPLATES_FIELD] = (
            f"{names} {verb} deactivated (or under a deactivated category or chart tab) and "
            "cannot be newly checked."
        )
    named = current.named()
    tab_names = {tab.id: tab.name for tab in current.tabs}
    for tab_id, template_id in sorted(defaults.items()):  # kept ones too: still checked?
        info = chosen.get(template_id)
        tab_name = tab_names.get(tab_id) or (info.tab if info else f"#{tab_id}")
        if template_id not in wanted:
            errors[DEFAULT_FIELD] = (
                f"The default template of {tab_name} must be one of the templates checked for it."
            )
        elif tab_id in changed_tabs and info is not None and info.tab_id != tab_id:
            errors[DEFAULT_FIELD] = f"{info.name} is not a template of {tab_name}."
    if errors:
        raise ValidationError(errors)
    for pk, info in chosen.items():
        named.setdefault(pk, (info.tab, info.name))
        tab_names.setdefault(info.tab_id, info.tab)
    changes = _audit_changes(named, tab_names, had, wanted, added, removed, changed_tabs,
                             had_defaults, defaults)  # fmt: skip
    return TemplatesChecked(wanted, defaults, added, removed, changed_tabs, tuple(changes))


def _audit_changes(
    named: dict[int, tuple[str, str]],
    tab_names: dict[int, str],
    had: frozenset[int],
    wanted: frozenset[int],
    added: frozenset[int],
    removed: frozenset[int],
    changed_tabs: frozenset[int],
    had_defaults: dict[int, int],
    defaults: dict[int, int],
) -> list[Change]:
    """The count before and after, the templates added and taken away in words (the first
    NAMED_IN_AUDIT of each, by tab, then how many more), and each tab's default by name."""
    changes: list[Change] = []
    if added or removed:
        changes.append(Change(TEMPLATES_FIELD, len(had), len(wanted)))
    for word, ids in (("added", added), ("taken_away", removed)):
        if ids:
            changes.append(said(word, in_words(named, ids)))

    def name_of(pk: int | None) -> str | None:
        return None if pk is None else named.get(pk, ("", f"#{pk}"))[1]

    for tab_id in sorted(changed_tabs, key=lambda t: tab_names.get(t, "")):
        changes.append(
            Change(
                f"default.{tab_names.get(tab_id, tab_id)}",
                name_of(had_defaults.get(tab_id)),
                name_of(defaults.get(tab_id)),
            )
        )
    return changes


def in_words(named: dict[int, tuple[str, str]], ids: Iterable[int]) -> str:
    """ "Orders: BMP, CBC; Exams: Knee" for a few; for many the first NAMED_IN_AUDIT by tab
    and name, then "... and 480 more (500 in all)"."""
    shown = sorted(
        (named.get(pk, ("", f"#{pk}")) for pk in ids), key=lambda n: (n[0], n[1].casefold())
    )
    total = len(shown)
    by_tab: dict[str, list[str]] = {}
    for tab, name in shown[:NAMED_IN_AUDIT]:
        by_tab.setdefault(tab, []).append(name)
    text = "; ".join(f"{tab}: {', '.join(names)}" for tab, names in by_tab.items())
    if total > NAMED_IN_AUDIT:
        text += f"; and {total - NAMED_IN_AUDIT} more ({total} in all)"
    return text


def store_templates(
    session: Session, company_id: int, user_pk: int, checked: TemplatesChecked
) -> None:
    """Write a checked edit: at most a DELETE and an INSERT for the templates and the same for
    the defaults, however many templates change (the INSERT takes its rows from the company's
    templates, so an id of another company's cannot be stored even by a caller that skipped
    the check)."""
    if checked.removed:
        session.execute(
            delete(UserTemplate).where(
                UserTemplate.user_pk == user_pk,
                UserTemplate.template_id.in_(sorted(checked.removed)),
            )
        )
    if checked.defaults_changed:
        session.execute(
            delete(UserDefaultTemplate).where(
                UserDefaultTemplate.user_pk == user_pk,
                UserDefaultTemplate.chart_tab_id.in_(sorted(checked.defaults_changed)),
            )
        )
    if checked.added:
        session.execute(
            insert(UserTemplate).from_select(
                ["user_pk", "template_id"],
                select(literal(user_pk, Integer), Template.id).where(
                    Template.company_id == company_id,
                    Template.id.in_(sorted(checked.added)),
                ),
            )
        )
    new_defaults = [
        {"user_pk": user_pk, "chart_tab_id": tab, "template_id": checked.defaults[tab]}
        for tab in sorted(checked.defaults_changed)
        if tab in checked.defaults
    ]
    if new_defaults:
        session.execute(insert(UserDefaultTemplate), new_defaults)


__all__ = [
    "DEFAULT_FIELD",
    "TEMPLATES_FIELD",
    "CategoryItem",
    "TabItem",
    "TemplateItem",
    "TemplatesChecked",
    "TemplatesEdit",
    "UserTemplates",
    "check_templates",
    "in_words",
    "read_user_templates",
    "store_templates",
]
