"""Where each procedure's current version came from (its record's ``source``, set by the importers), and renamed codes.

An import writes ``source`` into the procedure's ``extra`` (docs/interfaces.md): ``{"kind": "seed" |
"portal" | "file", "file": name, ...}``; a portal import adds the file's line and SHA-256. Reading
them back tells ``import-portal --if-changed`` which files are already in the store. A code the
shipped seed gave up for the national one is renamed here, with what points to it.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from procedures_db.models import Dossier, Feedback, HandoffRequest, Procedure

SOURCE = "source"  # the key of a procedure's extra that says where its current version was read from
REFERENCES = (Dossier, HandoffRequest, Feedback)  # tables that name a procedure by its code


def procedure_sources(session: Session) -> list[dict]:
    """The ``source`` of every procedure that has one (one query over a single column)."""
    found = []
    for extra in session.scalars(select(Procedure.extra)):
        source = extra.get(SOURCE) if isinstance(extra, dict) else None
        if isinstance(source, dict):
            found.append(source)
    return found


def rename_procedure_code(session: Session, old: str, new: str) -> str | None:
    """Give the procedure ``old`` the code ``new`` (dossiers, hand-overs and feedback follow).

    When ``new`` is already there (imported from the national data), the old record is merged
    into it: its aliases are added to the new one's, the references move, the old one is deleted.
    Returns "renamed", "merged", or None when there is no procedure ``old``.
    """
    old_procedure = session.scalar(select(Procedure).where(Procedure.code == old))
    if old_procedure is None:
        return None
    for model in REFERENCES:
        session.execute(update(model).where(model.procedure_code == old).values(procedure_code=new))
    current = session.scalar(select(Procedure).where(Procedure.code == new))
    if current is None:
        old_procedure.code = new
        session.flush()
        return "renamed"
    current.aliases = list(dict.fromkeys([*(current.aliases or []), *(old_procedure.aliases or [])]))
    session.delete(old_procedure)
    session.flush()
    return "merged"
