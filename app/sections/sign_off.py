"""The Sign Off section: the user's sign-off PIN, the three sign-off flags, the screens whose
notes need their additional sign-off, and who their sign-off tasks are sent to.

The rules are in app.sign_off: the PIN (pin.py), the table and its top row (state.py), the
recipients (recipients.py). The PIN is written as its hash and audited only as Noted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from sqlalchemy import delete, insert, update

from app.access import Right
from app.audit import Action, Change, Noted
from app.audit import changed as audit_changed
from app.catalogs.choices import refuse_new_inactive
from app.catalogs.service import Kind
from app.db.catalog_models import UserSignoffRecipient, UserSignoffScreen
from app.db.kinds import ScreenSignoff
from app.db.models import User
from app.errors import ValidationError
from app.sections.base import Copied, Section, SectionSaved, Target
from app.sign_off.pin import (
    CLEAR_AND_TYPED,
    NO_PIN,
    PIN_FIELD,
    Pin,
    clean_pin,
    hash_pin,
    trivial_reason,
)
from app.sign_off.recipients import refuse_recipients
from app.sign_off.state import CHOICE_WORDS, Recipient, SignOffState, read_sign_off
from app.users.records import record_of
from app.users.writer import UserWriter
from app.workplace import Work

SCREENS_FIELD = "screens"
FLAG_WORDS = {
    "approval": "Signoff Approval",
    "additional": "Additional Sign-off",
    "required": "Signoff Required",
}
FLAG_COLUMNS = {
    "approval": "signoff_approval",
    "additional": "additional_signoff",
    "required": "signoff_required",
}


def phones_of(user: User) -> tuple[str, ...]:
    """The user's phone numbers, whose digits a PIN may not be taken from."""
    return (user.home_phone, user.work_phone, user.other_phone, user.outage_mobile)


@dataclass(frozen=True)
class SignOffEdit:
    """The section as typed: the flags, a choice per note type shown (its id and choice),
    the recipients by row id, and the PIN typed twice (blank: left as it is) or cleared."""

    approval: bool = False
    additional: bool = False
    required: bool = False
    screens: tuple[tuple[int, ScreenSignoff], ...] = ()
    recipients: frozenset[int] = frozenset()
    pin: Pin = NO_PIN
    retype_pin: Pin = NO_PIN
    clear_pin: bool = False


@dataclass(frozen=True)
class SignOffChecked:
    """An edit as it will be stored; ``before``: the section as loaded (None: read at save)."""

    flags: dict[str, bool]
    choices: dict[int, ScreenSignoff]  # a choice per note type; Never is stored as no row
    recipients: frozenset[int]
    pin: Pin | None = None  # a new PIN, hashed as it is stored
    clear_pin: bool = False
    before: SignOffState | None = field(default=None, repr=False)
    added: dict[int, Recipient] = field(default_factory=dict)  # the recipients newly chosen


def _flags(state: SignOffState | SignOffEdit) -> dict[str, bool]:
    return {"approval": state.approval, "additional": state.additional, "required": state.required}


def _choices(edit: SignOffEdit) -> dict[int, ScreenSignoff]:
    choices: dict[int, ScreenSignoff] = {}
    for note_type_id, choice in edit.screens:
        if note_type_id in choices:
            raise ValidationError({SCREENS_FIELD: "Each screen has exactly one choice."})
        try:
            choices[note_type_id] = ScreenSignoff(choice)
        except ValueError:
            raise ValidationError(
                {SCREENS_FIELD: f"{choice!r} is none of All, Nev. and Cst."}
            ) from None
    return choices


def _set(choices: dict[int, ScreenSignoff]) -> set[int]:
    return {pk for pk, choice in choices.items() if choice is not ScreenSignoff.NEVER}


class SignOffSection(Section[SignOffState, SignOffEdit, SignOffChecked]):
    key: ClassVar[str] = "sign_off"
    title: ClassVar[str] = "Sign Off"
    order: ClassVar[int] = 40
    icon: ClassVar[str] = ""
    tooltip: ClassVar[str] = "The sign-off PIN, and whose notes need the user's sign-off"
    edit_right: ClassVar[Right] = Right.EDIT_USERS

    def load(self, work: Work, user: User) -> SignOffState:
        """One statement: the note types with the user's choices, and their recipients."""
        return read_sign_off(work.session, work.company.id, user)

    def blank(self, work: Work) -> SignOffState:
        return read_sign_off(work.session, work.company.id, None)

    def copy(self, work: Work, source: SignOffState) -> Copied[SignOffState]:
        """The flags, the choices for active note types and the active recipients; never the
        PIN, which is the user's own."""
        screens = tuple(row for row in source.screens if row.active)
        recipients = tuple(r for r in source.recipients if r.active)
        copied = replace(source, has_pin=False, screens=screens, recipients=recipients)
        carried = [words for key, words in FLAG_WORDS.items() if _flags(source)[key]]
        chosen = [row for row in screens if row.choice is not ScreenSignoff.NEVER]
        if chosen:
            carried.append(
                "Screens Needing Additional Signoff ("
                + ", ".join(f"{row.name} {CHOICE_WORDS[row.choice]}" for row in chosen)
                + ")"
            )
        if recipients:
            carried.append(
                "sign-off tasks sent to "
                + "; ".join(f"{r.last_name}, {r.first_name}" for r in recipients)
            )
        if carried and source.has_pin:
            carried.append("not the PIN (each user sets their own)")
        return Copied(copied, tuple(carried))

    def edit_of(self, state: SignOffState) -> SignOffEdit:
        return SignOffEdit(
            state.approval,
            state.additional,
            state.required,
            tuple((row.note_type_id, row.choice) for row in state.screens),
            state.recipient_pks,
        )

    def check(
        self, work: Work, target: Target, current: SignOffState | None, edit: SignOffEdit
    ) -> SignOffChecked:
        """Every field; the PIN against the user's phone numbers as stored (and again as
        saved: a new user's are known only then). Nothing changed costs no statement."""
        work.actor.require(Right.EDIT_USERS)
        errors: dict[str, str] = {}
        user = None
        if target.pk is not None:  # the editor read the row in this transaction: free
            user = UserWriter(work.session, work.company, work.actor).load(target.pk)
        pin: Pin | None = None
        if edit.clear_pin and (edit.pin or edit.retype_pin):
            errors[PIN_FIELD] = CLEAR_AND_TYPED
        else:
            try:
                pin = clean_pin(edit.pin, edit.retype_pin, phones_of(user) if user else ())
            except ValidationError as exc:
                errors.update(exc.errors)
        try:
            choices = _choices(edit)
        except ValidationError as exc:
            errors.update(exc.errors)
            choices = {}
        before = current
        if before is None and user is not None:
            before = read_sign_off(work.session, work.company.id, user)
        had_choices = before.choices if before is not None else {}
        had_recipients = before.recipient_pks if before is not None else frozenset()
        if SCREENS_FIELD not in errors:
            try:
                refuse_new_inactive(
                    work.session, work.company.id, Kind.NOTE_TYPE,
                    _set(choices), _set(had_choices), SCREENS_FIELD, work.company.phone_region,
                )  # fmt: skip
            except ValidationError as exc:
                errors.update(exc.errors)
        added: dict[int, Recipient] = {}
        try:
            added = refuse_recipients(
                work.session, work.company.id, target.pk, edit.recipients, had_recipients
            )
        except ValidationError as exc:
            errors.update(exc.errors)
        if errors:
            raise ValidationError(errors)
        return SignOffChecked(
            _flags(edit), choices, frozenset(edit.recipients), pin, edit.clear_pin, before, added
        )

    def save(self, work: Work, target: Target, checked: SignOffChecked) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        work.actor.require(Right.EDIT_USERS)
        session, company = work.session, work.company
        writer = UserWriter(session, company, work.actor)
        user = writer.load_for_edit(target.pk, target.version)
        if checked.pin is not None:  # the phone numbers as now stored, a new user's too
            reason = trivial_reason(checked.pin.reveal(), phones_of(user))
            if reason is not None:
                raise ValidationError({PIN_FIELD: reason})
        before = checked.before or read_sign_off(session, company.id, user)
        changes: list[Change | Noted] = []
        for key, column in FLAG_COLUMNS.items():
            changes += audit_changed(column, _flags(before)[key], checked.flags[key])
        had = before.choices
        names = {row.note_type_id: row.name for row in before.screens}
        moved = {
            pk: choice
            for pk, choice in checked.choices.items()
            if had.get(pk, ScreenSignoff.NEVER) is not choice
        }
        for pk, choice in moved.items():
            was = had.get(pk, ScreenSignoff.NEVER)
            changes.append(Change(f"screens.{names.get(pk, f'#{pk}')}", was.value, choice.value))
        added = checked.recipients - before.recipient_pks
        removed = before.recipient_pks - checked.recipients
        if added or removed:
            known = {r.pk: r.user_id for r in before.recipients}
            known.update((pk, r.user_id) for pk, r in checked.added.items())
            changes.append(
                Change(
                    "recipients",
                    sorted(known[pk] for pk in before.recipient_pks),
                    sorted(known.get(pk, f"#{pk}") for pk in checked.recipients),
                )
            )
        if checked.pin is not None:
            changes.append(Noted("pin", "set"))
        elif checked.clear_pin and user.signoff_pin_hash is not None:
            changes.append(Noted("pin", "cleared"))
        if not changes:
            return SectionSaved(record_of(user))
        self._store_rows(work, user.id, had, moved, added, removed)
        for key, column in FLAG_COLUMNS.items():
            setattr(user, column, checked.flags[key])
        if checked.pin is not None:
            user.signoff_pin_hash = hash_pin(checked.pin)
        elif checked.clear_pin:
            user.signoff_pin_hash = None
        writer.save(user, Action.SIGNOFF_CHANGED, changes, work.clock())
        return SectionSaved(record_of(user))

    @staticmethod
    def _store_rows(
        work: Work,
        user_pk: int,
        had: dict[int, ScreenSignoff],
        moved: dict[int, ScreenSignoff],
        added: frozenset[int],
        removed: frozenset[int],
    ) -> None:
        """The screens and recipients rows that changed: a statement per kind of change."""
        session, never = work.session, ScreenSignoff.NEVER
        gone = [pk for pk, choice in moved.items() if choice is never]
        new = [pk for pk, choice in moved.items() if had.get(pk, never) is never]
        if gone:
            session.execute(
                delete(UserSignoffScreen).where(
                    UserSignoffScreen.user_pk == user_pk, UserSignoffScreen.note_type_id.in_(gone)
                )
            )
        for choice in (ScreenSignoff.ALL, ScreenSignoff.CUSTOM):
            switched = [
                pk for pk, c in moved.items() if c is choice and had.get(pk, never) is not never
            ]
            if switched:
                session.execute(
                    update(UserSignoffScreen)
                    .where(
                        UserSignoffScreen.user_pk == user_pk,
                        UserSignoffScreen.note_type_id.in_(switched),
                    )
                    .values(choice=choice.value)
                )
        if new:
            session.execute(
                insert(UserSignoffScreen),
                [{"user_pk": user_pk, "note_type_id": pk, "choice": moved[pk].value} for pk in new],
            )
        if removed:
            session.execute(
                delete(UserSignoffRecipient).where(
                    UserSignoffRecipient.user_pk == user_pk,
                    UserSignoffRecipient.recipient_pk.in_(removed),
                )
            )
        if added:
            session.execute(
                insert(UserSignoffRecipient),
                [{"user_pk": user_pk, "recipient_pk": pk} for pk in sorted(added)],
            )

    def as_json(self, work: Work, state: SignOffState) -> dict[str, Any]:
        """Whether a PIN is set, never the PIN or its hash."""
        return {
            "pin_set": state.has_pin,
            "signoff_approval": state.approval,
            "additional_signoff": state.additional,
            "signoff_required": state.required,
            "screens": [
                {"note_type": row.name, "choice": row.choice.value, "active": row.active}
                for row in state.screens
            ],
            "recipients": [
                {"user_id": r.user_id, "name": f"{r.last_name}, {r.first_name}", "active": r.active}
                for r in state.recipients
            ],
        }
