"""The whole question answered from the record: compounds, several procedures, comparisons, "có cần X không"."""

from __future__ import annotations

import pytest

from actions.procedure_info import ActionAnswerProcedure
from core import passages as p

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


def test_the_procedures_the_nlu_found_are_not_searched_again(database, dispatcher, monkeypatch):
    from services import answering

    text = "khai sinh cần gì, còn kết hôn bao nhiêu tiền"
    refs = [
        {"entity": "procedure_ref", "value": BIRTH, "name": "Đăng ký khai sinh", "start": 0, "end": 9},
        {"entity": "procedure_ref", "value": MARRIAGE, "name": "Đăng ký kết hôn", "start": 22, "end": 29},
    ]
    for ref, clause in zip(refs, ([0, 16], [18, 44])):
        ref.update(clause=clause, candidates=[])
    tracker = make_tracker("ask_documents", text, [{"entity": "procedure", "value": BIRTH, "start": 0, "end": 9}])
    tracker.latest_message["procedure_refs"] = refs

    def no_search(*args, **kwargs):
        raise AssertionError("the message's procedures were searched again")

    monkeypatch.setattr(answering, "mentions", no_search)
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert "Đăng ký khai sinh" in reply and "Đăng ký kết hôn" in reply and "Phí, lệ phí" in reply


def test_a_comparison_reads_both_records(database, dispatcher):
    text, _ = answer(dispatcher, "thường trú với khai sinh cái nào nhanh hơn", "ask_processing_time")
    assert "07 ngày làm việc" in text and 'Nhanh hơn: "Đăng ký khai sinh"' in text


def test_do_i_need_stays_on_the_procedure_in_context(database, dispatcher):
    text, slots = answer(
        dispatcher, "có cần mang giấy đăng ký kết hôn không?", "ask_documents", MARRIAGE, context=BIRTH
    )
    assert text.startswith("Dạ, không cần.") and '"Đăng ký khai sinh"' in text and "Giấy chứng sinh" in text
    assert slots["procedure_code"] == BIRTH


def test_do_i_need_an_item_the_record_lists(database, dispatcher):
    text, _ = answer(dispatcher, "có cần giấy chứng sinh không", "ask_documents", context=BIRTH)
    assert text.startswith("Dạ, có") and "Giấy chứng sinh" in text


def test_the_household_book_was_abolished(database, dispatcher):
    text, _ = answer(dispatcher, "co can so ho khau ko", "ask_documents", context=RESIDENCE)
    assert "01/01/2023" in text and f"(mã {RESIDENCE})" in text  # the procedure it is said of


def test_do_i_need_an_item_the_catalogue_also_names_asks_no_choice(database, dispatcher):
    # With the national catalogue "sổ hộ khẩu" is in several procedures' names: the linker's
    # choice between them is not the question asked about the procedure in context.
    text = "Có cần sổ hộ khẩu không?"
    mention = {"entity": "procedure", "value": "1.010041", "start": 8, "end": 18}
    mention["candidates"] = [
        {"code": "1.010041", "name": "Xác nhận thông tin về cư trú", "label": "Xác nhận thông tin về cư trú"},
        {"code": "1.004222", "name": "Đăng ký thường trú", "label": "Đăng ký thường trú"},
    ]
    tracker = make_tracker("ask_documents", text, [mention], slots={"procedure_code": RESIDENCE})
    events = slot_events(ActionAnswerProcedure().run(dispatcher, tracker, {}))
    reply = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    assert "01/01/2023" in reply and not any(
        m.get("buttons") and "chọn" in (m.get("text") or "") for m in dispatcher.messages
    )
    assert events.get("procedure_code", RESIDENCE) == RESIDENCE


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
    assert "chưa có thông tin về số quyết định công bố" in text


def test_eligibility_quotes_the_record_and_does_not_decide_for_it(database, dispatcher):
    text, _ = answer(dispatcher, "nhà thuê có đăng ký thường trú được không", "ask_procedure_info", RESIDENCE)
    assert "Đối tượng thực hiện" in text and "thuê" in text and "Công an cấp xã" in text


@pytest.mark.parametrize(
    "text, procedure, said",
    [
        # Someone doing it for the citizen is an "ủy quyền" in the record; both parties present, "có mặt".
        (
            "Anh ấy đang công tác xa, tôi làm thay anh ấy việc đăng ký kết hôn được không?",
            MARRIAGE,
            "không được ủy quyền",
        ),
        # A party who refuses is a dispute ("tranh chấp"); the agency "có giải quyết cho tôi không" asks whether it may.
        ("Bên nội phản đối, phường có giải quyết việc nhận cha cho cháu cho tôi không?", "1.001022", "tranh chấp"),
    ],
)
def test_eligibility_reads_the_citizens_case_in_the_records_words(database, dispatcher, text, procedure, said):
    reply, _ = answer(dispatcher, text, "ask_procedure_info", procedure)
    assert reply.startswith("Dạ, không được ạ.") and said in reply


def test_a_rule_that_decides_the_case_is_said_first_and_who_may_follows(database, dispatcher):
    text = "Tôi là chị gái, tôi có thể đi xin phiếu lý lịch tư pháp số 2 thay cho em tôi không?"
    reply, _ = answer(dispatcher, text, "ask_procedure_info", CRIMINAL_RECORD)
    assert reply.startswith("Dạ, không được ạ.") and "không được ủy quyền" in reply
    assert "Đối tượng thực hiện" in reply


def test_two_procedures_the_linker_could_not_choose_between_are_each_answered(database, dispatcher):
    from procedures_db.db import session_scope
    from services import answering

    # The NLU's aspect detector found both names; its linker, reading the whole message, linked none.
    text = "đăng ký tạm trú và đăng ký thường trú, hai thủ tục đó nộp ở đâu"
    with session_scope(database) as session:
        refs = [{"entity": "procedure_ref", **x.as_dict()} for x in answering.mentions(session, text)]
    tracker = make_tracker("ask_where_to_submit", text)
    tracker.latest_message["procedure_refs"] = refs
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0].get("text") or ""
    assert "mã 1.004194" in reply and "mã 1.004222" in reply and "Nơi nộp hồ sơ" in reply


def test_two_people_of_two_ages_get_the_variant_of_each(database, dispatcher):
    text = "con gái tôi 15 tuổi và con trai 9 tuổi cùng đi làm căn cước thì cần giấy tờ gì"
    reply, slots = answer(dispatcher, text, "ask_documents", "1.014061")
    assert "mã 1.014061" in reply and "mã 1.014062" in reply and "Giấy tờ cần chuẩn bị" in reply
    assert p.stated_ages(text) == [15, 9]


def test_whether_one_must_do_the_procedure_named_is_its_subjects_not_its_documents(database, dispatcher):
    # The item ("giấy phép xây dựng") is the name of the procedure the rest of the message links.
    text = "làm nhà ở 2 tầng ở quê thì có phải xin giấy phép xây dựng không"
    # The NLU linked "nhà ở" (its words outside the item) to the building permit for a house.
    name = "Cấp giấy phép xây dựng nhà ở riêng lẻ"
    ref = {"value": "1.013225", "name": name, "start": 4, "end": 10, "clause": [0, len(text)], "candidates": []}
    tracker = make_tracker("ask_documents", text, [{"entity": "procedure", "value": "1.013225", "start": 4, "end": 10}])
    tracker.latest_message["procedure_refs"] = [{"entity": "procedure_ref", **ref}]
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert "Đối tượng thực hiện" in reply and "Điều 89" in reply and "Thành phần hồ sơ" not in reply


def test_a_follow_up_keeps_its_aspect_and_the_procedure(database, dispatcher):
    text, slots = answer(dispatcher, "lấy kết quả ở đâu", context=BIRTH)
    assert "Nhận Giấy khai sinh" in text and slots["procedure_code"] == BIRTH


def test_one_plain_question_is_left_to_the_one_aspect_answer(database, dispatcher):
    text, _ = answer(dispatcher, "lệ phí khai sinh", "ask_fee", BIRTH)
    assert text.startswith('Dạ, phí, lệ phí của thủ tục "Đăng ký khai sinh"')


def test_every_answer_fits_a_phone_and_the_rest_is_one_button_away(database):
    import json

    from actions.answers import answer_reply, render_answer
    from core.passages import heading_name, phone_lines
    from integrations.seed import PROCEDURES_FILE
    from procedures_db.db import session_scope
    from services.catalogue import get_procedure

    codes = [json.loads(line)["code"] for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()]
    aspects = ["ask_procedure_info", "ask_documents", "ask_fee", "ask_processing_time", "ask_where_to_submit"]
    with session_scope(database) as session:
        for code in codes:
            procedure = get_procedure(session, code)
            for aspect in [*aspects, "ask_steps", "ask_online"]:
                text, buttons = answer_reply(procedure, aspect, "rest")
                assert phone_lines(text) <= 12 or text.startswith("Dạ, cơ sở dữ liệu"), (code, aspect, text)
                full = render_answer(procedure, aspect, full=True)
                # Something of the answer was cut for the phone (a long name in the heading is only shortened).
                if "…" in text.replace(heading_name(procedure.name), "") and "…" not in full:
                    assert buttons[0]["title"] == "Xem đầy đủ" and '"detail": "full"' in buttons[0]["payload"]
                # The web page collapses long replies itself: it gets the whole answer.
                assert answer_reply(procedure, aspect, "socketio")[0] == full


def test_the_full_answer_button(database, dispatcher):
    payload = '/ask_documents{"procedure": "1.001193", "detail": "full"}'
    entities = [
        {"entity": "procedure", "value": BIRTH, "start": 0, "end": 1},
        {"entity": "detail", "value": "full", "start": 0, "end": 1},
    ]
    events = ActionAnswerProcedure().run(dispatcher, make_tracker("ask_documents", payload, entities), {})
    text = dispatcher.messages[0]["text"]
    assert "Văn bản ủy quyền được chứng thực" in text and "ma_thu_tuc=1.001193" in text
    assert slot_events(events)["procedure_code"] == BIRTH


def test_fee_names_are_kept_and_editors_notes_never_shown(database):
    from actions.answers import render_answer
    from procedures_db.db import session_scope
    from services.catalogue import get_procedure

    with session_scope(database) as session:
        birth = render_answer(get_procedure(session, BIRTH), "ask_fee")
        transfer = render_answer(get_procedure(session, "1.013831"), "ask_fee")
    assert "Lệ phí đăng ký khai sinh quá hạn" in birth
    assert "kiểm tra lại" not in transfer.lower()


def test_a_portal_amount_is_grouped_the_vietnamese_way(database, dispatcher):
    # The national portal writes "20,000 Việt Nam Đồng": a Vietnamese reader takes the comma for a decimal mark.
    from actions.answers import render_answer
    from procedures_db.db import session_scope
    from services.catalogue import get_procedure

    with session_scope(database) as session:
        procedure = get_procedure(session, RESIDENCE)
        for fee in procedure.fees:
            fee.text, fee.channel = "20,000 Việt Nam Đồng (Trường hợp nộp hồ sơ giấy)", "Trực tiếp"
    with session_scope(database) as session:
        card = render_answer(get_procedure(session, RESIDENCE), "ask_fee")
    section, _ = answer(dispatcher, "thường trú phí bao nhiêu, nộp ở đâu", "ask_fee", context=RESIDENCE)
    for text in (card, section):
        assert "Trực tiếp: 20.000 Việt Nam Đồng (Trường hợp nộp hồ sơ giấy)" in text and "20,000" not in text


def test_what_the_record_says_of_an_act_is_quoted_with_its_field(database, dispatcher):
    text, slots = answer(dispatcher, "hai bên có phải có mặt không", context=MARRIAGE)
    assert text.startswith('Dạ, về "có mặt"') and "Đối tượng thực hiện" in text and "có mặt" in text.split("\n")[1]
    assert slots["procedure_code"] == MARRIAGE


def test_any_other_question_finds_the_passage_that_answers_it(database, dispatcher):
    text, _ = answer(dispatcher, "giấy xác nhận có giá trị bao lâu vậy", "ask_procedure_info", context="1.004873")
    assert "06 tháng" in text


def test_the_source_names_itself(database, dispatcher):
    text, _ = answer(dispatcher, "thông tin này ở đâu ra", context=BIRTH)
    assert text.startswith("Dạ, nguồn thông tin") and "ma_thu_tuc=1.001193" in text


def test_a_childs_age_picks_the_id_card_for_under_14(database, dispatcher):
    text, slots = answer(dispatcher, "làm căn cước cho bé 10 tuổi cần giấy tờ gì", "ask_documents", "1.014061")
    assert "1.014062" in text and slots["procedure_code"] == "1.014062"
    dispatcher.messages.clear()
    # A stated age the procedure already fits changes nothing.
    text, slots = answer(dispatcher, "tôi 30 tuổi làm căn cước cần gì", "ask_documents", "1.014061")
    assert "1.014061" in text


def test_an_age_stated_as_a_follow_up_switches_to_the_variant(database, dispatcher):
    text, slots = answer(dispatcher, "con tôi mới 5 tuổi thì sao", "ask_procedure_info", context="1.014061")
    assert slots["procedure_code"] == "1.014062" and "1.014062" in text


def test_a_foreign_spouse_picks_the_marriage_with_a_foreign_element(database, dispatcher):
    text, slots = answer(
        dispatcher, "Chồng tôi là người Hàn Quốc, đăng ký kết hôn cần giấy tờ gì ạ?", "ask_documents", MARRIAGE
    )
    assert "2.000806" in text and "1.000894" not in text and slots["procedure_code"] == "2.000806"
    dispatcher.messages.clear()
    # Without a foreign party, the commune's own procedure.
    text, slots = answer(dispatcher, "đăng ký kết hôn cần giấy tờ gì", "ask_documents", MARRIAGE)
    assert "1.000894" in text


def test_a_foreign_parent_picks_the_birth_registration_with_a_foreign_element(database, dispatcher):
    text, slots = answer(dispatcher, "be co bo la nguoi My, lam giay khai sinh the nao", "ask_steps", BIRTH)
    assert "2.000528" in text and slots["procedure_code"] == "2.000528"


def test_a_foreign_party_stated_as_a_follow_up_switches_to_the_variant(database, dispatcher):
    text, slots = answer(dispatcher, "vợ em là người Nhật thì sao", "ask_procedure_info", context=MARRIAGE)
    assert slots["procedure_code"] == "2.000806" and "2.000806" in text
    dispatcher.messages.clear()
    # A worker ("người lao động") is not from abroad: the context stays.
    text, slots = answer(dispatcher, "người lao động thì sao", "ask_procedure_info", context=MARRIAGE)
    assert slots.get("procedure_code") in (None, MARRIAGE)


def test_a_missing_paper_shows_what_replaces_it_first(database, dispatcher):
    text, slots = answer(
        dispatcher, "Bố tôi mất tại nhà, không có giấy báo tử thì làm khai tử thế nào?", "ask_steps", DEATH
    )
    lines = text.split("\n")
    assert "1.000656" in lines[0] and "giấy tờ thay Giấy báo tử" in lines[1]
    assert slots["procedure_code"] == DEATH and len(lines) <= 12
    dispatcher.messages.clear()
    text, _ = answer(dispatcher, "sinh con o nha ko co giay chung sinh thi lam gks ntn", "ask_steps", BIRTH)
    assert "làm chứng" in text.split("\n")[1] and len(text.split("\n")) <= 12


def test_a_missing_paper_the_record_does_not_ask_for_changes_nothing(database, dispatcher):
    text, _ = answer(dispatcher, "không có sổ đỏ thì làm khai sinh cần gì", "ask_documents", BIRTH)
    assert "khi không có giấy tờ đó" not in text


def test_a_comparison_keeps_each_code_and_figure_on_the_phone(database, dispatcher):
    text, _ = answer(dispatcher, "lam ho chieu vs lltp cai nao lau hon", "ask_processing_time")
    assert "(mã 1.001456): Không quá 08 ngày làm việc" in text and "(mã 3.000333): Không quá 10 ngày làm việc" in text
    assert len(text.split("\n")) <= 12
    dispatcher.messages.clear()
    text, _ = answer(dispatcher, "Tam tru voi thuong tru cai nao re hon", "ask_fee")
    assert "15.000" in text and "20.000" in text and text.endswith('Rẻ hơn: "Đăng ký tạm trú".')
    dispatcher.messages.clear()
    # A fee the record gives no amount for: the reply says it cannot compare.
    text, _ = answer(dispatcher, "khai sinh với kết hôn cái nào rẻ hơn", "ask_fee")
    assert "Rẻ hơn" not in text and "không so được" in text


def test_how_many_months_leads_with_the_passage_that_states_the_months(database, dispatcher):
    text, slots = answer(dispatcher, "Nghi viec may thang thi rut bhxh mot lan duoc", procedure="1.001613")
    lines = text.split("\n")
    assert "1.001613" in lines[0] and "sau 12 tháng" in lines[1] and slots["procedure_code"] == "1.001613"
    # The record's caveat stays, and the citizen is told who decides.
    assert "không được rút một lần chỉ vì nghỉ việc" in text and "Bảo hiểm xã hội" in lines[-1]


def test_a_fee_section_keeps_its_amount_when_cut_for_the_phone(database, dispatcher):
    text, _ = answer(dispatcher, "lltp mất bn tiền vs bao lâu thì có", "ask_fee", CRIMINAL_RECORD)
    fee = text.split("\n")[1]  # the amount beside its section's title (issue 16: the direct answer first)
    assert fee.startswith("▸ Phí, lệ phí: 200.000đ/lần/người") and "Thời hạn giải quyết" in text


def test_an_id_card_for_no_one_stated_asks_the_age_once(database, dispatcher):
    text, slots = answer(dispatcher, "Tôi muốn làm căn cước", "ask_procedure_info", "1.014061")
    assert text.endswith("bao nhiêu tuổi ạ?") and len(dispatcher.messages) == 1
    payloads = [b["payload"] for b in dispatcher.messages[0]["buttons"]]
    assert any("1.014061" in x for x in payloads) and any("1.014062" in x for x in payloads)
    assert slots["procedure_code"] == "1.014061"
    dispatcher.messages.clear()
    # The answer typed back picks the variant.
    text, slots = answer(dispatcher, "bé nhà em 8 tuổi", "inform", context="1.014061")
    assert slots["procedure_code"] == "1.014062"


def test_an_id_card_for_someone_stated_is_answered_without_asking(database, dispatcher):
    for message in ("làm căn cước cho tôi cần gì", "tôi 30 tuổi làm căn cước"):
        text, _ = answer(dispatcher, message, "ask_documents", "1.014061")
        assert "bao nhiêu tuổi ạ?" not in text, message
        dispatcher.messages.clear()
    # A child without an age may be under 14 or not: asked.
    text, _ = answer(dispatcher, "làm căn cước cho con cần gì", "ask_documents", "1.014061")
    assert "bao nhiêu tuổi ạ?" in text
    dispatcher.messages.clear()
    # Nor is a procedure that is not split by age, nor the procedure already in the conversation.
    text, _ = answer(dispatcher, "làm hộ chiếu cần gì", "ask_documents", "1.001456")
    assert "bao nhiêu tuổi ạ?" not in text
    dispatcher.messages.clear()
    text, _ = answer(dispatcher, "làm căn cước cần gì", "ask_documents", "1.014061", context="1.014061")
    assert "bao nhiêu tuổi ạ?" not in text


def test_a_portal_list_mark_in_a_document_name_is_not_shown_twice():
    from actions.answers import document_line

    line = document_line({"name": "- Giấy báo tử hoặc giấy tờ thay Giấy báo tử", "originals": 1, "copies": 0})
    assert line.startswith("Giấy báo tử hoặc giấy tờ thay Giấy báo tử")
    assert document_line({"name": "Tờ khai - mẫu TK1", "originals": 1, "copies": 0}).startswith("Tờ khai - mẫu TK1")


def test_a_long_entry_for_a_missing_paper_fits_the_phone_and_the_whole_is_one_button_away():
    from actions.compound import _lacking
    from core.passages import phone_lines

    long_entry = (
        "- Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp. Trường hợp người yêu cầu "
        "đã nộp bản điện tử Giấy báo tử hoặc cơ quan đăng ký hộ tịch đã khai thác được dữ liệu điện tử có ký số "
        "của Giấy báo tử thì không phải nộp bản giấy."
    )
    record = {
        "code": "T.2",
        "name": "Đăng ký khai tử",
        "agency": "Ủy ban nhân dân cấp xã",
        "documents": [{"name": long_entry, "originals": 1}, {"name": "Tờ khai đăng ký khai tử", "originals": 1}],
    }
    reply = _lacking(record, "giấy báo tử")
    assert reply is not None
    text, buttons = reply
    assert "Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp." in text
    assert phone_lines(text) <= 12 and buttons and "detail" in buttons[0]["payload"]


def test_must_i_do_the_procedure_is_answered_from_who_must(database, dispatcher):
    text = "đi làm xa 4 tháng có phải khai báo tạm vắng ko ạ"
    start = text.index("khai báo")
    mention = {"entity": "procedure", "value": "1.003677", "start": start, "end": start + len("khai báo tạm vắng")}
    events = ActionAnswerProcedure().run(dispatcher, make_tracker("ask_procedure_info", text, [mention]), {})
    reply = dispatcher.messages[0]["text"]
    assert "Khai báo tạm vắng" in reply and "nghĩa vụ quân sự" in reply  # its subjects, not a paper
    assert slot_events(events)["procedure_code"] == "1.003677"


def test_may_i_with_the_procedure_found_only_by_the_linker(database, dispatcher):
    text = "Tôi là công chức nhà nước thì có được đứng ra thành lập doanh nghiệp không?"
    start = text.index("thành lập")
    mention = {"entity": "procedure", "value": "DP-KD-04", "start": start, "end": start + len("thành lập doanh nghiệp")}
    ActionAnswerProcedure().run(dispatcher, make_tracker("ask_procedure_info", text, [mention]), {})
    assert dispatcher.messages[0]["text"].startswith('Dạ, theo hồ sơ thủ tục "Đăng ký thành lập doanh nghiệp"')


def test_how_long_the_result_is_valid_when_the_record_does_not_say(database, dispatcher):
    text, _ = answer(dispatcher, "giay xac nhan co thoi han bao lau", context="DP-BTXH-03")
    assert "Kết quả thực hiện" in text and "không nêu thời hạn sử dụng" in text


def test_where_to_collect_the_result_when_the_record_names_only_the_agency(database, dispatcher):
    text, _ = answer(dispatcher, "lấy kq ở đâu", context=DEATH)
    assert "không nêu riêng nơi nhận kết quả" in text and "Ủy ban nhân dân" in text


def test_two_procedures_asked_the_classifiers_question_without_its_words(database, dispatcher):
    from services import answering
    from procedures_db.db import session_scope

    text = "bố e mất, lm khai tử vs xóa hộ khẩu cho bố ntn"
    with session_scope(database) as session:
        refs = [{"entity": "procedure_ref", **x.as_dict()} for x in answering.mentions(session, text)]
    tracker = make_tracker("ask_steps", text, [{"entity": "procedure", "value": "1.003197", "start": 28, "end": 39}])
    tracker.latest_message["procedure_refs"] = refs
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert "Đăng ký khai tử" in reply and "Xóa đăng ký thường trú" in reply and "Các bước" in reply


def test_documents_that_depend_on_an_unstated_case_ask_which(database, dispatcher):
    text, _ = answer(dispatcher, "dang ky thuong tru can nhung giay to gi", "ask_documents", RESIDENCE)
    buttons = dispatcher.messages[0]["buttons"]
    assert "CT01" in text and "trường hợp nào" in text and len(text.split("\n")) <= 12
    assert any("chỗ ở thuộc sở hữu" in b["title"] for b in buttons) and all(len(b["title"]) <= 60 for b in buttons)
    # A list most citizens bring whole, with a few exceptions ("khi ủy quyền"), asks nothing.
    dispatcher.messages.clear()
    text, _ = answer(dispatcher, "khai sinh can nhung giay to gi", "ask_documents", BIRTH)
    assert "trường hợp nào" not in text and "Giấy chứng sinh" in text


def test_a_case_button_gives_that_cases_documents(database, dispatcher):
    answer(dispatcher, "dang ky thuong tru can nhung giay to gi", "ask_documents", RESIDENCE)
    payload = next(b["payload"] for b in dispatcher.messages[0]["buttons"] if "sở hữu của mình" in b["title"])
    dispatcher.messages.clear()
    detail = payload.split('"detail": "')[1].split('"')[0]
    entities = [{"entity": "procedure", "value": RESIDENCE}, {"entity": "detail", "value": detail}]
    tracker = make_tracker("ask_documents", payload, entities, slots={"procedure_code": RESIDENCE})
    ActionAnswerProcedure().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert "trường hợp anh/chị nêu" in reply and "chỗ ở hợp pháp" in reply


def _after(question: str, text: str, intent: str, slots: dict):
    events = [{"event": "bot", "text": question}, {"event": "user", "text": text}]
    return make_tracker(intent, text, slots=slots, events=events)


def test_the_case_typed_back_is_answered_whatever_its_intent(database, dispatcher):
    from actions.out_of_scope import ActionOutOfScope
    from core import wording as m

    tracker = _after(m.CASE_ASK, "Thẻ bị rách, chữ mờ hết rồi.", "out_of_scope", {"procedure_code": "DP-BH-02"})
    events = slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))
    assert "Thẻ bảo hiểm y tế cũ" in dispatcher.messages[0]["text"] and events["procedure_code"] == "DP-BH-02"
    # Not after another question, nor a new question.
    dispatcher.messages.clear()
    tracker = _after("Dạ, em chào anh/chị.", "Thẻ bị rách", "out_of_scope", {"procedure_code": "DP-BH-02"})
    ActionOutOfScope().run(dispatcher, tracker, {})
    assert "Thẻ bảo hiểm y tế cũ" not in (dispatcher.messages[0].get("text") or "")


def test_the_age_typed_back_is_answered_whatever_its_intent(database, dispatcher):
    from actions.out_of_scope import ActionOutOfScope
    from core import wording as m

    slots = {"procedure_code": "1.014061", "pending_question": "ask_documents"}
    events = slot_events(
        ActionOutOfScope().run(dispatcher, _after(m.ASK_AGE_VARIANT, "Cháu 5 tuổi.", "out_of_scope", slots), {})
    )
    assert events["procedure_code"] == "1.014062" and "giấy tờ" in dispatcher.messages[0]["text"].lower()
    # The procedure asked about already fits the age: its answer to the question that waited.
    dispatcher.messages.clear()
    slots = {"procedure_code": "1.014062", "pending_question": "ask_documents"}
    events = slot_events(
        ActionOutOfScope().run(dispatcher, _after(m.ASK_AGE_VARIANT, "bé 5 tuổi", "out_of_scope", slots), {})
    )
    assert events["procedure_code"] == "1.014062" and "giấy tờ cần chuẩn bị" in dispatcher.messages[0]["text"]


def test_a_situation_that_names_no_case_gets_the_whole_list_not_a_question(database, dispatcher):
    text, _ = answer(
        dispatcher,
        "Tôi mới chuyển về ở nhà thuê, muốn nhập hộ khẩu vào đó thì cần những giấy tờ gì?",
        "ask_documents",
        RESIDENCE,
    )
    assert "trường hợp nào" not in text and "Ý kiến đồng ý" in text


def test_the_stated_case_leads_whatever_the_intent(database, dispatcher):
    text = "vo ve o voi chong thi nhap ho khau can giay gi"
    start = text.index("nhap")
    mention = {"entity": "procedure", "value": RESIDENCE, "start": start, "end": start + len("nhap ho khau")}
    ActionAnswerProcedure().run(dispatcher, make_tracker("ask_procedure_info", text, [mention]), {})
    reply = dispatcher.messages[0]["text"]
    assert "trường hợp anh/chị nêu" in reply and "quan hệ nhân thân" in reply


def test_a_paper_of_the_situation_told_back_is_no_new_question(database, dispatcher):
    from actions.out_of_scope import ActionOutOfScope
    from core import wording as m
    from services import answering
    from procedures_db.db import session_scope

    def reply_to(text):
        dispatcher.messages.clear()
        with session_scope(database) as session:
            refs = [{"entity": "procedure_ref", **x.as_dict()} for x in answering.mentions(session, text)]
        tracker = _after(m.CASE_ASK, text, "out_of_scope", {"procedure_code": RESIDENCE})
        tracker.latest_message["procedure_refs"] = refs
        ActionOutOfScope().run(dispatcher, tracker, {})
        return dispatcher.messages[0].get("text") or ""

    assert "CT01" in reply_to("nha toi tu mua, co so hong dung ten toi")
    assert "CT01" not in reply_to("còn kết hôn")


def test_a_party_from_abroad_told_in_a_follow_up_picks_the_variant_whatever_its_intent(database, dispatcher):
    from actions.out_of_scope import ActionOutOfScope

    text = "À, chồng tôi là người Hàn Quốc. Vậy hồ sơ có khác gì không?"
    tracker = _after("Dạ, giấy tờ …", text, "out_of_scope", {"procedure_code": BIRTH})
    events = slot_events(ActionOutOfScope().run(dispatcher, tracker, {}))
    assert events["procedure_code"] == "2.000528" and "2.000528" in dispatcher.messages[0]["text"]


def test_a_number_the_citizen_states_leads_with_the_passage_stating_such_a_number(database, dispatcher):
    text = "toi nghi viec duoc 2 thang, co rut bao hiem xa hoi 1 lan duoc khong"
    start = text.index("rut")
    mention = {
        "entity": "procedure",
        "value": "1.001613",
        "start": start,
        "end": start + len("rut bao hiem xa hoi 1 lan"),
    }
    ActionAnswerProcedure().run(dispatcher, make_tracker("ask_procedure_info", text, [mention]), {})
    assert "12 tháng" in dispatcher.messages[0]["text"]


def test_a_cut_section_keeps_two_lines_of_its_direct_answer():
    from actions.compound import _clip
    from core.passages import phone_lines

    first = "Cơ quan giải quyết: Trung tâm Dịch vụ việc làm (thuộc Sở Nội vụ tỉnh, thành phố)"
    lines = [first, "Cấp thực hiện: Cấp tỉnh.", "- Trực tiếp", "- Trực tuyến", "- Dịch vụ bưu chính"]
    for limit in (3, 4):
        kept, cut = _clip(lines, limit)
        assert cut and "Trung tâm Dịch vụ việc làm" in kept[0] and sum(map(phone_lines, kept)) <= limit


LONG_NAME = (
    "Cấp giấy phép thử nghiệm đối với công trình cấp III, cấp IV (Công trình không theo tuyến/Theo tuyến trong đô "
    "thị/Tín ngưỡng, tôn giáo/Tượng đài, tranh hoành tráng/Theo giai đoạn cho công trình không theo tuyến/Theo "
    "giai đoạn cho công trình theo tuyến trong đô thị/Dự án) và nhà ở riêng lẻ"
)


@pytest.fixture
def long_named(database, tmp_path) -> str:
    """A national record whose name runs to 280 characters, as many do, imported beside the seed."""
    import json

    from integrations.portal_import import import_portal
    from procedures_db.db import session_scope
    from tests.unit.integrations.test_portal_import import page

    pages = tmp_path / "national.jsonl"
    pages.write_text(json.dumps(page("9.000077", ten_thu_tuc=LONG_NAME), ensure_ascii=False) + "\n", "utf-8")
    with session_scope(database) as session:
        import_portal(session, [pages])
    return "9.000077"


def test_a_long_name_leaves_each_section_its_answer(long_named, dispatcher):
    from core.passages import phone_lines

    text, _ = answer(dispatcher, "nộp hồ sơ ở đâu, mất bao lâu", "ask_where_to_submit", context=long_named)
    # Before, the name took seven of the twelve lines and both sections showed only "… (còn N mục …)".
    assert "Ủy ban nhân dân cấp xã" in text and "5 ngày làm việc" in text
    assert '"Cấp giấy phép thử nghiệm đối với công trình cấp III, cấp IV và nhà ở riêng lẻ" (mã 9.000077)' in text
    assert phone_lines(text) <= 12


def test_a_long_name_is_shortened_in_a_one_aspect_answer_too(long_named):
    from actions.answers import answer_reply, render_answer
    from procedures_db.db import session_scope
    from services.catalogue import get_procedure

    with session_scope() as session:
        procedure = get_procedure(session, long_named)
        text, buttons = answer_reply(procedure, "ask_where_to_submit", "rest")
        full = render_answer(procedure, "ask_where_to_submit", full=True)
    assert text.startswith(
        'Dạ, nơi nộp hồ sơ của thủ tục "Cấp giấy phép thử nghiệm đối với công trình cấp III, cấp IV và'
    )
    assert "Cơ quan giải quyết: Ủy ban nhân dân cấp xã." in text.split("\n")
    assert LONG_NAME in full  # the full answer keeps the whole name


def test_a_long_passage_is_quoted_where_it_speaks_of_the_item():
    from actions.compound import _need
    from core.passages import phone_lines

    # A national step of twenty lines; the tax is in its middle.
    step = "Bước 3:\n3.1. Ủy ban nhân dân cấp xã thực hiện các nội dung sau:\n" + "\n".join(
        [f"{letter}) Kiểm tra hồ sơ đăng ký đất đai, bản đồ địa chính và hiện trạng sử dụng đất." for letter in "abcde"]
        + ["g) Gửi phiếu chuyển thông tin đến cơ quan thuế để xác định nghĩa vụ tài chính."]
        + [f"{letter}) Niêm yết công khai kết quả kiểm tra tại trụ sở Ủy ban nhân dân cấp xã." for letter in "hiklm"]
    )
    record = {"code": "9.2", "name": "Đăng ký đất đai lần đầu", "steps": [step], "documents": []}
    text, _ = _need(record, "nộp thuế")
    assert "cơ quan thuế" in text and phone_lines(text) <= 12


def test_a_minors_age_reads_what_the_record_says_of_minors(database, dispatcher):
    # No passage says "16 tuổi"; the record speaks of "người chưa thành niên" (under 18).
    text, slots = answer(
        dispatcher, "toi 16 tuoi, tu dang ky tam tru o phong tro gan truong duoc khong", context="1.004194"
    )
    assert "chưa thành niên" in text and "1.004194" in text


def test_a_circumstance_told_after_a_documents_answer_gets_the_variants_documents(database, dispatcher):
    # "lm khai sinh cho bé cần gì ạ" answered, then the birth abroad told: the documents of the variant with a
    # foreign element (before, its overview, which says nothing of the papers from abroad).
    events = [
        {"event": "user", "text": "lm khai sinh cho bé cần gì ạ", "parse_data": {"intent": {"name": "ask_documents"}}},
        {"event": "bot", "text": "Dạ, giấy tờ cần chuẩn bị của thủ tục …"},
        {"event": "user", "text": "bé sinh bên Đài Loan, mới về vn đc 2 tháng"},
    ]
    tracker = make_tracker("inform", events[-1]["text"], slots={"procedure_code": BIRTH}, events=events)
    slots = slot_events(ActionAnswerProcedure().run(dispatcher, tracker, {}))
    text = dispatcher.messages[0]["text"]
    assert slots["procedure_code"] == "2.000528" and "giấy tờ cần chuẩn bị" in text.split("\n")[0]
    assert "nhập cảnh" in text


def test_how_the_variants_documents_differ_is_what_its_list_adds(database, dispatcher):
    from actions.out_of_scope import ActionOutOfScope

    # Before, the variant's whole list, whose first lines are those of any birth registration.
    text = "À, chồng tôi là người Hàn Quốc. Vậy hồ sơ có khác gì không?"
    tracker = _after("Dạ, giấy tờ …", text, "out_of_scope", {"procedure_code": BIRTH})
    ActionOutOfScope().run(dispatcher, tracker, {})
    reply = dispatcher.messages[0]["text"]
    assert reply.startswith('Dạ, so với Đăng ký khai sinh, hồ sơ thủ tục "Đăng ký khai sinh có yếu tố nước ngoài"')
    assert "hợp pháp hóa lãnh sự" in reply and "quốc tịch" in reply
    assert "Tờ khai đăng ký khai sinh" not in reply  # both lists hold it


def test_a_long_added_entry_shows_its_first_sentence():
    from actions.compound import _added_documents

    # A national entry of 400 characters: its first sentence says the paper.
    entry = (
        "Trường hợp cha hoặc mẹ hoặc cả cha, mẹ là người nước ngoài thì phải nộp văn bản thỏa thuận của cha, mẹ về "
        "việc lựa chọn quốc tịch cho con. Trường hợp cha, mẹ lựa chọn quốc tịch nước ngoài cho con, thì ngoài văn "
        "bản thỏa thuận lựa chọn quốc tịch còn phải có xác nhận của cơ quan có thẩm quyền của nước mà người con "
        "được lựa chọn mang quốc tịch về việc người con có quốc tịch phù hợp với pháp luật của nước đó."
    )
    base = {"code": "1", "name": "Đăng ký khai sinh", "documents": [{"name": "Tờ khai đăng ký khai sinh"}]}
    variant = {
        "code": "2",
        "name": "Đăng ký khai sinh có yếu tố nước ngoài",
        "documents": [{"name": "Tờ khai đăng ký khai sinh"}, {"name": entry}],
    }
    text, _ = _added_documents(variant, base)
    assert "lựa chọn quốc tịch cho con." in text and "phù hợp với pháp luật" not in text


def test_a_short_section_leaves_its_lines_to_the_others(database, dispatcher):
    from actions.compound import _shares
    from core.passages import phone_lines

    # "Không thu phí, lệ phí" takes one line of its share; the agency keeps its name whole.
    text, _ = answer(dispatcher, "nộp hồ sơ ở đâu, cần những gì, có mất phí không", context="DP-LD-01")
    assert "Trung tâm Dịch vụ việc làm" in text and "Không thu phí" in text and phone_lines(text) <= 12
    assert _shares([5, 6, 1], 6) == [3, 2, 1] and _shares([1, 1], 4) == [1, 1]


def test_do_i_need_and_another_question_in_one_message_answers_both_in_order(database, dispatcher):
    text, slots = answer(dispatcher, "phí bao nhiêu, có cần mang giấy chứng sinh không", "ask_fee", context=BIRTH)
    assert text.index("Phí, lệ phí") < text.index("Giấy tờ anh/chị hỏi") < text.index("Giấy chứng sinh")
    assert "Có. Thành phần hồ sơ của thủ tục này" in text and slots["procedure_code"] == BIRTH
    text, _ = answer(dispatcher, "có cần sổ hộ khẩu không, nộp ở đâu", "ask_where_to_submit", context=RESIDENCE)
    assert "không cần sổ hộ khẩu" in text and text.index("01/01/2023") < text.index("Nơi nộp hồ sơ")


def test_an_eligibility_section_quotes_the_passage_stating_the_number_asked(database, dispatcher):
    text, _ = answer(
        dispatcher,
        "Tro cap that nghiep co nop online duoc khong, qua may thang thi mat quyen?",
        "ask_online",
        "DP-LD-01",
        context="DP-LD-01",
    )
    assert text.index("Nộp trực tuyến") < text.index("Đối tượng, điều kiện") < text.index("03 tháng")


def test_a_bare_vneid_names_the_account_and_asks_nothing_of_the_online_channel(database, dispatcher):
    text, _ = answer(dispatcher, "lm vneid muc 2 can j, lm online dc ko", "ask_documents", "3.000228")
    assert text.index("Giấy tờ cần chuẩn bị") < text.index("Nộp trực tuyến") and "gắn chip" in text


def test_a_photo_the_office_takes_is_answered_from_the_steps(database, dispatcher):
    text, slots = answer(dispatcher, "Có cần ảnh thẻ không?", "ask_documents", context="1.014063")
    assert 'Mục "Trình tự thực hiện"' in text and "ảnh khuôn mặt" in text and "không nêu" not in text
    assert slots["procedure_code"] == "1.014063"


def test_a_comparison_of_a_procedure_and_its_variant_reads_both(database, dispatcher):
    text, slots = answer(
        dispatcher, "dkkh binh thuong vs dkkh voi ng nuoc ngoai cai nao lau hon a", "ask_processing_time", MARRIAGE
    )
    assert '"Đăng ký kết hôn" (mã 1.000894): Ngay trong ngày' in text
    assert '"Đăng ký kết hôn có yếu tố nước ngoài" (mã 2.000806): chưa có thông tin' in text
    # A foreign spouse stated without a comparison still picks the variant alone.
    dispatcher.messages.clear()
    text, _ = answer(
        dispatcher, "chồng tôi người Hàn Quốc, đăng ký kết hôn mất bao lâu", "ask_processing_time", MARRIAGE
    )
    assert "2.000806" in text and "1.000894" not in text


def test_where_to_collect_the_result_quotes_the_step_that_hands_it_over(database, dispatcher):
    text, _ = answer(dispatcher, "lm ho chieu r thi nhan o dau", "ask_procedure_info", "1.001456")
    assert "Nhận hộ chiếu tại nơi nộp hoặc qua dịch vụ bưu chính" in text and "không nêu riêng" not in text
    assert text.startswith("Dạ, nơi nhận kết quả, theo mục")  # the header says what it answers
    dispatcher.messages.clear()
    text, _ = answer(dispatcher, "lấy kq ở đâu", context=CRIMINAL_RECORD)
    assert "Nhận Phiếu lý lịch tư pháp tại nơi nộp hoặc qua dịch vụ bưu chính" in text


def test_do_i_need_an_item_named_with_whose_it_is_stays_on_the_procedure(database, dispatcher):
    text, slots = answer(
        dispatcher, "Có cần mang giấy đăng ký kết hôn của bố mẹ bé không em?", "ask_documents", MARRIAGE, context=BIRTH
    )
    assert '"Đăng ký khai sinh"' in text and "1.000894" not in text and slots["procedure_code"] == BIRTH


def test_must_i_bring_the_child_quotes_the_step_that_says_so(database, dispatcher):
    text, _ = answer(dispatcher, "có cần đưa cháu đi không", "ask_documents", context="1.014062")
    assert 'Mục "Trình tự thực hiện"' in text and "đưa trẻ đến" in text and "không nêu" not in text


def test_the_same_question_of_two_procedures_in_two_clauses_answers_both(database, dispatcher):
    text, _ = answer(
        dispatcher,
        "xin giấy xác nhận độc thân mất mấy ngày, xong r đk kết hôn thì mấy ngày",
        "ask_processing_time",
        "1.004873",
    )
    assert "mã 1.004873" in text and f"mã {MARRIAGE}" in text


def test_the_citizens_own_case_is_found_though_its_word_folds_like_one_of_the_name(database, dispatcher):
    # Folded, "hộ" of "hộ nghèo" is a word of "hỗ trợ": said beside no other word of the name, it is the citizen's.
    text, _ = answer(
        dispatcher, "nhà e hộ nghèo, bố e mới mất, có dc hỗ trợ tiền mai táng k ạ", "ask_procedure_info", "DP-BTXH-02"
    )
    assert "hộ nghèo" in text and "không nêu rõ" not in text


def test_procedures_listed_after_one_question_are_each_answered(database, dispatcher):
    text, _ = answer(
        dispatcher, "cho e hỏi phí: đk tạm trú, cấp lại cccd, hộ chiếu mới", "ask_procedure_info", "1.014064"
    )
    assert all(f"mã {code}" in text for code in ("1.004194", "1.014064", "1.001456")) and "Phí, lệ phí" in text


def test_a_thing_said_before_thi_is_the_item_of_the_question_after_it(database, dispatcher):
    # "v còn sổ hộ khẩu cũ thì có phải nộp k": not '"nộp" không có trong hồ sơ', the household book's answer.
    text, _ = answer(dispatcher, "v còn sổ hộ khẩu cũ thì có phải nộp k", "ask_documents", context=RESIDENCE)
    assert "2023" in text and f"mã {RESIDENCE}" in text and '"nộp"' not in text


CHILD_ID_CARD = "1.014062"  # Cấp thẻ căn cước cho người dưới 14 tuổi


@pytest.mark.parametrize(
    "text, said, not_said",
    [
        ("bé nhà em mới 3 tuổi, làm căn cước có phải bồng bé ra công an không", "không thu nhận", "đưa trẻ đến"),
        ("chau 12 tuoi lam can cuoc co can dua chau di khong", "đưa trẻ đến", "không thu nhận"),
    ],
)
def test_whether_the_child_must_come_is_answered_for_the_age_told(database, dispatcher, text, said, not_said):
    reply, slots = answer(dispatcher, text, "ask_documents", CHILD_ID_CARD)
    assert f"mã {CHILD_ID_CARD}" in reply and said in reply and not_said not in reply


PASSPORT = "1.001456"


def test_a_lost_paper_told_picks_the_case_its_loss_is_named_in_not_the_one_that_excepts_it(database, dispatcher):
    reply, _ = answer(
        dispatcher, "hộ chiếu cũ đánh rơi mất rồi, xin cấp cái khác cần những gì", "ask_documents", PASSPORT
    )
    assert "trình báo mất" in reply and "cấp lần gần nhất" not in reply.split("Còn ")[0]
    dispatcher.messages.clear()
    # Asked with another aspect, the documents section also lists that case's paper.
    reply, _ = answer(dispatcher, "ho chieu bi trom mat, lam lai can giay to gi va bao lau", "ask_documents", PASSPORT)
    assert "trình báo mất" in reply


def test_a_consent_asked_about_is_answered_from_the_documents_that_ask_for_it(database, dispatcher):
    reply, _ = answer(
        dispatcher, "nhập hộ khẩu cho đứa 15 tuổi thì có phải được cha mẹ đồng ý không", "ask_documents", RESIDENCE
    )
    assert "mã 1.004222" in reply and "Ý kiến đồng ý của cha, mẹ" in reply
    assert reply.index("cha, mẹ") < reply.index("chủ hộ") if "chủ hộ" in reply else True
    dispatcher.messages.clear()
    reply, _ = answer(dispatcher, "đổi họ cho cháu 12 tuổi có cần cháu đồng ý không", "ask_documents", "1.004859")
    assert "09 tuổi" in reply
