"""`usersetup epcs ...`: controlled-substance prescribing, granted by two people and revoked
at once by one EPCS enroller.

Every command first takes the permission from users whose DEA registration lapsed (the
sweep of app.epcs.revocation), so what it prints is never a lapsed registrant allowed.
`epcs approve` reads the approver's token from standard input before the transaction
begins; without --as the database administrator cannot approve (approval needs a DEA
registrant acting as themselves), which is said before anything is read.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any, TextIO

from app.access import Actor
from app.epcs.dea import Registration
from app.epcs.revocation import Kind
from app.epcs.service import NEEDS_A_PERSON, Epcs, EpcsRefused, EpcsRequestView, EpcsStatus
from app.errors import UserSetupError, ValidationError
from app.users.service import UserService
from app.workplace import Work
from cli.errors import UsageError
from cli.parser_types import is_text


def read_token(stdin: TextIO, actor: Actor) -> str:
    """`epcs approve`'s token: typed at a prompt, or the next line of standard input (after
    the password line that --as reads)."""
    if actor.is_database_administrator:
        raise EpcsRefused(NEEDS_A_PERSON)
    if stdin.isatty():
        typed = getpass.getpass("Authenticator token: ")
    else:
        line = stdin.readline()
        typed = line[:-1] if line.endswith("\n") else line
    if not typed.strip():
        raise UsageError("no authenticator token on standard input")
    if not is_text(typed):
        raise UsageError("the token given is not valid text (its bytes are not UTF-8)")
    return typed


def _request_json(view: EpcsRequestView) -> dict[str, Any]:
    return {
        "id": view.id,
        "user_id": view.user_id,
        "user_name": view.user_name,
        "kind": view.kind,
        "status": view.status,
        "requested_by": view.requested_by,
        "requested_at": view.requested_at.isoformat(),
        "decided_by": view.decided_by or None,
        "decided_at": view.decided_at.isoformat() if view.decided_at else None,
        "reason": view.reason or None,
    }


def _registration_json(registration: Registration | None) -> dict[str, Any] | None:
    if registration is None:
        return None
    expires = registration.expires_on
    return {
        "dea_number": registration.dea_number,
        "dea_expires_on": expires.isoformat() if expires else None,
        "state_license": registration.state_license,
    }


def status_json(status: EpcsStatus) -> dict[str, Any]:
    return {
        "user_id": status.user_id,
        "allowed": status.allowed,
        "allowed_since": status.allowed_since.isoformat() if status.allowed_since else None,
        "approved_by": status.approved_by or None,
        "pending": _request_json(status.pending) if status.pending else None,
        "registration": _registration_json(status.registration),
        "grant_refused_because": status.grant_problem,
    }


def _request_line(view: EpcsRequestView) -> str:
    return (
        f"#{view.id}  {view.what} for {view.user_name} ({view.user_id}), requested by "
        f"{view.requested_by} on {view.requested_at:%Y-%m-%d %H:%M} UTC"
    )


def _decided(view: EpcsRequestView, as_json: bool, said: str) -> str:
    return json.dumps(_request_json(view), indent=2) if as_json else said


def epcs_command(args: argparse.Namespace, work: Work, token: str | None) -> str:
    """Carry out one epcs command in the caller's transaction; what to print once committed.
    An approval refused after its audit (a wrong token) is raised for keeping_refusals."""
    epcs = Epcs(work.session, work.company, work.actor, work.clock)
    epcs.revoke_expired()
    command = args.epcs_command
    if command in ("request", "revoke"):
        users = UserService(work.session, work.company, work.actor, work.clock)
        record = users.find(args.user_id)
        if command == "revoke" or args.revoke:  # at once: taking it away needs nobody else
            epcs.revoke(record.pk)
            if args.json:
                return json.dumps(status_json(epcs.status(record.pk)), indent=2)
            return (
                f"EPCS access revoked: {record.heading} may no longer prescribe controlled "
                "substances."
            )
        view = epcs.request(record.pk, Kind.GRANT)
        return _decided(
            view,
            args.json,
            f"Request #{view.id}: EPCS {view.what} for {record.heading}, waiting for a second "
            f"person to approve it (usersetup --as USERID epcs approve {view.id}).",
        )
    if command == "approve":
        assert token is not None
        view = epcs.approve(args.request_id, token)
        done = "may now" if view.kind == Kind.GRANT else "may no longer"
        return _decided(
            view,
            args.json,
            f"Request #{view.id} approved: {view.user_name} ({view.user_id}) {done} prescribe "
            "controlled substances.",
        )
    if command == "refuse":
        try:
            view = epcs.refuse(args.request_id, args.reason)
        except ValidationError as exc:
            raise UserSetupError(f"--reason: {exc.errors['reason']}") from exc
        return _decided(view, args.json, f"Request #{view.id} refused: {view.reason}")
    if command == "withdraw":
        view = epcs.withdraw(args.request_id)
        return _decided(view, args.json, f"Request #{view.id} withdrawn.")
    if command == "pending":
        pending = epcs.pending()
        if args.json:
            return json.dumps([_request_json(v) for v in pending], indent=2)
        return "\n".join(_request_line(v) for v in pending) or "No EPCS requests are pending."
    # status
    users = UserService(work.session, work.company, work.actor, work.clock)
    status = epcs.status(users.find(args.user_id).pk)
    if args.json:
        return json.dumps(status_json(status), indent=2)
    lines = [status.line()]
    if status.registration is not None:
        lines.append(status.registration.line())
    if not status.allowed and status.pending is None and status.grant_problem:
        lines.append(f"A grant cannot be requested now: {status.grant_problem}.")
    return "\n".join(lines)
