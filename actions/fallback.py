"""Graded fallback: a confident answer, else a yes/no or a choice, else the menu.

The FallbackClassifier marks messages below its threshold as ``nlu_fallback``;
the original ranking is still on the message, so this action can ask about
the likeliest intents instead of giving up.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.situation import answer_in_context
from actions.dispatch import answer_intent
from actions.out_of_scope import answer_after_handoff, answer_in_english, warn_id_number
from core import cues
from core import wording as m
from core.settings import current as settings
from actions.procedure_info import ActionAnswerProcedure, latest_entity
from core import passages as p
from core.vocabulary import ASPECT_INTENTS, INTENT_ACTIONS

CONFIRM_THRESHOLD = 0.45  # the best intent alone is worth a yes/no question
SUGGEST_THRESHOLD = 0.2  # below this, say what the assistant can do
MAX_SUGGESTIONS = 3

# What to run when the user confirms a suggested intent: where its rule goes (core/vocabulary.py).
FOLLOWUP_ACTION = INTENT_ACTIONS


# How surely a procedure named in a message the classifier doubts must be linked to replace the one in context
# (bot/components/aspect_detector.py NAMED_CONFIDENCE: a name said clearly).
SWITCH_CONFIDENCE = 0.8
# How surely a message no intent stands out for must name a procedure to be answered about it.
NAMED_CONFIDENCE = 0.7


def _procedure_question(text: str, best: str) -> str | None:
    """The intent of the question about a procedure a doubted message asks, if it asks one: the classifier's
    best guess when that is such a question, else a question the message asks for a procedure ("bố tôi là
    thương binh, làm hồ sơ … thế nào": not a wish to talk to staff)."""
    if best in ASPECT_INTENTS:
        return best
    if not cues.asks_for_a_procedure(text):
        return None
    asked = [cue.aspect for cue in p.detect_aspects(text)]
    if not asked and not cues.asks_a_question(text):
        return None
    return next((p.ASPECT_INTENT[a] for a in asked if a in p.ASPECT_INTENT), "ask_procedure_info")


# What a doubted message's own words may ask of a procedure: one of its answers (its fee, its papers …), whether
# a paper or an act is needed ("có cần bố mẹ đồng ý không"), or a field of its record (who may, the result …).
_ASKED_IN_WORDS = frozenset({*p.ASPECT_INTENT, "need", *p.FIELD_ASPECTS})


def _named_surely(mention: Optional[dict], context: Optional[str]) -> bool:
    """The message names one procedure surely: enough to answer it, and to replace the one in context."""
    if not mention or mention.get("candidates"):
        return False
    confidence = float(mention.get("confidence_entity") or 0.0)
    return confidence >= (SWITCH_CONFIDENCE if context and mention.get("value") != context else NAMED_CONFIDENCE)


def _asks_in_words(text: str) -> bool:
    """The message's own words ask something about a procedure."""
    return any(cue.aspect in _ASKED_IN_WORDS for cue in p.detect_aspects(text))


class ActionGradedFallback(Action):
    def name(self) -> Text:
        return "action_graded_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if cues.is_english(text):
            return answer_in_english(dispatcher, tracker)
        if warn_id_number(dispatcher, text):
            return [SlotSet("suggested_intent", None)]
        handoff = answer_after_handoff(dispatcher, tracker)
        if handoff is not None:
            return handoff + [SlotSet("suggested_intent", None)]
        answered = answer_in_context(dispatcher, tracker)  # the case or age the last reply asked for
        if answered is not None:
            return answered + [SlotSet("suggested_intent", None)]
        ranking = [
            r
            for r in tracker.latest_message.get("intent_ranking", [])
            if r.get("name") in m.INTENT_LABEL and r.get("confidence", 0) >= SUGGEST_THRESHOLD
        ]
        named = latest_entity(tracker, "procedure")
        if not ranking and named and _named_surely(named, tracker.get_slot("procedure_code")):
            # "sinh con ở nhà, ko có giấy chứng sinh thì lm gks kiểu j": no intent stands out, but the words name a
            # procedure surely: it is answered (the whole answer reads the paper the citizen lacks), not the menu.
            answered = ActionAnswerProcedure().run(dispatcher, tracker, domain)
            return [SlotSet("procedure_code", named["value"]), *answered, SlotSet("suggested_intent", None)]
        if not ranking:
            if cues.asks_for_a_procedure(text) and not named:
                # "xin giấy phép hành nghề khám bệnh … nộp ở đâu": a procedure the catalogue does not hold.
                dispatcher.utter_message(text=m.NOT_IN_CATALOGUE.format(hotline=settings().support_hotline))
            else:
                dispatcher.utter_message(response="utter_capabilities")
            return [SlotSet("suggested_intent", None)]

        events: List[Dict] = []
        mention = latest_entity(tracker, "procedure")
        code = mention["value"] if mention and not mention.get("candidates") else None
        if mention and code and tracker.get_slot("procedure_code") and code != tracker.get_slot("procedure_code"):
            # A word of a follow-up the NLU doubts ("sao phải nộp trước bạ" about a vehicle registration) does not
            # switch the procedure in context by itself; a name linked surely does.
            if float(mention.get("confidence_entity") or 0.0) < SWITCH_CONFIDENCE:
                code, mention = None, None
        if code:
            events.append(SlotSet("procedure_code", code))
        context = tracker.get_slot("procedure_code")
        if (context or code) and (code is None or code == context or not context) and _asks_in_words(text):
            # "Còn lệ phí thì sao, bé mới được 10 ngày" after a birth registration: the intent is doubted, the
            # words ask plainly, and of the procedure in context; "con 16 tuổi, nhập hộ khẩu về nhà ông bà có cần
            # bố mẹ đồng ý không": of the procedure they name.
            return (
                events + ActionAnswerProcedure().run(dispatcher, tracker, domain) + [SlotSet("suggested_intent", None)]
            )
        best = ranking[0]
        if code and best["name"] not in ASPECT_INTENTS and _asks_in_words(text):
            # "có được hỗ trợ tiền mai táng không": a procedure linked surely and a question of it in the words
            # (whether one may, its legal basis …); a word of its name ("hỗ trợ") is no wish to talk to staff.
            return (
                events + ActionAnswerProcedure().run(dispatcher, tracker, domain) + [SlotSet("suggested_intent", None)]
            )
        question = _procedure_question(text, best["name"])
        if question and not code and not tracker.get_slot("procedure_code"):
            # A question about a procedure without any procedure: ask which one (not "did you mean fees?"),
            # saying where to ask when the catalogue does not hold it.
            dispatcher.utter_message(response="utter_ask_which_procedure")
            return events + [SlotSet("pending_question", question), SlotSet("suggested_intent", None)]
        if best["confidence"] >= CONFIRM_THRESHOLD or len(ranking) == 1:
            about = m.CONFIRM_ABOUT.format(name=mention.get("procedure_name", "")) if code and mention else ""
            dispatcher.utter_message(
                text=m.CONFIRM_ONE.format(label=m.INTENT_LABEL[best["name"]], about=about),
                buttons=[{"title": t, "payload": p} for t, p in m.YES_NO_BUTTONS],
            )
            return events + [SlotSet("suggested_intent", best["name"])]

        entity = f'{{"procedure": "{code}"}}' if code else ""
        dispatcher.utter_message(
            text=m.CONFIRM_MANY,
            buttons=[
                {"title": m.INTENT_LABEL[r["name"]], "payload": f"/{r['name']}{entity}"}
                for r in ranking[:MAX_SUGGESTIONS]
            ],
        )
        return events + [SlotSet("suggested_intent", None)]


class ActionResolveConfirmation(Action):
    """affirm / deny: act on the fallback's suggestion, if there is one."""

    def name(self) -> Text:
        return "action_resolve_confirmation"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        suggested = tracker.get_slot("suggested_intent")
        if not suggested:
            handoff = answer_after_handoff(dispatcher, tracker)
            if handoff is not None:
                return handoff
            answered = answer_in_context(dispatcher, tracker)  # "Cháu được 8 tuổi rồi." read as a yes
            if answered is not None:
                return answered
            text = tracker.latest_message.get("text") or ""
            if tracker.get_slot("procedure_code") and not text.startswith("/") and p.detect_aspects(text):
                # "bằng A1 có thời hạn k": a question about the procedure in context that the classifier read as a
                # yes or a no (its "k"), with nothing of ours to say yes or no to: the question is answered.
                return ActionAnswerProcedure().run(dispatcher, tracker, domain)
            dispatcher.utter_message(response="utter_anything_else")
            return []
        events = [SlotSet("suggested_intent", None)]
        if tracker.get_intent_of_latest_message() == "deny":
            dispatcher.utter_message(response="utter_capabilities")
            return events
        if suggested in ASPECT_INTENTS:
            events.append(SlotSet("pending_question", suggested))
            tracker.slots["pending_question"] = suggested  # read by the answer, run in this turn
        # Answered in this turn (actions/dispatch.py says why not a FollowupAction).
        return events + answer_intent(suggested, dispatcher, tracker, domain)
