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


class DialogAnswers:
    """Answers to the modal dialogs a test expects, pressed as a person would.

    Each answer runs from the dialog's own event loop (a zero timer re-armed until the dialog
    is there), so the test waits on the dialog, not on time. ``finish`` stops any answer still
    waiting and fails the test if an expected dialog never came.
    """

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.seen: list[str] = []  # the text of each dialog answered

    def answer(self, button_text: str) -> None:
        self.pending.append(button_text)
        QTimer.singleShot(0, self._press)

    def _press(self) -> None:
        if not self.pending:
            return
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QMessageBox):
            QTimer.singleShot(0, self._press)
            return
        wanted = self.pending.pop(0)
        self.seen.append(dialog.text())
        buttons = [b for b in dialog.buttons() if b.text().replace("&", "") == wanted]
        assert buttons, f"no button {wanted!r} in {[b.text() for b in dialog.buttons()]}"
        buttons[0].click()

    def finish(self) -> None:
        left, self.pending = self.pending, []
        assert not left, f"expected dialogs never opened; unused answers: {left}"
