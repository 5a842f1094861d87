"""`usersetup providers ...` and `usersetup epcs ...`, on the test's database, at its clock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from app.audit import Action
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.signin.outcomes import TOKEN_REFUSED
from cli.errors import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from tests.conftest import FixedClock
from tests.helpers.cli import CommandLine
from tests.helpers.epcs import add_provider, add_registrant, token
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.roles import SetupRole

COMPANY = ("--company", "valley")
AS_HYNES = (*COMPANY, "--as", "drhynes")
PASSWORD = "quiet harbor lights\n"  # drhynes's, the first line --as reads


@pytest.fixture
def usersetup(
    database: Database, company: CompanyInfo, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> CommandLine:
    return CommandLine(capsys, database=database, clock=clock)


@pytest.fixture
def people(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    return {
        # The approver signs in with --as: an Administrator holds EPCS approver.
        "hynes": add_registrant(
            database, company, clock, "drhynes", "Hynes", role=SetupRole.ADMINISTRATOR
        ),
        "fox": add_registrant(
            database, company, clock, "drfox", "Fox", expires_on=date(2027, 5, 31)
        ),
    }


def _request(usersetup: CommandLine, *extra: str) -> dict[str, Any]:
    return usersetup.json(*COMPANY, "epcs", "request", "drfox", *extra)  # type: ignore[no-any-return]


def test_providers_list_and_set_with_the_dea_rule(usersetup, database, company):
    provider = add_provider(database, company, "Lopez", dea="")
    code, out, err = usersetup(
        *COMPANY, "providers", "set", str(provider), "--dea", "BL1234567",
        "--dea-expires", "2028-01-31",
    )  # fmt: skip
    assert (code, out) == (EXIT_REFUSED, "")
    assert "--dea: BL1234567 fails the DEA check-digit rule (its last digit would be 3)" in err

    shown = usersetup.json(
        *COMPANY, "providers", "set", str(provider), "--dea", "BL1234563",
        "--dea-expires", "2028-01-31", "--state-license", "TX M 9876",
    )  # fmt: skip
    assert shown["dea_number"] == "BL1234563" and shown["dea_expires_on"] == "2028-01-31"
    listed = {p["id"]: p for p in usersetup.json(*COMPANY, "providers", "list")}
    assert listed[provider]["state_license"] == "TX M 9876"
    code, out, _ = usersetup(*COMPANY, "providers", "list")
    assert (
        f"#{provider}  Lopez MD, Pat: DEA BL1234563, expires 2028-01-31; licence TX M 9876" in out
    )
    code, _, err = usersetup(*COMPANY, "providers", "set", str(provider), "--dea-expires", "soon")
    assert code == EXIT_USAGE and "2027-05-31, or none" in err


def test_a_request_is_pending_and_said_so(usersetup, people):
    request = _request(usersetup)
    assert (request["kind"], request["status"]) == ("grant", "pending")
    [pending] = usersetup.json(*COMPANY, "epcs", "pending")
    assert pending["id"] == request["id"] and pending["user_id"] == "drfox"
    status = usersetup.json(*COMPANY, "epcs", "status", "drfox")
    assert status["allowed"] is False and status["pending"]["id"] == request["id"]
    assert status["registration"]["dea_expires_on"] == "2027-05-31"
    code, out, _ = usersetup(*COMPANY, "epcs", "status", "drfox")
    assert code == EXIT_OK and out.startswith("EPCS: pending grant requested by ")


def test_the_database_administrator_cannot_approve_and_is_told_why(usersetup, people):
    request = _request(usersetup)
    code, out, err = usersetup(*COMPANY, "epcs", "approve", str(request["id"]), stdin="123456\n")
    assert (code, out) == (EXIT_REFUSED, "")
    assert "the database administrator cannot approve" in err and "--as USERID" in err
    assert usersetup.json(*COMPANY, "epcs", "status", "drfox")["allowed"] is False


def test_a_grant_for_someone_without_an_authenticator_is_refused(
    usersetup, people, database, company, clock
):
    add_registrant(database, company, clock, "drlee", "Lee", authenticator=False)
    code, _, err = usersetup(*COMPANY, "epcs", "request", "drlee")
    assert code == EXIT_REFUSED
    assert "drlee has no authenticator set up for two-factor sign-in" in err


def test_an_approver_approves_with_the_token_on_standard_input(
    usersetup, people, clock, monkeypatch
):
    request = _request(usersetup)
    code, out, err = usersetup(
        *AS_HYNES,
        "epcs",
        "approve",
        str(request["id"]),
        stdin=PASSWORD + token("drhynes", clock.now),
    )
    assert (code, err) == (EXIT_OK, ""), err
    assert "drfox) may now prescribe controlled substances" in out
    assert usersetup.json(*COMPANY, "epcs", "status", "drfox")["allowed"] is True
    listed = usersetup.json(*COMPANY, "users", "list")
    assert [u["user_id"] for u in listed if u["epcs"]] == ["drfox"]


def test_a_wrong_token_on_the_command_line_is_refused_and_counted(
    usersetup, people, clock, monkeypatch, database
):
    request = _request(usersetup)
    right = token("drhynes", clock.now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    code, out, err = usersetup(
        *AS_HYNES, "epcs", "approve", str(request["id"]), stdin=PASSWORD + wrong
    )
    assert (code, out) == (EXIT_REFUSED, "")
    assert err.strip() == f"usersetup: {TOKEN_REFUSED}"
    assert stored_user(database, people["hynes"]).failed_logins == 1  # committed with the refusal
    code, _, err = usersetup(*AS_HYNES, "epcs", "approve", str(request["id"]), stdin=PASSWORD)
    assert code == EXIT_USAGE and "no authenticator token" in err


def test_refuse_needs_a_reason_and_an_enroller_revokes_at_once(
    usersetup, people, clock, monkeypatch
):
    request = _request(usersetup)
    code, _, err = usersetup(*COMPANY, "epcs", "refuse", str(request["id"]), "--reason", " ")
    assert code == EXIT_REFUSED and "--reason: Say why" in err
    refused = usersetup.json(
        *COMPANY, "epcs", "refuse", str(request["id"]), "--reason", "Licence not verified"
    )
    assert (refused["status"], refused["reason"]) == ("refused", "Licence not verified")

    code, _, err = usersetup(*COMPANY, "epcs", "revoke", "drfox")
    assert code == EXIT_REFUSED and "nothing to revoke" in err
    grant = _request(usersetup)
    usersetup(
        *AS_HYNES, "epcs", "approve", str(grant["id"]), stdin=PASSWORD + token("drhynes", clock.now)
    )
    code, out, _ = usersetup(*COMPANY, "epcs", "revoke", "drfox")  # nobody approves it
    assert (code, out) == (
        EXIT_OK,
        "EPCS access revoked: Fox, Pat (drfox) may no longer prescribe controlled substances.\n",
    )
    assert usersetup.json(*COMPANY, "epcs", "status", "drfox")["allowed"] is False
    assert usersetup.json(*COMPANY, "epcs", "pending") == []


def test_every_epcs_command_first_revokes_lapsed_registrations(
    usersetup, people, clock, monkeypatch, database
):
    grant = _request(usersetup)
    usersetup(
        *AS_HYNES, "epcs", "approve", str(grant["id"]), stdin=PASSWORD + token("drhynes", clock.now)
    )
    clock.now = datetime(2027, 6, 1, 15, 0, tzinfo=clock.now.tzinfo)

    assert usersetup.json(*COMPANY, "epcs", "pending") == []

    assert stored_user(database, people["fox"]).epcs_allowed is False
    [revoked] = audit_events(database, user_pk=people["fox"], prefix=Action.EPCS_REVOKED.value)
    assert revoked.changes[-1]["after"] == "automatic: DEA registration expired on 2027-05-31"


def test_an_unknown_request_or_user_is_refused(usersetup, people, database, company, clock):
    code, _, err = usersetup(*COMPANY, "epcs", "refuse", "999999", "--reason", "x")
    assert code == EXIT_REFUSED and "no EPCS request #999999" in err
    add_user(database, company, clock, "clerk")
    code, _, err = usersetup(*COMPANY, "epcs", "request", "clerk")
    assert code == EXIT_REFUSED and "not linked to a provider" in err


def test_a_request_number_past_what_a_column_holds_is_a_bad_call_not_a_traceback(usersetup):
    for argv in (("withdraw", "99999999999999999999999"), ("refuse", "0", "--reason", "x")):
        code, out, err = usersetup(*COMPANY, "epcs", *argv)
        assert (code, out) == (EXIT_USAGE, "") and err.count("\n") == 1
        assert "REQUEST_ID: no such number" in err
