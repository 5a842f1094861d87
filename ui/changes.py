"""The change bus: what a write changed (app.changes), told to every screen that listens."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.changes import Change


class ChangeBus(QObject):
    """One per window. The user list, the open pages and the window's settings listen; every
    write that succeeded publishes what it changed (live refresh will publish here too)."""

    changed = Signal(object)  # an app.changes.Change

    def publish(self, *changes: Change) -> None:
        for change in changes:
            self.changed.emit(change)
