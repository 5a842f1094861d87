"""The sections in app/: the registry, and the editor that opens, checks and saves them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.catalogs.user_templates import TemplatesEdit
from app.db.database import Database
from app.errors import ConflictError, NotAllowedError
from app.login_times.hours import DayForm, LoginTimes, weekdays_filled
from app.practice.company import CompanyInfo
from app.sections.base import Target
from app.sections.catalog_picks import PicksEdit
from app.sections.editor import Opened, SectionProblems, UserEditor
from app.sections.login_times import LoginTimesEdit
from app.sections.registry import FIRST, SECTIONS, section
from app.sections.roles import RolesEdit
from app.sections.sign_off import SignOffEdit
from app.sections.two_factor import TwoFactorEdit
from app.sign_off.pin import Pin
from app.two_factor.service import TwoFactorForm
from app.users.records import UserFields
from app.workplace import Work, Workplace
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk, signed_in
from tests.helpers.catalog import add_role
from tests.helpers.records import add_user, audit_events, read_user
from tests.helpers.roles import SetupRole
from tests.helpers.statements import count_statements

WEEKDAYS = weekdays_filled(LoginTimes(limited=True))
# The sections that read one statement of their own (the others read only the user's row).
OWN_STATEMENT = ("roles", "sign_off", "fax", "resources", "templates")


def editor(session: object, company: CompanyInfo, clock: FixedClock, actor=None) -> UserEditor:
    return UserEditor(Work(session, company, actor or dba(), clock))  # type: ignore[arg-type]


def new_user(**changes: object) -> UserFields:
    form = UserFields(
        user_id="mhall",
        first_name="Megan",
        last_name="Hall",
        new_password="a long new passphrase",
        retype_password="a long new passphrase",
    )
    return replace(form, **changes)  # type: ignore[arg-type]


# The registry


def test_the_registry_lists_each_section_once_in_the_order_the_window_shows_them():
    keys = [s.key for s in SECTIONS]
    assert keys == [
        "user",
        "roles",
        "sign_off",
        "fax",
        "resources",
        "templates",
        "login_times",
        "two_factor",
    ]
    assert len({s.order for s in SECTIONS}) == len(SECTIONS)
    assert FIRST is section("user")
    assert [s.title for s in SECTIONS] == [  # as the classic User Setup dialog lists them
        "User",
        "Roles",
        "Sign Off",
        "Fax",
        "Resources",
        "Templates",
        "Login Times",
        "2FA",
    ]
    assert [s.icon for s in SECTIONS if s.icon] == ["roles", "clock", "keys"]


# Opening


def test_opening_a_user_reads_the_row_and_one_statement_for_each_catalog_section(
    database: Database, connection, company: CompanyInfo, clock: FixedClock
) -> None:
    """The row for the User, Login Times and 2FA sections; the Roles section's choices with
    the user's effective rights, the Fax section's lines with the user's (each read only once
    its page is shown)."""
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session, count_statements(connection) as statements:
        opened = editor(session, company, clock).open(pk)
    assert len(statements) == 1 + len(OWN_STATEMENT), statements
    for key in OWN_STATEMENT:
        with database.transaction() as session, count_statements(connection) as statements:
            editor(session, company, clock).open(pk, ["user", key])
        assert len(statements) == 2, (key, statements)
    with database.transaction() as session, count_statements(connection) as statements:
        editor(session, company, clock).open(pk, ["user", "login_times", "two_factor"])
    assert len(statements) == 1
    assert set(opened.states) == {s.key for s in SECTIONS}
    assert opened.states["login_times"] == LoginTimes()
    assert opened.states["two_factor"].method == "none"


def test_a_user_of_another_company_is_not_found(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    other = replace(company, id=company.id + 1000, code="other")
    with pytest.raises(Exception, match="does not exist"), database.transaction() as session:
        editor(session, other, clock).open(pk)


# Saving: everything checked first, then one transaction


def test_every_section_is_checked_before_anything_is_written(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    before = audit_events(database)
    bad_hours = LoginTimesEdit(
        True, (DayForm(True, False, "9:00", "later"),) + (DayForm(),) * 6, None
    )
    with database.transaction() as session:
        closed = add_role(session, company, "Retired Role", active=False)
    edits = {
        "user": new_user(email="not an address"),
        "login_times": bad_hours,
        "two_factor": TwoFactorEdit(TwoFactorForm("email", "also not")),
        "roles": RolesEdit({closed}),
        "sign_off": SignOffEdit(pin=Pin("1234"), retype_pin=Pin("1234")),
        "fax": PicksEdit({999_999}),  # no such line
        "resources": PicksEdit((), 999_999),  # a default not checked
        "templates": TemplatesEdit({10**6}),  # no such template
    }
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        editor(session, company, clock).save(Target(), edits)
    problems = refused.value.by_section
    assert list(problems) == [
        "user",
        "roles",
        "sign_off",
        "fax",
        "resources",
        "templates",
        "login_times",
        "two_factor",
    ]  # list's order
    assert "email" in problems["user"] and "sun.end" in problems["login_times"]
    assert "destination" in problems["two_factor"]
    assert "deactivated" in problems["roles"]["roles"]
    assert "does not exist" in problems["fax"]["inbound_fax_numbers"]
    assert "must be one of the checked" in problems["resources"]["default_mobile_resource"]
    assert "in a row" in problems["sign_off"]["pin"]
    assert "does not exist" in problems["templates"]["templates"]
    assert refused.value.first_section == "user"
    assert audit_events(database) == before


def test_a_new_user_is_saved_with_every_section_in_one_transaction(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    with database.transaction() as session:
        saved = editor(session, company, clock).save(
            Target(),
            {
                "user": new_user(),
                "login_times": LoginTimesEdit.of(WEEKDAYS),
                "two_factor": TwoFactorEdit(TwoFactorForm("app", setup="require")),
            },
        )
    assert saved.changed == {"user", "login_times", "two_factor", "roles"}  # no base role: none
    stored = read_user(database, company, clock, saved.record.pk)
    assert stored.login_times == WEEKDAYS
    assert (stored.two_factor.method, stored.two_factor.setup) == ("app", "require")
    actions = [e.action for e in audit_events(database, user_pk=saved.record.pk)]
    assert actions == ["user.created", "login_times.changed", "2fa.method_changed"]


def test_saving_one_field_reads_the_user_once_and_the_policy_at_most_once(
    database: Database, connection, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    with database.transaction() as session:
        opened = editor(session, company, clock).open(pk)
    fields = replace(opened.record.fields, title="Billing Lead")
    administrator = signed_in()  # whose typed passwords the policy allows or not
    with database.transaction() as session, count_statements(connection) as statements:
        editor(session, company, clock, administrator).save(
            Target(pk, opened.record.version), {"user": fields}
        )
    policy_reads = [s for s in statements if "password_policies" in s]
    assert len(policy_reads) <= 1, statements  # checked and saved with one read of it
    assert [s.split()[0] for s in statements if not s.startswith("SAVEPOINT")].count("UPDATE") == 1


def _window_of(database: Database, company: CompanyInfo, clock: FixedClock) -> Workplace:
    """Where the window works, as an Administrator signed in with a row of her own."""
    maria = add_user(database, company, clock, "mreyes", role=SetupRole.ADMINISTRATOR)
    return Workplace(database, company, signed_in(user_pk=maria), clock)


def test_the_windows_click_on_a_user_with_every_section_open_is_one_statement_a_section(
    database: Database, connection, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    window = _window_of(database, company, clock)
    with count_statements(connection) as statements:
        opened = window.within(lambda work: UserEditor(work).open(pk))
    assert set(opened.states) == {s.key for s in SECTIONS}
    # The row; one statement for each section that reads its own (the Roles section's
    # choices with the user's effective rights, ...); no clock read, no read of the
    # operator's rights.
    assert len(statements) == 1 + len(OWN_STATEMENT), statements


def test_the_windows_save_of_one_field_with_every_section_open_is_four_statements_and_the_reopen(
    database: Database, connection, company: CompanyInfo, clock: FixedClock
) -> None:
    """The operator's rights now, the user's row, the UPDATE and its audit event; the form
    shown again after the save costs nothing more (and no clock or policy read) but the Roles
    section's one read, its choices with the effective rights, and one read each of the Sign
    Off, Fax, Resources and Templates sections."""
    pk = add_user(database, company, clock, "kimberly")
    window = _window_of(database, company, clock)
    opened = window.within(lambda work: UserEditor(work).open(pk))
    fields = replace(opened.record.fields, title="Billing Lead")

    def save(work: Work) -> Opened:  # as the window's Save: unchanged sections send no edit
        editor = UserEditor(work)
        saved = editor.save(Target(pk, opened.record.version), {"user": fields})
        return editor.open(saved.record.pk)

    with count_statements(connection) as statements:
        shown = window.within(save)
    verbs = [s.split()[0] for s in statements]
    assert verbs == ["SELECT", "SELECT", "UPDATE", "INSERT"] + ["SELECT"] * len(OWN_STATEMENT), (
        statements
    )
    assert shown.record.fields.title == "Billing Lead"
    assert shown.states["two_factor"].recovery_codes_left == 0


def test_a_save_over_someone_elses_is_a_conflict_and_nothing_is_written(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    stale = read_user(database, company, clock, pk).version
    with database.transaction() as session:
        editor(session, company, clock).save(
            Target(pk, stale), {"login_times": LoginTimesEdit.of(WEEKDAYS)}
        )
    with pytest.raises(ConflictError), database.transaction() as session:
        editor(session, company, clock).save(
            Target(pk, stale), {"login_times": LoginTimesEdit.of(LoginTimes())}
        )
    assert read_user(database, company, clock, pk).login_times == WEEKDAYS


def test_the_front_desk_saves_nothing_through_the_editor(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    pk = add_user(database, company, clock, "kimberly")
    version = read_user(database, company, clock, pk).version
    with pytest.raises(NotAllowedError), database.transaction() as session:
        editor(session, company, clock, front_desk()).save(
            Target(pk, version), {"login_times": LoginTimesEdit.of(WEEKDAYS)}
        )
    assert read_user(database, company, clock, pk).login_times == LoginTimes()


# Copy User


def _source(
    database: Database, company: CompanyInfo, clock: FixedClock, form: TwoFactorForm
) -> int:
    pk = add_user(database, company, clock, "kimberly", title="Billing Specialist")
    version = read_user(database, company, clock, pk).version
    with database.transaction() as session:
        editor(session, company, clock).save(
            Target(pk, version),
            {"login_times": LoginTimesEdit.of(WEEKDAYS), "two_factor": TwoFactorEdit(form)},
        )
    return pk


def test_a_copy_takes_every_section_it_was_not_given_and_says_what(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    source = _source(database, company, clock, TwoFactorForm("app", setup="prompt"))
    with database.transaction() as session:
        started = editor(session, company, clock).start(source)
        assert started.copied_line() == (
            "Copied from Kimberly, Test: Title; Limited access and the hours of each day; "
            "the 2FA method (Two Factor Application)."
        )
        form = replace(started.states["user"].fields, user_id="mhall", first_name="Megan",
                       last_name="Hall", new_password="a long new passphrase",
                       retype_password="a long new passphrase")  # fmt: skip
        saved = editor(session, company, clock).save(Target(copied_from=source), {"user": form})
    copy = read_user(database, company, clock, saved.record.pk)
    assert copy.fields.title == "Billing Specialist"
    assert copy.login_times == WEEKDAYS
    assert (copy.two_factor.method, copy.two_factor.setup) == ("app", "prompt")
    (created,) = audit_events(database, user_pk=copy.pk, prefix="user.")
    assert created.action == "user.copied"


def test_a_copy_of_an_email_user_asks_for_the_new_users_own_address(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    source = _source(database, company, clock, TwoFactorForm("email", "kim@valley.example"))
    with database.transaction() as session:
        started = editor(session, company, clock).start(source)
    assert started.needs == {"two_factor": "their own e-mail address for the 2FA tokens"}
    assert started.states["two_factor"].destination == ""  # never the source's address
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        editor(session, company, clock).save(Target(copied_from=source), {"user": new_user()})
    assert list(refused.value.by_section) == ["two_factor"]
    with database.transaction() as session:  # the command line leaves it out instead
        saved = editor(session, company, clock).save(
            Target(copied_from=source), {"user": new_user()}, leave_out=started.needs
        )
    assert read_user(database, company, clock, saved.record.pk).two_factor.method == "none"


def test_a_copy_never_carries_identity_or_secrets_but_carries_the_role(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    source = add_user(
        database, company, clock, "kimberly", role=SetupRole.ADMINISTRATOR,
        email="kim@valley.example", work_ext="101",
    )  # fmt: skip
    with database.transaction() as session:
        saved = editor(session, company, clock).save(
            Target(copied_from=source), {"user": new_user()}
        )
    copy = read_user(database, company, clock, saved.record.pk)
    assert (copy.fields.email, copy.fields.work_ext, copy.record.administrative) == ("", "", True)
    actions = [e.action for e in audit_events(database, user_pk=copy.pk)]
    assert actions == ["user.copied", "user.role_changed"]
