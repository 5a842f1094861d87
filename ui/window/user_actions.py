"""The window's actions on the user shown, and on the operator's own account: deactivate and
activate, unlock, reset a password, verify a Direct Email address, Company Settings, change
one's own password, and Refresh. Each runs through the window's runner and publishes what it
changed."""

from __future__ import annotations

import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog

from app.access import Right
from app.changes import CompanySettingsChanged, UserChanged
from app.epcs.revocation import sweep_lapsed
from app.errors import ConflictError, UserSetupError
from app.practice.company import (
    department_choices,
    provider_choices,
    service_location_choices,
)
from app.sections.editor import Opened, UserEditor
from app.users.records import UserRecord, UserRow
from app.users.service import UserService
from app.workplace import Work
from ui.dialogs import messages as dialogs
from ui.errors import show_error
from ui.window.actions import takes_part_in_epcs


def users_swept(work: Work) -> Sequence[UserRow]:
    """The user list, read after EPCS permission was taken from whoever's DEA registration
    lapsed (app.epcs.revocation): the list never marks a lapsed registrant, and the sweep
    costs one statement when nobody lapsed."""
    sweep_lapsed(work.session, work.company, work.actor, work.clock())
    return UserService(work.session, work.company, work.actor, work.clock).list_rows()


if TYPE_CHECKING:
    from ui.dialogs.epcs_pending import EpcsPendingDialog
    from ui.window.window import UserSetupWindow


class UserActions:
    """What the toolbar does to the user shown (and Change My Password), for one window."""

    def __init__(self, window: UserSetupWindow) -> None:
        self.window = window

    def toggle_active(self) -> None:
        """Deactivate (after asking) or activate the user shown."""
        if self.window.subject is None or self.window.subject.record is None:
            return
        shown = self.window.subject.record
        active = not shown.fields.active  # what the button said, before any save
        if not active and not dialogs.confirm(
            self.window,
            "Deactivate User",
            f"Deactivate {shown.heading}?",
            "They can no longer sign in. Their record, history and settings are kept, and "
            "Activate brings them back.",
            "Deactivate",
        ):
            return

        def change() -> None:
            record = self.window.subject.record if self.window.subject else None
            if record is None:
                return
            self._user_action(
                lambda users: users.set_active(record.pk, active, record.version),
                "active again" if active else "deactivated; the record is kept",
                "Not changed",
            )

        self.window.when_may_leave(change)

    def unlock(self) -> None:
        if self.window.subject is None or self.window.subject.record is None:
            return

        def unlock() -> None:
            record = (
                self.window.subject.record if self.window.subject else None
            )  # read after a possible save
            if record is not None:
                self._user_action(lambda users: users.unlock(record.pk), "unlocked", "Not unlocked")

        self.window.when_may_leave(unlock)

    def _user_action(
        self, act: Callable[[UserService], UserRecord], state: str, refused: str
    ) -> None:
        """Change the user shown at once, in a transaction of its own, and show the result."""

        def job(work: Work) -> UserRecord:
            return act(UserService(work.session, work.company, work.actor, work.clock))

        def done(result: UserRecord) -> None:
            self.window.publish(UserChanged(result))
            self.window.saved.emit(result.pk)
            self.window.statusBar().showMessage(f"{result.heading} is {state}.", 10000)

        def failed(error: UserSetupError) -> None:
            shown = self.window.subject.record if self.window.subject else None
            if isinstance(error, ConflictError):
                if dialogs.ask_reload_after_conflict(self.window, str(error)) and shown is not None:
                    self.window.open_user(shown.pk)
            else:
                show_error(self.window, refused, error)

        self.window.run(
            job,
            done,
            failed=failed,
            busy=(self.window.active_action, self.window.unlock_action),
            hold=True,
        )

    def reset_password(self) -> None:
        """The front-desk reset: a temporary password shown once, and unlock."""
        if self.window.subject is None or self.window.subject.record is None:
            return

        def reset() -> None:
            record = self.window.subject.record if self.window.subject else None
            if record is None:
                return
            from ui.dialogs.reset_dialog import ResetPasswordDialog

            dialog = ResetPasswordDialog(
                self.window, self.window.runner, self.window.workplace, self.window.context, record
            )
            dialog.reset_done.connect(lambda done: self.window.publish(UserChanged(done)))
            dialog.exec()

        self.window.when_may_leave(reset)

    def verify_direct_email(self, pk: int) -> None:
        """The Direct Email's alert mark: send an activation code to the saved address."""

        def verify() -> None:
            record = self.window.subject.record if self.window.subject is not None else None
            if record is None or record.pk != pk:
                return
            from ui.dialogs.direct_email_dialog import DirectEmailDialog

            dialog = DirectEmailDialog(
                self.window, self.window.runner, self.window.workplace, record
            )
            dialog.verified.connect(self.window.open_user)  # the mark shows the address verified
            dialog.exec()

        self.window.when_may_leave(verify)

    def company_settings(self) -> None:
        if not self.window.context.may(Right.COMPANY_SETTINGS):
            return
        from ui.dialogs.company_settings import CompanySettingsDialog

        dialog = CompanySettingsDialog(
            self.window, self.window.runner, self.window.workplace, self.window.context
        )
        dialog.saved.connect(lambda policy: self.window.publish(CompanySettingsChanged(policy)))
        dialog.exec()

    def user_groups(self) -> None:
        """User Groups; the user shown is read again afterwards if a group changed (their
        rights, and so what Reset and Unlock may do, may differ now)."""
        from ui.dialogs.user_groups import UserGroupsDialog

        self._group_dialog(UserGroupsDialog)

    def department_list(self) -> None:
        from ui.dialogs.departments import DepartmentsDialog

        self._group_dialog(DepartmentsDialog)

    def _group_dialog(self, kind: Any) -> None:
        if not self.window.context.may(Right.EDIT_GROUPS):
            return
        window = self.window
        dialog = kind(window, window.runner, window.workplace, window.context)
        changed: list[bool] = []
        dialog.changed.connect(lambda: changed.append(True))
        dialog.exec()
        shown = window.subject.record if window.subject else None
        if changed and shown is not None and not window.is_dirty():
            window.open_user(shown.pk)

    def epcs_approvals(self) -> None:
        """Pending EPCS approvals; what is decided there reads the list (its marks) again."""
        if not takes_part_in_epcs(self.window.context.actor):
            return
        dialog = self.epcs_dialog()
        dialog.exec()

    def epcs_dialog(self) -> EpcsPendingDialog:
        """The dialog, built and connected (tests show it without exec)."""
        from ui.dialogs.epcs_pending import EpcsPendingDialog

        dialog = EpcsPendingDialog(
            self.window, self.window.runner, self.window.workplace, self.window.context
        )
        dialog.decided.connect(self.window.load_users)  # the marks; no question asked
        return dialog

    def change_own_password(self) -> None:
        """The operator's own password, with the dialog of the forced change; app/ refuses it
        without the right "Change own password"."""
        if not self.window.context.operator_user_id:
            return
        from ui.signin.password_dialog import ChangePasswordDialog

        dialog = ChangePasswordDialog(
            self.window,
            self.window.runner,
            self.window.workplace.database,
            self.window.context.clock,
            self.window.context.company,
            self.window.context.operator_user_id,
            socket.gethostname(),
            self.window.context.operator,
            actor=self.window.workplace.actor,
        )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            # The current password was entered with it: as good as entering it again.
            self.window.password_again.entered(self.window.context.clock())
            self.window.statusBar().showMessage("Your password was changed.", 10000)

    def refresh(self) -> None:
        """Read the user list, the pick lists and the user being edited again."""
        self.window.when_may_leave(self._refresh)

    def _refresh(self) -> None:
        pk = (
            self.window.subject.record.pk
            if self.window.subject and self.window.subject.record
            else None
        )
        keys = self.window.open_keys()
        asked_at = self.window.opens_started()

        def read(work: Work) -> tuple[Any, Any, Any, Any, Opened | None]:
            return (
                tuple(provider_choices(work.session, work.company)),
                tuple(service_location_choices(work.session, work.company)),
                tuple(department_choices(work.session, work.company)),
                users_swept(work),
                UserEditor(work).open(pk, keys) if pk is not None else None,
            )

        def done(result: tuple[Any, Any, Any, Any, Opened | None]) -> None:
            providers, locations, departments, rows, opened = result
            context = self.window.context
            lists = (context.providers, context.service_locations, context.departments)
            # New pick lists mean new pages; with edits typed meanwhile, the next Refresh.
            if (providers, locations, departments) != lists and not self.window.is_dirty():
                self.window.context = replace(
                    context,
                    providers=providers,
                    service_locations=locations,
                    departments=departments,
                )
                self.window.rebuild_pages()
            self.window.panel.set_rows(list(rows))
            if opened is not None:
                self.window.show_refreshed(opened, asked_at)

        self.window.run(read, done, busy=(self.window.refresh_action,))
