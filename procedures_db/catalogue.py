"""Catalogue queries and writes: the search index's rows, procedures, support points, bulk upserts.

The cache and the ranking live above (``services/catalogue.py``, ``core/ranking.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Iterator

import yaml
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from procedures_db.catalogue_overrides import apply_to_rows as apply_overrides
from procedures_db.catalogue_overrides import overrides_version
from procedures_db.models import Procedure, SupportPoint, utcnow
from procedures_db.records import apply_scalars, child_rows

CatalogueRow = tuple  # (code, name, field, levels, agency, aliases, subjects)

# Reviewed folk names keyed by national code (procedures_db/aliases/aliases.yml).
FOLK_ALIASES_FILE = Path(__file__).parent / "aliases" / "aliases.yml"


@lru_cache(maxsize=4)
def folk_aliases(path: Path = FOLK_ALIASES_FILE) -> dict[str, tuple[str, ...]]:
    """The alias file: national code -> folk names (entries that are not a list of text are skipped)."""
    with open(path, encoding="utf-8") as file:
        loaded = yaml.safe_load(file) or {}
    return {
        str(code): tuple(a.strip() for a in names if isinstance(a, str) and a.strip())
        for code, names in loaded.items()
        if isinstance(names, list)
    }


def catalogue_version(session: Session) -> tuple:
    """Changes whenever a procedure is added, removed or modified (children included)."""
    count, latest = session.execute(select(func.count(Procedure.id), func.max(Procedure.modified_at))).one()
    return count, str(latest), overrides_version(session)  # the administrators' review too


def catalogue_rows(session: Session) -> list[CatalogueRow]:
    """What the search index is built from, ordered by code (ties rank the same on every database).

    Each procedure's aliases are those of its record followed by the alias file's
    for its code (an alias file entry whose code is not in the catalogue is unused).
    """
    extra = folk_aliases()
    rows = session.execute(
        select(
            Procedure.code,
            Procedure.name,
            Procedure.field,
            Procedure.levels,
            Procedure.agency,
            Procedure.aliases,
            Procedure.subjects,
        ).order_by(Procedure.code)
    )
    return apply_overrides(  # the administrators' review: hidden ones left out, aliases added and removed
        session,
        [
            (code, name, field, levels, agency, list(dict.fromkeys([*(aliases or ()), *extra.get(code, ())])), subjects)
            for code, name, field, levels, agency, aliases, subjects in rows
        ],
    )


def load_procedure(session: Session, code: str) -> Procedure | None:
    """The procedure with all its parts, detached from the session (a commit cannot expire it)."""
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is not None:
        session.expunge(procedure)  # with its children (cascade)
    return procedure


def procedure_count(session: Session) -> int:
    return session.scalar(select(func.count(Procedure.id))) or 0


def support_points(session: Session) -> list[SupportPoint]:
    return list(session.scalars(select(SupportPoint).order_by(SupportPoint.id)))


def procedures_by_code(session: Session) -> dict[str, Procedure]:
    """Every procedure, by code (what an import compares its records with)."""
    return {p.code: p for p in session.scalars(select(Procedure))}


def procedures_in_code_order(session: Session) -> Iterator[Procedure]:
    return iter(session.scalars(select(Procedure).order_by(Procedure.code)))


def write_procedure(session: Session, procedure: Procedure, clean: dict, new: bool) -> None:
    """The procedure row through the ORM, its ~20 child rows as one bulk insert per table.

    Building an ORM object per document, step and method made the import of the
    national pages three times slower (one INSERT statement per child row).
    """
    if new:
        session.add(procedure)
    apply_scalars(procedure, clean)
    procedure.modified_at = utcnow()  # children may be all that changed: the catalogue cache must see it
    session.flush()
    children = child_rows(clean)
    for relation, (model, rows) in children.items():
        if not new:
            session.execute(delete(model).where(model.procedure_id == procedure.id))  # type: ignore[attr-defined]
        if rows:
            session.execute(insert(model), [{"procedure_id": procedure.id, **row} for row in rows])
    session.expire(procedure, list(children))  # read back from the database when next used


def support_points_by_key(session: Session) -> dict[str, SupportPoint]:
    return {p.key: p for p in session.scalars(select(SupportPoint))}


def has_support_points(session: Session) -> bool:
    return session.scalar(select(SupportPoint.id).limit(1)) is not None
