"""Which address this workstation has on the practice's network, for the sign-in's audit trail
and Company Settings' "skip the second factor from these subnets".

Found the way the operating system would route a packet: a UDP socket is "connected" to the
database server (or, for SQLite and local sockets, to an address out on the default route) and
asked which local address it took. Connecting a UDP socket sends nothing.
"""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

# TEST-NET-1 (RFC 5737): never used on a real network, so a route to it is the default route.
DEFAULT_ROUTE_PROBE = "192.0.2.1"
PROBE_PORT = 9  # discard; nothing is sent there
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433}
# Query parameters that point a server URL at a local socket instead of a TCP host.
SOCKET_PARAMETERS = ("unix_socket", "unix_sock")


def database_server(database_url: str) -> tuple[str, int] | None:
    """The host and port a database URL connects to; None for SQLite or a local socket."""
    try:
        parts = urlsplit(database_url)
        port = parts.port
    except ValueError:  # not a URL, or a port that is not a number
        return None
    backend = parts.scheme.split("+", 1)[0].lower()
    if backend == "sqlite" or not backend:
        return None
    query = parse_qs(parts.query)
    if any(name in query for name in SOCKET_PARAMETERS):
        return None
    host = parts.hostname or ""
    if not host:  # e.g. postgresql://user@/db?host=/var/run/postgresql
        given = query.get("host", [""])[0]
        if given.startswith("/") or not given:
            return None
        host = given
    return host, port or DEFAULT_PORTS.get(backend, PROBE_PORT)


def _local_address(family: int, address: tuple[str, int] | tuple[str, int, int, int]) -> str | None:
    """The local address the system would send from to reach ``address``; None if no route."""
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(address)
            local = str(probe.getsockname()[0])
    except OSError:  # no route to that network, or no network at all
        return None
    local = local.split("%", 1)[0]  # an IPv6 link-local address's "%eth0"
    if local in ("0.0.0.0", "::"):
        return None
    return local


def _default_route_address() -> str | None:
    return _local_address(socket.AF_INET, (DEFAULT_ROUTE_PROBE, PROBE_PORT))


def workstation_address(database_url: str) -> str | None:
    """The local IP address this computer uses to reach the database server.

    For SQLite or a server on a local socket, the address of the default route; None when
    there is no route (no network), so the sign-in goes on without one.
    """
    server = database_server(database_url)
    if server is None:
        return _default_route_address()
    host, port = server
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (OSError, UnicodeError):  # a name no resolver knows: no better guess than the route
        return _default_route_address()
    for family, _kind, _proto, _name, address in found:
        if family in (socket.AF_INET, socket.AF_INET6):
            local = _local_address(family, address)  # type: ignore[arg-type]
            if local is not None:
                return local
    return None
