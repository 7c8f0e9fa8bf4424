"""The production topology, for real: PostgreSQL tracker store, Redis locks, two Rasa replicas.

Both replicas load models/assistant.tar.gz and share the tracker store and the lock
store; a conversation alternates between them (what a round-robin proxy does).
Then the faults: action server killed or frozen, tracker database down, Redis
down, a replica killed between and during turns. Each test leaves the topology
running for the next one. Figures are printed (pytest -s).
"""

from __future__ import annotations

import json
import os
import re
import signal
import statistics
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import redis
import requests
import sqlalchemy as sa

from bot.channels.conversations import REST, conversation_id
from procedures_db.db import session_scope
from integrations.seed import seed_demo_dossiers
from integrations.seed import seed_if_empty
from core.settings import DEFAULT_HOTLINE
from tests.support import ROOT
from tools.stack import commands, health_urls, service_environment
from tests.servers import PostgresServer, RedisServer, Service
from tests.support import free_port

CODE = "000.00.12.H48-251103-0021"  # demo dossier, phone ending 4321
REPLY_TIMEOUT = 8  # the REST channel's, for this topology (see credentials below)
LOCK_LIFETIME = 5  # TICKET_LOCK_LIFETIME: a dead replica's ticket expires after this
HOTLINE = DEFAULT_HOTLINE  # the stack runs without SUPPORT_HOTLINE
LAST4 = re.compile(r"(?<![\w.])4321(?!\w)")  # the digits as typed, not inside a float or an id

CREDENTIALS = f"""
bot.channels.rest.RestInput:
  reply_timeout: {REPLY_TIMEOUT}
bot.channels.socketio.SocketIOInput:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


def texts(replies: List[Dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def new_sender() -> str:
    return f"prod-{uuid.uuid4().hex[:10]}"


class Topology:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        model = ROOT / "models" / "assistant.tar.gz"
        if not model.is_file():
            pytest.fail("no trained model: run `make train` (make test does it first)")
        self.pg = PostgresServer().start()
        self.redis = RedisServer().start()
        catalogue = f"sqlite:///{workdir / 'assistant.db'}"
        with session_scope(catalogue) as session:
            seed_if_empty(session)
            seed_demo_dossiers(session)
        (workdir / "credentials.yml").write_text(CREDENTIALS, encoding="utf-8")
        env = service_environment()
        for key in (
            "TRACKER_DB",
            "RATE_LIMIT_ENABLED",
            "RATE_LIMIT_SENDER",
            "RATE_LIMIT_IP",
            "RATE_LIMIT_LOOKUP",
            "RATE_LIMIT_EXEMPT_IPS",
            "LOG_LEVEL",
        ):
            env.pop(key, None)
        action_port = free_port()
        env.update(
            {
                "TRACKER_STORE_URL": self.pg.url,
                "REDIS_URL": self.redis.url,
                "DATABASE_URL": catalogue,
                "ACTION_PORT": str(action_port),
                "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
                "API_PORT": str(free_port()),
                "CREDENTIALS_FILE": str(workdir / "credentials.yml"),
                "DOSSIER_API_TOKEN": os.environ["DOSSIER_API_TOKEN"],
                "PHONE_HASH_KEY": os.environ["PHONE_HASH_KEY"],
                "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME),
                "REDIS_RETRY_SECONDS": "1",
                "TRUSTED_PROXIES": "127.0.0.1",  # the tests play the proxy: X-Forwarded-For gives client addresses
            }
        )
        self.env = env
        self.model = str(model)
        self.actions = self._service("actions", env)
        self.replicas = [
            self._service("rasa", {**env, "RASA_PORT": str(free_port())}, "rasa-a"),
            # Replica B logs at DEBUG, where Rasa writes every message: the log filter must redact them.
            self._service("rasa", {**env, "RASA_PORT": str(free_port()), "LOG_LEVEL": "DEBUG"}, "rasa-b"),
        ]
        for service in [self.actions, *self.replicas]:
            service.start()
        for service in [self.actions, *self.replicas]:
            service.wait_healthy()
        self.tracker_engine = sa.create_engine(self.pg.url, future=True, pool_pre_ping=True)

    def _service(self, kind: str, env: Dict[str, str], name: Optional[str] = None) -> Service:
        command = commands(env, self.model)[kind]
        health = health_urls(env)[kind]  # Rasa's /status with its token
        name = name or kind
        return Service(name, command, env, health, self.workdir / f"{name}.log", ROOT)

    def url(self, replica: int) -> str:
        return f"http://127.0.0.1:{self.replicas[replica].env['RASA_PORT']}/webhooks/rest/webhook"

    def post(
        self, replica: int, sender: str, text: str, client_ip: Optional[str] = None, timeout: float = 60
    ) -> requests.Response:
        headers = {"X-Forwarded-For": client_ip} if client_ip else {}
        reply = requests.post(
            self.url(replica), json={"sender": sender, "message": text}, headers=headers, timeout=timeout
        )
        assert reply.status_code == 200, reply.text
        return reply

    def say(self, replica: int, sender: str, text: str, **kwargs) -> List[Dict]:
        return self.post(replica, sender, text, **kwargs).json()

    def events(self, sender: str) -> List[Dict]:
        with self.tracker_engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT id, type_name, data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": conversation_id(REST, sender)},  # the REST channel namespaces its senders
            ).all()
        return [{"id": row.id, "type": row.type_name, **json.loads(row.data)} for row in rows]

    def user_texts(self, sender: str) -> List[str]:
        return [e["text"] for e in self.events(sender) if e["type"] == "user"]

    def close(self) -> None:
        for service in [*self.replicas, self.actions]:
            service.stop()
        self.tracker_engine.dispose()
        self.redis.cleanup()
        self.pg.cleanup()


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    started = time.monotonic()
    topology = Topology(tmp_path_factory.mktemp("topology"))
    print(
        f"\n[figures] topology up (PostgreSQL, Redis, action server, 2 Rasa replicas) in "
        f"{time.monotonic() - started:.1f} s"
    )
    try:
        yield topology
    finally:
        topology.close()


def assert_turns_not_interleaved(events: List[Dict]) -> None:
    """After each user message, the bot's events up to its action_listen, then the next message."""
    listening = True
    for event in events:
        if event["type"] == "user":
            assert listening, "a user message arrived while the previous turn was still being written"
            listening = False
        elif event["type"] == "action" and event.get("name") == "action_listen":
            listening = True


def test_a_conversation_alternating_between_replicas_keeps_every_message_in_order(topology):
    sender = new_sender()
    turns = [
        "xin chào",
        "làm hộ chiếu cần giấy tờ gì",
        "thế lệ phí bao nhiêu?",
        f"tra cứu hồ sơ {CODE}",
        "4321",
        "cảm ơn",
    ]
    replies, latencies = [], []
    for index, text in enumerate(turns):
        started = time.perf_counter()
        replies.append(texts(topology.say(index % 2, sender, text)))
        latencies.append(time.perf_counter() - started)
    assert "trợ lý ảo" in replies[0]
    assert "1.001456" in replies[1]
    assert "1.001456" in replies[2] and "200.000" in replies[2]  # replica A remembers what B was told
    assert "4 số cuối" in replies[3]
    assert "đang xử lý" in replies[4] and CODE in replies[4]  # the form went on across replicas

    events = topology.events(sender)
    assert [e["text"] for e in events if e["type"] == "user"] == [
        "xin chào",
        "làm hộ chiếu cần giấy tờ gì",
        "thế lệ phí bao nhiêu?",
        "tra cứu hồ sơ [MÃ HỒ SƠ]",
        "[4 SỐ CUỐI]",
        "cảm ơn",
    ]
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))
    user_times = [e["timestamp"] for e in events if e["type"] == "user"]
    assert user_times == sorted(user_times)
    assert_turns_not_interleaved(events)
    print(
        f"[figures] turn latency through alternating replicas: median {statistics.median(latencies) * 1000:.0f} ms,"
        f" max {max(latencies) * 1000:.0f} ms"
    )


def test_simultaneous_messages_of_one_conversation_are_serialised_by_the_redis_lock(topology):
    sender = new_sender()
    questions = [
        "làm hộ chiếu cần giấy tờ gì",
        "đăng ký tạm trú mất bao lâu",
        "phi dang ky thuong tru bao nhieu",
        "chứng thực bản sao nộp ở đâu",
        "các bước đăng ký khai tử",
        "lam gks cho con can giay to gi",
        "xin lý lịch tư pháp có làm online được không",
        "xin chào",
    ]
    sets_before = redis.Redis.from_url(topology.redis.url).info("commandstats").get("cmdstat_eval", {}).get("calls", 0)
    results: Dict[int, List[Dict]] = {}

    def send(index: int) -> None:
        results[index] = topology.say(index % 2, sender, questions[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(questions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(results.get(i) for i in range(len(questions))), results
    events = topology.events(sender)
    stored = [e["text"] for e in events if e["type"] == "user"]
    assert sorted(stored) == sorted(questions)  # each message exactly once
    assert_turns_not_interleaved(events)
    sets_after = redis.Redis.from_url(topology.redis.url).info("commandstats").get("cmdstat_eval", {}).get("calls", 0)
    assert sets_after > sets_before  # the tickets went through Redis


def test_personal_data_reaches_neither_the_tracker_store_nor_the_logs(topology):
    sender = new_sender()
    secrets = {"079095001234": "[CCCD]", "0912345678": "[SĐT]", "Nguyễn Thị Hồng Nhung": "[HỌ TÊN]"}
    topology.say(1, sender, "xin chào, tên tôi là Nguyễn Thị Hồng Nhung")
    topology.say(0, sender, "tôi có cccd 079095001234 và sđt 0912345678 thì làm hộ chiếu cần gì")
    assert "4 số cuối" in texts(topology.say(1, sender, f"tra cứu hồ sơ {CODE}"))
    answer = texts(topology.say(0, sender, "4321"))
    assert CODE in answer  # the live conversation saw the real values

    stored = json.dumps(topology.events(sender), ensure_ascii=False)
    for secret, placeholder in secrets.items():
        assert secret not in stored and placeholder in stored
    assert "Nhung" not in stored  # not even part of the name
    assert not LAST4.search(stored) and "[4 SỐ CUỐI]" in stored
    assert CODE not in stored.replace('"value": "' + CODE, "")  # only the slot, cleared after the lookup
    final_slots = [e for e in topology.events(sender) if e["type"] == "slot" and e["name"] == "dossier_code"]
    assert final_slots[-1]["value"] is None

    time.sleep(0.5)  # let the log lines reach the files
    logs = {s.name: s.log_text() for s in [*topology.replicas, topology.actions]}
    for name, log in logs.items():
        for secret in [*secrets, "Nhung", CODE]:
            assert secret not in log, f"{secret} in the log of {name}"
        assert not LAST4.search(log), f"phone digits in the log of {name}"
    assert "[HỌ TÊN]" in logs["rasa-b"] and "[MÃ HỒ SƠ]" in logs["rasa-b"]  # DEBUG logs messages, redacted


def test_abusive_senders_and_addresses_are_slowed_down_across_replicas(topology):
    sender = new_sender()
    refused = [topology.post(i % 2, sender, "xin chào", client_ip="203.0.113.8") for i in range(24)]
    allowed = [r for r in refused if "X-Rate-Limited" not in r.headers]
    assert 20 <= len(allowed) <= 21  # RATE_LIMIT_SENDER 20/60, counted once for both replicas (Redis)
    slowed = refused[-1]
    assert slowed.headers["X-Rate-Limited"] == "sender" and int(slowed.headers["Retry-After"]) >= 1
    assert "gửi tin nhắn nhanh quá" in texts(slowed.json())
    assert len(topology.user_texts(sender)) == len(allowed)  # refused messages never reach the bot

    lookups = [topology.post(i % 2, new_sender(), f"tra cứu hồ sơ {CODE}", client_ip="203.0.113.50") for i in range(12)]
    assert [r.headers.get("X-Rate-Limited") for r in lookups] == [None] * 10 + ["lookup"] * 2  # 10 per 10 min

    assert topology.say(0, new_sender(), "xin chào", client_ip="203.0.113.51")  # other citizens unaffected


def test_a_long_message_is_cut_with_a_polite_note(topology):
    sender = new_sender()
    replies = topology.say(0, sender, "làm hộ chiếu cần giấy tờ gì " + "x" * 3000)
    assert "dài hơn 2.000 ký tự" in replies[0]["text"] and len(replies) > 1
    assert len(topology.user_texts(sender)[-1]) <= 2000


def test_action_server_killed_gets_a_polite_answer_and_the_service_resumes_on_restart(topology):
    sender = new_sender()
    topology.actions.kill()
    answer = texts(topology.say(0, sender, "làm hộ chiếu cần giấy tờ gì"))
    assert HOTLINE in answer and "gửi lại" in answer
    assert "trợ lý ảo" in texts(topology.say(1, sender, "xin chào"))  # fixed replies still work
    assert topology.user_texts(sender) == ["làm hộ chiếu cần giấy tờ gì", "xin chào"]  # nothing lost
    started = time.monotonic()
    topology.actions.start().wait_healthy()
    restarted = time.monotonic() - started
    assert "1.001456" in texts(topology.say(1, sender, "làm hộ chiếu cần giấy tờ gì"))
    print(
        f"[figures] action server restart to first answer: {time.monotonic() - started:.1f} s "
        f"(process healthy after {restarted:.1f} s)"
    )


def test_a_frozen_action_server_gets_a_busy_answer_and_the_turn_completes_later(topology):
    sender = new_sender()
    topology.actions.signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        answer = texts(topology.say(0, sender, "lệ phí làm hộ chiếu bao nhiêu"))
        waited = time.monotonic() - started
        assert HOTLINE in answer and "bận" in answer
        assert REPLY_TIMEOUT <= waited < REPLY_TIMEOUT + 3
    finally:
        topology.actions.signal(signal.SIGCONT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the shielded turn finishes and is saved
        bot = [e for e in topology.events(sender) if e["type"] == "bot"]
        if bot:
            break
        time.sleep(0.2)
    assert bot and "1.001456" in bot[-1]["text"]
    assert "1.001456" in texts(topology.say(1, sender, "thế nộp ở đâu"))
    print(f"[figures] frozen action server: busy answer after {waited:.1f} s")


def test_tracker_database_down_gets_a_polite_answer_and_the_conversation_resumes(topology):
    sender = new_sender()
    assert "1.001456" in texts(topology.say(0, sender, "làm hộ chiếu cần giấy tờ gì"))
    topology.pg.stop()
    try:
        for replica in (0, 1):
            started = time.monotonic()
            reply = topology.post(replica, sender, "thế lệ phí bao nhiêu?")
            answer = texts(reply.json())
            assert HOTLINE in answer and "sự cố" in answer
            down_reply = time.monotonic() - started
            assert "Traceback" not in reply.text and down_reply < 10
    finally:
        topology.pg.start()
    started = time.monotonic()
    fee = texts(topology.say(1, sender, "thế lệ phí bao nhiêu?"))
    assert "1.001456" in fee and "200.000" in fee  # the context stored before the outage is back
    assert all(s.process.poll() is None for s in topology.replicas)
    print(
        f"[figures] tracker database down: polite answer in {down_reply:.2f} s; back: first answer "
        f"{time.monotonic() - started:.2f} s after restart"
    )


def test_redis_down_does_not_stop_the_assistant_and_locks_return_to_redis(topology):
    sender = new_sender()
    topology.redis.stop()
    try:
        assert "1.001456" in texts(topology.say(0, sender, "làm hộ chiếu cần giấy tờ gì"))
        started = time.monotonic()
        fee = texts(topology.say(1, sender, "thế lệ phí bao nhiêu?"))
        assert "1.001456" in fee and time.monotonic() - started < 5
    finally:
        topology.redis.start()
    time.sleep(1.5)  # REDIS_RETRY_SECONDS
    assert "trợ lý ảo" in texts(topology.say(0, sender, "xin chào"))
    assert redis.Redis.from_url(topology.redis.url).info("commandstats").get("cmdstat_eval", {}).get("calls", 0) > 0
    assert topology.user_texts(sender) == ["làm hộ chiếu cần giấy tờ gì", "thế lệ phí bao nhiêu?", "xin chào"]


def test_a_replica_killed_mid_conversation_is_taken_over_by_the_other(topology):
    # Between two turns: the dossier form started on A is finished on B.
    sender = new_sender()
    assert "4 số cuối" in texts(topology.say(0, sender, f"tra cứu hồ sơ {CODE}"))
    topology.replicas[0].kill()
    assert "đang xử lý" in texts(topology.say(1, sender, "4321"))

    # During a turn: B dies holding the conversation's lock (its action call hangs), the
    # client retries on A; A waits for the dead ticket to expire, then answers.
    topology.replicas[0].start().wait_healthy()
    sender = new_sender()
    assert "1.001456" in texts(topology.say(0, sender, "làm hộ chiếu cần giấy tờ gì"))
    topology.actions.signal(signal.SIGSTOP)
    try:
        in_flight = threading.Thread(target=lambda: _ignore_errors(topology.post, 1, sender, "thế nộp ở đâu"))
        in_flight.start()
        time.sleep(1.0)
        topology.replicas[1].kill()
        in_flight.join(10)
    finally:
        topology.actions.signal(signal.SIGCONT)
    started = time.monotonic()
    answer = texts(topology.say(0, sender, "thế nộp ở đâu"))
    took = time.monotonic() - started
    assert "1.001456" in answer
    assert topology.user_texts(sender) == ["làm hộ chiếu cần giấy tờ gì", "thế nộp ở đâu"]  # once, in order
    assert_turns_not_interleaved(topology.events(sender))
    print(
        f"[figures] replica killed holding the lock: the other answered the retry in {took:.1f} s "
        f"(TICKET_LOCK_LIFETIME={LOCK_LIFETIME} s)"
    )
    started = time.monotonic()
    topology.replicas[1].start().wait_healthy()
    print(f"[figures] Rasa replica restart (model loaded, healthy): {time.monotonic() - started:.1f} s")


def _ignore_errors(function, *args) -> None:
    try:
        function(*args)
    except (requests.RequestException, AssertionError):
        pass  # the replica died under it
