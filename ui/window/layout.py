"""The parts of the window around the pages: the editor's heading and stack, the section
list, the status bar."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.sections.registry import SECTIONS
from ui.widgets.labels import heading_label
from ui.window.actions import make_action

COPIED_STYLE = "color: #1a5276;"
WARNING_STYLE = (
    "QLabel { background: #fcf3cf; color: #7d6608; border: 1px solid #d4ac0d;"
    " border-radius: 3px; padding: 1px 6px; font-weight: bold; }"
)
CLOCK_FALLBACK = "The database server's clock could not be read: times are this computer's."
# Past this the form's fields would only stretch across the screen; the list takes the room.
EDITOR_MAX_WIDTH = 980
LIST_SHARE = 0.25  # of the window's width, for the user list at the start
LIST_MIN_WIDTH = 240  # "Kirschling, Rosa  (rkirschling)" whole at 1024 pixels


class EditorArea(QWidget):
    """The heading ("User - Fox, Kimberly (kimberly)"), the line that says what a copy took,
    and the pages, one shown at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.setMaximumWidth(EDITOR_MAX_WIDTH)
        layout = QVBoxLayout(self)
        self.heading = heading_label("")
        self.heading.setObjectName("heading")
        layout.addWidget(self.heading)
        self.copied_note = QLabel()
        self.copied_note.setObjectName("copied_note")
        self.copied_note.setWordWrap(True)
        self.copied_note.setStyleSheet(COPIED_STYLE)
        self.copied_note.hide()
        layout.addWidget(self.copied_note)
        self.stack = QStackedWidget()
        scroll = QScrollArea()
        scroll.setWidget(self.stack)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no stop of its own between list and form
        layout.addWidget(scroll, 1)


class SectionPanel(QWidget):
    """The section list, from app's registry."""

    def __init__(self, chosen: Callable[[int], None]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.layout_margins = layout.contentsMargins()
        layout.addWidget(heading_label("Section"))
        self.section_list = QListWidget()
        self.section_list.setAccessibleName("Section")
        for s in SECTIONS:
            self.section_list.addItem(s.title)
        self.section_list.setCurrentRow(0)
        self.section_list.currentRowChanged.connect(chosen)
        layout.addWidget(self.section_list, 1)

    def natural_width(self) -> int:
        """As wide as the longest section title needs, not the list's default 256 pixels."""
        titles = self.section_list.sizeHintForColumn(0) + 2 * self.section_list.frameWidth()
        margins = self.contentsMargins() + self.layout_margins
        return max(titles + 24, self.minimumSizeHint().width()) + margins.left() + margins.right()


def share_width(splitter: QSplitter, sections: SectionPanel) -> None:
    """The window's width at the start: the section list as wide as its titles, the form as
    wide as it is useful (up to EDITOR_MAX_WIDTH), the user list the rest, at least a quarter.
    Left to the splitter, a narrow window would take the room from the list first."""
    room = splitter.width() - splitter.handleWidth() * (splitter.count() - 1)
    section_width = sections.natural_width()
    list_width = max(LIST_MIN_WIDTH, int(room * LIST_SHARE))
    editor_width = min(EDITOR_MAX_WIDTH, room - list_width - section_width)
    splitter.setSizes([room - editor_width - section_width, editor_width, section_width])


@dataclass
class StatusWidgets:
    operator_label: QLabel
    database_label: QLabel
    busy_label: QLabel
    hours_warning: QLabel
    clock_warning: QLabel
    own_password_action: QAction
    own_password_button: QToolButton


def build_status_bar(
    window: QMainWindow,
    operator: str,
    database: str,
    change_own_password: Callable[[], None],
    signed_in: bool,
) -> StatusWidgets:
    """Who is signed in (and Change My Password), a busy sign, the hours warning, the clock's
    (while this computer's stands in for the server's), the database."""
    operator_label = QLabel(f"Current User - {operator}")
    operator_label.setObjectName("operator")
    database_label = QLabel(f"Database: {database}")
    database_label.setObjectName("database")
    busy_label = QLabel("Working…")
    busy_label.setObjectName("busy")
    busy_label.hide()
    hours_warning = QLabel()
    hours_warning.setObjectName("hours_warning")
    hours_warning.setStyleSheet(WARNING_STYLE)
    hours_warning.hide()
    clock_warning = QLabel(CLOCK_FALLBACK)
    clock_warning.setObjectName("clock_warning")
    clock_warning.setStyleSheet(WARNING_STYLE)
    clock_warning.hide()
    bar = window.statusBar()
    bar.addWidget(operator_label)
    own_password = make_action(
        window, "Change My Password...", "key", "Change your own password", change_own_password
    )
    own_password.setEnabled(signed_in)
    button = QToolButton()
    button.setObjectName("change_own_password")
    button.setDefaultAction(own_password)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAutoRaise(True)
    bar.addWidget(button)
    bar.addPermanentWidget(busy_label)
    bar.addPermanentWidget(hours_warning)
    bar.addPermanentWidget(clock_warning)
    bar.addPermanentWidget(database_label)
    return StatusWidgets(
        operator_label, database_label, busy_label, hours_warning, clock_warning, own_password,
        button,
    )  # fmt: skip


def tab_stops(page: QWidget) -> list[QWidget]:
    """The widgets of ``page`` that Tab stops at, in the order the page made them.

    A widget's own inner editor (an editable combo box's or a date field's line edit) is left
    out: Qt tabs into it through its owner, and holding it here would outlive it.
    """

    def takes_tab(widget: QWidget) -> bool:
        return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)

    stops: list[QWidget] = []
    widget = page.nextInFocusChain()
    while widget is not None and widget is not page:
        owner = widget.parentWidget()
        inner = owner is not None and owner is not page and takes_tab(owner)
        if page.isAncestorOf(widget) and takes_tab(widget) and not inner:
            stops.append(widget)
        widget = widget.nextInFocusChain()
    return stops


def chain_tabs(widgets: Sequence[QWidget]) -> None:
    """Tab goes through ``widgets`` in this order (hidden ones, such as the pages not shown,
    are passed over by Qt)."""
    for before, after in itertools.pairwise(widgets):
        QWidget.setTabOrder(before, after)
