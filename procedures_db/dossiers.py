"""Dossier store: upsert with status history, owner verification, views of a stored dossier.

Every function takes a SQLAlchemy ``Session`` and leaves committing to the
caller. The rules that need no database (validation, phone digests, statuses,
times) are in ``core/dossier_rules.py``.
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core.dossier_rules import (
    FINISHED_STATUSES,
    DossierValidationError,
    as_utc,
    canonical_code,
    local_time,
    phone_digest,
    phone_hash_key,
    status_label,
    validate_payload,
)
from procedures_db.models import Dossier, DossierEvent, Procedure

logger = logging.getLogger(__name__)


def get_dossier(session: Session, code: str) -> Dossier | None:
    """The dossier with this code, typed with or without dots/spaces; None if unknown."""
    canonical = canonical_code(code or "")
    if canonical is None:
        return None
    return session.scalar(select(Dossier).where(Dossier.code == canonical))


def upsert_dossier(session: Session, payload: Mapping[str, Any], *, at: datetime | None = None) -> tuple[Dossier, bool]:
    """Create or update a dossier by code; returns ``(dossier, created)``.

    Sending the same payload twice changes nothing. A new status, or a new note
    (e.g. the documents to supplement), appends a history event dated ``at``
    (default: now). Raises :class:`DossierValidationError` for invalid input.
    """
    dossier, outcome = apply_payload(session, payload, at=at)
    return dossier, outcome == "created"


def apply_payload(session: Session, payload: Mapping[str, Any], *, at: datetime | None = None) -> tuple[Dossier, str]:
    """Like :func:`upsert_dossier`, reporting ``"created"``, ``"updated"`` or ``"unchanged"``."""
    at = as_utc(at) or datetime.now(timezone.utc)
    raw_code = payload.get("code") if isinstance(payload, Mapping) else None
    existing = get_dossier(session, raw_code) if isinstance(raw_code, str) else None
    clean = validate_payload(payload, require_phone=existing is None)
    key = phone_hash_key()  # fail before touching anything when the key is missing

    if existing is None:
        dossier = Dossier(code=clean["code"])
        _apply_fields(dossier, clean, key, at)
        session.add(dossier)
        session.flush()
        return dossier, "created"
    changed = _apply_fields(existing, clean, key, at)
    if changed:
        session.flush()
    return existing, "updated" if changed else "unchanged"


def _apply_fields(dossier: Dossier, clean: dict[str, Any], key: bytes, at: datetime) -> bool:
    """Copy ``clean`` onto ``dossier``, appending a history event when due; True if anything changed."""
    new_values: dict[str, Any] = {
        "procedure_code": clean["procedure_code"],
        "applicant_name": clean["applicant_name"],
        "received_at": clean["received_at"],
        "due_at": clean["due_at"],
        "note": clean["note"],
    }
    if clean["phone"]:
        new_values["phone_last4_digest"] = phone_digest(dossier.code, clean["phone"][-4:], key)

    status_changed = dossier.status != clean["status"]
    note_added = bool(clean["note"]) and clean["note"] != dossier.note
    if status_changed:
        new_values["status"] = clean["status"]
        # returned_at is when the result was handed over; it means nothing in another status.
        new_values["returned_at"] = at if clean["status"] == "returned" else None

    changed = status_changed
    for name, value in new_values.items():
        if not _same(getattr(dossier, name), value):
            setattr(dossier, name, value)
            changed = True
    if status_changed or note_added:
        dossier.history.append(DossierEvent(status=clean["status"], note=clean["note"], at=at))
    return changed


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) or isinstance(new, datetime):
        return as_utc(old) == as_utc(new)
    return old == new


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    status_label_vi: str
    note: str | None
    at: datetime  # Vietnam time


@dataclass(frozen=True)
class DossierView:
    """What a verified citizen may be told about their dossier (no name, no phone)."""

    code: str
    procedure_code: str | None
    procedure_name: str | None
    status: str
    status_label_vi: str
    received_at: datetime | None  # times are aware, in Vietnam time
    due_at: datetime | None
    returned_at: datetime | None
    overdue: bool
    note: str | None  # the latest note, e.g. what to supplement
    history: list[HistoryEntry] = field(default_factory=list)


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    """Past its due time while the agency still has work to do (trễ hẹn)."""
    due = as_utc(dossier.due_at)
    now = as_utc(now) or datetime.now(timezone.utc)
    return due is not None and now > due and dossier.status not in FINISHED_STATUSES


def to_view(session: Session, dossier: Dossier, now: datetime | None = None) -> DossierView:
    procedure_name = None
    if dossier.procedure_code:
        procedure_name = session.scalar(select(Procedure.name).where(Procedure.code == dossier.procedure_code))
    return DossierView(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=procedure_name,
        status=dossier.status,
        status_label_vi=status_label(dossier.status),
        received_at=local_time(dossier.received_at),
        due_at=local_time(dossier.due_at),
        returned_at=local_time(dossier.returned_at),
        overdue=is_overdue(dossier, now),
        note=dossier.note,
        history=[
            HistoryEntry(event.status, status_label(event.status), event.note, local_time(event.at))
            for event in dossier.history
        ],
    )


def verify_owner(session: Session, code: str, last4: str) -> DossierView | None:
    """The dossier's view if ``last4`` are the last 4 digits of its phone, else None.

    An unknown code and wrong digits give the same answer, after the same work
    (one query for the digest, one HMAC; the dossier and its history are loaded
    only when the digits match), so the chat cannot be used to learn whether a
    dossier exists. Rate-limiting attempts is up to the caller (lookup_locks.py).
    """
    key = phone_hash_key()
    digits = re.sub(r"\s", "", str(last4 or ""))
    canonical = canonical_code(code) if isinstance(code, str) else None
    found = session.execute(
        select(Dossier.id, Dossier.phone_last4_digest).where(Dossier.code == (canonical or ""))
    ).first()
    candidate = phone_digest(canonical or "unknown", digits, key)
    expected = found.phone_last4_digest if found else "0" * len(candidate)
    matches = hmac.compare_digest(candidate, expected)
    if found is None or not matches or not re.fullmatch(r"[0-9]{4}", digits):
        return None
    return to_view(session, session.get(Dossier, found.id))


def _iso(value: datetime | None) -> str | None:
    local = local_time(value)
    return local.isoformat() if local else None


def dossier_to_json(dossier: Dossier, now: datetime | None = None) -> dict[str, Any]:
    """The staff view of a dossier, times in Vietnam time. Never includes the phone digest."""
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "applicant_name": dossier.applicant_name,
        "status": dossier.status,
        "status_label_vi": status_label(dossier.status),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "returned_at": _iso(dossier.returned_at),
        "overdue": is_overdue(dossier, now),
        "note": dossier.note,
        "updated_at": _iso(dossier.updated_at),
        "history": [
            {"status": e.status, "status_label_vi": status_label(e.status), "note": e.note, "at": _iso(e.at)}
            for e in dossier.history
        ],
    }


def apply_in_savepoint(session: Session, payload: Any) -> tuple[str | None, list[tuple[str, str]]]:
    """Apply one record in its own savepoint: ``(outcome, [])`` or ``(None, errors)``.

    A bad record is rolled back alone and never aborts the records around it.
    """
    try:
        with session.begin_nested():
            _, outcome = apply_payload(session, payload)
        return outcome, []
    except DossierValidationError as exc:
        return None, exc.errors
    except SQLAlchemyError as exc:  # a constraint the validation did not foresee
        logger.warning("dossier record rejected by the database: %s", exc)
        return None, [("record", str(exc).splitlines()[0])]


def dossier_count(session: Session) -> int:
    return session.scalar(select(func.count(Dossier.id))) or 0
