"""The abuse suite's stack (issue 19): started once, production-like, every request timed.

Production-like means:

- rate limits apply to loopback too (``RATE_LIMIT_EXEMPT_IPS`` empty, the default
  limits spelled out) and the stack sits behind a "proxy": ``TRUSTED_PROXIES`` is
  loopback, so each simulated citizen or attacker gets its own public address in
  ``X-Forwarded-For``, as nginx would send it. All traffic goes to 127.0.0.1;
- ``RASA_AUTH_TOKEN`` and ``ACTION_SERVER_TOKEN`` are set (fresh random values);
- Zalo and Messenger are enabled with fake secrets; their outgoing calls go to a
  fake platform API on 127.0.0.1 (``tests.unit.bot.channels.helpers.FakeHttpApi``);
- its own throwaway catalogue and dossier database (with the README's demo
  dossiers), its own SQLite tracker store and one log file for every process,
  scanned at the end (``test_9_scan.py``).

Every request goes through :func:`http` (or the socket.io / webhook helpers built
on it), which records its wall time on loopback (the server time, within a few
milliseconds) and its status in :data:`RECORDER`. Tests assert on their own calls
with :func:`assert_sane`; at the end of the session the worst time per entry point
and the figures the tests collected are written to ``results/security_summary.txt``
(the lead copies them into docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import sqlite3
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

import pytest
import requests

from procedures_db.db import session_scope
from core.dossier_rules import status_label
from integrations.seed import seed_if_empty
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 1.0  # the hard limit of server time per request
CLIENT_TIMEOUT = 5.0  # a request still unanswered then is a failure (a frozen server)
SUMMARY_FILE = ROOT / "results" / "security_summary.txt"

# The README's demo dossiers: code -> (last 4 digits, status). Each test attacks its own.
DEMO = {
    "000.00.12.H48-251105-0012": ("5678", "received"),  # never attacked: the right digits must still work
    "000.00.12.H48-251103-0021": ("4321", "processing"),  # brute force across senders and channels
    "000.00.12.H48-251101-0007": ("4567", "supplement_required"),  # same failures as an unknown code
    "000.00.12.H48-251028-0003": ("7890", "completed"),  # the action server called directly
    "000.00.12.H48-251020-0015": ("3456", "returned"),  # the citizens' personal data (scan)
    "000.00.12.H48-251015-0009": ("5432", "processing"),  # finding 1's message
}
CONTROL_CODE = "000.00.12.H48-251105-0012"
GREETING_MARK = "trợ lý ảo"  # in the answer to "xin chào" (bot/domain/responses.yml)


def label_of(code: str) -> str:
    return status_label(DEMO[code][1])


# ---------------------------------------------------------------- recording


@dataclass
class Call:
    entry: str  # entry point: rest, socketio, model_parse, rasa_api, actions, api, zalo, messenger
    label: str
    status: Optional[int]  # None: no HTTP answer at all (connection error, timeout, no socket.io reply)
    seconds: float
    text: str = ""
    error: str = ""
    at: float = field(default_factory=time.monotonic)  # when it ended (monotonic), to place slow calls in time

    def json(self) -> Any:
        return json.loads(self.text)

    def __str__(self) -> str:
        what = f"HTTP {self.status}" if self.status is not None else f"no answer ({self.error or 'timeout'})"
        return f"{self.entry} {self.label!r}: {what} in {self.seconds * 1000:.0f} ms"


@dataclass
class Recorder:
    calls: List[Call] = field(default_factory=list)
    figures: Dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: Call) -> Call:
        with self.lock:
            self.calls.append(call)
        return call

    def figure(self, name: str, value: Any) -> None:
        with self.lock:
            self.figures[name] = value

    def summary(self) -> str:
        lines = ["Abuse suite (tests/security/): figures of the last run", ""]
        lines.append("entry point   requests  worst ms  p95 ms  >1 s  5xx  no answer")
        by_entry: Dict[str, List[Call]] = {}
        for call in self.calls:
            by_entry.setdefault(call.entry, []).append(call)
        for entry, calls in sorted(by_entry.items()):
            times = sorted(c.seconds for c in calls)
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            worst = max(calls, key=lambda c: c.seconds)
            lines.append(
                f"{entry:13} {len(calls):8} {worst.seconds * 1000:9.0f} {p95 * 1000:7.0f} "
                f"{sum(c.seconds > LIMIT_SECONDS for c in calls):5} "
                f"{sum((c.status or 0) >= 500 for c in calls):4} {sum(c.status is None for c in calls):10}"
                f"   worst: {worst.label[:60]!r}"
            )
        lines.append("")
        for name, value in sorted(self.figures.items()):
            lines.append(f"{name}: {value}")
        return "\n".join(lines) + "\n"


RECORDER = Recorder()


def percentiles(seconds: Iterable[float]) -> str:
    values = sorted(seconds)
    if not values:
        return "no samples"
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return (
        f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {values[-1] * 1000:.0f} ms, n={len(values)}"
    )


def problems(calls: Iterable[Call], *, limit: float = LIMIT_SECONDS) -> List[str]:
    """What breaks the issue's promises: a 5xx, no answer, or more than ``limit`` seconds."""
    found = []
    for call in calls:
        if call.status is None or call.status >= 500 or call.seconds > limit or "Traceback" in call.text:
            found.append(str(call))
    return found


def assert_sane(calls: Iterable[Call], what: str = "") -> None:
    calls = list(calls)
    found = problems(calls)
    assert not found, (
        f"{what}: {len(found)} of {len(calls)} requests got a 5xx, no answer or took over "
        f"{LIMIT_SECONDS:.0f} s:\n  " + "\n  ".join(found[:25])
    )


def http(
    entry: str,
    method: str,
    url: str,
    label: str = "",
    *,
    data: Any = None,
    json_body: Any = None,
    headers: Optional[Dict[str, Any]] = None,
    params: Any = None,
    timeout: float = CLIENT_TIMEOUT,
) -> Call:
    """One request on a fresh connection, timed and recorded; never raises for the server's sake."""
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    start = time.perf_counter()
    try:
        reply = requests.request(method, url, data=data, headers=headers, params=params, timeout=timeout)
        call = Call(entry, label or f"{method} {url[-60:]}", reply.status_code, time.perf_counter() - start, reply.text)
    except requests.RequestException as error:
        call = Call(
            entry,
            label or f"{method} {url[-60:]}",
            None,
            time.perf_counter() - start,
            error=f"{type(error).__name__}: {str(error)[:160]}",
        )
    return RECORDER.add(call)


def texts(call: Call) -> str:
    """The bot's texts in a REST answer (the whole body when it is not the usual list)."""
    try:
        body = call.json()
    except ValueError:
        return call.text
    if isinstance(body, list):
        return "\n".join(str(m.get("text", "")) for m in body if isinstance(m, dict))
    return call.text


# ---------------------------------------------------------------- the stack


class SecurityStack:
    """URLs, secrets and client helpers of the stack the abuse suite runs against."""

    def __init__(
        self, env: Dict[str, str], workdir: Path, log_path: Path, credentials: Dict[str, Any], platform_api: Any
    ) -> None:
        self.env = env
        self.workdir = workdir
        self.log_path = log_path
        self.tracker_path = Path(env["TRACKER_DB"])
        self.rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.actions = f"http://127.0.0.1:{env['ACTION_PORT']}"
        self.api = f"http://127.0.0.1:{env['API_PORT']}"
        self.rasa_token = env["RASA_AUTH_TOKEN"]
        self.action_token = env["ACTION_SERVER_TOKEN"]
        self.api_token = env["DOSSIER_API_TOKEN"]
        self.credentials = credentials
        self.platform_api = platform_api
        self._addresses = itertools.count(1)
        self._lock = threading.Lock()
        # (what, regex) of every piece of personal data a test typed: scanned for at the end.
        self.personal_data: List[tuple] = []
        self.frozen_by: Optional[str] = None

    # -- identities
    def new_ip(self) -> str:
        """A fresh public client address (benchmark range 198.18.0.0/15), as the proxy reports it."""
        with self._lock:
            n = next(self._addresses)
        return f"198.18.{n // 250}.{n % 250 + 1}"

    @staticmethod
    def new_sender(prefix: str = "sec") -> str:
        return f"{prefix}-{uuid.uuid4().hex[:12]}"

    def remember_personal_data(self, what: str, pattern: str) -> None:
        with self._lock:
            self.personal_data.append((what, pattern))

    # -- Rasa's channels and API
    def rest(
        self, text: Any, sender: Optional[str] = None, ip: Optional[str] = None, label: str = "", **extra: Any
    ) -> Call:
        body = {"sender": self.new_sender() if sender is None else sender, "message": text, **extra}
        return http(
            "rest",
            "POST",
            f"{self.rasa}/webhooks/rest/webhook",
            label or str(text)[:60],
            json_body=body,
            headers={"X-Forwarded-For": ip or self.new_ip()},
        )

    def parse(self, text: Any, label: str = "", token: bool = True) -> Call:
        params = {"token": self.rasa_token} if token else None
        return http(
            "model_parse",
            "POST",
            f"{self.rasa}/model/parse",
            label or str(text)[:60],
            json_body={"text": text},
            params=params,
        )

    def responsive(self, timeout: float = 3.0) -> bool:
        try:
            return requests.get(f"{self.rasa}/", timeout=timeout).status_code < 500
        except requests.RequestException:
            return False

    # -- Zalo and Messenger (signed like the platforms do)
    def _section(self, suffix: str) -> Dict[str, Any]:
        return next(v for k, v in self.credentials.items() if k.endswith(suffix))

    def zalo_body(self, user_id: str, text: str, timestamp_ms: Optional[int] = None) -> Dict[str, Any]:
        zalo = self._section("ZaloInput")
        return {
            "app_id": str(zalo["app_id"]),
            "user_id_by_app": user_id,
            "event_name": "user_send_text",
            "timestamp": str(timestamp_ms or int(time.time() * 1000)),
            "sender": {"id": user_id},
            "recipient": {"id": "oa-security-test"},
            "message": {"msg_id": uuid.uuid4().hex, "text": text},
        }

    def zalo_signature(self, body: bytes, timestamp: str) -> str:
        zalo = self._section("ZaloInput")
        mac = hashlib.sha256(
            str(zalo["app_id"]).encode() + body + timestamp.encode() + str(zalo["oa_secret_key"]).encode()
        ).hexdigest()
        return f"mac={mac}"

    def zalo(self, user_id: str, text: str, label: str = "") -> Call:
        event = self.zalo_body(user_id, text)
        body = json.dumps(event).encode("utf-8")
        return self.zalo_raw(body, self.zalo_signature(body, event["timestamp"]), label or text[:60])

    def zalo_raw(self, body: bytes, signature: Any = None, label: str = "") -> Call:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        return http("zalo", "POST", f"{self.rasa}/webhooks/zalo/webhook", label, data=body, headers=headers)

    def messenger_body(self, user_id: str, text: str) -> Dict[str, Any]:
        now = int(time.time() * 1000)
        return {
            "object": "page",
            "entry": [
                {
                    "id": "page-security-test",
                    "time": now,
                    "messaging": [
                        {
                            "sender": {"id": user_id},
                            "recipient": {"id": "page-security-test"},
                            "timestamp": now,
                            "message": {"mid": f"m_{uuid.uuid4().hex}", "text": text},
                        }
                    ],
                }
            ],
        }

    def messenger_signature(self, body: bytes) -> str:
        secret = str(self._section("FacebookInput")["secret"]).encode()
        return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()

    def messenger(self, user_id: str, text: str, label: str = "") -> Call:
        body = json.dumps(self.messenger_body(user_id, text)).encode("utf-8")
        return self.messenger_raw(body, self.messenger_signature(body), label or text[:60])

    def messenger_raw(self, body: bytes, signature: Any = None, label: str = "") -> Call:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return http("messenger", "POST", f"{self.rasa}/webhooks/facebook/webhook", label, data=body, headers=headers)

    def platform_turn(self, channel: str, user_id: str, text: str, label: str = "") -> Call:
        """A Zalo or Messenger message timed until the reply reaches the platform API (the turn runs after the
        webhook's answer). A webhook refused with a 4xx gets no reply: its own call is returned."""
        before = len(self.platform_replies(user_id))
        start = time.perf_counter()
        webhook = (self.zalo if channel == "zalo" else self.messenger)(user_id, text, label)
        if webhook.status != 200:
            return webhook
        deadline = start + CLIENT_TIMEOUT
        while time.perf_counter() < deadline and len(self.platform_replies(user_id)) <= before:
            time.sleep(0.01)
        replies = self.platform_replies(user_id)[before:]
        return RECORDER.add(
            Call(
                f"{channel} turn",
                label or text[:60],
                200 if replies else None,
                time.perf_counter() - start,
                "\n".join(replies),
                "" if replies else "no reply sent to the platform",
            )
        )

    def platform_replies(self, user_id: str) -> List[str]:
        """Texts sent to a Zalo or Messenger user through the fake platform API."""
        found = []
        for request in self.platform_api.received():
            try:
                body = request.json
            except ValueError:
                continue
            if not isinstance(body, dict) or not body.get("message"):
                continue  # e.g. Messenger's typing indicator
            recipient = body.get("recipient") or {}
            if user_id in (recipient.get("user_id"), recipient.get("id")):
                found.append(json.dumps(body["message"], ensure_ascii=False))
        return found

    # -- the tracker store (Rasa's events table)
    def tracker_rows(self) -> List[tuple]:
        if not self.tracker_path.exists():
            return []
        with sqlite3.connect(f"file:{self.tracker_path}?mode=ro", uri=True, timeout=10) as db:
            try:
                return db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()
            except sqlite3.OperationalError:  # no table yet
                return []

    def tracker_bytes(self) -> int:
        """Bytes of stored conversation (sender ids and event data), independent of SQLite's file growth."""
        return sum(len((s or "").encode()) + len((d or "").encode()) for s, _, d in self.tracker_rows())

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _fill_credentials(workdir: Path, platform_api_url: str) -> Dict[str, Any]:
    """bot/credentials.channels.yml with fake secrets, platform calls sent to the local fake API."""
    import yaml

    # Every section of both files (the default one may list server-wide parts first), the channels' included.
    source = yaml.safe_load((ROOT / "bot" / "credentials.yml").read_text(encoding="utf-8")) or {}
    source.update(yaml.safe_load((ROOT / "bot" / "credentials.channels.yml").read_text(encoding="utf-8")) or {})
    placeholder = re.compile(r"^\$\{(\w+)\}$")

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, str) and placeholder.match(value):
            name = placeholder.match(value).group(1)
            return "4211" if name == "ZALO_APP_ID" else f"fake-{name.lower()}-{secrets.token_hex(8)}"
        return value

    credentials = {key: fill(section) for key, section in source.items()}
    for key, section in credentials.items():
        if key.endswith("FacebookInput"):
            section["graph-api-url"] = platform_api_url
        if key.endswith("ZaloInput"):
            section.update(
                api_base=platform_api_url,
                oauth_base=platform_api_url,
                token_store_path=str(workdir / "zalo_tokens.json"),
            )
    return credentials


@pytest.fixture(scope="session")
def abuse_stack(tmp_path_factory):
    """The whole stack, production-like (see the module docstring), for the abuse suite."""
    import yaml

    from integrations.seed import seed_demo_dossiers
    from tools.stack import Stack, service_environment
    from tests.unit.bot.channels.helpers import FakeHttpApi

    model = ROOT / "models" / "assistant.tar.gz"
    if not model.is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    workdir = tmp_path_factory.mktemp("security")
    database = f"sqlite:///{workdir / 'assistant.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
        seed_demo_dossiers(session)

    platform_api = FakeHttpApi(
        {"error": 0, "message": "Success", "data": {"message_id": "z"}, "recipient_id": "user", "message_id": "m_sent"}
    )
    credentials = _fill_credentials(workdir, platform_api.url)
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials, allow_unicode=True), encoding="utf-8")

    env = service_environment()
    for name in ("REDIS_URL", "TRACKER_STORE_URL", "RATE_LIMIT_ENABLED", "LOG_LEVEL"):
        env.pop(name, None)
    env.update(
        {
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DATABASE_URL": database,
            "TRACKER_DB": str(workdir / "tracker.db"),
            "DOSSIER_API_TOKEN": secrets.token_urlsafe(24),
            "PHONE_HASH_KEY": os.environ["PHONE_HASH_KEY"],
            "RASA_AUTH_TOKEN": secrets.token_urlsafe(24),
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(24),
            "CREDENTIALS_FILE": str(credentials_file),
            # Production-like limits: loopback is not exempt, the proxy in front is loopback.
            "RATE_LIMIT_EXEMPT_IPS": "",
            "TRUSTED_PROXIES": "127.0.0.1/32,::1/128",
            "RATE_LIMIT_SENDER": "20/60",
            "RATE_LIMIT_IP": "120/60",
            "RATE_LIMIT_LOOKUP": "10/600",
        }
    )
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    log_path = workdir / "stack.log"
    log = open(log_path, "w", encoding="utf-8")
    stack = Stack(env=env, model=str(model), log=log)
    stack.start()
    try:
        stack.wait_healthy(timeout=240)
        RECORDER.figure("stack", f"log {log_path}, tracker {env['TRACKER_DB']}")
        secured = SecurityStack(env, workdir, log_path, credentials, platform_api)
        _warm_up(secured)
        yield secured
    finally:
        stack.stop()
        log.close()
        platform_api.close()


def _warm_up(stack: SecurityStack) -> None:
    """What a deployed assistant has done before its first attacker: the first turn loads the pipeline's
    lazy parts, the API's first search builds the catalogue index (seconds each). Timed, not recorded."""
    first = {}
    sender, ip = stack.new_sender("warm-up"), stack.new_ip()
    for label, send in (
        (
            "REST greeting",
            lambda: requests.post(
                f"{stack.rasa}/webhooks/rest/webhook",
                timeout=60,
                json={"sender": sender, "message": "xin chào"},
                headers={"X-Forwarded-For": ip},
            ),
        ),
        (
            "REST catalogue question",
            lambda: requests.post(
                f"{stack.rasa}/webhooks/rest/webhook",
                timeout=60,
                headers={"X-Forwarded-For": ip},
                json={"sender": sender, "message": "làm hộ chiếu cần giấy tờ gì"},
            ),
        ),
        (
            "REST dossier lookup",
            lambda: requests.post(
                f"{stack.rasa}/webhooks/rest/webhook",
                timeout=60,
                headers={"X-Forwarded-For": ip},
                json={"sender": sender, "message": "tra cứu hồ sơ"},
            ),
        ),
        (
            "/model/parse",
            lambda: requests.post(
                f"{stack.rasa}/model/parse", params={"token": stack.rasa_token}, json={"text": "xin chào"}, timeout=60
            ),
        ),
        ("API search", lambda: requests.get(f"{stack.api}/api/procedures", params={"q": "khai sinh"}, timeout=60)),
    ):
        start = time.perf_counter()
        send()
        first[label] = f"{(time.perf_counter() - start) * 1000:.0f} ms"
    RECORDER.figure("warm-up after start (not counted): first request of each kind", first)


@pytest.fixture(autouse=True)
def _stack_must_answer(request):
    """Fail fast, instead of waiting out every timeout, once an earlier test froze the Rasa server."""
    if "abuse_stack" not in request.fixturenames:
        yield
        return
    stack: SecurityStack = request.getfixturevalue("abuse_stack")
    if stack.frozen_by is None and not stack.responsive(timeout=10):
        stack.frozen_by = "an earlier test"
    if stack.frozen_by is not None and not stack.responsive(timeout=1):
        pytest.fail(f"the Rasa server does not answer any more (frozen by {stack.frozen_by}: finding 1?)")
    yield
    if not stack.responsive(timeout=5):
        stack.frozen_by = request.node.name


def pytest_sessionfinish(session, exitstatus):
    if not RECORDER.calls:
        return
    SUMMARY_FILE.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY_FILE.write_text(RECORDER.summary(), encoding="utf-8")


# ---------------------------------------------------------------- background load


class Background:
    """Runs ``work(background)`` in threads; ``work`` loops while ``background.running()``."""

    def __init__(self, work: Callable[["Background"], None], threads: int = 1, seconds: float = 30.0) -> None:
        self._stop = threading.Event()
        self._deadline = time.monotonic() + seconds
        self._work = work
        self.errors: List[BaseException] = []
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def running(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self._deadline

    def _run(self) -> None:
        try:
            self._work(self)
        except BaseException as error:  # reported by the test
            self.errors.append(error)

    def __enter__(self) -> "Background":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=CLIENT_TIMEOUT * 3)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)


def second_citizen(
    stack: SecurityStack,
    background: Background,
    ip: Optional[str] = None,
    interval: float = 0.3,
    per_sender: int = 10,
    max_messages: int = 200,
) -> List[Call]:
    """A citizen saying "xin chào" while ``background`` runs (same address when ``ip`` is given)."""
    calls: List[Call] = []
    sender, own_ip = stack.new_sender("citizen"), ip or stack.new_ip()
    while background.alive() and len(calls) < max_messages:
        if len(calls) and len(calls) % per_sender == 0:
            sender = stack.new_sender("citizen")
            if ip is None and len(calls) % (per_sender * 4) == 0:
                own_ip = stack.new_ip()
        calls.append(stack.rest("xin chào", sender=sender, ip=own_ip, label="second citizen: xin chào"))
        time.sleep(interval)
    return calls


# ---------------------------------------------------------------- socket.io (the web widget)


class Widget:
    """What the web widget does: one socket.io connection and the session the server confirms."""

    def __init__(self, stack: SecurityStack, ip: Optional[str] = None) -> None:
        import socketio

        self.stack = stack
        self.ip = ip or stack.new_ip()
        self.client = socketio.Client(reconnection=False)
        self.replies: List[Dict[str, Any]] = []
        self.session_id: Optional[str] = None
        self.confirmations = 0
        self._changed = threading.Condition()
        self.client.on("bot_uttered", self._on_reply)
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("disconnect", self._on_disconnect)
        self.disconnected = False

    def _on_reply(self, data: Any) -> None:
        with self._changed:
            self.replies.append(data if isinstance(data, dict) else {"text": str(data)})
            self._changed.notify_all()

    def _on_disconnect(self, *_: Any) -> None:
        with self._changed:
            self.disconnected = True
            self._changed.notify_all()

    def _on_confirm(self, data: Any) -> None:
        with self._changed:
            # Rasa sends the session id; a server that issues its own may send an object.
            self.session_id = data.get("session_id") if isinstance(data, dict) else data
            self.confirmations += 1
            self._changed.notify_all()

    def _wait(self, condition: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout=timeout)

    def __enter__(self) -> "Widget":
        start = time.perf_counter()
        # Long-polling: this aiohttp is too old for python-engineio's websocket client.
        self.client.connect(
            self.stack.rasa, headers={"X-Forwarded-For": self.ip}, transports=["polling"], wait_timeout=CLIENT_TIMEOUT
        )
        self.client.emit("session_request", {"session_id": uuid.uuid4().hex})
        confirmed = self._wait(lambda: self.session_id is not None, CLIENT_TIMEOUT)
        RECORDER.add(Call("socketio", "session_request", 200 if confirmed else None, time.perf_counter() - start))
        assert confirmed, "socket.io session not confirmed"
        return self

    def __exit__(self, *exc: Any) -> None:
        # Not client.disconnect(): it waits for the pending long poll (up to 25 s).
        try:
            self.client.eio.disconnect(abort=True)
        except Exception:
            pass

    def settle(self, quiet: float = 0.5) -> None:
        """Waits until no session confirmation arrived for ``quiet`` seconds (bounded)."""
        deadline = time.monotonic() + CLIENT_TIMEOUT
        count = self.confirmations
        while time.monotonic() < deadline and self._wait(lambda: self.confirmations > count, quiet):
            count = self.confirmations

    def emit(self, data: Any) -> None:
        self.client.emit("user_uttered", data)

    def say(
        self, text: Any, label: str = "", settle: float = 0.3, timeout: float = CLIENT_TIMEOUT, **extra: Any
    ) -> Call:
        """Sends a message; the call's time is until the first bot message, its text all of the turn's."""
        before = len(self.replies)
        start = time.perf_counter()
        try:
            self.emit({"message": text, "session_id": self.session_id, **extra})
        except Exception as error:  # socketio.exceptions.BadNamespaceError: the server dropped the socket
            return RECORDER.add(
                Call(
                    "socketio",
                    label or str(text)[:60],
                    None,
                    time.perf_counter() - start,
                    error=f"disconnected ({type(error).__name__})",
                )
            )
        answered = self._wait(lambda: len(self.replies) > before or self.disconnected, timeout)
        answered = answered and len(self.replies) > before
        seconds = time.perf_counter() - start
        if answered:  # the turn's other messages follow within milliseconds
            count = len(self.replies)
            while self._wait(lambda: len(self.replies) > count, settle):
                count = len(self.replies)
        reply = "\n".join(str(r.get("text", "")) for r in self.replies[before:])
        error = "" if answered else ("disconnected by the server" if self.disconnected else "no bot message")
        return RECORDER.add(Call("socketio", label or str(text)[:60], 200 if answered else None, seconds, reply, error))
