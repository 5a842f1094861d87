"""Passwords on the command line: only ever from standard input, never as an argument."""

from __future__ import annotations

import getpass
from typing import TextIO

from app.errors import (
    ValidationError,
)
from cli.errors import UsageError
from cli.parser_types import is_text


def read_password(
    stdin: TextIO, *, confirm: bool = True, what: str = "password", field: str = "retype_password"
) -> str:
    """The password (or key file passphrase: ``what``) typed, twice when ``confirm``, or the
    first line of standard input; a second typing that differs is refused beside ``field``."""
    not_text = f"the {what} given is not valid text (its bytes are not UTF-8)"
    try:
        secret = _read(stdin, confirm, what, field)
    except UnicodeDecodeError:  # a strict reader met bytes that are not UTF-8
        raise UsageError(not_text) from None
    if not is_text(secret):  # surrogate-escaped bytes: they would fail in the hash
        raise UsageError(not_text)
    return secret


def _read(stdin: TextIO, confirm: bool, what: str, field: str) -> str:
    if stdin.isatty():  # typed by a person: without echoing it, and twice when it is new
        secret = getpass.getpass(f"New {what}: " if confirm else f"{what.capitalize()}: ")
        if confirm and secret != getpass.getpass("ReType: "):
            raise ValidationError({field: f"The two {what}s differ."})
        return secret
    line = stdin.readline()
    secret = line[:-1] if line.endswith("\n") else line
    if not secret:
        raise UsageError(f"no {what} on standard input")
    return secret


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
