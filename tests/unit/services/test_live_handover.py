"""Live hand-over use cases (services/live_handover.py) on real SQLite and PostgreSQL databases: a hand-over made
live, taken, messages both ways with the personal-data rule, the outbox claimed once by two replicas, the notices
outside office hours and after the wait, complaint answers delivered, and "trả lại trợ lý"."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core import wording
from procedures_db.db import connection_scope, session_scope
from procedures_db.models import HandoverMessage, LiveHandover, StaffAuditEntry, StaffCase
from services import live_handover, staff
from services.service_requests import create_handoff, save_complaint
from tests.unit.procedures_db.test_migrations import empty_database  # noqa: F401
from tests.unit.services.test_staff import PASSWORD, signed_in

CITIZEN = "web:0123456789abcdef"
PHONE_TEXT = "số điện thoại của tôi là 0912345678"
# A Wednesday 09:00 in Vietnam (02:00 UTC): inside the default office hours; 20:00 is outside.
OFFICE = datetime(2026, 12, 9, 2, 0, tzinfo=timezone.utc)
EVENING = datetime(2026, 12, 9, 13, 0, tzinfo=timezone.utc)


@pytest.fixture
def db(empty_database, monkeypatch):  # noqa: F811
    url = empty_database
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_DB", "/nonexistent/tracker.db")
    for name in ("OFFICE_DAYS", "OFFICE_HOURS", "HANDOVER_WAIT_MINUTES"):
        monkeypatch.delenv(name, raising=False)
    with session_scope(url) as session:
        staff.create_account(session, "xa.an", "Cán bộ An", "commune_staff", PASSWORD)
        password_hash = session.scalar(select(staff.StaffAccount.password_hash))
        staff.store.add_account(session, "xa.binh", "Cán bộ Bình", "commune_staff", password_hash)
    return url


def handed_over(url: str, at: datetime, sender: str = CITIZEN) -> tuple[int, str]:
    with session_scope(url) as session:
        request = create_handoff(session, sender, "socketio", "1.000001", "tôi muốn gặp cán bộ")
        request.created_at = at
        reference = request.reference
    with session_scope(url) as session:
        live_handover.sweep(session, at)
        live = session.scalar(select(LiveHandover).where(LiveHandover.conversation_id == sender))
        return live.id, reference


def outbox(url: str) -> list[str]:
    with session_scope(url) as session:
        return [d.text for d in live_handover.pending_deliveries(session)]


def test_a_hand_over_is_made_live_once_and_complaints_are_not(db):
    live_id, _ = handed_over(db, OFFICE)
    with session_scope(db) as session:
        save_complaint(session, "khiếu nại chậm trả hồ sơ", "zalo:42", "zalo")
    with session_scope(db) as session:
        again = live_handover.sweep(session, OFFICE + timedelta(seconds=1))
        assert again.opened == 0  # the complaint is not a live hand-over; the request is already live
        assert [row.id for row in session.scalars(select(LiveHandover))] == [live_id]
    assert outbox(db) == []  # in office hours, within the wait: nothing said yet


def test_staff_hold_the_conversation_and_messages_go_both_ways(db):
    live_id, reference = handed_over(db, OFFICE)
    an, binh = signed_in(db, "xa.an"), signed_in(db, "xa.binh")
    with session_scope(db) as session:
        assert not live_handover.citizen_message(session, CITIZEN, "xin chào")  # nobody holds it: Rasa answers
        assert not live_handover.is_held(session, CITIZEN)
        taken = live_handover.take(session, an, live_id)
        assert taken["state"] == "held" and taken["mine"]
    with connection_scope(db) as connection:  # the channels' check reads on a bare connection
        assert live_handover.is_held(connection, CITIZEN)
        assert not live_handover.is_held(connection, "web:someone-else")
    with session_scope(db) as session:
        with pytest.raises(staff.StaffError) as refused:
            live_handover.send(session, binh, live_id, "tôi cũng trả lời")
        assert refused.value.code == "not_holder"
        live_handover.send(session, an, live_id, "Chào anh, tôi là cán bộ An")
        assert live_handover.citizen_message(session, CITIZEN, PHONE_TEXT)
    assert outbox(db) == [
        wording.LIVE_STAFF_JOINED.format(name="Cán bộ An", reference=reference),
        wording.LIVE_STAFF_MESSAGE.format(name="Cán bộ An", text="Chào anh, tôi là cán bộ An"),
    ]
    with session_scope(db) as session:
        mine = live_handover.conversation(session, an, live_id)
        other = live_handover.conversation(session, binh, live_id)
        case = session.scalar(select(StaffCase))
        assert (case.status, case.assignee_id) == ("in_progress", an.account.id)  # the queue shows it too
    assert mine["messages"][-1]["text"] == PHONE_TEXT
    assert "0912345678" not in other["messages"][-1]["text"] and other["redacted"]
    with session_scope(db) as session:
        inbox = live_handover.inbox(session, binh)["items"]
        assert [(i["reference"], i["state"], i["staff"], i["mine"]) for i in inbox] == [
            (reference, "held", "Cán bộ An", False)
        ]
        returned = live_handover.give_back(session, an, live_id)
        assert returned["state"] == "returned"
        assert not live_handover.citizen_message(session, CITIZEN, "cảm ơn")  # the assistant answers again
    with connection_scope(db) as connection:
        assert not live_handover.is_held(connection, CITIZEN)
    assert outbox(db)[-1] == wording.LIVE_STAFF_LEFT.format(reference=reference)
    with session_scope(db) as session:
        audited = [e.action for e in session.scalars(select(StaffAuditEntry).order_by(StaffAuditEntry.id))]
    assert {"live.take", "live.message", "live.return", "case.take", "case.status"} <= set(audited)


def test_two_replicas_claim_a_message_once_and_a_dead_replicas_claim_expires(db):
    live_id, _ = handed_over(db, OFFICE)
    an = signed_in(db, "xa.an")
    with session_scope(db) as session:
        live_handover.take(session, an, live_id)
    with session_scope(db) as session:
        [joined] = live_handover.pending_deliveries(session)
    now = datetime.now(timezone.utc)
    with session_scope(db) as session:
        assert live_handover.claim_delivery(session, joined.id, "replica-1", now)
    with session_scope(db) as session:
        assert not live_handover.claim_delivery(session, joined.id, "replica-2", now)
        assert live_handover.pending_deliveries(session, now) == []  # claimed: nobody else sends it
    later = now + timedelta(seconds=live_handover.CLAIM_SECONDS + 1)
    with session_scope(db) as session:  # replica-1 died before delivering: replica-2 takes it over
        assert [d.id for d in live_handover.pending_deliveries(session, later)] == [joined.id]
        assert live_handover.claim_delivery(session, joined.id, "replica-2", later)
        live_handover.delivered(session, joined.id, later)
    assert outbox(db) == []


def test_a_message_that_keeps_failing_is_given_up_after_five_attempts(db):
    live_id, _ = handed_over(db, OFFICE)
    with session_scope(db) as session:
        live_handover.take(session, signed_in(db, "xa.an"), live_id)
    with session_scope(db) as session:
        [joined] = live_handover.pending_deliveries(session)
    for attempt in range(1, 6):
        with session_scope(db) as session:
            assert live_handover.claim_delivery(session, joined.id, "replica-1")
            assert live_handover.delivery_failed(session, joined.id) is (attempt == 5)
    assert outbox(db) == []
    with session_scope(db) as session:
        assert session.get(HandoverMessage, joined.id).failed


def test_outside_office_hours_the_citizen_is_told_at_once(db):
    _, reference = handed_over(db, EVENING)
    [notice] = outbox(db)
    assert reference in notice and "1800 1096" in notice and "ngoài giờ làm việc" in notice
    assert "Thứ Hai đến Thứ Sáu, 07:30–11:30 và 13:30–17:00" in notice


def test_a_hand_over_nobody_takes_in_time_gets_the_notice_once(db, monkeypatch):
    monkeypatch.setenv("HANDOVER_WAIT_MINUTES", "5")
    _, reference = handed_over(db, OFFICE)
    with session_scope(db) as session:
        assert live_handover.sweep(session, OFFICE + timedelta(minutes=4)).notices == []
    with session_scope(db) as session:
        assert live_handover.sweep(session, OFFICE + timedelta(minutes=6)).notices == [reference]
    with session_scope(db) as session:
        assert live_handover.sweep(session, OFFICE + timedelta(minutes=7)).notices == []
    assert outbox(db) == [wording.LIVE_NOBODY_FREE.format(reference=reference, hotline="1800 1096")]


def test_complaint_answers_stored_to_deliver_are_delivered_through_the_outbox(db):
    with session_scope(db) as session:
        reference = save_complaint(session, "khiếu nại việc trả hồ sơ chậm", "zalo:42", "zalo")
    an = signed_in(db, "xa.an")
    with session_scope(db) as session:
        [item] = staff.queue(session, an)["items"]
        staff.take(session, an, item["key"])
        staff.answer(session, an, item["key"], "Hồ sơ của anh đã được xử lý.")
    with session_scope(db) as session:
        assert live_handover.sweep(session).answers == 1
        assert live_handover.sweep(session).answers == 0  # queued once
        [delivery] = live_handover.pending_deliveries(session)
    assert delivery.conversation_id == "zalo:42"
    assert delivery.text == wording.LIVE_ANSWER.format(reference=reference, answer="Hồ sơ của anh đã được xử lý.")
    with session_scope(db) as session:
        assert session.scalar(select(StaffCase.answer_delivery)) == "sending"
        assert live_handover.claim_delivery(session, delivery.id, "replica-1")
        live_handover.delivered(session, delivery.id)
    with session_scope(db) as session:
        assert session.scalar(select(StaffCase.answer_delivery)) == "delivered"


def test_office_hours_follow_the_settings(monkeypatch):
    monkeypatch.setenv("OFFICE_DAYS", "1-6")
    monkeypatch.setenv("OFFICE_HOURS", "08:00-12:00")
    saturday_ten = datetime(2026, 12, 12, 3, 0, tzinfo=timezone.utc)
    assert live_handover.in_office(saturday_ten)
    assert not live_handover.in_office(saturday_ten + timedelta(hours=3))
    assert live_handover.hours_text() == "Thứ Hai đến Thứ Bảy, 08:00–12:00"
    monkeypatch.setenv("OFFICE_HOURS", "nonsense")
    assert live_handover.hours_text().endswith("07:30–11:30 và 13:30–17:00")


def test_the_live_streams_session_check_is_not_use_and_ends_with_the_idle_time(db):
    with session_scope(db) as session:
        _, token, _ = staff.login(session, "xa.an", PASSWORD)
    with session_scope(db) as session:
        row = session.scalar(select(staff.StaffSession))
        row.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=29)
        seen = row.last_seen_at
    with session_scope(db) as session:
        assert live_handover.signed_in(session, token).account.username == "xa.an"
        assert live_handover.signed_in(session, "forged") is None
    with session_scope(db) as session:
        assert session.scalar(select(staff.StaffSession.last_seen_at)).replace(tzinfo=timezone.utc) == seen
        session.scalar(select(staff.StaffSession)).last_seen_at = seen - timedelta(minutes=2)
    with session_scope(db) as session:
        assert live_handover.signed_in(session, token) is None  # idle 31 minutes: signed out


def test_retention_and_a_citizens_deletion_request_remove_the_messages(db):
    live_id, _ = handed_over(db, OFFICE)
    with session_scope(db) as session:
        live_handover.take(session, signed_in(db, "xa.an"), live_id)
        assert live_handover.citizen_message(session, CITIZEN, PHONE_TEXT)
    with session_scope(db) as session:
        save_complaint(session, "khiếu nại", "zalo:42", "zalo")
    with session_scope(db) as session:
        assert live_handover.purge(session, 90) == 0  # all recent
        assert live_handover.purge(session, 1, now=datetime.now(timezone.utc) + timedelta(days=2)) == 2
    with session_scope(db) as session:
        assert live_handover.citizen_message(session, CITIZEN, "còn đó không")
        assert live_handover.forget(session, CITIZEN) == 1
        assert session.scalar(select(LiveHandover)) is None
        assert not live_handover.citizen_message(session, CITIZEN, "xin chào")


def test_the_holder_viewing_is_audited_once_per_sign_in_not_at_every_refresh(db):
    live_id, _ = handed_over(db, OFFICE)
    an = signed_in(db, "xa.an")
    with session_scope(db) as session:
        live_handover.take(session, an, live_id)
    for _ in range(5):  # the console refreshes the open conversation
        with session_scope(db) as session:
            live_handover.conversation(session, an, live_id)
    again = signed_in(db, "xa.an")  # a new sign-in: audited once more
    for _ in range(2):
        with session_scope(db) as session:
            live_handover.conversation(session, again, live_id)
    with session_scope(db) as session:
        views = list(session.scalars(select(StaffAuditEntry).where(StaffAuditEntry.action == "live.view")))
    assert [(v.username, v.target) for v in views] == [("xa.an", f"live:{live_id}")] * 2


def test_the_checklist_goes_into_the_held_conversation_only_once_the_citizen_agreed(db):
    from services.checklist import build_checklist, checklist_text

    record = {
        "code": "1.000001",
        "name": "Đăng ký thường trú",
        "updated_at": "2026-11-30",
        "agency": "Công an xã",
        "processing_time": "7 ngày làm việc",
        "fees": [{"text": "Miễn phí khi nộp trực tuyến"}],
        "documents": [{"name": "Tờ khai thay đổi thông tin cư trú", "originals": 1, "copies": 0}],
        "online_url": "https://dichvucong.gov.vn/p/1",
    }
    text = checklist_text(build_checklist(record, []))
    assert text.splitlines()[0] == "Đăng ký thường trú (1.000001)" and "30/11/2026" in text
    live_id, _ = handed_over(db, OFFICE, "zalo:4455")
    an, binh = signed_in(db, "xa.an"), signed_in(db, "xa.binh")
    with session_scope(db) as session:
        live_handover.take(session, an, live_id)
        for agreed in (False, None, "yes"):
            with pytest.raises(staff.StaffError) as refused:
                live_handover.send_checklist(session, an, live_id, "1.000001", text, agreed)
            assert refused.value.code == "agreement_required"
        with pytest.raises(staff.StaffError) as refused:
            live_handover.send_checklist(session, binh, live_id, "1.000001", text, True)
        assert refused.value.code == "not_holder"
        sent = live_handover.send_checklist(session, an, live_id, "1.000001", text, True)
        assert sent["channel"] == "zalo" and len(sent["messages"]) == 1
        long = live_handover.send_checklist(session, an, live_id, "1.000001", "\n".join([text] * 40), True)
        assert len(long["messages"]) > 1
    delivered = outbox(db)
    assert any("Thời hạn giải quyết: 7 ngày làm việc." in m and "https://dichvucong.gov.vn/p/1" in m for m in delivered)
    assert all(len(m) <= live_handover.MAX_MESSAGE_LENGTH + 100 for m in delivered)
    with session_scope(db) as session:
        entries = list(session.scalars(select(StaffAuditEntry).where(StaffAuditEntry.action == "assisted.send")))
    assert [(e.username, e.detail["procedure"], e.detail["agreed"]) for e in entries] == [
        ("xa.an", "1.000001", True)
    ] * 2
