"""The window's section pages: each built the first time it is needed, loaded with the user
shown, and put in the window's tab order.

Opening a user reads only the sections whose pages are built, so a page built later reads its
own section of that user first. A page that fails to load is a bug, not the operator's: it is
logged and disabled, and the rest of the window goes on.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app.sections.editor import Opened, UserEditor
from app.sections.registry import SECTIONS
from app.users.records import UserRecord
from ui.pages import PAGES
from ui.pages.base import SectionPage, Subject
from ui.pages.user_page import UserPage
from ui.window.layout import chain_tabs, tab_stops

if TYPE_CHECKING:
    from ui.window.window import UserSetupWindow

log = logging.getLogger(__name__)


class SectionPages:
    """The pages of one window, by section key, in the window's stack."""

    def __init__(self, window: UserSetupWindow) -> None:
        self.window = window
        self.built: dict[str, SectionPage] = {}
        self._tab_stops: dict[str, list[QWidget]] = {}  # each page's, as it made them

    def page(self, key: str) -> SectionPage:
        """The page of a section, built the first time it is needed."""
        window = self.window
        if key not in self.built:
            page = PAGES[key](window.context)  # the context as it is now (see rebuild)
            page.edited.connect(window.update_actions)
            page.host = window
            if isinstance(page, UserPage):
                page.verify_direct_email_requested.connect(window.verify_direct_email)
            # A page offering a catalog editor ("Fax Numbers...") says which, by Kind value.
            edit_catalog = getattr(page, "edit_catalog", None)
            if edit_catalog is not None:
                edit_catalog.connect(window.edit_catalog)
            page.set_read_only(not window.context.may(page.section.edit_right))
            self.built[key] = page
            window.stack.addWidget(page)
            self._tab_stops[key] = tab_stops(page)
            self._order_tabs()
            if window.subject is not None:
                self.load(page, window.subject)
        return self.built[key]

    def live(self) -> list[SectionPage]:
        """The pages built and loaded, in the section list's order."""
        return [
            self.built[s.key]
            for s in SECTIONS
            if s.key in self.built and self.built[s.key].isEnabled()
        ]

    def load_all(self, subject: Subject) -> None:
        """Every page built, as ``subject`` has it."""
        for page in list(self.built.values()):
            self.load(page, subject)

    def load(self, page: SectionPage, subject: Subject) -> None:
        """Load one page; one that fails is a bug: logged, and the page is disabled, not fatal.
        A page built after its user was opened is given its state first."""
        if page.key not in subject.states and subject.record is not None:
            self._read_state(subject.record, page)
            return
        try:
            page.load(subject)
        except Exception:
            log.exception("The %s section could not be loaded", page.section.title)
            page.setEnabled(False)
            self.window.statusBar().showMessage(
                f"The {page.section.title} section could not be shown; "
                f"the details are in {self.window.log_location}."
            )
        else:
            page.setEnabled(True)

    def rebuild(self, shown: str) -> None:
        """Pages hold the context they were built with: build them again, lazily (only the
        one ``shown`` at once)."""
        stack = self.window.stack
        for page in self.built.values():
            stack.removeWidget(page)
            page.deleteLater()
        self.built.clear()
        self._tab_stops.clear()  # they were the old pages' widgets
        stack.setCurrentWidget(self.page(shown))

    def _order_tabs(self) -> None:
        """Tab from the search box: the list, the form, the sections, then the status bar."""
        window = self.window
        form = [
            stop for s in SECTIONS if s.key in self._tab_stops for stop in self._tab_stops[s.key]
        ]
        chain_tabs(
            [
                window.active_only,
                window.search,
                window.user_view,
                *form,
                window.section_list,
                window.own_password_button,
            ]
        )

    def _read_state(self, record: UserRecord, page: SectionPage) -> None:
        """The state of one section of the open user, for a page built just now."""
        window = self.window
        page.setEnabled(False)

        def read(opened: Opened) -> None:
            subject = window.subject
            if subject is None or subject.record is None or subject.record.pk != record.pk:
                return
            if opened.record.version != subject.record.version and not window.is_dirty():
                window.open_user(record.pk)  # changed meanwhile, nothing typed: all again
                return
            # Changed meanwhile with edits typed in other pages: they stay, and Save then says
            # who changed the user and offers to reload, rather than dropping them unasked.
            window.subject = replace(subject, states={**subject.states, **opened.states})
            self.load(page, window.subject)

        window.run(lambda work: UserEditor(work).open(record.pk, [page.key]), read)
