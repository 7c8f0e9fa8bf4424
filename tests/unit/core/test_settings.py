"""core/settings.py: the one place that reads the environment, typed, documented."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import settings as settings_module
from core.settings import NAMES, Settings, current

ROOT = Path(__file__).resolve().parents[3]

# Modules that still read os.environ themselves, each with the reason; the list only shrinks.
# (tools/ is not checked: the launcher and the benchmarks build their child processes' environment.)
STILL_READING_THE_ENVIRONMENT = {
    "core/settings.py": "the one place",
}


def test_every_variable_is_documented():
    documented = (ROOT / "docs" / "interfaces.md").read_text(encoding="utf-8")
    assert [name for name in NAMES if f"`{name}`" not in documented] == []


def _reads_environment(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("environ", "getenv")
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ):
            return True
    return False


def test_no_other_module_reads_the_environment():
    readers = sorted(
        path.relative_to(ROOT).as_posix()
        for layer in ("core", "procedures_db", "services", "integrations", "webapp", "bot", "actions")
        for path in (ROOT / layer).rglob("*.py")
        if _reads_environment(path)
    )
    assert [path for path in readers if path not in STILL_READING_THE_ENVIRONMENT] == []


def test_current_follows_a_changed_variable(monkeypatch):
    monkeypatch.setenv("SUPPORT_HOTLINE", "0123 456 789")
    assert current().support_hotline == "0123 456 789"
    monkeypatch.setenv("SUPPORT_HOTLINE", "")
    assert current().support_hotline == settings_module.DEFAULT_HOTLINE
    assert current() is current()  # nothing changed: the same snapshot
    monkeypatch.delenv("SUPPORT_HOTLINE")
    monkeypatch.setenv("SUPPORT_HOTLINE", "0999 000 111")
    assert current().support_hotline == "0999 000 111"


def test_current_follows_the_environment_without_cpythons_raw_mapping(monkeypatch):
    monkeypatch.setattr(settings_module, "_RAW_ENVIRON", None)  # another interpreter: os.environ.get
    monkeypatch.setenv("SUPPORT_HOTLINE", "0123 456 789")
    assert current().support_hotline == "0123 456 789"
    monkeypatch.setenv("SUPPORT_HOTLINE", "0999 000 111")
    assert current().support_hotline == "0999 000 111"


def test_values_are_typed_and_bad_numbers_keep_their_default(caplog):
    figures = Settings(
        {
            "DOSSIER_LOOKUP_MAX_FAILURES": "3",
            "DOSSIER_LOOKUP_LOCK_SECONDS": "-5",
            "API_PORT": "8080",
            "DATABASE_URL": "postgres://u:p@h/db",
        }
    )
    assert figures.lookup_max_failures == 3 and figures.api_port == 8080
    assert figures.lookup_lock_seconds == 900 and "DOSSIER_LOOKUP_LOCK_SECONDS" in caplog.text
    assert figures.database_url == "postgresql://u:p@h/db"
    assert Settings({}).database_url.startswith("sqlite:///") and Settings({}).phone_hash_key == ""


@pytest.mark.parametrize("raw", ["-1", "many"])
def test_a_bad_turn_limit_is_a_clear_error(raw):
    with pytest.raises(ValueError, match="MAX_CONCURRENT_TURNS"):
        Settings({"MAX_CONCURRENT_TURNS": raw}).max_concurrent_turns
