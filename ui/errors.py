"""Errors the operator can act on, shown in plain words by one function.

app/ raises typed errors (app.errors) for everything a person can do something about; they
are shown here. Anything else is a bug: it is logged with its traceback and the operator is
told where the log is (ui.main's hook), never shown a traceback.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.errors import UserSetupError, ValidationError
from ui.dialogs import messages


def plain_words(error: UserSetupError) -> str:
    """What to tell the operator: the messages alone, never a field's internal name."""
    if isinstance(error, ValidationError):
        return "\n".join(dict.fromkeys(error.errors.values()))
    return str(error)


def show_error(parent: QWidget | None, title: str, error: UserSetupError) -> None:
    """Tell the operator what went wrong and what to do, in a message box titled ``title``."""
    messages.tell(parent, title, plain_words(error))
