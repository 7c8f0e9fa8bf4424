"""tools/evaluation/search_consistency.py: the label-free measure of catalogue search (accents
stripped, names found back), on a small real index (no national data needed)."""

from __future__ import annotations

from core.ranking import CatalogueEntry, CatalogueIndex
from tools.evaluation.search_consistency import (
    accent_consistency,
    display_name,
    has_diacritics,
    self_retrieval,
    shortened,
    strip_diacritics,
)

ENTRIES = [
    CatalogueEntry("1.001193", "Đăng ký khai sinh", levels=("Cấp xã",)),
    CatalogueEntry("1.000894", "Đăng ký kết hôn", levels=("Cấp xã",)),
    CatalogueEntry("2.000635", "Cấp bản sao trích lục hộ tịch", levels=("Cấp xã",)),
    CatalogueEntry("1.004194", "Đăng ký tạm trú", levels=("Cấp xã",)),
]


def test_stripping_keeps_case_and_punctuation_and_reads_d_bar_as_d():
    assert strip_diacritics("Đăng ký khai sinh, ở đâu?") == "Dang ky khai sinh, o dau?"
    assert has_diacritics("Đăng ký") and not has_diacritics("dang ky")


def test_display_name_and_shortened_form():
    assert display_name("Thủ tục đăng ký nhận cha, mẹ, con") == "đăng ký nhận cha, mẹ, con"
    assert shortened("a b c d e f g h i", 7) == "a b c d e f g"


def test_accent_consistency_compares_the_decisions_of_both_forms():
    index = CatalogueIndex(ENTRIES)
    queries = [
        {"query": "Đăng ký khai sinh cho con", "expected_codes": ["1.001193"], "kind": "accented"},
        {"query": "dang ky ket hon", "expected_codes": ["1.000894"], "kind": "unaccented"},  # no diacritics: skipped
        {"query": "Trợ cấp thất nghiệp", "expected_codes": [], "kind": "out_of_catalogue"},
    ]
    result = accent_consistency(index, queries)
    assert len(result["inside"]) == 1 and len(result["outside"]) == 1
    assert result["agree"] == 1 and result["top1_accented"] == 1 and result["top1_plain"] == 1
    assert result["wrong_out_plain"] == 0


def test_self_retrieval_counts_each_record_found_back_by_its_stripped_name():
    index = CatalogueIndex(ENTRIES)
    records = [("bo-tu-phap", e.code, "Thủ tục " + e.name) for e in ENTRIES]
    table = self_retrieval(index, records, 7)["table"]
    row = table["full"]["bo-tu-phap"]
    assert row["n"] == 4 and row["answered"] == 4
