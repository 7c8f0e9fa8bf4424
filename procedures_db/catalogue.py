"""Read functions over the catalogue: what actions, NLU components and the API call.

The search index is cached per database and rebuilt when the catalogue changes
(checked at most every few seconds, so an import shows up without a restart).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procedures_db.models import Procedure, SupportPoint
from procedures_db.records import to_record
from procedures_db.search import CatalogueEntry, CatalogueIndex, SearchResult
from procedures_db.text import folded_text

INDEX_CHECK_SECONDS = 5.0


@dataclass
class _CachedIndex:
    version: tuple
    index: CatalogueIndex
    checked_at: float


_indexes: dict[str, _CachedIndex] = {}
_lock = threading.Lock()


def _version(session: Session) -> tuple:
    count, latest = session.execute(select(func.count(Procedure.id), func.max(Procedure.modified_at))).one()
    return count, str(latest)


def _build(session: Session) -> CatalogueIndex:
    rows = session.execute(
        select(Procedure.code, Procedure.name, Procedure.field, Procedure.levels, Procedure.agency, Procedure.aliases)
        .order_by(Procedure.code)  # ties rank by code, the same on every database
    )
    return CatalogueIndex(
        CatalogueEntry(code, name, field, tuple(levels or ()), agency, tuple(aliases or ()))
        for code, name, field, levels, agency, aliases in rows
    )


def catalogue_index(session: Session) -> CatalogueIndex:
    key = str(session.get_bind().url)
    cached = _indexes.get(key)
    now = time.monotonic()
    if cached and now - cached.checked_at < INDEX_CHECK_SECONDS:
        return cached.index
    with _lock:
        cached = _indexes.get(key)
        version = _version(session)
        if cached is None or cached.version != version:
            cached = _CachedIndex(version, _build(session), now)
            _indexes[key] = cached
        cached.checked_at = now
        return cached.index


def search_procedures(session: Session, query: str, limit: int = 10) -> SearchResult:
    return catalogue_index(session).search(query, limit=limit)


def get_procedure(session: Session, code: str) -> Procedure | None:
    return session.scalar(select(Procedure).where(Procedure.code == code))


def get_procedure_record(session: Session, code: str) -> dict | None:
    procedure = get_procedure(session, code)
    return to_record(procedure) if procedure else None


def procedure_count(session: Session) -> int:
    return session.scalar(select(func.count(Procedure.id))) or 0


def list_support_points(session: Session, place: str | None = None, limit: int = 3) -> list[SupportPoint]:
    """Support points, those whose commune or province matches ``place`` first."""
    points = list(session.scalars(select(SupportPoint).order_by(SupportPoint.id)))
    if place:
        wanted = folded_text(place)
        points.sort(key=lambda p: not any(
            part and folded_text(part) in wanted for part in (p.commune, p.province)
        ))
    return points[:limit]
