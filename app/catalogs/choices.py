"""What a user's section may newly choose from a catalog: only the company's active entries.

A user keeps what they had when it is deactivated (their section shows it struck through,
with a warning), so only what an edit adds is checked, and an edit that adds nothing costs
no statement.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalogs.service import MODELS, Kind
from app.db.catalog_models import FaxNumber
from app.errors import ValidationError
from app.validation import display_phone


def refuse_new_inactive(
    session: Session,
    company_id: int,
    kind: Kind,
    chosen: Iterable[int],
    had: Iterable[int],
    field: str,
    region: str = "US",
) -> None:
    """ValidationError beside ``field`` when ``chosen`` adds (to what the user ``had``) an
    entry that is not the company's, or is deactivated. At most one statement."""
    added = set(chosen) - set(had)
    if not added:
        return
    model = MODELS[kind]
    rows = {
        row.id: row
        for row in session.scalars(
            select(model).where(model.id.in_(added), model.company_id == company_id)
        )
    }
    missing = added - set(rows)
    if missing:
        raise ValidationError(
            {field: f"That {kind.words} does not exist; refresh the list and choose again."}
        )
    inactive = sorted(_shown(row, region) for row in rows.values() if not row.active)
    if inactive:
        names = ", ".join(inactive)
        raise ValidationError(
            {
                field: f"{names} {'is' if len(inactive) == 1 else 'are'} deactivated and cannot "
                "be newly chosen."
            }
        )


def _shown(row: object, region: str) -> str:
    if isinstance(row, FaxNumber):
        number = display_phone(row.number, region)
        return f"{row.label} {number}" if row.label else number
    return str(getattr(row, "name", ""))
