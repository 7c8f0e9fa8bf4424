"""What a message signals beside its intent (core/cues.py): complaints, ratings, leaving, English, ID numbers."""

from __future__ import annotations

import pytest

from core import cues


@pytest.mark.parametrize(
    "text",
    [
        "tôi muốn khiếu nại cán bộ địa chính",
        "toi muon phan anh viec tra ho so cham",
        "e mún kiến nghị về giờ làm việc của xã",
        "đi lại 4 lần vẫn chưa xong, cán bộ vô trách nhiệm",
    ],
)
def test_complaints_are_recognised_in_every_style(text):
    assert cues.is_complaint(text)


@pytest.mark.parametrize("text", ["tôi muốn đánh giá dịch vụ", "cho em góp ý", "5 sao"])
def test_a_rating_request_is_not_a_complaint(text):
    assert not cues.is_complaint(text) and cues.offers_a_rating(text)


@pytest.mark.parametrize(
    "text,bare,expected",
    [
        ("4", True, 4),
        ("năm", True, 5),
        ("cho 3 nhé", True, 3),
        ("4 sao", False, 4),
        ("2/5", False, 2),
        ("4", False, None),
        ("hẹn tôi 3 lần rồi", True, None),
        ("đợi 5 ngày chưa có", True, None),
    ],
)
def test_a_rating_is_only_one_given_as_such(text, bare, expected):
    assert cues.parse_rating(text, bare_allowed=bare) == expected


@pytest.mark.parametrize("text", ["thôi", "Hủy", "không", "ko", "thôi để sau", "ko nhớ mã, thôi", "không cần nữa"])
def test_leaving_words(text):
    assert cues.is_stop(text)


@pytest.mark.parametrize("text", ["không hài lòng lắm", "4", "thủ tục khai sinh cần những giấy tờ gì ạ, em cảm ơn"])
def test_not_leaving(text):
    assert not cues.is_stop(text)


@pytest.mark.parametrize(
    "text,english",
    [
        ("What documents do I need for a work permit?", True),
        ("Is there someone I can talk to?", True),
        ("Where can I find a good banh mi near the river?", True),
        ("can tim quan pho ngon nhat quan 1", False),
        ("the can cuoc het han thi lam the nao", False),
        ("cai do", False),
        ("ho chieu the nao", False),
        ("làm hộ chiếu ở đâu", False),
        ("ok", False),
        # Few listed words, but long ones no Vietnamese syllable spells.
        ("Is anything charged for registering a newborn's birth?", True),
        ("My landlord refuses to sign anything, what should I do?", True),
        ("toi muon hoi thu tuc chung thuc ban sao giay khai sinh", False),
        ("cho e hoi lltp so 2 lam o dau vay", False),
    ],
)
def test_english_is_told_from_unaccented_vietnamese(text, english):
    assert cues.is_english(text) is english


def test_id_numbers_are_found_but_not_phones_nor_dossier_codes():
    assert cues.id_numbers("cccd của em 079301009876 nhé") == ["079301009876"]
    assert cues.id_numbers("cmnd 201234567") == ["201234567"]
    assert cues.id_numbers("sđt 0912345678") == []
    assert cues.id_numbers("tra hồ sơ 000.00.12.H48-251103-0021") == []


@pytest.mark.parametrize(
    "text,asks",
    [
        ("xin giấy phép khai thác cát ở đâu", True),
        ("hoan nghia vu quan su cho con di hoc", True),
        ("I need a building permit", True),
        ("hợp pháp hóa lãnh sự bằng đại học để đi du học thì lm ở đâu ạ", True),
        ("xin giấy phép hành nghề khám bệnh", True),
        ("giá vàng hôm nay", False),
        ("kể chuyện cười đi", False),
    ],
)
def test_a_request_for_a_procedure_is_told_from_the_off_topic(text, asks):
    assert cues.asks_for_a_procedure(text) is asks


@pytest.mark.parametrize(
    "text,expected",
    [
        ("làm hồ sơ người có công thế nào", True),
        ("xin giay phep o dau", True),
        ("có cần sổ hộ khẩu không", True),
        ("da nop chua a", True),
        ("hồ sơ của tôi?", True),
        ("tôi không có hồ sơ gốc", False),  # "không" inside a statement
        ("muon xin giay phep ban ruou", False),  # a wish, no question
    ],
)
def test_a_question_is_told_from_a_statement(text, expected):
    assert cues.asks_a_question(text) is expected


@pytest.mark.parametrize(
    "text",
    [
        "Có cần đưa bé theo để hỏi ý kiến không? Bé 10 tuổi.",  # the child's consent, a paper of the dossier
        "có cần ý kiến đồng ý của con không",
        "sao lâu vậy",
    ],
)
def test_a_question_about_the_dossier_is_no_offer_to_rate(text):
    assert not cues.offers_a_rating(text)


def test_stars_and_opinions_of_the_service_are_offers_to_rate():
    assert cues.offers_a_rating("5 sao") and cues.offers_a_rating("cho mấy sao")
    assert cues.offers_a_rating("tôi có ý kiến về thái độ phục vụ")
