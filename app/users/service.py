"""The User section's service: list, read, check, create, copy, update, (de)activate users."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app import audit
from app.access import Actor, Right
from app.audit import Action, Change, Noted
from app.clock import Clock
from app.db.models import Department, Provider, ServiceLocation, User
from app.epcs.revocation import DEACTIVATED, PROVIDER_CHANGED, registration_current, take_away
from app.errors import NotFoundError, ValidationError
from app.login_times.hours import today_in
from app.passwords.credentials import Credentials
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import PasswordOwner, PasswordPolicy, generate_temporary_password
from app.practice.company import CompanyInfo
from app.roles.effective import rights_of
from app.users.access_kept import guard_access_kept
from app.users.fields import FIELDS_BY_NAME, USER_FIELDS
from app.users.records import (
    GENERATED_ONLY,
    UserFields,
    UserRecord,
    UserRow,
    clean_fields,
    record_of,
)
from app.users.writer import UserWriter, clear_lockout, is_locked
from app.validation import (
    user_id_key,
)

# The linked provider's registration, read with the row (app.db.models.User).
PROVIDER_COLUMNS = [
    "provider_dea_number",
    "provider_dea_expires_on",
    "provider_state_license",
    "provider_last_name",
]


class UserService:
    """Users of one company, in one session, for one actor: the caller decides where the
    transaction ends. Each action asks the actor's rights first."""

    def __init__(
        self,
        session: Session,
        company: CompanyInfo,
        actor: Actor,
        clock: Clock,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock
        self.hasher = hasher or owasp_hasher()
        self.credentials = Credentials(session, company, self.hasher)
        self.writer = UserWriter(session, company, actor)

    # Reading

    def list_rows(self, *, active_only: bool = False) -> Sequence[UserRow]:
        """The user list, in list order: one statement, only the columns the list shows."""
        self.actor.require(Right.VIEW_USERS)
        # Result.tuples() is deprecated in SQLAlchemy 2.1: rows are tuples already.
        return self.session.execute(self.list_query(active_only)).all()

    def list_query(
        self, active_only: bool
    ) -> Select[int, str, str, str, bool, bool, bool, datetime | None, bool]:
        """The list's statement; its ORDER BY is what the index ix_users_list_order serves."""
        now = self.clock()
        today = today_in(ZoneInfo(self.company.time_zone), now)
        expired = and_(User.account_expires_on.is_not(None), User.account_expires_on < today)
        # Until an unlock, or for a while (app.users.writer.is_locked): said the same way.
        for_a_while = and_(
            User.login_locked.is_(False), User.locked_until.is_not(None), User.locked_until > now
        )
        locked = or_(User.login_locked, for_a_while)
        query = select(
            User.id,
            User.user_id,
            User.last_name,
            User.first_name,
            User.active,
            locked.label("login_locked"),
            expired.label("expired"),
            case((for_a_while, User.locked_until), else_=None).label("locked_until"),
            # EPCS as the list marks it: approved, and the DEA registration current today
            and_(User.epcs_allowed, registration_current(today)).label("epcs"),
        ).where(User.company_id == self.company.id)
        if active_only:
            query = query.where(User.active)
        return query.order_by(
            func.lower(User.last_name), func.lower(User.first_name), User.user_id_key
        )

    def get(self, pk: int) -> UserRecord:
        """One user by row id, in one statement."""
        self.actor.require(Right.VIEW_USERS)
        return record_of(self.writer.load(pk))

    def find(self, user_id: str) -> UserRecord:
        """One user by User ID, whatever its case."""
        self.actor.require(Right.VIEW_USERS)
        user = self.session.scalar(
            select(User).where(
                User.company_id == self.company.id, User.user_id_key == user_id_key(user_id)
            )
        )
        if user is None:
            raise NotFoundError(f"There is no user {user_id!r} in {self.company.code}.")
        return record_of(user)

    # Checking

    def check(
        self, form: UserFields, pk: int | None = None, current: UserFields | None = None
    ) -> UserFields:
        """Validate the form as a save would, including a User ID taken by someone else.

        With ``current`` (the user as loaded), the database is asked only about values that
        changed, so checking an unchanged User ID costs no statement. Only an actor who may
        edit users checks a form: it tells whether a password is one the user had before.
        """
        self.actor.require(Right.EDIT_USERS)
        try:
            is_new = pk is None  # the policy is read only when a password is at stake
            clean = clean_fields(
                form,
                self.company,
                is_new=is_new,
                password_required=is_new and self._typed_allowed(),
            )
            errors: dict[str, str] = {}
        except ValidationError as exc:  # go on: a taken User ID is said along with the rest
            clean, errors = form, dict(exc.errors)
        if "user_id" not in errors and (
            current is None or user_id_key(form.user_id) != user_id_key(current.user_id)
        ):
            taken = self.session.scalar(
                select(User.user_id).where(
                    User.company_id == self.company.id,
                    User.user_id_key == user_id_key(form.user_id),
                    User.id != (pk or 0),
                )
            )
            if taken is not None:
                errors["user_id"] = f"The User ID {taken!r} is already taken in this company."
        if form.new_password and not self._typed_allowed():
            errors["new_password"] = GENERATED_ONLY
        elif form.new_password and not ({"new_password", "retype_password"} & errors.keys()):
            user = self.writer.load(pk) if pk is not None else None  # in this company only
            owner = self.credentials.owner(form.user_id, form.first_name, form.last_name)
            if user is not None:  # the names as typed; the second factor as stored
                owner = replace(owner, two_factor=self.credentials.owner_of(user).two_factor)
            problems = self.credentials.problems(form.new_password, owner, user)
            if problems:
                errors["new_password"] = " ".join(problems)
        if current is None or form.provider_id != current.provider_id:
            self._check_reference(errors, "provider_id", Provider, form.provider_id)
        if current is None or form.service_location_id != current.service_location_id:
            self._check_reference(
                errors, "service_location_id", ServiceLocation, form.service_location_id
            )
        if current is None or form.department_id != current.department_id:
            self._check_reference(errors, "department_id", Department, form.department_id)
        if errors:
            raise ValidationError(errors)
        return clean

    def _check_reference(
        self,
        errors: dict[str, str],
        name: str,
        model: type[Provider] | type[ServiceLocation] | type[Department],
        ref: int | None,
    ) -> None:
        if ref is None:
            return
        row = self.session.execute(
            select(model.company_id, model.active).where(model.id == ref)
        ).first()
        label = FIELDS_BY_NAME[name].label
        if row is None or row.company_id != self.company.id:
            errors[name] = f"That {label} no longer exists; pick another."
        elif not row.active:  # a link kept from before is fine; a new one to a closed entry not
            errors[name] = f"That {label} is inactive; pick an active one."

    def _audited(self, changes: list[Change | Noted]) -> list[Change | Noted]:
        """The changes as the audit trail says them: a department by its name, not its row
        id (one statement, only when the department changed; asked before the row is changed,
        so that it flushes nothing half made)."""
        moved = [c for c in changes if isinstance(c, Change) and c.field == "department_id"]
        if not moved:
            return changes
        (change,) = moved
        ids = [pk for pk in (change.before, change.after) if isinstance(pk, int)]
        rows = (
            self.session.execute(
                select(Department.id, Department.name).where(Department.id.in_(ids))
            ).all()
            if ids
            else []
        )
        names = {pk: name for pk, name in rows}
        named = Change(
            "department",
            names.get(change.before) if isinstance(change.before, int) else None,
            names.get(change.after) if isinstance(change.after, int) else None,
        )
        return [named if c is change else c for c in changes]

    def _typed_allowed(self) -> bool:
        """May the actor type a password? The database administrator always may."""
        return self.actor.is_database_administrator or self.credentials.policy.allow_typed_temporary

    # Who may do what to whom

    def _guard_access_kept(self, user: User, *, active: bool, locked: bool) -> None:
        guard_access_kept(
            self.session, self.company, self.actor, user, self.clock(),
            active=active, locked=locked,
        )  # fmt: skip

    def _require_may_manage(self, user: User) -> None:
        """Resetting or unlocking takes over a sign-in: never of someone who may do more."""
        self.actor.require(Right.RESET_PASSWORDS)
        held = rights_of(self.session, self.company.id, user.id).rights
        self.actor.require_may_manage(held, user.user_id)

    # Writing

    def create(self, form: UserFields, *, copied_from: int | None = None) -> UserRecord:
        """Add a user; with ``copied_from``, audited as a copy of that user."""
        self.actor.require(Right.EDIT_USERS)
        clean = self.check(form)
        # Read the source first: a query after add() would autoflush the new row unchecked.
        source = self.writer.load(copied_from) if copied_from is not None else None
        created = self._audited(
            [
                Change(f.name, None, getattr(clean, f.name))
                for f in USER_FIELDS
                if getattr(clean, f.name) not in ("", None)
            ]
        )
        now = self.clock()
        user = User(
            company_id=self.company.id,
            user_id_key=user_id_key(clean.user_id),
            created_at=now,
            direct_email_verified_at=None,  # a new (or copied) user's address is not verified
        )
        for field in USER_FIELDS:
            setattr(user, field.name, getattr(clean, field.name))
        if not clean.new_password:  # generated-only practice: nobody knows it until a reset
            owner = self.credentials.owner(clean.user_id, clean.first_name, clean.last_name)
            clean.new_password = generate_temporary_password(self.credentials.policy, owner)
            user.must_change_password = clean.must_change_password = True
        self.credentials.set_password(
            user, clean.new_password, temporary=clean.must_change_password, now=now
        )
        self.session.add(user)
        changes: list[Change | Noted] = []
        action = Action.USER_CREATED
        if source is not None:
            action = Action.USER_COPIED
            changes.append(Change("copied_from", None, source.user_id))
        changes += created
        changes.append(Noted("password", audit.PASSWORD_CHANGED))
        self.writer.save(user, action, changes, now)
        return record_of(user)

    def copy_from(self, source_pk: int) -> UserFields:
        """The form Copy User starts from: the source user's settings, no identity, no secrets."""
        return self.get(source_pk).fields.for_copy()

    def update(self, pk: int, form: UserFields, expected_version: int) -> UserRecord:
        """Save the User section; refuses with ConflictError if someone saved it meanwhile."""
        self.actor.require(Right.EDIT_USERS)
        user = self.writer.load_for_edit(pk, expected_version)
        clean = self.check(form, pk, current=record_of(user).fields)
        if clean.new_password and user.id != self.actor.user_pk:
            self._require_may_manage(user)  # a password typed for someone: a reset's rules
        if user.id == self.actor.user_pk and clean.provider_id != user.provider_id:
            # A provider's DEA registration is what lets an approver approve EPCS: nobody
            # links their own account to one (app.epcs).
            raise ValidationError(
                {"provider_id": "You cannot link your own account to a provider; ask another "
                 "administrator."}
            )  # fmt: skip
        changes: list[Change | Noted] = [
            Change(f.name, getattr(user, f.name), getattr(clean, f.name))
            for f in USER_FIELDS
            if getattr(user, f.name) != getattr(clean, f.name)
        ]
        if not changes and not clean.new_password:
            return record_of(user)
        changes = self._audited(changes)
        self._guard_access_kept(user, active=clean.active, locked=clean.login_locked)
        now = self.clock()
        if clean.direct_email != user.direct_email and user.direct_email_verified_at is not None:
            # A verification proves one address: a new one must be verified anew.
            user.direct_email_verified_at = None
            changes.append(Change("direct_email_verified", True, False))
        was_locked = user.login_locked
        active_before, provider_before = user.active, user.provider_id
        for field in USER_FIELDS:
            setattr(user, field.name, getattr(clean, field.name))
        if clean.new_password:
            self.credentials.set_password(
                user, clean.new_password, temporary=clean.must_change_password, now=now
            )
            changes.append(Noted("password", audit.PASSWORD_CHANGED))
        elif not clean.must_change_password:
            user.temporary_expires_at = None  # no longer a temporary password to expire
        if was_locked and not clean.login_locked:  # unlocking clears the counter, said so;
            changes += clear_lockout(user)  # any other edit leaves the count as it is
        user.user_id_key = user_id_key(clean.user_id)
        provider_changed = clean.provider_id != provider_before
        if not clean.active and active_before:
            self._end_epcs(user, DEACTIVATED, now)
        elif provider_changed:  # the permission was approved for the other registration
            self._end_epcs(user, PROVIDER_CHANGED, now)
        self.writer.save(user, Action.USER_UPDATED, changes, now)
        if provider_changed:  # the registration shown is the new provider's
            self.session.expire(user, PROVIDER_COLUMNS)
        return record_of(user)

    def _end_epcs(self, user: User, why: str, now: datetime) -> None:
        """EPCS permission and pending requests end with this save (its UPDATE carries the
        flag): one statement more, for the pending requests, and only on a deactivation or
        a change of provider."""
        take_away(self.session, self.company, self.actor, user, why, now, write_row=False)

    def set_active(self, pk: int, active: bool, expected_version: int | None = None) -> UserRecord:
        """Activate or deactivate; users are never deleted, so their records stay."""
        self.actor.require(Right.EDIT_USERS)
        user = self.writer.load_for_edit(pk, expected_version)
        if user.active == active:
            return record_of(user)
        self._guard_access_kept(user, active=active, locked=user.login_locked)
        user.active = active
        if not active:
            self._end_epcs(user, DEACTIVATED, self.clock())
        self.writer.save(
            user,
            Action.USER_ACTIVATED if active else Action.USER_DEACTIVATED,
            [Change("active", not active, active)],
            self.clock(),
        )
        return record_of(user)

    def password_rules(self, pk: int) -> tuple[PasswordPolicy, PasswordOwner]:
        """The policy and whose password it is, for a reset's hints: as stored now."""
        user = self.writer.load(pk)
        return self.credentials.policy, self.credentials.owner_of(user)

    def reset_password(
        self,
        pk: int,
        *,
        password: str | None = None,
        must_change: bool = True,
        unlock: bool = False,
        rng: random.Random | None = None,
    ) -> str:
        """The front-desk reset: a new (by default generated, temporary) password; returns it.

        The failure counter is always cleared; the lock only with ``unlock``. Two-factor
        sign-in is never touched. Only an actor who may edit users may hand out a password
        that is not temporary.
        """
        user = self.writer.load(pk)
        self._require_may_manage(user)
        must_change = must_change or not self.actor.may(Right.EDIT_USERS)
        owner = self.credentials.owner_of(user)
        policy = self.credentials.policy
        if password is None:
            password = generate_temporary_password(policy, owner, rng)
        elif not policy.allow_typed_temporary:
            raise ValidationError(
                {"new_password": "This practice only uses generated temporary passwords."}
            )
        else:
            problems = self.credentials.problems(password, owner, user)
            if problems:
                raise ValidationError({"new_password": " ".join(problems)})
        now = self.clock()
        changes: list[Change | Noted] = [Noted("password", audit.PASSWORD_CHANGED)]
        self.credentials.set_password(user, password, temporary=must_change, now=now)
        changes.append(Change("must_change_password", None, must_change))
        if unlock or not is_locked(user, now):
            changes += clear_lockout(user)
        else:  # the count starts again; the lock stays until it ends or someone lifts it
            changes += audit.changed("failed_logins", user.failed_logins, 0)
            user.failed_logins, user.temporary_lockouts, user.last_failed_at = 0, 0, None
        self.writer.save(user, Action.PASSWORD_RESET, changes, now)
        return password

    def unlock(self, pk: int) -> UserRecord:
        """Lift a lockout and clear the failure counter."""
        user = self.writer.load(pk)
        self._require_may_manage(user)
        if not user.login_locked and not user.failed_logins and user.locked_until is None:
            return record_of(user)
        self.writer.save(user, Action.USER_UNLOCKED, clear_lockout(user), self.clock())
        return record_of(user)
