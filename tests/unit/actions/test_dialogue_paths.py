"""Issue 16's dialogue paths with tracker fixtures: complaints, leaving forms, ID numbers, English, not in the catalogue."""

from __future__ import annotations

from core.passages import phone_lines

import asyncio

import pytest
from sqlalchemy import select

from actions.dispatch import ActionLeaveForm
from actions.dossier_status import ValidateDossierForm
from actions.feedback import ActionFeedback, ActionSaveFeedback, ValidateFeedbackForm, parse_rating
from actions.out_of_scope import ActionOutOfScope
from core.settings import current as settings
from procedures_db.db import session_scope
from procedures_db.models import Feedback
from procedures_db.service_requests import COMPLAINT, list_handoffs
from tests.unit.actions.conftest import make_tracker, slot_events

COMPLAINT_TEXT = "Cán bộ phường hẹn tôi 4 lần mà hồ sơ vẫn chưa xong, tôi muốn khiếu nại"


def stored_feedback(database: str) -> list[tuple]:
    with session_scope(database) as session:
        return [(f.rating, f.about, f.comment) for f in session.scalars(select(Feedback))]


def test_a_complaint_is_recorded_with_a_reference_never_as_a_rating(database, dispatcher):
    events = ActionFeedback().run(dispatcher, make_tracker("give_feedback", COMPLAINT_TEXT), {})
    assert slot_events(events)["feedback_kind"] == "answered"  # the rating form is not opened
    reference = slot_events(events)["handoff_reference"]
    text = dispatcher.messages[0]["text"]
    assert reference in text and "dichvucong.gov.vn" in text and "Một cửa" in text
    assert "4/5" not in text and "sao" not in text
    assert stored_feedback(database) == [(None, COMPLAINT, COMPLAINT_TEXT)]
    with session_scope(database) as session:
        [request] = list_handoffs(session)  # routed to staff's queue
        assert request.reference == reference and COMPLAINT_TEXT in request.summary


def test_a_complaint_in_english_is_recorded_and_answered_in_english(database, dispatcher):
    text = "I would like to complain: the commune office delayed my application three times."
    events = ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", text), {})
    reference = slot_events(events)["handoff_reference"]
    reply = dispatcher.messages[0]["text"]
    assert reference in reply and reply.startswith("Your complaint is recorded") and "dichvucong.gov.vn" in reply
    assert stored_feedback(database) == [(None, COMPLAINT, text)]


@pytest.mark.parametrize("text", ["tôi muốn đánh giá dịch vụ", "cho em góp ý", "danh gia 5 sao"])
def test_a_rating_request_opens_the_rating_form(database, dispatcher, text):
    events = ActionFeedback().run(dispatcher, make_tracker("give_feedback", text), {})
    assert slot_events(events)["feedback_kind"] == "rating"  # the rules then start the form
    assert stored_feedback(database) == []


def test_a_question_read_as_feedback_is_answered_not_rated(database, dispatcher):
    # "1 lần" is no rating: the question about the procedure in context is answered.
    text = "nghỉ vc bn tháng thì rút bh 1 lần đc"
    tracker = make_tracker("give_feedback", text, slots={"procedure_code": "1.001613"})
    events = ActionFeedback().run(dispatcher, tracker, {})
    assert slot_events(events)["feedback_kind"] == "answered"
    assert "12 tháng" in dispatcher.messages[0]["text"] and stored_feedback(database) == []


def test_asking_whether_the_childs_opinion_is_needed_is_answered_not_rated(database, dispatcher):
    # "hỏi ý kiến" is the child's consent, a paper of the name-change dossier, and "10 tuổi" is no rating.
    text = "Có cần đưa bé theo để hỏi ý kiến không? Bé 10 tuổi."
    tracker = make_tracker("give_feedback", text, slots={"procedure_code": "1.004859"})
    events = ActionFeedback().run(dispatcher, tracker, {})
    assert slot_events(events)["feedback_kind"] == "answered" and stored_feedback(database) == []
    assert "1.004859" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "text,expected",
    [("4", 4), ("cho 5 nhé", 5), ("3 sao", 3), ("hẹn tôi 3 lần", None), ("nộp 2 lần đều bị trả", None), ("6", None)],
)
def test_a_number_inside_a_sentence_is_not_a_rating(text, expected):
    assert parse_rating(text) == expected


def test_the_request_itself_gives_a_rating_only_when_stated_as_one(dispatcher):
    form = ValidateFeedbackForm()
    for text, expected in (("đánh giá 4 sao", {"feedback_rating": 4}), ("đánh giá, tôi đi 3 lần rồi", {})):
        tracker = make_tracker("give_feedback", text)
        assert asyncio.run(form.extract_feedback_rating(dispatcher, tracker, {})) == expected


@pytest.mark.parametrize("text", ["thôi", "hủy", "không", "ko", "thôi không đánh giá nữa"])
def test_the_rating_form_can_be_left_and_nothing_is_stored(database, dispatcher, text):
    tracker = make_tracker("deny", text, slots={"requested_slot": "feedback_rating"}, active_loop="feedback_form")
    events = asyncio.run(ValidateFeedbackForm().run(dispatcher, tracker, {"forms": {}}))
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["feedback_rating"] is None
    assert "1 đến 5" not in dispatcher.messages[0]["text"]
    ActionSaveFeedback().run(dispatcher, make_tracker("deny", text), {})
    assert stored_feedback(database) == []


@pytest.mark.parametrize("text", ["thôi", "ko nhớ mã, thôi", "hủy", "thôi không cần nữa"])
def test_the_dossier_lookup_can_be_left(dispatcher, text):
    tracker = make_tracker("deny", text, slots={"requested_slot": "dossier_code"}, active_loop="dossier_form")
    events = asyncio.run(ValidateDossierForm().run(dispatcher, tracker, {"forms": {}}))
    assert slot_events(events)["requested_slot"] is None
    assert "mã hồ sơ" not in dispatcher.messages[0]["text"].lower().split("tra cứu")[0]


def test_a_question_after_the_words_that_leave_a_form_is_answered_whatever_the_intent(database, dispatcher):
    # The classifier may read "thôi, …" as a plain no: the form is left and the question after it answered.
    tracker = make_tracker(
        "deny",
        "thôi khỏi tra, cho hỏi làm hộ chiếu mất bao lâu",
        entities=[{"entity": "procedure", "value": "1.001456"}],
        slots={"requested_slot": "dossier_code"},
        active_loop="dossier_form",
    )
    events = ActionLeaveForm().run(dispatcher, tracker, {})
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    texts = [x.get("text") or "" for x in dispatcher.messages]
    assert texts[0].startswith("Dạ, em đã dừng tra cứu") and "mã 1.001456" in texts[1]


def test_a_question_inside_a_form_leaves_it_and_is_answered(database, dispatcher):
    tracker = make_tracker(
        "ask_where_to_submit",
        "thôi không tra nữa, làm hộ chiếu ở đâu",
        entities=[{"entity": "procedure", "value": "1.001456"}],
        slots={"requested_slot": "dossier_code"},
        active_loop="dossier_form",
    )
    events = ActionLeaveForm().run(dispatcher, tracker, {})
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    text = dispatcher.messages[0]["text"]
    assert "1.001456" in text and "nơi nộp" in text
    assert slot_events(events)["dossier_code"] is None


def test_leaving_the_rating_after_the_rating_keeps_it(database, dispatcher):
    tracker = make_tracker(
        "ask_fee",
        "lệ phí khai sinh",
        slots={"feedback_rating": 4.0, "requested_slot": "feedback_comment"},
        active_loop="feedback_form",
    )
    ActionLeaveForm().run(dispatcher, tracker, {})
    assert [r for r, _, _ in stored_feedback(database)] == [4]


def test_a_complaint_typed_as_the_comment_is_recorded_and_the_stars_stay_a_rating(database, dispatcher):
    text = "nhưng mà tôi cũng muốn phản ánh là phòng chờ ở xa quá, không có ghế ngồi"
    slots = {"feedback_rating": 5.0, "requested_slot": "feedback_comment"}
    tracker = make_tracker("give_feedback", text, slots=slots, active_loop="feedback_form")
    result = ValidateFeedbackForm().validate_feedback_comment(text, dispatcher, tracker, {})
    assert result["feedback_comment"] == "-" and result["handoff_reference"] in dispatcher.messages[0]["text"]
    ActionSaveFeedback().run(dispatcher, make_tracker("give_feedback", text, slots={**slots, **result}), {})
    stored = stored_feedback(database)
    assert (None, COMPLAINT, text) in stored and [(r, c) for r, about, c in stored if about != COMPLAINT] == [(5, None)]


def test_a_complaint_about_a_dossier_is_recorded_not_looked_up(database, dispatcher):
    text = "e nop hs tro cap that nghiep 3 tuan r ma tt bao mat hs, e muon khieu nai"
    events = asyncio.run(
        ValidateDossierForm().run(dispatcher, make_tracker("check_dossier_status", text), {"forms": {}})
    )
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["handoff_reference"] in dispatcher.messages[0]["text"]
    assert stored_feedback(database) == [(None, COMPLAINT, text)]


@pytest.mark.parametrize(
    "text,number",
    [
        ("Số căn cước của tôi là 079301009876, xem giúp đã làm xong thẻ chưa", "079301009876"),
        ("cmnd cũ 201234567 kiểm tra giúp", "201234567"),
    ],
)
def test_an_id_number_does_not_open_the_lookup_and_is_not_echoed(dispatcher, text, number):
    # On activation (no active loop yet) the validation sees the ID number and ends the form.
    tracker = make_tracker("check_dossier_status", text)
    events = asyncio.run(ValidateDossierForm().run(dispatcher, tracker, {"forms": {}}))
    assert slot_events(events)["requested_slot"] is None
    reply = dispatcher.messages[0]["text"]
    assert "VNeID" in reply and "không gửi" in reply and number not in reply


def test_a_real_procedure_missing_from_the_catalogue_is_not_called_out_of_scope(dispatcher):
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "xin giấy phép khai thác cát sỏi ở đâu"), {})
    text = dispatcher.messages[0]["text"]
    assert "chưa có trong cơ sở dữ liệu" in text and "Một cửa" in text and settings().support_hotline in text
    assert "chỉ hỗ trợ" not in text


def test_really_out_of_scope_keeps_the_out_of_scope_answer(dispatcher):
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "hôm nay ăn gì ngon"), {})
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"


def test_english_gets_an_english_answer_and_the_catalogue_card(database, dispatcher):
    events = ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "How much is a passport?"), {})
    text = dispatcher.messages[0]["text"]
    assert text.startswith("Here is what the catalogue says about the fee") and "1.001456" in text
    assert slot_events(events)["procedure_code"] == "1.001456"
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "Hello, what can you do for me?"), {})
    assert "administrative procedures" in dispatcher.messages[-1]["text"]


def test_an_english_off_topic_question_is_not_taken_for_a_greeting(dispatcher):
    # "hi" inside "which" is no greeting: the citizen is told what the assistant does not answer.
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "Which is the nearest good restaurant here?"), {})
    assert dispatcher.messages[-1]["text"].startswith("Sorry, I only help with administrative procedures")


@pytest.mark.parametrize(
    "text,code,named",
    [
        (
            "My husband is Australian and our daughter was born in Da Nang. How do we register her birth?",
            "2.000528",
            "birth registration with a foreign party",
        ),
        ("I'd like to marry my Vietnamese fiancee here, which papers do I need?", "2.000806", "marriage registration"),
        ("We are both Vietnamese, how do we register our son's birth?", "1.001193", "birth registration"),
    ],
)
def test_english_names_the_procedure_and_its_foreign_variant(database, dispatcher, text, code, named):
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", text), {})
    reply = dispatcher.messages[-1]["text"]
    assert code in reply and named in reply.split("\n")[0]


def test_the_forms_skip_exactly_the_intents_that_leave_them():
    # A form rejects these intents (its from_text mappings skip them) so that the rules in
    # data/rules/forms.yml leave it and answer: the lists must say the same.
    from pathlib import Path

    import yaml

    from core.vocabulary import FORM_EXIT_INTENTS

    root = Path(__file__).resolve().parents[3]
    rules = yaml.safe_load((root / "data/rules/forms.yml").read_text(encoding="utf-8"))["rules"]
    left_by = {r["condition"][0]["active_loop"]: {s["intent"] for s in r["steps"][0]["or"]} for r in rules}
    slots = {}
    for name in ("dossier.yml", "service.yml"):
        slots.update(yaml.safe_load((root / "bot/domain" / name).read_text(encoding="utf-8"))["slots"])
    for slot, form, own in (
        ("dossier_code", "dossier_form", "check_dossier_status"),
        ("phone_last4", "dossier_form", "check_dossier_status"),
        ("feedback_rating", "feedback_form", "give_feedback"),
        ("feedback_comment", "feedback_form", "give_feedback"),
    ):
        [skipped] = [m["not_intent"] for m in slots[slot]["mappings"] if m["type"] == "from_text"]
        expected = set(FORM_EXIT_INTENTS) - {own}
        assert expected <= set(skipped), slot
        assert expected <= left_by[form] and "deny" in left_by[form], form


def test_english_leads_with_the_answer_in_english_and_fits_a_phone(database, dispatcher):
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "How much does birth registration cost?"), {})
    text = dispatcher.messages[-1]["text"]
    assert "free of charge (no fee) in some cases" in text.split("\n")[1] and "1.001193" in text
    assert len(text.split("\n")) <= 12
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "What is the passport fee?"), {})
    text = dispatcher.messages[-1]["text"]
    assert "200,000 or 400,000 VND" in text and len(text.split("\n")) <= 12
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", "How long does it take to get a passport?"), {})
    text = dispatcher.messages[-1]["text"]
    assert "within 8 days" in text and len(text.split("\n")) <= 12

    # Two questions in one: each answered, in the order asked, still on one screen.
    question = "How much does a new passport cost and how long does it take?"
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", question), {})
    text = dispatcher.messages[-1]["text"]
    assert "200,000 or 400,000 VND" in text and "within 8 days" in text
    assert text.index("▸ Lệ phí") < text.index("▸ Thời gian giải quyết") and phone_lines(text) <= 12


@pytest.mark.parametrize(
    "text,context,amount",
    [
        ("Được bao nhiêu tiền một tháng?", "DP-BTXH-01", "500.000"),
        ("Hỗ trợ chi phí mai táng được bao nhiêu tiền?", "DP-BTXH-02", "20 lần"),
    ],
)
def test_an_amount_received_is_answered_from_the_result_not_the_fee(database, dispatcher, text, context, amount):
    from actions.procedure_info import ActionAnswerProcedure

    tracker = make_tracker("ask_fee", text, slots={"procedure_code": context})  # the classifier read a fee
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert amount in reply and "Không thu phí" not in reply and context in reply


def test_whether_someone_else_may_go_is_answered_with_the_fee_and_time(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure

    text = "Bố tôi muốn chứng thực di chúc. Phí bao nhiêu, bao lâu thì xong, có được nhờ người khác đi thay không?"
    tracker = make_tracker("ask_fee", text, [{"entity": "procedure", "value": "2.001019", "start": 21, "end": 30}])
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert reply.index("50.000") < reply.index("02 ngày") < reply.index("Đối tượng") < reply.index("tự mình")


@pytest.mark.parametrize(
    "text,comment",
    [("5 sao, cán bộ hướng dẫn rất nhiệt tình", "5 sao, cán bộ hướng dẫn rất nhiệt tình"), ("cho 4 sao nhé", None)],
)
def test_a_comment_given_with_the_stars_is_kept_and_not_asked_again(dispatcher, text, comment):
    tracker = make_tracker(
        "give_feedback", text, slots={"requested_slot": "feedback_rating"}, active_loop="feedback_form"
    )
    result = ValidateFeedbackForm().validate_feedback_rating(text, dispatcher, tracker, {})
    assert result.get("feedback_rating") in (4, 5) and result.get("feedback_comment") == comment


def test_a_result_question_about_the_household_book_says_none_is_issued_and_links_by_label(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure

    text = "Đăng ký thường trú xong thì tôi nhận được giấy gì? Có sổ hộ khẩu không?"
    tracker = make_tracker(
        "ask_procedure_info", text, [{"entity": "procedure", "value": "1.004222", "start": 0, "end": 18}]
    )
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert "Kết quả thực hiện" in message["text"] and "01/01/2023" in message["text"]
    assert "https://" not in message["text"]  # the page is behind a short label
    assert any(b.get("url", "").startswith("https://dichvucong.gov.vn") for b in message["buttons"])


def test_a_question_about_something_else_read_as_a_procedure_question_is_out_of_scope(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure

    ranking = [{"name": "ask_processing_time", "confidence": 0.55}, {"name": "out_of_scope", "confidence": 0.41}]
    tracker = make_tracker("ask_processing_time", "Tuần sau có mưa bão không?", ranking=ranking)
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"
    dispatcher.messages.clear()
    tracker = make_tracker("ask_processing_time", "bao lâu thì có", ranking=ranking)  # a question of ours
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    assert dispatcher.messages[0].get("response") == "utter_ask_which_procedure"


def test_a_procedure_named_surely_in_a_message_taken_for_out_of_scope_gets_its_card(database, dispatcher):
    text = "bọn mình tính đk kết hôn cuối năm nay"
    entities = [{"entity": "procedure", "value": "1.000894", "start": 14, "end": 25, "confidence_entity": 0.75}]
    events = ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", text, entities), {})
    assert "mã 1.000894" in dispatcher.messages[0]["text"]
    assert slot_events(events)["procedure_code"] == "1.000894"
    # Named unsurely, the message stays what the classifier took it for.
    dispatcher.messages.clear()
    entities[0]["confidence_entity"] = 0.5
    ActionOutOfScope().run(dispatcher, make_tracker("out_of_scope", text, entities), {})
    assert "mã 1.000894" not in (dispatcher.messages[0].get("text") or "")


def test_a_question_about_a_procedure_taken_for_a_lookup_is_answered_without_opening_it(database, dispatcher):
    text = "làm xong tạm trú thì có được cấp sổ hộ khẩu không"
    entities = [{"entity": "procedure", "value": "1.004194", "start": 8, "end": 15}]
    tracker = make_tracker("check_dossier_status", text, entities)
    events = asyncio.run(ValidateDossierForm().run(dispatcher, tracker, {"forms": {}}))
    slots = slot_events(events)
    assert slots["requested_slot"] is None and slots["procedure_code"] == "1.004194"
    reply = dispatcher.messages[0]["text"]
    assert "mã 1.004194" in reply and "sổ hộ khẩu" in reply.lower()


def test_a_lookup_asked_with_a_procedure_named_still_opens(database, dispatcher):
    text = "hồ sơ tạm trú của tôi đến đâu rồi"
    entities = [{"entity": "procedure", "value": "1.004194", "start": 6, "end": 13}]
    tracker = make_tracker("check_dossier_status", text, entities)
    events = asyncio.run(ValidateDossierForm().run(dispatcher, tracker, {"forms": {}}))
    assert "procedure_code" not in slot_events(events)
