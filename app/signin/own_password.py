"""A user choosing their own password: the forced change at sign-in, or by choice."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from app import audit
from app.access import Actor, Right
from app.audit import Action, Noted
from app.clock import Clock
from app.db.database import Database
from app.db.models import User
from app.errors import NotAllowedError, NotFoundError, ValidationError
from app.passwords.credentials import Credentials
from app.passwords.hashing import owasp_hasher
from app.passwords.policy import PasswordOwner, PasswordPolicy
from app.practice.company import CompanyInfo
from app.signin.check import (
    ACCOUNT_CLOSED,
    CURRENT_PASSWORD_WRONG,
    REFUSED,
    Reason,
    SignInResult,
    SignInService,
    find_account,
)
from app.users.access_kept import StillAllowed


def own_password_rules(
    database: Database, company: CompanyInfo, user_id: str
) -> tuple[int, PasswordPolicy, PasswordOwner]:
    """For a user about to choose their own password: their row id, the company's policy and
    whose password it is (for the strength meter and the rule hints). NotFoundError if gone."""

    def rules(session: Session) -> tuple[int, PasswordPolicy, PasswordOwner]:
        _, user, _ = find_account(session, company.code, user_id)
        if user is None or user.company_id != company.id:
            raise NotFoundError("This user no longer exists.")
        credentials = Credentials(session, company, owasp_hasher())
        owner = credentials.owner_of(user)
        return user.id, credentials.policy, owner

    return database.run(rules)


def change_own_password(
    database: Database,
    company: CompanyInfo,
    user_pk: int,
    new_password: str,
    verify: str,
    *,
    clock: Clock,
    workstation: str,
    operator: str,
    hasher: PasswordHasher | None = None,
    current_password: str | None = None,
    actor: Actor | None = None,
) -> None:
    """A user sets their own password, in one transaction: the forced change, or by choice.

    With ``current_password`` that password is checked first, as a sign-in is. Raises
    ValidationError keyed "current_password", "verify" or "new_password"; on any of them the
    password is unchanged, and only a wrong current password leaves a trace (it is counted).

    ``actor``: a change by choice (Change My Password, in the window or on the My Account
    screen), which needs the right "Change own password", held now, and is only ever of the
    actor's own password (NotAllowedError). The forced change at sign-in has no actor: a due
    change is what the account needs before anything, so no right stands in its way.
    """
    if new_password != verify:
        raise ValidationError({"verify": "The two passwords differ."})
    hasher = hasher or owasp_hasher()

    def change(session: Session) -> str:
        refused = ""
        user = session.get(User, user_pk)
        if user is None:
            raise NotFoundError("This user no longer exists.")
        if actor is not None:
            if actor.user_pk != user_pk:
                raise NotAllowedError("Only your own password can be changed here.")
            actor.confirmed_by(StillAllowed(session, company, user_pk, clock)).require(
                Right.CHANGE_OWN_PASSWORD
            )
        if current_password is not None:
            # A wrong current password counts toward the lockout, as a wrong sign-in does:
            # otherwise an unattended, signed-in window would let anyone guess without limit.
            checked = SignInService(session, clock, workstation, hasher).check(
                company.code, user.user_id, current_password, second_factor_done=True
            )
            if checked.user_pk != user_pk or checked.reason not in (
                Reason.SIGNED_IN,
                Reason.PASSWORD_CHANGE_REQUIRED,
            ):
                refused = CURRENT_PASSWORD_WRONG
            if checked.user_pk == user_pk and checked.reason in ACCOUNT_CLOSED:
                refused = ACCOUNT_CLOSED[checked.reason]  # the password was right: say why
        if not refused:
            credentials = Credentials(session, company, hasher)
            owner = credentials.owner_of(user)
            problems = credentials.problems(new_password, owner, user)
            if problems:  # raised inside: the current password's check is rolled back too
                raise ValidationError({"new_password": " ".join(problems)})
            now = clock()
            credentials.set_password(user, new_password, temporary=False, now=now)
            user.updated_at, user.updated_by = now, operator
            audit.record(
                session,
                at=now,
                operator=operator,
                company_id=company.id,
                user_pk=user.id,
                action=Action.PASSWORD_CHANGED,
                changes=[
                    Noted("password", audit.PASSWORD_CHANGED),
                    audit.said("workstation", workstation),
                ],
            )
        return refused

    refused = database.run(change)
    if refused:  # raised after the commit, so the failure stays counted
        raise ValidationError({"current_password": refused})


def check_presence(
    database: Database,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    password: str,
    hasher: PasswordHasher | None = None,
) -> SignInResult:
    """The idle lock: an operator signed in fully in this session proves it is still them,
    with the password only; counted and audited as a sign-in is."""
    # The window may have stood locked for hours: a connection dropped meanwhile is found by
    # the check's first read and the check made again on a new one (Database.run).
    return database.run(
        lambda session: SignInService(session, clock, workstation, hasher).check(
            company_code, user_id, password, second_factor_done=True
        )
    )


PASSWORD_FIELD = "password"


def confirm_password(
    database: Database,
    clock: Clock,
    workstation: str,
    company_code: str,
    user_id: str,
    password: str,
    hasher: PasswordHasher | None = None,
) -> datetime:
    """A signed-in operator's password entered again (the idle lock, or a change that asks for
    it: app.access.FRESH_PASSWORD): the moment it was accepted, by ``clock``, which becomes the
    actor's password_at. Counted and audited as a sign-in (check_presence), so guesses at an
    unattended window end in the lockout; refused with ValidationError beside "password",
    saying no more than a sign-in would (REFUSED), or why the account is closed to them now."""
    result = check_presence(database, clock, workstation, company_code, user_id, password, hasher)
    if result.reason in (Reason.SIGNED_IN, Reason.PASSWORD_CHANGE_REQUIRED):
        return clock()
    # Raised after check_presence committed: the failure stays counted.
    raise ValidationError({PASSWORD_FIELD: ACCOUNT_CLOSED.get(result.reason, REFUSED)})
