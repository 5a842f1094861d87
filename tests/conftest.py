"""Fixtures: a database per backend, a rolled-back transaction per test, a fixed clock."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db.database import Database, make_engine, upgrade
from app.db.models import Provider, ServiceLocation
from app.practice.company import CompanyInfo, create_company
from app.users.records import UserFields
from app.users.service import UserService
from tests.helpers.actors import dba
from tests.helpers.mail_server import Inbox, smtp_server
from tests.helpers.qt import DialogAnswers

SERVER_URL_VARIABLES = {
    "postgresql": "USERSETUP_TEST_POSTGRESQL_URL",
    "mariadb": "USERSETUP_TEST_MARIADB_URL",
}
KIM_PASSWORD = "quiet harbor lights"
WIDGETS_LEFT = pytest.StashKey[int]()
NOW = datetime(2026, 11, 22, 14, 30, tzinfo=UTC)


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _scratch_database(url: str) -> tuple[str, str]:
    """Create an empty database beside the one configured, so runs never meet."""
    parsed = make_url(url)
    name = f"usersetup_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if parsed.get_backend_name() == "postgresql":
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
            else:
                conn.exec_driver_sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False), name


def _drop_database(url: str, name: str) -> None:
    admin = make_engine(url)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if make_url(url).get_backend_name() == "postgresql":
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            else:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql", "mariadb"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of each backend; servers are skipped, saying why, when not configured."""
    backend = request.param
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'usersetup.sqlite3'}"
        return
    variable = SERVER_URL_VARIABLES[backend]
    server_url = os.environ.get(variable)
    if not server_url:
        pytest.skip(f"{backend} tests skipped: set {variable} to a test database URL to run them")
    url, name = _scratch_database(server_url)
    yield url
    _drop_database(server_url, name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The database of this backend, upgraded to the current schema by the real migrations."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One connection whose outer transaction is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def database(connection: Connection) -> Database:
    """What the window and the CLI use: every transaction is a savepoint in the test's one."""
    sessions = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    return Database(sessions, "test database")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def company(database: Database) -> CompanyInfo:
    """Company "valley" with two providers and two service locations."""
    with database.transaction() as session:
        info = create_company(session, "valley", "Valley Family Medicine", "America/New_York")
        session.add_all(
            [
                Provider(
                    company_id=info.id,
                    last_name="Armstrong",
                    first_name="Stephen",
                    credentials="PT",
                ),
                Provider(
                    company_id=info.id, last_name="Hynes", first_name="Patrick", credentials="MD"
                ),
                ServiceLocation(company_id=info.id, name="Family First Physicians"),
                ServiceLocation(company_id=info.id, name="Valley Main Clinic"),
            ]
        )
    return info


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on 127.0.0.1 and what it received."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def kim(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    """Kimberly Fox, with an e-mail address and a password of her own (KIM_PASSWORD)."""
    with database.transaction() as session:
        return (
            UserService(session, company, dba("mreyes"), clock)
            .create(
                UserFields(
                    user_id="kimberly",
                    first_name="Kimberly",
                    last_name="Fox",
                    email="kim.fox@valleyfamily.example",
                    new_password=KIM_PASSWORD,
                    retype_password=KIM_PASSWORD,
                    must_change_password=False,
                )
            )
            .pk
        )


@pytest.fixture
def dialogs() -> Iterator[DialogAnswers]:
    """The answers a test gives to the modal dialogs it expects; one never shown fails it."""
    answers = DialogAnswers()
    yield answers
    answers.finish()


@pytest.fixture(autouse=True)
def practice_key_file(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test's computer keeps the practice key in a file of its own, never in the keyring
    of the machine the tests run on."""
    path = tmp_path_factory.mktemp("key") / "practice-key.json"
    monkeypatch.setenv("USERSETUP_KEY_FILE", str(path))
    return path


@pytest.fixture(autouse=True)
def fail_on_logged_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A warning or error logged during a test fails it unless the test cleared it."""
    caplog.set_level(logging.WARNING)
    yield
    unexpected = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    if unexpected:
        pytest.fail("unexpected log records: " + "; ".join(r.getMessage() for r in unexpected))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Widget tests (those that drive Qt with qtbot) run on SQLite only: what the window
    does does not depend on the server, and the servers' own behaviour is tested below it."""
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        widget = "qtbot" in getattr(item, "fixturenames", ())
        (left if widget and backend not in (None, "sqlite") else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept
        config.stash[WIDGETS_LEFT] = len(left)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once per server, not once per test, when its data tests were skipped and why."""
    left = terminalreporter.config.stash.get(WIDGETS_LEFT, 0)
    if left:
        terminalreporter.write_line(
            f"{left} runs of widget tests on PostgreSQL and MariaDB left out: the window's "
            "behaviour does not depend on the server (its data tests run on all three)"
        )
    for backend, variable in SERVER_URL_VARIABLES.items():
        if not os.environ.get(variable):
            terminalreporter.write_line(
                f"{backend}: data tests skipped; set {variable} to a test database URL to run them"
            )
