"""End to end: the web chat page in a real browser, talking to the real Rasa server over socket.io.

Headless Debian Chromium (/usr/bin/chromium, scripts/install_browser.sh) driven by the Playwright
Python package, which uses that browser and never downloads its own. The page is served by the
API (procedures_db/api.py: GET / and /static/*), the widget bundle by scripts/build_web.sh.

Screenshots (phone and desktop) go to results/screenshots/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "results" / "screenshots"
# platform_notes.md: without the background-networking flags Chromium floods the closed network.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WAIT_MS = 30_000

pytestmark = pytest.mark.timeout(420)


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: see the Makefile)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def web_bundle() -> Path:
    """bot/web/vendor/ built (idempotent: returns at once when already built)."""
    if not (shutil.which("npm") or (ROOT / "bot/web/vendor/rasa-webchat.js").is_file()):
        _missing("npm is not installed and bot/web/vendor/ is not built")
    subprocess.run(["bash", str(ROOT / "scripts" / "build_web.sh")], cwd=ROOT, check=True)
    return ROOT / "bot" / "web" / "vendor" / "rasa-webchat.js"


@pytest.fixture
def browser_context(tmp_path):
    """A headless Chromium with a new, empty profile (--user-data-dir)."""
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"{CHROMIUM} not found: run scripts/install_browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed (requirements-dev.txt)")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True,
            viewport=PHONE, locale="vi-VN",
        )
        try:
            yield context
        finally:
            context.close()


# JavaScript run in the page: the texts of the conversation, in order.
CONVERSATION_JS = """() => [...document.querySelectorAll('#webchat .rw-group-message')].map(group => ({
    from: group.classList.contains('rw-from-client') ? 'user' : 'bot',
    text: group.innerText.trim(),
}))"""


def _conversation(page) -> list[dict]:
    return page.evaluate(CONVERSATION_JS)


def _wait_for_bot_reply(page, after_user_text: str, containing: str) -> str:
    """Waits until a bot message after the last user message `after_user_text` contains `containing`."""
    page.wait_for_function(
        """([userText, needle]) => {
            const groups = [...document.querySelectorAll('#webchat .rw-group-message')];
            let last = -1;
            groups.forEach((g, i) => {
                if (g.classList.contains('rw-from-client') && g.innerText.trim() === userText) last = i;
            });
            return last >= 0 && groups.slice(last + 1).some(g =>
                g.classList.contains('rw-from-response') && g.innerText.toLowerCase().includes(needle));
        }""",
        arg=[after_user_text, containing.lower()],
        timeout=WAIT_MS,
    )
    turns = _conversation(page)
    last_user = max(i for i, t in enumerate(turns) if t["from"] == "user" and t["text"] == after_user_text)
    return "\n".join(t["text"] for t in turns[last_user + 1:] if t["from"] == "bot")


def _session_id(page) -> str:
    """The session token the server issued, as the widget keeps it ("<session id>.<signature>")."""
    stored = page.evaluate("() => window.localStorage.getItem('chat_session')")
    assert stored, "the widget keeps its session in localStorage (params.storage = 'local')"
    return json.loads(stored)["session_id"]


def _tracker(running_stack, session_token: str) -> dict:
    """The Rasa conversation of a web session: sender id "web:<session id>" (bot/channels/socketio.py)."""
    sender_id = "web:" + session_token.partition(".")[0]
    params = {"token": running_stack.env["RASA_AUTH_TOKEN"]} if running_stack.env.get("RASA_AUTH_TOKEN") else {}
    reply = requests.get(f"{running_stack.rasa}/conversations/{sender_id}/tracker", params=params, timeout=10)
    reply.raise_for_status()
    return reply.json()


def _from_outside(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in ("127.0.0.1", "localhost")


def test_web_chat_end_to_end(running_stack, web_bundle, browser_context):
    outside_requests: list[str] = []
    page_errors: list[str] = []
    browser_context.on("request", lambda request: outside_requests.append(request.url)
                       if _from_outside(request.url) else None)
    page = browser_context.new_page()
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        _chat(page, running_stack)
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "webchat-failure.png"))
        print("conversation on the page when the test failed (screenshot: results/screenshots/webchat-failure.png):")
        for turn in _conversation(page):
            print(f"  {turn['from']}: {turn['text']!r}")
        raise
    assert not page_errors, page_errors
    assert not outside_requests, f"the page loaded something from outside this machine: {outside_requests}"


def _chat(page, running_stack) -> None:
    page.goto(f"{running_stack.api}/?rasa={running_stack.rasa}")

    # The page: Vietnamese labels, the widget pointed at the test's Rasa server.
    assert page.title() == "Trợ lý thủ tục hành chính"
    assert page.locator("h1").inner_text() == "Trợ lý thủ tục hành chính"
    assert page.locator("#webchat").get_attribute("data-rasa-url") == running_stack.rasa
    message_box = page.locator("#webchat textarea.rw-new-message")
    message_box.wait_for(timeout=WAIT_MS)
    assert message_box.get_attribute("placeholder") == "Nhập câu hỏi…"

    # The greeting (initial payload /greet) in Vietnamese, with its buttons as quick replies.
    greeting = page.locator("#webchat .rw-from-response", has_text="xin chào").first
    greeting.wait_for(timeout=WAIT_MS)
    assert "thủ tục hành chính" in greeting.inner_text()
    birth_button = page.locator("#webchat .rw-reply", has_text="Làm giấy khai sinh")
    birth_button.wait_for(timeout=WAIT_MS)
    assert page.locator("#webchat .rw-reply").count() >= 2

    # Clicking a button sends its payload: the answer is about birth registration.
    birth_button.click()
    answer = _wait_for_bot_reply(page, "Làm giấy khai sinh", "khai sinh")
    assert "giấy tờ" in answer.lower(), answer

    # A typed question.
    question = "làm hộ chiếu cần giấy tờ gì"
    message_box.fill(question)
    message_box.press("Enter")
    answer = _wait_for_bot_reply(page, question, "hộ chiếu")
    assert "giấy tờ" in answer.lower(), answer

    # Links in bot messages are real links that open in a new tab.
    links = page.locator("#webchat .rw-from-response a[href^='http']")
    for i in range(links.count()):
        assert links.nth(i).get_attribute("target") == "_blank"

    page.wait_for_timeout(800)  # let the last message's typing animation finish
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "webchat.png"))

    # Reload: the conversation is still there (localStorage), in the same Rasa conversation.
    session_id = _session_id(page)
    before = _conversation(page)
    page.reload()
    page.locator("#webchat .rw-from-response", has_text="xin chào").first.wait_for(timeout=WAIT_MS)
    page.locator("#webchat .rw-from-client", has_text=question).wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1500)  # a fresh greeting, if the widget (wrongly) started over, would come now
    after = _conversation(page)
    assert after == before, "the conversation shown after a reload differs"
    assert _session_id(page) == session_id
    assert "." in session_id, "the session is a token issued by the server, not chosen by the page"
    tracker = _tracker(running_stack, session_id)
    said = [event.get("text") for event in tracker["events"] if event.get("event") == "user"]
    assert question in said, said

    # ...and it goes on after the reload: the new socket joined the same session.
    page.locator("#webchat .rw-new-message").fill("cảm ơn")
    page.locator("#webchat .rw-new-message").press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#webchat .rw-from-response').length > n",
        arg=sum(1 for turn in after if turn["from"] == "bot"), timeout=WAIT_MS,
    )

    page.set_viewport_size(DESKTOP)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / "webchat-desktop.png"))
