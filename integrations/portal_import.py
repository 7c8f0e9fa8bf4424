"""Import of national portal pages (``python -m procedures_db import-portal PATH...``).

Reads files or folders of ``.jsonl`` / ``.json`` (an array) / ``.gz`` line by
line, parses each page with integrations/portal.py, and upserts it by national
code (a re-import of the same data changes nothing). A line that is not JSON, is
cut, or is not a procedure is reported with its file and line and never stops
the import. The report counts, per answer field, how many records gave it, and
lists per record the fields left unknown and why (``--report FILE``: CSV).
"""

from __future__ import annotations

import csv
import gzip
import json
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, ClassVar, Iterable, Iterator

from sqlalchemy.orm import Session
from tqdm import tqdm

from integrations.catalogue_import import read_records, upsert_procedure
from integrations.import_outcomes import UpsertCounts
from procedures_db.catalogue import procedures_by_code, write_procedure
from integrations.portal import REPORT_FIELDS, PortalRecordError, given_fields, parse_portal_record
from procedures_db.records import RecordError, validate_record

SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".ndjson", ".ndjson.gz")
FIELD_LABELS = {
    "documents": "documents",
    "method_time": "per-method time (value and unit)",
    "method_fee": "per-method fee (amount)",
    "steps": "steps",
    "legal_basis": "legal basis",
    "conditions": "conditions",
    "result": "result",
}
REPORT_COLUMNS = ("file", "line", "code", "field", "reason")


@dataclass(frozen=True)
class ReportRow:
    file: str
    line: int | None
    code: str | None
    field: str
    reason: str


@dataclass
class PortalImportReport(UpsertCounts):
    NEW: ClassVar[str] = "inserted"
    files: list[str] = field(default_factory=list)
    read: int = 0
    inserted: int = 0
    rejected: list[ReportRow] = field(default_factory=list)  # rows of the CSV report, like the unknown fields
    unknown: list[ReportRow] = field(default_factory=list)
    given: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        return self.accepted

    def summary(self) -> str:
        return f"{self.read} records read from {len(self.files)} file(s): {super().__str__()} ({self.seconds:.1f} s)"

    def field_table(self) -> str:
        parsed = self.imported or 1
        lines = [f"{'field':36} {'records':>8} {'share':>7}"]
        for key in REPORT_FIELDS:
            lines.append(f"{FIELD_LABELS[key]:36} {self.given[key]:>8} {100 * self.given[key] / parsed:>6.1f}%")
        return "\n".join(lines)

    def write_csv(self, stream: IO[str]) -> None:
        writer = csv.writer(stream)
        writer.writerow(REPORT_COLUMNS)
        for row in [*self.rejected, *self.unknown]:
            writer.writerow([row.file, row.line if row.line is not None else "", row.code or "", row.field, row.reason])


def portal_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the record files inside the folders named (sorted). Raises FileNotFoundError."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(str(path))
    return found


def _open_binary(path: Path) -> IO[bytes]:
    with open(path, "rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")  # type: ignore[return-value]  # GzipFile is binary IO


def read_portal_file(path: Path) -> Iterator[tuple[int, object]]:
    """Yield ``(line, parsed JSON)`` or ``(line, reason)`` (a str) for a line that cannot be read.

    JSON lines are streamed; a JSON array (first character '[') is read whole.
    A gzip file cut short ends with one reason on the line where it stopped.
    """
    number = 0
    try:
        with _open_binary(path) as stream:
            first = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
            if first.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
                text = stream.read().decode("utf-8-sig", errors="replace")
                for number, item in read_records(_StringStream(text)):  # type: ignore[arg-type]  # read() is all it uses
                    yield number, (f"not JSON: {item.msg}" if isinstance(item, json.JSONDecodeError) else item)
                return
            for number, raw in enumerate(stream, start=1):
                if number == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8").strip()
                    yield number, json.loads(text)
                except UnicodeDecodeError as exc:
                    yield number, f"not UTF-8 text (byte {exc.start})"
                except json.JSONDecodeError as exc:
                    # Cut short: the text ends where the parser still expected something.
                    cut = exc.pos >= len(text) - 1 or exc.msg.startswith("Unterminated string")
                    yield number, ("truncated JSON: " if cut else "not JSON: ") + f"{exc.msg} (column {exc.colno})"
    except (EOFError, OSError, zlib.error) as exc:
        yield number + 1, f"file cut or unreadable after line {number}: {exc}"


class _StringStream:
    def __init__(self, text: str):
        self.text = text

    def read(self) -> str:
        return self.text


def _count_lines(paths: list[Path]) -> int | None:
    total = 0
    for path in paths:
        try:
            with _open_binary(path) as stream:
                for chunk in iter(lambda: stream.read(1 << 20), b""):
                    total += chunk.count(b"\n")
        except (EOFError, OSError, zlib.error):
            return None
    return total


def import_portal(session: Session, paths: Iterable[Path], progress: bool = False) -> PortalImportReport:
    """Parse and upsert every record of ``paths`` in ``session`` (the caller commits)."""
    started = time.perf_counter()
    files = portal_files(paths)
    report = PortalImportReport(files=[str(p) for p in files])
    existing = procedures_by_code(session)
    bar = tqdm(
        total=_count_lines(files) if progress else None,
        disable=not progress,
        unit="record",
        desc="Importing portal records",
    )
    try:
        for path in files:
            for line, item in read_portal_file(path):
                bar.update(1)
                _import_one(session, existing, report, str(path), line, item)
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


def _import_one(session: Session, existing: dict, report: PortalImportReport, file: str, line: int, item) -> None:
    report.read += 1
    code = item.get("ma_thu_tuc") if isinstance(item, dict) else None
    code = code if isinstance(code, str) and code.strip() else None
    if isinstance(item, str):
        report.rejected.append(ReportRow(file, line, None, "record", item))
        return
    try:
        parsed = parse_portal_record(item)
        clean = validate_record(parsed.record)
    except PortalRecordError as exc:
        report.rejected.append(ReportRow(file, line, code, "record", str(exc)))
        return
    except RecordError as exc:
        report.rejected.append(ReportRow(file, line, code, "record", str(exc)))
        return
    except Exception as exc:  # a shape the parser never met: report it, keep importing
        report.rejected.append(ReportRow(file, line, code, "record", f"could not be parsed: {exc!r}"))
        return
    procedure = existing.get(clean["code"])
    if procedure is not None and not clean["aliases"]:
        clean["aliases"] = list(procedure.aliases or [])  # the portal has none: keep ours (e.g. the seed's)
    outcome, reason = upsert_procedure(session, existing, clean, write_procedure)
    if not outcome:
        report.rejected.append(ReportRow(file, line, clean["code"], "record", reason))
        return
    report.count(outcome)
    _count(report, file, line, parsed)


def _count(report: PortalImportReport, file: str, line: int, parsed) -> None:
    code = parsed.record["code"]
    report.unknown += [ReportRow(file, line, code, u.field, u.reason) for u in parsed.unknown]
    for key, given in given_fields(parsed.record).items():
        report.given[key] += given
