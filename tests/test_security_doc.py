"""docs/SECURITY.md names a test for each attack it says is refused: each of them exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"`(test_\w+\.py)::(test_\w+)`")


def test_every_test_the_security_page_names_exists() -> None:
    page = (ROOT / "docs" / "SECURITY.md").read_text(encoding="utf-8")
    named = NAMED.findall(page)
    assert len(named) >= 20
    missing = []
    for file, name in named:
        tree = ast.parse((ROOT / "tests" / file).read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
        if name not in defined:
            missing.append(f"{file}::{name}")
    assert missing == []
