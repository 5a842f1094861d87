"""The company's outgoing mail: settings in the database, the password in the OS keyring."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import keyring
from keyring.errors import KeyringError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app import audit
from app.access import Actor, Right
from app.audit import Action, Noted
from app.clock import Clock
from app.db.models import MailSettingsRow
from app.errors import UserSetupError, ValidationError
from app.practice.settings import save_settings
from app.validation import FieldProblem, clean_email, not_one_line

KEYRING_SERVICE = "UserSetup SMTP"
SECURITY = ("starttls", "tls", "none")
MAIL_FIELDS = ("host", "port", "security", "sender", "username")
TIMEOUT_SECONDS = 20


class SecretStore(Protocol):
    """Where the mail password is kept: the keyring module, or a stand-in in tests."""

    def get_password(self, service_name: str, username: str) -> str | None: ...

    def set_password(self, service_name: str, username: str, password: str) -> None: ...


def keep_at_commit(
    session: Session,
    store: SecretStore,
    service: str,
    account: str,
    secret: str,
    *,
    field: str,
    what: str,
) -> None:
    """Put ``secret`` in this computer's keyring as the caller's transaction commits: after
    every section of the save has been written (a conflict or another section's problem
    refuses it first, and then nothing is kept), and before the commit itself, so that a
    keyring that cannot keep it refuses the whole save beside ``field``."""

    def refused(exc: Exception) -> ValidationError:
        why = f"This computer's keyring could not keep the {what} ({exc}); nothing was saved."
        return ValidationError({field: why})

    try:
        store.get_password(service, account)
    except KeyringError as exc:
        raise refused(exc) from exc

    def keep(_session: Session) -> None:
        event.remove(session, "after_rollback", forget)
        try:
            store.set_password(service, account, secret)
        except KeyringError as exc:
            raise refused(exc) from exc

    def forget(_session: Session) -> None:
        event.remove(session, "before_commit", keep)

    event.listen(session, "before_commit", keep, once=True)
    event.listen(session, "after_rollback", forget, once=True)


class MailError(UserSetupError):
    """The mail could not be sent; the message says why, for the administrator."""


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # STARTTLS on 587; "tls" for SMTPS on 465
    sender: str = ""
    username: str = ""

    def keyring_account(self, company_code: str) -> str:
        return f"{company_code}:{self.username}@{self.host}"

    def check(self) -> None:
        errors = not_one_line(
            {"host": ("Mail Server", self.host), "username": ("Mail User Name", self.username)}
        )
        if not self.host.strip():
            errors.setdefault("host", "Enter the mail server's name, e.g. smtp.office365.com.")
        if not 1 <= self.port <= 65535:
            errors["port"] = "A port is a number from 1 to 65535 (usually 587 or 465)."
        if self.security not in SECURITY:
            errors["security"] = "Choose STARTTLS, TLS or none."
        try:
            if not clean_email(self.sender, "Sender Address"):
                errors["sender"] = "Enter the address the mail comes from."
        except FieldProblem as problem:
            errors["sender"] = str(problem)
        if errors:
            raise ValidationError(errors)


def load_mail_settings(session: Session, company_id: int) -> tuple[MailSettings | None, int]:
    """The settings and their version (0 when none are stored)."""
    row = session.get(MailSettingsRow, company_id)
    if row is None:
        return None, 0
    return MailSettings(row.host, row.port, row.security, row.sender, row.username), row.version


def save_mail_settings(
    session: Session,
    company_id: int,
    company_code: str,
    settings: MailSettings,
    *,
    password: str | None,
    store: SecretStore,
    actor: Actor,
    clock: Clock,
    expected_version: int,
) -> int:
    """Store the settings (audited) and, when given, the password in this computer's keyring;
    the version now stored."""
    actor.require(Right.COMPANY_SETTINGS)
    settings.check()
    noted: list[Noted] = []
    if password:
        keep_at_commit(
            session, store, KEYRING_SERVICE, settings.keyring_account(company_code), password,
            field="password", what="password",
        )  # fmt: skip
        noted.append(Noted("password", audit.PASSWORD_CHANGED))
    return save_settings(
        session,
        MailSettingsRow,
        company_id,
        {name: getattr(settings, name) for name in MAIL_FIELDS},
        actor=actor,
        clock=clock,
        expected_version=expected_version,
        action=Action.MAIL_CHANGED,
        what="The mail settings",
        noted=noted,
    )


class Mailer:
    """Sends one message through the company's server."""

    def __init__(
        self, settings: MailSettings, company_code: str, store: SecretStore = keyring
    ) -> None:
        self.settings = settings
        self.company_code = company_code
        self.store = store

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.settings.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        settings = self.settings
        try:
            password = (
                self.store.get_password(
                    KEYRING_SERVICE, settings.keyring_account(self.company_code)
                )
                if settings.username
                else None
            )
            context = ssl.create_default_context()
            smtp: smtplib.SMTP
            if settings.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
                )
            else:
                smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            with smtp:
                if settings.security == "starttls":
                    smtp.starttls(context=context)
                if settings.username:
                    smtp.login(settings.username, password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException, KeyringError) as exc:
            raise MailError(f"The mail server {settings.host} refused or failed: {exc}") from exc
