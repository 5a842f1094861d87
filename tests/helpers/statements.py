"""Counting the SQL statements an action runs (tests assert on counts, never on time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, event

STATEMENT_WORDS = ("SELECT", "INSERT", "UPDATE", "DELETE")


@contextmanager
def count_statements(connection: Connection) -> Iterator[list[str]]:
    """The SELECT/INSERT/UPDATE/DELETE statements run on this connection inside the block."""
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(STATEMENT_WORDS):
            statements.append(statement)

    event.listen(connection, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", before)
