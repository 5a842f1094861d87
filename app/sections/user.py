"""The User section: identity, password, contact, communication and account flags."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar

from app.access import Right
from app.db.models import User
from app.epcs.dea import Registration
from app.practice.company import (
    department_choices,
    provider_choices,
    service_location_choices,
)
from app.sections.base import Copied, Section, SectionSaved, Target
from app.users.fields import USER_FIELDS, Copy, Kind
from app.users.records import UserFields, record_of
from app.users.service import UserService
from app.workplace import Work


@dataclass(frozen=True)
class UserState:
    """The User section of one user: the fields as stored, and whether the saved Direct Email
    address is verified."""

    fields: UserFields
    direct_email_verified: bool = False
    # The linked provider's DEA registration and state licence (read-only here; set with
    # `usersetup providers set`); None: no provider linked.
    registration: Registration | None = None


def _carried(fields: UserFields) -> tuple[str, ...]:
    """The labels of the copied fields that carry something."""
    blank = UserFields()
    return tuple(
        field.label + (" phone" if field.kind is Kind.PHONE else "")
        for field in USER_FIELDS
        if field.copy is Copy.COPIED
        and field.name != "department_id"  # the Roles section says it, by its name
        and getattr(fields, field.name) != getattr(blank, field.name)
        and getattr(fields, field.name) not in ("", None)
    )


class UserSection(Section[UserState, UserFields, UserFields]):
    key: ClassVar[str] = "user"
    title: ClassVar[str] = "User"
    order: ClassVar[int] = 0
    edit_right: ClassVar[Right] = Right.EDIT_USERS

    def _users(self, work: Work) -> UserService:
        return UserService(work.session, work.company, work.actor, work.clock)

    def load(self, work: Work, user: User) -> UserState:
        record = record_of(user)
        return UserState(record.fields, record.direct_email_verified, record.registration)

    def blank(self, work: Work) -> UserState:
        return UserState(UserFields())

    def copy(self, work: Work, source: UserState) -> Copied[UserState]:
        fields = source.fields.for_copy()
        return Copied(UserState(fields), _carried(fields))

    def edit_of(self, state: UserState) -> UserFields:
        return replace(state.fields)

    def check(
        self, work: Work, target: Target, current: UserState | None, edit: UserFields
    ) -> UserFields:
        stored = current.fields if current is not None else None
        self._users(work).check(edit, target.pk, stored)
        return edit  # the service cleans it again as it saves: one set of rules

    def save(self, work: Work, target: Target, checked: UserFields) -> SectionSaved:
        users = self._users(work)
        if target.pk is None:
            return SectionSaved(users.create(checked, copied_from=target.copied_from))
        assert target.version is not None
        return SectionSaved(users.update(target.pk, checked, target.version))

    def as_json(self, work: Work, state: UserState) -> dict[str, Any]:
        """Every field, a provider and a service location by the name people say."""
        labels = {
            "provider_id": {c.id: c.label for c in provider_choices(work.session, work.company)},
            "service_location_id": {
                c.id: c.label for c in service_location_choices(work.session, work.company)
            },
            "department_id": {
                c.id: c.label for c in department_choices(work.session, work.company)
            },
        }
        out: dict[str, Any] = {}
        for field in USER_FIELDS:
            value = getattr(state.fields, field.name)
            if field.kind is Kind.REFERENCE:
                out[field.name.removesuffix("_id")] = (
                    labels[field.name].get(value) if value else None
                )
            else:
                out[field.name] = value
        out["direct_email_verified"] = state.direct_email_verified
        return out
