"""The editor checks every edit against what is stored, read by itself in the save's
transaction; no caller can hand it the state it says it loaded. A review performed these
attacks with a forged state equal to the edit (a Fax default of another practice or a
deactivated line; a Templates default the user was not given; Sign Off flags switched on
unaudited); through UserEditor now, as any client of app/ reaches it, each is refused or
audited, on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalogs.service import Catalogs, Kind
from app.catalogs.user_templates import TemplatesEdit
from app.db.catalog_models import UserDefaultTemplate, UserTemplate
from app.db.database import Database
from app.db.models import User
from app.practice.company import CompanyInfo, create_company
from app.sections.base import Target
from app.sections.catalog_picks import PicksEdit
from app.sections.editor import SectionProblems, UserEditor
from app.sections.sign_off import SignOffEdit
from app.sign_off.pin import Pin
from app.workplace import Work
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.records import add_user, audit_events, version_of
from tests.helpers.templates import add_templates, tab_ids


def _save(database: Database, company: CompanyInfo, clock: FixedClock, pk: int, key: str, edit):
    with database.transaction() as session:
        work = Work(session, company, dba(), clock)
        UserEditor(work).save(Target(pk, version_of(session, pk)), {key: edit})


def test_a_fax_default_of_another_practice_or_a_deactivated_line_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        other = create_company(session, "other", "Other Practice", "America/New_York")
        foreign = Catalogs(session, other, dba(), clock).add_fax_number("(212) 555-0199").id
        catalogs = Catalogs(session, company, dba(), clock)
        main = catalogs.add_fax_number("(212) 555-0142", "Main office").id
        old = catalogs.add_fax_number("(212) 555-0100", "Old").id
        catalogs.set_active(Kind.FAX, old, False)
    for bad in (foreign, old):
        with pytest.raises(SectionProblems):
            _save(database, company, clock, kim, "fax", PicksEdit({main}, bad))
        with database.transaction() as session:
            user = session.get(User, kim)
            assert user is not None and user.default_fax_number_id is None


def test_a_templates_default_the_user_was_not_given_is_refused(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        ids = add_templates(session, company, clock, {"Orders": {"Labs": ["CBC", "BMP"]}})
        orders = tab_ids(session, company)["Orders"]
    cbc, bmp = ids["Orders/Labs/CBC"], ids["Orders/Labs/BMP"]
    with pytest.raises(SectionProblems):  # the default outside what is ticked
        _save(database, company, clock, kim, "templates", TemplatesEdit({bmp}, {orders: cbc}))
    _save(database, company, clock, kim, "templates", TemplatesEdit({cbc}, {orders: cbc}))
    with database.transaction() as session:
        granted = session.scalars(
            select(UserTemplate.template_id).where(UserTemplate.user_pk == kim)
        )
        defaults = session.execute(
            select(UserDefaultTemplate.template_id).where(UserDefaultTemplate.user_pk == kim)
        )
        assert (list(granted), [d for (d,) in defaults]) == ([cbc], [cbc])  # both, or neither


def test_sign_off_flags_switched_on_with_a_pin_are_audited_as_switched_on(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    kim = add_user(database, company, clock, "kimberly")
    edit = SignOffEdit(approval=True, required=True, pin=Pin("58203"), retype_pin=Pin("58203"))
    _save(database, company, clock, kim, "sign_off", edit)
    (event,) = audit_events(database, user_pk=kim, prefix="sign_off.")
    fields = {change["field"]: change for change in event.changes}
    assert (fields["signoff_approval"]["before"], fields["signoff_approval"]["after"]) == (
        False,
        True,
    )
    assert fields["signoff_required"]["after"] is True
    assert fields["pin"] == {"field": "pin", "change": "set"}  # and never the PIN itself
