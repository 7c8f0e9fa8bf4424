"""A record's long entries as a compound reply's short lines (core/passages.py ``gist``, ``digest_documents``)."""

from __future__ import annotations

from core.passages import digest_documents, gist, is_paper, matching_documents


def test_a_gist_is_the_first_sentence_not_a_cut_word():
    entry = (
        "- Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp. Trường hợp người yêu cầu đã "
        "nộp bản điện tử Giấy báo tử thì không phải nộp bản giấy."
    )
    assert gist(entry, 88) == "Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp"


def test_a_gist_uses_the_records_own_short_name():
    entry = (
        "- Hộ chiếu/Thẻ căn cước công dân/Thẻ căn cước hoặc các giấy tờ khác có dán ảnh và thông tin cá nhân do cơ "
        "quan có thẩm quyền cấp, còn giá trị sử dụng (sau đây gọi tắt là giấy tờ tùy thân) để chứng minh về nhân thân."
    )
    assert gist(entry, 88).startswith("Giấy tờ tùy thân: Hộ chiếu/Thẻ căn cước công dân")


def test_a_gist_keeps_a_forms_number_and_drops_the_act_it_came_with():
    entry = "Tờ khai thay đổi thông tin cư trú (Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA); đối với …"
    assert gist(entry, 88) == "Tờ khai thay đổi thông tin cư trú (Mẫu CT01)"
    assert gist(entry, 42).endswith("… (Mẫu CT01)") and len(gist(entry, 42)) <= 42


def test_the_papers_everyone_brings_come_before_one_cases_and_notes():
    documents = [
        {"name": "(iv) Trường hợp ủy quyền cho đơn vị cung cấp dịch vụ bưu chính …", "case": "Ủy quyền"},
        {"name": "+ Bản chụp các giấy tờ gửi kèm theo hồ sơ trực tuyến phải rõ nét", "group": "luu_y"},
        {"name": "- Giấy tờ chứng minh sự kiện chết đối với trường hợp người chết đã lâu", "group": "nop"},
        {"name": "- Mẫu hộ tịch điện tử tương tác (nếu nộp hồ sơ theo hình thức trực tuyến)"},
        {"name": "- Tờ khai đăng ký khai tử theo mẫu (nếu nộp hồ sơ theo hình thức trực tiếp);"},
        {"name": "- Giấy đề nghị đăng ký hộ kinh doanh;"},
    ]
    names = [d["name"][:12] for d in digest_documents(documents)]
    assert names[:3] == ["- Tờ khai đă", "- Giấy đề ng", "- Mẫu hộ tịc"]


def test_an_item_of_bare_words_typed_for_a_paper_is_looked_for():
    documents = [{"name": "Hồ sơ bản vẽ thiết kế xây dựng"}, {"name": "Đơn đề nghị cấp giấy phép xây dựng"}]
    assert is_paper("ban ve")
    assert [d["name"] for d in matching_documents("ban ve", documents)] == ["Hồ sơ bản vẽ thiết kế xây dựng"]


def test_two_strong_words_of_an_item_are_found_together():
    apart = {"name": "Giấy chứng nhận căn cước; bản sao được chứng thực từ bản chính"}
    together = {"name": "Bản sao Giấy chứng tử của người được giám hộ"}
    assert matching_documents("giay chung tu", [apart, together]) == [together]


def test_a_paper_whose_case_names_what_replaces_it_is_a_paper_for_all():
    documents = [
        {"name": "Biên bản xác nhận việc trẻ bị bỏ rơi", "case": "Trẻ em bị bỏ rơi"},
        {"name": "Giấy chứng sinh", "case": "Nếu không có Giấy chứng sinh: văn bản của người làm chứng"},
        {"name": "Tờ khai đăng ký khai sinh theo mẫu", "case": None},
    ]
    names = [d["name"] for d in digest_documents(documents)]
    assert names.index("Giấy chứng sinh") < names.index("Biên bản xác nhận việc trẻ bị bỏ rơi")


def test_a_gist_is_not_cut_at_the_comma_of_a_short_list():
    entry = "Ý kiến đồng ý của cha, mẹ hoặc người giám hộ, trừ trường hợp đã có ý kiến đồng ý bằng văn bản"
    assert gist(entry, 42) == "Ý kiến đồng ý của cha, mẹ hoặc người…"  # not "Ý kiến đồng ý của cha…"
