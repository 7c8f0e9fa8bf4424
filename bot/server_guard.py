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
- **The other JSON routes of Rasa's API** (``RASA_API_BODIES``: tracker
  events, messages, execute, trigger_intent, model predict and replace) answered
  ``500`` with a traceback to a body of the wrong shape (an array, a number,
  ``null``, text in UTF-16); they get the same ``400``.
"""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus
from typing import Any, Dict, Optional, Text

import rasa
from rasa.core.channels.channel import InputChannel
from rasa.shared.core.events import Event
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from core.settings import DEFAULT_MAX_REQUEST_BYTES as DEFAULT_MAX_REQUEST_BYTES  # re-exported
from core.settings import current as settings
from bot.channels import DEFAULT_MAX_MESSAGE_CHARS

logger = logging.getLogger(__name__)

PARSE_PATH = "/model/parse"


def default_max_request_bytes() -> int:
    """``RASA_MAX_REQUEST_BYTES`` when the operator set it, else 64 KiB."""
    return settings().rasa_max_request_bytes


def rasa_error(status: HTTPStatus, message: Text) -> HTTPResponse:
    """An error in the shape of Rasa's own ``ErrorResponse``, so that API clients read it the same way."""
    return response.json(
        {
            "version": rasa.__version__,
            "status": "failure",
            "message": message,
            "reason": status.phrase.replace(" ", ""),
            "details": {},
            "help": None,
            "code": status.value,
        },
        status=status.value,
    )


_NOT_JSON = object()


def _json_body(body: bytes) -> Any:
    """The body read as UTF-8 JSON, or ``_NOT_JSON`` (json.loads alone also takes UTF-16 and -32,
    which Rasa's own reader then fails on)."""
    try:
        return json.loads((body or b"").decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested too deep to read
        return _NOT_JSON


def _is_event(item: Any) -> bool:
    """An event Rasa can read (its own parser); Rasa answers 500 to an event list it cannot."""
    if not isinstance(item, dict) or not isinstance(item.get("event"), str):
        return False
    try:
        return Event.from_parameters(item) is not None
    except Exception:  # any malformed field: Rasa's parser raises KeyError, ValueError, TypeError…
        return False


def _events_problem(data: Any) -> Optional[Text]:
    if _is_event(data) or (isinstance(data, list) and data and all(_is_event(item) for item in data)):
        return None
    return 'The body must be an event or a list of events: {"event": "...", ...}.'


def _event_list_problem(data: Any) -> Optional[Text]:
    if isinstance(data, list) and all(_is_event(item) for item in data):
        return None
    return 'The body must be a list of events: [{"event": "...", ...}].'


def _fields_problem(*names: Text):
    def problem(data: Any) -> Optional[Text]:
        if isinstance(data, dict) and all(isinstance(data.get(name), str) for name in names):
            return None
        return "The body must be a JSON object with " + ", ".join(f'"{name}": "..."' for name in names) + "."

    return problem


def _object_problem(data: Any) -> Optional[Text]:
    return None if isinstance(data, dict) else "The body must be a JSON object."


# The JSON bodies of Rasa's HTTP API (rasa/server.py), which answers 500 to any other shape.
# (method, path pattern, what the body must be); /model/parse has its own check below.
RASA_API_BODIES = (
    ("POST", re.compile(r"/conversations/[^/]+/tracker/events"), _events_problem),
    ("PUT", re.compile(r"/conversations/[^/]+/tracker/events"), _event_list_problem),
    ("POST", re.compile(r"/conversations/[^/]+/messages"), _fields_problem("text", "sender")),
    ("POST", re.compile(r"/conversations/[^/]+/(?:execute|trigger_intent)"), _fields_problem("name")),
    ("POST", re.compile(r"/model/predict"), _event_list_problem),
    ("PUT", re.compile(r"/model"), _object_problem),
)


def api_body_problem(method: Text, path: Text, body: bytes) -> Optional[Text]:
    """Why ``body`` cannot be read by the Rasa API route at ``path``, or None (also for other routes)."""
    for route_method, pattern, problem in RASA_API_BODIES:
        if method == route_method and pattern.fullmatch(path):
            data = _json_body(body)
            return "The body must be JSON in UTF-8." if data is _NOT_JSON else problem(data)
    return None


def parse_body_problem(body: bytes, max_chars: int) -> Optional[Text]:
    """Why ``body`` cannot be a ``/model/parse`` request, or None when it can.

    Rasa reads ``{"text": "..."}`` (or a list whose first item is the text).
    """
    data = _json_body(body)
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

    def __init__(
        self, max_request_bytes: Optional[int] = None, max_parse_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    ) -> None:
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
        app.register_middleware(self.check_request_body, "request")
        logger.info(
            "HTTP limits: request bodies of at most %d bytes, %s texts of at most %d characters",
            self.max_request_bytes,
            PARSE_PATH,
            self.max_parse_chars,
        )

    async def check_request_body(self, request: Request) -> Optional[HTTPResponse]:
        if request.method not in ("POST", "PUT"):
            return None
        # Sanic also runs request middleware on its way to an error answer: a body over
        # the size limit (partly read) gets its 413, not a 400 about a cut-off body.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > request.app.config.REQUEST_MAX_SIZE:
            return None
        path = request.path.rstrip("/")
        if path == PARSE_PATH:
            problem = parse_body_problem(request.body, self.max_parse_chars)
        else:
            problem = api_body_problem(request.method, path, request.body)
        return rasa_error(HTTPStatus.BAD_REQUEST, problem) if problem else None
