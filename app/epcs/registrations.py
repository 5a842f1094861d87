"""The providers' DEA registrations and state licences: listed, and set under the DEA rule.

Setting them takes the right "EPCS enroller", not "Edit users": the registration is what
EPCS access rests on (the enroller is who checks it, 21 CFR 1311.125), so whoever may only
edit users' details must not be able to make a lapsed registration look current. Nobody
sets the registration of the provider their own account is linked to: an approver could
otherwise renew their own to approve. A change that ends a registration takes EPCS access
away from whoever rested on it, in the same transaction (app.epcs.revocation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit
from app.access import Actor
from app.audit import Action, Change, said
from app.clock import Clock
from app.db.models import Provider, User
from app.epcs.dea import Registration, dea_number_problem, normalized
from app.epcs.revocation import sweep_lapsed
from app.errors import NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.validation import FieldProblem, clean_text

STATE_LICENSE_MAX = 30
# Field names, as ValidationError names them and the command line's options say them.
DEA_NUMBER, DEA_EXPIRES_ON, STATE_LICENSE = "dea_number", "dea_expires_on", "state_license"


@dataclass(frozen=True)
class ProviderRegistration:
    """A provider as ``usersetup providers list`` shows it."""

    id: int
    name: str  # "Hynes MD, Patrick"
    last_name: str
    npi: str
    active: bool
    registration: Registration


def _view(provider: Provider) -> ProviderRegistration:
    return ProviderRegistration(
        provider.id,
        provider.display_name,
        provider.last_name,
        provider.npi,
        provider.active,
        Registration(provider.dea_number, provider.dea_expires_on, provider.state_license),
    )


KEEP = object()  # set(): leave this value as it is


class ProviderRegistrations:
    """The company's providers' registrations, in the caller's transaction, for ``actor``."""

    def __init__(self, session: Session, company: CompanyInfo, actor: Actor, clock: Clock) -> None:
        self.session = session
        self.company = company
        self.actor = actor
        self.clock = clock

    def list(self) -> list[ProviderRegistration]:
        """Every provider of the company, active ones first, by name."""
        self.actor.require(Right.VIEW_USERS)
        rows = self.session.scalars(
            select(Provider)
            .where(Provider.company_id == self.company.id)
            .order_by(Provider.active.desc(), Provider.last_name, Provider.first_name, Provider.id)
        )
        return [_view(p) for p in rows]

    def set(
        self,
        provider_id: int,
        *,
        dea_number: str | object = KEEP,
        expires_on: date | object | None = KEEP,
        state_license: str | object = KEEP,
    ) -> ProviderRegistration:
        """Change what is given (KEEP: unchanged): the DEA number checked by DEA's rule for
        this provider's last name, an expiry date with it, the state licence one line."""
        self.actor.require(Right.EPCS_ENROLLER)
        provider = self.session.get(Provider, provider_id)
        if provider is None or provider.company_id != self.company.id:
            raise NotFoundError(f"There is no provider #{provider_id} in {self.company.code}.")
        if self.actor.user_pk is not None:
            own = self.session.scalar(select(User.provider_id).where(User.id == self.actor.user_pk))
            if own == provider.id:
                raise NotAllowedError(
                    "You cannot change the DEA registration of the provider your own account "
                    "is linked to; ask another EPCS enroller."
                )
        number = provider.dea_number if dea_number is KEEP else normalized(str(dea_number))
        expiry = provider.dea_expires_on if expires_on is KEEP else expires_on
        assert expiry is None or isinstance(expiry, date)
        errors: dict[str, str] = {}
        problem = dea_number_problem(number, provider.last_name)
        if problem is not None:
            errors[DEA_NUMBER] = problem
        if number and expiry is None:
            errors[DEA_EXPIRES_ON] = "Give the date the DEA registration expires."
        if not number and expiry is not None:
            errors[DEA_EXPIRES_ON] = "An expiry date needs the DEA number it belongs to."
        licence = provider.state_license
        if state_license is not KEEP:
            try:
                licence = clean_text(str(state_license), "The state licence", STATE_LICENSE_MAX)
            except FieldProblem as exc:
                errors[STATE_LICENSE] = str(exc)
        if errors:
            raise ValidationError(errors)
        changes: list[Change] = [
            *audit.changed(DEA_NUMBER, provider.dea_number, number),
            *audit.changed(DEA_EXPIRES_ON, provider.dea_expires_on, expiry),
            *audit.changed(STATE_LICENSE, provider.state_license, licence),
        ]
        if not changes:
            return _view(provider)
        provider.dea_number, provider.dea_expires_on, provider.state_license = (
            number,
            expiry,
            licence,
        )
        now = self.clock()
        audit.record(
            self.session,
            at=now,
            operator=self.actor.name,
            company_id=self.company.id,
            user_pk=None,
            action=Action.PROVIDER_REGISTRATION_CHANGED,
            changes=[said("provider", provider.display_name), *changes],
        )
        self.session.flush()
        # The users linked to it read its registration with their rows: read it anew.
        for user in self.session.identity_map.values():
            if isinstance(user, User) and user.provider_id == provider.id:
                self.session.expire(user)
        sweep_lapsed(self.session, self.company, self.actor, now)
        return _view(provider)
