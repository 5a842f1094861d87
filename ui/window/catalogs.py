"""The catalog editors, opened from the window (the Practice menu's Catalogs, or a page's
"Fax Numbers..." button through its ``edit_catalog`` signal), and what the window does when a
catalog changed: the user shown is read again, so their built pages list the entries as
they are now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog

from app.access import Right
from app.catalogs.service import Kind
from app.changes import CatalogChanged

if TYPE_CHECKING:
    from ui.window.window import UserSetupWindow

TEMPLATE_LEVELS = (Kind.CHART_TAB, Kind.CATEGORY, Kind.TEMPLATE)
PENDING = (
    "The practice's catalogs changed; this user's sections show them once the edits are saved "
    "or dropped (Refresh)."
)


def catalog_editor(window: UserSetupWindow, kind: str) -> QDialog:
    """The editor of the catalog ``kind`` (an app.catalogs.service.Kind value; chart tabs,
    categories and templates share one), built and connected: each kind it changed is
    published on the window's bus once it closes."""
    from ui.dialogs.catalog_dialog import CatalogDialog
    from ui.dialogs.templates_catalog import TemplatesCatalogDialog

    which = Kind(kind)
    dialog: CatalogDialog | TemplatesCatalogDialog
    if which in TEMPLATE_LEVELS:
        dialog = TemplatesCatalogDialog(window, window.runner, window.workplace, window.context)
    else:
        dialog = CatalogDialog(window, window.runner, window.workplace, window.context, which)
    changed: dict[str, None] = {}
    dialog.changed.connect(lambda k: changed.setdefault(k))
    # One reading of the user however many edits were made: when the editor is closed.
    dialog.finished.connect(lambda _: window.publish(*(CatalogChanged(k) for k in changed)))
    return dialog


def edit_catalog(window: UserSetupWindow, kind: str) -> None:
    """Open a catalog's editor, for an operator who holds "Edit catalogs" (app/ refuses
    anyone else every change, and the menu and the pages' buttons are hidden from them)."""
    if not window.context.may(Right.EDIT_CATALOGS):
        return
    catalog_editor(window, kind).exec()


def catalog_changed(window: UserSetupWindow, change: CatalogChanged) -> None:
    """Read the user shown again (their built pages list the catalogs), unless edits typed
    meanwhile would be lost: then say so, and they are read with the next open or Refresh."""
    subject = window.subject
    if subject is None or subject.record is None:
        return
    if window.is_dirty():
        window.show_message(PENDING)
        return
    window.open_user(subject.record.pk)
