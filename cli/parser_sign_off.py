"""The Sign Off section's options and commands: `users set --pin-stdin|--clear-pin` and
`usersetup pin check USERID`."""

from __future__ import annotations

import argparse
from typing import Any


def add_pin_options(change: argparse.ArgumentParser) -> None:
    """`users set`: the sign-off PIN, typed twice on standard input, or removed."""
    pin = change.add_mutually_exclusive_group()
    pin.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read a new sign-off PIN from standard input, twice, one per line (never give "
        "it as an argument)",
    )
    pin.add_argument("--clear-pin", action="store_true", help="remove the sign-off PIN")


def add_pin_commands(commands: Any) -> None:
    """`usersetup pin check USERID`: what the practice's programs call; the exit code says."""
    pin = commands.add_parser("pin", help="the sign-off PIN, as the practice's programs check it")
    pin_commands = pin.add_subparsers(dest="pin_command", required=True, parser_class=type(pin))
    check = pin_commands.add_parser(
        "check", help="is this the user's PIN? (PIN on standard input; the exit code says)"
    )
    check.add_argument("user_id", metavar="USERID")
    # SUPPRESS: given here or before the command, --company means the same.
    check.add_argument("--company", metavar="CODE", default=argparse.SUPPRESS)
