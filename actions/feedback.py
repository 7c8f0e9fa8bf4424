"""Feedback: a complaint recorded for staff with a reference, or a 1–5 rating and comment for analytics.

A "góp ý / phản ánh" message (intent give_feedback) is a complaint when it says so
(khiếu nại, phản ánh, kiến nghị, a grievance: core/cues.py): it is recorded as a
complaint, handed to staff with a reference, and the citizen is told where formal
complaints go. Otherwise the rating form starts; a rating is only what the citizen
gives as one ("4", "4 sao"), never a number inside a sentence ("hẹn tôi 3 lần").
"thôi", "hủy", "không" at the rating leave the form without storing anything.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from core import cues
from core.passages import detect_aspects
from core import wording as m
from actions.out_of_scope import answer_in_english, answer_out_of_scope
from actions.procedure_info import ActionAnswerProcedure, latest_entity
from actions.service import record_complaint
from actions.store_unavailable import StoreCall
from procedures_db.db import session_scope
from services.service_requests import save_feedback
from core.text import folded_text

# The form needs the slot filled to finish: a citizen who skips the comment gets this marker.
NO_COMMENT = "-"
_SKIP = {"khong", "ko", "k", "khong co", "bo qua", "thoi", "het", "khong a", "khong co gi"}
_MIN_COMMENT_WORDS = 3
# "tôi muốn góp ý" asks to give feedback; what follows it, if anything, is the feedback.
_REQUEST = re.compile(
    r"^\s*(?:(?:cho\s+)?(?:toi|em|minh|tui)\s+)?(?:muon|can|xin|co)?\s*"
    r"(?:gop y|danh gia|nhan xet)(?:\s+(?:ve\s+)?(?:chat luong\s+)?(?:dich vu|phuc vu))?\s*(?:a|nhe|voi)?\s*[.!:,]*"
)


def parse_rating(text: str, bare_allowed: bool = True) -> Optional[int]:
    """The rating the citizen gave ("4", "4 sao"); None for a number inside a sentence."""
    return cues.parse_rating(text, bare_allowed=bare_allowed)


# feedback_kind (bot/domain/service.yml): the rules start the rating form only for RATING.
KIND, ANSWERED, RATING = "feedback_kind", "answered", "rating"


def asks_about_a_procedure(text: str) -> bool:
    """Whether a message read as feedback asks one of the questions about a procedure (core/passages.py):
    its documents, fee, time, who may do it …; "tôi muốn đánh giá" asks none."""
    return any(cue.aspect != "can_do" for cue in detect_aspects(text))


class ActionFeedback(Action):
    """give_feedback: a complaint is recorded for staff; anything else starts the rating form."""

    def name(self) -> Text:
        return "action_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):
            return [SlotSet(KIND, RATING)]  # a button: the rules start the rating form
        if cues.is_complaint(text):
            return record_complaint(dispatcher, tracker) + [SlotSet(KIND, ANSWERED)]
        if cues.is_english(text):
            return answer_in_english(dispatcher, tracker) + [SlotSet(KIND, ANSWERED)]
        if not cues.offers_a_rating(text):
            # Read as feedback, but it asks about a procedure: answered, not rated.
            if latest_entity(tracker, "procedure") or (
                tracker.get_slot("procedure_code") and asks_about_a_procedure(text)
            ):
                # "nghỉ vc bn tháng thì rút bh 1 lần đc" after an answer: a question about the procedure in context.
                return ActionAnswerProcedure().run(dispatcher, tracker, domain) + [SlotSet(KIND, ANSWERED)]
            if cues.asks_for_a_procedure(text):
                return answer_out_of_scope(dispatcher, tracker) + [SlotSet(KIND, ANSWERED)]
            if asks_about_a_procedure(text):
                # "nghỉ vc bn tháng thì rút bh 1 lần đc": a question, not a rating ("1 lần" is no score).
                return ActionAnswerProcedure().run(dispatcher, tracker, domain) + [SlotSet(KIND, ANSWERED)]
        return [SlotSet(KIND, RATING)]  # the rules start the rating form


class ValidateFeedbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_feedback_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        # "thôi", "hủy", "không" instead of a rating: leave the form, store nothing.
        if tracker.get_slot("requested_slot") == "feedback_rating" and cues.is_stop(
            tracker.latest_message.get("text") or ""
        ):
            dispatcher.utter_message(text=m.FEEDBACK_LEFT)
            return [
                SlotSet("feedback_rating", None),
                SlotSet("feedback_comment", None),
                SlotSet("requested_slot", None),
            ]
        return await super().run(dispatcher, tracker, domain)

    async def extract_feedback_comment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # A complaint typed in the first message is the comment: do not ask again.
        text = tracker.latest_message.get("text") or ""
        if tracker.get_intent_of_latest_message() != "give_feedback" or text.startswith("/"):
            return {}
        if tracker.get_slot("requested_slot") is not None:
            return {}
        remainder = _REQUEST.sub("", folded_text(text), count=1)
        if len(remainder.split()) >= _MIN_COMMENT_WORDS and parse_rating(text) is None:
            return {"feedback_comment": text}
        return {}

    async def extract_feedback_rating(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") is None and tracker.get_intent_of_latest_message() == "give_feedback":
            # In the request itself only a rating given as one counts ("đánh giá 5 sao").
            rating = parse_rating(tracker.latest_message.get("text"), bare_allowed=False)
            if rating:
                return {"feedback_rating": rating}
        return {}

    def validate_feedback_rating(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        rating = value if isinstance(value, (int, float)) and 1 <= value <= 5 else parse_rating(str(value))
        if rating is None:
            dispatcher.utter_message(response="utter_feedback_rating_invalid")
            return {"feedback_rating": None}
        comment = cues.rating_comment(str(value)) if tracker.get_slot("requested_slot") == "feedback_rating" else None
        # "5 sao, cán bộ hướng dẫn nhiệt tình": the comment came with the stars; not asked for again.
        return {"feedback_rating": int(rating), **({"feedback_comment": comment} if comment else {})}

    def validate_feedback_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if tracker.get_slot("requested_slot") == "feedback_comment" and cues.is_explicit_complaint(text):
            # "nhưng tôi cũng muốn phản ánh …" after the stars: a complaint for staff, with its reference;
            # the rating given stays a rating, without this as its comment.
            recorded = {e["name"]: e["value"] for e in record_complaint(dispatcher, tracker)}
            return {"feedback_comment": NO_COMMENT, **recorded}
        return {"feedback_comment": NO_COMMENT if folded_text(text) in _SKIP or not text else text}


def store_rating(dispatcher: CollectingDispatcher, tracker: Tracker, rating: Any, comment: Optional[str]) -> bool:
    """Stores a rating the citizen gave (and the comment, if any); False when the store failed."""
    with StoreCall(dispatcher, "feedback") as call:
        with session_scope() as session:
            save_feedback(
                session,
                int(rating),
                None if comment == NO_COMMENT else comment,
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel(),
                procedure_code=tracker.get_slot("procedure_code"),
            )
    return not call.failed


class ActionSaveFeedback(Action):
    def name(self) -> Text:
        return "action_save_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        rating = tracker.get_slot("feedback_rating")
        comment = tracker.get_slot("feedback_comment")
        cleared = [SlotSet("feedback_rating", None), SlotSet("feedback_comment", None)]
        if not rating:  # the citizen left the form: nothing to store
            return cleared
        if store_rating(dispatcher, tracker, rating, comment):
            dispatcher.utter_message(text=m.FEEDBACK_SAVED.format(rating=int(rating)))
        return cleared
