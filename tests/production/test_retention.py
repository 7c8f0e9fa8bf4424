"""Retention (bot/retention.py): conversations idle for N days are deleted, whole, from Rasa's table."""
from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.retention import delete_conversation, main, purge_old_conversations
from scripts.stack import ROOT

DAY = 86400


def fill(url: str) -> None:
    engine = sa.create_engine(url, future=True)
    SQLTrackerStore.Base.metadata.create_all(engine)
    now = time.time()
    rows = []
    for sender, ages in {
        "old-1": [200, 120, 100],        # idle 100 days: deleted
        "old-2": [95],                   # idle 95 days: deleted
        "ongoing": [300, 150, 10],       # started long ago, active 10 days ago: kept whole
        "recent": [1, 0],                # kept
    }.items():
        for age in ages:
            rows.append({"sender_id": sender, "type_name": "user", "timestamp": now - age * DAY, "data": "{}"})
    with engine.begin() as connection:
        connection.execute(sa.insert(SQLTrackerStore.SQLEvent.__table__), rows)
    engine.dispose()


def senders(url: str) -> dict:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        result = dict(connection.execute(sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).all())
    engine.dispose()
    return result


@pytest.mark.parametrize("batch_size", [1, 500])
def test_postgres_deletes_idle_conversations_whole(fresh_pg_url, batch_size):
    fill(fresh_pg_url)
    dry = purge_old_conversations(fresh_pg_url, days=90, dry_run=True)
    assert (dry.conversations, dry.events) == (2, 4)
    assert len(senders(fresh_pg_url)) == 4
    purge = purge_old_conversations(fresh_pg_url, days=90, batch_size=batch_size)
    assert (purge.conversations, purge.events) == (2, 4)
    assert senders(fresh_pg_url) == {"ongoing": 3, "recent": 2}


def test_command_line_on_sqlite_with_the_environment(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    fill(url)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TRACKER_DB": str(tmp_path / "tracker.db"),
           "TRACKER_RETENTION_DAYS": "5"}
    run = subprocess.run([sys.executable, "-m", "bot.retention"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "deleted 3 conversation(s), 7 event(s) idle for more than 5 day(s)" in run.stdout
    assert senders(url) == {"recent": 2}


def test_nothing_to_do_on_an_empty_database_and_bad_settings_are_refused(tmp_path, capsys):
    purge = purge_old_conversations(f"sqlite:///{tmp_path / 'empty.db'}", days=90)
    assert (purge.conversations, purge.events) == (0, 0)
    assert main(["--days", "0"]) == 1
    assert "at least 1" in capsys.readouterr().err


def test_one_conversation_is_deleted_on_request(fresh_pg_url, monkeypatch, capsys):
    fill(fresh_pg_url)
    monkeypatch.setenv("TRACKER_STORE_URL", fresh_pg_url)
    assert main(["--sender", "ongoing"]) == 0
    assert "deleted 3 event(s)" in capsys.readouterr().out
    assert "ongoing" not in senders(fresh_pg_url) and len(senders(fresh_pg_url)) == 3
    assert delete_conversation("nobody", fresh_pg_url) == 0
