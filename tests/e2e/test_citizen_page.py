"""The citizen's page (issue 18) in a real Chromium against the running stack: accessibility audit
(axe-core from npm) at phone and desktop sizes in each state, a keyboard-only conversation, the
live region, touch targets and text at 200%, offline messages and reconnection, a new
conversation, branding by configuration, and the page's weight and load time on a slow connection.

Results: results/axe-web-page.json, results/web-page-metrics.json, screenshots under
results/screenshots/citizen-*.png.
"""

from __future__ import annotations

import json
import shutil
import time

import pytest

from tests.e2e.conftest import (
    DESKTOP,
    PHONE,
    ROOT,
    WAIT_MS,
    axe_audit,
    open_chat,
    poll,
    save_json,
    screenshot,
    settle,
    wait_for_greeting,
    wait_for_reply,
)
from tests.support import api_server, free_port

pytestmark = pytest.mark.timeout(600)

BLOCKING = ("serious", "critical")


def _fresh(page) -> None:
    """Starts from an empty conversation (the browser profile is shared by the test's pages)."""
    page.evaluate("() => window.localStorage.clear()")
    page.reload()
    wait_for_greeting(page)
    settle(page)


def _token(page) -> str:
    return json.loads(page.evaluate("() => window.localStorage.getItem('tro-ly-chat')"))["token"]


def _focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName, id: el.id, text: (el.innerText || '').trim(), cls: el.className,
                outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
    }""")


def test_no_serious_accessibility_violation_in_any_state(running_stack, web_bundle, browser_context):
    results, blocking = {}, []
    for size, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page, watch = open_chat(browser_context, running_stack)
        page.set_viewport_size(viewport)
        _fresh(page)

        def audit(state: str) -> None:
            report = axe_audit(page)
            results[f"{state}/{size}"] = report["violations"]
            blocking.extend(
                (state, size, v["id"], v["impact"], v["nodes"]) for v in report["violations"] if v["impact"] in BLOCKING
            )
            screenshot(page, f"citizen-{state}-{size}")

        audit("welcome")
        page.locator("#log .quick-reply", has_text="Làm giấy khai sinh").click()
        wait_for_reply(page, "Làm giấy khai sinh", "giấy tờ")
        page.locator("#log .quick-reply").first.wait_for(timeout=WAIT_MS)
        settle(page)
        audit("answer-with-buttons")

        expand = page.locator("#log .expand").last
        expand.click()
        assert expand.get_attribute("aria-expanded") == "true"
        audit("long-answer-expanded")

        browser_context.set_offline(True)
        try:
            page.locator("body[data-connection=offline]").wait_for(timeout=WAIT_MS)
            page.locator("#message").fill("lệ phí làm hộ chiếu")
            page.locator("#message").press("Enter")
            page.locator("#log .pending").wait_for(timeout=WAIT_MS)
            audit("offline")
        finally:
            browser_context.set_offline(False)
        page.locator("#log .pending").wait_for(state="detached", timeout=WAIT_MS)
        watch.assert_clean()
        page.close()

        # The server cannot be reached at all (nothing listens on that port).
        page = browser_context.new_page()
        page.set_viewport_size(viewport)
        page.goto(f"{running_stack.api}/?rasa=http://127.0.0.1:{free_port()}")
        page.evaluate("() => window.localStorage.clear()")
        page.reload()
        page.locator("body[data-connection=failed]").wait_for(timeout=WAIT_MS)
        assert "Chưa kết nối được" in page.locator("#connection").inner_text()
        audit("server-unreachable")
        page.close()

    save_json("axe-web-page.json", results)
    assert not blocking, blocking


def test_a_whole_conversation_by_keyboard_only(running_stack, web_bundle, browser_context):
    page, watch = open_chat(browser_context, running_stack)
    _fresh(page)

    # The first Tab reaches the skip link; Enter takes the focus to the message box.
    page.keyboard.press("Tab")
    assert _focused(page)["cls"] == "skip-link"
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "message"

    def tab_to(text: str, backwards: bool = False) -> dict:
        for _ in range(30):
            page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focused = _focused(page)
            assert focused["outline"], f"no visible focus on {focused}"
            if focused["text"] == text or focused["id"] == text:
                return focused
        raise AssertionError(f"{text!r} cannot be reached with the keyboard")

    # Back from the message box to the greeting's quick replies; Enter picks one.
    tab_to("Làm giấy khai sinh", backwards=True)
    page.keyboard.press("Enter")
    wait_for_reply(page, "Làm giấy khai sinh", "giấy tờ")
    page.locator("#log .quick-reply").first.wait_for(timeout=WAIT_MS)
    settle(page)

    # The long answer opens from the keyboard, and its follow-up buttons are reachable.
    page.locator("#message").focus()  # where the focus is after sending (no mouse involved)
    focused = tab_to("Xem đầy đủ", backwards=True)
    page.keyboard.press("Enter")
    assert page.locator("#log .expand").last.get_attribute("aria-expanded") == "true"
    tab_to("Lệ phí")
    page.keyboard.press("Space")
    wait_for_reply(page, "Lệ phí", "lệ phí")
    settle(page)

    # A typed question, sent with Enter.
    tab_to("message")
    page.keyboard.type("làm hộ chiếu cần giấy tờ gì")
    page.keyboard.press("Enter")
    wait_for_reply(page, "làm hộ chiếu cần giấy tờ gì", "hộ chiếu")
    assert focused
    watch.assert_clean()


def test_replies_are_announced_in_a_polite_live_region(running_stack, web_bundle, browser_context):
    page, watch = open_chat(browser_context, running_stack)
    _fresh(page)
    live = page.locator("[aria-live=polite]")
    assert page.locator("#log").get_attribute("role") == "log"
    assert page.locator("#log").get_attribute("aria-live") == "polite"
    assert page.locator("#connection").get_attribute("role") == "status"

    # What a screen reader is told: the nodes added inside the live region after this point.
    page.evaluate("""() => {
        window.__announced = [];
        new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(n => {
            if (n.nodeType === 1 && n.closest('[aria-live=polite]')) window.__announced.push(n.innerText);
        }))).observe(document.getElementById('log'), {childList: true, subtree: true});
    }""")
    page.locator("#message").fill("lệ phí làm hộ chiếu")
    page.locator("#message").press("Enter")
    assert page.evaluate("() => !document.getElementById('typing').hidden"), "no typing indicator"
    wait_for_reply(page, "lệ phí làm hộ chiếu", "hộ chiếu")
    announced = "\n".join(page.evaluate("() => window.__announced"))
    assert "Trợ lý:" in announced and "hộ chiếu" in announced.lower(), announced
    assert live.count() >= 1
    settle(page)
    assert page.locator("#typing").is_hidden()
    watch.assert_clean()


def test_touch_targets_and_text_enlarged_to_200_percent(running_stack, web_bundle, browser_context):
    page, watch = open_chat(browser_context, running_stack)
    _fresh(page)
    small = page.evaluate("""() => [...document.querySelectorAll('button, textarea, .quick-reply')]
        .filter(el => el.offsetParent !== null)
        .map(el => ({text: el.innerText || el.id, box: el.getBoundingClientRect()}))
        .filter(t => t.box.width < 44 || t.box.height < 44)
        .map(t => `${t.text}: ${Math.round(t.box.width)}x${Math.round(t.box.height)}`)""")
    assert not small, f"touch targets under 44x44 px: {small}"

    # Text at 200% (the browser's text size): nothing overflows sideways, the controls stay usable.
    page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    page.wait_for_timeout(300)
    layout = page.evaluate("""() => {
        window.scrollTo(0, document.documentElement.scrollHeight);
        const fits = el => el.scrollWidth <= el.clientWidth + 1;
        const inView = el => { const b = el.getBoundingClientRect();
            return b.width > 0 && b.left >= 0 && b.right <= innerWidth + 1 && b.top >= 0 && b.bottom <= innerHeight + 1; };
        const outside = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > innerWidth + 1);
        return {page: fits(document.documentElement), outside: outside.map(el => el.id || el.className),
                bubbles: [...document.querySelectorAll('.bubble')].every(fits),
                send: inView(document.getElementById('send')), box: inView(document.getElementById('message')),
                reply: inView([...document.querySelectorAll('#log .quick-reply')].pop()),
                composer: document.getElementById('composer').getBoundingClientRect().height, height: innerHeight};
    }""")
    assert layout["page"] and not layout["outside"] and layout["bubbles"], layout
    # The message box and the last reply's buttons are on screen; the box leaves room to read.
    assert layout["send"] and layout["box"] and layout["reply"], layout
    assert layout["composer"] <= layout["height"] / 3, layout
    screenshot(page, "citizen-text-200-phone")
    page.evaluate("() => { document.documentElement.style.fontSize = ''; }")

    # The page's own "A+" (large text) is remembered across a reload.
    page.locator("#text-size").click()
    assert page.locator("html").get_attribute("class") == "large-text"
    page.reload()
    assert page.locator("#text-size").get_attribute("aria-pressed") == "true"
    watch.assert_clean()


def test_offline_messages_are_marked_and_sent_when_back_and_a_new_conversation(
    running_stack, web_bundle, browser_context
):
    page, watch = open_chat(browser_context, running_stack)
    _fresh(page)
    page.locator("#message").fill("lệ phí làm hộ chiếu")
    page.locator("#message").press("Enter")
    wait_for_reply(page, "lệ phí làm hộ chiếu", "hộ chiếu")
    first_token = _token(page)

    browser_context.set_offline(True)
    try:
        page.locator("body[data-connection=offline]").wait_for(timeout=WAIT_MS)
        assert "Mất kết nối" in page.locator("#connection").inner_text()
        page.locator("#message").fill("thời gian làm hộ chiếu bao lâu")
        page.locator("#message").press("Enter")
        assert "Chưa gửi" in page.locator("#log .pending").inner_text()
        screenshot(page, "citizen-offline-phone")
    finally:
        browser_context.set_offline(False)
    page.locator("body[data-connection=connected]").wait_for(timeout=WAIT_MS)
    page.locator("#log .pending").wait_for(state="detached", timeout=WAIT_MS)
    wait_for_reply(page, "thời gian làm hộ chiếu bao lâu", "hộ chiếu")
    assert _token(page) == first_token, "the reconnected socket kept its session"

    page.locator("#new-conversation").click()
    poll(page, "() => !document.querySelector('#log .from-user')")
    wait_for_greeting(page)
    assert _token(page) != first_token
    assert "hộ chiếu" not in page.evaluate("() => window.localStorage.getItem('tro-ly-chat')")
    watch.assert_clean()


def test_branding_comes_from_the_configured_folder(running_stack, web_bundle, browser_context, tmp_path):
    """The documented example (bot/web/branding/example-province.json) served from WEB_BRANDING_DIR."""
    branding = tmp_path / "branding"
    branding.mkdir()
    shutil.copy(ROOT / "bot/web/branding/example-province.json", branding / "branding.json")
    shutil.copy(ROOT / "bot/web/branding/emblem.svg", branding / "emblem.svg")
    env = {**running_stack.env, "WEB_BRANDING_DIR": str(branding)}
    with api_server(env, tmp_path / "api.log") as base:
        page = browser_context.new_page()
        page.goto(f"{base}/?rasa={running_stack.rasa}")
        page.locator("#brand-agency").wait_for(timeout=WAIT_MS)
        assert "Tỉnh Minh Họa" in page.locator("#brand-agency").text_content()  # shown in capitals (CSS)
        assert "Trung tâm Phục vụ hành chính công tỉnh Minh Họa" in page.locator("#brand-official").inner_text()
        assert "chính thức của" in page.locator("#welcome h2").inner_text()
        assert page.title() == "Trợ lý thủ tục hành chính – Tỉnh Minh Họa"
        assert page.locator("#welcome a[href^='tel:']").get_attribute("href") == "tel:02223888999"
        assert (
            page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
            == "#b71c1c"
        )
        assert page.locator("#brand-emblem").get_attribute("alt").startswith("Biểu trưng")
        screenshot(page, "citizen-branded-phone")

        # A colour white text cannot be read on, or a javascript: link, falls back to the defaults.
        (branding / "branding.json").write_text(
            json.dumps(
                {
                    "province": "Tỉnh Minh Họa",
                    "colors": {"brand": "#ffff66"},
                    "privacy_url": "javascript:alert(1)",
                }
            ),
            encoding="utf-8",
        )
        page.reload()
        page.locator("#brand-agency").wait_for(timeout=WAIT_MS)
        assert (
            page.evaluate("() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()")
            == "#1d4f91"
        )
        assert page.locator("[data-brand=privacy_link]").get_attribute("href") == "/static/privacy.html"
        page.close()


def test_the_privacy_notice(running_stack, web_bundle, browser_context):
    page, watch = open_chat(browser_context, running_stack)
    page.locator("#welcome a", has_text="dữ liệu cá nhân").click()
    page.locator("h1", has_text="dữ liệu cá nhân").wait_for(timeout=WAIT_MS)
    text = page.locator("main").inner_text()
    for needle in ("được lưu", "90 ngày", "xóa", "Luật Bảo vệ dữ liệu cá nhân", "đồng ý"):
        assert needle in text, needle
    assert not [v for v in axe_audit(page)["violations"] if v["impact"] in BLOCKING]
    watch.assert_clean()


def test_page_weight_and_load_time_on_a_slow_connection(running_stack, web_bundle, browser_context):
    """A cold load (empty cache) on a throttled phone connection: 1.6 Mbit/s down, 150 ms round trip."""
    page = browser_context.new_page()
    cdp = browser_context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 150,
            "downloadThroughput": 1_600_000 / 8,
            "uploadThroughput": 750_000 / 8,
        },
    )
    started = time.monotonic()
    page.goto(f"{running_stack.api}/?rasa={running_stack.rasa}", wait_until="load")
    loaded = time.monotonic() - started
    wait_for_greeting(page)
    greeted = time.monotonic() - started
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const files = performance.getEntriesByType('resource').filter(r => !r.name.includes('/socket.io/'));
        return {transfer_bytes: nav.transferSize + files.reduce((n, r) => n + r.transferSize, 0),
                decoded_bytes: nav.decodedBodySize + files.reduce((n, r) => n + r.decodedBodySize, 0),
                files: files.map(r => r.name.replace(location.origin, '')),
                dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd), load_ms: Math.round(nav.loadEventEnd)};
    }""")
    metrics = {
        "connection": "1.6 Mbit/s down, 750 kbit/s up, 150 ms latency, cache disabled",
        **timing,
        "load_s": round(loaded, 2),
        "greeting_shown_s": round(greeted, 2),
    }
    save_json("web-page-metrics.json", metrics)
    print(json.dumps(metrics, indent=2))
    assert timing["transfer_bytes"] < 150_000, metrics
    assert loaded < 5, metrics


def test_consent_is_asked_before_a_dossier_lookup(running_stack, web_bundle, browser_context):
    """Nothing chosen beforehand; the code and digits go out only after "Đồng ý" (demo dossier, README)."""
    page, watch = open_chat(browser_context, running_stack)
    _fresh(page)

    # The lookup button: asked first, and "Không đồng ý" sends nothing.
    page.locator("#log .quick-reply", has_text="Tra cứu hồ sơ").click()
    consent = page.locator("#log .consent")
    consent.wait_for(timeout=WAIT_MS)
    assert "4 số cuối" in consent.inner_text()
    assert page.evaluate("() => document.activeElement.innerText") == "Đồng ý"  # focus on the question, not chosen
    consent.locator("button", has_text="Không đồng ý").click()
    page.locator("#log .system-note", has_text="không hỏi").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1000)
    assert page.locator("#log .from-user").count() == 0

    # A typed dossier code: asked again; after "Đồng ý" the look-up goes through.
    question = "tra cứu hồ sơ 000.00.12.H48-251105-0012"
    page.locator("#message").fill(question)
    page.locator("#message").press("Enter")
    consent.wait_for(timeout=WAIT_MS)
    assert page.locator("#log .from-user").count() == 0
    consent.get_by_role("button", name="Đồng ý", exact=True).click()
    wait_for_reply(page, question, "4 số cuối")
    page.locator("#message").fill("5678")
    page.locator("#message").press("Enter")
    answer = wait_for_reply(page, "5678", "khai sinh")
    assert page.locator("#log .consent").count() == 0, "asked once per conversation"
    assert "tiếp nhận" in answer.lower() or "đã nhận" in answer.lower(), answer
    settle(page)
    screenshot(page, "citizen-dossier-lookup-phone")
    watch.assert_clean()


def test_the_documented_snippet_embeds_the_chat_in_a_portal_with_a_strict_policy(
    running_stack, web_bundle, browser_context
):
    """bot/web/README.md's iframe snippet on a portal page whose own CSP allows only that frame."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    chat = f"{running_stack.api}/?rasa={running_stack.rasa}"
    snippet = (
        f'<iframe src="{chat}" title="Trợ lý thủ tục hành chính" ' 'width="100%" height="640" loading="lazy"></iframe>'
    )
    portal_page = f'<!doctype html><html lang="vi"><title>Cổng thông tin</title><h1>Cổng</h1>{snippet}</html>'

    class Portal(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = portal_page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", f"default-src 'none'; frame-src {running_stack.api}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser_context.new_page()
        page.set_viewport_size(DESKTOP)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        frame = page.frame_locator("iframe")
        frame.locator("#log .from-bot", has_text="xin chào").first.wait_for(timeout=WAIT_MS)
        frame.locator("#log .quick-reply", has_text="Làm giấy khai sinh").click()
        frame.locator("#log .from-bot", has_text="Đăng ký khai sinh").first.wait_for(timeout=WAIT_MS)
        assert not errors, errors
        frame.locator("#typing").wait_for(state="hidden", timeout=WAIT_MS)
        screenshot(page, "citizen-embedded-desktop")
    finally:
        server.shutdown()
        server.server_close()
