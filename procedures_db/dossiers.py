"""Dossier tracking store: validation, upsert with status history, owner verification.

Dossiers are pushed by the one-stop system (HTTP API, CSV import, sync client);
citizens ask about them in the chat. Every function takes a SQLAlchemy
``Session`` and leaves committing to the caller.

The applicant's phone number is never stored: only an HMAC-SHA256 digest of the
dossier code and the phone's last 4 digits, keyed by ``PHONE_HASH_KEY``. That is
all the chat needs to check ownership (CONTRACTS.md), and a stolen database does
not give away phone numbers nor, without the key, the 4 digits.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from procedures_db.models import Dossier, DossierEvent, Procedure
from procedures_db.records import CODE_PATTERN as PROCEDURE_CODE_PATTERN
from core.text import canonical_dossier_code

logger = logging.getLogger(__name__)

# The one place where statuses and their Vietnamese wording live (CONTRACTS.md).
STATUS_LABELS_VI: dict[str, str] = {
    "received": "đã tiếp nhận",
    "processing": "đang xử lý",
    "supplement_required": "cần bổ sung hồ sơ",
    "completed": "đã có kết quả, chờ trả",
    "returned": "đã trả kết quả",
    "rejected": "không giải quyết",
    "cancelled": "đã hủy",
}
STATUSES = tuple(STATUS_LABELS_VI)
# Statuses in which the agency has nothing left to do: such a dossier is never overdue.
FINISHED_STATUSES = frozenset({"completed", "returned", "rejected", "cancelled"})

PAYLOAD_FIELDS = ("code", "procedure_code", "applicant_name", "phone", "status", "received_at", "due_at", "note")
REQUIRED_FIELDS = ("code", "procedure_code", "applicant_name", "status", "received_at")

# Vietnam has had no daylight saving time since 1975, so a fixed offset is exact
# and needs no tz database (tzdata is not installed everywhere).
LOCAL_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
MAX_NAME_LENGTH = 200
MAX_NOTE_LENGTH = 2000
# Mobile numbers have 10 digits, landlines 11 (0 + area code + 8 digits).
PHONE_PATTERN = re.compile(r"^0\d{9,10}$")
PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MIN_KEY_LENGTH = 16

DEMO_SEED_FILE = Path(__file__).resolve().parent / "seed" / "dossiers_demo.json"


def canonical_code(raw: str) -> str | None:
    """The canonical ASCII form of a dossier code as typed or sent, or None.

    NFKC first, so that full-width digits and letters (typed on some phone
    keyboards, pasted from some documents) give the same code as ASCII ones:
    the API stores, the chat looks up and the lock-out counts one single form.
    A code still holding non-ASCII digits after that (Arabic-Indic, ...) is no code.
    """
    canonical = canonical_dossier_code(unicodedata.normalize("NFKC", raw or ""))
    return canonical if canonical is not None and canonical.isascii() else None


def forbidden_character(text: str) -> str | None:
    """The first character not allowed in stored text, as ``U+XXXX``, or None.

    Control characters other than white space (NUL breaks PostgreSQL text and
    CSV exports), lone surrogates (cannot be encoded) and invisible format
    characters (bidirectional overrides can make a name read differently to staff).
    """
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cs", "Cf") or (category == "Cc" and not char.isspace()):
            return f"U+{ord(char):04X}"
    return None


class DossierValidationError(ValueError):
    """Every problem found in one payload, as ``(field, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        """``{field: message}``, several messages for one field joined with '; '."""
        fields: dict[str, str] = {}
        for name, message in self.errors:
            fields[name] = f"{fields[name]}; {message}" if name in fields else message
        return fields


class PhoneHashKeyMissing(RuntimeError):
    """``PHONE_HASH_KEY`` is unset or too short: dossiers can neither be stored nor verified."""


# --- phone digest -----------------------------------------------------------------------------


def phone_hash_key() -> bytes:
    """The HMAC key from ``PHONE_HASH_KEY``; raises :class:`PhoneHashKeyMissing` when unusable.

    There is deliberately no built-in fallback: a default key would be public,
    and digests made with it would be as good as clear text.
    """
    key = os.environ.get("PHONE_HASH_KEY", "")
    if len(key) < MIN_KEY_LENGTH:
        raise PhoneHashKeyMissing(
            f"PHONE_HASH_KEY must be set to a secret of at least {MIN_KEY_LENGTH} characters "
            "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`); "
            "changing it later invalidates every stored phone digest"
        )
    return key.encode("utf-8")


def phone_digest(code: str, last4: str, key: bytes | None = None) -> str:
    """Hex HMAC-SHA256 of the canonical dossier code and the last 4 phone digits."""
    message = f"{code}|{last4}".encode("utf-8")
    return hmac.new(key or phone_hash_key(), message, hashlib.sha256).hexdigest()


def normalize_phone(raw: str) -> str | None:
    """``+84 912.345.678`` -> ``0912345678``; None when it is not a Vietnamese number."""
    digits = PHONE_SEPARATORS.sub("", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if PHONE_PATTERN.match(digits) else None


# --- validation -------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time (or a ``datetime``) as an aware UTC datetime; naive means Vietnam time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        # Python 3.10's fromisoformat does not read the "Z" suffix.
        if text[-1] in "zZ":
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
    else:
        raise ValueError("must be an ISO 8601 date-time, e.g. 2025-11-05T08:30:00+07:00")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise ValueError(f"year must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return parsed.astimezone(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite gives back naive values, which are UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _clean_text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(unicodedata.normalize("NFC", str(value)).split())
    return text or None


class _PayloadChecker:
    """Collects every problem of a payload instead of stopping at the first."""

    def __init__(self, payload: Mapping[str, Any]):
        self.payload = payload
        self.errors: list[tuple[str, str]] = []

    def fail(self, name: str, message: str) -> None:
        self.errors.append((name, message))

    def present(self, name: str) -> bool:
        value = self.payload.get(name)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, name: str, max_length: int, numbers: bool = True) -> str | None:
        """The field as clean text; ``numbers``: a JSON number is taken as its digits (codes, notes)."""
        value = self.payload.get(name)
        allowed = (str, int, float) if numbers else (str,)
        if isinstance(value, bool) or (value is not None and not isinstance(value, allowed)):
            self.fail(name, "must be text")
            return None
        if isinstance(value, str) and (char := forbidden_character(value)):
            self.fail(name, f"must not contain control or invisible characters (found {char})")
            return None
        text = _clean_text(value)
        if text and len(text) > max_length:
            self.fail(name, f"must be at most {max_length} characters")
            return None
        return text

    def time(self, name: str) -> datetime | None:
        if not self.present(name):
            return None
        try:
            return parse_time(self.payload[name])
        except (TypeError, ValueError) as exc:
            reason = str(exc) if str(exc).startswith(("must", "year")) else "is not an ISO 8601 date-time"
            self.fail(name, reason)
            return None


def validate_payload(payload: Any, require_phone: bool = True) -> dict[str, Any]:
    """A clean payload (canonical code, UTC times, digits-only phone) or :class:`DossierValidationError`.

    ``phone`` may be left out when updating a dossier whose digest is already stored.
    Fields outside the contract are ignored.
    """
    if not isinstance(payload, Mapping):
        raise DossierValidationError([("body", "must be a JSON object")])
    check = _PayloadChecker(payload)
    for name in REQUIRED_FIELDS + (("phone",) if require_phone else ()):
        if not check.present(name):
            check.fail(name, "is required")

    clean: dict[str, Any] = {}
    raw_code = check.text("code", 64)
    clean["code"] = canonical_code(raw_code) if raw_code else None
    if raw_code and not clean["code"]:
        check.fail("code", "is not a dossier code like 000.00.12.H48-251105-0012")

    clean["procedure_code"] = check.text("procedure_code", 64)
    if clean["procedure_code"] and not PROCEDURE_CODE_PATTERN.match(clean["procedure_code"]):
        check.fail("procedure_code", "is not a procedure code like 1.001193")

    clean["applicant_name"] = check.text("applicant_name", MAX_NAME_LENGTH, numbers=False)
    clean["note"] = check.text("note", MAX_NOTE_LENGTH)

    status = check.text("status", 32)
    clean["status"] = status.lower() if status else None
    if clean["status"] and clean["status"] not in STATUS_LABELS_VI:
        check.fail("status", "must be one of " + ", ".join(STATUSES))

    raw_phone = check.text("phone", 32)
    clean["phone"] = normalize_phone(raw_phone) if raw_phone else None
    if raw_phone and not clean["phone"]:
        check.fail("phone", "is not a Vietnamese phone number (10 or 11 digits starting with 0 or +84)")

    clean["received_at"] = check.time("received_at")
    clean["due_at"] = check.time("due_at")
    if clean["received_at"] and clean["due_at"] and clean["due_at"] < clean["received_at"]:
        check.fail("due_at", "must not be before received_at")

    if check.errors:
        raise DossierValidationError(check.errors)
    return clean


# --- upsert -----------------------------------------------------------------------------------


def get_dossier(session: Session, code: str) -> Dossier | None:
    """The dossier with this code, typed with or without dots/spaces; None if unknown."""
    canonical = canonical_code(code or "")
    if canonical is None:
        return None
    return session.scalar(select(Dossier).where(Dossier.code == canonical))


def upsert_dossier(session: Session, payload: Mapping[str, Any], *, at: datetime | None = None) -> tuple[Dossier, bool]:
    """Create or update a dossier by code; returns ``(dossier, created)``.

    Sending the same payload twice changes nothing. A new status, or a new note
    (e.g. the documents to supplement), appends a history event dated ``at``
    (default: now). Raises :class:`DossierValidationError` for invalid input.
    """
    dossier, outcome = apply_payload(session, payload, at=at)
    return dossier, outcome == "created"


def apply_payload(session: Session, payload: Mapping[str, Any], *, at: datetime | None = None) -> tuple[Dossier, str]:
    """Like :func:`upsert_dossier`, reporting ``"created"``, ``"updated"`` or ``"unchanged"``."""
    at = as_utc(at) or datetime.now(timezone.utc)
    raw_code = payload.get("code") if isinstance(payload, Mapping) else None
    existing = get_dossier(session, raw_code) if isinstance(raw_code, str) else None
    clean = validate_payload(payload, require_phone=existing is None)
    key = phone_hash_key()  # fail before touching anything when the key is missing

    if existing is None:
        dossier = Dossier(code=clean["code"])
        _apply_fields(dossier, clean, key, at)
        session.add(dossier)
        session.flush()
        return dossier, "created"
    changed = _apply_fields(existing, clean, key, at)
    if changed:
        session.flush()
    return existing, "updated" if changed else "unchanged"


def _apply_fields(dossier: Dossier, clean: dict[str, Any], key: bytes, at: datetime) -> bool:
    """Copy ``clean`` onto ``dossier``, appending a history event when due; True if anything changed."""
    new_values: dict[str, Any] = {
        "procedure_code": clean["procedure_code"],
        "applicant_name": clean["applicant_name"],
        "received_at": clean["received_at"],
        "due_at": clean["due_at"],
        "note": clean["note"],
    }
    if clean["phone"]:
        new_values["phone_last4_digest"] = phone_digest(dossier.code, clean["phone"][-4:], key)

    status_changed = dossier.status != clean["status"]
    note_added = bool(clean["note"]) and clean["note"] != dossier.note
    if status_changed:
        new_values["status"] = clean["status"]
        # returned_at is when the result was handed over; it means nothing in another status.
        new_values["returned_at"] = at if clean["status"] == "returned" else None

    changed = status_changed
    for name, value in new_values.items():
        if not _same(getattr(dossier, name), value):
            setattr(dossier, name, value)
            changed = True
    if status_changed or note_added:
        dossier.history.append(DossierEvent(status=clean["status"], note=clean["note"], at=at))
    return changed


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) or isinstance(new, datetime):
        return as_utc(old) == as_utc(new)
    return old == new


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    status: str
    status_label_vi: str
    note: str | None
    at: datetime  # Vietnam time


@dataclass(frozen=True)
class DossierView:
    """What a verified citizen may be told about their dossier (no name, no phone)."""

    code: str
    procedure_code: str | None
    procedure_name: str | None
    status: str
    status_label_vi: str
    received_at: datetime | None  # times are aware, in Vietnam time
    due_at: datetime | None
    returned_at: datetime | None
    overdue: bool
    note: str | None  # the latest note, e.g. what to supplement
    history: list[HistoryEntry] = field(default_factory=list)


def local_time(value: datetime | None) -> datetime | None:
    utc = as_utc(value)
    return utc.astimezone(LOCAL_TZ) if utc else None


def is_overdue(dossier: Dossier, now: datetime | None = None) -> bool:
    """Past its due time while the agency still has work to do (trễ hẹn)."""
    due = as_utc(dossier.due_at)
    now = as_utc(now) or datetime.now(timezone.utc)
    return due is not None and now > due and dossier.status not in FINISHED_STATUSES


def status_label(status: str) -> str:
    return STATUS_LABELS_VI.get(status, status)


def to_view(session: Session, dossier: Dossier, now: datetime | None = None) -> DossierView:
    procedure_name = None
    if dossier.procedure_code:
        procedure_name = session.scalar(select(Procedure.name).where(Procedure.code == dossier.procedure_code))
    return DossierView(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        procedure_name=procedure_name,
        status=dossier.status,
        status_label_vi=status_label(dossier.status),
        received_at=local_time(dossier.received_at),
        due_at=local_time(dossier.due_at),
        returned_at=local_time(dossier.returned_at),
        overdue=is_overdue(dossier, now),
        note=dossier.note,
        history=[
            HistoryEntry(event.status, status_label(event.status), event.note, local_time(event.at))
            for event in dossier.history
        ],
    )


def verify_owner(session: Session, code: str, last4: str) -> DossierView | None:
    """The dossier's view if ``last4`` are the last 4 digits of its phone, else None.

    An unknown code and wrong digits give the same answer, after the same work
    (one query for the digest, one HMAC; the dossier and its history are loaded
    only when the digits match), so the chat cannot be used to learn whether a
    dossier exists. Rate-limiting attempts is up to the caller (lookup_locks.py).
    """
    key = phone_hash_key()
    digits = re.sub(r"\s", "", str(last4 or ""))
    canonical = canonical_code(code) if isinstance(code, str) else None
    found = session.execute(
        select(Dossier.id, Dossier.phone_last4_digest).where(Dossier.code == (canonical or ""))
    ).first()
    candidate = phone_digest(canonical or "unknown", digits, key)
    expected = found.phone_last4_digest if found else "0" * len(candidate)
    matches = hmac.compare_digest(candidate, expected)
    if found is None or not matches or not re.fullmatch(r"[0-9]{4}", digits):
        return None
    return to_view(session, session.get(Dossier, found.id))


def _iso(value: datetime | None) -> str | None:
    local = local_time(value)
    return local.isoformat() if local else None


def dossier_to_json(dossier: Dossier, now: datetime | None = None) -> dict[str, Any]:
    """The staff view of a dossier, times in Vietnam time. Never includes the phone digest."""
    return {
        "code": dossier.code,
        "procedure_code": dossier.procedure_code,
        "applicant_name": dossier.applicant_name,
        "status": dossier.status,
        "status_label_vi": status_label(dossier.status),
        "received_at": _iso(dossier.received_at),
        "due_at": _iso(dossier.due_at),
        "returned_at": _iso(dossier.returned_at),
        "overdue": is_overdue(dossier, now),
        "note": dossier.note,
        "updated_at": _iso(dossier.updated_at),
        "history": [
            {"status": e.status, "status_label_vi": status_label(e.status), "note": e.note, "at": _iso(e.at)}
            for e in dossier.history
        ],
    }


# --- bulk loading -----------------------------------------------------------------------------


@dataclass
class RowRejection:
    line: int
    code: str | None
    errors: list[tuple[str, str]]

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" ({self.code})" if self.code else "")
        return f"{where}: " + "; ".join(f"{name}: {message}" for name, message in self.errors)


@dataclass
class DossierImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowRejection] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


def apply_in_savepoint(session: Session, payload: Any) -> tuple[str | None, list[tuple[str, str]]]:
    """Apply one record in its own savepoint: ``(outcome, [])`` or ``(None, errors)``.

    A bad record is rolled back alone and never aborts the records around it.
    """
    try:
        with session.begin_nested():
            _, outcome = apply_payload(session, payload)
        return outcome, []
    except DossierValidationError as exc:
        return None, exc.errors
    except SQLAlchemyError as exc:  # a constraint the validation did not foresee
        logger.warning("dossier record rejected by the database: %s", exc)
        return None, [("record", str(exc).splitlines()[0])]


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
                summary.rejected.append(RowRejection(line, payload.get("code"), errors))
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


def dossier_count(session: Session) -> int:
    return session.scalar(select(func.count(Dossier.id))) or 0


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
