"""What the 2FA page runs through the window: the work that leaves the form.

The desk setup asks app/ for a new key (again when the title in its QR code changes) and
checks the phone's token against it; nothing is stored until Save. Reset Authenticator and
New Recovery Codes are immediate actions with a transaction of their own, as Reset Password
is, and publish what they changed. Every answer arrives later than it was asked for, so each
is dropped when the page shows another user or another key by then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from app.changes import UserChanged
from app.db.models import TwoFactorSetup
from app.errors import UserSetupError, ValidationError
from app.sections.editor import UserEditor
from app.two_factor.service import Enrolment, TwoFactorService, Verified
from app.users.records import UserRecord
from app.workplace import Work
from ui.dialogs import messages as dialogs
from ui.errors import show_error

if TYPE_CHECKING:
    from ui.pages.two_factor_page import TwoFactorPage

NOW = TwoFactorSetup.NOW.value


def _service(work: Work) -> TwoFactorService:
    return TwoFactorService(work.session, work.company, work.actor, work.clock)


class TwoFactorActions:
    """The runs through the window of one TwoFactorPage, which owns this and holds the state:
    what is shown, the key on screen, and the authenticator verified and waiting for Save."""

    def __init__(self, page: TwoFactorPage) -> None:
        self.page = page

    # The desk setup

    def start_enrolment(self) -> None:
        """A new key for the desk setup, shown as QR code and Manual Entry Key."""
        page = self.page
        if not page.setting_up_here() or page.verified is not None:
            return
        if page.setup_panel.enrolment is not None or page.host is None:
            return
        record = page.subject.record
        assert record is not None
        title = page.setup_panel.title.text()

        def shown(enrolment: Enrolment) -> None:
            if page.subject.record is None or page.subject.record.pk != record.pk:
                return  # another user is shown by now
            if page.setting_up_here() and page.verified is None:
                page.setup_panel.show_enrolment(enrolment)
                page.update_views()

        page.host.run(
            lambda work: _service(work).enrolment(record.pk, title),
            shown,
            failed=self._setup_failed("Cannot set up the authenticator"),
        )

    def title_changed(self, title: str) -> None:
        """The same key again with the new title, which is in the QR code."""
        page = self.page
        enrolment = page.setup_panel.enrolment
        if enrolment is None or page.host is None or page.subject.record is None:
            return
        pk = page.subject.record.pk

        def shown(again: Enrolment) -> None:
            if (
                page.setup_panel.enrolment is None
                or page.setup_panel.enrolment.secret != again.secret
            ):
                return  # the key left the screen meanwhile
            if again != page.setup_panel.enrolment:
                page.setup_panel.show_enrolment(again)  # the title is in the QR code
            else:
                page.setup_panel.errors.clear()

        page.host.run(
            lambda work: _service(work).enrolment(pk, title, enrolment.secret),
            shown,
            failed=self._setup_failed("Cannot set up the authenticator"),
        )

    def verify(self, token: str) -> None:
        """Check the phone's token against the new key; right, and Save stores it."""
        page = self.page
        enrolment = page.setup_panel.enrolment
        if enrolment is None or page.host is None:
            return
        page.host.run(
            lambda work: _service(work).verify_new_key(enrolment, token),
            lambda verified: self._verified(enrolment, verified),
            failed=self._setup_failed("Cannot verify the token"),
            busy=(page.setup_panel.verify_button,),
        )

    def _setup_failed(self, title: str) -> Callable[[UserSetupError], None]:
        """Problems beside the setup's fields; anything else in plain words."""

        def show(error: UserSetupError) -> None:
            if isinstance(error, ValidationError):
                first = self.page.setup_panel.errors.show(error.errors)
                if first is not None:
                    first.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                show_error(self.page, title, error)

        return show

    def _verified(self, enrolment: Enrolment, verified: Verified) -> None:
        page = self.page
        if page.setup_panel.enrolment != enrolment:
            return  # the key left the screen while the token was checked
        page.verified = verified
        page.setup_panel.clear()  # the phone has the key now: it leaves the screen
        page.verified_label.setText(
            f"Verified: the phone makes the right tokens for \u201c{verified.title}\u201d. "
            "Save to store the authenticator; the recovery codes are shown after saving."
        )
        page.update_views()
        page.edited.emit()

    # Immediate actions

    def reset_authenticator(self) -> None:
        """Throw the authenticator away now; a new one as the setup choice says."""
        page = self.page
        record, host = page.subject.record, page.host
        if record is None or host is None or not page.summary().has_authenticator:
            return
        setup = page.selected_setup() or TwoFactorSetup.REQUIRE.value
        then = {
            TwoFactorSetup.NOW.value: "You set up the new one here, right after.",
            TwoFactorSetup.PROMPT.value: "The user is asked to set up a new one at next login.",
            TwoFactorSetup.REQUIRE.value: "The user must set up a new one at next login.",
        }[setup]
        if not dialogs.confirm(
            page,
            "Reset Authenticator",
            f"Reset the authenticator of {record.heading}?",
            "The tokens of the phone and the recovery codes stop working at once. " + then,
            "Reset Authenticator",
        ):
            return

        def reset() -> None:
            host.run(
                lambda work: _service(work).reset(record.pk, setup),
                reset_done,
                failed=lambda error: show_error(page, "Authenticator not reset", error),
                busy=(page.reset_button,),
                hold=True,
            )

        def reset_done(saved: UserRecord) -> None:
            host.publish(UserChanged(saved, frozenset({page.key})))
            host.show_message(f"The authenticator of {saved.heading} was reset.")
            if setup == NOW and page.subject.record is not None:
                page.select_setup(NOW)  # stored as "require" until a new one is verified here

        host.when_may_act(reset, ignoring=page)  # the setup choice is this action's to use

    def new_recovery_codes(self) -> None:
        """Ten new codes, shown once; the earlier ones stop working."""
        page = self.page
        record, host = page.subject.record, page.host
        if record is None or host is None:
            return
        if not dialogs.confirm(
            page,
            "New Recovery Codes",
            f"Make new recovery codes for {record.heading}?",
            f"The {page.summary().recovery_codes_left} codes left stop working at once.",
            "Make New Codes",
        ):
            return

        def issue() -> None:
            host.run(
                lambda work: (
                    _service(work).new_recovery_codes(record.pk),
                    UserEditor(work).open(record.pk, [page.key]).record,
                ),
                issued,
                failed=lambda error: show_error(page, "No new recovery codes", error),
                busy=(page.new_codes_button,),
                hold=True,
            )

        def issued(result: tuple[list[str], UserRecord]) -> None:
            codes, saved = result
            host.publish(UserChanged(saved, frozenset({page.key})))
            host.show_message(f"{saved.heading} has new recovery codes.")
            page.show_codes(codes, saved.heading)  # the page's, as after a save

        host.when_may_act(issue)
