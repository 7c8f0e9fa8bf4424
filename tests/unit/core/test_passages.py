"""What a question asks (aspects with spans, clauses, the item of "có cần X không") and which passage answers it."""

from __future__ import annotations

import pytest

from core import passages
from core.passages import (
    aspects_by_clause,
    asks_household_book,
    clauses,
    clean,
    comparison,
    days,
    detect_aspects,
    find_passages,
    is_form,
    is_paper,
    matching_documents,
    vietnamese_amounts,
)

# A record written for these tests (the format of docs/interfaces.md), not read from any catalogue.
RECORD = {
    "code": "T.1",
    "name": "Đăng ký khai sinh",
    "subjects": "Cha hoặc mẹ của trẻ. Ông, bà hoặc người thân thích khác khi cha, mẹ không thể đi đăng ký.",
    "conditions": "Đăng ký trong 60 ngày kể từ ngày sinh.",
    "result": "Giấy khai sinh bản chính",
    "documents": [
        {"name": "Tờ khai đăng ký khai sinh (mẫu TK1)", "case": None},
        {"name": "Giấy chứng sinh", "case": None},
        {"name": "Văn bản ủy quyền", "case": "Khi nhờ người khác đi đăng ký thay"},
        {"name": "Giấy tờ tùy thân có ảnh của người đi đăng ký", "case": None},
    ],
    "steps": ["Nộp hồ sơ tại Bộ phận Một cửa", "Nhận Giấy khai sinh tại Bộ phận Một cửa hoặc qua bưu chính"],
    "fees": [{"text": "Miễn lệ phí. Cần kiểm tra lại nếu có quy định mới"}],
    "legal_basis": [{"number": "60/2014/QH13", "title": "Luật Hộ tịch"}],
}


def aspects(text: str) -> list[str]:
    return [cue.aspect for cue in detect_aspects(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("cần giấy tờ gì và mất bao lâu", ["documents", "time"]),
        ("can giay to j va mat bao lau", ["documents", "time"]),
        ("phí bao nhiêu, các bước thế nào, nộp ở đâu", ["fee", "steps", "where"]),
        ("nộp ở đâu, phí bn", ["where", "fee"]),
        ("lấy kết quả ở đâu", ["pickup"]),
        ("mẫu tờ khai ở đâu", ["forms"]),
        ("căn cứ pháp lý của thủ tục này", ["legal_basis"]),
        ("quyết định công bố số mấy", ["decision"]),
        ("thông tin này lấy từ đâu", ["source"]),
        ("ai được làm", ["eligibility"]),
        ("nhà thuê có đăng ký thường trú được không", ["eligibility"]),
        ("làm online được không", ["online"]),
        ("làm khai sinh trên VNeID được không", ["online"]),
        ("lm vneid muc 2 can j, lm online dc ko", ["documents", "online"]),
        ("sao lâu vậy", ["time"]),
        ("xin chào", []),
    ],
)
def test_every_question_of_a_message_in_the_order_asked(text, expected):
    assert aspects(text) == expected


def test_spans_are_the_citizens_own_words():
    text = "Phí bao nhiêu, nộp ở đâu?"
    assert [text[c.start : c.end] for c in detect_aspects(text)] == ["Phí", "nộp ở đâu"]


@pytest.mark.parametrize(
    "text, item",
    [
        ("có cần mang giấy đăng ký kết hôn không?", "giấy đăng ký kết hôn"),
        ("co can so ho khau ko", "so ho khau"),
        ("có cần bản sao giấy khai sinh không", "bản sao giấy khai sinh"),
        ("có cần đưa bé đi không", "đưa bé đi"),
        ("Có cần mang giấy đăng ký kết hôn của bố mẹ bé không em?", "giấy đăng ký kết hôn của bố mẹ bé"),
        # "cần hợp đồng" is a need, not "căn hộ"; "cán bộ" and "căn hộ" stay no need.
        ("có cần hợp đồng mua bán không", "hợp đồng mua bán"),
        ("co can ho so goc khong", "ho so goc"),
        ("nhập hộ khẩu cho con có cần bố mẹ đồng ý không", "bố mẹ đồng ý"),
        # A paper named without a paper word is no act: what to bring, not "mang …".
        ("có cần mang cccd của mẹ không", "cccd của mẹ"),
        ("co can mang theo ho chieu khong", "ho chieu"),
    ],
)
def test_the_item_of_do_i_need(text, item):
    need = [c for c in detect_aspects(text) if c.aspect == "need"]
    assert [c.text for c in need] == [item]


def test_an_aspect_is_not_an_item():
    assert aspects("có cần nộp phí không") == ["fee"]


def test_clauses_split_at_commas_and_con():
    text = "khai sinh cần gì, còn kết hôn bao nhiêu tiền"
    assert [text[a:b] for a, b in clauses(text)] == ["khai sinh cần gì", "còn kết hôn bao nhiêu tiền"]
    grouped = aspects_by_clause(text)
    assert [[c.aspect for c in cues] for _, cues in grouped] == [["documents"], ["fee"]]


@pytest.mark.parametrize(
    "text, dimension",
    [
        ("khai sinh với khai tử cái nào nhanh hơn", "time"),
        ("tạm trú hay thường trú rẻ hơn", "fee"),
        ("so sánh hai thủ tục", "all"),
        ("khai sinh cần gì", None),
    ],
)
def test_comparisons(text, dimension):
    assert comparison(text) == dimension


def test_documents_matching_an_item_and_not_the_procedures_own_name():
    documents = RECORD["documents"]
    assert [d["name"] for d in matching_documents("giấy chứng sinh", documents)] == ["Giấy chứng sinh"]
    assert matching_documents("bản sao giấy khai sinh", documents, ignore=["Đăng ký khai sinh"]) == []
    assert matching_documents("giấy đăng ký kết hôn", documents, ignore=["Đăng ký khai sinh"]) == []
    # Citizens' name for a paper: "căn cước" is a "giấy tờ tùy thân".
    assert [d["name"] for d in matching_documents("căn cước", documents)] == [documents[3]["name"]]


def test_passages_name_their_field_and_skip_the_procedures_name():
    found = find_passages(RECORD, "ông bà đi đăng ký được không", ignore=["Đăng ký khai sinh"])
    assert found[0].field == "subjects" and "Ông, bà" in found[0].text


def test_editors_notes_are_never_shown():
    assert clean(RECORD["fees"][0]["text"]) == "Miễn lệ phí"
    assert clean("15.000 đồng (check)") == "15.000 đồng"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ngay trong ngày tiếp nhận hồ sơ", 0.0),
        ("07 ngày làm việc kể từ ngày nhận đủ hồ sơ", 7.0),
        ("Không quá 15 ngày", 15.0),
        ("Theo quy định", None),
        (None, None),
    ],
)
def test_days(text, expected):
    assert days(text) == expected


def test_household_book_papers_and_forms():
    assert asks_household_book("sổ hộ khẩu") and asks_household_book("so hk")
    assert not asks_household_book("giấy khai sinh")
    assert is_paper("bản sao giấy khai sinh") and not is_paper("đưa bé đi")
    assert is_form("Tờ khai thay đổi thông tin cư trú (mẫu CT01)") and not is_form("Giấy chứng sinh")


def test_a_missing_documents_replacement_is_not_its_condition():
    from core.passages import is_alternative

    assert is_alternative("Nếu không có Giấy chứng sinh: văn bản của người làm chứng")
    assert not is_alternative("Trẻ em bị bỏ rơi")


@pytest.mark.parametrize(
    "text", ["bạn thích màu gì", "làm cán bộ xã lương có cao không", "căn hộ chung cư có đẹp không"]
)
def test_words_typed_with_other_accents_ask_nothing(text):
    assert aspects(text) == []


def test_unaccented_words_still_ask():
    assert aspects("mau to khai o dau") == ["forms"]
    assert aspects("co can giay chung sinh khong") == ["need"]


@pytest.mark.parametrize("text", ["bạn có phải là người thật không", "co the cho toi gap can bo khong"])
def test_is_it_and_officials_are_not_do_i_need(text):
    assert "need" not in aspects(text)


def test_phone_lines_shorten_and_fit():
    from core.passages import PHONE_LINE_CHARS, fit, phone_lines, shorten

    assert phone_lines("a" * PHONE_LINE_CHARS + "\n\nb") == 2 and phone_lines("a" * (PHONE_LINE_CHARS + 1)) == 2
    assert shorten("một hai ba bốn năm", 10) == "một hai…" and shorten("ngắn", 10) == "ngắn"
    lines = ["x " * 60, "y " * 60, "z"]
    assert fit(lines, 20) == (lines, 0)
    kept, left = fit(lines, 3)
    assert left == 2 and all(phone_lines(line) <= 2 for line in kept) and sum(map(phone_lines, kept)) <= 3


def test_lines_shortened_to_fit_get_the_room_left_back_the_nearly_whole_first():
    from core.passages import PHONE_LINE_CHARS, fit, phone_lines

    whole = "4. Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp"  # a little over one phone line
    long = "5. " + "quan hệ nhân thân " * 8
    lines = ["1. ngắn", long, whole, long]
    kept, left = fit(lines, 6, max_line_chars=PHONE_LINE_CHARS)
    assert left == 0 and kept[2] == whole and sum(map(phone_lines, kept)) <= 6
    assert kept[1] != long and phone_lines(kept[1]) == 2 and phone_lines(kept[3]) == 1


def test_an_excerpt_is_the_part_about_the_question():
    from core.passages import excerpt

    text = "Công dân có chỗ ở hợp pháp (chỗ ở thuộc sở hữu của mình; chỗ ở thuê, mượn, ở nhờ đủ diện tích tối thiểu)."
    assert excerpt(text, "nhà thuê", 60) == "…chỗ ở thuê, mượn, ở nhờ đủ diện tích tối thiểu…"
    assert excerpt("ngắn", "nhà thuê", 60) == "ngắn"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("làm xong thì được cái gì", ["result"]),
        ("có được cấp giấy chứng nhận không", ["result"]),
        ("thông tin này ở đâu ra", ["source"]),
        ("thông tin có chính thức không", ["source"]),
    ],
)
def test_results_and_sources(text, expected):
    assert aspects(text) == expected


@pytest.mark.parametrize("text", ["giấy này có giá trị bao lâu", "bằng A1 có thời hạn không", "thẻ hết hạn khi nào"])
def test_how_long_a_paper_is_valid_is_its_result_not_the_processing_time(text):
    assert aspects(text) == ["result"]


@pytest.mark.parametrize(
    "text",
    [
        "co can " + "a " * 995 + "x",
        "can " * 500,
        "lam " + "x " * 995 + "the nao",
        " " * 2000 + "x",
        "1" * 2000,
        "9 " * 1000,
    ],
)
def test_every_pattern_runs_in_linear_time_on_a_long_message(text):
    import time

    from core.passages import clauses, days, excerpt

    import gc

    detect_aspects("x"), clauses("x"), excerpt("x", "a b", 100), days("x")  # compiled, loaded: not timed
    # This thread's CPU: the suite's background threads (servers of other tests) are not counted, nor a
    # collection of the whole suite's garbage that happens to start inside the call (1.4 s once in make test).
    gc.collect()
    gc.disable()
    try:
        started = time.thread_time()
        detect_aspects(text), clauses(text), excerpt(text, "a b", 100), days(text)
        spent = time.thread_time() - started
    finally:
        gc.enable()
    assert spent < 0.2


def test_ages_and_the_variants_they_fit():
    from core.passages import age_fits, name_head, stated_age

    assert stated_age("làm căn cước cho bé 10 tuổi") == 10 and stated_age("con 5t") == 5
    assert stated_age("khai sinh") is None and stated_age("mất 15 ngày") is None
    assert age_fits("Cấp thẻ căn cước cho người dưới 14 tuổi", 10) is True
    assert age_fits("Cấp thẻ căn cước cho công dân từ đủ 14 tuổi trở lên", 10) is False
    assert age_fits("Đăng ký khai sinh", 10) is None
    assert name_head("Cấp thẻ căn cước cho người dưới 14 tuổi") == "cap the can cuoc"


def test_a_party_from_abroad_is_stated():
    from core.passages import foreign_variant_name, states_foreign

    for text in (
        "Chồng tôi là người Hàn Quốc, đăng ký kết hôn cần gì",
        "vo toi nguoi trung quoc",
        "e lấy ck ng Nhật",
        "bé có bố là người Mỹ",
        "me la nguoi Lao",
        "lấy chồng Tây",
        "vợ tôi là Việt kiều",
        "kết hôn với người nước ngoài",
    ):
        assert states_foreign(text), text
    # Given names, workers, ethnic groups and the household are not a party from abroad.
    for text in ("nguoi lao dong nghi viec", "ông Nhật mất rồi", "bé nhà bà Hoa", "người Thái ở Sơn La", "người nhà"):
        assert not states_foreign(text), text
    assert foreign_variant_name("Đăng ký kết hôn") == "dang ky ket hon co yeu to nuoc ngoai"
    assert foreign_variant_name("Đăng ký kết hôn có yếu tố nước ngoài") is None


def test_the_paper_a_citizen_lacks():
    from core.passages import lacked_item

    assert lacked_item("Bố tôi mất tại nhà, không có giấy báo tử thì làm khai tử thế nào?") == "giay bao tu"
    assert lacked_item("sinh con o nha ko co giay chung sinh thi lam gks ntn") == "giay chung sinh"
    assert lacked_item("có cần giấy chứng sinh không") is None and lacked_item("khong co gi") is None


def test_the_number_a_question_asks_for():
    from core.passages import asked_unit, states_quantity

    assert asked_unit("nghỉ việc mấy tháng thì rút được") == "thang"
    assert asked_unit("nghi viec bao nhieu thang thi duoc rut") == "thang"
    assert asked_unit("bao nhiêu tuổi thì được làm căn cước") == "tuoi"
    assert asked_unit("rút bảo hiểm một lần được không") is None
    assert states_quantity("sau 12 tháng không thuộc diện đóng", "thang")
    assert not states_quantity("sau 12 tháng không thuộc diện đóng", "nam")


def test_for_whom_a_procedure_split_by_age_is_done():
    from core.passages import states_whom

    assert states_whom("lam cccd cho toi") and states_whom("con 15 tuổi")
    assert not states_whom("Tôi muốn làm căn cước") and not states_whom("lam the can cuoc can giay to gi v")
    # A child without an age may be on either side of the bound (14 for the ID card): asked.
    assert not states_whom("làm căn cước cho bé") and not states_whom("Làm căn cước cho con thì cần những gì?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7,000 Việt Nam Đồng (thu 7.000 đồng/lần)", "7.000 Việt Nam Đồng (thu 7.000 đồng/lần)"),
        ("1,000,000 VNĐ", "1.000.000 VNĐ"),
        ("3,000 USD", "3,000 USD"),  # another currency: as written
        ("1,5 ngày", "1,5 ngày"),
        ("12,5 đồng", "12,5 đồng"),  # a decimal already written the Vietnamese way
    ],
)
def test_amounts_in_dong_are_grouped_the_vietnamese_way(text, expected):
    assert vietnamese_amounts(text) == expected


def test_the_papers_every_case_needs_come_first():
    # As the national portal lists them: one case's entries, notes and a heading among the papers.
    names = [
        "- Trường hợp trẻ em bị bỏ rơi thì phải có biên bản về việc trẻ bị bỏ rơi.",
        "- Văn bản ủy quyền theo quy định trong trường hợp ủy quyền thực hiện việc đăng ký khai sinh.",
        "- Giấy chứng sinh; trường hợp không có Giấy chứng sinh thì nộp văn bản của người làm chứng.",
        "- Đối với việc xác định họ, dân tộc, quê quán, đặt tên cho trẻ:",
        "+ Trường hợp cha, mẹ không thỏa thuận được về họ của con thì theo tập quán.",
        "Lưu ý: giấy tờ nước ngoài phải được hợp pháp hóa lãnh sự.",
        "- Tờ khai đăng ký khai sinh theo mẫu",
    ]
    documents = [{"name": name, "group": "luu_y" if "cha, mẹ" in name else None} for name in names]
    ordered = [d["name"][:12] for d in passages.ordered_documents(documents)]
    assert ordered == [names[i][:12] for i in (2, 6, 0, 1, 3, 4, 5)]
    assert [passages.document_rank(d) for d in documents] == [1, 1, 0, 2, 2, 2, 0]
    assert passages.document_rank({"name": "Ví dụ: Trường hợp giấy tờ chứng minh chỗ ở hợp pháp là …"}) == 2


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ly hôn rồi, giờ xin giấy xác nhận độc thân thì phải nộp thêm gì", ["documents"]),
        ("đăng ký giám hộ mất mấy ngày, có tốn tiền không", ["time", "fee"]),
        ("chồng tôi là người Hàn Quốc. Vậy hồ sơ có khác gì không?", ["documents"]),
        ("gia hạn tạm trú phải làm trước bao nhiêu ngày, lệ phí bao nhiêu", ["eligibility", "fee"]),
        ("giấy đó dùng được bao lâu", ["result"]),
        # "có được … không" never hides the question inside it.
        ("tôi là sinh viên, làm lý lịch tư pháp có được giảm phí không", ["fee"]),
        ("vợ chồng tôi có thể ủy quyền cho người nhà đi đăng ký kết hôn thay không", ["eligibility"]),
        # "lần đầu làm" is the first time, not "đâu làm" (where).
        ("e 15t r, lần đầu lm cccd thì cần j ạ", ["documents"]),
        # "chứng thực giấy tờ" names the act: only the fee is asked.
        ("chứng thực giấy tờ ở xã mất bn tiền", ["fee"]),
    ],
)
def test_more_ways_of_asking(text, expected):
    assert aspects(text) == expected


def test_may_i_asks_with_two_words_and_leaves_the_procedures_name():
    text = "vợ chồng tôi có thể ủy quyền cho người nhà đi đăng ký kết hôn thay không"
    [cue] = detect_aspects(text)
    assert text[cue.start : cue.end] == "có thể"


def test_an_act_asked_about_is_not_a_paper():
    from core.passages import asks_to_do

    def need(text):
        return next(c for c in detect_aspects(text) if c.aspect == "need")

    for text in ("đi làm xa 4 tháng có phải khai báo tạm vắng ko", "xây nhà có cần xin giấy phép xây dựng không"):
        assert asks_to_do(text, need(text)), text
    assert not asks_to_do("có cần mang giấy đăng ký kết hôn không", need("có cần mang giấy đăng ký kết hôn không"))


def test_how_long_a_result_is_valid():
    from core.passages import asks_validity, states_validity

    assert asks_validity("bằng A1 có thời hạn không") and asks_validity("giấy đó dùng được bao lâu")
    assert not asks_validity("lấy kết quả ở đâu")
    assert states_validity("Giấy xác nhận tình trạng hôn nhân (có giá trị 06 tháng kể từ ngày cấp)")
    assert not states_validity("Giấy xác nhận khuyết tật ghi mức độ khuyết tật")


def test_a_number_the_citizen_states():
    from core.passages import stated_unit

    assert stated_unit("nghỉ việc được 2 tháng") == "thang" and stated_unit("ông tôi 76 tuổi") == "tuoi"
    assert stated_unit("rút 1 lần") is None and stated_unit("làm căn cước") is None


def test_an_excerpt_of_a_long_sentence_starts_where_it_answers():
    from core.passages import excerpt

    passage = (
        "Dùng cho cá nhân yêu cầu cấp Phiếu Lý lịch tư pháp số 1. Văn bản ủy quyền phải được công chứng, chứng thực "
        "theo quy định của pháp luật Việt Nam. Cá nhân yêu cầu cấp Phiếu Lý lịch tư pháp số 2 không được ủy quyền "
        "cho người khác làm thủ tục yêu cầu cấp Phiếu Lý lịch tư pháp."
    )
    quoted = excerpt(passage, "co the uy quyen cho nguoi khac di lam ly lich tu phap so 2 khong", 135)
    assert "số 2 không được ủy quyền cho người khác" in quoted and quoted.startswith("…")
    assert not quoted.endswith("……")
    # Accents typed tell "đóng thuế" from "đồng thời".
    step = (
        "Niêm yết công khai kết quả kiểm tra tại trụ sở Ủy ban nhân dân cấp xã trong thời gian 15 ngày, đồng thời "
        "xem xét giải quyết các ý kiến phản ánh về nội dung đã công khai; gửi phiếu chuyển thông tin đến cơ quan "
        "thuế để cơ quan thuế xác định và thông báo thu nghĩa vụ tài chính cho người sử dụng đất"
    )
    assert "cơ quan thuế" in excerpt(step, "có phải đóng thuế không", 135)
    # A clause that already says the question's words keeps its qualifier ("đóng trước ngày 01/7/2025").
    subjects = (
        "mắc bệnh nguy hiểm đến tính mạng theo danh mục; người có thời gian đóng trước ngày 01/7/2025, sau 12 tháng "
        "không thuộc diện đóng bảo hiểm xã hội bắt buộc, không tham gia bảo hiểm xã hội tự nguyện và có thời gian "
        "đóng dưới 20 năm"
    )
    assert "trước ngày 01/7/2025, sau 12 tháng" in excerpt(subjects, "thang nghi viec duoc 2 thang rut", 135)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Được bao nhiêu tiền một tháng?", ["result"]),  # what the citizen receives is in the result
        ("trợ cấp thất nghiệp được hưởng bao nhiêu", ["result"]),
        ("mức trợ cấp là bao nhiêu", ["result"]),
        ("Hỗ trợ chi phí mai táng được bao nhiêu tiền?", ["result"]),  # "chi phí" of its name asks nothing
        ("hỗ trợ chi phí mai táng có mất phí không", ["fee"]),
        ("làm hộ chiếu hết bao nhiêu tiền", ["fee"]),  # what the citizen pays
        ("đóng bao nhiêu tiền", ["fee"]),
        ("được mấy ngày thì xong", ["time"]),
    ],
)
def test_an_amount_received_is_the_result_an_amount_paid_the_fee(text, expected):
    assert aspects(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("làm trợ cấp thất nghiệp cần giấy gì và nộp cho ai", ["documents", "where"]),
        ("phí bao nhiêu, có được nhờ người khác đi thay không", ["fee", "eligibility"]),
        ("nhờ con đi nộp hộ được không", ["eligibility"]),
        ("cho con làm hộ chiếu cần gì", ["documents"]),  # "hộ chiếu" is no "làm hộ"
    ],
)
def test_to_whom_and_someone_else_doing_it(text, expected):
    assert aspects(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("làm hộ chiếu rồi thì nhận ở đâu, có gửi về nhà được không", ["pickup"]),
        ("làm xong lấy ở đâu", ["pickup"]),
        ("có nhận qua bưu điện không", ["pickup"]),
        ("nộp ở đâu", ["where"]),  # filing, not the result
    ],
)
def test_where_the_result_is_picked_up(text, expected):
    assert aspects(text) == expected


def test_a_heading_name():
    from core.passages import heading_name

    # A few characters over: whole ("… dưới 6 tuổi" is no detail).
    name = "Liên thông: đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi"
    assert heading_name(name) == name
    # Far over: without its bracketed details, then cut at a word.
    assert heading_name("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)", 40) == (
        "Cấp hộ chiếu phổ thông ở trong nước"
    )
    # Its bracketed details go first, even when the name is only a little over.
    assert heading_name("Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)", 50) == (
        "Cấp hộ chiếu phổ thông ở trong nước"
    )
    assert heading_name("Đăng ký đất đai, tài sản gắn liền với đất, cấp Giấy chứng nhận quyền sử dụng đất", 40) == (
        "Đăng ký đất đai, tài sản gắn liền với…"
    )


@pytest.mark.parametrize("item", ["đưa cháu đi", "dua be di", "đưa bé đi"])
def test_a_child_is_named_as_the_records_name_one(item):
    from core.passages import content_words, overlap

    passage = "Trẻ từ đủ 6 đến dưới 14 tuổi: cha, mẹ hoặc người đại diện hợp pháp đưa trẻ đến Công an cấp xã"
    assert overlap(content_words(item), content_words(passage)) >= 0.75  # services.answering's bar for a passage


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ng nuoc ngoai dang o vn co xin dc phieu lltp ko", ["eligibility"]),
        ("người nước ngoài có làm được thẻ căn cước không", ["eligibility"]),
        ("nộp được online không", ["online"]),
    ],
)
def test_may_i_with_the_act_before_duoc(text, expected):
    assert aspects(text) == expected


@pytest.mark.parametrize("text", ["qua mấy tháng thì mất quyền", "sau bao nhiêu ngày thì không còn được nhận"])
def test_a_deadline_after_which_the_right_is_lost_is_eligibility(text):
    assert aspects(text) == ["eligibility"]


@pytest.mark.parametrize(
    "text, handed_over",
    [
        ("Nhận hộ chiếu tại nơi nộp hoặc qua dịch vụ bưu chính (đăng ký khi nộp hồ sơ).", True),
        ("Nhận Phiếu lý lịch tư pháp tại nơi nộp hoặc qua dịch vụ bưu chính theo đăng ký.", True),
        ("Nhận Giấy khai sinh tại Bộ phận Một cửa", True),
        ("Cán bộ kiểm tra hồ sơ tại nơi nộp", False),
        ("Nộp hồ sơ qua dịch vụ bưu chính", False),
    ],
)
def test_where_the_result_is_handed_over(text, handed_over):
    assert passages.tells_handover(text) is handed_over


@pytest.mark.parametrize(
    "text, aspects",
    [
        # How long the paper is valid is its result, not the processing time.
        (
            "Xin giấy xác nhận tình trạng hôn nhân thì nộp ở đâu, mất mấy ngày, giấy có hạn bao lâu?",
            ["where", "time", "result"],
        ),
        # "cần bản vẽ gì": which papers.
        ("Xin giấy phép xây nhà ở riêng lẻ mất bao lâu, cần bản vẽ gì?", ["time", "documents"]),
        # "nhg j" typed for "những gì".
        ("lm gks cho con cần nhg j, mất phí k, bao lâu thì lấy đc", ["documents", "fee", "time"]),
    ],
)
def test_every_aspect_of_a_compound_question_is_found_in_order(text, aspects):
    assert [c.aspect for c in detect_aspects(text)] == aspects


def test_an_aspect_asked_again_in_a_later_clause_belongs_to_that_clause_too():
    text = "xin giấy xác nhận độc thân mất mấy ngày, xong r đk kết hôn thì mấy ngày"
    assert [c.aspect for c in detect_aspects(text)] == ["time"]  # the message asks one thing
    asked = [[c.aspect for c in cues] for _, cues in aspects_by_clause(text)]
    assert asked == [["time"], [], ["time"]]  # of two procedures, each in its clause


@pytest.mark.parametrize(
    "text",
    ["e nghỉ việc công ty đc mấy tháng thì mới rút bhxh 1 lần đc ạ", "đóng bảo hiểm mấy năm thì được hưởng lương hưu"],
)
def test_how_long_before_one_may_is_a_condition_not_the_processing_time(text):
    assert [c.aspect for c in detect_aspects(text)] == ["eligibility"]


@pytest.mark.parametrize(
    "text, item",
    [
        ("v còn sổ hộ khẩu cũ thì có phải nộp k", "sổ hộ khẩu cũ"),
        ("Giấy khai sinh bản chính thì có cần mang không?", "Giấy khai sinh bản chính"),
        ("có cần mang giấy đăng ký kết hôn không", "giấy đăng ký kết hôn"),
        # What a paper said just before needs done to it: the paper is the item, inside the question's span.
        ("văn bản ủy quyền này có phải công chứng không", "văn bản ủy quyền"),
        ("bang tot nghiep co can dich thuat ko", "bang tot nghiep"),
    ],
)
def test_the_item_of_a_need_question_may_come_before_thi(text, item):
    [cue] = detect_aspects(text)
    assert (cue.aspect, cue.text) == ("need", item)
    assert cue.start <= text.index(item)


def test_a_certification_asked_without_a_paper_before_it_is_the_item():
    [cue] = detect_aspects("tôi có cần công chứng không")
    assert (cue.aspect, cue.text) == ("need", "công chứng")


@pytest.mark.parametrize(
    "text, foreign",
    [
        ("Con tôi sinh ở Đức, chưa đăng ký khai sinh bên đó", True),
        ("con tôi sinh tại Pháp năm 2020", True),
        ("nhà tôi ở Mỹ Tho, làm khai sinh cho con", False),  # places in Việt Nam
        ("tôi ở Đức Hòa, làm khai sinh", False),
    ],
)
def test_a_birth_abroad_is_a_foreign_element_and_a_vietnamese_place_is_not(text, foreign):
    assert passages.states_foreign(text) is foreign


def test_the_narrowest_age_range_of_a_passage_that_holds_an_age():
    from core.passages import age_span

    assert age_span("Trẻ dưới 6 tuổi: đề nghị trên VNeID", 4) == 6
    assert age_span("Trẻ dưới 6 tuổi: đề nghị trên VNeID", 9) is None
    assert age_span("tre tu du 6 den duoi 14 tuoi: dua tre den", 9) == 8
    assert age_span("Công dân từ đủ 14 tuổi", 30) == 186
    assert age_span("Nộp tại Công an cấp xã", 9) is None


@pytest.mark.parametrize("item", ["bồng bé ra công an", "dẫn cháu theo", "mang con đến phường"])
def test_taking_someone_there_asks_presence(item):
    from core.passages import asks_presence

    assert asks_presence(item)


@pytest.mark.parametrize(
    "text, expected",
    [
        # Papers named before the question word, sums to pay whatever they are called.
        ("mở quán cà phê cần nộp các giấy nào", ["documents"]),
        ("làm sổ đỏ phải chuẩn bị những hồ sơ gì", ["documents"]),
        ("cấp lại bằng thì chịu những khoản phí nào", ["fee"]),
        ("đăng ký xe có phải trả tiền không", ["fee"]),
        # The citizen's own deadline and whether the agency takes their case: conditions.
        ("sinh con rồi phải đi khai sinh trong vòng mấy ngày", ["eligibility"]),
        ("chồng tôi không chịu ký, phường có giải quyết cho tôi không", ["eligibility"]),
    ],
)
def test_more_questions_in_the_citizens_words(text, expected):
    assert [c.aspect for c in detect_aspects(text)] == expected


def test_a_deadline_cue_leaves_the_procedures_name_between_its_words():
    text = "bị mất việc thì phải nộp hồ sơ bảo hiểm thất nghiệp trong thời hạn bao lâu"
    [cue] = detect_aspects(text)
    assert cue.aspect == "eligibility" and text[cue.start : cue.end] == "trong thời hạn bao lâu"
    assert passages.asked_unit(text) == passages.DEADLINE_UNITS
    assert passages.states_quantity("nộp trong 03 tháng kể từ ngày nghỉ việc", passages.asked_unit(text))


@pytest.mark.parametrize(
    "text, phrase",
    [
        ("em nhờ chị gái nộp giùm được không", "uy quyen"),
        ("bà nội ốm, tôi lĩnh thay cho bà có được không", "uy quyen"),
        ("vợ tôi chưa về kịp, tôi đi một mình có được không", "co mat"),
        ("nhà chồng phản đối thì có làm được không", "tranh chap"),
        ("em đang ở phòng trọ thì có nhập khẩu được không", "chu so huu"),
        ("làm giấy xác nhận cho cháu tôi được không", "dai dien hop phap"),
    ],
)
def test_the_records_words_for_the_case_a_citizen_tells(text, phrase):
    assert phrase in passages.meant_phrases(text)


@pytest.mark.parametrize("text", ["làm hộ chiếu ở đâu", "hộ nghèo có được hỗ trợ không", "làm ở xã được không"])
def test_words_that_only_look_like_a_case_mean_nothing(text):
    assert passages.meant_phrases(text) == []


def test_the_rule_a_passage_states_on_what_was_asked():
    entry = "Giấy ủy quyền — Người khác nộp thay (kèm giấy ủy quyền có chứng thực). Bản gốc phải tự mình nhận, không được ủy quyền"
    assert passages.rule_about(entry, ["uy quyen"]) == "Bản gốc phải tự mình nhận, không được ủy quyền"
    assert passages.rule_about("Văn bản ủy quyền", ["uy quyen"]) is None
    assert passages.excerpt(entry, "Bản gốc phải tự mình nhận, không được ủy quyền", 60).startswith("…Bản gốc")


def test_of_several_rules_the_one_about_the_question_and_what_it_answers():
    entry = (
        "Văn bản ủy quyền (không cần khi người được ủy quyền là vợ, chồng). Người xin bản loại B không được ủy quyền"
        " cho người khác nộp thay"
    )
    rule = passages.rule_about(entry, ["uy quyen"], "cho tôi nhờ người khác nộp bản loại B được không")
    assert rule is not None and rule.startswith("Người xin bản loại B") and passages.rule_verdict(rule) is False
    assert passages.rule_verdict("người chưa thành niên có thể ủy quyền cho cha, mẹ") is True
    assert passages.rule_verdict("chỉ giải quyết khi không có tranh chấp") is False
    assert passages.rule_verdict(None) is None
    # The rule of another numbered case decides nothing.
    assert passages.rule_verdict(rule, "nhờ người khác nộp bản loại B số 1 được không") is False
    assert passages.rule_verdict("Phiếu số 2 không được ủy quyền", "xin phiếu số 1 giùm được không") is None
    assert passages.rule_verdict("Phiếu số 2 không được ủy quyền", "xin phiếu số 2 giùm được không") is False
    assert (
        passages.rule_verdict("Phiếu số 2 không được ủy quyền", "Tôi cần phiếu số 2. Mẹ xin thay được không") is False
    )
    assert (
        passages.rule_about("Phiếu số 2 không được ủy quyền", ["uy quyen"], "phiếu số 1 nhờ người xin được không")
        is None
    )
