"""The sign-off PIN at the command line: `usersetup pin check` (the practice's programs ask
it whether a PIN is right) and the PIN of `users set --pin-stdin`, read from standard input."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from collections.abc import Callable
from typing import TextIO

from sqlalchemy.orm import Session

from app.clock import Clock
from app.db.database import Database
from app.sign_off.pin import Pin, PinAnswer, PinVerdict, check_pin
from cli.errors import EXIT_OK, UsageError
from cli.parser_types import is_text

PIN_EXIT_CODES = {PinAnswer.RIGHT: EXIT_OK, PinAnswer.REFUSED: 10, PinAnswer.NO_PIN: 18}
PIN_TOLD = {
    PinAnswer.REFUSED: "PIN refused (a wrong PIN, or the account is locked or inactive)",
    PinAnswer.NO_PIN: "the user has no sign-off PIN: set one in User Setup",
}


def _line(stdin: TextIO, prompt: str) -> str:
    if stdin.isatty():
        return getpass.getpass(prompt)
    try:
        line = stdin.readline()
    except UnicodeDecodeError:
        raise UsageError("the PIN given is not valid text (its bytes are not UTF-8)") from None
    if not is_text(line):
        raise UsageError("the PIN given is not valid text (its bytes are not UTF-8)")
    return line[:-1] if line.endswith("\n") else line


class PinInput:
    """The new PIN of `users set --pin-stdin`, typed twice, read at most once (a transaction
    done again gets the same two lines)."""

    def __init__(self, stdin: TextIO) -> None:
        self.stdin = stdin
        self._pins: tuple[Pin, Pin] | None = None

    def read(self) -> tuple[Pin, Pin]:
        if self._pins is None:
            first = _line(self.stdin, "New sign-off PIN: ")
            again = _line(self.stdin, "ReType PIN: ")
            if not first:
                raise UsageError("--pin-stdin takes the PIN twice, one per line: none was given")
            self._pins = (Pin(first), Pin(again))
        return self._pins


def pin_command(
    args: argparse.Namespace,
    database: Database,
    stdin: TextIO,
    clock: Clock,
    measure: Callable[[Session], None] = lambda _session: None,
) -> int:
    """`usersetup pin check USERID`: 0 when the PIN is right, else its code and one line on
    standard error (the PIN itself is never printed)."""
    if not args.company:
        raise UsageError("pin check needs --company CODE")
    typed = _line(stdin, "Sign-off PIN: ")
    if not typed:
        raise UsageError("no PIN on standard input")

    def check(session: Session) -> PinVerdict:
        measure(session)
        return check_pin(session, clock, socket.gethostname(), args.company, args.user_id, typed)

    verdict = database.run(check)  # a wrong PIN's count is written in this one transaction
    if not verdict.right:
        print(f"usersetup: {PIN_TOLD[verdict.answer]}", file=sys.stderr)
    return PIN_EXIT_CODES[verdict.answer]
