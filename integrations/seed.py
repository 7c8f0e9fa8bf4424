"""Seed data shipped with the repository (``procedures_db/seed/``), loaded on the first ``make run``:
the catalogue, the support points and the demo dossiers of the README."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from core.settings import REPO_ROOT

from procedures_db.catalogue import has_support_points, procedure_count, support_points_by_key
from integrations.catalogue_import import ImportSummary, import_file
from procedures_db.dossiers import dossier_count, upsert_dossier
from procedures_db.models import SupportPoint

SEED_DIR = REPO_ROOT / "procedures_db" / "seed"
PROCEDURES_FILE = SEED_DIR / "procedures.jsonl"
SUPPORT_POINTS_FILE = SEED_DIR / "support_points.json"
DEMO_SEED_FILE = SEED_DIR / "dossiers_demo.json"

logger = logging.getLogger(__name__)


def load_support_points(session: Session, path: Path = SUPPORT_POINTS_FILE) -> int:
    """Upsert support points by ``key``; returns how many were read."""
    points = json.loads(path.read_text(encoding="utf-8"))
    existing = support_points_by_key(session)
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
    if not has_support_points(session):
        load_support_points(session)
    return summary


def seed_demo_dossiers(session: Session, path: Path = DEMO_SEED_FILE) -> int:
    """Load the demo dossiers into an empty dossiers table; returns how many were created.

    The seed file gives times as day offsets from now, so that the overdue demo
    stays overdue and the others stay on time whenever the seed is loaded.
    """
    if dossier_count(session):
        return 0
    demo = json.loads(path.read_text(encoding="utf-8"))
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    for item in demo["dossiers"]:
        _replay_demo(session, item, now)
    logger.info("seeded %d demo dossiers", len(demo["dossiers"]))
    return len(demo["dossiers"])


def _replay_demo(session: Session, item: dict, now: datetime) -> None:
    """Upsert one demo dossier once per step of its timeline, so its history looks real."""
    base = {name: item[name] for name in ("code", "procedure_code", "applicant_name", "phone")}
    base["received_at"] = (now + timedelta(days=item["received_days"])).isoformat()
    base["due_at"] = (now + timedelta(days=item["due_days"])).isoformat()
    for step in item["timeline"]:
        payload = dict(base, status=step["status"], note=step.get("note"))
        upsert_dossier(session, payload, at=now + timedelta(days=step["days"]))
