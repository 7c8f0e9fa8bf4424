"""Browser fixtures and helpers for the web chat page's end-to-end tests.

Headless Debian Chromium (/usr/bin/chromium, scripts/install_browser.sh) driven by the Playwright
Python package, which uses that browser and never downloads its own. The page is served by the
API (webapp/api.py: GET /, /static/*, /branding/*), socket.io-client and axe-core come
from npm (scripts/build_web.sh).

The page runs under a strict Content-Security-Policy (no eval), so waits use locators or
:func:`poll` (``page.evaluate`` goes through the DevTools protocol, which the policy allows),
never ``page.wait_for_function``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
RESULTS = ROOT / "results"
SCREENSHOTS = RESULTS / "screenshots"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# platform_notes.md: without the background-networking flags Chromium floods the closed network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WAIT_MS = 30_000


def missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI must install it: see the Makefile)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def web_bundle() -> Path:
    """bot/web/vendor/ and node_modules/ built (idempotent: returns at once when already built)."""
    if not shutil.which("npm") and not (ROOT / "bot/web/vendor/socket.io.min.js").is_file():
        missing("npm is not installed and bot/web/vendor/ is not built")
    subprocess.run(["bash", str(ROOT / "scripts" / "build_web.sh")], cwd=ROOT, check=True)
    return ROOT / "bot" / "web" / "vendor" / "socket.io.min.js"


@pytest.fixture
def browser_context(tmp_path):
    """A headless Chromium with a new, empty profile (--user-data-dir), phone-sized."""
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"{CHROMIUM} not found: run scripts/install_browser.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright Python package is not installed (requirements-dev.txt)")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport=PHONE,
            locale="vi-VN",
        )
        try:
            yield context
        finally:
            context.close()


class PageWatch:
    """What a page did that it must not: errors, CSP violations, requests leaving this machine."""

    def __init__(self, context, page) -> None:
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        self.outside_requests: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        context.on(
            "request", lambda request: self.outside_requests.append(request.url) if _from_outside(request.url) else None
        )

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.csp_violations.append(message.text)

    def assert_clean(self) -> None:
        assert not self.errors, self.errors
        assert not self.csp_violations, self.csp_violations
        assert (
            not self.outside_requests
        ), f"the page loaded something from outside this machine: {self.outside_requests}"


def _from_outside(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in ("127.0.0.1", "localhost")


def open_chat(context, running_stack, query: str = ""):
    """A new page on the chat, pointed at the test's Rasa server; returns (page, watch)."""
    page = context.new_page()
    watch = PageWatch(context, page)
    page.goto(f"{running_stack.api}/?rasa={running_stack.rasa}{query}")
    return page, watch


def poll(page, script: str, arg=None, timeout_ms: int = WAIT_MS, every_s: float = 0.1):
    """Evaluates ``script`` (a JS function of ``arg``) until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout_ms} ms: {script}")
        time.sleep(every_s)


# JavaScript run in the page: the texts of the conversation, in order.
CONVERSATION_JS = """() => [...document.querySelectorAll('#log .message')].map(item => ({
    from: item.classList.contains('from-user') ? 'user' : 'bot',
    text: item.querySelector('.body').innerText.trim(),
}))"""


def conversation(page) -> list[dict]:
    return page.evaluate(CONVERSATION_JS)


def wait_for_reply(page, after_user_text: str, containing: str) -> str:
    """Waits until a bot message after the last user message ``after_user_text`` contains ``containing``
    (case-insensitive, collapsed parts included); returns the bot's texts after that message."""
    poll(
        page,
        """([userText, needle]) => {
        const items = [...document.querySelectorAll('#log .message')];
        let last = -1;
        items.forEach((item, i) => {
            if (item.classList.contains('from-user') && item.querySelector('.body').innerText.trim() === userText) last = i;
        });
        return last >= 0 && items.slice(last + 1).some(item =>
            item.classList.contains('from-bot') && item.querySelector('.body').textContent.toLowerCase().includes(needle));
    }""",
        [after_user_text, containing.lower()],
    )
    turns = conversation(page)
    last_user = max(i for i, t in enumerate(turns) if t["from"] == "user" and t["text"] == after_user_text)
    return "\n".join(t["text"] for t in turns[last_user + 1 :] if t["from"] == "bot")


def wait_for_greeting(page) -> None:
    page.locator("#log .from-bot", has_text="xin chào").first.wait_for(timeout=WAIT_MS)
    page.locator("#log .quick-reply").first.wait_for(timeout=WAIT_MS)


def settle(page, ms: int = 1200) -> None:
    """Lets the typing indicator go and the last reply finish drawing."""
    page.locator("#typing").wait_for(state="hidden", timeout=WAIT_MS)
    page.wait_for_timeout(ms)


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def axe_audit(page) -> dict:
    """Runs axe-core (from npm, node_modules/axe-core) on the page: WCAG 2.0/2.1 A and AA rules."""
    if not AXE_SCRIPT.is_file():
        missing("axe-core is not installed: run scripts/build_web.sh")
    # page.evaluate goes through the DevTools protocol: the page's CSP does not apply to it.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        resultTypes: ['violations'],
    }).then(r => ({violations: r.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ')),
    }))}))""")


def save_json(name: str, data) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
