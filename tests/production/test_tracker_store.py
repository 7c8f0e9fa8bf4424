"""The redacting SQL tracker store (bot/tracker_store.py) on a real PostgreSQL and on SQLite."""
from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import OperationalError

from bot.tracker_store import RedactingTrackerStore, tracker_store_url, watch_store_errors
from scripts.stack import ROOT

CODE = "000.00.12.H48-251103-0021"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def conversation(sender: str, domain: Domain) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, domain.slots)
    for event in [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        UserUttered("xin chào, tên tôi là Nguyễn Văn An, sđt 0912345678",
                    {"name": "greet", "confidence": 0.9}, [], metadata={"note": "cccd 079095001234"}),
        BotUttered("Dạ, xin chào anh/chị!"),
        ActionExecuted("action_listen"),
        UserUttered(f"tra cứu hồ sơ {CODE}", {"name": "check_dossier_status", "confidence": 0.99},
                    [{"entity": "dossier_code", "value": CODE, "start": 14, "end": 39}]),
        SlotSet("dossier_code", CODE),
        SlotSet("requested_slot", "phone_last4"),
        BotUttered("Dạ, cho em xin 4 số cuối của số điện thoại ạ."),
        ActionExecuted("action_listen"),
        UserUttered("4321", {"name": "inform", "confidence": 0.9}),
        SlotSet("phone_last4", "4321"),
        SlotSet("requested_slot", None),
        BotUttered(f"Dạ, hồ sơ {CODE} (Đăng ký thường trú): đang xử lý."),
        SlotSet("phone_last4", None),
        SlotSet("feedback_comment", "cán bộ gọi cho tôi số 0987654321"),
    ]:
        tracker.update(event)
    return tracker


def stored_rows(url: str, sender: str) -> list:
    engine = sa.create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                                  {"s": sender}).all()
    engine.dispose()
    return rows


def test_postgres_stores_redacted_events_and_the_dialogue_keeps_what_it_needs(fresh_pg_url, domain):
    store = RedactingTrackerStore(domain=domain, url=fresh_pg_url)
    tracker = conversation("citizen-1", domain)
    asyncio.run(store.save(tracker))

    rows = stored_rows(fresh_pg_url, "citizen-1")
    assert [r.type_name for r in rows] == [e.type_name for e in tracker.events]  # nothing lost, same order
    raw = "\n".join(r.data for r in rows)
    decoded = json.dumps([json.loads(r.data) for r in rows], ensure_ascii=False)
    for secret in ("Nguyễn Văn An", "0912345678", "079095001234", "4321", "0987654321"):
        assert secret not in decoded, secret
    for placeholder in ("[HỌ TÊN]", "[SĐT]", "[CCCD]", "[MÃ HỒ SƠ]", "[4 SỐ CUỐI]"):
        assert placeholder in decoded, placeholder
    # The dossier code is kept only in the slot the next turn needs (the action clears it).
    assert decoded.count(CODE) == 1 and '"name": "dossier_code", "value": "000.00.12.H48' in raw

    reloaded = asyncio.run(store.retrieve("citizen-1"))
    assert reloaded.get_slot("dossier_code") == CODE
    assert reloaded.get_slot("phone_last4") is None
    assert reloaded.latest_message.text == "[4 SỐ CUỐI]"
    # The live tracker was not touched.
    assert tracker.latest_message.text == "4321"


def test_a_second_save_appends_only_the_new_events(fresh_pg_url, domain):
    store = RedactingTrackerStore(domain=domain, url=fresh_pg_url)
    asyncio.run(store.save(conversation("citizen-2", domain)))
    before = len(stored_rows(fresh_pg_url, "citizen-2"))
    tracker = asyncio.run(store.retrieve("citizen-2"))  # as Rasa does on the next turn
    tracker.update(UserUttered("cảm ơn, số của tôi 0912 345 678", {"name": "thank", "confidence": 0.9}))
    asyncio.run(store.save(tracker))
    rows = stored_rows(fresh_pg_url, "citizen-2")
    assert len(rows) == before + 1
    assert json.loads(rows[-1].data)["text"] == "cảm ơn, số của tôi [SĐT]"


def test_database_errors_are_raised_and_reported_to_the_channel(fresh_pg_url, domain):
    store = RedactingTrackerStore(domain=domain, url=fresh_pg_url)
    store.engine = sa.create_engine("postgresql://postgres@127.0.0.1:1/none")  # the database is gone

    async def turn():
        with watch_store_errors() as errors:
            with pytest.raises(OperationalError):
                await store.retrieve("citizen-3")
        return errors

    errors = asyncio.run(turn())
    assert len(errors) == 1 and isinstance(errors[0], OperationalError)


def test_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "sub" / "tracker.db"))
    assert tracker_store_url() == f"sqlite:///{tmp_path / 'sub' / 'tracker.db'}"
    assert (tmp_path / "sub").is_dir()
    monkeypatch.setenv("TRACKER_STORE_URL", "postgres://u:p@db:5432/rasa")
    assert tracker_store_url() == "postgresql://u:p@db:5432/rasa"


def test_sqlite_by_default(monkeypatch, tmp_path, domain):
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "tracker.db"))
    store = RedactingTrackerStore(domain=domain)
    asyncio.run(store.save(conversation("citizen-4", domain)))
    rows = stored_rows(f"sqlite:///{tmp_path / 'tracker.db'}", "citizen-4")
    assert rows and "0912345678" not in "".join(r.data for r in rows)
    with store.engine.connect() as connection:  # several Rasa processes can share the file
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
