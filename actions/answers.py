"""Turns a catalogue procedure into a short, phone-readable answer for one aspect."""

from __future__ import annotations

import re

from typing import Any, Callable, Dict, Optional

from core import wording as m
from core.passages import (
    PHONE_LINE_CHARS,
    clean,
    digest_documents,
    entry_text,
    fit,
    gist,
    heading_name,
    ordered_documents,
    phone_lines,
    vietnamese_amounts,
    widened,
)
from core.text import fold
from services.catalogue import Procedure

# A reply's lines on a phone (core/passages.py phone_lines): about one screen.
MAX_PHONE_LINES = 12


def format_vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


def _footer(procedure: Procedure) -> list[str]:
    lines = []
    if procedure.updated_at:
        lines.append(m.UPDATED.format(date=procedure.updated_at.strftime("%d/%m/%Y")))
    if procedure.source_url:
        lines.append(m.SOURCE.format(url=procedure.source_url))
    return lines


_LIST_MARK = re.compile(r"^(?:[-+•*]\s+)+")


def document_line(document: Any) -> str:
    """One document of a procedure (a model or a record's dict): name, counts, case; no editors' notes."""

    def part(key: str) -> Any:
        return document.get(key) if isinstance(document, dict) else getattr(document, key)

    # The portal's names often begin with its own list mark ("- Giấy báo tử …"): the reply puts its own.
    line = _LIST_MARK.sub("", clean(part("name")))
    originals, copies = part("originals"), part("copies")
    if (bool(originals), bool(copies)) in m.DOCUMENT_COUNTS:
        line += m.DOCUMENT_COUNTS[(bool(originals), bool(copies))].format(originals=originals, copies=copies)
    if part("case"):
        line += m.DOCUMENT_CASE.format(case=clean(part("case")))
    return line


_document_line = document_line


def _fee_lines(procedure: Procedure) -> list[str]:
    # The amount before the fee's name: a line shortened for the phone keeps it ("100.000đ/lần/người đối với
    # sinh viên …", not "Phí cung cấp thông tin lý lịch tư pháp cho sinh viên, người có công…").
    lines = [fee_line(fee, m.FEE_AMOUNT_FIRST) for fee in procedure.fees]
    bases = list(dict.fromkeys(fee.basis for fee in procedure.fees if fee.basis))
    if bases:
        lines.append(m.FEE_BASIS.format(basis="; ".join(bases)))
    elif procedure.legal_basis:
        lines.append(m.FEE_BASIS.format(basis="; ".join(b.text for b in procedure.legal_basis)))
    return lines


def fee_line(fee: Any, named: str = m.FEE_NAMED) -> str:
    """The fee with its name ("Lệ phí cấp lại hộ chiếu: 400.000đ …", or as ``named`` puts them) unless the
    text says it; a fee of one submission channel is named by the channel instead."""
    text, name = vietnamese_amounts(clean(fee.text)), clean(fee.name)
    if fee.channel:
        return m.FEE_CHANNEL.format(channel=fee.channel, text=text)
    return named.format(name=name, text=text) if name and fold(name) not in fold(text) else text


def _method_lines(procedure: Procedure, attribute: str) -> list[str]:
    return [
        m.METHOD_LINE.format(channel=method.channel, detail=getattr(method, attribute))
        for method in procedure.methods
        if getattr(method, attribute)
    ]


def _documents(procedure: Procedure) -> Optional[str]:
    # The papers every case needs first: a national record lists one case's entries and notes among them.
    documents = ordered_documents(procedure.documents)
    return _numbered([_document_line(d) for d in documents]) if documents else None


def _fee(procedure: Procedure) -> Optional[str]:
    return "\n".join(_fee_lines(procedure)) if procedure.fees else None


def _processing_time(procedure: Procedure) -> Optional[str]:
    per_method = _method_lines(procedure, "processing_time")
    if not procedure.processing_time and not per_method:
        return None
    lines = [procedure.processing_time] if procedure.processing_time else []
    return "\n".join(lines + [f"- {line}" for line in per_method])


def _where_to_submit(procedure: Procedure) -> Optional[str]:
    if not procedure.agency and not procedure.methods:
        return None
    lines = []
    if procedure.agency:
        lines.append(m.AGENCY.format(agency=procedure.agency))
    if procedure.levels:
        lines.append(m.LEVELS.format(levels=", ".join(procedure.levels)))
    lines += [f"- {method.channel}" for method in procedure.methods]
    if procedure.online_url and procedure.online != "none":
        lines.append(m.ONLINE_LINK.format(url=procedure.online_url))
    return "\n".join(lines)


def _steps(procedure: Procedure) -> Optional[str]:
    return _numbered([s.text for s in procedure.steps]) if procedure.steps else None


def _online(procedure: Procedure) -> Optional[str]:
    lines = [m.ONLINE_LEVEL.get(procedure.online, m.ONLINE_LEVEL["none"]) + "."]
    if procedure.online_url and procedure.online != "none":
        lines.append(m.ONLINE_LINK.format(url=procedure.online_url))
    online_fees = [f for f in procedure.fees if f.channel and "tuyến" in f.channel.lower()]
    lines += [m.FEE_CHANNEL.format(channel=f.channel, text=vietnamese_amounts(clean(f.text))) for f in online_fees]
    return "\n".join(lines)


def _overview(procedure: Procedure) -> Optional[str]:
    """ask_procedure_info: an overview with the facts people ask first."""
    lines = []
    if procedure.agency:
        lines.append(m.AGENCY.format(agency=procedure.agency))
    if procedure.result:
        lines.append(m.RESULT.format(result=procedure.result))
    if procedure.processing_time:
        lines.append(m.PROCESSING_TIME.format(time=procedure.processing_time))
    lines.append(m.FEE_SUMMARY.format(text=clean(procedure.fees[0].text)) if procedure.fees else m.FEE_UNKNOWN)
    lines.append(m.ONLINE_LEVEL.get(procedure.online, m.ONLINE_LEVEL["none"]) + ".")
    return "\n".join(lines)


# The answer's body for each aspect of core/vocabulary.py (tests/unit/core/test_vocabulary.py checks that
# there is one per aspect), or None when the catalogue does not hold the fact.
BODIES: Dict[str, Callable[[Procedure], Optional[str]]] = {
    "ask_procedure_info": _overview,
    "ask_documents": _documents,
    "ask_fee": _fee,
    "ask_processing_time": _processing_time,
    "ask_where_to_submit": _where_to_submit,
    "ask_steps": _steps,
    "ask_online": _online,
}


# --- digests: a national record's long lists as a phone shows them ----------------------------------

# A step that only says what to do when filing online ("Nếu lựa chọn hình thức nộp hồ sơ trực tuyến, …"), and
# the condition before the first step of filing in person ("Nếu lựa chọn hình thức nộp hồ sơ trực tiếp, …").
_ONLINE_STEP = re.compile(r"^neu (?:\w+ ){0,8}truc tuyen(?![\w])")
_STEP_CONDITION = re.compile(r"^Nếu [^,]{0,80}?trực tiếp,\s*", re.IGNORECASE)
_BRACKETS = re.compile(r"\s*\([^()]*\)")


def _paper(name: str) -> str:
    """What a document entry names, to tell two entries of the same paper."""
    return fold(_BRACKETS.sub("", gist(name, 2 * PHONE_LINE_CHARS))).strip(" .;")


def document_digest(procedure: Any) -> list[str]:
    """The documents' names as a phone lists them: the papers every citizen brings first, then one case's
    papers, then notes (core/passages.py ``digest_documents``), one entry per paper ("Tờ khai … (Mẫu CT01)"
    named in each case of a record once). ``procedure``: a model, or a record's list of document dicts."""
    documents = procedure if isinstance(procedure, list) else procedure.documents
    seen: set[str] = set()
    names = []
    for document in digest_documents(documents):
        name = str((document.get("name") if isinstance(document, dict) else document.name) or "")
        if _paper(name) not in seen:
            seen.add(_paper(name))
            names.append(name)
    return names


def step_digest(procedure: Procedure) -> list[str]:
    """The steps as a phone lists them: each step's first line, the steps of filing in person (those that only
    say what to do online left to the full answer), without the condition they are written under."""
    steps = [entry_text(step.text.split("\n", 1)[0]) for step in procedure.steps]
    kept = [step for step in steps if not _ONLINE_STEP.match(fold(step))] or steps
    kept = [_STEP_CONDITION.sub("", step) for step in kept]
    return [step[:1].upper() + step[1:] for step in kept if step]


def _gisted(entries: list[str], max_chars: int) -> list[str]:
    """Numbered entries, each its gist (core/passages.py ``gist``) in ``max_chars`` with its number."""
    return [f"{i}. {gist(entry, max_chars - len(str(i)) - 2)}" for i, entry in enumerate(entries, start=1)]


# The phone-sized answer's body of a national record's long lists, in two and in one phone line an entry.
DIGESTS: Dict[str, Callable[[Procedure], list[str]]] = {
    "ask_documents": document_digest,
    "ask_steps": step_digest,
}


def render_answer(procedure: Procedure, aspect: str, full: bool = True) -> str:
    """The answer to one aspect; with ``full=False`` phone-sized (``phone_answer``)."""
    return render_answer_clipped(procedure, aspect, full)[0]


def render_answer_clipped(
    procedure: Procedure, aspect: str, full: bool = False, budget: int = MAX_PHONE_LINES
) -> tuple[str, bool]:
    """The answer and whether the phone-sized one left something out (the rest is behind "Xem đầy đủ");
    ``budget``: the phone lines it may take (fewer when other lines come before it)."""
    body = BODIES[aspect](procedure)
    name = procedure.name if full else heading_name(procedure.name)
    if body is None:
        return m.UNKNOWN_FACT.format(what=m.UNKNOWN_WHAT[aspect], name=name, code=procedure.code), False
    header = m.HEADER.format(title=m.ASPECT_TITLE[aspect], name=name, code=procedure.code)
    if full:
        return "\n".join([header, body, *_footer(procedure)]), False
    lines = body.split("\n")
    short = None
    digest = DIGESTS[aspect](procedure) if aspect in DIGESTS else []
    if digest and sum(phone_lines(line) for line in lines) > budget:
        # Too long for the phone: each entry's gist, not its first 45 characters cut mid-word.
        lines, short = _gisted(digest, 2 * PHONE_LINE_CHARS), _gisted(digest, PHONE_LINE_CHARS)
    lines, clipped = phone_sized(header, lines, _short_footer(procedure), budget, short)
    # A digest is always a part of the list: the whole one is behind "Xem đầy đủ".
    return "\n".join(lines), clipped or short is not None


def phone_sized(
    header: str, body: list[str], footer: list[str], budget: int = MAX_PHONE_LINES, short: Optional[list[str]] = None
) -> tuple[list[str], bool]:
    """The header, as much of the body as a phone shows in ``budget`` lines (long lines shortened,
    to one line each if that keeps every line), a "more" line, the footer; and whether it left lines out.
    ``short``: the body's lines already shortened to one phone line each (their gist), used instead of
    cutting ``body``'s at 45 characters."""
    room = budget - phone_lines(header) - sum(phone_lines(line) for line in footer)
    kept, left = fit(body, room)
    if left and short is not None:
        kept, left = fit(short, room, max_line_chars=PHONE_LINE_CHARS)
        if left:
            kept, left = fit(short, room - 1, max_line_chars=PHONE_LINE_CHARS)
            kept.append(m.MORE_LINES.format(count=left))
        else:  # the lines left over give entries back their two-line gist ("… chứng minh chỗ ở hợp pháp")
            kept = widened(body, kept, room - sum(phone_lines(line) for line in kept))
        return [header, *kept, *footer], True
    if left:
        kept, left = fit(body, room, max_line_chars=PHONE_LINE_CHARS)
    if left:
        kept, left = fit(body, room - 1, max_line_chars=PHONE_LINE_CHARS)
        kept.append(m.MORE_LINES.format(count=left))
    shortened = kept != body[: len(kept)]
    return [header, *kept, *footer], bool(left) or shortened


# The channels whose page collapses a long reply itself behind "Xem đầy đủ" (bot/web/app.js): they get
# the full answer; the others (Zalo, Messenger, REST) a phone-sized one and a "Xem đầy đủ" button.
COLLAPSING_CHANNELS = frozenset({"socketio"})


def answer_reply(procedure: Procedure, aspect: str, channel: Optional[str]) -> tuple[str, list[dict]]:
    """The answer for a channel and its buttons: "Xem đầy đủ" when it was cut, then the next questions."""
    text, clipped = render_answer_clipped(procedure, aspect, full=channel in COLLAPSING_CHANNELS)
    full = [full_answer_button(procedure.code, aspect)] if clipped else []
    return text, (full + next_question_buttons(procedure.code, aspect))[:5]


def _short_footer(procedure: Procedure) -> list[str]:
    """The source in one short line: the full link is in the full answer and in "thông tin lấy từ đâu"."""
    date = procedure.updated_at.strftime("%d/%m/%Y") if procedure.updated_at else None
    if procedure.source_url and date:
        return [m.SOURCE_SHORT_DATED.format(site=_site(procedure.source_url), date=date)]
    if procedure.source_url:
        return [m.SOURCE_SHORT.format(site=_site(procedure.source_url))]
    return [m.UPDATED.format(date=date)] if date else []


def _site(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")


def full_answer_button(procedure_code: str, aspect: str) -> dict:
    """ "Xem đầy đủ": the same question again, answered in full (actions/compound.py reads ``detail``)."""
    return {"title": m.FULL_BUTTON, "payload": f'/{aspect}{{"procedure": "{procedure_code}", "detail": "full"}}'}


def next_question_buttons(procedure_code: str, asked: str) -> list[dict]:
    return [
        {"title": title, "payload": f'/{intent}{{"procedure": "{procedure_code}"}}'}
        for title, intent in m.NEXT_QUESTION_BUTTONS
        if intent != asked
    ][:5]
