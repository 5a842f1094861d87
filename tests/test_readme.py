"""The README stays true: its Copy User table and its test command match the program."""

from __future__ import annotations

import re
from pathlib import Path

from app.users.fields import PASSWORD_FIELDS, USER_FIELDS, Copy

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _copy_table() -> dict[str, bool]:
    section = README.split("### What Copy User copies", 1)[1].split("\n\n", 2)[1]
    copied: dict[str, bool] = {}
    for line in section.splitlines()[2:]:
        labels, verdict = (cell.strip() for cell in line.strip("|").split("|"))
        for label in labels.split(", "):
            assert label not in copied, f"{label} is in the table twice"
            copied[label] = verdict.startswith("copied")
    return copied


def test_copy_user_table_says_what_copy_user_does() -> None:
    expected = {f.label: f.copy is Copy.COPIED for f in (*USER_FIELDS, *PASSWORD_FIELDS)}
    assert _copy_table() == expected


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"^    (python3? .+)$", README.split("## What it is")[0], re.MULTILINE)
    assert len(commands) == 2, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
