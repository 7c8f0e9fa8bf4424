"""Rasa's REST channel with abuse limits and a polite answer when something fails.

``bot/credentials.yml`` (replaces ``rest:``; same URL ``/webhooks/rest/webhook``)::

    bot.channels.rest.RestInput:
      # all optional:
      max_message_chars: 2000     # longer messages are cut, with a note in the reply
      reply_timeout: 20           # seconds before the citizen is told to try again

The body is ``{"sender": "<id>", "message": "<text>"}``. What the client cannot choose:

- the conversation: ``sender`` names a REST conversation (``rest:<id>``, see
  ``conversations.py``), never another channel's; a blank sender or one longer
  than 128 characters is refused with HTTP 400 (no shared "default" conversation,
  no megabyte ids stored in every event row);
- the channel: a posted ``input_channel`` is ignored, it is always ``rest``;
- metadata: a posted ``metadata`` is dropped (nothing in the bot reads it, and
  10 MB of it were stored three times over);
- Rasa commands: ``/restart``, ``/session_start`` or a payload with entities other
  than a button's are read as plain text (``commands.py``).

Before the bot sees a message:

- rate limits per sender, per client address and for dossier lookups
  (``bot/rate_limit.py``): over the limit, the citizen gets a polite "please slow
  down" and the bot is not called (HTTP 200 with ``Retry-After``, so every client
  shows the text);
- a message longer than ``max_message_chars`` is cut (at a space when possible)
  and the reply starts with a note saying so;
- a body without ``sender`` or a text ``message`` is refused with HTTP 400.

After: the turn runs on the fault path shared by every channel (``turns.py``): a
failure, no reply while the conversation is not handed over to staff, or no reply
within ``reply_timeout`` is answered with a "please try again / hotline" message.
The answer is Rasa's JSON list, ``recipient_id`` being the client's ``sender``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Awaitable, Callable, Coroutine, Dict, List, Optional, Text, Union

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.channels import (
    DEFAULT_MAX_MESSAGE_CHARS,
    DEFAULT_REPLY_TIMEOUT,
    REST,
    InvalidSender,
    agent_of,
    client_address,
    conversation_id,
    cut,  # noqa: F401  (kept importable from here)
    lookup_text,
    readable_text,
    run_turn,
    too_long_note,
)
from bot.channels.admission import admitted_turns
from bot.rate_limit import ChannelGuard

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def _bad_request(error: Text) -> HTTPResponse:
    return response.json({"error": error}, status=400)


def client_sender(body: Any) -> Text:
    """The client's ``sender`` of a REST body as text; ``InvalidSender`` (-> 400) when unusable."""
    sender = body.get("sender") if isinstance(body, dict) else None
    if isinstance(sender, bool) or not isinstance(sender, (str, int)):
        raise InvalidSender('expected {"sender": "...", "message": "..."}')
    return str(sender)


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return REST

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

    def _extract_input_channel(self, request: Request) -> Text:
        return REST  # never the client's word

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None  # dropped: nothing reads it, and it was stored without limit

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        on_new_message = admitted_turns(on_new_message)
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[HTTPResponse, ResponseStream]:
            try:
                body = request.json
            except Exception:  # Sanic raises on a body that is not JSON
                body = None
            if not isinstance(body, dict) or not isinstance(body.get("message"), str):
                return _bad_request('expected {"sender": "...", "message": "..."}')
            try:
                sender = client_sender(body)
                conversation = conversation_id(REST, sender)
            except InvalidSender as error:
                return _bad_request(str(error))
            text, was_cut = readable_text(body["message"], self.max_message_chars)

            ip, forwarded = client_address(self.guard, request)
            refusal = self.guard.check(conversation, ip, lookup_text(text), forwarded=forwarded)
            if refusal is not None:
                logger.info("REST message refused by the %s rate limit", refusal.reason)
                return response.json(
                    [{"recipient_id": sender, "text": refusal.reply()}],
                    headers={
                        "Retry-After": str(max(1, int(refusal.retry_after + 0.999))),
                        "X-Rate-Limited": refusal.reason,
                    },
                )

            notes: List[Dict[Text, Any]] = []
            if was_cut:
                notes.append({"recipient_id": sender, "text": too_long_note(self.max_message_chars)})

            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream(request, on_new_message, text, sender, notes), content_type="text/event-stream"
                )

            return response.json(notes + await self.handle(request, on_new_message, text, sender))

        return webhook

    def _turn(self, text: Text, sender: Text, output: Any) -> UserMessage:
        return UserMessage(text, output, conversation_id(REST, sender), input_channel=REST)

    async def handle(
        self, request: Request, on_new_message: OnNewMessage, text: Text, sender: Text
    ) -> List[Dict[Text, Any]]:
        """The bot's replies to ``sender`` (the client's id), or the polite fault reply instead."""
        collector = CollectingOutputChannel()
        message = self._turn(text, sender, collector)
        fault = await run_turn(on_new_message, message, agent_of(request), self.reply_timeout)
        # On a fault, only its reply: a timed-out turn may still be adding to the collector.
        replies = [{"text": fault}] if fault is not None else collector.messages
        return [{**reply, "recipient_id": sender} for reply in replies]

    def stream(
        self, request: Request, on_new_message: OnNewMessage, text: Text, sender: Text, notes: List[Dict[Text, Any]]
    ) -> Callable[[Any], Coroutine[Any, Any, None]]:
        """``?stream=true``: each reply as one JSON line as soon as it is sent, on the same fault path."""

        async def write(resp: Any) -> None:
            queue: asyncio.Queue = asyncio.Queue()
            for note in notes:
                await queue.put(note)

            async def turn() -> None:
                try:
                    message = self._turn(text, sender, QueueOutputChannel(queue))
                    await run_turn(on_new_message, message, agent_of(request), self.reply_timeout)
                finally:
                    await queue.put(None)

            task = asyncio.ensure_future(turn())
            while (reply := await queue.get()) is not None:
                await resp.write(json.dumps({**reply, "recipient_id": sender}) + "\n")
            await task

        return write
