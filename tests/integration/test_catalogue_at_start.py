"""``make run``'s catalogue step: CATALOGUE_IMPORT imported before the services start, quick when unchanged.

The step is run as ``make run`` runs it (its own process, the settings from the environment),
on a SQLite file and on a real throwaway PostgreSQL; the pages are made up for the test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support import ROOT

STEP = [sys.executable, "-m", "procedures_db", "import-portal", "--if-changed"]


def run_step(database: str, catalogue: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    env.pop("CATALOGUE_IMPORT", None)
    if catalogue is not None:
        env["CATALOGUE_IMPORT"] = catalogue
    return subprocess.run(STEP, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def pages(path: Path, codes: list[str]) -> Path:
    path.write_text(
        "".join(
            json.dumps(
                {"ma_thu_tuc": code, "ten_thu_tuc": f"Thủ tục thử khởi động {code}", "cap_thuc_hien": "Cấp xã"},
                ensure_ascii=False,
            )
            + "\n"
            for code in codes
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'start.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"start_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_make_run_imports_the_catalogue_after_the_seed_and_before_the_services():
    recipe = re.search(r"^run:(.*?)\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert recipe, "no run target in the Makefile"
    prerequisites, lines = recipe.group(1).split(), recipe.group(2).splitlines()
    assert "seed" in prerequisites
    step = next(i for i, line in enumerate(lines) if "procedures_db import-portal --if-changed" in line)
    assert step < next(i for i, line in enumerate(lines) if "tools/stack.py" in line)


def test_the_step_imports_once_then_skips_and_stops_on_a_missing_file(database, tmp_path):
    (tmp_path / "more").mkdir()
    first = pages(tmp_path / "a.jsonl", ["9.300001", "9.300002"])
    pages(tmp_path / "more" / "b.jsonl.gz.tmp", [])  # not a record file: ignored in a folder
    second = pages(tmp_path / "more" / "b.jsonl", ["9.300003"])
    catalogue = f"{first}:{second.parent}"

    unset = run_step(database, None)
    assert unset.returncode == 0 and "CATALOGUE_IMPORT is not set" in unset.stdout

    done = run_step(database, catalogue)
    assert done.returncode == 0, done.stderr
    assert "3 records read from 2 file(s): 3 inserted" in done.stdout

    started = time.perf_counter()
    again = run_step(database, catalogue)
    seconds = time.perf_counter() - started
    assert again.returncode == 0 and "2 file(s) unchanged since their import" in again.stdout
    print(f"\nunchanged step (a whole process): {seconds:.2f} s")

    pages(second, ["9.300003", "9.300004"])
    changed = run_step(database, catalogue)  # all the files again, the unchanged ones unchanged
    assert "4 records read from 2 file(s): 1 inserted, 0 updated, 3 unchanged" in changed.stdout

    missing = run_step(database, f"{first}:{tmp_path / 'gone'}")
    assert missing.returncode == 2 and "gone (CATALOGUE_IMPORT)" in missing.stderr

    engine = sa.create_engine(database, future=True)
    with engine.connect() as connection:
        codes = set(connection.scalars(sa.text("SELECT code FROM procedures")))
    engine.dispose()
    assert codes == {"9.300001", "9.300002", "9.300003", "9.300004"}
