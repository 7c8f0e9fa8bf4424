"""What the platform webhooks (Messenger, Zalo) share before an event reaches the bot.

- the raw body is read up to a cap (``max_body_bytes`` in the channel's
  credentials.yml section) and no further, so an unsigned stranger cannot make
  the server hold megabytes: over the cap, **413** before any signature work;
- JSON is decoded only from a signed body, and a body nested too deeply for
  Python's decoder is "not JSON" (a ``RecursionError`` is no 500);
- a signed body whose shape is not what the platform documents is answered
  **200** all the same (the platform sent it: a 4xx or 5xx would make it retry
  forever), each event is handled on its own, and a malformed one is skipped
  with a log line naming only the kind of fault, never the event's content.
"""

import json
import logging
from typing import Any, Dict, Optional, Text

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

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
    request.stream.request_max_size = max_bytes
    chunks = []
    size = 0
    while True:
        chunk = await request.stream.read()
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
