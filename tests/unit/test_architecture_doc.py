"""docs/architecture.md names every module with one sentence: a new module gets its line there."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("core", "procedures_db", "services", "integrations", "webapp", "bot", "actions", "tools")


def test_every_module_is_in_the_architecture_document():
    document = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            empty_package = path.name == "__init__.py" and not ast.get_docstring(ast.parse(path.read_text("utf-8")))
            relative = path.relative_to(ROOT).as_posix()
            if not empty_package and f"`{relative}`" not in document:
                missing.append(relative)
    assert missing == [], "add a line for each to docs/architecture.md, 'Modules, one sentence each'"
