"""A list of the practice's rows (roles, user groups, departments) as the dialogs pick from:
each item holds its row's id."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

ROW_ID = Qt.ItemDataRole.UserRole  # where an item keeps its row's id


def refill(
    view: QListWidget, rows: Iterable[tuple[int, str, str]], keep: int | None
) -> QListWidgetItem | None:
    """Empty ``view`` and fill it again with (id, text, tooltip) rows, a tooltip only where
    one is given; the item of ``keep``, if it is listed. Which item is current, and whether
    signals are held meanwhile, stay the caller's."""
    view.clear()
    kept: QListWidgetItem | None = None
    for row_id, text, tooltip in rows:
        item = QListWidgetItem(text)
        item.setData(ROW_ID, row_id)
        if tooltip:
            item.setToolTip(tooltip)
        view.addItem(item)
        if row_id == keep:
            kept = item
    return kept


def row_id(item: QListWidgetItem) -> int:
    """The id of the row an item shows."""
    return int(item.data(ROW_ID))


__all__ = ["ROW_ID", "refill", "row_id"]
