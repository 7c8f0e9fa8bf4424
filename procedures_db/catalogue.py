"""Catalogue reads: the queries behind the search index, procedures and support points.

The cache and the ranking live above (``services/catalogue.py``, ``core/ranking.py``).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procedures_db.models import Procedure, SupportPoint

CatalogueRow = tuple  # (code, name, field, levels, agency, aliases)


def catalogue_version(session: Session) -> tuple:
    """Changes whenever a procedure is added, removed or modified (children included)."""
    count, latest = session.execute(select(func.count(Procedure.id), func.max(Procedure.modified_at))).one()
    return count, str(latest)


def catalogue_rows(session: Session) -> list[CatalogueRow]:
    """What the search index is built from, ordered by code (ties rank the same on every database)."""
    rows = session.execute(
        select(Procedure.code, Procedure.name, Procedure.field, Procedure.levels, Procedure.agency, Procedure.aliases)
        .order_by(Procedure.code)
    )
    return [tuple(row) for row in rows]


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
