"""Server-wide HTTP limits of the Rasa server (bot/server_guard.py), against a real ``rasa run``.

Rasa is started as in production (``python -m rasa run --enable-api`` with the
shipped bot/credentials.yml and the trained model), so the test proves that
the limits reach the Sanic app Rasa builds, and that well-formed requests still
go to Rasa with its token check.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.server_guard import DEFAULT_MAX_REQUEST_BYTES, parse_body_problem
from tests.servers import Service
from tests.support import free_port
from tests.unit.test_text_patterns import MESSAGES, REPORTED

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
TOKEN = "server-guard-test-token"


@pytest.fixture(scope="module")
def rasa_url(tmp_path_factory):
    if not MODEL.is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    workdir = tmp_path_factory.mktemp("rasa-guard")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "TRACKER_DB": str(workdir / "tracker.db"),
        "RATE_LIMIT_ENABLED": "false",
    }
    env.pop("RASA_MAX_REQUEST_BYTES", None)
    service = Service(
        "rasa",
        [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--enable-api",
            "--auth-token",
            TOKEN,
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--credentials",
            "bot/credentials.yml",
            "--model",
            str(MODEL),
        ],
        env,
        f"http://127.0.0.1:{port}/status?token={TOKEN}",
        workdir / "rasa.log",
        ROOT,
    )
    service.start()
    try:
        service.wait_healthy(timeout=300)
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()
        log = service.log_text()
        assert "Traceback" not in log, service.log_tail(80)


PARSE = "/model/parse"
AUTH = {"token": TOKEN}  # Rasa's own form (bot.rasa_server also takes a bearer token)

# (name, body bytes, content type): each answered 500 by Rasa 3.6.
MALFORMED = [
    ("not JSON", b"xin chao", "application/json"),
    ("JSON array", b'["xin chao"]', "application/json"),
    ("null", b"null", "application/json"),
    ("text is a number", b'{"text": 5}', "application/json"),
    ("text is null", b'{"text": null}', "application/json"),
    ("empty object", b"{}", "application/json"),
    ("text too long", json.dumps({"text": "a" * 2001}).encode(), "application/json"),
    ("nested", b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", "application/json"),
    ("form body", b"text=xin+chao", "application/x-www-form-urlencoded"),
    ("invalid UTF-8", b'{"text": "xin ch\xff\xfeo"}', "application/json"),
    ("empty list", b'{"text": []}', "application/json"),
    ("truncated", b'{"text": "xin', "application/json"),
    ("UTF-16", '{"text": "xin chao"}'.encode("utf-16"), "application/json"),
]


API_ROUTES = [
    ("POST", "/conversations/guard/tracker/events"),
    ("PUT", "/conversations/guard/tracker/events"),
    ("POST", "/conversations/guard/messages"),
    ("POST", "/conversations/guard/execute"),
    ("POST", "/conversations/guard/trigger_intent"),
    ("POST", "/model/predict"),
]
API_MALFORMED = [b"[1, 2]", b'[{"x": 1}]', b"null", b"5", b'"text"', b"", b"{", '{"a": 1}'.encode("utf-16")]
EVENTS_MALFORMED = [
    b"[]",
    b'{"event": "no_such_event"}',
    b'[{"event": "slot"}]',
    b'{"event": "user", "timestamp": "x"}',
]


@pytest.mark.parametrize("method, path", API_ROUTES, ids=[f"{m} {p}" for m, p in API_ROUTES])
def test_malformed_bodies_on_rasas_api_get_400_not_500(rasa_url, method, path):
    for body in API_MALFORMED:
        reply = requests.request(
            method, rasa_url + path, data=body, params=AUTH, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert reply.status_code == 400, (method, path, body[:20], reply.status_code, reply.text[:200])
        assert reply.json()["code"] == 400


def test_events_rasa_cannot_read_get_400_not_500(rasa_url):
    for body in EVENTS_MALFORMED:
        reply = requests.post(
            rasa_url + "/conversations/guard/tracker/events",
            data=body,
            params=AUTH,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert reply.status_code == 400, (body, reply.status_code, reply.text[:200])


def test_well_formed_api_bodies_still_reach_rasa(rasa_url):
    events = rasa_url + "/conversations/guard-ok/tracker/events"
    slot = {"event": "slot", "name": "procedure", "value": None}
    assert requests.post(events, json=slot, params=AUTH, timeout=10).status_code == 200
    assert requests.post(events, json=[slot], params=AUTH, timeout=10).status_code == 200
    assert requests.post(events, json=slot, timeout=10).status_code == 401  # Rasa's token check still applies
    message = {"text": "xin chào", "sender": "user"}
    assert (
        requests.post(rasa_url + "/conversations/guard-ok/messages", json=message, params=AUTH, timeout=10).status_code
        == 200
    )


@pytest.mark.parametrize("name, body, content_type", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_parse_bodies_get_a_clear_400(rasa_url, name, body, content_type):
    for params in (AUTH, {}):  # with the token or without: never a 500
        reply = requests.post(
            rasa_url + PARSE, data=body, params=params, headers={"Content-Type": content_type}, timeout=10
        )
        assert reply.status_code == 400, (name, reply.status_code, reply.text[:200])
        error = reply.json()
        assert error["status"] == "failure" and error["code"] == 400 and "text" in error["message"]


def test_well_formed_parse_requests_still_reach_rasa_with_its_token_check(rasa_url):
    reply = requests.post(rasa_url + PARSE, json={"text": "xin chào"}, params=AUTH, timeout=10)
    assert reply.status_code == 200 and reply.json()["intent"]["name"]
    assert requests.post(rasa_url + PARSE, json={"text": "xin chào"}, timeout=10).status_code == 401
    # Rasa also reads a list whose first item is the text.
    assert requests.post(rasa_url + PARSE, json={"text": ["xin chào"]}, params=AUTH, timeout=10).status_code == 200
    longest = requests.post(rasa_url + PARSE, json={"text": "chào " * 400}, params=AUTH, timeout=10)
    assert longest.status_code == 200  # exactly the 2,000 characters the channels accept


def test_request_bodies_over_64_kib_are_refused_before_they_are_read(rasa_url):
    too_big = json.dumps({"sender": "s", "message": "hi", "metadata": {"x": "a" * DEFAULT_MAX_REQUEST_BYTES}})
    for path in (PARSE, "/webhooks/rest/webhook", "/conversations/s/tracker/events"):
        reply = requests.post(
            rasa_url + path, data=too_big, params=AUTH, headers={"Content-Type": "application/json"}, timeout=10
        )
        assert reply.status_code == 413, (path, reply.status_code)
    # Just under the limit still goes through.
    fits = json.dumps({"text": "xin chào", "pad": "a" * (DEFAULT_MAX_REQUEST_BYTES - 100)})
    assert requests.post(rasa_url + PARSE, data=fits, params=AUTH, timeout=10).status_code == 200


def test_adversarial_texts_of_the_maximum_length_are_parsed_at_once(rasa_url):
    """The whole NLU pipeline (normaliser, linker, tokenizer, classifier, code extractor) under 1 s a message."""
    worst = (0.0, "")
    for text in [REPORTED] + MESSAGES[::12]:
        start = time.perf_counter()
        reply = requests.post(rasa_url + PARSE, json={"text": text}, params=AUTH, timeout=30)
        elapsed = time.perf_counter() - start
        assert reply.status_code == 200, (text[:40], reply.status_code)
        worst = max(worst, (elapsed, text[:40]))
    assert worst[0] < 1.0, f"{worst[1]!r}... took {worst[0]:.2f} s"


def test_the_size_limit_is_configurable(monkeypatch):
    from bot.server_guard import HttpLimits

    monkeypatch.setenv("RASA_MAX_REQUEST_BYTES", "1000000")
    assert HttpLimits.from_credentials(None).max_request_bytes == 1_000_000
    assert HttpLimits.from_credentials({"max_request_bytes": 4096}).max_request_bytes == 4096
    monkeypatch.delenv("RASA_MAX_REQUEST_BYTES")
    assert HttpLimits.from_credentials({}).max_request_bytes == DEFAULT_MAX_REQUEST_BYTES
    assert HttpLimits.from_credentials({"max_parse_chars": 500}).max_parse_chars == 500


def test_parse_body_problem_accepts_only_what_rasa_reads():
    assert parse_body_problem(b'{"text": "xin chao"}', 2000) is None
    assert parse_body_problem('{"text": "xin chào"}'.encode(), 2000) is None
    assert parse_body_problem(b'{"text": ["xin chao"]}', 2000) is None
    assert "2000" in parse_body_problem(json.dumps({"text": "a" * 2001}).encode(), 2000)
    assert parse_body_problem(b"[" * 100_000, 2000)  # RecursionError inside json: still an answer
