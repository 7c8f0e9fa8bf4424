"""The retention job (python -m bot.retention) does its work without loading Rasa.

Before bot/stores/tracker_database.py it imported the tracker store, hence all of
Rasa and TensorFlow (about 6 s and 560 MB) to delete rows. Its deletions are
tested on PostgreSQL and SQLite in tests/unit/bot/test_retention_databases.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())

JOB = """
import sqlite3, sys, time
tracker = sys.argv[1]
with sqlite3.connect(tracker) as db:  # Rasa's events table, as SQLTrackerStore creates it
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
               "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
               "action_name VARCHAR(255), data TEXT)")
    now = time.time()
    db.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, 'user', ?, '{}')",
                   [("idle", now - 100 * 86400), ("idle", now - 95 * 86400), ("recent", now - 60),
                    ("asked-to-forget", now)])

from bot import retention
assert retention.main([]) == 0
assert retention.main(["--sender", "asked-to-forget"]) == 0
with sqlite3.connect(tracker) as db:
    assert [row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")] == ["recent"]
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"rasa", "rasa_sdk", "tensorflow", "sanic"})
print("loaded:", loaded)
"""


def test_the_retention_job_deletes_without_importing_rasa(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "TRACKER_DB": str(tmp_path / "tracker.db"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'assistant.db'}",
    }
    done = subprocess.run(
        [sys.executable, "-c", JOB, str(tmp_path / "tracker.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 1 conversation(s), 2 event(s)" in done.stdout
    assert done.stdout.strip().endswith("loaded: []")
