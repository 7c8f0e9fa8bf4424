"""The national procedure record format (docs/interfaces.md): validation and conversion to and from models.

``validate_record`` collects every problem of a record instead of stopping at the
first, so an importer can tell the operator exactly what to fix. The fields the
national portal adds (``official_name``, ``conditions``, ``decision``; a document's
``form_name`` and ``group``; a method's ``time_value``, ``time_unit``, ``fee_amount``,
``fee_currency``, ``description``; a legal basis as ``{"text", "number", "title"}``)
are optional and exported only when set, so older records round-trip unchanged.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Callable, NamedTuple

from core.text import PROCEDURE_CODE_PATTERN
from procedures_db.models import (
    ONLINE_LEVELS,
    LegalBasis,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    ProcedureStep,
    SubmissionMethod,
)

# The record's fields kept as columns of the procedure row.
RECORD_SCALARS = (
    "code",
    "name",
    "field",
    "levels",
    "agency",
    "subjects",
    "result",
    "processing_time",
    "online",
    "online_url",
    "source_url",
    "updated_at",
    "aliases",
    "official_name",
    "conditions",
    "decision",
)
# relationship name → (child model, the clean record's list, how one item becomes column values)
CHILDREN: dict[str, tuple[type, str, Callable[[Any], dict]]] = {
    "documents": (ProcedureDocument, "documents", dict),
    "fees": (ProcedureFee, "fees", dict),
    "steps": (ProcedureStep, "steps", lambda text: {"text": text}),
    "methods": (SubmissionMethod, "methods", dict),
    "legal_basis": (LegalBasis, "legal_basis", dict),
}
KNOWN_FIELDS = (*RECORD_SCALARS, *(key for _, key, _ in CHILDREN.values()))  # any other field goes to "extra"
SCALAR_FIELDS = (*RECORD_SCALARS, "extra")  # the columns an import writes
DOCUMENT_GROUPS = ("nop", "xuat_trinh", "luu_y")
CODE_PATTERN = PROCEDURE_CODE_PATTERN


class FieldError(NamedTuple):
    """A field of a record and why it was refused: a (field, reason) pair, as an import reports it."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class RecordError(ValueError):
    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = errors


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or int(value) != value:
        raise ValueError("must be a whole number ≥ 0 or null")
    return int(value)


class _Checker:
    """Reads one record's fields, recording a FieldError instead of raising."""

    def __init__(self, record: dict):
        self.record = record
        self.errors: list[FieldError] = []

    def fail(self, field: str, reason: str) -> None:
        self.errors.append(FieldError(field, reason))

    def text(self, field: str, required: bool = False) -> str | None:
        value = self.record.get(field)
        if value is not None and not isinstance(value, (str, int, float)):
            self.fail(field, "must be text")
            return None
        value = _text(value)
        if required and not value:
            self.fail(field, "is required")
        return value

    def string_list(self, field: str) -> list[str]:
        value = self.record.get(field)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(field, "must be a list of texts")
            return []
        return [v.strip() for v in value if v and v.strip()]

    def objects(self, field: str) -> list[dict]:
        value = self.record.get(field)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(field, "must be a list of objects")
            return []
        return value

    def required_text(self, where: str, item: dict, key: str, reason: str = "is required") -> str | None:
        """A text an item of a list must give (``where``: the item, e.g. ``documents[2]``)."""
        value = _text(item.get(key))
        if not value:
            self.fail(f"{where}.{key}", reason)
        return value

    def amount(self, where: str, value: Any, reason: str) -> int | float | None:
        """A number ≥ 0 or None; anything else (a boolean too) is recorded as an error and read as None."""
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            self.fail(where, reason)
            return None
        return value


def validate_record(record: Any) -> dict:
    """Return a clean record (known fields normalised, unknown ones under ``extra``) or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError([FieldError("record", "must be a JSON object")])
    check = _Checker(record)
    clean: dict[str, Any] = {}

    code = check.text("code", required=True)
    if code and not CODE_PATTERN.match(code):
        check.fail("code", f"'{code}' is not a procedure code (letters, digits, '.', '-', '_')")
    clean["code"] = code
    clean["name"] = check.text("name", required=True)
    for field in (
        "field",
        "agency",
        "subjects",
        "result",
        "processing_time",
        "online_url",
        "source_url",
        "official_name",
        "conditions",
        "decision",
    ):
        clean[field] = check.text(field)
    clean["levels"] = check.string_list("levels")
    clean["steps"] = check.string_list("steps")
    clean["legal_basis"] = _legal_basis(check)
    clean["aliases"] = check.string_list("aliases")

    online = check.text("online") or "none"
    if online not in ONLINE_LEVELS:
        check.fail("online", f"'{online}' is not one of {', '.join(ONLINE_LEVELS)}")
    clean["online"] = online

    updated = record.get("updated_at")
    clean["updated_at"] = None
    if updated not in (None, ""):
        try:
            clean["updated_at"] = date.fromisoformat(str(updated)[:10])
        except ValueError:
            check.fail("updated_at", f"'{updated}' is not an ISO date (YYYY-MM-DD)")

    clean["fees"] = []
    for index, fee in enumerate(check.objects("fees")):
        amount = check.amount(
            f"fees[{index}].amount_vnd", fee.get("amount_vnd"), "must be a non-negative number of VND or null"
        )
        text = check.required_text(
            f"fees[{index}]", fee, "text", "is required (say what the fee is, even when it is 0)"
        )
        clean["fees"].append(
            {
                "name": _text(fee.get("name")),
                "amount_vnd": None if amount is None else int(amount),
                "text": text,
                "channel": _text(fee.get("channel")),
                "basis": _text(fee.get("basis")),
            }
        )

    clean["documents"] = []
    for index, doc in enumerate(check.objects("documents")):
        name = check.required_text(f"documents[{index}]", doc, "name")
        counts = {}
        for key in ("originals", "copies"):
            try:
                counts[key] = _count(doc.get(key))
            except ValueError as exc:
                check.fail(f"documents[{index}].{key}", str(exc))
                counts[key] = None
        group = _text(doc.get("group"))
        if group is not None and group not in DOCUMENT_GROUPS:
            check.fail(f"documents[{index}].group", f"'{group}' is not one of {', '.join(DOCUMENT_GROUPS)}")
        clean["documents"].append(
            {
                "name": name,
                **counts,
                "case": _text(doc.get("case")),
                "form_url": _text(doc.get("form_url")),
                "form_name": _text(doc.get("form_name")),
                "group": group,
            }
        )

    clean["methods"] = []
    for index, method in enumerate(check.objects("methods")):
        channel = check.required_text(f"methods[{index}]", method, "channel")
        numbers = {
            key: check.amount(f"methods[{index}].{key}", method.get(key), "must be a non-negative number or null")
            for key in ("time_value", "fee_amount")
        }
        if numbers["fee_amount"] is not None:
            numbers["fee_amount"] = int(numbers["fee_amount"])
        clean["methods"].append(
            {
                "channel": channel,
                "processing_time": _text(method.get("processing_time")),
                "fee_text": _text(method.get("fee_text")),
                **numbers,
                "time_unit": _text(method.get("time_unit")),
                "fee_currency": _text(method.get("fee_currency")),
                "description": _text(method.get("description")),
            }
        )

    clean["extra"] = {k: v for k, v in record.items() if k not in KNOWN_FIELDS}
    if check.errors:
        raise RecordError(check.errors)
    return clean


def _legal_basis(check: _Checker) -> list[dict]:
    """Legal basis items: a text, or an object with ``text`` and optionally ``number`` and ``title``."""
    value = check.record.get("legal_basis")
    if value is None:
        return []
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        check.fail("legal_basis", "must be a list of texts or objects")
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            check.fail(f"legal_basis[{index}]", "must be a text or an object")
            continue
        text = _text(item.get("text")) or _text(item.get("title")) or _text(item.get("number"))
        if text:
            items.append({"text": text, "number": _text(item.get("number")), "title": _text(item.get("title"))})
    return items


def child_rows(clean: dict) -> dict[str, tuple[type, list[dict]]]:
    """Relationship name → (model, column values of each child in order), for bulk writes."""
    return {
        relation: (model, [{"position": i, **as_row(item)} for i, item in enumerate(clean[key])])
        for relation, (model, key, as_row) in CHILDREN.items()
    }


def apply_scalars(procedure: Procedure, clean: dict) -> None:
    for field in SCALAR_FIELDS:
        setattr(procedure, field, clean[field])


def apply_record(procedure: Procedure, clean: dict) -> None:
    """Overwrite ``procedure`` with a validated record (children replaced as a whole)."""
    apply_scalars(procedure, clean)
    for relation, (model, rows) in child_rows(clean).items():
        setattr(procedure, relation, [model(**row) for row in rows])


def _number(value: float | None) -> int | float | None:
    """A time stored as a float, back as written (5, not 5.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _drop_none(item: dict, keep: tuple[str, ...]) -> dict:
    return {k: v for k, v in item.items() if v is not None or k in keep}


def to_record(procedure: Procedure) -> dict:
    """The procedure in the national record format (inverse of validate_record + apply_record)."""
    record = {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field,
        "levels": list(procedure.levels or []),
        "agency": procedure.agency,
        "subjects": procedure.subjects,
        "result": procedure.result,
        "processing_time": procedure.processing_time,
        "fees": [
            _drop_none(
                {"name": f.name, "amount_vnd": f.amount_vnd, "text": f.text, "channel": f.channel, "basis": f.basis},
                keep=("name", "amount_vnd", "text"),
            )
            for f in procedure.fees
        ],
        "documents": [
            {
                "name": d.name,
                "originals": d.originals,
                "copies": d.copies,
                "case": d.case,
                "form_url": d.form_url,
                **_drop_none({"form_name": d.form_name, "group": d.group}, keep=()),
            }
            for d in procedure.documents
        ],
        "steps": [s.text for s in procedure.steps],
        "methods": [
            {
                "channel": m.channel,
                "processing_time": m.processing_time,
                "fee_text": m.fee_text,
                **_drop_none(
                    {
                        "time_value": _number(m.time_value),
                        "time_unit": m.time_unit,
                        "fee_amount": m.fee_amount,
                        "fee_currency": m.fee_currency,
                        "description": m.description,
                    },
                    keep=(),
                ),
            }
            for m in procedure.methods
        ],
        "online": procedure.online,
        "online_url": procedure.online_url,
        "legal_basis": [
            b.text
            if b.number is None and b.title is None
            else _drop_none({"text": b.text, "number": b.number, "title": b.title}, keep=("text",))
            for b in procedure.legal_basis
        ],
        "source_url": procedure.source_url,
        "updated_at": procedure.updated_at.isoformat() if procedure.updated_at else None,
        "aliases": list(procedure.aliases or []),
        **_drop_none(
            {
                "official_name": procedure.official_name,
                "conditions": procedure.conditions,
                "decision": procedure.decision,
            },
            keep=(),
        ),
    }
    record.update(procedure.extra or {})
    return record
