"""The whole question answered from the record: compounds, several procedures, comparisons, "có cần X không"."""

from __future__ import annotations

from actions.procedure_info import ActionAnswerProcedure

from .conftest import make_tracker, slot_events

BIRTH, MARRIAGE, DEATH, RESIDENCE, CRIMINAL_RECORD = "1.001193", "1.000894", "1.000656", "1.004222", "3.000333"


def answer(dispatcher, text, intent="ask_procedure_info", procedure=None, context=None, pending=None):
    entities = [{"entity": "procedure", "value": procedure, "start": 0, "end": 1}] if procedure else []
    slots = {"procedure_code": context, "pending_question": pending}
    events = ActionAnswerProcedure().run(dispatcher, make_tracker(intent, text, entities, slots=slots), {})
    return "\n".join(m.get("text") or "" for m in dispatcher.messages), slot_events(events)


def test_several_aspects_are_answered_in_the_order_asked(database, dispatcher):
    text, slots = answer(dispatcher, "phí bao nhiêu, các bước thế nào, nộp ở đâu", "ask_fee", context=RESIDENCE)
    assert text.index("Phí, lệ phí") < text.index("Các bước") < text.index("Nơi nộp")
    assert "20.000" in text and slots["procedure_code"] == RESIDENCE
    assert len(dispatcher.messages) == 1 and len(text.split("\n")) <= 14


def test_several_procedures_in_one_message(database, dispatcher):
    text, slots = answer(dispatcher, "khai sinh cần gì, còn kết hôn bao nhiêu tiền", "ask_documents", BIRTH)
    assert "Đăng ký khai sinh" in text and "Đăng ký kết hôn" in text
    assert text.index("Giấy tờ cần chuẩn bị") < text.index("Phí, lệ phí")
    assert "Giấy chứng sinh" in text


def test_a_comparison_reads_both_records(database, dispatcher):
    text, _ = answer(dispatcher, "thường trú với khai sinh cái nào nhanh hơn", "ask_processing_time")
    assert "07 ngày làm việc" in text and 'Nhanh hơn: "Đăng ký khai sinh"' in text


def test_do_i_need_stays_on_the_procedure_in_context(database, dispatcher):
    text, slots = answer(
        dispatcher, "có cần mang giấy đăng ký kết hôn không?", "ask_documents", MARRIAGE, context=BIRTH
    )
    assert text.startswith("Dạ, không.") and '"Đăng ký khai sinh"' in text and "Giấy chứng sinh" in text
    assert slots["procedure_code"] == BIRTH


def test_do_i_need_an_item_the_record_lists(database, dispatcher):
    text, _ = answer(dispatcher, "có cần giấy chứng sinh không", "ask_documents", context=BIRTH)
    assert text.startswith("Dạ, có") and "Giấy chứng sinh" in text


def test_the_household_book_was_abolished(database, dispatcher):
    text, _ = answer(dispatcher, "co can so ho khau ko", "ask_documents", context=RESIDENCE)
    assert "01/01/2023" in text


def test_legal_basis_is_not_the_criminal_record_card(database, dispatcher):
    # The linker reads "pháp lý" as "lý lịch tư pháp": the question's own words never switch the procedure.
    text, slots = answer(dispatcher, "căn cứ pháp lý", procedure=CRIMINAL_RECORD, context=BIRTH)
    assert "Căn cứ pháp lý" in text and "60/2014/QH13" in text and slots["procedure_code"] == BIRTH


def test_a_field_question_without_a_procedure_asks_which_and_waits(database, dispatcher):
    text, slots = answer(dispatcher, "căn cứ pháp lý")
    assert slots == {"pending_question": "legal_basis"}
    dispatcher.messages.clear()
    text, slots = answer(dispatcher, "khai sinh", "inform", BIRTH, pending="legal_basis")
    assert "60/2014/QH13" in text and slots["procedure_code"] == BIRTH


def test_what_the_record_does_not_say_is_said_plainly(database, dispatcher):
    text, _ = answer(dispatcher, "quyết định công bố số mấy", context=BIRTH)
    assert "không ghi số quyết định công bố" in text


def test_eligibility_quotes_the_record_and_does_not_decide_for_it(database, dispatcher):
    text, _ = answer(dispatcher, "nhà thuê có đăng ký thường trú được không", "ask_procedure_info", RESIDENCE)
    assert "Đối tượng thực hiện" in text and "thuê" in text and "Công an cấp xã" in text


def test_a_follow_up_keeps_its_aspect_and_the_procedure(database, dispatcher):
    text, slots = answer(dispatcher, "lấy kết quả ở đâu", context=BIRTH)
    assert "Nhận Giấy khai sinh" in text and slots["procedure_code"] == BIRTH


def test_one_plain_question_is_left_to_the_one_aspect_answer(database, dispatcher):
    text, _ = answer(dispatcher, "lệ phí khai sinh", "ask_fee", BIRTH)
    assert text.startswith('Dạ, phí, lệ phí của thủ tục "Đăng ký khai sinh"')
