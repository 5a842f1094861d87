"""EPCS people for tests: providers with DEA registrations, users linked to them with an
authenticator set up, and actors holding the EPCS rights."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

import pyotp

from app.access import Actor
from app.db.database import Database
from app.db.models import EpcsRequest, Provider
from app.epcs.dea import check_digit, last_name_initial
from app.epcs.revocation import Kind, Status
from app.epcs.service import Epcs, keeping_refusals, raise_kept
from app.practice.company import CompanyInfo
from app.rights import Right
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import WORKSTATION, dba
from tests.helpers.records import add_user, version_of
from tests.helpers.roles import SetupRole

T = TypeVar("T")

ENROLLER = frozenset({Right.VIEW_USERS, Right.EPCS_ENROLLER})
APPROVER = frozenset({Right.VIEW_USERS, Right.EPCS_APPROVER})
BOTH = ENROLLER | APPROVER
# Each person's authenticator key (base32), so a test makes their tokens with pyotp.
SECRETS = {
    "drhynes": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "drfox": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
    "drlee": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
    "drkahn": "ONSWG4TFOQQGC3DMEBXWMIDUNBSXE3DP",
}


def dea_for(last_name: str, serial: int = 123456, first: str = "B") -> str:
    six = f"{serial:06d}"
    return f"{first}{last_name_initial(last_name)}{six}{check_digit(six)}"


def add_provider(
    database: Database,
    company: CompanyInfo,
    last_name: str,
    *,
    dea: str | None = None,
    expires_on: date | None = date(2028, 5, 31),
    licence: str = "CA A12345",
) -> int:
    """A provider with a valid DEA number (``dea=""``: none) good through ``expires_on``."""
    with database.transaction() as session:
        provider = Provider(
            company_id=company.id,
            last_name=last_name,
            first_name="Pat",
            credentials="MD",
            dea_number=dea_for(last_name) if dea is None else dea,
            dea_expires_on=expires_on if dea != "" else None,
            state_license=licence,
        )
        session.add(provider)
        session.flush()
        return provider.id


def set_up_authenticator(
    database: Database, company: CompanyInfo, clock: FixedClock, pk: int, secret: str
) -> None:
    """Set up at the desk five minutes ago, so that the token it took is long used up."""
    desk = FixedClock(clock.now - timedelta(minutes=5))
    with database.transaction() as session:
        tf = TwoFactorService(session, company, dba("mreyes"), desk)
        enrolment = tf.enrolment(pk, secret=secret)
        verified = tf.verify_new_key(enrolment, pyotp.TOTP(secret).at(desk.now))
        tf.save(pk, TwoFactorForm("app", setup="now"), version_of(session, pk), verified)


def add_registrant(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    user_id: str,
    last_name: str,
    *,
    expires_on: date | None = date(2028, 5, 31),
    dea: str | None = None,
    authenticator: bool = True,
    role: SetupRole | None = None,
) -> int:
    """A user linked to a provider of their own with a DEA registration, and (unless told)
    an authenticator set up with SECRETS[user_id]; with ``role``, that role."""
    provider = add_provider(database, company, last_name, dea=dea, expires_on=expires_on)
    pk = add_user(
        database, company, clock, user_id, first_name="Pat", last_name=last_name,
        provider_id=provider, role=role,
    )  # fmt: skip
    if authenticator:
        set_up_authenticator(database, company, clock, pk, SECRETS[user_id])
    return pk


def person(user_id: str, pk: int, rights: frozenset[Right]) -> Actor:
    """``user_id`` signed in with exactly ``rights`` (as their roles would give them)."""
    return Actor(f"{user_id} at {WORKSTATION}", rights, WORKSTATION, pk)


def token(user_id: str, at: datetime) -> str:
    """What ``user_id``'s authenticator shows at ``at``."""
    return pyotp.TOTP(SECRETS[user_id]).at(at)


@dataclass
class EpcsDesk:
    """EPCS services in a transaction of their own each, as the window and the CLI run
    them: an audited refusal commits with its events, then is raised."""

    database: Database
    company: CompanyInfo
    clock: FixedClock

    def run(self, actor: Actor, job: Callable[[Epcs], T]) -> T:
        def in_work(work: Work) -> T:
            return job(Epcs(work.session, work.company, work.actor, work.clock))

        with self.database.transaction() as session:
            result = keeping_refusals(in_work)(Work(session, self.company, actor, self.clock))
        return raise_kept(result)


def revocation_asked_before(
    database: Database, company: CompanyInfo, user_pk: int, by: Actor, at: datetime
) -> int:
    """A revocation request as the program stored it before an enroller could revoke at once
    (still pending, waiting for an approver); its id."""
    with database.transaction() as session:
        request = EpcsRequest(
            company_id=company.id, user_pk=user_pk, kind=Kind.REVOKE.value,
            status=Status.PENDING.value, requested_by_pk=by.user_pk,
            requested_by=by.name, requested_at=at,
        )  # fmt: skip
        session.add(request)
        session.flush()
        return request.id
