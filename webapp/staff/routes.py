"""The staff console's HTTP routes: the page, its files and its JSON API, behind sessions and CSRF tokens."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from core.settings import current as settings
from procedures_db.db import session_scope
from services import analytics, catalogue_review, live_handover, staff
from services.catalogue import get_procedure_record, search_procedures
from services.checklist import build_checklist, checklist_text, document_cases, parse_case_indexes, qr_svg
from webapp.http import error

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "staff_session"
LOGIN_CSRF_COOKIE = "staff_login_csrf"
CHANGES = ("POST", "PUT", "PATCH", "DELETE")
MAX_QUERY_LENGTH = 200
PASSWORD_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="staff-login")

# The console runs nothing but its own files: no inline script or style, no frames, no other site.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}

staff_blueprint = Blueprint("staff_console")


def _ip(request: Request) -> str:
    return request.remote_addr or request.ip or ""


def _secure(request: Request) -> bool:
    """Cookies are marked Secure when the browser talks HTTPS (directly or through the proxy)."""
    return request.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _set_cookie(reply: HTTPResponse, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["path"] = "/staff"
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    if _secure(request):
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def _json(data, status: int = 200) -> HTTPResponse:
    return response.json(data, status=status, ensure_ascii=False)


def _refused(exc: staff.StaffError) -> HTTPResponse:
    return response.json({"error": str(exc), "code": exc.code}, status=exc.status)


def _same_origin(request: Request) -> bool:
    """A change must come from this site's page: Origin (when the browser sends it) names this host."""
    origin = request.headers.get("origin")
    if not origin:
        return True
    return urlsplit(origin).netloc == request.host


def _body(request: Request) -> dict:
    if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != "application/json":
        raise staff.StaffError("json_required", "send a JSON body (Content-Type: application/json)", 415)
    try:
        body = request.json
    except Exception:  # Sanic raises InvalidUsage on bad JSON
        body = None
    if not isinstance(body, dict):
        raise staff.StaffError("bad_json", "the body must be a JSON object")
    return body


def staff_route(permission: str | None = None):
    """Signed-in staff only (401), with ``permission`` (403, audited); changes need the CSRF token (403).

    The handler gets ``(request, db, identity, ...)`` and runs in the transaction that authenticated it.
    """

    def decorate(handler):
        @wraps(handler)
        async def wrapper(request: Request, *args, **kwargs):
            try:
                with session_scope() as db:  # a refusal commits too: the audit entry, an idle session's removal
                    identity = staff.authenticate(db, request.cookies.get(SESSION_COOKIE))
                    if identity is None:
                        return error(401, "sign in first")
                    if permission is not None and not identity.may(permission):
                        staff.audit(db, identity, "access.denied", target=request.path, ip=_ip(request))
                        return error(403, "your role may not do this")
                    if request.method in CHANGES and not (
                        _same_origin(request)
                        and hmac.compare_digest(
                            request.headers.get("x-csrf-token", "").encode("utf-8", "surrogateescape"),
                            identity.csrf_token.encode(),
                        )
                    ):
                        return error(403, "missing or wrong CSRF token")
                    return await handler(request, db, identity, *args, **kwargs)
            except staff.StaffError as exc:  # raised out of the transaction: nothing of it is kept
                return _refused(exc)

        return wrapper

    return decorate


@staff_blueprint.middleware("response")
async def security_headers(request: Request, reply: HTTPResponse):
    if request.path == "/staff" or request.path.startswith("/staff/"):
        for name, value in SECURITY_HEADERS.items():
            reply.headers.setdefault(name, value)
        if not request.path.startswith("/staff/static/"):
            reply.headers.setdefault("Cache-Control", "no-store")


# --- the page and its files ----------------------------------------------------------------


@staff_blueprint.get("/staff", strict_slashes=True)
async def console_redirect(_request: Request):
    return response.redirect("/staff/")


@staff_blueprint.get("/staff/", strict_slashes=True)
async def console_page(_request: Request):
    return await response.file(
        str(STATIC / "index.html"), mime_type="text/html; charset=utf-8", headers=dict(SECURITY_HEADERS)
    )


@staff_blueprint.get("/staff/static/<name:path>")
async def console_file(_request: Request, name: str):
    relative = Path(unquote(name))
    try:
        path = (STATIC / relative).resolve()
        ok = ".." not in relative.parts and path.is_file() and STATIC in path.parents
    except (OSError, ValueError):
        ok = False
    if not ok:
        return error(404, "not found")
    return await response.file(str(path), headers={"Cache-Control": "no-cache"})


# --- sign-in -------------------------------------------------------------------------------


@staff_blueprint.get("/staff/api/csrf")
async def login_csrf(request: Request):
    """The sign-in form's CSRF token (double submit: the same value in an HttpOnly cookie)."""
    token = secrets.token_urlsafe(32)
    reply = _json({"csrf": token})
    _set_cookie(reply, request, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return reply


@staff_blueprint.post("/staff/api/login")
async def login(request: Request):
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    given = request.headers.get("x-csrf-token", "")
    if (
        not cookie
        or not _same_origin(request)
        or not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), cookie.encode("utf-8", "surrogateescape"))
    ):
        return error(403, "missing or wrong CSRF token")
    try:
        body = _body(request)
    except staff.StaffError as exc:
        return _refused(exc)
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return response.json({"error": "username and password are required", "code": "invalid"}, status=400)
    ip = _ip(request)

    def check() -> tuple[dict, str, str] | staff.LoginRefused:
        with session_scope() as db:  # a refusal is committed too: the failure count and the audit entry
            try:
                account, token, csrf = staff.login(db, username, password, ip=ip)
            except staff.LoginRefused as exc:
                return exc
            return (
                {"username": account.username, "display_name": account.display_name, "role": account.role},
                token,
                csrf,
            )

    # argon2 takes a few hundred milliseconds and 64 MiB: off the event loop, two at a time at most.
    outcome = await asyncio.get_running_loop().run_in_executor(PASSWORD_CHECKS, check)
    if isinstance(outcome, staff.LoginRefused):
        refused = outcome
        reply = _refused(refused)
        if refused.locked_until is not None:
            reply = _json(
                {"error": str(refused), "code": refused.code, "locked_until": refused.locked_until.isoformat()},
                status=refused.status,
            )
        return reply
    me, token, csrf = outcome
    reply = _json({"me": me, "csrf": csrf})
    _set_cookie(reply, request, SESSION_COOKIE, token)
    _set_cookie(reply, request, LOGIN_CSRF_COOKIE, "", max_age=0)
    return reply


@staff_blueprint.post("/staff/api/logout")
@staff_route()
async def logout(request: Request, db, identity):
    staff.logout(db, identity, ip=_ip(request))
    reply = _json({"signed_out": True})
    _set_cookie(reply, request, SESSION_COOKIE, "", max_age=0)
    return reply


@staff_blueprint.get("/staff/api/me")
@staff_route()
async def me(_request: Request, _db, identity):
    return _json({"me": staff.identity_json(identity), "csrf": identity.csrf_token})


# --- complaints and feedback queue --------------------------------------------------------


def _status_arg(request: Request) -> str | None:
    status = request.args.get("status") or None
    return None if status == "all" else status


@staff_blueprint.get("/staff/api/queue")
@staff_route("queue")
async def queue(request: Request, db, identity):
    return _json(staff.queue(db, identity, _status_arg(request)))


@staff_blueprint.get("/staff/api/queue.csv")
@staff_route("queue")
async def queue_csv(request: Request, db, identity):
    text = staff.queue_csv(db, identity, _status_arg(request), ip=_ip(request))
    return response.text(
        text,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="khieu-nai-gop-y.csv"'},
    )


@staff_blueprint.get("/staff/api/queue/<key>")
@staff_route("queue")
async def queue_item(request: Request, db, identity, key: str):
    return _json(staff.queue_item(db, identity, key, ip=_ip(request)))


@staff_blueprint.post("/staff/api/queue/<key>/take")
@staff_route("queue")
async def take(request: Request, db, identity, key: str):
    return _json(staff.take(db, identity, key, ip=_ip(request)))


@staff_blueprint.post("/staff/api/queue/<key>/status")
@staff_route("queue")
async def set_status(request: Request, db, identity, key: str):
    status = _body(request).get("status")
    return _json(staff.set_status(db, identity, key, status if isinstance(status, str) else "", ip=_ip(request)))


@staff_blueprint.post("/staff/api/queue/<key>/answer")
@staff_route("queue")
async def answer(request: Request, db, identity, key: str):
    text = _body(request).get("text")
    return _json(staff.answer(db, identity, key, text if isinstance(text, str) else "", ip=_ip(request)))


@staff_blueprint.get("/staff/api/ratings")
@staff_route("ratings")
async def ratings(_request: Request, db, _identity):
    return _json(staff.ratings(db))


# --- analytics (the province's administrator) ---------------------------------------------


def _analytics(request: Request, db) -> dict:
    channel = request.args.get("channel") or None
    try:
        first, last = analytics.parse_range(request.args.get("from"), request.args.get("to"))
        return analytics.report(db, first, last, None if channel == "all" else channel)
    except analytics.AnalyticsError as exc:
        raise staff.StaffError(exc.code, str(exc)) from exc


@staff_blueprint.get("/staff/api/analytics")
@staff_route("analytics")
async def analytics_report(request: Request, db, _identity):
    return _json(_analytics(request, db))


@staff_blueprint.get("/staff/api/analytics.csv")
@staff_route("analytics")
async def analytics_csv(request: Request, db, identity):
    data = _analytics(request, db)
    detail = {"from": data["from"], "to": data["to"], "channel": data["channel"]}
    staff.audit(db, identity, "analytics.export", detail=detail, ip=_ip(request))
    return response.text(
        analytics.report_csv(data),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="thong-ke-{data["from"]}-{data["to"]}.csv"'},
    )


@staff_blueprint.get("/staff/api/analytics/unanswered.yml")
@staff_route("analytics")
async def analytics_unanswered(request: Request, db, identity):
    """The unanswered questions as candidate NLU training examples (Rasa YAML), for review: never trained."""
    data = _analytics(request, db)
    detail = {"from": data["from"], "to": data["to"], "channel": data["channel"], "groups": len(data["unanswered"])}
    staff.audit(db, identity, "analytics.export_nlu", detail=detail, ip=_ip(request))
    return response.text(
        analytics.unanswered_nlu_yaml(data),
        content_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="chua-tra-loi-{data["from"]}-{data["to"]}.yml"'},
    )


# --- accounts and audit (the province's administrator) -------------------------------------


@staff_blueprint.get("/staff/api/accounts")
@staff_route("accounts")
async def accounts(_request: Request, db, _identity):
    return _json({"accounts": staff.list_accounts(db)})


@staff_blueprint.post("/staff/api/accounts")
@staff_route("accounts")
async def create_account(request: Request, db, identity):
    body = _body(request)
    fields = {name: body.get(name) for name in ("username", "display_name", "role", "password", "commune")}
    if not all(isinstance(value, str) or value is None for value in fields.values()):
        raise staff.StaffError("bad_json", "every field is text")
    account = staff.create_account(
        db,
        fields["username"] or "",
        fields["display_name"] or "",
        fields["role"] or "",
        fields["password"] or "",
        fields["commune"],
        by=identity,
        ip=_ip(request),
    )
    return _json({"username": account.username, "role": account.role}, status=201)


@staff_blueprint.post("/staff/api/accounts/<username>/active")
@staff_route("accounts")
async def account_active(request: Request, db, identity, username: str):
    active = _body(request).get("active")
    if not isinstance(active, bool):
        raise staff.StaffError("bad_json", "active must be true or false")
    staff.set_account_active(db, identity, username, active, ip=_ip(request))
    return _json({"username": username, "active": active})


@staff_blueprint.get("/staff/api/audit")
@staff_route("audit")
async def audit_log(request: Request, db, _identity):
    action = request.args.get("action") or None
    return _json({"entries": staff.audit_log(db, limit=500, action=action)})


# --- catalogue review (the province's administrator) ---------------------------------------


@staff_blueprint.get("/staff/api/catalogue")
@staff_route("catalogue")
async def catalogue_list(request: Request, db, _identity):
    query = (request.args.get("q") or "").strip()[:MAX_QUERY_LENGTH]
    offset = request.args.get("offset") or "0"
    if not offset.isdigit() or len(offset) > 7:
        raise staff.StaffError("bad_offset", "offset is a whole number")
    return _json(catalogue_review.review_list(db, query, request.args.get("only") or "all", int(offset)))


@staff_blueprint.get("/staff/api/catalogue/<code>")
@staff_route("catalogue")
async def catalogue_detail(_request: Request, db, _identity, code: str):
    return _json(catalogue_review.review_detail(db, code))


@staff_blueprint.post("/staff/api/catalogue/<code>/aliases")
@staff_route("catalogue")
async def catalogue_aliases(request: Request, db, identity, code: str):
    body = _body(request)
    return _json(
        catalogue_review.set_aliases(
            db, identity, code, body.get("added", []), body.get("removed", []), ip=_ip(request)
        )
    )


@staff_blueprint.post("/staff/api/catalogue/<code>/hidden")
@staff_route("catalogue")
async def catalogue_hidden(request: Request, db, identity, code: str):
    body = _body(request)
    return _json(catalogue_review.set_hidden(db, identity, code, body.get("hidden"), body.get("note"), ip=_ip(request)))


@staff_blueprint.post("/staff/api/catalogue/<code>/facts")
@staff_route("catalogue")
async def catalogue_fact(request: Request, db, identity, code: str):
    body = _body(request)
    return _json(
        catalogue_review.correct_fact(
            db, identity, code, body.get("field"), body.get("value"), body.get("note"), ip=_ip(request)
        )
    )


# --- assisted mode at the support point ----------------------------------------------------


@staff_blueprint.get("/staff/api/procedures")
@staff_route("assisted")
async def procedures(request: Request, db, _identity):
    query = (request.args.get("q") or "").strip()
    if not query or len(query) > MAX_QUERY_LENGTH:
        raise staff.StaffError("bad_query", f"q is 1 to {MAX_QUERY_LENGTH} characters")
    result = search_procedures(db, query, limit=20)
    return _json(
        {"results": [{"code": h.code, "name": h.name, "field": h.field, "agency": h.agency} for h in result.hits]}
    )


def _record(db, code: str) -> dict:
    record = get_procedure_record(db, code)
    if record is None:
        raise staff.StaffError("not_found", f"no procedure with code {code}", 404)
    return record


@staff_blueprint.get("/staff/api/procedures/<code>")
@staff_route("assisted")
async def procedure(_request: Request, db, _identity, code: str):
    record = _record(db, code)
    return _json({"record": record, "cases": document_cases(record)})


@staff_blueprint.get("/staff/api/procedures/<code>/checklist")
@staff_route("assisted")
async def checklist(request: Request, db, identity, code: str):
    record = _record(db, code)
    try:
        chosen = parse_case_indexes(request.args.get("cases"), len(document_cases(record)))
    except ValueError as exc:
        raise staff.StaffError("bad_cases", str(exc)) from exc
    staff.audit(
        db, identity, "assisted.checklist", target=f"procedure:{code}", detail={"cases": chosen}, ip=_ip(request)
    )
    return _json(build_checklist(record, chosen))


@staff_blueprint.post("/staff/api/procedures/<code>/send")
@staff_route("assisted")
async def send_checklist(request: Request, db, identity, code: str):
    """The checklist into the citizen's conversation the staff member holds (Zalo, Messenger, the web page)."""
    body = _body(request)
    live_id, cases = body.get("live_id"), body.get("cases")
    if not isinstance(live_id, int) or isinstance(live_id, bool) or not isinstance(cases, (str, type(None))):
        raise staff.StaffError("bad_json", "live_id is a number, cases a text like '0,2'")
    record = _record(db, code)
    try:
        chosen = parse_case_indexes(cases, len(document_cases(record)))
    except ValueError as exc:
        raise staff.StaffError("bad_cases", str(exc)) from exc
    text = checklist_text(build_checklist(record, chosen))
    return _json(live_handover.send_checklist(db, identity, live_id, code, text, body.get("agreed"), ip=_ip(request)))


@staff_blueprint.get("/staff/api/procedures/<code>/qr.svg")
@staff_route("assisted")
async def procedure_qr(_request: Request, db, _identity, code: str):
    url = build_checklist(_record(db, code))["online_url"]
    if not url:
        raise staff.StaffError("no_online_link", "the procedure has no online link", 404)
    return response.raw(qr_svg(url), content_type="image/svg+xml")


# --- live hand-over ------------------------------------------------------------------------

STREAM_SECONDS = 300  # a stream ends after this; EventSource reconnects (and the session is checked again)


def _live_id(live_id: str) -> int:
    if not live_id.isdigit() or len(live_id) > 12:
        raise staff.StaffError("not_found", "no such hand-over", 404)
    return int(live_id)


@staff_blueprint.get("/staff/api/live")
@staff_route("queue")
async def live_inbox(_request: Request, db, identity):
    live_handover.sweep(db)
    return _json(live_handover.inbox(db, identity))


@staff_blueprint.get("/staff/api/live/<live_id>")
@staff_route("queue")
async def live_conversation(request: Request, db, identity, live_id: str):
    return _json(live_handover.conversation(db, identity, _live_id(live_id), ip=_ip(request)))


@staff_blueprint.post("/staff/api/live/<live_id>/take")
@staff_route("queue")
async def live_take(request: Request, db, identity, live_id: str):
    return _json(live_handover.take(db, identity, _live_id(live_id), ip=_ip(request)))


@staff_blueprint.post("/staff/api/live/<live_id>/messages")
@staff_route("queue")
async def live_send(request: Request, db, identity, live_id: str):
    text = _body(request).get("text")
    return _json(
        live_handover.send(db, identity, _live_id(live_id), text if isinstance(text, str) else "", _ip(request))
    )


@staff_blueprint.post("/staff/api/live/<live_id>/return")
@staff_route("queue")
async def live_return(request: Request, db, identity, live_id: str):
    return _json(live_handover.give_back(db, identity, _live_id(live_id), ip=_ip(request)))


@staff_blueprint.get("/staff/api/live/events")
async def live_events(request: Request):
    """Server-sent events: ``inbox`` (the live hand-overs) whenever a hand-over or a message changes.

    The session is checked at every look (401 without one; ``signed_out`` once it ends) without
    counting as use, so an open console still times out; the database is looked at every
    ``LIVE_POLL_SECONDS`` in short transactions, never held open while waiting.
    """
    token = request.cookies.get(SESSION_COOKIE)
    with session_scope() as db:  # not counted as use: an open console still times out when idle
        identity = live_handover.signed_in(db, token)
        if identity is None:
            return error(401, "sign in first")
        account_id = identity.account.id
    loop = asyncio.get_running_loop()

    def snapshot(previous):
        with session_scope() as db:
            found = live_handover.signed_in(db, token)
            if found is None or found.account.id != account_id:
                return None, None
            live_handover.sweep(db)
            mark = live_handover.change_mark(db)
            if mark == previous:
                return mark, {}
            return mark, live_handover.inbox(db, found)

    reply = await request.respond(
        content_type="text/event-stream; charset=utf-8",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", **SECURITY_HEADERS},
    )
    mark = None
    started = loop.time()
    last_write = started
    try:
        while loop.time() - started < STREAM_SECONDS:
            try:
                mark, inbox = await loop.run_in_executor(None, snapshot, mark)
            except Exception as exc:  # the database is down for a moment: try again, the page keeps what it has
                logger.warning("live stream: %s", type(exc).__name__)
                mark, inbox = mark or (), {}
            if mark is None:
                await reply.send("event: signed_out\ndata: {}\n\n")
                break
            if inbox:
                await reply.send("event: inbox\ndata: " + json.dumps(inbox, ensure_ascii=False) + "\n\n")
                last_write = loop.time()
            elif loop.time() - last_write > 15:
                await reply.send(": keep-alive\n\n")  # proxies close silent connections
                last_write = loop.time()
            await asyncio.sleep(settings().live_poll_seconds)
        await reply.eof()
    except (ConnectionError, asyncio.CancelledError, OSError):
        pass  # the console went away
