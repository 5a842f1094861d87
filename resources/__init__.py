"""Icons and other files the window shows."""

from pathlib import Path

ICONS = Path(__file__).with_name("icons")


def icon_path(name: str) -> str:
    return str(ICONS / f"{name}.svg")
