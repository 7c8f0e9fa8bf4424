"""Adversarial lengths at every entry point, while a second citizen's "xin chào" is timed (finding 1).

Finding 1's message (1,995 characters of a dossier code's parts and white space)
held the Rasa process 36.5 s and every other citizen with it. Here each entry
point gets every pattern of ``payloads.ADVERSARIAL`` at 2,000, 20,000 and
100,000 characters (500 for the API's ``q``, its maximum), one request at a
time, while another citizen says "xin chào" every 0.3 s on the REST channel.
Runs last among the traffic tests: on code with a backtracking pattern the
Rasa server freezes and the tests after it fail at once (``_stack_must_answer``).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.security.conftest import (
    CLIENT_TIMEOUT,
    GREETING_MARK,
    RECORDER,
    Background,
    Widget,
    assert_sane,
    http,
    percentiles,
    second_citizen,
    texts,
)
from tests.security.payloads import ADVERSARIAL, adversarial_texts

pytestmark = pytest.mark.e2e

ATTACK_SECONDS = 60.0  # bound of each entry point's run
MIN_ATTACK_SECONDS = 5.0
ROUNDS = 6
SOCKET_BODY_LIMIT = 60_000  # bytes of a polling POST beyond which the server's 64 KiB body limit may apply


def _attack(abuse_stack, send) -> tuple:
    """Sends every adversarial text through ``send`` in a background thread; returns (attack, citizen) calls."""
    attack = []

    def work(background):
        # Every text once, then again (up to ROUNDS) until MIN_ATTACK_SECONDS passed: enough of the citizen's
        # messages fall during the attack to give a p95.
        start = time.monotonic()
        for _ in range(ROUNDS):
            for label, text in adversarial_texts():
                if not background.running():
                    return
                attack.append(send(label, text))
            if time.monotonic() - start >= MIN_ATTACK_SECONDS:
                return

    with Background(work, seconds=ATTACK_SECONDS) as background:
        citizen = second_citizen(abuse_stack, background, interval=0.3)
    assert not background.errors, background.errors
    return attack, citizen


def _check(name, attack, citizen):
    RECORDER.figure(
        f"adversarial lengths via {name}: second citizen's latency during the attack",
        percentiles(c.seconds for c in citizen),
    )
    RECORDER.figure(
        f"adversarial lengths via {name}: worst attack request",
        str(max(attack, key=lambda c: c.seconds)) if attack else "none",
    )
    assert len(attack) >= len(adversarial_texts()), f"only {len(attack)} attack requests in {ATTACK_SECONDS:.0f} s"
    assert_sane(attack, f"adversarial texts via {name}")
    assert_sane(citizen, f"second citizen while {name} is attacked")
    unanswered = [c for c in citizen if GREETING_MARK not in texts(c)]
    assert not unanswered, f"second citizen not greeted: {unanswered[0].text[:200]}"


def test_rest(abuse_stack):
    attack, citizen = _attack(abuse_stack, lambda label, text: abuse_stack.rest(text, label=label))
    _check("REST", attack, citizen)


def test_model_parse(abuse_stack):
    attack, citizen = _attack(abuse_stack, lambda label, text: abuse_stack.parse(text, label=label))
    _check("/model/parse", attack, citizen)


def test_socketio(abuse_stack):
    """Texts under the server's body limit (64 KiB) go through a real widget connection and are answered; longer
    ones are refused at the HTTP layer (413) before anything reads them."""

    def send(label, text):
        # The polling POST that carries the message, framed as python-socketio does (JSON, non-ASCII escaped).
        packet = "42" + json.dumps(["user_uttered", {"message": text, "session_id": "x"}])
        if len(packet) > SOCKET_BODY_LIMIT:
            # Refused before it is read; the socket.io client never learns why, so it is sent raw.
            return http(
                "socketio",
                "POST",
                f"{abuse_stack.rasa}/socket.io/",
                label,
                data=packet.encode("utf-8"),
                params={"EIO": "4", "transport": "polling", "sid": "unknown"},
                headers={"Content-Type": "text/plain;charset=UTF-8", "X-Forwarded-For": abuse_stack.new_ip()},
            )
        with Widget(abuse_stack) as widget:
            return widget.say(text, label, settle=0.1)

    attack, citizen = _attack(abuse_stack, send)
    _check("socket.io", attack, citizen)


def test_zalo(abuse_stack):
    """Each message timed until its reply reaches the (fake) Zalo API: the turn runs after the webhook's 200."""
    attack, citizen = _attack(
        abuse_stack, lambda label, text: abuse_stack.platform_turn("zalo", abuse_stack.new_sender("zu"), text, label)
    )
    _check("Zalo", attack, citizen)


def test_messenger(abuse_stack):
    attack, citizen = _attack(
        abuse_stack,
        lambda label, text: abuse_stack.platform_turn("messenger", abuse_stack.new_sender("fb"), text, label),
    )
    _check("Messenger", attack, citizen)


def test_api_search_query(abuse_stack):
    """The API's q: 500 characters (its maximum; 0.2 s before the fix) of each pattern, and longer ones refused."""
    calls = []
    for name, make in ADVERSARIAL.items():
        for length in (500, 2_000):
            calls.append(
                http(
                    "api",
                    "GET",
                    f"{abuse_stack.api}/api/procedures",
                    f"q {name} x{length}",
                    params={"q": make(length)},
                    timeout=CLIENT_TIMEOUT,
                )
            )
    RECORDER.figure("API q: worst adversarial query", str(max(calls, key=lambda c: c.seconds)))
    assert_sane(calls, "API q")
    assert all(400 <= c.status < 500 for c in calls if c.label.endswith("x2000")), [str(c) for c in calls]


def test_model_parse_megabytes(abuse_stack):
    """Finding 1: /model/parse had no length cap; 5 MB of text kept the Rasa process busy for minutes.
    Last of the suite's traffic, since on uncapped code it freezes the server for everything after it."""
    calls = [
        http(
            "model_parse",
            "POST",
            f"{abuse_stack.rasa}/model/parse",
            f"{size} MB /model/parse",
            data=b'{"text": "' + b"a " * (size * 500_000) + b'"}',
            params={"token": abuse_stack.rasa_token},
            headers={"Content-Type": "application/json"},
        )
        for size in (1, 5)
    ]
    assert_sane(calls, "megabytes to /model/parse")
    assert all(400 <= c.status < 500 for c in calls), ", ".join(map(str, calls))
