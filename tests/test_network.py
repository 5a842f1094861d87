"""The address a sign-in comes from is the one the database server sees."""

from __future__ import annotations

from app.db import Database
from app.network import observed_address


def test_the_server_names_the_address_and_sqlite_names_none(database: Database) -> None:
    with database.transaction() as session:
        found = observed_address(session)
        backend = session.get_bind().dialect.name
    # The tests reach the servers over TCP on 127.0.0.1; SQLite has no server to ask.
    assert found == (None if backend == "sqlite" else "127.0.0.1")
