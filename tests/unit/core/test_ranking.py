"""core/ranking.py on the shipped seed catalogue: code look-up, glued words, honest
confidence (a partial word is not evidence), clarification with at most four choices
that prefer the commune's procedure for individuals, and the choices' labels."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from core.ranking import (
    MAX_CHOICES,
    CatalogueEntry,
    CatalogueIndex,
    Thresholds,
    choice_labels,
    confident,
    _purpose_clauses,
    decide,
)
from core.text import normalize
from procedures_db.catalogue import folk_aliases

SEED = Path(__file__).resolve().parents[3] / "procedures_db" / "seed" / "procedures.jsonl"


def seed_entries() -> list[CatalogueEntry]:
    with open(SEED, encoding="utf-8") as file:
        records = [json.loads(line) for line in file if line.strip()]
    return [
        CatalogueEntry(
            r["code"],
            r["name"],
            r.get("field"),
            tuple(r.get("levels") or ()),
            r.get("agency"),
            tuple(r.get("aliases") or ()),
            r.get("subjects"),
        )
        for r in sorted(records, key=lambda r: r["code"])
    ]


@pytest.fixture(scope="module")
def index() -> CatalogueIndex:
    return CatalogueIndex(seed_entries())


def answer(index: CatalogueIndex, query: str) -> str | None:
    decision = decide(index.search(query, limit=5))
    return decision.code


@pytest.mark.parametrize("query", ["thủ tục 1.004222", "1004222", "ma 1.004222", "mã thủ tục 1.004222 cần gì"])
def test_official_code_finds_its_procedure(index, query):
    result = index.search(query)
    assert result.best is not None and result.best.by_code
    assert answer(index, query) == "1.004222"


def test_local_code_and_unknown_code(index):
    assert answer(index, "DP-KD-04") == "DP-KD-04"
    assert index.search("9.999999").hits == []  # a code the catalogue lacks finds nothing by code


@pytest.mark.parametrize(
    "query,code",
    [
        ("dangkykethon", "1.000894"),
        ("khaisinh", "1.001193"),
        ("dangkytamtru", "1.004194"),
        ("lamhochieu", "1.001456"),
        ("dangkythuongtru", "1.004222"),
    ],
)
def test_glued_words_are_split_into_catalogue_syllables(index, query, code):
    assert answer(index, query) == code


def test_a_glued_word_splits_into_the_syllables_found_side_by_side(index):
    assert index._split("dangkykethon") == ["dang", "ky", "ket", "hon"]
    assert index._split("hello") is None  # not spelt by catalogue syllables


@pytest.mark.parametrize(
    "query",
    ["đăng ký", "nước ngoài", "bản sao", "lấy kết quả ở đâu", "sao lâu vậy", "cho em hỏi", "giấy tờ", "cấp lại"],
)
def test_a_partial_word_match_is_not_evidence(index, query):
    assert decide(index.search(query)).kind == "none"


def test_words_of_what_happened_alone_name_no_paper():
    """ "làm lại có mất phí", "bị mất", "hết hạn" say what happened, not to which paper: no mention,
    though one name holds them ("Cấp lại Giấy chứng nhận do bị mất", "Gia hạn tạm trú"); with the
    paper said ("thẻ căn cước bị hỏng"), the procedure is named."""
    entries = seed_entries() + [
        CatalogueEntry("1.012786", "Cấp lại Giấy chứng nhận do bị mất", "Đất đai", ("Cấp tỉnh",), None, (), None)
    ]
    index = CatalogueIndex(entries)
    for query in ["làm lại có mất", "bi mat", "bị mất", "hết hạn", "het han roi", "cấp đổi"]:
        decision = decide(index.search(query))
        assert decision.kind == "none", (query, decision.best)
    assert answer(index, "thẻ căn cước bị hỏng") == "1.014063"
    assert answer(index, "tạm trú hết hạn") == "1.002755"
    assert answer(index, "mất căn cước") == "1.014064"


def test_a_loss_stated_apart_picks_the_re_issue_that_names_it():
    """ "bằng lái xe máy của e mất": the words of the paper match a renewal's folk name a little better,
    but the loss the citizen states is the re-issue's ("Cấp lại giấy phép lái xe bị mất")."""
    entries = [
        CatalogueEntry("3.000347", "Cấp đổi giấy phép lái xe", None, (), None, ("đổi bằng lái xe máy",), None),
        CatalogueEntry("3.000348", "Cấp lại giấy phép lái xe bị mất", None, (), None, (), None),
    ]
    index = CatalogueIndex(entries)
    assert index.search("bằng lái xe máy của e mất r").best.code == "3.000348"
    assert index.search("đổi bằng lái xe máy").best.code == "3.000347"


@pytest.mark.parametrize("query", ["cấp lại cần gì", "cap lai can gi", "đổi lại cần những gì"])
def test_the_word_for_need_is_never_read_as_can_cuoc(index, query):
    """ "cần" after "lại" is not the slip "căn" of "cấp lại thẻ căn cước"; "cần cước" still is."""
    assert decide(index.search(query)).kind == "none"
    assert "căn cước" in index.search("cấp lại cần cước").best.name


@pytest.mark.parametrize(
    "query",
    [
        "đăng ký nghĩa vụ quân sự",
        "xin visa du lịch",
        "đăng ký kết nạp đảng",
        "giấy phép kinh doanh karaoke",
        "ly hôn ở tòa án",
    ],
)
def test_out_of_catalogue_questions_name_no_procedure(index, query):
    decision = decide(index.search(query))
    assert decision.kind != "answer", (query, decision.best)


def test_words_the_catalogue_does_not_know_lower_precision(index):
    plain = index.search("đăng ký kết hôn").best
    other = index.search("đăng ký kết nạp đảng viên").best
    assert plain is not None and plain.precision == 1.0
    assert other is None or other.precision < 0.7
    assert "nap" in index.search("đăng ký kết nạp đảng viên").unexplained or other is None


def test_how_people_ask_is_neither_evidence_nor_counter_evidence(index):
    short = index.search("xác nhận độc thân").best
    long = index.search("cho em hỏi xác nhận độc thân thì cần những giấy tờ gì ạ").best
    assert short is not None and long is not None
    assert short.code == long.code == "1.004873"
    assert long.precision == 1.0


@pytest.mark.parametrize("query,code", [("dăng ký kết hôn", "1.000894"), ("đăng ký kêt hôn", "1.000894")])
def test_a_tone_mark_typed_wrong_still_matches(index, query, code):
    assert answer(index, query) == code


def test_mat_bao_lau_is_how_long_not_a_loss(index):
    assert answer(index, "làm hộ chiếu mất bao lâu") == "1.001456"


def test_ambiguous_query_asks_with_at_most_four_choices(index):
    decision = decide(index.search("căn cước", limit=5))
    assert decision.kind == "clarify"
    assert 2 <= len(decision.choices) <= MAX_CHOICES
    assert {"1.014061", "1.014063", "1.014064"} & {h.code for h in decision.choices}


def test_near_identical_names_prefer_the_commune_and_individuals():
    entries = [
        CatalogueEntry("1.000001", "Gia hạn tạm trú", "Cư trú", ("Cấp tỉnh",), None, (), "Tổ chức"),
        CatalogueEntry("1.000002", "Gia hạn tạm trú", "Cư trú", ("Cấp xã",), None, (), "Công dân Việt Nam"),
        CatalogueEntry("1.000003", "Gia hạn tạm trú", "Cư trú", ("Cấp xã",), None, (), "Doanh nghiệp"),
    ]
    index = CatalogueIndex(entries)
    result = index.search("gia hạn tạm trú")
    assert [h.code for h in result.hits][:1] == ["1.000002"]
    assert decide(result).code == "1.000002"  # the whole name: answered, the commune's for individuals
    # Named in part, the three cannot be told apart: the commune's for individuals comes first.
    result = index.search("gia hạn")
    assert result.ambiguous and result.ambiguous_with[0].code == "1.000002"


def test_choice_labels_say_how_same_named_procedures_differ():
    entries = [
        CatalogueEntry("1.000001", "Cấp đổi thẻ căn cước", None, ("Cấp tỉnh",)),
        CatalogueEntry("1.000002", "Cấp đổi thẻ căn cước", None, ("Cấp xã",)),
        CatalogueEntry("1.000003", "Cấp " + "rất dài " * 30 + "thẻ", None, ("Cấp xã",)),
    ]
    hits = CatalogueIndex(entries).search("cấp đổi thẻ căn cước", limit=5).hits
    labels = dict(zip([h.code for h in hits], choice_labels(hits)))
    assert labels["1.000001"] == "Cấp đổi thẻ căn cước (cấp tỉnh)"
    assert labels["1.000002"] == "Cấp đổi thẻ căn cước (cấp xã)"
    long = choice_labels([h for h in CatalogueIndex(entries).search("rất dài").hits])[0]
    assert len(long) <= 90 and long.endswith("…")


def test_thresholds_are_what_decide_uses(index):
    hit = index.search("xác nhận độc thân").best
    assert hit is not None
    assert decide(index.search("xác nhận độc thân"), Thresholds()).code == hit.code
    strict = Thresholds(min_score=hit.score + 0.01, min_recall=1.0, min_precision=1.0)
    assert decide(index.search("xác nhận cư trú ở đâu nhanh"), strict).kind == "none"


def _variants_index() -> CatalogueIndex:
    return CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Đăng ký kết hôn", "Hộ tịch", ("Cấp xã",)),
            CatalogueEntry("1.000002", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", ("Cấp xã",)),
            CatalogueEntry("1.000003", "Đăng ký lại kết hôn", "Hộ tịch", ("Cấp xã",)),
            CatalogueEntry("1.000004", "Đổi giấy phép lái xe", "Đường bộ", ("Cấp tỉnh",)),
            CatalogueEntry("1.000005", "Đổi giấy phép lái xe quân sự do Bộ Quốc phòng cấp", "Đường bộ", ("Cấp tỉnh",)),
            CatalogueEntry("1.000006", "Đăng ký tạm trú", "Cư trú", ("Cấp xã",)),
            CatalogueEntry("1.000007", "Đăng ký khai sinh", "Hộ tịch", ("Cấp xã",)),
            CatalogueEntry("1.000008", "Đăng ký thường trú", "Cư trú", ("Cấp xã",)),
            CatalogueEntry("1.000009", "Hỗ trợ pháp lý cho doanh nghiệp", "Tư pháp", ("Cấp tỉnh",)),
        ]
    )


@pytest.mark.parametrize(
    "query",
    [
        "đăng ký kết hôn với bạn trai người Hàn Quốc",
        "dang ky ket hon voi chong nguoi nhat",
        "đăng ký kết hôn với Việt kiều",
    ],
)
def test_a_foreign_person_or_country_selects_the_foreign_element_variant(query):
    decision = decide(_variants_index().search(query, limit=5))
    assert decision.kind == "answer" and decision.code == "1.000002"
    assert decision.best is not None and decision.best.extends == "1.000001"


def test_a_country_word_without_a_person_or_place_is_not_a_foreign_element():
    # "pháp" of "pháp lý" is not France; the plain marriage is meant without a cue.
    index = _variants_index()
    assert decide(index.search("đăng ký kết hôn", limit=5)).code == "1.000001"
    result = index.search("hỗ trợ pháp lý cho doanh nghiệp", limit=5)
    assert result.best is not None and result.best.code == "1.000009" and result.best.extends is None


def test_a_variant_named_by_its_own_words_wins_over_its_base_name():
    index = _variants_index()
    assert decide(index.search("đổi bằng lái xe quân sự của bộ quốc phòng", limit=5)).code == "1.000005"
    assert decide(index.search("đổi bằng lái xe", limit=5)).code == "1.000004"
    # "lại" alone does not explain enough more of the query: no promotion without its words.
    best = index.search("đăng ký kết hôn ở xã", limit=5).best
    assert best is not None and best.code == "1.000001"


@pytest.mark.parametrize(
    "query, code",
    [
        ("đk tạm chú", "1.000006"),  # tr/ch said alike
        ("thuong chu dk ntn", "1.000008"),
        ("dang ki tam tru", "1.000006"),  # i/y
        ("dang ky khai sin", "1.000007"),  # final nh/n
        ("dang ky kahi sinh", "1.000007"),  # two letters swapped
    ],
)
def test_common_slips_are_read_in_context(query, code):
    assert decide(_variants_index().search(query, limit=5)).code == code


def test_a_real_word_is_not_read_as_another_without_the_pair():
    # "chồng" pairs with no catalogue word before it: never read as "trồng"/"trong".
    result = _variants_index().search("lấy chồng", limit=5)
    assert decide(result).kind == "none"


def test_numbers_tell_variants_apart_and_a_number_no_name_holds_is_not_counter_evidence():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Cấp tài khoản định danh điện tử mức độ 01 cho công dân", None, ("Cấp xã",)),
            CatalogueEntry("1.000002", "Cấp tài khoản định danh điện tử mức độ 02 cho công dân", None, ("Cấp xã",)),
            CatalogueEntry("1.000003", "Cấp thẻ căn cước cho người dưới 14 tuổi", None, ("Cấp xã",)),
            CatalogueEntry("1.000004", "Đăng ký thành lập công ty TNHH một thành viên", None, ("Cấp tỉnh",)),
            CatalogueEntry("1.000005", "Đăng ký thành lập công ty TNHH hai thành viên trở lên", None, ("Cấp tỉnh",)),
            CatalogueEntry("1.000006", "Đăng ký khai sinh", None, ("Cấp xã",)),
        ]
    )
    assert index.search("tài khoản định danh điện tử mức 1").best.code == "1.000001"
    assert index.search("dinh danh dien tu muc2").best.code == "1.000002"  # glued "mức2"
    assert index.search("lam can cuoc cho con duoi 14t").best.code == "1.000003"  # "14t" is 14 tuổi
    assert index.search("thanh lap cty tnhh 2 tv").best.code == "1.000005"  # "hai" and "2" alike
    result = index.search("con sinh được 3 tháng, đăng ký khai sinh")
    assert result.best.code == "1.000006" and "3" not in result.unexplained


def _land_index(*more: CatalogueEntry) -> CatalogueIndex:
    return CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Hòa giải tranh chấp đất đai", None, ("Cấp xã",)),
            CatalogueEntry("1.000002", "Tiếp nhận đơn thư kiến nghị", None, ("Cấp tỉnh",)),
            CatalogueEntry("1.000003", "Đăng ký thường trú", None, ("Cấp xã",)),
            CatalogueEntry("1.000004", "Cấp đổi thẻ căn cước", None, ("Cấp xã",)),
            CatalogueEntry("1.000005", "Đăng ký khai sinh", None, ("Cấp xã",)),
            *more,
        ]
    )


def test_a_long_question_is_answered_when_its_procedure_is_far_ahead():
    question = "tranh chấp đất đai thì gửi đơn thư ở đâu"
    result = _land_index().search(question)
    assert result.best is not None and not confident(result.best, Thresholds())  # precision diluted
    assert decide(result).code == "1.000001"
    # A word no procedure holds may be what the question is about: no margin then.
    assert decide(_land_index().search(question + " karaoke")).kind == "none"
    # Another procedure close behind: the margin is not there.
    near = CatalogueEntry("1.000006", "Giải quyết tranh chấp đất đai", None, ("Cấp xã",))
    assert decide(_land_index(near).search(question)).code is None
    # Stricter thresholds hold for the margin too.
    assert decide(result, Thresholds(min_score=0.9, min_recall=0.9)).kind == "none"


def test_a_generic_head_shared_by_many_names_is_not_a_name():
    kinds = "giáo dục y tế du lịch báo chí xuất bản karaoke vũ trường hàng không cảng biển đường sắt"
    words = kinds.split()
    entries = [
        CatalogueEntry(f"2.{i:06d}", f"Cấp giấy phép hoạt động {a} {b} đối với tổ chức", None, ("Cấp tỉnh",))
        for i, (a, b) in enumerate((a, b) for a in words for b in words if a != b)
        if i < 30
    ]
    entries += [
        CatalogueEntry(
            "3.000383",
            "Cấp phép hoạt động đối với phương tiện giao thông thông minh tại Cục Cảnh sát giao thông",
            None,
            ("Cấp bộ",),
        ),
        CatalogueEntry(
            "1.013228",
            "Cấp lại giấy phép xây dựng đối với công trình cấp III, cấp IV (công trình không theo tuyến)",
            None,
            ("Cấp xã",),
        ),
    ]
    index = CatalogueIndex(entries)
    # "Cấp phép hoạt động" is in thirty names: printing is not one of them, nor this one.
    assert decide(index.search("cấp giấy phép hoạt động in ấn")).code != "3.000383"
    # A head only its own procedure's names hold still names it.
    assert decide(index.search("cấp lại giấy phép xây dựng")).code == "1.013228"


def test_a_name_extended_by_words_the_query_does_not_say_is_not_a_choice():
    # The national catalogue holds, beside "Đăng ký thường trú", its removal and a level's
    # variant: "thường trú cần gì" asks about the registration, not which of them.
    index = CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Đăng ký thường trú", "Cư trú", ("Cấp xã",)),
            CatalogueEntry("1.000002", "Xóa đăng ký thường trú", "Cư trú", ("Cấp xã",)),
            CatalogueEntry("1.000003", "Đăng ký tạm trú", "Cư trú", ("Cấp xã",)),
        ]
    )
    for query in ("thường trú cần gt gì", "thuong tru bn ngay co kq"):
        decision = decide(index.search(query, limit=5))
        assert (decision.kind, decision.code) == ("answer", "1.000001")
    # Said, the extra word picks the variant; named in part, two unrelated names still ask.
    assert decide(index.search("xóa thường trú", limit=5)).code == "1.000002"
    assert decide(index.search("đăng ký", limit=5)).kind != "answer"


def test_a_query_that_tells_two_near_names_apart_gets_the_one_it_tells():
    # The same procedure at three levels: "cán bộ xã" says the commune's, not a choice of levels.
    name = "Giải quyết yêu cầu bồi thường tại cơ quan trực tiếp quản lý người thi hành công vụ gây thiệt hại"
    index = CatalogueIndex(
        [CatalogueEntry(f"2.00216{i}", f"{name} ({level})", None, ()) for i, level in enumerate(("cấp xã", "cấp tỉnh"))]
        + [
            CatalogueEntry(
                "2.000547",
                "Ghi vào Sổ hộ tịch việc hộ tịch khác của công dân Việt Nam đã được giải quyết ở nước ngoài "
                "(khai sinh; khai tử)",
                None,
                (),
            ),
            CatalogueEntry(
                "2.002189",
                "Ghi vào Sổ hộ tịch việc kết hôn của công dân Việt Nam đã được giải quyết ở nước ngoài",
                None,
                (),
            ),
        ]
    )
    result = index.search("bồi thường thiệt hại do người thi hành công vụ cấp xã gây ra")
    assert result.best.code == "2.002160" and not result.ambiguous
    # The words of the marriage's name the other lacks are said: it is meant, ranked first.
    result = index.search("ghi vào sổ hộ tịch việc kết hôn ở nước ngoài")
    assert result.best.code == "2.002189"
    # Said by neither, both stay a choice.
    assert index.search("bồi thường thiệt hại do người thi hành công vụ gây ra").ambiguous


def test_a_query_that_says_no_kind_of_issue_is_the_first_issue():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.013217", "Cấp lại chứng chỉ hành nghề hoạt động xây dựng", None, ()),
            CatalogueEntry("1.013237", "Cấp mới chứng chỉ hành nghề hoạt động xây dựng", None, ()),
            CatalogueEntry("1.013219", "Cấp chuyển đổi chứng chỉ hành nghề hoạt động xây dựng", None, ()),
        ]
    )
    decision = decide(index.search("chứng chỉ hành nghề hoạt động xây dựng"))
    assert (decision.kind, decision.code) == ("answer", "1.013237")
    # The re-issue said, it is the one.
    assert decide(index.search("cấp lại chứng chỉ hành nghề hoạt động xây dựng")).code == "1.013217"
    # Also beside a folk name of the first issue that the query says whole.
    with_alias = CatalogueIndex(
        [
            CatalogueEntry("1.013217", "Cấp lại chứng chỉ hành nghề hoạt động xây dựng", None, ()),
            CatalogueEntry(
                "1.013237",
                "Cấp mới chứng chỉ hành nghề hoạt động xây dựng",
                None,
                (),
                aliases=("chứng chỉ hành nghề xây dựng",),
            ),
        ]
    )
    assert decide(with_alias.search("cấp lại chứng chỉ hành nghề xây dựng")).code == "1.013217"
    assert decide(with_alias.search("chứng chỉ hành nghề xây dựng")).code == "1.013237"


def test_a_re_issue_said_nearly_whole_but_for_its_own_word_yields_to_the_first_issue():
    # The query says all of both names but "đổi" / "mới": the re-issue's word is rarer in the
    # catalogue than "mới", so the re-issue leads on recall; saying no kind of issue is the first one.
    index = CatalogueIndex(
        [
            CatalogueEntry("2.001402", "Cấp đổi Giấy chứng nhận đủ điều kiện về an ninh, trật tự", None, ()),
            CatalogueEntry("2.001478", "Cấp mới Giấy chứng nhận đủ điều kiện về an ninh, trật tự", None, ()),
            CatalogueEntry("1.000001", "Cấp đổi giấy phép hoạt động", None, ()),
            CatalogueEntry("1.000002", "Cấp đổi thẻ hội viên", None, ()),
            CatalogueEntry("1.000003", "Cấp đổi giấy phép", None, ()),
            CatalogueEntry("1.000004", "Cấp đổi thẻ", None, ()),
            CatalogueEntry("1.000005", "Cấp đổi chứng chỉ", None, ()),
        ]
    )
    decision = decide(index.search("cơ sở lưu trú cần giấy chứng nhận đủ điều kiện về an ninh trật tự, nộp ở đâu"))
    assert (decision.kind, decision.code) == ("answer", "2.001478")
    assert decide(index.search("cấp đổi giấy chứng nhận đủ điều kiện về an ninh trật tự")).code == "2.001402"


def test_a_re_issue_said_beside_a_paper_picks_the_re_issue_of_that_paper():
    # "đăng ký hộ kinh doanh" is said whole (a folk name of the registration), but the query asks
    # for the paper again ("cấp lại"): the re-issue whose name holds the paper's words is meant.
    index = CatalogueIndex(
        [
            CatalogueEntry("1.001612", "Đăng ký thành lập hộ kinh doanh", None, (), aliases=("đăng ký hộ kinh doanh",)),
            CatalogueEntry("2.000575", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh", None, ()),
            CatalogueEntry("1.001266", "Chấm dứt hoạt động hộ kinh doanh", None, ()),
            CatalogueEntry("1.003930", "Cấp lại Giấy chứng nhận đăng ký phương tiện", None, ()),
        ]
    )
    query = "giấy đăng ký hộ kinh doanh của nhà tôi bị cháy một góc, muốn cấp lại"
    assert decide(index.search(query)).code == "2.000575"
    # Without the re-issue said, the registration stays the answer.
    assert decide(index.search("đăng ký hộ kinh doanh cần giấy tờ gì")).code == "1.001612"


def test_what_a_procedure_is_for_is_not_the_procedure_asked_about():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân", None, ()),
            CatalogueEntry("1.000894", "Đăng ký kết hôn", None, ()),
            CatalogueEntry("2.002036", "Thôi quốc tịch Việt Nam ở trong nước", None, ()),
            CatalogueEntry("2.002039", "Nhập quốc tịch Việt Nam ở trong nước", None, ()),
            CatalogueEntry("2.002038", "Trở lại quốc tịch Việt Nam ở trong nước", None, ()),
        ]
    )
    # The purpose ("để đăng ký kết hôn …") is said whole, the paper asked for only nearly: the
    # marriage is never the answer, the paper ranks first.
    result = index.search("xin xác nhận tình trạng hôn nhân để đăng ký kết hôn ở tỉnh khác")
    assert result.best.code == "1.004873" and decide(result).code != "1.000894"
    assert answer(index, "đăng ký kết hôn ở tỉnh khác") == "1.000894"
    # Without "để" the two are named alike; "để lại" (left behind) is no purpose.
    assert _purpose_clauses(normalize("mảnh đất ông bà để lại")) == []
    assert _purpose_clauses(normalize("de nghi cap lai")) == []
    # "làm sao để …" asks how to do what follows
    assert _purpose_clauses(normalize("làm sao để đăng ký kết hôn")) == []
    assert _purpose_clauses(normalize("lam the de di hoc, o dau")) == [(10, 17)]


def test_a_name_said_without_its_joining_words_is_said_whole():
    # "cho", "của", "với" only join a name's words: leaving them out does not leave the name unsaid.
    index = CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Cấp giấy phép cho người nước ngoài làm việc", None, ()),
            CatalogueEntry("1.000002", "Cấp thẻ tạm trú người nước ngoài", None, ()),
            CatalogueEntry("1.000003", "Cấp giấy phép xây dựng", None, ()),
            CatalogueEntry("1.000004", "Cấp giấy phép lái xe", None, ()),
        ]
    )
    result = index.search("người nước ngoài làm việc ở công ty tôi, xin cấp giấy phép thì mang theo những gì")
    assert result.best.code == "1.000001" and result.best.recall >= 0.99
    sold = CatalogueIndex(
        [CatalogueEntry("1.013123", "Thu hồi đăng ký xe", None, (), aliases=("nộp biển số khi bán xe",))]
    )
    assert sold.search("bán xe rồi, nộp biển số ở đâu").best.recall >= 0.99
    found = CatalogueIndex(
        [
            CatalogueEntry(
                "1.010384", "Khôi phục giá trị sử dụng hộ chiếu", None, (), aliases=("khôi phục hộ chiếu đã báo mất",)
            )
        ]
    )
    assert found.search("lỡ báo mất rồi, giờ muốn khôi phục hộ chiếu").best.recall >= 0.99


def test_a_procedure_said_done_tells_the_case_of_what_is_asked_after_it():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.000894", "Đăng ký kết hôn", None, ()),
            CatalogueEntry("1.001193", "Đăng ký khai sinh", None, ()),
            CatalogueEntry("1.004222", "Đăng ký thường trú", None, ()),
        ]
    )
    # What comes after is not in the catalogue: no answer rather than the procedure already done.
    assert answer(index, "đăng ký khai sinh xong có phải báo cho nhà trường biết không") is None
    # What comes after is another procedure: that one.
    assert answer(index, "đăng ký kết hôn xong thì đăng ký thường trú về nhà chồng thế nào") == "1.004222"
    # Only how people ask after it: still about it.
    assert answer(index, "đăng ký kết hôn xong bao lâu thì có") == "1.000894"
    # "xong" said before the procedure ("làm xong …") tells the same.
    assert answer(index, "làm xong đăng ký khai sinh có phải báo cho nhà trường biết không") is None


def test_a_trade_with_a_licence_of_its_own_is_not_the_shop_s_registration():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.001612", "Đăng ký thành lập hộ kinh doanh", None, (), aliases=("mở cửa hàng", "mở quán")),
            CatalogueEntry("1.001266", "Chấm dứt hoạt động hộ kinh doanh", None, ()),
        ]
    )
    assert answer(index, "mở cửa hàng tạp hóa thì đăng ký ở đâu") == "1.001612"
    assert answer(index, "mở cửa hàng tạp hóa, muốn bán rượu thì xin phép ở đâu") is None
    assert answer(index, "mo quan nho ban le xang dau can giay to gi") is None
    assert answer(index, "mở cửa hàng kinh doanh xăng dầu cần đăng ký hộ kinh doanh không") is None


def test_a_name_s_words_scattered_with_none_of_its_pairs_side_by_side_name_nothing():
    # Typed without accents, "thửa đất liền kề" holds every word of "đất thừa kế", none in its order.
    index = CatalogueIndex(
        [
            CatalogueEntry(
                "1.013831",
                "Đăng ký biến động quyền sử dụng đất",
                None,
                (),
                aliases=("sang tên đất thừa kế", "đất thừa kế"),
            ),
            CatalogueEntry("1.012784", "Tách thửa hoặc hợp thửa đất", None, (), aliases=("gộp thửa",)),
            CatalogueEntry("1.013225", "Cấp giấy phép xây dựng", None, ()),
        ]
    )
    result = index.search("hai thua dat lien ke")
    assert result.best.code == "1.013831" and result.best.recall >= 0.99 and decide(result).kind == "none"
    assert answer(index, "gop thua dat lien ke vao mot so") == "1.012784"
    assert answer(index, "lam so cho dat thua ke") == "1.013831"


def test_giay_dang_ky_xe_is_the_vehicle_registration_certificate():
    # A folk term of four words ("giấy đăng ký xe") is read as the official one like "cà vẹt".
    index = CatalogueIndex(
        [
            CatalogueEntry("1.013079", "Đổi chứng nhận đăng ký xe, biển số xe", None, ()),
            CatalogueEntry("1.013067", "Đăng ký, cấp biển số xe lần đầu", None, (), aliases=("đăng ký xe máy",)),
            CatalogueEntry("1.013082", "Cấp lại chứng nhận đăng ký xe, biển số xe", None, ()),
        ]
    )
    assert answer(index, "muon doi giay dang ky xe") == "1.013079"
    assert answer(index, "đổi giấy đăng ký xe ở đâu") == "1.013079"


def test_lan_dau_is_what_a_first_issue_does():
    # "lần đầu" is not a word of "Cấp hộ chiếu …" but what it does: no counter-evidence.
    index = CatalogueIndex(
        [
            CatalogueEntry("1.014061", "Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên", None, ()),
            CatalogueEntry("1.014064", "Cấp lại thẻ căn cước", None, ()),
            CatalogueEntry("1.001456", "Cấp hộ chiếu phổ thông ở trong nước", None, ()),
            CatalogueEntry("1.013067", "Đăng ký, cấp biển số xe lần đầu", None, ()),
        ]
    )
    assert answer(index, "hộ chiếu phổ thông cấp lần đầu mất bao lâu") == "1.001456"
    assert answer(index, "cap bien so xe lan dau") == "1.013067"


def test_a_name_that_adds_procedures_the_query_does_not_name_yields_to_the_one_it_names():
    index = CatalogueIndex(
        [
            CatalogueEntry(
                "2.000986",
                "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
                "cho trẻ em dưới 6 tuổi",
                None,
                (),
            ),
            CatalogueEntry(
                "2.001023",
                "Liên thông các thủ tục hành chính về đăng ký khai sinh, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
                None,
                (),
            ),
        ]
    )
    result = index.search("liên thông khai sinh bảo hiểm y tế cho trẻ dưới 6 tuổi")
    assert result.best.code == "2.001023" and not result.ambiguous
    result = index.search("liên thông khai sinh thường trú bảo hiểm y tế cho trẻ dưới 6 tuổi")
    assert result.best.code == "2.000986"


def test_asking_words_are_not_what_is_asked_about():
    index = _land_index()
    # "nộp đơn", "làm đơn" and "hết bao nhiêu" are how people ask: the name is the whole question.
    assert confident(index.search("tranh chấp đất đai nộp đơn ở đâu").best, Thresholds())
    assert confident(index.search("hòa giải tranh chấp đất đai hết bn tiền").best, Thresholds())


def test_a_name_head_ends_where_mà_begins_its_case():
    index = CatalogueIndex(
        [
            CatalogueEntry(
                "2.001406",
                "Chứng thực văn bản phân chia di sản mà di sản là động sản, quyền sử dụng đất, nhà ở",
                None,
                (),
            ),
            CatalogueEntry("2.001016", "Chứng thực văn bản từ chối nhận di sản", None, ()),
        ]
    )
    assert decide(index.search("chứng thực văn bản phân chia di sản ông bà để lại")).code == "2.001406"


@pytest.mark.parametrize(
    "query,code",
    [
        ("Làm căn cước cho con 16 tuổi cần gì?", "1.014061"),
        ("con 4 tuổi lm cccd có mất tiền ko", "1.014062"),
        ("be nha toi moi 2 tuoi lam can cuoc duoc khong", "1.014062"),
    ],
)
def test_a_stated_age_picks_the_variant_whose_age_bound_holds_it(index, query, code):
    # "có mất tiền" is a cost, not a loss: no re-issue either.
    assert answer(index, query) == code


@pytest.mark.parametrize(
    "query,code",
    [
        ("đk hộ kd xong thì nhận đc giấy j", "1.001612"),
    ],
)
def test_abbreviations_read_by_context_find_the_procedure(index, query, code):
    assert answer(index, query) == code


@pytest.mark.parametrize(
    "query,code",
    [
        ("Bé nhà em có bố là người Mỹ, làm giấy khai sinh thế nào ạ?", "2.000528"),
        ("chong toi quoc tich Han Quoc, con sinh o Viet Nam thi khai sinh cho chau o dau", "2.000528"),
    ],
)
def test_a_foreign_party_picks_the_foreign_element_variant_of_the_procedure_named(index, query, code):
    assert answer(index, query) == code


def test_the_unit_of_a_number_the_citizen_states_is_how_they_tell_their_case(index):
    # "1 tuần" is no content the catalogue lacks (which would withhold a clear lead: far_ahead)
    result = index.search("con tôi mới sinh được 1 tuần, làm giấy khai sinh cần mang gì", limit=5)
    assert "tuan" not in result.unexplained
    assert result.best is not None and result.best.code == "1.001193"


def test_the_margin_of_a_clear_lead_ignores_the_same_procedure_at_another_level():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Khôi phục giá trị sử dụng hộ chiếu phổ thông (thực hiện tại cấp tỉnh)"),
            CatalogueEntry("1.000002", "Khôi phục giá trị sử dụng hộ chiếu phổ thông (thực hiện tại cấp trung ương)"),
            CatalogueEntry("1.000003", "Trình báo mất hộ chiếu phổ thông"),
        ]
    )
    result = index.search("khôi phục giá trị sử dụng hộ chiếu phổ thông đã trình báo mất", limit=5)
    assert {h.code for h in result.hits[:2]} == {"1.000001", "1.000002"}
    other = next(h.score for h in result.hits if h.code == "1.000003")
    assert result.runner_up == other  # not the twin's score, which ties the best


def test_a_paper_stated_wrong_is_corrected_within_its_field_not_issued_again(index):
    # "ghi sai … sửa": the civil-status correction, not the marriage registration that issued it
    assert answer(index, "Giấy chứng nhận kết hôn của tôi ghi sai ngày sinh, sửa thế nào?") == "1.004859"
    assert answer(index, "đăng ký kết hôn cần gì") == "1.000894"


@pytest.mark.parametrize(
    "query,code",
    [("ctck giấy ủy quyền", "2.000884"), ("xin ctbs bằng đại học", "2.000815")],
)
def test_an_acronym_of_name_words_is_read_as_them(index, query, code):
    # "ctck" is the initials of "chứng thực chữ ký", used in names far more than any other run
    assert answer(index, query) == code


def test_an_acronym_of_several_phrases_alike_is_left_as_typed(index):
    # "dktt": đăng ký thường trú or đăng ký tạm trú
    assert "dktt" not in index.acronyms


@pytest.mark.parametrize(
    "query, plain, code",
    [
        ("Cấp hộ chiếu công vụ cho cán bộ đi công tác nước ngoài", "cấp hộ chiếu", "1.001456"),
        ("Xin giấy chứng nhận kết hôn do nhà thờ cấp", "giấy chứng nhận kết hôn", "1.000894"),
        ("Xin giay chung nhan ket hon do nha tho cap", "giay chung nhan ket hon", "1.000894"),
        ("Đấu giá biển số xe đẹp đăng ký ở đâu?", "đăng ký biển số xe", "1.013067"),
        ("Dang ky hoc lai xe oto hang B o trung tam nao", "dang ky xe oto", "1.013067"),
        ("xin trích lục bản án ly hôn", "xin trích lục ly hôn", "2.000635"),
        (
            "Toi muon mo quan karaoke thi xin giay phep kinh doanh karaoke o dau?",
            "mở quán ăn thì đăng ký hộ kinh doanh ở đâu",
            "1.001612",
        ),
    ],
)
def test_a_name_qualified_into_another_matter_is_no_match(index, query, plain, code):
    """Issue 15: a folk name said whole with a qualifier that makes it something the catalogue
    does not hold (a service passport, an auction, a church's paper, a court's judgment, a
    driving course) is refused, where the name alone is answered."""
    assert answer(index, plain) == code
    assert answer(index, query) is None


def test_other_matter_qualifiers_only_count_beside_the_name_and_when_the_name_lacks_them(index):
    # Told apart by how people talk, the qualifier says who asks, not what is asked.
    assert answer(index, "Tôi là nhà báo, muốn làm hộ chiếu") == "1.001456"
    # Typed without diacritics, "ban an" is also "bán ăn": only "bản án" with its accents counts.
    assert answer(index, "đăng ký hộ kinh doanh bán ăn") == "1.001612"
    # A name that holds the qualifier is that matter.
    own = CatalogueIndex(
        [
            CatalogueEntry("1.000001", "Cho thuê nhà ở công vụ"),
            CatalogueEntry("1.000002", "Cấp hộ chiếu phổ thông", aliases=("cấp hộ chiếu",)),
        ]
    )
    assert decide(own.search("thuê nhà ở công vụ", limit=5)).code == "1.000001"
    assert decide(own.search("cấp hộ chiếu công vụ", limit=5)).code is None


def test_a_re_issue_said_far_from_the_name_is_meant():
    folk = folk_aliases()
    tail = "công trình cấp III, cấp IV (Công trình không theo tuyến/Theo tuyến trong đô thị/Dự án) và nhà ở riêng lẻ"
    entries = [replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in seed_entries() if e.code != "1.013225"]
    index = CatalogueIndex(
        entries
        + [
            CatalogueEntry("1.004746", "Đăng ký lại kết hôn", None, ()),
            CatalogueEntry("1.005461", "Đăng ký lại khai tử", None, ()),
            CatalogueEntry(
                "1.013225", f"Cấp giấy phép xây dựng mới đối với {tail}", None, (), aliases=folk["1.013225"]
            ),
            # the re-issue's tail lists a case the first issue's lacks: the heads tell them apart
            CatalogueEntry("1.013228", f"Cấp lại giấy phép xây dựng đối với {tail} (Sửa chữa, cải tạo)", None, ()),
        ]
    )
    # A folk name of the first issue said whole ("giấy đăng ký kết hôn"), the re-issue asked at the end.
    query = "Giấy đăng ký kết hôn của bố mẹ tôi bị mất cả bản chính lẫn sổ gốc, làm sao đăng ký lại?"
    assert decide(index.search(query)).code == "1.004746"
    query = "Trích lục khai tử của bà tôi bị thất lạc, sổ ở xã cũng mất, xin đăng ký lại khai tử"
    assert decide(index.search(query)).code == "1.005461"
    assert decide(index.search("Giay phep xay dung bi mat, xin cap lai")).code == "1.013228"
    # No re-issue said: the first issue.
    assert decide(index.search("giấy đăng ký kết hôn cần gì")).code == "1.000894"
    assert decide(index.search("xin giấy phép xây dựng")).code == "1.013225"


def test_two_procedures_named_with_one_that_does_both_get_that_one():
    folk = folk_aliases()
    entries = [replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in seed_entries()]
    combined = "Đăng ký khai sinh kết hợp đăng ký nhận cha, mẹ, con"
    index = CatalogueIndex(entries + [CatalogueEntry("1.000689", combined, None, (), aliases=folk["1.000689"])])
    assert decide(index.search("Khai sinh cho con kem nhan cha cho con luon thi lam the nao")).code == "1.000689"
    query = "Làm khai tử cho mẹ, xóa hộ khẩu và nhận tiền mai táng cùng một lúc được không?"
    assert decide(index.search(query)).code == "DP-LT-02"
    # One of them named: that one.
    assert decide(index.search("làm giấy khai sinh cho con")).code == "1.001193"
    assert decide(index.search("xóa hộ khẩu cho người đã mất")).code != "DP-LT-02"


@pytest.mark.parametrize(
    "query, plain, code",
    [
        # Without diacritics "ban an" is the court's judgment beside words that only go with it.
        ("Xin trich luc ban an ly hon de lam lai ho so", "xin trich luc ket hon de lam lai ho so", "2.000635"),
        # The qualifier beside words of the name said apart from the mention ("ô tô … đăng ký").
        ("Tôi muốn học lái xe ô tô hạng B, đăng ký học ở trung tâm nào?", "đăng ký biển số xe ô tô ở đâu", "1.013067"),
        # A licence held for a violation, a same-sex marriage.
        (
            "Bi tam giu bang lai do vi pham nong do con, bao gio duoc lay lai?",
            "bang lai bi mat, lam lai o dau",
            "3.000348",
        ),
        ("Đăng ký kết hôn đồng giới ở Việt Nam được không?", "đăng ký kết hôn ở việt nam được không", "1.000894"),
        # A complaint about a neighbour's building, said anywhere, is not the building permit.
        (
            "Tôi muốn khiếu nại hàng xóm xây nhà lấn sang tường nhà mình",
            "tôi muốn xin phép xây nhà lấn sang tường nhà mình",
            "1.013225",
        ),
        # The power company's contract is not the land's.
        ("sang ten hd mua dien khi mua nha cu", "sang ten nha dat khi mua nha cu", "1.013831"),
        ("sang tên hợp đồng điện khi mua nhà cũ", "sang tên nhà đất khi mua nhà cũ", "1.013831"),
    ],
)
def test_another_matter_is_told_with_the_folk_names_loaded(query, plain, code):
    folk = folk_aliases()
    index = CatalogueIndex([replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in seed_entries()])
    assert answer(index, plain) == code
    assert answer(index, query) is None
    # "bán ăn" is still a food stall's.
    assert answer(index, "dang ky ho kinh doanh ban an sang") == "1.001612"


def test_a_death_told_finds_the_death_registration_and_a_loss_does_not():
    folk = folk_aliases()
    index = CatalogueIndex([replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in seed_entries()])
    assert answer(index, "Bố tôi vừa mất, tôi phải làm những thủ tục gì?") == "1.000656"
    assert answer(index, "ông tôi qua đời hôm qua, gia đình cần làm gì") == "1.000656"
    assert answer(index, "nha co nguoi mat can lam thu tuc gi") == "1.000656"
    # "mất" with a paper is a loss.
    assert answer(index, "bố tôi vừa mất cccd, làm lại ở đâu") != "1.000656"
    assert answer(index, "mẹ tôi mất sổ đỏ") != "1.000656"


@pytest.mark.parametrize(
    "code, name, query",
    [
        ("3.000275", "Mở khóa tài khoản định danh điện tử (thực hiện tại cấp tỉnh)", "vneid bị khóa thì mở khóa ở đâu"),
        ("1.012888", "Công nhận Ban quản trị nhà chung cư", "xin công nhận ban quản trị chung cư"),
        ("1.013442", "Khai báo vũ khí thô sơ là hiện vật trưng bày, triển lãm, làm đồ gia bảo", "khai báo kiếm cổ"),
        ("1.011608", "Công nhận hộ thoát nghèo, hộ thoát cận nghèo thường xuyên hằng năm", "xin thoát nghèo"),
        ("1.014159", "Cung cấp thông tin quy hoạch đô thị và nông thôn", "hỏi thông tin quy hoạch ở đâu"),
    ],
)
def test_folk_names_of_national_procedures_find_them(code, name, query):
    folk = folk_aliases()
    entries = [replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in seed_entries()]
    index = CatalogueIndex(entries + [CatalogueEntry(code, name, None, (), aliases=folk.get(code, ()))])
    assert answer(index, query) == code


def test_closing_a_household_business_is_its_end_and_closing_it_for_a_while_its_pause():
    folk = folk_aliases()
    pause = CatalogueEntry(
        "1.001570", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh"
    )
    entries = [replace(e, aliases=e.aliases + folk.get(e.code, ())) for e in [*seed_entries(), pause]]
    index = CatalogueIndex(entries)
    assert answer(index, "đóng cửa hộ kd thì lm thủ tục j") == "1.001266"
    assert answer(index, "tạm đóng cửa hộ kinh doanh 3 tháng") == "1.001570"


def test_a_complaint_names_the_procedure_whose_name_holds_it():
    index = CatalogueIndex(
        [
            CatalogueEntry("1.004335", "Giải quyết khiếu nại về hoạt động của Công an cấp xã"),
            CatalogueEntry("1.013225", "Cấp giấy phép xây dựng mới", aliases=("xin phép xây nhà",)),
        ]
    )
    assert answer(index, "khiếu nại công an xã") == "1.004335"
    assert answer(index, "khiếu nại hàng xóm xây nhà không xin phép") is None
