"""Live hand-over (issue 17) end to end: the real web widget in one Chromium page, the staff console in another,
against the whole stack (Rasa with the trained model, the action server, the API) as ``make run`` starts it.

The citizen asks for a person; the hand-over appears in the console's inbox (pushed by server-sent events);
a staff member takes it; what they type reaches the widget; what the citizen types reaches the console and
the assistant stays silent; "Trả lại trợ lý" hands back and the assistant answers the next question.
The staff-to-citizen latency (console "Gửi" to the widget drawing it) is printed and saved in
results/live-handover-metrics.json; screenshots under results/screenshots/live-*.png.
"""

from __future__ import annotations

import statistics
import time

import pytest
from playwright.sync_api import expect

from core import wording
from services.staff import create_account
from tests.conftest import throwaway_stack
from tests.e2e.conftest import DESKTOP, WAIT_MS, conversation, open_chat, poll, save_json, screenshot, wait_for_greeting
from tests.staff_helpers import ACCOUNTS, PASSWORD

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    """The stack with staff accounts, office hours all week and the whole day, and a short delivery poll."""

    def accounts(session) -> None:
        for username, name, role, commune in ACCOUNTS:
            create_account(session, username, name, role, PASSWORD, commune)

    hours = {"OFFICE_DAYS": "1-7", "OFFICE_HOURS": "00:00-24:00", "LIVE_POLL_SECONDS": "0.2"}
    with throwaway_stack(tmp_path_factory.mktemp("live-stack"), accounts, **hours) as stack:
        yield stack


def bot_texts(page) -> list[str]:
    return [turn["text"] for turn in conversation(page) if turn["from"] == "bot"]


def wait_for_bot_text(page, needle: str, timeout_ms: int = WAIT_MS) -> None:
    poll(
        page,
        """(needle) => [...document.querySelectorAll('#log .from-bot .body')].some(b => b.textContent.includes(needle))""",
        needle,
        timeout_ms=timeout_ms,
        every_s=0.02,
    )


def say(page, text: str) -> None:
    box = page.locator("#message")
    box.fill(text)
    box.press("Enter")


def test_hand_over_both_ways_between_the_widget_and_the_console(live_stack, browser_context, web_bundle):
    citizen, _ = open_chat(browser_context, live_stack)
    wait_for_greeting(citizen)
    say(citizen, "tôi muốn gặp cán bộ")
    poll(citizen, """() => /YC-\\d{6}-[A-Z0-9]{5}/.exec(document.querySelector('#log').textContent)""")
    reference = poll(citizen, """() => /YC-\\d{6}-[A-Z0-9]{5}/.exec(document.querySelector('#log').textContent)[0]""")

    staff = browser_context.new_page()
    staff.set_viewport_size(DESKTOP)
    staff.goto(f"{live_stack.api}/staff/")
    staff.fill("#login-username", "canbo.an")
    staff.fill("#login-password", PASSWORD)
    staff.click("#login-submit")
    staff.locator("#tabs").wait_for(timeout=WAIT_MS)
    staff.goto(f"{live_stack.api}/staff/#live")
    # The hand-over is in the inbox, pushed by the server, with how long the citizen has waited.
    row = staff.locator("#live-table tbody tr", has_text=reference)
    row.wait_for(timeout=WAIT_MS)
    expect(row).to_contain_text("Trang web")
    expect(row).to_contain_text("Đang chờ")
    expect(staff.locator("#live-badge")).to_have_text("1")
    row.locator("button").click()
    expect(staff.locator("#live-earlier")).to_contain_text("tôi muốn gặp cán bộ")
    screenshot(staff, "live-inbox")

    staff.click("#live-take")
    staff.locator("#live-form").wait_for(timeout=WAIT_MS)
    wait_for_bot_text(citizen, wording.LIVE_STAFF_JOINED.format(name="Nguyễn Thị An", reference=reference))

    # Staff to citizen: each message timed from "Gửi" to the widget drawing it.
    latencies = []
    for number in range(1, 6):
        text = f"Chào anh, tôi là cán bộ An, tin số {number}"
        staff.fill("#live-text", text)
        started = time.monotonic()
        staff.click("#live-send")
        wait_for_bot_text(citizen, text, timeout_ms=10_000)
        latencies.append(time.monotonic() - started)
    screenshot(citizen, "live-widget-staff-message")

    # Citizen to staff: reaches the console live, in full for the holder; the assistant stays silent.
    before = len(bot_texts(citizen))
    question = "số điện thoại của tôi 0912345678, hồ sơ hộ chiếu của tôi đến đâu rồi"
    say(citizen, question)
    expect(staff.locator("#live-messages")).to_contain_text(question, timeout=WAIT_MS)
    # No "Trợ lý đang trả lời…" for the 25 s the widget would otherwise wait: the server said staff hold it.
    expect(citizen.locator("#typing")).to_be_hidden(timeout=3000)
    hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    say(citizen, hostile)
    expect(staff.locator("#live-messages")).to_contain_text(hostile, timeout=WAIT_MS)  # shown as text
    assert staff.evaluate("() => window.__xss") is None
    assert staff.locator("#live-messages img, #live-messages script").count() == 0
    citizen.wait_for_timeout(2000)
    assert len(bot_texts(citizen)) == before, bot_texts(citizen)[before:]  # nothing from the assistant
    screenshot(staff, "live-console-citizen-message")

    # "Trả lại trợ lý": the citizen is told, and the assistant answers the next question.
    staff.click("#live-return")
    wait_for_bot_text(citizen, wording.LIVE_STAFF_LEFT.format(reference=reference))
    expect(staff.locator("#live-table tbody tr", has_text=reference)).to_contain_text("Đã trả lại trợ lý")
    say(citizen, "làm hộ chiếu cần giấy tờ gì")
    poll(
        citizen,
        """(n) => [...document.querySelectorAll('#log .from-bot .body')].slice(n).some(
            b => b.textContent.toLowerCase().includes('hộ chiếu'))""",
        len(bot_texts(citizen)),
    )
    screenshot(citizen, "live-widget-handed-back")

    figures = {
        "staff_to_citizen_seconds": [round(x, 3) for x in latencies],
        "median_seconds": round(statistics.median(latencies), 3),
        "max_seconds": round(max(latencies), 3),
        "poll_seconds": 0.2,
        "how": "Chromium: console 'Gửi' click to the web widget drawing the message (SQLite, one Rasa replica)",
    }
    save_json("live-handover-metrics.json", figures)
    print(f"\nstaff-to-citizen latency: median {figures['median_seconds']} s, max {figures['max_seconds']} s")
    assert max(latencies) < 10
