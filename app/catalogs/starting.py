"""What every company's catalogs start with (migration 0010 gave the existing ones the same)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.db.catalog_models import ChartTab, NoteType

# The screens and SOAP note types the Sign Off section lists: "(Base)" is a note of no
# particular type, "(Error)" one marked in error.
NOTE_TYPES = (
    "(Base)",
    "(Error)",
    "Hospital Note",
    "Office Note",
    "Procedure Note",
    "Surgery Note",
)
CHART_TABS = (
    "Orders",
    "Assessments",
    "Exams",
    "HPI",
    "ROS",
    "Patient History",
    "Treatment Plans",
    "Allergies",
    "Immunizations",
    "Letters",
)


def add_starting_catalogs(session: Session, company_id: int, by: str, now: datetime) -> None:
    """A new company's note types and chart tabs, in the order they are shown."""
    for model, names in ((NoteType, NOTE_TYPES), (ChartTab, CHART_TABS)):
        session.add_all(
            model(
                company_id=company_id,
                name=name,
                name_key=name.casefold(),
                position=position,
                active=True,
                updated_at=now,
                updated_by=by,
            )
            for position, name in enumerate(names)
        )
