"""Rasa 3.6's socket.io channel (the web widget), fixed for python-socketio >= 5.10.

Rasa 3.6 calls ``sio.enter_room(...)`` without ``await``; since python-socketio 5.10 that is a
coroutine on AsyncServer, so with ``session_persistence: true`` the client never joins its
session's room and never receives a bot message. This re-registers ``session_request`` with
the call awaited when needed (works with old and new python-socketio).

bot/credentials.yml:
    bot.channels.socketio.SocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
"""
import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

logger = logging.getLogger(__name__)


class SocketIOInput(rasa_socketio.SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
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

        return socketio_webhook
