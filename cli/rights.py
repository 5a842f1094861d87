"""`usersetup rights ...`: the catalog of rights, whether a user holds one (the exit code the
practice's other programs read), and who holds one."""

from __future__ import annotations

import argparse
import json
from typing import Any, NamedTuple

from app.rights import CATALOG, Right
from app.roles.holders import Holder, right_holders
from app.workplace import Work
from cli.errors import EXIT_OK, EXIT_REFUSED


class Verdict(NamedTuple):
    """What a command prints, the exit code it ends with, and why, for standard error
    (``rights check``: the account that holds nothing now)."""

    text: str
    code: int
    reason: str = ""


def rights_command(args: argparse.Namespace, work: Work) -> str | Verdict:
    """Carry out one rights command in the caller's transaction; what to print once committed."""
    command = args.rights_command
    if command == "list":
        return _catalog(as_json=args.json)
    roles = right_holders(work)
    if command == "check":
        holder, answer = roles.check_right(args.user_id, args.right)
        right = f"\u201c{args.right.label}\u201d ({args.right.value})"
        if answer.held:
            return Verdict(f"{holder.user_id} holds {right} through {holder.through}.", EXIT_OK)
        said = f"{holder.user_id} does not hold {right}."
        if answer.closed is None:
            return Verdict(said, EXIT_REFUSED)
        given = f" (its roles give it through {holder.through})" if holder.sources else ""
        return Verdict(said, EXIT_REFUSED, f"not held now: {answer.closed}{given}.")
    found = roles.who_holds(args.right, include_inactive=args.all)
    if args.json:
        return json.dumps([holder_as_json(h) for h in found], indent=2, ensure_ascii=False)
    lines = [
        f"{h.name} ({h.user_id}){'' if h.active else ' [inactive]'}: {h.through}" for h in found
    ]
    return "\n".join(lines) or f"Nobody holds \u201c{args.right.label}\u201d."


def holder_as_json(holder: Holder) -> dict[str, Any]:
    return {
        "user_id": holder.user_id,
        "name": holder.name,
        "active": holder.active,
        "through": [{"role": source.role, "group": source.group} for source in holder.sources],
    }


def _catalog(*, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            [
                {
                    "key": right.value,
                    "group": CATALOG[right].group.value,
                    "label": CATALOG[right].label,
                    "description": CATALOG[right].description,
                }
                for right in Right
            ],
            indent=2,
            ensure_ascii=False,
        )
    lines: list[str] = []
    group = None
    for right in Right:
        info = CATALOG[right]
        if info.group is not group:
            group = info.group
            lines.append(f"{group.value}:" if not lines else f"\n{group.value}:")
        lines.append(f"  {right.value:<32}{info.label}: {info.description}")
    return "\n".join(lines)
