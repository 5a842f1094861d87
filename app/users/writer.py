"""Writing to one user's row, the same way for every section: found in the actor's company,
held to the version the editor loaded, stamped with who changed it, and audited."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import audit
from app.access import Actor
from app.audit import Action, Change, Noted
from app.db.database import kept_for_transaction
from app.db.models import User
from app.errors import ConflictError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import EVERY_RIGHT
from app.roles.effective import refuse_editing_stronger, rights_of


def get_user(session: Session, pk: int) -> User | None:
    """The user's row (None: there is none), kept for the rest of the transaction.

    The session's identity map holds rows only weakly: a row no longer referenced once a
    section has saved it would be read again by the next ``get``, one statement more for the
    form shown after every save. Holding each row read here makes every later read of it in
    the same transaction free; the next transaction reads it anew.
    """
    user = session.get(User, pk)
    if user is not None:
        kept_for_transaction(session, "users read")[pk] = user
    return user


class UserWriter:
    """A user's row in the caller's session and transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor) -> None:
        self.session = session
        self.company = company
        self.actor = actor

    def load(self, pk: int, expected_version: int | None = None) -> User:
        """The user's row; NotFoundError outside the company, ConflictError when someone saved
        it after ``expected_version`` was read."""
        user = get_user(self.session, pk)
        if user is None or user.company_id != self.company.id:
            raise NotFoundError(f"User #{pk} does not exist in {self.company.code}.")
        if expected_version is not None and user.version != expected_version:
            raise ConflictError(user.updated_by, user.updated_at)
        return user

    def load_for_edit(self, pk: int, expected_version: int | None = None) -> User:
        """The row, as ``load`` gives it, for a change the actor makes to someone else's
        account: never of a user who holds a right the actor lacks (FreeIPA's CVE-2020-10747
        let user administrators change admins). An actor holding every right reads nothing
        more; anyone else, one statement for the user's rights."""
        user = self.load(pk, expected_version)
        if user.id != self.actor.user_pk and not self.actor.rights_now() >= EVERY_RIGHT:
            held = rights_of(self.session, self.company.id, user.id)
            refuse_editing_stronger(self.actor, held, user.user_id)
        return user

    def touch(self, user: User, now: datetime) -> None:
        """Who changed the row and when; the flush then gives it a new version."""
        user.updated_at = now
        user.updated_by = self.actor.name[:100]

    def flush(self, user: User) -> None:
        """Write the row now: a save from elsewhere in between is a ConflictError, a User ID
        taken in between a ValidationError beside the field."""
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConflictError(None, None) from exc
        except IntegrityError as exc:
            if "user_id_key" in str(exc.orig):
                raise ValidationError(
                    {"user_id": f"The User ID {user.user_id!r} is already taken in this company."}
                ) from exc
            raise

    def audit(
        self, user: User, action: Action, changes: Sequence[Change | Noted], now: datetime
    ) -> None:
        """The change's audit event, by this actor, in the same transaction."""
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=user.id,
            action=action,
            changes=changes,
        )

    def save(
        self, user: User, action: Action, changes: Sequence[Change | Noted], now: datetime
    ) -> None:
        """Touch, flush and audit: what every change to a user's row ends with."""
        self.touch(user, now)
        self.flush(user)
        self.audit(user, action, changes, now)


def is_locked(user: User, now: datetime) -> bool:
    """Locked now: until an unlock (``login_locked``: an administrator's lock, or failed
    sign-ins past the company's number of locks), or for a while (``locked_until``)."""
    return user.login_locked or (user.locked_until is not None and now < user.locked_until)


def clear_lockout(user: User) -> list[Change]:
    """Lift the user's lock, temporary or not, and forget their failed sign-ins (what an
    unlock, a reset and recovery do); what changed, for the audit event."""
    changes = [
        *audit.changed("login_locked", user.login_locked, False),
        *audit.changed("locked_until", user.locked_until, None),
        *audit.changed("failed_logins", user.failed_logins, 0),
    ]
    user.login_locked, user.locked_at, user.locked_until = False, None, None
    user.failed_logins, user.temporary_lockouts, user.last_failed_at = 0, 0, None
    return changes
