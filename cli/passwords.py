"""Passwords on the command line: only ever from standard input, never as an argument."""

from __future__ import annotations

import getpass
from typing import TextIO

from app.errors import (
    ValidationError,
)
from cli.errors import UsageError


def read_password(stdin: TextIO, *, confirm: bool = True) -> str:
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
