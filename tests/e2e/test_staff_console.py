"""The staff console (issue 17) in a real Chromium against the HTTP API: sign-in and lock-out, the complaints
queue (citizen HTML shown as text, take, answer, close), roles, the audit log, assisted mode printed to an
A4 PDF with its QR code, desktop and tablet sizes, accessibility (axe-core), and the queue's load time
with 10,000 stored hand-overs.

Results: screenshots under results/screenshots/staff-*.png, the checklist PDF at
results/staff-checklist.pdf, figures in results/staff-console-metrics.json.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from procedures_db.db import session_scope
from services.service_requests import create_handoff, save_feedback
from tests.e2e.conftest import DESKTOP, RESULTS, WAIT_MS, PageWatch, axe_audit, save_json, screenshot
from tests.staff_helpers import PASSWORD, console_server

pytestmark = pytest.mark.timeout(600)

TABLET = {"width": 820, "height": 1180}
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> Tôi tên Phạm Thị Dung, sđt 0911222333'
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    with console_server(tmp_path_factory.mktemp("console-e2e"), STAFF_LOGIN_MAX_FAILURES="3") as (base, database):
        with session_scope(database) as session:
            create_handoff(session, "zalo:998877", "zalo", "1.001193", HOSTILE)
            create_handoff(session, "web:abc", "socketio", None, "Cho tôi gặp cán bộ về hộ chiếu")
            save_feedback(session, 2, "Phản ánh: <b>chờ</b> quá lâu ở bộ phận một cửa", "facebook:55", "facebook")
            for rating in (5, 5, 4, 3, 1):
                save_feedback(session, rating, None)
        yield base


def record_figures(name: str, figures: dict) -> None:
    """Adds one test's figures to results/staff-console-metrics.json (each test its own key)."""
    path = RESULTS / "staff-console-metrics.json"
    try:
        everything = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        everything = {}
    everything[name] = figures
    save_json(path.name, everything)


def open_console(context, base: str, viewport=DESKTOP):
    page = context.new_page()
    page.set_viewport_size(viewport)
    watch = PageWatch(context, page)
    page.goto(f"{base}/staff/")
    page.locator("#login-form, #tabs").first.wait_for(timeout=WAIT_MS)
    return page, watch


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")


def away_from_vietnam(page) -> None:
    """The page's clock in a time zone whose calendar day is not Vietnam's right now (UTC-11 or UTC+14,
    one of which always differs): the console must count days in Vietnam time, as the server does,
    whatever the computer at the support point says."""
    from datetime import datetime, timedelta, timezone

    vietnam = datetime.now(timezone(timedelta(hours=7))).date()
    zone = (
        "Pacific/Pago_Pago" if datetime.now(timezone(timedelta(hours=-11))).date() != vietnam else "Pacific/Kiritimati"
    )
    page.context.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": zone})


def signed_in(context, base: str, username: str, viewport=DESKTOP):
    page, watch = open_console(context, base, viewport)
    sign_in(page, username)
    page.locator("#tabs").wait_for(timeout=WAIT_MS)
    return page, watch


def sign_out(page) -> None:
    page.click("#logout")
    page.locator("#login-view").wait_for(timeout=WAIT_MS)


def row_of(page, text: str):
    return page.locator("#queue-table tbody tr", has_text=text)


def test_sign_in_wrong_password_and_lock_out(console, browser_context):
    page, watch = open_console(browser_context, console)
    screenshot(page, "staff-login")
    for attempt in range(3):
        sign_in(page, "canbo.binh", "sai-mat-khau-9")
        expected = "tạm khóa" if attempt == 2 else "không đúng"
        page.locator("#login-message", has_text=expected).wait_for(timeout=WAIT_MS)
    sign_in(page, "canbo.binh")  # the right password while locked
    page.locator("#login-message", has_text="tạm khóa").wait_for(timeout=WAIT_MS)
    assert page.locator("#tabs").is_hidden()
    screenshot(page, "staff-login-locked")
    watch.assert_clean()


def test_the_queue_shows_citizens_html_as_text_and_an_answer_is_stored_to_deliver(console, browser_context):
    page, watch = signed_in(browser_context, console, "canbo.an")
    row = row_of(page, "Zalo").first
    row.wait_for(timeout=WAIT_MS)
    excerpt = row.locator("td.excerpt").inner_text()
    assert excerpt.startswith('<img src=x onerror="window.__xss=1"><script>')
    assert "0911222333" not in excerpt and "Phạm Thị Dung" not in excerpt  # not the handler yet: redacted
    assert page.locator("#queue-table img, #queue-table script, #queue-table b").count() == 0
    screenshot(page, "staff-queue-desktop")

    row.locator("button.link").click()
    page.locator("#case-take").wait_for(timeout=WAIT_MS)
    assert page.locator("#case-redacted").is_visible() and page.locator("#case-answer").is_disabled()
    page.click("#case-take")
    page.locator("#case-message", has_text="Bạn đang xử lý").wait_for(timeout=WAIT_MS)
    text = page.locator("#case-text").inner_text()
    assert text == HOSTILE  # in full for the handler, as text
    assert page.locator("#case img, #case script").count() == 0
    assert page.locator("#case-facts", has_text="zalo:998877").count() == 1
    page.fill("#case-answer", "Dạ, hồ sơ của chị đã được chuyển cho bộ phận một cửa, chị chờ cán bộ gọi lại ạ.")
    page.click("#case-answer-save")
    page.locator("#case-delivery", has_text="đang chờ gửi tới người dân").wait_for(timeout=WAIT_MS)
    row_of(page, "Đã trả lời").first.wait_for(timeout=WAIT_MS)
    screenshot(page, "staff-case-answered")
    page.select_option("#case-status", "closed")
    page.click("#case-status-save")
    page.locator("#case-message", has_text="Đã cập nhật trạng thái").wait_for(timeout=WAIT_MS)
    page.select_option("#queue-status", "closed")
    expect(page.locator("#queue-table tbody tr")).to_have_count(1, timeout=WAIT_MS)
    assert "Đã đóng" in row_of(page, "Zalo").inner_text()
    assert page.evaluate("() => window.__xss") is None  # nothing the citizen typed ran

    # a colleague sees who handles it, and the text redacted
    sign_out(page)
    sign_in(page, "quantri")
    page.locator("#tabs").wait_for(timeout=WAIT_MS)
    page.select_option("#queue-status", "closed")
    row = row_of(page, "Nguyễn Thị An").first
    row.wait_for(timeout=WAIT_MS)
    assert "0911222333" not in row.inner_text()
    watch.assert_clean()


def test_commune_staff_do_not_see_the_administrators_pages(console, browser_context):
    page, watch = signed_in(browser_context, console, "canbo.an")
    assert page.locator('#tabs a[data-view="accounts"]').is_hidden()
    assert page.locator('#tabs a[data-view="audit"]').is_hidden()
    page.goto(f"{console}/staff/#accounts")
    page.locator("#queue-view").wait_for(timeout=WAIT_MS)
    assert page.locator("#accounts-view").is_hidden()
    watch.assert_clean()


def test_the_administrator_reads_the_audit_log_and_the_ratings(console, browser_context):
    page, watch = signed_in(browser_context, console, "quantri")
    page.click('#tabs a[data-view="ratings"]')
    page.locator("#ratings-summary", has_text="lượt đánh giá").wait_for(timeout=WAIT_MS)
    assert "hài lòng (4–5 điểm)" in page.locator("#ratings-summary").inner_text()
    screenshot(page, "staff-ratings")
    page.click('#tabs a[data-view="audit"]')
    page.locator("#audit-table tbody tr").first.wait_for(timeout=WAIT_MS)
    log = page.locator("#audit-table").inner_text()
    for action in ("Đăng nhập", "Nhận xử lý", "Trả lời", "Đổi trạng thái", "Đăng nhập sai"):
        assert action in log, action
    screenshot(page, "staff-audit")
    page.click('#tabs a[data-view="accounts"]')
    page.fill("#account-username", "canbo.moi")
    page.fill("#account-name", "Cán bộ Mới")
    page.fill("#account-commune", "Phường Hòa Bình")
    page.fill("#account-password", "mat-khau-cua-can-bo-moi")
    page.click("#account-form button[type=submit]")
    page.locator("#account-message", has_text="Đã tạo tài khoản canbo.moi").wait_for(timeout=WAIT_MS)
    page.locator("#accounts-table tbody tr", has_text="canbo.moi").wait_for(timeout=WAIT_MS)
    screenshot(page, "staff-accounts")
    watch.assert_clean()


def test_assisted_mode_prints_an_a4_checklist_with_the_qr_code(console, browser_context):
    page, watch = signed_in(browser_context, console, "canbo.an")
    page.click('#tabs a[data-view="assisted"]')
    page.fill("#search-q", "lam giay khai sinh cho con")
    page.click("#search-form button[type=submit]")
    page.locator("#search-results button", has_text="Đăng ký khai sinh").first.click()
    page.locator("#procedure-case-list input").first.wait_for(timeout=WAIT_MS)
    case_text = page.locator("#procedure-case-list label").nth(1).inner_text().strip()
    page.locator("#procedure-case-list input").nth(1).check()
    page.click("#make-checklist")
    page.locator("#checklist #cl-code", has_text="1.001193").wait_for(timeout=WAIT_MS)
    documents = page.locator("#cl-documents tbody").inner_text()
    assert "Tờ khai đăng ký khai sinh" in documents and case_text[:30] in documents
    assert page.locator("#cl-updated").inner_text().strip() not in ("", "không rõ")
    if page.locator("#cl-online").is_visible():
        deadline = time.monotonic() + 10  # the CSP forbids eval (wait_for_function): poll the image
        while not page.evaluate("() => document.getElementById('cl-qr').naturalWidth > 0"):
            assert time.monotonic() < deadline, "the QR code did not load"
            time.sleep(0.1)
    screenshot(page, "staff-checklist")

    page.emulate_media(media="print")
    assert page.locator("#tabs").is_hidden() and page.locator("#search-form").is_hidden()
    assert page.locator("#checklist").is_visible() and page.locator("#print-checklist").is_hidden()
    screenshot(page, "staff-checklist-print")
    RESULTS.mkdir(parents=True, exist_ok=True)
    pdf_path = RESULTS / "staff-checklist.pdf"
    pdf = page.pdf(path=str(pdf_path), format="A4", print_background=True, prefer_css_page_size=True)
    page.emulate_media(media="screen")
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    media_box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert media_box and abs(float(media_box.group(1)) - 595.3) < 2 and abs(float(media_box.group(2)) - 841.9) < 2
    assert 1 <= pages <= 2, pages
    watch.assert_clean()


def test_tablet_size_and_accessibility(console, browser_context):
    page, watch = open_console(browser_context, console, TABLET)
    report = {"login": axe_audit(page)["violations"]}
    sign_in(page, "canbo.an")
    page.locator("#queue-table tbody tr").first.wait_for(timeout=WAIT_MS)
    report["queue"] = axe_audit(page)["violations"]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    screenshot(page, "staff-queue-tablet")
    page.click('#tabs a[data-view="assisted"]')
    page.locator("#search-q").wait_for(timeout=WAIT_MS)
    report["assisted"] = axe_audit(page)["violations"]
    save_json("axe-staff-console.json", report)
    blocking = [(view, v["id"], v["nodes"]) for view, found in report.items() for v in found if v["impact"] in BLOCKING]
    assert blocking == []
    assert overflow <= 0, f"the page is {overflow} px wider than a tablet"
    watch.assert_clean()


def test_the_queue_loads_quickly_with_10000_stored_hand_overs(tmp_path, browser_context):
    with console_server(tmp_path) as (base, database):
        from procedures_db.models import HandoffRequest

        with session_scope(database) as session:
            session.add_all(
                HandoffRequest(
                    reference=f"YC-261207-{n:05d}",
                    sender_id=f"web:{n}",
                    channel=("socketio", "zalo", "facebook")[n % 3],
                    summary=f"Câu hỏi số {n} của người dân, sđt 09{n:08d}",
                    status="open",
                )
                for n in range(10_000)
            )
        page, watch = signed_in(browser_context, base, "canbo.an")
        page.locator("#queue-table tbody tr").first.wait_for(timeout=WAIT_MS)
        timings = []
        for _ in range(3):
            started = time.monotonic()
            page.reload()
            page.locator("#queue-table tbody tr").nth(199).wait_for(timeout=WAIT_MS)
            timings.append(round((time.monotonic() - started) * 1000))
        counts = page.locator("#queue-counts").inner_text()
        assert "Mới: 10000" in counts
        figures = {
            "stored_handoffs": 10_000,
            "rows_shown": page.locator("#queue-table tbody tr").count(),
            "page_load_to_queue_drawn_ms": timings,
            "median_ms": sorted(timings)[1],
            "how": "Chromium headless, SQLite, the API on this machine: reload of /staff/ until the 200th row is drawn",
        }
        record_figures("queue", figures)
        assert figures["rows_shown"] == 200
        assert figures["median_ms"] < 5000, figures  # a hard limit, not the target: the figure is reported
        watch.assert_clean()


def test_the_analytics_page_draws_charts_from_stored_conversations(tmp_path, browser_context, web_bundle):
    from datetime import datetime, timedelta, timezone

    from tests.tracker_events import write_events

    vietnam = timezone(timedelta(hours=7))
    today = datetime.now(vietnam).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=2), today - timedelta(days=1), today - timedelta(minutes=5)]
    events = []
    for n, (web, zalo) in enumerate(((3, 1), (1, 2), (2, 0))):
        events += [(f"web:{n}-{i}", "user", days[n], None) for i in range(web)]
        events += [(f"zalo:{n}-{i}", "user", days[n], None) for i in range(zalo)]
    events += [("web:0-0", "action", days[0], "action_dossier_status")] * 2
    tracker = tmp_path / "tracker.db"
    write_events(f"sqlite:///{tracker}", events)
    with console_server(tmp_path, TRACKER_DB=str(tracker)) as (base, database):
        with session_scope(database) as session:
            for rating in (5, 4, 4, 2):
                save_feedback(session, rating, None, channel="socketio")
            create_handoff(session, "web:1-0", "socketio", None, "gặp cán bộ")
        page, watch = signed_in(browser_context, base, "quantri")
        away_from_vietnam(page)
        page.click('#tabs a[data-view="analytics"]')
        page.locator("#analytics-totals dd").first.wait_for(timeout=WAIT_MS)
        deadline = time.monotonic() + 20  # Chart.js is loaded on first use
        while not page.evaluate("() => !!(window.Chart && Chart.getChart('chart-lookups'))"):
            assert time.monotonic() < deadline, "the charts were not drawn"
            time.sleep(0.1)
        drawn = page.evaluate("""() => Object.fromEntries(['chart-conversations', 'chart-handoffs', 'chart-ratings',
            'chart-satisfaction', 'chart-lookups', 'chart-messages'].map(id => [id,
            Chart.getChart(id).data.datasets.map(d => [d.label, id === 'chart-ratings' ? d.data : d.data.slice(-3)])]))""")
        assert drawn["chart-conversations"][:2] == [["Trang web", [3, 1, 2]], ["Zalo", [1, 2, 0]]]
        assert drawn["chart-ratings"] == [["Lượt đánh giá", [0, 1, 0, 2, 1]]]
        assert drawn["chart-lookups"][0] == ["Tra cứu hồ sơ", [2, 0, 0]]
        assert drawn["chart-handoffs"][0] == ["Gặp cán bộ", [0, 0, 1]]
        assert drawn["chart-messages"] == [["Tin nhắn", [4, 3, 2]]]
        totals = page.locator("#analytics-totals").inner_text()
        assert "Hài lòng (4–5)\n75%" in totals and "Cuộc hội thoại\n9" in totals
        pixels = page.evaluate("""() => { const c = document.getElementById('chart-conversations');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")
        assert pixels > 1000  # something was painted
        page.select_option("#analytics-channel", "zalo")
        page.click("#analytics-form button[type=submit]")
        conversations = page.locator("#analytics-totals div", has_text="Cuộc hội thoại").locator("dd")
        expect(conversations).to_have_text("3", timeout=WAIT_MS)
        page.select_option("#analytics-channel", "all")
        page.click("#analytics-form button[type=submit]")
        expect(conversations).to_have_text("9", timeout=WAIT_MS)
        page.set_viewport_size({"width": 1280, "height": 1400})
        screenshot(page, "staff-analytics")
        report = {"analytics": axe_audit(page)["violations"]}
        for view in ("accounts", "audit"):
            page.click(f'#tabs a[data-view="{view}"]')
            page.locator(f"#{view}-table tbody tr").first.wait_for(timeout=WAIT_MS)
            report[view] = axe_audit(page)["violations"]
        save_json("axe-staff-console-admin.json", report)
        blocking = [
            (name, v["id"], v["nodes"]) for name, found in report.items() for v in found if v["impact"] in BLOCKING
        ]
        assert blocking == []
        watch.assert_clean()


def test_the_analytics_load_quickly_with_10000_stored_conversations(tmp_path, browser_context, web_bundle):
    """10,000 conversations of 4 messages and a look-up each, over the last 30 days: the page's figures."""
    from datetime import datetime, timedelta, timezone

    from tests.tracker_events import write_events

    now = datetime.now(timezone.utc) - timedelta(minutes=5)
    channels = ("web", "zalo", "messenger")
    events = []
    for n in range(10_000):
        start = now - timedelta(days=n % 29, minutes=n % 600)  # within the last 30 days in Vietnam, at any hour
        sender = f"{channels[n % 3]}:{n}"
        events += [(sender, "user", start + timedelta(seconds=20 * i), None) for i in range(4)]
        events.append((sender, "action", start, "action_dossier_status" if n % 7 == 0 else "action_listen"))
    tracker = tmp_path / "tracker.db"
    write_events(f"sqlite:///{tracker}", events)
    with console_server(tmp_path, TRACKER_DB=str(tracker)) as (base, _database):
        page, watch = signed_in(browser_context, base, "quantri")
        away_from_vietnam(page)
        timings = []
        for _ in range(3):
            page.goto("about:blank")  # a new page load each time, not a hash change
            started = time.monotonic()
            page.goto(f"{base}/staff/#analytics")
            deadline = time.monotonic() + WAIT_MS / 1000
            while not page.evaluate("() => !!(window.Chart && Chart.getChart('chart-messages'))"):
                assert time.monotonic() < deadline, "the charts were not drawn"
                time.sleep(0.02)
            timings.append(round((time.monotonic() - started) * 1000))
        total = page.evaluate("() => Chart.getChart('chart-messages').data.datasets[0].data.reduce((a, b) => a + b, 0)")
        assert total == 40_000
        figures = {
            "stored_conversations": 10_000,
            "stored_events": len(events),
            "page_load_to_charts_drawn_ms": timings,
            "median_ms": sorted(timings)[1],
            "how": "Chromium headless, SQLite tracker and store: /staff/#analytics opened until the charts are drawn",
        }
        record_figures("analytics", figures)
        assert figures["median_ms"] < 10_000, figures  # a hard limit; the figure is reported
        watch.assert_clean()
