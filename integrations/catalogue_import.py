"""Import and export of procedure records (JSON lines or a JSON array).

Each record is upserted by code inside its own savepoint: a bad record is
reported with its line and field and never aborts the others nor leaves a
half-written procedure behind. An import given a ``source`` (the seed, the
operator's file) writes it into each record (``extra["source"]``,
procedures_db/provenance.py): a record knows where its current version was read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, ClassVar, Iterable, Iterator

from sqlalchemy.orm import Session
from tqdm import tqdm

from integrations.import_outcomes import Rejection, UpsertCounts
from procedures_db.catalogue import procedures_by_code, procedures_in_code_order, write_procedure
from procedures_db.models import Procedure
from procedures_db.provenance import SOURCE
from procedures_db.records import FieldError, RecordError, apply_record, to_record, validate_record


@dataclass
class ImportSummary(UpsertCounts):
    NEW: ClassVar[str] = "inserted"
    inserted: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def read_records(stream: IO[str]) -> Iterator[tuple[int, object]]:
    """Yield ``(line number, parsed JSON or the JSONDecodeError)`` for a JSON-lines file or a JSON array."""
    text = stream.read()
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            yield exc.lineno, exc
            return
        # Line numbers in an array: where each object starts.
        decoder, position, line = json.JSONDecoder(), text.index("[") + 1, 1
        for item in items:
            while position < len(text) and text[position] in " \t\r\n,":
                position += 1
            line = text.count("\n", 0, position) + 1
            _, position = decoder.raw_decode(text, position)
            yield line, item
        return
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, exc


def import_records(
    session: Session,
    records: Iterable[tuple[int, object]],
    progress: bool = False,
    total: int | None = None,
    source: dict | None = None,
) -> ImportSummary:
    """Validate and upsert ``records``; ``source`` (e.g. ``{"kind": "seed", "file": …}``) is written into each."""
    summary = ImportSummary()
    existing = procedures_by_code(session)
    for line, item in tqdm(records, total=total, disable=not progress, unit="record", desc="Importing"):
        if isinstance(item, json.JSONDecodeError):
            summary.rejected.append(Rejection.at_line(line, None, [FieldError("json", item.msg)]))
            continue
        code = item.get("code") if isinstance(item, dict) else None
        try:
            clean = validate_record(item)
        except RecordError as exc:
            summary.rejected.append(Rejection.at_line(line, code if isinstance(code, str) else None, exc.errors))
            continue
        if source is not None:
            clean["extra"][SOURCE] = dict(source)
        outcome, reason = upsert_procedure(session, existing, clean, write_procedure)
        if outcome:
            summary.count(outcome)
        else:
            summary.rejected.append(Rejection.at_line(line, clean["code"], [FieldError("record", reason)]))
    return summary


ProcedureWriter = Callable[[Session, Procedure, dict, bool], None]  # (session, procedure, clean record, new)


def upsert_procedure(
    session: Session, existing: dict[str, Procedure], clean: dict, write: ProcedureWriter
) -> tuple[str | None, str]:
    """Write a validated record over the procedure of its code, or a new one, in its own savepoint.

    Returns ``("inserted" | "updated" | "unchanged", "")``, or ``(None, reason)`` when the database
    refuses the record (a constraint): it is rolled back alone and ``existing`` (code → procedure,
    kept up to date here) is read again. A record whose facts are unchanged but whose ``source``
    moved (another line, a new file digest) is "unchanged": only its source is written.
    """
    procedure = existing.get(clean["code"])
    facts_only = False
    if procedure is not None:
        stored, incoming = to_record(procedure), _as_record(clean)
        if stored == incoming:
            return "unchanged", ""
        facts_only = _without_source(stored) == _without_source(incoming)
    target = procedure or Procedure()
    try:
        with session.begin_nested():
            if facts_only:
                target.extra = clean["extra"]
                session.flush()
            else:
                write(session, target, clean, procedure is None)
    except Exception as exc:  # a database constraint: report it, keep importing
        session.expire_all()
        existing.clear()
        existing.update(procedures_by_code(session))
        return None, str(exc).splitlines()[0]
    if procedure is not None:
        return "unchanged" if facts_only else "updated", ""
    existing[clean["code"]] = target
    return "inserted", ""


def _without_source(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != SOURCE}


def _as_record(clean: dict) -> dict:
    """A validated record in export form, to detect unchanged re-imports."""
    procedure = Procedure()
    apply_record(procedure, clean)
    return to_record(procedure)


def import_file(session: Session, path: Path, progress: bool = False, source: dict | None = None) -> ImportSummary:
    with open(path, encoding="utf-8-sig") as stream:
        records = list(read_records(stream))
    return import_records(session, records, progress=progress, total=len(records), source=source)


def export_records(session: Session, stream: IO[str]) -> int:
    count = 0
    for procedure in procedures_in_code_order(session):
        stream.write(json.dumps(to_record(procedure), ensure_ascii=False) + "\n")
        count += 1
    return count
