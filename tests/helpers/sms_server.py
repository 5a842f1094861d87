"""A local text-message gateway on 127.0.0.1 that answers as Twilio's Messages API does."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")

# What Twilio answers for a number that replied STOP.
OPTED_OUT = (
    400,
    {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
)
UNAUTHORIZED = (401, {"code": 20003, "message": "Authenticate", "status": 401})
SERVER_ERROR = (500, "<html><body>Internal Server Error</body></html>")


@dataclass(frozen=True)
class Sent:
    """One message the gateway took, with the account and credentials it came with."""

    sid: str
    to: str
    sender: str
    body: str
    username: str
    password: str


class Gateway:
    """What the gateway received, and how it answers the next messages."""

    def __init__(self) -> None:
        self.messages: list[Sent] = []
        self.requests = 0
        # None: take every message; else (HTTP status, JSON-able body or raw text).
        self.refuse: tuple[int, Any] | None = None
        # An address to send every message on to (302 Found), as a hijacked gateway might.
        self.redirect: str | None = None
        self.followed: list[str] = []  # the credentials of requests that followed a redirect
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def code(self) -> str:
        match = re.search(r"\b(\d{6})\b", self.messages[-1].body)
        assert match, self.messages[-1].body
        return match.group(1)


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            gateway.requests += 1
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            match = MESSAGES_PATH.match(self.path)
            if match is None:
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if gateway.redirect is not None:
                self.send_response(302)
                self.send_header("Location", gateway.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if gateway.refuse is not None:
                self._answer(*gateway.refuse)
                return
            username, _, password = self._basic_auth().partition(":")
            sent = Sent(
                match["sid"],
                form.get("To", [""])[0],
                form.get("From", [""])[0],
                form.get("Body", [""])[0],
                username,
                password,
            )
            gateway.messages.append(sent)
            self._answer(
                201,
                {
                    "sid": f"SM{len(gateway.messages):032d}",
                    "account_sid": sent.sid,
                    "to": sent.to,
                    "from": sent.sender,
                    "body": sent.body,
                    "status": "queued",
                },
            )

        def do_GET(self) -> None:  # only a followed redirect comes here
            gateway.followed.append(self._basic_auth())
            self._answer(200, {})

        def _basic_auth(self) -> str:
            scheme, _, value = (self.headers.get("Authorization") or "").partition(" ")
            if scheme != "Basic":
                return ""
            return base64.b64decode(value).decode()

        def _answer(self, status: int, body: Any) -> None:
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            self.send_response(status)
            kind = "text/html" if isinstance(body, str) else "application/json"
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet, as a test should be
            pass

    return Handler


@contextmanager
def sms_server() -> Iterator[Gateway]:
    """A gateway on a free port of 127.0.0.1 for the length of the block."""
    gateway = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    server.daemon_threads = True
    gateway.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
