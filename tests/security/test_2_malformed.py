"""Malformed bodies on every endpoint: a clear 4xx, never a 5xx, a hang or a traceback (finding 12)."""

from __future__ import annotations

import json

import pytest
import requests

from tests.security.conftest import assert_sane, http
from tests.security.payloads import MALFORMED_BODIES, deep_json

pytestmark = pytest.mark.e2e

BODIES = [pytest.param(body, id=name) for name, body in MALFORMED_BODIES]


def _post_all(entry, url, headers=None, params=None, content_type="application/json"):
    calls = []
    for name, body in MALFORMED_BODIES:
        calls.append(
            http(
                entry,
                "POST",
                url,
                f"malformed: {name}",
                data=body,
                params=params,
                headers={"Content-Type": content_type, **(headers or {})},
            )
        )
    return calls


def test_rest_webhook(abuse_stack):
    calls = []
    for stream in (None, {"stream": "true"}):
        calls += _post_all(
            "rest",
            f"{abuse_stack.rasa}/webhooks/rest/webhook",
            params=stream,
            headers={"X-Forwarded-For": abuse_stack.new_ip()},
        )
    calls += _post_all(
        "rest",
        f"{abuse_stack.rasa}/webhooks/rest/webhook",
        content_type="text/plain",
        headers={"X-Forwarded-For": abuse_stack.new_ip()},
    )
    assert_sane(calls, "REST webhook, malformed bodies")


def test_rest_webhook_odd_but_well_formed_fields(abuse_stack):
    """Fields of the right JSON type with odd values: answered politely or refused with a 4xx."""
    cases = [
        {"sender": "", "message": "xin chào"},  # finding 12: an empty sender lands in a shared conversation
        {"sender": " ", "message": "xin chào"},
        {"sender": "x", "message": "xin chào", "input_channel": "zalo"},  # finding 8: never trusted
        {"sender": "x", "message": "xin chào", "metadata": "not an object"},
        {"sender": "x", "message": "xin chào", "metadata": {"a": [1, {"b": None}], "é": "\u0000"}},
        {"sender": "x\u0000y\n\r", "message": "xin chào"},
        {"sender": "../../etc/passwd", "message": "xin chào"},
        {"sender": "x", "message": "\u0000\u0001\u0002"},
        {"sender": "x", "message": "/restart"},  # finding 12: a false "sự cố" answer
        {"sender": "x", "message": "/session_start"},
        {"sender": "x", "message": '/check_dossier_status{"dossier_code": '},  # malformed typed intent
        {"sender": "x", "message": "/nonexistent_intent"},
        {"sender": "x", "message": '/greet{"a": ' + "[" * 5000 + "}"},
        {"sender": "x", "message": "EXTERNAL: /restart"},
    ]
    calls = []
    for body in cases:
        message = body.pop("message")
        label = f"odd: {message[:30]!r} {json.dumps(body, ensure_ascii=False)[:50]}"
        if body["sender"] == "x":
            body["sender"] = abuse_stack.new_sender()
        calls.append(abuse_stack.rest(message, label=label, **body))
    assert_sane(calls, "REST webhook, odd fields")
    false_faults = [c for c in calls if "sự cố" in c.text]
    assert not false_faults, "answered as if the system had failed: " + ", ".join(map(str, false_faults))


def test_model_parse(abuse_stack):
    """Finding 12: /model/parse answered 500 to ten malformed bodies."""
    calls = _post_all("model_parse", f"{abuse_stack.rasa}/model/parse", params={"token": abuse_stack.rasa_token})
    calls += _post_all("model_parse", f"{abuse_stack.rasa}/model/parse")  # without the token
    assert_sane(calls, "/model/parse, malformed bodies")
    assert all(c.status < 500 for c in calls)


def test_rasa_conversation_api_with_the_token(abuse_stack):
    """Operators' endpoints, called with the token but nonsense bodies."""
    token = {"token": abuse_stack.rasa_token}
    calls = []
    for path in ("tracker/events", "messages", "execute", "trigger_intent"):
        calls += _post_all(
            "rasa_api", f"{abuse_stack.rasa}/conversations/{abuse_stack.new_sender()}/{path}", params=token
        )
    assert_sane(calls, "Rasa HTTP API with the token, malformed bodies")


def test_action_server_webhook(abuse_stack):
    url = f"{abuse_stack.actions}/webhook"
    token = abuse_stack.action_token
    calls = _post_all("actions", url)
    calls += _post_all("actions", url, headers={"Authorization": f"Bearer {token}"}, params={"token": token})
    assert_sane(calls, "action server, malformed bodies")


def _dossier(**changes):
    body = {
        "code": "000.00.12.H48-251125-0001",
        "procedure_code": "1.001193",
        "applicant_name": "Đặng Thị Hoa Mai",
        "phone": "0977123987",
        "status": "received",
        "received_at": "2025-11-25T08:00:00+07:00",
        "due_at": "2025-11-26T17:00:00+07:00",
        "note": None,
    }
    body.update(changes)
    return body


# Each is invalid: the API must say which field, with a 400.
INVALID_DOSSIERS = {
    "NUL in name": _dossier(applicant_name="Nguyễn\u0000Văn"),  # finding 12
    "code number": _dossier(code=123),
    "code list": _dossier(code=["000.00.12.H48-251125-0001"]),
    "code object": _dossier(code={"a": 1}),
    "code 10k": _dossier(code="0" * 10_000),
    "phone number type": _dossier(phone=977123987),
    "phone letters": _dossier(phone="abc"),
    "phone list": _dossier(phone=["0977123987"]),
    "status number": _dossier(status=1),
    "status unknown": _dossier(status="hacked"),
    "status list": _dossier(status=["received"]),
    "received_at words": _dossier(received_at="yesterday"),
    "received_at number": _dossier(received_at=12345),
    "received_at month 13": _dossier(received_at="2025-13-45T08:00:00+07:00"),
    "due_at object": _dossier(due_at={"a": 1}),
    "note object": _dossier(note={"a": 1}),
    "procedure_code null": _dossier(procedure_code=None),
    "procedure_code list": _dossier(procedure_code=[1]),
    "name number": _dossier(applicant_name=12),
    "name list": _dossier(applicant_name=["x"]),
}


def test_dossier_api(abuse_stack):
    url = f"{abuse_stack.api}/api/dossiers"
    bearer = {"Authorization": f"Bearer {abuse_stack.api_token}"}
    abuse_stack.remember_personal_data("dossier API applicant name", r"Đặng Thị Hoa Mai")
    abuse_stack.remember_personal_data("dossier API phone", r"0977123987")
    calls = _post_all("api", url, headers=bearer)
    calls += _post_all("api", url)  # without the bearer token: 401
    invalid = {}
    for name, body in INVALID_DOSSIERS.items():
        invalid[name] = http("api", "POST", url, f"invalid dossier: {name}", json_body=body, headers=bearer)
    calls += list(invalid.values())
    assert_sane(calls, "dossier API, malformed bodies")
    accepted = [f"{name}: {c.status}" for name, c in invalid.items() if c.status != 400]
    assert not accepted, "invalid dossiers not refused with 400: " + ", ".join(accepted)
    # Finding 12: a full-width code is read as the same code (NFKC), so what is stored and
    # what a citizen's lookup matches are one ASCII code, never a look-alike.
    full_width = "０００.００.１２.H48-251125-0001"
    stored = requests.post(url, json=_dossier(code=full_width), headers=bearer, timeout=10)
    assert stored.status_code in (200, 201) and stored.json()["code"] == "000.00.12.H48-251125-0001", stored.text


@pytest.mark.parametrize(
    "header",
    [
        "Bearer é".encode("latin-1"),
        "Bearer é".encode("utf-8"),
        b"Bearer \xff\xfe",
        "Basic é".encode("utf-8"),
        b"Bearer",
        b"Bearer  ",
        b"\xe9",
    ],
)
def test_api_non_ascii_authorization_headers(abuse_stack, header):
    """Finding 12: `Authorization: Bearer é` gave a 500."""
    calls = [
        http(
            "api",
            method,
            f"{abuse_stack.api}{path}",
            f"{method} {path} auth {header!r}",
            headers={"Authorization": header},
            json_body={} if method == "POST" else None,
        )
        for method, path in (
            ("GET", "/api/handoffs"),
            ("GET", "/api/feedback/summary"),
            ("GET", "/api/dossiers/000.00.12.H48-251105-0012"),
            ("POST", "/api/dossiers"),
        )
    ]
    assert_sane(calls, "API with a malformed Authorization header")
    assert all(c.status == 401 for c in calls), ", ".join(map(str, calls))


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/%ff",
        "/api/procedures?q=%ff%fe",
        "/api/procedures?q=a%00b",
        "/api/procedures?q=khai+sinh&limit=abc",
        "/api/procedures?q=khai+sinh&limit=1e9",
        "/api/procedures?q=khai+sinh&limit=-1",
        "/api/procedures?q=" + "a" * 501,
        "/api/procedures?q=" + "%20" * 2000,
        "/api/procedures?q[]=x&q[]=y",
        "/api/procedures/%00",
        "/api/procedures/" + "9" * 5000,
        "/api/procedures/..%2f..%2fetc",
        "/api/handoffs?status=%ff",
        "/api/nonexistent",
        "/%ff%fe",
    ],
)
def test_api_odd_paths_and_queries(abuse_stack, path):
    """Finding 12: `GET /static/` gave a 500."""
    call = http(
        "api",
        "GET",
        f"{abuse_stack.api}{path}",
        f"GET {path[:60]}",
        headers={"Authorization": f"Bearer {abuse_stack.api_token}"},
    )
    assert_sane([call], "API odd path")
    assert call.status < 500


def test_dossier_lookup_by_odd_codes(abuse_stack):
    bearer = {"Authorization": f"Bearer {abuse_stack.api_token}"}
    codes = ["%00", "０００.００.１２.H48-251105-0012", "0" * 5000, "000%20" * 500, "%ff", "..%2f..%2f"]
    calls = [
        http("api", "GET", f"{abuse_stack.api}/api/dossiers/{code}", f"GET dossier {code[:40]}", headers=bearer)
        for code in codes
    ]
    assert_sane(calls, "dossier lookup by odd codes")


def test_zalo_webhook(abuse_stack):
    """Finding 12: a non-ASCII signature header, and a deeply nested unsigned body (parsed before the
    signature was checked), gave 500s; signed bodies of unexpected shapes too."""
    calls = []
    for name, body in MALFORMED_BODIES:
        for signature in (None, "mac=" + "0" * 64, "mac=é".encode("utf-8"), b"mac=\xff\xfe", "é".encode("latin-1")):
            calls.append(abuse_stack.zalo_raw(body, signature, f"unsigned {name} sig {signature!r:.20}"))
        calls.append(abuse_stack.zalo_raw(body, abuse_stack.zalo_signature(body, ""), f"signed {name}"))
    shapes = [
        {"event_name": 1},
        {"event_name": "user_send_text", "sender": "x"},
        {"event_name": "user_send_text", "sender": {"id": ["x"]}, "message": "hi"},
        {"event_name": "user_send_text", "sender": {"id": "u"}, "message": {"text": ["hi"], "msg_id": {}}},
        {"event_name": "user_send_text", "sender": {"id": None}, "message": {"text": None}},
        {"event_name": ["user_send_text"]},
        {"timestamp": {"a": 1}},
        {"timestamp": "x" * 10_000},
    ]
    for shape in shapes:
        event = {"app_id": "x", "timestamp": str(shape.get("timestamp", "1")), **shape}
        body = json.dumps(event).encode()
        calls.append(
            abuse_stack.zalo_raw(
                body,
                abuse_stack.zalo_signature(body, str(event["timestamp"])),
                f"signed shape {json.dumps(shape)[:40]}",
            )
        )
    assert_sane(calls, "Zalo webhook")
    refused = [c for c in calls if c.label.startswith("unsigned")]
    assert all(400 <= c.status < 500 for c in refused), "unsigned Zalo calls not refused: " + ", ".join(
        str(c) for c in refused if not 400 <= c.status < 500
    )


def test_messenger_webhook(abuse_stack):
    """Finding 12: a non-ASCII signature header gave a 500; signed unexpected shapes too (and the rest of the
    batch was dropped)."""
    calls = []
    for name, body in MALFORMED_BODIES:
        for signature in (None, "sha256=" + "0" * 64, "sha256=é".encode("utf-8"), b"sha256=\xff", b"\xe9"):
            calls.append(abuse_stack.messenger_raw(body, signature, f"unsigned {name} sig {signature!r:.20}"))
        calls.append(abuse_stack.messenger_raw(body, abuse_stack.messenger_signature(body), f"signed {name}"))
    shapes = [
        {"object": "page", "entry": "x"},
        {"object": "page", "entry": [None, 1, "x"]},
        {"object": "page", "entry": [{"messaging": "x"}]},
        {"object": "page", "entry": [{"messaging": [1]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": "x", "message": "hi"}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": ["x"]}, "message": {"text": 1}}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": "u"}, "postback": "x"}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": "u"}, "message": {"quick_reply": 1}}]}]},
        {"object": "page", "entry": [{"messaging": [{"sender": {"id": "u"}, "message": {"attachments": "x"}}]}]},
    ]
    for shape in shapes:
        body = json.dumps(shape).encode()
        calls.append(
            abuse_stack.messenger_raw(
                body, abuse_stack.messenger_signature(body), f"signed shape {json.dumps(shape)[:40]}"
            )
        )
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "é", "hub.challenge": "x"},
        {"hub.mode": "é", "hub.challenge": "\u0000"},
        {},
    ):
        calls.append(
            http("messenger", "GET", f"{abuse_stack.rasa}/webhooks/facebook/webhook", "verify odd", params=params)
        )
    assert_sane(calls, "Messenger webhook")
    refused = [c for c in calls if c.label.startswith("unsigned")]
    assert all(400 <= c.status < 500 for c in refused), "unsigned Messenger calls not refused: " + ", ".join(
        str(c) for c in refused if not 400 <= c.status < 500
    )


def test_socketio_malformed_events(abuse_stack):
    """Nonsense from a socket: no crash; the same socket and another citizen are still answered."""
    from tests.security.conftest import Widget

    with Widget(abuse_stack) as widget:
        for data in (
            None,
            [],
            "text",
            1,
            {"message": None},
            {"message": 12, "session_id": widget.session_id},
            {"message": ["hi"], "session_id": widget.session_id},
            {"message": "hi", "session_id": ["x"]},
            {"message": "hi", "session_id": {"a": 1}},
            {"message": "hi", "session_id": widget.session_id, "customData": "not json"},
            {"message": "hi", "session_id": widget.session_id, "customData": "[1, 2"},
            {"message": "hi", "session_id": widget.session_id, "customData": [1, 2]},
            {"message": "hi", "session_id": widget.session_id, "customData": deep_json(5000).decode()},
        ):
            widget.emit(data)
        for data in (None, [], "x", {"session_id": ["x"]}, {"session_id": {"a": 1}}, {"session_id": "x" * 10_000}):
            widget.client.emit("session_request", data)
        widget.settle()  # each of those may have been given a new session: speak in the last one
        after = widget.say("xin chào", "after malformed socket.io events")
    with Widget(abuse_stack) as other:
        other_call = other.say("xin chào", "another widget after malformed events")
    assert_sane([after, other_call], "socket.io after malformed events")
