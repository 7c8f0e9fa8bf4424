"""Assisted mode's checklist (services/checklist.py): which documents apply to the ticked cases, and the QR code."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from services.checklist import build_checklist, document_cases, parse_case_indexes, qr_svg

RECORD = {
    "code": "9.000001",
    "name": "Thủ tục thử",
    "updated_at": "2026-11-02",
    "agency": "Ủy ban nhân dân cấp xã",
    "processing_time": "3 ngày làm việc",
    "online": "toan_trinh",
    "online_url": "https://dichvucong.gov.vn/thu-tuc/9.000001",
    "source_url": "javascript:alert(1)",
    "fees": [{"name": "Lệ phí", "text": "50.000 đồng", "amount_vnd": 50000}],
    "methods": [{"channel": "Trực tiếp", "processing_time": "3 ngày", "fee_text": "50.000 đồng"}],
    "documents": [
        {"name": "Tờ khai", "originals": 1, "copies": 0, "case": None, "form_name": "Mẫu 01.docx"},
        {"name": "Giấy ủy quyền", "originals": 1, "copies": 0, "case": "Khi ủy quyền"},
        {"name": "Bản sao giấy khai sinh", "originals": 0, "copies": 1, "case": "Người dưới 14 tuổi"},
        {"name": "Giấy xác nhận", "originals": 1, "copies": None, "case": "Khi ủy quyền"},
        {"name": "CCCD (xuất trình)", "originals": None, "copies": None, "case": "  "},
    ],
}


def test_the_cases_are_the_distinct_cases_of_the_documents_in_order():
    assert document_cases(RECORD) == ["Khi ủy quyền", "Người dưới 14 tuổi"]
    assert document_cases({"documents": None}) == []


def test_documents_without_a_case_always_apply_and_a_ticked_case_adds_its_own():
    plain = build_checklist(RECORD)
    assert [d["name"] for d in plain["documents"]] == ["Tờ khai", "CCCD (xuất trình)"]
    mandated = build_checklist(RECORD, [0])
    assert [d["name"] for d in mandated["documents"]] == [
        "Tờ khai",
        "Giấy ủy quyền",
        "Giấy xác nhận",
        "CCCD (xuất trình)",
    ]
    assert mandated["cases"] == ["Khi ủy quyền"]
    both = build_checklist(RECORD, [0, 1])
    assert len(both["documents"]) == 5 and both["documents"][2]["copies"] == 1
    assert both["documents"][0]["form_name"] == "Mẫu 01.docx"


def test_the_page_carries_code_date_fees_time_place_and_only_web_links():
    checklist = build_checklist(RECORD)
    assert (checklist["code"], checklist["updated_at"]) == ("9.000001", "2026-11-02")
    assert checklist["fees"] == [{"name": "Lệ phí", "text": "50.000 đồng"}]
    assert checklist["processing_time"] == "3 ngày làm việc" and checklist["agency"] == "Ủy ban nhân dân cấp xã"
    assert checklist["methods"][0]["channel"] == "Trực tiếp"
    assert checklist["online_url"] == RECORD["online_url"]
    assert checklist["source_url"] is None  # not an http(s) link


@pytest.mark.parametrize("text, expected", [("", []), (None, []), ("1,0", [0, 1]), ("0, 0", [0])])
def test_case_indexes(text, expected):
    assert parse_case_indexes(text, 2) == expected


@pytest.mark.parametrize("text", ["2", "-1", "a", "0,,1", "1e3"])
def test_case_indexes_outside_the_cases_are_refused(text):
    with pytest.raises(ValueError):
        parse_case_indexes(text, 2)


def test_the_qr_code_is_an_svg_image_of_the_link():
    svg = qr_svg(RECORD["online_url"])
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<script" not in svg and b"href" not in svg
    size = int(root.get("width"))
    assert size == int(root.get("height")) and size >= 4 * 29  # at least version 3 at scale 4 with its border


@pytest.mark.parametrize("url", ["javascript:alert(1)", "", "https://x/" + "a" * 2000])
def test_only_web_links_are_drawn(url):
    with pytest.raises(ValueError):
        qr_svg(url)
