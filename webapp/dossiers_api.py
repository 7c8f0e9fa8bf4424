"""Dossier API for the one-stop system and staff (docs/interfaces.md), bearer-token protected.

``POST /api/dossiers`` upserts by code; ``GET /api/dossiers/<code>`` returns a
dossier with its history. ``GET /api/dossier-locks`` lists the dossiers whose
chat lookup is locked after wrong phone digits, and ``DELETE
/api/dossier-locks/<code>`` lifts a lock (procedures_db/lookup_locks.py).
Errors are JSON ``{"error": ...}``; invalid input adds ``"fields": {field:
message}`` so the sender knows exactly what to fix.
"""

from __future__ import annotations

import json
import logging

from sanic import Blueprint, response
from sanic.request import Request
from sqlalchemy.exc import IntegrityError

from core.dossier_rules import DossierValidationError, PhoneHashKeyMissing, canonical_code, local_time
from procedures_db.db import session_scope
from services.dossiers import dossier_to_json, get_dossier, list_locks, unlock, upsert_dossier
from webapp.http import bearer_token_required, error

logger = logging.getLogger(__name__)

dossiers_blueprint = Blueprint("dossiers")


def invalid(message: str, fields: dict[str, str] | None = None) -> response.HTTPResponse:
    return response.json({"error": message, "fields": fields or {}}, status=400, ensure_ascii=False)


def _read_json_object(request: Request) -> dict | None:
    """The body as a JSON object, or None when it is not one (Sanic's own parser would raise)."""
    try:
        body = json.loads((request.body or b"").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # RecursionError: absurd nesting
        return None
    return body if isinstance(body, dict) else None


def _store(payload: dict) -> tuple[dict, bool]:
    """Upsert in one transaction; returns the stored dossier as JSON and whether it was created."""
    with session_scope() as session:
        dossier, created = upsert_dossier(session, payload)
        return dossier_to_json(dossier), created


@dossiers_blueprint.post("/api/dossiers")
@bearer_token_required
async def post_dossier(request: Request):
    payload = _read_json_object(request)
    if payload is None:
        return invalid("body must be a JSON object", {"body": "must be a JSON object"})
    try:
        try:
            body, created = _store(payload)
        except IntegrityError:
            # Two pushes of a new code raced; the other one created it, so this one is an update.
            logger.info("concurrent create of dossier %s, retrying as an update", payload.get("code"))
            body, created = _store(payload)
    except DossierValidationError as exc:
        return invalid("invalid dossier", exc.by_field())
    except PhoneHashKeyMissing:
        logger.error("PHONE_HASH_KEY is not configured: dossiers cannot be stored")
        return error(503, "dossier store is not configured")
    logger.info("dossier %s %s (status %s)", body["code"], "created" if created else "updated", body["status"])
    return response.json(body, status=201 if created else 200, ensure_ascii=False)


@dossiers_blueprint.get("/api/dossiers/<code>", unquote=True)  # codes typed with spaces
@bearer_token_required
async def get_dossier_by_code(_request: Request, code: str):
    canonical = canonical_code(code)
    if canonical is None:
        return error(404, f"no dossier with code {code}")
    with session_scope() as session:
        dossier = get_dossier(session, canonical)
        body = dossier_to_json(dossier) if dossier else None
    if body is None:
        return error(404, f"no dossier with code {canonical}")
    return response.json(body, ensure_ascii=False)


@dossiers_blueprint.get("/api/dossier-locks")
@bearer_token_required
async def get_dossier_locks(_request: Request):
    """Dossiers whose chat lookup is locked now; codes that name no dossier are only counted."""
    with session_scope() as session:
        locks = list_locks(session)
    for lock in locks["locks"]:
        until = local_time(lock["locked_until"])
        lock["locked_until"] = until.isoformat() if until else None
    return response.json(locks, ensure_ascii=False)


@dossiers_blueprint.delete("/api/dossier-locks/<code>", unquote=True)
@bearer_token_required
async def delete_dossier_lock(_request: Request, code: str):
    """Lift the lock of a code (and forget its failures), e.g. after staff checked the citizen's identity."""
    canonical = canonical_code(code)
    if canonical is None:
        return invalid("not a dossier code", {"code": "is not a dossier code like 000.00.12.H48-251105-0012"})
    try:
        with session_scope() as session:
            removed = unlock(session, canonical)
    except PhoneHashKeyMissing:
        logger.error("PHONE_HASH_KEY is not configured: lookup locks cannot be read")
        return error(503, "dossier store is not configured")
    if not removed:
        return error(404, f"no lookup lock for {canonical}")
    return response.json({"code": canonical, "unlocked": True}, ensure_ascii=False)
