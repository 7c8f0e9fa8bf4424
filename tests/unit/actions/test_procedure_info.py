"""action_answer_procedure: answers from the catalogue, context, clarification, no match."""

from __future__ import annotations

import pytest

from actions.procedure_info import ActionAnswerProcedure
from tests.unit.actions.conftest import make_tracker, slot_events


def run(dispatcher, tracker):
    return ActionAnswerProcedure().run(dispatcher, tracker, {})


def procedure_entity(code, start=0, end=5, candidates=None):
    entity = {"entity": "procedure", "value": code, "start": start, "end": end}
    if candidates:
        entity["candidates"] = candidates
    return entity


def test_documents_answer_names_the_procedure_numbers_the_list_and_sets_the_context(database, dispatcher):
    events = run(dispatcher, make_tracker("ask_documents", "lam ho chieu", [procedure_entity("1.001456")]))
    [message] = dispatcher.messages
    assert "Cấp hộ chiếu phổ thông ở trong nước" in message["text"] and "mã 1.001456" in message["text"]
    assert "\n1. " in message["text"] and "\n2. " in message["text"]
    assert {b["title"] for b in message["buttons"]} >= {"Lệ phí", "Thời gian", "Nộp ở đâu"}
    assert "Giấy tờ" not in {b["title"] for b in message["buttons"]}
    assert slot_events(events)["procedure_code"] == "1.001456"


def test_the_documents_every_case_needs_lead_a_national_list(database, dispatcher):
    # The portal's order: one case's entries before the papers everyone brings.
    import json
    from pathlib import Path

    from integrations.catalogue_import import import_records
    from procedures_db.db import session_scope

    seed = Path(__file__).resolve().parents[3] / "procedures_db" / "seed" / "procedures.jsonl"
    record = next(r for r in map(json.loads, seed.read_text(encoding="utf-8").splitlines()) if r["code"] == "1.001193")
    record["code"], record["name"] = "T.0001", "Đăng ký khai sinh (thử)"
    record["documents"] = [
        {"name": "- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi.", "originals": 1},
        {"name": "Lưu ý: giấy tờ nước ngoài phải được hợp pháp hóa lãnh sự."},
        {"name": "- Giấy chứng sinh", "originals": 1},
        {"name": "- Tờ khai đăng ký khai sinh theo mẫu", "originals": 1},
    ]
    with session_scope(database) as session:
        assert not import_records(session, [(1, record)]).rejected
    run(dispatcher, make_tracker("ask_documents", "cần giấy tờ gì", [procedure_entity("T.0001")]))
    lines = dispatcher.messages[0]["text"].split("\n")
    assert lines[1].startswith("1. Giấy chứng sinh") and lines[2].startswith("2. Tờ khai")
    assert lines[3].startswith("3. Trường hợp trẻ em bị bỏ rơi") and lines[4].startswith("4. Lưu ý")


def test_follow_up_without_a_mention_uses_the_slot(database, dispatcher):
    run(dispatcher, make_tracker("ask_fee", "thế lệ phí bao nhiêu", slots={"procedure_code": "1.004222"}))
    text = dispatcher.messages[0]["text"]
    assert "mã 1.004222" in text and "20.000" in text and "Trực tuyến" in text


def test_a_new_mention_replaces_the_slot(database, dispatcher):
    events = run(
        dispatcher,
        make_tracker(
            "ask_processing_time", "tạm trú", [procedure_entity("1.004194")], slots={"procedure_code": "1.004222"}
        ),
    )
    assert "mã 1.004194" in dispatcher.messages[0]["text"]
    assert slot_events(events)["procedure_code"] == "1.004194"


def test_ambiguous_mention_asks_with_one_button_per_candidate(database, dispatcher):
    candidates = [
        {"code": "1.000894", "name": "Đăng ký kết hôn"},
        {"code": "2.000806", "name": "Đăng ký kết hôn có yếu tố nước ngoài"},
    ]
    events = run(
        dispatcher, make_tracker("ask_fee", "kết hôn hết bao nhiêu", [procedure_entity("1.000894", 0, 7, candidates)])
    )
    message = dispatcher.messages[0]
    assert "kết hôn" in message["text"]
    assert [b["payload"] for b in message["buttons"]] == [
        '/ask_fee{"procedure": "1.000894"}',
        '/ask_fee{"procedure": "2.000806"}',
    ]
    assert slot_events(events) == {"pending_question": "ask_fee"}


def test_chosen_procedure_answers_the_pending_question(database, dispatcher):
    run(dispatcher, make_tracker("inform", "", [procedure_entity("2.000806")], slots={"pending_question": "ask_fee"}))
    assert "phí, lệ phí" in dispatcher.messages[0]["text"] and "2.000806" in dispatcher.messages[0]["text"]


def test_unknown_fee_is_never_guessed(database, dispatcher):
    from services.catalogue import get_procedure
    from procedures_db.db import session_scope

    with session_scope(database) as session:
        unknown = next(code for code in ("DP-BH-02", "1.010041", "3.000228") if not get_procedure(session, code).fees)
    run(dispatcher, make_tracker("ask_fee", "phí", [procedure_entity(unknown)]))
    text = dispatcher.messages[0]["text"]
    assert "chưa có thông tin" in text and "dichvucong.gov.vn" in text
    assert "đồng" not in text


def test_no_procedure_at_all_asks_which_one(database, dispatcher):
    events = run(dispatcher, make_tracker("ask_documents", "cần mang giấy tờ gì"))
    assert dispatcher.messages[0]["response"] == "utter_ask_which_procedure"
    assert slot_events(events) == {"pending_question": "ask_documents"}


def test_unlinked_words_offer_the_closest_procedures(database, dispatcher):
    run(dispatcher, make_tracker("ask_documents", "thủ tục nhận con nuôi thì sao"))
    message = dispatcher.messages[0]
    assert message["buttons"], message
    assert all(b["payload"].startswith("/ask_documents{") for b in message["buttons"])


def test_a_bare_dossier_code_starts_the_dossier_lookup(database, dispatcher):
    events = run(
        dispatcher,
        make_tracker(
            "inform", "000.00.12.H48-251103-0021", [{"entity": "dossier_code", "value": "000.00.12.H48-251103-0021"}]
        ),
    )
    assert events == [{"event": "followup", "name": "dossier_form", "timestamp": None}]


def test_catalogue_down_gives_the_polite_default(dispatcher, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    run(dispatcher, make_tracker("ask_fee", "phí hộ chiếu", [procedure_entity("1.001456")]))
    assert dispatcher.messages[0]["response"] == "utter_default"


@pytest.mark.parametrize(
    "aspect",
    [
        "ask_procedure_info",
        "ask_documents",
        "ask_fee",
        "ask_processing_time",
        "ask_where_to_submit",
        "ask_steps",
        "ask_online",
    ],
)
def test_every_aspect_of_every_seed_procedure_renders(database, aspect):
    from actions.answers import render_answer
    from services.catalogue import get_procedure
    from procedures_db.db import session_scope
    from integrations.seed import PROCEDURES_FILE
    import json

    codes = [json.loads(line)["code"] for line in PROCEDURES_FILE.read_text(encoding="utf-8").splitlines()]
    with session_scope(database) as session:
        for code in codes:
            text = render_answer(get_procedure(session, code), aspect)
            assert code in text and text.startswith("Dạ,") and "None" not in text


def test_an_id_number_in_a_procedure_question_is_warned_about_and_the_question_answered(database, dispatcher):
    text = "CMND cũ của tôi số 012345678 thì đổi sang căn cước cần giấy tờ gì"
    run(dispatcher, make_tracker("ask_documents", text, [procedure_entity("1.014063")]))
    warning, answer = dispatcher.messages
    assert "VNeID" in warning["text"] and "012345678" not in warning["text"]
    assert "mã 1.014063" in answer["text"]


def test_an_english_question_naming_no_procedure_gets_the_english_answer(database, dispatcher):
    run(dispatcher, make_tracker("ask_documents", "what documents do I need?"))
    [message] = dispatcher.messages
    assert "administrative procedures" in message["text"] and "Dạ" not in message["text"]
