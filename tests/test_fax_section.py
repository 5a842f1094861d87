"""The Fax section through app/ (SQLite, PostgreSQL, MariaDB): the default outbound number
and the inbound numbers, each entry once, deactivated ones kept but never newly chosen,
another company's refused, the Front Desk refused, one statement to load and none to check
an unchanged edit, audited in words, carried by Copy User."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection

from app.catalogs.service import Catalogs, Kind
from app.db.database import Database
from app.errors import NotAllowedError, ValidationError
from app.practice.company import CompanyInfo, create_company
from app.sections.base import Target
from app.sections.catalog_picks import Picks, PicksEdit
from app.sections.editor import SectionProblems, UserEditor
from app.sections.fax import DEFAULT_FIELD, INBOUND_FIELD
from app.sections.registry import section
from app.users.records import UserFields
from app.users.writer import UserWriter
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.records import add_user, audit_events, version_of
from tests.helpers.statements import count_statements

FAX = section("fax")


@pytest.fixture
def lines(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    """Three practice lines: Main office, Referrals and an old line, deactivated."""
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        main = catalogs.add_fax_number("(212) 555-0142", "Main office")
        referrals = catalogs.add_fax_number("212.555.0177", "Referrals")
        old = catalogs.add_fax_number("+1 212 555 0100", "Old line")
        return {"main": main.id, "referrals": referrals.id, "old": old.id}


def deactivate(database: Database, company: CompanyInfo, clock: FixedClock, entry: int) -> None:
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.FAX, entry, False)


def opened(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Picks:
    with database.transaction() as session:
        state = UserEditor(Work(session, company, dba(), clock)).open(pk, ["fax"]).states["fax"]
    assert isinstance(state, Picks)
    return state


def save(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    edit: PicksEdit,
    actor: Any = None,
) -> None:
    """The section saved as the window saves it: with the state it loaded."""

    with database.transaction() as session:
        work = Work(session, company, actor or dba(), clock)
        UserEditor(work).save(Target(pk, version_of(session, pk)), {"fax": edit})


def test_the_section_lists_the_practices_lines_once_each_as_the_practice_reads_them(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock,
    kim: int, lines: dict[str, int],
) -> None:  # fmt: skip
    with database.transaction() as session:
        user_row = UserEditor(Work(session, company, dba(), clock))._row(kim)
        with count_statements(connection) as statements:
            state = FAX.load(Work(session, company, dba(), clock), user_row)
    assert len(statements) == 1, statements
    assert [p.shown for p in state.entries] == [
        "Main office (212) 555-0142", "Old line (212) 555-0100", "Referrals (212) 555-0177",
    ]  # fmt: skip
    assert state.checked_ids == frozenset() and state.default_id is None
    with database.transaction() as session, pytest.raises(ValidationError):
        Catalogs(session, company, dba(), clock).add_fax_number("212-555-0142", "Typed again")
    assert len(opened(database, company, clock, kim).entries) == 3


def test_the_default_and_the_inbound_numbers_are_saved_and_audited_in_words(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lines: dict[str, int]
) -> None:
    before = version_of_user(database, kim)
    save(database, company, clock, kim, PicksEdit({lines["referrals"]}, lines["main"]))
    state = opened(database, company, clock, kim)
    assert state.default_id == lines["main"]  # not among the inbound ones: allowed
    assert state.checked_ids == {lines["referrals"]}
    assert version_of_user(database, kim) == before + 1
    (event,) = audit_events(database, user_pk=kim, prefix="fax.")
    assert event.changes == [
        {"field": DEFAULT_FIELD, "before": None, "after": "Main office (212) 555-0142"},
        {"field": INBOUND_FIELD, "before": [], "after": ["Referrals (212) 555-0177"]},
    ]
    save(database, company, clock, kim, PicksEdit({lines["main"]}, None))  # "(none)"
    state = opened(database, company, clock, kim)
    assert (state.default_id, state.checked_ids) == (None, {lines["main"]})
    last = audit_events(database, user_pk=kim, prefix="fax.")[-1]
    assert last.changes[1] == {
        "field": INBOUND_FIELD,
        "before": ["Referrals (212) 555-0177"],
        "after": ["Main office (212) 555-0142"],
    }


def version_of_user(database: Database, pk: int) -> int:
    with database.transaction() as session:
        return version_of(session, pk)


def test_an_unchanged_edit_is_checked_without_a_statement_and_saves_nothing(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock,
    kim: int, lines: dict[str, int],
) -> None:  # fmt: skip
    save(database, company, clock, kim, PicksEdit({lines["main"]}, lines["main"]))
    current = opened(database, company, clock, kim)
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        with count_statements(connection) as statements:
            checked = FAX.check(work, Target(kim, 1), current, FAX.edit_of(current))
    assert statements == [] and not checked.changed
    events = len(audit_events(database, user_pk=kim))
    save(database, company, clock, kim, FAX.edit_of(current))
    assert len(audit_events(database, user_pk=kim)) == events


def test_a_deactivated_line_is_kept_and_shown_but_never_newly_chosen(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lines: dict[str, int]
) -> None:
    save(database, company, clock, kim, PicksEdit({lines["old"]}, lines["old"]))
    deactivate(database, company, clock, lines["old"])
    state = opened(database, company, clock, kim)
    (old,) = [p for p in state.entries if p.id == lines["old"]]  # once: default and inbound
    assert (old.active, old.checked, state.default_id) == (False, True, lines["old"])
    save(database, company, clock, kim, PicksEdit({lines["old"], lines["main"]}, lines["old"]))
    assert opened(database, company, clock, kim).checked_ids == {lines["old"], lines["main"]}

    bob = add_user(database, company, clock, "bob")
    assert lines["old"] not in {p.id for p in opened(database, company, clock, bob).entries}
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, bob, PicksEdit({lines["old"]}, lines["old"]))
    problems = refused.value.by_section["fax"]
    assert "Old line (212) 555-0100 is deactivated" in problems[INBOUND_FIELD]
    assert "deactivated" in problems[DEFAULT_FIELD]
    assert opened(database, company, clock, bob).checked_ids == frozenset()

    save(database, company, clock, kim, PicksEdit({lines["main"]}, None))  # let go of it
    state = opened(database, company, clock, kim)
    assert lines["old"] not in {p.id for p in state.entries}


def test_another_companys_line_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lines: dict[str, int]
) -> None:
    """The attack: a hand-made edit naming a line of another practice in the same database."""
    with database.transaction() as session:
        hill = create_company(session, "hill", "Hill Clinic", "America/Chicago")
        theirs = Catalogs(session, hill, dba(), clock).add_fax_number("(312) 555-0199").id
    for edit in (PicksEdit({theirs}), PicksEdit((), theirs)):
        with pytest.raises(SectionProblems) as refused:
            save(database, company, clock, kim, edit)
        (message,) = refused.value.by_section["fax"].values()
        assert "does not exist" in message
    assert opened(database, company, clock, kim).checked_ids == frozenset()


def test_the_front_desk_cannot_change_a_users_fax_numbers(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lines: dict[str, int]
) -> None:
    with pytest.raises(NotAllowedError):
        save(database, company, clock, kim, PicksEdit({lines["main"]}), front_desk())
    assert opened(database, company, clock, kim).checked_ids == frozenset()
    assert audit_events(database, user_pk=kim, prefix="fax.") == []


def test_copy_user_carries_the_active_lines_and_json_shows_them(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, lines: dict[str, int]
) -> None:
    save(
        database, company, clock, kim,
        PicksEdit({lines["main"], lines["old"], lines["referrals"]}, lines["old"]),
    )  # fmt: skip
    deactivate(database, company, clock, lines["old"])
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        started = UserEditor(work).start(kim)
        assert started.carried["fax"] == (
            "the inbound fax numbers Main office (212) 555-0142, Referrals (212) 555-0177",
        )  # the old line's gone with it, and with it the default
        form = UserFields(
            user_id="mhall", first_name="Megan", last_name="Hall",
            new_password="a long new passphrase", retype_password="a long new passphrase",
        )  # fmt: skip
        copy = UserEditor(work).save(Target(copied_from=kim), {"user": form}).record.pk
    state = opened(database, company, clock, copy)
    assert (state.checked_ids, state.default_id) == ({lines["main"], lines["referrals"]}, None)
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        shown = FAX.as_json(work, opened(database, company, clock, kim))
    assert shown == {
        "default_outbound": {"number": "+12125550100", "label": "Old line", "active": False},
        "inbound": [
            {"number": "+12125550142", "label": "Main office", "active": True},
            {"number": "+12125550100", "label": "Old line", "active": False},
            {"number": "+12125550177", "label": "Referrals", "active": True},
        ],
    }


def test_an_edit_adding_a_line_asks_the_catalog_once_and_saves_in_three_statements(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock,
    kim: int, lines: dict[str, int],
) -> None:  # fmt: skip
    """Check: the added line asked of the catalog (its name known from the page's state).
    Save (by an actor holding every right, and the row read already): the link, the row's
    UPDATE, the audit event."""
    save(database, company, clock, kim, PicksEdit({lines["main"]}, lines["main"]))
    current = opened(database, company, clock, kim)
    edit = PicksEdit({lines["main"], lines["referrals"]}, lines["main"])
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        version = UserWriter(session, company, work.actor).load(kim).version  # kept: read once
        with count_statements(connection) as checking:
            checked = FAX.check(work, Target(kim, version), current, edit)
        with count_statements(connection) as saving:
            FAX.save(work, Target(kim, version), checked)
            session.flush()  # the audit event, written with the transaction
        # Only a link changed, at the same instant: the row's version moves all the same.
        assert UserWriter(session, company, work.actor).load(kim).version == version + 1
    assert len(checking) == 1, checking
    verbs = [s.split()[0] for s in saving]
    assert verbs == ["INSERT", "UPDATE", "INSERT"], saving
