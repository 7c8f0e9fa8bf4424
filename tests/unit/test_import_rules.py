"""The layers import one way (docs/architecture.md): a lower layer never imports a higher one.

Every module of the project is parsed (not imported) and each ``import`` in it,
at top level or inside a function, is checked against the table below. A new
feature that needs an upward import needs a new home, not an exception here.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("core", "procedures_db", "services", "integrations", "webapp", "bot", "actions", "tools")

# What each layer may import of the project, lowest first. "procedures_db.db" is the unit of work
# (session_scope): callers of a use case open the transaction it runs in.
ALLOWED: dict[str, tuple[str, ...]] = {
    "core": ("core",),
    "procedures_db": ("procedures_db", "core"),
    "services": ("services", "procedures_db", "core"),
    "integrations": ("integrations", "services", "procedures_db", "core"),
    "webapp": ("webapp", "services", "procedures_db.db", "core"),
    "bot": ("bot", "services", "procedures_db.db", "core"),
    "actions": ("actions", "services", "procedures_db.db", "core"),
    "tools": PROJECT + ("tests",),
}
# Frameworks a layer must not know: the store and the use cases know nothing of Rasa or HTTP,
# the actions nothing of Rasa's server (only rasa_sdk).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": ("rasa", "rasa_sdk", "sanic", "sqlalchemy", "requests"),
    "procedures_db": ("rasa", "rasa_sdk", "sanic", "requests"),
    "services": ("rasa", "rasa_sdk", "sanic", "requests"),
    "integrations": ("rasa", "rasa_sdk", "sanic"),
    "webapp": ("rasa", "rasa_sdk"),
    "actions": ("rasa",),
}
# SQL lives in the store (procedures_db/) and, for Rasa's own events table, in the conversation
# stores of bot/. Elsewhere SQLAlchemy is only a type (Session) or an exception to catch.
SQL_HOMES = ("procedures_db/", "bot/stores/", "bot/retention.py", "tools/")
SQLALCHEMY_WITHOUT_SQL = ("sqlalchemy.orm", "sqlalchemy.exc")

# Entry points wire layers together: the operators' command `python -m procedures_db` serves the
# HTTP application and runs the importers.
ENTRY_POINTS = {"procedures_db/__main__.py"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, dotted name)`` of every absolute import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def violations(root: Path) -> list[str]:
    problems = []
    for layer in PROJECT:
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in ENTRY_POINTS:
                continue
            for line, module in imported_modules(path):
                top = module.split(".")[0]
                if top in PROJECT + ("tests", "scripts") and not _within(module, ALLOWED[layer]):
                    problems.append(f"{relative}:{line}: {layer} must not import {module}")
                elif _within(module, FORBIDDEN.get(layer, ())):
                    problems.append(f"{relative}:{line}: {layer} must not depend on {module}")
                elif (
                    _within(module, ("sqlalchemy",))
                    and not _within(module, SQLALCHEMY_WITHOUT_SQL)
                    and not relative.startswith(SQL_HOMES)
                ):
                    problems.append(f"{relative}:{line}: SQL belongs in the store, not in {layer} ({module})")
    return problems


def test_layers_import_one_way():
    assert violations(ROOT) == []


def test_the_check_sees_an_upward_import(tmp_path):
    """The check itself: a store module importing an action, a helper importing SQLAlchemy."""
    for layer in PROJECT:
        (tmp_path / layer).mkdir()
    (tmp_path / "procedures_db" / "bad.py").write_text("def f():\n    from actions.answers import render_answer\n")
    (tmp_path / "core" / "bad.py").write_text("import sqlalchemy\n")
    (tmp_path / "services" / "fine.py").write_text(
        "from procedures_db.models import Procedure\nimport core.text\n" "from sqlalchemy.orm import Session\n"
    )
    (tmp_path / "integrations" / "bad.py").write_text("from sqlalchemy import select\n")
    assert violations(tmp_path) == [
        "core/bad.py:1: core must not depend on sqlalchemy",
        "procedures_db/bad.py:2: procedures_db must not import actions.answers",
        "integrations/bad.py:1: SQL belongs in the store, not in integrations (sqlalchemy)",
    ]


@pytest.mark.parametrize("module", ["webapp.api", "procedures_db.__main__", "services.catalogue"])
def test_runs_without_rasa(module):
    """The HTTP API and the store's command load without Rasa (seconds and hundreds of MB)."""
    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
