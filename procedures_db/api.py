"""HTTP API (CONTRACTS.md) and the web chat page, served together on port 8000."""
from __future__ import annotations

import hmac
import logging
import os
import re
from functools import wraps
from pathlib import Path
from urllib.parse import unquote

from sanic import Sanic, response
from sanic.exceptions import NotFound, SanicException
from sanic.request import Request
from sqlalchemy import text

from procedures_db.catalogue import get_procedure_record, search_procedures
from procedures_db.db import REPO_ROOT, session_scope
from procedures_db.service_requests import feedback_summary, handoff_to_json, list_handoffs

logger = logging.getLogger(__name__)

WEB_DIR = Path(os.environ.get("WEB_DIR", REPO_ROOT / "bot" / "web"))
WEB_BRANDING_DIR = Path(os.environ.get("WEB_BRANDING_DIR", WEB_DIR / "branding"))


def chat_page_csp(host: str) -> str:
    """The chat page's Content-Security-Policy: nothing but this site, and Rasa's socket.io on this host.

    Rasa listens on another port of the same host under ``make run`` (behind a proxy it is the
    same origin, ``deploy/nginx.conf``), hence the host's other ports in connect-src.
    """
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?", host or "")
    same_host = "".join(f" {scheme}://{match.group(1)}:*" for scheme in ("http", "https", "ws", "wss")) if match else ""
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
            f"connect-src 'self'{same_host}; base-uri 'none'; form-action 'self'; frame-ancestors *")


# A search query is a procedure's name or a question about it (the longest names
# run to about 200 characters); the index's cost grows with the query.
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 50


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
        expected = os.environ.get("DOSSIER_API_TOKEN", "")
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        # Sanic keeps header bytes that are not UTF-8 as surrogates ("Bearer \xe9"): compare bytes.
        given_bytes = token.encode("utf-8", "surrogateescape")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(given_bytes, expected.encode()):
            return error(401, "missing or invalid bearer token")
        return await handler(request, *args, **kwargs)

    return wrapper


def create_app(name: str = "procedures_api") -> Sanic:
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 2_000_000
    app.config.FALLBACK_ERROR_FORMAT = "json"

    @app.get("/health")
    async def health(_request: Request):
        try:
            with session_scope() as session:
                session.execute(text("SELECT 1"))
        except Exception:  # the database is down: say so, do not crash
            logger.exception("health check: database unavailable")
            return response.json({"status": "unavailable", "database": "down"}, status=503)
        return response.json({"status": "ok"})

    @app.get("/api/procedures")
    async def procedures(request: Request):
        query = (request.args.get("q") or "").strip()
        try:
            limit = int(request.args.get("limit", 10))
        except ValueError:
            return error(400, "limit must be a whole number")
        if not 1 <= limit <= MAX_LIMIT:
            return error(400, f"limit must be between 1 and {MAX_LIMIT}")
        if not query:
            return error(400, "q is required: the text to search for")
        if len(query) > MAX_QUERY_LENGTH:
            return error(400, f"q is longer than {MAX_QUERY_LENGTH} characters",
                         f"Nội dung tìm kiếm dài quá {MAX_QUERY_LENGTH} ký tự, vui lòng rút gọn.")
        with session_scope() as session:
            result = search_procedures(session, query, limit=limit)
        return response.json({
            "results": [
                {"code": h.code, "name": h.name, "field": h.field, "levels": list(h.levels),
                 "agency": h.agency, "score": h.score}
                for h in result.hits
            ],
            "ambiguous": result.ambiguous,
        }, ensure_ascii=False)

    @app.get("/api/procedures/<code>")
    async def procedure(_request: Request, code: str):
        with session_scope() as session:
            record = get_procedure_record(session, code)
        if record is None:
            return error(404, f"no procedure with code {code}")
        return response.json(record, ensure_ascii=False)

    @app.get("/api/handoffs")
    @bearer_token_required
    async def handoffs(request: Request):
        """Conversations handed over to staff (open ones by default; ?status=all for every one)."""
        status = request.args.get("status", "open")
        with session_scope() as session:
            requests = list_handoffs(session, None if status == "all" else status)
            return response.json({"handoffs": [handoff_to_json(r) for r in requests]}, ensure_ascii=False)

    @app.get("/api/feedback/summary")
    @bearer_token_required
    async def feedback(_request: Request):
        with session_scope() as session:
            return response.json(feedback_summary(session))

    from procedures_db.api_dossiers import dossiers_blueprint

    app.blueprint(dossiers_blueprint)

    if WEB_DIR.is_dir():
        app.static("/static", str(WEB_DIR), name="web_static")
        # The province's branding (bot/web/README.md): configuration, not code.
        app.static("/branding", str(WEB_BRANDING_DIR), name="web_branding")

        @app.get("/")
        async def chat_page(request: Request):
            return await response.file(str(WEB_DIR / "index.html"),
                                       headers={"Content-Security-Policy": chat_page_csp(request.host)})

    @app.on_request
    async def static_files_only(request: Request):
        """404 for anything under a static folder that is not a file in it.

        ``GET /static/`` (the folder itself) made Sanic's file handler fail with a 500.
        """
        for prefix, root in (("/static", WEB_DIR), ("/branding", WEB_BRANDING_DIR)):
            if request.path == prefix or request.path.startswith(prefix + "/"):
                relative = Path(unquote(request.path[len(prefix):]).lstrip("/"))
                try:
                    is_file = ".." not in relative.parts and (root / relative).is_file()
                except (OSError, ValueError):  # a NUL byte, a name too long: no such file
                    is_file = False
                if not is_file:
                    return error(404, f"not found: {request.path}")
        return None

    @app.exception(NotFound)
    async def not_found(request: Request, _exc):
        return error(404, f"not found: {request.path}")

    @app.exception(Exception)
    async def unexpected(request: Request, exc: Exception):
        if isinstance(exc, SanicException):
            return error(exc.status_code, str(exc))
        logger.exception("unexpected error on %s", request.path)
        return error(500, "internal error")

    return app
