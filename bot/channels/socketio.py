"""Rasa 3.6's socket.io channel (the web widget), fixed for python-socketio >= 5.10 and rate-limited.

Rasa 3.6 calls ``sio.enter_room(...)`` without ``await``; since python-socketio 5.10 that is a
coroutine on AsyncServer, so with ``session_persistence: true`` the client never joins its
session's room and never receives a bot message. This re-registers ``session_request`` with
the call awaited when needed (works with old and new python-socketio).

Before the bot sees a message, the same limits as the REST channel apply (``bot/rate_limit.py``):
per sender (the session id), per client address (the socket's peer, or ``X-Forwarded-For``
from a ``TRUSTED_PROXIES`` proxy) and for dossier lookups. Over a limit, the session gets the
polite "please slow down" as a bot message and the bot is not called; a message longer than
``max_message_chars`` is cut, after a note saying so; a typed Rasa command or forged payload
(``/restart``, ``/check_dossier_status{...}``) is read as plain text (``commands.public_text``).
A turn runs through the channels' shared fault path (``turns.run_turn``): with the action
server down the citizen gets the polite "try again" reply, not silence. Staff messages of a
live hand-over (``live.py``) reach the session's room from the process holding its socket.

Sessions are the server's (``web_sessions.py``): on ``session_request`` a socket that presents
a token issued by this server (``"<session id>.<signature>"``, kept by the widget in
localStorage) joins that session again; any other socket gets a new token. The socket's
session lives in python-socketio's per-socket session, never in what the client says later:
a ``user_uttered`` whose ``session_id`` is not the socket's own token is refused (logged, never
handed to the bot), and the bot's replies go to the session's room, which only sockets that
presented the token have joined. Knowing a session id, or a sender id seen elsewhere, is not
enough to read or write a conversation. The Rasa sender id is ``"web:<session id>"``, so
no other channel's user can be named. With ``session_persistence: false`` every
``session_request`` starts a new session (a presented token is not taken back).

bot/credentials.yml:
    bot.channels.socketio.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      # max_message_chars: 2000     # optional
"""

import hmac
import inspect
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from bot.channels import (
    DEFAULT_MAX_MESSAGE_CHARS,
    WEB,
    agent_of,
    apply_limits,
    client_address,
    conversation_id,
    run_turn,
)
from bot.channels import live
from bot.channels.admission import admitted_turns
from bot.channels.web_sessions import SessionTokens
from bot.rate_limit import ChannelGuard

logger = logging.getLogger(__name__)
STAFF_HOLDING_EVT = "staff_holding"  # to the page: staff hold the conversation, the assistant will not answer


class SocketIOInput(rasa_socketio.SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.max_message_chars = int((credentials or {}).get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS)
        return channel

    def __init__(
        self,
        *args: Any,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        guard: Optional[ChannelGuard] = None,
        tokens: Optional[SessionTokens] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_message_chars = max_message_chars
        self.guard = guard or ChannelGuard.from_env()
        self.tokens = tokens or SessionTokens.from_env()

    def handshake(self, sid: Text) -> Any:
        """The Sanic request that opened the socket (None if unknown)."""
        return (self.sio.get_environ(sid, namespace=self.namespace) or {}).get("sanic.request")

    def client_address(self, sid: Text) -> Tuple[Text, bool]:
        """(address, forwarded) of the socket's handshake request."""
        # Not REMOTE_ADDR: python-engineio sets it to 127.0.0.1 under Sanic.
        request = self.handshake(sid)
        return client_address(self.guard, request) if request is not None else ("", False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = admitted_turns(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            session_id = self.tokens.session_of(presented) if self.session_persistence else None
            if session_id is not None:
                token = presented
            else:
                if presented and self.session_persistence:
                    logger.info("socket.io session_request with a token not issued here: a new session is given.")
                session_id, token = self.tokens.new_session()
            sender_id = conversation_id(WEB, session_id)
            previous = (await sio.get_session(sid, namespace=self.namespace)).get("sender_id")
            if previous and previous != sender_id:
                await _maybe_await(sio.leave_room(sid, previous, namespace=self.namespace))
            await sio.save_session(sid, {"token": token, "sender_id": sender_id}, namespace=self.namespace)
            await _maybe_await(sio.enter_room(sid, sender_id, namespace=self.namespace))
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)

        # Rasa's handler, for the socket's own session only, with the limits applied before the bot.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid, namespace=self.namespace)
            if not _same_token(data.get("session_id"), session.get("token")):
                logger.warning(
                    "socket.io message refused: its session_id is not this socket's session%s.",
                    "" if session.get("token") else " (no session_request first)",
                )
                return
            sender_id = session["sender_id"]
            output = rasa_socketio.SocketIOOutput(sio, self.bot_message_evt)
            ip, forwarded = self.client_address(sid)
            text = await apply_limits(
                self.guard, output, sender_id, str(data.get("message") or ""), self.max_message_chars, ip, forwarded
            )
            if text is None:
                return
            # The widget's metadata (customData) is dropped, as REST's: nothing in the bot reads
            # it, and whatever a client puts there would be stored with every message.
            message = UserMessage(text, output, sender_id, input_channel=self.name())

            async def held() -> None:
                # Staff hold the conversation: no reply of the assistant comes, the page stops "is answering…".
                await sio.emit(STAFF_HOLDING_EVT, {}, room=sid, namespace=self.namespace)

            # The shared fault path: a polite reply, never silence, when the bot is in trouble.
            await run_turn(on_new_message, message, agent_of(self.handshake(sid)), on_held=held)

        live.register(WEB, live.Deliverer(self.holds_socket_of, self.push), socketio_webhook)
        return socketio_webhook

    def holds_socket_of(self, conversation: Text) -> bool:
        """True when a socket of this conversation is connected to this process (live hand-over)."""
        try:
            return any(True for _ in self.sio.manager.get_participants(self.namespace or "/", conversation))
        except (KeyError, AttributeError):
            return False

    async def push(self, conversation: Text, text: Text) -> None:
        """A staff message (live hand-over) to the conversation's sockets on this process."""
        await self.sio.emit(self.bot_message_evt, {"text": text}, room=conversation, namespace=self.namespace)


def _same_token(presented: Any, token: Optional[Text]) -> bool:
    if not token or not isinstance(presented, str):
        return False
    return hmac.compare_digest(presented.encode("utf-8"), token.encode("utf-8"))


async def _maybe_await(result: Any) -> None:
    # enter_room / leave_room are coroutines on AsyncServer since python-socketio 5.10, plain before.
    if inspect.isawaitable(result):
        await result
