"""One fault path for every channel: the citizen never gets silence when the assistant is in trouble.

With the action server down, Rasa logs the error and answers nothing; with the
tracker database down, the turn raises. REST used to answer politely while
Messenger and Zalo citizens got silence. Every channel now runs a turn with
:func:`run_turn`, which answers through the channel's own output channel:

- the turn raised (lock store, tracker store, Rasa), or the tracker store failed
  during it (Rasa logs that and goes on): ``SERVICE_UNAVAILABLE_REPLY``;
- the turn sent no message while the conversation is not handed over to staff
  (a custom action failed): ``SERVICE_UNAVAILABLE_REPLY``;
- no answer within ``reply_timeout`` seconds: ``SERVICE_BUSY_REPLY``; the turn
  goes on in the background and is saved (the next message of the conversation
  waits for it on Rasa's lock), its late answer still goes out where the channel
  can send one.

The wording is ``bot/rate_limit.py``'s, with the hotline from ``SUPPORT_HOTLINE``.

Before all that, a conversation a staff member holds (live hand-over, ``live.py``) does
not reach Rasa: the message is stored for the staff member and nothing is answered.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from core.settings import current as settings
from core.wording import SERVICE_BUSY_REPLY, SERVICE_UNAVAILABLE_REPLY
from bot.channels.live import held_by_staff
from bot.stores.tracker_store import watch_store_errors

logger = logging.getLogger(__name__)

DEFAULT_REPLY_TIMEOUT = 20.0


def hotline() -> str:
    return settings().support_hotline


def fault_reply(template: str) -> str:
    """``SERVICE_UNAVAILABLE_REPLY`` or ``SERVICE_BUSY_REPLY`` with the hotline filled in."""
    return template.format(hotline=hotline())


class _WatchedOutput(OutputChannel):
    """The channel's output channel, counting the bot's messages sent through it."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # responses may vary by channel name: keep the channel's
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, attribute: str) -> Any:  # e.g. CollectingOutputChannel.messages
        if attribute == "inner":  # not set yet (copy, pickle): no endless recursion
            raise AttributeError(attribute)
        return getattr(self.inner, attribute)


def _counted(method: str) -> Callable[..., Awaitable[None]]:
    async def send(self: "_WatchedOutput", *args: Any, **kwargs: Any) -> None:
        self.sent += 1
        await getattr(self.inner, method)(*args, **kwargs)

    send.__name__ = method
    return send


# The sending methods of Rasa's OutputChannel, which a turn may also call directly.
for _method in (
    "send_text_message",
    "send_image_url",
    "send_attachment",
    "send_text_with_buttons",
    "send_quick_replies",
    "send_elements",
    "send_custom_json",
):
    setattr(_WatchedOutput, _method, _counted(_method))


def _log_late_failure(turn: "asyncio.Future") -> None:
    """A turn that outlived reply_timeout and then failed: logged, never "exception not retrieved"."""
    if not turn.cancelled() and turn.exception() is not None:
        logger.debug("turn failed after its reply timeout: %s", type(turn.exception()).__name__)


async def is_paused(agent: Any, conversation: Text) -> bool:
    """True when the conversation is handed over to staff (the bot is silent on purpose)."""
    try:
        if agent is None or not agent.is_ready():
            return False
        tracker = await agent.tracker_store.retrieve(conversation)
        return bool(tracker and tracker.is_paused())
    except Exception:  # the store is down (or no real agent): the fault reply is the better guess
        return False


def agent_of(request: Any) -> Any:
    """The Rasa agent serving a Sanic request (``None`` outside ``rasa run``)."""
    app = getattr(request, "app", None)
    return getattr(getattr(app, "ctx", None), "agent", None)


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    agent: Any = None,
    reply_timeout: float = DEFAULT_REPLY_TIMEOUT,
    on_held: Optional[Callable[[], Awaitable[Any]]] = None,
) -> Optional[Text]:
    """Runs one turn of ``message``; on a fault, the polite reply goes out through its output channel.

    ``agent`` (:func:`agent_of` the webhook request) tells whether a silent conversation is
    handed over to staff; without it, silence is always a fault. Returns the fault reply
    that was sent, or None when the bot answered (or was silent on purpose). Never raises,
    except ``asyncio.CancelledError``; a failure to send the fault reply is logged.
    """
    if held_by_staff(message.sender_id, message.text):
        if on_held is not None:  # the channel tells its client no reply of the assistant is coming
            try:
                await on_held()
            except Exception as error:
                logger.warning("could not tell the client staff hold the conversation (%s)", type(error).__name__)
        return None  # a staff member holds the conversation: it reaches their console, not Rasa
    output = message.output_channel
    watched = _WatchedOutput(output)
    message.output_channel = watched
    channel = output.name()
    reply: Optional[Text] = None
    with watch_store_errors() as store_errors:
        # Shielded: a timeout or a client that hangs up does not cancel the turn, which
        # then finishes and is saved.
        turn = asyncio.ensure_future(on_new_message(message))
        turn.add_done_callback(_log_late_failure)
        try:
            await asyncio.wait_for(asyncio.shield(turn), timeout=reply_timeout)
        except asyncio.TimeoutError:
            logger.warning("%s turn slower than %.0f s: the citizen is asked to try again", channel, reply_timeout)
            reply = fault_reply(SERVICE_BUSY_REPLY)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # no traceback to the citizen
            logger.error("%s turn failed: %s", channel, type(error).__name__, exc_info=True)
            reply = fault_reply(SERVICE_UNAVAILABLE_REPLY)
    if reply is None and store_errors:
        logger.error(
            "tracker store unavailable during a %s turn (%s): the citizen is asked to try again",
            channel,
            type(store_errors[0]).__name__,
        )
        reply = fault_reply(SERVICE_UNAVAILABLE_REPLY)
    if reply is None and not watched.sent and not await is_paused(agent, message.sender_id):
        # Rasa answers nothing when a custom action fails (action server down or broken).
        logger.warning("%s turn produced no reply: the citizen is asked to try again", channel)
        reply = fault_reply(SERVICE_UNAVAILABLE_REPLY)
    if reply is not None:
        try:
            await output.send_text_message(message.sender_id, reply)
        except Exception as error:
            logger.error("the %s fault reply could not be sent: %s", channel, type(error).__name__)
    return reply
