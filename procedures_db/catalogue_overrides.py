"""Catalogue review store: administrators' aliases, hidden procedures and corrected facts, applied over the import.

One row per reviewed procedure (``catalogue_overrides``, migration 0004). They are
applied whenever the catalogue is read, never written into the imported record, so a
re-import keeps them: :func:`apply_to_rows` to the search index's rows (hidden
procedures left out, aliases added and removed), :func:`apply_to_procedure` to a loaded
procedure (hidden: None; a corrected fact replaces the field, followed by its note).
:func:`overrides_version` joins the catalogue's version, so every process's cached
index notices a change within ``INDEX_CHECK_SECONDS`` (services/catalogue.py).
"""

from __future__ import annotations

from typing import Iterable, Optional

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from procedures_db.models import (
    CatalogueOverride,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    SubmissionMethod,
    utcnow,
)

# The facts an administrator may correct: a procedure's field, or "fee" (its fees, as one text).
CORRECTABLE_FIELDS = ("processing_time", "fee", "agency", "result", "conditions", "online_url")
# A corrected fact as the assistant says it: the value, then where it comes from (a short label).
NOTED_VALUE = "{value} (nguồn: {note})"
MAX_ALIASES = 50
MAX_ALIAS_LENGTH = 200
MAX_FACT_LENGTH = 2000
MAX_NOTE_LENGTH = 500


def overrides_version(session: Session) -> tuple:
    """Changes whenever an override is written (count and latest change)."""
    count, latest = session.execute(
        select(func.count(CatalogueOverride.id), func.max(CatalogueOverride.updated_at))
    ).one()
    return count, str(latest)


def all_overrides(session: Session) -> dict[str, CatalogueOverride]:
    return {row.procedure_code: row for row in session.scalars(select(CatalogueOverride))}


def override_for(session: Session, code: str) -> Optional[CatalogueOverride]:
    return session.scalar(select(CatalogueOverride).where(CatalogueOverride.procedure_code == code))


def override_for_update(session: Session, code: str, account_id: Optional[int]) -> CatalogueOverride:
    """The procedure's override row, made when it has none; marked as changed now by ``account_id``."""
    row = override_for(session, code)
    if row is None:
        row = CatalogueOverride(procedure_code=code, hidden=False, aliases_added=[], aliases_removed=[], facts={})
        session.add(row)
    row.updated_by = account_id
    row.updated_at = utcnow()
    return row


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


def merged_aliases(aliases: Iterable[str], row: Optional[CatalogueOverride]) -> list[str]:
    """The aliases with the override's removed ones left out (whatever their case) and its added ones after."""
    if row is None:
        return list(dict.fromkeys(aliases))
    removed = {_folded(a) for a in row.aliases_removed or ()}
    kept = [a for a in aliases if _folded(a) not in removed]
    return list(dict.fromkeys([*kept, *(a for a in row.aliases_added or () if _folded(a) not in removed)]))


def apply_to_rows(session: Session, rows: list[tuple]) -> list[tuple]:
    """The search index's rows (code, name, field, levels, agency, aliases, subjects) after the review."""
    overrides = all_overrides(session)
    if not overrides:
        return rows
    out = []
    for row in rows:
        found = overrides.get(row[0])
        if found is None:
            out.append(row)
        elif not found.hidden:
            out.append((*row[:5], merged_aliases(row[5] or (), found), *row[6:]))
    return out


def noted(value: str, note: Optional[str]) -> str:
    return NOTED_VALUE.format(value=value, note=note) if note else value


def apply_to_procedure(session: Session, procedure: Optional[Procedure]) -> Optional[Procedure]:
    """The loaded (detached) procedure with its corrected facts; None when hidden.

    Values are set as if read from the database (nothing to flush). A corrected processing time
    replaces the per-method times too, a corrected fee the fee lines: the correction is what holds.
    """
    if procedure is None:
        return None
    row = override_for(session, procedure.code)
    if row is None:
        return procedure
    if row.hidden:
        return None
    for field, fact in (row.facts or {}).items():
        if field not in CORRECTABLE_FIELDS or not isinstance(fact, dict) or not fact.get("value"):
            continue
        value = noted(str(fact["value"]), fact.get("note"))
        if field == "fee":
            fee = ProcedureFee(position=1, text=value)
            set_committed_value(procedure, "fees", [fee])
            for method in procedure.methods:
                set_committed_value(method, "fee_text", None)
        elif field == "online_url":
            set_committed_value(procedure, field, str(fact["value"]))  # a link stays a link
        else:
            set_committed_value(procedure, field, value)
            if field == "processing_time":
                for method in procedure.methods:
                    set_committed_value(method, "processing_time", None)
    return procedure


def review_rows(session: Session) -> list[dict]:
    """Every procedure, by code, with what the review list shows: its source and which answers it lacks."""

    def having(model, *conditions) -> set[int]:
        query = select(model.procedure_id).where(*conditions).distinct()
        return set(session.scalars(query))

    documents = having(ProcedureDocument)
    fees = having(ProcedureFee) | having(SubmissionMethod, SubmissionMethod.fee_text.is_not(None))
    times = having(SubmissionMethod, SubmissionMethod.processing_time.is_not(None))
    rows = session.execute(
        select(
            Procedure.id,
            Procedure.code,
            Procedure.name,
            Procedure.field,
            Procedure.aliases,
            Procedure.extra,
            Procedure.agency,
            Procedure.processing_time,
            Procedure.updated_at,
        ).order_by(Procedure.code)
    )
    return [
        {
            "code": code,
            "name": name,
            "field": field,
            "aliases": list(aliases or ()),
            "extra": extra if isinstance(extra, dict) else {},
            "updated_at": updated_at,
            "has": {
                "documents": pid in documents,
                "fee": pid in fees,
                "processing_time": bool(processing_time) or pid in times,
                "agency": bool(agency),
            },
        }
        for pid, code, name, field, aliases, extra, agency, processing_time, updated_at in rows
    ]
