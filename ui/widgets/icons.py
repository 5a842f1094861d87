"""The window's icons, loaded once per run from resources/."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from resources import icon_path


@cache
def icon(name: str) -> QIcon:
    return QIcon(icon_path(name))
