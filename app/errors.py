"""Errors an operator can act on. Anything else that escapes a service is a bug."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime


class UserSetupError(Exception):
    """Base of every error the window and the command line show in plain words."""


class ValidationError(UserSetupError):
    """One or more fields are wrong; ``errors`` maps each field name to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors.items()))


class NotFoundError(UserSetupError):
    """The user, company or other record asked for does not exist."""


class ConflictError(UserSetupError):
    """Someone else saved the same record after it was loaded here."""

    def __init__(
        self, changed_by: str | None, changed_at: datetime | None, what: str = "This user"
    ) -> None:
        self.changed_by = changed_by
        self.changed_at = changed_at
        who = changed_by or "another workstation"
        when = f" at {changed_at:%Y-%m-%d %H:%M} UTC" if changed_at else ""
        super().__init__(
            f"{what} was changed by {who}{when} after you opened it. "
            "Your edits are still in the form; reload to see the other changes."
        )


class NotAllowedError(UserSetupError):
    """The signed-in operator's role does not allow this."""


class PasswordAgainError(UserSetupError):
    """This change asks for the operator's password again: they last entered it more than
    FRESH_PASSWORD ago (app.access). The window asks for it and retries the same change."""

    def __init__(self) -> None:
        super().__init__(
            "For this change, enter your password again: you last entered it more than "
            "5 minutes ago."
        )


class AdministratorOnlyError(UserSetupError):
    """Self-service cannot do this for this user; their practice's administrator can."""


class DatabaseUnavailableError(UserSetupError):
    """The database cannot be reached or refused the connection."""


class SchemaError(UserSetupError):
    """The database schema does not match this program (too new, or not upgraded)."""
