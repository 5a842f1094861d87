"""Finding widgets by their accessible names and answering dialogs, as a person would."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

W = TypeVar("W", bound=QWidget)


def by_name(root: QWidget, kind: type[W], name: str) -> W:
    """The one visible-or-not widget of this kind whose accessible name is ``name``."""
    found = [w for w in root.findChildren(kind) if w.accessibleName() == name]
    assert len(found) == 1, f"{len(found)} {kind.__name__} named {name!r}"
    return found[0]


class DialogAnswers:
    """What to do in the modal dialogs a test expects, done as a person would.

    Each answer runs from the dialog's own event loop (a zero timer re-armed until the dialog
    is there), so the test waits on the dialog, not on time. ``finish`` stops any answer still
    waiting and fails the test if an expected dialog never came.
    """

    def __init__(self) -> None:
        self.pending: list[Callable[[QWidget], None]] = []
        self.seen: list[str] = []  # the text of each message box answered
        self.failures: list[BaseException] = []  # raised while answering: said by finish()

    def answer(self, button_text: str) -> None:
        """Press this button of the next message box."""

        def press(dialog: QWidget) -> None:
            assert isinstance(dialog, QMessageBox), f"expected a message box, got {dialog}"
            self.seen.append(dialog.text())
            buttons = [b for b in dialog.buttons() if b.text().replace("&", "") == button_text]
            assert buttons, f"no button {button_text!r} in {[b.text() for b in dialog.buttons()]}"
            buttons[0].click()

        self.do(press)

    def do(self, action: Callable[[QWidget], None]) -> None:
        """Run ``action`` on the next modal dialog, whatever kind it is."""
        self.pending.append(action)
        QTimer.singleShot(0, self._next)

    def _next(self) -> None:
        if not self.pending:
            return
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(0, self._next)
            return
        action = self.pending.pop(0)
        try:
            action(dialog)
        except BaseException as exc:
            # Raised inside the dialog's event loop it would be lost, and the dialog would
            # wait for an answer for ever: close it, so the test goes on to fail.
            self.failures.append(exc)
            self.pending.clear()
            close = getattr(dialog, "reject", None)
            if close is not None:
                close()

    def finish(self) -> None:
        failures, self.failures = self.failures, []
        if failures:
            raise failures[0]
        left, self.pending = self.pending, []
        assert not left, f"expected dialogs never opened; {len(left)} answers unused"


def assert_every_line_shows(window: QWidget) -> None:
    """No visible label of ``window`` is cut off: each is as tall as its text needs at its
    width (a wrapped message that appeared after the window was shown often is not)."""
    window.layout().activate()
    for label in window.findChildren(QLabel):
        if label.isVisibleTo(window) and label.text():
            needed = (
                label.heightForWidth(label.width())
                if label.wordWrap()
                else label.sizeHint().height()
            )
            assert label.height() >= needed, f"{label.text()!r} is cut off"
