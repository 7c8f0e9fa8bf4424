"""Catalogue look-up shared by the actions, the NLU's entity linker and the HTTP API.

The search index and the procedures read so far are cached per database and
dropped when the catalogue changes (checked at most every few seconds, so an
import shows up without a restart).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.ranking import CatalogueEntry, CatalogueIndex, SearchResult
from core.text import folded_text
from procedures_db.catalogue import catalogue_rows, catalogue_version, load_procedure, support_points
from procedures_db.catalogue_overrides import apply_to_procedure as apply_review
from procedures_db.models import Procedure, SupportPoint
from procedures_db.records import to_record

__all__ = [
    "Procedure",
    "SupportPoint",
    "catalogue_index",
    "catalogue_fingerprint",
    "search_procedures",
    "get_procedure",
    "get_procedure_record",
    "list_support_points",
]

INDEX_CHECK_SECONDS = 5.0


@dataclass
class _CachedCatalogue:
    version: tuple
    index: CatalogueIndex
    checked_at: float
    procedures: dict[str, Procedure] = field(default_factory=dict)


_catalogues: dict[str, _CachedCatalogue] = {}
_lock = threading.Lock()


def _build(session: Session) -> CatalogueIndex:
    return CatalogueIndex(
        CatalogueEntry(code, name, field, tuple(levels or ()), agency, tuple(aliases or ()), subjects)
        for code, name, field, levels, agency, aliases, subjects in catalogue_rows(session)
    )


def _cached_catalogue(session: Session) -> _CachedCatalogue:
    key = str(session.get_bind().url)
    cached = _catalogues.get(key)
    now = time.monotonic()
    if cached and now - cached.checked_at < INDEX_CHECK_SECONDS:
        return cached
    with _lock:
        cached = _catalogues.get(key)
        version = catalogue_version(session)
        if cached is None or cached.version != version:
            cached = _CachedCatalogue(version, _build(session), now)
            _catalogues[key] = cached
        cached.checked_at = now
        return cached


def catalogue_fingerprint(session: Session) -> str:
    """Digest of what the search index is built from (read now, not from the cache).

    The NLU's entity linker masks the mentions it finds in the training data: a model
    is trained with one catalogue, and this tells which (bot/components/procedure_linker.py).
    """
    digest = hashlib.sha256()
    for row in catalogue_rows(session):
        digest.update(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8"))
    return digest.hexdigest()


def catalogue_index(session: Session) -> CatalogueIndex:
    return _cached_catalogue(session).index


def search_procedures(session: Session, query: str, limit: int = 10) -> SearchResult:
    return catalogue_index(session).search(query, limit=limit)


def get_procedure(session: Session, code: str) -> Procedure | None:
    """The procedure with all its parts, as a read-only snapshot shared by callers.

    Loading a procedure reads a dozen child tables (most of an answer's time);
    it is kept until the catalogue changes.
    """
    cached = _cached_catalogue(session)
    procedure = cached.procedures.get(code)
    if procedure is None:
        procedure = apply_review(session, load_procedure(session, code))  # hidden: None; corrected facts
        if procedure is not None:
            cached.procedures[code] = procedure
    return procedure


def get_procedure_record(session: Session, code: str) -> dict | None:
    procedure = get_procedure(session, code)
    return to_record(procedure) if procedure else None


# The shipped seed's support points (procedures_db/seed/support_points.json) are samples that show a
# province the format: their names, addresses and hours say "mẫu", so citizens are never told them.
SAMPLE_KEY_PREFIX = "demo-"


def list_support_points(session: Session, place: str | None = None, limit: int = 3) -> list[SupportPoint]:
    """The province's support points (never the samples), those whose commune or province matches ``place`` first."""
    points = [p for p in support_points(session) if not p.key.startswith(SAMPLE_KEY_PREFIX)]
    if place:
        wanted = folded_text(place)
        points.sort(key=lambda p: not any(part and folded_text(part) in wanted for part in (p.commune, p.province)))
    return points[:limit]
