"""Seed data shipped with the repository, loaded on the first ``make run``."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from procedures_db.catalogue import procedure_count
from procedures_db.importer import ImportSummary, import_file
from procedures_db.models import SupportPoint

SEED_DIR = Path(__file__).resolve().parent / "seed"
PROCEDURES_FILE = SEED_DIR / "procedures.jsonl"
SUPPORT_POINTS_FILE = SEED_DIR / "support_points.json"


def load_support_points(session: Session, path: Path = SUPPORT_POINTS_FILE) -> int:
    """Upsert support points by ``key``; returns how many were read."""
    points = json.loads(path.read_text(encoding="utf-8"))
    existing = {p.key: p for p in session.scalars(select(SupportPoint))}
    for item in points:
        point = existing.get(item["key"]) or SupportPoint(key=item["key"])
        for field in ("name", "kind", "province", "commune", "address", "hours", "phone", "latitude", "longitude"):
            setattr(point, field, item.get(field))
        session.add(point)
    return len(points)


def seed_if_empty(session: Session) -> ImportSummary | None:
    """Load the seed catalogue and support points into an empty database."""
    if procedure_count(session):
        return None
    summary = import_file(session, PROCEDURES_FILE)
    if not session.scalar(select(SupportPoint.id).limit(1)):
        load_support_points(session)
    return summary
