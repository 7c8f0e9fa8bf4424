"""Dossier HTTP API against the real Sanic app, started in a subprocess on a free port."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.dossier_helpers import PHONE, TEST_KEY, sqlite_url_in, valid_payload
from tests.support import api_server

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-dossier-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@contextmanager
def running_api(database_dir: Path, **env_overrides) -> Iterator[str]:
    """Start ``python -m procedures_db serve`` on a free port; yields its base URL."""
    env = dict(
        os.environ,
        DATABASE_URL=sqlite_url_in(database_dir),
        DOSSIER_API_TOKEN=TOKEN,
        PHONE_HASH_KEY=TEST_KEY,
        LOG_LEVEL="WARNING",
    )
    env.update(env_overrides)
    with api_server(env, database_dir / "api.log") as base:
        yield base


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """Base URL of a running API with an empty database of its own."""
    with running_api(tmp_path_factory.mktemp("api")) as base:
        yield base


def code(sequence: int) -> str:
    """A distinct dossier code per test: the server's database is shared by the module."""
    return f"000.00.12.H48-251105-{sequence:04d}"


def post(api: str, payload, headers=AUTH, **kwargs) -> requests.Response:
    return requests.post(f"{api}/api/dossiers", json=payload, headers=headers, timeout=10, **kwargs)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}],
)
def test_requests_without_a_valid_token_are_refused(api, headers):
    reply = post(api, valid_payload(code=code(1)), headers=headers)
    assert reply.status_code == 401
    assert "error" in reply.json()
    assert requests.get(f"{api}/api/dossiers/{code(1)}", headers=headers, timeout=10).status_code == 401
    # Nothing was stored by the refused push.
    assert requests.get(f"{api}/api/dossiers/{code(1)}", headers=AUTH, timeout=10).status_code == 404


def test_create_then_update_then_read_back(api):
    created = post(api, valid_payload(code=code(2)))
    assert created.status_code == 201
    assert created.json()["status"] == "received"

    same = post(api, valid_payload(code=code(2)))
    assert same.status_code == 200
    assert len(same.json()["history"]) == 1

    changed = post(api, valid_payload(code=code(2), status="supplement_required", note="Bổ sung bản sao CCCD"))
    assert changed.status_code == 200

    reply = requests.get(f"{api}/api/dossiers/{code(2)}", headers=AUTH, timeout=10)
    body = reply.json()
    assert reply.status_code == 200
    assert [(e["status"], e["note"]) for e in body["history"]] == [
        ("received", None),
        ("supplement_required", "Bổ sung bản sao CCCD"),
    ]
    assert body["status_label_vi"] == "cần bổ sung hồ sơ"
    assert "digest" not in reply.text and "phone" not in reply.text and PHONE not in reply.text


@pytest.mark.parametrize(
    "typed", ["000 00 12 H48 251105 0003", "0000012h48-251105-0003", "000.00.12.H48%20251105%200003"]
)
def test_get_normalises_the_code(api, typed):
    post(api, valid_payload(code=code(3)))
    reply = requests.get(f"{api}/api/dossiers/{typed}", headers=AUTH, timeout=10)
    assert reply.status_code == 200
    assert reply.json()["code"] == code(3)


@pytest.mark.parametrize("unknown", [code(9999), "not-a-code"])
def test_unknown_dossier_is_404(api, unknown):
    reply = requests.get(f"{api}/api/dossiers/{unknown}", headers=AUTH, timeout=10)
    assert reply.status_code == 404
    assert "error" in reply.json()


def test_invalid_payload_is_400_with_the_fields_to_fix(api):
    reply = post(api, valid_payload(code=code(4), status="done", phone="12", due_at="2020-01-01T00:00:00Z"))
    assert reply.status_code == 400
    body = reply.json()
    assert set(body["fields"]) == {"status", "phone", "due_at"}
    assert "Traceback" not in reply.text
    assert requests.get(f"{api}/api/dossiers/{code(4)}", headers=AUTH, timeout=10).status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b"",
        '"chuỗi"'.encode(),
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"code": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
        '{"code": "x"}'.encode("utf-16"),
    ],
)
def test_body_that_is_not_a_json_object_is_400(api, body):
    reply = requests.post(
        f"{api}/api/dossiers", data=body, headers={**AUTH, "Content-Type": "application/json"}, timeout=10
    )
    assert reply.status_code == 400
    assert reply.json()["fields"] == {"body": "must be a JSON object"}


def test_missing_phone_hash_key_is_503_without_details(tmp_path):
    with running_api(tmp_path, PHONE_HASH_KEY="") as base:
        reply = post(base, valid_payload(code=code(5)))
    assert reply.status_code == 503
    assert reply.json() == {"error": "dossier store is not configured"}


# --- issue 19: lookup locks for staff, full-width codes, control characters ---------------------


def test_staff_list_and_lift_lookup_locks_with_the_token_only(tmp_path, monkeypatch):
    from procedures_db.db import session_scope
    from procedures_db.lookup_locks import verify_with_lockout

    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    locks = None
    with running_api(tmp_path) as base:
        locks = f"{base}/api/dossier-locks"
        assert post(base, valid_payload(code=code(20))).status_code == 201
        # Five wrong guesses through the chat's store function, in this process: the API sees them.
        for guess in ("0000", "1111", "2222", "3333", "4444"):
            for locked_code in (code(20), code(9998)):  # the second names no dossier
                with session_scope(sqlite_url_in(tmp_path)) as session:
                    verify_with_lockout(session, locked_code, guess)

        for headers in ({}, {"Authorization": "Bearer wrong-token"}):
            assert requests.get(locks, headers=headers, timeout=10).status_code == 401
            assert requests.delete(f"{locks}/{code(20)}", headers=headers, timeout=10).status_code == 401

        listed = requests.get(locks, headers=AUTH, timeout=10)
        assert listed.status_code == 200
        body = listed.json()
        assert body["unknown_codes_locked"] == 1 and code(9998) not in listed.text
        [lock] = body["locks"]
        assert (lock["code"], lock["procedure_code"], lock["failures"]) == (code(20), "1.001193", 5)
        assert lock["locked_until"].endswith("+07:00")

        lifted = requests.delete(f"{locks}/{code(20).replace('.', ' ')}", headers=AUTH, timeout=10)
        assert lifted.status_code == 200 and lifted.json() == {"code": code(20), "unlocked": True}
        assert requests.get(locks, headers=AUTH, timeout=10).json()["locks"] == []
        assert requests.delete(f"{locks}/{code(20)}", headers=AUTH, timeout=10).status_code == 404
        assert requests.delete(f"{locks}/not-a-code", headers=AUTH, timeout=10).status_code == 400
    with session_scope(sqlite_url_in(tmp_path)) as session:
        assert verify_with_lockout(session, code(20), PHONE[-4:]).verified


def test_a_full_width_code_is_stored_in_ascii(api):
    full_width = code(21).translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))
    reply = post(api, valid_payload(code=full_width))
    assert reply.status_code == 201 and reply.json()["code"] == code(21)
    assert requests.get(f"{api}/api/dossiers/{code(21)}", headers=AUTH, timeout=10).status_code == 200
    assert requests.get(f"{api}/api/dossiers/{full_width}", headers=AUTH, timeout=10).json()["code"] == code(21)


@pytest.mark.parametrize(
    "field, value",
    [
        ("applicant_name", "Nguyễn\x00 Văn An"),
        ("applicant_name", "Nguyễn Văn \u202eAn"),  # right-to-left override: reads differently to staff
        ("note", "Bổ sung\x07 CCCD"),
        ("note", "Bổ sung \ud800"),  # a lone surrogate, valid in JSON, not storable
        ("code", code(22) + "\x00"),
        ("procedure_code", "1.001193\x1b"),
        ("code", "٠٠٠.٠٠.١٢.H48-251105-0022"),  # Arabic-Indic digits: not a code, even after NFKC
    ],
)
def test_control_and_invisible_characters_are_refused_by_field(api, field, value):
    reply = post(api, valid_payload(**{"code": code(22), field: value}))
    assert reply.status_code == 400
    assert list(reply.json()["fields"]) == [field]
    assert requests.get(f"{api}/api/dossiers/{code(22)}", headers=AUTH, timeout=10).status_code == 404
