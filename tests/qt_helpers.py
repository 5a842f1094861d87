"""Finding widgets by their accessible names and answering dialogs, as a person would."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

W = TypeVar("W", bound=QWidget)


def by_name(root: QWidget, kind: type[W], name: str) -> W:
    """The one visible-or-not widget of this kind whose accessible name is ``name``."""
    found = [w for w in root.findChildren(kind) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} {kind.__name__} named {name!r}"
    return found[0]


def answer_next_dialog(button_text: str, seen: list[str] | None = None) -> None:
    """When the next modal dialog opens, press the button with this text.

    The answer runs from the dialog's own event loop (a zero timer re-armed until the dialog
    is there), so the test waits on the dialog, not on time.
    """

    def press() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(0, press)
            return
        if seen is not None:
            seen.append(dialog.text())
        buttons = [b for b in dialog.buttons() if b.text().replace("&", "") == button_text]
        assert buttons, f"no button {button_text!r} in {[b.text() for b in dialog.buttons()]}"
        buttons[0].click()

    QTimer.singleShot(0, press)
