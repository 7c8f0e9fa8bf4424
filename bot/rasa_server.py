"""``rasa run`` with its HTTP API locked by RASA_AUTH_TOKEN, as ``?token=`` or ``Authorization: Bearer``.

``tools/stack.py`` starts Rasa as ``python -m bot.rasa_server <rasa run options>``;
this adds two things to ``python -m rasa run``:

- the token is read from the environment (``RASA_AUTH_TOKEN``), not from the
  command line, where every local user could read it in the process list;
  with ``--enable-api`` and no token Rasa does not start;
- Rasa 3.6 accepts its token only as ``?token=`` (``Authorization: Bearer`` is
  for JWTs, with ``--jwt-secret``). Here ``Authorization: Bearer <token>``
  works too, which keeps the token out of proxies' and servers' access logs.
  Both forms are compared in constant time; anything else (a JWT when
  ``--jwt-secret`` is given, or nothing) goes to Rasa's own check unchanged.

The channels (``/webhooks/…``, ``/socket.io``) and ``GET /`` stay open, as in Rasa.
Before Rasa starts, this project's patches to Rasa internals are installed
(``bot.patches.install()``: refused on a Rasa version they were not written for,
skipped with ``RASA_PATCHES=off``).
"""

from __future__ import annotations

import hmac
import inspect
import sys
from functools import wraps
from typing import Any, Callable, Optional

import rasa.server

from bot import patches
from core.settings import current as settings

TOKEN_VARIABLE = "RASA_AUTH_TOKEN"


def presented_tokens(request: Any) -> list:
    """The ``?token=`` value and the ``Authorization: Bearer`` credentials of a request, if any."""
    found = [request.args.get("token") or ""]
    scheme, _, credentials = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer":
        found.append(credentials.strip())
    return [value.encode("utf-8", "replace") for value in found if value]


def _also_accept_bearer(rasa_requires_auth: Callable) -> Callable:
    """Rasa's ``requires_auth`` decorator, letting a request carrying the token as a bearer token through."""

    def requires_auth(app: Any, token: Optional[str] = None) -> Callable:
        rasa_decorator = rasa_requires_auth(app, token)
        expected = token.encode("utf-8") if token else None

        def decorator(handler: Callable) -> Callable:
            checked_by_rasa = rasa_decorator(handler)

            @wraps(handler)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                if expected and any(hmac.compare_digest(given, expected) for given in presented_tokens(request)):
                    result = handler(request, *args, **kwargs)
                    return await result if inspect.isawaitable(result) else result
                return await checked_by_rasa(request, *args, **kwargs)

            return decorated

        return decorator

    return requires_auth


def _has_token_option(argv: list) -> bool:
    return any(arg in ("-t", "--auth-token") or arg.startswith("--auth-token=") for arg in argv)


def rasa_arguments(argv: list, token: str) -> list:
    arguments = ["run", *argv]
    if token and not _has_token_option(argv):
        arguments.append(f"--auth-token={token}")  # one word: a token may start with "-"
    return arguments


def main(argv: Optional[list] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    token = settings().raw(TOKEN_VARIABLE)
    if "--enable-api" in argv and not token and not _has_token_option(argv):
        print(
            f"{TOKEN_VARIABLE} is not set: Rasa's HTTP API would be open to anyone who reaches the port "
            "(`make env` generates one into .env; see docs/production.md).",
            file=sys.stderr,
        )
        return 2
    patches.install()  # before Rasa loads the model: the processor picks its graph runner then
    # create_app() looks the decorator up when it builds the routes, after this.
    rasa.server.requires_auth = _also_accept_bearer(rasa.server.requires_auth)
    sys.argv = [sys.argv[0], *rasa_arguments(argv, token)]  # this process's copy; /proc/<pid>/cmdline keeps none
    from rasa.__main__ import main as rasa_main

    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
