"""The use cases of the whole question on the seed catalogue: procedures per clause, items, eligibility, cases."""

from __future__ import annotations

import pytest

from integrations.seed import seed_if_empty
from procedures_db.db import session_scope
from services import answering


@pytest.fixture
def session(tmp_path):
    url = f"sqlite:///{tmp_path / 'answering.db'}"
    with session_scope(url) as session:
        seed_if_empty(session)
    with session_scope(url) as session:
        yield session


@pytest.mark.parametrize(
    "text, codes",
    [
        ("khai sinh cần gì, còn kết hôn bao nhiêu tiền", ["1.001193", "1.000894"]),
        ("khai sinh với khai tử cái nào nhanh hơn", ["1.001193", "1.000656"]),
        ("lam ho chieu het bao nhieu tien", ["1.001456"]),
        # Unaccented, with the words that end the question ("mỗi cái", "cái nào rẻ hơn") left out of the names.
        ("Tam tru voi thuong tru cai nao re hon", ["1.004194", "1.004222"]),
        ("dang ky tam tru va thuong tru moi cai phi bao nhieu", ["1.004194", "1.004222"]),
        ("khai bao tam vang bao nhieu", ["1.003677"]),
        # A verb or an object said once for both ("cấp đổi và cấp lại …", "đăng ký tạm trú với thường trú").
        ("cap doi hay cap lai the can cuoc thi re hon", ["1.014063", "1.014064"]),
        ("đăng ký tạm trú và thường trú giống nhau không", ["1.004194", "1.004222"]),
        # "cho con" (unaccented "còn") splits no procedure in two: the words after it borrow no verb.
        ("lam ho chieu cho con trai 9 tuoi can giay gi", ["1.001456"]),
        # The words that ask ("căn cứ pháp lý") are not a procedure's name ("lý lịch tư pháp").
        ("căn cứ pháp lý", []),
    ],
)
def test_the_procedures_of_each_clause(session, text, codes):
    assert [m.code for m in answering.mentions(session, text)] == codes


def test_the_nlus_mentions_are_read_back_instead_of_searched_again(session, monkeypatch):
    text = "khai sinh cần gì, còn kết hôn bao nhiêu tiền"
    searched = answering.mentions(session, text)
    refs = [{"entity": "procedure_ref", **m.as_dict()} for m in searched]

    def no_search(*args, **kwargs):
        raise AssertionError("searched again")

    monkeypatch.setattr(answering, "mentions", no_search)
    assert answering.found_mentions(session, text, refs) == searched
    assert answering.found_mentions(session, text, []) == []  # the NLU found none: none


def test_mentions_are_searched_when_the_parse_data_lacks_them(session):
    text = "khai sinh cần gì, còn kết hôn bao nhiêu tiền"
    searched = answering.mentions(session, text)
    assert answering.found_mentions(session, text, None) == searched
    # A ref without its clause (an older NLU): searched again rather than guessed.
    assert answering.found_mentions(session, text, [{"value": "1.001193", "start": 0, "end": 9}]) == searched


def test_an_item_the_record_asks_for_and_one_it_does_not(session):
    record = answering.record(session, "1.001193")
    assert [d["name"] for d in answering.needed_item(record, "giấy chứng sinh").documents] == ["Giấy chứng sinh"]
    assert answering.needed_item(record, "giấy đăng ký kết hôn").documents == []
    household = answering.needed_item(answering.record(session, "1.004222"), "sổ hộ khẩu")
    assert household.household_book and household.documents == []


def test_eligibility_quotes_the_passages_about_the_citizens_case(session):
    record = answering.record(session, "1.004222")
    found = answering.eligibility(record, "nhà thuê")
    assert found.subjects and any("thuê" in passage.text for passage in found.relevant)


def test_the_passages_in_the_records_words_for_the_citizens_case_come_first(session):
    # "nhờ người khác làm thay" is said "ủy quyền" in the record: that passage, whatever else shares a word.
    found = answering.eligibility(answering.record(session, "1.000894"), "chồng em đi xa nhờ", meant=["uy quyen"])
    assert found.relevant and "ủy quyền" in found.relevant[0].text
    # A number asked for still comes first.
    found = answering.eligibility(answering.record(session, "DP-LD-01"), "nghỉ việc", unit="thang", meant=["uy quyen"])
    assert "03 tháng" in found.relevant[0].text


def test_a_deadline_asked_is_read_in_the_steps_when_the_conditions_state_none(session):
    # "qua mấy tháng thì mất quyền": the 03 months to file are told in the unemployment benefit's steps.
    found = answering.eligibility(answering.record(session, "DP-LD-01"), "thì mất quyền", unit="thang")
    assert found.relevant and found.relevant[0].field == "steps" and "03 tháng" in found.relevant[0].text


def test_legal_basis_forms_and_pickup_come_from_the_record(session):
    record = answering.record(session, "1.004222")
    legal = answering.field_answer(record, "legal_basis")
    assert legal.lines and all(line for line in legal.lines)
    forms = answering.field_answer(record, "forms")
    assert any("CT01" in line for line in forms.lines)
    birth = answering.record(session, "1.001193")
    assert any("Nhận" in line for line in answering.field_answer(birth, "pickup").lines)


def test_compare_reads_each_records_time(session):
    compared = answering.compare([answering.record(session, c) for c in ("1.001193", "1.004222")])
    assert [c.days for c in compared] == [0.0, 7.0]


def test_a_foreign_party_picks_the_variant_with_a_foreign_element(session):
    assert answering.variant_for_foreign(session, "1.000894", "chồng tôi là người Hàn Quốc") == "2.000806"
    assert answering.variant_for_foreign(session, "1.001193", "bố bé là người Mỹ") == "2.000528"
    assert answering.variant_for_foreign(session, "1.000656", "ông ấy là Việt kiều") == "1.001766"
    # No foreign party stated, already the variant, or no such variant in the catalogue.
    assert answering.variant_for_foreign(session, "1.000894", "đăng ký kết hôn") is None
    assert answering.variant_for_foreign(session, "2.000806", "chồng người Hàn Quốc") is None
    assert answering.variant_for_foreign(session, "1.004222", "vợ tôi người Nhật") is None


def test_the_documents_of_a_citizen_who_lacks_a_paper(session):
    death = answering.record(session, "1.000656")
    choice = answering.documents_without(death, "giay bao tu")
    assert [d["name"] for d in choice.stated] == [
        "Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp"
    ]
    assert choice.always and all(d not in choice.stated for d in choice.always + choice.others)
    assert answering.documents_without(death, "so do").stated == []


def test_the_procedures_split_by_age(session):
    variants = answering.age_variants(session, "1.014061")
    assert [code for code, _ in variants][:1] == ["1.014061"] and "1.014062" in [c for c, _ in variants]
    assert answering.age_variants(session, "1.001456") == []


def test_which_procedure_is_cheaper(session):
    def compared(*codes):
        return answering.compare([answering.record(session, code) for code in codes])

    # Temporary residence costs less on each channel (15.000 / 7.000 against 20.000 / 10.000).
    assert answering.cheaper(compared("1.004194", "1.004222")) == "1.004194"
    # A fee without an amount (a late birth registration) or overlapping ranges: not decided.
    assert answering.cheaper(compared("1.001193", "1.000894")) is None
    assert answering.cheaper(compared("1.001456", "3.000333")) is None
    free = answering.Compared("a", "A", "", None, (), 1, (("", 0),))
    assert answering.cheaper([free, answering.Compared("b", "B", "", None, (), 1, (("", 0),))]) == "same"
    assert answering.cheaper([free, answering.Compared("b", "B", "", None, (), 1, (("", 5000),))]) == "a"


NATIONAL_LIKE = {
    "name": "Đăng ký khai sinh",
    "documents": [
        {"name": "Trường hợp người yêu cầu đã nộp bản điện tử Giấy chứng sinh thì không phải nộp bản giấy."},
        {"name": "- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng."},
        {"name": "- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản."},
        {"name": "- Tờ khai đăng ký khai sinh theo mẫu"},
    ],
}


def test_the_paper_itself_before_one_cases_entry_that_names_it():
    lacking = answering.documents_without(NATIONAL_LIKE, "giấy chứng sinh")
    assert lacking.stated[0]["name"].startswith("- Giấy chứng sinh")
    assert [d["name"][:6] for d in lacking.always] == ["- Tờ k", "Trường", "- Trườ"]
    needed = answering.needed_item(NATIONAL_LIKE, "giấy chứng sinh")
    assert needed.documents[0]["name"].startswith("- Giấy chứng sinh")


@pytest.mark.parametrize(
    "text, asked",
    [
        # Joined, or each clause asks its own question: every procedure named.
        ("khai sinh cần gì, còn kết hôn bao nhiêu tiền", ["1.001193", "1.000894"]),
        ("khai sinh cần gì, kết hôn bao nhiêu tiền", ["1.001193", "1.000894"]),
        ("bố em mất, làm khai tử với xóa hộ khẩu cho bố thế nào", ["1.000656", "1.003197"]),
        # The other names tell the citizen's case: the procedure of the clause that asks.
        ("Tôi là công chức, bị mất cả sổ hộ tịch lẫn giấy khai sinh. Đăng ký lại thì cần thêm giấy gì?", ["1.004884"]),
        # Two names in one clause, joined: both asked.
        ("bị móc túi mất cả hộ chiếu lẫn bằng lái xe, giờ làm lại cần những gì", ["1.001456", "3.000348"]),
        # The joint procedure named, not each of the procedures it joins.
        ("đăng ký khai sinh kèm đăng ký thường trú và thẻ bảo hiểm y tế cho bé thì nộp ở đâu", ["2.000986"]),
        # A few words of a long folk name ("bố mẹ cho đất con") beside a name said whole: the citizen's story.
        ("em 16 tuổi đi đăng ký tạm trú một mình được không hay phải có bố mẹ đi cùng", ["1.004194"]),
        # A question, then a sentence that tells the story: the procedure asked about.
        ("Thủ tục nhận cha cho con cần gì? Hai vợ chồng tôi chưa đăng ký kết hôn.", ["1.001022"]),
    ],
)
def test_the_procedures_asked_about(session, text, asked):
    assert [m.code for m in answering.asked_procedures(text, answering.mentions(session, text))] == asked


def test_an_act_is_not_matched_to_a_document_by_one_syllable():
    record = {"name": "Cấp đổi giấy phép lái xe", "documents": [{"name": "Giấy phép lái xe đề nghị đổi"}]}
    assert answering.needed_item(record, "thi lại").documents == []


def test_the_forms_themselves_come_first():
    record = {
        "documents": [
            {"name": "Giấy chứng nhận đăng ký phương tiện", "form_url": "https://example.invalid/a"},
            {"name": "Tờ khai thay đổi thông tin cư trú (mẫu CT01)", "form_url": "https://example.invalid/ct01"},
        ]
    }
    assert answering.field_answer(record, "forms").lines[0].startswith("Tờ khai thay đổi thông tin cư trú")


def test_the_law_leads_the_legal_basis():
    # The national portal lists a procedure's bases in no order: circulars and decrees first, the law among them.
    record = {
        "legal_basis": [
            {"number": "85/2019/TT-BTC", "title": "Thông tư Hướng dẫn về phí và lệ phí"},
            {"number": "123/2015/NĐ-CP", "title": "Nghị định số 123/2015/NĐ-CP quy định chi tiết Luật Hộ tịch"},
            {"number": "66.7/2025/NQ-CP", "title": "Nghị quyết số 66.7/2025/NQ-CP của Chính phủ"},
            {"number": "60/2014/QH13", "title": "Luật 60/2014/QH13"},
            "Thông tư số 04/2020/TT-BTP hướng dẫn Luật hộ tịch",
        ]
    }
    lines = answering.field_answer(record, "legal_basis").lines
    assert lines[0] == "Luật 60/2014/QH13"
    assert lines[1].startswith("Nghị định số 123/2015") and lines[2].startswith("Nghị quyết số 66.7")
    assert lines[3:] == [
        "Thông tư Hướng dẫn về phí và lệ phí 85/2019/TT-BTC",
        "Thông tư số 04/2020/TT-BTP hướng dẫn Luật hộ tịch",
    ]


def test_compared_fees_are_written_the_vietnamese_way():
    # "50,000 Việt Nam Đồng" reads as fifty đồng to a Vietnamese reader.
    record = {"code": "9.1", "name": "Cấp đổi", "fees": [{"text": "50,000 Việt Nam Đồng (/thẻ)", "amount_vnd": 50000}]}
    [compared] = answering.compare([record])
    assert compared.fees == ("50.000 Việt Nam Đồng (/thẻ)",)


def test_a_list_that_opens_with_the_procedures_own_case_asks_no_case():
    # The national record of 1.001613: a note on copies, the ordinary case (the procedure itself), one exception.
    note = "(Trường hợp không quy định là bản chính thì có thể nộp bản sao hợp lệ.)"
    ordinary, foreign = "1. Trường hợp hưởng BHXH một lần", "2. Đối với người lao động là công dân nước ngoài"
    documents = [
        {"name": "Trường hợp không quy định rõ bản chính thì có thể nộp bản sao hợp lệ", "case": note},
        {"name": "b) Đơn đề nghị (Mẫu số 14-HSB)", "case": ordinary},
        {"name": "a) Sổ BHXH", "case": ordinary},
        {"name": "Hồ sơ như nêu tại nội dung 1a, 1b.", "case": foreign},
    ]
    record = {"name": "Giải quyết hưởng bảo hiểm xã hội một lần", "documents": documents}
    # Before, the citizen was asked to choose between the note, the procedure itself and the foreign worker.
    assert answering.deciding_cases(record) == []
    # A list whose cases are the name's several acts is still a choice.
    acts = {
        "name": "Cấp, cấp lại Giấy chứng nhận",
        "documents": [
            {"name": "Đơn đề nghị cấp", "case": "Đối với cấp Giấy chứng nhận"},
            {"name": "Đơn đề nghị cấp lại", "case": "Đối với cấp lại Giấy chứng nhận"},
        ],
    }
    assert [case for _, case in answering.deciding_cases(acts)] == [
        "Đối với cấp Giấy chứng nhận",
        "Đối với cấp lại Giấy chứng nhận",
    ]


def test_the_documents_one_list_adds_to_another():
    base = {
        "name": "Đăng ký khai sinh",
        "documents": [{"name": "Tờ khai đăng ký khai sinh"}, {"name": "Giấy chứng sinh"}],
    }
    variant = {
        "name": "Đăng ký khai sinh có yếu tố nước ngoài",
        "documents": [
            {"name": "Tờ khai đăng ký khai sinh theo mẫu"},
            {"name": "Giấy chứng sinh hoặc giấy tờ thay Giấy chứng sinh"},
            {"name": "Bản dịch giấy tờ đã hợp pháp hóa lãnh sự"},
            {"name": "Văn bản thỏa thuận chọn quốc tịch nước ngoài cho con"},
        ],
    }
    added = [d["name"] for d in answering.documents_not_in(variant, base)]
    # What the names differ by ("nước ngoài") first.
    assert added == ["Văn bản thỏa thuận chọn quốc tịch nước ngoài cho con", "Bản dịch giấy tờ đã hợp pháp hóa lãnh sự"]


def test_a_photo_is_a_document_only_when_listed_and_else_the_step_that_takes_it(session):
    id_card = answering.needed_item(answering.record(session, "1.014063"), "ảnh thẻ")
    assert id_card.documents == [] and [x.field for x in id_card.passages] == ["steps"]
    assert "ảnh khuôn mặt" in id_card.passages[0].text
    passport = answering.needed_item(answering.record(session, "1.001456"), "ảnh 4x6")
    assert [d["name"] for d in passport.documents] == ["Ảnh chân dung theo quy cách của Bộ Công an"]
    # "Giấy tờ tùy thân có ảnh" is an ID paper, not a photo to bring.
    birth = answering.needed_item(answering.record(session, "1.001193"), "ảnh thẻ")
    assert birth.documents == [] and birth.passages == []


def test_bringing_the_child_is_read_in_the_steps_that_require_presence():
    # Written for this test in the national portal's words, which share no word with "cháu" but "đưa".
    record = {
        "code": "T.2",
        "name": "Cấp thẻ căn cước cho người dưới 14 tuổi",
        "documents": [{"name": "Phiếu đề nghị giải quyết thủ tục về căn cước", "case": None}],
        "steps": [
            "Tiếp nhận hồ sơ tại Công an cấp xã.",
            "Người đại diện hợp pháp đưa người dưới 14 tuổi đến địa điểm làm thủ tục cấp thẻ căn cước.",
        ],
    }
    needed = answering.needed_item(record, "dua chau di")
    assert [x.text for x in needed.passages] == [record["steps"][1]]
    assert answering.needed_item(record, "giấy khai sinh").passages == []
