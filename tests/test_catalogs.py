"""The practice's catalogs: entries added, renamed, deactivated and activated again (never
deleted), names unique in their list whatever their case, a fax line once however it is
typed, audited, and edited only by holders of "Edit catalogs"."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection

from app.audit import Action
from app.catalogs.choices import refuse_new_inactive
from app.catalogs.service import Catalogs, Kind
from app.catalogs.starting import CHART_TABS, NOTE_TYPES
from app.db.database import Database
from app.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.rights import Right
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.groups import operator
from tests.helpers.records import audit_events
from tests.helpers.statements import count_statements


def test_a_company_starts_with_the_usual_note_types_and_chart_tabs(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        assert [e.name for e in catalogs.entries(Kind.NOTE_TYPE)] == list(NOTE_TYPES)
        assert [e.name for e in catalogs.entries(Kind.CHART_TAB)] == list(CHART_TABS)


def test_the_migration_starts_existing_companies_with_the_same_catalogs() -> None:
    from importlib import import_module

    migration = import_module("app.db.migrations.versions.0010_workflow_sections")
    assert (migration.NOTE_TYPES, migration.CHART_TABS) == (NOTE_TYPES, CHART_TABS)


def test_a_fax_number_is_listed_once_however_it_is_typed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        main = catalogs.add_fax_number("(212) 555-0142", "Main office")
        assert (main.number, main.detail, main.shown) == (
            "+12125550142",
            "(212) 555-0142",
            "Main office (212) 555-0142",
        )
        with pytest.raises(ValidationError) as listed:
            catalogs.add_fax_number("+1 212.555.0142", "Billing")
        assert "as \u201cMain office (212) 555-0142\u201d" in listed.value.errors["number"]
        for wrong, said in (("", "Type the fax number"), ("555", "Not a valid phone number")):
            with pytest.raises(ValidationError) as bad:
                catalogs.add_fax_number(wrong)
            assert said in bad.value.errors["number"]
        assert catalogs.find(Kind.FAX, "212-555-0142").id == main.id
        assert catalogs.find(Kind.FAX, "main OFFICE").id == main.id
        assert [e.number for e in catalogs.entries(Kind.FAX)] == ["+12125550142"]


def test_entries_are_renamed_deactivated_and_activated_and_each_edit_is_audited(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(
            session, company, operator({Right.VIEW_USERS, Right.EDIT_CATALOGS}, clock), clock
        )
        xray = catalogs.add_resource(" X-ray ", "machine")
        catalogs.add_resource("Room 1", "room")
        with pytest.raises(ValidationError) as taken:
            catalogs.add_resource("x-RAY", "room")
        assert "exists already" in taken.value.errors["name"]
        with pytest.raises(ValidationError) as kind:
            catalogs.add_resource("Treadmill", "gadget")
        assert "provider, room, machine" in kind.value.errors["kind"]
        renamed = catalogs.rename(Kind.RESOURCE, xray.id, "X-ray suite")
        off = catalogs.set_active(Kind.RESOURCE, xray.id, False)
        assert (renamed.name, off.active) == ("X-ray suite", False)
        assert [e.name for e in catalogs.entries(Kind.RESOURCE, active_only=True)] == ["Room 1"]
        assert catalogs.set_active(Kind.RESOURCE, xray.id, True).active
    events = [e for e in audit_events(database, company_id=company.id, prefix="catalog.")]
    assert [e.action for e in events] == [
        Action.CATALOG_ADDED,
        Action.CATALOG_ADDED,
        Action.CATALOG_CHANGED,
        Action.CATALOG_DEACTIVATED,
        Action.CATALOG_ACTIVATED,
    ]
    assert events[2].changes[-1] == {"field": "name", "before": "X-ray", "after": "X-ray suite"}
    assert {"field": "catalog", "before": None, "after": "resource"} in events[0].changes


def test_templates_live_under_a_category_of_a_chart_tab(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        orders = catalogs.find(Kind.CHART_TAB, "orders")
        labs = catalogs.add_category(orders.id, "Labs")
        cbc = catalogs.add_template(labs.id, "CBC with differential")
        assert (cbc.detail, cbc.parent_id) == ("Orders \u25b8 Labs", labs.id)
        exams = catalogs.find(Kind.CHART_TAB, "Exams")
        catalogs.add_category(exams.id, "Labs")  # the same name on another tab
        with pytest.raises(ValidationError):
            catalogs.add_template(labs.id, "cbc WITH differential")
        catalogs.set_active(Kind.CATEGORY, labs.id, False)
        with pytest.raises(ValidationError) as closed:
            catalogs.add_template(labs.id, "Lipid panel")
        assert "Labs is deactivated" in closed.value.errors["parent"]
        catalogs.set_active(Kind.TEMPLATE, cbc.id, False)
        with pytest.raises(ValidationError):  # nor one under a deactivated category
            catalogs.set_active(Kind.TEMPLATE, cbc.id, True)
        assert [e.detail for e in catalogs.entries(Kind.CATEGORY)] == ["Orders", "Exams"]
        with pytest.raises(NotFoundError) as unknown:
            catalogs.find(Kind.CHART_TAB, "Vitals")
        assert "Orders, Assessments" in str(unknown.value)


def test_note_types_and_chart_tabs_are_added_at_the_end(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        catalogs.add_note_type("Telehealth Note")
        assert catalogs.entries(Kind.NOTE_TYPE)[-1].name == "Telehealth Note"
        catalogs.add_chart_tab("Vitals")
        assert catalogs.entries(Kind.CHART_TAB)[-1].name == "Vitals"


def test_without_the_right_every_catalog_edit_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        room = Catalogs(session, company, dba(), clock).add_resource("Room 1", "room")
    with database.transaction() as session:
        catalogs = Catalogs(session, company, front_desk(), clock)
        assert [e.name for e in catalogs.entries(Kind.RESOURCE)] == ["Room 1"]  # reading is not
        attempts: list[Callable[[], object]] = [
            lambda: catalogs.add_resource("Room 2", "room"),
            lambda: catalogs.add_fax_number("212 555 0199"),
            lambda: catalogs.add_note_type("Telehealth Note"),
            lambda: catalogs.rename(Kind.RESOURCE, room.id, "Room A"),
            lambda: catalogs.set_active(Kind.RESOURCE, room.id, False),
        ]
        for attempt in attempts:
            with pytest.raises(NotAllowedError):
                attempt()
    assert len(audit_events(database, company_id=company.id, prefix="catalog.")) == 1


def test_an_edit_of_an_entry_changed_meanwhile_is_a_conflict(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        room = Catalogs(session, company, dba(), clock).add_resource("Room 1", "room")
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).rename(
            Kind.RESOURCE, room.id, "Room A", room.version
        )
    with database.transaction() as session, pytest.raises(ConflictError):
        Catalogs(session, company, dba(), clock).rename(
            Kind.RESOURCE, room.id, "Room B", room.version
        )


def test_only_active_entries_of_the_company_can_be_newly_chosen(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        one = catalogs.add_resource("Room 1", "room").id
        two = catalogs.set_active(
            Kind.RESOURCE, catalogs.add_resource("Room 2", "room").id, False
        ).id
    with database.transaction() as session:
        with count_statements(connection) as nothing_added:
            refuse_new_inactive(session, company.id, Kind.RESOURCE, {one, two}, {one, two}, "f")
        assert nothing_added == []  # keeping a deactivated one is allowed, and free
        with pytest.raises(ValidationError) as off:
            refuse_new_inactive(session, company.id, Kind.RESOURCE, {one, two}, {one}, "f")
        assert off.value.errors["f"] == "Room 2 is deactivated and cannot be newly chosen."
        with pytest.raises(ValidationError) as missing:
            refuse_new_inactive(session, company.id, Kind.RESOURCE, {one, 99999}, set(), "f")
        assert "does not exist" in missing.value.errors["f"]


def test_a_tabs_templates_are_listed_and_found_by_tab_and_carry_their_parents_names(
    database: Database, connection: Connection, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        orders, exams = (catalogs.find(Kind.CHART_TAB, name) for name in ("Orders", "Exams"))
        for tab in (orders, exams):
            catalogs.add_template(catalogs.add_category(tab.id, "Labs").id, "CBC")
        with count_statements(connection) as listing:
            listed = catalogs.entries(Kind.TEMPLATE, chart_tab_id=exams.id)
        assert len(listing) == 1
        assert [(e.name, e.parents) for e in listed] == [("CBC", ("Exams", "Labs"))]
        assert catalogs.find(Kind.TEMPLATE, "cbc", chart_tab_id=exams.id).id == listed[0].id
        with pytest.raises(NotFoundError) as twice:
            catalogs.find(Kind.TEMPLATE, "CBC")
        assert "give its number as #id" in str(twice.value)
        assert catalogs.entries(Kind.CATEGORY, parent_id=orders.id)[0].parents == ("Orders",)


def test_a_fax_number_without_a_label_is_not_found_by_an_empty_name(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        catalogs.add_fax_number("212 555 0142")
        catalogs.add_fax_number("212 555 0143")
        for text in ("", "  "):
            with pytest.raises(NotFoundError) as nothing:
                catalogs.find(Kind.FAX, text)
            assert "There is no fax number" in str(nothing.value)


def test_a_long_catalog_is_named_in_part_when_an_entry_is_not_found(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        for n in range(20):
            catalogs.add_resource(f"Room {n:02}", "room")
        with pytest.raises(NotFoundError) as unknown:
            catalogs.find(Kind.RESOURCE, "Room 99")
    said = str(unknown.value)
    assert "Room 11" in said and "Room 12" not in said
    assert "20 in all: usersetup catalog list resource" in said
