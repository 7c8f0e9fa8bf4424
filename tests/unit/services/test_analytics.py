"""The province's analytics (services/analytics.py) from a Rasa-shaped events table and the store's rows."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from procedures_db.db import session_scope
from procedures_db.models import DossierLookupLock
from services.analytics import AnalyticsError, parse_range, report, report_csv
from services.service_requests import create_handoff, save_feedback
from tests.tracker_events import write_events

VN = timezone(timedelta(hours=7))
DAY1, DAY2 = date(2026, 12, 1), date(2026, 12, 2)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=VN)


@pytest.fixture
def seeded(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_events(
        tracker,
        [
            ("web:a", "user", at(DAY1, 8), None),
            ("web:a", "user", at(DAY1, 9), None),
            ("web:a", "action", at(DAY1, 9), "action_dossier_status"),
            ("web:a", "action", at(DAY1, 9), "action_listen"),  # not a figure
            ("zalo:1", "user", at(DAY1, 10), None),
            ("zalo:1", "user", at(DAY2, 0), None),  # 00:30 Vietnam time is the next day (17:30 UTC before)
            ("messenger:9", "user", at(DAY2, 23), None),
            ("web:b", "user", at(DAY2 + timedelta(days=1), 8), None),  # after the range
        ],
    )
    with session_scope(sqlite_url) as session:
        handoff = create_handoff(session, "web:a", "socketio", None, "gặp cán bộ")
        handoff.created_at = at(DAY1, 11)
        complaint = create_handoff(session, "zalo:1", "zalo", None, "[complaint] khiếu nại")
        complaint.created_at = at(DAY2, 1)
        for rating, day, channel in ((5, DAY1, "socketio"), (4, DAY1, "zalo"), (1, DAY2, "facebook")):
            save_feedback(session, rating, None, channel=channel).created_at = at(day, 12)
        save_feedback(session, None, "chỉ góp ý").created_at = at(DAY1, 12)
        session.add(
            DossierLookupLock(
                code_digest="x" * 64, failures=0, lockouts=2, last_failure_at=at(DAY2, 14), forget_at=at(DAY2, 23)
            )
        )
    return sqlite_url, tracker


def test_every_figure_per_day_in_vietnam_time(seeded):
    url, tracker = seeded
    with session_scope(url) as session:
        data = report(session, DAY1, DAY2, tracker_url=tracker)
    assert data["days"] == ["2026-12-01", "2026-12-02"]
    assert data["conversations"] == {"web": [1, 0], "zalo": [1, 1], "messenger": [0, 1], "rest": [0, 0]}
    assert data["messages"] == [3, 2] and data["lookups"] == [1, 0]
    assert data["handoffs"] == [1, 0] and data["complaints"] == [0, 1]
    assert data["ratings"]["by_rating"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert data["ratings"]["average"] == [4.5, 1.0] and data["ratings"]["count"] == [2, 1]
    assert data["lockouts"] == [0, 1]
    totals = data["totals"]
    assert totals["conversations"] == 4 and totals["citizens"] == 3
    assert totals["handoff_share"] == 0.5 and totals["share_4_5"] == pytest.approx(0.6667, abs=1e-4)
    assert totals["lockouts_counted"] == 2
    assert set(data["definitions"]) >= {"conversations", "handoffs", "ratings", "lookups", "lockouts"}


def test_one_channel(seeded):
    url, tracker = seeded
    with session_scope(url) as session:
        data = report(session, DAY1, DAY2, channel="zalo", tracker_url=tracker)
    assert data["conversations"]["zalo"] == [1, 1] and data["conversations"]["web"] == [0, 0]
    assert data["messages"] == [1, 1] and data["handoffs"] == [0, 0] and data["complaints"] == [0, 1]
    assert data["ratings"]["by_rating"]["4"] == 1 and data["totals"]["ratings"] == 1
    with pytest.raises(AnalyticsError), session_scope(url) as session:
        report(session, DAY1, DAY2, channel="fax", tracker_url=tracker)


def test_no_conversations_database_yet(tmp_path, sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    with session_scope(sqlite_url) as session:
        data = report(session, DAY1, DAY2, tracker_url=f"sqlite:///{tmp_path / 'missing.db'}")
    assert data["totals"]["conversations"] == 0 and data["totals"]["handoff_share"] is None


def test_the_csv_has_one_row_per_day(seeded):
    url, tracker = seeded
    with session_scope(url) as session:
        text = report_csv(report(session, DAY1, DAY2, tracker_url=tracker))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["day"], r["conversations"], r["average_rating"]) for r in rows] == [
        ("2026-12-01", "2", "4.5"),
        ("2026-12-02", "2", "1.0"),
    ]


def test_date_ranges():
    assert parse_range(None, None, today=DAY2) == (DAY2 - timedelta(days=29), DAY2)
    assert parse_range("2026-12-01", "2026-12-01") == (DAY1, DAY1)
    for start, end in (("2026-12-02", "2026-12-01"), ("2025-01-01", "2026-12-01"), ("1/12/2026", None)):
        with pytest.raises(AnalyticsError):
            parse_range(start, end)
