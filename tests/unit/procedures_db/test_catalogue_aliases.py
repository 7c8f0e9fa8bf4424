"""The reviewed alias file (procedures_db/aliases/aliases.yml): well-formed, loaded beside
each procedure's own aliases, ignored for codes the catalogue does not hold."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from core.text import normalize
from procedures_db.catalogue import FOLK_ALIASES_FILE, catalogue_rows, folk_aliases
from procedures_db.db import session_scope

NATIONAL = Path(__file__).resolve().parents[4] / "shared" / "data" / "national"
NATIONAL_CODE = re.compile(r"^\d\.\d{6}$")


@pytest.fixture(scope="module")
def raw() -> dict:
    with open(FOLK_ALIASES_FILE, encoding="utf-8") as file:
        return yaml.safe_load(file)


def test_every_entry_is_a_national_code_with_a_list_of_folk_names(raw):
    assert raw, "the alias file is empty"
    for code, names in raw.items():
        assert isinstance(code, str) and NATIONAL_CODE.match(code), f"{code!r}: not a quoted national code"
        assert isinstance(names, list) and names, f"{code}: no aliases"
        assert len(names) == len(set(names)), f"{code}: an alias twice"
        for name in names:
            assert isinstance(name, str), f"{code}: {name!r} is not text"
            assert name == name.strip() and "  " not in name, f"{code}: {name!r} has stray spaces"
            assert name == unicodedata.normalize("NFC", name), f"{code}: {name!r} is not NFC"
            assert name == name.lower(), f"{code}: {name!r} should be lowercase (search folds case)"
            assert 2 <= len(name) <= 60, f"{code}: {name!r} length"
            assert any(t.kind == "word" for t in normalize(name)), f"{code}: {name!r} has no word"


def test_no_folk_name_is_given_to_two_procedures(raw):
    owners = Counter(name for names in raw.values() for name in set(names))
    shared = [name for name, count in owners.items() if count > 1]
    assert shared == [], f"a folk name shared by two procedures must be left out (the assistant asks): {shared}"


def test_loader_keeps_lists_of_text_and_skips_the_rest(tmp_path):
    path = tmp_path / "aliases.yml"
    path.write_text('"1.000001":\n  - tách hộ\n  - 3\n  - "  "\n"1.000002": not a list\n', encoding="utf-8")
    assert folk_aliases(path) == {"1.000001": ("tách hộ",)}


def test_aliases_join_the_catalogue_rows_and_absent_codes_are_ignored(seeded_sqlite_url, raw):
    with session_scope(seeded_sqlite_url) as session:
        rows = catalogue_rows(session)
    by_code = {row[0]: row for row in rows}
    assert len(rows) == len(by_code)  # one row per procedure: an alias creates none
    present = [code for code in raw if code in by_code]
    assert present, "the seed shares no code with the alias file"
    for code in present:
        assert set(raw[code]) <= set(by_code[code][5])
    assert not set(raw) - set(by_code) & {row[0] for row in rows}


def test_every_alias_code_is_in_the_national_catalogue(raw):
    files = sorted(NATIONAL.glob("*.jsonl")) if NATIONAL.is_dir() else []
    if not files:
        pytest.skip(f"national portal pages not found at {NATIONAL} (../shared/data/national)")
    codes = set()
    for path in files:
        with open(path, encoding="utf-8") as file:
            codes.update(json.loads(line).get("ma_thu_tuc") for line in file if line.strip())
    missing = sorted(set(raw) - codes)
    assert missing == [], f"alias codes absent from the national data: {missing}"
