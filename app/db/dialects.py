"""psycopg's dialect, starting with one question to the server instead of four.

On its first connection SQLAlchemy's PostgreSQL dialect asks the server, one round trip
each, for its version, the current schema, the default isolation level and whether strings
conform to the standard. Over a practice's VPN (40 ms a round trip) that is most of what a
short command-line process waits for. psycopg already holds two of the answers from the
connection's start-up (the version, and standard_conforming_strings among the parameters
the server reports); one query answers the other two.

make_engine names this dialect for every postgresql+psycopg URL (registered there, so that
this module, and psycopg, are imported only for such a URL); it behaves as psycopg's in
everything else.
"""

from __future__ import annotations

from typing import Any, cast

from psycopg.pq import TransactionStatus
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine.interfaces import IsolationLevel


class PsycopgDialect(PGDialect_psycopg):
    """PGDialect_psycopg, with its start-up questions answered in one round trip."""

    supports_statement_cache = True  # as psycopg's own: nothing here changes compilation
    _asked: tuple[str, IsolationLevel] | None = None  # current_schema(), isolation level

    def _answers(self, dbapi_connection: Any) -> tuple[str, IsolationLevel]:
        if self._asked is None:
            # Outside a transaction (autocommit): no BEGIN and ROLLBACK around it either.
            idle = dbapi_connection.info.transaction_status == TransactionStatus.IDLE
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = autocommit or idle
            try:
                with dbapi_connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_schema(), current_setting('default_transaction_isolation')"
                    )
                    schema, isolation = cursor.fetchone()
            finally:
                dbapi_connection.autocommit = autocommit
            self._asked = (schema, cast(IsolationLevel, isolation.upper()))
        return self._asked

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        number = connection.connection.dbapi_connection.info.server_version
        if number >= 100000:  # 150019: 15.19
            return (number // 10000, number % 10000)
        return (number // 10000, number // 100 % 100, number % 100)  # 90624: 9.6.24

    def _get_default_schema_name(self, connection: Any) -> str:
        return self._answers(connection.connection.dbapi_connection)[0]

    def get_default_isolation_level(self, dbapi_conn: Any) -> IsolationLevel:
        return self._answers(dbapi_conn)[1]

    def _set_backslash_escapes(self, connection: Any) -> None:
        info = connection.connection.dbapi_connection.info
        self._backslash_escapes = info.parameter_status("standard_conforming_strings") == "off"
