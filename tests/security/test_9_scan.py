"""After all the traffic: no traceback in the logs, no raw personal data in the logs or the tracker store.

First a few citizens type personal data the way people do (finding 6) on each
channel; then the stack's log file (every process) and the tracker store's
``events`` table are scanned for everything sensitive the suite sent: those
messages, the demo dossiers' codes and digits used in the lookups, the names.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.security.conftest import DEMO, RECORDER, Widget, assert_sane

pytestmark = pytest.mark.e2e

# (what, message typed by a citizen, regex of the raw data that must not be stored or logged)
PERSONAL_MESSAGES = [
    ("phone", "số điện thoại của tôi là 0912 777 345", r"0912[\s.]?777[\s.]?345"),
    ("CCCD", "cccd 079095001234 của tôi bị mất", r"079\s?095\s?001\s?234"),
    ("name after 'Họ tên người nộp:'", "Họ tên người nộp: Trịnh Văn Quyết", r"Trịnh Văn Quyết"),
    ("name lower case", "tên: lương thị hồng nhung", r"lương thị hồng nhung"),
    ("address", "tôi ở số 12 ngõ 34 phố Hàng Bạc, Hoàn Kiếm", r"ngõ 34 phố Hàng Bạc"),
    ("bank account", "số tài khoản 0451000123456 vietcombank", r"0451000123456"),
    ("card number", "thẻ 4111 1111 1111 1111 bị trừ tiền phí", r"4111[\s-]?1111[\s-]?1111[\s-]?1111"),
    ("landline", "gọi giúp tôi số 024 3825 1234", r"3825\s?1234"),
    ("8-digit landline", "số máy bàn nhà tôi 38259876", r"38259876"),
    ("date of birth", "ngày sinh 12/03/1985 có cần ghi không", r"12/03/1985"),
    ("passport", "hộ chiếu số C1234567 hết hạn", r"C1234567"),
    ("zero-width phone", "sđt 09\u200b12\u200b345\u200b999", r"09\u200b?12\u200b?345\u200b?999"),
    ("full-width phone", "sđt ０９１２３４５８８８", r"０９１２３４５８８８|0912345888"),
    ("email", "email tôi là quyet.trinh@example.com", r"quyet\.trinh@example\.com"),
    (
        "malformed typed intent with a phone",
        '/check_dossier_status{"dossier_code": "000.00.12.H48-251020-0015", "phone": 0988111222',
        r"0988111222",
    ),
    ("code and digits together", "mã 000.00.12.H48-251020-0015 số 3456", r"251020[\s\-–]*0015|số\s*3456"),
]
METADATA_PHONE = "0966554433"


def _send_personal_data(stack):
    calls = []
    for what, message, pattern in PERSONAL_MESSAGES:
        stack.remember_personal_data(what, pattern)
        calls.append(stack.rest(message, label=f"personal data: {what}"))
    stack.remember_personal_data("metadata value", METADATA_PHONE)
    calls.append(stack.rest("xin chào", metadata={"phone": METADATA_PHONE}, label="personal data in metadata"))
    with Widget(stack) as widget:
        for what, message, _ in PERSONAL_MESSAGES[:4]:
            calls.append(widget.say(message, f"personal data over socket.io: {what}"))
    user = stack.new_sender("zu")
    for what, message, _ in PERSONAL_MESSAGES[:4]:
        calls.append(stack.zalo(user, message, f"personal data over Zalo: {what}"))
    user = stack.new_sender("fb")
    for what, message, _ in PERSONAL_MESSAGES[:4]:
        calls.append(stack.messenger(user, message, f"personal data over Messenger: {what}"))
    return calls


def _digits_pattern(digits: str) -> str:
    """The digits standing alone (not inside a longer number, a time, a hex id, a port or a "[pid]")."""
    return rf"(?<![\w.:\-\[]){digits}(?![\w:\]])"


def _sensitive_patterns(stack, with_digits: bool = True):
    """What must never be written down; the demo dossiers' digits alone only where no other text is expected
    to hold them (the logs: no message text there). In the tracker they are checked in context."""
    patterns = list(stack.personal_data)
    for code, (digits, _) in DEMO.items():
        serial = code.split("-", 1)[1]  # e.g. 251103-0021: the part that tells one dossier from another
        patterns.append((f"dossier code {code}", serial.replace("-", r"[\s\-–]*")))
        if with_digits:
            patterns.append((f"phone digits of {code}", _digits_pattern(digits)))
    return patterns


LOOKUP_REPLY_MARKS = ("4 số cuối", "chưa xác minh", "tạm dừng")  # asks for, refuses or locks the digits


def _digits_typed_for_a_lookup(rows):
    """User messages holding a demo dossier's digits in clear, sent right after the bot spoke of the digits."""
    found, last_bot = [], {}
    for sender, kind, data in rows:
        event = json.loads(data) if data else {}
        text = str(event.get("text") or "")
        if kind == "bot":
            last_bot[sender] = text
        elif kind == "user" and any(mark in last_bot.get(sender, "") for mark in LOOKUP_REPLY_MARKS):
            for code, (digits, _) in DEMO.items():
                if re.search(_digits_pattern(digits), text):
                    found.append(f"phone digits of {code} typed after {last_bot[sender][:50]!r}: {text[:60]!r}")
    return found


def _findings(text, patterns):
    found = []
    for what, pattern in patterns:
        match = re.search(pattern, text)
        if match:
            start = max(0, match.start() - 80)
            found.append(f"{what}: …{text[start:match.end() + 40]!r}…")
    return found


@pytest.fixture(scope="module")
def after_personal_data(abuse_stack):
    calls = _send_personal_data(abuse_stack)
    time.sleep(2.0)  # Zalo and Messenger turns run after the webhook's answer; logs are copied every 0.1 s
    return calls


def test_personal_data_messages_are_answered(abuse_stack, after_personal_data):
    assert_sane(after_personal_data, "messages with personal data")


def test_no_traceback_in_the_logs(abuse_stack, after_personal_data):
    log = abuse_stack.log_text()
    tracebacks = [m.start() for m in re.finditer(r"Traceback \(most recent call last\)", log)]
    RECORDER.figure("log scan: tracebacks in the stack log", len(tracebacks))
    excerpts = [log[max(0, i - 300) : i + 1200] for i in tracebacks[:3]]
    assert not tracebacks, f"{len(tracebacks)} tracebacks in {abuse_stack.log_path}; first ones:\n" + "\n-----\n".join(
        excerpts
    )


def test_no_raw_personal_data_in_the_logs(abuse_stack, after_personal_data):
    found = _findings(abuse_stack.log_text(), _sensitive_patterns(abuse_stack))
    RECORDER.figure("log scan: kinds of raw personal data found", len(found))
    assert not found, f"raw personal data in {abuse_stack.log_path}:\n" + "\n".join(found)


def test_no_raw_personal_data_in_the_tracker_store(abuse_stack, after_personal_data):
    rows = abuse_stack.tracker_rows()
    assert rows, "nothing stored: the scan would prove nothing"
    text = "\n".join(f"{sender} {data}" for sender, _, data in rows)
    # The store holds JSON: non-ASCII may be escaped there.
    decoded = "\n".join(
        f"{sender} {json.dumps(json.loads(data), ensure_ascii=False)}" for sender, _, data in rows if data
    )
    found = _findings(text + "\n" + decoded, _sensitive_patterns(abuse_stack, with_digits=False))
    found += _digits_typed_for_a_lookup(rows)
    RECORDER.figure("tracker scan: events scanned / kinds of raw personal data found", f"{len(rows)} / {len(found)}")
    assert not found, f"raw personal data in the tracker store {abuse_stack.tracker_path}:\n" + "\n".join(found)


def test_no_shared_default_conversation(abuse_stack, after_personal_data):
    """Finding 12: a REST message with an empty sender landed in a conversation shared as `default`."""
    senders = {sender for sender, _, _ in abuse_stack.tracker_rows()}
    shared = {s for s in senders if s.split(":")[-1] in ("", "default", " ")}
    assert not shared, shared
