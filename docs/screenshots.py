"""Save screenshots of the window and each section to docs/ (offscreen, no display needed).

Run: python docs/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QLineEdit

from app.audit import system_operator
from app.clock import utc_now
from app.db import Database, DatabaseLocation, open_database
from app.demo import create_demo_practice
from app.signin import SignInFlow
from ui.company_settings import CompanySettingsDialog
from ui.login import SignInDialog
from ui.main import build_window
from ui.pages import SECTION_PAGES
from ui.reset_dialog import ResetPasswordDialog

DOCS = Path(__file__).resolve().parent


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        location = DatabaseLocation(f"sqlite:///{folder}/demo.sqlite3", "screenshots")
        engine = open_database(location)
        database = Database.for_engine(engine, "SQLite demo.sqlite3")
        with database.transaction() as session:
            demo = create_demo_practice(session, system_operator("screenshots"))
        # The sign-in dialog, as the practice sees it first.
        sign_in = SignInDialog(SignInFlow(database, utc_now, "OFFICE-PC"), "valley")
        sign_in.user_id.setText(demo.admin_user_id)
        sign_in.show()
        app.processEvents()
        sign_in.grab().save(str(DOCS / "sign-in.png"))
        sign_in.password.setText(demo.admin_password or "")
        sign_in.ok_button.click()
        assert sign_in.operator is not None
        operator = sign_in.operator
        window = build_window(database, "valley", operator.name, operator.role, operator.user_id)
        window.resize(1180, 800)
        window.show()
        with database.transaction() as session:
            kimberly = window.context.users(session).find("kimberly")
        window.select_user(kimberly.pk)
        app.processEvents()
        window.grab().save(str(DOCS / "window.png"))
        # The front-desk reset: the temporary password, shown once.
        assert window.subject is not None and window.subject.record is not None
        reset = ResetPasswordDialog(window, database, window.context, window.subject.record)
        reset.show()
        reset.ok_button.click()
        app.processEvents()
        reset.grab().save(str(DOCS / "reset-password.png"))
        reset.close()
        settings = CompanySettingsDialog(window, database, window.context)
        settings.show()
        app.processEvents()
        settings.grab().save(str(DOCS / "company-settings.png"))
        settings.close()
        for page_class in SECTION_PAGES:
            window.show_section(page_class.section)
            app.processEvents()
            name = page_class.section.lower().replace(" ", "-")
            window.page(page_class.section).grab().save(str(DOCS / f"section-{name}.png"))
        # What bad input looks like: the messages sit beside the fields.
        window.new_user()
        page = window.page("User")
        for label, text in (
            ("User ID", "Kimberly"),
            ("First Name", "Dana"),
            ("M.I.", "JR"),
            ("Email", "dana@"),
            ("Work", "555-12"),
            ("New Password", "correct horse battery"),
            ("ReType", "correct horse"),
        ):
            field = next(w for w in page.findChildren(QLineEdit) if w.accessibleName() == label)
            field.setText(text)
        window.save()
        app.processEvents()
        window.grab().save(str(DOCS / "bad-input.png"))
        engine.dispose()  # the window is left unsaved on purpose and never closed
    print(f"Screenshots saved in {DOCS}")


if __name__ == "__main__":
    main()
