"""Text messages through the company's SMS gateway: an HTTP API in the style of Twilio's.

The settings live in the database; the gateway's auth token in the OS keyring, as the mail
password does. A refusal carries the gateway's own reason for the administrator, and says
when the number opted out (replied STOP), which no practice can override.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from keyring.errors import KeyringError
from sqlalchemy.orm import Session

from app.access import Actor, Right
from app.audit import Action, Noted
from app.clock import Clock
from app.db.models import SmsSettingsRow
from app.errors import UserSetupError, ValidationError
from app.outbound.mail import SecretStore, keep_at_commit
from app.practice.settings import save_settings
from app.validation import FieldProblem, clean_phone, not_one_line

KEYRING_SERVICE = "UserSetup SMS"
DEFAULT_API_URL = "https://api.twilio.com"
TIMEOUT_SECONDS = 20
# The gateway's error codes for a number that replied STOP (Twilio: 21610).
OPTED_OUT_CODES = frozenset({21610})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SmsError(UserSetupError):
    """The gateway did not take the message; ``reason`` is its own words, for the administrator."""

    def __init__(self, reason: str, *, opted_out: bool = False) -> None:
        self.reason = reason
        self.opted_out = opted_out
        super().__init__(reason)


@dataclass(frozen=True)
class SmsSettings:
    account: str
    sender: str  # the practice's sending number, E.164
    api_url: str = DEFAULT_API_URL

    def keyring_account(self, company_code: str) -> str:
        return f"{company_code}:{self.account}"

    def checked(self, region: str) -> SmsSettings:
        """These settings with the sender in E.164; ValidationError naming each bad field."""
        errors = not_one_line(
            {"api_url": ("Gateway Address", self.api_url), "account": ("Account SID", self.account)}
        )
        try:
            url = urllib.parse.urlsplit(self.api_url.strip())
            host = url.hostname
        except ValueError:  # e.g. an unclosed "[" of an IPv6 address
            url, host = urllib.parse.urlsplit(""), None
        # setdefault: a line break's reason stands (urlsplit drops tabs and line breaks).
        if not host or (
            url.scheme != "https" and not (url.scheme == "http" and host in LOCAL_HOSTS)
        ):
            errors.setdefault(
                "api_url", "Enter the gateway's https:// address, e.g. " + DEFAULT_API_URL
            )
        if not self.account.strip():
            errors.setdefault("account", "Enter the gateway account (Account SID).")
        sender = ""
        try:
            sender, extension = clean_phone(self.sender, region, "Sending Number")
            if not sender:
                errors["sender"] = "Enter the number the texts come from."
            elif extension:
                errors["sender"] = "A sending number has no extension."
        except FieldProblem as problem:
            errors["sender"] = str(problem)
        if errors:
            raise ValidationError(errors)
        return SmsSettings(self.account.strip(), sender, self.api_url.strip().rstrip("/"))


def load_sms_settings(session: Session, company_id: int) -> tuple[SmsSettings | None, int]:
    """The settings and their version (0 when none are stored)."""
    row = session.get(SmsSettingsRow, company_id)
    if row is None:
        return None, 0
    return SmsSettings(row.account, row.sender, row.api_url), row.version


def save_sms_settings(
    session: Session,
    company_id: int,
    company_code: str,
    region: str,
    settings: SmsSettings,
    *,
    token: str | None,
    store: SecretStore,
    actor: Actor,
    clock: Clock,
    expected_version: int,
) -> int:
    """Store the gateway settings (audited) and, when given, the auth token in this computer's
    keyring; the version now stored."""
    actor.require(Right.COMPANY_SETTINGS)
    settings = settings.checked(region)
    noted: list[Noted] = []
    if token:
        keep_at_commit(
            session, store, KEYRING_SERVICE, settings.keyring_account(company_code), token,
            field="token", what="token",
        )  # fmt: skip
        noted.append(Noted("token", "token changed"))
    return save_settings(
        session,
        SmsSettingsRow,
        company_id,
        {"api_url": settings.api_url, "account": settings.account, "sender": settings.sender},
        actor=actor,
        clock=clock,
        expected_version=expected_version,
        action=Action.SMS_CHANGED,
        what="The text settings",
        noted=noted,
    )


class SmsGateway:
    """Sends one text through the gateway's Messages endpoint."""

    def __init__(self, settings: SmsSettings, company_code: str, store: SecretStore) -> None:
        self.settings = settings
        self.company_code = company_code
        self.store = store

    def send(self, to: str, body: str) -> None:
        settings = self.settings
        try:
            token = self.store.get_password(
                KEYRING_SERVICE, settings.keyring_account(self.company_code)
            )
        except KeyringError as exc:
            raise SmsError(f"The keyring could not give the gateway's token: {exc}") from exc
        if not token:
            raise SmsError(
                "This computer has no gateway token: enter it in Company Settings (it is kept "
                "in each computer's keyring)."
            )
        account = urllib.parse.quote(settings.account, safe="")
        request = urllib.request.Request(
            f"{settings.api_url}/2010-04-01/Accounts/{account}/Messages.json",
            data=urllib.parse.urlencode({"To": to, "From": settings.sender, "Body": body}).encode(),
            method="POST",
        )
        credentials = base64.b64encode(f"{settings.account}:{token}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
        try:
            with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise _refusal(exc) from exc
        except (OSError, ValueError) as exc:
            raise SmsError(f"The text gateway could not be reached: {exc}") from exc


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is a refusal: urllib would follow it as a GET (so nothing is sent, yet it
    looks sent) and take the Authorization header, the gateway's token, to the new address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _refusal(exc: urllib.error.HTTPError) -> SmsError:
    """The gateway's answer to a refused message, in its own words."""
    try:
        answer = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    code = answer.get("code")
    message = str(answer.get("message") or exc.reason or "no reason given")
    reason = f"The text gateway refused the message (HTTP {exc.code}"
    reason += f", error {code}): {message}" if code else f"): {message}"
    return SmsError(reason, opted_out=isinstance(code, int) and code in OPTED_OUT_CODES)
