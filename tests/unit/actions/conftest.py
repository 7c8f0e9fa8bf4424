"""Tracker fixtures for action unit tests: actions run against a seeded throwaway database."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from procedures_db.db import session_scope
from integrations.seed import seed_demo_dossiers
from integrations.seed import seed_if_empty


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    with session_scope(url) as session:
        seed_if_empty(session)
        seed_demo_dossiers(session)
    return url


def make_tracker(
    intent: str,
    text: str = "",
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    ranking: list[dict] | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    ranking = ranking or [{"name": intent, "confidence": 0.95}]
    latest = {
        "intent": {"name": intent, "confidence": ranking[0]["confidence"]},
        "intent_ranking": ranking,
        "entities": entities or [],
        "text": text,
    }
    return Tracker(
        sender_id="citizen-1",
        slots=slots or {},
        latest_message=latest,
        events=events or [{"event": "user", "text": text, "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def slot_events(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
