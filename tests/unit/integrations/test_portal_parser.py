"""The national portal page parser (integrations/portal.py): the shapes of the flattened pages.

Every snippet here is written for these tests: it imitates how the portal's tables run
together (cells glued, numbers glued to titles, rows naming several papers, fields cut at a
heading quoted in the text) with made-up titles, numbers and papers, never a copied page.
The gold-set test over the real pages lives in test_portal_import.py (PORTAL_GOLD_FILE).
"""

from __future__ import annotations

import pytest

from integrations.portal import (
    GROUP_SHOW,
    is_explanation,
    page_sections,
    parse_documents,
    parse_legal_basis,
    parse_methods,
    parse_portal_record,
    parse_steps,
    portal_counts,
    row_papers,
)

METHODS_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOCS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"


def numbers_and_titles(text: str) -> list[tuple[str | None, str | None]]:
    items, _ = parse_legal_basis(LEGAL_HEADER + text)
    return [(item["number"], item["title"]) for item in items]


# --- legal basis ---------------------------------------------------------------------------------


def test_a_number_glued_to_the_next_title_ends_at_its_issuer_code():
    assert (
        numbers_and_titles(
            "Thông tư số 71/2031/TT-BCAngày 02/3/2031 của Bộ quy định thử"  # a lowercase word glued: same row
            "71/2031/TT-BCA"
            "Về thử nghiệm72/2031/NĐ-CPLuật Thử"  # a capital glued: the next row
            "73/2031/QH16"
            "Hướng dẫn thử74/2031/NĐ-CPQUY ĐỊNH THỬ NGHIỆM"  # a title in capitals glued
            "75/2031/TT-BTC"
        )
        == [
            ("71/2031/TT-BCA", "Thông tư số 71/2031/TT-BCAngày 02/3/2031 của Bộ quy định thử"),
            ("72/2031/NĐ-CP", "Về thử nghiệm"),
            ("73/2031/QH16", "Luật Thử"),
            ("74/2031/NĐ-CP", "Hướng dẫn thử"),
            ("75/2031/TT-BTC", "QUY ĐỊNH THỬ NGHIỆM"),
        ]
    )


def test_number_cells_printed_without_their_issuer_still_end_a_row():
    rows = numbers_and_titles(
        "Luật số 61/2031/QH16 của Quốc hội: Luật Thử nghiệmLuật số 61"  # "Luật số 61" is the cell
        "Thông tư80"  # the kind and a bare number
        "Nghị định số 62/2031/NĐ-CP62/2031"  # the cell lost its issuer
        "Luật Thử nghiệm 203163"  # the year of the title + the cell "63"
        "Thông tư số 64/2031/TT-BTC ngày 28/4/203164"  # a date's year + the cell "64"
        "Quyết định thử nghiệm cuối65/2031/QĐ-TTg"
    )
    assert rows == [
        ("61", "Luật số 61/2031/QH16 của Quốc hội: Luật Thử nghiệm"),
        ("80", "Thông tư 80"),
        ("62/2031", "Nghị định số 62/2031/NĐ-CP"),
        ("63", "Luật Thử nghiệm 2031"),
        ("64", "Thông tư số 64/2031/TT-BTC ngày 28/4/2031"),
        ("65/2031/QĐ-TTg", "Quyết định thử nghiệm cuối"),
    ]


def test_years_glued_before_a_number_are_given_back_to_the_title():
    assert numbers_and_titles(
        "Chính sách giai đoạn 2031 - 203516/2031/QĐ-UBND"
        "Luật sửa đổi năm 2031147/2031/QH16"
        "Kế hoạch giai đoạn 2031-2035Quyết định số 24/2031/QĐ-TTg"  # a year range is no cell
    ) == [
        ("16/2031/QĐ-UBND", "Chính sách giai đoạn 2031 - 2035"),
        ("147/2031/QH16", "Luật sửa đổi năm 2031"),
        ("24/2031/QĐ-TTg", "Kế hoạch giai đoạn 2031-2035"),
    ]


def test_repeated_numbers_tabs_and_titles_that_start_with_their_number():
    assert (
        numbers_and_titles(
            "Thông tư số 101/2031/TT-BTC ngày 01/01/2031 về phí101/2031/TT-BTC"
            "24/2031/TT-BNNMTThông tư 24/2031/TT-BNNMT"  # a row named by its number, printed twice
            "Luật Thử nghiệm số 27/2031/QH1627/2031/QH16 sửa đổi các nghị định thử.54/2031/NĐ-CP"
            "Pháp lệnh thử04/2031/UBTVQH16\t05/2031/TT-BXD - Hướng dẫn thử05/2031/TT-BXD"
            "Nghị định 166/2031/NĐ-CP-Quy định về thử166/2031/NĐ-CP"
            "Thông tư số 40/2031/TT-BTC Sửa đổi một số thông tư40/2031/TT-BTC"
        )
        == [
            ("101/2031/TT-BTC", "Thông tư số 101/2031/TT-BTC ngày 01/01/2031 về phí"),
            ("24/2031/TT-BNNMT", "Thông tư 24/2031/TT-BNNMT"),
            ("27/2031/QH16", "Luật Thử nghiệm số 27/2031/QH16"),
            ("54/2031/NĐ-CP", "sửa đổi các nghị định thử"),
            ("04/2031/UBTVQH16", "Pháp lệnh thử"),
            ("05/2031/TT-BXD", "05/2031/TT-BXD - Hướng dẫn thử"),
            ("166/2031/NĐ-CP", "Nghị định 166/2031/NĐ-CP-Quy định về thử"),
            ("40/2031/TT-BTC", "Thông tư số 40/2031/TT-BTC Sửa đổi một số thông tư"),
        ]
    )


def test_number_shapes_of_the_portal():
    assert (
        [
            number
            for number, _ in numbers_and_titles(
                "Nghị quyết thử66.7/2031/NQ-CP"
                "Thông tư liên tịch thử191/2031/TTLT/BQP-BTC"
                "Thông tư thử31/2031/TT_BCA"
                "Nghị định thử165/2031/NĐ- CP"
                "Thông tư có chữ Cyrillic85/2031/TT-BT\u0421"
                "Nghị định số hỏng41/203Đ-CP"  # a garbled year
                "Luật cuối cùng28/2031/QH16"
            )
        ]
        == [
            "66.7/2031/NQ-CP",
            "191/2031/TTLT/BQP-BTC",
            "31/2031/TT_BCA",
            "165/2031/NĐ- CP",
            "85/2031/TT-BTC",
            "41/203Đ-CP",
            "28/2031/QH16",
        ]
    )


def test_a_title_without_any_number_is_kept_and_reported():
    items, unknown = parse_legal_basis(LEGAL_HEADER + "Luật thử62/2031/QH16Bộ luật không có số")
    assert items[-1] == {"number": None, "title": "Bộ luật không có số", "text": "Bộ luật không có số"}
    assert [u.field for u in unknown] == ["legal_basis[2].number"]


# --- documents -----------------------------------------------------------------------------------


def rows(text: str) -> list[tuple[str, int | None, int | None]]:
    documents, _ = parse_documents("--" + DOCS_HEADER + text)
    return [(d["name"], d["originals"], d["copies"]) for d in documents]


def test_count_cells_after_a_stop_or_before_a_space_are_cells_when_glued_to_their_row():
    assert (
        rows(
            "Giấy chứng nhận đã được cấp1 bản chính.Đơn đề nghị cấp lại theo mẫu1 bản chính"
            "Giấy đăng ký phương tiện.1 bản chính,1 bản sao * Trường hợp mất giấy thì nộp đơn trình báo1 bản chính"
            "Tờ khai hải quan: 02 bản chính. Tại ô ghi chú ghi rõ số tờ khai0 bản chính"  # "02 bản chính." is in the name
            "Văn bản đề nghị thử.1 bản chính,1 bản sao01 bản chính Biên bản xác nhận thử1 bản chính"
        )
        == [
            ("Giấy chứng nhận đã được cấp", 1, 0),
            ("Đơn đề nghị cấp lại theo mẫu", 1, 0),
            ("Giấy đăng ký phương tiện.", 1, 1),
            ("* Trường hợp mất giấy thì nộp đơn trình báo", 1, 0),
            ("Tờ khai hải quan: 02 bản chính. Tại ô ghi chú ghi rõ số tờ khai", 0, 0),
            ("Văn bản đề nghị thử.", 1, 1),
            ("01 bản chính Biên bản xác nhận thử", 1, 0),
        ]
    )


@pytest.mark.parametrize(
    "name, originals, copies, explains",
    [
        ("Tờ khai hải quan: 02 bản chính;", 0, 0, False),  # a paper printed "0 bản chính"
        ("- Vận tải đơn: 01 bản chụp.", 0, 0, False),
        ("Xuất trình hộ chiếu còn giá trị.", 0, 0, False),
        ("Các tài liệu nêu trên nếu bằng tiếng nước ngoài thì phải kèm bản dịch.", 0, 0, True),
        ("Doanh nghiệp không phải nộp thành phần hồ sơ nếu cơ quan khai thác được dữ liệu.", 0, 0, True),
        ("Phiếu này là biểu mẫu điện tử, công dân kê khai khi nộp trực tuyến.", 0, 0, True),
        ("* Số lượng hồ sơ: 01 (một) bộ.", 1, 0, True),  # a count printed beside it changes nothing
        ("(01) bộ hồ sơ bản giấy và một (01) bản điện tử trên đĩa CD", 0, 0, True),
        ("Hồ sơ như nêu tại nội dung 1a, 1b.", 1, 0, True),
        ("Trường hợp không quy định rõ bản chính thì có thể nộp bản sao hợp lệ", 0, 1, True),
        ("Trường hợp đã có dữ liệu điện tử thì không phải tải lên", 1, 0, True),
        ("+ Trường hợp không có văn bản nêu trên thì lập văn bản cam đoan", 1, 0, False),  # an alternative paper
        ("Tài liệu kỹ thuật của sản phẩm bao gồm:", 0, 0, True),
        ("Trường hợp bên thử gồm nhiều người thì phải có đầy đủ chữ ký, con dấu của các bên", 1, 1, True),  # a rule
        ("Trường hợp ủy quyền thì việc ủy quyền thực hiện theo quy định tại Điều 12 Nghị định thử.", 1, 0, True),
        ("Trường hợp có nhà máy ở nhiều tỉnh thì nộp thêm Phụ lục bảng phân bổ thuế thử", 1, 0, False),
        ("Đối với cá nhân: 01 bản sao điện tử Giấy đăng ký thử", 0, 0, False),
        ("Trường hợp gửi qua bưu chính thì phải gửi kèm bản sao các giấy tờ nêu trên.", 0, 0, True),
    ],
)
def test_rows_that_explain_are_told_from_rows_that_name_a_paper(name, originals, copies, explains):
    assert is_explanation({"name": name, "originals": originals, "copies": copies, "group": None}) is explains


@pytest.mark.parametrize(
    "name, papers",
    [
        ("Bản sao hóa đơn thu tiền thử, giấy ra viện", ["Bản sao hóa đơn thu tiền thử", "giấy ra viện"]),
        ("Chi tiết danh mục thử và báo cáo giá trị thử", ["Chi tiết danh mục thử", "báo cáo giá trị thử"]),
        ("- Văn bản đề nghị kèm theo phương án thử và hồ sơ pháp lý thử.", 3),
        (
            "-\tTờ trình đề nghị thử; -\tBáo cáo thành tích thử; -\tBiên bản xét thử và kết quả bỏ phiếu; - Số lượng hồ sơ: 01 bộ.",
            3,
        ),
        ("Đối với bước 6: Báo cáo kết quả thực hiện thử, bản gốc quyết định chấp thuận thử.", 2),
        ("+ Hồ sơ bản giấy: Thuyết minh; Dự thảo quyết định; Bản vẽ.", ["Hồ sơ bản giấy"]),  # contents after a colon
        ("Văn bản đề nghị thử; bản sao hóa đơn, phiếu xuất kho hoặc giấy tờ chứng minh nguồn gốc.", 2),  # alternatives
        ("Bản sao giấy tờ tùy thân của người đề nghị, trừ thẻ căn cước, hộ chiếu.", 1),
        ("Bản sao văn bản hủy bỏ Quyết định chia, Hợp đồng sáp nhập thử", 1),  # names inside the paper's name
        ("Hồ sơ, tài liệu chứng minh nội dung điều chỉnh thử", 1),
        ("Đơn đề nghị cấp chứng chỉ đo đạc và bản đồ theo Mẫu số 12", 1),
        ("Bản sao không có chứng thực và xuất trình kèm theo bản chính để đối chiếu", 1),
        ("Văn bản đề nghị thử và các tài liệu khác có liên quan", 1),  # a generic tail
        (
            "Bản chính giấy chứng nhận thử; Trường hợp có tái bảo hiểm thì phải nộp cả bản chính Giấy chứng nhận của bên nhận",
            2,
        ),
        ("Văn bản thử, trong đó nêu rõ tên, thông báo cho khách hàng và thời hạn", 1),
        (  # a later sentence for another case asks for more papers
            "Giấy tờ chứng minh điều kiện thử. Trường hợp có nhiều người thì nộp thêm văn bản thỏa thuận thử"
            " và đơn xin thử. Trường hợp nộp bản sao thì phải có bản chính để đối chiếu.",
            ["Giấy tờ chứng minh điều kiện thử", "văn bản thỏa thuận thử", "đơn xin thử"],
        ),
    ],
)
def test_the_papers_a_row_names(name, papers):
    found = row_papers(name)
    assert (found if isinstance(papers, list) else len(found)) == papers


def test_documents_count_papers_once_across_groups_and_keep_their_copies():
    documents, _ = parse_documents(
        "* Giấy tờ phải nộp:"
        + DOCS_HEADER
        + "Giấy đề nghị ghi thu thử.3 bản chính"
        + "Văn bản giao dự toán thử (đối với khoản viện trợ thử)1 bản chính"
        + "Bản sao hóa đơn thu tiền thử, giấy ra viện0 bản chính,1 bản sao"
        + "* Giấy tờ phải xuất trình:"
        + DOCS_HEADER
        + "Hộ chiếu còn giá trị thử1 bản chính"
        + "Giấy đề nghị ghi thu thử1 bản chính"  # the same paper, other group
        + "Văn bản giao dự toán thử (đối với viện trợ thử)0 bản chính,1 bản sao"  # one word less, with copies
        + "Văn bản yêu cầu thử điện tử tương tác (Mẫu số 06)1 bản chính"
        + "Văn bản yêu cầu thử (Mẫu số 03)1 bản chính"  # another version of the form: another paper
    )
    counts = portal_counts({"documents": documents})
    assert (counts["documents_count"], counts["documents_with_copies"]) == (7, 3)
    assert counts["documents_to_show"] == 3
    assert [d["group"] for d in documents][-1] == GROUP_SHOW


# --- methods and steps ---------------------------------------------------------------------------


def test_method_rows_that_start_a_line_and_a_bare_time_glued_to_the_fee():
    methods, unknown = parse_methods(
        METHODS_HEADER
        + "Trực tuyến7 Ngày làm việc1,000,000 Việt Nam Đồng(Phí thử)+ Thời hạn thử: 07 ngày.\n"
        + "Dịch vụ bưu chính7 Ngày làm việc1,000,000 VNĐ(Phí thử)\n"
        + "Trực tiếp1Miễn phí"
    )
    assert [(m["channel"], m["time_value"], m["fee_amount"]) for m in methods] == [
        ("Trực tuyến", 7, 1000000),
        ("Dịch vụ bưu chính", 7, 1000000),
        ("Trực tiếp", 1, 0),
    ]
    glued, unknown = parse_methods(METHODS_HEADER + "Trực tuyến1Miễn phíTrực tiếp125 VNĐ(Lệ phí thử)")
    # another row prints a bare "1": "125" is 1 + "25 VNĐ"; 25 đồng is implausible, so the fee stays unknown
    assert [(m["time_value"], m["time_unit"], m["fee_amount"]) for m in glued] == [(1, None, 0), (1, None, None)]
    assert any("implausibly small" in u.reason for u in unknown)
    alone, unknown = parse_methods(METHODS_HEADER + "Trực tuyến120 VNĐ")
    assert (alone[0]["time_value"], alone[0]["fee_amount"]) == (None, None)  # nothing tells the cut


def test_free_whose_note_states_an_amount_is_no_free_fee():
    # The real 3.000347 page: "Miễn phí(- Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần. …)". The cell and its
    # note disagree: the amount is unknown and the note, as written, is the fee's text.
    methods, unknown = parse_methods(
        METHODS_HEADER
        + "Trực tiếp5 Ngày làm việcMiễn phí(- Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần.)"
        + "Trực tuyến5 Ngày làm việcMiễn phí(Miễn lệ phí. Phí cấp bản sao theo Thông tư số 281/2016/TT-BTC.)"
    )
    assert methods[0]["fee_amount"] is None and methods[0]["fee_text"].startswith(
        "Lệ phí cấp giấy phép lái xe: 135.000"
    )
    assert any("states an amount" in u.reason for u in unknown)
    assert (methods[1]["fee_amount"], methods[1]["fee_text"][:8]) == (0, "Miễn phí")  # a free fee whose note adds none


@pytest.mark.parametrize(
    "text, count",
    [
        ("Bước 1 Tiếp nhận hồ sơ.\nBước 2 Chuyển hồ sơ.\nxem xét.Bước 3 Xem xét hồ sơ.Bước 4 Ký duyệt tại bước B3.", 4),
        (
            "1. Trách nhiệm của người nộp:\n+ Làm bản khai.\n+ Nộp bản khai.\n2. Trách nhiệm của cơ quan:\na) Tiếp nhận.\nb) Xử lý.",
            2,
        ),
        (
            "+ Người yêu cầu nộp giấy tờ.\n+ Người thực hiện kiểm tra:\n* Ghi lời chứng;\n* Ký tên.\n+ Người yêu cầu nhận kết quả.",
            3,
        ),
        (
            "Giải quyết TTHC: Trong 03 ngày cơ quan xem xét.\nTrường hợp hồ sơ chưa đủ thì hướng dẫn bổ sung.\n"
            "Nộp hồ sơ TTHC: Doanh nghiệp gửi hồ sơ.",
            2,
        ),
        ("Trình tự: Bước 1: Nộp hồ sơ. Bước 2: Xử lý. Bước 3: Trả kết quả.", 3),
    ],
)
def test_steps_count_the_top_level(text, count):
    steps, _ = parse_steps(text)
    assert len(steps) == count


# --- a page whose split fields were cut at a heading quoted in the text ---------------------------


def test_fields_cut_at_a_quoted_heading_are_read_from_the_whole_page():
    steps = (
        "Bước 1. Lập hồ sơ theo mục 9.3 (Thành phần hồ sơ) và nộp.\nBước 2. Cơ quan giải quyết.\nBước 3. Nhận kết quả."
    )
    methods = METHODS_HEADER + "Trực tuyến5 Ngày làm việcMiễn phí"
    documents = "--" + DOCS_HEADER + "Sổ thử nghiệm1 bản chínhĐơn đề nghị thử1 bản chính,1 bản sao"
    legal = LEGAL_HEADER + "Luật thử62/2031/QH16"
    page = (
        "Tên thủ tụcThủ tục thửMã thủ tục9.000777Trình Tự Thực Hiện"
        + steps
        + "\nCách Thức Thực Hiện"
        + methods
        + "Thành phần hồ sơ"
        + documents
        + "Căn cứ pháp lý"
        + legal
        + "Cơ quan thực hiệnSở Thử nghiệm"
        + "Yêu cầu, điều kiện thực hiệnKhông có thông tinKết quả xử lýGiấy thửMã: KQ.G99.000777"
    )
    assert page_sections(page)["thanh_phan_ho_so"] == documents
    cut = steps.index("Thành phần hồ sơ")
    parsed = parse_portal_record(
        {
            "ma_thu_tuc": "9.000777",
            "ten_thu_tuc": "Thủ tục thử",
            "trinh_tu_thuc_hien": steps[: cut - 1],  # cut at the quoted heading …
            "thanh_phan_ho_so": steps[cut + len("Thành phần hồ sơ") :],  # … and the rest of the steps here
            "cach_thuc_thuc_hien": methods,
            "can_cu_phap_ly": ": một ghi chú của bảng phí",  # cut at "căn cứ pháp lý" inside a note
            "raw_text": page,
        }
    )
    record = parsed.record
    assert len(record["steps"]) == 3
    assert [(d["name"], d["copies"]) for d in record["documents"]] == [("Sổ thử nghiệm", 0), ("Đơn đề nghị thử", 1)]
    reasons = {u.field: u.reason for u in parsed.unknown}
    assert reasons["thanh_phan_ho_so"].startswith("the field was cut in the wrong place")
    assert "trinh_tu_thuc_hien" in reasons
    # the legal field holds a note, not the table, and the page says the table: it is read from the page
    assert [item["number"] for item in record["legal_basis"]] == ["62/2031/QH16"]


def test_a_page_without_its_headings_leaves_the_fields_as_they_are():
    assert page_sections("no headings at all") is None
    parsed = parse_portal_record(
        {"ma_thu_tuc": "9.000778", "ten_thu_tuc": "Thủ tục thử", "thanh_phan_ho_so": "--", "raw_text": None}
    )
    assert parsed.record["documents"] == []


@pytest.mark.parametrize(
    ("text", "kinds_only"),
    [
        ("Công dân Việt Nam", True),
        ("Hợp tác xã, Doanh nghiệp, Công dân Việt Nam, Tổ chức (không bao gồm doanh nghiệp, HTX)", True),
        ("Cán bộ, công chức, viên chức", True),
        ("Cha hoặc mẹ của trẻ; ông, bà hoặc người thân thích khác", False),
        ("Công dân Việt Nam, Người lao động đã nghỉ việc", False),
        ("", False),
        (None, False),
    ],
)
def test_the_portals_subjects_are_kinds_of_applicant(text, kinds_only):
    from integrations.portal import only_subject_kinds

    assert only_subject_kinds(text) is kinds_only
