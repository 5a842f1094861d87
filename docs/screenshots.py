"""Save screenshots of the window and each section to docs/ (offscreen, no display needed).

Run: python docs/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyotp
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.access import Actor
from app.catalogs.service import Kind as CatalogKind
from app.clock import utc_now
from app.db.database import Database, DatabaseLocation, open_database
from app.db.models import Provider
from app.epcs.dea import check_digit
from app.epcs.revocation import Kind
from app.epcs.service import Epcs
from app.login_times.hours import DayHours, LoginTimes, weekdays_filled
from app.login_times.service import LoginTimesService
from app.practice.company import load_company
from app.practice.demo import create_demo_practice
from app.sections.registry import SECTIONS
from app.signin.check import SignInService
from app.signin.flow import SignInFlow
from app.two_factor.service import TwoFactorForm, TwoFactorService
from app.users.records import UserFields
from app.users.service import UserService
from tests.helpers.epcs import ENROLLER
from tests.helpers.roles import SetupRole, set_setup_role
from ui.dialogs.catalog_dialog import CatalogDialog
from ui.dialogs.company_settings import CompanySettingsDialog
from ui.dialogs.direct_email_dialog import DirectEmailDialog
from ui.dialogs.epcs_pending import EpcsPendingDialog
from ui.dialogs.reset_dialog import ResetPasswordDialog
from ui.dialogs.role_setup import RoleSetupDialog
from ui.dialogs.templates_catalog import TemplatesCatalogDialog
from ui.main import build_window
from ui.operations import InlineRunner
from ui.pages.sign_off_page import SignOffPage
from ui.pages.templates_page import TemplatesPage
from ui.pages.two_factor_page import TwoFactorPage
from ui.signin.sign_in_dialog import SignInDialog
from ui.window.window import UserSetupWindow

DOCS = Path(__file__).resolve().parent


PASSWORD = "harbor lights at dawn"
DIRECT_EMAIL = "kfox@direct.valleyfamilymed.example"  # the picture only: nothing is sent
ACTOR = Actor.database_administrator("screenshots")


def _two_factor_sign_ins(app: QCoreApplication, database: Database) -> None:
    """The sign-in's token step, and the setup an administrator required at next login."""
    with database.transaction() as session:
        company = load_company(session, "valley")
        users = UserService(session, company, ACTOR, utc_now)
        for user_id, first, last in (("jtoken", "Jordan", "Token"), ("asetup", "Avery", "Setup")):
            pk = users.create(
                UserFields(user_id=user_id, first_name=first, last_name=last,
                           new_password=PASSWORD, retype_password=PASSWORD,
                           must_change_password=False)
            ).pk  # fmt: skip
            set_setup_role(users, pk, SetupRole.ADMINISTRATOR)
            two_factor = TwoFactorService(session, company, ACTOR, utc_now)
            if user_id == "jtoken":
                enrolment = two_factor.enrolment(pk)
                step = pyotp.TOTP(enrolment.secret).now()
                verified = two_factor.verify_new_key(enrolment, step)
                form = TwoFactorForm("app", setup="now")
                two_factor.save(pk, form, users.get(pk).version, verified)
            else:
                form = TwoFactorForm("app", setup="require")
                two_factor.save(pk, form, users.get(pk).version)
    for user_id, name in (("jtoken", "sign-in-token.png"), ("asetup", "sign-in-setup.png")):
        dialog = SignInDialog(InlineRunner(), SignInFlow(database, utc_now, "OFFICE-PC"), "valley")
        dialog.user_id.setText(user_id)
        dialog.password.setText(PASSWORD)
        dialog.show()
        dialog.ok_button.click()  # the password; then the token step or the setup's title
        if user_id == "asetup":
            dialog.ok_button.click()  # Next: the QR code, the key and the token
        app.processEvents()
        dialog.adjustSize()
        app.processEvents()
        dialog.grab().save(str(DOCS / name))
        dialog.reject()


def _login_times(database: Database, user_id: str) -> None:
    """Weekdays 8 to 6 and Saturday morning, as a billing office might work."""
    with database.transaction() as session:
        company = load_company(session, "valley")
        service = LoginTimesService(session, company, ACTOR, utc_now)
        record = UserService(session, company, ACTOR, utc_now).find(user_id)
        times = weekdays_filled(LoginTimes()).with_day(6, DayHours.window(9 * 60, 13 * 60))
        service.save(record.pk, times, record.version)


def _locked_for_a_while(database: Database) -> None:
    """Someone tried five passwords for a user near the top of the list: locked a minute."""
    with database.transaction() as session:
        company = load_company(session, "valley")
        active = [r for r in UserService(session, company, ACTOR, utc_now).list_rows() if r[4]]
        user_id = active[1][1]
    for _ in range(5):
        with database.transaction() as session:
            SignInService(session, utc_now, "FRONT-DESK").check("valley", user_id, "guess")


def _epcs_pending(app: QCoreApplication, window: UserSetupWindow) -> None:
    """Pending EPCS approvals: two grants waiting, and what an approver who is no registrant
    reads beside the token field."""
    company = window.context.company
    with window.workplace.database.transaction() as session:
        users = UserService(session, company, ACTOR, utc_now)
        clerk = users.create(
            UserFields(user_id="epcsdesk", first_name="Erin", last_name="Ennis",
                       new_password=PASSWORD, retype_password=PASSWORD,
                       must_change_password=False)
        ).pk  # fmt: skip
        enroller = Actor("epcsdesk (Ennis, Erin) at FRONT-DESK", ENROLLER, "FRONT-DESK", clerk)
        for n, (user_id, first, last) in enumerate(
            (("drokafor", "Ada", "Okafor"), ("drmorgan", "Sam", "Morgan"))
        ):
            six = f"{314159 + n:06d}"
            provider = Provider(
                company_id=company.id, last_name=last, first_name=first, credentials="MD",
                dea_number=f"F{last[0]}{six}{check_digit(six)}",
                dea_expires_on=date(2028, 3, 31), state_license="NY 276543",
            )  # fmt: skip
            session.add(provider)
            session.flush()
            pk = users.create(
                UserFields(user_id=user_id, first_name=first, last_name=last,
                           new_password=PASSWORD, retype_password=PASSWORD,
                           must_change_password=False, provider_id=provider.id)
            ).pk  # fmt: skip
            two_factor = TwoFactorService(session, company, ACTOR, utc_now)
            enrolment = two_factor.enrolment(pk)
            verified = two_factor.verify_new_key(enrolment, pyotp.TOTP(enrolment.secret).now())
            two_factor.save(pk, TwoFactorForm("app", setup="now"), users.get(pk).version, verified)
            Epcs(session, company, enroller, utc_now).request(pk, Kind.GRANT)
    dialog = EpcsPendingDialog(window, window.runner, window.workplace, window.context)
    dialog.show()
    dialog.token.setText("492817")
    dialog.approve()
    app.processEvents()
    dialog.grab().save(str(DOCS / "epcs-pending.png"))
    dialog.close()


def _catalog_editors(app: QCoreApplication, window: UserSetupWindow) -> None:
    """The catalog editors on the demo's catalogs: a fax line typed again in another format
    (refused beside the field), the resources with the retired one struck through, and the
    templates of Orders ▸ Labs."""
    faxes = CatalogDialog(window, window.runner, window.workplace, window.context, CatalogKind.FAX)
    faxes.show()
    faxes.panel.entry_list.setCurrentRow(-1)
    for label, text in (("Fax number", "614.555.0190"), ("Label", "Front desk")):
        next(w for w in faxes.findChildren(QLineEdit) if w.accessibleName() == label).setText(text)
    faxes.add()
    app.processEvents()
    faxes.grab().save(str(DOCS / "catalog-fax-numbers.png"))
    faxes.close()
    resources = CatalogDialog(
        window, window.runner, window.workplace, window.context, CatalogKind.RESOURCE
    )
    resources.show()
    resources.show_deactivated.setChecked(True)
    retired = resources.panel.entry_list.findItems("ECG cart (old)", Qt.MatchFlag.MatchStartsWith)
    resources.panel.entry_list.setCurrentItem(retired[0])
    app.processEvents()
    resources.grab().save(str(DOCS / "catalog-resources.png"))
    resources.close()
    templates = TemplatesCatalogDialog(window, window.runner, window.workplace, window.context)
    templates.show()
    labs = templates.categories.entry_list.findItems("Labs", Qt.MatchFlag.MatchExactly)
    templates.categories.entry_list.setCurrentItem(labs[0])
    templates.templates.entry_list.setCurrentRow(0)
    app.processEvents()
    templates.grab().save(str(DOCS / "catalog-templates.png"))
    templates.close()


def _fax_and_resources(app: QCoreApplication, window: UserSetupWindow, database: Database) -> None:
    """The Fax and Resources sections at the smallest window size, each of a demo user who
    still has a deactivated entry (struck through, with its warning)."""
    from sqlalchemy import select

    from app.db.catalog_models import FaxNumber, Resource, UserInboundFax, UserResource

    with database.transaction() as session:
        faxer = session.scalars(
            select(UserInboundFax.user_pk)
            .join(FaxNumber, FaxNumber.id == UserInboundFax.fax_number_id)
            .where(FaxNumber.label == "Old main line")
            .order_by(UserInboundFax.user_pk)
        ).first()
        booker = session.scalars(
            select(UserResource.user_pk)
            .join(Resource, Resource.id == UserResource.resource_id)
            .where(Resource.name == "ECG cart (old)")
            .order_by(UserResource.user_pk)
        ).first()
    assert faxer is not None and booker is not None, "the demo gives them out"
    size = window.size()
    window.resize(1024, 700)
    for key, pk, name in (("fax", faxer, "fax"), ("resources", booker, "resources")):
        window.select_user(pk)
        window.show_section(key)
        app.processEvents()
        window.grab().save(str(DOCS / f"section-{name}.png"))
    window.resize(size)
    window.show_section("user")


def _templates(app: QCoreApplication, window: UserSetupWindow, kimberly: int) -> None:
    """The Templates section at 1024x700: a physician's Orders tab, then Kimberly's Letters,
    with the letter the practice retired struck through."""
    size = window.size()
    window.resize(1024, 700)
    with window.workplace.database.transaction() as session:
        hynes = UserService(session, window.context.company, ACTOR, utc_now).find("phynes")
    window.select_user(hynes.pk)
    window.show_section("templates")
    app.processEvents()
    window.grab().save(str(DOCS / "section-templates.png"))
    window.select_user(kimberly)
    page = window.page("templates")
    assert isinstance(page, TemplatesPage)
    letters = next(
        row for row in range(page.tabs.count()) if page.tabs.item(row).text().startswith("Letters")
    )
    page.tabs.setCurrentRow(letters)
    app.processEvents()
    window.grab().save(str(DOCS / "section-templates-retired.png"))
    window.resize(size)
    window.show_section("user")


def main() -> None:
    # The demo practice is in New York: its screenshots show times as US offices write them.
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        location = DatabaseLocation(f"sqlite:///{folder}/demo.sqlite3", "screenshots")
        engine = open_database(location, create=True)
        database = Database.for_engine(engine, "SQLite demo.sqlite3")
        with database.transaction() as session:
            demo = create_demo_practice(session, ACTOR, utc_now)
        _login_times(database, "kimberly")
        _locked_for_a_while(database)
        # The sign-in dialog, as the practice sees it first.
        sign_in = SignInDialog(InlineRunner(), SignInFlow(database, utc_now, "OFFICE-PC"), "valley")
        sign_in.user_id.setText(demo.admin_user_id)
        sign_in.show()
        app.processEvents()
        sign_in.grab().save(str(DOCS / "sign-in.png"))
        sign_in.password.setText(demo.admin_password or "")
        sign_in.ok_button.click()
        assert sign_in.operator is not None
        operator = sign_in.operator
        window = build_window(
            database, "valley", operator.actor("OFFICE-PC"), operator, InlineRunner()
        )
        window.resize(1180, 800)
        window.show()
        with database.transaction() as session:
            kimberly = UserService(session, window.context.company, ACTOR, utc_now).find("kimberly")
        window.select_user(kimberly.pk)
        app.processEvents()
        window.grab().save(str(DOCS / "window.png"))
        # The front-desk reset: the temporary password, shown once.
        assert window.subject is not None and window.subject.record is not None
        reset = ResetPasswordDialog(
            window, window.runner, window.workplace, window.context, window.subject.record
        )
        reset.show()
        reset.ok_button.click()
        app.processEvents()
        reset.grab().save(str(DOCS / "reset-password.png"))
        reset.close()
        settings = CompanySettingsDialog(window, window.runner, window.workplace, window.context)
        settings.show()
        app.processEvents()
        settings.grab().save(str(DOCS / "company-settings.png"))
        settings.tabs.setCurrentIndex(1)
        app.processEvents()
        settings.grab().save(str(DOCS / "company-settings-lockout.png"))
        settings.close()
        # Role Setup on a role of the demo practice's own: its rights, and who holds it.
        role_setup = RoleSetupDialog(window, window.runner, window.workplace, window.context)
        role_setup.show()
        billing = next(
            role_setup.role_list.item(row)
            for row in range(role_setup.role_list.count())
            if role_setup.role_list.item(row).text() == "Billing Clerk"
        )
        role_setup.role_list.setCurrentItem(billing)
        app.processEvents()
        role_setup.grab().save(str(DOCS / "role-setup.png"))
        role_setup.close()
        _catalog_editors(app, window)
        for s in SECTIONS:
            window.show_section(s.key)
            app.processEvents()
            name = s.title.lower().replace(" ", "-")
            window.page(s.key).grab().save(str(DOCS / f"section-{name}.png"))
        _fax_and_resources(app, window, database)
        # The Sign Off section in a 1024x700 window, the smallest the practice uses: it fits.
        window.resize(1024, 700)
        window.show_section("sign_off")
        sign_off = window.page("sign_off")
        assert isinstance(sign_off, SignOffPage)
        sign_off.find_box.setText("ha")
        sign_off.search("ha")  # the recipients search, as typing runs it
        app.processEvents()
        # The table's cells of the user shown before go at the event loop's next turn, which
        # a script without one never takes: let them go now, or the picture shows both.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        window.grab().save(str(DOCS / "section-sign-off.png"))
        assert window.subject is not None
        sign_off.load(window.subject)
        window.resize(1180, 800)
        _templates(app, window, kimberly.pk)
        # The 2FA section setting up an authenticator at the desk: the QR code and the key.
        window.show_section("two_factor")
        two_factor = window.page("two_factor")
        assert isinstance(two_factor, TwoFactorPage)
        two_factor.method_box.setCurrentIndex(two_factor.method_box.findData("app"))
        app.processEvents()
        window.grab().save(str(DOCS / "section-2fa.png"))
        assert window.subject is not None
        two_factor.load(window.subject)  # the key leaves the screen
        # The Login Times section with hours set: the rows, the week picture, the expiry.
        window.show_section("login_times")
        app.processEvents()
        window.grab().save(str(DOCS / "section-login-times.png"))
        # Copy User: the new user's form, and the line that says what came from whom.
        window.show_section("user")
        window.copy_user()
        app.processEvents()
        window.grab().save(str(DOCS / "copy-user.png"))
        window.drop_edits()
        window.select_user(kimberly.pk)
        app.processEvents()
        # Direct Email verification, as the alert mark beside a saved address opens it.
        record = window.subject.record if window.subject is not None else None
        assert record is not None
        addressed = replace(record, fields=replace(record.fields, direct_email=DIRECT_EMAIL))
        direct = DirectEmailDialog(window, window.runner, window.workplace, addressed)
        direct.show()
        app.processEvents()
        direct.grab().save(str(DOCS / "direct-email.png"))
        direct.close()
        _epcs_pending(app, window)
        _two_factor_sign_ins(app, database)
        # What bad input looks like: the messages sit beside the fields.
        window.new_user()
        page = window.page("user")
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
