"""Company Settings as sections, with the protocol the user sections have: each loads its
state and version, checks a typed edit field by field, and saves in the caller's transaction
against the version it was read at. The editor checks every section first and saves all in
one transaction; the dialog only shows them, a tab each."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from app.db.database import kept_for_transaction
from app.errors import ValidationError
from app.outbound.mail import MailSettings, SecretStore, load_mail_settings, save_mail_settings
from app.outbound.sms import SmsSettings, load_sms_settings, save_sms_settings
from app.passwords.policy import PasswordPolicy, load_policy, policy_version, save_policy
from app.roles.assignments import role_choices
from app.roles.base_role import base_role, base_role_version, set_base_role
from app.sections.editor import SectionProblems
from app.two_factor.policy import TwoFactorPolicy, load_two_factor_policy, save_two_factor_policy
from app.workplace import Work

S = TypeVar("S")  # a section's state, as stored
E = TypeVar("E")  # its edit, as typed


@dataclass(frozen=True)
class Stored(Generic[S]):
    """A settings section as read: its state (None: nothing stored yet) and version (0: none)."""

    state: S
    version: int


class SettingsSection(abc.ABC, Generic[S, E]):
    key: ClassVar[str]
    title: ClassVar[str]  # the group's title in the dialog

    @abc.abstractmethod
    def load(self, work: Work) -> Stored[S]: ...

    @abc.abstractmethod
    def check(self, work: Work, edit: E) -> E:
        """The edit as it would be stored; ValidationError naming each wrong field."""

    @abc.abstractmethod
    def save(self, work: Work, checked: E, version: int) -> int:
        """Store the checked edit, audited; the version now stored. ConflictError when the
        row was saved elsewhere after ``version`` was read."""


class PasswordRules(SettingsSection[PasswordPolicy, PasswordPolicy]):
    key: ClassVar[str] = "policy"
    title: ClassVar[str] = "Passwords and Sign-in"

    def load(self, work: Work) -> Stored[PasswordPolicy]:
        return Stored(
            load_policy(work.session, work.company.id),
            policy_version(work.session, work.company.id),
        )

    def check(self, work: Work, edit: PasswordPolicy) -> PasswordPolicy:
        edit.check_settings()
        return edit

    def save(self, work: Work, checked: PasswordPolicy, version: int) -> int:
        return save_policy(
            work.session, work.company.id, checked,
            actor=work.actor, clock=work.clock, expected_version=version,
        )  # fmt: skip


class TwoFactorRules(SettingsSection[TwoFactorPolicy, TwoFactorPolicy]):
    key: ClassVar[str] = "two_factor"
    title: ClassVar[str] = "Two-factor sign-in"

    def load(self, work: Work) -> Stored[TwoFactorPolicy]:
        policy, version = load_two_factor_policy(work.session, work.company.id)
        return Stored(policy, version)

    def check(self, work: Work, edit: TwoFactorPolicy) -> TwoFactorPolicy:
        return edit.checked()

    def save(self, work: Work, checked: TwoFactorPolicy, version: int) -> int:
        return save_two_factor_policy(
            work.session, work.company.id, checked,
            actor=work.actor, clock=work.clock, expected_version=version,
        )  # fmt: skip


@dataclass(frozen=True)
class MailEdit:
    """The mail server as typed, and a new password for it (None: unchanged)."""

    settings: MailSettings
    password: str | None = None
    store: SecretStore | None = None  # where the password goes: this computer's keyring


class MailServer(SettingsSection[MailSettings | None, MailEdit]):
    key: ClassVar[str] = "mail"
    title: ClassVar[str] = "E-mail (mail server)"

    def load(self, work: Work) -> Stored[MailSettings | None]:
        settings, version = load_mail_settings(work.session, work.company.id)
        return Stored(settings, version)

    def check(self, work: Work, edit: MailEdit) -> MailEdit:
        edit.settings.check()
        return edit

    def save(self, work: Work, checked: MailEdit, version: int) -> int:
        assert checked.store is not None, "a mail edit names the keyring its password goes to"
        return save_mail_settings(
            work.session, work.company.id, work.company.code, checked.settings,
            password=checked.password, store=checked.store,
            actor=work.actor, clock=work.clock, expected_version=version,
        )  # fmt: skip


@dataclass(frozen=True)
class TextEdit:
    """The text gateway as typed, and a new auth token for it (None: unchanged)."""

    settings: SmsSettings
    token: str | None = None
    store: SecretStore | None = None


# The gateway's fields share names with the mail server's (sender): the dialog shows them
# under these names.
TEXT_FIELDS = ("api_url", "account", "token", "sender")


def _text_keys(errors: Mapping[str, str]) -> dict[str, str]:
    return {(f"sms_{n}" if n in TEXT_FIELDS else n): m for n, m in errors.items()}


class TextGateway(SettingsSection[SmsSettings | None, TextEdit]):
    key: ClassVar[str] = "text"
    title: ClassVar[str] = "Text messages (SMS gateway)"

    def load(self, work: Work) -> Stored[SmsSettings | None]:
        settings, version = load_sms_settings(work.session, work.company.id)
        return Stored(settings, version)

    def check(self, work: Work, edit: TextEdit) -> TextEdit:
        try:
            checked = edit.settings.checked(work.company.phone_region)
        except ValidationError as exc:
            raise ValidationError(_text_keys(exc.errors)) from exc
        return TextEdit(checked, edit.token, edit.store)

    def save(self, work: Work, checked: TextEdit, version: int) -> int:
        assert checked.store is not None, "a text edit names the keyring its token goes to"
        try:
            return save_sms_settings(
                work.session, work.company.id, work.company.code, work.company.phone_region,
                checked.settings, token=checked.token, store=checked.store,
                actor=work.actor, clock=work.clock, expected_version=version,
            )  # fmt: skip
        except ValidationError as exc:  # e.g. no keyring for the token
            raise ValidationError(_text_keys(exc.errors)) from exc


@dataclass(frozen=True)
class BaseRoleState:
    """The base role as the Roles tab shows it: the role (None: no rule), the roles it may
    be (the active ones, and the current one), by name, and whom the save just gave it to."""

    role_id: int | None
    choices: tuple[tuple[int, str], ...]
    given_to: tuple[str, ...] = ()


GIVEN = "base role given to"  # what the save gave, for the state read after it


class BaseRoleRule(SettingsSection[BaseRoleState, "int | None"]):
    """The base role every user must hold (app.roles.base_role); the edit is the role's id."""

    key: ClassVar[str] = "roles"
    title: ClassVar[str] = "Roles"

    def load(self, work: Work) -> Stored[BaseRoleState]:
        current = base_role(work.session, work.company.id)
        current_id = current[0] if current else None
        choices = tuple(
            (c.id, c.name)
            for c in role_choices(work.session, work.company)
            if c.active or c.id == current_id
        )
        given = kept_for_transaction(work.session, GIVEN).get(work.company.id, ())
        return Stored(
            BaseRoleState(current_id, choices, given),
            base_role_version(work.session, work.company.id),
        )

    def check(self, work: Work, edit: int | None) -> int | None:
        return edit  # the role is checked as it is set, with the rows it must read

    def save(self, work: Work, checked: int | None, version: int) -> int:
        done = set_base_role(work.session, work.company, work.actor, work.clock, checked, version)
        kept_for_transaction(work.session, GIVEN)[work.company.id] = done.given_to
        return done.version


AnySettings = SettingsSection[Any, Any]
SETTINGS: tuple[AnySettings, ...] = (
    PasswordRules(),
    TwoFactorRules(),
    MailServer(),
    TextGateway(),
    BaseRoleRule(),
)


class CompanySettingsEditor:
    """Company Settings opened, checked and saved together, in the caller's session."""

    def __init__(self, work: Work) -> None:
        self.work = work

    def open(self) -> dict[str, Stored[Any]]:
        return {s.key: s.load(self.work) for s in SETTINGS}

    def save(self, edits: Mapping[str, Any], versions: Mapping[str, int]) -> dict[str, Stored[Any]]:
        """Check every edit, then save each against the version it was read at; the settings
        as now stored. SectionProblems names every wrong field of every section."""
        chosen = [s for s in SETTINGS if s.key in edits]
        checked: dict[str, Any] = {}
        problems: dict[str, dict[str, str]] = {}
        for s in chosen:
            try:
                checked[s.key] = s.check(self.work, edits[s.key])
            except ValidationError as exc:
                problems[s.key] = dict(exc.errors)
        if problems:
            raise SectionProblems(problems)
        for s in chosen:
            try:
                s.save(self.work, checked[s.key], versions[s.key])
            except SectionProblems:
                raise
            except ValidationError as exc:
                raise SectionProblems({s.key: exc.errors}) from exc
        return self.open()
