"""A situation told unasked, right after an answer about a procedure ("Tôi mua lại của người ta, có hợp đồng mua
bán rồi"), is read as that procedure's case, in the citizen's words ("thẻ bị rách" is a "hỏng" card), never as
a message outside administrative procedures."""

from __future__ import annotations

import pytest

from actions.out_of_scope import ActionOutOfScope

from .conftest import make_tracker, slot_events

LAND_TRANSFER, HEALTH_CARD = "1.013831", "DP-BH-02"


def _told(dispatcher, text, code, before=None):
    before = before or f'Dạ, giấy tờ cần chuẩn bị của thủ tục "…" (mã {code}):'
    events = [{"event": "bot", "text": before}, {"event": "user", "text": text}]
    tracker = make_tracker("out_of_scope", text, slots={"procedure_code": code}, events=events)
    return slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))


@pytest.mark.parametrize(
    "code, text, paper",
    [
        (LAND_TRANSFER, "Tôi mua lại của người ta, có hợp đồng mua bán rồi.", "Hợp đồng chuyển nhượng"),
        (HEALTH_CARD, "The bi rach, chu mo het roi.", "Thẻ bảo hiểm y tế cũ"),
    ],
)
def test_a_situation_told_after_an_answer_gets_the_documents_of_its_case(database, dispatcher, code, text, paper):
    slots = _told(dispatcher, text, code)
    reply = dispatcher.messages[0]["text"]
    assert f"mã {code}" in reply and paper in reply and slots["procedure_code"] == code


def test_what_states_no_case_of_the_record_is_left_to_what_it_is(database, dispatcher):
    _told(dispatcher, "giá vàng hôm nay bao nhiêu", LAND_TRANSFER)
    assert dispatcher.messages[0].get("response") == "utter_out_of_scope"
    dispatcher.messages.clear()
    # Nor after a reply that was not about the procedure.
    _told(dispatcher, "Tôi mua lại của người ta, có hợp đồng mua bán rồi.", LAND_TRANSFER, "Dạ, em chào anh/chị.")
    assert dispatcher.messages[0].get("response") == "utter_out_of_scope"


def test_the_cases_a_name_lists_are_asked_when_the_question_states_none(database, dispatcher):
    from actions.procedure_info import ActionAnswerProcedure
    from core import wording as m

    entities = [{"entity": "procedure", "value": LAND_TRANSFER, "start": 0, "end": 1}]
    tracker = make_tracker(
        "ask_documents", "đăng ký biến động quyền sử dụng đất thì hồ sơ cần những giấy tờ gì", entities
    )
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    message = dispatcher.messages[0]
    assert m.CASE_ASK in message["text"] and "Giấy chứng nhận đã cấp" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert "Thừa kế" in titles and any("tặng cho" in t for t in titles)
