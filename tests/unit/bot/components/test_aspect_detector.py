"""The aspect detector: every question of a message with its span, the procedures of each clause, routing."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.aspect_detector import ASPECTS, PROCEDURE_REFS, AspectDetector, routed_intent
from integrations.seed import seed_if_empty
from procedures_db.db import session_scope


@pytest.fixture
def detector(tmp_path) -> AspectDetector:
    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    with session_scope(url) as session:
        seed_if_empty(session)
    return AspectDetector({**AspectDetector.get_default_config(), "database_url": url})


def parsed(detector: AspectDetector, text: str, intent: str, confidence: float) -> Message:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "greet", "confidence": 1 - confidence}]
    message = Message({TEXT: text, INTENT: ranking[0], INTENT_RANKING_KEY: ranking})
    detector.process([message])
    return message


def test_several_questions_and_procedures_with_their_spans(detector):
    text = "khai sinh cần gì, còn kết hôn bao nhiêu tiền"
    message = parsed(detector, text, "ask_documents", 0.9)
    aspects = [(e["value"], text[e["start"] : e["end"]]) for e in message.get(ASPECTS)]
    assert aspects == [("documents", "cần gì"), ("fee", "bao nhiêu tiền")]
    assert [(e["value"], text[e["start"] : e["end"]]) for e in message.get(PROCEDURE_REFS)] == [
        ("1.001193", "khai sinh"),
        ("1.000894", "kết hôn"),
    ]
    # Whole, so that the procedure answer need not search the catalogue again.
    first = message.get(PROCEDURE_REFS)[0]
    assert first["name"] == "Đăng ký khai sinh" and first["clause"] == [0, 16] and first["candidates"] == []
    assert message.get(INTENT)["name"] == "ask_documents"  # an answer intent is kept
    # Not entities: the domain's entities, and the stories that list them, are left as they are.
    assert not message.get(ENTITIES)
    assert ASPECTS in message.as_dict(only_output_properties=True)


def test_the_item_of_do_i_need_is_carried(detector):
    message = parsed(detector, "có cần sổ hộ khẩu không", "ask_documents", 0.9)
    assert [e.get("item") for e in message.get(ASPECTS)] == ["sổ hộ khẩu"]


def test_a_legal_basis_question_is_not_out_of_scope(detector):
    message = parsed(detector, "căn cứ pháp lý", "out_of_scope", 0.7)
    assert message.get(INTENT) == {"name": "ask_procedure_info", "confidence": 0.8}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "ask_procedure_info"


def test_out_of_scope_stays_without_a_procedure_question(detector):
    message = parsed(detector, "giá vàng hôm nay bao nhiêu", "out_of_scope", 0.9)
    assert message.get(INTENT)["name"] == "out_of_scope"


@pytest.mark.parametrize(
    "intent, confidence, aspects, procedures, expected",
    [
        ("ask_fee", 0.9, ["documents", "fee"], 1, None),  # any answer intent reaches the whole answer
        ("ask_fee", 0.3, ["documents", "fee"], 1, "ask_fee"),  # too unsure to pass the fallback
        ("ask_fee", 0.3, ["fee"], 0, None),
        ("out_of_scope", 0.6, ["legal_basis"], 0, "ask_procedure_info"),
        ("out_of_scope", 0.6, ["time", "fee"], 1, "ask_processing_time"),
        ("out_of_scope", 0.6, ["time"], 0, None),
        ("greet", 0.9, ["legal_basis"], 0, None),
        ("check_dossier_status", 0.9, ["documents"], 0, None),
    ],
)
def test_routing(intent, confidence, aspects, procedures, expected):
    assert routed_intent(intent, confidence, aspects, procedures) == expected


def test_a_button_payload_is_left_alone(detector):
    message = parsed(detector, '/ask_fee{"procedure": "1.001193"}', "ask_fee", 1.0)
    assert message.get(ASPECTS) is None


@pytest.mark.parametrize(
    "intent, confidence, aspects, expected",
    [
        ("deny", 0.45, ["need"], "ask_procedure_info"),  # "có cần đưa bé đi không"
        ("ask_support_point", 0.41, ["decision"], "ask_procedure_info"),  # "quyết định công bố số mấy"
        ("deny", 0.95, ["need"], None),
        ("deny", 0.5, ["time"], None),
    ],
)
def test_a_sure_question_about_a_procedure_is_not_a_no_or_a_support_point(intent, confidence, aspects, expected):
    assert routed_intent(intent, confidence, aspects, 0) == expected


def test_several_questions_too_close_to_call_for_the_fallback_keep_their_first_intent():
    assert routed_intent("ask_fee", 0.45, ["fee", "steps", "where"], 0, margin=0.05) == "ask_fee"
    assert routed_intent("ask_fee", 0.45, ["fee"], 0, margin=0.05) is None


@pytest.mark.parametrize(
    "intent, confidence, margin, named, expected",
    [
        ("greet", 0.3, 1.0, True, "ask_procedure_info"),  # "Đăng ký hộ kinh doanh để mở tiệm tạp hóa"
        ("inform", 0.3, 1.0, True, "inform"),  # a bare procedure name: answered as such
        ("ask_documents", 0.35, 1.0, True, "ask_documents"),  # the classifier's own question, made to pass
        ("out_of_scope", 0.5, 0.05, True, "ask_procedure_info"),  # too close to call: the fallback's doubt
        ("check_dossier_status", 0.38, 1.0, True, None),  # another request: left to the fallback
        ("give_feedback", 0.3, 1.0, True, None),
        ("inform", 0.3, 1.0, False, None),  # no procedure named well enough
        ("out_of_scope", 0.9, 1.0, True, None),  # the classifier is sure
    ],
)
def test_an_unplaced_message_naming_one_procedure_asks_about_it(intent, confidence, margin, named, expected):
    assert routed_intent(intent, confidence, [], 0, margin, named) == expected


@pytest.mark.parametrize(
    "score, ranking, expected",
    [
        (0.85, [("inform", 0.38), ("ask_procedure_info", 0.35), ("greet", 0.2)], "inform"),  # named clearly
        # Linked fairly, the answer intents holding most of the belief: still the fallback's yes/no question.
        (0.7, [("inform", 0.38), ("ask_procedure_info", 0.35), ("greet", 0.2)], None),
        (0.7, [("inform", 0.35), ("greet", 0.32), ("ask_procedure_info", 0.2)], None),
    ],
)
def test_only_a_procedure_named_clearly_routes_an_unplaced_message(score, ranking, expected):
    entity = {"entity": "procedure", "value": "1.001193", "start": 0, "end": 9, "confidence_entity": score}
    intents = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(
        {TEXT: "khai sinh cho con tôi", INTENT: intents[0], INTENT_RANKING_KEY: intents, ENTITIES: [entity]}
    )
    AspectDetector._route(message, [])
    routed = message.get(INTENT)["name"]
    assert (routed if message.get(INTENT)["confidence"] >= 0.8 else None) == expected


def linked(detector: AspectDetector, text: str, entity: dict) -> Message:
    ranking = [{"name": "inform", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}]
    message = Message({TEXT: text, INTENT: ranking[0], INTENT_RANKING_KEY: ranking, ENTITIES: [entity]})
    detector.process([message])
    return message


def test_a_procedure_the_linker_answers_well_routes_the_unplaced_message(detector):
    entity = {"entity": "procedure", "value": "1.001612", "confidence_entity": 0.84}
    message = linked(detector, "Đăng ký hộ kinh doanh để mở tiệm tạp hóa", entity)
    assert message.get(INTENT) == {"name": "inform", "confidence": 0.8}  # then the rule answers the procedure


@pytest.mark.parametrize(
    "entity",
    [
        {"entity": "procedure", "value": "1.001612", "confidence_entity": 0.55},
        {"entity": "procedure", "value": "1.001612", "confidence_entity": 0.9, "candidates": [{"code": "1.001612"}]},
    ],
)
def test_a_weak_link_or_a_choice_leaves_the_message_to_the_fallback(detector, entity):
    message = linked(detector, "Đăng ký hộ kinh doanh để mở tiệm tạp hóa", entity)
    assert message.get(INTENT)["name"] == "inform"


def test_a_question_about_the_procedure_only_the_linker_found_is_routed(detector):
    # Too many words of the citizen's case for the clause search; the linker names the procedure.
    text = "ong toi 76 tuoi, nha ho ngheo, song o xa mien nui, co duoc tro cap nguoi cao tuoi khong"
    start = text.index("tro cap")
    linked = {"entity": "procedure", "value": "DP-BTXH-01", "start": start, "end": start + 23}
    linked["confidence_entity"] = 0.72
    ranking = [{"name": "ask_documents", "confidence": 0.3}, {"name": "greet", "confidence": 0.25}]
    message = Message({TEXT: text, INTENT: ranking[0], INTENT_RANKING_KEY: ranking, ENTITIES: [linked]})
    detector.process([message])
    assert message.get(INTENT)["name"] == "ask_documents" and message.get(INTENT)["confidence"] >= 0.8


@pytest.mark.parametrize(
    "intent,confidence,aspects,requests_procedure,expected",
    [
        ("goodbye", 0.42, ["where"], True, "ask_where_to_submit"),  # "xin giấy phép bán thuốc lá ở đâu vậy ad"
        ("greet", 0.6, ["eligibility"], True, "ask_procedure_info"),
        ("goodbye", 0.42, ["where"], False, None),  # "thôi chào nhé, đi đâu đây": no procedure asked for
        ("goodbye", 0.95, ["where"], True, None),  # the classifier is sure
        ("thank", 0.5, [], True, None),  # no question asked
        ("ask_support_point", 0.51, ["documents"], True, "ask_documents"),  # "cấp thẻ hướng dẫn viên cần hồ sơ gì"
        ("ask_support_point", 0.6, ["where"], True, None),  # "điểm hỗ trợ nộp hồ sơ ở đâu": where to go
    ],
)
def test_a_procedure_request_read_as_small_talk_is_routed_to_its_question(
    intent, confidence, aspects, requests_procedure, expected
):
    assert routed_intent(intent, confidence, aspects, 0, requests_procedure=requests_procedure) == expected


def test_a_procedure_request_read_as_goodbye_is_answered_as_a_question(detector):
    message = parsed(detector, "xin giấy phép bán thuốc lá ở đâu vậy ad", "goodbye", 0.42)
    assert message.get(INTENT)["name"] == "ask_where_to_submit"
    assert parsed(detector, "cảm ơn ad, chào nhé", "goodbye", 0.42).get(INTENT)["name"] == "goodbye"
