import unicodedata

import pytest

from bot.channels import split_text, truncate
from bot.channels.numbered_options import (
    NumberedOptions,
    format_numbered,
    options_from_buttons,
    parse_choice,
)
from bot.channels.replica_state import TtlCache

BUTTONS = [
    {"title": "Đăng ký khai sinh", "payload": '/ask_documents{"procedure":"1.001193"}'},
    {"title": "Đăng ký kết hôn", "payload": '/ask_documents{"procedure":"1.000894"}'},
    {"title": "Cấp lại CCCD", "payload": "/ask_fee"},
]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_format_lists_titles_in_order_under_the_text():
    text = format_numbered("Anh/Chị cần thủ tục nào?", options_from_buttons(BUTTONS))
    assert text == ("Anh/Chị cần thủ tục nào?\n" "1. Đăng ký khai sinh\n" "2. Đăng ký kết hôn\n" "3. Cấp lại CCCD")


def test_format_without_text_and_with_a_link():
    options = options_from_buttons([{"title": "Cổng DVC", "url": "https://dichvucong.gov.vn"}, {"title": "Khác"}])
    assert format_numbered("", options) == "1. Cổng DVC: https://dichvucong.gov.vn\n2. Khác"


@pytest.mark.parametrize(
    "reply, number",
    [
        ("1", 1),
        (" 2 ", 2),
        ("2.", 2),
        ("3)", 3),
        ("số 2", 2),
        ("Số 2", 2),
        ("SỐ 2.", 2),
        ("so 3", 3),
        ("số2", 2),
        ("chọn 1", 1),
        ("#2", 2),
        (unicodedata.normalize("NFD", "số 2"), 2),  # decomposed accents
        ("13", 13),
    ],
)
def test_parse_choice_accepts_usual_ways_of_picking(reply, number):
    assert parse_choice(reply) == number


@pytest.mark.parametrize(
    "reply",
    [
        "",
        None,
        "hai",
        "2 3",
        "số 2 và 3",
        "0912345678",
        "1234",
        "12 tuổi",
        "1.001193",
        "v2",
    ],
)
def test_parse_choice_rejects_other_text(reply):
    assert parse_choice(reply) is None


def test_reply_number_becomes_the_payload():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    assert options.resolve("u1", "số 2") == '/ask_documents{"procedure":"1.000894"}'


def test_offer_answers_only_the_next_message():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    assert options.resolve("u1", "cho tôi hỏi lệ phí") is None
    assert options.resolve("u1", "1") is None  # the list is no longer current


def test_out_of_range_number_stays_text():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    assert options.resolve("u1", "4") is None


def test_offers_are_per_sender():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    assert options.resolve("u2", "1") is None
    assert options.resolve("u1", "1") == BUTTONS[0]["payload"]


def test_new_offer_replaces_the_previous_one():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    options.offer("u1", "Chọn:", [{"title": "Có", "payload": "/affirm"}])
    assert options.resolve("u1", "1") == "/affirm"


def test_forget_drops_the_offer():
    options = NumberedOptions()
    options.offer("u1", "Chọn:", BUTTONS)
    options.forget("u1")
    assert options.resolve("u1", "1") is None


def test_offer_expires_after_ttl():
    clock = FakeClock()
    options = NumberedOptions(ttl_seconds=60, clock=clock)
    options.offer("u1", "Chọn:", BUTTONS)
    clock.now += 61
    assert options.resolve("u1", "1") is None


def test_memory_is_bounded_least_recently_used_first():
    options = NumberedOptions(max_senders=2)
    options.offer("u1", "Chọn:", BUTTONS)
    options.offer("u2", "Chọn:", BUTTONS)
    options.offer("u3", "Chọn:", BUTTONS)
    assert options.resolve("u1", "1") is None
    assert options.resolve("u2", "1") == BUTTONS[0]["payload"]
    assert options.resolve("u3", "1") == BUTTONS[0]["payload"]


def test_button_without_payload_answers_with_its_title():
    options = NumberedOptions()
    options.offer("u1", "", [{"title": "Xem hướng dẫn", "url": "https://example.org"}])
    assert options.resolve("u1", "1") == "Xem hướng dẫn"


def test_ttl_cache_get_refreshes_recency_and_add_if_absent():
    cache = TtlCache(max_items=2, ttl_seconds=60)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert cache.get("b") is None
    assert cache.add_if_absent("a", 9) is False
    assert cache.add_if_absent("d", 4) is True
    assert len(cache) == 2


def test_ttl_cache_rejects_a_zero_size():
    with pytest.raises(ValueError):
        TtlCache(max_items=0, ttl_seconds=1)


def test_split_text_keeps_pieces_under_the_limit_at_line_breaks():
    text = "\n".join(f"Dòng {i} " + "x" * 30 for i in range(10))
    pieces = split_text(text, 100)
    assert all(len(piece) <= 100 for piece in pieces)
    assert "\n".join(pieces) == text
    assert split_text("y" * 250, 100) == ["y" * 100, "y" * 100, "y" * 50]
    assert split_text("  ", 100) == []


def test_truncate_marks_the_cut():
    assert truncate("Đăng ký khai sinh", 20) == "Đăng ký khai sinh"
    assert truncate("Đăng ký khai sinh có yếu tố nước ngoài", 20) == "Đăng ký khai sinh c…"
