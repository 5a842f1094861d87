"""What the company's named lists (user groups, the Department List) share: their rows by
name, each with how many rows of another table name it, in one statement."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import QueryableAttribute, Session

from app.db.models import Department, UserGroup

# The named lists: each has a company, a name key and an active flag.
R = TypeVar("R", Department, UserGroup)


def listed_with_counts(
    session: Session,
    model: type[R],
    counted: QueryableAttribute[Any],
    company_id: int,
    *,
    active_only: bool = False,
) -> list[tuple[R, int]]:
    """The company's rows of ``model`` by name (active ones only if ``active_only``), each
    with how many rows of ``counted``'s table point at it: one statement."""
    count = (
        select(func.count())
        .select_from(counted.class_)
        .where(counted == model.id)
        .correlate(model)
        .scalar_subquery()
    )
    query = select(model, count).where(model.company_id == company_id)
    if active_only:
        query = query.where(model.active)
    return [(row, n) for row, n in session.execute(query.order_by(model.name_key))]


__all__ = ["listed_with_counts"]
