"""The Sign Off section of a user, on SQLite, PostgreSQL and MariaDB: the PIN rules, the
screens table, the recipients, Copy User, and each rule attacked as an attacker would."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from app.access import Actor
from app.catalogs.service import Catalogs, Kind
from app.db.catalog_models import UserSignoffRecipient, UserSignoffScreen
from app.db.database import Database
from app.db.kinds import ScreenSignoff
from app.errors import NotAllowedError
from app.practice.company import CompanyInfo, create_company
from app.sections.base import Target
from app.sections.editor import Opened, SectionProblems, UserEditor
from app.sections.registry import section
from app.sections.sign_off import SignOffEdit
from app.sign_off import pin as pins
from app.sign_off.pin import Pin, trivial_reason
from app.sign_off.recipients import SELF, search_recipients
from app.sign_off.state import SignOffState, choose
from app.users.service import UserService
from app.workplace import Work
from cli.users import user_as_json
from tests.conftest import FixedClock
from tests.helpers.actors import dba, front_desk
from tests.helpers.records import add_user, audit_events, stored_user
from tests.helpers.statements import count_statements

GOOD_PIN = "58203"
ALL, NEVER, CUSTOM = ScreenSignoff.ALL, ScreenSignoff.NEVER, ScreenSignoff.CUSTOM


def _work(
    session: Any, company: CompanyInfo, clock: FixedClock, actor: Actor | None = None
) -> Work:
    return Work(session, company, actor or dba(), clock)


def _open(database: Database, company: CompanyInfo, clock: FixedClock, pk: int) -> Opened:
    with database.transaction() as session:
        return UserEditor(_work(session, company, clock)).open(pk)


def _save(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    edit_of: Callable[[SignOffEdit], SignOffEdit],
    actor: Actor | None = None,
) -> SignOffState:
    """Save the Sign Off section as ``edit_of(edit as loaded)`` gives it; the user after."""
    opened = _open(database, company, clock, pk)
    state: SignOffState = opened.states["sign_off"]
    edit = edit_of(section("sign_off").edit_of(state))
    with database.transaction() as session:
        UserEditor(_work(session, company, clock, actor)).save(
            Target(pk, opened.record.version), {"sign_off": edit}
        )
    shown: SignOffState = _open(database, company, clock, pk).states["sign_off"]
    return shown


def _with_pin(digits: str, again: str | None = None) -> Callable[[SignOffEdit], SignOffEdit]:
    return lambda e: replace(e, pin=Pin(digits), retype_pin=Pin(digits if again is None else again))


def _refused(
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    pk: int,
    edit_of: Callable[[SignOffEdit], SignOffEdit],
    actor: Actor | None = None,
) -> dict[str, str]:
    with pytest.raises(SectionProblems) as refused:
        _save(database, company, clock, pk, edit_of, actor)
    return refused.value.by_section["sign_off"]


@pytest.fixture
def kim(database: Database, company: CompanyInfo, clock: FixedClock) -> int:
    return add_user(
        database, company, clock, "kimberly", first_name="Kimberly", last_name="Fox",
        home_phone="(212) 301-4477", work_phone="415-867-5309",
    )  # fmt: skip


# What it shows


def test_a_user_is_loaded_in_one_statement_with_every_note_type_in_order(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    with database.transaction() as session:
        user = UserService(session, company, dba(), clock).writer.load(kim)
        with count_statements(connection) as statements:
            state = section("sign_off").load(_work(session, company, clock), user)
    assert len(statements) == 1, statements
    assert [row.name for row in state.screens][:3] == ["(Base)", "(Error)", "Hospital Note"]
    assert {row.choice for row in state.screens} == {NEVER}  # no row stored: Never
    assert not state.has_pin and state.recipients == ()


def test_the_flags_screens_and_recipients_are_saved_and_audited(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    lee = add_user(database, company, clock, "lee", first_name="Lee", last_name="Adams")
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    office = next(r.note_type_id for r in rows if r.name == "Office Note")
    state = _save(
        database, company, clock, kim,
        lambda e: replace(
            e, approval=True, required=True, recipients=frozenset({lee}),
            screens=tuple((pk, CUSTOM if pk == office else c) for pk, c in e.screens),
        ),
    )  # fmt: skip
    assert (state.approval, state.additional, state.required) == (True, False, True)
    assert [r.user_id for r in state.recipients] == ["lee"]
    assert state.choices[office] is CUSTOM
    with database.transaction() as session:  # Never is no row: one row for Office Note
        assert session.query(UserSignoffScreen).filter_by(user_pk=kim).count() == 1
    event = audit_events(database, user_pk=kim, prefix="sign_off")[-1]
    fields = {c["field"]: c for c in event.changes}
    assert fields["recipients"]["after"] == ["lee"]
    assert fields["screens.Office Note"] == {
        "field": "screens.Office Note", "before": "never", "after": "custom"
    }  # fmt: skip
    # back to Never: the row goes
    state = _save(
        database, company, clock, kim,
        lambda e: replace(e, screens=tuple((pk, NEVER) for pk, _c in e.screens)),
    )  # fmt: skip
    with database.transaction() as session:
        assert session.query(UserSignoffScreen).filter_by(user_pk=kim).count() == 0


def test_all_on_the_top_row_sets_every_row_and_each_row_has_one_choice(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    top = rows[0]
    assert top.name == "(Base)"
    every = choose(rows, top.note_type_id, ALL)
    assert {r.choice for r in every} == {ALL}
    one = choose(every, rows[2].note_type_id, NEVER)  # then one by one
    assert [r.choice for r in one][:3] == [ALL, ALL, NEVER]
    assert {r.choice for r in choose(rows, rows[1].note_type_id, ALL)} == {ALL, NEVER}
    assert {r.choice for r in choose(rows, top.note_type_id, CUSTOM)} == {CUSTOM, NEVER}
    twice = lambda e: replace(e, screens=((top.note_type_id, ALL), (top.note_type_id, NEVER)))  # noqa: E731
    assert "exactly one" in _refused(database, company, clock, kim, twice)["screens"]
    bad = lambda e: replace(e, screens=((top.note_type_id, "maybe"),))  # noqa: E731
    assert "none of All" in _refused(database, company, clock, kim, bad)["screens"]


def test_a_deactivated_note_type_is_kept_but_cannot_be_newly_chosen(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    hospital = next(r for r in rows if r.name == "Hospital Note")
    surgery = next(r for r in rows if r.name == "Surgery Note")
    chosen = {hospital.note_type_id: ALL}
    _save(database, company, clock, kim, lambda e: replace(
        e, screens=tuple((pk, chosen.get(pk, c)) for pk, c in e.screens)))  # fmt: skip
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        catalogs.set_active(Kind.NOTE_TYPE, hospital.note_type_id, False)
        catalogs.set_active(Kind.NOTE_TYPE, surgery.note_type_id, False)
    state = _open(database, company, clock, kim).states["sign_off"]
    names = {r.name: r for r in state.screens}
    assert not names["Hospital Note"].active and names["Hospital Note"].choice is ALL  # kept
    assert "Surgery Note" not in names  # deactivated and never chosen: not offered
    assert {r.choice for r in choose(state.screens, state.screens[0].note_type_id, ALL)
            if not r.active} == {ALL}  # fmt: skip
    newly = lambda e: replace(e, screens=(*e.screens, (surgery.note_type_id, CUSTOM)))  # noqa: E731
    assert "deactivated" in _refused(database, company, clock, kim, newly)["screens"]
    # keeping it, or changing a kept one's choice, is fine
    _save(database, company, clock, kim, lambda e: replace(e, approval=True))
    kept = _save(database, company, clock, kim, lambda e: replace(
        e, screens=tuple((pk, CUSTOM if pk == hospital.note_type_id else c) for pk, c in e.screens)
    ))  # fmt: skip
    assert kept.choices[hospital.note_type_id] is CUSTOM


def test_all_on_the_top_row_skips_deactivated_rows_and_an_inactive_top_row_takes_none(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    top, hospital = rows[0], next(r for r in rows if r.name == "Hospital Note")
    chosen = {top.note_type_id: NEVER, hospital.note_type_id: CUSTOM}
    _save(database, company, clock, kim, lambda e: replace(
        e, screens=tuple((pk, chosen.get(pk, c)) for pk, c in e.screens)))  # fmt: skip
    with database.transaction() as session:
        catalogs = Catalogs(session, company, dba(), clock)
        catalogs.set_active(Kind.NOTE_TYPE, hospital.note_type_id, False)
    screens = _open(database, company, clock, kim).states["sign_off"].screens
    every = {r.name: r.choice for r in choose(screens, top.note_type_id, ALL)}
    assert every["Hospital Note"] is CUSTOM and every["Office Note"] is ALL
    assert choose(screens, hospital.note_type_id, ALL) == screens  # not anew


# The PIN


@pytest.mark.parametrize(
    ("typed", "again", "words"),
    [
        ("12a45", "12a45", "digits only"),
        ("１２３４５", "１２３４５", "digits only"),  # full-width digits are not 0 to 9
        ("123", "123", "4 to 12"),
        ("1234567890123", "1234567890123", "4 to 12"),
        ("0000", "0000", "repeated"),
        ("121212", "121212", "repeated"),
        ("1234", "1234", "in a row"),
        ("4321", "4321", "in a row"),
        ("7890", "7890", "in a row"),
        ("1987", "1987", "year"),
        ("2024", "2024", "year"),
        ("041985", "041985", "date"),  # April 19, '85
        ("250490", "250490", "date"),  # 25 April '90
        ("12251990", "12251990", "date"),
        ("19850412", "19850412", "date"),
        ("4477", "4477", "phone"),  # the last 4 of her home phone
        ("2123014477", "2123014477", "phone"),  # the whole of it
        ("8675309", "8675309", "phone"),  # her work phone's last 7
        ("58203", "58230", "differ"),
        ("", "58203", "Type the new PIN"),
    ],
)
def test_a_pin_that_breaks_a_rule_is_refused_beside_its_field(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int,
    typed: str, again: str, words: str,
) -> None:  # fmt: skip
    problems = _refused(database, company, clock, kim, _with_pin(typed, again))
    assert words.lower() in " ".join(problems.values()).lower(), problems
    assert set(problems) <= {"pin", "retype_pin"}
    assert stored_user(database, kim).signoff_pin_hash is None


def test_trivial_reasons_stand_alone() -> None:
    assert trivial_reason("58203") is None
    assert trivial_reason("2100") is None  # not a year of anyone's birth
    assert trivial_reason("3014", ["+12123014477"]) is not None
    # Not dates: no month 13 to 99 first, no day 32 to 99 after it; eight digits whose year is
    # not 1900 to 2099.
    assert [trivial_reason(p) for p in ("583920", "993877", "12253190", "38471625")] == [None] * 4


def test_a_pin_is_stored_only_as_an_argon2id_hash_and_never_audited_logged_or_shown(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    state = _save(database, company, clock, kim, _with_pin(GOOD_PIN))
    assert state.has_pin
    stored = stored_user(database, kim).signoff_pin_hash
    assert stored is not None and stored.startswith("$argon2id$")
    event = audit_events(database, user_pk=kim, prefix="sign_off")[-1]
    assert event.changes == [{"field": "pin", "change": "set"}]
    everything = json.dumps([e.changes for e in audit_events(database)]) + caplog.text
    with database.transaction() as session:
        opened = UserEditor(_work(session, company, clock)).open(kim)
        shown = json.dumps(user_as_json(_work(session, company, clock), opened))
    assert json.loads(shown)["sign_off"]["pin_set"] is True
    for text in (everything, shown, repr(Pin(GOOD_PIN)), repr(_with_pin(GOOD_PIN)(SignOffEdit()))):
        assert GOOD_PIN not in text and stored not in text


def test_a_blank_pin_leaves_it_and_clear_pin_removes_it(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    _save(database, company, clock, kim, _with_pin(GOOD_PIN))
    stored = stored_user(database, kim).signoff_pin_hash
    _save(database, company, clock, kim, lambda e: replace(e, approval=True))
    assert stored_user(database, kim).signoff_pin_hash == stored  # blank: as it was
    both = lambda e: replace(_with_pin("69137")(e), clear_pin=True)  # noqa: E731
    assert "Clear PIN" in _refused(database, company, clock, kim, both)["pin"]
    state = _save(database, company, clock, kim, lambda e: replace(e, clear_pin=True))
    assert not state.has_pin and stored_user(database, kim).signoff_pin_hash is None
    assert audit_events(database, user_pk=kim, prefix="sign_off")[-1].changes == [
        {"field": "pin", "change": "cleared"}
    ]


def test_a_new_users_pin_is_held_to_the_phone_numbers_saved_with_it(
    database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    from tests.test_sections import new_user

    edits = {
        "user": new_user(home_phone="212-201-9461"),
        "sign_off": _with_pin("9461")(SignOffEdit()),
    }
    with pytest.raises(SectionProblems) as refused, database.transaction() as session:
        UserEditor(_work(session, company, clock)).save(Target(), edits)
    assert "phone" in refused.value.by_section["sign_off"]["pin"]


# The recipients


def test_sign_off_tasks_go_to_active_users_never_the_user_themselves(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    lee = add_user(database, company, clock, "lee", first_name="Lee", last_name="Adams")
    gone = add_user(database, company, clock, "gone", first_name="Gus", last_name="Gone")
    self_pick = lambda e: replace(e, recipients=frozenset({kim, lee}))  # noqa: E731
    assert _refused(database, company, clock, kim, self_pick)["recipients"] == SELF
    _save(database, company, clock, kim, lambda e: replace(e, recipients=frozenset({lee, gone})))
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
    state = _open(database, company, clock, kim).states["sign_off"]
    assert [(r.user_id, r.active) for r in state.recipients] == [("lee", True), ("gone", False)]
    # kept while it stays chosen; a deactivated user cannot be newly chosen
    _save(database, company, clock, kim, lambda e: replace(e, approval=True))
    _save(database, company, clock, kim, lambda e: replace(e, recipients=frozenset({lee})))
    again = lambda e: replace(e, recipients=frozenset({lee, gone}))  # noqa: E731
    assert "deactivated" in _refused(database, company, clock, kim, again)["recipients"]
    # nor a user of another company, named by row id
    with database.transaction() as session:
        elsewhere = create_company(session, "hill", "Hill Clinic", "America/New_York")
    stranger = add_user(database, elsewhere, clock, "stranger")
    foreign = lambda e: replace(e, recipients=frozenset({stranger}))  # noqa: E731
    assert "does not exist" in _refused(database, company, clock, kim, foreign)["recipients"]


def test_the_recipient_search_is_one_statement_of_active_users_but_the_user(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    add_user(database, company, clock, "kfoster", first_name="Karl", last_name="Foster")
    gone = add_user(database, company, clock, "kfaye", first_name="Kay", last_name="Faye")
    add_user(database, company, clock, "odd_one", first_name="Percy", last_name="100%")
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
    with database.transaction() as session, count_statements(connection) as statements:
        found = search_recipients(session, company, dba(), "f", excluding=kim)
    assert len(statements) == 1
    assert [r.user_id for r in found] == ["kfoster"]  # not Fox herself, not Faye (inactive)
    with database.transaction() as session:
        assert search_recipients(session, company, dba(), "fo k")[0].user_id == "kfoster"
        assert [r.user_id for r in search_recipients(session, company, dba(), "100%")] == [
            "odd_one"
        ]
        assert search_recipients(session, company, dba(), "_") == ()  # a wildcard is text
        assert search_recipients(session, company, dba(), "  ") == ()


# Who may


def test_the_front_desk_changes_nothing_of_anyones_sign_off(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    before = len(audit_events(database))
    with pytest.raises(NotAllowedError):
        _save(database, company, clock, kim, _with_pin(GOOD_PIN), front_desk())
    with pytest.raises(NotAllowedError), database.transaction() as session:
        work = _work(session, company, clock, front_desk())
        opened = UserEditor(_work(session, company, clock)).open(kim)
        section("sign_off").save(
            work,
            Target(kim, opened.record.version),
            section("sign_off").check(_work(session, company, clock), Target(kim), None,
                                      SignOffEdit(approval=True)),
        )  # fmt: skip
    assert stored_user(database, kim).signoff_pin_hash is None
    assert len(audit_events(database)) == before


# Copy User


def test_copy_user_carries_the_flags_screens_and_recipients_but_never_the_pin(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    from tests.test_sections import new_user

    lee = add_user(database, company, clock, "lee", first_name="Lee", last_name="Adams")
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    _save(database, company, clock, kim, lambda e: replace(
        _with_pin(GOOD_PIN)(e), additional=True, recipients=frozenset({lee}),
        screens=tuple((pk, ALL) for pk, _c in e.screens),
    ))  # fmt: skip
    with database.transaction() as session:
        editor = UserEditor(_work(session, company, clock))
        started = editor.start(kim)
        words = " ".join(started.carried["sign_off"])
        saved = editor.save(Target(copied_from=kim), {"user": new_user()})
    assert "Additional Sign-off" in words and "Adams, Lee" in words
    assert "not the PIN" in words and "sign_off" not in started.needs
    copy = _open(database, company, clock, saved.record.pk).states["sign_off"]
    assert copy.additional and not copy.approval and not copy.has_pin
    assert [r.user_id for r in copy.recipients] == ["lee"]
    assert {r.choice for r in copy.screens} == {ALL} and len(copy.screens) == len(rows)
    assert stored_user(database, saved.record.pk).signoff_pin_hash is None
    with database.transaction() as session:
        assert session.query(UserSignoffRecipient).filter_by(user_pk=saved.record.pk).count() == 1
    assert pins.PIN_FIELD == "pin"


# What it costs


def test_an_edit_that_changes_nothing_costs_only_the_read_of_what_is_stored_in_check(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """The editor reads the section as stored (its one statement; the row is kept for the
    transaction) and checks nothing more: no recipient, note type or phone read."""
    lee = add_user(database, company, clock, "lee", first_name="Lee", last_name="Adams")
    _save(database, company, clock, kim, lambda e: replace(e, recipients=frozenset({lee})))
    with database.transaction() as session:
        editor = UserEditor(_work(session, company, clock))
        opened = editor.open(kim)
        unchanged = section("sign_off").edit_of(opened.states["sign_off"])
        with count_statements(connection) as statements:
            editor.check(Target(kim, opened.record.version), {"sign_off": unchanged})
    assert [s.split()[0] for s in statements] == ["SELECT"], statements


def test_saving_one_flag_is_the_row_its_update_and_its_audit_event(
    database: Database, connection, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """As the window saves: the row and the section as stored (read by the editor, never
    taken from the caller), then the row written and the event."""
    opened = _open(database, company, clock, kim)
    edit = replace(section("sign_off").edit_of(opened.states["sign_off"]), approval=True)
    with count_statements(connection) as statements, database.transaction() as session:
        UserEditor(_work(session, company, clock)).save(
            Target(kim, opened.record.version), {"sign_off": edit}
        )
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "UPDATE", "INSERT"], (
        statements
    )


# Never oneself, however the rows came to be


def test_a_user_stored_as_their_own_recipient_elsewhere_must_be_taken_off_and_a_copy_is_not(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    """Another program on the shared database wrote Kimberly as her own recipient: her next
    save is refused beside the list until she is taken off; a copy of her gets Kimberly as a
    recipient, who is not the copy, and so is no self-recipient."""
    from tests.test_sections import new_user

    with database.transaction() as session:
        session.add(UserSignoffRecipient(user_pk=kim, recipient_pk=kim))
    flag = lambda e: replace(e, approval=True)  # noqa: E731
    assert _refused(database, company, clock, kim, flag)["recipients"] == SELF
    with database.transaction() as session:
        saved = UserEditor(_work(session, company, clock)).save(
            Target(copied_from=kim), {"user": new_user()}
        )
    copy = _open(database, company, clock, saved.record.pk).states["sign_off"]
    assert [r.pk for r in copy.recipients] == [kim] != [saved.record.pk]
    _save(database, company, clock, kim, lambda e: replace(e, recipients=frozenset()))


def test_a_copy_leaves_out_a_deactivated_recipient_and_a_deactivated_note_type(
    database: Database, company: CompanyInfo, clock: FixedClock, kim: int
) -> None:
    gone = add_user(database, company, clock, "gone", first_name="Gus", last_name="Gone")
    rows = _open(database, company, clock, kim).states["sign_off"].screens
    hospital = next(r.note_type_id for r in rows if r.name == "Hospital Note")
    _save(database, company, clock, kim, lambda e: replace(
        e, recipients=frozenset({gone}),
        screens=tuple((pk, ALL if pk == hospital else c) for pk, c in e.screens),
    ))  # fmt: skip
    with database.transaction() as session:
        UserService(session, company, dba(), clock).set_active(gone, False)
        Catalogs(session, company, dba(), clock).set_active(Kind.NOTE_TYPE, hospital, False)
    with database.transaction() as session:
        copied = section("sign_off").copy(
            _work(session, company, clock),
            _open(database, company, clock, kim).states["sign_off"],
        )
    assert copied.state.recipients == () and hospital not in copied.state.choices
    assert "Gone" not in " ".join(copied.carried) and "Hospital" not in " ".join(copied.carried)
