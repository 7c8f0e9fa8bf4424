"""The REST channel's answers when the turn fails, hangs, or says nothing (bot/channels/rest.py)."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from bot.channels.rest import RestInput, cut
from bot.rate_limit import ChannelGuard
from bot.tracker_store import _record_error


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
    return asyncio.run(channel.handle(request, on_new_message, "xin chào", "s1", "rest", None))


def test_the_bots_replies_pass_through():
    async def bot(message):
        await message.output_channel.send_text_message(message.sender_id, "Dạ, xin chào!")

    assert run(bot) == [{"recipient_id": "s1", "text": "Dạ, xin chào!"}]


@pytest.mark.parametrize("failure", [ConnectionError("lock store"), RuntimeError("rasa")])
def test_an_error_becomes_a_polite_answer_with_the_hotline(failure):
    async def bot(_message):
        raise failure

    [reply] = run(bot)
    assert "sự cố" in reply["text"] and "1800 1096" in reply["text"]


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
        replies = await channel.handle(request, slow, "x", "s1", "rest", None)
        await asyncio.sleep(0.5)
        return replies

    [reply] = asyncio.run(scenario())
    assert "bận" in reply["text"] and finished == [True]


def test_cut_keeps_whole_words():
    assert cut("abc " * 10, 10) == "abc abc"
    assert cut("x" * 30, 10) == "x" * 10
    assert cut("short", 10) == "short"
