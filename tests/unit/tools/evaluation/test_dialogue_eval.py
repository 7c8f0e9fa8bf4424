"""The dialogue evaluation's scoring (tools/evaluation/dialogue_eval.py): the NLU's multi-label aspects in the
set's names, per-aspect precision/recall/F1 from reply text and from the NLU, and one conversation played through
the running stack (REST channel and /model/parse)."""

from __future__ import annotations

from tools.evaluation import dialogue_eval
from tools.evaluation.dialogue_eval import Catalogue, Report, Store, Turn, nlu_aspects

COMPOUND = {
    "id": "t1",
    "style": "accented",
    "points": ["compound_aspects"],
    "turns": [
        {
            "user": "Làm giấy khai sinh cần giấy tờ gì và mất bao lâu?",
            "checks": [{"type": "answers_aspects", "aspects": ["documents", "processing_time"], "in_order": True}],
        }
    ],
}


def turn(text: str, detected: list[str] | None) -> Turn:
    return Turn(user="…", text=text, buttons=[], ratings_added=0, complaints_added=0, seconds=0.1, nlu_aspects=detected)


def test_detected_aspects_take_the_sets_names_in_order_and_the_intent_only_when_none_is_found():
    parse = {
        "intent": {"name": "ask_documents"},
        "aspects": [{"value": "time"}, {"value": "need"}, {"value": "documents"}, {"value": "decision"}],
    }
    assert nlu_aspects(parse) == ["processing_time", "documents"]  # "need" is a documents question, once
    assert nlu_aspects({"intent": {"name": "ask_fee"}, "aspects": []}) == ["fee"]
    assert nlu_aspects({"intent": {"name": "ask_procedure_info"}}) == ["info"]
    assert nlu_aspects({"intent": {"name": "greet"}, "aspects": []}) == []


def test_nlu_figures_count_each_aspect_and_whole_messages_in_order():
    report = Report()
    catalogue = Catalogue([("1.001193", "Đăng ký khai sinh")])
    report.add(COMPOUND, [turn("Giấy tờ: tờ khai. Thời hạn: trong ngày.", ["documents", "processing_time"])], catalogue)
    report.add(COMPOUND, [turn("Giấy tờ: tờ khai.", ["processing_time", "documents", "fee"])], catalogue)
    figures = report.figures()
    nlu = figures["nlu_aspects"]
    assert nlu["documents"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}
    assert "fee" not in nlu  # never asked: no score of its own, but a false positive of that message
    assert figures["nlu_aspects_exact"] == {"messages": 1, "total": 2}  # the second: an extra aspect, wrong order
    assert figures["aspects"]["processing_time"]["recall"] == 0.5  # the reply text of the second lacks the time
    lines: list[str] = []
    dialogue_eval.print_figures(figures, "test", lines.append)
    assert any("every aspect found, none extra" in line and "1/2" in line for line in lines)


def test_turns_without_a_parse_leave_the_nlu_figures_out():
    report = Report()
    report.add(COMPOUND, [turn("Giấy tờ: tờ khai. Thời hạn: trong ngày.", None)], Catalogue([]))
    figures = report.figures()
    assert figures["nlu_aspects"] == {} and figures["nlu_aspects_exact"]["total"] == 0
    lines: list[str] = []
    dialogue_eval.print_figures(figures, "test", lines.append)
    assert not any("NLU's multi-label" in line for line in lines)


def test_a_compound_question_played_through_the_stack_is_parsed_for_its_aspects(running_stack):
    url = f"{running_stack.rasa}/webhooks/rest/webhook"
    parse_url = f"{running_stack.rasa}/model/parse?token={running_stack.rasa_token}"
    report = dialogue_eval.run([COMPOUND], url, Store(running_stack.env["DATABASE_URL"]), 1, parse_url)
    figures = report.figures()
    assert figures["nlu_aspects_exact"]["total"] == 1
    assert figures["nlu_aspects"]["documents"]["recall"] == 1.0
    assert figures["nlu_aspects"]["processing_time"]["recall"] == 1.0


def test_a_fact_the_loaded_record_does_not_hold_is_counted_apart_from_answer_defects():
    about = {"type": "not_other_procedure", "code": "1.001456", "name": "Cấp hộ chiếu"}
    conversation = {
        "id": "t2",
        "style": "accented",
        "points": ["fee"],
        "turns": [
            {
                "user": "Làm hộ chiếu bao nhiêu tiền?",
                "checks": [about, {"type": "contains_any", "values": ["200.000", "200000"]}],
            },
            {"user": "Mất bao lâu?", "checks": [about, {"type": "contains_any", "values": ["8 ngày"]}]},
        ],
    }
    catalogue = Catalogue(
        [("1.001456", "Cấp hộ chiếu")],
        loaded={"1.001456": dialogue_eval.fold("trực tuyến: 160.000 đồng; 8 ngày làm việc")},
        seed={"1.001456": dialogue_eval.fold("lệ phí 200.000 đồng; 8 ngày làm việc")},
    )
    report = Report()
    # The loaded page says 160.000 (no reply could say the seed's 200.000): counted apart, conversation excused.
    report.add(conversation, [turn("Phí: 160.000 đồng", None), turn("Thời hạn: 8 ngày làm việc", None)], catalogue)
    # The loaded page holds "8 ngày" but the reply does not say it: an answer defect, not excused.
    report.add(conversation, [turn("Phí: 160.000 đồng", None), turn("Dạ, em chưa rõ.", None)], catalogue)
    figures = report.figures()
    assert figures["fully_served"] == 0
    assert figures["record_lacks"] == 2 and figures["served_but_record"] == 1
