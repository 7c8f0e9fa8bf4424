"""Storage amplification: megabyte senders and metadata are refused or dropped, never stored (finding 4)."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import RECORDER, Widget, assert_sane, http
from tests.security.payloads import deep_json

pytestmark = pytest.mark.e2e

MEGABYTE = 1_000_000
# A normal turn stores a few kB of events; everything below together may add at most this much.
ALLOWED_GROWTH = 300_000


def test_megabyte_sender_and_metadata_are_not_stored(abuse_stack):
    """Finding 4: one request with 10 MB of metadata stored 30 MB, a 5 MB sender id 40 MB."""
    before = abuse_stack.tracker_bytes()
    calls = [
        abuse_stack.rest("xin chào", metadata={"x": "a" * MEGABYTE}, label="1 MB metadata value"),
        abuse_stack.rest("xin chào", metadata={f"k{i}": i for i in range(60_000)}, label="60k metadata keys"),
        abuse_stack.rest("xin chào", metadata={"nested": [[["a" * 1000] * 100] * 10]}, label="1 MB nested metadata"),
        abuse_stack.rest("xin chào", sender="s" * MEGABYTE, label="1 MB sender"),
        abuse_stack.rest("xin chào", sender="s" * 100_000, label="100 kB sender"),
        abuse_stack.rest("xin chào", sender="é" * 5_000, label="5k-character non-ASCII sender"),
        abuse_stack.rest("a" * MEGABYTE, label="1 MB message"),
        abuse_stack.rest("xin chào", metadata={"x": "b" * (10 * MEGABYTE)}, label="10 MB metadata"),
        abuse_stack.rest("xin chào", input_channel="c" * MEGABYTE, label="1 MB input_channel"),
        http(
            "rest",
            "POST",
            f"{abuse_stack.rasa}/webhooks/rest/webhook",
            "deep metadata",
            data=b'{"sender": "deep-meta", "message": "hi", "metadata": {"a": ' + deep_json(20_000) + b"}}",
            headers={"Content-Type": "application/json", "X-Forwarded-For": abuse_stack.new_ip()},
        ),
    ]
    # The widget's metadata: 1 MB as the polling POST that would carry it, 40 kB through a real socket.
    packet = "42" + json.dumps(
        ["user_uttered", {"message": "xin chào", "session_id": "x", "customData": {"x": "c" * MEGABYTE}}]
    )
    calls.append(
        http(
            "socketio",
            "POST",
            f"{abuse_stack.rasa}/socket.io/",
            "socket.io 1 MB customData",
            data=packet.encode(),
            params={"EIO": "4", "transport": "polling", "sid": "unknown"},
            headers={"Content-Type": "text/plain;charset=UTF-8", "X-Forwarded-For": abuse_stack.new_ip()},
        )
    )
    with Widget(abuse_stack) as widget:
        calls.append(widget.say("xin chào", "socket.io 40 kB customData", customData={"x": "c" * 40_000}))
    growth = abuse_stack.tracker_bytes() - before
    RECORDER.figure(
        f"storage: tracker bytes added by megabyte senders/metadata/messages ({len(calls)} requests)", growth
    )
    assert_sane(calls, "megabyte requests")
    assert growth <= ALLOWED_GROWTH, f"{growth:,} bytes stored for {len(calls)} requests"
    assert all(c.status != 200 or len(c.text) < 100_000 for c in calls), "a megabyte echoed back"


def test_megabyte_bodies_elsewhere_are_refused_quickly(abuse_stack):
    """The other entry points cap their bodies too (a 4xx, no 5xx, within the second).

    /model/parse's 5 MB is sent at the very end (``test_6_lengths.py``): uncapped, it froze the server."""
    big = b'{"text": "' + b"a" * (5 * MEGABYTE) + b'"}'
    calls = [
        http(
            "api",
            "POST",
            f"{abuse_stack.api}/api/dossiers",
            "5 MB dossier",
            data=big,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {abuse_stack.api_token}"},
        ),
        http(
            "actions",
            "POST",
            f"{abuse_stack.actions}/webhook",
            "5 MB to the action server",
            data=big,
            headers={"Content-Type": "application/json"},
        ),
        abuse_stack.zalo_raw(big, "mac=" + "0" * 64, "5 MB unsigned Zalo"),
        abuse_stack.messenger_raw(big, "sha256=" + "0" * 64, "5 MB unsigned Messenger"),
    ]
    assert_sane(calls, "megabyte bodies")
    assert all(400 <= c.status < 500 for c in calls), ", ".join(map(str, calls))
