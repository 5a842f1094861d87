"""Company Settings' Roles tab: the base role every user must hold, saved with the other tabs
through the same runner, with app/'s refusal beside the field."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import QComboBox, QLabel

from app.access import Actor
from app.db.database import Database
from app.practice.company import CompanyInfo
from app.rights import Right
from app.roles.base_role import base_role
from tests.conftest import FixedClock
from tests.helpers.groups import make_role
from tests.helpers.mail_server import MemoryStore
from tests.helpers.qt import by_name
from tests.helpers.records import add_user
from tests.helpers.window import practice_context, saves, workplace_of
from ui.dialogs.company_settings import CompanySettingsDialog
from ui.dialogs.company_settings_base_role import BASE_ROLE_LABEL
from ui.operations import InlineRunner


def open_settings(qtbot: Any, database: Database, context: Any) -> CompanySettingsDialog:
    dialog = CompanySettingsDialog(
        None, InlineRunner(), workplace_of(database, context), context, store=MemoryStore()
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _choose(dialog: CompanySettingsDialog, text: str) -> None:
    combo = by_name(dialog, QComboBox, BASE_ROLE_LABEL)
    combo.setCurrentIndex(combo.findText(text))


def test_the_base_role_is_chosen_saved_and_given_to_those_who_lacked_it(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_role(database, company, clock, "Staff", [Right.SCHEDULE_VIEW])
    add_user(database, company, clock, "kimberly")
    context = practice_context(database, company, clock)
    context = replace(context, actor=context.actor.with_password_at(clock()))
    dialog = open_settings(qtbot, database, context)
    combo = by_name(dialog, QComboBox, BASE_ROLE_LABEL)
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "(none)",
        "Administrator",
        "Front Desk",
        "Staff",
    ]
    assert combo.currentText() == "(none)"
    _choose(dialog, "Staff")
    assert saves(dialog)
    with database.transaction() as session:
        assert base_role(session, company.id) is not None
    given = dialog.findChild(QLabel, "base_role_given")
    assert given is not None
    assert given.text() == "Given to 1 user who lacked it: kimberly."


def test_a_role_with_rights_the_operator_lacks_is_refused_beside_the_field(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    make_role(database, company, clock, "Billing", [Right.BILLING_EDIT])
    context = practice_context(database, company, clock)
    rights = frozenset({Right.VIEW_USERS, Right.COMPANY_SETTINGS, Right.EDIT_ROLES})
    actor = Actor(context.actor.name, rights, context.actor.workstation, context.actor.user_pk)
    dialog = open_settings(qtbot, database, replace(context, actor=actor.with_password_at(clock())))
    _choose(dialog, "Billing")
    assert not saves(dialog)
    error = dialog.findChild(QLabel, "base_role_error")
    assert error is not None and error.isVisibleTo(dialog)
    assert error.text() == (
        "You cannot give rights you do not hold yourself: Post charges and payments."
    )
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Roles"
    with database.transaction() as session:
        assert base_role(session, company.id) is None


def test_without_edit_roles_the_base_role_cannot_be_chosen(
    qtbot: Any, database: Database, company: CompanyInfo, clock: FixedClock
) -> None:
    context = practice_context(database, company, clock)
    actor = Actor(context.actor.name, frozenset({Right.VIEW_USERS, Right.COMPANY_SETTINGS}),
                  context.actor.workstation, context.actor.user_pk)  # fmt: skip
    dialog = open_settings(qtbot, database, replace(context, actor=actor))
    assert not by_name(dialog, QComboBox, BASE_ROLE_LABEL).isEnabled()
