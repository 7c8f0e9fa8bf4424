"""Search and linking with the full national catalogue loaded (../shared/data/national plus
the seed): folk names, glued words, official codes, near-identical names, honest confidence.

Skipped, saying so, when the national portal pages are absent (they are never committed).
"""

from __future__ import annotations

import statistics
import time

import pytest

from core.ranking import MAX_CHOICES, decide
from core.text import normalize
from procedures_db.db import session_scope
from services.catalogue import catalogue_index


@pytest.fixture(scope="module")
def index(national_catalogue_url):
    with session_scope(national_catalogue_url) as session:
        built = catalogue_index(session)
    assert len(built) > 2000
    return built


def decision(index, query):
    return decide(index.search(normalize(query), limit=5))


@pytest.mark.parametrize(
    "query,code",
    [
        ("tách hộ", "1.010038"),
        ("tach ho khau cho vo chong", "1.010038"),
        ("tachho", "1.010038"),
        ("xóa tạm trú", "1.010028"),
        ("thông báo lưu trú", "2.001159"),
        ("sang tên sổ đỏ", "1.013831"),
        ("tách thửa", "1.012784"),
        ("chuyển mục đích sử dụng đất", "1.013949"),
        ("cấp đổi sổ đỏ", "1.012783"),
        ("đăng ký biến động đất đai", "1.013831"),
        ("hộ kinh doanh", "1.001612"),
        ("xin phép xây dựng", "1.013225"),
        ("lam gks cho be", "1.001193"),
        ("khaisinh", "1.001193"),
        ("đk kết hôn", "1.000894"),
        ("dangkykethon", "1.000894"),
        ("đổi cccd", "1.014063"),
        ("đăng ký khai sinh lưu động", "1.003583"),
        ("khai sinh có yếu tố nước ngoài", "2.000528"),
        ("đăng ký lại khai sinh", "1.004884"),
        ("khai sinh kết hợp nhận cha mẹ con", "1.000689"),
        ("lam che do om dau khi nghi om o dau", "1.001667"),
        ("dang ky ho can ngheo", "1.011606"),
        ("xin chứng thực bản dịch hợp đồng lao động", "2.001008"),
        ("nha ben canh lan chiem dat nha minh thi lam sao", "1.012812"),
        ("địa chỉ thường trú ghi sai tên đường, điều chỉnh thông tin thường trú ở đâu", "1.010039"),
        ("muốn tách mảnh đất làm đôi để bán bớt", "1.012784"),
        ("chưa cưới nhưng muốn làm giấy khai sinh cho con có tên cha", "1.000689"),
    ],
)
def test_folk_names_abbreviations_glued_words_and_variants(index, query, code):
    assert decision(index, query).code == code


@pytest.mark.parametrize(
    "query,code", [("thủ tục 1.004222", "1.004222"), ("1004222", "1.004222"), ("ma 2000635", "2.000635")]
)
def test_official_code_look_up(index, query, code):
    assert decision(index, query).code == code


def test_same_procedure_at_several_levels_prefers_the_commune(index):
    found = decision(index, "cấp đổi thẻ căn cước")
    assert found.code == "1.014063"  # the commune's, not the province's or the ministry's


def test_an_ambiguous_query_asks_with_at_most_four_choices(index):
    found = decision(index, "căn cước")
    assert found.kind == "clarify" and 2 <= len(found.choices) <= MAX_CHOICES
    assert {"1.014061", "1.014063", "1.014064"} & {h.code for h in found.choices}


@pytest.mark.parametrize(
    "query",
    [
        "đăng ký",
        "nước ngoài",
        "bản sao",
        "lấy kết quả ở đâu",
        "sao lâu vậy",
        "thủ tục",
        "đăng ký nghĩa vụ quân sự",
        "xin visa đi mỹ du lịch",
        "đăng ký kết nạp đảng",
    ],
)
def test_what_the_catalogue_does_not_hold_names_no_procedure(index, query):
    found = decision(index, query)
    assert found.kind != "answer", (query, found.best)


@pytest.mark.parametrize(
    "query",
    [
        "dang ky o dau",  # "ở đâu" typed without accents is not the "ô tô" of a folk name
        "cap the nha bao lan dau",  # "nhà báo", not the particle "nha" and "bao nhiêu"
        "xin dac xa cho chong dang o tu",  # common syllables scattered over a long name
    ],
)
def test_unaccented_talk_and_scattered_syllables_name_no_procedure(index, query):
    found = decision(index, query)
    assert found.kind != "answer", (query, found.best)


def test_bh_after_rut_is_insurance_and_vc_after_nghi_is_work(index):
    assert decision(index, "nghỉ vc rồi rút bh 1 lần ở đâu").code == "1.001613"


def test_a_story_around_a_name_said_nearly_whole_far_ahead_of_any_other_is_answered(index):
    # precision 0.44 (the story's words), recall 0.91, no other procedure within 0.2
    assert decision(index, "uy quyen cho vo lanh thay luong huu vi toi nam vien").code == "1.001601"


def test_unaccented_can_before_bo_is_can_bo_not_can(index):
    # "can" typed without accents is dropped as "cần" unless it begins a name's pair ("cán bộ")
    assert decision(index, "yeu cau boi thuong vi can bo xa lam sai").code == "2.002165"


def test_a_paper_burnt_and_lost_is_its_re_issue(index):
    # "cháy mất hết rồi" is a loss; "mất hết bao nhiêu" would be a cost.
    assert decision(index, "sổ đỏ nhà e bị cháy mất hết r, lm lại ở đâu").code == "1.012786"


def test_unaccented_o_after_dat_is_still_residential_land(index):
    assert decision(index, "xin xac dinh lai dien tich dat o cua ho gia dinh").code == "1.012817"


@pytest.mark.parametrize(
    "query, code",
    [
        # a procedure said not done tells the case; the one named beside it is asked for
        ("vợ chồng chưa đăng ký kết hôn, làm giấy khai sinh cho con thế nào", "1.001193"),
        # a base name said, its variant adds words the question does not say
        ("lamgiaykhaisinh cho con o phuong nao", "1.001193"),
        # a re-issue said far from the name
        ("giay phep xay dung bi mat roi, xin cap lai", "1.013228"),
        # a foreign person said in words picks the foreign person's variant
        ("toi la nguoi Nhat co bang lai o Nhat, muon doi sang giay phep lai xe Viet Nam", "3.000351"),
        ("nhận cha con với người nước ngoài làm thế nào", "2.000779"),
        # "không" is a word of this name, said
        ("chuyển đổi công năng nhà ở không thuộc tài sản công", "1.013769"),
        # "người Tay" beside "dân tộc" is an ethnic group (Tày), not a Westerner
        ("toi la nguoi Tay, giay to ghi dan toc Kinh, muon xac dinh lai dan toc", "1.004859"),
        # "sửa" a personal detail is a correction ("sửa nhà" stays a repair)
        ("con tôi quốc tịch Mỹ, muốn sửa ngày sinh trên giấy khai sinh", "2.000748"),
        ("xin giay phep sua chua nha o", "1.013229"),
        # situations the alias file names
        ("con trai có gia đình muốn tách ra làm hộ riêng", "1.010038"),
        ("nhà có đám ma, muốn dựng rạp trên vỉa hè", "1.013274"),
        ("có khách ở lại nhà, có phải báo công an không", "2.001159"),
        # two procedures named, one does both
        ("khai sinh cho con kem nhan cha cho con", "1.000689"),
        # a foreign person said: the foreigner's own procedure, though not a variant by name
        ("khách du lịch người Hàn ở homestay nhà tôi, khai báo tạm trú cho khách ở đâu", "1.000253"),
        # a foreign person who lives in Vietnam: the procedure done in the country, not from abroad
        ("nguoi nuoc ngoai sinh song o viet nam muon xin nhap quoc tich", "2.002039"),
    ],
)
def test_the_procedure_a_question_asks_for_among_those_it_names(index, query, code):
    assert decision(index, query).code == code


@pytest.mark.parametrize(
    "query",
    [
        "xin trích lục bản án ly hôn của tòa",
        "trich luc ban an ly hon o dau",
        "sang tên hợp đồng mua điện khi mua nhà",
        "muốn tham gia đấu giá biển số xe ô tô, đăng ký ở đâu",
        "khiếu nại hàng xóm xây nhà lấn đất",
        "đăng ký kết hôn đồng giới",
    ],
)
def test_another_matter_beside_a_procedure_s_words_is_not_that_procedure(index, query):
    assert decision(index, query).kind == "none"


def test_search_stays_fast_with_the_full_catalogue(index):
    queries = ["tách hộ cần giấy tờ gì", "lam so do lan dau", "dangkykethon", "1.004222", "thủ tục xin visa"] * 40
    timings = []
    for query in queries:
        start = time.perf_counter()
        index.search(normalize(query), limit=5)
        timings.append(time.perf_counter() - start)
    p95 = statistics.quantiles(timings, n=20)[18]
    assert p95 < 0.05, f"search p95 {p95 * 1000:.1f} ms (target 5 ms; make bench measures it)"
