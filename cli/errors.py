"""How the command line ends: its exit codes, and a call that is itself wrong."""

from __future__ import annotations

EXIT_OK, EXIT_REFUSED, EXIT_USAGE, EXIT_DATABASE = 0, 1, 2, 3


class UsageError(Exception):
    """The command line itself is wrong."""
