"""Messages outside the catalogue: a procedure it does not hold yet, an English question, an ID number, the truly off-topic.

"em chỉ hỗ trợ thủ tục hành chính" is kept for what really is outside
administrative procedures (gold prices, homework). A real procedure the
catalogue does not hold ("hoãn nghĩa vụ quân sự", "sang tên xe") is said to be
missing from the catalogue, with where to ask. A question in English gets a
short English answer saying what the assistant does, and the catalogue's answer
(in Vietnamese) when it names a procedure the catalogue holds. An identity
number typed into the chat is never echoed: the citizen is asked not to share it.
"""

from __future__ import annotations

import re

from typing import Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.situation import answer_in_context
from actions.answers import BODIES, MAX_PHONE_LINES, full_answer_button, next_question_buttons, render_answer_clipped
from actions.service import ActionRequestHuman, record_complaint
from actions.store_unavailable import StoreCall
from core import cues
from core.passages import PHONE_LINE_CHARS, days, gist, phone_lines
from core import wording as m
from core.settings import current as settings
from core.vocabulary import DEFAULT_ASPECT
from procedures_db.db import session_scope
from services.catalogue import get_procedure, search_procedures

# How surely the words of a message the classifier took for out of scope must name a procedure to be answered.
SURELY = 0.7
_HELLO = ("hi", "hello", "help", "what can you", "who are you")


def warn_id_number(dispatcher: CollectingDispatcher, text: str) -> bool:
    """Tells the citizen not to share an ID number when ``text`` holds one; True when it did."""
    if not cues.id_numbers(text):
        return False
    dispatcher.utter_message(text=m.ID_NUMBER_WARNING_ENGLISH if cues.is_english(text) else m.ID_NUMBER_WARNING)
    return True


def english_query(text: str) -> Optional[Tuple[str, str]]:
    """The catalogue search (in Vietnamese) for the procedure an English question names, and its English
    name; None when it names none."""
    lowered = text.lower()
    query, name = next(((vi, en) for pattern, vi, en in cues.ENGLISH_PROCEDURES if pattern.search(lowered)), (None, ""))
    if query in cues.ENGLISH_FOREIGN_VARIANT and cues.ENGLISH_FOREIGN.search(lowered):
        return cues.ENGLISH_FOREIGN_VARIANT[query], f"{name} with a foreign party"
    return (query, name) if query else None


def english_aspects(lowered: str) -> List[str]:
    """What an English question asks, in the order asked (at most two); "how do I apply" is the steps only
    when it asks nothing more particular ("how much does it cost to apply" is the fee)."""
    found = sorted(
        (match.start(), intent)
        for intent, pattern in cues.ENGLISH_ASPECTS
        for match in [pattern.search(lowered)]
        if match
    )
    asked = list(dict.fromkeys(intent for _, intent in found))
    particular = [a for a in asked if a != "ask_steps"]
    return (particular or asked)[:2] or [DEFAULT_ASPECT]


def _asks_none(button: Dict, aspects: List[str]) -> bool:
    """A next-question button that asks none of the questions just answered."""
    return not any(str(button.get("payload", "")).startswith(f"/{aspect}") for aspect in aspects)


def _gists(procedure, aspects: List[str], lines_each: int) -> List[str]:
    """Each aspect's first line of the record, shortened to its gist in ``lines_each`` phone lines, beside its title."""
    lines = []
    for aspect in aspects:
        body = (BODIES[aspect](procedure) or m.SECTION_UNKNOWN).split("\n")[0]
        title = m.INTENT_LABEL[aspect]
        room = lines_each * PHONE_LINE_CHARS - len(m.SECTION_INLINE.format(title=title, text=""))
        lines.append(m.SECTION_INLINE.format(title=title, text=gist(body, max(room, 20))))
    return lines


def english_summary(procedure, aspect: str) -> Optional[str]:
    """The direct answer in English from the record's figures (the fee's amounts, the time's first limit);
    None when the record's figures do not give one (the Vietnamese details then speak alone)."""
    if aspect == "ask_fee":
        amounts = [fee.amount_vnd for fee in procedure.fees]
        if not amounts:
            return None
        if all(a == 0 for a in amounts):
            return m.ENGLISH_FREE
        if 0 in amounts:
            return m.ENGLISH_FREE_SOME
        if any(a is None for a in amounts):
            return None
        known = sorted(set(amounts))
        text = " or ".join(f"{a:,}" for a in known)
        return (m.ENGLISH_FEE_AMOUNTS if len(known) > 1 else m.ENGLISH_FEE_AMOUNT).format(amounts=text)
    if aspect == "ask_processing_time":
        limit = days(procedure.processing_time)
        if limit is None:
            return None
        return m.ENGLISH_SAME_DAY if limit == 0 else m.ENGLISH_WITHIN_DAYS.format(days=f"{limit:g}")
    return None


def answer_in_english(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    text = tracker.latest_message.get("text") or ""
    lowered = text.lower()
    hotline = settings().support_hotline
    if warn_id_number(dispatcher, text):
        return []
    if cues.is_complaint(text):
        return record_complaint(dispatcher, tracker)  # "I want to file a complaint: …": staff handle it
    if cues.ENGLISH_HUMAN.search(lowered):
        return ActionRequestHuman().run(dispatcher, tracker, {})
    named = english_query(text)
    if named:
        query, name = named
        aspects = english_aspects(lowered)
        with StoreCall(dispatcher, "catalogue, an English question") as call:
            with session_scope() as session:
                best = search_procedures(session, query, limit=1).best
                procedure = get_procedure(session, best.code) if best else None
                topic = " and ".join(m.ENGLISH_TOPIC[aspect] for aspect in aspects)
                lead = [m.ENGLISH_ANSWER_LEAD.format(topic=topic, procedure=name)]
                lead += [line for aspect in aspects for line in [english_summary(procedure, aspect)] if line]
                budget = MAX_PHONE_LINES - sum(phone_lines(line) for line in lead)
                if procedure is None:
                    answer, full = "", []
                elif len(aspects) == 1:
                    answer, clipped = render_answer_clipped(procedure, aspects[0], budget=budget)
                    full = [full_answer_button(procedure.code, aspects[0])] if clipped else []
                else:
                    # Two questions: the Vietnamese gist of each under the record's name, the whole behind a button.
                    header = m.COMPOUND_HEADER.format(name=procedure.name, code=procedure.code)
                    lines_each = max(1, (budget - phone_lines(header)) // len(aspects))
                    answer = "\n".join([header, *_gists(procedure, aspects, lines_each)])
                    full = [
                        {
                            **full_answer_button(procedure.code, a),
                            "title": m.FULL_BUTTON_OF.format(title=m.INTENT_LABEL[a]),
                        }
                        for a in aspects
                    ]
        if call.failed:
            return []
        if procedure and answer:
            dispatcher.utter_message(
                text="\n".join([*lead, answer]),
                buttons=(
                    full + [b for b in next_question_buttons(procedure.code, aspects[-1]) if _asks_none(b, aspects)]
                )[:5],
            )
            return [SlotSet("procedure_code", procedure.code)]
    if cues.asks_for_a_procedure(text):
        dispatcher.utter_message(text=m.ENGLISH_NOT_IN_CATALOGUE.format(hotline=hotline))
    elif any(re.search(rf"(?<![\w]){word}(?![\w])", lowered) for word in _HELLO):  # "hi", not "which"
        dispatcher.utter_message(text=m.ENGLISH_CAPABILITIES.format(hotline=hotline))
    else:
        dispatcher.utter_message(text=m.ENGLISH_OUT_OF_SCOPE + " " + m.ENGLISH_CAPABILITIES.format(hotline=hotline))
    return []


def answer_after_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict]]:
    """After a hand-over, "có ai không", "mã yêu cầu của tôi là gì": the hand-over's reference and hours again."""
    text = tracker.latest_message.get("text") or ""
    if tracker.get_slot("handoff_reference") and cues.asks_about_handoff(text):
        return ActionRequestHuman().run(dispatcher, tracker, {})
    return None


def answer_out_of_scope(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    text = tracker.latest_message.get("text") or ""
    handoff = answer_after_handoff(dispatcher, tracker)
    if handoff is not None:
        return handoff
    answered = answer_in_context(dispatcher, tracker)  # "bị mất", "cháu 5 tuổi": the case asked for
    if answered is not None:
        return answered
    if cues.is_english(text):
        return answer_in_english(dispatcher, tracker)
    if warn_id_number(dispatcher, text):
        return []
    entities = tracker.latest_message.get("entities") or []
    procedure = next((e for e in reversed(entities) if e.get("entity") == "procedure"), None)
    if procedure and not procedure.get("candidates") and float(procedure.get("confidence_entity") or 0) >= SURELY:
        # "mik mún đk kết hôn vs bạn gái, cả 2 đều ở Huế": a wish the classifier doubted, about a procedure
        # the catalogue holds and the words name surely; its card, not "not in the catalogue". (Imported here:
        # the procedure answer hands this module what it cannot answer.)
        from actions.procedure_info import ActionAnswerProcedure

        return ActionAnswerProcedure().run(dispatcher, tracker, {})
    if cues.asks_for_a_procedure(text):
        dispatcher.utter_message(text=m.NOT_IN_CATALOGUE.format(hotline=settings().support_hotline))
    else:
        dispatcher.utter_message(response="utter_out_of_scope")
    return []


class ActionOutOfScope(Action):
    def name(self) -> Text:
        return "action_out_of_scope"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        return answer_out_of_scope(dispatcher, tracker)
