"""The Fax section: the number a user's outgoing faxes are sent from, and the practice fax
numbers whose inbox and sent box they see.

The default outbound number need not be among the inbound ones: they are two settings (the
line that sends, the boxes that are watched), and seeing a line's inbox means seeing every
patient fax that arrives on it, which a sender of the main line need not. The page says
when the user's own sent faxes will therefore not show in their sent box.
"""

from __future__ import annotations

from typing import Any, ClassVar

from app.audit import Action
from app.catalogs.service import Kind
from app.db.catalog_models import FaxNumber, UserInboundFax
from app.sections.catalog_picks import CatalogPicksSection, Pick, Picks
from app.validation import display_phone
from app.workplace import Work

INBOUND_FIELD = "inbound_fax_numbers"
DEFAULT_FIELD = "default_outbound_fax_number"


class FaxSection(CatalogPicksSection):
    key: ClassVar[str] = "fax"
    title: ClassVar[str] = "Fax"
    order: ClassVar[int] = 50
    kind: ClassVar[Kind] = Kind.FAX
    link: ClassVar[type[UserInboundFax]] = UserInboundFax
    link_column: ClassVar[str] = "fax_number_id"
    default_column: ClassVar[str] = "default_fax_number_id"
    action: ClassVar[Action] = Action.FAX_CHANGED
    checked_field: ClassVar[str] = INBOUND_FIELD
    default_field: ClassVar[str] = DEFAULT_FIELD
    checked_words: ClassVar[str] = "the inbound fax numbers"
    default_words: ClassVar[str] = "the default outbound fax number"
    default_among_checked: ClassVar[bool] = False

    def pick_of(self, work: Work, row: Any, checked: bool) -> Pick:
        assert isinstance(row, FaxNumber)
        number = display_phone(row.number, work.company.phone_region)
        shown = f"{row.label} {number}" if row.label else number
        return Pick(row.id, shown, row.active, checked, number=row.number, name=row.label)

    def sort_key(self, pick: Pick) -> tuple[Any, ...]:
        return (pick.name.casefold(), pick.number, pick.id)

    def as_json(self, work: Work, state: Picks) -> dict[str, Any]:
        def line(pick: Pick) -> dict[str, Any]:
            return {"number": pick.number, "label": pick.name, "active": pick.active}

        default = state.default
        return {
            "default_outbound": line(default) if default is not None else None,
            "inbound": [line(p) for p in state.checked],
        }
