"""Reading what a test stored, and building users to test with."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.clock import Clock
from app.db.database import Database
from app.db.models import AuditEvent, Base, User
from app.login_times.hours import LoginTimes
from app.practice.company import CompanyInfo, create_company
from app.practice.practice_key import is_sealed, practice_keys, totp_binding
from app.sections.editor import UserEditor
from app.sections.user import UserState
from app.two_factor.authenticator import hash_recovery_code
from app.two_factor.service import TwoFactorSummary
from app.users.records import UserFields, UserRecord
from app.users.service import UserService
from app.workplace import Work
from tests.helpers.actors import dba
from tests.helpers.roles import SetupRole, set_setup_role


def version_of(session: Session, pk: int) -> int:
    """The version a save of this user must match now."""
    user = session.get(User, pk)
    assert user is not None
    return user.version


def stored_user(database: Database, pk: int) -> User:
    """The user's row as stored now, detached (read its columns freely)."""
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        session.expunge(user)
        return user


def audit_events(
    database: Database,
    *,
    user_pk: int | None = None,
    company_id: int | None = None,
    prefix: str = "",
) -> list[AuditEvent]:
    """The audit events, oldest first: of one user or company, of actions that start so."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if user_pk is not None:
        query = query.where(AuditEvent.user_pk == user_pk)
    if company_id is not None:
        query = query.where(AuditEvent.company_id == company_id)
    if prefix:
        query = query.where(AuditEvent.action.startswith(prefix))
    with database.transaction() as session:
        return list(session.scalars(query))


def add_user(
    database: Database,
    company: CompanyInfo,
    clock: Clock,
    user_id: str,
    *,
    password: str = "quiet harbor lights",
    role: SetupRole | None = None,
    by: str = "setup",
    **fields: Any,
) -> int:
    """A user with a password of their own (no change due) and, with ``role``, that role;
    added by the database administrator named ``by``."""
    with database.transaction() as session:
        users = UserService(session, company, dba(by), clock)
        form = UserFields(
            user_id=user_id,
            first_name=fields.pop("first_name", "Test"),
            last_name=fields.pop("last_name", user_id.title()),
            new_password=password,
            retype_password=password,
            must_change_password=fields.pop("must_change_password", False),
            **fields,
        )
        pk = users.create(form).pk
        if role is not None:
            set_setup_role(users, pk, role)
        return pk


def another_administrator(database: Database, company: CompanyInfo, clock: Clock) -> int:
    """An Administrator who is none of the test's people: the practice keeps one when the test
    takes its own away (User Setup refuses to remove the last one)."""
    return add_user(database, company, clock, "practice_admin", role=SetupRole.ADMINISTRATOR)


@dataclass(frozen=True)
class Stored:
    """A stored user as a test reads them back: the record and each section's state."""

    record: UserRecord
    user: UserState
    login_times: LoginTimes
    two_factor: TwoFactorSummary

    @property
    def pk(self) -> int:
        return self.record.pk

    @property
    def version(self) -> int:
        return self.record.version

    @property
    def fields(self) -> UserFields:
        return self.record.fields


def read_user(database: Database, company: CompanyInfo, clock: Clock, pk: int | str) -> Stored:
    """A user (by row id, or by User ID) with every section, as the window opens them."""
    with database.transaction() as session:
        work = Work(session, company, dba("test"), clock)
        if isinstance(pk, str):
            pk = UserService(session, company, work.actor, clock).find(pk).pk
        opened = UserEditor(work).open(pk)
    states = opened.states
    return Stored(opened.record, states["user"], states["login_times"], states["two_factor"])


def remove_company(engine: Engine, company_id: int) -> None:
    """A company committed for real, and every row of it, gone again."""
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name == "companies":
                conn.execute(table.delete().where(table.c.id == company_id))
            elif table.name == "practice_key":  # the database's, made by the company's test
                conn.execute(table.delete())
            elif "company_id" in table.c:
                conn.execute(table.delete().where(table.c.company_id == company_id))
            else:  # rows of the company's rows: a user's, a role's, a group's
                for column in table.c:
                    for fk in column.foreign_keys:
                        owner = fk.column.table
                        if "company_id" in owner.c and fk.column is owner.c.id:
                            rows = select(owner.c.id).where(owner.c.company_id == company_id)
                            conn.execute(table.delete().where(column.in_(rows.scalar_subquery())))


@contextmanager
def committed_company(database: Database, engine: Engine, code: str) -> Iterator[CompanyInfo]:
    """A company committed for real (a second connection must see it, as another
    workstation's would), with ``code`` made unique; it and every row of it gone afterwards
    (removed through ``engine``)."""
    with database.transaction() as session:
        company = create_company(
            session, f"{code}{uuid.uuid4().hex[:6]}", f"{code.title()} Clinic", "America/New_York"
        )
    try:
        yield company
    finally:
        remove_company(engine, company.id)


def authenticator_key(database: Database, pk: int, pending: bool = False) -> str | None:
    """The user's authenticator key (or the pending one) as the practice key opens it."""
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        stored = user.totp_pending_secret if pending else user.totp_secret
        if stored is None:
            return None
        assert is_sealed(stored), "an authenticator key stored readable"
        return practice_keys(session).required(session).open(stored, totp_binding(pk))


def recovery_code_hashes(database: Database, codes: Iterable[str]) -> set[str]:
    """What the codes are stored as: HMAC(practice key, SHA-256(code))."""
    with database.transaction() as session:
        key = practice_keys(session).required(session)
        return {key.code_hash(hash_recovery_code(code)) for code in codes}
