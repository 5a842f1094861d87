"""Labels the window and its dialogs share."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def heading_label(text: str) -> QLabel:
    """A panel's or the editor's title: bold, a little larger than the text under it."""
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label
