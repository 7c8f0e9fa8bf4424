"""Graded fallback, dossier form validation, feedback and hand-over actions with tracker fixtures."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.settings import current as settings  # the hotline citizens are given (SUPPORT_HOTLINE)
from actions.dossier_status import ActionDossierStatus, ValidateDossierForm, extract_last4
from actions.fallback import ActionGradedFallback, ActionResolveConfirmation
from actions.feedback import ActionSaveFeedback, parse_rating
from actions.service import ActionRequestHuman, ActionSupportPoint
from procedures_db.__main__ import main as cli
from procedures_db.db import session_scope
from procedures_db.service_requests import feedback_summary, list_handoffs
from tests.unit.actions.conftest import make_tracker, slot_events

DOSSIER = "000.00.12.H48-251103-0021"


def ranking(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_fallback_with_one_likely_intent_asks_yes_or_no(dispatcher):
    tracker = make_tracker(
        "nlu_fallback",
        "cai do the nao",  # words that ask nothing of their own
        ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.5), ("ask_online", 0.2)),
        slots={"procedure_code": "1.004222"},
    )
    events = ActionGradedFallback().run(dispatcher, tracker, {})
    assert "Lệ phí" in dispatcher.messages[0]["text"]
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]
    assert slot_events(events)["suggested_intent"] == "ask_fee"


def test_a_doubted_message_whose_words_ask_of_the_procedure_in_context_is_answered(database, dispatcher):
    # "Còn lệ phí thì sao, bé mới được 10 ngày" after a birth registration: no "did you mean the fee?" first.
    tracker = make_tracker(
        "nlu_fallback",
        "Còn lệ phí thì sao, bé mới được 10 ngày.",
        ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.35), ("ask_processing_time", 0.3)),
        slots={"procedure_code": "1.001193"},
    )
    events = ActionGradedFallback().run(dispatcher, tracker, {})
    assert (
        dispatcher.messages[0]["text"].startswith("Dạ, phí, lệ phí của thủ tục")
        and "1.001193" in (dispatcher.messages[0]["text"])
    )
    assert slot_events(events)["suggested_intent"] is None


def test_a_doubted_question_about_a_procedure_it_names_is_answered_without_context(database, dispatcher):
    # No procedure in context: the message names one and asks, in its words, whether a consent is needed.
    text = "con tôi 15 tuổi, đăng ký tạm trú có cần bố mẹ đồng ý không"
    mention = {"entity": "procedure", "value": "1.004194", "start": 16, "end": 28, "confidence_entity": 0.7}
    tracker = make_tracker(
        "nlu_fallback", text, [mention], ranking=ranking(("nlu_fallback", 0.4), ("ask_procedure_info", 0.35))
    )
    events = slot_events(ActionGradedFallback().run(dispatcher, tracker, {}))
    reply = dispatcher.messages[0]["text"]
    assert "mã 1.004194" in reply and "đồng ý của cha, mẹ" in reply
    assert events["procedure_code"] == "1.004194" and events["suggested_intent"] is None


def test_a_message_no_intent_stands_out_for_is_answered_about_the_procedure_it_names_surely(database, dispatcher):
    text = "đẻ ở nhà không có giấy chứng sinh, giờ làm giấy khai sinh ra sao"
    mention = {"entity": "procedure", "value": "1.001193", "start": 40, "end": 54, "confidence_entity": 0.75}
    tracker = make_tracker("nlu_fallback", text, [mention], ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.1)))
    events = slot_events(ActionGradedFallback().run(dispatcher, tracker, {}))
    reply = dispatcher.messages[0]["text"]
    assert "mã 1.001193" in reply and "người làm chứng" in reply
    assert events["procedure_code"] == "1.001193"
    # Named unsurely beside another procedure in context: the menu, no switch.
    dispatcher.messages.clear()
    tracker = make_tracker(
        "nlu_fallback",
        text,
        [mention],
        ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.1)),
        slots={"procedure_code": "1.000894"},
    )
    events = slot_events(ActionGradedFallback().run(dispatcher, tracker, {}))
    assert "procedure_code" not in events and "mã 1.001193" not in (dispatcher.messages[0].get("text") or "")


def test_fallback_keeps_the_procedure_in_context_unless_another_is_named_surely(dispatcher):
    def suggested(confidence):
        dispatcher.messages.clear()
        mention = {"entity": "procedure", "value": "1.000894", "procedure_name": "Đăng ký kết hôn"}
        mention["confidence_entity"] = confidence
        tracker = make_tracker(
            "nlu_fallback",
            "sao phai dang ky ket hon truoc",
            [mention],
            ranking=ranking(("nlu_fallback", 0.4), ("ask_steps", 0.5)),
            slots={"procedure_code": "1.001193"},
        )
        events = slot_events(ActionGradedFallback().run(dispatcher, tracker, {}))
        return dispatcher.messages[0]["text"], events.get("procedure_code")

    text, code = suggested(0.6)  # a word of the follow-up: the birth registration stays
    assert "Đăng ký kết hôn" not in text and code is None
    text, code = suggested(0.95)
    assert "Đăng ký kết hôn" in text and code == "1.000894"


def test_fallback_answers_a_question_of_a_linked_procedure_whose_name_sounds_like_a_wish_for_staff(
    database, dispatcher
):
    # "hỗ trợ" in the benefit's name is read as a wish for staff; the words ask whether the citizen may have it.
    text = "mẹ tôi thuộc hộ cận nghèo vừa mất, gia đình có được nhận hỗ trợ chi phí mai táng không"
    start = text.index("hỗ trợ chi phí")
    mention = {"entity": "procedure", "value": "DP-BTXH-02", "start": start, "end": start + 22}
    mention.update(procedure_name="Hỗ trợ chi phí mai táng", confidence_entity=0.95)
    tracker = make_tracker(
        "nlu_fallback", text, [mention], ranking=ranking(("nlu_fallback", 0.4), ("request_human", 0.45))
    )
    ActionGradedFallback().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0].get("text") or ""
    assert "Gặp cán bộ" not in reply and "Đối tượng thực hiện" in reply and "Hỗ trợ chi phí mai táng" in reply


def test_fallback_about_a_question_without_any_procedure_asks_which_procedure(dispatcher):
    tracker = make_tracker(
        "nlu_fallback", "phi the nao", ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.5), ("ask_online", 0.2))
    )
    events = ActionGradedFallback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_ask_which_procedure"
    assert slot_events(events)["pending_question"] == "ask_fee"


@pytest.mark.parametrize(
    "text,pending",
    [
        ("Ông tôi là thương binh, làm hồ sơ hưởng chế độ người có công thế nào?", "ask_procedure_info"),
        ("xin giay phep ban thuoc la o dau", "ask_where_to_submit"),
    ],
)
def test_fallback_about_an_unlinked_procedure_asks_which_one_not_for_staff(dispatcher, text, pending):
    tracker = make_tracker("nlu_fallback", text, ranking=ranking(("nlu_fallback", 0.4), ("request_human", 0.3)))
    events = ActionGradedFallback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_ask_which_procedure"  # it also says where to ask
    assert slot_events(events)["pending_question"] == pending
    dispatcher.messages.clear()
    tracker = make_tracker(
        "nlu_fallback", "cho tôi gặp cán bộ", ranking=ranking(("nlu_fallback", 0.4), ("request_human", 0.5))
    )
    ActionGradedFallback().run(dispatcher, tracker, {})
    assert "Gặp cán bộ" in dispatcher.messages[0]["text"]  # no procedure asked for: the yes/no stays


def test_fallback_with_several_candidates_offers_them(dispatcher):
    tracker = make_tracker(
        "nlu_fallback",
        "cai do",
        ranking=ranking(("nlu_fallback", 0.4), ("ask_fee", 0.3), ("ask_steps", 0.28), ("ask_online", 0.25)),
        slots={"procedure_code": "1.004222"},
    )
    ActionGradedFallback().run(dispatcher, tracker, {})
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/ask_fee", "/ask_steps", "/ask_online"]


def test_fallback_without_any_candidate_says_what_it_can_do(dispatcher):
    tracker = make_tracker("nlu_fallback", "xyz", ranking=ranking(("nlu_fallback", 0.4), ("greet", 0.1)))
    ActionGradedFallback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_capabilities"


def test_fallback_asking_for_a_procedure_it_cannot_place_says_the_catalogue_lacks_it(dispatcher):
    text = "Tôi mới tốt nghiệp bác sĩ, xin giấy phép hành nghề khám bệnh, chữa bệnh thì nộp hồ sơ ở đâu?"
    tracker = make_tracker("nlu_fallback", text, ranking=ranking(("nlu_fallback", 0.4), ("greet", 0.1)))
    ActionGradedFallback().run(dispatcher, tracker, {})
    assert "chưa có trong cơ sở dữ liệu" in dispatcher.messages[0]["text"]


def test_affirm_answers_the_suggestion_in_the_same_turn_and_deny_shows_the_menu(database, dispatcher):
    # Answered by the confirmation itself: a FollowupAction left the turn without a rule, and Rasa's
    # core fallback then added "em chưa xử lý được yêu cầu này" after the right answer.
    tracker = make_tracker("affirm", "ừ", slots={"suggested_intent": "ask_fee", "procedure_code": "1.004222"})
    events = ActionResolveConfirmation().run(dispatcher, tracker, {})
    assert not any(e["event"] == "followup" for e in events)
    text = dispatcher.messages[0]["text"]
    assert "Đăng ký thường trú" in text and "1.004222" in text and "phí" in text
    assert slot_events(events)["procedure_code"] == "1.004222"
    ActionResolveConfirmation().run(
        dispatcher, make_tracker("deny", "không", slots={"suggested_intent": "ask_fee"}), {}
    )
    assert dispatcher.messages[-1]["response"] == "utter_capabilities"


def test_a_question_read_as_a_yes_or_no_is_answered_about_the_procedure_in_context(database, dispatcher):
    # "có thời hạn k": the classifier read its "k" as a no, with no suggestion to refuse; it got "Anh/chị cần em hỗ
    # trợ gì thêm không ạ?" and the question went unanswered.
    tracker = make_tracker("deny", "giấy đó dùng được bao lâu k", slots={"procedure_code": "1.004873"})
    events = ActionResolveConfirmation().run(dispatcher, tracker, {})
    text = dispatcher.messages[0].get("text") or ""
    assert "Kết quả" in text and "1.004873" in text and "06 tháng" in text
    assert slot_events(events)["procedure_code"] == "1.004873"
    # A bare "không" with nothing to refuse is still no question.
    ActionResolveConfirmation().run(dispatcher, make_tracker("deny", "không", slots={"procedure_code": "1.004873"}), {})
    assert dispatcher.messages[-1]["response"] == "utter_anything_else"


def test_the_age_asked_for_read_as_a_yes_is_the_answer_to_our_question(database, dispatcher):
    from core import wording as m

    text = "Chau duoc 8 tuoi roi."  # the classifier read "được … rồi" as a yes
    events = [{"event": "bot", "text": m.ASK_AGE_VARIANT}, {"event": "user", "text": text}]
    slots = {"procedure_code": "1.014061", "pending_question": "ask_documents"}
    answered = ActionResolveConfirmation().run(dispatcher, make_tracker("affirm", text, slots=slots, events=events), {})
    assert slot_events(answered)["procedure_code"] == "1.014062" and "1.014062" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("5678", "5678"),
        ("số cuối 5678 ạ", "5678"),
        ("0912 345 678", "5678"),
        ("+84912345678", "5678"),
        ("56 78", None),
        ("123", None),
        ("1234 5678", None),
        ("không nhớ", None),
        ("５６７８", "5678"),
        ("٥٦٧٨", None),  # full-width digits are digits; other scripts are not
    ],
)
def test_last_four_digits_are_read_from_what_people_type(text, expected):
    assert extract_last4(text) == expected


def validate(method, value, slots):
    tracker = make_tracker("inform", str(value), slots=slots, active_loop="dossier_form")
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    result = method(ValidateDossierForm(), value, dispatcher, tracker, {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result, dispatcher.messages


def test_dossier_code_is_canonicalised_or_refused():
    result, _ = validate(ValidateDossierForm.validate_dossier_code, "0000012h48 251103 0021", {})
    assert result == {"dossier_code": DOSSIER}
    result, messages = validate(ValidateDossierForm.validate_dossier_code, "000.00.12-2511", {})
    assert result == {"dossier_code": None} and messages[0]["response"] == "utter_dossier_code_invalid"


def test_right_digits_pass_and_wrong_digits_or_unknown_code_look_the_same(database):
    result, _ = validate(ValidateDossierForm.validate_phone_last4, "4321", {"dossier_code": DOSSIER})
    assert result == {"phone_last4": "4321"}
    wrong, wrong_messages = validate(ValidateDossierForm.validate_phone_last4, "1111", {"dossier_code": DOSSIER})
    unknown, unknown_messages = validate(
        ValidateDossierForm.validate_phone_last4, "4321", {"dossier_code": "000.00.12.H48-991231-9999"}
    )
    assert wrong == unknown == {"phone_last4": None}
    assert wrong_messages == unknown_messages


def test_status_is_told_after_verification_and_the_digits_are_cleared(database, dispatcher):
    tracker = make_tracker("inform", "4321", slots={"dossier_code": DOSSIER, "phone_last4": "4321"})
    events = asyncio.run(ActionDossierStatus().run(dispatcher, tracker, {}))
    text = dispatcher.messages[0]["text"]
    assert DOSSIER in text and "đang xử lý" in text and "Đăng ký thường trú" in text
    assert slot_events(events)["phone_last4"] is None and slot_events(events)["dossier_code"] is None


@pytest.mark.parametrize(
    "text,expected", [("5", 5), ("4 sao", 4), ("nam sao", 5), ("cho 3 điểm", 3), ("10", None), ("tốt", None)]
)
def test_ratings_are_read_in_many_forms(text, expected):
    assert parse_rating(text) == expected


def test_feedback_is_stored(database, dispatcher):
    tracker = make_tracker("inform", "ok", slots={"feedback_rating": 4.0, "feedback_comment": "Cán bộ nhiệt tình"})
    ActionSaveFeedback().run(dispatcher, tracker, {})
    assert "4/5" in dispatcher.messages[0]["text"]
    with session_scope(database) as session:
        assert feedback_summary(session) == {"count": 1, "average_rating": 4.0}


def test_handoff_records_a_reference_says_how_a_person_answers_and_does_not_pause(database, dispatcher):
    events = ActionRequestHuman().run(dispatcher, make_tracker("request_human", "cho gặp cán bộ"), {})
    assert not any(e["event"] == "pause" for e in events)  # the assistant keeps answering
    reference = slot_events(events)["handoff_reference"]
    text = dispatcher.messages[0]["text"]
    assert reference in text and settings().support_hotline in text and "Giờ làm việc" in text
    assert "trả lời ngay" not in text  # no staff reply path in the chat yet: not promised
    with session_scope(database) as session:
        [request] = list_handoffs(session)
        assert request.reference == reference and "cho gặp cán bộ" in request.summary


def test_asking_again_after_a_handoff_repeats_the_reference_without_a_new_request(database, dispatcher):
    first = ActionRequestHuman().run(dispatcher, make_tracker("request_human", "gặp cán bộ"), {})
    reference = slot_events(first)["handoff_reference"]
    tracker = make_tracker("request_human", "mã yêu cầu của tôi là gì", slots={"handoff_reference": reference})
    ActionRequestHuman().run(dispatcher, tracker, {})
    assert (
        reference in dispatcher.messages[-1]["text"] and settings().support_hotline in dispatcher.messages[-1]["text"]
    )
    with session_scope(database) as session:
        assert len(list_handoffs(session)) == 1


PROVINCE_POINT = {
    "key": "hn-ba-dinh-one-stop",
    "name": "Bộ phận Một cửa UBND phường Ba Đình",
    "kind": "commune_one_stop",
    "province": "Hà Nội",
    "commune": "Ba Đình",
    "address": "25 Đội Cấn, Ba Đình, Hà Nội",
    "hours": "Thứ Hai đến Thứ Sáu: 8:00–12:00 và 13:30–17:00",
    "phone": "024 3823 0000",
}


def test_the_seed_sample_support_points_are_never_told_to_citizens(database, dispatcher):
    ActionSupportPoint().run(dispatcher, make_tracker("ask_support_point", "điểm hỗ trợ ở đâu"), {})
    ActionRequestHuman().run(dispatcher, make_tracker("request_human", "cho gặp cán bộ"), {})
    for message in dispatcher.messages:
        assert "mẫu" not in message["text"]
    assert "Bộ phận Một cửa" in dispatcher.messages[0]["text"]
    assert settings().support_hotline in dispatcher.messages[0]["text"]


def test_the_provinces_support_points_list_address_and_hours(database, dispatcher, tmp_path, capsys):
    path = tmp_path / "points.json"
    path.write_text(json.dumps([PROVINCE_POINT], ensure_ascii=False), encoding="utf-8")
    assert cli(["import-support-points", str(path)]) == 0 and "1 read" in capsys.readouterr().out
    ActionSupportPoint().run(dispatcher, make_tracker("ask_support_point", "điểm hỗ trợ ở Ba Đình"), {})
    text = dispatcher.messages[0]["text"]
    assert "25 Đội Cấn" in text and "8:00–12:00" in text and "024 3823 0000" in text and "mẫu" not in text
    assert settings().support_hotline in text


@pytest.mark.parametrize("content", ['{"key": "x"}', '[{"name": "no key"}]', "not json", '[{"key": "k", "name": ""}]'])
def test_a_support_points_file_that_is_not_one_is_refused_clearly(database, tmp_path, capsys, content):
    path = tmp_path / "points.json"
    path.write_text(content, encoding="utf-8")
    assert cli(["import-support-points", str(path)]) == 2
    assert capsys.readouterr().err.strip()
    assert cli(["import-support-points", str(tmp_path / "missing.json")]) == 2
