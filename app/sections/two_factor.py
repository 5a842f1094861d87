"""The 2FA section: how a user proves it is them after the password."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from app.access import Right
from app.db.models import TwoFactorMethod, TwoFactorSetup, User
from app.errors import ValidationError
from app.sections.base import Copied, Section, SectionSaved, Target
from app.two_factor.service import (
    METHOD_LABELS,
    TwoFactorForm,
    TwoFactorService,
    TwoFactorSummary,
    Verified,
    summary_of,
)
from app.workplace import Work

TOKEN_METHODS = (TwoFactorMethod.EMAIL.value, TwoFactorMethod.TEXT.value)
SCAN_FIRST = (
    "Scan the QR code with the phone and verify a token, or choose to set up at next login."
)
NEW_USER_NOW = "Save the new user first to set up the authenticator at the desk."


@dataclass(frozen=True)
class TwoFactorEdit:
    """The section as chosen, and a new authenticator verified at the desk, if any."""

    form: TwoFactorForm
    verified: Verified | None = None


class TwoFactorSection(Section[TwoFactorSummary, TwoFactorEdit, TwoFactorEdit]):
    key: ClassVar[str] = "two_factor"
    title: ClassVar[str] = "2FA"
    order: ClassVar[int] = 90
    icon: ClassVar[str] = "keys"
    tooltip: ClassVar[str] = (
        "Two-factor sign-in of the selected user: method, authenticator, recovery codes"
    )
    edit_right: ClassVar[Right] = Right.EDIT_TWO_FACTOR

    def _service(self, work: Work) -> TwoFactorService:
        return TwoFactorService(work.session, work.company, work.actor, work.clock)

    def load(self, work: Work, user: User) -> TwoFactorSummary:
        return summary_of(user)

    def blank(self, work: Work) -> TwoFactorSummary:
        return TwoFactorSummary()

    def copy(self, work: Work, source: TwoFactorSummary) -> Copied[TwoFactorSummary]:
        """The method and the setup choice; never the key, the address or the number. A desk
        setup becomes "require at next login", since the new user has no authenticator."""
        method = source.method
        if method == TwoFactorMethod.NONE:
            return Copied(TwoFactorSummary())
        setup, title = "", ""
        if method == TwoFactorMethod.APP:
            setup = TwoFactorSetup.REQUIRE.value if source.setup in ("", "now") else source.setup
            title = source.title
        copied = TwoFactorSummary(method, "", setup, title)
        label = METHOD_LABELS[TwoFactorMethod(method)]
        needs = ""
        if method == TwoFactorMethod.EMAIL:
            needs = "their own e-mail address for the 2FA tokens"
        elif method == TwoFactorMethod.TEXT:
            needs = "their own mobile number for the 2FA tokens"
        return Copied(copied, (f"the 2FA method ({label})",), needs)

    def edit_of(self, state: TwoFactorSummary) -> TwoFactorEdit:
        return TwoFactorEdit(
            TwoFactorForm(state.method, state.destination, state.setup, state.title)
        )

    def check(
        self, work: Work, target: Target, current: TwoFactorSummary | None, edit: TwoFactorEdit
    ) -> TwoFactorEdit:
        errors: dict[str, str] = {}
        form = edit.form
        try:
            form = self._service(work).check(form)
        except ValidationError as exc:
            errors.update(exc.errors)
        has_authenticator = current is not None and current.has_authenticator
        if (
            form.method == TwoFactorMethod.APP
            and form.setup == TwoFactorSetup.NOW
            and edit.verified is None
            and not has_authenticator
        ):
            if target.is_new:  # no row yet to make the key for
                errors["setup"] = NEW_USER_NOW
            else:
                errors["token"] = SCAN_FIRST
        if errors:
            raise ValidationError(errors)
        return TwoFactorEdit(form, edit.verified)

    def save(self, work: Work, target: Target, checked: TwoFactorEdit) -> SectionSaved:
        assert target.pk is not None and target.version is not None, "the User section first"
        record, codes = self._service(work).save(
            target.pk, checked.form, target.version, checked.verified
        )
        return SectionSaved(record, tuple(codes))

    def as_json(self, work: Work, state: TwoFactorSummary) -> dict[str, Any]:
        sent = state.method in TOKEN_METHODS  # a destination kept from before means nothing
        return {
            "method": state.method,
            "destination": state.destination if sent else "",
            "setup": state.setup,
            "title": state.title,
            "authenticator": state.has_authenticator,
            "confirmed_at": state.confirmed_at.isoformat() if state.confirmed_at else None,
            "authenticator_pending": state.authenticator_pending,
            "recovery_codes_left": state.recovery_codes_left,
        }
