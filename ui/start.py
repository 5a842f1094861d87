"""The window's start: the sign-in dialog on screen at once, while the database is opened and
the rest of the program loaded behind it.

Before the dialog shows, only PySide6, the dialog's own modules and the standard library are
loaded (tests/test_layers.py keeps the dialog so). ui.main, and with it the database library,
loads on a thread of its own, which then opens the database and reads what the sign-in needs.
That comes back to the window's thread, where the dialog is given its flow: a Sign In pressed
meanwhile goes on then. An empty database closes the dialog for the first start's questions;
one that cannot be opened is said in a message box.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import platformdirs
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from app import APP_NAME
from app.errors import UserSetupError
from ui.signin.sign_in_dialog import SignInDialog

if TYPE_CHECKING:
    from app.db.database import Database
    from ui.main import Practice
    from ui.operations import OperationRunner

log = logging.getLogger("usersetup")
Prepare = Callable[["Database"], "str | None"]


def configure_logging() -> Path:
    """Bugs go to a log file the practice's support can be sent; nothing secret is logged."""
    from logging.handlers import RotatingFileHandler  # after the dialog shows: 15 ms

    folder = Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "usersetup.log"
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return path


def report_bugs(log_path: Path) -> None:
    """An error nobody expected: its traceback to the log, plain words on screen."""

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


class Opening(QObject):
    """The database opened on a thread of its own; what came of it, on the window's thread."""

    opened = Signal(object)  # a ui.main.Practice
    failed = Signal(object)  # the error (a UserSetupError, or a bug)

    def __init__(self, db_url: str | None, company_code: str | None, prepare: Prepare | None):
        super().__init__()
        self.db_url, self.company_code, self.prepare = db_url, company_code, prepare

    def start(self) -> None:
        threading.Thread(target=self._open, name="usersetup-start", daemon=True).start()

    def _open(self) -> None:
        try:
            from ui.main import open_practice  # the rest of the program loads here

            self.opened.emit(open_practice(self.db_url, self.company_code, self.prepare))
        except BaseException as exc:  # said (or, for a bug, logged) on the window's thread
            self.failed.emit(exc)


def start_window(
    db_url: str | None, company_code: str | None, prepare: Prepare | None = None
) -> int | None:
    """Sign in and show the window; the application's exit code, or None when it could not
    start (the reason was shown in a message box). ``db_url``: --db, else the usual places;
    ``prepare`` runs on the open database before the sign-in (--demo) and may name the
    company."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    dialog = SignInDialog(None, None, company_code or "")
    dialog.show()  # on screen first; exec() below goes on with it
    log_path = configure_logging()
    report_bugs(log_path)
    opening = Opening(db_url, company_code, prepare)
    practices: list[Practice] = []
    runners: list[OperationRunner] = []  # one worker for the sign-in and the window
    failures: list[BaseException] = []

    def opened(practice: Practice) -> None:
        from ui.operations import OperationRunner  # loaded by now, with ui.main

        practices.append(practice)
        practice.use_conventions()
        if practice.companies is None:  # an empty database: the first start's questions
            dialog.reject()
            return
        runners.append(OperationRunner())
        dialog.attach(runners[0], practice.sign_in_flow(), practice.company_code or "")

    def failed(error: BaseException) -> None:
        failures.append(error)
        dialog.reject()

    opening.opened.connect(opened)
    opening.failed.connect(failed)
    opening.start()
    accepted = dialog.exec()
    if failures:
        if isinstance(failures[0], UserSetupError):
            QMessageBox.critical(None, "UserSetup cannot start", str(failures[0]))
            return None
        raise failures[0]  # a bug: the hook logs it and says so
    if not practices:
        return 0  # cancelled before the database was open
    from ui.main import first_start, show_window
    from ui.operations import OperationRunner

    practice = practices[0]
    runner = runners[0] if runners else OperationRunner()
    if practice.companies is None:
        operator = first_start(practice, runner)
    else:
        operator = dialog.operator if accepted else None
    if operator is None:
        return 0
    return show_window(practice, operator, runner, str(log_path))
