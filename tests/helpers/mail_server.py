"""A real SMTP server on 127.0.0.1 for the mail tests, and a keyring stand-in."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An SMTP server's handler that keeps what it is sent, or refuses every recipient."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse = False
        self.gate = threading.Event()  # cleared by a test: each message waits until it is set
        self.gate.set()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.gate.is_set():  # a bound, so that a program that waits for mail fails
            await asyncio.to_thread(self.gate.wait, 5)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"

    def code(self) -> str:
        match = re.search(r"\b(\d{6})\b", self.messages[-1].get_payload())
        assert match, self.messages[-1].get_payload()
        return match.group(1)


class MemoryStore:
    """The keyring, for tests: a dictionary."""

    def __init__(self) -> None:
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service_name: str, username: str) -> str | None:
        return self.passwords.get((service_name, username))

    def set_password(self, service_name: str, username: str, password: str) -> None:
        self.passwords[(service_name, username)] = password


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free port of 127.0.0.1 for the length of the block."""
    port = free_port()
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
