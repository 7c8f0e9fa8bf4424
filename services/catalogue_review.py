"""Catalogue review for the province's administrators: imported procedures with their warnings, aliases, hiding, corrected facts.

The imported record is never changed: the review is stored beside it
(procedures_db/catalogue_overrides.py) and applied whenever the catalogue is read,
so the assistant (search, the NLU's linker, answers) sees a change within
``INDEX_CHECK_SECONDS`` of services/catalogue.py, without retraining, and a
re-import keeps it. Every change is written to the staff audit log (who, what,
before and after) in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Optional

from sqlalchemy.orm import Session

from core.text import folded_text
from procedures_db import catalogue_overrides as overrides
from procedures_db.catalogue import folk_aliases, load_procedure
from procedures_db.provenance import SOURCE
from procedures_db.records import to_record
from services.staff import Identity, StaffError, audit, audit_log

FILTERS = ("all", "warnings", "hidden", "reviewed")
# Warnings of an imported record (the console words each in Vietnamese, the README lists them).
WARNINGS = {
    "no_documents": "the record lists no documents",
    "no_fee": "the record gives no fee (not even 'free')",
    "no_processing_time": "the record gives no processing time",
    "no_agency": "the record names no agency",
    "from_seed": "some facts come from the shipped seed, not from the national page (older)",
    "no_source": "the record says nowhere where it was imported from",
}
PAGE = 100


def _iso(moment: Any) -> Optional[str]:
    if moment is None:
        return None
    if isinstance(moment, datetime) and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat() if isinstance(moment, (datetime, date)) else str(moment)


def _warnings(row: dict) -> list[dict]:
    found: list[dict[str, Any]] = [{"code": f"no_{name}"} for name, present in row["has"].items() if not present]
    source = row["extra"].get(SOURCE)
    if not isinstance(source, dict):
        found.append({"code": "no_source"})
    elif source.get("seed_fields"):
        found.append(
            {
                "code": "from_seed",
                "fields": list(source["seed_fields"]),
                "seed_updated_at": source.get("seed_updated_at"),
            }
        )
    return found


def _source(extra: dict) -> Optional[dict]:
    source = extra.get(SOURCE)
    if not isinstance(source, dict):
        return None
    return {key: source.get(key) for key in ("kind", "file", "line")}


def review_list(session: Session, query: str = "", only: str = "all", offset: int = 0) -> dict:
    """A page of the catalogue for review: each procedure with its source, warnings and review state."""
    if only not in FILTERS:
        raise StaffError("bad_filter", f"only is one of {', '.join(FILTERS)}")
    wanted = folded_text(query or "").strip()
    reviewed = overrides.all_overrides(session)
    items = []
    counts = {name: 0 for name in FILTERS}
    for row in overrides.review_rows(session):
        found = reviewed.get(row["code"])
        warnings = _warnings(row)
        state = {
            "all": True,
            "warnings": bool(warnings),
            "hidden": bool(found and found.hidden),
            "reviewed": found is not None,
        }
        for name, applies in state.items():
            counts[name] += applies
        if not state[only]:
            continue
        if wanted and wanted not in folded_text(f"{row['code']} {row['name']}"):
            continue
        items.append(
            {
                "code": row["code"],
                "name": row["name"],
                "field": row["field"],
                "source": _source(row["extra"]),
                "updated_at": _iso(row["updated_at"]),
                "warnings": warnings,
                "hidden": state["hidden"],
                "aliases_added": len(found.aliases_added or ()) if found else 0,
                "facts_corrected": sorted((found.facts or {}) if found else ()),
            }
        )
    offset = max(0, offset)
    return {"items": items[offset : offset + PAGE], "total": len(items), "offset": offset, "counts": counts}


def _original_fact(record: dict, field: str) -> Any:
    if field == "fee":
        return "; ".join(fee.get("text") or "" for fee in record.get("fees") or ()) or None
    return record.get(field)


def review_detail(session: Session, code: str) -> dict:
    """One procedure as imported, with its aliases from each source, its review and the review's history."""
    procedure = load_procedure(session, code)
    if procedure is None:
        raise StaffError("not_found", f"no procedure with code {code}", 404)
    record = to_record(procedure)
    row = overrides.override_for(session, code)
    file_aliases = list(folk_aliases().get(code, ()))
    imported = list(dict.fromkeys([*(procedure.aliases or ()), *file_aliases]))
    facts = {}
    for field in overrides.CORRECTABLE_FIELDS:
        fact = (row.facts or {}).get(field) if row else None
        facts[field] = {"original": _original_fact(record, field), "corrected": fact}
    has = {
        "documents": bool(procedure.documents),
        "fee": bool(procedure.fees) or any(m.fee_text for m in procedure.methods),
    }
    has["processing_time"] = bool(procedure.processing_time) or any(m.processing_time for m in procedure.methods)
    has["agency"] = bool(procedure.agency)
    return {
        "code": code,
        "name": procedure.name,
        "field": procedure.field,
        "updated_at": _iso(procedure.updated_at),
        "source_url": procedure.source_url,
        "source": _source(procedure.extra or {}),
        "warnings": _warnings({"has": has, "extra": procedure.extra or {}}),
        "aliases": {
            "record": list(procedure.aliases or ()),
            "file": file_aliases,
            "added": list(row.aliases_added or ()) if row else [],
            "removed": list(row.aliases_removed or ()) if row else [],
            "effective": overrides.merged_aliases(imported, row),
        },
        "hidden": bool(row and row.hidden),
        "hidden_note": row.hidden_note if row else None,
        "facts": facts,
        "correctable": list(overrides.CORRECTABLE_FIELDS),
        "history": audit_log(session, limit=50, target=f"procedure:{code}"),
    }


def _exists(session: Session, code: str) -> None:
    if not isinstance(code, str) or not code or len(code) > 64 or load_procedure(session, code) is None:
        raise StaffError("not_found", f"no procedure with code {code}", 404)


def _clean_aliases(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise StaffError("bad_aliases", "aliases are a list of text")
    cleaned = list(dict.fromkeys(" ".join(v.split()) for v in values if v.strip()))
    if len(cleaned) > overrides.MAX_ALIASES or any(len(v) > overrides.MAX_ALIAS_LENGTH for v in cleaned):
        raise StaffError(
            "bad_aliases", f"at most {overrides.MAX_ALIASES} aliases of {overrides.MAX_ALIAS_LENGTH} characters each"
        )
    if any(len(folded_text(v).split()) < 1 or len(folded_text(v)) < 3 for v in cleaned):
        raise StaffError("bad_aliases", "an alias has at least 3 letters")
    return cleaned


def set_aliases(
    session: Session, identity: Identity, code: str, added: Any, removed: Any, ip: Optional[str] = None
) -> dict:
    """The administrator's aliases of a procedure: those added (folk names) and those removed (any source)."""
    _exists(session, code)
    added, removed = _clean_aliases(added), _clean_aliases(removed)
    row = overrides.override_for_update(session, code, identity.account.id)
    before = {"added": list(row.aliases_added or ()), "removed": list(row.aliases_removed or ())}
    row.aliases_added, row.aliases_removed = added, removed
    audit(
        session,
        identity,
        "catalogue.aliases",
        target=f"procedure:{code}",
        detail={"before": before, "after": {"added": added, "removed": removed}},
        ip=ip,
    )
    session.flush()
    return review_detail(session, code)


def set_hidden(
    session: Session, identity: Identity, code: str, hidden: Any, note: Any, ip: Optional[str] = None
) -> dict:
    """Hides a procedure from the assistant (search, linking, answers) or shows it again; hiding needs a reason."""
    _exists(session, code)
    if not isinstance(hidden, bool):
        raise StaffError("bad_json", "hidden must be true or false")
    reason = " ".join(note.split()) if isinstance(note, str) else ""
    if hidden and not reason:
        raise StaffError("note_required", "say why the procedure is hidden")
    if len(reason) > overrides.MAX_NOTE_LENGTH:
        raise StaffError("note_too_long", f"the note is at most {overrides.MAX_NOTE_LENGTH} characters")
    row = overrides.override_for_update(session, code, identity.account.id)
    row.hidden, row.hidden_note = hidden, (reason or None)
    audit(
        session,
        identity,
        "catalogue.hide" if hidden else "catalogue.show",
        target=f"procedure:{code}",
        detail={"note": reason or None},
        ip=ip,
    )
    session.flush()
    return review_detail(session, code)


def correct_fact(
    session: Session, identity: Identity, code: str, field: Any, value: Any, note: Any, ip: Optional[str] = None
) -> dict:
    """Corrects one fact of a procedure with the note of its source; an empty value removes the correction."""
    _exists(session, code)
    if field not in overrides.CORRECTABLE_FIELDS:
        raise StaffError("bad_field", f"field is one of {', '.join(overrides.CORRECTABLE_FIELDS)}")
    text = " ".join(value.split()) if isinstance(value, str) else ""
    source = " ".join(note.split()) if isinstance(note, str) else ""
    if len(text) > overrides.MAX_FACT_LENGTH or len(source) > overrides.MAX_NOTE_LENGTH:
        raise StaffError("too_long", "the value or the note is too long")
    if text and not source:
        raise StaffError("note_required", "say where the corrected value comes from")
    if field == "online_url" and text and not text.startswith(("https://", "http://")):
        raise StaffError("bad_url", "the online link starts with https://")
    row = overrides.override_for_update(session, code, identity.account.id)
    facts = dict(row.facts or {})
    before = facts.get(field)
    if text:
        facts[field] = {"value": text, "note": source, "by": identity.account.username, "at": _iso(_now())}
    else:
        facts.pop(field, None)
    row.facts = facts
    audit(
        session,
        identity,
        "catalogue.fact" if text else "catalogue.fact.clear",
        target=f"procedure:{code}",
        detail={"field": field, "before": before, "value": text or None, "note": source or None},
        ip=ip,
    )
    session.flush()
    return review_detail(session, code)


def _now() -> datetime:
    return datetime.now(timezone.utc)
