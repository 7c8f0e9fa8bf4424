"""Seed data shipped with the repository (``procedures_db/seed/``), loaded on the first ``make run``:
the catalogue, the support points and the demo dossiers of the README.

The seed's procedures carry their national codes where the national data has one (local
``DP-…`` codes only where it has none); ``renamed_codes.json`` lists the local codes given up,
so a database seeded before is brought to the national codes (``rename_seed_codes``). Each seed
record is marked ``source: {"kind": "seed"}``; a national page imported over it wins
(integrations/portal_import.py says what is kept of the seed).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from core.settings import REPO_ROOT

from procedures_db.catalogue import has_support_points, procedure_count, support_points_by_key
from integrations.catalogue_import import ImportSummary, import_file, read_records
from procedures_db.dossiers import dossier_count, upsert_dossier
from procedures_db.models import SupportPoint
from procedures_db.provenance import rename_procedure_code
from procedures_db.records import RecordError, validate_record

SEED_DIR = REPO_ROOT / "procedures_db" / "seed"
PROCEDURES_FILE = SEED_DIR / "procedures.jsonl"
SUPPORT_POINTS_FILE = SEED_DIR / "support_points.json"
DEMO_SEED_FILE = SEED_DIR / "dossiers_demo.json"
RENAMED_CODES_FILE = SEED_DIR / "renamed_codes.json"
SEED_SOURCE = {"kind": "seed", "file": PROCEDURES_FILE.name}

logger = logging.getLogger(__name__)


def load_support_points(session: Session, path: Path = SUPPORT_POINTS_FILE) -> int:
    """Upsert support points by ``key``; returns how many were read.

    The file is a JSON array of objects with at least ``key`` and ``name`` (the seed's format); a file
    that is not raises ValueError saying where, before anything is written.
    """
    points = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(points, list):
        raise ValueError(f"{path}: expected a JSON array of support points")
    for number, item in enumerate(points, start=1):
        if (
            not isinstance(item, dict)
            or not str(item.get("key") or "").strip()
            or not str(item.get("name") or "").strip()
        ):
            raise ValueError(f"{path}: support point {number} needs a 'key' and a 'name'")
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
    summary = import_file(session, PROCEDURES_FILE, source=SEED_SOURCE)
    if not has_support_points(session):
        load_support_points(session)
    return summary


def renamed_codes(path: Path = RENAMED_CODES_FILE) -> dict[str, str]:
    """Local seed code → the national code that replaced it."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["renamed"])


def rename_seed_codes(session: Session, path: Path = RENAMED_CODES_FILE) -> dict[str, str]:
    """Bring a database seeded with the old local codes to the national ones; returns code → what was done."""
    done = {}
    for old, new in renamed_codes(path).items():
        outcome = rename_procedure_code(session, old, new)
        if outcome:
            done[old] = f"{outcome} {new}"
            logger.debug("seed code %s %s %s", old, outcome, new)  # the command prints it
    return done


def seed_records(path: Path = PROCEDURES_FILE) -> dict[str, dict]:
    """The seed's procedures, validated, by code (what a national page may leave to them)."""
    records = {}
    with open(path, encoding="utf-8-sig") as stream:
        for _, item in read_records(stream):
            try:
                clean = validate_record(item)
            except RecordError:
                continue  # make test's seed round trip reports it
            records[clean["code"]] = clean
    return records


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
