"""The User Setup window: users on the left, the editor in the middle, sections on the right."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QSize,
    Qt,
    QTime,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db.database import Database
from app.errors import (
    ConflictError,
    DatabaseUnavailableError,
    NotFoundError,
    UserSetupError,
    ValidationError,
)
from app.login_times.hours import has_expired
from app.login_times.service import AccessEnd, LoginTimesService
from app.practice.company import provider_choices, service_location_choices
from app.sections.base import Work
from app.sections.editor import Opened, UserEditor
from app.users.service import UserRecord
from ui.dialogs import messages as dialogs
from ui.errors import show_error
from ui.pages import SECTION_PAGES
from ui.pages.base import PracticeContext, SectionPage, Subject
from ui.pages.user_page import UserPage
from ui.widgets.form import caption
from ui.widgets.icons import icon
from ui.window.user_list import UserListModel

log = logging.getLogger(__name__)
HOURS_WARNING = timedelta(minutes=5)  # how long before the operator's hours end they are told
HOURS_RECHECK = timedelta(minutes=15)  # an administrator may change those hours meanwhile
HOURS_OVER = "Your login hours have ended, so User Setup is locked."
EXPIRED_OVER = "Your account has expired, so User Setup is locked."
_USE_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)
T = TypeVar("T")


def _heading_label(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    return label


class UserSetupWindow(QMainWindow):
    """Edits the users of one company. Every save is one transaction over all loaded pages."""

    saved = Signal(int)  # the user's row id, after a save has been committed
    subject_loaded = Signal()

    def __init__(self, database: Database, context: PracticeContext) -> None:
        super().__init__()
        self.database = database
        self.context = context
        self.subject: Subject | None = None
        self.pages: dict[str, SectionPage] = {}
        self.log_location = "the program's log file"  # the path, once logging is set up
        self.setWindowTitle(f"User Setup - {context.company.name} ({context.company.code})")
        self.setWindowIcon(icon("app"))
        self.resize(1180, 760)

        self.model = UserListModel(self)
        self.lock_dialog: QDialog | None = None
        self.idle_timer = QTimer(self)  # before any widget: the event filter reads it
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.lock)
        # The operator's own login hours (or account expiry): warned, then locked, at their end.
        self.hours_timer = QTimer(self)
        self.hours_timer.setSingleShot(True)
        self.hours_timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse one may fire late
        self.hours_timer.timeout.connect(self.check_login_hours)
        self.hours_end: AccessEnd | None = None
        self._build_actions()
        self._build_body()
        self._build_status_bar()
        self.load_users()
        if context.operator_pk is not None:
            self.check_login_hours()
        if context.idle_minutes and context.operator_user_id:
            self.idle_timer.setInterval(context.idle_minutes * 60_000)
            self.idle_timer.start()
            app = QApplication.instance()
            if app is not None:
                app.installEventFilter(self)  # any key or click in the program counts as use

    # Building

    def _action(
        self,
        text: str,
        icon_name: str,
        tip: str,
        slot: Callable[[], object],
        keys: QKeySequence | None,
    ) -> QAction:
        action = QAction(icon(icon_name), text, self)
        action.setToolTip(
            f"{tip} ({keys.toString(QKeySequence.SequenceFormat.NativeText)})" if keys else tip
        )
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        toolbar = QToolBar("Actions")
        toolbar.setObjectName("actions")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.addToolBar(toolbar)
        self.new_action = self._action(
            "New User", "user-new", "Add a user with an empty form", self.new_user,
            QKeySequence(QKeySequence.StandardKey.New),
        )  # fmt: skip
        self.copy_action = self._action(
            "Copy User", "user-copy",
            "Add a user with the settings of the selected user (recommended)", self.copy_user, None,
        )  # fmt: skip
        self.save_action = self._action(
            "Save", "save", "Save all changes to this user", self.save,
            QKeySequence(QKeySequence.StandardKey.Save),
        )  # fmt: skip
        self.active_action = self._action(
            "Deactivate", "user-deactivate",
            "Deactivate the selected user (users are never deleted)", self.toggle_active, None,
        )  # fmt: skip
        self.reset_action = self._action(
            "Reset Password...", "key",
            "Give the selected user a temporary password, and unlock them if locked",
            self.reset_password, QKeySequence("Ctrl+R"),
        )  # fmt: skip
        self.unlock_action = self._action(
            "Unlock", "unlock", "Unlock the selected user after too many failed sign-ins",
            self.unlock_user, None,
        )  # fmt: skip
        self.settings_action = self._action(
            "Company Settings...", "settings",
            "Password rules, temporary passwords, lockout and idle time for the practice",
            self.company_settings, None,
        )  # fmt: skip
        self.login_times_action = self._action(
            "Login Times", "clock", "When the selected user may sign in, and when their account "
            "expires", lambda: self.show_section("Login Times"), None,
        )  # fmt: skip
        self.two_factor_action = self._action(
            "2FA", "keys", "Two-factor sign-in of the selected user: method, authenticator, "
            "recovery codes", lambda: self.show_section("2FA"), None,
        )  # fmt: skip
        self.refresh_action = self._action(
            "Refresh", "refresh", "Reload the user list and this user from the database",
            self.refresh, QKeySequence(QKeySequence.StandardKey.Refresh),
        )  # fmt: skip
        for action in (self.new_action, self.copy_action, self.save_action):
            toolbar.addAction(action)
        toolbar.addSeparator()
        toolbar.addAction(self.reset_action)
        toolbar.addAction(self.unlock_action)
        toolbar.addAction(self.active_action)
        toolbar.addSeparator()
        toolbar.addAction(self.login_times_action)
        toolbar.addAction(self.two_factor_action)
        toolbar.addSeparator()
        toolbar.addAction(self.refresh_action)
        if self.context.may_edit:
            toolbar.addAction(self.settings_action)
        find = QAction("Find User", self)
        find.setShortcut(QKeySequence(QKeySequence.StandardKey.Find))
        find.triggered.connect(self.focus_search)
        self.addAction(find)

    def _build_body(self) -> None:
        splitter = QSplitter()
        splitter.addWidget(self._build_user_panel())
        splitter.addWidget(self._build_editor())
        splitter.addWidget(self._build_section_panel())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([290, 700, 170])
        splitter.setChildrenCollapsible(False)
        self.setCentralWidget(splitter)

    def _build_user_panel(self) -> QWidget:
        panel = QWidget()
        panel.setObjectName("user_panel")
        layout = QVBoxLayout(panel)
        layout.addWidget(_heading_label("Users"))
        top = QHBoxLayout()
        self.active_only = QCheckBox("Active")
        self.active_only.setAccessibleName("Active")
        self.active_only.setToolTip("Show only active users")
        self.active_only.setChecked(True)
        self.active_only.toggled.connect(self._on_active_only)
        top.addWidget(self.active_only)
        top.addStretch(1)
        self.count_label = QLabel()
        top.addWidget(self.count_label)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name or User ID")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._on_search_enter)
        self.search.installEventFilter(self)
        search_row = QHBoxLayout()
        search_row.addWidget(caption("Search", self.search))
        search_row.addWidget(self.search, 1)
        layout.addLayout(search_row)
        # A one-column table, not a QListView: with fixed row heights it never lays out
        # 100,000 rows to scroll to one, which a list view does after every filter.
        self.user_view = QTableView()
        self.user_view.setAccessibleName("Users")
        self.user_view.setModel(self.model)
        self.user_view.setIconSize(QSize(16, 16))
        self.user_view.horizontalHeader().hide()
        self.user_view.horizontalHeader().setStretchLastSection(True)
        rows = self.user_view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.user_view.fontMetrics().height() + 8)
        self.user_view.setShowGrid(False)
        self.user_view.setWordWrap(False)
        self.user_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.user_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.user_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.user_view.setTabKeyNavigation(False)
        self.user_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.user_view.selectionModel().currentRowChanged.connect(self._on_current_row)
        for action in (self.reset_action, self.unlock_action, self.copy_action, self.active_action):
            self.user_view.addAction(action)
        layout.addWidget(self.user_view, 1)
        return panel

    def _build_editor(self) -> QWidget:
        editor = QWidget()
        layout = QVBoxLayout(editor)
        self.heading = _heading_label("")
        self.heading.setObjectName("heading")
        layout.addWidget(self.heading)
        self.stack = QStackedWidget()
        scroll = QScrollArea()
        scroll.setWidget(self.stack)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout.addWidget(scroll, 1)
        return editor

    def _build_section_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.addWidget(_heading_label("Section"))
        self.section_list = QListWidget()
        self.section_list.setAccessibleName("Section")
        for page_class in SECTION_PAGES:
            self.section_list.addItem(page_class.section)
        self.section_list.setCurrentRow(0)
        self.section_list.currentRowChanged.connect(self._on_section)
        layout.addWidget(self.section_list, 1)
        return panel

    def _build_status_bar(self) -> None:
        self.operator_label = QLabel(
            f"Current User - {self.context.operator} - {self.context.role}"
        )
        self.operator_label.setObjectName("operator")
        self.database_label = QLabel(f"Database: {self.database.description}")
        self.database_label.setObjectName("database")
        self.hours_warning = QLabel()
        self.hours_warning.setObjectName("hours_warning")
        self.hours_warning.setStyleSheet(
            "QLabel { background: #fcf3cf; color: #7d6608; border: 1px solid #d4ac0d;"
            " border-radius: 3px; padding: 1px 6px; font-weight: bold; }"
        )
        self.hours_warning.hide()
        self.statusBar().addWidget(self.operator_label)
        self.statusBar().addPermanentWidget(self.hours_warning)
        self.statusBar().addPermanentWidget(self.database_label)
        self._build_own_password_action()

    def _build_own_password_action(self) -> None:
        """Any signed-in operator changes their own password: a button beside their name."""
        self.own_password_action = self._action(
            "Change My Password...", "key", "Change your own password", self.change_own_password,
            None,
        )  # fmt: skip
        self.own_password_action.setEnabled(bool(self.context.operator_user_id))
        button = QToolButton()
        button.setObjectName("change_own_password")
        button.setDefaultAction(self.own_password_action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setAutoRaise(True)
        self.statusBar().addWidget(button)

    # Pages

    def page(self, section: str) -> SectionPage:
        """The page of a section, built the first time it is needed."""
        if section not in self.pages:
            page_class = next(p for p in SECTION_PAGES if p.section == section)
            page = page_class(self.context)
            page.edited.connect(self._update_actions)
            page.host = self
            if isinstance(page, UserPage):
                page.verify_direct_email_requested.connect(self.verify_direct_email)
            page.set_read_only(not self.context.may_edit)
            self.pages[section] = page
            self.stack.addWidget(page)
            if self.subject is not None:
                self._load_page(page, self.subject)
        return self.pages[section]

    def _load_page(self, page: SectionPage, subject: Subject) -> None:
        """Load one page; one that fails is a bug: logged, and the page is disabled, not fatal."""
        try:
            page.load(subject)
        except Exception:
            log.exception("The %s section could not be loaded", page.section)
            page.setEnabled(False)
            self.statusBar().showMessage(
                f"The {page.section} section could not be shown; "
                f"the details are in {self.log_location}."
            )
        else:
            page.setEnabled(True)

    def current_section(self) -> str:
        return SECTION_PAGES[max(self.section_list.currentRow(), 0)].section

    def _on_section(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentWidget(self.page(SECTION_PAGES[row].section))
            self._update_heading()

    def show_section(self, section: str) -> None:
        self.section_list.setCurrentRow([p.section for p in SECTION_PAGES].index(section))

    def is_dirty(self) -> bool:
        return self.subject is not None and any(
            page.is_dirty() for page in self.pages.values() if page.isEnabled()
        )

    # What pages ask of the window (ui.pages.base.PageHost)

    def transaction(self) -> AbstractContextManager[Session]:
        return self.database.transaction()

    def may_act(self, ignoring: SectionPage | None = None) -> bool:
        if self.subject is None or not any(
            page.is_dirty()
            for page in self.pages.values()
            if page.isEnabled() and page is not ignoring
        ):
            return True
        return self._may_leave()

    def user_changed(self, pk: int, message: str) -> None:
        if self.open_user(pk):
            self.statusBar().showMessage(message, 10000)

    # The user list

    def load_users(self) -> None:
        rows = self._read(lambda session: self.context.users(session).list_rows())
        if rows is None:
            return
        self.model.set_rows(rows)
        self._after_filter()

    def _on_active_only(self, checked: bool) -> None:
        self.model.set_active_only(checked)
        self._after_filter()

    def _on_search(self, text: str) -> None:
        self.model.set_search(text)
        self._after_filter()

    def _on_search_enter(self) -> None:
        if self.model.rowCount() > 0:
            self._select_row(0)
            self.user_view.setFocus()

    def _after_filter(self) -> None:
        """Keep the edited user selected when the filter still shows them."""
        shown, total = self.model.rowCount(), self.model.total()
        self.count_label.setText(
            f"{shown} shown of {total}" if shown != total else f"{total} users"
        )
        pk = self.subject.record.pk if self.subject and self.subject.record else None
        row = self.model.row_of(pk) if pk is not None else None
        selection = self.user_view.selectionModel()
        selection.blockSignals(True)
        if row is None:
            selection.clear()
        else:
            index = self.model.index(row)
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.user_view.scrollTo(index)
        selection.blockSignals(False)
        if self.subject is None and self.model.rowCount() > 0:
            self._select_row(0)

    def _select_row(self, row: int) -> None:
        self.user_view.selectionModel().setCurrentIndex(
            self.model.index(row), QItemSelectionModel.SelectionFlag.ClearAndSelect
        )

    def select_user(self, pk: int) -> bool:
        """Select a user in the list (as a click would); False if the filter hides them."""
        row = self.model.row_of(pk)
        if row is None:
            return False
        self._select_row(row)
        return True

    def _on_current_row(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not current.isValid():
            return
        pk = self.model.pk_at(current.row())
        if self.subject and self.subject.record and self.subject.record.pk == pk:
            return
        if not self._may_leave() or not self.open_user(pk):
            self._after_filter()  # put the selection back on the user being edited

    def open_user(self, pk: int) -> bool:
        """Read one user (one statement) and show them in every loaded page; False if unread."""
        opened = self._read(lambda session: self._editor(session).open(pk))
        if opened is None:
            return False
        self._show_in_list(opened.record)  # another workstation may have changed the list's row
        self._load_subject(Subject(opened.record, opened.states))
        return True

    def _editor(self, session: Session) -> UserEditor:
        context = self.context
        return UserEditor(Work(session, context.company, context.actor, context.clock))

    def _show_in_list(self, record: UserRecord) -> None:
        f = record.fields
        zone = ZoneInfo(self.context.company.time_zone)
        expired = has_expired(record.expires_on, zone, self.context.clock())
        self.model.upsert_row(
            (record.pk, f.user_id, f.last_name, f.first_name, f.active, f.login_locked, expired)
        )

    def _load_subject(self, subject: Subject) -> None:
        self.subject = subject
        self.page(self.current_section())
        for page in self.pages.values():
            self._load_page(page, subject)
        self._after_filter()
        self._update_heading()
        self._update_actions()
        self.subject_loaded.emit()

    def _update_heading(self) -> None:
        section, subject = self.current_section(), self.subject
        if subject is None:
            who = "no user selected"
        elif subject.record is not None:
            who = subject.record.heading + ("" if subject.record.fields.active else " - inactive")
        elif subject.copied_from is not None:
            who = f"New User (copy of {subject.copied_from.list_name})"
        else:
            who = "New User"
        self.heading.setText(f"{section} - {who}")

    def _update_actions(self) -> None:
        record = self.subject.record if self.subject else None
        edit = self.context.may_edit
        self.new_action.setEnabled(edit)
        self.copy_action.setEnabled(edit and record is not None)
        oneself = record is not None and record.pk == self.context.actor.user_pk
        self.active_action.setEnabled(edit and record is not None and not oneself)
        self.save_action.setEnabled(edit and self.is_dirty())
        # Front Desk helps users, not other User Setup operators.
        may_help = record is not None and (edit or record.setup_role is None)
        self.reset_action.setEnabled(may_help)
        self.unlock_action.setEnabled(
            may_help and record is not None and record.fields.login_locked
        )
        self.settings_action.setEnabled(edit)
        active = record is None or record.fields.active
        self.active_action.setText("Deactivate" if active else "Activate")
        self.active_action.setIcon(icon("user-deactivate" if active else "user-activate"))
        self.active_action.setToolTip(
            "You cannot deactivate your own account; ask another Administrator"
            if oneself and active
            else "Deactivate the selected user (users are never deleted)"
            if active
            else "Activate the selected user again"
        )

    # Keyboard

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def check_login_hours(self) -> None:
        """Warn five minutes before the operator's login hours or account run out, and lock
        the window when they have (edits kept). Runs again when due and every 15 minutes, as an
        administrator may change those hours meanwhile."""
        context = self.context
        assert context.operator_pk is not None
        now = context.clock()
        try:
            with self.database.transaction() as session:
                hours = LoginTimesService(session, context.company, context.actor, context.clock)
                self.hours_end = hours.access_end(context.operator_pk, now)
        except NotFoundError:  # the operator's own row is gone: nothing allows them in
            self.hours_end = AccessEnd(now, expiry=False)
        except UserSetupError as exc:  # the database is away: keep to what was last read
            log.info("login hours not read again: %s", exc)
        end = self.hours_end
        if end is None:
            self.hours_warning.hide()
            self._check_hours_in(HOURS_RECHECK)
            return
        if now >= end.at:
            self.hours_warning.hide()
            self.hours_timer.stop()  # the unlock checks again
            self.lock(EXPIRED_OVER if end.expiry else HOURS_OVER)
            return
        if now >= end.at - HOURS_WARNING:
            local = end.at.astimezone(ZoneInfo(context.company.time_zone))
            when = QLocale().toString(
                QTime(local.hour, local.minute), QLocale.FormatType.ShortFormat
            )
            what = "Your account expires" if end.expiry else "Your login hours end"
            self.hours_warning.setText(
                f"{what} at {when}: save your changes. User Setup then locks, keeping what is "
                "not saved."
            )
            self.hours_warning.show()
            self._check_hours_in(end.at - now)
        else:
            self.hours_warning.hide()
            self._check_hours_in(end.at - HOURS_WARNING - now)

    def _check_hours_in(self, wait: timedelta) -> None:
        wait = min(wait, HOURS_RECHECK)
        self.hours_timer.start(max(int(wait.total_seconds() * 1000), 1))

    def lock(self, why: str = "") -> None:
        """Hide the practice's data and ask the operator's password; edits stay as they are."""
        if self.lock_dialog is not None:
            return
        from ui.signin.sign_in_dialog import IdleLockDialog

        central = self.centralWidget()
        assert central is not None
        central.hide()
        for other in self.findChildren(QDialog):  # a reset's password must not stay on screen
            if other.isVisible():
                other.reject()
        dialog = IdleLockDialog(
            self,
            self.database,
            self.context.clock,
            self.context.company,
            self.context.operator_user_id,
            socket.gethostname(),
            why,
        )
        dialog.accepted.connect(self._unlocked)
        dialog.sign_out.connect(self._sign_out)
        self.lock_dialog = dialog
        dialog.open()

    def _sign_out(self) -> None:
        """Leave from the lock without the password: unsaved edits are dropped, not saved."""
        if self.subject is not None:
            self._load_subject(self.subject)  # the form as loaded: nothing to ask about
        if self.lock_dialog is not None:
            self.lock_dialog.hide()
            self.lock_dialog = None
        self.close()

    def _unlocked(self) -> None:
        if self.lock_dialog is not None:
            self.lock_dialog.deleteLater()
        self.lock_dialog = None
        central = self.centralWidget()
        assert central is not None
        central.show()
        if self.context.idle_minutes:
            self.idle_timer.start()
        if self.context.operator_pk is not None:
            self.check_login_hours()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.idle_timer.isActive() and event.type() in _USE_EVENTS:
            self.idle_timer.start()  # used: the idle time starts over
        # Up and Down in the search box move through the list, as in a type-ahead picker.
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.model.rowCount():
                row = self.user_view.currentIndex().row()
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                self._select_row(min(max(row + step, 0), self.model.rowCount() - 1))
                return True
        return False  # not consumed (QObject.eventFilter, which this overrides, does nothing)

    # Actions

    def new_user(self) -> None:
        if self._may_leave():
            started = self._read(lambda session: self._editor(session).start())
            if started is not None:
                self._start_new(Subject(None, started.states))

    def copy_user(self) -> None:
        if self.subject is None or self.subject.record is None or not self._may_leave():
            return
        source = self.subject.record  # read after a Save, so the copy has what was saved
        if source is not None:
            started = self._read(lambda session: self._editor(session).start(source.pk))
            if started is not None:
                self._start_new(Subject(None, started.states, copied_from=source))

    def _start_new(self, subject: Subject) -> None:
        self.user_view.selectionModel().clear()
        self._load_subject(subject)
        if subject.copied_from is not None:  # a copy takes every section's settings, seen or not
            for page_class in SECTION_PAGES:
                self.page(page_class.section)
        self.show_section(SECTION_PAGES[0].section)
        user_page = self.page(SECTION_PAGES[0].section)
        user_page.focus_first_field()
        self.statusBar().showMessage(
            "Enter the User ID, First and Last Name and a password, then Save.", 10000
        )

    def save(self) -> bool:
        """Check every loaded page, then save them all in one transaction. True if saved."""
        subject = self.subject
        if subject is None:
            return True
        pages = [self.pages[p.section] for p in SECTION_PAGES if p.section in self.pages]
        failed: SectionPage | None = None
        committed = False
        try:
            with self.database.transaction() as session:
                failed = self._check_pages(session, pages, subject)
                if failed is None:
                    record = self._save_pages(session, pages, subject)
                    opened = self._editor(session).open(record.pk)  # as now stored
            committed = failed is None
        except ValidationError as exc:
            for page in pages:
                if page.show_errors(exc.errors):
                    self._show_failed_page(page)
                    break
            return False
        except ConflictError as exc:
            if dialogs.ask_reload_after_conflict(self, str(exc)) and subject.record is not None:
                self.open_user(subject.record.pk)
            return False
        except UserSetupError as exc:
            dialogs.tell(self, "Not saved", str(exc))
            return False
        finally:
            if not committed:  # what a page kept from its save() was never stored
                for page in pages:
                    page.after_rollback()
        if failed is not None:
            self._show_failed_page(failed)
            return False
        self._after_save(opened.record, opened)
        self.statusBar().showMessage(f"Saved {record.heading}.", 10000)
        for page in pages:  # shown once: only what the database now holds
            page.after_commit()
        return True

    def _check_pages(
        self, session: Session, pages: list[SectionPage], subject: Subject
    ) -> SectionPage | None:
        """Check every page (each shows its own messages); the first that failed, if any."""
        failed: SectionPage | None = None
        for page in pages:
            try:
                page.check(session, subject)
            except ValidationError:
                failed = failed or page
        return failed

    def _save_pages(
        self, session: Session, pages: list[SectionPage], subject: Subject
    ) -> UserRecord:
        saved = subject.record
        for page in pages:
            result = page.save(session, subject)
            if result is not None:
                saved = result
                subject = Subject(result, subject.states)  # later pages save against it
        assert saved is not None, "the User page always saves a new user"
        return saved

    def _show_failed_page(self, page: SectionPage) -> None:
        self.show_section(page.section)
        self.statusBar().showMessage("Nothing was saved: correct the fields marked in red.", 15000)

    def _after_save(self, record: UserRecord, opened: Opened | None = None) -> None:
        if opened is None:
            opened = self._read(lambda session: self._editor(session).open(record.pk))
        if opened is not None:
            record = opened.record
            self._show_in_list(record)
            self._load_subject(Subject(record, opened.states))
        self.saved.emit(record.pk)

    def toggle_active(self) -> None:
        if self.subject is None or self.subject.record is None:
            return
        active = not self.subject.record.fields.active  # what the button said, before any save
        if not active and not dialogs.confirm(
            self,
            "Deactivate User",
            f"Deactivate {self.subject.record.heading}?",
            "They can no longer sign in. Their record, history and settings are kept, and "
            "Activate brings them back.",
            "Deactivate",
        ):
            return
        if not self._may_leave() or self.subject.record is None:
            return
        record = self.subject.record
        try:
            with self.database.transaction() as session:
                result = self.context.users(session).set_active(record.pk, active, record.version)
        except ConflictError as exc:
            if dialogs.ask_reload_after_conflict(self, str(exc)):
                self.open_user(record.pk)
            return
        except UserSetupError as exc:
            show_error(self, "Not changed", exc)
            return
        self._after_save(result)
        state = "active again" if result.fields.active else "deactivated; the record is kept"
        self.statusBar().showMessage(f"{result.heading} is {state}.", 10000)

    def reset_password(self) -> None:
        """The front-desk reset: a temporary password shown once, and unlock."""
        if self.subject is None or self.subject.record is None or not self._may_leave():
            return
        from ui.dialogs.reset_dialog import ResetPasswordDialog

        dialog = ResetPasswordDialog(self, self.database, self.context, self.subject.record)
        dialog.reset_done.connect(self.open_user)
        dialog.exec()

    def verify_direct_email(self, pk: int) -> None:
        """The Direct Email's alert mark: send an activation code to the saved address."""
        record = self.subject.record if self.subject is not None else None
        if record is None or record.pk != pk or not self._may_leave():
            return
        from ui.dialogs.direct_email_dialog import DirectEmailDialog

        dialog = DirectEmailDialog(self, self.database, self.context, record)
        dialog.verified.connect(self.open_user)
        dialog.exec()

    def unlock_user(self) -> None:
        if self.subject is None or self.subject.record is None or not self._may_leave():
            return
        record = self.subject.record  # read after a possible save
        try:
            with self.database.transaction() as session:
                result = self.context.users(session).unlock(record.pk)
        except UserSetupError as exc:
            dialogs.tell(self, "Not unlocked", str(exc))
            return
        self._after_save(result)
        self.statusBar().showMessage(f"{result.heading} is unlocked.", 10000)

    def company_settings(self) -> None:
        if not self.context.may_edit:
            return
        from ui.dialogs.company_settings import CompanySettingsDialog

        CompanySettingsDialog(self, self.database, self.context).exec()

    def change_own_password(self) -> None:
        """The operator's own password, with the dialog of the forced change."""
        if not self.context.operator_user_id:
            return
        from ui.signin.sign_in_dialog import ChangePasswordDialog

        try:
            dialog = ChangePasswordDialog(
                self,
                self.database,
                self.context.clock,
                self.context.company,
                self.context.operator_user_id,
                socket.gethostname(),
                self.context.operator,
            )
        except UserSetupError as exc:
            dialogs.tell(self, "Cannot change the password", str(exc))
            return
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.statusBar().showMessage("Your password was changed.", 10000)

    def refresh(self) -> None:
        """Read the user list, the pick lists and the user being edited again."""
        if not self._may_leave():
            return
        choices = self._read(
            lambda session: (
                tuple(provider_choices(session, self.context.company)),
                tuple(service_location_choices(session, self.context.company)),
            )
        )
        if choices is not None and choices != (
            self.context.providers,
            self.context.service_locations,
        ):
            providers, locations = choices
            self.context = replace(self.context, providers=providers, service_locations=locations)
            self._rebuild_pages()
        self.load_users()
        if self.subject is not None and self.subject.record is not None:
            self.open_user(self.subject.record.pk)

    def _rebuild_pages(self) -> None:
        """Pages hold the pick lists they were built with: build them again, lazily."""
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.stack.setCurrentWidget(self.page(self.current_section()))

    def _may_leave(self) -> bool:
        """Ask Save / Discard / Cancel when there are unsaved edits; True to go on."""
        if not self.is_dirty():
            return True
        assert self.subject is not None
        who = self.subject.record.heading if self.subject.record else "the new user"
        answer = dialogs.ask_unsaved(self, who)
        if answer is dialogs.Unsaved.SAVE:
            return self.save()
        if answer is dialogs.Unsaved.DISCARD:
            self._load_subject(self.subject)  # the form as it was loaded: nothing left to ask
            return True
        return False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.lock_dialog is not None and self.subject is not None:
            # Closed while locked (the system signing out): leave as Sign Out does, without
            # the password, so unsaved edits are dropped, never saved.
            self._load_subject(self.subject)
        if not self._may_leave():
            event.ignore()
            return
        event.accept()
        self.idle_timer.stop()
        self.hours_timer.stop()
        if self.lock_dialog is not None:  # the lock goes with the window it was guarding
            self.lock_dialog.hide()
            self.lock_dialog.deleteLater()
            self.lock_dialog = None
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)  # a closed window no longer watches for use

    # Reading with plain-words errors

    def _read(self, work: Callable[[Session], T]) -> T | None:
        try:
            with self.database.transaction() as session:
                return work(session)
        except DatabaseUnavailableError as exc:
            dialogs.tell(self, "Database unavailable", str(exc))
        except UserSetupError as exc:
            dialogs.tell(self, "Cannot show this", str(exc))
        return None
