"""The window's start behind the sign-in dialog (ui/start.py shows it first): open the
database and read what the sign-in needs, then build and show User Setup."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keyring
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.access import Actor
from app.clock import Clock
from app.db.database import Database, locate_database, open_database
from app.db.server import server_clock
from app.errors import UserSetupError
from app.practice.company import CompanyInfo
from app.practice.first_start import opening, what_to_open
from app.signin.flow import SignInFlow
from ui.operations import OperationRunner
from ui.pages.base import PracticeContext
from ui.signin.common import Operator
from ui.signin.first_start_dialog import FirstRunDialog
from ui.signin.sign_in_dialog import SignInDialog
from ui.widgets.practice_locale import use_practice_conventions
from ui.window.window import UserSetupWindow

log = logging.getLogger("usersetup")


def build_window(
    database: Database,
    company_code: str | None,
    actor: Actor,
    operator: Operator | None = None,
    runner: OperationRunner | None = None,
    clock: Clock | None = None,
) -> UserSetupWindow:
    """The window on a company for an actor: the pick lists are read once, here. With the
    ``operator`` who signed in, the window locks when idle and asks their password again."""
    opened = opening(database, company_code)
    context = PracticeContext(
        company=opened.company,
        actor=actor,
        clock=clock or server_clock(database),
        providers=opened.providers,
        service_locations=opened.service_locations,
        departments=opened.departments,
        role=operator.role if operator is not None else "Administrator",
        operator_user_id=operator.user_id if operator is not None else "",
        idle_minutes=opened.policy.idle_minutes if operator is not None else 0,
        policy=opened.policy,
    )
    return UserSetupWindow(runner or OperationRunner(), database, context)


@dataclass(frozen=True)
class Practice:
    """The open database and what the start read of it: the company to offer (None: the
    person types it), the companies there are (None: none yet, the first start's questions),
    and the clock the practice keeps."""

    database: Database
    clock: Clock
    companies: Sequence[CompanyInfo] | None
    company_code: str | None
    workstation: str

    def use_conventions(self) -> None:
        """The practice's dates and paper if this computer names no locale: the company's
        region when it is known, the US before the first start."""
        regions = {company.code: company.phone_region for company in self.companies or ()}
        first = self.companies[0].phone_region if self.companies else "US"
        use_practice_conventions(regions.get(self.company_code or "", first))

    def sign_in_flow(self, ip: str | None = None) -> SignInFlow:
        return SignInFlow(self.database, self.clock, self.workstation, ip=ip, store=keyring)

    @classmethod
    def read(cls, database: Database, clock: Clock, company_code: str | None) -> Practice:
        """What the sign-in needs of the open database; the only company, if there is one,
        offered when none was named."""
        companies = what_to_open(database)
        if company_code is None and companies is not None and len(companies) == 1:
            company_code = companies[0].code
        return cls(database, clock, companies, company_code, socket.gethostname())


def sign_in(
    runner: OperationRunner,
    database: Database,
    clock: Clock,
    company_code: str | None,
    ip: str | None = None,
) -> Operator | None:
    """The first-run questions on an empty database, else the sign-in; None if cancelled
    (the start's steps, for a database already open).

    ``ip``: where the sign-in comes from, for the company's "no second factor from these
    subnets" and the audit trail; None: the address the database server sees.
    """
    practice = Practice.read(database, clock, company_code)
    practice.use_conventions()
    if practice.companies is None:
        return first_start(practice, runner)
    dialog = SignInDialog(runner, practice.sign_in_flow(ip), practice.company_code or "")
    return dialog.operator if dialog.exec() else None


def open_practice(
    db_url: str | None,
    company_code: str | None,
    prepare: Callable[[Database], str | None] | None = None,
) -> Practice:
    """Find and open the database (``db_url``: --db) and read what the sign-in needs; on the
    start's own thread, while the sign-in dialog is on screen. ``prepare`` runs on the open
    database first (the command line's --demo makes the demo practice) and may name the
    company."""
    location = locate_database(db_url)
    engine = open_database(location, create=True)  # an absent one: the first start's
    database = Database.for_engine(engine, location.describe())
    if prepare is not None:
        company_code = company_code or prepare(database)
    return Practice.read(database, server_clock(database), company_code)


def first_start(practice: Practice, runner: OperationRunner) -> Operator | None:
    """An empty database's first-run questions; who is then signed in, None if cancelled."""
    dialog = FirstRunDialog(runner, practice.database, practice.clock, practice.workstation)
    return dialog.operator if dialog.exec() else None


def show_fitting(window: QWidget) -> None:
    """Show the window at its size, or maximized where the screen is smaller than that (on a
    1024x700 screen its section list would otherwise be off the right edge)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else None
    if room is not None and (window.width() > room.width() or window.height() > room.height()):
        window.showMaximized()  # the window manager fits it, title bar and all
    else:
        window.show()


def show_window(
    practice: Practice, operator: Operator, runner: OperationRunner, log_location: str
) -> int | None:
    """The window for the operator who signed in; the application's exit code, or None when
    it could not open (the reason was shown in a message box)."""
    use_practice_conventions(operator.company.phone_region)
    # Audited as who and where: "mreyes (Reyes, Maria) at FRONTDESK-2".
    actor = operator.actor(socket.gethostname())
    try:
        window = build_window(
            practice.database, operator.company.code, actor, operator, runner, practice.clock
        )
    except UserSetupError as exc:
        QMessageBox.critical(None, "UserSetup cannot start", str(exc))
        return None
    window.log_location = log_location
    show_fitting(window)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return app.exec()
