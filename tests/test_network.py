"""The workstation's address toward the database server, without depending on this machine's
network: loopback is always there, and the rest goes through a stand-in socket."""

from __future__ import annotations

import errno
import socket
from typing import Any, ClassVar

import pytest

from app import network
from app.network import DEFAULT_ROUTE_PROBE, database_server, workstation_address


class FakeSocket:
    """A UDP socket that records where it was pointed and answers a chosen local address."""

    connected: ClassVar[list[Any]] = []
    local: ClassVar[str] = "10.20.30.40"
    refuse: ClassVar[OSError | None] = None

    def __init__(self, family: int = socket.AF_INET, kind: int = socket.SOCK_DGRAM) -> None:
        assert kind == socket.SOCK_DGRAM  # nothing is ever sent: UDP, connect only
        self.family = family

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def connect(self, address: Any) -> None:
        if self.refuse is not None:
            raise self.refuse
        FakeSocket.connected.append(address)

    def getsockname(self) -> tuple[str, int]:
        return self.local, 40000

    def send(self, data: bytes) -> int:  # pragma: no cover - must never be called
        raise AssertionError("no packet may be sent")

    sendto = send


@pytest.fixture
def fake_socket(monkeypatch: pytest.MonkeyPatch) -> type[FakeSocket]:
    FakeSocket.connected = []
    FakeSocket.local = "10.20.30.40"
    FakeSocket.refuse = None
    monkeypatch.setattr(network.socket, "socket", FakeSocket)
    return FakeSocket


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "mysql+pymysql://root:p%40ss:word@127.0.0.1:3306/test?charset=utf8mb4",
        "mssql+pyodbc://sa@127.0.0.1/test",
    ],
)
def test_a_server_on_this_machine_is_reached_from_loopback(url):
    assert workstation_address(url) == "127.0.0.1"


def test_a_server_elsewhere_is_reached_from_the_address_the_route_takes(fake_socket, monkeypatch):
    monkeypatch.setattr(
        network.socket,
        "getaddrinfo",
        lambda host, port, **kw: [(socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("10.20.0.5", port))],
    )
    assert workstation_address("postgresql+psycopg://u:pw@db.valley.lan/usersetup") == "10.20.30.40"
    assert fake_socket.connected == [("10.20.0.5", 5432)]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////home/office/usersetup.sqlite3",
        "sqlite://",
        "postgresql+psycopg://postgres@/usersetup?host=/var/run/postgresql",
        "mysql+pymysql://root@localhost/usersetup?unix_socket=/run/mysqld/mysqld.sock",
    ],
)
def test_sqlite_and_local_sockets_use_the_default_route(fake_socket, url):
    assert workstation_address(url) == "10.20.30.40"
    assert fake_socket.connected == [(DEFAULT_ROUTE_PROBE, 9)]


def test_no_route_means_no_address(fake_socket):
    fake_socket.refuse = OSError(errno.ENETUNREACH, "Network is unreachable")
    assert workstation_address("sqlite:///usersetup.sqlite3") is None
    assert workstation_address("postgresql+psycopg://postgres@127.0.0.1/test") is None


def test_an_unbound_answer_is_no_address(fake_socket):
    fake_socket.local = "0.0.0.0"
    assert workstation_address("sqlite:///usersetup.sqlite3") is None


def test_a_name_no_resolver_knows_falls_back_to_the_default_route(fake_socket, monkeypatch):
    def unknown(*args: Any, **kw: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(network.socket, "getaddrinfo", unknown)
    assert workstation_address("postgresql+psycopg://postgres@db.nowhere.invalid/x") == (
        "10.20.30.40"
    )
    assert fake_socket.connected == [(DEFAULT_ROUTE_PROBE, 9)]


def test_an_ipv6_link_local_answer_loses_its_interface_name(fake_socket, monkeypatch):
    monkeypatch.setattr(
        network.socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("fe80::1", port, 0, 2))
        ],
    )
    fake_socket.local = "fe80::2%eth0"
    assert workstation_address("postgresql+psycopg://postgres@[fe80::1%25eth0]/x") == "fe80::2"


def test_the_server_is_read_from_the_url():
    assert database_server("postgresql+psycopg://u:p@db.lan:6543/x") == ("db.lan", 6543)
    assert database_server("mysql+pymysql://root@db.lan/x") == ("db.lan", 3306)
    assert database_server("postgresql://u@/x?host=db.lan") == ("db.lan", 5432)
    assert database_server("sqlite:///x.sqlite3") is None
    assert database_server("not a url") is None
    assert database_server("postgresql://u@db.lan:port/x") is None
