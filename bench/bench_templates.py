"""The Templates section at scale: 5,000 templates, each figure next to its floor measured in
the same run.

    python bench/bench_templates.py [--templates 5000] [--reps 30] [--db URL]

The practice: the 10 starting chart tabs, 5 categories each (50), the templates spread evenly
over them, and one user granted every fifth (1,000 at 5,000) with a default on every tab.
Without --db it runs in a fresh SQLite file; with a server URL, in a scratch database made
beside the one named and dropped afterwards. Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_users, its neighbour

from bench_users import StatementLog, median_ms, scratch_database, timed
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.access import EVERY_RIGHT, Actor
from app.catalogs.user_templates import TemplatesEdit, UserTemplates, read_user_templates
from app.clock import utc_now
from app.db.catalog_models import Template
from app.db.database import Database, make_engine, upgrade
from app.practice.company import CompanyInfo, create_company
from app.sections.base import Target
from app.sections.editor import UserEditor
from app.users.records import UserFields
from app.users.service import UserService
from app.workplace import Work
from tests.helpers.templates import bulk_templates, grant, tab_ids
from ui.pages.base import PracticeContext, Subject
from ui.pages.templates_page import TemplatesPage

ACTOR = Actor("bench", EVERY_RIGHT, "BENCH-PC")
CATEGORIES_PER_TAB = 5
PASSWORD = "quiet harbor lights"


def build(database: Database, templates: int) -> tuple[CompanyInfo, int, list[int]]:
    """The company, its user with their grants and defaults, and every template's id."""
    with database.transaction() as session:
        company = create_company(session, "bench", "Bench Medical Group", "America/New_York")
        tabs = len(tab_ids(session, company))
        every = bulk_templates(
            session,
            company,
            categories_per_tab=CATEGORIES_PER_TAB,
            per_category=templates // (tabs * CATEGORIES_PER_TAB),
        )
        form = UserFields(user_id="kfox", first_name="Kimberly", last_name="Fox",
                          new_password=PASSWORD, retype_password=PASSWORD)  # fmt: skip
        pk = UserService(session, company, ACTOR, utc_now).create(form).pk
        grant(session, pk, every[::5])
        firsts = session.execute(
            select(Template.chart_tab_id, Template.id)
            .where(Template.id.in_(every[::5]))
            .order_by(Template.id)
        ).all()
    defaults: dict[int, int] = {}
    for tab_id, template_id in firsts:
        defaults.setdefault(tab_id, template_id)
    with database.transaction() as session:
        work = Work(session, company, ACTOR, utc_now)
        editor = UserEditor(work)
        opened = editor.open(pk, ["user", "templates"])
        editor.save(
            Target(pk, opened.record.version),
            {"templates": TemplatesEdit(every[::5], defaults)},
        )
    return company, pk, every


def bench_load(
    database: Database, log: StatementLog, company: CompanyInfo, pk: int, reps: int
) -> dict[str, Any]:
    """The section's read (rows to its frozen records) against the same SELECT, run through
    the same transaction handling, its rows only fetched."""

    def ours() -> UserTemplates:
        with database.transaction() as session:
            return read_user_templates(session, company.id, pk)

    log.reset()
    state = ours()  # warms the statement cache and captures the exact SQL for the floor
    [(sql, params)] = log.statements

    def floor() -> list[Any]:
        with database.transaction() as session:
            return list(session.connection().exec_driver_sql(sql, params).fetchall())

    rows = len(floor())
    floor_s, ours_s = [], []
    for _ in range(reps):  # interleaved, so that neither has the machine's quieter moments
        floor_s += timed(floor, 1)
        ours_s += timed(ours, 1)
    ratio = statistics.median(ours_s) / statistics.median(floor_s)
    return {
        "statements": 1, "rows": rows, "granted": len(state.granted_ids),
        "ms": median_ms(ours_s), "floor_raw_query_ms": median_ms(floor_s),
        "ratio": round(ratio, 2), "goal": "1 statement, ratio <= 1.5", "met": ratio <= 1.5,
    }  # fmt: skip


def bench_page(database: Database, company: CompanyInfo, pk: int, reps: int) -> dict[str, Any]:
    """The page loaded (its first tab's tree built) and every tab shown in turn, against a
    bare QStandardItemModel filled with one tab's names."""
    with database.transaction() as session:
        opened = UserEditor(Work(session, company, ACTOR, utc_now)).open(pk, ["user", "templates"])
    subject = Subject(opened.record, opened.states)
    page = TemplatesPage(PracticeContext(company=company, actor=ACTOR, clock=utc_now))
    page.resize(560, 600)
    page.show()
    state = opened.states["templates"]
    load_ms = timed(lambda: page.load(subject), reps)
    tabs = page.tabs.count()

    def every_tab() -> None:
        for row in range(tabs):
            page.tabs.setCurrentRow(row)
            QApplication.processEvents()

    switch = timed(every_tab, reps)
    first = state.tabs[0]
    names = [(c.name, [t.name for t in c.templates]) for c in first.categories]

    def bare() -> None:
        model = QStandardItemModel()
        for category, templates in names:
            head = QStandardItem(category)
            head.appendRows([QStandardItem(n) for n in templates])
            model.appendRow(head)

    floor = timed(bare, reps)
    page.tabs.setCurrentRow(0)
    page.tree.setCurrentIndex(page.proxy.index(0, 0))
    check_all = timed(page.check_all_in_category, 1)
    page.close()
    per_tab = statistics.median(switch) / tabs
    return {
        "templates_per_tab": sum(len(t) for _c, t in names),
        "page_load_ms": median_ms(load_ms),
        "tab_switch_ms": round(per_tab * 1000, 2),
        "floor_bare_model_of_one_tab_ms": median_ms(floor),
        "check_all_in_category_ms": median_ms(check_all),
        "goal": "a tab shown within 50 ms", "met": per_tab <= 0.05,
    }  # fmt: skip


def bench_save(
    database: Database, log: StatementLog, company: CompanyInfo, pk: int, every: list[int]
) -> dict[str, Any]:
    """A whole tab's 500 templates checked at once, as Check all does, and saved."""
    with database.transaction() as session:
        work = Work(session, company, ACTOR, utc_now)
        opened = UserEditor(work).open(pk, ["user", "templates"])
    state = opened.states["templates"]
    wanted = set(state.granted_ids) | {t.id for _c, t in state.tabs[1].templates()}
    log.reset()
    started = time.perf_counter()
    with database.transaction() as session:
        UserEditor(Work(session, company, ACTOR, utc_now)).save(
            Target(pk, opened.record.version),
            {"templates": TemplatesEdit(wanted, state.defaults)},
        )
    took = time.perf_counter() - started
    return {
        "added": len(wanted) - len(state.granted_ids), "statements": len(log.statements),
        "sql": log.summary(), "ms": round(took * 1000, 1), "goal": "statements <= 8",
        "met": len(log.statements) <= 8,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--db", help="a server URL; a scratch database is made beside it")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    with scratch_database(args.db) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            database = Database.for_engine(engine, "bench")
            company, pk, every = build(database, args.templates)
            log = StatementLog(engine)
            result = {
                "backend": engine.dialect.name, "templates": len(every), "reps": args.reps,
                "section_load": bench_load(database, log, company, pk, args.reps),
                "page": bench_page(database, company, pk, args.reps),
                "save_check_all_of_a_tab": bench_save(database, log, company, pk, every),
            }  # fmt: skip
            app.processEvents()
        finally:
            engine.dispose()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
