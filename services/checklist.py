"""Assisted mode's checklist: the documents, fees, time and place of one procedure for one citizen's case.

Staff at a support point open a procedure (``services/catalogue.py``), tick the
cases that fit the citizen (each distinct ``case`` of the procedure's
documents) and print the result: documents that always apply plus those of the
ticked cases, with originals and copies, the fees, the processing time, where
to submit, the online link (also as a QR code, drawn here as SVG with segno),
the procedure's code and the date of its data.
"""

from __future__ import annotations

import io
from typing import Any, Iterable

import segno

from core import wording

MAX_URL_LENGTH = 1000


def document_cases(record: dict) -> list[str]:
    """The distinct cases of the procedure's documents, in the catalogue's order."""
    seen: list[str] = []
    for document in record.get("documents") or []:
        case = (document.get("case") or "").strip()
        if case and case not in seen:
            seen.append(case)
    return seen


def parse_case_indexes(text: str | None, count: int) -> list[int]:
    """``"0,2"`` → [0, 2]; raises ValueError on anything but indexes of the cases."""
    if not text:
        return []
    chosen = []
    for part in text.split(","):
        part = part.strip()
        if not part.isdigit() or int(part) >= count:
            raise ValueError(f"cases must be numbers from 0 to {count - 1}, separated by commas")
        if int(part) not in chosen:
            chosen.append(int(part))
    return sorted(chosen)


def _link(url: Any) -> str | None:
    text = (url or "").strip() if isinstance(url, str) else ""
    return text if text.startswith(("https://", "http://")) and len(text) <= MAX_URL_LENGTH else None


def build_checklist(record: dict, chosen: Iterable[int] = ()) -> dict:
    """What the printed page shows, from a procedure record (docs/interfaces.md) and the ticked cases."""
    cases = document_cases(record)
    ticked = {cases[i] for i in chosen}
    documents = []
    for document in record.get("documents") or []:
        case = (document.get("case") or "").strip()
        if case and case not in ticked:
            continue
        documents.append(
            {
                "name": document.get("name"),
                "originals": document.get("originals"),
                "copies": document.get("copies"),
                "case": case or None,
                "group": document.get("group"),
                "form_name": document.get("form_name"),
                "form_url": _link(document.get("form_url")),
            }
        )
    methods = [
        {
            "channel": method.get("channel"),
            "processing_time": method.get("processing_time"),
            "fee_text": method.get("fee_text"),
        }
        for method in record.get("methods") or []
    ]
    online_url = _link(record.get("online_url"))
    return {
        "code": record.get("code"),
        "name": record.get("name"),
        "updated_at": record.get("updated_at"),
        "agency": record.get("agency"),
        "levels": record.get("levels") or [],
        "processing_time": record.get("processing_time"),
        "fees": [{"name": fee.get("name"), "text": fee.get("text")} for fee in record.get("fees") or []],
        "methods": methods,
        "documents": documents,
        "cases": [case for case in cases if case in ticked],
        "online": record.get("online"),
        "online_url": online_url,
        "source_url": _link(record.get("source_url")),
    }


def qr_svg(url: str) -> bytes:
    """The link as a QR code, an SVG image (black on white, error correction M, 4-module quiet zone)."""
    if _link(url) is None:
        raise ValueError("only an http(s) link of at most 1000 characters is drawn")
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        out, kind="svg", scale=4, border=4, dark="#000", light="#fff", xmldecl=False, svgns=True
    )
    return out.getvalue()


def checklist_text(checklist: dict) -> str:
    """The checklist as a chat message (Zalo, Messenger, the web page): the same facts as the printed page."""
    lines = [f"{checklist['name']} ({checklist['code']})"]
    if checklist["cases"]:
        lines.append("; ".join(checklist["cases"]))  # the citizen's cases, as ticked
    for number, document in enumerate(checklist["documents"], start=1):
        line = f"{number}. {document['name']}"
        counts = (bool(document.get("originals")), bool(document.get("copies")))
        if counts in wording.DOCUMENT_COUNTS:
            line += wording.DOCUMENT_COUNTS[counts].format(originals=document["originals"], copies=document["copies"])
        if document.get("case"):
            line += wording.DOCUMENT_CASE.format(case=document["case"])
        lines.append(line)
    fees = "; ".join(fee["text"] for fee in checklist["fees"] if fee.get("text"))
    if fees:
        lines.append(wording.FEE_SUMMARY.format(text=fees.rstrip(".")))
    if checklist.get("processing_time"):
        lines.append(wording.PROCESSING_TIME.format(time=str(checklist["processing_time"]).rstrip(".")))
    if checklist.get("agency"):
        lines.append(wording.AGENCY.format(agency=str(checklist["agency"]).rstrip(".")))
    if checklist.get("online_url"):
        lines.append(wording.ONLINE_LINK.format(url=checklist["online_url"]))
    if checklist.get("updated_at"):
        lines.append(wording.UPDATED.format(date="/".join(reversed(str(checklist["updated_at"]).split("-")))))
    return "\n".join(lines)
