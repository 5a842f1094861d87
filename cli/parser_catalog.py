"""`usersetup catalog ...`: the options of the practice's catalogs (cli/catalog.py runs them)."""

from __future__ import annotations

from typing import Any

from app.catalogs.service import Kind
from app.db.kinds import ResourceKind

KINDS = [k.value for k in Kind]
ENTRY_HELP = "the entry: its name (a fax number's label), a fax number in any format, or #ID"


def add_catalog_commands(commands: Any) -> None:
    """The catalog command and its subcommands, under the top-level ``commands``."""
    catalog = commands.add_parser(
        "catalog",
        help="the practice's fax numbers, resources, note types, chart tabs, template "
        "categories and templates (deactivated, never deleted)",
    )
    parser_class = type(catalog)  # the command line's own parser: its errors are exit 2
    actions = catalog.add_subparsers(
        dest="catalog_command", required=True, parser_class=parser_class
    )
    listing = actions.add_parser("list", help="a catalog's entries (active ones unless --all)")
    listing.add_argument("kind", choices=KINDS)
    listing.add_argument("--all", action="store_true", help="include deactivated entries")
    _add_place_options(listing, "only the entries of this chart tab (categories, templates)")
    listing.add_argument("--json", action="store_true")

    add = actions.add_parser(
        "add",
        help="add an entry: fax NUMBER [--label TEXT]; resource NAME --kind KIND; note-type "
        "NAME; chart-tab NAME; category NAME --tab TAB; template NAME --tab TAB --category "
        "CATEGORY [--new-category]",
    )
    add.add_argument("kind", choices=KINDS)
    add.add_argument("value", metavar="NAME", help="the name (a fax: its number)")
    add.add_argument("--label", metavar="TEXT", help="a fax number's label, e.g. Main office")
    add.add_argument(
        "--kind",
        dest="resource_kind",
        choices=[k.value for k in ResourceKind],
        help="a resource's kind",
    )
    _add_place_options(add, "the chart tab of a category or template")
    add.add_argument(
        "--new-category",
        action="store_true",
        help="add the template's category to the chart tab first, if it has none so named",
    )
    add.add_argument("--json", action="store_true")

    rename = actions.add_parser(
        "rename", help="rename an entry (a fax number: give it a new label); users keep it"
    )
    rename.add_argument("kind", choices=KINDS)
    rename.add_argument("entry", metavar="ENTRY", help=ENTRY_HELP)
    rename.add_argument("new_name", metavar="NEWNAME")
    _add_place_options(rename, "where to find a category or template")
    rename.add_argument("--json", action="store_true")

    change = actions.add_parser(
        "change", help="correct a fax number's digits (--number) or a resource's kind (--kind)"
    )
    change.add_argument("kind", choices=[Kind.FAX.value, Kind.RESOURCE.value])
    change.add_argument("entry", metavar="ENTRY", help=ENTRY_HELP)
    change.add_argument("--number", metavar="NUMBER", help="a fax number's new digits")
    change.add_argument("--kind", dest="resource_kind", choices=[k.value for k in ResourceKind])
    change.add_argument("--json", action="store_true")

    for name, what in (
        ("deactivate", "it stays with the users who have it, shown struck through, and cannot "
         "be newly chosen (entries are never deleted)"),
        ("activate", "it can be chosen again"),
    ):  # fmt: skip
        sub = actions.add_parser(name, help=f"{name} an entry: {what}")
        sub.add_argument("kind", choices=KINDS)
        sub.add_argument("entry", metavar="ENTRY", help=ENTRY_HELP)
        _add_place_options(sub, "where to find a category or template")
        sub.add_argument("--json", action="store_true")


def _add_place_options(parser: Any, tab_help: str) -> None:
    parser.add_argument("--tab", metavar="TAB", help=tab_help)
    parser.add_argument(
        "--category", metavar="CATEGORY", help="a template's category (on --tab's chart tab)"
    )
