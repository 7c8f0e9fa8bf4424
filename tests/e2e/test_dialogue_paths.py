"""Issue 16's dialogue defects, end to end through the REST channel of the running stack.

Each was a defect found by trying the assistant as citizens would: a complaint
turned into a 3-star rating, a rating form that could not be left, "Đúng vậy"
answered then followed by "em chưa xử lý được yêu cầu này", silence after
"gặp cán bộ", an ID number opening the dossier lookup, and a real procedure
missing from the catalogue called "outside administrative procedures".
"""

from __future__ import annotations

import os
import uuid

import pytest
import requests

from core.settings import current as settings

pytestmark = pytest.mark.e2e


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def feedback_count(running_stack) -> int:
    headers = {"Authorization": f"Bearer {os.environ['DOSSIER_API_TOKEN']}"}
    summary = requests.get(f"{running_stack.api}/api/feedback/summary", headers=headers, timeout=10).json()
    return summary["count"]


def test_a_complaint_gets_a_reference_and_where_formal_complaints_go_never_a_rating(running_stack):
    user = sender()
    answer = texts(running_stack.say(user, "cán bộ xã bắt tôi đi lại 4 lần mà chưa xong hồ sơ, tôi muốn khiếu nại"))
    assert "mã phản ánh" in answer and "dichvucong.gov.vn" in answer and "Một cửa" in answer
    assert "4/5" not in answer and "mấy sao" not in answer
    reference = answer[answer.index("YC-") :].split()[0].rstrip(".,")
    staff = requests.get(
        f"{running_stack.api}/api/handoffs",
        headers={"Authorization": f"Bearer {os.environ['DOSSIER_API_TOKEN']}"},
        timeout=10,
    )
    assert reference in [h["reference"] for h in staff.json()["handoffs"]]  # routed to staff
    # The next message is a question, answered; it is not stored as a comment.
    assert "mã 1.001456" in texts(running_stack.say(user, "làm hộ chiếu nộp ở đâu"))


@pytest.mark.parametrize("leave", ["thôi", "hủy", "không"])
def test_the_rating_form_can_be_left(running_stack, leave):
    user = sender()
    before = feedback_count(running_stack)
    assert "mấy sao" in texts(running_stack.say(user, "tôi muốn đánh giá dịch vụ"))
    answer = texts(running_stack.say(user, leave))
    assert "1 đến 5" not in answer and "dừng" in answer
    assert feedback_count(running_stack) == before


def test_a_question_inside_the_rating_form_is_answered(running_stack):
    user = sender()
    running_stack.say(user, "cho tôi đánh giá")
    answer = texts(running_stack.say(user, "thôi, cho hỏi đăng ký tạm trú mất mấy ngày"))
    assert "mã 1.004194" in answer and "1 đến 5" not in answer


def test_a_question_inside_the_dossier_lookup_is_answered_and_the_lookup_left(running_stack):
    user = sender()
    assert "mã hồ sơ" in texts(running_stack.say(user, "tra cứu hồ sơ"))
    answer = texts(running_stack.say(user, "thôi không tra nữa, làm hộ chiếu ở đâu"))
    assert "mã 1.001456" in answer and "cho em xin mã hồ sơ" not in answer
    assert "trợ lý ảo" in texts(running_stack.say(user, "xin chào"))  # the form is over


@pytest.mark.parametrize("suggested,procedure", [("ask_fee", "1.004222"), ("ask_processing_time", "1.001456")])
def test_a_confirmed_suggestion_is_answered_without_an_error_after_it(running_stack, suggested, procedure):
    # The state after "có phải anh/chị muốn hỏi về ... không ạ?" (the graded fallback's slots), then the
    # "Đúng vậy" button: the answer, and nothing after it ("em chưa xử lý được yêu cầu này" was).
    user = sender()
    running_stack.say(user, "xin chào")
    events = [
        {"event": "slot", "name": "procedure_code", "value": procedure},
        {"event": "slot", "name": "suggested_intent", "value": suggested},
    ]
    added = requests.post(
        f"{running_stack.rasa}/conversations/rest:{user}/tracker/events",
        json=events,
        headers=running_stack.rasa_auth,
        timeout=10,
    )
    assert added.status_code == 200, added.text
    answer = texts(running_stack.say(user, "/affirm"))
    assert f"mã {procedure}" in answer and "chưa xử lý được" not in answer


def test_after_a_handover_the_assistant_says_how_a_person_answers_and_keeps_answering(running_stack):
    user = sender()
    answer = texts(running_stack.say(user, "cho tôi gặp cán bộ"))
    assert settings().support_hotline in answer and "Giờ làm việc" in answer and "YC-" in answer
    assert "trả lời ngay" not in answer
    assert texts(running_stack.say(user, "xin chào"))
    assert "mã 1.004194" in texts(running_stack.say(user, "đăng ký tạm trú mất bao lâu"))


def test_an_id_number_is_not_looked_up_nor_echoed(running_stack):
    answer = texts(running_stack.say(sender(), "số căn cước của tôi là 079301001122, kiểm tra giúp thẻ làm xong chưa"))
    assert "VNeID" in answer and "079301001122" not in answer and "4 số cuối" not in answer


def test_a_procedure_the_catalogue_does_not_hold_is_not_called_out_of_scope(running_stack):
    answer = texts(running_stack.say(sender(), "xin giấy phép khai thác cát sỏi ở đâu"))
    assert "chỉ hỗ trợ" not in answer and "chưa có trong cơ sở dữ liệu" in answer
    assert "chỉ hỗ trợ" in texts(running_stack.say(sender(), "giá vàng hôm nay bao nhiêu"))


def test_stars_with_a_comment_then_a_complaint_are_a_rating_and_a_complaint(running_stack):
    user = sender()
    before = feedback_count(running_stack)
    assert "mấy sao" in texts(running_stack.say(user, "tôi muốn đánh giá"))
    assert "5/5" in texts(running_stack.say(user, "5 sao, cán bộ hướng dẫn rất nhiệt tình"))  # no comment asked
    assert feedback_count(running_stack) == before + 1
    answer = texts(running_stack.say(user, "nhưng tôi cũng muốn phản ánh là phòng chờ chật quá, không có ghế"))
    assert "mã phản ánh" in answer and "5/5" not in answer


def test_a_grievance_about_a_dossier_is_a_complaint_not_a_lookup(running_stack):
    answer = texts(
        running_stack.say(sender(), "tôi nộp hồ sơ 3 tuần rồi mà trung tâm báo mất hồ sơ, tôi muốn khiếu nại")
    )
    assert "mã phản ánh" in answer and "mã hồ sơ" not in answer
