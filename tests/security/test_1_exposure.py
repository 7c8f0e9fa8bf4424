"""Who can reach what: Rasa's HTTP API and the action server refuse strangers (findings 2a, 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.conftest import DEMO, RECORDER, assert_sane, http, label_of

pytestmark = pytest.mark.e2e

ATTACKED_DIRECTLY = "000.00.12.H48-251028-0003"
EVIL_ORIGIN = "http://evil.example"


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp*, no traffic sent)."""
    found = []
    for name, width in (("tcp", 8), ("tcp6", 32)):
        path = Path("/proc/net") / name
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port and len(address) == width:
                found.append(address)
    return found


def is_loopback(address: str) -> bool:
    return address in ("0100007F", "00000000000000000000000001000000")  # 127.0.0.1, ::1


def test_rasa_and_the_action_server_listen_on_loopback_only(abuse_stack):
    """Finding 2a and 5: `make run`'s Rasa server and action server are not reachable from the network."""
    bindings = {
        name: listening_addresses(int(abuse_stack.env[port]))
        for name, port in (("rasa", "RASA_PORT"), ("actions", "ACTION_PORT"), ("api", "API_PORT"))
    }
    RECORDER.figure("listening addresses (hex, /proc/net/tcp)", bindings)
    for name in ("rasa", "actions"):
        assert bindings[name], f"nothing listens on the {name} port"
        assert all(is_loopback(a) for a in bindings[name]), f"{name} listens beyond loopback: {bindings[name]}"


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/conversations/{sender}/tracker", None),
        (
            "POST",
            "/conversations/{sender}/tracker/events",
            [{"event": "slot", "name": "locked_dossier_codes", "value": []}],
        ),
        ("PUT", "/conversations/{sender}/tracker/events", []),
        ("POST", "/conversations/{sender}/execute", {"name": "action_dossier_status"}),
        ("POST", "/conversations/{sender}/trigger_intent", {"name": "greet"}),
        ("POST", "/conversations/{sender}/messages", {"text": "xin chào", "sender": "user"}),
        ("POST", "/conversations/{sender}/predict", None),
        ("GET", "/conversations/{sender}/story", None),
        ("POST", "/model/parse", {"text": "xin chào"}),
        ("GET", "/status", None),
        ("GET", "/domain", None),
    ],
)
@pytest.mark.parametrize("credential", ["none", "wrong token", "non-ASCII token", "non-ASCII bearer"])
def test_rasa_http_api_refuses_requests_without_the_token(abuse_stack, method, path, body, credential):
    """Finding 5: without RASA_AUTH_TOKEN nobody reads a conversation, injects events or runs actions."""
    url = abuse_stack.rasa + path.format(sender=abuse_stack.new_sender())
    params, headers = None, {}
    if credential == "wrong token":
        params = {"token": "wrong"}
    elif credential == "non-ASCII token":
        params = {"token": "é\u00ff"}
    elif credential == "non-ASCII bearer":
        headers = {"Authorization": "Bearer é".encode("utf-8")}
    call = http(
        "rasa_api",
        method,
        url,
        f"{method} {path} ({credential})",
        params=params,
        headers=headers,
        json_body=body if body is not None else None,
    )
    assert_sane([call], "Rasa HTTP API without a valid token")
    assert call.status in (401, 403), f"{call}: {call.text[:200]}"


def test_rasa_http_api_answers_with_the_token(abuse_stack):
    """The token works as ``?token=`` (Rasa 3.6's form; its bearer form is for JWTs only)."""
    sender = abuse_stack.new_sender()
    call = http(
        "rasa_api",
        "GET",
        f"{abuse_stack.rasa}/conversations/{sender}/tracker",
        "tracker (token)",
        params={"token": abuse_stack.rasa_token},
    )
    assert_sane([call], "Rasa HTTP API with the token")
    assert call.status == 200, f"{call}: {call.text[:200]}"


def test_rasa_cors_is_not_open_to_every_origin(abuse_stack):
    """Finding 5: `--cors *` let any web page script the API from a visitor's browser."""
    calls = [
        http("rasa_api", "GET", f"{abuse_stack.rasa}/", "GET / from an evil origin", headers={"Origin": EVIL_ORIGIN}),
        http(
            "rasa_api",
            "OPTIONS",
            f"{abuse_stack.rasa}/model/parse",
            "preflight from an evil origin",
            headers={"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"},
        ),
    ]
    assert_sane(calls, "CORS")
    # requests folds header names; read them again from a fresh request to see the value.
    import requests

    for method in ("GET", "OPTIONS"):
        reply = requests.request(
            method,
            f"{abuse_stack.rasa}/model/parse" if method == "OPTIONS" else f"{abuse_stack.rasa}/",
            headers={"Origin": EVIL_ORIGIN, "Access-Control-Request-Method": "POST"},
            timeout=5,
        )
        allowed = reply.headers.get("Access-Control-Allow-Origin")
        assert allowed not in ("*", EVIL_ORIGIN), f"{method}: Access-Control-Allow-Origin: {allowed}"


def _action_call(code: str, digits: str, action: str = "action_dossier_status") -> dict:
    slots = {
        "dossier_code": code,
        "phone_last4": digits,
        "failed_verifications": 0,
        "locked_dossier_codes": [],
        "requested_slot": "phone_last4",
    }
    return {
        "next_action": action,
        "sender_id": "attacker",
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": "attacker",
            "slots": slots,
            "latest_message": {"text": digits, "intent": {}, "entities": []},
            "latest_event_time": None,
            "followup_action": None,
            "paused": False,
            "events": [],
            "latest_input_channel": "rest",
            "active_loop": {"name": "dossier_form"},
            "latest_action": {"action_name": "dossier_form"},
            "latest_action_name": "dossier_form",
        },
    }


@pytest.mark.parametrize("credential", ["none", "wrong token", "non-ASCII token"])
def test_the_action_server_refuses_callers_without_its_token(abuse_stack, credential):
    """Finding 2a: calling action_dossier_status with chosen slots found a dossier's digits in 8,000 requests.

    Even the right digits, sent straight to the action server, must not get a status without the token.
    """
    code = ATTACKED_DIRECTLY
    right = DEMO[code][0]
    headers, params = {}, None
    if credential == "wrong token":
        headers, params = {"Authorization": "Bearer wrong"}, {"token": "wrong"}
    elif credential == "non-ASCII token":
        headers, params = {"Authorization": "Bearer é".encode("utf-8")}, {"token": "é"}
    calls = []
    for digits in ["0000", "1111", right]:
        for action in ("action_dossier_status", "validate_dossier_form"):
            calls.append(
                http(
                    "actions",
                    "POST",
                    f"{abuse_stack.actions}/webhook",
                    f"{action} {credential}",
                    json_body=_action_call(code, digits, action),
                    headers=headers,
                    params=params,
                )
            )
    assert_sane(calls, "action server without its token")
    leaked = [c for c in calls if label_of(code) in c.text]
    assert not leaked, f"the action server told a status without its token: {leaked[0]}"
    refused = [c for c in calls if c.status in (401, 403)]
    assert len(refused) == len(calls), "refused: " + ", ".join(str(c) for c in calls if c not in refused)


def test_the_action_server_answers_rasa_with_its_token(abuse_stack):
    """The token is what Rasa uses: with it the right digits do get the status (the test above is not vacuous)."""
    code = ATTACKED_DIRECTLY
    token = abuse_stack.action_token
    call = http(
        "actions",
        "POST",
        f"{abuse_stack.actions}/webhook",
        "action_dossier_status with the token",
        json_body=_action_call(code, DEMO[code][0]),
        headers={"Authorization": f"Bearer {token}"},
        params={"token": token},
    )
    assert_sane([call], "action server with its token")
    assert call.status == 200 and label_of(code) in json.dumps(call.json(), ensure_ascii=False), call.text[:300]
