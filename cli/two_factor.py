"""`usersetup 2fa ...`: a user's two-factor sign-in (the 2FA section)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.db.models import TwoFactorMethod, TwoFactorSetup
from app.errors import (
    UserSetupError,
    ValidationError,
)
from app.sections.editor import Opened, UserEditor
from app.sections.registry import section
from app.sections.two_factor import TOKEN_METHODS
from app.two_factor.service import (
    METHOD_LABELS,
    SETUP_LABELS,
    TwoFactorForm,
    TwoFactorService,
    TwoFactorSummary,
    describe_destination,
)
from app.users.records import UserRecord
from app.users.service import UserService
from app.workplace import Work
from cli.errors import UsageError

TWO_FACTOR_OPTIONS = {
    "method": "--method",
    "destination": "--to",
    "setup": "--setup",
    "title": "--title",
    "token": "--token",
}


def two_factor_command(args: argparse.Namespace, work: Work) -> str:
    """Carry out one 2fa command in the caller's transaction; what to print once committed."""
    users = UserService(work.session, work.company, work.actor, work.clock)
    service = TwoFactorService(work.session, work.company, work.actor, work.clock)
    command = args.tf_command
    record = users.find(args.user_id)
    try:
        if command == "show":
            return _format_two_factor(work, record.pk, as_json=args.json)
        if command == "set":
            form = _two_factor_form(args, _summary(work, record.pk))
            record, _ = service.save(record.pk, form, record.version)
            return _format_two_factor(work, record.pk, as_json=args.json)
        if command == "enroll":
            enrolment = service.enroll(record.pk, args.title or "")
            if args.json:
                return json.dumps(
                    {
                        "user_id": record.fields.user_id,
                        "title": enrolment.title,
                        "account": enrolment.account,
                        "uri": enrolment.uri,
                        "manual_entry_key": enrolment.key,
                    },
                    indent=2,
                )
            return "\n".join(
                [
                    f"New authenticator key for {record.heading}, shown only now:",
                    f"  {'Title for Authenticator:':<26}{enrolment.title}",
                    f"  {'Manual Entry Key:':<26}{enrolment.key}",
                    f"  {'QR code address:':<26}{enrolment.uri}",
                    "Type the key into the app (or make a QR code of the address), then run:",
                    f"  usersetup 2fa confirm {record.fields.user_id} --token <6 digits>",
                ]
            )
        if command == "confirm":
            codes = service.confirm(record.pk, args.token)
            record = users.get(record.pk)
            return _format_codes(
                record, codes, f"{record.heading} now signs in with the authenticator app.", args
            )
        if command == "reset":
            record = service.reset(record.pk, args.setup)
            if args.json:
                return _format_two_factor(work, record.pk, as_json=True)
            setup = TwoFactorSetup(_summary(work, record.pk).setup)
            return (
                f"{record.heading}: authenticator and recovery codes removed. "
                f"{SETUP_LABELS[setup]}."
            )
        # recovery-codes
        codes = service.new_recovery_codes(record.pk)
        record = users.get(record.pk)
        return _format_codes(
            record, codes, f"New recovery codes for {record.heading}; the old ones stop.", args
        )
    except ValidationError as exc:  # say it with the option to change, not the window's field
        text = "; ".join(f"{TWO_FACTOR_OPTIONS.get(k, k)}: {v}" for k, v in exc.errors.items())
        raise UserSetupError(text) from exc


def _summary(work: Work, pk: int) -> TwoFactorSummary:
    state: TwoFactorSummary = UserEditor(work).open(pk, ["two_factor"]).states["two_factor"]
    return state


def _two_factor_form(args: argparse.Namespace, current: TwoFactorSummary) -> TwoFactorForm:
    """The 2FA section as `2fa set` asks for it; options that do not fit the method refused."""
    method = args.method
    if args.to is not None and method not in TOKEN_METHODS:
        raise UsageError("--to is only for --method email or text")
    if method != TwoFactorMethod.APP and (args.setup is not None or args.title is not None):
        raise UsageError("--setup and --title are only for --method app")
    if args.setup == TwoFactorSetup.NOW:
        raise UsageError(
            "--setup now needs a token from the phone: run 'usersetup 2fa enroll USERID', "
            "then 'usersetup 2fa confirm USERID --token T'"
        )
    same = method == current.method
    destination = args.to if args.to is not None else current.destination if same else ""
    setup = ""
    if method == TwoFactorMethod.APP:
        if args.setup is not None:
            setup = args.setup
        elif current.has_authenticator:  # kept: "now" is what a confirmed one is stored as
            setup = current.setup if same and current.setup else TwoFactorSetup.NOW.value
        elif same and current.setup in (TwoFactorSetup.PROMPT, TwoFactorSetup.REQUIRE):
            setup = current.setup
        else:
            setup = TwoFactorSetup.REQUIRE.value
    title = args.title if args.title is not None else current.title if same else ""
    return TwoFactorForm(method, destination, setup, title)


def two_factor_as_json(work: Work, opened: Opened) -> dict[str, Any]:
    """The stable JSON form of one user's 2FA section (documented in the README)."""
    state = opened.states["two_factor"]
    return {
        "company": work.company.code,
        "user_id": opened.record.fields.user_id,
        **section("two_factor").as_json(work, state),
        "version": opened.record.version,
    }


def _format_two_factor(work: Work, pk: int, *, as_json: bool) -> str:
    opened = UserEditor(work).open(pk, ["two_factor"])
    if as_json:
        return json.dumps(two_factor_as_json(work, opened), indent=2)
    summary: TwoFactorSummary = opened.states["two_factor"]
    method = TwoFactorMethod(summary.method)
    if summary.has_authenticator and summary.confirmed_at is not None:
        authenticator = f"set up {summary.confirmed_at:%Y-%m-%d %H:%M} UTC"
    else:
        authenticator = "set up" if summary.has_authenticator else "none"
    if summary.authenticator_pending:
        authenticator += "; a new key waits for '2fa confirm'"
    destination = describe_destination(
        summary.method, summary.destination, work.company.phone_region
    )
    rows = [
        ("Method", METHOD_LABELS[method]),
        ("Tokens go to", destination if method.value in TOKEN_METHODS else ""),
        ("Setup", SETUP_LABELS[TwoFactorSetup(summary.setup)] if summary.setup else ""),
        ("Title for Authenticator", summary.title),
        ("Authenticator", authenticator),
        ("Recovery codes left", str(summary.recovery_codes_left)),
    ]
    lines = [f"2FA - {opened.record.heading}"]
    lines += [f"  {label + ':':<26}{value or '-'}" for label, value in rows]
    return "\n".join(lines)


def _format_codes(
    record: UserRecord, codes: list[str], heading: str, args: argparse.Namespace
) -> str:
    if args.json:
        return json.dumps({"user_id": record.fields.user_id, "recovery_codes": codes}, indent=2)
    lines = [heading, "Recovery codes, shown only now (each works once, in place of a token):"]
    lines += [f"  {code}" for code in codes]
    return "\n".join(lines)
