"""Retention (bot/retention.py): conversations idle for N days are deleted, whole, from Rasa's table."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.retention import delete_conversation, main, purge_old_conversations
from tests.support import ROOT

DAY = 86400


def fill(url: str) -> None:
    engine = sa.create_engine(url, future=True)
    SQLTrackerStore.Base.metadata.create_all(engine)
    now = time.time()
    rows = []
    for sender, ages in {
        "old-1": [200, 120, 100],  # idle 100 days: deleted
        "old-2": [95],  # idle 95 days: deleted
        "ongoing": [300, 150, 10],  # started long ago, active 10 days ago: kept whole
        "recent": [1, 0],  # kept
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
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "TRACKER_DB": str(tmp_path / "tracker.db"),
        "TRACKER_RETENTION_DAYS": "5",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'assistant.db'}",
    }
    run = subprocess.run([sys.executable, "-m", "bot.retention"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "deleted 3 conversation(s), 7 event(s) idle for more than 5 day(s)" in run.stdout
    assert senders(url) == {"recent": 2}


def test_nothing_to_do_on_an_empty_database_and_bad_settings_are_refused(tmp_path, capsys):
    purge = purge_old_conversations(f"sqlite:///{tmp_path / 'empty.db'}", days=90)
    assert (purge.conversations, purge.events) == (0, 0)
    assert main(["--days", "0"]) == 1
    assert "at least 1" in capsys.readouterr().err


def test_one_conversation_is_deleted_on_request(fresh_pg_url, monkeypatch, capsys, tmp_path):
    fill(fresh_pg_url)
    monkeypatch.setenv("TRACKER_STORE_URL", fresh_pg_url)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'assistant.db'}")
    assert main(["--sender", "ongoing"]) == 0
    assert "deleted 3 event(s)" in capsys.readouterr().out
    assert "ongoing" not in senders(fresh_pg_url) and len(senders(fresh_pg_url)) == 3
    assert delete_conversation("nobody", fresh_pg_url) == 0


def fill_service_requests(url: str) -> None:
    """Two hand-overs and two feedbacks, one of each 100 days old, all from sender "old-1" or "recent"."""
    from datetime import datetime, timedelta, timezone

    from procedures_db.db import session_scope
    from procedures_db.service_requests import create_handoff, save_feedback

    long_ago = datetime.now(timezone.utc) - timedelta(days=100)
    with session_scope(url) as session:
        create_handoff(session, "old-1", summary="gọi lại giúp em số 0912345678").created_at = long_ago
        create_handoff(session, "recent", summary="cần hỏi cán bộ")
        save_feedback(session, 2, "chậm quá, số em 0912345678", sender_id="old-1").created_at = long_ago
        save_feedback(session, 5, "tốt", sender_id="recent")


def service_requests(url: str) -> tuple[list, list]:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        handoffs = sorted(connection.execute(sa.text("SELECT sender_id FROM handoff_requests")).scalars())
        feedback = sorted(connection.execute(sa.text("SELECT rating, sender_id, comment FROM feedback")).all())
    engine.dispose()
    return handoffs, [tuple(row) for row in feedback]


def test_old_hand_overs_are_deleted_and_old_feedback_keeps_only_its_rating(tmp_path):
    tracker, catalogue = tmp_path / "tracker.db", f"sqlite:///{tmp_path / 'assistant.db'}"
    fill(f"sqlite:///{tracker}")
    fill_service_requests(catalogue)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TRACKER_DB": str(tracker), "DATABASE_URL": catalogue}
    command = [sys.executable, "-m", "bot.retention", "--days", "90"]
    dry = subprocess.run(command + ["--dry-run"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "would delete 1 hand-over request(s) and the sender ids and comments of 1 feedback(s)" in dry.stdout
    assert service_requests(catalogue)[0] == ["old-1", "recent"]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert service_requests(catalogue) == (["recent"], [(2, None, None), (5, "recent", "tốt")])


def test_a_deletion_request_also_forgets_the_citizens_hand_overs_and_feedback(tmp_path, monkeypatch, capsys):
    tracker, catalogue = tmp_path / "tracker.db", f"sqlite:///{tmp_path / 'assistant.db'}"
    fill(f"sqlite:///{tracker}")
    fill_service_requests(catalogue)
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tracker))
    monkeypatch.setenv("DATABASE_URL", catalogue)
    assert main(["--sender", "recent"]) == 0
    assert (
        "deleted 2 event(s) of the conversation, 1 hand-over request(s); 1 feedback(s) made anonymous"
        in capsys.readouterr().out
    )
    assert service_requests(catalogue) == (["old-1"], [(2, "old-1", "chậm quá, số em 0912345678"), (5, None, None)])


def test_the_staff_queue_rows_live_messages_and_old_audit_entries_follow(tmp_path, monkeypatch, capsys):
    """Old hand-overs take their queue rows and live messages along; feedback's answers go after the limit; the
    audit log stays a year; a deletion request removes the citizen's queue rows and live hand-over at once."""
    from datetime import datetime, timedelta, timezone

    from procedures_db.db import session_scope
    from procedures_db.models import HandoffRequest, HandoverMessage, StaffAuditEntry, StaffCase
    from procedures_db.service_requests import create_handoff, save_feedback

    tracker, catalogue = tmp_path / "tracker.db", f"sqlite:///{tmp_path / 'assistant.db'}"
    fill(f"sqlite:///{tracker}")
    now = datetime.now(timezone.utc)
    with session_scope(catalogue) as session:
        old = create_handoff(session, "old-1", summary="gặp cán bộ")
        old.created_at = now - timedelta(days=100)
        recent = create_handoff(session, "recent", summary="gặp cán bộ")
        feedback = save_feedback(session, 2, "chậm", sender_id="old-1")
        feedback.created_at = now - timedelta(days=100)
        session.flush()
        session.add_all(
            [
                StaffCase(kind="handoff", record_id=old.id, status="answered", answer="Dạ", updated_at=now),
                StaffCase(kind="handoff", record_id=recent.id, status="new", updated_at=now),
                StaffCase(
                    kind="feedback",
                    record_id=feedback.id,
                    status="closed",
                    answer="Dạ",
                    updated_at=now - timedelta(days=95),
                ),
                HandoverMessage(
                    conversation_id="old-1", author="staff", text="Dạ", created_at=now - timedelta(days=100)
                ),
                HandoverMessage(conversation_id="recent", author="staff", text="Dạ", created_at=now),
                StaffAuditEntry(action="login", username="a", at=now - timedelta(days=400)),
                StaffAuditEntry(action="login", username="a", at=now - timedelta(days=100)),
            ]
        )
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tracker))
    monkeypatch.setenv("DATABASE_URL", catalogue)
    assert main(["--days", "90"]) == 0
    out = capsys.readouterr().out
    assert "deleted 1 live hand-over message(s), 2 staff queue row(s) older than 90 day(s)" in out
    assert "1 audit log entries older than 365 day(s)" in out
    with session_scope(catalogue) as session:
        assert [(c.kind, c.record_id) for c in session.scalars(sa.select(StaffCase))] == [("handoff", recent.id)]
        assert session.scalar(sa.select(sa.func.count(StaffAuditEntry.id))) == 1
    assert main(["--sender", "recent"]) == 0
    assert "1 live hand-over message(s) and 1 staff queue row(s) deleted" in capsys.readouterr().out
    with session_scope(catalogue) as session:
        assert session.scalar(sa.select(sa.func.count(StaffCase.id))) == 0
        assert session.scalar(sa.select(sa.func.count(HandoverMessage.id))) == 0
        assert session.scalar(sa.select(sa.func.count(HandoffRequest.id))) == 0
