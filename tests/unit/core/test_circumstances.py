"""Why a paper is issued again, as citizens type it (core/circumstances.py)."""

from __future__ import annotations

import pytest

from core.circumstances import DAMAGED, LOST, asks_again, civil_event, issued_paper, register_state, reissue_cause


@pytest.mark.parametrize(
    "text, cause",
    [
        ("Thẻ bị mất rồi, không tìm thấy nữa.", LOST),
        ("toi danh roi bang lai o cho", LOST),
        ("so do bi lu cuon mat r", LOST),
        ("mất cccd r lm lại ntn, hết bn tiền", LOST),
        ("bằng lái xe máy của e mất r, lm lại có phải thi lại ko", LOST),
        ("cấp lại bằng lái mất bao lâu", None),  # how long, not a loss
        ("có giấy báo tử vì bố em mất ở viện", None),  # a death
        ("The bi rach, chu mo het roi.", DAMAGED),
        ("Bằng hết hạn tháng trước, vẫn còn giữ bằng cũ.", DAMAGED),
        ("cccd ghi sai ngay sinh", DAMAGED),
        # "mất" alone is a death or a duration, not a lost paper.
        ("Bố tôi mất rồi, làm khai tử ở đâu?", None),
        ("làm lại căn cước mất bao lâu", None),
        # How much it costs ("thế" folded is "thẻ", a paper).
        ("Thế làm xong có mất xu nào không?", None),
        ("the lam vay mat nhieu khong", None),
        ("làm trễ vậy có bị mất phí không", None),
        # Both said: the citizen is asked, not guessed for.
        ("thẻ cũ bị rách, thẻ mới lại bị mất", None),
    ],
)
def test_the_cause_of_a_reissue_is_read_in_every_typing_style(text, cause):
    assert reissue_cause(text) == cause


def test_a_wish_for_the_paper_again_is_not_the_procedures_own_verb():
    assert asks_again("Tôi muốn làm lại thẻ căn cước") and asks_again("xin lai bang lai xe")
    assert asks_again("The can cuoc cua toi co van de, muon lam cai moi thi lam sao?")
    assert not asks_again("làm căn cước mới cho con")
    assert not asks_again("cấp lại thẻ căn cước cần gì")  # names the procedure itself


@pytest.mark.parametrize(
    "name, issued",
    [
        ("Cấp lại thẻ căn cước", ("cap lai", "the can cuoc")),
        ("Cấp đổi thẻ căn cước", ("cap doi", "the can cuoc")),
        ("Cấp lại giấy phép lái xe bị mất", ("cap lai", "giay phep lai xe")),
        ("Đổi giấy phép lái xe", ("doi", "giay phep lai xe")),
        ("Cấp thẻ căn cước cho người dưới 14 tuổi", ("cap", "the can cuoc")),
        ("Đăng ký khai sinh", None),
    ],
)
def test_the_paper_a_procedure_issues_is_its_name_without_cause_or_person(name, issued):
    assert issued_paper(name) == issued


def test_a_situation_stands_for_the_words_records_name_its_case_with():
    from core.circumstances import implied_cases

    assert implied_cases("The bi rach, chu mo het roi.") == ["hong"]
    assert implied_cases("Tôi mua lại của người ta, có hợp đồng mua bán rồi.") == ["chuyen nhuong"]
    assert implied_cases("bố mẹ để lại cho tôi mảnh đất") == ["thua ke"]
    assert implied_cases("giá vàng hôm nay bao nhiêu") == []


@pytest.mark.parametrize(
    "text, state",
    [
        ("bản chính mất rồi nhưng ủy ban vẫn còn lưu sổ", "kept"),
        ("so goc o xa van con", "kept"),
        ("sổ gốc ở phường cũng bị cháy rồi", LOST),
        ("xa bao khong con luu nua", LOST),
        ("giấy khai sinh bị mất", None),  # nothing said of the register
    ],
)
def test_what_the_message_says_of_the_civil_status_register(text, state):
    assert register_state(text) == state


def test_the_civil_status_event_of_a_name_or_a_message():
    assert civil_event("Đăng ký lại khai sinh") == "khai sinh"
    assert civil_event("mất gks rồi") == "khai sinh"  # the abbreviation read as the paper
    assert civil_event("Cấp bản sao trích lục hộ tịch") is None
