"""The turn admission queue (bot/channels/admission.py): a few turns at a time, the rest in order."""

from __future__ import annotations

import asyncio
from typing import Dict, List

import aiohttp
import pytest

from bot.channels import admission
from bot.channels.admission import TurnAdmission, max_concurrent_turns
from bot.channels.rest import RestInput
from bot.rate_limit import ChannelGuard
from tests.unit.bot.channels.helpers import FakeBot, serve_channel


class Turns:
    """A bot whose turns each wait until the test lets them finish."""

    def __init__(self) -> None:
        self.started: List[str] = []
        self.running = 0
        self.most_at_once = 0
        self.finish: Dict[str, asyncio.Event] = {}

    async def __call__(self, message) -> str:
        self.started.append(message)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await self.finish.setdefault(message, asyncio.Event()).wait()
            if message.startswith("fail"):
                raise RuntimeError("turn failed")
            return message
        finally:
            self.running -= 1

    def let_finish(self, message: str) -> None:
        self.finish.setdefault(message, asyncio.Event()).set()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_at_most_the_limit_runs_and_the_others_start_in_arrival_order():
    async def scenario():
        turns = Turns()
        admitted = TurnAdmission(2).wrap(turns)
        tasks = [asyncio.create_task(admitted(f"m{i}")) for i in range(6)]
        await settle()
        assert turns.started == ["m0", "m1"]
        for i in (1, 0, 2, 3, 4, 5):  # finishing out of order does not reorder the queue
            turns.let_finish(f"m{i}")
            await settle()
        assert await asyncio.gather(*tasks) == [f"m{i}" for i in range(6)]
        assert turns.started == [f"m{i}" for i in range(6)] and turns.most_at_once == 2

    asyncio.run(scenario())


def test_a_newcomer_does_not_overtake_a_waiting_turn():
    async def scenario():
        turns = Turns()
        admitted = TurnAdmission(1).wrap(turns)

        async def first_then_newcomer():
            await admitted("first")
            # The slot was just freed and "waiting" has not run yet: a turn arriving now
            # must queue behind it.
            return await admitted("newcomer")

        chain = asyncio.create_task(first_then_newcomer())
        await settle()
        waiting = asyncio.create_task(admitted("waiting"))
        await settle()
        turns.let_finish("first")
        await settle()
        assert turns.started == ["first", "waiting"]
        turns.let_finish("waiting"), turns.let_finish("newcomer")
        await asyncio.gather(waiting, chain)
        assert turns.started == ["first", "waiting", "newcomer"] and turns.most_at_once == 1

    asyncio.run(scenario())


def test_failed_and_cancelled_turns_give_their_place_back():
    async def scenario():
        turns = Turns()
        limit = TurnAdmission(1)
        admitted = limit.wrap(turns)
        failing = asyncio.create_task(admitted("fail"))
        given_up = asyncio.create_task(admitted("given up"))
        last = asyncio.create_task(admitted("last"))
        await settle()
        given_up.cancel()  # e.g. the server shuts the request down while it waits
        turns.let_finish("fail")
        with pytest.raises(RuntimeError):
            await failing
        turns.let_finish("last")
        assert await last == "last"
        assert given_up.cancelled() and turns.started == ["fail", "last"]
        queue = limit._queue()
        assert queue.running == 0 and not queue.waiting

    asyncio.run(scenario())


def test_no_limit_passes_messages_straight_through():
    turns = Turns()
    assert TurnAdmission(0).wrap(turns) is turns


@pytest.mark.parametrize("raw,expected", [("", 4), ("8", 8), (" 1 ", 1), ("0", 0)])
def test_the_limit_comes_from_the_environment(raw, expected):
    assert max_concurrent_turns({"MAX_CONCURRENT_TURNS": raw}) == expected


@pytest.mark.parametrize("raw", ["four", "-1", "2.5"])
def test_a_wrong_limit_is_a_clear_error(raw):
    with pytest.raises(ValueError, match="MAX_CONCURRENT_TURNS"):
        max_concurrent_turns({"MAX_CONCURRENT_TURNS": raw})


def test_the_rest_channel_queues_turns_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(admission, "_process_admission", TurnAdmission(1))
    state = {"running": 0, "most": 0}

    async def answer(message):
        state["running"] += 1
        state["most"] = max(state["most"], state["running"])
        await asyncio.sleep(0.05)
        state["running"] -= 1
        await message.output_channel.send_text_message(message.sender_id, f"Dạ, {message.text}")

    async def scenario():
        channel = RestInput(guard=ChannelGuard(None, None, None))
        async with serve_channel(channel, FakeBot(answer)) as base:
            async with aiohttp.ClientSession() as http:

                async def say(i):
                    async with http.post(
                        f"{base}/webhooks/rest/webhook", json={"sender": f"citizen-{i}", "message": f"câu {i}"}
                    ) as reply:
                        return await reply.json()

                return await asyncio.gather(*(say(i) for i in range(4)))

    replies = asyncio.run(scenario())
    assert [reply[0]["text"] for reply in replies] == [f"Dạ, câu {i}" for i in range(4)]
    assert state["most"] == 1
