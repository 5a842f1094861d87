"""The embedded SQLite file shared by several programs: readers never wait for a writer,
and a writer waits its turn (up to the busy timeout) instead of failing."""

from __future__ import annotations

import multiprocessing
import queue
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select, text

from app.access import Actor
from app.audit import Action
from app.clock import utc_now
from app.db.database import Database, DatabaseLocation, make_engine, open_database, upgrade
from app.db.models import AuditEvent, User
from app.practice.company import CompanyInfo
from app.practice.demo import create_demo_practice
from app.sections.base import Target
from app.sections.editor import Saved, UserEditor
from app.signin.check import SignInService
from app.workplace import Work, Workplace
from tests.helpers import sqlite_workers
from tests.helpers.records import add_user

READERS, WRITERS, ROUNDS = 2, 3, 15


@pytest.fixture
def shared_file(tmp_path: Path) -> Iterator[tuple[str, CompanyInfo, Engine]]:
    """A practice of 60 users in a file of its own, and this process's engine on it."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Database.for_engine(engine, "shared").transaction() as session:
        demo = create_demo_practice(session, Actor.database_administrator("setup"), utc_now, 60)
    yield url, demo.company, engine
    engine.dispose()


def _workplace(engine: Engine, company: CompanyInfo) -> Workplace:
    database = Database.for_engine(engine, "shared")
    return Workplace(database, company, Actor.database_administrator("here"), utc_now)


def test_users_are_listed_and_opened_while_another_program_holds_the_write_lock(
    shared_file: tuple[str, CompanyInfo, Engine],
) -> None:
    url, company, engine = shared_file
    other = make_engine(url)
    try:
        with other.begin() as saving:  # another program's save, not yet committed
            saving.execute(text("UPDATE users SET title = 'Saving' WHERE id = 1"))
            workplace = _workplace(engine, company)
            pks = workplace.within(sqlite_workers.list_pks)
            opened = workplace.within(lambda work: UserEditor(work).open(pks[0]))
        assert len(pks) == 60 and opened.record.pk == pks[0]
    finally:
        other.dispose()


def test_the_file_opens_at_once_while_another_program_holds_the_write_lock(
    shared_file: tuple[str, CompanyInfo, Engine],
) -> None:
    """Checking the schema at start is a read: it waits for no other program's save."""
    url, _, _ = shared_file
    other = make_engine(url)
    try:
        with other.begin() as saving:
            saving.execute(text("UPDATE users SET title = 'Saving' WHERE id = 1"))
            opened = open_database(DatabaseLocation(url, "--db"))
            opened.dispose()
    finally:
        other.dispose()


def test_a_save_that_finds_another_save_committed_since_its_read_is_done_again(
    shared_file: tuple[str, CompanyInfo, Engine],
) -> None:
    """Deferred, the save read the row before the other program's commit: its write
    cannot take the lock on that stale read, so it is done again, now beginning IMMEDIATE."""
    url, company, engine = shared_file
    workplace = _workplace(engine, company)
    pk = workplace.within(sqlite_workers.list_pks)[-1]
    opened = workplace.within(lambda work: UserEditor(work).open(pk))
    other = make_engine(url)
    tries: list[int] = []

    def save(work: Work) -> Saved:
        tries.append(1)
        work.session.execute(text("SELECT count(*) FROM users")).scalar_one()  # the snapshot
        if len(tries) == 1:  # meanwhile another program saves another user
            with other.begin() as elsewhere:
                elsewhere.execute(text("UPDATE users SET title = 'Elsewhere' WHERE id <> :pk"),
                                  {"pk": pk})  # fmt: skip
        fields = replace(opened.record.fields, title="Here")
        return UserEditor(work).save(Target(pk, opened.record.version), {"user": fields})

    try:
        saved = workplace.within(save)
    finally:
        other.dispose()
    assert len(tries) == 2
    assert saved.record.fields.title == "Here"


def test_readers_and_writers_in_separate_processes_all_succeed(
    shared_file: tuple[str, CompanyInfo, Engine],
) -> None:
    """Two readers and three writers as separate processes; one more holds the write lock
    while they start. No reader fails, and no writer fails (none waits as long as the busy
    timeout: the lock is let go as soon as the readers have read beside it)."""
    url, company, engine = shared_file
    pks = _workplace(engine, company).within(sqlite_workers.list_pks)
    pks = [pk for pk in pks if pk != 1]  # the one the held lock changes
    spawn = multiprocessing.get_context("spawn")
    failures = spawn.Queue()
    holder_ready, locked, release = spawn.Event(), spawn.Event(), spawn.Event()
    start = spawn.Event()
    readies = [spawn.Event() for _ in range(READERS + WRITERS)]
    processes = [
        spawn.Process(target=sqlite_workers.hold_the_write_lock,
                      args=(url, holder_ready, locked, release)),
        *(spawn.Process(target=sqlite_workers.read,
                        args=(url, company.code, ROUNDS, readies[n], start, failures))
          for n in range(READERS)),
        *(spawn.Process(target=sqlite_workers.write,
                        args=(url, company.code, pks[n::WRITERS][:ROUNDS], readies[READERS + n],
                              start, failures))
          for n in range(WRITERS)),
    ]  # fmt: skip
    for process in processes:
        process.start()
    try:
        assert all(e.wait(sqlite_workers.TIMEOUT_S) for e in [holder_ready, *readies])
        assert locked.wait(sqlite_workers.TIMEOUT_S)
        start.set()  # everyone at once, beside the held lock
        said: list[str] = []
        while said.count("reader done") < READERS:
            said.append(failures.get(timeout=sqlite_workers.TIMEOUT_S))
        release.set()  # the readers read beside the lock; now the writers may go on
        while said.count("writer done") < WRITERS:
            said.append(failures.get(timeout=sqlite_workers.TIMEOUT_S))
        for process in processes:
            process.join(sqlite_workers.TIMEOUT_S)
    except queue.Empty:
        pytest.fail("a process did not finish")
    finally:
        release.set()
        for process in processes:
            if process.is_alive():
                process.terminate()
    assert [s for s in said if not s.endswith(" done")] == []
    assert [p.exitcode for p in processes] == [0] * len(processes)
    with Database.for_engine(engine, "shared").transaction() as session:
        titles = session.scalars(select(User.title)).all()
    assert titles.count(f"Saved {ROUNDS - 1}") == WRITERS  # every writer's last save is there


class _LockWatchingHasher(PasswordHasher):
    """Verifies as OWASP's does, and says whether another program could write meanwhile."""

    def __init__(self, url: str) -> None:
        super().__init__(time_cost=2, memory_cost=19 * 1024, parallelism=1)
        self.url = url
        self.write_lock_free: list[bool] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        other = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # the write lock, without waiting for it
            other.rollback()
            self.write_lock_free.append(True)
        except sqlite3.OperationalError:
            self.write_lock_free.append(False)
        finally:
            other.close()
        return super().verify(hash, password)


@pytest.mark.parametrize("password", ["quiet harbor lights", "a wrong password"])
def test_the_password_is_verified_before_the_sign_in_takes_the_write_lock(
    shared_file: tuple[str, CompanyInfo, Engine], password: str
) -> None:
    """argon2 takes tens of milliseconds: held under the write lock, parallel sign-ins and
    saves queue behind it and time out ("database is locked")."""
    url, company, engine = shared_file
    add_user(Database.for_engine(engine, "shared"), company, utc_now, "kim")
    hasher = _LockWatchingHasher(url)
    result = Database.for_engine(engine, "shared").run(
        lambda session: SignInService(session, utc_now, "FRONT-1", hasher).check(
            company.code, "kim", password
        )
    )
    assert result.allowed is (password == "quiet harbor lights")
    assert hasher.write_lock_free and all(hasher.write_lock_free)


SIGN_INS = 20


def test_twenty_parallel_sign_ins_all_answer(
    shared_file: tuple[str, CompanyInfo, Engine],
) -> None:
    """Twenty sign-ins at once, half with a wrong password, each on a connection of its own
    as twenty programs' would be: none fails, and every wrong one is counted."""
    url, company, engine = shared_file
    for n in range(SIGN_INS // 2):
        add_user(Database.for_engine(engine, "shared"), company, utc_now, f"user{n}")
    start = threading.Barrier(SIGN_INS)
    answers: list[str] = []
    engines = [make_engine(url) for _ in range(SIGN_INS)]

    def sign_in(n: int) -> None:
        database = Database.for_engine(engines[n], "shared")
        password = "quiet harbor lights" if n % 2 else "a wrong password"
        start.wait(sqlite_workers.TIMEOUT_S)
        try:
            result = database.run(
                lambda session: SignInService(session, utc_now, f"WS-{n}").check(
                    company.code, f"user{n // 2}", password
                )
            )
            answers.append(result.reason.value)
        except Exception as exc:
            answers.append(f"failed: {exc}")

    threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(SIGN_INS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(sqlite_workers.TIMEOUT_S)
    assert sorted(answers) == ["invalid"] * (SIGN_INS // 2) + ["signed in"] * (SIGN_INS // 2)
    for other in engines:
        other.dispose()
    with Database.for_engine(engine, "shared").transaction() as session:
        failed = session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == Action.SIGNIN_FAILED)
        )
    assert failed == SIGN_INS // 2
