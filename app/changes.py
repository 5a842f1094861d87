"""What a write changed, said in types, so that every screen can decide whether to refresh.

Writes in app/ return these; the window's change bus carries them to the user list, the open
pages and the window's own settings. Live refresh from other workstations will publish the
same changes on the same bus.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.passwords.policy import PasswordPolicy
from app.users.records import UserRecord


@dataclass(frozen=True)
class UserChanged:
    """One user's row changed: in these sections (none: only what the list shows, such as a
    lock or an unlock, or a password)."""

    record: UserRecord
    sections: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CompanySettingsChanged:
    """The company's settings changed; ``policy`` is the password policy now stored."""

    policy: PasswordPolicy


@dataclass(frozen=True)
class CatalogChanged:
    """An entry of one of the practice's catalogs was added, renamed, deactivated or
    activated; ``kind`` is app.catalogs.service.Kind's value ("fax", "template", ...)."""

    kind: str


Change = UserChanged | CompanySettingsChanged | CatalogChanged
