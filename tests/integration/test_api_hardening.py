"""The HTTP API's input hardening (issue 19, findings 1 and 12), against the real app in a subprocess.

Odd headers, paths and queries get a clear 4xx, never a 500 or a traceback in the log;
the search query is capped and answered at once.
"""

from __future__ import annotations

import http.client
import os
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests

from webapp.api import MAX_QUERY_LENGTH
from procedures_db.db import session_scope
from integrations.seed import seed_if_empty
from tests.support import api_server

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "api-hardening-token"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """Base URL of ``python -m procedures_db serve`` on the seeded catalogue, and its log file."""
    workdir = tmp_path_factory.mktemp("api-hardening")
    database = f"sqlite:///{workdir / 'catalogue.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
    log_path = workdir / "api.log"
    env = {**os.environ, "DATABASE_URL": database, "DOSSIER_API_TOKEN": TOKEN}
    with api_server(env, log_path) as base:
        requests.get(f"{base}/api/procedures", params={"q": "khai sinh"}, timeout=30)  # the index is built once
        yield base, log_path


def raw_get(base: str, path: str, headers: dict[str, bytes] | None = None) -> tuple[int, bytes]:
    """A GET sent byte for byte (requests would refuse or re-encode the odd header values)."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer é".encode("latin-1"),
        "Bearer é".encode("utf-8"),
        b"Bearer \xff\xfe",
        "Basic é".encode("utf-8"),
        b"Bearer",
        b"\xe9",
        f"Bearer {TOKEN}\xe9".encode("latin-1"),
    ],
)
def test_non_ascii_authorization_headers_get_401(api, authorization):
    base, _ = api
    for path in ("/api/handoffs", "/api/feedback/summary", "/api/dossiers/000.00.12.H48-251105-0012"):
        status, body = raw_get(base, path, {"Authorization": authorization})
        assert status == 401, (path, authorization, status, body[:200])


def test_the_right_token_still_opens_the_staff_api(api):
    base, _ = api
    assert raw_get(base, "/api/handoffs", {"Authorization": f"Bearer {TOKEN}".encode()})[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static",
        "/static//",
        "/static/vendor/",
        "/static/%2e%2e/",
        "/static/..%2f..%2fetc%2fpasswd",
        "/static/%00",
        "/static/" + "a" * 300,
        "/static/index.html/x",
        "/static/no-such-file.js",
        "/branding/",
        "/branding",
        "/branding/%2e%2e/",
    ],
)
def test_static_folders_and_missing_files_get_404(api, path):
    base, _ = api
    status, body = raw_get(base, path)
    assert status == 404, (path, status, body[:200])


def test_static_files_are_still_served(api):
    base, _ = api
    served = [name for name in os.listdir(ROOT / "bot" / "web") if (ROOT / "bot" / "web" / name).is_file()]
    assert served
    assert raw_get(base, "/static/" + quote(served[0]))[0] == 200


def test_search_query_is_capped_with_a_clear_error(api):
    base, _ = api
    reply = requests.get(f"{base}/api/procedures", params={"q": "a" * (MAX_QUERY_LENGTH + 1)}, timeout=10)
    assert reply.status_code == 400
    error = reply.json()
    assert str(MAX_QUERY_LENGTH) in error["error"] and "ký tự" in error["error_vi"]


@pytest.mark.parametrize(
    "query",
    [
        "a" * MAX_QUERY_LENGTH,
        "khai sinh " * (MAX_QUERY_LENGTH // 10),
        "đăng ký kết hôn " * (MAX_QUERY_LENGTH // 16),
        " ".join(["sinnh", "khaii", "dangg", "kyyy"] * 50)[:MAX_QUERY_LENGTH],
        ("000.00.12.H48" + " " * 80 + "123456" + " " * 80 + "x")[:MAX_QUERY_LENGTH],
        "1 " * (MAX_QUERY_LENGTH // 2),
    ],
)
def test_longest_queries_are_answered_at_once(api, query):
    base, _ = api
    start = time.perf_counter()
    reply = requests.get(f"{base}/api/procedures", params={"q": query}, timeout=10)
    assert reply.status_code == 200 and time.perf_counter() - start < 1.0


def test_no_traceback_in_the_log(api):
    base, log_path = api
    raw_get(base, "/static/")
    raw_get(base, "/api/handoffs", {"Authorization": b"Bearer \xe9"})
    time.sleep(0.2)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]
