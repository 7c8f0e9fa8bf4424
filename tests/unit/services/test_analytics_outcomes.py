"""The turns' outcomes (answered, asked back, handed over, unanswered) and the unanswered questions, from conversations
stored by Rasa's own SQLTrackerStore; the unanswered grouped, redacted, and exported as NLU YAML for review."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml
from sqlalchemy.engine import make_url
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from procedures_db.db import session_scope
from tests.unit.procedures_db.test_migrations import empty_database  # noqa: F401
from services.analytics import classify_turn, group_similar, report, unanswered_nlu_yaml

VN = timezone(timedelta(hours=7))
DAY = date(2026, 12, 3)
PHONE = "0912345678"


def _user(text: str, intent: str, at: float) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9}, timestamp=at)


def _action(name: str, at: float) -> ActionExecuted:
    return ActionExecuted(name, timestamp=at)


def conversation(sender: str, start: datetime, turns: list[tuple[str, str, list]]) -> DialogueStateTracker:
    """Each turn: (text, intent, [action name or (slot, value)]) a second apart."""
    events: list = [_action("action_listen", start.timestamp())]
    moment = start.timestamp()
    for text, intent, after in turns:
        moment += 1
        events.append(_user(text, intent, moment))
        for step in after:
            moment += 0.1
            events.append(
                SlotSet(step[0], step[1], timestamp=moment) if isinstance(step, tuple) else _action(step, moment)
            )
        events.append(_action("action_listen", moment + 0.05))
    return DialogueStateTracker.from_events(sender, events)


@pytest.fixture
def stored(tmp_path, sqlite_url, empty_database, monkeypatch):  # noqa: F811 (the tracker on SQLite, then PostgreSQL)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    url = make_url(empty_database)
    if url.get_backend_name() == "sqlite":
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=url.database)
    else:
        store = SQLTrackerStore(
            Domain.empty(), dialect="postgresql", host=url.host, port=url.port, db=url.database, username=url.username
        )
    morning = datetime(DAY.year, DAY.month, DAY.day, 8, tzinfo=VN)
    trackers = [
        conversation(
            "web:a",
            morning,
            [
                (
                    "làm giấy khai sinh cần gì",
                    "ask_documents",
                    ["action_answer_procedure", ("procedure_code", "1.001193")],
                ),
                ("lệ phí bao nhiêu", "ask_fee", ["action_answer_procedure"]),
                ("cho tôi gặp cán bộ", "request_human", ["action_request_human", ("handoff_reference", "YC-1")]),
            ],
        ),
        conversation(
            "zalo:7",
            morning + timedelta(hours=1),
            [
                ("làm thủ tục", "ask_procedure_info", ["action_answer_procedure", ("pending_question", "ask_fee")]),
                (f"cấp phép nuôi chim yến, số tôi {PHONE}", "nlu_fallback", ["action_graded_fallback"]),
                ("cấp phép nuôi chim yến ở xã", "out_of_scope", ["action_out_of_scope"]),
                ("xin phép nuôi chim yến", "nlu_fallback", ["action_graded_fallback", ("suggested_intent", None)]),
                ("thời tiết hôm nay thế nào", "out_of_scope", ["action_out_of_scope"]),
            ],
        ),
        conversation(  # the next day: outside the range
            "web:b",
            morning + timedelta(days=1),
            [("xin phép nuôi chim yến", "nlu_fallback", ["action_default_fallback"])],
        ),
    ]

    async def save() -> None:
        for tracker in trackers:
            await store.save(tracker)

    asyncio.run(save())
    store.engine.dispose()
    return sqlite_url, empty_database


def test_each_turn_has_one_outcome_and_the_unanswered_are_grouped_and_redacted(stored):
    url, tracker = stored
    with session_scope(url) as session:
        data = report(session, DAY, DAY, tracker_url=tracker)
    totals = data["totals"]
    assert (totals["turns"], totals["answered"], totals["asked_back"]) == (8, 2, 1)
    assert (totals["handed_over"], totals["unanswered"]) == (1, 4)
    assert totals["unanswered_share"] == 0.5 and totals["answered_share"] == 0.25
    assert data["outcomes"]["unanswered"] == [4]
    groups = data["unanswered"]
    assert groups[0]["count"] == 3 and "chim yến" in groups[0]["text"]  # the swiftlet nests, three ways
    assert [g["count"] for g in groups] == [3, 1]
    assert PHONE not in str(groups)  # redacted
    assert {"turns", "answered", "asked_back", "handed_over", "unanswered", "unanswered_questions"} <= set(
        data["definitions"]
    )
    with session_scope(url) as session:
        zalo = report(session, DAY, DAY, channel="zalo", tracker_url=tracker)["totals"]
    assert (zalo["turns"], zalo["unanswered"], zalo["answered"]) == (5, 4, 0)


def test_the_unanswered_export_is_rasa_nlu_yaml_for_review(stored):
    url, tracker = stored
    with session_scope(url) as session:
        data = report(session, DAY, DAY, tracker_url=tracker)
    text = unanswered_nlu_yaml(data)
    assert "Never trained automatically" in text
    loaded = yaml.safe_load(text)
    assert loaded["version"] == "3.1"
    first = loaded["nlu"][0]
    assert first["intent"] == "review_unanswered_01"
    examples = [line[2:] for line in first["examples"].splitlines()]
    assert len(examples) == 3 and all("chim yến" in e for e in examples) and PHONE not in text
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    parsed = RasaYAMLReader().reads(text)  # Rasa itself reads it
    assert len(parsed.intent_examples) == 4
    empty = unanswered_nlu_yaml({**data, "unanswered": []})
    assert yaml.safe_load(empty)["nlu"] == []


@pytest.mark.parametrize(
    "intent,actions,slots,outcome",
    [
        ("ask_fee", {"action_answer_procedure"}, {}, "answered"),
        ("request_human", {"action_request_human"}, {}, "handed_over"),
        ("nlu_fallback", {"action_graded_fallback"}, {"handoff_reference": "YC-2"}, "handed_over"),
        ("nlu_fallback", {"action_graded_fallback"}, {"suggested_intent": "ask_fee"}, "asked_back"),
        ("nlu_fallback", {"action_graded_fallback"}, {"procedure_code": "1.001193"}, "answered"),
        ("out_of_scope", {"action_out_of_scope"}, {}, "unanswered"),
        ("out_of_scope", {"action_out_of_scope"}, {"procedure_code": "1.001193"}, "answered"),
        ("greet", {"utter_greet"}, {}, "answered"),
    ],
)
def test_classify_turn(intent, actions, slots, outcome):
    assert classify_turn(intent, actions, slots) == outcome


def test_grouping_is_by_shared_words_accents_ignored():
    groups = group_similar(["đăng ký nuôi chó", "dang ky nuoi cho", "đăng ký nuôi chó mèo", "giá vàng hôm nay"])
    assert [(g["count"], g["text"]) for g in groups] == [(3, "đăng ký nuôi chó"), (1, "giá vàng hôm nay")]
    assert group_similar([]) == []
