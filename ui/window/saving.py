"""Saving the user shown: every loaded page checked, then all of them saved in one transaction.

The pages' own problems and app's are shown together, each beside its fields, and nothing is
saved while any remain. While the save runs the form takes no input, since what was typed
would be lost when the pages are loaded again with what the database now holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from app.errors import ConflictError, UserSetupError
from app.sections.base import Target
from app.sections.editor import Opened, Saved, SectionProblems, UserEditor
from app.workplace import Work
from ui.dialogs import messages as dialogs
from ui.errors import show_error

if TYPE_CHECKING:
    from ui.window.window import UserSetupWindow

Then = Callable[[], None]
NOTHING_SAVED = "Nothing was saved: correct the fields marked in red."


class Saving:
    """The Save of one window."""

    def __init__(self, window: UserSetupWindow) -> None:
        self.window = window

    def save(self, then: Then | None = None, otherwise: Then | None = None) -> None:
        """Check every loaded page, then save them all in one transaction; ``then()`` once
        saved (or when there was nothing to save), ``otherwise()`` if not saved."""
        window = self.window
        subject = window.subject
        if subject is None:
            if then is not None:
                then()
            return
        pages = window.section_pages.live()
        edits = {p.key: e for p in pages if (e := p.edit(subject)) is not None}
        local = {p.key: problems for p in pages if (problems := p.problems())}
        if not edits and not local and not subject.is_new:
            if then is not None:
                then()
            return
        record = subject.record
        if record is not None:
            target = Target(record.pk, record.version)
        else:
            target = Target(copied_from=subject.copied_from.pk if subject.copied_from else None)
        keys = window.open_keys()

        def job(work: Work) -> tuple[Saved, Opened]:
            editor = UserEditor(work)
            if local:  # every problem at once: the page's own and app's
                try:
                    editor.check(target, edits)
                except SectionProblems as problems:
                    raise SectionProblems({**problems.by_section, **local}) from None
                raise SectionProblems(local)
            saved = editor.save(target, edits)
            return saved, editor.open(saved.record.pk, keys)

        def done(result: tuple[Saved, Opened]) -> None:
            saved, opened = result
            window.show_opened(opened)
            for page in window.section_pages.live():  # shown once: only what the database now holds
                page.after_commit(saved.shown_once.get(page.key, ()))
            window.statusBar().showMessage(f"Saved {opened.record.heading}.", 10000)
            window.saved.emit(opened.record.pk)
            window.publish(saved.change)
            if then is not None:
                then()

        def failed(error: UserSetupError) -> None:
            if isinstance(error, SectionProblems):
                self._show_problems(error)
            elif isinstance(error, ConflictError):
                if dialogs.ask_reload_after_conflict(window, str(error)) and record is not None:
                    window.open_user(record.pk)
            else:
                show_error(window, "Not saved", error)
            if otherwise is not None:
                otherwise()

        window.run(job, done, failed=failed, busy=(window.save_action,), hold=True)

    def _show_problems(self, problems: SectionProblems) -> None:
        """Each section's messages beside its fields, and the first failing section shown."""
        for key, errors in problems.by_section.items():
            self.window.page(key).show_errors(errors)
        self.window.show_section(problems.first_section)
        self.window.statusBar().showMessage(NOTHING_SAVED, 15000)
