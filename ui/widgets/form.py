"""Form building blocks: a labelled input with its error message right beside it."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QGridLayout, QLabel, QLineEdit, QWidget

ERROR_STYLE = "color: #b3261e;"
INVALID_STYLE = "border: 1px solid #b3261e;"
NOTE_STYLE = "color: #5f6368;"  # grey, yet dark enough to read


class FieldErrors:
    """The error labels of a form, keyed by field name; each sits under its input."""

    def __init__(self) -> None:
        self._inputs: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}

    def add(
        self, grid: QGridLayout, name: str, widget: QWidget, row: int, column: int, span: int = 1
    ) -> None:
        label = QLabel()
        label.setObjectName(f"{name}_error")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        grid.addWidget(label, row, column, 1, span)
        self._inputs[name] = widget
        self._labels[name] = label

    def show(self, errors: Mapping[str, str]) -> QWidget | None:
        """Show these messages, clear the others; returns the first input that is wrong."""
        first: QWidget | None = None
        for name, label in self._labels.items():
            message = errors.get(name, "")
            widget = self._inputs[name]
            label.setText(message)
            label.setVisible(bool(message))
            widget.setStyleSheet(INVALID_STYLE if message else "")
            widget.setAccessibleDescription(message)
            if message and first is None:
                first = widget
        if first is not None:
            grow_to_fit(first.window())
        return first

    def clear(self) -> None:
        self.show({})

    def message(self, name: str) -> str:
        return self._labels[name].text() if self._labels[name].isVisible() else ""

    def owns(self, name: str) -> bool:
        return name in self._labels


def caption(text: str, buddy: QWidget) -> QLabel:
    """A field's visible label; the input is named the same for screen readers (and tests)."""
    label = QLabel(f"{text}:")
    label.setBuddy(buddy)
    buddy.setAccessibleName(text)
    return label


# Room a title bar keeps for the window's icon and its minimize, maximize and close buttons.
TITLE_BAR_ROOM = 160


def fit_title(window: QWidget) -> None:
    """Make ``window`` at least as wide as its title, so a title that names a user is not
    cut to "Reset Password - Fo… Kimberly" by the window manager."""
    font = QFont(window.font())
    font.setBold(True)  # title bars mostly draw their text bold
    title = QFontMetrics(font).horizontalAdvance(window.windowTitle())
    window.setMinimumWidth(max(window.minimumWidth(), title + TITLE_BAR_ROOM))


def grow_to_fit(window: QWidget) -> None:
    """Make a dialog tall enough for what it shows now. A message that appears in a wrapped
    label needs more height at the dialog's width, which Qt does not give a shown dialog by
    itself: the text would be cut off at the bottom. The main window keeps its own size."""
    layout = window.layout()
    if not isinstance(window, QDialog) or layout is None:
        return
    layout.activate()
    width = window.width()
    needed = max(
        layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else 0,
        layout.totalSizeHint().height(),
        layout.totalMinimumSize().height(),
    )
    if needed > window.height():
        window.resize(width, needed)


def show_read_only(edit: QLineEdit, read_only: bool = True) -> None:
    """Read-only, and looking it: the window's colour instead of a white box that invites
    typing. The text stays selectable, so a phone number can still be copied."""
    edit.setReadOnly(read_only)
    standard = QApplication.palette(edit)
    palette = edit.palette()
    palette.setColor(
        QPalette.ColorRole.Base,
        standard.color(QPalette.ColorRole.Window if read_only else QPalette.ColorRole.Base),
    )
    edit.setPalette(palette)
