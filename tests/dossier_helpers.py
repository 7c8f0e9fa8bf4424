"""Shared pieces of the dossier tests: payloads, a throwaway database, a fake one-stop server."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import parse_qs, urlparse

TEST_KEY = "test-phone-hash-key-0123456789"
PHONE = "0912345678"
LAST4 = "5678"


def valid_payload(**overrides) -> dict:
    payload = {
        "code": "000.00.12.H48-251105-0012",
        "procedure_code": "1.001193",
        "applicant_name": "Nguyễn Văn An",
        "phone": PHONE,
        "status": "received",
        "received_at": "2025-11-05T08:30:00+07:00",
        "due_at": "2025-11-06T17:00:00+07:00",
        "note": None,
    }
    payload.update(overrides)
    return payload


def sqlite_url_in(directory: Path) -> str:
    return f"sqlite:///{directory / 'dossiers.db'}"


class FakeOneStop:
    """A one-stop REST endpoint: ``GET /dossiers?updated_since=&cursor=``.

    ``pages`` maps a cursor (None for the first page) to ``(records, next)``.
    ``failures`` is consumed one per request before answering normally:
    an int is an HTTP status, ``"drop"`` closes the connection without a reply,
    ``("retry-after", status, value)`` answers with a Retry-After header.
    """

    def __init__(self):
        self.pages: dict[str | None, tuple[list, str | None]] = {None: ([], None)}
        self.failures: list = []
        self.requests: list[dict[str, list[str]]] = []
        self.raw_reply: bytes | None = None  # answer this body (status 200) instead of a page
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args):  # keep pytest output quiet
                pass

            def do_GET(self):
                parsed = urlparse(self.path)
                query = parse_qs(parsed.query)
                fake.requests.append(query)
                if fake.failures:
                    self._fail(fake.failures.pop(0))
                    return
                if parsed.path != "/api/v1/dossiers":
                    self._send(404, b'{"error": "not found"}')
                    return
                if fake.raw_reply is not None:
                    self._send(200, fake.raw_reply)
                    return
                records, cursor = fake.pages[query.get("cursor", [None])[0]]
                self._send(200, json.dumps({"dossiers": records, "next": cursor}).encode())

            def _fail(self, failure):
                if failure == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if isinstance(failure, tuple):
                    _, status, retry_after = failure
                    self._send(status, b'{"error": "slow down"}', {"Retry-After": retry_after})
                    return
                self._send(failure, b'{"error": "boom"}')

            def _send(self, status: int, body: bytes, headers: dict | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler

    @contextmanager
    def running(self) -> Iterator["FakeOneStop"]:
        thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=5)
