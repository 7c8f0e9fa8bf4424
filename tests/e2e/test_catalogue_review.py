"""The administrator's catalogue review and the turns' outcomes in a real Chromium against the HTTP API: an alias added
in the console changes what the assistant's search answers next, a fact corrected with its source, the review's
history; the analytics' outcome chart and the unanswered questions (redacted, grouped) from conversations stored by
Rasa's own tracker store, with the YAML export for review.
Screenshots: results/screenshots/staff-catalogue-*.png, results/screenshots/staff-analytics-outcomes.png."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests
import yaml
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, WAIT_MS, PageWatch, axe_audit, save_json, screenshot
from tests.staff_helpers import PASSWORD, console_server

pytestmark = pytest.mark.timeout(600)

BIRTH = "1.001193"
ALIAS = "báo hỷ em bé"  # nobody's folk name: the search finds nothing until the administrator adds it
BLOCKING = ("serious", "critical")
PHONE = "0912345678"


def signed_in(context, base: str, username: str = "quantri"):
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    watch = PageWatch(context, page)
    page.goto(f"{base}/staff/")
    page.fill("#login-username", username)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.locator("#tabs").wait_for(timeout=WAIT_MS)
    return page, watch


def best(base: str, query: str) -> str | None:
    results = requests.get(f"{base}/api/procedures", params={"q": query}, timeout=10).json()["results"]
    return results[0]["code"] if results else None


def test_an_alias_added_in_the_console_changes_the_assistants_next_answer(tmp_path, browser_context):
    with console_server(tmp_path) as (base, _database):
        assert best(base, ALIAS) is None
        page, watch = signed_in(browser_context, base)
        page.click('#tabs a[data-view="catalogue"]')
        page.fill("#catalogue-q", "khai sinh")
        page.click("#catalogue-form button[type=submit]")
        row = page.locator("#catalogue-table tbody tr", has_text=BIRTH)
        row.wait_for(timeout=WAIT_MS)
        expect(page.locator("#catalogue-counts")).to_contain_text("thủ tục")
        row.locator("button.link").click()
        expect(page.locator("#review-code")).to_have_text(BIRTH, timeout=WAIT_MS)
        expect(page.locator("#review-source")).to_contain_text("Dữ liệu mẫu")
        page.fill("#review-added", ALIAS)
        page.click("#review-aliases-save")
        expect(page.locator("#review-message")).to_contain_text("Đã lưu tên gọi", timeout=WAIT_MS)
        expect(page.locator("#review-effective")).to_contain_text(ALIAS)
        started = time.monotonic()
        while best(base, ALIAS) != BIRTH:  # the assistant's search (the linker's index), without a restart
            assert time.monotonic() - started < 15, "the alias was not used in time"
            time.sleep(0.1)
        seconds = time.monotonic() - started
        screenshot(page, "staff-catalogue-alias")

        page.select_option("#review-field", "fee")
        expect(page.locator("#review-original")).not_to_be_empty()
        page.fill("#review-value", "Miễn lệ phí")
        page.click("#review-fact-save")
        expect(page.locator("#review-message")).to_contain_text("Vui lòng ghi nguồn", timeout=WAIT_MS)
        page.fill("#review-note", "Nghị quyết 12/2026/NQ-HĐND")
        page.click("#review-fact-save")
        expect(page.locator("#review-message")).to_have_text("Đã lưu hiệu đính.", timeout=WAIT_MS)
        expect(page.locator("#review-history li")).to_have_count(2)
        expect(page.locator("#review-history")).to_contain_text("Hiệu đính thông tin (Lệ phí)")
        started = time.monotonic()
        while "Miễn lệ phí (nguồn: Nghị quyết 12/2026/NQ-HĐND)" not in str(
            requests.get(f"{base}/api/procedures/{BIRTH}", timeout=10).json().get("fees")
        ):
            assert time.monotonic() - started < 15, "the corrected fee was not served in time"
            time.sleep(0.1)
        expect(row).to_contain_text("Hiệu đính: Lệ phí")
        page.set_viewport_size({"width": 1280, "height": 1300})
        screenshot(page, "staff-catalogue-fact")
        violations = axe_audit(page)["violations"]
        save_json("axe-staff-catalogue.json", violations)
        assert [(v["id"], v["nodes"]) for v in violations if v["impact"] in BLOCKING] == []
        save_json(
            "catalogue-review-e2e-metrics.json",
            {"alias_saved_to_search_seconds": round(seconds, 2), "how": "Chromium: 'Lưu tên gọi' to /api/procedures"},
        )
        watch.assert_clean()

        page.click("#logout")  # the same browser: a commune's staff member has no catalogue tab
        page.locator("#login-view").wait_for(timeout=WAIT_MS)
        page.fill("#login-username", "canbo.an")
        page.fill("#login-password", PASSWORD)
        page.click("#login-submit")
        page.locator("#tabs").wait_for(timeout=WAIT_MS)
        assert page.locator('#tabs a[data-view="catalogue"]').is_hidden()


def stored_conversations(path) -> None:
    """Today's conversations through Rasa's own SQLTrackerStore (answered, asked back, handed over, unanswered)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from tests.unit.services.test_analytics_outcomes import conversation

    vietnam_now = datetime.now(timezone(timedelta(hours=7)))
    # Half an hour ago, but never yesterday in Vietnam (the chart's last bar is today, 00:00-00:30 included).
    now = max(vietnam_now - timedelta(minutes=30), vietnam_now.replace(hour=0, minute=0, second=30, microsecond=0))
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    trackers = [
        conversation(
            "web:e2e-1",
            now,
            [
                ("làm giấy khai sinh cần gì", "ask_documents", ["action_answer_procedure", ("procedure_code", BIRTH)]),
                ("làm thủ tục", "ask_procedure_info", ["action_answer_procedure", ("pending_question", "ask_fee")]),
                ("cho tôi gặp cán bộ", "request_human", ["action_request_human", ("handoff_reference", "YC-1")]),
            ],
        ),
        conversation(
            "zalo:e2e-2",
            now + timedelta(minutes=1),
            [
                (f"cấp phép nuôi chim yến, số tôi {PHONE}", "nlu_fallback", ["action_graded_fallback"]),
                ("cấp phép nuôi chim yến ở xã", "out_of_scope", ["action_out_of_scope"]),
                ("xin phép nuôi chim yến", "nlu_fallback", ["action_default_fallback"]),
                ("<b>giá vàng</b> hôm nay", "out_of_scope", ["action_out_of_scope"]),
            ],
        ),
    ]

    async def save() -> None:
        for tracker in trackers:
            await store.save(tracker)

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        thread.submit(asyncio.run, save()).result()


def test_the_outcome_chart_and_the_unanswered_questions_from_stored_conversations(
    tmp_path, browser_context, web_bundle
):
    tracker = tmp_path / "tracker.db"
    stored_conversations(tracker)
    with console_server(tmp_path, TRACKER_DB=str(tracker)) as (base, _database):
        page, watch = signed_in(browser_context, base)
        page.click('#tabs a[data-view="analytics"]')
        deadline = time.monotonic() + 20
        while not page.evaluate("() => !!(window.Chart && Chart.getChart('chart-outcomes'))"):
            assert time.monotonic() < deadline, "the outcome chart was not drawn"
            time.sleep(0.1)
        drawn = page.evaluate(
            "() => Chart.getChart('chart-outcomes').data.datasets.map(d => [d.label, d.data.slice(-1)[0]])"
        )
        assert drawn == [["Đã trả lời", 1], ["Hỏi lại", 1], ["Chuyển cán bộ", 1], ["Chưa trả lời", 4]]
        totals = page.locator("#analytics-totals").inner_text()
        assert "Chưa trả lời\n57.1%" in totals and "Lượt hỏi\n7" in totals
        rows = page.locator("#unanswered-table tbody tr")
        expect(rows).to_have_count(2, timeout=WAIT_MS)
        first = rows.first.inner_text()
        assert first.startswith("3") and "chim yến" in first and PHONE not in first
        expect(rows.nth(1)).to_contain_text("<b>giá vàng</b>")  # a citizen's HTML shown as text
        assert page.locator("#unanswered-table b").count() == 0
        href = page.locator("#analytics-nlu").get_attribute("href")
        exported = page.evaluate("(url) => fetch(url).then(r => r.text())", href)
        loaded = yaml.safe_load(exported)
        assert loaded["nlu"][0]["intent"] == "review_unanswered_01" and PHONE not in exported
        assert "Never trained automatically" in exported
        page.locator("#unanswered-table").scroll_into_view_if_needed()
        page.set_viewport_size({"width": 1280, "height": 1800})
        screenshot(page, "staff-analytics-outcomes")
        watch.assert_clean()


def test_the_checklist_is_sent_into_the_held_zalo_conversation_once_the_citizen_agreed(tmp_path, browser_context):
    from sqlalchemy import select

    from procedures_db.db import session_scope
    from procedures_db.models import HandoverMessage, StaffAuditEntry
    from services.service_requests import create_handoff

    hours = {"OFFICE_DAYS": "1-7", "OFFICE_HOURS": "00:00-24:00", "LIVE_POLL_SECONDS": "0.2"}
    with console_server(tmp_path, **hours) as (base, database):
        with session_scope(database) as session:
            reference = create_handoff(session, "zalo:e2e-77", "zalo", BIRTH, "cho tôi gặp cán bộ").reference
        page, watch = signed_in(browser_context, base, "canbo.an")
        page.goto(f"{base}/staff/#live")
        row = page.locator("#live-table tbody tr", has_text=reference)
        row.wait_for(timeout=WAIT_MS)
        row.locator("button").click()
        page.click("#live-take")
        page.locator("#live-form").wait_for(timeout=WAIT_MS)

        page.click('#tabs a[data-view="assisted"]')
        page.fill("#search-q", "đăng ký khai sinh")
        page.click("#search-form button[type=submit]")
        page.locator("#search-results button", has_text="khai sinh").first.click()
        page.click("#make-checklist")
        page.locator("#checklist").wait_for(timeout=WAIT_MS)
        expect(page.locator("#cl-send-live option")).to_have_count(1, timeout=WAIT_MS)
        expect(page.locator("#cl-send-live option")).to_contain_text(reference)
        page.click("#cl-send-button")  # not ticked: refused
        expect(page.locator("#cl-send-message")).to_contain_text("đồng ý", timeout=WAIT_MS)
        page.check("#cl-send-agreed")
        page.click("#cl-send-button")
        expect(page.locator("#cl-send-message")).to_contain_text("Đã gửi danh sách", timeout=WAIT_MS)
        page.locator("#cl-send").scroll_into_view_if_needed()
        screenshot(page, "staff-checklist-sent")
        with session_scope(database) as session:
            texts = list(
                session.scalars(select(HandoverMessage.text).where(HandoverMessage.conversation_id == "zalo:e2e-77"))
            )
            agreed = session.scalars(select(StaffAuditEntry).where(StaffAuditEntry.action == "assisted.send")).all()
        assert any(f"({BIRTH})" in text and "Nguyễn Thị An" in text for text in texts)
        assert [(e.username, e.detail["agreed"]) for e in agreed] == [("canbo.an", True)]
        watch.assert_clean()
