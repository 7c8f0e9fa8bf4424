"""Answers questions about a procedure, keeping it as the conversation's context.

Which procedure: the one linked in this message, else the one in the
``procedure_code`` slot ("thế lệ phí bao nhiêu?"). An ambiguous mention is
asked back with buttons; a question with no procedure at all gets the closest
catalogue entries or a prompt to name one.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from core import wording as m
from actions.answers import answer_reply
from actions.compound import answer_case_reply, answer_whole_question
from actions.out_of_scope import answer_in_english, answer_out_of_scope, warn_id_number
from actions.store_unavailable import StoreCall
from core import cues, ranking
from core.passages import detect_aspects
from core.vocabulary import ASPECT_INTENTS, DEFAULT_ASPECT, INTENT_ACTIONS
from services.catalogue import get_procedure, search_procedures
from procedures_db.db import session_scope

# "Closest procedures" must share real words with the question, not one particle.
SUGGESTION_MIN_SCORE = 0.35
SUGGESTION_MIN_RECALL = 0.3
MAX_CHOICES = ranking.MAX_CHOICES  # a clarification offers at most four procedures


def latest_entity(tracker: Tracker, name: str) -> Optional[Dict[str, Any]]:
    entities = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return entities[-1] if entities else None


def procedure_choice_buttons(choices: List[Dict[str, str]], intent: str) -> List[Dict[str, str]]:
    """One button per procedure, titled so that the choices say how they differ (the linker's
    ``label``: the name shortened, with its level when two names are the same)."""
    return [
        {"title": choice.get("label") or choice["name"], "payload": f'/{intent}{{"procedure": "{choice["code"]}"}}'}
        for choice in choices[:MAX_CHOICES]
    ]


# The classifier's belief in "out of scope" from which a question without any word of a procedure is taken
# for what it says ("Tuần sau có mưa bão không?": ask_processing_time 0.55, out_of_scope 0.41).
OUT_OF_SCOPE_SHARE = 0.3


def _about_something_else(tracker: Tracker) -> bool:
    """A message read as a question about a procedure that names none, asks none of its questions and
    requests no procedure, while the classifier also thinks it out of scope."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/") or tracker.get_slot("procedure_code"):
        return False
    if detect_aspects(text) or cues.asks_for_a_procedure(text):
        return False
    ranking = tracker.latest_message.get("intent_ranking") or []
    return any(r.get("name") == "out_of_scope" and r.get("confidence", 0) >= OUT_OF_SCOPE_SHARE for r in ranking)


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        intent = tracker.get_intent_of_latest_message()
        if intent == "inform" and latest_entity(tracker, "dossier_code"):
            return [FollowupAction(INTENT_ACTIONS["check_dossier_status"])]  # a bare dossier code: the lookup
        text = tracker.latest_message.get("text") or ""
        if cues.is_english(text) and not latest_entity(tracker, "procedure"):
            return answer_in_english(dispatcher, tracker)
        warn_id_number(dispatcher, text)  # "CMND cũ … đổi sang căn cước": warned, and the question still answered
        aspect = intent if intent in ASPECT_INTENTS else tracker.get_slot("pending_question") or DEFAULT_ASPECT
        answered = answer_case_reply(dispatcher, tracker)  # the case the last reply asked for ("nhà tôi tự mua")
        if answered is not None:
            return answered
        # Several questions or procedures, "có cần X không", eligibility, legal basis... (issue 16).
        whole = answer_whole_question(dispatcher, tracker, tracker.get_slot("pending_question"))
        if whole is not None:
            return whole
        if aspect not in ASPECT_INTENTS:
            aspect = DEFAULT_ASPECT  # a question of actions/compound.py's that waited and was not answered

        mention = latest_entity(tracker, "procedure")
        if mention and mention.get("candidates"):
            text = tracker.latest_message.get("text", "")
            words = text[mention["start"] : mention["end"]] if "start" in mention else mention["value"]
            dispatcher.utter_message(
                text=m.CLARIFY.format(mention=words),
                buttons=procedure_choice_buttons(mention["candidates"], aspect),
            )
            return [SlotSet("pending_question", aspect)]

        code = mention["value"] if mention else tracker.get_slot("procedure_code")
        if not code:
            return self._no_procedure(dispatcher, tracker, aspect)
        with StoreCall(dispatcher, f"catalogue, answering {aspect}") as call:
            with session_scope() as session:
                procedure = get_procedure(session, code)
                answer, buttons = (
                    answer_reply(procedure, aspect, tracker.get_latest_input_channel()) if procedure else (None, [])
                )
        if call.failed:
            return []
        if answer is None:
            # A code that is no longer in the catalogue (e.g. an old button).
            return self._no_procedure(dispatcher, tracker, aspect)
        dispatcher.utter_message(text=answer, buttons=buttons)
        return [SlotSet("procedure_code", code), SlotSet("pending_question", None)]

    @staticmethod
    def _no_procedure(dispatcher: CollectingDispatcher, tracker: Tracker, aspect: str) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        hits = []
        if text and not text.startswith("/"):
            # Suggestions are a help, not the answer: without them the citizen is asked which procedure.
            with StoreCall(dispatcher, "catalogue, suggesting procedures", tell_citizen=False):
                with session_scope() as session:
                    hits = [
                        h
                        for h in search_procedures(session, text, limit=MAX_CHOICES).hits
                        if h.score >= SUGGESTION_MIN_SCORE and h.recall >= SUGGESTION_MIN_RECALL
                    ]
        if not hits and _about_something_else(tracker):
            return answer_out_of_scope(dispatcher, tracker)  # "tuần sau có mưa bão không": not "thủ tục nào?"
        if hits:
            dispatcher.utter_message(
                text=m.NO_MATCH_SUGGEST,
                buttons=procedure_choice_buttons([{"code": h.code, "name": h.name} for h in hits], aspect),
            )
        else:
            dispatcher.utter_message(response="utter_ask_which_procedure")
        return [SlotSet("pending_question", aspect)]
