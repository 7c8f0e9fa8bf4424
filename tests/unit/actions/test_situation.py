"""A situation told without asking is read against the records: it picks among the procedures the last reply
offered, or is answered from the record in context, instead of being taken as out of scope."""

from __future__ import annotations

from actions.out_of_scope import ActionOutOfScope
from core import wording as m

from .conftest import make_tracker, slot_events

ELDERLY_ALLOWANCE, BURIAL_SUPPORT, WILL_CERTIFICATION = "DP-BTXH-01", "DP-BTXH-02", "2.001019"
CIVIL_STATUS_CHANGE = "1.004859"  # thay đổi, cải chính, bổ sung thông tin hộ tịch


def _offer(codes: list[str]) -> dict:
    buttons = [{"title": code, "payload": f'/ask_procedure_info{{"procedure": "{code}"}}'} for code in codes]
    return {
        "event": "bot",
        "text": "Có phải anh/chị muốn hỏi một trong các thủ tục sau không ạ?",
        "data": {"buttons": buttons},
    }


def _told(dispatcher, text, events, context=None):
    events = [*events, {"event": "user", "text": text, "parse_data": {"intent": {"name": "out_of_scope"}}}]
    tracker = make_tracker("out_of_scope", text, slots={"procedure_code": context}, events=events)
    return slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))


def test_a_situation_picks_the_offered_procedure_whose_subjects_it_describes(database, dispatcher):
    asked = {"event": "user", "text": "ba toi muon xin tien tro cap hang thang", "parse_data": {}}
    offered = _offer([ELDERLY_ALLOWANCE, WILL_CERTIFICATION, BURIAL_SUPPORT])
    slots = _told(dispatcher, "Bà tôi 83 tuổi rồi, không có lương hưu", [asked, offered])
    assert slots["procedure_code"] == ELDERLY_ALLOWANCE
    assert f"mã {ELDERLY_ALLOWANCE}" in dispatcher.messages[0]["text"]


def test_a_situation_none_of_the_offered_procedures_describes_picks_none(database, dispatcher):
    asked = {"event": "user", "text": "cho hoi thu tuc", "parse_data": {}}
    offered = _offer([ELDERLY_ALLOWANCE, WILL_CERTIFICATION, BURIAL_SUPPORT])
    slots = _told(dispatcher, "hôm nay trời mưa to quá", [asked, offered])
    assert "procedure_code" not in slots
    assert not any("mã " in (x.get("text") or "") for x in dispatcher.messages)


def test_a_situation_after_an_answer_quotes_what_the_record_says_of_it(database, dispatcher):
    before = {"event": "bot", "text": f'Dạ, theo hồ sơ thủ tục "…" (mã {CIVIL_STATUS_CHANGE}): …'}
    slots = _told(dispatcher, "con tôi năm nay 12 tuổi", [before], context=CIVIL_STATUS_CHANGE)
    reply = dispatcher.messages[0]["text"]
    assert reply.startswith(m.SITUATION_HEADER.split("{")[0]) and f"mã {CIVIL_STATUS_CHANGE}" in reply
    assert "09 tuổi" in reply  # the consent of a person from 9 years old, from the record's documents
    assert slots["procedure_code"] == CIVIL_STATUS_CHANGE


def test_words_the_record_does_not_hold_stay_out_of_scope(database, dispatcher):
    before = {"event": "bot", "text": f'Dạ, theo hồ sơ thủ tục "…" (mã {CIVIL_STATUS_CHANGE}): …'}
    slots = _told(dispatcher, "giá vàng hôm nay bao nhiêu", [before], context=CIVIL_STATUS_CHANGE)
    assert slots == {}
    assert "mã " not in (dispatcher.messages[0].get("text") or "")


HOUSEHOLD_BUSINESS, BUSINESS_CLOSED = "1.001612", "1.001266"  # thành lập / chấm dứt hoạt động hộ kinh doanh
TEMPORARY_RESIDENCE, PERMANENT_RESIDENCE = "1.004194", "1.004222"


def _user(text: str) -> dict:
    return {"event": "user", "text": text, "parse_data": {}}


def test_words_told_after_an_answer_name_a_sibling_with_the_question_before(database, dispatcher):
    before = {"event": "bot", "text": f'Dạ, thông tin của thủ tục "…" (mã {HOUSEHOLD_BUSINESS}): …'}
    events = [_user("hỏi về hộ kinh doanh"), before]
    slots = _told(dispatcher, "nghỉ rồi, đóng cửa hẳn", events, context=HOUSEHOLD_BUSINESS)
    assert slots["procedure_code"] == BUSINESS_CLOSED
    assert f"mã {BUSINESS_CLOSED}" in dispatcher.messages[0]["text"]


def test_a_stay_told_picks_temporary_or_permanent_residence_among_those_offered(database, dispatcher):
    offered = _offer([PERMANENT_RESIDENCE, TEMPORARY_RESIDENCE, "1.010041"])
    slots = _told(dispatcher, "em thuê phòng trọ, ở tạm thôi", [_user("đăng ký cư trú làm sao"), offered])
    assert slots["procedure_code"] == TEMPORARY_RESIDENCE
    dispatcher.messages.clear()
    slots = _told(dispatcher, "nhà em mua, ở hẳn đây luôn", [_user("đăng ký cư trú làm sao"), offered])
    assert slots["procedure_code"] == PERMANENT_RESIDENCE


def test_the_procedure_named_after_which_one_was_asked_is_answered_with_the_question(database, dispatcher):
    asked = {"event": "bot", "text": "Dạ, anh/chị đang hỏi về thủ tục nào ạ?"}
    events = [_user("con tôi bị ghi sai trên giấy tờ, giờ sửa thế nào"), asked]
    tracker_slots = {"procedure_code": None, "pending_question": "ask_steps"}
    text = "sai ngày sinh trong giấy khai sinh"
    events = [*events, {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    tracker = make_tracker("out_of_scope", text, slots=tracker_slots, events=events)
    slots = slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))
    assert slots["procedure_code"] == CIVIL_STATUS_CHANGE
    assert dispatcher.messages[0]["text"].startswith("Dạ, trình tự thực hiện")


def test_what_a_paper_of_the_procedure_needs_done_is_answered_from_that_procedure(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure

    text = "Văn bản ủy quyền đó có phải công chứng không?"
    # The paper's words also name a certification procedure: the one in context is kept.
    entities = [{"entity": "procedure", "value": "2.000884", "start": 0, "end": 16, "confidence_entity": 0.9}]
    tracker = make_tracker("ask_documents", text, entities, slots={"procedure_code": "1.001193"})
    slots = slot_events(ActionAnswerProcedure().run(dispatcher, tracker, {}))
    reply = dispatcher.messages[0]["text"]
    assert "mã 1.001193" in reply and "không cần chứng thực" in reply
    assert slots.get("procedure_code", "1.001193") == "1.001193"


def test_a_lease_is_read_as_the_proof_of_a_lawful_home(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure

    text = "co can hop dong thue phong khong"
    tracker = make_tracker("ask_documents", text, slots={"procedure_code": "1.002755"})
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert "mã 1.002755" in reply and "chỗ ở hợp pháp" in reply
    assert not reply.startswith("Dạ, không cần")
