"""Running `usersetup ...` as a test would type it, and reading what it left behind."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.db.database import Database, make_engine
from app.practice.practice_key import PracticeKey, practice_keys
from cli.errors import EXIT_OK
from cli.main import main


class CommandLine:
    """``usersetup`` on a practice: a SQLite file (``path``), or the test's database (rolled
    back with the test); at the test's clock when one is given."""

    def __init__(
        self,
        capsys: pytest.CaptureFixture[str],
        *,
        path: Path | None = None,
        database: Database | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        assert (path is None) != (database is None), "a file or a database"
        self.capsys = capsys
        self.path = path
        self.database = database
        self.clock = clock

    def __call__(self, *argv: str, stdin: str = "") -> tuple[int, str, str]:
        self.capsys.readouterr()
        where = ["--db", f"sqlite:///{self.path}"] if self.path is not None else []
        code = main([*where, *argv], io.StringIO(stdin), clock=self.clock, database=self.database)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *argv: str, stdin: str = "") -> Any:
        code, out, err = self(*argv, "--json", stdin=stdin)
        assert (code, err) == (EXIT_OK, ""), err
        return json.loads(out)

    def stored(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of the practice file, read past the program."""
        assert self.path is not None
        connection = sqlite3.connect(self.path)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()

    def practice_key(self) -> PracticeKey:
        """The practice file's key, as this computer (the test's key file) keeps it."""
        assert self.path is not None
        engine = make_engine(f"sqlite:///{self.path}")
        try:
            with Database.for_engine(engine, "test").transaction() as session:
                return practice_keys(session).required(session)
        finally:
            engine.dispose()

    def dump(self) -> list[str]:
        """The whole practice file as SQL: equal before and after means nothing changed."""
        assert self.path is not None
        connection = sqlite3.connect(self.path)
        try:
            return list(connection.iterdump())
        finally:
            connection.close()
