"""Input channels for the Rasa server: REST, socket.io, Facebook Messenger, Zalo OA.

Enabled through credentials.yml; see README.md in this folder. This module
holds the few things all channels share, among them the rate and size limits
applied before the bot sees a message (``bot/rate_limit.py``).

Every channel uses the same shared core (re-exported here):

- ``conversation_id(channel, user_id)`` / ``platform_user_id(conversation_id)``
  (``conversations.py``): sender ids namespaced by channel (``"zalo:123"``); a
  blank or over-long user id raises ``InvalidSender``;
- ``public_text(text)`` / ``lookup_text(text)`` (``commands.py``): no Rasa
  commands or forged payloads typed by citizens; what the lookup limit counts.
  ``apply_limits`` and ``text_for_bot`` below apply both;
- ``run_turn(on_new_message, message, agent, reply_timeout)`` (``turns.py``):
  the one fault path, a polite reply instead of silence.
"""

import logging
from dataclasses import dataclass
from typing import Any, List, Optional, Text, Tuple

from bot.channels.commands import lookup_text, public_text
from bot.channels.conversations import (
    MAX_SENDER_ID_CHARS,
    MESSENGER,
    REST,
    WEB,
    ZALO,
    InvalidSender,
    channel_of,
    conversation_id,
    platform_user_id,
)
from bot.channels.turns import DEFAULT_REPLY_TIMEOUT, agent_of, fault_reply, run_turn
from bot.rate_limit import ChannelGuard
from core.wording import MESSAGE_TOO_LONG_NOTE, UNSUPPORTED_MEDIA_REPLY

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_CHARS = 2000


def truncate(text: Text, limit: int) -> Text:
    """Cuts `text` to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: Text, limit: int) -> List[Text]:
    """Splits `text` into pieces of at most `limit` characters, at a line break
    or a space when possible, so that long answers are not rejected."""
    pieces: List[Text] = []
    rest = (text or "").strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def cut(text: Text, limit: int) -> Text:
    """The first ``limit`` characters, ending at a space when one is near the end."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space].rstrip() if space > 0 and space >= limit - 50 else head


def too_long_note(limit: int) -> Text:
    return MESSAGE_TOO_LONG_NOTE.format(limit=f"{limit:,}".replace(",", "."))


def readable_text(text: Text, max_chars: int) -> Tuple[Text, bool]:
    """(what the bot may read of a citizen's ``text``, whether it was cut).

    Cut to ``max_chars``, then :func:`public_text` (no Rasa commands, no forged payloads).
    """
    text = "" if text is None else str(text)
    was_cut = len(text) > max_chars
    return public_text(cut(text, max_chars) if was_cut else text), was_cut


def client_address(guard: ChannelGuard, request: Any) -> Tuple[Text, bool]:
    """(address, forwarded): the client's address of a Sanic request as the rate limits see it."""
    forwarded_for = request.headers.get("x-forwarded-for")
    real_ip = request.headers.get("x-real-ip")
    return guard.client_ip(request.ip or "", forwarded_for, real_ip), bool(forwarded_for or real_ip)


async def apply_limits(
    guard: ChannelGuard,
    output: Any,
    sender_id: Text,
    text: Text,
    max_chars: int,
    ip: Optional[Text] = None,
    forwarded: bool = False,
) -> Optional[Text]:
    """What the bot may read of ``text``, or None when a rate limit refused it.

    For channels that answer through an output channel (socket.io, Zalo, Messenger):
    a refused citizen gets the polite "slow down" reply instead of the bot; a cut
    message is preceded by a note saying so. ``ip`` is None where the platform's
    servers, not the citizen, are the HTTP peer. ``sender_id`` is the conversation id
    (:func:`conversation_id`); replies are addressed to it, as Rasa's are.

    The text is cut and passed through :func:`public_text` first, and the lookup limit
    searches :func:`lookup_text` of the result: it counts the code the bot will read,
    even one written with JSON escapes.
    """
    text, was_cut = readable_text(text, max_chars)
    refusal = guard.check(sender_id, ip, lookup_text(text), forwarded=forwarded)
    if refusal is not None:
        logger.info("%s message refused by the %s rate limit", output.name(), refusal.reason)
        await output.send_text_message(sender_id, refusal.reply())
        return None
    if was_cut:
        await output.send_text_message(sender_id, too_long_note(max_chars))
    return text


# Kinds of messaging-platform events (Zalo, Messenger) that reach the bot or get an answer.
TEXT = "text"
PAYLOAD = "payload"  # a tapped button or quick reply
MEDIA = "media"


@dataclass(frozen=True)
class IncomingEvent:
    sender_id: Text
    kind: Text
    text: Optional[Text] = None
    message_id: Optional[Text] = None


async def text_for_bot(
    incoming: IncomingEvent, output: Any, guard: ChannelGuard, max_chars: int, numbered_options: Any
) -> Optional[Text]:
    """What a messaging platform's event hands to the bot, or None when it is answered here.

    Media get the text-only reply; text passes the rate and size limits (with no
    client address: the platform's servers are the HTTP peer); a typed number
    picks one of the options offered before, while a tapped button forgets them.
    """
    sender_id = incoming.sender_id
    if incoming.kind == MEDIA:
        await output.send_text_message(sender_id, UNSUPPORTED_MEDIA_REPLY)
        return None
    # Text and payload events always carry their text; only media have none.
    text = await apply_limits(guard, output, sender_id, incoming.text or "", max_chars)
    if text is None:
        return None
    if incoming.kind == TEXT:
        return numbered_options.resolve(sender_id, text) or text
    numbered_options.forget(sender_id)
    return text
