"""Form building blocks: a labelled input with its error message right beside it."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

ERROR_STYLE = "color: #b3261e;"
INVALID_STYLE = "border: 1px solid #b3261e;"


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
