"""The Department List: added, renamed, deactivated and activated again (never deleted), with
unique names whatever their case, audited, and only by whoever may edit groups."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.audit import Action
from app.db.database import Database
from app.db.models import User
from app.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from app.practice.company import CompanyInfo
from app.practice.departments import (
    Departments,
    check_department_choice,
    department_choices,
)
from app.rights import Right
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.groups import operator
from tests.helpers.records import add_user, audit_events


def _each(
    *attempts: Callable[[Departments], object],
) -> tuple[Callable[[Departments], object], ...]:
    return attempts


def _add(database: Database, company: CompanyInfo, clock: FixedClock, name: str) -> int:
    with database.transaction() as session:
        return Departments(session, company, dba(), clock).add(name).id


def _give(database: Database, pk: int, department_id: int) -> None:
    with database.transaction() as session:
        user = session.get(User, pk)
        assert user is not None
        user.department_id = department_id


def test_departments_are_added_renamed_deactivated_and_activated_and_audited(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        departments = Departments(session, company, operator({Right.EDIT_GROUPS}, clock), clock)
        billing = departments.add("  Billing ")
        departments.add("Front Office")
    _give(database, kim, billing.id)
    with database.transaction() as session:
        departments = Departments(session, company, dba(), clock)
        assert departments.rename(billing.id, "Billing Office").name == "Billing Office"
        off = departments.set_active(billing.id, False)
        assert (off.active, off.users) == (False, 1)
        assert [(d.name, d.active, d.users) for d in departments.list_departments()] == [
            ("Billing Office", False, 1),
            ("Front Office", True, 0),
        ]
        assert [d.name for d in departments.list_departments(active_only=True)] == ["Front Office"]
        assert departments.set_active(billing.id, True).active
        assert departments.find("billing office").id == billing.id
    events = audit_events(database, company_id=company.id, prefix="department.")
    assert [e.action for e in events] == [
        Action.DEPARTMENT_ADDED,
        Action.DEPARTMENT_ADDED,
        Action.DEPARTMENT_RENAMED,
        Action.DEPARTMENT_DEACTIVATED,
        Action.DEPARTMENT_ACTIVATED,
    ]
    assert events[2].changes == [{"field": "name", "before": "Billing", "after": "Billing Office"}]
    assert events[3].changes[0] == {
        "field": "department",
        "before": None,
        "after": "Billing Office",
    }


@pytest.mark.parametrize("typed", ["billing", "BILLING", "  Billing  "])
def test_department_names_are_unique_whatever_their_case(
    database: Database, company: CompanyInfo, clock: FixedClock, typed: str
) -> None:
    _add(database, company, clock, "Billing")
    other = _add(database, company, clock, "Front Office")
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        Departments(session, company, dba(), clock).add(typed)
    assert refused.value.errors == {"name": "A department named “Billing” exists already."}
    with pytest.raises(ValidationError), database.transaction() as session:
        Departments(session, company, dba(), clock).rename(other, typed)


def test_a_department_name_is_required(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        Departments(session, company, dba(), clock).add("  ")
    assert refused.value.errors == {"name": "Department name is required."}


def test_without_edit_groups_the_department_list_cannot_be_changed(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    billing = _add(database, company, clock, "Billing")
    for actor in (front_desk(), operator({Right.EDIT_USERS, Right.EDIT_ROLES}, clock)):
        for attempt in _each(
            lambda d: d.add("Lab"),
            lambda d: d.rename(billing, "Other"),
            lambda d: d.set_active(billing, False),
        ):
            with pytest.raises(NotAllowedError), database.transaction() as session:
                attempt(Departments(session, company, actor, clock))
    with database.transaction() as session:
        assert [
            (d.name, d.active)
            for d in Departments(session, company, dba(), clock).list_departments()
        ] == [("Billing", True)]


def test_a_department_saved_elsewhere_meanwhile_is_a_conflict(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    billing = _add(database, company, clock, "Billing")
    with database.transaction() as session:
        read = Departments(session, company, dba(), clock).list_departments()[0].version
        Departments(session, company, dba(), clock).rename(billing, "Billing Office")
    with pytest.raises(ConflictError) as refused, database.transaction() as session:
        Departments(session, company, dba(), clock).set_active(billing, False, read)
    assert str(refused.value).startswith("This department was changed by mreyes")


def test_a_deactivated_department_is_offered_only_to_the_user_who_has_it(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    billing = _add(database, company, clock, "Billing")
    front = _add(database, company, clock, "Front Office")
    with database.transaction() as session:
        Departments(session, company, dba(), clock).set_active(billing, False)
        assert [c.label for c in department_choices(session, company.id, None)] == ["Front Office"]
        mine = department_choices(session, company.id, billing)
        assert [(c.label, c.active) for c in mine] == [("Billing", False), ("Front Office", True)]
        check_department_choice(session, company.id, billing, billing)  # kept on save
        check_department_choice(session, company.id, front, billing)
        check_department_choice(session, company.id, None, billing)
        with pytest.raises(ValidationError) as refused:
            check_department_choice(session, company.id, billing, front)
        assert refused.value.errors == {
            "department_id": "Billing is deactivated; choose another department."
        }


def test_a_department_of_another_company_is_not_found(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with pytest.raises(NotFoundError), database.transaction() as session:
        Departments(session, company, dba(), clock).rename(987654, "Lab")
    with pytest.raises(NotFoundError), database.transaction() as session:
        Departments(session, company, dba(), clock).find("Lab")
    with pytest.raises(ValidationError), database.transaction() as session:
        check_department_choice(session, company.id, 987654, None)


def test_a_name_taken_meanwhile_by_another_workstation_is_refused_beside_the_name(
    database: Database, company: CompanyInfo, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(database, company, clock, "Billing")
    monkeypatch.setattr(Departments, "_checked", lambda self, name, department_id: name)
    with pytest.raises(ValidationError) as refused, database.transaction() as session:
        Departments(session, company, dba(), clock).add("BILLING")
    assert refused.value.errors == {"name": "A department named “BILLING” exists already."}
