"""The REST channel's answers when the turn fails, hangs, or says nothing (bot/channels/rest.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from core.settings import current as settings  # the hotline citizens are given (SUPPORT_HOTLINE)
from bot.channels.rest import RestInput, cut
from bot.rate_limit import ChannelGuard
from bot.stores.tracker_store import _record_error


class Agent:
    def __init__(self, paused: bool = False):
        self.paused = paused
        self.tracker_store = self

    def is_ready(self) -> bool:
        return True

    async def retrieve(self, _sender):
        return SimpleNamespace(is_paused=lambda: self.paused)


def run(on_new_message, paused: bool = False, timeout: float = 5.0):
    channel = RestInput(reply_timeout=timeout, guard=ChannelGuard(None, None, None))
    request = SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=Agent(paused))))
    return asyncio.run(channel.handle(request, on_new_message, "xin chào", "s1"))


def test_the_bots_replies_pass_through():
    async def bot(message):
        await message.output_channel.send_text_message(message.sender_id, "Dạ, xin chào!")

    assert run(bot) == [{"recipient_id": "s1", "text": "Dạ, xin chào!"}]


@pytest.mark.parametrize("failure", [ConnectionError("lock store"), RuntimeError("rasa")])
def test_an_error_becomes_a_polite_answer_with_the_hotline(failure):
    async def bot(_message):
        raise failure

    [reply] = run(bot)
    assert "sự cố" in reply["text"] and settings().support_hotline in reply["text"]


def test_silence_becomes_a_polite_answer_unless_staff_took_over():
    async def silent(_message):
        return None

    assert "sự cố" in run(silent)[0]["text"]  # e.g. the action server is down
    assert run(silent, paused=True) == []  # handed over: staff answer


def test_a_tracker_store_error_replaces_an_answer_given_without_the_conversation():
    async def bot(message):
        _record_error(OSError("database down"))  # what the tracker store does, swallowed by Rasa
        await message.output_channel.send_text_message(message.sender_id, "an answer without context")

    assert "sự cố" in run(bot)[0]["text"]


def test_a_slow_turn_gets_a_busy_answer_and_still_completes():
    finished = []

    async def slow(message):
        await asyncio.sleep(0.3)
        finished.append(True)

    async def scenario():
        channel = RestInput(reply_timeout=0.05, guard=ChannelGuard(None, None, None))
        request = SimpleNamespace(app=SimpleNamespace(ctx=SimpleNamespace(agent=Agent())))
        replies = await channel.handle(request, slow, "x", "s1")
        await asyncio.sleep(0.5)
        return replies

    [reply] = asyncio.run(scenario())
    assert "bận" in reply["text"] and finished == [True]


def test_cut_keeps_whole_words():
    assert cut("abc " * 10, 10) == "abc abc"
    assert cut("x" * 30, 10) == "x" * 10
    assert cut("short", 10) == "short"


# What a REST client cannot choose (issue 19: findings 2(c), 4, 8, 12) ------------------------------

import aiohttp  # noqa: E402

from bot.channels.conversations import MAX_SENDER_ID_CHARS  # noqa: E402
from bot.rate_limit import Rate  # noqa: E402
from tests.unit.bot.channels.helpers import FakeBot, serve_channel  # noqa: E402

ESCAPED_CODE = "000.00.12.H48-251015-0009".replace(".", "\\u002e")


async def _answer(message):
    await message.output_channel.send_text_message(message.sender_id, f"Dạ, {message.text}")


def post_all(bodies, guard=None, bot=None, headers=None):
    """Posts each body (a dict, or raw bytes) to a served REST channel: [(status, json, headers)], bot."""
    bot = bot or FakeBot(_answer)

    async def scenario():
        channel = RestInput(guard=guard or ChannelGuard(None, None, None))
        results = []
        async with serve_channel(channel, bot) as base:
            async with aiohttp.ClientSession() as http:
                for body in bodies:
                    kwargs = {"data": body} if isinstance(body, bytes) else {"json": body}
                    async with http.post(f"{base}/webhooks/rest/webhook", headers=headers, **kwargs) as reply:
                        results.append((reply.status, await reply.json(), dict(reply.headers)))
        return results

    return asyncio.run(scenario()), bot


def test_the_sender_names_a_rest_conversation_and_the_clients_channel_is_ignored():
    [(status, replies, _)], bot = post_all(
        [
            {"sender": "123", "message": "xin chào", "input_channel": "zalo"},
        ]
    )
    [message] = bot.messages
    assert status == 200 and message.sender_id == "rest:123" and message.input_channel == "rest"
    assert replies == [{"recipient_id": "123", "text": "Dạ, xin chào"}]  # the client's own id back


def test_a_sender_that_looks_like_another_channels_conversation_stays_in_rest():
    _, bot = post_all([{"sender": "zalo:123", "message": "a"}, {"sender": 123, "message": "b"}])
    assert [message.sender_id for message in bot.messages] == ["rest:zalo:123", "rest:123"]


@pytest.mark.parametrize(
    "sender",
    [
        "",
        "   ",
        "x" * (MAX_SENDER_ID_CHARS + 1),
        "x" * 5_000_000,
        None,
        {"a": 1},
        True,
        "7\n2026-12-07 INFO forged log line",
    ],
    ids=["empty", "blank", "129 chars", "5 MB", "missing", "object", "boolean", "line break"],
)
def test_blank_oversized_or_malformed_senders_are_refused_with_400(sender):
    [(status, body, _)], bot = post_all([{"sender": sender, "message": "xin chào"}])
    assert status == 400 and "error" in body and bot.messages == []


def test_a_sender_of_the_maximum_length_is_served():
    [(status, _, _)], bot = post_all([{"sender": "s" * MAX_SENDER_ID_CHARS, "message": "xin chào"}])
    assert status == 200 and len(bot.messages) == 1


def test_bodies_that_are_not_a_message_are_refused_with_400():
    results, bot = post_all([b"not json", b"[1, 2]", {"sender": "1"}, {"sender": "1", "message": 5}])
    assert [status for status, _, _ in results] == [400] * 4 and bot.messages == []


def test_posted_metadata_is_not_passed_to_the_bot():
    _, bot = post_all([{"sender": "1", "message": "xin chào", "metadata": {"x": "y" * 100_000, "lang": "vi"}}])
    assert not bot.messages[0].metadata  # nothing of it is stored with the user's message


@pytest.mark.parametrize(
    "typed, read",
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        (
            f'/check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}',
            f'check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}',
        ),
        ('/ask_documents{"procedure": "1.001193"}', '/ask_documents{"procedure": "1.001193"}'),  # a button
        ("/check_dossier_status", "/check_dossier_status"),  # a button
    ],
)
def test_typed_commands_reach_the_bot_as_plain_text_and_buttons_as_payloads(typed, read):
    [(status, replies, _)], bot = post_all([{"sender": "1", "message": typed}])
    assert status == 200 and bot.texts == [read] and "sự cố" not in replies[0]["text"]


def test_the_lookup_limit_counts_a_code_written_with_json_escapes():
    guard = ChannelGuard(sender=None, ip=None, lookup=Rate(2, 600), exempt="")
    typed = f'/check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}'
    results, bot = post_all([{"sender": f"s{i}", "message": typed} for i in range(3)], guard=guard)
    assert [headers.get("X-Rate-Limited") for _, _, headers in results] == [None, None, "lookup"]
    assert len(bot.messages) == 2


def test_the_fault_path_is_the_shared_one_over_http():
    async def silent(_message):  # the action server is down: Rasa says nothing
        return None

    [(status, replies, _)], _ = post_all([{"sender": "9", "message": "tra cứu hồ sơ"}], bot=FakeBot(silent))
    assert status == 200 and len(replies) == 1
    assert (
        replies[0]["recipient_id"] == "9"
        and "sự cố" in replies[0]["text"]
        and settings().support_hotline in replies[0]["text"]
    )


def test_streamed_replies_take_the_same_fault_path():
    async def scenario(bot):
        channel = RestInput(guard=ChannelGuard(None, None, None))
        async with serve_channel(channel, FakeBot(bot)) as base:
            async with aiohttp.ClientSession() as http:
                async with http.post(
                    f"{base}/webhooks/rest/webhook?stream=true",
                    json={"sender": "5", "message": "/restart", "input_channel": "x"},
                ) as reply:
                    return reply.status, [json.loads(line) for line in (await reply.text()).splitlines()]

    async def silent(_message):
        return None

    status, lines = asyncio.run(scenario(silent))
    assert status == 200 and len(lines) == 1 and "sự cố" in lines[0]["text"] and lines[0]["recipient_id"] == "5"
    status, lines = asyncio.run(scenario(_answer))
    assert lines == [{"recipient_id": "5", "text": "Dạ, restart"}]
