"""The action server: rasa_sdk's app, listening on loopback, answering only whoever has the token.

``python -m rasa_sdk`` listens on every interface and runs any action for anyone
who reaches its port: calling ``action_dossier_status`` directly with chosen
slots found a demo dossier's four phone digits in 26 s (issue 19). This entry
point builds the same Sanic app (``rasa_sdk.endpoint.create_app``, same
routes, same options) and adds two things:

- it listens on ``ACTION_HOST`` (default ``127.0.0.1``); set ``0.0.0.0`` only
  where Rasa runs on another host or container;
- every request except ``GET /health`` must carry ``ACTION_SERVER_TOKEN``,
  either as ``?token=`` (what Rasa sends for the ``token:`` of its
  ``action_endpoint``, bot/endpoints.yml) or as ``Authorization: Bearer``;
  anything else gets 401 before the body is read. The comparison takes the
  same time whatever the guess.

It refuses to start without a token. It imports rasa_sdk only, never Rasa (nor
TensorFlow)::

    ACTION_SERVER_TOKEN=… python -m actions.server --port 5055 --logging-config_file bot/logging.yml
"""

from __future__ import annotations

import hmac
import json
import logging
import sys
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.request import Request

from core.settings import current as settings

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})  # probes of supervisors, load balancers and Kubernetes


def presented_token(request: Request) -> str:
    """The token of a request: ``?token=`` (Rasa's way) or an ``Authorization: Bearer`` header."""
    query = request.args.get("token")
    if query:
        return query
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def require_token(app: Sanic, token: str) -> None:
    """Answers 401 to every request but ``OPEN_PATHS`` that does not carry ``token``."""
    expected = token.encode("utf-8")

    @app.middleware("request")
    async def check_token(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = presented_token(request).encode("utf-8", "replace")
        if hmac.compare_digest(given, expected):
            return None
        return response.json({"error": "unauthorized"}, status=401)


def webhook_body_problem(body: bytes) -> Optional[str]:
    """Why ``body`` cannot be an action call (rasa_sdk answers 500 to any JSON that is not an object)."""
    try:
        call = json.loads((body or b"").decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "the body must be a JSON object"
    if not isinstance(call, dict):
        return "the body must be a JSON object"
    if not isinstance(call.get("next_action"), str):
        return "next_action must be the name of an action"
    if not isinstance(call.get("tracker", {}), dict) or not isinstance(call.get("domain", {}), dict):
        return "tracker and domain must be JSON objects"
    return None


def refuse_malformed_calls(app: Sanic) -> None:
    """Answers 400 to a ``/webhook`` body that is not an action call (after the token check)."""

    @app.middleware("request")
    async def check_body(request: Request) -> Optional[response.HTTPResponse]:
        if request.method != "POST" or request.path.rstrip("/") != "/webhook":
            return None
        problem = webhook_body_problem(request.body)
        return response.json({"error": problem}, status=400) if problem else None


def build_app(actions: str, token: str, cors_origins=None, auto_reload: bool = False) -> Sanic:
    # No CORS by default: only Rasa calls this server, never a browser.
    app = create_app(actions, cors_origins=cors_origins or "", auto_reload=auto_reload)
    require_token(app, token)
    refuse_malformed_calls(app)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)  # what rasa_sdk's run() does
    return app


def main(argv: Optional[list] = None) -> int:
    parser = create_argument_parser()
    parser.add_argument(
        "--host", default=settings().action_host, help="address to listen on (ACTION_HOST, default 127.0.0.1)"
    )
    parser.set_defaults(actions="actions")
    args = parser.parse_args(argv)

    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()

    token = settings().action_server_token
    if not token:
        print(
            f"{TOKEN_VARIABLE} is not set: the action server will not run without a token "
            "(`make env` generates one into .env; see docs/production.md).",
            file=sys.stderr,
        )
        return 2
    app = build_app(args.actions, token, args.cors, args.auto_reload)
    ssl_context = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info(f"Action server on {'https' if ssl_context else 'http'}://{args.host}:{args.port} (token required)")
    app.run(args.host, args.port, ssl=ssl_context, workers=utils.number_of_sanic_workers(), access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
