"""`usersetup login`: would this sign-in be allowed? The answer is the exit code."""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app.clock import Clock, Held, source_of
from app.db.database import Database
from app.db.models import TwoFactorMethod
from app.errors import (
    NotFoundError,
)
from app.outbound.delivery import CompanySenders
from app.practice.company import (
    load_company,
)
from app.sections.two_factor import TOKEN_METHODS
from app.signin.check import (
    REFUSED,
    Reason,
    SignInResult,
    SignInService,
)
from app.signin.flow import TOLD
from app.signin.second_factor import SecondFactor, TokenSent, send_token
from app.two_factor.policy import Need
from app.two_factor.service import METHOD_LABELS
from cli.errors import EXIT_OK, UsageError
from cli.passwords import read_password

# --at within these: the check adds days and weeks to the moment, and Python's dates end at 9999.
AT_RANGE = (datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC))
LOGIN_EXIT_CODES = {
    Reason.SIGNED_IN: EXIT_OK,
    Reason.INVALID: 10,
    Reason.LOCKED: 11,
    Reason.INACTIVE: 12,
    Reason.PASSWORD_CHANGE_REQUIRED: 13,
    Reason.TWO_FACTOR_REQUIRED: 14,
    Reason.OUTSIDE_HOURS: 15,
    Reason.EXPIRED: 16,
    Reason.TIME_UNCHECKED: 17,
}


def login(
    args: argparse.Namespace,
    database: Database,
    stdin: TextIO,
    clock: Clock,
    measure: Callable[[Session], None] = lambda _session: None,
) -> int:
    """Check a sign-in the way every program on the database does; the answer is the exit code."""
    if not args.company:
        raise UsageError("login needs --company CODE")
    if args.at and (args.token or args.password_stdin):
        # Passwords and tokens tried at a made-up moment would be neither counted nor
        # recorded: a way to guess them with no lockout and no trace.
        raise UsageError(
            "--at asks about the account at another moment and takes no password or token"
        )
    if not args.at and not args.password_stdin:
        raise UsageError("login needs --password-stdin (or --at TIME)")
    password = "" if args.at else read_password(stdin, confirm=False)
    sent: TokenSent | None = None

    def check(session: Session) -> tuple[datetime, SignInResult]:
        measure(session)  # the server's clock, read with the check
        at = _moment(args.at, session, args.company, clock)
        # now: the clock's moment, and whose it is; --at: a moment given, whoever's clock
        moment = Held(at) if args.at else Held(at, source_of(clock))
        service = SignInService(
            session, moment, socket.gethostname(), ip_from_caller=args.ip is not None
        )
        if args.at:  # a question about another moment: answered, nothing recorded or changed
            return at, service.answer_at(args.company, args.user_id, args.ip)
        return at, service.check(args.company, args.user_id, password, ip=args.ip, token=args.token)

    # run(): on the embedded file the password is verified before the write lock is taken
    at, result = database.run(check)
    if (
        args.send_token
        and not args.at
        and result.reason is Reason.TWO_FACTOR_REQUIRED
        and result.two_factor is Need.TOKEN
        and result.method in TOKEN_METHODS
        and result.company is not None
        and result.user_pk is not None
    ):  # after the check has committed: nothing is sent while a transaction is open
        sent = send_token(
            database,
            lambda s: SecondFactor(s, lambda: at, socket.gethostname()),
            result.company,
            result.user_pk,
            args.ip,
            CompanySenders(secret_store()),
        )
    if args.json:
        print(json.dumps(_login_as_json(result, sent), indent=2))
    elif result.reason is Reason.TWO_FACTOR_REQUIRED:
        print(f"{result.reason.value}: {_what_is_due(result, args)}")
        if sent is not None:
            print(sent.message)
            if not sent.sent and sent.outcome:  # the command line is the administrator's:
                print(f"Why: {sent.outcome}")  # the mail server's or gateway's own words
    else:
        refusal = TOLD.get(result.reason, REFUSED)
        print(result.reason.value if result.allowed else f"{refusal} ({result.reason.value})")
    return LOGIN_EXIT_CODES[result.reason]


def secret_store() -> Any:
    """Where the mail and text passwords are kept: this computer's keyring."""
    import keyring

    return keyring


def _login_as_json(result: SignInResult, sent: TokenSent | None) -> dict[str, Any]:
    """The stable JSON answer of `usersetup login` (documented in the README)."""
    out: dict[str, Any] = {"reason": result.reason.value, "user_id": result.user_id}
    if result.two_factor is not Need.NONE:
        out["two_factor"] = result.two_factor.value
        out["method"] = result.method
    if sent is not None:
        out["token_sent"] = {
            "sent": sent.sent,
            "message": sent.message,
            "outcome": sent.outcome,  # for the administrator: the server's or gateway's words
            "expires_at": sent.expires_at.isoformat(),
            "next_send_at": sent.next_send_at.isoformat(),
        }
    return out


def _what_is_due(result: SignInResult, args: argparse.Namespace) -> str:
    if result.two_factor is not Need.TOKEN:
        return "an authenticator must be set up first (at sign-in, or 2fa enroll and 2fa confirm)"
    if result.method not in TOKEN_METHODS:
        return "give the token the authenticator app shows with --token"
    how = METHOD_LABELS[TwoFactorMethod(result.method)]
    if args.send_token and args.at:
        return f"a token by {how} is due; nothing is sent with --at"
    if args.send_token:
        return f"a token by {how} is due; give it with --token"
    return f"a token by {how} is due; --send-token sends one"


def _moment(text: str | None, session: Any, company_code: str, clock: Clock) -> datetime:
    if not text:
        return clock()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"--at takes an ISO time such as 2026-03-08T02:15, not {text!r}") from exc
    if moment.tzinfo is None:  # a wall-clock time at the practice
        try:
            zone = ZoneInfo(load_company(session, company_code).time_zone)
        except NotFoundError:
            zone = ZoneInfo("UTC")  # the check will answer "invalid" for the company anyway
        moment = moment.replace(tzinfo=zone)
    try:
        utc: datetime | None = moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+14:00 is before the first moment Python knows
        utc = None
    if utc is None or not AT_RANGE[0] <= utc < AT_RANGE[1]:
        first, last = AT_RANGE[0].year, AT_RANGE[1].year
        raise UsageError(f"--at is out of range: give a time between {first} and {last}")
    return utc
