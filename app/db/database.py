"""Where the database is, how to connect to it, and keeping its schema current."""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
)
from sqlalchemy.orm import Session, sessionmaker

from app import APP_NAME as APP_NAME
from app.clock import CLOCK_SOURCE, Clock, ClockSource, source_of, utc_now
from app.errors import DatabaseUnavailableError, SchemaError

if TYPE_CHECKING:
    from app.practice.practice_key import PracticeKeys

ENV_DATABASE_URL = "USERSETUP_DATABASE_URL"
CONFIG_FILE_NAME = "config.toml"
DEFAULT_FILE_NAME = "usersetup.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_HEADER = b"SQLite format 3\x00"  # how every SQLite database file begins
VERSION_QUERY = "SELECT version_num FROM alembic_version"
# The newest migration's revision. A database at it is current, known without loading
# Alembic (a tenth of a second at every start); tests hold it to the migrations' head.
SCHEMA_REVISION = "0010"
# psycopg's dialect with fewer round trips at connect (app.db.dialects), loaded when used
PSYCOPG_DIALECT = "usersetup_psycopg"
registry.register(f"postgresql.{PSYCOPG_DIALECT}", "app.db.dialects", "PsycopgDialect")
SQLITE_BEGIN = "usersetup_sqlite_begin"  # an execution option: how a transaction begins
POOL_RECYCLE_S = 1800  # a pooled server connection idle this long is opened anew
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Statements that change nothing stored: a job that sent only these is safe to do again
# (Database.run), whether its connection was dropped or its first write found the file locked.
# "SELECT ... FOR UPDATE" locks rows but writes none: it is a read here.
READS = ("SELECT", "BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET ", "SHOW")
log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class DatabaseLocation:
    """A database URL and where it was found (for the status bar and error messages)."""

    url: str
    source: str  # "--db", the environment variable, the config file, or "embedded default"

    @property
    def is_embedded(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def file(self) -> Path | None:
        """The embedded database's file; None for a server's, or one in memory."""
        url = make_url(self.url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    def describe(self) -> str:
        """The URL without any password, for showing to people."""
        url = make_url(self.url)
        if url.get_backend_name() == "sqlite":
            return f"SQLite {url.database}"
        return url.render_as_string(hide_password=True)


def locate_database(
    cli_url: str | None,
    environ: Mapping[str, str] = os.environ,
    config_dir: Path | None = None,
    data_dir: Path | None = None,
) -> DatabaseLocation:
    """Pick the database: --db, else USERSETUP_DATABASE_URL, else the config file, else SQLite."""
    if cli_url:
        return DatabaseLocation(cli_url, "--db")
    if environ.get(ENV_DATABASE_URL):
        return DatabaseLocation(environ[ENV_DATABASE_URL], ENV_DATABASE_URL)
    config_dir = config_dir or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    config_file = config_dir / CONFIG_FILE_NAME
    if config_file.is_file():
        try:
            settings = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise DatabaseUnavailableError(f"Cannot read {config_file}: {exc}") from exc
        url = settings.get("database_url")
        if isinstance(url, str) and url:
            return DatabaseLocation(url, str(config_file))
    data_dir = data_dir or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return DatabaseLocation(
        URL.create("sqlite", database=str(data_dir / DEFAULT_FILE_NAME)).render_as_string(),
        "embedded default",
    )


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
        # so that SAVEPOINT and one-transaction saves behave as on the servers.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # IMMEDIATE (the default) takes the write lock at the start, so a transaction that
        # reads and then writes waits for another writer (busy timeout) instead of failing
        # half-way. Database.run begins DEFERRED: readers never wait for a writer (WAL), and a
        # writer takes the lock only at its first write; see Database.run.
        kind = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {kind}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the settings this program needs on each database."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
        parsed.get_dialect()  # an unknown database or driver is refused here, not later
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUnavailableError(
            "That is not a database URL UserSetup can use. Expected sqlite:///PATH, "
            "postgresql+psycopg://USER@HOST/DATABASE or mysql+pymysql://USER@HOST/DATABASE."
        ) from exc
    # Statements' values never go into error messages or logs: they are patients' staff data.
    kwargs.setdefault("hide_parameters", True)
    if backend == "sqlite":
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    if backend in ("mysql", "mariadb"):
        kwargs.setdefault("connect_args", {}).setdefault("charset", "utf8mb4")
    if backend == "postgresql":  # no hstore here: its type lookup is 3 round trips at connect
        kwargs.setdefault("use_native_hstore", False)
        if parsed.get_driver_name() == "psycopg":
            parsed = parsed.set(drivername=f"postgresql+{PSYCOPG_DIALECT}")
            # psycopg prepares a statement on its 5th run on a connection, sending the Parse
            # alone and waiting for it: one round trip more (and a DEALLOCATE ALL after any
            # rollback), paid again on each connection the pool recycles. What it saves, the
            # server parsing (later planning) a statement again, is a few ms at most (the
            # rights statement, the longest): less than one round trip over a practice's VPN.
            kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    # No pre-ping: over a practice's VPN it is one more round trip before every transaction.
    # A connection dropped while it lay in the pool fails its first statement instead, and
    # Database.run tries such a job once more (SQLAlchemy then renews the whole pool).
    # Recycling before MariaDB's and most firewalls' idle limits makes that rare.
    kwargs.setdefault("pool_recycle", POOL_RECYCLE_S)
    return create_engine(parsed, **kwargs)


def _alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config  # only to upgrade, or to tell behind from newer

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def schema_state(engine: Engine) -> str:
    """'current', 'behind' (upgrade needed, including empty) or 'newer' (refuse)."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":  # a read outside a transaction: no BEGIN and
            connection.execution_options(isolation_level="AUTOCOMMIT")  # ROLLBACK around it
        elif engine.dialect.name == "sqlite":  # a read: no write lock, no wait for a save
            connection.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        current = _current_heads(connection)
    if current == {SCHEMA_REVISION}:
        return "current"
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config())
    if current == set(script.get_heads()):
        return "current"
    known = {rev.revision for rev in script.walk_revisions()}
    if current - known:
        return "newer"
    return "behind"


def _current_heads(connection: Connection) -> set[str]:
    """The schema's revisions, in one statement where it is current: Alembic's own way asks
    first whether its table exists, one more round trip on every start."""
    try:
        return set(connection.exec_driver_sql(VERSION_QUERY).scalars())
    except ProgrammingError:  # no version table: an empty database, or not yet ours
        pass
    except OperationalError as exc:  # SQLite says "no such table" so
        if "no such table" not in str(exc.orig):
            raise
    connection.rollback()  # PostgreSQL refuses more in a transaction that failed
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


def upgrade(engine: Engine) -> None:
    """Bring the schema to this program's version."""
    description = describe_engine(engine)
    with translate_connection_errors(description, opening=True):
        if schema_state(engine) == "newer":
            raise _newer_schema_error()
        from alembic import command

        with engine.begin() as connection:
            if engine.dialect.name == "sqlite" and _another_programs(connection):
                raise DatabaseUnavailableError(
                    f"{engine.url.database} is not a UserSetup database: it holds another "
                    "program's tables. Check the path; nothing was changed."
                )
            command.upgrade(_alembic_config(connection), "head")


def _another_programs(connection: Connection) -> bool:
    """Does this file hold tables but not UserSetup's schema? Then it is not ours to add to."""
    tables = inspect(connection).get_table_names()
    return bool(tables) and "alembic_version" not in tables


def describe_engine(engine: Engine) -> str:
    """The engine's database as a person typed it (make_engine names psycopg's dialect by its
    own name), without any password."""
    url = engine.url
    if url.drivername == f"postgresql+{PSYCOPG_DIALECT}":
        url = url.set(drivername="postgresql+psycopg")
    return DatabaseLocation(url.render_as_string(hide_password=False), "").describe()


def _newer_schema_error() -> SchemaError:
    return SchemaError(
        "This database was set up by a newer version of UserSetup. "
        "Install that version (or newer) to use it; nothing was changed."
    )


def check_embedded_file(location: DatabaseLocation, *, create: bool) -> None:
    """Look at an embedded database's file before connecting, which would make it: a file
    that is absent or empty is made (with its folders) only when ``create`` (the demo, the
    window's first start, db upgrade), so a mistyped path never becomes a new database; a
    file that is not SQLite's is refused."""
    path = location.file
    if path is None or path.is_dir():  # a folder: SQLite says it cannot open it
        return
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        header = None
    except OSError as exc:
        raise DatabaseUnavailableError(
            f"Cannot open the database {location.describe()} ({exc.strerror}). Check the path."
        ) from exc
    if header and header != SQLITE_HEADER:
        raise DatabaseUnavailableError(f"{path} is not a UserSetup database. Check the path.")
    if header:
        return
    if not create:
        why = "the file is empty" if header is not None else "no such file"
        raise DatabaseUnavailableError(
            f"There is no UserSetup database at {path} ({why}). Check the path; usersetup demo, "
            "usersetup db upgrade or the window's first start makes a new one."
        )
    path.parent.mkdir(parents=True, exist_ok=True)


def open_database(location: DatabaseLocation, *, create: bool = False) -> Engine:
    """Connect, and make sure the schema fits: the embedded file is upgraded, servers are not.
    ``create``: an embedded file that is absent or empty is made (see check_embedded_file)."""
    engine = make_engine(location.url)
    try:
        check_embedded_file(location, create=create)
        with translate_connection_errors(location.describe(), opening=True):
            state = schema_state(engine)
        if state == "newer":
            raise _newer_schema_error()
        if state == "behind":
            if not location.is_embedded:
                raise SchemaError(
                    f"The database {location.describe()} needs an upgrade before use. "
                    "Ask your administrator to run: usersetup db upgrade"
                )
            upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


class Database:
    """A session factory plus what the window shows about it. Every save is one transaction."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        description: str,
        keys: PracticeKeys | None = None,
    ) -> None:
        from app.practice.practice_key import PRACTICE_KEYS, PracticeKeys

        self.sessions = sessions
        self.description = description
        # The practice key as this computer keeps it (None: its keyring, or USERSETUP_KEY_FILE)
        # travels with each session, for the few services that seal or open a secret.
        self.keys = keys if keys is not None else PracticeKeys()
        # The clock this database's times follow (a ServerClock names itself): each session
        # can ask whose time it tells now, so that an event says when it is a fallback.
        self.clock: Clock = utc_now
        info = {PRACTICE_KEYS: self.keys, CLOCK_SOURCE: self.clock_source}
        sessions.configure(info={**(sessions.kw.get("info") or {}), **info})
        bind = sessions.kw.get("bind")
        # An embedded file's transactions of run() begin deferred (a bind of a test's own
        # connection begins nothing: its transactions are savepoints).
        self._deferred: Engine | None = None
        if isinstance(bind, Engine) and bind.dialect.name == "sqlite":
            self._deferred = bind.execution_options(**{SQLITE_BEGIN: "DEFERRED"})

    def clock_source(self) -> ClockSource:
        """Whose time the clock this database follows tells now."""
        return source_of(self.clock)

    @property
    def backend(self) -> str:
        """The dialect's name: "sqlite", "postgresql", "mysql" (MariaDB says so too)."""
        bind = self.sessions.kw["bind"]
        return str(bind.dialect.name)

    @classmethod
    def for_engine(cls, engine: Engine, description: str) -> Database:
        return cls(sessionmaker(engine, expire_on_commit=False), description)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on any error."""
        with translate_connection_errors(self.description), self.sessions.begin() as session:
            yield session

    def run(self, job: Callable[[Session], T]) -> T:
        """``job`` in one transaction, as ``transaction``, but done once more when that is
        safe and the first try met one of two things a shared database does:

        - Its connection had been dropped (a server restarted, a VPN that reconnected) and the
          job had sent nothing that writes. Without a pre-ping a dropped connection shows
          itself only on the statement sent over it; a transaction that wrote nothing changed
          nothing, so it is done again on a new connection. One that wrote is not (the person
          is told, as for any lost connection, that nothing was saved).
        - On an embedded file, its first write found another program's save in the way.
          Here transactions begin DEFERRED: reads take no lock and never wait for a writer,
          and a job takes the write lock only at its first write, so hashing, checks and
          reads before it hold nobody up. When that first write, after a read, cannot take
          the lock (another save is in progress, or committed since the read: SQLite then
          refuses at once rather than write on a stale read), the job is done once more from
          the start beginning IMMEDIATE, waiting its turn.

        A job must therefore do nothing but database work (no mail, no prompt) before it
        returns; what it leads to is done after the commit.
        """
        deferred = self._deferred
        for attempt in (1, 2):
            sent: list[str] = []
            try:
                with self._begin(deferred) as session, _watching(session, sent):
                    result = job(session)
                    # Everything written is sent while watched: a COMMIT whose answer is lost
                    # may have committed, and only a job seen to write nothing is done again.
                    session.flush()
                    return result
            except DatabaseUnavailableError as exc:
                cause = exc.__cause__
                writes = [verb for verb in sent if not verb.startswith(READS)]
                dropped = isinstance(cause, DBAPIError) and cause.connection_invalidated
                # Locked at its first write, after a read: SQLite refuses at once to write on
                # a read older than another's save (a first statement that writes has waited
                # its busy timeout already, and is not made to wait twice).
                locked = (
                    deferred is not None
                    and len(writes) == 1
                    and sent[0].startswith(READS)
                    and is_busy(cause)
                )
                if attempt == 2 or not (locked or (dropped and not writes)):
                    raise
                log.info(
                    "another save held the database; waiting for it"
                    if locked
                    else "the database connection was dropped; trying once more"
                )
                deferred = None
        raise AssertionError("unreachable")

    @contextmanager
    def _begin(self, bind: Engine | None) -> Iterator[Session]:
        if bind is None:
            with self.transaction() as session:
                yield session
            return
        # The same pool; only how its transactions begin differs.
        with (
            translate_connection_errors(self.description),
            self.sessions(bind=bind) as session,
            session.begin(),
        ):
            yield session


def kept_for_transaction(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lasts as long as the session's current transaction (a savepoint's own
    inside one), for what the transaction has read once and may read again for free: a row,
    or that there is none. Outside a transaction, a new empty one each time: nothing kept."""
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        return {}
    kept = session.info.get(name)
    if kept is None or kept[0] is not transaction:
        kept = session.info[name] = (transaction, {})
    return cast("dict[Any, Any]", kept[1])


def is_busy(error: BaseException | None) -> bool:
    """Is this SQLite's "database is locked": another connection holds the write lock?"""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


@contextmanager
def _watching(session: Session, sent: list[str]) -> Iterator[None]:
    """Note in ``sent`` the first word of each statement the session sends, on every
    connection it begins (a job that rolls back and goes on begins another)."""
    watched: list[Any] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement.lstrip()[:9].upper())

    def watch(_session: Any, _transaction: Any, connection: Any) -> None:
        if not any(connection is seen for seen in watched):  # a test's one bound connection
            event.listen(connection, "before_cursor_execute", before)
            watched.append(connection)

    event.listen(session, "after_begin", watch)
    watch(session, None, session.connection())  # begun now: after_begin came before the listen
    try:
        yield
    finally:
        event.remove(session, "after_begin", watch)
        for connection in watched:
            event.remove(connection, "before_cursor_execute", before)


@contextmanager
def translate_connection_errors(description: str, *, opening: bool = False) -> Iterator[None]:
    """Turn a lost or refused connection into an error the operator can act on."""
    try:
        yield
    except DBAPIError as exc:
        # Opening, any refusal means the database cannot be used ("file is not a database").
        if not (opening or isinstance(exc, OperationalError) or exc.connection_invalidated):
            raise
        if is_busy(exc):
            raise DatabaseUnavailableError(
                f"The database {description} stayed busy with another program's save for "
                f"{SQLITE_BUSY_TIMEOUT_MS // 1000} seconds. Try again in a moment; "
                "nothing was saved."
            ) from exc
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
        because = f" ({reason})" if reason else ""
        if opening:
            raise DatabaseUnavailableError(
                f"Cannot open the database {description}{because}. "
                "Check the path or address, the network and the database server."
            ) from exc
        raise DatabaseUnavailableError(
            f"The connection to the database {description} was lost or refused{because}. "
            "Check the network or the database server, then try again; nothing was saved."
        ) from exc
