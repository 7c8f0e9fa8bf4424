"""Live hand-over with the production topology of test_topology.py: PostgreSQL tracker store, Redis, two Rasa replicas.

A staff message reaches a web widget's socket whichever replica holds it (the replica with the socket
sends it; the other cannot and leaves it), and reaches it again on the other replica after the citizen
reconnects there; a conversation held by staff is held on both replicas (a REST message through either one
reaches the store, not Rasa); handed back, either replica answers. The staff-to-socket latency is printed.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import pytest
import socketio
from sqlalchemy import select

from core import wording
from procedures_db.db import session_scope
from procedures_db.models import HandoverMessage, LiveHandover
from services import live_handover, staff
from services.staff import create_account
from tests.integration.test_topology import Topology
from tests.staff_helpers import PASSWORD

pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def live_topology(tmp_path_factory, monkeypatch_module):
    monkeypatch_module.setenv("OFFICE_DAYS", "1-7")
    monkeypatch_module.setenv("OFFICE_HOURS", "00:00-24:00")
    monkeypatch_module.setenv("LIVE_POLL_SECONDS", "0.2")
    topology = Topology(tmp_path_factory.mktemp("live-topology"))
    database = topology.env["DATABASE_URL"]
    monkeypatch_module.setenv("DATABASE_URL", database)
    with session_scope(database) as session:
        create_account(session, "canbo.an", "Nguyễn Thị An", "commune_staff", PASSWORD)
    try:
        yield topology
    finally:
        topology.close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def rasa_base(topology, replica: int) -> str:
    return f"http://127.0.0.1:{topology.replicas[replica].env['RASA_PORT']}"


def identity(database: str) -> staff.Identity:
    with session_scope(database) as session:
        _, token, _ = staff.login(session, "canbo.an", PASSWORD)
    with session_scope(database) as session:
        found = staff.authenticate(session, token)
        session.expunge_all()
        return found


def live_id_of(database: str, conversation: str) -> int:
    """The live hand-over of ``conversation`` (made by the replicas' sweep within a poll)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with session_scope(database) as session:
            found = session.scalar(select(LiveHandover.id).where(LiveHandover.conversation_id == conversation))
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError(f"no live hand-over for {conversation}")


class Widget:
    """The web widget's socket.io protocol (as bot/web does): session_request, user_uttered, bot_uttered."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.token = None
        self.received: list[tuple[float, str]] = []
        self.client.on("bot_uttered", self._bot)
        self.client.on("session_confirm", self._confirm)
        self.confirmed = asyncio.Event()

    async def _bot(self, data) -> None:
        self.received.append((time.monotonic(), (data or {}).get("text") or ""))

    async def _confirm(self, token) -> None:
        self.token = token
        self.confirmed.set()

    async def connect(self, base: str) -> None:
        self.confirmed.clear()
        await self.client.connect(base, transports=["polling"], socketio_path="socket.io")
        await self.client.emit("session_request", {"session_id": self.token})
        await asyncio.wait_for(self.confirmed.wait(), 20)

    async def say(self, text: str) -> None:
        await self.client.emit("user_uttered", {"message": text, "session_id": self.token})

    async def wait_for(self, needle: str, timeout: float = 20) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, text in self.received:
                if needle in text:
                    return at
            await asyncio.sleep(0.02)
        raise AssertionError(f"{needle!r} not received; got {[t for _, t in self.received]}")

    async def disconnect(self) -> None:
        await self.client.disconnect()


def test_staff_messages_reach_the_socket_whichever_replica_holds_it(live_topology):
    database = live_topology.env["DATABASE_URL"]

    async def scenario() -> list[float]:
        widget = Widget()
        await widget.connect(rasa_base(live_topology, 1))  # the socket is on replica B
        await widget.say("tôi muốn gặp cán bộ")
        await widget.wait_for("YC-")
        conversation = "web:" + widget.token.split(".")[0]
        live_id = live_id_of(database, conversation)
        who = identity(database)
        with session_scope(database) as session:
            reference = live_handover.take(session, who, live_id)["reference"]
        await widget.wait_for(wording.LIVE_STAFF_JOINED.format(name="Nguyễn Thị An", reference=reference))
        latencies = []
        for number in range(5):
            text = f"tin của cán bộ số {number}"
            started = time.monotonic()
            with session_scope(database) as session:
                live_handover.send(session, who, live_id, text)
            latencies.append(await widget.wait_for(text) - started)
        # The citizen comes back on replica A: the next message is sent from there.
        await widget.disconnect()
        widget.received.clear()
        with session_scope(database) as session:
            live_handover.send(session, who, live_id, "tin khi anh đang mất kết nối")
        await asyncio.sleep(1.0)
        await widget.connect(rasa_base(live_topology, 0))
        await widget.wait_for("tin khi anh đang mất kết nối")
        # While held, what the citizen types reaches the store, not the assistant (on either replica).
        before = len(widget.received)
        await widget.say("hồ sơ của tôi đến đâu rồi")
        await asyncio.sleep(2.0)
        assert len(widget.received) == before
        with session_scope(database) as session:
            chat = live_handover.conversation(session, who, live_id)
        assert chat["messages"][-1]["text"] == "hồ sơ của tôi đến đâu rồi"
        with session_scope(database) as session:
            live_handover.give_back(session, who, live_id)
        await widget.wait_for(wording.LIVE_STAFF_LEFT.format(reference=reference))
        await widget.say("làm hộ chiếu cần giấy tờ gì")
        await widget.wait_for("hộ chiếu", timeout=30)
        await widget.disconnect()
        return latencies

    latencies = asyncio.run(scenario())
    print(
        f"\n[figures] staff-to-citizen over two replicas (PostgreSQL tracker store, Redis, SQLite store, poll 0.2 s): median "
        f"{statistics.median(latencies):.3f} s, max {max(latencies):.3f} s"
    )
    # Each message was sent once, by one replica.
    with session_scope(database) as session:
        rows = session.execute(
            select(HandoverMessage.claimed_by, HandoverMessage.delivered_at).where(HandoverMessage.author != "citizen")
        ).all()
    assert rows and all(delivered is not None for _, delivered in rows)
    assert len({by for by, _ in rows}) == 2  # both replicas sent some: B before the reconnection, A after


def test_a_held_conversation_is_held_on_both_replicas(live_topology):
    database = live_topology.env["DATABASE_URL"]
    sender = f"live-{uuid.uuid4().hex[:8]}"
    assert "YC-" in "\n".join(r.get("text", "") for r in live_topology.say(0, sender, "tôi muốn gặp cán bộ"))
    conversation = f"rest:{sender}"
    live_id = live_id_of(database, conversation)
    who = identity(database)
    with session_scope(database) as session:
        live_handover.take(session, who, live_id)
    assert live_topology.say(0, sender, "tin qua bản sao A") == []
    assert live_topology.say(1, sender, "tin qua bản sao B") == []
    with session_scope(database) as session:
        texts = [m["text"] for m in live_handover.conversation(session, who, live_id)["messages"]]
        live_handover.give_back(session, who, live_id)
    assert texts[-2:] == ["tin qua bản sao A", "tin qua bản sao B"]
    assert live_topology.say(1, sender, "làm hộ chiếu cần giấy tờ gì")  # the assistant answers again
