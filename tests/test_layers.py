"""The layers of docs/ARCHITECTURE.md, kept by reading every module's imports.

app/ is the domain and data layer: no Qt, no window, no command line. ui/ shows what app/
does and never holds a database session: no SQLAlchemy. The command line sits on app/ (and
starts the window through ui.main).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What each package may not import, and why.
FORBIDDEN: dict[str, dict[str, str]] = {
    "app": {
        "PySide6": "app/ has no Qt: the command line and other programs use it without one",
        "ui": "app/ never reaches up into the window",
        "cli": "app/ never reaches up into the command line",
    },
    "ui": {
        "sqlalchemy": "ui/ holds no session: its work runs in app/ through the runner",
        "cli": "the window does not depend on the command line",
    },
}


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Each imported module's name, with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def broken_rules(package: str) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN[package]:
                where = path.relative_to(ROOT)
                found.append(f"{where}:{line} imports {name}: {FORBIDDEN[package][top]}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_is_below_it(package: str) -> None:
    assert broken_rules(package) == []


def test_the_rule_sees_an_import_that_breaks_it(tmp_path: Path) -> None:
    module = tmp_path / "page.py"
    module.write_text("import os\nfrom sqlalchemy.orm import Session\n", encoding="utf-8")
    assert [name for _, name in imports(module)] == ["os", "sqlalchemy.orm"]


def test_the_sign_in_dialog_is_drawn_before_the_database_library_is_loaded() -> None:
    """Its modules name the flow and the runner only as types: what it needs of them comes
    once the sign-in is answered. So a start can show it while the rest loads."""
    heavy = ("sqlalchemy", "qrcode", "PIL", "argon2", "phonenumbers", "email_validator")
    probe = (
        "import sys, ui.signin.sign_in_dialog; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.stdout.strip() == ""
