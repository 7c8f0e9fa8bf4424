"""End to end: the web chat page in a real browser, talking to the real Rasa server over socket.io.

A conversation with buttons and typed questions, the conversation kept across a reload in the
same Rasa conversation (the session token issued by the server, bot/channels/socketio.py), the
page's Content-Security-Policy, and nothing loaded from outside. Browser fixtures and helpers:
tests/e2e/conftest.py. Screenshots (phone and desktop) go to results/screenshots/.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.e2e.conftest import (
    DESKTOP,
    WAIT_MS,
    conversation,
    open_chat,
    screenshot,
    settle,
    wait_for_greeting,
    wait_for_reply,
)

pytestmark = pytest.mark.timeout(420)


def _session_token(page) -> str:
    """The session token the server issued, as the page keeps it ("<session id>.<signature>")."""
    stored = page.evaluate("() => window.localStorage.getItem('tro-ly-chat')")
    assert stored, "the page keeps the conversation in localStorage"
    return json.loads(stored)["token"]


def _tracker(running_stack, session_token: str) -> dict:
    """The Rasa conversation of a web session: sender id "web:<session id>" (bot/channels/socketio.py)."""
    sender_id = "web:" + session_token.partition(".")[0]
    params = {"token": running_stack.env["RASA_AUTH_TOKEN"]} if running_stack.env.get("RASA_AUTH_TOKEN") else {}
    reply = requests.get(f"{running_stack.rasa}/conversations/{sender_id}/tracker", params=params, timeout=10)
    reply.raise_for_status()
    return reply.json()


def test_web_chat_end_to_end(running_stack, web_bundle, browser_context):
    page, watch = open_chat(browser_context, running_stack)
    try:
        _chat(page, running_stack)
    except Exception:
        path = screenshot(page, "webchat-failure")
        print(f"conversation on the page when the test failed (screenshot: {path}):")
        for turn in conversation(page):
            print(f"  {turn['from']}: {turn['text']!r}")
        raise
    watch.assert_clean()


def _chat(page, running_stack) -> None:
    # The page: Vietnamese, served with a strict Content-Security-Policy, pointed at the test's Rasa.
    response = requests.get(f"{running_stack.api}/", timeout=10)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "default-src 'none'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert page.title() == "Trợ lý thủ tục hành chính"
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("h1").inner_text() == "Trợ lý thủ tục hành chính"
    assert page.locator("body").get_attribute("data-rasa-url") == running_stack.rasa
    message_box = page.locator("#message")
    assert message_box.get_attribute("placeholder") == "Nhập câu hỏi…"

    # The greeting (the page sends /greet for a new session) with its buttons as quick replies.
    wait_for_greeting(page)
    greeting = page.locator("#log .from-bot", has_text="xin chào").first
    assert "thủ tục hành chính" in greeting.inner_text()
    birth_button = page.locator("#log .quick-reply", has_text="Làm giấy khai sinh")
    assert page.locator("#log .quick-reply").count() >= 2

    # Tapping a button sends its payload: the answer is about birth registration.
    birth_button.click()
    answer = wait_for_reply(page, "Làm giấy khai sinh", "khai sinh")
    assert "giấy tờ" in answer.lower(), answer

    # A typed question.
    question = "làm hộ chiếu cần giấy tờ gì"
    message_box.fill(question)
    message_box.press("Enter")
    answer = wait_for_reply(page, question, "hộ chiếu")
    assert "giấy tờ" in answer.lower(), answer

    # Links in bot messages are real links with a short label, opening in a new tab.
    links = page.locator("#log .from-bot a[href^='http']")
    assert links.count() >= 1
    for i in range(links.count()):
        link = links.nth(i)
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in link.get_attribute("rel")
        assert len(link.inner_text()) <= 40, link.inner_text()  # "dichvucong.gov.vn ›", not a 90-character URL

    settle(page)
    screenshot(page, "webchat")

    # Reload: the conversation is still there (localStorage), in the same Rasa conversation.
    token = _session_token(page)
    assert "." in token, "the session is a token issued by the server, not chosen by the page"
    before = conversation(page)
    page.reload()
    page.locator("#log .from-user", has_text=question).wait_for(timeout=WAIT_MS)
    page.locator("body[data-connection=connected]").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(1500)  # a fresh greeting, if the page (wrongly) started over, would come now
    after = conversation(page)
    assert after == before, "the conversation shown after a reload differs"
    assert _session_token(page) == token
    said = [event.get("text") for event in _tracker(running_stack, token)["events"] if event.get("event") == "user"]
    assert question in said, said

    # ...and it goes on after the reload: the new socket joined the same session.
    message_box.fill("cảm ơn")
    message_box.press("Enter")
    page.locator("#log .from-bot").nth(sum(1 for turn in after if turn["from"] == "bot")).wait_for(timeout=WAIT_MS)
    said = [event.get("text") for event in _tracker(running_stack, token)["events"] if event.get("event") == "user"]
    assert "cảm ơn" in said, said

    page.set_viewport_size(DESKTOP)
    settle(page, 800)
    screenshot(page, "webchat-desktop")
