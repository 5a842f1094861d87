"""Sending a code by mail or text after the transaction that made it has committed.

A code is issued in one short transaction; the message leaves only once that transaction has
committed, so no write lock (on SQLite, the whole practice's) is held during a mail server's
or a text gateway's 20 seconds; what became of it is then recorded in a second short
transaction. The message carries a code: it is never logged, and its outcome is said only in
the sender's own words, for the administrator.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from app.errors import UserSetupError
from app.outbound.mail import Mailer, SecretStore, load_mail_settings
from app.outbound.sms import SmsError, SmsGateway, load_sms_settings
from app.practice.company import CompanyInfo


class TextSender(Protocol):
    def send(self, to: str, body: str) -> None: ...


class MailSender(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


@dataclass(frozen=True)
class Senders:
    """How codes leave: the company's mail server and text gateway, where set up."""

    mail: MailSender | None = None
    text: TextSender | None = None

    @classmethod
    def load(cls, session: Session, company: CompanyInfo, store: SecretStore) -> Senders:
        mail, _ = load_mail_settings(session, company.id)
        sms, _ = load_sms_settings(session, company.id)
        return cls(
            Mailer(mail, company.code, store) if mail is not None else None,
            SmsGateway(sms, company.code, store) if sms is not None else None,
        )


class SenderSource(Protocol):
    """Where a flow finds its senders, read in the transaction that issues the code."""

    def senders(self, session: Session, company: CompanyInfo) -> Senders: ...


@dataclass(frozen=True)
class CompanySenders:
    """The company's own mail server and text gateway, their secrets in this computer's
    keyring (or ``store``)."""

    store: SecretStore

    def senders(self, session: Session, company: CompanyInfo) -> Senders:
        return Senders.load(session, company, self.store)


@dataclass(frozen=True)
class GivenSenders:
    """These senders, whatever the company has set up (a test's, or a stand-in)."""

    given: Senders

    def senders(self, session: Session, company: CompanyInfo) -> Senders:
        return self.given


class Channel(enum.StrEnum):
    MAIL = "mail"
    TEXT = "text"


@dataclass(frozen=True)
class Outgoing:
    """A message to send once the transaction that issued its code has committed."""

    channel: Channel
    to: str
    subject: str
    body: str  # carries the code: never logged, never audited

    def __repr__(self) -> str:  # a stray log line or traceback must not show the code
        return f"Outgoing({self.channel.value} to {self.to!r})"


@dataclass(frozen=True)
class Delivery:
    """What became of a message: sent, or why not in the sender's own words."""

    sent: bool
    reason: str = ""  # when not sent: the mail server's or gateway's words, for the administrator
    opted_out: bool = False  # the number replied STOP: no practice may text it


def deliver(outgoing: Outgoing, senders: Senders) -> Delivery:
    """Send the message now (no transaction may be open); never raises for a refusal."""
    try:
        if outgoing.channel is Channel.MAIL:
            if senders.mail is None:
                raise UserSetupError("no mail server is set up in Company Settings")
            senders.mail.send(outgoing.to, outgoing.subject, outgoing.body)
        else:
            if senders.text is None:
                raise UserSetupError("no text gateway is set up in Company Settings")
            senders.text.send(outgoing.to, outgoing.body)
    except SmsError as exc:
        return Delivery(False, exc.reason, exc.opted_out)
    except UserSetupError as exc:
        return Delivery(False, str(exc))
    return Delivery(True)
