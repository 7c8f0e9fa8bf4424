"""A situation the citizen tells without asking, read against the records instead of as out of scope.

"Tôi 81 tuổi, không có lương hưu." after a list of procedures to choose from picks the one whose subjects,
conditions or documents it describes, and answers the question asked before for it; "Cháu 11 tuổi." after an
answer about a procedure quotes what that record says of such a case (services/answering.py
procedure_for_situation, situation_passages). A message that asks something is a question, not a situation,
and is left to the other answers; a situation the records share no word with stays out of scope.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import answer_reply
from actions.compound import (
    PASSAGE_CHARS,
    _case,
    _last_bot_text,
    _previous_message,
    _sent,
    _sized,
    _waiting_aspect,
    answer_to_our_question,
)
from actions.store_unavailable import StoreCall
from core import passages as p
from core import wording as m
from procedures_db.db import session_scope
from services import answering
from services.catalogue import get_procedure

_OFFERED = re.compile(r'"procedure":\s*"([^"]+)"')


def _offered(tracker: Tracker) -> list[str]:
    """The procedures the last reply offered as buttons to choose from."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            return [x.group(1) for b in buttons if (x := _OFFERED.search(str(b.get("payload") or "")))]
    return []


def answer_in_context(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """A message read against the conversation before the classifier's intent: the case or age the last reply
    asked for, a circumstance that picks the variant (actions/compound.py answer_to_our_question), else a
    situation told unasked; None when it is none of these."""
    answered = answer_to_our_question(dispatcher, tracker)
    return answered if answered is not None else answer_told_situation(dispatcher, tracker)


def answer_told_situation(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The events when the message told a situation the records answer, None to leave it to the caller."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/") or p.detect_aspects(text):
        return None
    offered = list(dict.fromkeys(_offered(tracker)))
    code = tracker.get_slot("procedure_code")
    pending = tracker.get_slot("pending_question")
    answered = bool(code) and f"mã {code}" in _last_bot_text(tracker)
    if len(offered) < 2 and not answered and not (pending and not code):
        return None  # nothing of ours the message could answer: no choice offered, no answer, no "which one?"
    before = str(_previous_message(tracker).get("text") or "")
    reply: Optional[tuple[str, list[dict]]] = None
    with StoreCall(dispatcher, "catalogue, the situation told") as call:
        with session_scope() as session:
            # Named with the question before it ("thủ tục hộ kinh doanh" … "đóng cửa luôn, không bán nữa"), else
            # described by its subjects or conditions, among the procedures offered.
            picked = answering.named_with(session, text, before)
            if picked is None and len(offered) >= 2:
                picked = answering.procedure_for_situation(session, offered, text, before)
            procedure = get_procedure(session, picked) if picked else None
            if procedure is not None:
                code = procedure.code
                aspect = _waiting_aspect(tracker)
                record = answering.record(session, code)
                told = _case(record, text, told=True) if record and aspect == "ask_documents" else None
                reply = told or answer_reply(procedure, aspect, tracker.get_latest_input_channel())
            elif answered:
                record = answering.record(session, code)
                reply = _situation(record, text) if record else None
    return _sent(dispatcher, call, reply, code) if code else None


def _situation(record: dict, text: str) -> Optional[tuple[str, list[dict]]]:
    """What the record says of the case told, quoted with its field; None when it shares no word with it."""
    found = answering.situation_passages(record, text)
    if not found:
        return None
    code = record["code"]
    lines = [m.SITUATION_HEADER.format(name=p.heading_name(record["name"]), code=code)]
    lines += [
        m.NEED_PASSAGE.format(field=m.FIELD_LABEL[x.field], text=p.excerpt(x.text, text, PASSAGE_CHARS)) for x in found
    ]
    lines.append(m.ELIGIBILITY_CHECK.format(who=p.clean(record.get("agency")) or m.DEFAULT_WHO))
    reply, _ = _sized(lines, code, "other", False)
    return reply, []
