"""No caller's word for what is stored: a client of app/ once handed UserEditor the state it
said it loaded, and a forged one equal to its edit skipped every Roles rule (Front Desk could
give Administrator). The editor now reads each edited section's stored state itself and takes
none from its caller; each test makes the old attack's edit through UserEditor.save or check
and sees it refused, on SQLite, PostgreSQL and MariaDB.

The practice is test_roles_section's: Dana the delegate holds the billing and schedule rights
and may edit users, roles and groups, but not prescribe.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.access import Actor
from app.db.database import Database
from app.db.models import BuiltInRole
from app.errors import NotAllowedError, PasswordAgainError
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.effective import EffectiveRights, Source
from app.sections.base import Target
from app.sections.editor import Opened, SectionProblems, UserEditor
from app.sections.roles import RolesEdit, RolesState
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import front_desk
from tests.helpers.catalog import built_in_id, set_base_role
from tests.helpers.records import add_user, audit_events
from tests.helpers.roles import stored_roles
from tests.test_roles_section import Practice, delegate, opened, practice

__all__ = ["practice"]  # the fixture, shared with test_roles_section


def forged(shown: Opened, edit: RolesEdit, rights: frozenset[Right] = frozenset()) -> Opened:
    """``shown`` with a Roles state claiming the user already holds what ``edit`` ticks (and
    ``rights``, if given, as their effective rights)."""
    state: RolesState = shown.states["roles"]
    lie = replace(
        state,
        roles=tuple(replace(r, held=r.id in edit.role_ids) for r in state.roles),
        groups=tuple(replace(g, member=g.id in edit.group_ids) for g in state.groups),
    )
    if rights:
        lie = replace(lie, effective=EffectiveRights({r: (Source("forged"),) for r in rights}))
    assert (lie.role_ids, lie.group_ids) == (edit.role_ids, edit.group_ids)
    return replace(shown, states={**shown.states, "roles": lie})


def save_forged(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    edit: RolesEdit,
    actor: Actor,
    rights: frozenset[Right] = frozenset(),
) -> None:
    shown = opened(database, company, clock, pk)
    forged(shown, edit, rights)  # what the attack claimed: there is no way to hand it over
    with database.transaction() as session:
        editor = UserEditor(Work(session, company, actor, clock))
        editor.save(Target(pk, shown.record.version), {"roles": edit})


def test_the_front_desk_cannot_give_administrator_by_claiming_it_is_held(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        administrator = built_in_id(session, company, BuiltInRole.ADMINISTRATOR)
    before = [e.id for e in audit_events(database, user_pk=pk)]
    edit = RolesEdit({administrator})
    with pytest.raises(NotAllowedError):
        save_forged(database, company, clock, pk, edit, front_desk())
    shown = opened(database, company, clock, pk)
    with pytest.raises(NotAllowedError), database.transaction() as session:  # the check alone
        UserEditor(Work(session, company, front_desk(), clock)).check(
            Target(pk, shown.record.version), {"roles": edit}
        )
    assert stored_roles(database, company.id, pk) == ()
    assert [e.id for e in audit_events(database, user_pk=pk)] == before


def test_a_delegate_cannot_give_a_right_she_lacks_by_claiming_it_is_held(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    dana = delegate(practice, clock)
    with pytest.raises(SectionProblems) as refused:
        save_forged(database, company, clock, pk, RolesEdit({practice.prescriber}), dana)
    assert "Prescribe" in refused.value.by_section["roles"]["roles"]
    assert stored_roles(database, company.id, pk) == ()


def test_the_base_role_cannot_be_taken_by_claiming_it_was_never_held(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        set_base_role(session, company, practice.billing)
    dana = delegate(practice, clock)
    shown = opened(database, company, clock, pk)  # made before the rule: give it now
    with database.transaction() as session:
        UserEditor(Work(session, company, dana, clock)).save(
            Target(pk, shown.record.version), {"roles": RolesEdit({practice.billing})}
        )
    assert stored_roles(database, company.id, pk) == ("Billing Clerk",)
    with pytest.raises(SectionProblems) as refused:
        save_forged(database, company, clock, pk, RolesEdit({practice.scheduling}), dana)
    assert "Billing Clerk" in refused.value.by_section["roles"]["roles"]
    assert stored_roles(database, company.id, pk) == ("Billing Clerk",)


def test_the_password_is_asked_again_whatever_rights_the_caller_says_the_user_holds(
    database: Database, company: CompanyInfo, clock: FixedClock, practice: Practice
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    stale = delegate(practice, clock, entered_ago=6)
    claimed = frozenset({Right.VIEW_USERS, Right.EDIT_USERS})  # what User Clerk gives
    edit = RolesEdit({practice.user_clerk})
    shown = opened(database, company, clock, pk)
    with pytest.raises(PasswordAgainError), database.transaction() as session:
        UserEditor(Work(session, company, stale, clock)).save(
            Target(pk, shown.record.version), {"roles": edit}
        )
    with pytest.raises(PasswordAgainError):  # ticks and rights both forged
        save_forged(database, company, clock, pk, edit, stale, claimed)
    assert stored_roles(database, company.id, pk) == ()
