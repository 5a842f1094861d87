"""Passwords on the command line: only ever from standard input, never as an argument."""

from __future__ import annotations

import getpass
from typing import TextIO

from app.errors import (
    ValidationError,
)
from cli.errors import UsageError
from cli.parser import is_text

NOT_TEXT = "the password given is not valid text (its bytes are not UTF-8)"


def read_password(stdin: TextIO, *, confirm: bool = True) -> str:
    """The password typed (twice when ``confirm``) or the first line of standard input."""
    try:
        password = _read(stdin, confirm)
    except UnicodeDecodeError:  # a strict reader met bytes that are not UTF-8
        raise UsageError(NOT_TEXT) from None
    if not is_text(password):  # surrogate-escaped bytes: they would fail in the hash
        raise UsageError(NOT_TEXT)
    return password


def _read(stdin: TextIO, confirm: bool) -> str:
    if stdin.isatty():  # typed by a person: without echoing it, and twice when it is new
        password = getpass.getpass("New password: " if confirm else "Password: ")
        if confirm and password != getpass.getpass("ReType: "):
            raise ValidationError({"retype_password": "The two passwords differ."})
        return password
    line = stdin.readline()
    password = line[:-1] if line.endswith("\n") else line
    if not password:
        raise UsageError("no password on standard input")
    return password


class PasswordInput:
    """The password standard input gives, read at most once: a command's transaction done
    again (see Database.run) gets the same password instead of asking a second time."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self._password: str | None = None

    def read(self) -> str:
        if self._password is None:
            self._password = read_password(self.stdin)
        return self._password
