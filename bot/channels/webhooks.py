"""What the platform webhooks (Messenger, Zalo) share before an event reaches the bot.

- the raw body is read up to a cap (``max_body_bytes`` in the channel's
  credentials.yml section) and no further, so an unsigned stranger cannot make
  the server hold megabytes: over the cap, **413** before any signature work;
- JSON is decoded only from a signed body, and a body nested too deeply for
  Python's decoder is "not JSON" (a ``RecursionError`` is no 500);
- a signed body whose shape is not what the platform documents is answered
  **200** all the same (the platform sent it: a 4xx or 5xx would make it retry
  forever), each event is handled on its own, and a malformed one is skipped
  with a log line naming only the kind of fault, never the event's content;
- :class:`PlatformWebhook` is the webhook skeleton both channels run: body cap,
  signature, JSON, each event on its own, re-deliveries dropped, the turn through
  ``run_turn``; each channel keeps its own signature scheme, event parsing and
  Send API.
"""

import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import IncomingEvent, InvalidSender, agent_of, live, run_turn, text_for_bot
from bot.channels.admission import admitted_turns
from bot.channels.numbered_options import NumberedOptions

logger = logging.getLogger(__name__)


class MalformedEvent(ValueError):
    """A signed event without the shape its platform documents; the message names
    the fault only (it is logged)."""


async def read_capped_body(request: Request, max_bytes: int) -> Optional[bytes]:
    """The raw body of a request to a ``stream=True`` route, or None when it is
    longer than `max_bytes`.

    Sanic lifts its server-wide ``REQUEST_MAX_SIZE`` (``bot/server_guard.py``)
    for streaming handlers, so this cap is the one that applies to the webhook
    (also given to Sanic's reader): a busy page's Messenger batch may exceed
    64 KiB, and a 413 would only make Meta send it again.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    if request.body:  # a route without stream=True: Sanic has read it already
        return request.body if len(request.body) <= max_bytes else None
    stream = request.stream
    if stream is None:  # never on Sanic's HTTP/1 server, which sets it on every request
        return request.body
    stream.request_max_size = max_bytes
    chunks: List[bytes] = []
    size = 0
    while True:
        chunk = await stream.read()
        if chunk is None:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)


def too_large(channel: Text, max_bytes: int) -> HTTPResponse:
    logger.warning("Rejected a %s webhook call: body over %d bytes.", channel, max_bytes)
    return response.text("payload too large", status=413)


def load_json(body: bytes) -> Any:
    """The decoded body; ValueError when it is not JSON (also when absurdly nested)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def as_dict(value: Any) -> Dict[Text, Any]:
    """`value` when it is a JSON object, else an empty one: platforms' fields are read
    defensively, a string where an object was expected is simply "absent"."""
    return value if isinstance(value, dict) else {}


def as_text(value: Any) -> Optional[Text]:
    """A platform id or text field: strings and integers are accepted, anything else is absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


def skip_malformed(channel: Text, reason: Text) -> None:
    """Logs a skipped event by the kind of fault only (no ids, no text: personal data)."""
    logger.warning("Skipped a malformed %s event: %s.", channel, reason)


class PlatformOutput(OutputChannel):
    """A messaging platform's output channel: its Send API client, and the numbered
    options offered when buttons do not fit."""

    CHANNEL: Text  # Rasa's name of the channel

    @classmethod
    def name(cls) -> Text:
        return cls.CHANNEL

    def __init__(self, client: Any, numbered_options: NumberedOptions):
        self.client = client
        self.numbered_options = numbered_options


class Unsigned(Exception):
    """A webhook call without a valid signature; the message says why (it is logged)."""


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class WebhookCall:
    """What the turns of one signed webhook call share."""

    on_new_message: OnNewMessage
    metadata: Optional[Dict[Text, Any]]
    agent: Any = None  # the Rasa agent (turns.agent_of), None outside `rasa run`


async def health(request: Request) -> HTTPResponse:
    return response.json({"status": "ok"})


# Platforms re-send events they believe were not received; recent ids are remembered.
SEEN_EVENTS_TTL_SECONDS = 60 * 60


class PlatformWebhook:
    """The webhook skeleton a messaging platform's input channel (Messenger, Zalo) runs.

    POST /webhook: the body is read up to ``max_body_bytes`` (413 beyond), its
    signature checked before anything is decoded (403 without), then each event
    of the signed body is handled on its own: a malformed one is skipped and
    logged, a re-delivered one dropped, the others answered through
    :func:`run_turn` with the platform's output channel. The channel provides
    what is its own: ``PLATFORM`` and ``CONVERSATIONS`` (names for logs and
    shared state), ``signed`` (signature scheme), ``events`` and ``parse_event``
    (its payload), ``dispatch`` (at once or in the background), ``acknowledge``
    (the answer the platform expects), ``get_output_channel`` (its Send API), and
    the ``max_body_bytes``, ``max_message_chars``, ``guard``, ``state`` and
    ``numbered_options`` it was configured with.
    """

    PLATFORM: Text  # in log lines: "Messenger", "Zalo"
    CONVERSATIONS: Text  # the conversation-id namespace (conversations.py), also of the shared state
    max_body_bytes: int
    max_message_chars: int
    guard: Any
    state: Any
    numbered_options: Any

    name: Callable[[], Text]
    get_metadata: Callable[[Request], Optional[Dict[Text, Any]]]
    get_output_channel: Callable[[], OutputChannel]

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        admitted = admitted_turns(on_new_message)
        webhook = Blueprint(f"bot_{self.name()}_webhook", __name__)
        webhook.add_route(health, "/", methods=["GET"])

        # Streamed: the body is read up to max_body_bytes and no further.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request, admitted)

        self.add_routes(webhook)
        # Staff messages of a live hand-over: any replica may send them through the platform's API.
        live.register(self.CONVERSATIONS, live.Deliverer(lambda _conversation: True, self.push), webhook)
        return webhook

    async def push(self, conversation: Text, text: Text) -> None:
        """A staff message (live hand-over) sent to the platform user of ``conversation``.

        Unlike the bot's replies (logged and dropped when the platform refuses them), a refusal
        raises: the outbox then keeps the message and retries it instead of marking it delivered.
        """
        raise NotImplementedError

    def add_routes(self, webhook: Blueprint) -> None:
        """The channel's own routes and listeners, beside the health check and POST /webhook."""

    async def receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        body = await read_capped_body(request, self.max_body_bytes)
        if body is None:
            return too_large(self.PLATFORM, self.max_body_bytes)
        try:
            signed = self.signed(request, body)
        except Unsigned as refusal:
            logger.warning("Rejected a %s webhook call: %s.", self.PLATFORM, refusal)
            return response.text("invalid signature", status=403)
        # Signed by the platform: whatever is wrong below is answered as received,
        # or the platform would send it again and again.
        try:
            payload = load_json(body)
        except ValueError:
            skip_malformed(self.PLATFORM, "the body is not JSON")
            return self.acknowledge()
        call = WebhookCall(on_new_message, self.get_metadata(request), agent_of(request))
        # Each event on its own: a malformed one does not drop the others.
        for event in self.events(payload, signed):
            try:
                await self.handle_event(event, call)
            except (MalformedEvent, InvalidSender) as error:
                skip_malformed(self.PLATFORM, str(error))
            except Exception as error:  # e.g. Redis and memory both failing
                logger.error("A %s event could not be handled: %s", self.PLATFORM, type(error).__name__)
        return self.acknowledge()

    def signed(self, request: Request, body: bytes) -> Any:
        """What the valid signature of the raw `body` vouches for (given to `events`);
        raises Unsigned."""
        raise NotImplementedError

    def events(self, payload: Any, signed: Any) -> Iterable[Any]:
        """The events of a signed, decoded body, each checked on its own by `parse_event`."""
        raise NotImplementedError

    @staticmethod
    def parse_event(event: Any) -> Optional[IncomingEvent]:
        """What to act upon in one event, None to ignore it; raises MalformedEvent."""
        raise NotImplementedError

    def acknowledge(self) -> HTTPResponse:
        """The answer telling the platform that its call was received."""
        raise NotImplementedError

    async def handle_event(self, event: Any, call: WebhookCall) -> None:
        incoming = self.parse_event(event)
        if incoming is None:
            return
        # Atomic across the replicas: a re-delivery reaching another one is dropped too.
        if incoming.message_id and not self.state.add_if_absent(
            f"{self.CONVERSATIONS}:seen", incoming.message_id, SEEN_EVENTS_TTL_SECONDS
        ):
            logger.debug("Ignoring a re-delivered %s event.", self.PLATFORM)
            return
        await self.dispatch(incoming, call)

    async def dispatch(self, incoming: IncomingEvent, call: WebhookCall) -> None:
        """Answers `incoming` (a channel may instead schedule `answer`)."""
        await self.answer(incoming, call)

    async def answer(self, incoming: IncomingEvent, call: WebhookCall) -> None:
        """Runs the turn of one event, unless the limits or numbered options answer it here."""
        out_channel = self.get_output_channel()
        sender_id = incoming.sender_id
        text = await text_for_bot(incoming, out_channel, self.guard, self.max_message_chars, self.numbered_options)
        if text is None:
            return
        async with self.typing(out_channel, sender_id):
            # A failed turn (action server down...) gets the polite fault reply.
            await run_turn(
                call.on_new_message,
                UserMessage(
                    text,
                    out_channel,
                    sender_id,
                    input_channel=self.name(),
                    message_id=incoming.message_id,
                    metadata=call.metadata,
                ),
                call.agent,
            )

    @asynccontextmanager
    async def typing(self, out_channel: Any, sender_id: Text) -> AsyncIterator[None]:
        """What the user sees while the bot thinks (Messenger: "typing..."); nothing by default."""
        yield
