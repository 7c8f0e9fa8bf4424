"""Live hand-over in the channels (bot/channels/live.py): while a staff member holds a Zalo or Messenger
conversation the citizen's messages reach the store, not the bot, and the staff member's messages reach the
citizen through the platform's Send API (local fake platform servers); handed back, the bot answers again.
Two delivery loops (two replicas) over one database send a web message once, from the replica holding the
citizen's socket."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.channels import live
from core import wording
from procedures_db.db import session_scope
from procedures_db.models import HandoverMessage, LiveHandover
from services import live_handover, staff
from services.service_requests import create_handoff, save_complaint
from tests.unit.bot.channels import test_facebook as fb
from tests.unit.bot.channels import test_zalo as zalo
from tests.unit.bot.channels.helpers import FakeBot, serve_channel, wait_until
from tests.unit.services.test_staff import PASSWORD, signed_in


@pytest.fixture
def store(sqlite_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("OFFICE_DAYS", "1-7")
    monkeypatch.setenv("OFFICE_HOURS", "00:00-24:00")
    monkeypatch.setenv("LIVE_POLL_SECONDS", "0.05")
    monkeypatch.setenv("TRACKER_DB", "/nonexistent/tracker.db")
    with session_scope(sqlite_url) as session:
        staff.create_account(session, "xa.an", "Cán bộ An", "commune_staff", PASSWORD)
    return sqlite_url


def hand_over(url: str, conversation: str, channel: str) -> tuple[int, str, staff.Identity]:
    with session_scope(url) as session:
        reference = create_handoff(session, conversation, channel, None, "gặp cán bộ").reference
    with session_scope(url) as session:
        live_handover.sweep(session)
        live_id = session.scalar(select(LiveHandover.id).where(LiveHandover.conversation_id == conversation))
    identity = signed_in(url, "xa.an")
    with session_scope(url) as session:
        live_handover.take(session, identity, live_id)
    return live_id, reference, identity


def citizen_messages(url: str, conversation: str) -> list[str]:
    with session_scope(url) as session:
        return list(
            session.scalars(
                select(HandoverMessage.text).where(
                    HandoverMessage.conversation_id == conversation, HandoverMessage.author == "citizen"
                )
            )
        )


async def test_a_held_zalo_conversation_goes_to_staff_and_staff_messages_reach_the_zalo_user(
    store, fake_zalo_api, tmp_path
):
    conversation = f"zalo:{zalo.USER}"
    live_id, reference, identity = hand_over(store, conversation, "zalo")
    channel = zalo.ZaloInput.from_credentials(zalo.credentials(fake_zalo_api, str(tmp_path / "tokens.json")))
    bot = FakeBot.answering()
    async with serve_channel(channel, bot) as base_url:
        joined = wording.LIVE_STAFF_JOINED.format(name="Cán bộ An", reference=reference)
        await wait_until(lambda: any(m["message"]["text"] == joined for m in zalo.sent(fake_zalo_api)))
        with session_scope(store) as session:
            live_handover.send(session, identity, live_id, "Anh cần hỗ trợ gì ạ?")
        await wait_until(lambda: any("Anh cần hỗ trợ gì ạ?" in m["message"]["text"] for m in zalo.sent(fake_zalo_api)))
        assert {m["recipient"]["user_id"] for m in zalo.sent(fake_zalo_api)} == {zalo.USER}

        await zalo.post(base_url, zalo.user_text("tôi cần hỏi về hộ chiếu", "msg-1"))
        await channel.drain()
        assert bot.texts == []  # the staff member holds it: not the bot
        assert citizen_messages(store, conversation) == ["tôi cần hỏi về hộ chiếu"]

        with session_scope(store) as session:
            live_handover.give_back(session, identity, live_id)
        await zalo.post(base_url, zalo.user_text("cảm ơn", "msg-2"))
        await channel.drain()
        assert bot.texts == ["cảm ơn"]  # handed back: the bot answers again
        left = wording.LIVE_STAFF_LEFT.format(reference=reference)
        await wait_until(lambda: any(m["message"]["text"] == left for m in zalo.sent(fake_zalo_api)))


async def test_a_held_messenger_conversation_goes_to_staff_and_staff_messages_reach_the_messenger_user(
    store, fake_graph_api
):
    conversation = f"messenger:{fb.USER}"
    live_id, reference, identity = hand_over(store, conversation, "facebook")
    channel = fb.make_channel(fake_graph_api)
    bot = FakeBot.answering()
    async with serve_channel(channel, bot) as base_url:
        with session_scope(store) as session:
            live_handover.send(session, identity, live_id, "Chào chị, tôi là cán bộ An")
        await wait_until(
            lambda: any("Chào chị, tôi là cán bộ An" in m.get("text", "") for _, m in fb.sent_to(fake_graph_api))
        )
        assert {recipient for recipient, _ in fb.sent_to(fake_graph_api)} == {fb.USER}
        await fb.post(base_url, fb.webhook_body([fb.text_event("hồ sơ của tôi đến đâu rồi", "m_1")]))
        assert bot.texts == []
        assert citizen_messages(store, conversation) == ["hồ sơ của tôi đến đâu rồi"]


async def test_two_replicas_send_a_web_message_once_from_the_one_holding_the_socket(store):
    conversation = "web:" + "a" * 32
    live_id, reference, identity = hand_over(store, conversation, "socketio")
    with session_scope(store) as session:
        live_handover.send(session, identity, live_id, "Tin của cán bộ")
    received: dict[str, list[str]] = {"replica-1": [], "replica-2": []}

    def replica(name: str, holds_socket: bool) -> live.DeliveryLoop:
        loop = live.DeliveryLoop(name)

        async def push(conversation_id: str, text: str) -> None:
            received[name].append(text)

        loop.register("web", live.Deliverer(lambda _c: holds_socket, push))
        return loop

    first, second = replica("replica-1", False), replica("replica-2", True)
    await asyncio.gather(first.round(), second.round(), first.round(), second.round())
    assert received["replica-1"] == []
    assert received["replica-2"] == [
        wording.LIVE_STAFF_JOINED.format(name="Cán bộ An", reference=reference),
        wording.LIVE_STAFF_MESSAGE.format(name="Cán bộ An", text="Tin của cán bộ"),
    ]
    with session_scope(store) as session:
        assert live_handover.pending_deliveries(session, datetime.now(timezone.utc)) == []


async def test_a_failing_send_is_retried_and_later_messages_wait_for_it(store):
    conversation = "zalo:77"
    live_id, _, identity = hand_over(store, conversation, "zalo")
    with session_scope(store) as session:
        live_handover.send(session, identity, live_id, "tin thứ hai")
    sent: list[str] = []
    failures = [True]

    async def push(conversation_id: str, text: str) -> None:
        if failures and failures.pop():
            raise ConnectionError("platform down")
        sent.append(text)

    loop = live.DeliveryLoop("replica-1")
    loop.register("zalo", live.Deliverer(lambda _c: True, push))
    assert await loop.round() == 0  # the first failed: the second waits, to keep the order
    assert await loop.round() == 2
    assert [text.split(":")[-1].strip() for text in sent][-1] == "tin thứ hai"


def test_the_hold_check_lets_the_bot_answer_when_the_store_is_down(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(live, "_check_failed_at", [0.0])
    assert live.held_by_staff("zalo:1", "xin chào") is False
    assert live._check_failed_at[0] > 0  # and the store is left alone for a while


async def test_a_complaint_answer_stored_to_deliver_reaches_the_messenger_user(store, fake_graph_api):
    with session_scope(store) as session:
        reference = save_complaint(session, "khiếu nại: một cửa trả hồ sơ chậm", f"messenger:{fb.USER}", "facebook")
    identity = signed_in(store, "xa.an")
    with session_scope(store) as session:
        [item] = staff.queue(session, identity)["items"]
        staff.take(session, identity, item["key"])
        staff.answer(session, identity, item["key"], "Hồ sơ của chị đã được trả ngày 5/12.")
    channel = fb.make_channel(fake_graph_api)
    async with serve_channel(channel, FakeBot.answering()):
        await wait_until(
            lambda: any("Hồ sơ của chị đã được trả" in m.get("text", "") for _, m in fb.sent_to(fake_graph_api))
        )
        assert any(reference in m.get("text", "") for _, m in fb.sent_to(fake_graph_api))
        await wait_until(lambda: staff_answer_delivery(store, identity) == "delivered")


def staff_answer_delivery(url: str, identity: staff.Identity) -> str:
    with session_scope(url) as session:
        return staff.queue(session, identity)["items"][0]["answer_delivery"]


async def test_a_held_message_skips_the_bot_and_tells_the_channel_no_reply_is_coming(store):
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from bot.channels.turns import run_turn

    hand_over(store, "web:held-1", "socketio")
    told: list[str] = []
    answered: list[str] = []

    async def bot(message) -> None:
        answered.append(message.text)

    async def held() -> None:
        told.append("held")

    output = CollectingOutputChannel()
    assert await run_turn(bot, UserMessage("chị ơi", output, "web:held-1"), on_held=held) is None
    assert told == ["held"] and answered == [] and output.messages == []
    assert citizen_messages(store, "web:held-1") == ["chị ơi"]
    await run_turn(bot, UserMessage("xin chào", output, "web:free-2"), on_held=held)
    assert told == ["held"] and answered == ["xin chào"]  # not held: the bot answers, nothing told


@pytest.mark.parametrize("platform", ["zalo", "messenger"])
async def test_a_staff_message_the_platform_refuses_is_kept_and_sent_again(
    platform, store, fake_zalo_api, fake_graph_api, tmp_path
):
    """The bot's own replies are logged and dropped when refused; a staff message is retried, not lost."""
    if platform == "zalo":
        conversation, channel_name = f"zalo:{zalo.USER}", "zalo"
        channel = zalo.ZaloInput.from_credentials(zalo.credentials(fake_zalo_api, str(tmp_path / "tokens.json")))
        fake_zalo_api.script(zalo.SEND_PATH, {"error": -230, "message": "User has not interacted"})

        def texts() -> list[str]:
            return [m["message"].get("text", "") for m in zalo.sent(fake_zalo_api)]
    else:
        conversation, channel_name = f"messenger:{fb.USER}", "facebook"
        channel = fb.make_channel(fake_graph_api)
        fake_graph_api.script(fb.MESSAGES_PATH, (500, {"error": {"code": 2, "message": "temporarily unavailable"}}))

        def texts() -> list[str]:
            return [m.get("text", "") for _, m in fb.sent_to(fake_graph_api)]

    live_id, reference, identity = hand_over(store, conversation, channel_name)
    async with serve_channel(channel, FakeBot.answering()):
        joined = wording.LIVE_STAFF_JOINED.format(name="Cán bộ An", reference=reference)
        await wait_until(lambda: joined in texts())  # refused once, then sent again
        await wait_until(lambda: _delivered(store, joined))
    with session_scope(store) as session:
        message = session.scalars(select(HandoverMessage).where(HandoverMessage.text == joined)).one()
        assert (message.attempts, message.failed) == (1, False)  # one failed attempt counted, then sent
    assert texts().count(joined) == 2  # the refused request, then the one that went through


def _delivered(url: str, text: str) -> bool:
    with session_scope(url) as session:
        return session.scalar(select(HandoverMessage.delivered_at).where(HandoverMessage.text == text)) is not None
