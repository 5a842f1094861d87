"""Role Setup: creating, naming, copying and deactivating roles, and ticking their rights; and
"Who has this right?" for the privacy officer.

Every change is one save in the caller's transaction, held to the version the editor read and
audited with the roles' names and the rights' labels. The rules are asked here, whoever
calls (the Role Setup dialog, ``usersetup roles``): the actor edits roles and entered their
password within the last five minutes; nobody gives a right they lack or changes a role that
holds one (FreeIPA's CVE-2020-10747); the built-in roles keep their names and stay active,
and Administrator always holds every right; and no change takes away the last user who can
sign in and edit roles (app.users.access_kept).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, null, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change
from app.clock import Clock
from app.db.models import (
    BuiltInRole,
    GroupMember,
    GroupRole,
    Role,
    RoleRight,
    User,
    UserGroup,
    UserRole,
)
from app.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import CATALOG, EVERY_RIGHT, Right, right_named
from app.roles.assignments import refuse_escalation
from app.roles.base_role import base_role
from app.roles.effective import NONE, Source, effective_rights, holders
from app.roles.groups import refuse_stronger_members
from app.roles.held_now import RightNow, right_now
from app.users.access_kept import guard_keeper_kept, usable_holders
from app.validation import user_id_key
from app.workplace import Work

NAME, DESCRIPTION, RIGHTS, ACTIVE = "name", "description", "rights", "active"
# How the fields of a refusal are named where no form shows them (the command line).
ROLE_LABELS = {NAME: "Name", DESCRIPTION: "Description", RIGHTS: "Rights", ACTIVE: "Active"}
NAME_LENGTH = Role.__table__.c.name.type.length  # type: ignore[attr-defined]
DESCRIPTION_LENGTH = Role.__table__.c.description.type.length  # type: ignore[attr-defined]
ADMINISTRATOR_RIGHTS = (
    "Administrator always holds every right; its rights cannot be changed. Copy it to make a "
    "role with fewer."
)
# CSV cells a spreadsheet would take for a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("User ID", "Name", "Active", "Through")


@dataclass(frozen=True)
class RoleSummary:
    """A role as Role Setup's list and ``roles list`` show it."""

    id: int
    name: str
    description: str
    built_in: str | None
    active: bool
    rights_count: int
    holders: int  # active users holding it, directly or through a group


@dataclass(frozen=True)
class Holder:
    """A user who holds a right or a role, and through what."""

    user_pk: int
    user_id: str
    name: str  # "Fox, Kimberly"
    active: bool
    sources: tuple[Source, ...]

    @property
    def through(self) -> str:
        """ "Billing Clerk role; Front Office group → Scheduling role"."""
        return "; ".join(str(s) for s in self.sources)


@dataclass(frozen=True)
class RoleDetail:
    """One role as Role Setup opens it."""

    id: int
    name: str
    description: str
    built_in: str | None
    active: bool
    rights: frozenset[Right]
    version: int
    updated_at: datetime
    updated_by: str
    holders: tuple[Holder, ...]
    editable: bool  # may this actor change it (they hold every right it gives)?

    @property
    def is_administrator(self) -> bool:
        return self.built_in == BuiltInRole.ADMINISTRATOR


def labels(rights: Iterable[Right]) -> list[str]:
    """Rights as the audit trail names them, in the catalog's order."""
    chosen = set(rights)
    return [r.label for r in Right if r in chosen]


def rights_from_keys(keys: Iterable[str | Right], field: str = RIGHTS) -> frozenset[Right]:
    """Rights by their stable keys; a key the catalog does not know is refused beside
    ``field``."""
    found: set[Right] = set()
    unknown: list[str] = []
    for key in keys:
        right = key if isinstance(key, Right) else right_named(key)
        if right is None:
            unknown.append(str(key))
        else:
            found.add(right)
    if unknown:
        raise ValidationError(
            {
                field: f"No right has the key {', '.join(map(repr, unknown))}; "
                "see `usersetup rights list`."
            }
        )
    return frozenset(found)


def csv_cell(value: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def role_setup(work: Work) -> RoleSetup:
    """Role Setup for a job of the window or the command line."""
    return RoleSetup(work.session, work.company, work.actor, work.clock)


class RoleSetup:
    """The company's roles, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    # Reading

    def list_roles(self, *, active_only: bool = False) -> list[RoleSummary]:
        """The roles by name, each with how many rights it gives and how many active users
        hold it: three statements however many roles there are."""
        self.actor.require(Right.VIEW_USERS)
        query = select(Role).where(Role.company_id == self.company.id).order_by(Role.name_key)
        if active_only:
            query = query.where(Role.active)
        roles = list(self.session.scalars(query))
        if not roles:
            return []
        ids = [r.id for r in roles]
        counts = dict(
            self.session.execute(
                select(RoleRight.role_id, func.count())
                .where(RoleRight.role_id.in_(ids), RoleRight.right.in_([r.value for r in Right]))
                .group_by(RoleRight.role_id)
            ).all()
        )
        held: dict[int, set[int]] = defaultdict(set)
        for role_id, user_pk, _group in self._assignments(ids, active_users=True):
            held[role_id].add(user_pk)
        return [
            RoleSummary(
                r.id,
                r.name,
                r.description,
                r.built_in,
                r.active,
                len(EVERY_RIGHT)
                if r.built_in == BuiltInRole.ADMINISTRATOR
                else int(counts.get(r.id, 0)),
                len(held[r.id]),
            )
            for r in roles
        ]

    def find(self, name: str) -> RoleSummary:
        """The role with this name, any case; NotFoundError otherwise."""
        key = name.strip().casefold()
        for role in self.list_roles():
            if role.name.casefold() == key:
                return role
        raise NotFoundError(f"There is no role named {name.strip()!r} in {self.company.code}.")

    def load(self, role_id: int) -> RoleDetail:
        """One role with its rights and everyone holding it, directly or through a group
        (active users and inactive ones, marked)."""
        self.actor.require(Right.VIEW_USERS)
        role = self._role(role_id)
        rights = self._rights(role)
        found: dict[int, set[Source]] = defaultdict(set)
        for _role_id, user_pk, group in self._assignments([role.id]):
            found[user_pk].add(Source(role.name, group))
        return RoleDetail(
            role.id,
            role.name,
            role.description,
            role.built_in,
            role.active,
            rights,
            role.version,
            role.updated_at,
            role.updated_by,
            self._holders(found),
            self.actor.may_edit(rights),
        )

    def who_holds(self, subject: Right | int, *, include_inactive: bool = False) -> list[Holder]:
        """The users holding a right (through any of their roles, directly or through a
        group), or a role (its id), with where it comes from; active users unless
        ``include_inactive``. Seeing them needs only the right to see users."""
        self.actor.require(Right.VIEW_USERS)
        if isinstance(subject, Right):
            found = {
                pk: set(s) for pk, s in holders(self.session, self.company.id, subject).items()
            }
        else:
            role = self._role(subject)
            found = defaultdict(set)
            if role.active:  # an inactive role gives nothing to anyone
                for _role_id, user_pk, group in self._assignments([role.id]):
                    found[user_pk].add(Source(role.name, group))
        shown = self._holders(found)
        return [h for h in shown if h.active or include_inactive]

    def check_right(self, user_id: str, right: Right) -> tuple[Holder, RightNow]:
        """Does this user hold ``right`` now (app.roles.held_now: not when their account is
        inactive, locked or expired)? What the practice's other programs ask (``usersetup
        rights check``); anyone may ask it of themselves, and of others with the right to see
        users. The user, and the answer with every source of the right; NotFoundError for an
        unknown User ID."""
        user = self.session.scalar(
            select(User).where(
                User.company_id == self.company.id, User.user_id_key == user_id_key(user_id)
            )
        )
        if user is None or user.id != self.actor.user_pk:
            self.actor.require(Right.VIEW_USERS)
        if user is None:
            raise NotFoundError(f"There is no user {user_id!r} in {self.company.code}.")
        answer = right_now(self.session, self.company, user.id, right, self.clock)
        name = f"{user.last_name}, {user.first_name}"
        return Holder(user.id, user.user_id, name, user.active, answer.sources), answer

    def holders_csv(self, subject: Right | int, *, include_inactive: bool = False) -> str:
        """ "Who has this right?" as CSV for the privacy officer: User ID, Name, Active,
        Through; no cell can run as a spreadsheet formula."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for holder in self.who_holds(subject, include_inactive=include_inactive):
            writer.writerow(
                [
                    csv_cell(holder.user_id),
                    csv_cell(holder.name),
                    "yes" if holder.active else "no",
                    csv_cell(holder.through),
                ]
            )
        return out.getvalue()

    # Changing

    def create(self, name: str, description: str = "") -> RoleDetail:
        """A new active role with no rights, audited."""
        self._may_change()
        name = self._checked_name(name)
        description = self._checked_description(description)
        now = self.clock()
        role = Role(
            company_id=self.company.id,
            name=name,
            name_key=name.casefold(),
            description=description,
            built_in=None,
            active=True,
            updated_at=now,
            updated_by=self.actor.name[:100],
        )
        self.session.add(role)
        self._flush(role)
        self._audit(
            Action.ROLE_CREATED,
            role.name,
            [Change(NAME, None, name), Change(DESCRIPTION, None, description)],
            now,
        )
        return self.load(role.id)

    def copy(self, from_id: int, new_name: str) -> RoleDetail:
        """Copy Role: a new active role with the rights and description of ``from_id``
        (Administrator's every right, stored one by one); never of a role holding rights the
        actor lacks."""
        self._may_change()
        source = self._role(from_id)
        rights = self._rights(source)
        self._refuse_stronger(source.name, rights)
        name = self._checked_name(new_name)
        now = self.clock()
        role = Role(
            company_id=self.company.id,
            name=name,
            name_key=name.casefold(),
            description=source.description,
            built_in=None,
            active=True,
            updated_at=now,
            updated_by=self.actor.name[:100],
        )
        self.session.add(role)
        self._flush(role)
        self.session.add_all(RoleRight(role_id=role.id, right=r.value) for r in sorted(rights))
        self._flush(role)
        self._audit(
            Action.ROLE_COPIED,
            role.name,
            [
                Change("copied_from", None, source.name),
                Change(NAME, None, name),
                Change(DESCRIPTION, None, source.description),
                Change(RIGHTS, None, labels(rights)),
            ],
            now,
        )
        return self.load(role.id)

    def save(
        self,
        role_id: int,
        expected_version: int | None,
        *,
        name: str | None = None,
        description: str | None = None,
        rights: Collection[str | Right] | None = None,
        granted: Collection[str | Right] = (),
        revoked: Collection[str | Right] = (),
    ) -> RoleDetail:
        """Store a role's name, description and rights (None: unchanged; then ``granted``
        added and ``revoked`` taken away) in one audited change: what Role Setup's Save and
        ``roles set`` do."""
        self._may_change()
        give, take = rights_from_keys(granted), rights_from_keys(revoked)
        both = give & take
        if both:
            raise ValidationError(
                {RIGHTS: f"Both given and taken away: {', '.join(labels(both))}."}
            )
        role = self._role(role_id, expected_version)
        current = self._rights(role)
        wanted = current if rights is None else rights_from_keys(rights)
        return self._change(role, current, name, description, (wanted | give) - take)

    def set_rights(
        self,
        role_id: int,
        granted: Collection[str | Right] = (),
        revoked: Collection[str | Right] = (),
        expected_version: int | None = None,
    ) -> RoleDetail:
        """Give the role ``granted`` and take ``revoked`` from it; its other rights stay."""
        return self.save(role_id, expected_version, granted=granted, revoked=revoked)

    def rename(self, role_id: int, name: str, expected_version: int | None = None) -> RoleDetail:
        return self.save(role_id, expected_version, name=name)

    def describe(
        self, role_id: int, description: str, expected_version: int | None = None
    ) -> RoleDetail:
        return self.save(role_id, expected_version, description=description)

    def set_active(
        self, role_id: int, active: bool, expected_version: int | None = None
    ) -> RoleDetail:
        """Deactivate a role (its holders lose its rights; it stays, to be activated again)
        or activate it; never a built-in role, and never the last keeper's way in."""
        self._may_change()
        role = self._role(role_id, expected_version)
        rights = self._rights(role)
        if role.active == active:
            return self.load(role.id)
        self._refuse_stronger(role.name, rights)
        if not active and role.built_in is not None:
            raise ValidationError({ACTIVE: f"{role.name} is built in; it cannot be deactivated."})
        if not active and (base_role(self.session, self.company.id) or (None,))[0] == role.id:
            raise ValidationError(
                {
                    ACTIVE: f"{role.name} is the practice's base role, which every user must "
                    "hold; change the base role in Company Settings first."
                }
            )
        self._refuse_stronger_holders(role)
        now = self.clock()
        keepers = usable_holders(self.session, self.company, now) if not active else set()
        role.active = active
        self._touch(role, now)
        self._flush(role)
        if not active:
            guard_keeper_kept(self.session, self.company, now, keepers, ACTIVE)
        self._holders_changed()
        self._audit(
            Action.ROLE_ACTIVATED if active else Action.ROLE_DEACTIVATED,
            role.name,
            [Change(ACTIVE, not active, active)],
            now,
        )
        return self.load(role.id)

    # The rules

    def _change(
        self,
        role: Role,
        current: frozenset[Right],
        name: str | None,
        description: str | None,
        wanted: frozenset[Right],
    ) -> RoleDetail:
        self._may_change()
        self._refuse_stronger(role.name, current)
        changes: list[Change] = []
        problems: dict[str, str] = {}
        if name is not None and name.strip() != role.name:
            if role.built_in is not None:
                problems[NAME] = f"{role.name} is built in; its name cannot be changed."
            else:
                try:
                    new_name = self._checked_name(name, role.id)
                    changes += audit.changed(NAME, role.name, new_name)
                except ValidationError as exc:
                    problems.update(exc.errors)
        if description is not None:
            try:
                text = self._checked_description(description)
                changes += audit.changed(DESCRIPTION, role.description, text)
            except ValidationError as exc:
                problems.update(exc.errors)
        if wanted != current and role.built_in == BuiltInRole.ADMINISTRATOR:
            problems[RIGHTS] = ADMINISTRATOR_RIGHTS
        if problems:
            raise ValidationError(problems)
        refuse_escalation(self.actor, wanted - current, RIGHTS)
        if not changes and wanted == current:
            return self.load(role.id)
        now = self.clock()
        taken, given = current - wanted, wanted - current
        if taken:
            self._refuse_stronger_holders(role)
        keepers = usable_holders(self.session, self.company, now) if taken else set()
        for change in changes:
            if change.field == NAME:
                role.name, role.name_key = str(change.after), str(change.after).casefold()
            else:
                role.description = str(change.after)
        if taken:
            self.session.execute(
                delete(RoleRight).where(
                    RoleRight.role_id == role.id,
                    RoleRight.right.in_(sorted(r.value for r in taken)),
                )
            )
        self.session.add_all(RoleRight(role_id=role.id, right=r.value) for r in sorted(given))
        self._touch(role, now)
        self._flush(role)
        if taken:
            guard_keeper_kept(self.session, self.company, now, keepers, RIGHTS)
        if wanted != current:
            changes.append(Change(RIGHTS, labels(current), labels(wanted)))
            self._holders_changed()
        self._audit(Action.ROLE_CHANGED, role.name, changes, now)
        return self.load(role.id)

    def _may_change(self) -> None:
        self.actor.require(Right.EDIT_ROLES)
        self.actor.require_fresh_password(self.clock())

    def _refuse_stronger(self, name: str, rights: frozenset[Right]) -> None:
        if not self.actor.may_edit(rights):
            missing = ", ".join(labels(rights - self.actor.rights_now()))
            raise NotAllowedError(
                f"The role {name} gives rights you do not hold ({missing}); only someone who "
                "holds them may change or copy it."
            )

    def _refuse_stronger_holders(self, role: Role) -> None:
        """NotAllowedError naming the first holder of the role (directly or through an active
        group, active or not) who holds rights the actor lacks: taking rights from a role, or
        deactivating or activating it, changes every holder, and nobody changes a user
        stronger than themselves. Two statements."""
        pks = {user_pk for _role, user_pk, _group in self._assignments([role.id])}
        if not pks:
            return
        held = effective_rights(self.session, self.company.id, pks)
        rows = self.session.execute(select(User.id, User.user_id).where(User.id.in_(sorted(pks))))
        user_ids = {pk: user_id for pk, user_id in rows}
        refuse_stronger_members(self.actor, {pk: held.get(pk, NONE) for pk in pks}, user_ids)

    def _checked_name(self, name: str, own_id: int | None = None) -> str:
        clean = " ".join(name.split())
        if not clean:
            raise ValidationError({NAME: "Enter a name for the role."})
        if len(clean) > NAME_LENGTH or len(clean.casefold()) > NAME_LENGTH:
            raise ValidationError({NAME: f"A role's name has at most {NAME_LENGTH} characters."})
        taken = self.session.scalar(
            select(Role).where(
                Role.company_id == self.company.id, Role.name_key == clean.casefold()
            )
        )
        if taken is not None and taken.id != own_id:
            inactive = "" if taken.active else " (deactivated)"
            raise ValidationError({NAME: f"There is already a role named {taken.name}{inactive}."})
        return clean

    def _checked_description(self, description: str) -> str:
        clean = description.strip()
        if len(clean) > DESCRIPTION_LENGTH:
            raise ValidationError(
                {DESCRIPTION: f"A description has at most {DESCRIPTION_LENGTH} characters."}
            )
        return clean

    # Rows

    def _role(self, role_id: int, expected_version: int | None = None) -> Role:
        role = self.session.get(Role, role_id)
        if role is None or role.company_id != self.company.id:
            raise NotFoundError(f"Role #{role_id} does not exist in {self.company.code}.")
        if expected_version is not None and role.version != expected_version:
            raise ConflictError(role.updated_by, role.updated_at, f"The role {role.name}")
        return role

    def _rights(self, role: Role) -> frozenset[Right]:
        """What the role gives its holders: Administrator every right, whatever is stored."""
        if role.built_in == BuiltInRole.ADMINISTRATOR:
            return EVERY_RIGHT
        keys = self.session.scalars(select(RoleRight.right).where(RoleRight.role_id == role.id))
        return frozenset(Right(k) for k in keys if k in CATALOG)

    def _assignments(
        self, role_ids: list[int], *, active_users: bool = False
    ) -> list[tuple[int, int, str | None]]:
        """(role, user, group or None) for each user given one of the roles directly or
        through an active group: one statement."""
        direct = select(UserRole.role_id, UserRole.user_pk, null().label("group_name")).where(
            UserRole.role_id.in_(role_ids)
        )
        grouped = (
            select(GroupRole.role_id, GroupMember.user_pk, UserGroup.name)
            .join(UserGroup, UserGroup.id == GroupRole.group_id)
            .join(GroupMember, GroupMember.group_id == UserGroup.id)
            .where(GroupRole.role_id.in_(role_ids), UserGroup.active)
        )
        given = union_all(direct, grouped).subquery()
        query = select(given.c.role_id, given.c.user_pk, given.c.group_name)
        if active_users:
            query = query.join(User, User.id == given.c.user_pk).where(User.active)
        return [(r, u, g) for r, u, g in self.session.execute(query).all()]

    def _holders(self, found: dict[int, set[Source]]) -> tuple[Holder, ...]:
        """The users by name with their sources: one statement."""
        if not found:
            return ()
        users = self.session.execute(
            select(User.id, User.user_id, User.last_name, User.first_name, User.active).where(
                User.company_id == self.company.id, User.id.in_(sorted(found))
            )
        ).all()
        shown = [
            Holder(pk, user_id, f"{last}, {first}", bool(active), tuple(sorted(found[pk])))
            for pk, user_id, last, first, active in users
        ]
        return tuple(sorted(shown, key=lambda h: (h.name.casefold(), h.user_id.casefold())))

    def _touch(self, role: Role, now: datetime) -> None:
        """Who changed the role and when; the row is written (and its version moves on) even
        when only its rights changed, so a save from elsewhere meanwhile is a conflict."""
        role.updated_at = now
        role.updated_by = self.actor.name[:100]
        flag_modified(role, "updated_at")

    def _flush(self, role: Role) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(None, None, f"The role {role.name}") from exc
        except IntegrityError as exc:
            if "name" in str(exc.orig).lower():
                raise ValidationError(
                    {NAME: f"There is already a role named {role.name}."}
                ) from exc
            raise

    def _holders_changed(self) -> None:
        """Users read in this transaction hold other rights now: their "holds a right over
        others' access" mark is read again when next asked."""
        for row in list(self.session.identity_map.values()):
            if isinstance(row, User):
                self.session.expire(row, ["holds_administrative_right"])

    def _audit(self, action: Action, role_name: str, changes: list[Change], now: datetime) -> None:
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=None,
            action=action,
            changes=[audit.said("role", role_name), *changes],
        )


__all__ = [
    "CSV_COLUMNS",
    "ROLE_LABELS",
    "Holder",
    "RoleDetail",
    "RoleSetup",
    "RoleSummary",
    "csv_cell",
    "labels",
    "rights_from_keys",
    "role_setup",
]
