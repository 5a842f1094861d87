"""The Resources section through app/ (SQLite, PostgreSQL, MariaDB): the checked resources
grouped by kind, the Default Mobile Resource always one of them, deactivated resources kept
but never newly chosen, another company's refused, the Front Desk refused, one statement to
load (hundreds of resources or not) and none to check an unchanged edit, audited in words,
carried by Copy User."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection

from app.catalogs.service import Catalogs, Kind
from app.db.database import Database
from app.errors import NotAllowedError
from app.practice.company import CompanyInfo, create_company
from app.sections.base import Target
from app.sections.catalog_picks import Picks, PicksEdit
from app.sections.editor import SectionProblems, UserEditor
from app.sections.registry import section
from app.sections.resources import DEFAULT_FIELD, NOT_CHECKED, RESOURCES_FIELD
from app.users.records import UserFields
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.records import add_user, audit_events, version_of
from tests.helpers.statements import count_statements

RESOURCES = section("resources")


@pytest.fixture
def booked(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    """A provider, two rooms and a machine."""
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        return {
            name: catalogs.add_resource(name, kind).id
            for name, kind in (
                ("X-ray", "machine"),
                ("Room 2", "room"),
                ("Room 1", "room"),
                ("Dr. Armstrong", "provider"),
            )
        }


def opened(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Picks:
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        state = UserEditor(work).open(pk, ["resources"]).states["resources"]
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

    with database.transaction() as session:
        work = Work(session, company, actor or dba(), clock)
        UserEditor(work).save(Target(pk, version_of(session, pk)), {"resources": edit})


def deactivate(database: Database, company: CompanyInfo, clock: FixedClock, entry: int) -> None:
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.RESOURCE, entry, False)


def test_the_resources_are_listed_by_kind_in_one_statement_however_many(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock,
    kim: int, booked: dict[str, int],
) -> None:  # fmt: skip
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        for n in range(200):
            catalogs.add_resource(f"Chair {n:03}", "room")
    save(database, company, clock, kim, PicksEdit({booked["X-ray"]}, booked["X-ray"]))
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        user = UserEditor(work)._row(kim)
        with count_statements(connection) as statements:
            state = RESOURCES.load(work, user)
    assert len(statements) == 1, statements
    assert len(state.entries) == 204
    shown = [(p.group, p.shown) for p in state.entries if not p.shown.startswith("Chair")]
    assert shown == [
        ("provider", "Dr. Armstrong"), ("room", "Room 1"), ("room", "Room 2"),
        ("machine", "X-ray"),
    ]  # fmt: skip
    assert state.checked_ids == {booked["X-ray"]} and state.default_id == booked["X-ray"]


def test_the_default_must_be_one_of_the_checked_resources(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, kim, PicksEdit({booked["Room 1"]}, booked["X-ray"]))
    assert refused.value.by_section["resources"] == {DEFAULT_FIELD: NOT_CHECKED}
    assert opened(database, company, clock, kim).checked_ids == frozenset()
    save(
        database,
        company,
        clock,
        kim,
        PicksEdit({booked["Room 1"], booked["X-ray"]}, booked["X-ray"]),
    )
    with pytest.raises(SectionProblems):  # unchecking the default without a new one
        save(database, company, clock, kim, PicksEdit({booked["Room 1"]}, booked["X-ray"]))
    save(database, company, clock, kim, PicksEdit({booked["Room 1"]}, None))
    state = opened(database, company, clock, kim)
    assert (state.checked_ids, state.default_id) == ({booked["Room 1"]}, None)
    first, second = audit_events(database, user_pk=kim, prefix="resources.")
    assert first.changes == [
        {"field": DEFAULT_FIELD, "before": None, "after": "X-ray"},
        {"field": RESOURCES_FIELD, "before": [], "after": ["Room 1", "X-ray"]},
    ]
    assert second.changes == [
        {"field": DEFAULT_FIELD, "before": "X-ray", "after": None},
        {"field": RESOURCES_FIELD, "before": ["Room 1", "X-ray"], "after": ["Room 1"]},
    ]


def test_an_unchanged_edit_is_checked_without_a_statement(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock,
    kim: int, booked: dict[str, int],
) -> None:  # fmt: skip
    save(database, company, clock, kim, PicksEdit({booked["Room 2"]}, booked["Room 2"]))
    current = opened(database, company, clock, kim)
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        with count_statements(connection) as statements:
            checked = RESOURCES.check(work, Target(kim, 1), current, RESOURCES.edit_of(current))
    assert statements == [] and not checked.changed


def test_a_deactivated_resource_is_kept_but_never_newly_chosen(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    xray, room = booked["X-ray"], booked["Room 1"]
    save(database, company, clock, kim, PicksEdit({xray, room}, room))
    deactivate(database, company, clock, xray)
    state = opened(database, company, clock, kim)
    assert [(p.shown, p.active, p.checked) for p in state.entries if p.id == xray] == [
        ("X-ray", False, True)
    ]
    with pytest.raises(SectionProblems) as refused:  # checked, but newly the default
        save(database, company, clock, kim, PicksEdit({xray, room}, xray))
    assert "X-ray is deactivated" in refused.value.by_section["resources"][DEFAULT_FIELD]
    save(database, company, clock, kim, PicksEdit({xray, room, booked["Room 2"]}, room))  # kept

    bob = add_user(database, company, clock, "bob")
    assert xray not in {p.id for p in opened(database, company, clock, bob).entries}
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, bob, PicksEdit({xray}))
    assert "deactivated" in refused.value.by_section["resources"][RESOURCES_FIELD]


def test_another_companys_resource_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    """The attack: a hand-made edit naming a resource of another practice."""
    with database.transaction() as session:
        hill = create_company(session, "hill", "Hill Clinic", "America/Chicago")
        theirs = Catalogs(session, hill, dba(), clock).add_resource("MRI", "machine").id
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, kim, PicksEdit({theirs}, theirs))
    problems = refused.value.by_section["resources"]
    assert "does not exist" in problems[RESOURCES_FIELD]
    assert "does not exist" in problems[DEFAULT_FIELD]
    assert opened(database, company, clock, kim).checked_ids == frozenset()


def test_the_front_desk_cannot_change_a_users_resources(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    with pytest.raises(NotAllowedError):
        save(database, company, clock, kim, PicksEdit({booked["Room 1"]}), front_desk())
    assert audit_events(database, user_pk=kim, prefix="resources.") == []


def test_copy_user_carries_the_active_resources_and_the_default_and_json_shows_them(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    xray, room, doctor = booked["X-ray"], booked["Room 1"], booked["Dr. Armstrong"]
    save(database, company, clock, kim, PicksEdit({xray, room, doctor}, room))
    deactivate(database, company, clock, xray)
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        started = UserEditor(work).start(kim)
        assert started.carried["resources"] == (
            "the resources Dr. Armstrong, Room 1",
            "the default mobile resource Room 1",
        )
        form = UserFields(
            user_id="mhall", first_name="Megan", last_name="Hall",
            new_password="a long new passphrase", retype_password="a long new passphrase",
        )  # fmt: skip
        copy = UserEditor(work).save(Target(copied_from=kim), {"user": form}).record.pk
    state = opened(database, company, clock, copy)
    assert (state.checked_ids, state.default_id) == ({room, doctor}, room)
    with database.transaction() as session:
        shown = RESOURCES.as_json(
            Work(session, company, dba(), clock), opened(database, company, clock, kim)
        )
    assert shown == {
        "resources": [
            {"name": "Dr. Armstrong", "kind": "provider", "active": True},
            {"name": "Room 1", "kind": "room", "active": True},
            {"name": "X-ray", "kind": "machine", "active": False},
        ],
        "default_mobile": "Room 1",
    }


def test_a_copy_whose_default_is_deactivated_carries_no_default(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, booked: dict[str, int]
) -> None:
    xray = booked["X-ray"]
    save(database, company, clock, kim, PicksEdit({xray, booked["Room 1"]}, xray))
    deactivate(database, company, clock, xray)
    with database.transaction() as session:
        started = UserEditor(Work(session, company, dba(), clock)).start(kim)
    copied = started.states["resources"]
    assert copied.default_id is None and copied.checked_ids == {booked["Room 1"]}
