"""The User Setup window: users on the left, the editor in the middle, sections on the right.

The window never waits on the database: every read and write is a job of app/ handed to the
operations runner, whose result comes back here. What a write changed is published on the
change bus, which the list, the pages and the window's own settings listen to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QMainWindow, QSplitter

from app.access import Right
from app.changes import CatalogChanged, Change, CompanySettingsChanged, UserChanged
from app.clock import ClockSource, source_of
from app.db.database import Database
from app.db.server import ServerClock
from app.errors import UserSetupError
from app.sections.editor import Opened, Started, UserEditor
from app.sections.registry import FIRST, SECTIONS, section
from app.users.records import UserRecord, list_row
from app.workplace import Work, Workplace
from ui.changes import ChangeBus
from ui.dialogs import messages as dialogs
from ui.errors import show_error
from ui.operations import Busy, OperationRunner
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.widgets.icons import icon
from ui.widgets.input_hold import InputHold
from ui.window import catalogs
from ui.window.actions import build_actions, takes_part_in_epcs
from ui.window.layout import EditorArea, SectionPanel, build_status_bar, share_width
from ui.window.operator_guard import OperatorGuard
from ui.window.password_again import PasswordAgain
from ui.window.saving import Saving
from ui.window.section_pages import SectionPages
from ui.window.user_actions import UserActions, users_swept
from ui.window.user_panel import UserPanel

T = TypeVar("T")
Then = Callable[[], None]
SERVER_TIME_EVERY_MS = 60_000


class UserSetupWindow(QMainWindow):
    """Edits the users of one company. Every save is one transaction over all loaded pages."""

    saved = Signal(int)  # the user's row id, after a save has been committed
    subject_loaded = Signal()

    def __init__(
        self, runner: OperationRunner, database: Database, context: PracticeContext
    ) -> None:
        super().__init__()
        self.runner = runner
        self.context = context
        self.workplace = Workplace(database, context.company, context.actor, context.clock)
        self.bus = ChangeBus(self)
        self.bus.changed.connect(self._on_change)
        self.subject: Subject | None = None
        self._opening = 0  # the newest open; an older one's answer is not shown
        self._closing = False
        self.log_location = "the program's log file"  # the path, once logging is set up
        self.setWindowTitle(f"User Setup - {context.company.name} ({context.company.code})")
        self.setWindowIcon(icon("app"))
        self.resize(1180, 760)

        actions = build_actions(self, self, context.actor)
        self.toolbar_actions = actions
        actions.roles.setEnabled(context.may(Right.EDIT_ROLES))  # no user needs be shown
        self.section_actions = actions.sections  # a toolbar button for each section with an icon
        self.save_action, self.new_action, self.copy_action = (
            actions.save,
            actions.new,
            actions.copy,
        )
        self.active_action, self.reset_action = actions.active, actions.reset
        self.unlock_action, self.settings_action = actions.unlock, actions.settings
        self.refresh_action = actions.refresh
        actions.epcs.setEnabled(takes_part_in_epcs(context.actor))  # with or without a user
        self._build_body()
        self._build_status_bar()
        self.section_pages = SectionPages(self)
        self.saving = Saving(self)
        self.user_actions = UserActions(self)
        self.guard = OperatorGuard(self, self, context, runner, self.workplace, self.hours_warning)
        # A job refused for a password entered too long ago asks it here and runs again.
        self.password_again = PasswordAgain(self)
        self.guard.password_entered.connect(self.password_again.entered)
        if context.operator_user_id:  # someone signed in, whose password can be asked
            runner.password_asker = self.password_again
        self.runner.busy_changed.connect(self.busy_label.setVisible)
        if isinstance(context.clock, ServerClock):  # follow the server even if this PC's is reset
            self.clock_timer = runner.every(
                SERVER_TIME_EVERY_MS, context.clock.measure, self, done=self.show_clock
            )
        self.show_clock(source_of(context.clock))
        self.load_users()
        self.guard.start()

    # Building

    def _build_body(self) -> None:
        self.panel = UserPanel(
            (self.reset_action, self.unlock_action, self.copy_action, self.active_action)
        )
        self.panel.chosen.connect(self._on_chosen)
        self.model, self.search = self.panel.model, self.panel.search
        self.model.time_zone = ZoneInfo(self.context.company.time_zone)
        self.model.clock = self.context.clock
        self.user_view, self.active_only = self.panel.user_view, self.panel.active_only
        self.count_label = self.panel.count_label
        self.editor = EditorArea()
        self.heading, self.copied_note = self.editor.heading, self.editor.copied_note
        self.stack = self.editor.stack
        self.input_hold = InputHold(self.stack)  # the form while a save or action runs
        sections = SectionPanel(self._on_section)
        self.section_list = sections.section_list
        self.sections = sections
        splitter = QSplitter()
        splitter.addWidget(self.panel)
        splitter.addWidget(self.editor)
        splitter.addWidget(sections)
        # The form keeps its width; a larger window gives the room to the list.
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setStretchFactor(2, 0)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter
        self._width_shared = False  # on the first show, once the window has its size
        self.setCentralWidget(splitter)

    def _build_status_bar(self) -> None:
        context = self.context
        status = build_status_bar(
            self,
            f"{context.operator} - {context.role}",
            self.workplace.database.description,
            self.change_own_password,
            # A signed-in user holding "Change own password" (app/ checks it again as they
            # change it); the first start's administrator has no password here to change.
            bool(context.operator_user_id) and self.workplace.actor.may(Right.CHANGE_OWN_PASSWORD),
        )
        self.operator_label, self.database_label = status.operator_label, status.database_label
        self.busy_label, self.hours_warning = status.busy_label, status.hours_warning
        self.clock_warning = status.clock_warning
        self.own_password_action = status.own_password_action
        self.own_password_button = status.own_password_button

    def show_clock(self, source: ClockSource) -> None:
        """Say in the status bar while this computer's clock stands in for the server's."""
        self.clock_warning.setVisible(not source.trusted)

    # What pages ask of the window (ui.pages.base.PageHost)

    def run(
        self,
        job: Callable[[Work], T],
        done: Callable[[T], None],
        *,
        failed: Callable[[UserSetupError], None] | None = None,
        busy: Busy = (),
        hold: bool = False,
    ) -> None:
        # ``hold``: the job changes the user shown, who is then read again; what is typed
        # meanwhile would be lost, so the form takes no input until the answer is in.
        self.runner.run(
            self.workplace, job, done, failed=failed, busy=busy, parent=self,
            hold=self.input_hold if hold else None,
        )  # fmt: skip

    def when_may_act(self, then: Then, ignoring: SectionPage | None = None) -> None:
        dirty = [p for p in self.section_pages.live() if p is not ignoring and p.is_dirty()]
        if self.subject is None or not dirty:
            then()
        else:
            self.when_may_leave(then)

    def publish(self, *changes: Change) -> None:
        self.bus.publish(*changes)

    def show_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)

    # Pages (ui.window.section_pages)

    @property
    def pages(self) -> dict[str, SectionPage]:
        """The pages built so far, by section key."""
        return self.section_pages.built

    def page(self, key: str) -> SectionPage:
        """The page of a section, built the first time it is needed."""
        return self.section_pages.page(key)

    def current_section(self) -> str:
        return SECTIONS[max(self.section_list.currentRow(), 0)].key

    def _on_section(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.page(SECTIONS[row].key))
            self._update_heading()

    def show_section(self, key: str) -> None:
        self.section_list.setCurrentRow([s.key for s in SECTIONS].index(key))

    def is_dirty(self) -> bool:
        return self.subject is not None and any(p.is_dirty() for p in self.section_pages.live())

    # The user list

    def load_users(self) -> None:
        self.run(users_swept, self._users_read)

    def _users_read(self, rows: Any) -> None:
        self.panel.set_rows(list(rows))
        if self.subject is None:
            first = self.panel.first_pk()
            if first is not None:
                self.open_user(first)

    def select_user(self, pk: int) -> bool:
        """Select a user in the list (as a click would); False if the filter hides them."""
        return self.panel.select_user(pk)

    def _on_chosen(self, pk: int) -> None:
        shown = self.subject.record.pk if self.subject and self.subject.record else None
        if pk == shown:
            return
        self.when_may_leave(lambda: self.open_user(pk), lambda: self.panel.show_selected(shown))

    def _show_in_list(self, record: UserRecord) -> None:
        zone = ZoneInfo(self.context.company.time_zone)
        self.panel.upsert_row(list_row(record, zone, self.context.clock()))

    # Opening a user

    def open_keys(self) -> list[str]:
        """The sections whose pages are built (and the one shown): what opening reads."""
        return [s.key for s in SECTIONS if s.key in self.pages or s.key == self.current_section()]

    def open_user(self, pk: int) -> None:
        """Read one user (one statement, and one for each built page that needs its own) and
        show them in every built page."""
        self._opening += 1
        token, keys = self._opening, self.open_keys()
        shown = self.subject.record.pk if self.subject and self.subject.record else None

        def opened(result: Opened) -> None:
            if token == self._opening:  # a newer open has the last word
                self.show_opened(result)

        def failed(error: UserSetupError) -> None:
            show_error(self, "Cannot show this user", error)
            self.panel.show_selected(shown)

        self.run(lambda work: UserEditor(work).open(pk, keys), opened, failed=failed)

    def opens_started(self) -> int:
        """How many opens of a user this window has started: an answer asked for before the
        latest one is out of date."""
        return self._opening

    def show_refreshed(self, opened: Opened, asked_at: int) -> None:
        """Show a user read again (Refresh), unless the operator has since picked another
        user or typed in this one: their choice and their edits win over an old answer."""
        shown = self.subject.record.pk if self.subject and self.subject.record else None
        if asked_at == self._opening and shown == opened.record.pk and not self.is_dirty():
            self.show_opened(opened)

    def show_opened(self, opened: Opened) -> None:
        self._show_in_list(opened.record)  # another workstation may have changed the list's row
        self._load_subject(Subject(opened.record, opened.states))

    def _load_subject(self, subject: Subject) -> None:
        self.subject = subject
        self.page(self.current_section())
        self.section_pages.load_all(subject)
        self.panel.show_selected(subject.record.pk if subject.record else None)
        self.copied_note.setText(subject.copied_note)
        self.copied_note.setVisible(bool(subject.copied_note))
        self._update_heading()
        self.update_actions()
        self.subject_loaded.emit()

    def _update_heading(self) -> None:
        title, subject = section(self.current_section()).title, self.subject
        if subject is None:
            who = "no user selected"
        elif subject.record is not None:
            who = subject.record.heading + ("" if subject.record.fields.active else " - inactive")
        elif subject.copied_from is not None:
            who = f"New User (copy of {subject.copied_from.list_name})"
        else:
            who = "New User"
        self.heading.setText(f"{title} - {who}")

    def update_actions(self) -> None:
        record = self.subject.record if self.subject else None
        self.toolbar_actions.update(record, self.context.actor, dirty=self.is_dirty())

    # Leaving the user shown

    def when_may_leave(self, then: Then, otherwise: Then | None = None) -> None:
        """Ask Save / Discard / Cancel when there are unsaved edits; ``then()`` once the edits
        are saved or dropped (at once when there are none), ``otherwise()`` if they stay."""
        if not self.is_dirty():
            then()
            return
        assert self.subject is not None
        who = self.subject.record.heading if self.subject.record else "the new user"
        answer = dialogs.ask_unsaved(self, who)
        if answer is dialogs.Unsaved.SAVE:
            self.save(then=then, otherwise=otherwise)
        elif answer is dialogs.Unsaved.DISCARD:
            self.drop_edits()
            then()
        elif otherwise is not None:
            otherwise()

    def drop_edits(self) -> None:
        """The pages as loaded again: nothing left unsaved."""
        if self.subject is not None:
            self._load_subject(self.subject)

    # New and Copy

    def new_user(self) -> None:
        self.when_may_leave(lambda: self._start(None))

    def copy_user(self) -> None:
        if self.subject is None or self.subject.record is None:
            return
        # What the copy takes is read after a Save, so the copy has what was saved.
        self.when_may_leave(lambda: self._start(self.subject.record if self.subject else None))

    def _start(self, source: UserRecord | None) -> None:
        pk = source.pk if source is not None else None

        def started(result: Started) -> None:
            if source is not None:
                self.panel.clear_search()  # the new user shows in the list once saved
            note = result.copied_line()
            self._load_subject(Subject(None, result.states, source, note, result.needs))
            self.show_section(FIRST.key)
            self.page(FIRST.key).focus_first_field()
            self.statusBar().showMessage(
                "Enter the User ID, First and Last Name and a password, then Save.", 10000
            )

        self.run(lambda work: UserEditor(work).start(pk), started, busy=(self.copy_action,))

    # Saving (ui.window.saving)

    def save(self, then: Then | None = None, otherwise: Then | None = None) -> None:
        """Check every loaded page, then save them all in one transaction; ``then()`` once
        saved (or when there was nothing to save), ``otherwise()`` if not saved."""
        self.saving.save(then, otherwise)

    # What a change means here

    def _on_change(self, change: Change) -> None:
        if isinstance(change, UserChanged):
            self._show_in_list(change.record)
            subject = self.subject
            if subject is None or subject.record is None or subject.record.pk != change.record.pk:
                return
            if change.record.version != subject.record.version:  # shown here as it now is
                self.open_user(change.record.pk)
        elif isinstance(change, CompanySettingsChanged):
            policy = change.policy
            self.context = replace(
                self.context,
                policy=policy,
                idle_minutes=policy.idle_minutes if self.context.operator_user_id else 0,
            )
            self.guard.context = self.context
            self.guard.set_idle_minutes(self.context.idle_minutes)
            if not self.is_dirty():
                self.rebuild_pages()  # the password fields follow the new policy
        elif isinstance(change, CatalogChanged):
            catalogs.catalog_changed(self, change)

    def rebuild_pages(self) -> None:
        """Pages hold the context they were built with: build them again, lazily."""
        self.section_pages.rebuild(self.current_section())

    # Actions on the user shown (ui.window.user_actions)

    def toggle_active(self) -> None:
        self.user_actions.toggle_active()

    def unlock_user(self) -> None:
        self.user_actions.unlock()

    def reset_password(self) -> None:
        self.user_actions.reset_password()

    def verify_direct_email(self, pk: int) -> None:
        self.user_actions.verify_direct_email(pk)

    def company_settings(self) -> None:
        self.user_actions.company_settings()

    def user_groups(self) -> None:
        self.user_actions.user_groups()

    def department_list(self) -> None:
        self.user_actions.department_list()

    def role_setup(self) -> None:
        """Role Setup, for an operator who may edit roles (the service refuses anyone else)."""
        if not self.context.may(Right.EDIT_ROLES):
            return
        from ui.dialogs.role_setup import RoleSetupDialog

        RoleSetupDialog(self, self.runner, self.workplace, self.context).exec()

    def epcs_approvals(self) -> None:
        self.user_actions.epcs_approvals()

    def edit_catalog(self, kind: str) -> None:
        """A catalog's editor (ui.window.catalogs), from the Practice menu or a page."""
        catalogs.edit_catalog(self, kind)

    def change_own_password(self) -> None:
        self.user_actions.change_own_password()

    def refresh(self) -> None:
        self.user_actions.refresh()

    # Keyboard

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # The operator guard's window (ui.window.operator_guard.Guarded)

    def hide_contents(self, hidden: bool) -> None:
        central = self.centralWidget()
        assert central is not None
        central.setVisible(not hidden)

    @property
    def lock_dialog(self) -> QDialog | None:
        return self.guard.lock_dialog

    def lock(self, why: str = "") -> None:
        self.guard.lock(why)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._width_shared:
            self._width_shared = True
            share_width(self.splitter, self.sections)

    # Closing

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.guard.lock_dialog is not None:
            # Closed while locked (the system signing out): leave as Sign Out does, without
            # the password, so unsaved edits are dropped, never saved.
            self.drop_edits()
        if self._closing or not self.is_dirty():
            self._closed(event)
            return
        assert self.subject is not None
        who = self.subject.record.heading if self.subject.record else "the new user"
        answer = dialogs.ask_unsaved(self, who)
        if answer is dialogs.Unsaved.DISCARD:
            self.drop_edits()
            self._closed(event)
            return
        event.ignore()
        if answer is dialogs.Unsaved.SAVE:
            self.save(then=self._close_after_save)

    def _close_after_save(self) -> None:
        self._closing = True
        self.close()

    def _closed(self, event: QCloseEvent) -> None:
        event.accept()
        self.guard.stop()
        if self.runner.password_asker is self.password_again:
            self.runner.password_asker = None
