"""Import of national portal pages (``python -m procedures_db import-portal PATH...``).

Reads files or folders of ``.jsonl`` / ``.json`` (an array) / ``.gz`` line by
line, parses each page with integrations/portal.py, and upserts it by national
code (a re-import of the same data changes nothing). A line that is not JSON, is
cut, or is not a procedure is reported with its file and line and never stops
the import. The report counts, per answer field, how many records gave it, and
lists per record the fields left unknown and why (``--report FILE``: CSV).

Provenance: each record is marked ``source: {"kind": "portal", "file", "line", "sha256"}``
(the file's name, the record's line, the SHA-256 of the whole file), so ``--if-changed``
(what ``make run`` runs for ``CATALOGUE_IMPORT``) does nothing when the store holds every
file's digest, and imports them all again, in their order, when one changed. A code read
twice in one import keeps its first record (the later one is reported): the result does not
depend on which file changed nor on how often the same files are imported.

Seed and national page, same code: the page wins for every field it gives (it is the
published text, versioned by its decision number; the seed was written by hand and some of
its facts are older). From the seed (procedures_db/seed/procedures.jsonl) a record keeps what
the page does not give at all — its aliases (folk names are ours; the portal has none), and a
field, agency, subjects, conditions, result, documents, steps, legal basis, online address,
overall time (also when every time the page gives lost its unit) or fee the page leaves
empty — and its source lists them (``seed_fields``). The page's subjects are only kinds of applicant ("Công dân Việt Nam, Tổ chức"): the seed's
who-may-apply, when it says more, is kept instead (the page's kinds stay in ``subject_list``).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
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
from integrations.seed import seed_records
from procedures_db.catalogue import procedures_by_code, write_procedure
from integrations.portal import (
    REPORT_FIELDS,
    PortalRecordError,
    given_fields,
    only_subject_kinds,
    parse_portal_record,
)
from procedures_db.provenance import SOURCE, procedure_sources
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
# What a national page may leave to the seed record of its code: fields it does not give at all.
SEED_FIELDS = (
    "field",
    "levels",
    "agency",
    "subjects",
    "conditions",
    "result",
    "online_url",
    "documents",
    "steps",
    "legal_basis",
)


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


def file_digest(path: Path) -> str:
    """SHA-256 of the file as stored (gzipped or not): about 0.1 s for the five national files."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def changed_files(session: Session, paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """``(all record files of paths, those whose name and digest no procedure in the store records)``."""
    files = portal_files(paths)
    imported = {
        (source.get("file"), source.get("sha256"))
        for source in procedure_sources(session)
        if source.get("kind") == "portal"
    }
    return files, [path for path in files if (path.name, file_digest(path)) not in imported]


def import_if_changed(
    session: Session, paths: Iterable[Path], progress: bool = False
) -> tuple[list[Path], PortalImportReport | None]:
    """Import ``paths`` when one of their files changed since it was imported (None: nothing changed).

    All the files, not only the changed ones: a code in two files keeps the record of the first
    whichever of them changed (unchanged records cost their parsing only).
    """
    files, changed = changed_files(session, paths)
    if not changed:
        return files, None
    return files, import_portal(session, files, progress=progress)


def import_portal(session: Session, paths: Iterable[Path], progress: bool = False) -> PortalImportReport:
    """Parse and upsert every record of ``paths`` in ``session`` (the caller commits)."""
    started = time.perf_counter()
    files = portal_files(paths)
    report = PortalImportReport(files=[str(p) for p in files])
    existing = procedures_by_code(session)
    context = _Context(existing=existing, seed=seed_records(), seen={})
    bar = tqdm(
        total=_count_lines(files) if progress else None,
        disable=not progress,
        unit="record",
        desc="Importing portal records",
    )
    try:
        for path in files:
            context.file, context.digest = path, file_digest(path)
            for line, item in read_portal_file(path):
                bar.update(1)
                _import_one(session, context, report, line, item)
    finally:
        bar.close()
    report.seconds = time.perf_counter() - started
    return report


@dataclass
class _Context:
    existing: dict  # code → procedure in the store
    seed: dict[str, dict]  # code → the seed's validated record
    seen: dict[str, str]  # code → where this import read it ("file line n")
    file: Path = Path()
    digest: str = ""


def _import_one(session: Session, context: _Context, report: PortalImportReport, line: int, item) -> None:
    report.read += 1
    existing, file = context.existing, str(context.file)
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
    first = context.seen.setdefault(clean["code"], f"{file} line {line}")
    if first != f"{file} line {line}":
        report.rejected.append(
            ReportRow(file, line, clean["code"], "record", f"code already read at {first} in this import: first kept")
        )
        return
    procedure = existing.get(clean["code"])
    if procedure is not None and not clean["aliases"]:
        clean["aliases"] = list(procedure.aliases or [])  # the portal has none: keep ours (e.g. the seed's)
    seed = context.seed.get(clean["code"])
    if seed is not None and not clean["aliases"]:
        clean["aliases"] = list(seed["aliases"])
    source = {"kind": "portal", "file": context.file.name, "line": line, "sha256": context.digest}
    filled = _fill_from_seed(clean, seed) if seed is not None else []
    if filled:
        source["seed_fields"] = filled  # the seed's facts, as of its updated_at
        if seed is not None and seed["updated_at"]:
            source["seed_updated_at"] = seed["updated_at"].isoformat()
    clean["extra"][SOURCE] = source
    outcome, reason = upsert_procedure(session, existing, clean, write_procedure)
    if not outcome:
        report.rejected.append(ReportRow(file, line, clean["code"], "record", reason))
        return
    report.count(outcome)
    _count(report, file, line, parsed, filled)


def _fill_from_seed(clean: dict, seed: dict) -> list[str]:
    """Fields the page does not give, taken from the seed record of the same code; returns their names."""
    filled = [
        key
        for key in SEED_FIELDS
        if seed[key] not in (None, [])
        and (
            clean[key] in (None, [])
            # The page's kinds of applicant ("Công dân Việt Nam") answer nobody's "ai được làm";
            # the seed's who-may-apply does (and the source says it is the seed's).
            or (key == "subjects" and only_subject_kinds(clean[key]) and not only_subject_kinds(seed[key]))
        )
    ]
    methods = clean["methods"]
    # A bare number whose unit the page lost ("1") is no time: the seed's, when it has one, is kept.
    if not clean["processing_time"] and seed["processing_time"]:
        if not any(m["processing_time"] or (m["time_value"] is not None and m["time_unit"]) for m in methods):
            filled.append("processing_time")
    if not clean["fees"] and seed["fees"] and not any(m["fee_text"] for m in methods):
        filled.append("fees")
    for key in filled:
        clean[key] = seed[key]
    return filled


def _count(report: PortalImportReport, file: str, line: int, parsed, from_seed: list[str]) -> None:
    code = parsed.record["code"]
    report.unknown += [
        ReportRow(file, line, code, u.field, u.reason + ("; the seed's is kept" if u.field in from_seed else ""))
        for u in parsed.unknown
    ]
    for key, given in given_fields(parsed.record).items():
        report.given[key] += given
