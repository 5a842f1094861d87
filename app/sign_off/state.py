"""The Sign Off section's state for one user, read in one statement, and what choosing a
column of the screens table does.

The screens table has a row per note type of the company's catalog (app.db.catalog_models.
NoteType, in position order: the active ones, and deactivated ones the user still has a
choice for); a note type with no stored row is Never. The top row, "(Base)" in every
starting catalog, is the "All" screens row of the classic dialog: choosing All on it sets
every row to All (the rows can then be changed one by one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    cast,
    literal_column,
    null,
    select,
)
from sqlalchemy.orm import Session

from app.db.catalog_models import NoteType, UserSignoffRecipient, UserSignoffScreen
from app.db.kinds import ScreenSignoff
from app.db.models import User

CHOICE_WORDS = {ScreenSignoff.ALL: "All", ScreenSignoff.NEVER: "Nev.", ScreenSignoff.CUSTOM: "Cst."}
# The legend beside the table, in the section's words.
LEGEND = {
    ScreenSignoff.ALL: "every note of this type needs an additional sign-off",
    ScreenSignoff.NEVER: "no note of this type needs one",
    ScreenSignoff.CUSTOM: "the practice's own rule for this type decides",
}


@dataclass(frozen=True)
class ScreenRow:
    """One note type of the screens table and the user's choice for it."""

    note_type_id: int
    name: str
    active: bool = True
    choice: ScreenSignoff = ScreenSignoff.NEVER


@dataclass(frozen=True)
class Recipient:
    """A user sign-off tasks may be sent to."""

    pk: int
    user_id: str
    last_name: str
    first_name: str
    active: bool = True

    @property
    def shown(self) -> str:
        return f"{self.last_name}, {self.first_name} ({self.user_id})"


@dataclass(frozen=True)
class SignOffState:
    """The section for one user. ``has_pin``: a PIN is stored (it is never read back)."""

    has_pin: bool = False
    approval: bool = False
    additional: bool = False
    required: bool = False
    screens: tuple[ScreenRow, ...] = ()
    recipients: tuple[Recipient, ...] = ()

    @property
    def choices(self) -> dict[int, ScreenSignoff]:
        return {row.note_type_id: row.choice for row in self.screens}

    @property
    def recipient_pks(self) -> frozenset[int]:
        return frozenset(r.pk for r in self.recipients)


def choose(
    rows: Iterable[ScreenRow], note_type_id: int, choice: ScreenSignoff
) -> tuple[ScreenRow, ...]:
    """The table after choosing ``choice`` on one row: All on the top row sets every row
    that may be newly chosen (the deactivated ones keep theirs). A deactivated row takes only
    Never or the choice it has: All or Cst. cannot be chosen for it anew."""
    rows = tuple(rows)
    target = next((row for row in rows if row.note_type_id == note_type_id), None)
    if target is None or (
        not target.active and choice is not ScreenSignoff.NEVER and choice is not target.choice
    ):
        return rows
    every = bool(rows) and rows[0].note_type_id == note_type_id and choice is ScreenSignoff.ALL
    return tuple(
        replace(row, choice=choice)
        if row.note_type_id == note_type_id or (every and row.active)
        else row
        for row in rows
    )


def _word(text: str) -> Any:
    return literal_column(f"'{text}'", String)


def _statement(company_id: int, user_pk: int | None) -> Select[Any] | CompoundSelect[Any]:
    """(kind, id, name, other, user_id, active, position): every note type of the company
    with the user's choice (other), and each of the user's recipients (other: first name)."""
    choice: Any = cast(null(), String(10)) if user_pk is None else UserSignoffScreen.choice
    screens = select(
        _word("screen").label("kind"),
        NoteType.id.label("id"),
        NoteType.name.label("name"),
        choice.label("other"),
        cast(null(), String(32)).label("user_id"),
        NoteType.active.label("active"),
        NoteType.position.label("position"),
    ).where(NoteType.company_id == company_id)
    if user_pk is not None:
        screens = screens.select_from(NoteType).outerjoin(
            UserSignoffScreen,
            and_(
                UserSignoffScreen.note_type_id == NoteType.id,
                UserSignoffScreen.user_pk == user_pk,
            ),
        )
    if user_pk is None:
        return screens
    recipients = (
        select(
            _word("recipient"),
            User.id,
            User.last_name,
            User.first_name,
            User.user_id,
            User.active,
            literal_column("0", Integer),
        )
        .join(UserSignoffRecipient, UserSignoffRecipient.recipient_pk == User.id)
        .where(UserSignoffRecipient.user_pk == user_pk)
    )
    return screens.union_all(recipients)


def read_sign_off(session: Session, company_id: int, user: User | None) -> SignOffState:
    """The section for ``user`` (None: a new user's blank table): one statement."""
    screens: list[tuple[int, str, ScreenRow]] = []
    recipients: list[Recipient] = []
    for kind, pk, name, other, user_id, active, position in session.execute(
        _statement(company_id, user.id if user is not None else None)
    ):
        if kind == "recipient":
            recipients.append(Recipient(pk, user_id, name, other, bool(active)))
        elif active or other is not None:  # a deactivated type only while the user has it
            row = ScreenRow(pk, name, bool(active), ScreenSignoff(other or ScreenSignoff.NEVER))
            screens.append((position, name.casefold(), row))
    shown = tuple(row for *_key, row in sorted(screens, key=lambda s: s[:2]))
    if user is None:
        return SignOffState(screens=shown)
    return SignOffState(
        has_pin=user.signoff_pin_hash is not None,
        approval=user.signoff_approval,
        additional=user.additional_signoff,
        required=user.signoff_required,
        screens=shown,
        recipients=tuple(
            sorted(recipients, key=lambda r: (r.last_name.casefold(), r.first_name.casefold()))
        ),
    )
