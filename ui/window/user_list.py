"""The user list: a Qt model over the rows UserService.list_rows gives, with type-ahead."""

from __future__ import annotations

import bisect
import string
from array import array
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from app.users.records import UserRow
from ui.widgets.icons import icon

ModelIndex = QModelIndex | QPersistentModelIndex
INACTIVE_COLOR = QColor("#8a8a8a")
PK_ROLE = Qt.ItemDataRole.UserRole + 1
MARKS_ROLE = Qt.ItemDataRole.UserRole + 2  # "  (inactive)  (locked)": the end of the text
_SEPARATORS = str.maketrans(",()", "   ")
EPCS_MARK = "EPCS"  # a user who may prescribe controlled substances now
FIRST_LETTERS = string.ascii_lowercase  # made ahead: see UserListModel.__init__


def _sort_key(row: UserRow) -> tuple[str, str, str]:
    # The same order as list_rows' ORDER BY lower(last), lower(first), user ID key.
    return row[2].lower(), row[3].lower(), row[1].lower()


def search_key(row: UserRow) -> str:
    """What type-ahead looks in: "<TAB>last<TAB>first<TAB>user id", lower case. Each word
    starts after a tab, so "a word starts with it" is one substring test: TAB + the text."""
    return f"\t{row[2]}\t{row[3]}\t{row[1]}".lower()


class UserListModel(QAbstractListModel):
    """Every user of the company, filtered by the Active box and the search text.

    Rows are kept as the query gave them; filtering builds a list of row numbers. A search
    is two passes of substring tests over the rows the Active box shows (the rows with a word
    that starts with the text, then the rest), typing on narrows the last result, and each
    first letter's result over the active rows is made ahead once the rows are filled (or a
    saved user put in place): the first keystroke is then no work at all.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[UserRow] = []
        self._keys: list[str] = []  # "\tlast\tfirst\tuserid", lower case: what search looks in
        self._every: list[int] = []  # 0 .. n-1: every row, in list order
        self._active_rows: list[int] = []  # the active ones (the same int objects)
        self._visible: Sequence[int] = []
        self._where: dict[int, int] = {}  # user row id -> index in _rows
        self._active_only = True
        self._needle = ""
        # The first letter typed into an empty box is the dearest keystroke (nearly every row
        # matches): each letter's result over the active rows is made ahead, one letter per
        # turn of the event loop once the list is filled, while the person reads it.
        self._ready: dict[str, array[int]] = {}
        self._to_prepare: list[str] = []
        self._preparing = QTimer(self)
        self._preparing.setInterval(0)
        self._preparing.timeout.connect(self._prepare_one)
        self._inactive_font = QFont()
        self._inactive_font.setItalic(True)
        # The practice's zone and clock (the window sets them): where a lock's end is told.
        self.time_zone: tzinfo | None = None
        self.clock: Callable[[], datetime] | None = None

    def _moment(self, moment: datetime) -> str:
        """A temporary lock's end as the office reads it: 10:42, or May 6 10:42 on another day."""
        local = moment.astimezone(self.time_zone)
        at = f"{local:%H:%M}"
        if self.clock is not None and self.clock().astimezone(local.tzinfo).date() == local.date():
            return at
        return f"{local:%b} {local.day} {at}"

    # Filling

    def set_rows(self, rows: Sequence[UserRow]) -> None:
        fresh = list(rows)
        if fresh == self._rows:  # a refresh that found the list as it was: keep it, and what
            return  # it holds (100,000 rows made anew each time only churn the memory)
        self.beginResetModel()
        self._rows = fresh
        self._keys = [search_key(r) for r in self._rows]
        self._indexed()
        self._visible = self._filter(self._needle, self._base(), narrowing=False)
        self.endResetModel()

    def _indexed(self) -> None:
        """The row numbers, the active ones, where each user is; and the first letters made
        ahead again."""
        rows = self._rows
        self._every = list(range(len(rows)))
        self._active_rows = [i for i in self._every if rows[i][4]]
        self._where = {r[0]: i for i, r in zip(self._every, rows, strict=True)}
        self._ready.clear()
        self._to_prepare = list(FIRST_LETTERS)
        self._preparing.start()

    def _prepare_one(self) -> None:
        if not self._to_prepare:
            self._preparing.stop()
            return
        letter = self._to_prepare.pop(0)
        ranked = self._filter(letter, self._active_rows, narrowing=False)
        self._ready[letter] = array("i", ranked)  # 4 bytes a row, not a list's 8 and an int's 28

    def first_letters_ready(self) -> bool:
        """Is every first letter's result made ahead (see __init__)?"""
        return not self._to_prepare

    def upsert_row(self, row: UserRow) -> None:
        """Put one saved user in place (new, renamed, (de)activated) without reloading the rest."""
        old = self._where.get(row[0])
        if old is not None and tuple(self._rows[old]) == tuple(row):
            return  # a save that changed nothing the list shows
        key = _sort_key(row)
        if old is not None and _sort_key(self._rows[old]) == key:
            self._rows[old] = row
            self._keys[old] = search_key(row)
        else:
            if old is not None:
                del self._rows[old]
                del self._keys[old]
            at = bisect.bisect_right(self._rows, key, key=_sort_key)
            self._rows.insert(at, row)
            self._keys.insert(at, search_key(row))
        self._indexed()
        self._refilter()

    def _refilter(self) -> None:
        self.beginResetModel()
        self._visible = self._filter(self._needle, self._base(), narrowing=False)
        self.endResetModel()

    # Filtering

    @property
    def active_only(self) -> bool:
        return self._active_only

    def set_active_only(self, active_only: bool) -> None:
        if active_only != self._active_only:
            self._active_only = active_only
            self._refilter()

    def set_search(self, text: str) -> None:
        # "Fox, Kimberly (kimberly)" as the list shows it finds her: punctuation separates words.
        needle = " ".join(text.lower().translate(_SEPARATORS).split())
        if needle == self._needle:
            return
        # Typing on narrows the last result; anything else searches every row shown.
        narrowing = bool(self._needle) and needle.startswith(self._needle)
        base = self._visible if narrowing else self._base()
        self.beginResetModel()
        self._needle = needle
        ready = self._ready.get(needle) if self._active_only and not narrowing else None
        self._visible = (
            ready if ready is not None else self._filter(needle, base, narrowing=narrowing)
        )
        self.endResetModel()

    def _base(self) -> Sequence[int]:
        """The rows the Active box shows, in list order."""
        return self._active_rows if self._active_only else self._every

    def _filter(self, needle: str, base: Sequence[int], *, narrowing: bool) -> Sequence[int]:
        """The rows of ``base`` that match, ranked: those with a word that starts with what was
        typed first, then those that only contain it; each part in list order."""
        if not needle:
            return base
        keys = self._keys
        words = needle.split()
        starts = "\t" + words[0]  # every word of a key follows a tab
        if len(words) == 1:
            prefix = [i for i in base if starts in keys[i]]
            rest = [i for i in base if needle in keys[i] and starts not in keys[i]]
        else:
            matched = [i for i in base if all(w in keys[i] for w in words)]
            prefix = [i for i in matched if starts in keys[i]]
            rest = [i for i in matched if starts not in keys[i]]
        if narrowing:  # the base was ranked: each part may come from both of its runs
            prefix.sort()  # two ordered runs: a merge, not a sort
            rest.sort()
        return prefix + rest

    # Looking up

    def row_of(self, pk: int) -> int | None:
        """The visible row of a user, or None when the filter hides them."""
        index = self._where.get(pk)
        if index is None:
            return None
        if not self._needle:  # unranked: the visible rows are in list order
            row = bisect.bisect_left(self._visible, index)
            return row if row < len(self._visible) and self._visible[row] == index else None
        try:
            return self._visible.index(index)
        except ValueError:
            return None

    def pk_at(self, row: int) -> int:
        return int(self._rows[self._visible[row]][0])

    def total(self) -> int:
        return len(self._rows)

    # Qt

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visible):
            return None
        row = self._rows[self._visible[index.row()]]
        pk, user_id, last, first, active, locked, expired, until, epcs = row
        lock = f"locked until {self._moment(until)}" if until is not None else "locked"
        if role in (Qt.ItemDataRole.DisplayRole, MARKS_ROLE):
            marks = ("" if active else "  (inactive)") + (f"  ({lock})" if locked else "")
            marks += "  (expired)" if expired else ""
            marks += f"  ({EPCS_MARK})" if epcs else ""
            return marks if role == MARKS_ROLE else f"{last}, {first}  ({user_id}){marks}"
        if role == Qt.ItemDataRole.DecorationRole:
            name = "lock" if locked else "expired" if expired else "blank" if active else "inactive"
            return icon(name)
        if role == Qt.ItemDataRole.ForegroundRole and not active:
            return QBrush(INACTIVE_COLOR)
        if role == Qt.ItemDataRole.FontRole and not active:
            return self._inactive_font
        if role == Qt.ItemDataRole.ToolTipRole:
            states = ["active" if active else "inactive"] + ([f"login {lock}"] if locked else [])
            states += ["account expired"] if expired else []
            states += ["may prescribe controlled substances (EPCS)"] if epcs else []
            return f"{last}, {first} — User ID {user_id}, {', '.join(states)}"
        if role == PK_ROLE:
            return pk
        return None


class MarksStayDelegate(QStyledItemDelegate):
    """Draws a row too long for the list with its name shortened and its marks whole:
    "Kirschling, Ro…  (expired)", never "Kirschling, Rosa (rkirschling) (expi…"."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        super().initStyleOption(option, index)
        marks = index.data(MARKS_ROLE)
        if not marks:
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        metrics = option.fontMetrics
        text = option.text
        if metrics.horizontalAdvance(text) <= text_rect.width() - 2 * margin:
            return
        room = text_rect.width() - 2 * margin - metrics.horizontalAdvance(marks)
        name = text[: -len(marks)]
        option.text = metrics.elidedText(name, Qt.TextElideMode.ElideRight, max(room, 0)) + marks
