"""The Templates section of a user, on SQLite, PostgreSQL and MariaDB: one statement to read it
however many templates the practice keeps, a save of a few statements however many change,
and every rule performed as an attack would try it (a deactivated or foreign template newly
checked, a default outside the checked ones, the Front Desk, a stronger user).

The practice here: Orders with Labs (CBC, BMP, Lipid Panel) and Imaging (Chest X-ray, Knee MRI),
Exams with Adult (Annual Physical) and Retired (Old Exam, under a category later deactivated).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.catalogs.user_templates import NAMED_IN_AUDIT, TemplatesEdit, UserTemplates
from app.db.catalog_models import UserDefaultTemplate, UserTemplate
from app.db.database import Database
from app.errors import NotAllowedError
from app.practice.company import CompanyInfo, create_company
from app.rights import Right
from app.sections.base import Target
from app.sections.editor import SectionProblems, UserEditor
from app.sections.registry import section
from app.sections.templates import TemplatesSection
from app.users.records import UserFields
from app.workplace import Work
from cli.users import user_as_json
from tests.conftest import FixedClock
from tests.helpers.actors import WORKSTATION, dba, front_desk
from tests.helpers.records import add_user, audit_events, read_user
from tests.helpers.roles import SetupRole
from tests.helpers.statements import count_statements
from tests.helpers.templates import add_templates, bulk_templates, grant, tab_ids

TREE = {
    "Orders": {"Labs": ["CBC", "BMP", "Lipid Panel"], "Imaging": ["Chest X-ray", "Knee MRI"]},
    "Exams": {"Adult": ["Annual Physical"], "Retired": ["Old Exam"]},
}
SECTION: TemplatesSection = section("templates")  # type: ignore[assignment]


@pytest.fixture
def ids(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, int]:
    with database.transaction() as session:
        made = add_templates(session, company, clock, TREE)
        made.update(tab_ids(session, company))
    return made


def work(session: Any, company: CompanyInfo, clock: FixedClock, actor: Actor | None = None) -> Work:
    return Work(session, company, actor or dba(), clock)


def opened(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Any:
    with database.transaction() as session:
        return UserEditor(work(session, company, clock)).open(pk, ["user", "templates"])


def save(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    granted: set[int],
    defaults: dict[int, int] | None = None,
    actor: Actor | None = None,
) -> Any:
    state = opened(database, company, clock, pk)
    with database.transaction() as session:
        return UserEditor(work(session, company, clock, actor)).save(
            Target(pk, state.record.version),
            {"templates": TemplatesEdit(granted, defaults)},
        )


def stored(database: Database, pk: int) -> tuple[set[int], dict[int, int]]:
    with database.transaction() as session:
        granted = set(
            session.scalars(select(UserTemplate.template_id).where(UserTemplate.user_pk == pk))
        )
        defaults = {
            d.chart_tab_id: d.template_id
            for d in session.scalars(
                select(UserDefaultTemplate).where(UserDefaultTemplate.user_pk == pk)
            )
        }
    return granted, defaults


def shown(state: UserTemplates) -> dict[str, dict[str, list[str]]]:
    """The state as the page lists it: tab, category, template (checked marked with *, one
    not usable with ~)."""
    return {
        tab.name: {
            c.name: [
                ("*" if t.granted else "") + ("" if t.usable else "~") + t.name for t in c.templates
            ]
            for c in tab.categories
        }
        for tab in state.tabs
    }


# Reading


def test_the_section_lists_every_tab_in_order_with_its_categories_and_the_users_checks(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    save(
        database,
        company,
        clock,
        kim,
        {ids["Orders/Labs/CBC"]},
        {ids["Orders"]: ids["Orders/Labs/CBC"]},
    )
    state = opened(database, company, clock, kim).states["templates"]
    assert [t.name for t in state.tabs][:3] == ["Orders", "Assessments", "Exams"]
    assert len(state.tabs) == 10  # every chart tab, those without templates too
    assert shown(state)["Orders"] == {
        "Imaging": ["Chest X-ray", "Knee MRI"],
        "Labs": ["BMP", "*CBC", "Lipid Panel"],
    }
    assert state.defaults == {ids["Orders"]: ids["Orders/Labs/CBC"]}
    assert [tab.granted_count for tab in state.tabs][:3] == [1, 0, 0]


def test_reading_the_section_is_one_statement_at_five_thousand_templates(
    database: Database, connection: Any, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    with database.transaction() as session:
        every = bulk_templates(session, company, categories_per_tab=5, per_category=100)
        grant(session, kim, every[::5])
    assert len(every) == 5_000
    with database.transaction() as session, count_statements(connection) as statements:
        state = (
            UserEditor(work(session, company, clock))
            .open(kim, ["user", "templates"])
            .states["templates"]
        )
    assert len(statements) == 2, statements  # the user's row; the whole section
    assert len(state.granted_ids) == 1_000
    assert sum(len(c.templates) for tab in state.tabs for c in tab.categories) == 5_000
    with database.transaction() as session, count_statements(connection) as statements:
        blank = SECTION.blank(work(session, company, clock))
    assert len(statements) == 1 and not blank.granted_ids


def test_a_deactivated_template_shows_only_to_users_who_have_it_and_not_as_usable(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    save(database, company, clock, kim, {ids["Exams/Retired/Old Exam"], ids["Orders/Labs/BMP"]})
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        catalogs.set_active(Kind.CATEGORY, ids["Exams/Retired"], False)
        catalogs.set_active(Kind.TEMPLATE, ids["Orders/Labs/BMP"], False)
    other = add_user(database, company, clock, "other")
    assert shown(opened(database, company, clock, kim).states["templates"])["Exams"] == {
        "Adult": ["Annual Physical"],
        "Retired": ["*~Old Exam"],
    }
    assert (
        "*~BMP"
        in shown(opened(database, company, clock, kim).states["templates"])["Orders"]["Labs"]
    )
    theirs = shown(opened(database, company, clock, other).states["templates"])
    assert theirs["Exams"] == {"Adult": ["Annual Physical"]}  # nothing of Retired to keep
    assert theirs["Orders"]["Labs"] == ["CBC", "Lipid Panel"]


# The rules


def test_a_deactivated_template_is_kept_but_never_newly_checked(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    old = ids["Exams/Retired/Old Exam"]
    save(database, company, clock, kim, {old})
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(
            Kind.CATEGORY, ids["Exams/Retired"], False
        )
    save(database, company, clock, kim, {old, ids["Orders/Labs/CBC"]})  # keeping it is fine
    other = add_user(database, company, clock, "other")
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, other, {old})  # under a deactivated category
    assert "Old Exam is deactivated" in refused.value.by_section["templates"]["templates"]
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.CHART_TAB, ids["Orders"], False)
    with pytest.raises(SectionProblems) as refused:  # under a deactivated chart tab
        save(database, company, clock, other, {ids["Orders/Labs/BMP"]})
    assert "BMP is deactivated" in refused.value.by_section["templates"]["templates"]
    assert stored(database, other) == (set(), {})


def test_another_companys_template_cannot_be_checked(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    with database.transaction() as session:
        theirs = create_company(session, "hill", "Hill Clinic", "America/New_York")
        foreign = add_templates(session, theirs, clock, {"Orders": {"Labs": ["CBC"]}})
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, kim, {foreign["Orders/Labs/CBC"]})
    assert "does not exist" in refused.value.by_section["templates"]["templates"]
    assert stored(database, kim) == (set(), {})


def test_a_default_must_be_one_of_the_templates_checked_for_its_tab(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    cbc, physical = ids["Orders/Labs/CBC"], ids["Exams/Adult/Annual Physical"]
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, kim, {physical}, {ids["Orders"]: cbc})  # not checked
    assert refused.value.by_section["templates"] == {
        "default_template": (
            "The default template of Orders must be one of the templates checked for it."
        )
    }
    with pytest.raises(SectionProblems) as refused:
        save(database, company, clock, kim, {cbc, physical}, {ids["Orders"]: physical})
    assert refused.value.by_section["templates"] == {
        "default_template": "Annual Physical is not a template of Orders."
    }
    save(
        database, company, clock, kim, {cbc, physical}, {ids["Orders"]: cbc, ids["Exams"]: physical}
    )
    assert stored(database, kim) == ({cbc, physical}, {ids["Orders"]: cbc, ids["Exams"]: physical})
    with pytest.raises(SectionProblems):  # unchecking the default keeps it nowhere
        save(
            database, company, clock, kim, {physical}, {ids["Orders"]: cbc, ids["Exams"]: physical}
        )
    save(database, company, clock, kim, {physical}, {ids["Exams"]: physical})
    assert stored(database, kim) == ({physical}, {ids["Exams"]: physical})


def test_an_unchanged_edit_costs_no_statement_in_check(
    database: Database,
    connection: Any,
    company: CompanyInfo,
    clock: FixedClock,
    kim: int,
    ids: dict[str, int],
) -> None:
    save(database, company, clock, kim, {ids["Orders/Labs/CBC"]})
    state = opened(database, company, clock, kim).states["templates"]
    with database.transaction() as session, count_statements(connection) as statements:
        checked = SECTION.check(
            work(session, company, clock, front_desk()),
            Target(kim, 1),
            state,
            SECTION.edit_of(state),
        )
    assert statements == [] and not checked.changed  # and no right asked of the Front Desk


def test_saving_is_a_few_statements_however_many_templates_change(
    database: Database, connection: Any, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """The row and the section as stored (the editor's own read), the check's read of what
    is newly granted, the DELETEs and INSERTs, the row's UPDATE and the audit event."""
    with database.transaction() as session:
        every = bulk_templates(session, company, categories_per_tab=5, per_category=100)
        tabs = tab_ids(session, company)
    tab_of = sorted(tabs.values())  # every[k] is on the (k // 500)th tab
    counts = []
    for first, last in ((0, 3), (1000, 4000), (4000, 4010)):
        granted = set(every[first:last])
        defaults = {tab_of[first // 500]: every[first]}  # each time another tab's
        state = opened(database, company, clock, kim)
        with database.transaction() as session, count_statements(connection) as statements:
            UserEditor(work(session, company, clock)).save(
                Target(kim, state.record.version),
                {"templates": TemplatesEdit(granted, defaults)},
            )
        counts.append(len(statements))
        assert stored(database, kim) == (granted, defaults)
    # Check: the templates added, read once. Save: DELETE and INSERT ... SELECT for the
    # templates, DELETE and INSERT for the defaults, the UPDATE of the user's row, the audit
    # event: 3 templates or 3,000 alike.
    assert counts == [7, 8, 8], counts  # the first takes nothing away: no DELETE


def test_the_audit_event_counts_and_names_a_few_templates_in_words(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    cbc, bmp = ids["Orders/Labs/CBC"], ids["Orders/Labs/BMP"]
    before = read_user(database, company, clock, kim).version
    save(
        database,
        company,
        clock,
        kim,
        {cbc, bmp, ids["Exams/Adult/Annual Physical"]},
        {ids["Orders"]: cbc},
    )
    save(database, company, clock, kim, {cbc}, {ids["Orders"]: cbc})
    first, second = audit_events(database, user_pk=kim, prefix="templates.")
    assert first.changes == [
        {"field": "templates", "before": 0, "after": 3},
        {"field": "added", "before": None, "after": "Exams: Annual Physical; Orders: BMP, CBC"},
        {"field": "default.Orders", "before": None, "after": "CBC"},
    ]
    assert second.changes == [
        {"field": "templates", "before": 3, "after": 1},
        {"field": "taken_away", "before": None, "after": "Exams: Annual Physical; Orders: BMP"},
    ]
    assert read_user(database, company, clock, kim).version == before + 2  # as every section


def test_checking_a_whole_tab_names_only_the_first_few_in_the_audit(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    with database.transaction() as session:
        every = bulk_templates(session, company, categories_per_tab=5, per_category=100)
    save(database, company, clock, kim, set(every[:500]))
    (event,) = audit_events(database, user_pk=kim, prefix="templates.")
    count, added = event.changes
    assert count == {"field": "templates", "before": 0, "after": 500}
    assert added["after"].endswith(f"; and {500 - NAMED_IN_AUDIT} more (500 in all)")
    assert added["after"].count(",") == NAMED_IN_AUDIT - 1


# Who may


def test_the_front_desk_checks_no_template(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    with pytest.raises(NotAllowedError):
        save(database, company, clock, kim, {ids["Orders/Labs/CBC"]}, actor=front_desk())
    assert stored(database, kim) == (set(), {})
    assert audit_events(database, user_pk=kim, prefix="templates.") == []


def test_a_user_clerk_cannot_change_the_templates_of_an_administrator(
    database: Database, company: CompanyInfo, clock: FixedClock, ids: dict[str, int]
) -> None:
    boss = add_user(database, company, clock, "boss", role=SetupRole.ADMINISTRATOR)
    clerk = Actor("clerk", frozenset({Right.VIEW_USERS, Right.EDIT_USERS}), WORKSTATION, -1)
    with pytest.raises(NotAllowedError, match="holds rights you do not"):
        save(database, company, clock, boss, {ids["Orders/Labs/CBC"]}, actor=clerk)
    assert stored(database, boss) == (set(), {})


# Copy User and the command line


def test_a_copy_carries_the_usable_templates_and_defaults_and_says_so(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    cbc, bmp, old = ids["Orders/Labs/CBC"], ids["Orders/Labs/BMP"], ids["Exams/Retired/Old Exam"]
    save(database, company, clock, kim, {cbc, bmp, old}, {ids["Orders"]: cbc, ids["Exams"]: old})
    with database.transaction() as session:
        Catalogs(session, company, dba(), clock).set_active(Kind.TEMPLATE, old, False)
    with database.transaction() as session:
        editor = UserEditor(work(session, company, clock))
        started = editor.start(kim)
        assert started.carried["templates"] == (
            "2 templates (Orders 2)",
            "the default template of Orders",
        )
        password = "a long new passphrase"
        form = UserFields(user_id="mhall", first_name="Megan", last_name="Hall",
                          new_password=password, retype_password=password)  # fmt: skip
        saved = editor.save(Target(copied_from=kim), {"user": form})
    assert stored(database, saved.record.pk) == ({cbc, bmp}, {ids["Orders"]: cbc})
    (event,) = audit_events(database, user_pk=saved.record.pk, prefix="templates.")
    assert event.changes[0] == {"field": "templates", "before": 0, "after": 2}


def test_users_show_json_lists_each_tabs_templates_and_default(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int, ids: dict[str, int]
) -> None:
    cbc = ids["Orders/Labs/CBC"]
    save(database, company, clock, kim, {cbc}, {ids["Orders"]: cbc})
    with database.transaction() as session:
        w = work(session, company, clock)
        data = user_as_json(w, UserEditor(w).open(kim))["templates"]
    orders = data["chart_tabs"][0]
    assert orders == {
        "chart_tab": "Orders",
        "active": True,
        "granted": [{"id": cbc, "name": "CBC", "category": "Labs", "active": True}],
        "default": {"id": cbc, "name": "CBC"},
    }
    assert data["granted_count"] == 1
    assert data["chart_tabs"][1] == {
        "chart_tab": "Assessments",
        "active": True,
        "granted": [],
        "default": None,
    }


# The demo


def test_the_demo_gives_its_people_templates_and_keeps_a_retired_letter_struck_through(
    database: Database, clock: FixedClock
) -> None:
    from app.practice.demo import create_demo_practice
    from app.users.service import UserService

    with database.transaction() as session:
        demo = create_demo_practice(session, Actor.database_administrator("test"), clock, users=9)
        users = UserService(session, demo.company, dba(), clock)
        kimberly, hynes = users.find("kimberly").pk, users.find("phynes").pk
    letters = next(
        tab for tab in opened(database, demo.company, clock, kimberly).states["templates"].tabs
        if tab.name == "Letters"
    )  # fmt: skip
    marks = {t.name: (t.granted, t.usable) for _c, t in letters.templates()}
    assert marks["No-Show Fee"] == (True, False) and marks["Normal Results"] == (True, True)
    assert letters.default_id is not None
    provider = opened(database, demo.company, clock, hynes).states["templates"]
    orders = provider.tabs[0]
    assert orders.name == "Orders" and orders.granted_count == 12
    assert dict(provider.named())[orders.default_id or 0] == ("Orders", "CBC")
