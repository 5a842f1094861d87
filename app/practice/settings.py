"""Company settings kept one row per company with a version: the password policy, the mail
server, the text gateway and the two-factor rules all save through one helper."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor, Right
from app.audit import Action, Change, Noted
from app.clock import Clock
from app.db.database import kept_for_transaction
from app.errors import ConflictError


class SettingsRow(Protocol):
    """A table of company settings: keyed by the company, stamped and versioned."""

    company_id: Any
    updated_at: Any
    updated_by: Any
    version: Any


R = TypeVar("R", bound=SettingsRow)


def settings_row(session: Session, model: type[R], company_id: int) -> R | None:
    """The company's row of ``model``; None when none is stored (the defaults apply).

    Read once per transaction, whether or not one is stored: a sign-in and a save each ask
    for the policies more than once, and the session's identity map neither keeps a row
    nobody holds nor remembers that there is none.
    """
    known = kept_for_transaction(session, "company settings")
    if (model, company_id) in known:
        return cast("R | None", known[model, company_id])
    row = session.get(model, company_id)
    remember_settings(session, model, company_id, row)
    return row


def remember_settings(
    session: Session, model: type[SettingsRow], company_id: int, row: SettingsRow | None
) -> None:
    """Keep ``row`` (read along with something else, or just saved) for settings_row."""
    kept_for_transaction(session, "company settings")[model, company_id] = row


def stored_version(session: Session, model: type[SettingsRow], company_id: int) -> int:
    """The version of the company's row; 0 when none is stored (the defaults apply)."""
    row = settings_row(session, model, company_id)
    return int(row.version) if row is not None else 0


def save_settings(
    session: Session,
    model: type[SettingsRow],
    company_id: int,
    values: Mapping[str, object],
    *,
    actor: Actor,
    clock: Clock,
    expected_version: int,
    action: Action,
    what: str,
    defaults: Mapping[str, object] | None = None,
    noted: Sequence[Noted] = (),
) -> int:
    """Store ``values`` in the company's row of ``model``, audited; the version now stored.

    ``expected_version`` is the version the form was read at (0: none was stored): a row saved
    by someone else since is refused with ConflictError ("``what`` was changed by ..."). A
    company with no row yet is compared with ``defaults``. Nothing is written when nothing
    changed and nothing is ``noted`` (a password put in the keyring, say).
    """
    actor.require(Right.COMPANY_SETTINGS)
    row = session.get(model, company_id)
    if (row.version if row is not None else 0) != expected_version:
        raise ConflictError(
            row.updated_by if row is not None else None,
            row.updated_at if row is not None else None,
            what,
        )
    stored = {name: getattr(row, name) for name in values} if row is not None else None
    before = stored if stored is not None else dict(defaults or {})
    changes: list[Change | Noted] = [
        Change(name, before.get(name), value)
        for name, value in values.items()
        if before.get(name) != value
    ]
    if row is not None and not changes and not noted:
        return int(row.version)
    if row is None:
        row = model(company_id=company_id)  # type: ignore[call-arg]
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    now = clock()
    row.updated_at, row.updated_by = now, actor.name[:100]
    try:
        session.flush()
    except (StaleDataError, IntegrityError) as exc:  # saved elsewhere at the same moment
        raise ConflictError(None, None, what) from exc
    remember_settings(session, model, company_id, row)  # what this transaction reads now
    audit.record(
        session,
        at=now,
        operator=actor.name,
        company_id=company_id,
        user_pk=None,
        action=action,
        changes=[*changes, *noted],
    )
    return int(row.version)
