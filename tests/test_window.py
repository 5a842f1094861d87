"""The User Setup window, driven through its real widgets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QStyleOptionViewItem,
    QWidget,
)
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import sessionmaker

from app.changes import CompanySettingsChanged
from app.db.database import Database, make_engine
from app.db.models import AuditEvent, Provider, User
from app.practice.company import CompanyInfo, provider_choices, service_location_choices
from app.sections.registry import SECTIONS
from app.users.records import UserFields, UserRecord
from app.users.service import UserService
from tests.conftest import FixedClock
from tests.helpers.actors import dba
from tests.helpers.clocks import fake_server_clock
from tests.helpers.qt import DialogAnswers, by_name
from tests.helpers.records import add_user, read_user
from tests.helpers.runner import HeldRunner
from tests.helpers.statements import count_statements
from tests.helpers.window import close_window, practice_context, saves, user_page
from tests.helpers.window import open_window as shown_window
from ui.pages import PAGES
from ui.pages.user_page import UserPage
from ui.window.layout import EDITOR_MAX_WIDTH, LIST_MIN_WIDTH
from ui.window.user_list import MarksStayDelegate, UserListModel
from ui.window.window import UserSetupWindow

PASSWORD = "bright meadow lantern"


def _add(service: UserService, user_id: str, first: str, last: str, **values: Any) -> UserRecord:
    form = UserFields(
        user_id=user_id,
        first_name=first,
        last_name=last,
        new_password=PASSWORD,
        retype_password=PASSWORD,
        **values,
    )
    return service.create(form)


@pytest.fixture
def people(database: Database, company: CompanyInfo, clock: FixedClock) -> dict[str, UserRecord]:
    with database.transaction() as session:
        service = UserService(session, company, dba("setup"), clock)
        locations = service_location_choices(session, company)
        made = {
            "kimberly": _add(
                service, "kimberly", "Kimberly", "Fox",
                title="Billing Specialist", user_type="Staff", default_screen="Schedule",
                service_location_id=locations[1].id, send_email_confirmations=True,
                work_phone="614-555-0100", work_ext="12", email="kim.fox@valley.org",
            ),
            "wcassady": _add(service, "wcassady", "Wes", "Cassady", user_type="Other"),
            "lblake": _add(service, "lblake", "Lauren", "Blake"),
            "akim": _add(service, "akim", "Alan", "Kimball"),
            "old": _add(service, "gold", "Gary", "Oldham"),
        }  # fmt: skip
        made["old"] = service.set_active(made["old"].pk, False)
    return made


def _window_for(database: Database, company: CompanyInfo, clock: FixedClock) -> UserSetupWindow:
    return shown_window(database, company, clock, name="mreyes (Reyes, Maria)")


@pytest.fixture
def window(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    people: Any,
    dialogs: DialogAnswers,
) -> Iterator[UserSetupWindow]:
    # Closed here, not by qtbot: it may ask about unsaved edits.
    window = shown_window(database, company, clock, qtbot, name="mreyes (Reyes, Maria)")
    yield window
    close_window(window, dialogs)


def list_texts(window: UserSetupWindow) -> list[str]:
    model = window.model
    return [model.data(model.index(row)) for row in range(model.rowCount())]


def text(window: UserSetupWindow, label: str) -> QLineEdit:
    return by_name(window.page("user"), QLineEdit, label)


def pick(qtbot: Any, window: UserSetupWindow, pk: int) -> None:
    """Select a user in the list and wait until the editor shows them."""
    if window.subject and window.subject.record and window.subject.record.pk == pk:
        return
    with qtbot.waitSignal(window.subject_loaded):
        assert window.select_user(pk)


def stored(window: UserSetupWindow, user_id: str) -> UserRecord:
    """The user as the database holds them now."""
    context = window.context
    return read_user(window.workplace.database, context.company, context.clock, user_id).record


# The list


def test_list_shows_active_users_last_first_with_user_id(window: UserSetupWindow) -> None:
    assert list_texts(window) == [
        "Blake, Lauren  (lblake)",
        "Cassady, Wes  (wcassady)",
        "Fox, Kimberly  (kimberly)",
        "Kimball, Alan  (akim)",
    ]
    assert window.count_label.text() == "4 shown of 5"


def test_unchecking_active_shows_inactive_users_greyed_and_marked(
    qtbot: Any, window: UserSetupWindow
) -> None:
    active = by_name(window.panel, QCheckBox, "Active")
    qtbot.mouseClick(active, Qt.MouseButton.LeftButton)
    texts = list_texts(window)
    assert "Oldham, Gary  (gold)  (inactive)" in texts
    row = texts.index("Oldham, Gary  (gold)  (inactive)")
    index = window.model.index(row)
    assert window.model.data(index, Qt.ItemDataRole.ForegroundRole) is not None
    assert window.model.data(index, Qt.ItemDataRole.FontRole).italic()


def test_a_name_too_long_for_the_list_is_shortened_and_its_marks_stay_whole(
    qtbot: Any, window: UserSetupWindow
) -> None:
    qtbot.mouseClick(by_name(window.panel, QCheckBox, "Active"), Qt.MouseButton.LeftButton)
    view = window.panel.user_view
    row = list_texts(window).index("Oldham, Gary  (gold)  (inactive)")
    index = window.model.index(row)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = QRect(0, 0, view.fontMetrics().horizontalAdvance("Oldham, Gary  (inac"), 20)
    option.widget = view

    delegate = view.itemDelegate()
    assert isinstance(delegate, MarksStayDelegate)
    delegate.initStyleOption(option, index)

    assert option.text.endswith("…  (inactive)"), option.text
    assert option.text.startswith("Old")
    wide = QStyleOptionViewItem()
    wide.initFrom(view)
    wide.rect = QRect(0, 0, 2000, 20)
    wide.widget = view
    delegate.initStyleOption(wide, index)
    assert wide.text == "Oldham, Gary  (gold)  (inactive)"


@pytest.mark.parametrize("size", [(1024, 700), (1600, 1000)])
def test_the_list_gets_its_room_and_the_whole_form_shows_without_scrolling(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
    size: tuple[int, int],
) -> None:
    window = shown_window(database, company, clock, qtbot, size=size, name="mreyes (Reyes, M)")
    try:
        pick(qtbot, window, people["kimberly"].pk)
        list_width, editor_width, section_width = window.splitter.sizes()

        assert list_width >= LIST_MIN_WIDTH
        assert editor_width <= EDITOR_MAX_WIDTH
        assert section_width < list_width
        for label in ("Active", "Webservice Only", "Login Locked"):
            box = by_name(window.page("user"), QCheckBox, label)
            assert box.visibleRegion().boundingRect() == box.rect(), f"{label} is cut off"
    finally:
        close_window(window, dialogs)


def test_typing_in_search_filters_by_name_or_user_id_prefix_first(
    qtbot: Any, window: UserSetupWindow, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    add_user(database, company, clock, "ohakim", first_name="Omar", last_name="Hakim")
    window.load_users()
    search = by_name(window, QLineEdit, "Search")
    qtbot.keyClicks(search, "kim")
    # Alan Kimball's last name starts with "kim" as Kimberly's first name does; both rank
    # ahead of Omar Hakim, whose name only contains it, though the list puts him between.
    assert list_texts(window) == [
        "Fox, Kimberly  (kimberly)",
        "Kimball, Alan  (akim)",
        "Hakim, Omar  (ohakim)",
    ]
    search.clear()
    qtbot.keyClicks(search, "CASS")
    assert list_texts(window) == ["Cassady, Wes  (wcassady)"]
    search.clear()
    qtbot.keyClicks(search, "lauren blake")
    assert list_texts(window) == ["Blake, Lauren  (lblake)"]
    search.clear()
    qtbot.keyClicks(search, "Fox, Kimberly (kimberly)")  # as the list shows her
    assert list_texts(window) == ["Fox, Kimberly  (kimberly)"]


def test_list_model_passes_qt_model_checks(qtmodeltester: Any, window: UserSetupWindow) -> None:
    qtmodeltester.check(window.model)


# Selecting and editing


def test_selecting_a_user_shows_them_in_the_user_section(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], connection: Connection
) -> None:
    with count_statements(connection) as statements:
        pick(qtbot, window, people["kimberly"].pk)
    assert len(statements) <= 2, statements
    assert window.heading.text() == "User - Fox, Kimberly (kimberly)"
    assert text(window, "First Name").text() == "Kimberly"
    assert text(window, "Work").text() == "(614) 555-0100"  # stored E.164, shown national
    assert by_name(window.page("user"), QComboBox, "Service Location").currentText() == (
        "Valley Main Clinic"
    )
    assert text(window, "New Password").text() == ""
    company = by_name(window.page("user"), QLineEdit, "Company")
    assert company.text() == "valley" and company.isReadOnly()


def test_ctrl_s_saves_an_edit_in_one_transaction_with_an_audit_event(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    title = text(window, "Title")
    title.clear()
    qtbot.keyClicks(title, "Office Manager")
    assert window.save_action.isEnabled()
    with qtbot.waitSignal(window.saved):
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    record = stored(window, "kimberly")
    assert record.fields.title == "Office Manager"
    assert record.version == people["kimberly"].version + 1
    with database.transaction() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.user_pk == record.pk).order_by(AuditEvent.id.desc())
        ).first()
    assert event is not None and event.action == "user.updated"
    assert event.operator == "mreyes (Reyes, Maria)"
    assert event.changes == [
        {"field": "title", "before": "Billing Specialist", "after": "Office Manager"}
    ]
    assert not window.save_action.isEnabled()


def test_new_password_is_hashed_and_only_said_to_have_changed(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
) -> None:
    pick(qtbot, window, people["lblake"].pk)
    qtbot.keyClicks(text(window, "New Password"), "a new long passphrase")
    qtbot.keyClicks(text(window, "ReType"), "a new long passphrase")
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()
    with database.transaction() as session:
        user = session.get(User, people["lblake"].pk)
        assert user is not None and user.password_hash.startswith("$argon2id$")
        events = session.scalars(select(AuditEvent).where(AuditEvent.user_pk == user.id)).all()
        trail = json.dumps([e.changes for e in events])
    assert "a new long passphrase" not in trail and "password changed" in trail
    assert text(window, "New Password").text() == ""


def test_a_user_with_a_second_factor_is_held_to_the_shorter_minimum_as_they_type(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
) -> None:
    """The hint beside New Password gives the minimum that the save applies."""
    page = window.page("user")
    assert isinstance(page, UserPage)
    field = page.password_field
    pick(qtbot, window, people["lblake"].pk)
    qtbot.keyClicks(text(window, "New Password"), "zebra quilt9")  # 12 characters
    assert "15" in field.hint.text()  # the password alone: 15

    with database.transaction() as session:  # a phone app that every sign-in asks
        user = session.get(User, people["kimberly"].pk)
        assert user is not None
        user.two_factor_method, user.totp_secret = "app", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    page.texts["new_password"].clear()
    pick(qtbot, window, people["kimberly"].pk)
    qtbot.keyClicks(text(window, "New Password"), "zebra quilt9")
    assert field.hint.text() == "" and not field.hint.isVisible()  # 8 with the second factor


# Adding users


def test_new_user_with_the_required_fields_is_added_and_selected(
    qtbot: Any, window: UserSetupWindow
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.heading.text() == "User - New User"
    qtbot.waitUntil(text(window, "User ID").hasFocus)
    for label, value in (
        ("User ID", "dnguyen"),
        ("First Name", "Dana"),
        ("Last Name", "Nguyen"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        qtbot.keyClicks(text(window, label), value)
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()
    assert stored(window, "DNGUYEN").fields.last_name == "Nguyen"
    assert window.heading.text() == "User - Nguyen, Dana (dnguyen)"
    current = window.user_view.currentIndex()
    assert window.model.data(current) == "Nguyen, Dana  (dnguyen)"


def test_copy_user_takes_settings_but_not_identity(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    qtbot.keyClicks(window.search, "kim")  # found by searching: the copy must still show
    window.copy_action.trigger()
    assert window.heading.text() == "User - New User (copy of Fox, Kimberly)"
    assert window.copied_note.isVisible()
    assert window.copied_note.text() == (
        "Copied from Fox, Kimberly: Title, Work phone, Send Email Confirmations, Default Screen, "
        "Service Location."
    )
    assert window.search.text() == ""  # cleared, so the new user shows once saved
    page = window.page("user")
    assert text(window, "User ID").text() == ""
    assert text(window, "First Name").text() == ""
    assert text(window, "Email").text() == ""
    assert text(window, "Work Ext").text() == ""
    assert text(window, "Title").text() == "Billing Specialist"
    assert by_name(page, QComboBox, "Default Screen").currentText() == "Schedule"
    assert by_name(page, QComboBox, "Service Location").currentText() == "Valley Main Clinic"
    assert by_name(page, QCheckBox, "Send Email Confirmations").isChecked()
    for label, value in (
        ("User ID", "mhall"),
        ("First Name", "Michael"),
        ("Last Name", "Hall"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        qtbot.keyClicks(text(window, label), value)
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()
    copy = stored(window, "mhall")
    source = people["kimberly"].fields
    assert (copy.fields.title, copy.fields.default_screen, copy.fields.service_location_id) == (
        source.title,
        source.default_screen,
        source.service_location_id,
    )
    with database.transaction() as session:
        action = session.scalar(select(AuditEvent.action).where(AuditEvent.user_pk == copy.pk))
    assert action == "user.copied"
    assert "mhall" in " ".join(list_texts(window)) and not window.copied_note.isVisible()


# The sections come from app's registry


def test_every_registered_section_is_listed_and_has_a_page_and_its_toolbar_button(
    qtbot: Any, window: UserSetupWindow
) -> None:
    listed = [window.section_list.item(row).text() for row in range(window.section_list.count())]
    assert listed == [s.title for s in SECTIONS]
    assert set(PAGES) == {s.key for s in SECTIONS}
    assert list(window.section_actions) == [s.key for s in SECTIONS if s.icon]
    for s in SECTIONS:
        if s.icon:
            window.section_actions[s.key].trigger()
            assert window.current_section() == s.key
            assert window.heading.text().startswith(f"{s.title} - ")


# Bad input


def test_bad_input_is_shown_beside_each_field_and_nothing_is_written(
    qtbot: Any, window: UserSetupWindow, connection: Connection
) -> None:
    users_before = connection.scalar(select(func.count()).select_from(User))
    window.new_action.trigger()
    typed = {
        "User ID": "x!",
        "M.I.": "JR",
        "Email": "kim@",
        "Home": "555-12",
        "New Password": PASSWORD,
        "ReType": PASSWORD + "x",
        "Title": "T" * 51,
    }
    for label, value in typed.items():
        text(window, label).setText(value)
    window.save_action.trigger()
    page = user_page(window)
    messages = {name: page.errors.message(name) for name in (
        "user_id", "first_name", "last_name", "middle_initial", "email", "home_phone",
        "retype_password", "title",
    )}  # fmt: skip
    assert all(messages.values()), messages
    assert messages["first_name"] == "First Name is required."
    assert messages["retype_password"] == "The two passwords differ."
    # The message sits next to its field and is what a screen reader reads with it.
    error_label = page.findChild(QLabel, "middle_initial_error")
    assert error_label.isVisible() and error_label.text() == "M.I. is one letter."
    assert text(window, "M.I.").accessibleDescription() == "M.I. is one letter."
    # What was typed stays; nothing was written.
    assert {label: text(window, label).text() for label in typed} == typed
    assert connection.scalar(select(func.count()).select_from(User)) == users_before
    assert "Nothing was saved" in window.statusBar().currentMessage()


def test_a_line_break_in_a_name_is_refused_beside_the_field_not_saved_as_a_space(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "First Name").setText("Kim\nberly")  # as a paste can bring it; typing cannot

    assert not saves(window)

    reason = "Remove the line break: First Name is one line of printable text."
    error_label = user_page(window).findChild(QLabel, "first_name_error")
    assert error_label.isVisible() and error_label.text() == reason
    assert text(window, "First Name").text() == "Kim\nberly"
    assert stored(window, "kimberly").fields.first_name == "Kimberly"


def test_a_user_id_taken_in_another_case_is_refused_beside_the_field(
    qtbot: Any, window: UserSetupWindow
) -> None:
    window.new_action.trigger()
    for label, value in (
        ("User ID", "KIMBERLY"),
        ("First Name", "Kim"),
        ("Last Name", "Other"),
        ("New Password", PASSWORD),
        ("ReType", PASSWORD),
    ):
        text(window, label).setText(value)
    assert not saves(window)
    message = user_page(window).errors.message("user_id")
    assert message == "The User ID 'kimberly' is already taken in this company."


# Deactivate and activate


def test_deactivate_asks_hides_the_user_from_the_active_list_and_activate_brings_them_back(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["lblake"].pk)
    assert window.active_action.text() == "Deactivate"
    dialogs.answer("Cancel")
    window.active_action.trigger()
    assert dialogs.seen == ["Deactivate Blake, Lauren (lblake)?"]
    assert stored(window, "lblake").fields.active
    dialogs.answer("Deactivate")
    with qtbot.waitSignal(window.saved):
        window.active_action.trigger()
    assert "Blake, Lauren  (lblake)" not in list_texts(window)
    assert not stored(window, "lblake").fields.active
    assert window.heading.text() == "User - Blake, Lauren (lblake) - inactive"
    assert window.active_action.text() == "Activate"
    with qtbot.waitSignal(window.saved):
        window.active_action.trigger()
    assert stored(window, "lblake").fields.active
    assert "Blake, Lauren  (lblake)" in list_texts(window)


# Unsaved edits


def test_switching_user_with_unsaved_edits_asks_and_cancel_keeps_them(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], dialogs: DialogAnswers
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Half typed")
    dialogs.answer("Cancel")
    window.select_user(people["lblake"].pk)
    assert dialogs.seen == ["Save the changes to Fox, Kimberly (kimberly)?"]
    assert window.heading.text() == "User - Fox, Kimberly (kimberly)"
    assert text(window, "Title").text() == "Half typed"
    assert window.model.pk_at(window.user_view.currentIndex().row()) == people["kimberly"].pk


def test_switching_user_and_discarding_leaves_the_database_alone(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Never saved")
    dialogs.answer("Discard")
    with qtbot.waitSignal(window.subject_loaded):
        window.select_user(people["lblake"].pk)
    assert window.heading.text() == "User - Blake, Lauren (lblake)"
    assert stored(window, "kimberly").fields.title == "Billing Specialist"


def test_switching_user_and_saving_saves_first(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Practice Lead")
    dialogs.answer("Save")
    with qtbot.waitSignal(window.subject_loaded):
        window.select_user(people["lblake"].pk)
    assert stored(window, "kimberly").fields.title == "Practice Lead"
    assert window.heading.text() == "User - Blake, Lauren (lblake)"


def test_closing_with_unsaved_edits_asks_and_cancel_keeps_the_window_open(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], dialogs: DialogAnswers
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Half typed")
    dialogs.answer("Cancel")
    assert not window.close()
    assert window.isVisible()


# Two workstations


def title_saved_elsewhere(
    database: Database, company: CompanyInfo, clock: FixedClock, record: UserRecord
) -> None:
    """Lauren, at another workstation, saves the user with the title "Theirs"."""
    with database.transaction() as session:
        other = UserService(session, company, dba("lblake (Blake, Lauren)"), clock)
        theirs = other.get(record.pk).fields
        theirs.title = "Theirs"
        other.update(record.pk, theirs, record.version)


def test_saving_over_someone_elses_change_is_refused_and_keeps_my_edits(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Mine")
    title_saved_elsewhere(database, company, clock, people["kimberly"])  # another desk, first
    dialogs.answer("Keep My Edits")
    assert not saves(window)
    assert "changed by lblake (Blake, Lauren)" in dialogs.seen[0]
    assert text(window, "Title").text() == "Mine"
    assert stored(window, "kimberly").fields.title == "Theirs"
    dialogs.answer("Reload")
    assert not saves(window)
    assert text(window, "Title").text() == "Theirs"


# Keyboard and accessibility


def test_tab_from_the_search_goes_to_the_list_then_the_form_then_the_sections(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    window.show_section("login_times")  # a second page built: its fields come in its turn
    window.show_section("user")
    stops = tab_round(qtbot, window)

    assert stops[:4] == ["Search", "Users", "User ID", "First Name"]
    # The form's last, the sections, then round to the list's Active filter (Change My
    # Password, disabled in a window opened without signing in, is passed over).
    assert stops[-3:] == ["Login Locked", "Section", "Active"]
    assert "Account expires on" not in stops  # the page not shown is passed over


def test_pages_built_again_for_new_settings_keep_the_tab_order(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    for s in SECTIONS:
        window.show_section(s.key)
    window.show_section("user")
    before = tab_round(qtbot, window)
    assert window.context.policy is not None
    old = window.page("two_factor")
    with qtbot.waitSignal(old.destroyed):  # the pages are built anew, the old ones deleted
        window.publish(CompanySettingsChanged(window.context.policy))
    for s in SECTIONS:  # each built again, and tabbed into, without the old pages' widgets
        window.show_section(s.key)
        assert window.page(s.key).isEnabled()
    window.show_section("user")
    assert tab_round(qtbot, window) == before


def tab_round(qtbot: Any, window: UserSetupWindow) -> list[str]:
    """What Tab visits from the search box, once round, by accessible name."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    stops: list[str] = []
    for _ in range(40):
        widget = QApplication.focusWidget()
        assert widget is not None, stops
        stops.append(widget.accessibleName() or widget.objectName())
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    return stops[: stops.index("Search", 1)]


def test_every_shortcut_belongs_to_one_action(window: UserSetupWindow) -> None:
    bound: dict[str, str] = {}
    for action in window.findChildren(QAction):
        for key in action.shortcuts():
            shortcut = key.toString()
            assert shortcut not in bound, f"{shortcut}: {bound.get(shortcut)} and {action.text()}"
            bound[shortcut] = action.text()
    assert window.reset_action.shortcut().toString() == "Ctrl+R"
    # Not the platform's Refresh key, which is Ctrl+R on GNOME and Cmd+R on macOS.
    assert [k.toString() for k in window.refresh_action.shortcuts()] == ["F5"]


def test_ctrl_f_then_arrows_and_enter_pick_a_user_without_the_mouse(
    qtbot: Any, window: UserSetupWindow
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = by_name(window, QLineEdit, "Search")
    assert search.hasFocus()
    qtbot.keyClicks(search, "a")
    with qtbot.waitSignal(window.subject_loaded):
        qtbot.keyClick(search, Qt.Key.Key_Return)
    first = window.heading.text()
    with qtbot.waitSignal(window.subject_loaded):
        qtbot.keyClick(window.user_view, Qt.Key.Key_Down)
    assert window.heading.text() != first


def test_every_input_is_named_as_its_visible_label(window: UserSetupWindow) -> None:
    window.new_action.trigger()
    inputs = [
        w
        for w in window.findChildren(QWidget)
        if isinstance(w, (QLineEdit, QComboBox, QCheckBox, QAbstractItemView))
        and not isinstance(w.parent(), QComboBox)  # a combo box's own line edit
        and w.window() is window  # not the list inside a combo box's popup
        and w.isVisibleTo(window)  # not the table's hidden headers
    ]
    labels = {
        label.buddy(): label.text().rstrip(":")
        for label in window.findChildren(QLabel)
        if label.buddy()
    }
    for widget in inputs:
        name = widget.accessibleName()
        assert name, f"{type(widget).__name__} {widget.objectName()!r} has no accessible name"
        if isinstance(widget, QCheckBox):
            assert widget.text() == name
        elif widget in labels:
            assert labels[widget] == name


# A lost connection


def test_a_lost_connection_is_said_in_plain_words_and_the_edits_stay(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], dialogs: DialogAnswers
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Typed while the server was down")
    # Nothing listens on port 1: connecting is refused at once, as with a server that is down.
    down = make_engine("postgresql+psycopg://usersetup@127.0.0.1:1/practice")
    window.workplace = replace(
        window.workplace, database=Database(sessionmaker(down), "postgresql://127.0.0.1:1/practice")
    )
    dialogs.answer("OK")
    assert not saves(window)
    down.dispose()
    assert (
        "connection to the database postgresql://127.0.0.1:1/practice was lost or refused"
        in (dialogs.seen[0])
    )
    assert "nothing was saved" in dialogs.seen[0]
    assert text(window, "Title").text() == "Typed while the server was down"
    assert window.is_dirty()


def test_the_status_bar_says_while_the_servers_clock_cannot_be_read(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server_clock, server = fake_server_clock(database, clock)
    window = shown_window(database, company, server_clock, qtbot)
    warning = window.findChild(QLabel, "clock_warning")
    assert not warning.isVisible()

    server.reachable = False
    window.clock_timer.timeout.emit()  # the minute's read again, without waiting the minute
    caplog.clear()  # "server clock not read", as it should be
    assert warning.isVisible()
    assert warning.text() == (
        "The database server's clock could not be read: times are this computer's."
    )
    server.reachable = True
    window.clock_timer.timeout.emit()
    assert not warning.isVisible()
    close_window(window, dialogs)


def test_a_window_opened_on_a_clock_never_read_from_the_server_says_so_at_once(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock, dialogs: DialogAnswers
) -> None:
    server_clock, _ = fake_server_clock(database, clock, measured=False)
    window = shown_window(database, company, server_clock, qtbot)

    assert window.findChild(QLabel, "clock_warning").isVisible()
    close_window(window, dialogs)


# Edge cases of the everyday jobs


def test_deactivate_after_clearing_active_in_the_form_and_saving_leaves_the_user_inactive(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["lblake"].pk)
    by_name(window.page("user"), QCheckBox, "Active").setChecked(False)
    dialogs.answer("Deactivate")
    dialogs.answer("Save")
    window.active_action.trigger()
    assert not stored(window, "lblake").fields.active
    assert window.active_action.text() == "Activate"


def test_copy_user_after_saving_pending_edits_copies_what_was_saved(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], dialogs: DialogAnswers
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Practice Lead")
    dialogs.answer("Save")
    window.copy_action.trigger()
    assert window.heading.text() == "User - New User (copy of Fox, Kimberly)"
    assert text(window, "Title").text() == "Practice Lead"


def test_copy_user_then_discard_writes_nothing(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    connection: Connection,
    dialogs: DialogAnswers,
) -> None:
    users_before = connection.scalar(select(func.count()).select_from(User))
    pick(qtbot, window, people["kimberly"].pk)
    window.copy_action.trigger()
    text(window, "User ID").setText("halfdone")
    dialogs.answer("Discard")
    with qtbot.waitSignal(window.subject_loaded):
        window.select_user(people["lblake"].pk)
    assert window.heading.text() == "User - Blake, Lauren (lblake)"
    assert connection.scalar(select(func.count()).select_from(User)) == users_before


def test_an_untouched_new_user_form_is_left_without_a_question(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    window.new_action.trigger()
    assert not window.save_action.isEnabled()
    with qtbot.waitSignal(window.subject_loaded):
        window.select_user(people["wcassady"].pk)  # no dialog expected: none is answered
    assert window.heading.text() == "User - Cassady, Wes (wcassady)"


def test_a_taken_user_id_is_reported_together_with_the_other_mistakes(
    window: UserSetupWindow,
) -> None:
    window.new_action.trigger()
    text(window, "User ID").setText("Kimberly")
    text(window, "New Password").setText(PASSWORD)
    assert not saves(window)
    page = user_page(window)
    assert page.errors.message("user_id") == (
        "The User ID 'kimberly' is already taken in this company."
    )
    assert page.errors.message("first_name") == "First Name is required."
    assert page.errors.message("retype_password") == "The two passwords differ."


def test_typing_a_provider_name_links_the_provider_whatever_the_case(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
    company: CompanyInfo,
) -> None:
    pick(qtbot, window, people["wcassady"].pk)
    provider = by_name(window.page("user"), QComboBox, "User is this Provider")
    provider.lineEdit().clear()
    qtbot.keyClicks(provider.lineEdit(), "hynes md, patrick")
    assert window.save_action.isEnabled()
    with qtbot.waitSignal(window.saved):
        window.save_action.trigger()
    with database.transaction() as session:
        hynes = next(c.id for c in provider_choices(session, company) if "Hynes" in c.label)
    assert stored(window, "wcassady").fields.provider_id == hynes


def test_a_provider_name_that_matches_no_provider_is_refused_beside_the_box(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    pick(qtbot, window, people["wcassady"].pk)
    provider = by_name(window.page("user"), QComboBox, "User is this Provider")
    provider.lineEdit().setText("Dr. Nobody")
    assert not saves(window)
    assert user_page(window).errors.message("provider_id") == (
        "No single provider has that name; pick one from the list."
    )


def test_a_user_linked_to_an_inactive_provider_keeps_the_link_on_save(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    with database.transaction() as session:
        armstrong = session.scalar(select(Provider).where(Provider.last_name == "Armstrong"))
        assert armstrong is not None
        service = UserService(session, company, dba("setup"), clock)
        record = _add(service, "sarm", "Stephen", "Armstrong", provider_id=armstrong.id)
        armstrong.active = False  # the provider left the practice
    context_window = _window_for(database, company, clock)
    try:
        pick(qtbot, context_window, record.pk)
        provider = by_name(context_window.page("user"), QComboBox, "User is this Provider")
        assert provider.currentText() == "Armstrong PT, Stephen (inactive)"
        text(context_window, "Title").setText("Physical Therapist")
        assert saves(context_window)
        assert stored(context_window, "sarm").fields.provider_id == armstrong.id
    finally:
        context_window.close()


def test_a_phone_typed_with_its_extension_fills_the_ext_field(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
) -> None:
    pick(qtbot, window, people["wcassady"].pk)
    text(window, "Work").setText("614-555-0199 x45")
    assert saves(window)
    assert (
        stored(window, "wcassady").fields.work_phone,
        text(window, "Work Ext").text(),
    ) == (
        "+16145550199",
        "45",
    )
    assert text(window, "Work").text() == "(614) 555-0199"


def test_refresh_asks_about_unsaved_edits_and_brings_in_a_new_provider(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
    company: CompanyInfo,
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Half typed")
    dialogs.answer("Cancel")
    window.refresh_action.trigger()
    assert text(window, "Title").text() == "Half typed"
    with database.transaction() as session:
        session.add(Provider(company_id=company.id, last_name="Okafor", first_name="Chidi"))
    dialogs.answer("Discard")
    with qtbot.waitSignal(window.subject_loaded):
        window.refresh_action.trigger()
    provider = by_name(window.page("user"), QComboBox, "User is this Provider")
    assert provider.findText("Okafor, Chidi") >= 0
    assert text(window, "Title").text() == "Billing Specialist"


def test_a_refresh_that_answers_late_never_undoes_a_newer_pick_or_its_edits(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    runner = HeldRunner()
    window = UserSetupWindow(runner, database, practice_context(database, company, clock))
    window.show()
    pick(qtbot, window, people["kimberly"].pk)
    runner.hold = True  # from here each answer comes when the test says
    assert window.select_user(people["wcassady"].pk)  # the operator clicks Cassady...
    window.refresh_action.trigger()  # ...and presses F5 while Kimberly is still shown
    runner.answer_next()  # Cassady's open answers
    assert window.heading.text() == "User - Cassady, Wes (wcassady)"
    text(window, "Title").setText("Typed for Cassady")
    runner.answer_next()  # then the Refresh, asked for Kimberly
    assert window.heading.text() == "User - Cassady, Wes (wcassady)"
    assert text(window, "Title").text() == "Typed for Cassady"
    runner.hold = False
    close_window(window, dialogs)


def test_typing_while_an_unlock_runs_is_held_off_not_lost_on_the_reload(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    people: dict[str, UserRecord],
    dialogs: DialogAnswers,
) -> None:
    pk = people["kimberly"].pk
    with database.transaction() as session:
        users = UserService(session, company, dba(), clock)
        fields = users.get(pk).fields
        fields.login_locked = True
        users.update(pk, fields, users.get(pk).version)
    runner = HeldRunner()
    window = UserSetupWindow(runner, database, practice_context(database, company, clock))
    window.show()
    pick(qtbot, window, pk)
    runner.hold = True
    window.unlock_action.trigger()
    title = text(window, "Title")
    qtbot.keyClicks(title, " typed meanwhile")  # held off while the unlock runs
    runner.answer_next()  # unlocked: Kimberly is read again
    assert title.text() == "Billing Specialist" and not window.is_dirty()
    assert not stored(window, "kimberly").fields.login_locked
    qtbot.keyClicks(text(window, "Title"), " now")  # the form takes input again
    assert text(window, "Title").text() == "Billing Specialist now"
    runner.hold = False
    close_window(window, dialogs)


def test_a_page_opened_after_someone_else_saved_keeps_the_edits_of_the_others(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Mine")
    title_saved_elsewhere(database, company, clock, people["kimberly"])  # another desk, first
    window.show_section("login_times")  # built now: its section is read, a newer version
    assert window.page("login_times").isEnabled()
    window.show_section("user")
    assert text(window, "Title").text() == "Mine"  # not dropped unasked
    dialogs.answer("Keep My Edits")  # Save says who changed her, and asks
    assert not saves(window)
    assert "changed by lblake (Blake, Lauren)" in dialogs.seen[0]


def test_searching_past_the_user_being_edited_keeps_them_in_the_editor(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord]
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    text(window, "Title").setText("Kept while searching")
    qtbot.keyClicks(by_name(window, QLineEdit, "Search"), "cassady")
    assert list_texts(window) == ["Cassady, Wes  (wcassady)"]
    assert not window.user_view.selectionModel().hasSelection()
    assert window.heading.text() == "User - Fox, Kimberly (kimberly)"
    assert text(window, "Title").text() == "Kept while searching"


def test_a_section_that_fails_to_load_is_disabled_and_logged(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    page = window.page("user")

    def broken(subject: Any) -> None:
        raise RuntimeError("a bug in a section")

    monkeypatch.setattr(page, "load", broken)
    window.select_user(people["wcassady"].pk)
    assert not page.isEnabled()
    assert "could not be shown" in window.statusBar().currentMessage()
    assert [r.getMessage() for r in caplog.records] == ["The User section could not be loaded"]
    assert caplog.records[0].exc_info is not None
    caplog.clear()  # the error above is the one this test expects


def test_two_providers_with_the_same_name_keep_the_one_picked(
    qtbot: Any,
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
    dialogs: DialogAnswers,
) -> None:
    with database.transaction() as session:
        twin = Provider(
            company_id=company.id, last_name="Hynes", first_name="Patrick", credentials="MD"
        )
        session.add(twin)
        session.flush()
        service = UserService(session, company, dba("setup"), clock)
        record = _add(service, "phynes", "Patrick", "Hynes", provider_id=twin.id)
    other = _window_for(database, company, clock)
    try:
        pick(qtbot, other, record.pk)
        text(other, "Title").setText("Physician")
        assert saves(other)
        assert stored(other, "phynes").fields.provider_id == twin.id
    finally:
        other.close()


def test_a_user_that_cannot_be_read_leaves_the_list_on_the_user_in_the_editor(
    qtbot: Any, window: UserSetupWindow, people: dict[str, UserRecord], dialogs: DialogAnswers
) -> None:
    pick(qtbot, window, people["kimberly"].pk)
    good = window.workplace
    down = make_engine("postgresql+psycopg://usersetup@127.0.0.1:1/practice")
    window.workplace = replace(
        good, database=Database(sessionmaker(down), "postgresql://127.0.0.1:1/practice")
    )
    dialogs.answer("OK")
    window.select_user(people["lblake"].pk)
    down.dispose()
    window.workplace = good
    assert "lost or refused" in dialogs.seen[0]
    assert window.heading.text() == "User - Fox, Kimberly (kimberly)"
    assert window.model.pk_at(window.user_view.currentIndex().row()) == people["kimberly"].pk


def test_opening_a_user_changed_elsewhere_updates_their_row_in_the_list(
    qtbot: Any,
    window: UserSetupWindow,
    people: dict[str, UserRecord],
    database: Database,
    company: CompanyInfo,
    clock: FixedClock,
) -> None:
    by_name(window.panel, QCheckBox, "Active").setChecked(False)
    with database.transaction() as session:  # another workstation locks Wes out
        other = UserService(session, company, dba("front desk"), clock)
        wes = other.get(people["wcassady"].pk)
        wes.fields.login_locked = True
        other.update(wes.pk, wes.fields, wes.version)
    pick(qtbot, window, people["wcassady"].pk)
    assert "Cassady, Wes  (wcassady)  (locked)" in list_texts(window)


def test_typing_on_finds_what_a_fresh_search_finds_in_the_same_order(qtbot: Any) -> None:
    """Each keystroke narrows the last result (ranked: word starts first); what it shows
    must be what searching all the rows for the same text shows."""
    people = [
        ("Kelly", "Atkins"), ("Kim", "Fox"), ("Omar", "Hakim"), ("Alan", "Kimball"),
        ("Nikita", "Sokol"), ("Ki", "Moon"), ("Skip", "Kirk"), ("Ann", "Kite"),
        ("Kelly", "Watkins"),  # "k" ranks her first, "ki" after Hakim: the runs cross
    ]  # fmt: skip
    rows = sorted(
        ((n, f"u{n}", last, first, n % 4 != 0, False, False, None, False)
         for n, (first, last) in enumerate(people, start=1)),
        key=lambda r: (r[2].lower(), r[3].lower()),
    )  # fmt: skip
    typed = UserListModel()
    typed.set_rows(rows)
    qtbot.waitUntil(typed.first_letters_ready)  # made ahead, as while a person reads the list
    for active_only in (True, False):
        typed.set_active_only(active_only)
        for text in ("kit", "ki m", "kimb", "at", "o k", "a", "s", "w", "n"):
            typed.set_search("")
            for n in range(1, len(text) + 1):
                typed.set_search(text[:n])
                fresh = UserListModel()
                fresh.set_active_only(active_only)
                fresh.set_rows(rows)
                fresh.set_search(text[:n])
                shown = [typed.pk_at(r) for r in range(typed.rowCount())]
                assert shown == [fresh.pk_at(r) for r in range(fresh.rowCount())], text[:n]


def test_a_temporary_lock_shows_when_it_ends_in_the_practices_time(qtbot: Any) -> None:
    model = UserListModel()
    model.time_zone = ZoneInfo("America/New_York")
    now = datetime(2026, 12, 7, 14, 40, tzinfo=UTC)  # 09:40 in New York
    model.clock = lambda: now
    ends = now + timedelta(minutes=2)
    model.set_rows(
        [
            (1, "akim", "Kimball", "Alan", True, True, False, ends, False),
            (2, "bfox", "Fox", "Bea", True, True, False, ends + timedelta(days=2), False),
            (3, "clee", "Lee", "Cy", True, True, False, None, False),  # until an unlock
        ]
    )
    shown = [model.data(model.index(r)) for r in range(3)]
    assert shown == [
        "Kimball, Alan  (akim)  (locked until 09:42)",
        "Fox, Bea  (bfox)  (locked until Dec 9 09:42)",
        "Lee, Cy  (clee)  (locked)",
    ]
    tip = model.data(model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "login locked until 09:42" in tip


def test_a_refresh_that_finds_the_list_unchanged_leaves_it_as_it_is(qtbot: Any) -> None:
    """No reset: the selection and the scroll stay, and 100,000 rows are not held twice."""
    rows = [(1, "akim", "Kimball", "Alan", True, False, False, None, False)]
    model = UserListModel()
    model.set_rows(rows)
    with qtbot.assertNotEmitted(model.modelReset):
        model.set_rows(list(rows))  # the same rows, read again
    with qtbot.waitSignal(model.modelReset):
        model.set_rows(
            [(1, "akim", "Kimball", "Alan", True, True, False, None, False)]
        )  # now locked
