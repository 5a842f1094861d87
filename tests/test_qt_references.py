"""Guard against a Qt binding that loses references to None, True or False.

PySide6 6.12.0 drops a reference to None every time a Python override such as a model's
data() returns it, and QComboBox.itemData() does the same. On CPython 3.11, where None is
an ordinary counted object, the program then crashes some time later ("deallocating None").
The user list calls data() thousands of times a minute, so such a release must not ship.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox

CALLS = 2000
# From Python 3.12 None, True and False are immortal: their counts no longer move, so the
# loss this guards against could not be seen (nor crash the program).
pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None, True and False are immortal from Python 3.12: a lost reference is harmless",
)


class _Model(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        return None if role != Qt.ItemDataRole.CheckStateRole else False


def test_a_model_returning_none_or_false_keeps_their_references(qapp: Any) -> None:
    model = _Model()
    index = model.index(0)
    none, false = sys.getrefcount(None), sys.getrefcount(False)
    for _ in range(CALLS):
        index.data(Qt.ItemDataRole.ToolTipRole)
        index.data(Qt.ItemDataRole.CheckStateRole)
    assert sys.getrefcount(None) >= none - 10  # a few may be held elsewhere meanwhile
    assert sys.getrefcount(False) >= false - 10


def test_combo_box_item_data_of_none_keeps_its_reference(qapp: Any) -> None:
    box = QComboBox()
    box.addItem("(none)", None)
    none = sys.getrefcount(None)
    for _ in range(CALLS):
        box.itemData(0)
    assert sys.getrefcount(None) >= none - 10
