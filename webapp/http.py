"""What every route of the HTTP application shares: JSON errors and the staff bearer token."""

from __future__ import annotations

import hmac
from functools import wraps

from sanic import response
from sanic.request import Request

from core.settings import current as settings


def error(status: int, message: str, message_vi: str | None = None) -> response.HTTPResponse:
    """``{"error": ...}``, with the Vietnamese wording for errors a citizen-facing page may show."""
    body = {"error": message}
    if message_vi:
        body["error_vi"] = message_vi
    return response.json(body, status=status)


def bearer_token_required(handler):
    """Reject requests without ``Authorization: Bearer $DOSSIER_API_TOKEN`` (constant-time compare)."""

    @wraps(handler)
    async def wrapper(request: Request, *args, **kwargs):
        expected = settings().dossier_api_token
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        # Sanic keeps header bytes that are not UTF-8 as surrogates ("Bearer \xe9"): compare bytes.
        given_bytes = token.encode("utf-8", "surrogateescape")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(given_bytes, expected.encode()):
            return error(401, "missing or invalid bearer token")
        return await handler(request, *args, **kwargs)

    return wrapper
