"""`usersetup key`: the practice key, made on one workstation and carried to the others."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.clock import Clock
from app.db.database import Database
from app.practice.practice_key import KEY_FILE_VARIABLE, PracticeKeyError
from cli.errors import UsageError
from cli.passwords import read_password


def key_command(
    args: argparse.Namespace,
    database: Database,
    actor: Actor,
    stdin: TextIO,
    clock: Clock,
    measure: Callable[[Session], None],
) -> str:
    """Run ``key init|status|export|import``; what to print once it has committed.
    ``measure`` reads the server's clock as each transaction begins."""
    actor.require(Right.COMPANY_SETTINGS)
    keys, where = database.keys, _where_kept()
    if args.key_command == "init":
        with database.transaction() as session:
            measure(session)
            key = keys.create(session, clock(), actor.name)
        return (
            f"The practice key {key.key_id} was made and kept in {where}. On each other "
            "workstation: `usersetup key export FILE` here, then `usersetup key import FILE` "
            "there."
        )
    if args.key_command == "status":
        with database.transaction() as session:
            measure(session)
            found = keys.key(session)
        if found is None:
            return "This practice has no practice key yet: run `usersetup key init`."
        return f"This computer has the practice key {found.key_id}, in {where}."
    path = Path(args.file)
    if args.key_command == "export":
        if path.exists():
            raise UsageError(f"{path} exists already: name a new file")
        passphrase = _passphrase(stdin, confirm=True)
        with database.transaction() as session:
            measure(session)
            contents = keys.export(session, passphrase, clock(), actor.name)
        try:  # readable by its owner only from its first byte
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(contents)
        except OSError as exc:
            raise PracticeKeyError(f"{path} cannot be written: {exc.strerror}.") from exc
        return (
            f"The practice key was written to {path}. Carry it to the other workstation, run "
            "`usersetup key import FILE` there with the same passphrase, then delete the file."
        )
    try:
        contents = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path} cannot be read: {exc.strerror}") from exc
    passphrase = _passphrase(stdin, confirm=False)
    with database.transaction() as session:
        measure(session)
        key = keys.import_(session, contents, passphrase, clock(), actor.name)
    return f"The practice key {key.key_id} is kept in {where} now."


def _where_kept() -> str:
    path = os.environ.get(KEY_FILE_VARIABLE)
    return f"the file {path}" if path else "this computer's keyring"


def _passphrase(stdin: TextIO, *, confirm: bool) -> str:
    return read_password(stdin, confirm=confirm, what="passphrase", field="passphrase")
