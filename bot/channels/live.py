"""Live hand-over in the channels: held conversations skip Rasa, and staff messages reach the citizen.

Two things, both through ``services/live_handover.py`` (the channels know nothing of the
database):

- :func:`held_by_staff`, called by ``turns.run_turn`` before Rasa sees a message: when a
  staff member holds the conversation, the message is stored for them (their console
  shows it at once) and the assistant does not answer.
- :class:`DeliveryLoop`, one per Rasa process, started with the server by every channel
  that can push a message (socket.io, Zalo, Messenger): every ``LIVE_POLL_SECONDS`` it
  runs the hand-overs' sweep (new hand-overs made live, the "nobody can answer now"
  notices, complaint answers to deliver) and sends the outbox's messages it can send:
  a Zalo or Messenger message from any replica, a web widget message only from the
  replica that holds one of the citizen's sockets (a citizen with no socket open gets it
  when they come back). Each message is claimed by one UPDATE, so with several replicas
  it is sent once; a claim whose replica died is taken over after 30 s.

REST clients cannot be written to: their staff messages wait in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from core.settings import current as settings
from procedures_db.db import connection_scope, session_scope
from services import live_handover

logger = logging.getLogger(__name__)

REPLICA = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:64]


_check_failed_at = [0.0]  # when the store last failed: the check is skipped for a while after
CHECK_RETRY_SECONDS = 5.0


def held_by_staff(conversation_id: Text, text: Optional[Text]) -> bool:
    """True when staff hold the conversation (the message is stored for them); False on any fault.

    Synchronous on purpose (one indexed query): the citizen's messages keep their order, which an
    ``await`` before Rasa's conversation lock would not guarantee. After a failure of the store the
    check is skipped for ``CHECK_RETRY_SECONDS``, so that a database down does not stall every turn.
    """
    if time.monotonic() - _check_failed_at[0] < CHECK_RETRY_SECONDS:
        return False
    try:
        with connection_scope() as connection:  # the common case, nobody holds it: one cheap read
            if not live_handover.is_held(connection, conversation_id):
                return False
        with session_scope() as session:
            return live_handover.citizen_message(session, conversation_id, text or "")
    except Exception as error:  # the store is down: the assistant answers, as before hand-overs were live
        _check_failed_at[0] = time.monotonic()
        logger.error("live hand-over check failed (%s): the assistant answers", type(error).__name__)
        return False


@dataclass(frozen=True)
class Deliverer:
    """How one channel sends a message into a conversation of its namespace."""

    can_deliver: Callable[[Text], bool]  # this replica can reach the conversation now
    send: Callable[[Text, Text], Awaitable[None]]  # (conversation id, text); raises on failure


class DeliveryLoop:
    """Sends staff messages (and notices) from the outbox into the citizens' channels."""

    def __init__(self, replica: Text = REPLICA) -> None:
        self.replica = replica
        self.deliverers: Dict[Text, Deliverer] = {}
        self._task: Optional["asyncio.Task[None]"] = None
        self._failing = False
        self.sent: List[int] = []  # ids of the messages this loop delivered (for tests and logs)

    def register(self, namespace: Text, deliverer: Deliverer) -> None:
        self.deliverers[namespace] = deliverer

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
                if self._failing:
                    logger.info("live hand-over delivery works again")
                self._failing = False
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if not self._failing:
                    logger.error("live hand-over delivery failed (%s): retrying", type(error).__name__)
                self._failing = True
            await asyncio.sleep(settings().live_poll_seconds)

    async def round(self) -> int:
        """One pass: the sweep, then every message this replica can send; returns how many it sent."""
        loop = asyncio.get_running_loop()

        def pending() -> List[live_handover.Delivery]:
            with session_scope() as session:
                live_handover.sweep(session)
            with session_scope() as session:
                return live_handover.pending_deliveries(session)

        deliveries = await loop.run_in_executor(None, pending)
        stuck: set = set()  # conversations whose earlier message failed: keep their order
        count = 0
        for delivery in deliveries:
            namespace = delivery.conversation_id.partition(":")[0]
            deliverer = self.deliverers.get(namespace)
            if deliverer is None or delivery.conversation_id in stuck:
                continue
            if not deliverer.can_deliver(delivery.conversation_id):
                stuck.add(delivery.conversation_id)
                continue
            if not await loop.run_in_executor(None, self._claim, delivery.id):
                stuck.add(delivery.conversation_id)  # another replica sends it (and the ones after it)
                continue
            try:
                await deliverer.send(delivery.conversation_id, delivery.text)
            except Exception as error:
                logger.warning("a live hand-over message could not be sent (%s)", type(error).__name__)
                stuck.add(delivery.conversation_id)
                await loop.run_in_executor(None, self._failed, delivery.id)
                continue
            await loop.run_in_executor(None, self._delivered, delivery.id)
            self.sent.append(delivery.id)
            count += 1
        return count

    def _claim(self, message_id: int) -> bool:
        with session_scope() as session:
            return live_handover.claim_delivery(session, message_id, self.replica)

    def _delivered(self, message_id: int) -> None:
        with session_scope() as session:
            live_handover.delivered(session, message_id)

    def _failed(self, message_id: int) -> None:
        with session_scope() as session:
            live_handover.delivery_failed(session, message_id)


_loops: Dict[int, DeliveryLoop] = {}


def delivery_loop() -> DeliveryLoop:
    """This process's loop (one per process: every channel registers on it)."""
    return _loops.setdefault(os.getpid(), DeliveryLoop())


def register(namespace: Text, deliverer: Deliverer, blueprint: Any) -> DeliveryLoop:
    """``deliverer`` sends into ``namespace``'s conversations; the loop runs while the server does."""
    loop = delivery_loop()
    loop.register(namespace, deliverer)

    @blueprint.listener("after_server_start")
    async def start_delivery(*_: Any) -> None:
        loop.start()

    @blueprint.listener("before_server_stop")
    async def stop_delivery(*_: Any) -> None:
        await loop.stop()

    return loop
