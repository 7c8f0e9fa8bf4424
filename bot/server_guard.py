"""Limits for the whole Rasa HTTP server: request body size, and ``/model/parse`` input.

Rasa has no hook of its own for the server it starts, but it hands every input
channel of credentials.yml to its Sanic app. ``HttpLimits`` is such a "channel"
without routes: its blueprint's start-up listener sets the limits on the app,
whatever starts Rasa (``rasa run``, ``bot.rasa_server``, tests), without
touching Rasa's code. Listed first in ``bot/credentials.yml``::

    bot.server_guard.HttpLimits:
      max_request_bytes: 65536   # optional; default: RASA_MAX_REQUEST_BYTES, else 64 KiB
      max_parse_chars: 2000      # optional; the channels' message limit

- **Request body size** (Sanic's ``REQUEST_MAX_SIZE``, 100 MB by default): one
  request with 10 MB of metadata stored 30 MB. A chat message or a webhook event
  fits in 64 KiB; anything larger gets ``413`` before it is read. An operator
  who posts larger bodies to Rasa's HTTP API (a whole tracker, training data)
  raises ``RASA_MAX_REQUEST_BYTES``. Not Sanic's own ``SANIC_REQUEST_MAX_SIZE``:
  ``make run`` gives every service one environment, and the action server, also
  a Sanic app, receives whole trackers.
- **``POST /model/parse``** had no length cap (the NLU pipeline would run on
  64 KiB of text) and answered ``500`` to a body that was not JSON, not an
  object, or whose ``text`` was not a string. Such bodies now get ``400`` in
  Rasa's error format, and so does a text longer than the channels accept.
  Well-formed requests go on to Rasa unchanged, token check included (this
  check runs first, as a request middleware: a stranger learns that the body
  is malformed, nothing else).
"""
from __future__ import annotations

import json
import logging
import os
from http import HTTPStatus
from typing import Any, Dict, Optional, Text

import rasa
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import DEFAULT_MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
PARSE_PATH = "/model/parse"


def default_max_request_bytes() -> int:
    """``RASA_MAX_REQUEST_BYTES`` when the operator set it, else 64 KiB."""
    configured = os.environ.get("RASA_MAX_REQUEST_BYTES", "").strip()
    return int(configured) if configured else DEFAULT_MAX_REQUEST_BYTES


def rasa_error(status: HTTPStatus, message: Text) -> HTTPResponse:
    """An error in the shape of Rasa's own ``ErrorResponse``, so that API clients read it the same way."""
    return response.json({
        "version": rasa.__version__, "status": "failure", "message": message,
        "reason": status.phrase.replace(" ", ""), "details": {}, "help": None, "code": status.value,
    }, status=status.value)


def parse_body_problem(body: bytes, max_chars: int) -> Optional[Text]:
    """Why ``body`` cannot be a ``/model/parse`` request, or None when it can.

    Rasa reads ``{"text": "..."}`` (or a list whose first item is the text).
    """
    try:
        data = json.loads(body or b"")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested too deep to read
        return 'The body must be a JSON object: {"text": "..."}.'
    if not isinstance(data, dict):
        return 'The body must be a JSON object: {"text": "..."}.'
    text = data.get("text")
    if isinstance(text, list) and text:
        text = text[0]
    if not isinstance(text, str):
        return 'The body must hold the text to parse as a string: {"text": "..."}.'
    if len(text) > max_chars:
        return f"The text is longer than {max_chars} characters."
    return None


class HttpLimits(InputChannel):
    """Sets the server-wide HTTP limits on Rasa's Sanic app (a channel without routes)."""

    @classmethod
    def name(cls) -> Text:
        return "http_limits"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            max_request_bytes=int(credentials.get("max_request_bytes") or default_max_request_bytes()),
            max_parse_chars=int(credentials.get("max_parse_chars") or DEFAULT_MAX_MESSAGE_CHARS),
        )

    def __init__(self, max_request_bytes: Optional[int] = None,
                 max_parse_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.max_request_bytes = max_request_bytes or default_max_request_bytes()
        self.max_parse_chars = max_parse_chars

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = Blueprint("http_limits", __name__)

        @blueprint.listener("before_server_start")
        async def install(app: Sanic, _loop: Any) -> None:
            self.install(app)

        return blueprint

    def install(self, app: Sanic) -> None:
        # Sanic reads the size for each new connection: set before serving, it holds for all.
        app.config.REQUEST_MAX_SIZE = self.max_request_bytes
        app.register_middleware(self.check_parse_request, "request")
        logger.info("HTTP limits: request bodies up to %d bytes, %s texts up to %d characters",
                    self.max_request_bytes, PARSE_PATH, self.max_parse_chars)

    async def check_parse_request(self, request: Request) -> Optional[HTTPResponse]:
        if request.method != "POST" or request.path.rstrip("/") != PARSE_PATH:
            return None
        # Sanic also runs request middleware on its way to an error answer: a body over
        # the size limit (partly read) gets its 413, not a 400 about a cut-off body.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > request.app.config.REQUEST_MAX_SIZE:
            return None
        problem = parse_body_problem(request.body, self.max_parse_chars)
        return rasa_error(HTTPStatus.BAD_REQUEST, problem) if problem else None
