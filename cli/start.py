"""`usersetup`: the window when no command is given, else the command line.

The window shows its sign-in dialog before the database library is loaded (ui/start.py), so
this entry loads only the option parser first. A command loads cli.main, and so the rest.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cli.errors import EXIT_DATABASE, UsageError
from cli.parser import build_parser

if TYPE_CHECKING:
    from app.db.database import Database


def main(argv: Sequence[str] | None = None) -> int:
    """Run `usersetup` with these arguments (None: the process's own)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(arguments)
    except UsageError:
        args = None  # cli.main says what is wrong, as it does for every command
    if args is not None and args.command is None:
        return open_window(args)
    from cli.main import main as run_command

    return run_command(arguments)


def open_window(args: argparse.Namespace) -> int:
    """No command: the window (``--demo``: on the demo practice, made if absent)."""
    from ui.start import start_window  # Qt, and the sign-in dialog: loaded only for the window

    def open_demo(database: Database) -> str:
        from cli.main import database_option, open_demo_practice  # on the start's thread

        return open_demo_practice(database, database_option(args.db))

    code = start_window(args.db, args.company, open_demo if args.demo else None)
    return EXIT_DATABASE if code is None else code
