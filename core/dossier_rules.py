"""Dossier rules that need no database: codes, statuses, validation of a pushed record, phone digests, times.

Dossiers are pushed by the one-stop system (HTTP API, CSV import, sync client);
citizens ask about them in the chat. The applicant's phone number is never
stored: only an HMAC-SHA256 digest of the dossier code and the phone's last 4
digits, keyed by ``PHONE_HASH_KEY``. That is all the chat needs to check
ownership (docs/interfaces.md), and a stolen database does not give away phone
numbers nor, without the key, the 4 digits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping, overload

from core.settings import current as settings
from core.text import PROCEDURE_CODE_PATTERN, canonical_dossier_code
from core.wording import STATUS_LABELS_VI

# The statuses are the keys of their Vietnamese wording (core/wording.py; docs/interfaces.md).
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


def phone_hash_key() -> bytes:
    """The HMAC key from ``PHONE_HASH_KEY``; raises :class:`PhoneHashKeyMissing` when unusable.

    There is deliberately no built-in fallback: a default key would be public,
    and digests made with it would be as good as clear text.
    """
    key = settings().phone_hash_key
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


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
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


@overload
def local_time(value: datetime) -> datetime: ...
@overload
def local_time(value: None) -> None: ...
def local_time(value: datetime | None) -> datetime | None:
    utc = as_utc(value)
    return utc.astimezone(LOCAL_TZ) if utc else None


def status_label(status: str) -> str:
    return STATUS_LABELS_VI.get(status, status)
