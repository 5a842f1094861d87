"""What every command's parser shares: the parser class (no abbreviations, arguments that are
not text refused before use, a stray value never echoed) and the row numbers options take."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import Any, NoReturn

from cli.errors import UsageError


class CommandParser(argparse.ArgumentParser):
    """`usersetup`'s parser and every subcommand's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: "--password X" must not pass for "--password-stdin" plus a stray X.
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            # Echo only the option names: a stray value may be a password typed as an argument.
            words = message.removeprefix(prefix).split()
            options = [word.split("=", 1)[0] for word in words if word[:1] == "-"]
            message = prefix + (" ".join(options) or "extra values (not shown)")
        elif "ignored explicit argument" in message:  # "--password-stdin=secret"
            message = message.split(":", 1)[0] + ": takes no value"
        raise UsageError(message)

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        # Before any argument is used: a name made of bytes that are not text would reach the
        # database, a file name or the terminal, and fail there with a traceback.
        arguments = list(sys.argv[1:] if args is None else args)
        problem = _not_text(arguments)
        if problem:
            self.error(problem)
        return super().parse_known_args(arguments, namespace)


def is_text(text: str) -> bool:
    """Is this valid text? Bytes that are not UTF-8 reach Python as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_text(arguments: list[str]) -> str | None:
    """Which argument is not valid text, named without echoing it (it may be a password)."""
    for number, argument in enumerate(arguments, 1):
        if is_text(argument):
            continue
        if argument.startswith("-"):  # --title=VALUE
            option = argument.split("=", 1)[0] if "=" in argument else ""
            option = option if is_text(option) else ""
        else:  # --title VALUE
            previous = arguments[number - 2] if number > 1 else ""
            option = previous if previous.startswith("-") and "=" not in previous else ""
        what = f", the value of {option}," if option else ""
        return f"argument {number}{what} is not valid text (its bytes are not UTF-8)"
    return None


def row_id(text: str) -> int:
    """A row's number as the program lists it: a positive whole number a database column
    can hold (a longer one would reach the database and fail there)."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a number, as the list shows it") from None
    if not 1 <= number < 2**63:
        raise argparse.ArgumentTypeError("no such number: the list shows every one")
    return number


def date_or(word: str, example: str) -> Callable[[str], date | None]:
    """An option's date (YYYY-MM-DD), or ``word`` for none (None): the type of --expires
    ("never") and --dea-expires ("none"); ``example`` is the date its refusal shows."""

    def parse(text: str) -> date | None:
        if text.strip().lower() == word:
            return None
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a date such as {example}, or {word}, not {text!r}"
            ) from None

    return parse


__all__ = ["CommandParser", "date_or", "is_text", "row_id"]
