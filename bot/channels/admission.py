"""How many turns one Rasa process works on at once; the others wait their turn, in order.

Rasa starts every incoming message at once. A process that has more messages
than its core can serve then interleaves all of them: each turn waits behind
every other turn at each of its steps (tracker store, action server), so turns
finish late and in no particular order. Admitting a few at a time (enough to
keep the core busy while one waits for the action server or the database) and
queueing the rest first come, first served gives the same throughput with a
far shorter tail: with the bench's 20 citizens typing back to back on one
process of this 2-core machine, p95 275 -> 227 ms at the same 112 turns/s
(2 and 3 gave similar tails, 8 a longer one; 1 lost throughput: 103 turns/s).

``MAX_CONCURRENT_TURNS`` (default 4, per process) sets the number; 0 turns the
limit off. Every channel wraps Rasa's ``on_new_message`` with
:func:`admitted_turns`. A waiting turn holds no conversation lock (Rasa takes
it inside the turn), so the queue cannot deadlock.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any, Awaitable, Callable, Deque, Optional
from weakref import WeakKeyDictionary

from rasa.core.channels.channel import UserMessage

from core.settings import DEFAULT_MAX_CONCURRENT_TURNS as DEFAULT_MAX_CONCURRENT_TURNS  # re-exported
from core.settings import Settings


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def max_concurrent_turns(environ: Optional[dict] = None) -> int:
    """``MAX_CONCURRENT_TURNS`` as a number (0: no limit); a clear error when it is not one."""
    return Settings(environ).max_concurrent_turns


class _Queue:
    """Slots and waiters of one event loop. A freed slot is handed to the first waiter,
    so a newcomer cannot overtake the queue (asyncio's semaphore lets it, in Python 3.10)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.running = 0
        self.waiting: Deque[asyncio.Future] = deque()

    async def enter(self) -> None:
        if self.running < self.limit and not self.waiting:
            self.running += 1
            return
        handed_over = asyncio.get_running_loop().create_future()
        self.waiting.append(handed_over)
        try:
            await handed_over
        except asyncio.CancelledError:
            if handed_over.done() and not handed_over.cancelled():
                self.leave()  # the slot arrived just as the turn was cancelled: pass it on
            elif handed_over in self.waiting:
                self.waiting.remove(handed_over)
            raise

    def leave(self) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot goes on: `running` stays the same
                return
        self.running -= 1


class TurnAdmission:
    """At most ``limit`` turns in progress; the others start in the order they came."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        # One queue per event loop (the server has one; tests start several).
        self._queues: "WeakKeyDictionary[asyncio.AbstractEventLoop, _Queue]" = WeakKeyDictionary()

    def _queue(self) -> _Queue:
        loop = asyncio.get_running_loop()
        queue = self._queues.get(loop)
        if queue is None:
            queue = self._queues[loop] = _Queue(self.limit)
        return queue

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        if not self.limit:
            return on_new_message

        async def admitted(message: UserMessage) -> Any:
            queue = self._queue()
            await queue.enter()
            try:
                return await on_new_message(message)
            finally:
                queue.leave()

        return admitted


_process_admission: Optional[TurnAdmission] = None


def admitted_turns(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` behind this process's admission queue, shared by all channels."""
    global _process_admission
    if _process_admission is None:
        _process_admission = TurnAdmission(max_concurrent_turns())
    return _process_admission.wrap(on_new_message)
