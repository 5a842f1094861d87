"""Chart templates as a test needs them: a few through the catalog service (as a practice adds
them), or thousands written straight to their tables (the scale tests and the benchmark)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.catalogs.service import Catalogs
from app.clock import Clock
from app.db.catalog_models import ChartTab, Template, TemplateCategory, UserTemplate
from app.practice.company import CompanyInfo
from tests.helpers.actors import dba

WHEN = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
BATCH = 1_000


def tab_ids(session: Session, company: CompanyInfo) -> dict[str, int]:
    """The company's chart tabs by name."""
    rows = session.execute(
        select(ChartTab.name, ChartTab.id).where(ChartTab.company_id == company.id)
    )
    return {name: pk for name, pk in rows}


def add_templates(
    session: Session, company: CompanyInfo, clock: Clock, tree: dict[str, dict[str, list[str]]]
) -> dict[str, int]:
    """{"Orders": {"Labs": ["CBC", "BMP"]}} added through Catalogs; every id by name (a
    category's as "Tab/Category", a template's as "Tab/Category/Template")."""
    catalogs = Catalogs(session, company, dba(), clock)
    tabs = tab_ids(session, company)
    ids: dict[str, int] = {}
    for tab, categories in tree.items():
        for category, templates in categories.items():
            category_id = catalogs.add_category(tabs[tab], category).id
            ids[f"{tab}/{category}"] = category_id
            for name in templates:
                ids[f"{tab}/{category}/{name}"] = catalogs.add_template(category_id, name).id
    return ids


def bulk_templates(
    session: Session, company: CompanyInfo, *, categories_per_tab: int, per_category: int
) -> list[int]:
    """``per_category`` templates in each of ``categories_per_tab`` categories of every chart
    tab, written in a few statements; their ids, tab by tab."""
    stamp = {"company_id": company.id, "active": True, "updated_at": WHEN, "updated_by": "bench"}
    tabs = sorted(tab_ids(session, company).items(), key=lambda item: item[1])
    categories = [
        {**stamp, "version": 1, "chart_tab_id": tab_id, "name": f"{tab} group {n}",
         "name_key": f"{tab} group {n}".casefold()}
        for tab, tab_id in tabs
        for n in range(1, categories_per_tab + 1)
    ]  # fmt: skip
    session.execute(insert(TemplateCategory), categories)
    made = session.execute(
        select(TemplateCategory.id, TemplateCategory.chart_tab_id)
        .where(TemplateCategory.company_id == company.id)
        .order_by(TemplateCategory.id)
    ).all()
    rows = [
        {**stamp, "version": 1, "chart_tab_id": tab_id, "category_id": category_id,
         "name": f"Template {category_id}-{n:04d}", "name_key": f"template {category_id}-{n:04d}"}
        for category_id, tab_id in made
        for n in range(1, per_category + 1)
    ]  # fmt: skip
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Template), rows[start : start + BATCH])
    return list(
        session.scalars(
            select(Template.id)
            .where(Template.company_id == company.id)
            .order_by(Template.chart_tab_id, Template.id)
        )
    )


def grant(session: Session, user_pk: int, template_ids: Iterable[int]) -> None:
    """Give the user these templates straight in the table (the section's save is tested
    elsewhere)."""
    rows = [{"user_pk": user_pk, "template_id": pk} for pk in template_ids]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(UserTemplate), rows[start : start + BATCH])


__all__ = ["add_templates", "bulk_templates", "grant", "tab_ids"]
