"""Signed platform webhooks used against the assistant: replays, old events, poisoned batches (finding 12)."""

from __future__ import annotations

import json
import time

import pytest

from tests.security.conftest import assert_sane

pytestmark = pytest.mark.e2e

HOUR_MS = 3600 * 1000


def _wait_replies(stack, user, at_least, seconds=3.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(stack.platform_replies(user)) < at_least:
        time.sleep(0.05)
    return stack.platform_replies(user)


def _signed_zalo(stack, user, text, timestamp_ms):
    event = stack.zalo_body(user, text, timestamp_ms=timestamp_ms)
    body = json.dumps(event).encode("utf-8")
    return body, stack.zalo_signature(body, event["timestamp"])


def test_zalo_replays_and_old_events_are_not_answered(abuse_stack):
    """Finding 12: Zalo events replayed after the de-duplication window were handled again (the event's own
    timestamp was not checked). A captured event, replayed now or in two hours, is answered once."""
    now = int(time.time() * 1000)
    fresh, replayed, old, future = (abuse_stack.new_sender("zu") for _ in range(4))
    body, signature = _signed_zalo(abuse_stack, fresh, "xin chào", now)
    calls = [abuse_stack.zalo_raw(body, signature, "fresh event")]
    replay_body, replay_signature = _signed_zalo(abuse_stack, replayed, "xin chào", now)
    calls += [abuse_stack.zalo_raw(replay_body, replay_signature, f"same event, delivery {n}") for n in (1, 2, 3)]
    old_body, old_signature = _signed_zalo(abuse_stack, old, "xin chào", now - 2 * HOUR_MS)
    calls.append(abuse_stack.zalo_raw(old_body, old_signature, "event signed two hours ago"))
    future_body, future_signature = _signed_zalo(abuse_stack, future, "xin chào", now + 2 * HOUR_MS)
    calls.append(abuse_stack.zalo_raw(future_body, future_signature, "event dated in two hours"))
    assert_sane(calls, "Zalo replays")
    assert _wait_replies(abuse_stack, fresh, 1), "the fresh event was not answered: the test proves nothing"
    assert len(_wait_replies(abuse_stack, replayed, 2, seconds=2.0)) == 1, "a re-delivered event answered twice"
    assert not abuse_stack.platform_replies(old), "an event two hours old was handled"
    assert not abuse_stack.platform_replies(future), "an event dated in the future was handled"


def test_one_bad_event_does_not_drop_the_rest_of_a_messenger_batch(abuse_stack):
    """Finding 12: a signed batch with an event of an unexpected shape gave a 500 and the later events were
    dropped. Here a batch of odd events with one good one in the middle: the good one is answered."""
    good_user = abuse_stack.new_sender("fb")
    now = int(time.time() * 1000)
    good = abuse_stack.messenger_body(good_user, "xin chào")["entry"][0]["messaging"][0]
    odd = [
        None,
        1,
        "x",
        {"sender": "x"},
        {"sender": {"id": ["x"]}, "message": {"text": 1}},
        {"sender": {"id": "u"}, "message": {"text": ["hi"], "mid": {}}},
        {"sender": {"id": "u"}, "postback": 5},
    ]
    batch = {
        "object": "page",
        "entry": [
            {"id": "page-security-test", "time": now, "messaging": odd[:4] + [good] + odd[4:]},
            {"id": "page-security-test", "time": now, "messaging": "not a list"},
            None,
        ],
    }
    body = json.dumps(batch).encode()
    call = abuse_stack.messenger_raw(body, abuse_stack.messenger_signature(body), "batch with odd events")
    assert_sane([call], "Messenger batch")
    assert call.status == 200, call
    assert _wait_replies(abuse_stack, good_user, 1), "the good event of the batch was dropped"
