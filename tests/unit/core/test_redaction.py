"""Redaction rules (core/redaction.py): what citizens type that must not be stored or logged."""

from __future__ import annotations

import pytest

from core import redaction as privacy
from core.redaction import (
    CCCD,
    CMND,
    DOSSIER_CODE,
    EMAIL,
    LAST_DIGITS,
    NAME,
    PHONE,
    redact,
    redact_digits,
    redact_log_text,
    redact_value,
)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("CCCD của tôi là 079095001234", f"CCCD của tôi là {CCCD}"),
        ("so cccd 079 095 001 234 nhe", f"so cccd {CCCD} nhe"),
        ("cccd: 079.095.001.234", f"cccd: {CCCD}"),
        ("cmnd cũ 123456789", f"cmnd cũ {CMND}"),
        ("sđt 0912345678", f"sđt {PHONE}"),
        ("gọi 0912.345.678 hoặc 0912 345 678", f"gọi {PHONE} hoặc {PHONE}"),
        ("+84 912 345 678 và 84912345678", f"{PHONE} và {PHONE}"),
        ("số bàn 028 3829 1234", f"số bàn {PHONE}"),
        ("tra cứu hồ sơ 000.00.12.H48-251103-0021 giúp", f"tra cứu hồ sơ {DOSSIER_CODE} giúp"),
        ("ma ho so 0000012H48 251103 0021", f"ma ho so {DOSSIER_CODE}"),
        ("mail an.nguyen+dvc@gmail.com nhé", f"mail {EMAIL} nhé"),
        ("tên tôi là Nguyễn Văn An, tôi muốn làm hộ chiếu", f"tên tôi là {NAME}, tôi muốn làm hộ chiếu"),
        ("ten toi la nguyen van an muon lam ho chieu", f"ten toi la {NAME} muon lam ho chieu"),
        ("tôi tên Trần Thị Bích Ngọc", f"tôi tên {NAME}"),
        ("em tên là Minh ạ", f"em tên là {NAME} ạ"),
        ("Tôi là Lê Đăng Khoa ở Hà Nội", f"Tôi là {NAME} ở Hà Nội"),
        ("họ và tên: Phạm Hồ Nam sinh năm 1990", f"họ và tên: {NAME} sinh năm 1990"),
        ("con tôi tên Bình, sinh 2020", f"con tôi tên {NAME}, sinh 2020"),
        ("xin chào, tên tôi là Nguyễn Thị Hồng Nhung", f"xin chào, tên tôi là {NAME}"),  # not "nhưng"
        ("tên tôi là Nguyễn Thế Anh, cần hỏi", f"tên tôi là {NAME}, cần hỏi"),  # capitalised: not "thế"
        ("toi ten tran thi thanh tu can hoi", f"toi ten {NAME} can hoi"),  # thi/thanh/tu are names too
    ],
)
def test_personal_data_is_replaced_by_typed_placeholders(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "lệ phí 150.000.000 đồng, 20.000 đồng",  # amounts with thousands dots
        "thông tư 75/2022/TT-BTC, thủ tục mã 1.001193",  # legal references, procedure codes
        "tôi là công dân Việt Nam",  # "tôi là" + lowercase words: not a name
        "thay đổi họ tên cho con",  # the procedure, not a name
        "họ tên cha mẹ ghi thế nào",
        "năm 2023, 25/11/2025, 10:30",
        "làm hộ chiếu cần giấy tờ gì",
    ],
)
def test_ordinary_questions_are_left_alone(text):
    assert redact(text) == text


def test_a_year_next_to_a_phone_number_is_kept():
    assert redact("năm 2023 0912345678") == f"năm 2023 {PHONE}"


def test_redaction_is_idempotent_and_keeps_non_strings():
    once = redact("tên tôi là An, sđt 0912345678, cccd 079095001234")
    assert redact(once) == once
    assert redact("") == "" and redact(None) is None
    assert redact_value({"a": ["0912345678", 3, None], "b": {"c": "x"}}) == {"a": [PHONE, 3, None], "b": {"c": "x"}}


def test_digits_answering_the_verification_question_are_all_replaced():
    assert redact_digits("4 số cuối là 5678") == f"4 số cuối là {LAST_DIGITS}"
    assert redact_digits("5678") == LAST_DIGITS


def test_log_lines_with_json_escapes_are_decoded_before_redaction():
    line = '{"event": "rest.message", "text": "t\\u00ean t\\u00f4i l\\u00e0 An, sdt 0912345678", "q": "\\u0022"}'
    out = redact_log_text(line)
    assert NAME in out and PHONE in out and "0912345678" not in out
    assert '"\\u0022"' in out  # ASCII escapes (quotes) stay escaped: the line is still JSON


def test_texts_without_personal_data_are_remembered_and_texts_with_it_are_not():
    # redact() remembers the texts its rules left unchanged (a stored event repeats
    # them), never a text that held personal data.
    clean, personal = "nộp ở đâu ạ (test memo)", "sđt 0912345678 (test memo)"
    for _ in range(2):
        assert redact(clean) == clean
        assert redact(personal) == f"sđt {PHONE} (test memo)"
    assert clean in privacy._UNCHANGED and personal not in privacy._UNCHANGED
    for i in range(privacy._UNCHANGED_MAX + 1):  # bounded
        redact(f"text {i}")
    assert len(privacy._UNCHANGED) <= privacy._UNCHANGED_MAX
