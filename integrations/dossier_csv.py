"""Dossier CSV import (``python -m procedures_db import-dossiers FILE.csv``): one upsert per row.

The header row names the contract fields (docs/interfaces.md); a bad row is
rejected alone, with its line, and never aborts the rows around it.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Iterable

from sqlalchemy.orm import Session

from core.dossier_rules import REQUIRED_FIELDS, phone_hash_key
from integrations.import_outcomes import DossierImportSummary, Rejection
from procedures_db.dossiers import apply_in_savepoint

logger = logging.getLogger(__name__)


def import_dossiers_csv(session: Session, path: str | Path) -> DossierImportSummary:
    """Upsert every row of a CSV file whose header row names the contract fields.

    Line numbers in rejections are those of the file (the header is line 1).
    Raises ValueError when the header lacks a required column, or when the file
    is not readable as CSV (a NUL byte): nothing of it is then kept.
    """
    summary = DossierImportSummary()
    phone_hash_key()  # a missing key is a setup problem, not a problem of every row
    # utf-8-sig: spreadsheets save CSV with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header = [name.strip() for name in reader.fieldnames or []]
        missing = [name for name in REQUIRED_FIELDS + ("phone",) if name not in header]
        if missing:
            raise ValueError(f"{path}: CSV header lacks column(s) {', '.join(missing)}")
        reader.fieldnames = header
        for line, row in _numbered_rows(reader):
            payload = _row_payload(row)
            outcome, errors = apply_in_savepoint(session, payload)
            if outcome:
                summary.count(outcome)
            else:
                summary.rejected.append(Rejection.at_line(line, payload.get("code"), errors))
    logger.info("imported dossiers from %s: %s", path, summary)
    return summary


def _row_payload(row: dict) -> dict[str, str | None]:
    """Empty cells are missing values; cells beyond the header (key None) are dropped."""
    return {name: (value or "").strip() or None for name, value in row.items() if name is not None}


def _numbered_rows(reader: csv.DictReader) -> Iterable[tuple[int, dict]]:
    """Rows with the file line they start on (a quoted cell may span several lines)."""
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # Python 3.10's csv refuses NUL bytes: usually a UTF-16 or binary file saved as .csv.
            raise ValueError(f"line {start}: {exc} (save the file as CSV UTF-8)") from exc
        yield start, row
