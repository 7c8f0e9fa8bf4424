"""Sync client against a local fake one-stop server: retries, back-off, pagination, bad records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from sqlalchemy import func, select

from tests.dossier_helpers import TEST_KEY, FakeOneStop, sqlite_url_in, valid_payload
from procedures_db.__main__ import main as cli
from procedures_db.db import session_scope
from procedures_db.dossiers import get_dossier
from procedures_db.models import Dossier
from integrations.one_stop_sync import DossierSyncClient, SyncError, SyncState, parse_retry_after


def code(sequence: int) -> str:
    return f"000.00.12.H48-251105-{sequence:04d}"


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    url = sqlite_url_in(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    monkeypatch.setenv("DOSSIER_SYNC_STATE_FILE", str(tmp_path / "sync_state.json"))
    return url


@pytest.fixture
def one_stop():
    fake = FakeOneStop()
    with fake.running():
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(one_stop, db_url, sleeps):
    """A client that records its back-off delays instead of sleeping."""
    client = DossierSyncClient(
        one_stop.url, token="sync-token", timeout=5, max_retries=4, backoff=0.5, sleep=sleeps.append
    )
    yield client
    client.close()


def dossier_count(db_url) -> int:
    with session_scope(db_url) as session:
        return session.scalar(select(func.count(Dossier.id)))


def sync(client, db_url):
    with session_scope(db_url) as session:
        return client.sync_once(session)


def test_failures_are_retried_with_back_off_then_the_sync_recovers(client, one_stop, db_url, sleeps):
    one_stop.failures = [500, "drop", ("retry-after", 429, "3"), 503]
    one_stop.pages = {None: ([valid_payload(code=code(1))], None)}

    summary = sync(client, db_url)

    assert summary.created == 1 and not summary.rejected
    assert sleeps == [0.5, 1.0, 3.0, 4.0]  # exponential, except where Retry-After says otherwise
    assert len(one_stop.requests) == 5
    assert dossier_count(db_url) == 1


def test_gives_up_after_max_retries_without_moving_the_watermark(client, one_stop, db_url, sleeps, tmp_path):
    one_stop.failures = [502] * 5
    with pytest.raises(SyncError, match="gave up after 5 attempts"):
        sync(client, db_url)
    assert len(sleeps) == 4
    assert not (tmp_path / "sync_state.json").exists()

    one_stop.pages = {None: ([valid_payload(code=code(1))], None)}
    assert sync(client, db_url).created == 1


def test_client_errors_are_not_retried(client, one_stop, db_url, sleeps):
    one_stop.failures = [401]
    with pytest.raises(SyncError, match="401"):
        sync(client, db_url)
    assert sleeps == []


def test_a_reply_that_is_not_json_fails_the_sync(client, one_stop, db_url):
    one_stop.raw_reply = b"<html>maintenance</html>"
    with pytest.raises(SyncError, match="not JSON"):
        sync(client, db_url)


def test_follows_pagination_and_skips_bad_records(client, one_stop, db_url):
    first = [valid_payload(code=code(1)), "not an object", valid_payload(code=code(2))]
    second = [valid_payload(code=code(3), status="finished"), {"code": code(4)}]
    third = [valid_payload(code=code(5), status="processing"), valid_payload(code=code(1), status="processing")]
    # A bare cursor first, then an absolute "next" link: both forms are followed.
    one_stop.pages = {None: (first, "c2"), "c2": (second, f"{one_stop.url}/dossiers?cursor=c3"), "c3": (third, None)}

    summary = sync(client, db_url)

    assert summary.pages == 3
    assert (summary.created, summary.updated, summary.unchanged) == (3, 1, 0)
    assert [(r.where, r.code) for r in summary.rejected] == [
        ("page 1 record 2", None),
        ("page 2 record 1", code(3)),
        ("page 2 record 2", code(4)),
    ]
    assert "status" in str(summary.rejected[1])
    assert [q.get("cursor") for q in one_stop.requests] == [None, ["c2"], ["c3"]]
    with session_scope(db_url) as session:
        assert [e.status for e in get_dossier(session, code(1)).history] == ["received", "processing"]
        assert get_dossier(session, code(4)) is None


def test_remembers_the_last_successful_sync(client, one_stop, db_url, tmp_path):
    one_stop.pages = {None: ([valid_payload(code=code(1))], None)}
    before = datetime.now(timezone.utc)
    first = sync(client, db_url)
    assert first.since is None
    assert "updated_since" not in one_stop.requests[0]

    second = sync(client, db_url)
    since = datetime.fromisoformat(one_stop.requests[1]["updated_since"][0])
    assert second.since == since.isoformat()
    # Starts a little before the first sync did, to cover clock skew; never after it.
    assert before - timedelta(minutes=10) < since <= before
    assert (second.created, second.unchanged) == (0, 1)

    state = json.loads((tmp_path / "sync_state.json").read_text())
    assert list(state) == [one_stop.url]


def test_sends_the_bearer_token(one_stop, db_url):
    seen = []
    client = DossierSyncClient(one_stop.url, token="sync-token", sleep=seen.append)
    client.http.hooks["response"].append(lambda reply, **_: seen.append(reply.request.headers["Authorization"]))
    sync(client, db_url)
    assert seen == ["Bearer sync-token"]


def test_corrupt_state_file_means_a_full_sync(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{half written", encoding="utf-8")
    assert SyncState(path).last_sync("http://one-stop") is None


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    in_a_minute = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60), usegmt=True)
    assert 55 <= parse_retry_after(in_a_minute) <= 60


def test_sync_dossiers_cli(one_stop, db_url, monkeypatch, capsys):
    monkeypatch.setenv("ONE_STOP_SYNC_URL", one_stop.url)
    one_stop.pages = {None: ([valid_payload(code=code(1)), {"code": "junk"}], None)}

    assert cli(["sync-dossiers", "--once"]) == 0
    assert "1 created" in capsys.readouterr().out and dossier_count(db_url) == 1

    one_stop.failures = [404]
    assert cli(["sync-dossiers"]) == 1

    monkeypatch.delenv("ONE_STOP_SYNC_URL")
    assert cli(["sync-dossiers"]) == 2
