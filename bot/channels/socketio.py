"""Rasa 3.6's socket.io channel (the web widget), fixed for python-socketio >= 5.10 and rate-limited.

Rasa 3.6 calls ``sio.enter_room(...)`` without ``await``; since python-socketio 5.10 that is a
coroutine on AsyncServer, so with ``session_persistence: true`` the client never joins its
session's room and never receives a bot message. This re-registers ``session_request`` with
the call awaited when needed (works with old and new python-socketio).

Before the bot sees a message, the same limits as the REST channel apply (``bot/rate_limit.py``):
per sender (the session id), per client address (the socket's peer, or ``X-Forwarded-For``
from a ``TRUSTED_PROXIES`` proxy) and for dossier lookups. Over a limit, the session gets the
polite "please slow down" as a bot message and the bot is not called; a message longer than
``max_message_chars`` is cut, after a note saying so.

bot/credentials.yml:
    bot.channels.socketio.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      # max_message_chars: 2000     # optional
"""
import inspect
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from bot.channels import DEFAULT_MAX_MESSAGE_CHARS, apply_limits, client_address
from bot.channels.admission import admitted_turns
from bot.rate_limit import ChannelGuard

logger = logging.getLogger(__name__)


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
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_message_chars = max_message_chars
        self.guard = guard or ChannelGuard.from_env()

    def client_address(self, sid: Text) -> Tuple[Text, bool]:
        """(address, forwarded) of the socket's handshake request."""
        environ = self.sio.get_environ(sid, namespace=self.namespace) or {}
        # Not REMOTE_ADDR: python-engineio sets it to 127.0.0.1 under Sanic.
        request = environ.get("sanic.request")
        return client_address(self.guard, request) if request is not None else ("", False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = admitted_turns(on_new_message)
        socketio_webhook = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, data["session_id"])
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", data["session_id"], room=sid)
            logger.debug("User %s joined session %s.", sid, data["session_id"])

        # Rasa's handler, with the limits applied before the bot is called.
        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not sender_id:
                logger.warning("socket.io message without a session_id ignored (no session_request first?).")
                return
            output = rasa_socketio.SocketIOOutput(sio, self.bot_message_evt)
            ip, forwarded = self.client_address(sid)
            text = await apply_limits(self.guard, output, sender_id, str(data.get("message") or ""),
                                      self.max_message_chars, ip, forwarded)
            if text is None:
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            await on_new_message(UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata))

        return socketio_webhook
