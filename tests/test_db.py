"""Finding the database, opening it, and keeping its schema in step with the program."""

from __future__ import annotations

import os
import sqlite3
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app import audit
from app.audit import Action
from app.clock import utc_now
from app.db.column_types import UTCDateTime
from app.db.database import (
    DEFAULT_FILE_NAME,
    ENV_DATABASE_URL,
    SCHEMA_REVISION,
    SQLITE_BUSY_TIMEOUT_MS,
    DatabaseLocation,
    _alembic_config,
    locate_database,
    make_engine,
    open_database,
    schema_state,
    upgrade,
)
from app.db.models import AuditEvent, Base
from app.errors import DatabaseUnavailableError, SchemaError
from app.practice.company import CompanyInfo
from app.users.service import UserService
from tests.conftest import SERVER_URL_VARIABLES, _drop_database, _scratch_database
from tests.helpers.actors import dba

CLI_URL = "sqlite:////srv/from-the-command-line.sqlite3"
ENV_URL = "postgresql+psycopg://usersetup@db.valley.example/practice"
CONFIG_URL = "mysql+pymysql://usersetup@db.valley.example/practice"


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """The user's config and data folders, as platformdirs would give them."""
    return {"config_dir": tmp_path / "config", "data_dir": tmp_path / "data"}


def write_config(config_dir: Path, text: str) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(text, encoding="utf-8")


# Where the database is


@pytest.mark.parametrize(
    ("cli_url", "environ", "config", "expected_url", "expected_source"),
    [
        (CLI_URL, {ENV_DATABASE_URL: ENV_URL}, CONFIG_URL, CLI_URL, "--db"),
        (None, {ENV_DATABASE_URL: ENV_URL}, CONFIG_URL, ENV_URL, ENV_DATABASE_URL),
        (None, {}, CONFIG_URL, CONFIG_URL, "config.toml"),
        (None, {ENV_DATABASE_URL: ""}, CONFIG_URL, CONFIG_URL, "config.toml"),
        (None, {}, None, None, "embedded default"),
    ],
    ids=["--db wins", "then the variable", "then config.toml", "empty variable", "default"],
)
def test_database_is_found_in_order_of_precedence(
    folders, cli_url, environ, config, expected_url, expected_source
):
    if config:
        write_config(folders["config_dir"], f'database_url = "{config}"\n')

    location = locate_database(cli_url, environ, **folders)

    default = f"sqlite:///{folders['data_dir'] / DEFAULT_FILE_NAME}"
    assert location.url == (expected_url or default)
    assert location.source.endswith(expected_source)
    assert location.is_embedded == (location.url.startswith("sqlite"))


def test_config_file_without_a_database_url_falls_back_to_the_embedded_default(folders):
    write_config(folders["config_dir"], 'theme = "dark"\n')

    location = locate_database(None, {}, **folders)

    assert location.source == "embedded default"


def test_unreadable_config_file_is_reported_plainly(folders):
    write_config(folders["config_dir"], "database_url = \n")

    with pytest.raises(DatabaseUnavailableError, match=r"config\.toml"):
        locate_database(None, {}, **folders)


def test_server_location_is_described_without_its_password():
    location = DatabaseLocation("postgresql+psycopg://admin:s3cret@db.example/practice", "--db")

    assert "s3cret" not in location.describe()
    assert not location.is_embedded


# The embedded default


@pytest.fixture
def embedded(folders) -> Iterator[Engine]:
    """The embedded default database, opened as the program opens it at start."""
    engine = open_database(locate_database(None, {}, **folders), create=True)
    yield engine
    engine.dispose()


def test_embedded_default_is_created_and_upgraded_at_start(embedded, folders):
    assert (folders["data_dir"] / DEFAULT_FILE_NAME).is_file()
    assert schema_state(embedded) == "current"
    assert {"companies", "users", "providers", "service_locations", "audit_events"} <= set(
        inspect(embedded).get_table_names()
    )


@pytest.mark.parametrize(
    ("pragma", "expected"),
    [("journal_mode", "wal"), ("foreign_keys", 1), ("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)],
)
def test_embedded_default_is_set_up_for_several_workstations(embedded, pragma, expected):
    with embedded.connect() as connection:
        assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected


def test_empty_sqlite_file_is_upgraded_when_opened(tmp_path):
    path = tmp_path / "practice.sqlite3"
    sqlite3.connect(path).close()
    assert path.stat().st_size == 0

    engine = open_database(DatabaseLocation(f"sqlite:///{path}", "--db"), create=True)
    try:
        assert schema_state(engine) == "current"
    finally:
        engine.dispose()


def test_sqlite_file_that_cannot_be_opened_is_reported_plainly(tmp_path):
    folder_not_file = tmp_path / "folder.sqlite3"
    folder_not_file.mkdir()

    with pytest.raises(DatabaseUnavailableError, match="Cannot open the database"):
        open_database(DatabaseLocation(f"sqlite:///{folder_not_file}", "--db"))


# A schema newer than the program is never written to


def sqlite_dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def newer_sqlite_file(tmp_path: Path) -> Path:
    """A database that a later UserSetup has upgraded past this program's migrations."""
    path = tmp_path / "newer.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_future'"))
    finally:
        engine.dispose()
    return path


def test_opening_a_database_of_a_newer_version_is_refused(newer_sqlite_file):
    before = sqlite_dump(newer_sqlite_file)

    with pytest.raises(SchemaError, match="newer version of UserSetup"):
        open_database(DatabaseLocation(f"sqlite:///{newer_sqlite_file}", "--db"))

    assert sqlite_dump(newer_sqlite_file) == before


def test_upgrading_a_database_of_a_newer_version_is_refused(newer_sqlite_file):
    before = sqlite_dump(newer_sqlite_file)
    engine = make_engine(f"sqlite:///{newer_sqlite_file}")
    try:
        assert schema_state(engine) == "newer"
        with pytest.raises(SchemaError, match="nothing was changed"):
            upgrade(engine)
    finally:
        engine.dispose()

    assert sqlite_dump(newer_sqlite_file) == before


# A server database is upgraded only on request


def _empty_on(server: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards (skipped where none is set)."""
    variable = SERVER_URL_VARIABLES[server]
    server_url = os.environ.get(variable)
    if not server_url:
        pytest.skip(f"{server} tests skipped: set {variable} to a test database URL")
    url, name = _scratch_database(server_url)
    yield url
    _drop_database(server_url, name)


@pytest.fixture(params=sorted(SERVER_URL_VARIABLES))
def empty_server_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database on each configured server."""
    yield from _empty_on(request.param)


def test_server_database_that_is_behind_is_refused_until_upgraded(empty_server_database):
    location = DatabaseLocation(empty_server_database, "--db")

    with pytest.raises(SchemaError, match="usersetup db upgrade"):
        open_database(location)
    engine = make_engine(location.url)
    try:
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
    finally:
        engine.dispose()

    opened = open_database(location)
    try:
        assert schema_state(opened) == "current"
    finally:
        opened.dispose()


def test_server_that_refuses_the_connection_is_reported_plainly():
    location = DatabaseLocation("postgresql+psycopg://usersetup@127.0.0.1:1/practice", "--db")

    with pytest.raises(DatabaseUnavailableError, match="Cannot open the database"):
        open_database(location)


# The migrations build exactly the models' schema


LIST_ORDER_INDEX = "ix_users_list_order"  # on expressions: compared below, by what it does


def test_migrations_build_exactly_the_schema_of_the_models(engine):
    def compared(obj, name, type_, reflected, compare_to):
        # Alembic compares expression indexes on PostgreSQL only (SQLite's are not
        # reflected, and MariaDB has none); the next test checks it where it is made.
        return not (type_ == "index" and name == LIST_ORDER_INDEX)

    def same_type(context, inspected, metadata, inspected_type, metadata_type):
        # SQLite keeps text of any length: a VARCHAR's length there is only a note, and
        # migration 0007 leaves the note as it was rather than remake the users table.
        if isinstance(inspected_type, String) and isinstance(metadata_type, String):
            return False if engine.dialect.name == "sqlite" else None
        return None

    with engine.connect() as connection, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression")
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": compared if engine.dialect.name != "postgresql" else None,
                "compare_type": same_type,
            },
        )
        diff = compare_metadata(context, Base.metadata)

    assert diff == []


def test_the_user_list_is_read_in_index_order_without_a_sort(engine):
    """The list's ORDER BY is served by an index, so 100,000 users are not sorted on every
    fill (MariaDB 10.11 has no expression indexes: its list is sorted)."""
    if engine.dialect.name not in ("postgresql", "sqlite"):
        pytest.skip("MariaDB 10.11 cannot index lower(last_name)")
    company = CompanyInfo(1, "ANY", "Any practice", "America/New_York", "US")
    query = UserService(Session(engine), company, dba(), utc_now).list_query(False)
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}"))  # fmt: skip
            assert LIST_ORDER_INDEX in plan and "TEMP B-TREE" not in plan, plan
        else:  # a test's few rows would be sorted anyway: ask whether it could do without
            connection.exec_driver_sql("SET enable_seqscan = off")
            connection.exec_driver_sql("SET enable_sort = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {sql}"))
            assert LIST_ORDER_INDEX in plan and "Sort" not in plan, plan


def test_upgrading_a_current_database_changes_nothing(engine):
    upgrade(engine)

    assert schema_state(engine) == "current"


# Times are aware UTC on every database


def test_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 11, 22, 9, 30), sqlite.dialect())


def test_naive_datetime_is_refused_before_reaching_the_database(database, company):
    with pytest.raises(StatementError, match="naive"), database.transaction() as session:
        audit.record(
            session,
            at=datetime(2026, 11, 22, 9, 30),
            operator="mreyes",
            company_id=company.id,
            user_pk=None,
            action=Action.POLICY_CHANGED,
        )
        session.flush()


def test_times_come_back_as_the_same_moment_in_aware_utc(database, company):
    in_new_york = datetime(2026, 11, 22, 9, 30, tzinfo=ZoneInfo("America/New_York"))
    with database.transaction() as session:
        audit.record(
            session,
            at=in_new_york,
            operator="mreyes",
            company_id=company.id,
            user_pk=None,
            action=Action.POLICY_CHANGED,
        )

    with database.transaction() as session:
        stored = session.scalar(select(AuditEvent.occurred_at))

    assert stored == in_new_york
    assert stored == datetime(2026, 11, 22, 14, 30, tzinfo=UTC)
    assert stored.tzinfo is UTC
    assert stored.utcoffset() == timedelta(0)


def test_psycopgs_first_connect_learns_what_the_stock_dialect_asks_four_queries_for(engine):
    """app.db.dialects answers SQLAlchemy's start-up questions from psycopg's connection
    and one query; the answers are those of the stock dialect."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the start-up questions are PostgreSQL's dialect's")
    stock = create_engine(engine.url.set(drivername="postgresql+psycopg"))
    try:
        with stock.connect(), engine.connect():
            pass
        ours, theirs = engine.dialect, stock.dialect
        assert type(ours).__name__ == "PsycopgDialect"
        assert ours.server_version_info == theirs.server_version_info
        assert ours.default_schema_name == theirs.default_schema_name
        assert ours.default_isolation_level == theirs.default_isolation_level
        assert ours._backslash_escapes == theirs._backslash_escapes  # type: ignore[attr-defined]
    finally:
        stock.dispose()


def test_the_revision_that_means_current_is_the_migrations_head():
    """schema_state knows a current database without loading Alembic: by this constant."""
    script = ScriptDirectory.from_config(_alembic_config())
    assert set(script.get_heads()) == {SCHEMA_REVISION}


# A practice that has data is upgraded with it


@pytest.fixture(params=["sqlite", *sorted(SERVER_URL_VARIABLES)])
def any_empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file, or one on each configured server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'practice.sqlite3'}"
    else:
        yield from _empty_on(request.param)


def _filled(connection: Connection, table_name: str, **given: object) -> None:
    """A row of the table as the schema of the moment has it: ``given``, and a plain value
    in every other column that needs one."""
    with warnings.catch_warnings():  # SQLite's list-order index is on expressions
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        table = Table(table_name, MetaData(), autoload_with=connection)
    values = dict(given)
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        if column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        # "[]" is text, and JSON too (MariaDB keeps JSON as checked text)
        length = getattr(column.type, "length", None)
        short = length is not None and length < 2
        values[column.name] = {
            int: 1, bool: False, str: "x" if short else "[]", datetime: datetime(2026, 1, 5),
            date: date(2026, 1, 5),
        }.get(kind, "[]")  # fmt: skip
    connection.execute(table.insert().values(**values))


def test_a_practice_with_users_and_their_trail_is_upgraded_from_0006(any_empty_database):
    """The users table is what every other table points at: upgrading must not remake it."""
    from alembic import command

    engine = make_engine(any_empty_database)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0006")
            _filled(connection, "companies", id=1, code="valley")
            _filled(connection, "password_policies", company_id=1, unlock_after_minutes=30)
            _filled(connection, "users", id=1, company_id=1, user_id="kimberly",
                    totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", login_locked=True,
                    locked_at=datetime(2026, 1, 5, 9, 0))  # fmt: skip
            _filled(connection, "audit_events", company_id=1, user_pk=1)
            _filled(connection, "two_factor_recovery_codes", user_pk=1, code_hash="ab" * 32)
        upgrade(engine)

        assert schema_state(engine) == "current"
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT user_id, totp_secret FROM users")).all()
            keyed = connection.execute(text("SELECT keyed FROM two_factor_recovery_codes"))
            assert [tuple(row) for row in kept] == [
                ("kimberly", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
            ]
            assert [bool(k) for (k,) in keyed] == [False]  # keyed when the practice's key is made
            lock = connection.execute(text("SELECT login_locked, locked_until FROM users")).one()
            wait = connection.execute(text("SELECT lockout_wait_minutes FROM password_policies"))
            # a lock made under "unlock after 30 minutes" still ends then
            assert (bool(lock[0]), str(lock[1])[:16]) == (False, "2026-01-05 09:30")
            assert wait.scalar() == 30
        if engine.dialect.name == "sqlite":  # whose reflection leaves out expression indexes
            with engine.connect() as connection:
                found = connection.execute(
                    text("SELECT name FROM sqlite_master WHERE name = 'ix_users_list_order'")
                ).all()
            assert len(found) == 1
        elif engine.dialect.name == "postgresql":
            indexes = {index["name"] for index in inspect(engine).get_indexes("users")}
            assert "ix_users_list_order" in indexes
    finally:
        engine.dispose()


def test_a_database_whose_keys_are_sealed_is_not_taken_back_before_0007(any_empty_database):
    from alembic import command

    engine = make_engine(any_empty_database)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO practice_key (id, key_id, check_value, created_at) "
                    "VALUES (1, 'k', 'c', '2026-12-02 00:00:00')"
                )
            )
        with pytest.raises(RuntimeError, match="cannot go back"), engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "0006")
        assert schema_state(engine) == "current"
        assert "keyed" in {
            c["name"] for c in inspect(engine).get_columns("two_factor_recovery_codes")
        }
    finally:
        engine.dispose()
