"""`--as USERID`: the command line acting as a user of the practice, with their rights.

Without it the command line acts as the database administrator, who holds every right
because they hold the database. With it, the user's password is the first line of standard
input (anything else the command reads follows it), verified as the idle lock verifies an
operator (app.signin.own_password.check_presence): a wrong one counts toward the lockout and
is answered with the sign-in's own words. Their rights are then read anew in the command's
transaction (StillAllowed, as the window's Workplace does), and the audit trail names them at
this computer.
"""

from __future__ import annotations

import socket
from typing import TextIO

from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.clock import Clock
from app.db.database import Database
from app.practice.company import CompanyInfo, load_company
from app.signin.check import ACCOUNT_CLOSED, Reason
from app.signin.outcomes import REFUSED, SignInRefused
from app.signin.own_password import check_presence
from app.users.access_kept import StillAllowed
from cli.passwords import read_password

# The password was right, and a temporary one (or one past its age) must be changed first:
# the command line never changes it for them.
CHANGE_FIRST = (
    "Your password must be changed first: sign in to User Setup and change it, then try again."
)


def sign_in_as(
    database: Database, company_code: str | None, user_id: str, stdin: TextIO, clock: Clock
) -> Actor:
    """The user ``user_id``, having entered their password (standard input's first line) at
    the clock's now; SignInRefused, in the sign-in's words, when it is wrong or their account
    is closed to them now."""
    password = read_password(stdin, confirm=False)
    code = company_code or database.run(lambda session: load_company(session, None).code)
    host = socket.gethostname()
    result = check_presence(database, clock, host, code, user_id, password)
    told_why = Right.VIEW_USERS in result.rights  # as the sign-in: reasons only to operators
    if result.reason is Reason.PASSWORD_CHANGE_REQUIRED:
        raise SignInRefused(CHANGE_FIRST)
    if result.reason in ACCOUNT_CLOSED and told_why:
        raise SignInRefused(ACCOUNT_CLOSED[result.reason])
    if not result.allowed or result.user_pk is None:
        raise SignInRefused(REFUSED)
    name = f"{result.user_id} ({result.display_name})"
    actor = Actor.user(result.user_pk, name, host, result.rights)
    return actor.with_password_at(clock())


def acting_in(session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> Actor:
    """The actor for one command's transaction: a user's rights as the database has them now
    (none if their account was closed meanwhile, or is of another company)."""
    if actor.user_pk is None:
        return actor
    return actor.confirmed_by(StillAllowed(session, company, actor.user_pk, clock))
