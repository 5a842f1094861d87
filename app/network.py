"""Where a sign-in comes from, as the database server sees it.

Company Settings can let sign-ins from the office's subnets skip the second factor. The
address compared must be one the signing-in computer cannot choose: a laptop at home on
192.168.1.x would otherwise pass for an office PC on the same private range. So it is the
address the database server observes for this connection, and an embedded SQLite file, which
has no server to ask, never skips the second factor.
"""

from __future__ import annotations

import ipaddress

from sqlalchemy import text
from sqlalchemy.orm import Session


def observed_address(session: Session) -> str | None:
    """This connection's client address as the server sees it; None when there is none to
    trust (SQLite, a local socket, or an answer that is not an IP address)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        value = session.scalar(text("SELECT host(inet_client_addr())"))
    elif dialect in ("mysql", "mariadb"):
        value = session.scalar(
            text("SELECT host FROM information_schema.processlist WHERE id = CONNECTION_ID()")
        )
        if isinstance(value, str) and value.count(":") == 1:
            value = value.rsplit(":", 1)[0]  # "192.168.10.7:51234"; IPv6 comes bare
    else:
        return None
    try:
        return str(ipaddress.ip_address(str(value).strip("[]")))
    except ValueError:
        return None  # "localhost" (a socket) or nothing
