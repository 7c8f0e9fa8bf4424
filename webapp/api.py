"""The HTTP application: catalogue and staff API (docs/interfaces.md) and the web chat page, on port 8000.

The page's files are read from ``web_dir`` (the assets live in ``bot/web/``); the dossier routes
are in ``webapp/dossiers_api.py``, what every route shares in ``webapp/http.py``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from urllib.parse import unquote

from sanic import Sanic, response
from sanic.exceptions import NotFound, SanicException
from sanic.request import Request

from core.settings import current as settings
from core.wording import SEARCH_QUERY_TOO_LONG
from procedures_db.db import ping, session_scope
from services.catalogue import get_procedure_record, search_procedures
from services.service_requests import feedback_summary, handoff_to_json, list_handoffs
from webapp.dossiers_api import dossiers_blueprint
from webapp.http import bearer_token_required, error
from webapp.staff import staff_blueprint

logger = logging.getLogger(__name__)


def chat_page_csp(host: str) -> str:
    """The chat page's Content-Security-Policy: nothing but this site, and Rasa's socket.io on this host.

    Rasa listens on another port of the same host under ``make run`` (behind a proxy it is the
    same origin, ``deploy/nginx.conf``), hence the host's other ports in connect-src.
    """
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]+)?", host or "")
    same_host = "".join(f" {scheme}://{match.group(1)}:*" for scheme in ("http", "https", "ws", "wss")) if match else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        f"connect-src 'self'{same_host}; base-uri 'none'; form-action 'self'; frame-ancestors *"
    )


# A search query is a procedure's name or a question about it (the longest names
# run to about 200 characters); the index's cost grows with the query.
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 50


def create_app(name: str = "procedures_api") -> Sanic:
    web_dir, branding_dir = settings().web_dir, settings().web_branding_dir
    app = Sanic(name)
    app.config.REQUEST_MAX_SIZE = 2_000_000
    app.config.FALLBACK_ERROR_FORMAT = "json"

    @app.get("/health")
    async def health(_request: Request):
        try:
            ping()
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
            return error(
                400,
                f"q is longer than {MAX_QUERY_LENGTH} characters",
                SEARCH_QUERY_TOO_LONG.format(limit=MAX_QUERY_LENGTH),
            )
        with session_scope() as session:
            result = search_procedures(session, query, limit=limit)
        return response.json(
            {
                "results": [
                    {
                        "code": h.code,
                        "name": h.name,
                        "field": h.field,
                        "levels": list(h.levels),
                        "agency": h.agency,
                        "score": h.score,
                    }
                    for h in result.hits
                ],
                "ambiguous": result.ambiguous,
            },
            ensure_ascii=False,
        )

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

    app.blueprint(dossiers_blueprint)
    app.blueprint(staff_blueprint)  # the staff console, /staff/ (webapp/staff/)

    if web_dir.is_dir():
        app.static("/static", str(web_dir), name="web_static")
        # The province's branding (bot/web/README.md): configuration, not code.
        app.static("/branding", str(branding_dir), name="web_branding")

        @app.get("/")
        async def chat_page(request: Request):
            return await response.file(
                str(web_dir / "index.html"), headers={"Content-Security-Policy": chat_page_csp(request.host)}
            )

    @app.on_request
    async def static_files_only(request: Request):
        """404 for anything under a static folder that is not a file in it.

        ``GET /static/`` (the folder itself) made Sanic's file handler fail with a 500.
        """
        for prefix, root in (("/static", web_dir), ("/branding", branding_dir)):
            if request.path == prefix or request.path.startswith(prefix + "/"):
                relative = Path(unquote(request.path[len(prefix) :]).lstrip("/"))
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
