"""Start the window: open the database, find the company, show User Setup."""

from __future__ import annotations

import logging
import socket
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

import keyring
import platformdirs
from PySide6.QtWidgets import QApplication, QMessageBox

from app.access import Actor
from app.clock import Clock
from app.db.database import APP_NAME, Database, DatabaseLocation, open_database
from app.db.models import SetupRole
from app.db.server import server_clock
from app.errors import UserSetupError
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


def _configure_logging() -> Path:
    """Bugs go to a log file the practice's support can be sent; nothing secret is logged."""
    folder = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "usersetup.log"
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return path


def _report_bug(log_path: Path) -> None:
    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        log.error("Unexpected error:\n%s", "".join(traceback.format_exception(kind, error, tb)))
        if QApplication.instance() is not None:
            QMessageBox.critical(
                None,
                "Something went wrong",
                "UserSetup met an error it did not expect; nothing more was saved. "
                f"The details are in {log_path}; please send that file to support.",
            )

    sys.excepthook = hook


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
        role=operator.role if operator is not None else SetupRole.ADMINISTRATOR.value,
        operator_user_id=operator.user_id if operator is not None else "",
        idle_minutes=opened.policy.idle_minutes if operator is not None else 0,
        policy=opened.policy,
    )
    return UserSetupWindow(runner or OperationRunner(), database, context)


def sign_in(
    runner: OperationRunner,
    database: Database,
    clock: Clock,
    company_code: str | None,
    ip: str | None = None,
) -> Operator | None:
    """The first-run questions on an empty database, else the sign-in; None if cancelled.

    ``ip``: where the sign-in comes from, for the company's "no second factor from these
    subnets" and the audit trail; None: the address the database server sees.
    """
    workstation = socket.gethostname()
    companies = what_to_open(database)
    # The practice's dates and paper if this computer names no locale: the company's region
    # when it is known, the US before the first start.
    regions = {company.code: company.phone_region for company in companies or ()}
    first = companies[0].phone_region if companies else "US"
    use_practice_conventions(regions.get(company_code or "", first))
    if companies is None:
        dialog: FirstRunDialog | SignInDialog = FirstRunDialog(runner, database, clock, workstation)
    else:
        if company_code is None and len(companies) == 1:
            company_code = companies[0].code
        flow = SignInFlow(database, clock, workstation, ip=ip, store=keyring)
        dialog = SignInDialog(runner, flow, company_code or "")
    return dialog.operator if dialog.exec() else None


def run_window(
    location: DatabaseLocation,
    company_code: str | None,
    prepare: Callable[[Database], str | None] | None = None,
) -> int | None:
    """Open the database, sign in and show the window; the application's exit code, or None
    when it could not start (the reason was shown in a message box).

    ``prepare`` runs on the open database before the sign-in (the command line's --demo
    creates the demo practice there) and may name the company to open.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    log_path = _configure_logging()
    _report_bug(log_path)
    try:
        engine = open_database(location)
        database = Database.for_engine(engine, location.describe())
        if prepare is not None:
            company_code = company_code or prepare(database)
        runner = OperationRunner()  # one worker for the sign-in and the window
        clock = server_clock(database)
        operator = sign_in(runner, database, clock, company_code)
        if operator is None:
            return 0
        use_practice_conventions(operator.company.phone_region)
        # Audited as who and where: "mreyes (Reyes, Maria) at FRONTDESK-2".
        actor = operator.actor(socket.gethostname())
        window = build_window(database, operator.company.code, actor, operator, runner, clock)
        window.log_location = str(log_path)
    except UserSetupError as exc:
        QMessageBox.critical(None, "UserSetup cannot start", str(exc))
        return None
    window.show()
    return app.exec()
