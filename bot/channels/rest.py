"""Rasa's REST channel with abuse limits and a polite answer when something fails.

``bot/credentials.yml`` (replaces ``rest:``; same URL ``/webhooks/rest/webhook``)::

    bot.channels.rest.RestInput:
      # all optional:
      max_message_chars: 2000     # longer messages are cut, with a note in the reply
      reply_timeout: 20           # seconds before the citizen is told to try again

Before the bot sees a message:

- rate limits per sender, per client address and for dossier lookups
  (``bot/rate_limit.py``): over the limit, the citizen gets a polite "please slow
  down" and the bot is not called (HTTP 200 with ``Retry-After``, so every client
  shows the text);
- a message longer than ``max_message_chars`` is cut (at a space when possible)
  and the reply starts with a note saying so;
- a body without ``sender`` or a text ``message`` is refused with HTTP 400.

After: the citizen never gets silence or an error page when the assistant is in
trouble. A failure (tracker database down, Rasa error), no reply at all while the
conversation is not handed over to staff (action server down: Rasa logs the error
and says nothing), or no reply within ``reply_timeout`` (the turn goes on in the
background and is saved) are all answered with a "please try again / hotline"
message in Vietnamese.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import rasa.utils.endpoints
from bot.channels import DEFAULT_MAX_MESSAGE_CHARS, client_address, cut, too_long_note
from bot.channels.admission import admitted_turns
from bot.rate_limit import SERVICE_BUSY_REPLY, SERVICE_UNAVAILABLE_REPLY, ChannelGuard
from bot.tracker_store import watch_store_errors

logger = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT = 20.0


def hotline() -> str:
    return os.environ.get("SUPPORT_HOTLINE", "1800 1096")


def _log_late_failure(turn: "asyncio.Future") -> None:
    """A turn that outlived reply_timeout and then failed: logged, never "exception not retrieved"."""
    if not turn.cancelled() and turn.exception() is not None:
        logger.debug("REST turn failed: %s", type(turn.exception()).__name__)


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            max_message_chars=int(credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS),
            reply_timeout=float(credentials.get("reply_timeout") or DEFAULT_REPLY_TIMEOUT),
        )

    def __init__(
        self,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
        guard: Optional[ChannelGuard] = None,
    ) -> None:
        self.max_message_chars = max_message_chars
        self.reply_timeout = reply_timeout
        self.guard = guard or ChannelGuard.from_env()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = admitted_turns(on_new_message)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = request.json if isinstance(request.json, dict) else None
            if body is None or body.get("sender") is None or not isinstance(body.get("message"), str):
                return response.json({"error": 'expected {"sender": "...", "message": "..."}'}, status=400)
            sender_id = str(await self._extract_sender(request))
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)

            ip, forwarded = client_address(self.guard, request)
            refusal = self.guard.check(sender_id, ip, text, forwarded=forwarded)
            if refusal is not None:
                logger.info("REST message refused by the %s rate limit", refusal.reason)
                return response.json(
                    [{"recipient_id": sender_id, "text": refusal.reply()}],
                    headers={"Retry-After": str(max(1, int(refusal.retry_after + 0.999))),
                             "X-Rate-Limited": refusal.reason},
                )

            notes: List[Dict[Text, Any]] = []
            if len(text) > self.max_message_chars:
                text = cut(text, self.max_message_chars)
                notes.append({"recipient_id": sender_id, "text": too_long_note(self.max_message_chars)})

            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, text, sender_id, input_channel, metadata),
                    content_type="text/event-stream",
                )

            messages = await self.handle(request, on_new_message, text, sender_id, input_channel, metadata)
            return response.json(notes + messages)

        return webhook

    async def handle(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: Text,
        sender_id: Text,
        input_channel: Text,
        metadata: Optional[Dict[Text, Any]],
    ) -> List[Dict[Text, Any]]:
        """The bot's replies, or a polite fault message instead of silence or an error."""
        collector = CollectingOutputChannel()
        message = UserMessage(text, collector, sender_id, input_channel=input_channel, metadata=metadata)
        with watch_store_errors() as store_errors:
            # Shielded: a timeout or a client that hangs up does not cancel the turn, which
            # then finishes and is saved (the next message waits for it on the lock).
            turn = asyncio.ensure_future(on_new_message(message))
            turn.add_done_callback(_log_late_failure)
            try:
                await asyncio.wait_for(asyncio.shield(turn), timeout=self.reply_timeout)
            except asyncio.TimeoutError:
                logger.warning("REST turn slower than %.0f s: the citizen is asked to try again", self.reply_timeout)
                return [self._reply(sender_id, SERVICE_BUSY_REPLY)]
            except Exception as error:  # lock store, tracker store, Rasa: no traceback to the citizen
                logger.error("REST turn failed: %s", type(error).__name__, exc_info=True)
                return [self._reply(sender_id, SERVICE_UNAVAILABLE_REPLY)]
        if store_errors:
            logger.error("tracker store unavailable during a turn (%s): the citizen is asked to try again",
                         type(store_errors[0]).__name__)
            return [self._reply(sender_id, SERVICE_UNAVAILABLE_REPLY)]
        if not collector.messages and not await self._paused(request, sender_id):
            # Rasa answers nothing when a custom action fails (action server down or broken).
            logger.warning("REST turn produced no reply: the citizen is asked to try again")
            return [self._reply(sender_id, SERVICE_UNAVAILABLE_REPLY)]
        return collector.messages

    @staticmethod
    def _reply(sender_id: Text, template: str) -> Dict[Text, Any]:
        return {"recipient_id": sender_id, "text": template.format(hotline=hotline())}

    @staticmethod
    async def _paused(request: Request, sender_id: Text) -> bool:
        """A conversation handed over to staff is silent on purpose."""
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return False
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:
            return False
        return bool(tracker and tracker.is_paused())
