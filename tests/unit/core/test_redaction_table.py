"""Redaction table (core/redaction.py): realistic citizens' messages and what is stored of them.

Each row is a message as citizens type it (with and without diacritics, full-width
digits, zero-width characters, labels glued to numbers) and its exact stored form:
the personal data must disappear AND every ordinary word must stay. The second
table holds messages that must be stored unchanged (false positives matter:
procedure codes, fees, durations, years, legal references, hotlines, "tổ chức",
"bản sao"...). Add a row when a citizen's phrasing slips through.
"""

from __future__ import annotations

import time

import pytest

from core import redaction as privacy
from core.redaction import PHONE, PLACEHOLDERS, redact, redact_log_text, redact_metadata, scan_personal_data

REDACTED = [
    ("ngày sinh của tôi là 12/3/1990, ns: 12/03/1990", "ngày sinh của tôi là [NGÀY SINH], ns: [NGÀY SINH]"),
    ("０９１２．３４５．６７８ là số của tôi", "[SĐT] là số của tôi"),
    ("mail ａｎ＠ｇｍａｉｌ．ｃｏｍ", "mail [EMAIL]"),
    ("tên con là Minh, sinh ngày 02/09/2023", "tên con là [HỌ TÊN], sinh ngày [NGÀY SINH]"),
    ("Tên: Nguyễn Văn An", "Tên: [HỌ TÊN]"),
    ("ten: nguyen van an", "ten: [HỌ TÊN]"),
    ("Họ tên người nộp: Trần Thị Bích, sđt 0912345678", "Họ tên người nộp: [HỌ TÊN], sđt [SĐT]"),
    ("ho ten nguoi nop: tran thi bich", "ho ten nguoi nop: [HỌ TÊN]"),
    ("tôi tên là lê văn tám, muốn hỏi về cấp đổi cccd", "tôi tên là [HỌ TÊN], muốn hỏi về cấp đổi cccd"),
    ("Người yêu cầu: Phạm Minh Châu", "Người yêu cầu: [HỌ TÊN]"),
    (
        "Dạ em là Hoàng Thị Lan, con em sinh ngày 12/03/2024 cần làm giấy khai sinh",
        "Dạ em là [HỌ TÊN], con em sinh ngày [NGÀY SINH] cần làm giấy khai sinh",
    ),
    ("ngày sinh: 05-11-1987", "ngày sinh: [NGÀY SINH]"),
    ("ngay sinh 5/11/1987 noi sinh Ha Noi", "ngay sinh [NGÀY SINH] noi sinh Ha Noi"),
    ("tôi sinh ngày 3 tháng 4 năm 1992", "tôi sinh ngày [NGÀY SINH]"),
    ("DOB 15.08.1990", "DOB [NGÀY SINH]"),
    (
        "Địa chỉ: số 12 ngõ 34 phố Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội",
        "Địa chỉ: [ĐỊA CHỈ], phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội",
    ),
    ("nhà tôi ở thôn Đông Hạ, xã Yên Sở, huyện Hoài Đức", "nhà tôi ở [ĐỊA CHỈ], xã Yên Sở, huyện Hoài Đức"),
    ("so 12 ngo 34 pho hang bac phuong hang bac", "[ĐỊA CHỈ] phuong hang bac"),
    ("thon dong ha xa yen so", "[ĐỊA CHỈ] xa yen so"),
    ("số nhà 45/12 hẻm 7 đường Lê Văn Sỹ, phường 13, quận 3", "[ĐỊA CHỈ], phường 13, quận 3"),
    ("ấp 3 xã Tân Phú huyện Châu Thành", "[ĐỊA CHỈ] xã Tân Phú huyện Châu Thành"),
    ("tổ dân phố 5, phường Quang Trung", "[ĐỊA CHỈ], phường Quang Trung"),
    ("xóm Chùa, xã Đại Đồng", "[ĐỊA CHỈ], xã Đại Đồng"),
    ("kiệt 45 Trần Phú", "[ĐỊA CHỈ]"),
    ("stk 0071000123456 Vietcombank chi nhánh Hà Nội", "stk [SỐ TÀI KHOẢN] Vietcombank chi nhánh Hà Nội"),
    ("số tài khoản: 1903 5678 9012 Techcombank", "số tài khoản: [SỐ TÀI KHOẢN] Techcombank"),
    ("so tai khoan agribank 1500205123456", "so tai khoan agribank [SỐ TÀI KHOẢN]"),
    ("số thẻ ATM 9704 1234 5678 9012", "số thẻ ATM [SỐ THẺ]"),
    ("thẻ visa 4111111111111111", "thẻ visa [SỐ THẺ]"),
    ("máy bàn nhà tôi 3829 1234", "máy bàn nhà tôi [SĐT]"),
    ("dien thoai co dinh 38291234", "dien thoai co dinh [SĐT]"),
    ("(028) 3829 1234", "(028) [SĐT]"),
    ("hộ chiếu số C1234567 hết hạn", "hộ chiếu số [HỘ CHIẾU] hết hạn"),
    ("passport b7654321", "passport [HỘ CHIẾU]"),
    ("sđt 09\u200b12\u200b345\u200b678", "sđt [SĐT]"),
    ("０９１２ ３４５ ６７８", "[SĐT]"),
    ("sdt0912345678", "sdt [SĐT]"),
    ("mã 000.00.12.H48-251103-0021 số 5678", "mã [MÃ HỒ SƠ] số [4 SỐ CUỐI]"),
    ("ma ho so 000.00.12.H48-251103-0021, 4 so cuoi 5678", "ma ho so [MÃ HỒ SƠ], 4 so cuoi [4 SỐ CUỐI]"),
    ("tra hồ sơ 000.00.12.H48-251103-0021 sđt đuôi 5678 giúp em", "tra hồ sơ [MÃ HỒ SƠ] sđt đuôi [4 SỐ CUỐI] giúp em"),
    (
        '/check_dossier_status{"dossier_code": "000.00.12.H48-251103-0021", "phone_last4": "5678"}',
        '/check_dossier_status{"dossier_code": "[MÃ HỒ SƠ]", "phone_last4": "[4 SỐ CUỐI]"}',
    ),
    ("hồ sơ 000.00.12.H48-251103-0021 nộp năm 2025", "hồ sơ [MÃ HỒ SƠ] nộp năm 2025"),
    ("toi ten la tran van binh sdt 0987654321 cccd 001099012345", "toi ten la [HỌ TÊN] sdt [SĐT] cccd [CCCD]"),
    ("em ten Mai, dia chi so 5 ngo 10 duong Lang", "em ten [HỌ TÊN], dia chi so [ĐỊA CHỈ]"),
    ("số điện thoại +84 912 345 678", "số điện thoại [SĐT]"),
    ("Zalo: 0912.345.678", "Zalo: [SĐT]"),
    ("cccd ０７９０９５００１２３４", "cccd [CCCD]"),
    ("0912\xa0345\xa0678", "[SĐT]"),
    ("Họ và tên chủ hộ: Đỗ Văn Hùng", "Họ và tên chủ hộ: [HỌ TÊN]"),
    ("ten khai sinh: Bui Thi Hoa", "ten khai sinh: [HỌ TÊN]"),
    (
        "Tôi là Nguyễn Văn Nam, sinh ngày 20/10/1985, CCCD 001085012345, ở số 8 ngách 12/5 ngõ 75 Giải Phóng",
        "Tôi là [HỌ TÊN], sinh ngày [NGÀY SINH], CCCD [CCCD], ở [ĐỊA CHỈ]",
    ),
    ("cmnd 9 số cũ 123456789 còn dùng được không", "cmnd 9 số cũ [CMND] còn dùng được không"),
    ("mail nguyenvana@yahoo.com.vn", "mail [EMAIL]"),
    ("sđt 0３８ ７６５ ４３２１", "sđt [SĐT]"),
    ("số 5 đường số 7 khu phố 3 phường Bình Trị Đông", "[ĐỊA CHỈ] phường Bình Trị Đông"),
    ("hẻm 123/4 đường Nguyễn Trãi, phường 2, quận 5", "[ĐỊA CHỈ], phường 2, quận 5"),
    ("nhà số 7 thôn Trung, xã Hòa Bình", "[ĐỊA CHỈ], xã Hòa Bình"),
    ("bản Lác, xã Chiềng Châu, huyện Mai Châu", "[ĐỊA CHỈ], xã Chiềng Châu, huyện Mai Châu"),
    ("sinh nhật 20.12.2001", "sinh nhật [NGÀY SINH]"),
    ("ngân hàng BIDV số 12010000123456", "ngân hàng BIDV số [SỐ TÀI KHOẢN]"),
    ("năm 2023 0912345678", "năm 2023 [SĐT]"),
]

UNCHANGED = [
    "ngân hàng chính sách xã hội năm 2024 cho vay thế nào",
    "lệ phí dưới 5000 đồng phải không",
    "đăng ký khai sinh, hạn nộp trước 30/06/2025",
    "xin visa du lịch năm 2024 cần gì",
    "gợi ý tên con gái hay",
    "goi y ten con trai dep",
    "你好，今天天气怎么样",  # full-width punctuation of other scripts is kept
    "chuyển khoản vào tài khoản là 100.000 đồng phải không",
    "thủ tục 1.001193 lệ phí 100.000 đồng",
    "theo Thông tư 75/2022/TT-BTC và Nghị định 123/2015/NĐ-CP",
    "phí 1500000đ hay 15000000 đồng",
    "gọi tổng đài 1900 1234 hay 1800 1096",
    "tổ chức, cá nhân nộp bản sao giấy khai sinh",
    "đăng ký thường trú ở thôn thì hỏi ai",
    "áp dụng từ ngày 01/07/2025",
    "mẫu số 01, thông tư số 12 năm 2020",
    "hồ sơ gồm 2 bản sao, nộp tại tầng 3",
    "đường Lê Lợi có bộ phận một cửa không",
    "giờ làm việc 7:30 - 11:30, thứ 2 đến thứ 6",
    "điều 12 khoản 3 luật cư trú 2020",
    "con tôi sinh năm 2020 thì làm thế nào",
    "thay đổi nơi đăng ký thường trú mất bao lâu, 7 ngày hay 15 ngày",
    "cấp lại hộ chiếu hết 200.000 đồng phải không",
    "đổi bằng lái xe ở đâu",
    "hôm nay 25/11/2025 có làm việc không",
    "đội quản lý thị trường ở đâu",
    "làm lý lịch tư pháp số 2 cần gì",
    "lệ phí đăng ký kết hôn 0 đồng",
    "đổi tên cho con ở đâu",
    "tôi muốn hỏi thủ tục 2.000986 và 1.000894",
]


def test_the_table_is_large_enough():
    assert len(REDACTED) + len(UNCHANGED) >= 60 and len(UNCHANGED) >= 20


@pytest.mark.parametrize("text,expected", REDACTED)
def test_personal_data_disappears_and_ordinary_words_stay(text, expected):
    out = redact(text)
    assert out == expected
    assert scan_personal_data(out, PLACEHOLDERS) == []  # nothing left that a rule recognises
    assert redact(out) == out  # idempotent: the stored copy read back and saved again
    assert scan_personal_data(text, PLACEHOLDERS)  # and the scan finds what was there


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_messages_are_stored_unchanged(text):
    assert redact(text) == text
    assert scan_personal_data(text, PLACEHOLDERS) == []


def test_the_scan_names_what_it_found():
    found = scan_personal_data({"text": "sđt 0912 345 678, mail an@x.vn", "n": [79095001234]})
    assert ("[SĐT]", "0912 345 678") in found and ("[EMAIL]", "an@x.vn") in found
    assert scan_personal_data('{"text": "s\\u0111t 0912345678"}') == [(PHONE, "0912345678")]  # JSON log line
    assert scan_personal_data("Tên: Nguyễn Văn An") == []  # names are not in the strict kinds
    assert scan_personal_data("Tên: Nguyễn Văn An", PLACEHOLDERS) == [("[HỌ TÊN]", "Nguyễn Văn An")]


def test_metadata_values_are_redacted_by_key_and_by_content():
    metadata = {
        "name": "An",
        "user": {"phone": 912345678, "Full-Name": "Lê Văn B"},
        "note": "cccd 079095001234",
        "page": 3,
        "ok": True,
        "empty_name": None,
    }
    assert redact_metadata(metadata) == {
        "name": "[ĐÃ ẨN]",
        "user": {"phone": "[ĐÃ ẨN]", "Full-Name": "[ĐÃ ẨN]"},
        "note": "cccd [CCCD]",
        "page": 3,
        "ok": True,
        "empty_name": None,
    }
    assert redact_metadata({"id": 84912345678}) == {"id": "[SĐT]"}  # a number is redacted like text


MAX = 2000  # the channels' max_message_chars
ADVERSARIAL = {
    "code and spaces": "000.00.12.H48" + " " * 650 + "123456" + " " * 1300 + "x",
    "digit groups": "1 " * 1000,
    "dotted digits": "1." * 1000,
    "hyphened digits": "1-" * 1000,
    "digits": "9" * MAX,
    "phone prefixes": "0912 " * 400,
    "name labels": "tên: " * 400,
    "name words": "tên tôi là " + "An " * 663,
    "weak name phrases": "tôi là " * 300,
    "house numbers": "số 1 " * 400,
    "alleys": "ngõ 1 " * 333,
    "villages": "thôn " * 400,
    "village names": "thôn A, " * 250,
    "streets": "số 1 " + "phố A " * 330,
    "account labels": "stk " * 500,
    "account gap": "stk" + " " * 1990 + "1234567",
    "birth labels": "sinh ngày " * 200,
    "birth dates": "sinh 1/1/" * 222,
    "at signs": "a@" * 1000,
    "e-mail domain": "a@" + "a." * 999,
    "e-mail local part": "a." * 999 + "@",
    "last-digit cues": "4 số cuối " * 200,
    "placeholders": "[MÃ HỒ SƠ] " * 180,
    "dossier codes": "000.00.12.H48-251103-0021 " * 76,
    "zero-width": "\u200b" * MAX,
    "full-width": "０" * MAX,
    "slashes": "1/" * 1000,
    "passports": "C1234567 " * 222,
    "JSON escapes": "\\u00e0" * 333,
    "glued labels": "sdt" * 666,
    "address labels": "địa chỉ: " * 222,
    "everything": "Tên: An sđt 0912345678 số 12 ngõ 3 stk 1234567 " * 50,
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_redaction_is_fast_on_adversarial_input_of_the_maximum_length(name):
    text = ADVERSARIAL[name][:MAX]
    privacy._UNCHANGED.clear()  # no memo: the rules themselves are timed
    started = time.perf_counter()
    redact(text)
    redact_log_text(text)
    scan_personal_data(text)
    assert time.perf_counter() - started < 1.0  # hard limit (measured: under 0.1 s each)


def test_the_scan_ignores_the_numbers_of_events_and_log_lines():
    """Confidences, timestamps and log times are not personal data (found scanning a real stack's events)."""
    event = {
        "event": "user",
        "timestamp": 1796610228.0978367,
        "text": "[4 SỐ CUỐI]",
        "parse_data": {
            "intent_ranking": [
                {"name": "inform", "confidence": 0.037494371395259005},
                {"name": "greet", "confidence": 0.8656284421537599},
            ]
        },
        "sealed_value": "80000000006a1b2c3d4e5f60718293a4b5c6d7e8f9",
    }
    log = "2026-12-07 02:14:14.795722 DEBUG rasa.core.processor - took 0.0123456 s, 12 events"
    assert scan_personal_data(event, PLACEHOLDERS) == [] and scan_personal_data(log, PLACEHOLDERS) == []
    assert redact("0.037494371395259005 và 1796610228.0978367") == "0.037494371395259005 và 1796610228.0978367"
