"""Holding off typing and clicks on a widget for a moment, without greying it or moving focus."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    }
)


class InputHold(QObject):
    """While held, input meant for ``widget`` or anything inside it is dropped: a form being
    saved keeps its look and its cursor, and nothing typed meanwhile is lost on the reload."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self._holders = 0  # a save and an immediate action may overlap: held until both end

    @property
    def held(self) -> bool:
        return self._holders > 0

    def start(self) -> None:
        app = QApplication.instance()
        if app is None:
            return
        if self._holders == 0:
            app.installEventFilter(self)
        self._holders += 1

    def stop(self) -> None:
        app = QApplication.instance()
        if app is None or self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            app.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and isinstance(watched, QWidget):
            return watched is self.widget or self.widget.isAncestorOf(watched)
        return False
