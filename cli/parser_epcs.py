"""`usersetup providers` and `usersetup epcs`: their commands and options (EPCS)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.parser_types import CommandParser, date_or, row_id


def add_providers_commands(commands: Any) -> None:
    providers = commands.add_parser(
        "providers", help="the providers' DEA registrations and state licences (EPCS)"
    )
    provider_commands = providers.add_subparsers(
        dest="providers_command", required=True, parser_class=CommandParser
    )
    listing = provider_commands.add_parser("list", help="every provider, with its registration")
    listing.add_argument("--json", action="store_true")
    change = provider_commands.add_parser(
        "set",
        help="set a provider's DEA number, its expiry and the state licence (EPCS enroller)",
        description="Options not given keep their values. The DEA number is checked by DEA's "
        "rule (registrant type, the last name's initial or 9, the check digit).",
    )
    change.add_argument("provider_id", type=row_id, metavar="ID", help="as providers list shows")
    # SUPPRESS: absent unless given, since an empty number and "none" are values to store.
    change.add_argument("--dea", default=argparse.SUPPRESS, metavar="NUMBER", help='"" removes it')
    change.add_argument(
        "--dea-expires",
        type=date_or("none", "2027-05-31"),
        default=argparse.SUPPRESS,
        metavar="YYYY-MM-DD|none",
        help="the last day the DEA registration is good",
    )
    change.add_argument("--state-license", default=argparse.SUPPRESS, metavar="TEXT")
    change.add_argument("--json", action="store_true")


def add_epcs_commands(commands: Any) -> None:
    epcs = commands.add_parser(
        "epcs",
        help="controlled-substance prescribing: requests that a second person approves",
        description="A grant is started by an EPCS enroller and stays pending until a "
        "different user, an EPCS approver who is a DEA registrant with an authenticator, "
        "approves it with a fresh token (21 CFR 1311.125); an EPCS enroller revokes at once, "
        "with no second person. Every epcs command first takes the permission from users "
        "whose DEA registration lapsed.",
    )
    epcs_commands = epcs.add_subparsers(
        dest="epcs_command", required=True, parser_class=CommandParser
    )
    request = epcs_commands.add_parser("request", help="start a grant for a user")
    request.add_argument("user_id", metavar="USERID")
    request.add_argument("--revoke", action="store_true", help="revoke at once, as epcs revoke")
    request.add_argument("--json", action="store_true")
    revoke = epcs_commands.add_parser(
        "revoke", help="take a user's EPCS access away at once (no second person needed)"
    )
    revoke.add_argument("user_id", metavar="USERID")
    revoke.add_argument("--json", action="store_true")
    approve = epcs_commands.add_parser(
        "approve",
        help="approve a pending request: the authenticator's token on standard input",
        description="The approver acts as themselves (--as USERID: their password, then the "
        "token, on standard input); the database administrator cannot approve.",
    )
    approve.add_argument("request_id", type=row_id, metavar="REQUEST_ID")
    approve.add_argument("--json", action="store_true")
    refuse = epcs_commands.add_parser("refuse", help="refuse a pending request, saying why")
    refuse.add_argument("request_id", type=row_id, metavar="REQUEST_ID")
    refuse.add_argument("--reason", required=True, metavar="TEXT")
    refuse.add_argument("--json", action="store_true")
    withdraw = epcs_commands.add_parser("withdraw", help="take back a request one made")
    withdraw.add_argument("request_id", type=row_id, metavar="REQUEST_ID")
    withdraw.add_argument("--json", action="store_true")
    pending = epcs_commands.add_parser("pending", help="the requests waiting for approval")
    pending.add_argument("--json", action="store_true")
    status = epcs_commands.add_parser("status", help="a user's EPCS permission and request")
    status.add_argument("user_id", metavar="USERID")
    status.add_argument("--json", action="store_true")


__all__ = ["add_epcs_commands", "add_providers_commands"]
