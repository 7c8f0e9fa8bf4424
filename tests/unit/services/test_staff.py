"""Staff console use cases (services/staff.py) on real SQLite and PostgreSQL databases: accounts, sign-in, lock-out,
idle sessions, the audit log, the complaints queue with its personal-data rule, the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from procedures_db.db import session_scope
from procedures_db.models import StaffAccount, StaffAuditEntry, StaffLoginThrottle, StaffSession
from services import staff
from services.service_requests import create_handoff, save_feedback
from tests.unit.procedures_db.test_migrations import empty_database  # noqa: F401

PASSWORD = "mat-khau-du-dai-1"
TRANSCRIPT = "Tôi tên Nguyễn Văn An, số điện thoại 0912345678, muốn khiếu nại việc chậm trả hồ sơ"


@pytest.fixture
def db(empty_database, monkeypatch):  # noqa: F811 (SQLite, then a new database on a real PostgreSQL)
    sqlite_url = empty_database
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("STAFF_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("STAFF_LOGIN_LOCK_MINUTES", "15")
    monkeypatch.setenv("STAFF_SESSION_IDLE_MINUTES", "30")
    with session_scope(sqlite_url) as session:
        staff.create_account(session, "Admin", "Quản trị tỉnh", "province_admin", PASSWORD)
        # the colleagues share the administrator's hash: one argon2 hash per test instead of three
        password_hash = session.scalar(select(StaffAccount.password_hash))
        staff.store.add_account(session, "xa.an", "Cán bộ An", "commune_staff", password_hash, "Xã An Bình")
        staff.store.add_account(session, "xa.binh", "Cán bộ Bình", "commune_staff", password_hash, "Xã An Bình")
    return sqlite_url


def signed_in(url: str, username: str) -> staff.Identity:
    with session_scope(url) as session:
        _, token, _ = staff.login(session, username, PASSWORD)
    with session_scope(url) as session:
        identity = staff.authenticate(session, token)
        assert identity is not None
        session.expunge_all()
        return identity


def actions(url: str) -> list[tuple[str | None, str, str | None]]:
    with session_scope(url) as session:
        entries = session.scalars(select(StaffAuditEntry).order_by(StaffAuditEntry.id))
        return [(e.username, e.action, e.target) for e in entries]


def test_passwords_are_stored_as_argon2id_hashes_only(db):
    with session_scope(db) as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == "admin"))
        assert account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash


@pytest.mark.parametrize(
    "username, password, code",
    [("a", PASSWORD, "bad_username"), ("bad name", PASSWORD, "bad_username"), ("ok.name", "short", "weak_password")],
)
def test_account_rules(db, username, password, code):
    with pytest.raises(staff.StaffError) as refused, session_scope(db) as session:
        staff.create_account(session, username, "Tên", "commune_staff", password)
    assert refused.value.code == code


def test_a_user_name_is_taken_once(db):
    with pytest.raises(staff.StaffError) as refused, session_scope(db) as session:
        staff.create_account(session, "ADMIN", "Khác", "commune_staff", PASSWORD)
    assert refused.value.code == "username_taken"


def test_sign_in_gives_a_session_whose_token_is_stored_only_as_a_digest(db):
    with session_scope(db) as session:
        account, token, csrf = staff.login(session, " Admin ", PASSWORD, ip="10.0.0.1")
        assert account.username == "admin" and len(token) >= 40 and len(csrf) >= 40
    with session_scope(db) as session:
        stored = session.scalar(select(StaffSession))
        assert stored.token_digest != token and token not in stored.token_digest
        identity = staff.authenticate(session, token)
        assert identity is not None and identity.account.username == "admin" and identity.csrf_token == csrf
        assert staff.authenticate(session, token + "x") is None
        assert staff.authenticate(session, None) is None
    assert actions(db)[-1] == ("admin", "login", None)


def test_wrong_password_and_unknown_user_are_refused_the_same_way(db):
    for username, password in (("admin", "wrong-password"), ("nobody", PASSWORD)):
        with pytest.raises(staff.LoginRefused) as refused, session_scope(db) as session:
            staff.login(session, username, password)
        assert refused.value.code == "invalid" and refused.value.status == 401
    # the failure and its audit entry are kept when the caller commits the refusal
    with session_scope(db) as session:
        try:
            staff.login(session, "admin", "wrong-password", ip="10.0.0.9")
        except staff.LoginRefused:
            pass
    assert ("admin", "login.failed", None) in actions(db)


def test_repeated_failures_lock_the_user_name_even_against_the_right_password(db):
    for _ in range(3):  # STAFF_LOGIN_MAX_FAILURES=3
        with session_scope(db) as session:
            try:
                staff.login(session, "xa.an", "wrong-password")
            except staff.LoginRefused as exc:
                last = exc
    assert last.code == "locked" and last.status == 429 and last.locked_until is not None
    assert timedelta(minutes=14) < last.locked_until - datetime.now(timezone.utc) <= timedelta(minutes=15)
    with session_scope(db) as session:  # committed like the route does: the refusal is audited
        with pytest.raises(staff.LoginRefused) as refused:
            staff.login(session, "xa.an", PASSWORD)
    assert refused.value.code == "locked"
    # the colleague is not locked
    with session_scope(db) as session:
        staff.login(session, "xa.binh", PASSWORD)
    # when the lock-out is over, the right password works again and clears the count
    with session_scope(db) as session:
        row = session.scalar(select(StaffLoginThrottle).where(StaffLoginThrottle.username == "xa.an"))
        row.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    with session_scope(db) as session:
        staff.login(session, "xa.an", PASSWORD)
    assert "login.locked" in [action for _, action, _ in actions(db)]


def test_the_second_lock_out_is_twice_as_long(db):
    def fail_three_times():
        for _ in range(3):
            with session_scope(db) as session:
                try:
                    staff.login(session, "nobody", "x" * 12)
                except staff.LoginRefused as exc:
                    last = exc
        return last

    first = fail_three_times()
    with session_scope(db) as session:
        row = session.scalar(select(StaffLoginThrottle).where(StaffLoginThrottle.username == "nobody"))
        row.locked_until = datetime.now(timezone.utc) - timedelta(seconds=1)
    second = fail_three_times()
    assert first.code == second.code == "locked"
    now = datetime.now(timezone.utc)
    assert timedelta(minutes=29) < second.locked_until - now <= timedelta(minutes=30)


def test_a_session_idle_longer_than_the_timeout_is_signed_out(db):
    with session_scope(db) as session:
        _, token, _ = staff.login(session, "admin", PASSWORD)
    with session_scope(db) as session:
        stored = session.scalar(select(StaffSession))
        stored.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=29)
    with session_scope(db) as session:
        assert staff.authenticate(session, token) is not None  # used: its idle time starts again
    with session_scope(db) as session:
        stored = session.scalar(select(StaffSession))
        assert datetime.now(timezone.utc) - staff.store.session_last_seen(stored) < timedelta(minutes=1)
        stored.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=31)
    with session_scope(db) as session:
        assert staff.authenticate(session, token) is None
        assert session.scalar(select(StaffSession)) is None  # deleted


def test_a_disabled_account_loses_its_sessions(db):
    admin = signed_in(db, "admin")
    with session_scope(db) as session:
        _, token, _ = staff.login(session, "xa.an", PASSWORD)
    with session_scope(db) as session:
        staff.set_account_active(session, admin, "xa.an", False)
    with session_scope(db) as session:
        assert staff.authenticate(session, token) is None
    with pytest.raises(staff.LoginRefused), session_scope(db) as session:
        staff.login(session, "xa.an", PASSWORD)
    assert ("admin", "account.disable", "account:xa.an") in actions(db)


def test_roles(db):
    admin, clerk = signed_in(db, "admin"), signed_in(db, "xa.an")
    assert admin.may("accounts") and admin.may("audit") and admin.may("queue")
    assert clerk.may("queue") and clerk.may("assisted")
    assert not clerk.may("accounts") and not clerk.may("audit")


@pytest.fixture
def queue_rows(db):
    with session_scope(db) as session:
        handoff = create_handoff(session, "zalo:12345", "zalo", "1.001193", TRANSCRIPT)
        comment = save_feedback(session, 2, '<script>alert(1)</script> =HYPERLINK("x")', "web:77", "socketio")
        save_feedback(session, 5, None, "web:78", "socketio")  # a rating alone is not a queue item
        return f"handoff-{handoff.id}", f"feedback-{comment.id}", handoff.reference


def test_the_queue_shows_citizens_personal_data_only_to_the_staff_handling_the_item(db, queue_rows):
    handoff_key, feedback_key, reference = queue_rows
    an, binh = signed_in(db, "xa.an"), signed_in(db, "xa.binh")
    with session_scope(db) as session:
        listed = staff.queue(session, an)
    assert [item["key"] for item in listed["items"]] == [feedback_key, handoff_key]
    assert listed["counts"] == {"new": 2, "in_progress": 0, "answered": 0, "closed": 0}
    before = next(item for item in listed["items"] if item["key"] == handoff_key)
    assert before["reference"] == reference and before["status"] == "new" and before["redacted"]
    assert "0912345678" not in before["text"] and "Nguyễn Văn An" not in before["text"]
    assert before["sender_id"] is None

    with session_scope(db) as session:
        taken = staff.take(session, an, handoff_key)
    assert taken["mine"] and taken["status"] == "in_progress" and taken["handler"] == "Cán bộ An"
    assert taken["text"] == TRANSCRIPT and taken["sender_id"] == "zalo:12345"
    with session_scope(db) as session:
        seen_by_colleague = staff.queue_item(session, binh, handoff_key)
    assert seen_by_colleague["redacted"] and "0912345678" not in seen_by_colleague["text"]
    assert seen_by_colleague["sender_id"] is None and seen_by_colleague["handler"] == "Cán bộ An"
    with session_scope(db) as session:
        staff.queue_item(session, an, handoff_key)
    assert ("xa.an", "case.take", handoff_key) in actions(db)
    assert ("xa.an", "case.view", handoff_key) in actions(db)
    assert ("xa.binh", "case.view", handoff_key) not in actions(db)  # nothing personal was shown


def test_only_the_handler_changes_the_status_and_answers(db, queue_rows):
    handoff_key, _, _ = queue_rows
    an, binh = signed_in(db, "xa.an"), signed_in(db, "xa.binh")
    with pytest.raises(staff.StaffError) as refused, session_scope(db) as session:
        staff.answer(session, an, handoff_key, "Dạ, hồ sơ của anh đã được chuyển ạ.")
    assert refused.value.code == "not_handler" and refused.value.status == 403
    with session_scope(db) as session:
        staff.take(session, an, handoff_key)
    with session_scope(db) as session:
        answered = staff.answer(session, an, handoff_key, "  Dạ, hồ sơ của anh đã được chuyển ạ. ")
    assert answered["status"] == "answered" and answered["answer_delivery"] == "to_deliver"
    assert answered["answer"] == "Dạ, hồ sơ của anh đã được chuyển ạ."
    with pytest.raises(staff.StaffError), session_scope(db) as session:
        staff.set_status(session, binh, handoff_key, "closed")
    with session_scope(db) as session:
        closed = staff.set_status(session, an, handoff_key, "closed")
    assert closed["status"] == "closed"
    with session_scope(db) as session:
        assert staff.queue(session, an, "closed")["items"][0]["key"] == handoff_key
        assert [i["key"] for i in staff.queue(session, an, "new")["items"]] != [handoff_key]
        assert staff.queue(session, an)["counts"] == {"new": 1, "in_progress": 0, "answered": 0, "closed": 1}
    for bad in ("", "x" * (staff.MAX_ANSWER_LENGTH + 1)):
        with pytest.raises(staff.StaffError), session_scope(db) as session:
            staff.answer(session, an, handoff_key, bad)
    with pytest.raises(staff.StaffError) as refused, session_scope(db) as session:
        staff.set_status(session, an, handoff_key, "deleted")
    assert refused.value.code == "bad_status"
    assert [a for u, a, t in actions(db) if t == handoff_key] == ["case.take", "case.answer", "case.status"]


@pytest.mark.parametrize("key", ["handoff-999", "feedback-x", "other-1", "", "handoff-" + "9" * 40])
def test_an_unknown_item_is_not_found(db, queue_rows, key):
    an = signed_in(db, "xa.an")
    with pytest.raises(staff.StaffError) as refused, session_scope(db) as session:
        staff.take(session, an, key)
    assert refused.value.status == 404


def test_the_csv_export_is_redacted_and_safe_in_a_spreadsheet(db, queue_rows):
    handoff_key, feedback_key, reference = queue_rows
    an = signed_in(db, "xa.an")
    with session_scope(db) as session:
        staff.take(session, an, handoff_key)  # even the handler's export is redacted
    with session_scope(db) as session:
        text = staff.queue_csv(session, an)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [row["reference"] for row in rows][1] == reference
    assert "0912345678" not in text and "zalo:12345" not in text
    comment = rows[0]["text"]
    assert comment.startswith("<script>")  # kept as text
    assert rows[0]["rating"] == "2"
    assert ("xa.an", "queue.export", None) in actions(db)


def test_a_formula_in_a_cell_is_neutralised():
    assert staff._csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert staff._csv_cell("Dạ") == "Dạ" and staff._csv_cell(None) == ""


def test_ratings_are_reported_apart(db):
    with session_scope(db) as session:
        for rating in (5, 5, 4, 2, 1):
            save_feedback(session, rating, None)
        save_feedback(session, None, "chỉ góp ý")
        summary = staff.ratings(session)
    assert summary["count"] == 5
    assert summary["by_rating"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 2}
    assert summary["share_4_5"] == pytest.approx(0.6) and summary["average"] == pytest.approx(3.4)


def test_the_audit_log_lists_newest_first(db):
    signed_in(db, "admin")
    with session_scope(db) as session:
        entries = staff.audit_log(session)
    assert entries[0]["action"] == "login" and entries[0]["username"] == "admin"
    assert entries[-1]["action"] == "account.create" and entries[-1]["username"] == "(command line)"


def test_a_complaint_is_one_item_of_its_own_category(db):
    """A complaint recorded by the dialogue (services.service_requests.save_complaint: a hand-over with a
    reference and a copy as feedback about "complaint") is one queue item, shown without its marker."""
    service_requests = pytest.importorskip("services.service_requests")
    if not hasattr(service_requests, "save_complaint"):
        pytest.skip("services.service_requests.save_complaint is not there yet (the dialogue's part of issue 17)")
    an = signed_in(db, "xa.an")
    with session_scope(db) as session:
        reference = service_requests.save_complaint(session, "Tôi khiếu nại vì bị hẹn 3 lần", "zalo:1", "zalo")
    with session_scope(db) as session:
        listed = staff.queue(session, an)
    assert [(item["category"], item["reference"]) for item in listed["items"]] == [("complaint", reference)]
    assert listed["items"][0]["text"] == "Tôi khiếu nại vì bị hẹn 3 lần"
    assert listed["counts"]["new"] == 1


def test_the_complaint_marker_is_the_one_of_the_store(db):
    """procedures_db/staff.py reads save_complaint's marker from the same tables: they must agree."""
    store_module = pytest.importorskip("procedures_db.service_requests")
    if not hasattr(store_module, "COMPLAINT_PREFIX"):
        pytest.skip("procedures_db.service_requests has no complaint marker yet (the dialogue's part of issue 17)")
    assert store_module.COMPLAINT_PREFIX == staff.store.COMPLAINT_PREFIX
    assert store_module.COMPLAINT == staff.store.COMPLAINT_ABOUT
