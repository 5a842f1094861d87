"""The Fax section: the Default Outbound Fax Number and the Inbound Fax Numbers checklist.

The default need not be among the inbound numbers (app.sections.fax says why); the page
says when the user's own sent faxes will then not show in their sent box.
"""

from __future__ import annotations

from typing import ClassVar

from app.catalogs.service import Kind
from app.sections.registry import AnySection, section
from ui.pages.catalog_picks_page import CatalogPicksPage

DEFAULT_LABEL = "Default Outbound Fax Number"
INBOUND_LABEL = "Inbound Fax Numbers"
FAX_NUMBERS_BUTTON = "Fax Numbers..."
NOTE = (
    "Outgoing faxes are sent from the default number. The user sees the inbox and the sent "
    "box of each checked number."
)


class FaxPage(CatalogPicksPage):
    section: ClassVar[AnySection] = section("fax")
    DEFAULT_LABEL: ClassVar[str] = DEFAULT_LABEL
    CHECKED_LABEL: ClassVar[str] = INBOUND_LABEL
    CATALOG_BUTTON: ClassVar[str] = FAX_NUMBERS_BUTTON
    KIND: ClassVar[Kind] = Kind.FAX
    NOTE: ClassVar[str] = NOTE

    def update_note(self) -> None:
        default = self.state.entry(self.default_id())
        text = NOTE
        if default is not None and default.id not in self.checked_ids():
            text += (
                f" {default.shown} is not checked: faxes this user sends from it will not "
                "show in their sent box."
            )
        self.note.setText(text)
