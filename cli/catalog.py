"""`usersetup catalog ...`: the practice's catalogs, through the same service as the window's
catalog editors (app.catalogs.service), with the same rules and right ("Edit catalogs")."""

from __future__ import annotations

import argparse
import json
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from app.catalogs.service import Catalogs, Entry, Kind
from app.errors import NotFoundError, ValidationError
from app.workplace import Work
from cli.errors import UsageError

PLACED = (Kind.CATEGORY, Kind.TEMPLATE)  # found within a chart tab (and a category)


def catalog_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one catalog command in the caller's transaction; what to print once
    committed."""
    catalogs = Catalogs(work.session, work.company, work.actor, work.clock)
    kind = Kind(args.kind)
    command = args.catalog_command
    if kind not in PLACED and (getattr(args, "tab", None) or getattr(args, "category", None)):
        raise UsageError(
            f"--tab and --category apply to categories and templates, not {kind.words}s"
        )
    with _said_in_words(kind):
        if command == "list":
            entries = _listed(catalogs, kind, args)
            return _list_json(entries) if args.json else _list_text(kind, entries, args.all)
        if command == "add":
            return _shown(_add(catalogs, kind, args), "Added the", args.json)
        if command == "change":
            _check_change(kind, args)
        entry = _find(catalogs, kind, args.entry, args)
        if command == "rename":
            renamed = catalogs.rename(kind, entry.id, args.new_name, entry.version)
            return _shown(renamed, f"The {kind.words} {_named(entry)} is now", args.json)
        if command == "change":
            changed = _change(catalogs, kind, entry, args)
            if args.json:
                return json.dumps(entry_as_json(changed), indent=2)
            now = _named(changed) if kind is Kind.FAX else f"a {changed.detail}"
            return f"The {kind.words} {_named(entry)} is now {now}."
        changed = catalogs.set_active(kind, entry.id, command == "activate", entry.version)
        if args.json:
            return json.dumps(entry_as_json(changed), indent=2)
        if changed.active:
            return f"The {kind.words} {_named(changed)} is active."
        return (
            f"The {kind.words} {_named(changed)} is deactivated: it stays with the users who "
            "have it, and cannot be newly chosen."
        )


def _listed(catalogs: Catalogs, kind: Kind, args: argparse.Namespace) -> list[Entry]:
    active_only = not args.all
    if kind is Kind.CATEGORY:
        tab = _tab(catalogs, args)
        return catalogs.entries(kind, active_only=active_only, parent_id=tab.id if tab else None)
    if kind is Kind.TEMPLATE:
        tab = _tab(catalogs, args)
        if args.category:
            category = _category(catalogs, args, tab)
            return catalogs.entries(kind, active_only=active_only, parent_id=category.id)
        return catalogs.entries(kind, active_only=active_only, chart_tab_id=tab.id if tab else None)
    return catalogs.entries(kind, active_only=active_only)


def _add(catalogs: Catalogs, kind: Kind, args: argparse.Namespace) -> Entry:
    if args.label is not None and kind is not Kind.FAX:
        raise UsageError("--label applies to fax numbers; a name is the NAME given")
    if args.resource_kind is not None and kind is not Kind.RESOURCE:
        raise UsageError("--kind applies to resources")
    if args.new_category and kind is not Kind.TEMPLATE:
        raise UsageError("--new-category applies to templates")
    if kind is Kind.FAX:
        return catalogs.add_fax_number(args.value, args.label or "")
    if kind is Kind.RESOURCE:
        if args.resource_kind is None:
            raise UsageError("a resource needs --kind provider|room|machine")
        return catalogs.add_resource(args.value, args.resource_kind)
    if kind is Kind.NOTE_TYPE:
        return catalogs.add_note_type(args.value)
    if kind is Kind.CHART_TAB:
        return catalogs.add_chart_tab(args.value)
    if not args.tab:
        raise UsageError(f"a {kind.words} needs --tab, its chart tab")
    tab = _tab(catalogs, args)
    assert tab is not None
    if kind is Kind.CATEGORY:
        return catalogs.add_category(tab.id, args.value)
    if not args.category:
        raise UsageError("a template needs --category, its category on the chart tab")
    return catalogs.add_template(_category(catalogs, args, tab, adding=True).id, args.value)


def _check_change(kind: Kind, args: argparse.Namespace) -> None:
    if kind is Kind.FAX and (args.number is None or args.resource_kind is not None):
        raise UsageError("change fax takes --number NUMBER")
    if kind is Kind.RESOURCE and (args.resource_kind is None or args.number is not None):
        raise UsageError("change resource takes --kind provider|room|machine")


def _change(catalogs: Catalogs, kind: Kind, entry: Entry, args: argparse.Namespace) -> Entry:
    if kind is Kind.FAX:
        return catalogs.change_fax_number(entry.id, args.number, entry.version)
    return catalogs.change_resource_kind(entry.id, args.resource_kind, entry.version)


def _find(catalogs: Catalogs, kind: Kind, text: str, args: argparse.Namespace) -> Entry:
    if kind is Kind.CATEGORY:
        tab = _tab(catalogs, args)
        return catalogs.find(kind, text, parent_id=tab.id if tab else None)
    if kind is Kind.TEMPLATE:
        tab = _tab(catalogs, args)
        if args.category:
            return catalogs.find(kind, text, parent_id=_category(catalogs, args, tab).id)
        return catalogs.find(kind, text, chart_tab_id=tab.id if tab else None)
    return catalogs.find(kind, text)


def _tab(catalogs: Catalogs, args: argparse.Namespace) -> Entry | None:
    return catalogs.find(Kind.CHART_TAB, args.tab) if args.tab else None


def _category(
    catalogs: Catalogs, args: argparse.Namespace, tab: Entry | None, *, adding: bool = False
) -> Entry:
    """The template category --category names (on --tab's chart tab); when adding a template
    and it has none so named: made with --new-category, else refused saying how to add it."""
    try:
        return catalogs.find(Kind.CATEGORY, args.category, parent_id=tab.id if tab else None)
    except NotFoundError:
        if not adding or tab is None or args.category.strip().startswith("#"):
            raise
    if args.new_category:
        return catalogs.add_category(tab.id, args.category)
    raise NotFoundError(
        f"The chart tab {tab.name} has no template category {args.category.strip()!r}. Add it "
        f"with this template by giving --new-category, or first: usersetup catalog add "
        f"category {shlex.quote(args.category.strip())} --tab {shlex.quote(tab.name)}"
    )


@contextmanager
def _said_in_words(kind: Kind) -> Iterator[None]:
    """The service's problems named by the fields the command line knows them by."""
    words = {
        "name": "Label" if kind is Kind.FAX else "Name",
        "number": "Fax number",
        "kind": "Kind",
        "parent": "Category" if kind is Kind.TEMPLATE else "Chart tab",
    }
    try:
        yield
    except ValidationError as exc:
        raise ValidationError({words.get(k, k): v for k, v in exc.errors.items()}) from None


def _named(entry: Entry) -> str:
    return entry.shown if entry.kind is Kind.FAX else entry.name


def entry_line(entry: Entry) -> str:
    """One entry as `catalog list` prints it (documented in the README)."""
    inactive = "" if entry.active else " [inactive]"
    if entry.kind is Kind.FAX:
        label = f"  {entry.name}" if entry.name else ""
        return f"#{entry.id}  {entry.detail}{label}{inactive}"
    detail = f" ({entry.detail})" if entry.detail else ""
    return f"#{entry.id}  {entry.name}{detail}{inactive}"


def _list_text(kind: Kind, entries: list[Entry], everything: bool) -> str:
    if not entries:
        which = "" if everything else " active"
        return f"No{which} {kind.words}s; add one with: usersetup catalog add {kind.value} ..."
    return "\n".join(entry_line(e) for e in entries)


def entry_as_json(entry: Entry) -> dict[str, Any]:
    """The stable JSON form of an entry (documented in the README)."""
    shown: dict[str, Any] = {"id": entry.id}
    if entry.kind is Kind.FAX:
        shown |= {"number": entry.number, "display": entry.detail, "label": entry.name}
    else:
        shown["name"] = entry.name
    if entry.kind is Kind.RESOURCE:
        shown["kind"] = entry.detail
    if entry.kind in PLACED:
        shown["chart_tab"] = entry.parents[0] if entry.parents else ""
    if entry.kind is Kind.TEMPLATE:
        shown["category"] = entry.parents[1] if len(entry.parents) > 1 else ""
    return shown | {"active": entry.active, "version": entry.version}


def _list_json(entries: list[Entry]) -> str:
    return json.dumps([entry_as_json(e) for e in entries], indent=2)


def _shown(entry: Entry, said: str, as_json: bool) -> str:
    if as_json:
        return json.dumps(entry_as_json(entry), indent=2)
    if said.endswith("is now"):
        return f"{said} {_named(entry)}."
    detail = f" ({entry.detail})" if entry.detail and entry.kind is not Kind.FAX else ""
    return f"{said} {entry.kind.words} {_named(entry)}{detail} as #{entry.id}."
