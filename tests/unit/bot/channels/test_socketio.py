"""socket.io channel (the web widget), end to end: a real socket.io client talks to
the channel served by Sanic; the rate and size limits apply before the fake bot."""

import asyncio
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, List, Optional

import socketio
from rasa.core.channels.channel import UserMessage

from bot.channels import cut, too_long_note
from bot.channels.socketio import SocketIOInput
from bot.channels.web_sessions import SessionTokens
from bot.channels.turns import fault_reply
from core.wording import SERVICE_UNAVAILABLE_REPLY, SLOW_DOWN_REPLY
from tests.unit.bot.channels.helpers import FakeBot, serve_channel, wait_until

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
    await message.output_channel.send_text_message(message.sender_id, f"đã nhận: {message.text}")


class Widget:
    """What the web widget does: one socket, one session, bot messages collected."""

    def __init__(self, client: socketio.AsyncClient) -> None:
        self.client = client
        self.session_id: Optional[str] = None  # the token the server confirmed
        self.replies: List[Dict[str, Any]] = []
        self.confirmed = asyncio.Event()

    def _confirm(self, session_id: str) -> None:
        self.session_id = session_id
        self.confirmed.set()

    async def request_session(self, session_id: Optional[str] = None) -> str:
        """Asks for a session (presenting `session_id` if given); returns the one confirmed."""
        self.confirmed.clear()
        await self.client.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self.confirmed.wait(), timeout=5)
        return self.session_id

    async def send(self, text: str, session_id: Optional[str] = None) -> None:
        """Sends `text` for `session_id` (default: the confirmed session) without waiting."""
        await self.client.emit("user_uttered", {"message": text, "session_id": session_id or self.session_id})

    async def say(self, text: str) -> None:
        """Sends `text` and waits for the next bot message."""
        expected = len(self.replies) + 1
        await self.send(text)
        await wait_until(lambda: len(self.replies) >= expected)

    @property
    def texts(self) -> List[str]:
        return [reply["text"] for reply in self.replies]


@asynccontextmanager
async def widget(
    base_url: str, session_id: Optional[str] = None, request_session: bool = True, **headers: str
) -> AsyncIterator[Widget]:
    """A connected widget; it asks for a session first (presenting `session_id`), as the page does."""
    client = socketio.AsyncClient(reconnection=False)
    session = Widget(client)
    client.on("bot_uttered", session.replies.append)
    client.on("session_confirm", session._confirm)
    # Long-polling: this aiohttp is too old for python-engineio's websocket client.
    await client.connect(base_url, headers=headers, transports=["polling"])
    try:
        if request_session:
            await session.request_session(session_id)
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


# Session hijack (issue 19, finding 7): sessions are issued and checked by the server.


async def test_a_second_client_can_neither_read_nor_post_into_another_session(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen, widget(base_url, request_session=False) as intruder:
            await citizen.say("tra cứu hồ sơ")
            session = citizen.session_id
            session_id = session.partition(".")[0]
            # The intruder knows the session (even its token) and the sender id the bot uses...
            given = [
                await intruder.request_session(known)
                for known in (session_id, f"web:{session_id}", bot.messages[0].sender_id)
            ]
            for known in (session, session_id, f"web:{session_id}"):
                await intruder.send("chèn vào cuộc trò chuyện", session_id=known)
            # ...but nothing it sends reaches the bot, and it gets none of the citizen's replies.
            await citizen.say("số 5678")
            await asyncio.sleep(0.3)

    assert bot.texts == ["tra cứu hồ sơ", "số 5678"]
    assert citizen.texts == ["đã nhận: tra cứu hồ sơ", "đã nhận: số 5678"]
    assert intruder.replies == []
    assert session not in given


async def test_a_reconnecting_client_with_its_token_keeps_its_conversation(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen:
            await citizen.say("một")
            token = citizen.session_id
        async with widget(base_url, session_id=token) as reloaded:
            assert reloaded.session_id == token
            await reloaded.say("hai")

    senders = {message.sender_id for message in bot.messages}
    assert senders == {f"web:{token.partition('.')[0]}"}
    assert reloaded.texts == ["đã nhận: hai"]


async def test_a_forged_or_foreign_token_gets_a_new_session(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen:
            token = citizen.session_id
            await citizen.say("một")
        session_id, _, signature = token.partition(".")
        forged = f"{session_id}.{signature[::-1]}"
        other_key = SessionTokens(b"another server's key, not ours").issue()
        for presented in (forged, other_key, session_id, "x" * 5000, 12345):
            async with widget(base_url, session_id=presented) as stranger:
                assert stranger.session_id != presented
                assert stranger.session_id.partition(".")[0] != session_id
                await stranger.send("tôi là người khác", session_id=token)
                await stranger.say("xin chào")

    assert bot.texts == ["một"] + ["xin chào"] * 5
    assert len({message.sender_id for message in bot.messages}) == 6


async def test_a_message_before_any_session_request_is_refused(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen, widget(base_url, request_session=False) as early:
            await early.send("chưa có phiên", session_id=citizen.session_id)
            await citizen.say("xin chào")
            await asyncio.sleep(0.3)

    assert bot.texts == ["xin chào"]
    assert early.replies == []


def test_tokens_survive_a_restart_and_are_tied_to_the_key(monkeypatch):
    monkeypatch.delenv("WEB_SESSION_KEY", raising=False)
    monkeypatch.setenv("PHONE_HASH_KEY", "the-phone-hash-key-of-this-site")
    token = SessionTokens.from_env().issue()
    assert SessionTokens.from_env().session_of(token) == token.partition(".")[0]
    monkeypatch.setenv("WEB_SESSION_KEY", "a-separate-web-session-key")
    assert SessionTokens.from_env().session_of(token) is None
    monkeypatch.setenv("PHONE_HASH_KEY", "another-phone-hash-key-entirely")
    monkeypatch.delenv("WEB_SESSION_KEY")
    assert SessionTokens.from_env().session_of(token) is None


async def test_typed_rasa_commands_are_read_as_plain_text(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen:
            await citizen.say("/restart")
            await citizen.say('/check_dossier_status{"dossier_code": "000.00.12.H48-251105-0012"}')
            await citizen.say("/greet")  # what the page sends first: a domain intent, kept

    assert bot.texts[0] == "restart"
    assert not bot.texts[1].startswith("/")
    assert bot.texts[2] == "/greet"


async def test_a_failed_turn_gets_the_polite_fault_reply_not_silence(rate_limits):
    rate_limits()

    async def broken(message: UserMessage) -> None:
        raise ConnectionError("action server down")

    bot = FakeBot(broken)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen:
            await citizen.say("tra cứu hồ sơ")

    assert citizen.texts == [fault_reply(SERVICE_UNAVAILABLE_REPLY)]


async def test_the_widgets_metadata_is_not_handed_to_the_bot(rate_limits):
    rate_limits()
    bot = FakeBot(echo)
    async with serve_channel(make_channel(), bot) as base_url:
        async with widget(base_url) as citizen:
            await citizen.client.emit(
                "user_uttered",
                {
                    "message": "xin chào",
                    "session_id": citizen.session_id,
                    "customData": {"language": "vi", "padding": "x" * 100_000},
                },
            )
            await wait_until(lambda: citizen.replies)

    assert bot.texts == ["xin chào"]
    assert not bot.messages[0].metadata
