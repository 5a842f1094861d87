"""Audit events, written in the same transaction as the change they describe."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.db.models import AuditEvent

PASSWORD_CHANGED = "password changed"


def system_operator(via: str) -> str:
    """The operating-system user and host, for changes made without a UserSetup sign-in."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()} ({via})"[:100]


def record(
    session: Session,
    *,
    at: datetime,
    operator: str,
    company_id: int,
    user_pk: int | None,
    action: str,
    changes: Sequence[dict[str, Any]] = (),
) -> None:
    session.add(
        AuditEvent(
            occurred_at=at,
            operator=operator,
            company_id=company_id,
            user_pk=user_pk,
            action=action,
            changes=list(changes),
        )
    )
