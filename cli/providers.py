"""`usersetup providers ...`: the providers' DEA registrations and state licences."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.epcs.registrations import (
    DEA_EXPIRES_ON,
    DEA_NUMBER,
    KEEP,
    STATE_LICENSE,
    ProviderRegistration,
    ProviderRegistrations,
)
from app.epcs.revocation import company_today
from app.errors import UserSetupError, ValidationError
from app.workplace import Work

OPTIONS = {DEA_NUMBER: "--dea", DEA_EXPIRES_ON: "--dea-expires", STATE_LICENSE: "--state-license"}


def _json(provider: ProviderRegistration) -> dict[str, Any]:
    registration = provider.registration
    expires = registration.expires_on
    return {
        "id": provider.id,
        "name": provider.name,
        "npi": provider.npi,
        "active": provider.active,
        "dea_number": registration.dea_number,
        "dea_expires_on": expires.isoformat() if expires else None,
        "state_license": registration.state_license,
    }


def _line(provider: ProviderRegistration, work: Work) -> str:
    registration = provider.registration
    lapsed = registration.dea_number and not registration.current(
        company_today(work.company, work.clock())
    )
    marks = (" [inactive]" if not provider.active else "") + (" [lapsed]" if lapsed else "")
    return f"#{provider.id}  {provider.name}: {registration.line()}{marks}"


def providers_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one providers command in the caller's transaction."""
    service = ProviderRegistrations(work.session, work.company, work.actor, work.clock)
    if args.providers_command == "list":
        providers = service.list()
        if args.json:
            return json.dumps([_json(p) for p in providers], indent=2)
        return "\n".join(_line(p, work) for p in providers) or "The practice has no providers."
    try:
        provider = service.set(
            args.provider_id,
            dea_number=getattr(args, "dea", KEEP),
            expires_on=getattr(args, "dea_expires", KEEP),
            state_license=getattr(args, "state_license", KEEP),
        )
    except ValidationError as exc:  # said with the option to change
        text = "; ".join(f"{OPTIONS.get(k, k)}: {v}" for k, v in exc.errors.items())
        raise UserSetupError(text) from exc
    return json.dumps(_json(provider), indent=2) if args.json else _line(provider, work)
