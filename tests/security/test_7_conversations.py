"""Nobody reads or writes another citizen's conversation: web sessions and channels (findings 7 and 8)."""

from __future__ import annotations

import time

import pytest

from tests.security.conftest import CONTROL_CODE, DEMO, Widget, assert_sane, label_of, texts

pytestmark = pytest.mark.e2e

UNKNOWN_CODE = "000.00.12.H48-991129-0001"


def test_a_second_socket_knowing_the_session_id_gets_nothing(abuse_stack):
    """Finding 7: a second socket.io client that knew a session id received the bot's replies to it (a dossier
    status included) and could post into it."""
    with Widget(abuse_stack) as citizen, Widget(abuse_stack) as intruder:
        known = citizen.session_id
        bare = known.split(".")[0]  # a server-issued token is "<session id>.<signature>"
        intruder.emit({"message": "xin chào", "session_id": known})  # post into it without joining
        for presented in (bare, known.split(".")[0] + ".forged"):
            intruder.client.emit("session_request", {"session_id": presented})
        intruder.settle()
        intruder.emit({"message": "xin chào", "session_id": known})
        calls = [
            citizen.say(f"tra cứu hồ sơ {CONTROL_CODE}", "owner over socket.io: code"),
            citizen.say(DEMO[CONTROL_CODE][0], "owner over socket.io: digits"),
        ]
        time.sleep(0.5)
        overheard = [r.get("text", "") for r in intruder.replies]
        posted_in = [r.get("text", "") for r in citizen.replies if "trợ lý ảo" in r.get("text", "")]
    assert_sane(calls, "owner's lookup while another socket knows the session id")
    assert label_of(CONTROL_CODE) in calls[-1].text, calls[-1].text
    assert intruder.session_id not in (known, bare)
    assert not any(label_of(CONTROL_CODE) in text or "4 số cuối" in text for text in overheard), overheard
    assert not posted_in, "the intruder's 'xin chào' was posted into the citizen's conversation"


def test_a_rest_client_cannot_write_into_a_zalo_conversation(abuse_stack):
    """Finding 8: a REST client posting with a Zalo user's id as sender (and input_channel "zalo") wrote into
    that citizen's conversation and could lock their lookup."""
    zalo_user = abuse_stack.new_sender("zu")
    asked = abuse_stack.platform_turn("zalo", zalo_user, f"tra cứu hồ sơ {UNKNOWN_CODE}", "Zalo citizen: code")
    assert "4 số cuối" in asked.text, asked.text
    forged = [
        abuse_stack.rest("1111", sender=zalo_user, label="REST posing as the Zalo user"),
        abuse_stack.rest("1111", sender=zalo_user, input_channel="zalo", label="REST claiming to be Zalo"),
        abuse_stack.rest("1111", sender=f"zalo:{zalo_user}", label="REST with a namespaced id"),
    ]
    assert_sane([asked] + forged, "REST posing as a Zalo user")
    for call in forged:
        assert "chưa xác minh" not in texts(call) and "tạm dừng" not in texts(
            call
        ), f"{call.label}: answered inside the Zalo citizen's lookup: {texts(call)[:200]}"
