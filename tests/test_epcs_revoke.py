"""EPCS revocation at once: an EPCS enroller takes the permission away with no second person
(it only removes a privilege), audited; no approver can hold it back; a grant still needs
the second person. On SQLite, PostgreSQL and MariaDB, with test_epcs's people."""

from __future__ import annotations

import pytest

from app.audit import Action
from app.epcs.revocation import Kind
from app.epcs.service import REVOKE_AT_ONCE, REVOKED_AT_ONCE, EpcsRefused
from app.errors import NotAllowedError
from tests.helpers.actors import front_desk
from tests.helpers.epcs import revocation_asked_before, token
from tests.helpers.records import audit_events, stored_user
from tests.test_epcs import _events, _granted, _status, desk, people

__all__ = ["desk", "people"]  # the fixtures, shared with test_epcs


def test_an_enroller_revokes_at_once_and_it_is_audited(desk, people, database):
    _granted(desk, people)
    fox = people["fox_pk"]
    desk.run(people["erin"], lambda e: e.revoke(fox))
    assert stored_user(database, fox).epcs_allowed is False
    assert _status(desk, fox).line() == "EPCS: not allowed"
    assert desk.run(people["hynes"], lambda e: e.pending()) == []  # nobody asked to approve
    [revoked] = audit_events(database, user_pk=fox, prefix=Action.EPCS_REVOKED.value)
    assert revoked.operator == "erin at TEST-PC"
    changes = {c["field"]: (c.get("before"), c.get("after")) for c in revoked.changes}
    assert changes == {
        "epcs": ("allowed", "not allowed"),
        "reason": (None, REVOKED_AT_ONCE),
    }


def test_an_approver_sitting_on_a_revocation_does_not_hold_it_back(desk, people, database, company):
    """A revocation asked for before, refused and asked again, or left pending: the enroller
    revokes at once, and the request waiting is withdrawn."""
    _granted(desk, people)
    fox, erin = people["fox_pk"], people["erin"]
    first = revocation_asked_before(database, company, fox, erin, desk.clock.now)
    desk.run(people["hynes"], lambda e: e.refuse(first, "Not convinced"))
    waiting = revocation_asked_before(database, company, fox, erin, desk.clock.now)
    assert _status(desk, fox).allowed  # the approver decides nothing

    desk.run(erin, lambda e: e.revoke(fox))

    assert not _status(desk, fox).allowed
    assert desk.run(people["hynes"], lambda e: e.pending()) == []
    actions = [a for a, _ in _events(database, fox)]
    assert actions[-2:] == [Action.EPCS_WITHDRAWN, Action.EPCS_REVOKED]
    with pytest.raises(EpcsRefused, match="withdrawn already"):
        desk.run(people["hynes"], lambda e: e.approve(waiting, token("drhynes", desk.clock.now)))


def test_only_an_enroller_revokes_and_only_what_is_allowed(desk, people, database):
    _granted(desk, people)
    fox = people["fox_pk"]
    with pytest.raises(NotAllowedError):
        desk.run(front_desk(), lambda e: e.revoke(fox))
    with pytest.raises(NotAllowedError):  # an approver alone neither
        desk.run(people["hynes"], lambda e: e.revoke(fox))
    assert stored_user(database, fox).epcs_allowed is True
    desk.run(people["erin"], lambda e: e.revoke(fox))
    with pytest.raises(EpcsRefused, match="nothing to revoke"):
        desk.run(people["erin"], lambda e: e.revoke(fox))


def test_a_revocation_is_not_requested_and_a_grant_still_needs_a_second_person(desk, people):
    _granted(desk, people)
    fox, erin = people["fox_pk"], people["erin"]
    with pytest.raises(EpcsRefused) as refused:
        desk.run(erin, lambda e: e.request(fox, Kind.REVOKE))
    assert str(refused.value) == REVOKE_AT_ONCE
    desk.run(erin, lambda e: e.revoke(fox))
    grant = desk.run(erin, lambda e: e.request(fox))
    assert not _status(desk, fox).allowed  # pending until someone else approves
    assert _status(desk, fox).pending.id == grant.id
