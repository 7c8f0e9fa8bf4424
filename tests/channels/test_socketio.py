"""socket.io channel (the web widget), end to end: a real socket.io client talks to
the channel served by Sanic; the rate and size limits apply before the fake bot."""

import asyncio
import uuid
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List

import socketio
from rasa.core.channels.channel import UserMessage

from bot.channels import cut, too_long_note
from bot.channels.socketio import SocketIOInput
from bot.rate_limit import SLOW_DOWN_REPLY
from tests.channels.helpers import FakeBot, serve_channel, wait_until

SLOW_DOWN_START = SLOW_DOWN_REPLY.split("{seconds}")[0]


def make_channel(**credentials: Any) -> SocketIOInput:
    return SocketIOInput.from_credentials(
        {
            "user_message_evt": "user_uttered",
            "bot_message_evt": "bot_uttered",
            "session_persistence": True,
            **credentials,
        }
    )


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(
        message.sender_id, f"đã nhận: {message.text}"
    )


class Widget:
    """What the web widget does: one socket, one session, bot messages collected."""

    def __init__(self, client: socketio.AsyncClient, session_id: str) -> None:
        self.client = client
        self.session_id = session_id
        self.replies: List[Dict[str, Any]] = []

    async def say(self, text: str) -> None:
        """Sends `text` and waits for the next bot message."""
        expected = len(self.replies) + 1
        await self.client.emit(
            "user_uttered", {"message": text, "session_id": self.session_id}
        )
        await wait_until(lambda: len(self.replies) >= expected)

    @property
    def texts(self) -> List[str]:
        return [reply["text"] for reply in self.replies]


@asynccontextmanager
async def widget(base_url: str, **headers: str) -> AsyncIterator[Widget]:
    client = socketio.AsyncClient(reconnection=False)
    session = Widget(client, uuid.uuid4().hex)
    confirmed = asyncio.Event()
    client.on("bot_uttered", session.replies.append)
    client.on("session_confirm", lambda _session_id: confirmed.set())
    # Long-polling: this aiohttp is too old for python-engineio's websocket client.
    await client.connect(base_url, headers=headers, transports=["polling"])
    try:
        await client.emit("session_request", {"session_id": session.session_id})
        await asyncio.wait_for(confirmed.wait(), timeout=5)
        yield session
    finally:
        # Not client.disconnect(): it waits for the pending long poll (up to 25 s).
        await client.eio.disconnect(abort=True)


async def test_messages_beyond_the_sender_limit_get_the_slow_down_reply(rate_limits):
    rate_limits(sender="2/60")
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen, widget(base_url) as other:
            for text in ("một", "hai", "ba"):
                await citizen.say(text)
            await other.say("xin chào")

    assert bot.texts == ["một", "hai", "xin chào"]
    assert citizen.texts[:2] == ["đã nhận: một", "đã nhận: hai"]
    assert citizen.texts[2].startswith(SLOW_DOWN_START)
    assert other.texts == ["đã nhận: xin chào"]


async def test_the_address_limit_counts_the_client_behind_a_trusted_proxy(
    rate_limits,
):
    rate_limits(ip="2/60", trusted_proxies="127.0.0.1")
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url, **{"X-Forwarded-For": "203.0.113.9"}) as first:
            await first.say("một")
        async with widget(base_url, **{"X-Forwarded-For": "203.0.113.9"}) as second:
            await second.say("hai")
            await second.say("ba")
        async with widget(base_url, **{"X-Forwarded-For": "198.51.100.7"}) as other:
            await other.say("bốn")

    assert bot.texts == ["một", "hai", "bốn"]
    assert second.texts[1].startswith(SLOW_DOWN_START)
    assert other.texts == ["đã nhận: bốn"]


async def test_an_over_long_message_is_cut_after_a_note(rate_limits):
    rate_limits()
    text = "làm giấy khai sinh cho con cần những giấy tờ gì ạ " * 3
    bot = FakeBot(echo)
    async with serve_channel(make_channel(max_message_chars=40), bot) as base_url:
        async with widget(base_url) as citizen:
            await citizen.say(text)
            await wait_until(lambda: len(citizen.replies) == 2)

    assert bot.texts == [cut(text, 40)]
    assert citizen.texts == [too_long_note(40), f"đã nhận: {cut(text, 40)}"]
