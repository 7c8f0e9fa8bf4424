"""Conversation ids: every channel's user ids live in their own namespace.

Rasa keys a conversation (tracker, lock, slots such as the dossier-lookup
strikes) by its sender id alone. Taken raw from the channels, a REST client
that posted with a Zalo user's id as ``sender`` wrote into that citizen's
conversation. Every channel therefore builds its sender id with
:func:`conversation_id` (``"zalo:123"``, ``"messenger:456"``, ``"web:<session>"``,
``"rest:<id>"``), and an output channel that must address the platform user
takes the raw id back with :func:`platform_user_id`.

The channel name always comes from the channel's code, never from the client
(the REST channel ignores a posted ``input_channel``).

A user id is refused (:class:`InvalidSender`, a ``ValueError``) when it is
blank (it would land in one conversation shared by every such client),
longer than :data:`MAX_SENDER_ID_CHARS` (one 5 MB REST ``sender`` stored 40 MB
of events, the id being repeated in every row) or holds control characters
(a line break in an id forges log lines).
"""

from __future__ import annotations

REST = "rest"
WEB = "web"  # the socket.io channel of the web widget
ZALO = "zalo"
MESSENGER = "messenger"
CHANNELS = frozenset({REST, WEB, ZALO, MESSENGER})

# Zalo and Messenger ids have about 20 digits, socket.io session ids 32 hex
# characters: 128 leaves room for any client's own ids.
MAX_SENDER_ID_CHARS = 128

SEPARATOR = ":"


class InvalidSender(ValueError):
    """A user id that cannot name a conversation (blank, too long); the message is refused."""


def conversation_id(channel: str, user_id: str) -> str:
    """The Rasa sender id of ``user_id`` on ``channel`` (one of :data:`CHANNELS`): ``"zalo:123"``.

    Raises :class:`InvalidSender` for a blank or over-long ``user_id``. The user id is
    kept as it is otherwise (a ``:`` in it is harmless: only the first one separates).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}: expected one of {sorted(CHANNELS)}")
    user_id = "" if user_id is None else str(user_id)
    if not user_id.strip():
        raise InvalidSender("the sender id is empty")
    if len(user_id) > MAX_SENDER_ID_CHARS:
        raise InvalidSender(f"the sender id is longer than {MAX_SENDER_ID_CHARS} characters")
    if not user_id.isprintable():  # line breaks, control characters: forged log lines, odd keys
        raise InvalidSender("the sender id contains control characters")
    return f"{channel}{SEPARATOR}{user_id}"


def channel_of(conversation: str) -> str | None:
    """The channel a conversation id belongs to (``"zalo"``), or None for an id without namespace."""
    channel, separator, _ = str(conversation).partition(SEPARATOR)
    return channel if separator and channel in CHANNELS else None


def platform_user_id(conversation: str) -> str:
    """The channel's own user id of a conversation id: ``"zalo:123"`` -> ``"123"``.

    An id without a known namespace is returned unchanged, so an output channel can
    call this on whatever recipient id it is given.
    """
    conversation = str(conversation)
    if channel_of(conversation) is None:
        return conversation
    return conversation.partition(SEPARATOR)[2]
