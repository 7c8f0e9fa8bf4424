"""The shared Vietnamese normaliser: diacritics, tone placement, abbreviations, spans."""

from __future__ import annotations

import pytest

from core.text import canonical_dossier_code, fold, normalize, normalized_text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Đăng ký khai sinh", "dang ky khai sinh"),
        ("ĐẤT ĐAI", "dat dai"),
        ("hộ chiếu", "ho chieu"),
        ("thủ tục hoà giải", "thu tuc hoa giai"),
    ],
)
def test_fold_strips_all_diacritics_including_d(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("hoà giải", "hòa giải"),
        ("uỷ ban", "ủy ban"),
        ("thuỷ lợi", "thủy lợi"),
        ("hoàng", "hoàng"),  # the tone is not final-cluster: untouched
        ("quý khách", "quý khách"),  # "qu" + ý is already modern
        ("Hoà", "hòa"),
    ],
)
def test_old_tone_placement_becomes_modern(typed, expected):
    assert normalized_text(typed) == expected


def test_decomposed_unicode_is_composed():
    decomposed = "Đăng ky\u0301 khai sinh"  # "ký" typed as y + combining acute
    assert normalized_text(decomposed) == "đăng ký khai sinh"


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("lam cccd can j", "lam căn cước công dân can gì"),
        ("nộp online dc ko", "nộp online được không"),
        ("đk kết hôn", "đăng ký kết hôn"),
        ("dk tam tru", "đăng ký tam tru"),
        ("có dk ko", "có được không"),
        # "đi đk" is going to register; "đi đk không" asks whether one can go.
        ("chị ấy đi đk khai tử cho bố", "chị ấy đi đăng ký khai tử cho bố"),
        ("mai đi đk ko", "mai đi được không"),
        ("phí bn vậy", "phí bao nhiêu vậy"),
        ("mất gplx", "mất giấy phép lái xe"),
        ("đkkd hộ cá thể", "đăng ký kinh doanh hộ cá thể"),
        ("lm gks cần nhg j", "làm giấy khai sinh cần những gì"),
        ("gí", "gí"),  # a word with tone marks is never an abbreviation
    ],
)
def test_abbreviations_are_expanded_in_context(typed, expected):
    assert normalized_text(typed) == expected


def test_every_token_keeps_the_span_of_what_the_user_typed():
    text = "Cho e hỏi làm CCCD  mất bn tiền?"
    for token in normalize(text):
        assert 0 <= token.start < token.end <= len(text)
    expanded = [t for t in normalize(text) if text[t.start : t.end] == "CCCD"]
    assert [t.text for t in expanded] == ["căn", "cước", "công", "dân"]


@pytest.mark.parametrize(
    "typed",
    [
        "000.00.12.H48-241105-0012",
        "000.00.12.h48-241105-0012",
        "0000012H48-241105-0012",
        "000 00 12 H48 241105 0012",
        "000.00.12.H48 - 241105 - 0012",
    ],
)
def test_dossier_codes_are_canonical_however_typed(typed):
    assert canonical_dossier_code(typed) == "000.00.12.H48-241105-0012"
    tokens = normalize(f"tra cứu hồ sơ {typed} giúp em")
    assert [t.text for t in tokens if t.kind == "dossier_code"] == ["000.00.12.H48-241105-0012"]


@pytest.mark.parametrize("typed", ["000.00.12.H48-24110-0012", "12345", "H48-241105-0012", ""])
def test_malformed_dossier_codes_are_rejected(typed):
    assert canonical_dossier_code(typed) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😀😀😀",
        "<script>alert(1)</script>",
        "'; DROP TABLE x; --",
        "a" * 5000,
        "这是中文",
        "\u200b\u200b",
        "ـــ",
    ],
)
def test_hostile_or_empty_input_never_fails(text):
    tokens = normalize(text)
    assert all(0 <= t.start <= t.end <= len(text) for t in tokens)


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("nhập hk cần gì", "nhập hộ khẩu cần gì"),
        ("được hk", "được không"),
        ("mở hkd", "mở hộ kinh doanh"),
        ("làm passport", "làm hộ chiếu"),
        ("sang tên sđ", "sang tên sổ đỏ"),
        ("quyền sd đất", "quyền sử dụng đất"),
        ("kết hôn với ng nn", "kết hôn với người nước ngoài"),
        ("thuế đất phi nn", "thuế đất phi nông nghiệp"),
        ("thế chấp sổ đỏ vay nh", "thế chấp sổ đỏ vay ngân hàng"),
        ("nh", "nh"),
        ("đóng thuế k, bn %", "đóng thuế không , bao nhiêu %"),  # a share, not "bạn"
    ],
)
def test_context_decides_ambiguous_abbreviations(typed, expected):
    assert normalized_text(typed) == expected


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("phí bn", "phí bao nhiêu"),
        ("mất bn tiền", "mất bao nhiêu tiền"),
        ("bn là người hay máy", "bạn là người hay máy"),
        ("thank bn", "thank bạn"),
        ("so hong", "so hong"),
    ],
)
def test_bn_is_bao_nhieu_or_ban_by_context(typed, expected):
    assert normalized_text(typed) == expected


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("rút bh 1 lần", "rút bảo hiểm 1 lần"),
        ("đóng bh xã hội", "đóng bảo hiểm xã hội"),
        ("bh có kết quả", "bao giờ có kết quả"),
        ("nghỉ vc 2 tháng", "nghỉ việc 2 tháng"),
        ("vc tôi muốn tách hộ", "vợ chồng tôi muốn tách hộ"),
        ("đk hộ kd", "đăng ký hộ kinh doanh"),
        ("giấy chứng nhận đủ đk", "giấy chứng nhận đủ điều kiện"),
        ("chuyển sang tk ngân hàng", "chuyển sang tài khoản ngân hàng"),
        ("thẻ cc bị gãy", "thẻ căn cước bị gãy"),
        ("ký hđ mua bán đất", "ký hợp đồng mua bán đất"),
        ("hd giup em", "hd giup em"),
        ("nhap quoc tich vn", "nhap quoc tich việt nam"),
        ("cc", "cc"),
    ],
)
def test_bh_vc_kd_and_du_dk_are_read_by_context(typed, expected):
    assert normalized_text(typed) == expected
