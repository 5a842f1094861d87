"""Programs sharing one embedded SQLite file, each in a process of its own (spawned, so each
has its own connections and locks, as the window, the command line and the practice's other
programs do)."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from multiprocessing.synchronize import Event
from typing import Any

from app.access import Actor
from app.clock import utc_now
from app.db.database import Database, make_engine
from app.practice.company import load_company
from app.sections.base import Target
from app.sections.editor import Opened, Saved, UserEditor
from app.users.service import UserService
from app.workplace import Work, Workplace

TIMEOUT_S = 60.0  # far beyond any wait the test means: a stuck run fails, it does not hang


def _workplace(url: str, code: str) -> Workplace:
    database = Database.for_engine(make_engine(url), "shared file")
    actor = Actor.database_administrator(f"process {id(database)}")
    company = database.run(lambda session: load_company(session, code))
    return Workplace(database, company, actor, utc_now)


def hold_the_write_lock(url: str, ready: Event, locked: Event, release: Event) -> None:
    """Another program's save in progress: the write lock taken and held until told."""
    engine = make_engine(url)
    ready.set()
    with engine.begin() as connection:  # BEGIN IMMEDIATE: the write lock
        connection.exec_driver_sql("UPDATE users SET title = 'held' WHERE id = 1")
        locked.set()
        release.wait(TIMEOUT_S)
    engine.dispose()


def list_pks(work: Work) -> list[int]:
    """The user list's rows, as the window lists them: their row ids."""
    rows = UserService(work.session, work.company, work.actor, work.clock).list_rows()
    return [row[0] for row in rows]


def read(url: str, code: str, rounds: int, ready: Event, start: Event, failures: Any) -> None:
    """List the users and open one, ``rounds`` times; every failure put on ``failures``."""
    workplace = _workplace(url, code)
    ready.set()
    start.wait(TIMEOUT_S)
    for n in range(rounds):
        try:
            pks = workplace.within(list_pks)
            workplace.within(partial(_open, pks[n % len(pks)]))
        except Exception as exc:
            failures.put(f"reader: {exc}")
    failures.put("reader done")


def _open(pk: int, work: Work) -> Opened:
    return UserEditor(work).open(pk)


def _save(pk: int, opened: Opened, title: str, work: Work) -> Saved:
    fields = replace(opened.record.fields, title=title)
    return UserEditor(work).save(Target(pk, opened.record.version), {"user": fields})


def write(url: str, code: str, pks: list[int], ready: Event, start: Event, failures: Any) -> None:
    """Save each user's Title through the editor, as the window's Save does."""
    workplace = _workplace(url, code)
    ready.set()
    start.wait(TIMEOUT_S)
    for n, pk in enumerate(pks):
        try:
            opened = workplace.within(partial(_open, pk))
            workplace.within(partial(_save, pk, opened, f"Saved {n}"))
        except Exception as exc:
            failures.put(f"writer: {exc}")
    failures.put("writer done")
