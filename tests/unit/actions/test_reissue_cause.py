"""A paper wanted again: the cause told (lost, or torn / expired / wrong) picks "cấp lại" or "cấp đổi"; "làm
lại" without a cause is asked which, and the cause typed back, or told after an answer, is read in context."""

from __future__ import annotations

from actions.out_of_scope import ActionOutOfScope
from actions.procedure_info import ActionAnswerProcedure
from core import wording as m

from .conftest import make_tracker, slot_events

REISSUE, EXCHANGE, FIRST_CARD = "1.014064", "1.014063", "1.014061"  # cấp lại / cấp đổi / cấp thẻ căn cước
LICENCE_EXCHANGE, LICENCE_LOST = "3.000347", "3.000348"


def _ask(dispatcher, text, intent, procedure, context=None):
    entities = [{"entity": "procedure", "value": procedure, "start": 0, "end": 1}]
    tracker = make_tracker(intent, text, entities, slots={"procedure_code": context})
    return slot_events(ActionAnswerProcedure().run(dispatcher, tracker, {}))


def _told(dispatcher, text, context, pending=None, before="Dạ, trình tự thực hiện …"):
    events = [{"event": "bot", "text": before}, {"event": "user", "text": text}]
    slots = {"procedure_code": context, "pending_question": pending}
    tracker = make_tracker("out_of_scope", text, slots=slots, events=events)
    return slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))


def test_again_without_a_cause_is_asked_with_a_button_per_procedure(database, dispatcher):
    slots = _ask(dispatcher, "Tôi muốn làm lại thẻ căn cước thì làm thế nào?", "ask_steps", REISSUE)
    message = dispatcher.messages[0]
    assert message["text"] == m.ASK_REISSUE_CAUSE
    payloads = [b["payload"] for b in message["buttons"]]
    assert any(REISSUE in x for x in payloads) and any(EXCHANGE in x for x in payloads)
    assert all(x.startswith("/ask_steps") for x in payloads)
    assert slots == {"procedure_code": REISSUE, "pending_question": "ask_steps"}


def test_the_procedures_own_verb_or_a_stated_cause_is_answered_without_asking(database, dispatcher):
    _ask(dispatcher, "cấp lại thẻ căn cước cần những gì", "ask_documents", REISSUE)
    assert dispatcher.messages[0]["text"] != m.ASK_REISSUE_CAUSE
    dispatcher.messages.clear()
    # A wrong birth date on the card: the card is exchanged, whatever card procedure the words linked.
    slots = _ask(dispatcher, "Can cuoc ghi sai ngay sinh, lam lai thi can giay to gi", "ask_documents", FIRST_CARD)
    assert slots["procedure_code"] == EXCHANGE and f"mã {EXCHANGE}" in dispatcher.messages[0]["text"]


def test_the_cause_typed_back_picks_the_procedure_and_answers_the_question_that_waited(database, dispatcher):
    slots = _told(dispatcher, "Thẻ bị mất rồi, không tìm thấy nữa.", REISSUE, "ask_steps", m.ASK_REISSUE_CAUSE)
    assert slots["procedure_code"] == REISSUE
    assert (
        dispatcher.messages[0]["text"].startswith("Dạ, trình tự thực hiện")
        and f"mã {REISSUE}" in (dispatcher.messages[0]["text"])
    )
    dispatcher.messages.clear()
    slots = _told(dispatcher, "The bi rach, chu mo het roi.", REISSUE, "ask_documents", m.ASK_REISSUE_CAUSE)
    assert slots["procedure_code"] == EXCHANGE and "giấy tờ" in dispatcher.messages[0]["text"].lower()


def test_a_cause_told_after_an_answer_moves_to_the_procedure_for_it(database, dispatcher):
    # Not asked: "Bằng hết hạn tháng trước" after an answer about the lost-licence procedure.
    slots = _told(dispatcher, "Bang het han thang truoc, van con giu bang cu.", LICENCE_LOST)
    assert slots["procedure_code"] == LICENCE_EXCHANGE
    assert m.ASK_REISSUE_CAUSE not in dispatcher.messages[0]["text"]


def test_a_cause_for_a_procedure_without_such_siblings_is_not_read_as_one(database, dispatcher):
    # The health-insurance card is re-issued and exchanged by one procedure: no variant to pick, so the message
    # is left to what it is (here, out of scope), as before.
    _told(dispatcher, "Thẻ bị rách", "DP-BH-02")
    assert "mã DP-BH-02" not in (dispatcher.messages[0].get("text") or "")


def test_a_card_named_as_a_paper_to_bring_asks_neither_age_nor_cause(database, dispatcher):
    # "Có cần mang theo thẻ căn cước không?" about a passport: the card is an item of the passport's dossier.
    text = "Có cần mang theo thẻ căn cước không?"
    entities = [{"entity": "procedure", "value": FIRST_CARD, "start": text.index("thẻ"), "end": text.index(" không")}]
    tracker = make_tracker("ask_documents", text, entities, slots={"procedure_code": "1.001456"})
    slots = slot_events(ActionAnswerProcedure().run(dispatcher, tracker, {}))
    reply = dispatcher.messages[0]["text"]
    assert reply not in (m.ASK_AGE_VARIANT, m.ASK_REISSUE_CAUSE) and "1.001456" in reply
    assert slots.get("procedure_code", "1.001456") == "1.001456"


BIRTH, BIRTH_AGAIN, EXTRACT_COPY = "1.001193", "1.004884", "2.000635"


def test_a_lost_birth_certificate_is_copied_while_the_register_is_kept_and_registered_again_when_not(
    database, dispatcher
):
    slots = _ask(dispatcher, "giấy khai sinh của tôi bị thất lạc, sổ gốc ở phường vẫn còn, làm sao", "ask_steps", BIRTH)
    assert slots["procedure_code"] == EXTRACT_COPY
    dispatcher.messages.clear()
    text = "mất giấy khai sinh, sổ hộ tịch ở xã cũng cháy rồi, giờ làm sao"
    slots = _ask(dispatcher, text, "ask_steps", EXTRACT_COPY)
    assert slots["procedure_code"] == BIRTH_AGAIN


def test_a_lost_birth_certificate_without_the_register_said_is_asked_then_read_back(database, dispatcher):
    slots = _ask(dispatcher, "tôi cần xin lại giấy khai sinh, làm thế nào", "ask_steps", BIRTH_AGAIN)
    message = dispatcher.messages[0]
    assert message["text"] == m.ASK_REGISTER
    assert {b["payload"].split('"')[3] for b in message["buttons"]} == {EXTRACT_COPY, BIRTH_AGAIN}
    dispatcher.messages.clear()
    slots = _told(dispatcher, "ủy ban vẫn còn lưu sổ", BIRTH_AGAIN, "ask_steps", m.ASK_REGISTER)
    assert slots["procedure_code"] == EXTRACT_COPY


def test_the_register_is_no_question_for_other_papers(database, dispatcher):
    _ask(dispatcher, "mất sổ đỏ rồi làm lại thế nào", "ask_steps", "1.013978")
    assert dispatcher.messages[0]["text"] != m.ASK_REGISTER


def test_who_may_register_a_lost_birth_again_is_answered_not_asked(database, dispatcher):
    _ask(
        dispatcher,
        "mat giay khai sinh tu lau, toi co duoc dang ky lai khai sinh khong",
        "ask_procedure_info",
        BIRTH_AGAIN,
    )
    reply = dispatcher.messages[0]["text"]
    assert reply != m.ASK_REGISTER and "Sổ hộ tịch" in reply
