"""EPCS: two people grant controlled-substance prescribing (21 CFR 1311.125), every refusal
performed, and the program's own revocations; on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app.access import Actor
from app.audit import Action
from app.db.database import Database
from app.epcs.registrations import ProviderRegistrations
from app.epcs.revocation import Kind
from app.epcs.service import Epcs, EpcsRefused
from app.errors import NotAllowedError, ValidationError
from app.practice.company import CompanyInfo
from app.sections.editor import UserEditor
from app.signin.outcomes import TOKEN_REFUSED, TOKEN_USED
from app.two_factor.service import TwoFactorService
from app.users.service import UserService
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.epcs import (
    APPROVER,
    BOTH,
    ENROLLER,
    EpcsDesk,
    add_provider,
    add_registrant,
    person,
    revocation_asked_before,
    token,
)
from tests.helpers.records import (
    add_user,
    audit_events,
    committed_company,
    read_user,
    stored_user,
)
from tests.helpers.statements import count_statements


@pytest.fixture
def desk(database: Database, company: CompanyInfo, clock: FixedClock) -> EpcsDesk:
    return EpcsDesk(database, company, clock)


@pytest.fixture
def people(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, Any]:
    """erin enrols; Dr Hynes approves (a registrant with an authenticator); Dr Fox is to
    be given EPCS access."""
    erin = add_user(database, company, clock, "erin", last_name="Ennis")
    hynes = add_registrant(database, company, clock, "drhynes", "Hynes")
    fox = add_registrant(database, company, clock, "drfox", "Fox", expires_on=date(2027, 5, 31))
    return {
        "erin": person("erin", erin, ENROLLER),
        "hynes": person("drhynes", hynes, APPROVER),
        "fox_pk": fox,
    }


def _events(database: Database, pk: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (e.action, {c["field"]: c.get("after") for c in e.changes})
        for e in audit_events(database, user_pk=pk, prefix="epcs.")
    ]


def _granted(desk: EpcsDesk, people: dict[str, Any]) -> int:
    """Dr Fox given EPCS access by erin and Dr Hynes; the request's id."""
    request = desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))
    desk.run(people["hynes"], lambda e: e.approve(request.id, token("drhynes", desk.clock.now)))
    return request.id


def _status(desk: EpcsDesk, pk: int) -> Any:
    return desk.run(dba(), lambda e: e.status(pk))


# Two people


def test_a_grant_stays_pending_until_a_registrant_approves_it_with_a_fresh_token(
    desk, people, database
):
    fox = people["fox_pk"]
    request = desk.run(people["erin"], lambda e: e.request(fox, Kind.GRANT))

    status = _status(desk, fox)
    assert (status.allowed, status.pending.id) == (False, request.id)
    assert status.line().startswith("EPCS: pending grant requested by erin at TEST-PC on ")
    assert [r.id for r in desk.run(people["hynes"], lambda e: e.pending())] == [request.id]
    assert stored_user(database, fox).epcs_allowed is False

    desk.run(people["hynes"], lambda e: e.approve(request.id, token("drhynes", desk.clock.now)))

    status = _status(desk, fox)
    assert (status.allowed, status.pending) == (True, None)
    assert status.line() == "EPCS: allowed since 2026-11-22, approved by drhynes at TEST-PC"
    assert desk.run(people["hynes"], lambda e: e.pending()) == []
    events = _events(database, fox)
    assert [a for a, _ in events] == [Action.EPCS_REQUESTED, Action.EPCS_APPROVED]
    assert events[1][1]["epcs"] == "allowed"
    assert events[1][1]["requested_by"] == "erin at TEST-PC"


def test_a_revocation_asked_for_before_is_still_approved_by_a_second_person(
    desk, people, database, company
):
    _granted(desk, people)
    fox = people["fox_pk"]
    request = revocation_asked_before(database, company, fox, people["erin"], desk.clock.now)
    assert _status(desk, fox).allowed  # until approved
    desk.clock.now += timedelta(seconds=30)  # the grant's token is used up: the next one
    desk.run(people["hynes"], lambda e: e.approve(request, token("drhynes", desk.clock.now)))
    assert not _status(desk, fox).allowed
    assert _events(database, fox)[-1][1]["epcs"] == "not allowed"


# Every refusal of an approval, performed


def _refused_approval(desk, people, approver: Actor, typed: str | None = None) -> str:
    request = desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))
    typed = typed if typed is not None else token(approver.name.split()[0], desk.clock.now)
    with pytest.raises(EpcsRefused) as refused:
        desk.run(approver, lambda e: e.approve(request.id, typed))
    status = _status(desk, people["fox_pk"])
    assert (status.allowed, status.pending.id) == (False, request.id)  # still pending
    last = audit_events(desk.database, user_pk=people["fox_pk"], prefix="epcs.")[-1]
    assert last.action == Action.EPCS_APPROVAL_REFUSED  # the attempt is on the trail
    return str(refused.value)


def test_nobody_approves_their_own_access(desk, people, database, company, clock):
    fox = person("drfox", people["fox_pk"], BOTH)  # a registrant approver, with a token
    assert "your own EPCS access" in _refused_approval(desk, people, fox)


def test_the_requester_cannot_approve_their_own_request(desk, people, database, company, clock):
    lee = add_registrant(database, company, clock, "drlee", "Lee")
    lee_both = person("drlee", lee, BOTH)
    request = desk.run(lee_both, lambda e: e.request(people["fox_pk"], Kind.GRANT))
    with pytest.raises(EpcsRefused, match="You asked for this request"):
        desk.run(lee_both, lambda e: e.approve(request.id, token("drlee", clock.now)))
    assert not _status(desk, people["fox_pk"]).allowed


def test_an_approver_who_is_no_registrant_is_refused(desk, people, database, company, clock):
    nurse = add_user(database, company, clock, "nurse")
    message = _refused_approval(desk, people, person("nurse", nurse, APPROVER), "123456")
    assert "not linked to a provider" in message


def test_an_approver_whose_dea_registration_expired_is_refused(
    desk, people, database, company, clock
):
    kahn = add_registrant(database, company, clock, "drkahn", "Kahn", expires_on=date(2026, 11, 21))
    message = _refused_approval(desk, people, person("drkahn", kahn, APPROVER))
    assert message == (
        "Only a registrant with a current DEA registration may approve, and you have a DEA "
        "registration that expired on 2026-11-21."
    )


def test_an_approver_without_two_factor_is_refused(desk, people, database, company, clock):
    lee = add_registrant(database, company, clock, "drlee", "Lee", authenticator=False)
    message = _refused_approval(desk, people, person("drlee", lee, APPROVER), "123456")
    assert "you have none set up" in message


def test_an_approver_without_the_right_is_refused(desk, people, database, company, clock):
    lee = add_registrant(database, company, clock, "drlee", "Lee")
    message = _refused_approval(desk, people, person("drlee", lee, ENROLLER))
    assert "EPCS approver" in message


def test_the_database_administrator_cannot_approve(desk, people):
    message = _refused_approval(desk, people, dba(), "123456")
    assert "database administrator cannot approve" in message


def test_a_wrong_token_is_refused_and_counts_toward_the_approvers_lockout(desk, people, database):
    hynes = people["hynes"]
    right = token("drhynes", desk.clock.now)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert _refused_approval(desk, people, hynes, wrong) == TOKEN_REFUSED
    assert stored_user(database, hynes.user_pk).failed_logins == 1
    failed = audit_events(database, user_pk=hynes.user_pk, prefix="2fa.failed")
    assert len(failed) == 1


def test_wrong_tokens_lock_the_approver_as_at_sign_in(desk, people, database):
    hynes = people["hynes"]
    right = token("drhynes", desk.clock.now)
    request = desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))
    message = ""
    for n in range(5):  # the default policy locks after 5 failures in a row
        wrong = f"{(int(right) + 1 + n) % 1_000_000:06d}"
        with pytest.raises(EpcsRefused) as refused:
            desk.run(hynes, lambda e, w=wrong: e.approve(request.id, w))
        message = str(refused.value)
    assert "locked your account" in message
    stored = stored_user(database, hynes.user_pk)
    assert stored.failed_logins == 5 and stored.locked_until is not None


def test_a_token_used_once_never_approves_again(desk, people, database, company, clock):
    lee = add_registrant(database, company, clock, "drlee", "Lee")
    erin, hynes = people["erin"], people["hynes"]
    first = desk.run(erin, lambda e: e.request(people["fox_pk"], Kind.GRANT))
    second = desk.run(erin, lambda e: e.request(lee, Kind.GRANT))
    used = token("drhynes", clock.now)
    desk.run(hynes, lambda e: e.approve(first.id, used))

    with pytest.raises(EpcsRefused) as refused:
        desk.run(hynes, lambda e: e.approve(second.id, used))

    assert str(refused.value) == TOKEN_USED
    assert not _status(desk, lee).allowed
    assert audit_events(database, user_pk=hynes.user_pk, prefix="2fa.replayed")


def test_approval_checks_the_subjects_registration_again_at_that_moment(desk, people):
    request = desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))
    desk.clock.now = datetime(2027, 6, 1, 15, 0, tzinfo=desk.clock.now.tzinfo)  # Fox lapsed
    with pytest.raises(EpcsRefused, match="expired on 2027-05-31"):
        desk.run(people["hynes"], lambda e: e.approve(request.id, token("drhynes", desk.clock.now)))
    assert not stored_user(desk.database, people["fox_pk"]).epcs_allowed


def test_approval_checks_the_subjects_authenticator_again(desk, people, company):
    request = desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))
    with desk.database.transaction() as session:  # reset meanwhile: the grant is withdrawn
        TwoFactorService(session, company, dba(), desk.clock).reset(people["fox_pk"])
    with pytest.raises(EpcsRefused, match="withdrawn already"):
        desk.run(people["hynes"], lambda e: e.approve(request.id, token("drhynes", desk.clock.now)))


# Refusals of a request


@pytest.mark.parametrize(
    ("kw", "says"),
    [
        ({"expires_on": date(2026, 11, 21)}, "expired on 2026-11-21"),
        ({"authenticator": False}, "no authenticator set up"),
        ({"dea": ""}, "no DEA registration number"),
        ({"dea": "BL1234567"}, "not valid"),
    ],
)
def test_a_grant_is_refused_for_someone_who_cannot_prescribe_now(
    desk, people, database, company, clock, kw, says
):
    lee = add_registrant(database, company, clock, "drlee", "Lee", **kw)
    with pytest.raises(EpcsRefused, match=says):
        desk.run(people["erin"], lambda e: e.request(lee, Kind.GRANT))
    assert _events(database, lee) == []


def test_a_grant_for_a_user_with_no_provider_is_refused(desk, people, database, company, clock):
    clerk = add_user(database, company, clock, "clerk")
    with pytest.raises(EpcsRefused, match="not linked to a provider"):
        desk.run(people["erin"], lambda e: e.request(clerk, Kind.GRANT))


def test_a_second_request_while_one_waits_or_a_grant_twice_is_refused(desk, people):
    fox, erin = people["fox_pk"], people["erin"]
    desk.run(erin, lambda e: e.request(fox, Kind.GRANT))
    with pytest.raises(EpcsRefused, match="already has an EPCS request waiting"):
        desk.run(erin, lambda e: e.request(fox, Kind.GRANT))
    with pytest.raises(EpcsRefused, match="nothing to revoke"):
        desk.run(erin, lambda e: e.revoke(people["hynes"].user_pk))


def test_a_grant_for_someone_allowed_already_is_refused(desk, people):
    _granted(desk, people)
    with pytest.raises(EpcsRefused, match="already"):
        desk.run(people["erin"], lambda e: e.request(people["fox_pk"], Kind.GRANT))


def test_only_an_enroller_requests(desk, people):
    with pytest.raises(NotAllowedError, match="EPCS enroller"):
        desk.run(people["hynes"], lambda e: e.request(people["fox_pk"], Kind.GRANT))


def test_an_approver_refuses_with_a_reason_and_the_requester_withdraws(desk, people, database):
    fox, erin, hynes = people["fox_pk"], people["erin"], people["hynes"]
    first = desk.run(erin, lambda e: e.request(fox, Kind.GRANT))
    with pytest.raises(ValidationError):
        desk.run(hynes, lambda e: e.refuse(first.id, "   "))
    refused = desk.run(hynes, lambda e: e.refuse(first.id, "Licence not verified yet"))
    assert (refused.status, refused.reason) == ("refused", "Licence not verified yet")

    second = desk.run(erin, lambda e: e.request(fox, Kind.GRANT))
    with pytest.raises(EpcsRefused, match="Only erin at TEST-PC, who asked for it"):
        desk.run(person("drhynes", hynes.user_pk, BOTH), lambda e: e.withdraw(second.id))
    desk.run(erin, lambda e: e.withdraw(second.id))
    with pytest.raises(EpcsRefused, match="withdrawn already"):
        desk.run(hynes, lambda e: e.approve(second.id, token("drhynes", desk.clock.now)))
    actions = [a for a, _ in _events(database, fox)]
    assert actions == [
        Action.EPCS_REQUESTED,
        Action.EPCS_REFUSED,
        Action.EPCS_REQUESTED,
        Action.EPCS_WITHDRAWN,
    ]
    assert _events(database, fox)[1][1]["reason"] == "Licence not verified yet"


# The program's own revocations


def test_a_lapsed_registration_is_never_reported_allowed_and_the_sweep_revokes_it(
    desk, people, database, company
):
    _granted(desk, people)
    fox = people["fox_pk"]
    lee = add_registrant(
        database, company, desk.clock, "drlee", "Lee", expires_on=date(2027, 5, 31)
    )
    desk.run(people["erin"], lambda e: e.request(lee, Kind.GRANT))
    desk.clock.now = datetime(2027, 6, 1, 4, 30, tzinfo=desk.clock.now.tzinfo)  # 00:30 in NY

    assert stored_user(database, fox).epcs_allowed  # not swept yet, and yet:
    assert not _status(desk, fox).allowed
    with database.transaction() as session:
        rows = UserService(session, company, dba(), desk.clock).list_rows()
    assert [r[8] for r in rows if r[0] == fox] == [False]

    assert desk.run(dba(), lambda e: e.revoke_expired()) == 2
    assert not stored_user(database, fox).epcs_allowed
    assert _events(database, fox)[-1] == (
        Action.EPCS_REVOKED,
        {"epcs": "not allowed", "reason": "automatic: DEA registration expired on 2027-05-31"},
    )
    assert _events(database, lee)[-1][0] == Action.EPCS_WITHDRAWN  # the pending grant
    assert desk.run(dba(), lambda e: e.revoke_expired()) == 0


def test_the_last_day_of_a_registration_still_counts(desk, people, database):
    _granted(desk, people)
    desk.clock.now = datetime(2027, 6, 1, 3, 30, tzinfo=desk.clock.now.tzinfo)  # 23:30 May 31 NY
    assert desk.run(dba(), lambda e: e.revoke_expired()) == 0
    assert _status(desk, people["fox_pk"]).allowed


def test_a_two_factor_reset_revokes_epcs(desk, people, database, company):
    _granted(desk, people)
    fox = people["fox_pk"]
    with database.transaction() as session:
        TwoFactorService(session, company, dba(), desk.clock).reset(fox)
    assert not stored_user(database, fox).epcs_allowed
    assert _events(database, fox)[-1] == (
        Action.EPCS_REVOKED,
        {"epcs": "not allowed", "reason": "automatic: two-factor sign-in reset"},
    )


def test_deactivating_revokes_epcs_and_withdraws_pending_requests(desk, people, database, company):
    _granted(desk, people)
    fox = people["fox_pk"]
    revocation_asked_before(database, company, fox, people["erin"], desk.clock.now)
    with database.transaction() as session:
        UserService(session, company, dba(), desk.clock).set_active(fox, False)
    assert not stored_user(database, fox).epcs_allowed
    actions = [a for a, _ in _events(database, fox)]
    assert actions[-2:] == [Action.EPCS_WITHDRAWN, Action.EPCS_REVOKED]
    assert _events(database, fox)[-1][1]["reason"] == "automatic: user deactivated"
    assert desk.run(people["hynes"], lambda e: e.pending()) == []


def test_deactivating_in_the_user_section_revokes_epcs(desk, people, database, company):
    _granted(desk, people)
    fox = people["fox_pk"]
    stored = read_user(database, company, desk.clock, fox)
    with database.transaction() as session:
        UserService(session, company, dba(), desk.clock).update(
            fox, replace(stored.fields, active=False), stored.version
        )
    assert not stored_user(database, fox).epcs_allowed
    assert _events(database, fox)[-1][1]["reason"] == "automatic: user deactivated"


def test_linking_another_provider_revokes_epcs(desk, people, database, company):
    _granted(desk, people)
    fox = people["fox_pk"]
    other = add_provider(database, company, "Fox", dea="BF6543217")
    stored = read_user(database, company, desk.clock, fox)
    with database.transaction() as session:
        record = UserService(session, company, dba(), desk.clock).update(
            fox, replace(stored.fields, provider_id=other), stored.version
        )
    assert record.registration is not None and record.registration.dea_number == "BF6543217"
    assert not stored_user(database, fox).epcs_allowed


# Providers' registrations


def test_a_registration_is_set_by_an_enroller_checked_and_audited(desk, people, database, company):
    provider = add_provider(database, company, "Lopez", dea="")
    erin = people["erin"]

    def set_(**kw: Any) -> Any:
        with database.transaction() as session:
            return ProviderRegistrations(session, company, erin, desk.clock).set(provider, **kw)

    with pytest.raises(ValidationError) as wrong:
        set_(dea_number="BL1234567", expires_on=date(2028, 1, 31))
    assert "check-digit" in wrong.value.errors["dea_number"]
    with pytest.raises(ValidationError) as undated:
        set_(dea_number="BL1234563")
    assert "expires" in undated.value.errors["dea_expires_on"]
    shown = set_(dea_number="bl 1234563", expires_on=date(2028, 1, 31), state_license="TX M 9876")
    assert shown.registration.line() == "DEA BL1234563, expires 2028-01-31; licence TX M 9876"
    [event] = audit_events(database, company_id=company.id, prefix="provider.")
    assert {c["field"]: c["after"] for c in event.changes} == {
        "provider": "Lopez MD, Pat",
        "dea_number": "BL1234563",
        "dea_expires_on": "2028-01-31",
        "state_license": "TX M 9876",
    }

    with database.transaction() as session, pytest.raises(NotAllowedError):
        ProviderRegistrations(session, company, front_desk(), desk.clock).set(
            provider, state_license="X"
        )


def test_nobody_sets_the_registration_of_their_own_provider(desk, people, database, company):
    hynes = people["hynes"]
    own = stored_user(database, hynes.user_pk).provider_id
    assert own is not None
    with database.transaction() as session, pytest.raises(NotAllowedError, match="your own"):
        ProviderRegistrations(
            session, company, person("drhynes", hynes.user_pk, BOTH), desk.clock
        ).set(own, expires_on=date(2035, 1, 1))


def test_removing_a_registration_revokes_at_once(desk, people, database, company):
    _granted(desk, people)
    fox = people["fox_pk"]
    provider = stored_user(database, fox).provider_id
    assert provider is not None
    with database.transaction() as session:
        ProviderRegistrations(session, company, people["erin"], desk.clock).set(
            provider, dea_number="", expires_on=None
        )
    assert not stored_user(database, fox).epcs_allowed
    assert "number was removed" in _events(database, fox)[-1][1]["reason"]


# What opening a user and the list cost


def test_opening_a_registrant_is_still_one_statement_and_shows_the_registration(
    desk, people, database, company, connection
):
    fox = people["fox_pk"]
    with database.transaction() as session, count_statements(connection) as statements:
        # The User section's page: the registration comes with the row, no statement more.
        opened = UserEditor(Work(session, company, dba(), desk.clock)).open(fox, ["user"])
    assert len(statements) == 1, statements
    registration = opened.states["user"].registration
    assert (
        registration.line()
        == f"DEA {registration.dea_number}, expires 2027-05-31; licence CA A12345"
    )


def test_the_roles_section_reads_a_registrants_epcs_state_with_one_statement_more(
    desk, people, database, company, connection
):
    """Selecting a registrant with the Roles page built: the row, the Roles section's one
    statement and their EPCS requests, all in the opening's one transaction."""
    _granted(desk, people)
    fox, erin = people["fox_pk"], people["erin"]
    with database.transaction() as session, count_statements(connection) as statements:
        opened = UserEditor(Work(session, company, dba(), desk.clock)).open(fox, ["user", "roles"])
    assert len(statements) == 3 and "epcs_requests" in statements[2], statements
    state = opened.states["roles"].epcs
    assert state == _status(desk, fox) and state.allowed  # as Epcs.status reads it
    with database.transaction() as session, count_statements(connection) as statements:
        plain = UserEditor(Work(session, company, dba(), desk.clock)).open(erin.user_pk, ["roles"])
    assert len(statements) == 2, statements  # no provider: no EPCS read
    assert plain.states["roles"].epcs is None


def test_the_list_marks_epcs_in_its_one_statement(desk, people, database, company, connection):
    _granted(desk, people)
    with database.transaction() as session, count_statements(connection) as statements:
        rows = UserService(session, company, dba(), desk.clock).list_rows()
    assert len(statements) == 1, statements
    marked = {row[1] for row in rows if row[8]}
    assert marked == {"drfox"}


def test_the_sweep_is_one_statement_when_nobody_lapsed(desk, people, connection):
    _granted(desk, people)
    with count_statements(connection) as statements:
        assert desk.run(dba(), lambda e: e.revoke_expired()) == 0
    assert len([s for s in statements if not s.startswith("SAVEPOINT")]) == 1, statements


# Two at once


def _waiting_on_a_lock(engine: Engine) -> bool:
    """Is a statement of this server waiting for a row lock another transaction holds?"""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        if engine.dialect.name == "postgresql"
        else "SELECT count(*) FROM information_schema.processlist WHERE info LIKE '%FOR UPDATE'"
    )
    with engine.connect() as conn:
        return bool(conn.execute(text(query)).scalar())


def test_two_approvers_at_once_approve_once(engine: Engine, database_url: str, clock: FixedClock):
    """Dr Hynes approves and has not committed; Dr Lee approves the same request from her
    desk meanwhile. Hers waits for the request's row, then reads it approved already."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite lets one writer in at a time: the two approvals cannot overlap there")
    database = Database.for_engine(engine, "race")
    with committed_company(database, engine, "epcsrace") as company:
        erin = add_user(database, company, clock, "erin", last_name="Ennis")
        hynes = add_registrant(database, company, clock, "drhynes", "Hynes")
        lee = add_registrant(database, company, clock, "drlee", "Lee")
        fox = add_registrant(database, company, clock, "drfox", "Fox")
        desk = EpcsDesk(database, company, clock)
        request = desk.run(person("erin", erin, ENROLLER), lambda e: e.request(fox, Kind.GRANT))
        outcomes: list[BaseException | None] = []
        with database.transaction() as session:
            first = Epcs(session, company, person("drhynes", hynes, APPROVER), clock)
            first.approve(request.id, token("drhynes", clock.now))
            session.flush()

            def second() -> None:
                try:
                    desk.run(
                        person("drlee", lee, APPROVER),
                        lambda e: e.approve(request.id, token("drlee", clock.now)),
                    )
                    outcomes.append(None)
                except EpcsRefused as refused:
                    outcomes.append(refused)

            other = threading.Thread(target=second)
            other.start()
            while other.is_alive() and not _waiting_on_a_lock(engine):
                other.join(0.01)
        other.join()
        (outcome,) = outcomes
        assert isinstance(outcome, EpcsRefused) and "approved already" in str(outcome)
        approvals = audit_events(database, user_pk=fox, prefix=Action.EPCS_APPROVED.value)
        assert len(approvals) == 1
