"""Feedback: a 1–5 rating and an optional comment, stored for analytics."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from core import wording as m
from actions.store_unavailable import StoreCall
from procedures_db.db import session_scope
from services.service_requests import save_feedback
from core.text import folded_text

_RATING_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5}
_RATING = re.compile(r"(?<!\d)([1-5])(?!\d)\s*(?:sao|\*|/\s*5|diem)?|\b(mot|hai|ba|bon|tu|nam)\s+(?:sao|diem)\b")
# The form needs the slot filled to finish: a citizen who skips the comment gets this marker.
NO_COMMENT = "-"
_SKIP = {"khong", "ko", "k", "khong co", "bo qua", "thoi", "het", "khong a", "khong co gi"}
_MIN_COMMENT_WORDS = 3
# "tôi muốn góp ý" asks to give feedback; what follows it, if anything, is the feedback.
_REQUEST = re.compile(
    r"^\s*(?:(?:cho\s+)?(?:toi|em|minh|tui)\s+)?(?:muon|can|xin|co)?\s*"
    r"(?:gop y|danh gia|phan anh|kien nghi|nhan xet)(?:\s+(?:ve\s+)?dich vu)?\s*(?:a|nhe|voi)?\s*[.!:,]*"
)


def parse_rating(text: str) -> Optional[int]:
    match = _RATING.search(folded_text(text or ""))
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else _RATING_WORDS[match.group(2)]


class ValidateFeedbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_feedback_form"

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
            rating = parse_rating(tracker.latest_message.get("text"))
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
        return {"feedback_rating": int(rating)}

    def validate_feedback_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = str(value or "").strip()
        return {"feedback_comment": NO_COMMENT if folded_text(text) in _SKIP or not text else text}


class ActionSaveFeedback(Action):
    def name(self) -> Text:
        return "action_save_feedback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        rating = tracker.get_slot("feedback_rating")
        comment = tracker.get_slot("feedback_comment")
        cleared = [SlotSet("feedback_rating", None), SlotSet("feedback_comment", None)]
        with StoreCall(dispatcher, "feedback") as call:
            with session_scope() as session:
                save_feedback(
                    session,
                    int(rating) if rating else None,
                    None if comment == NO_COMMENT else comment,
                    sender_id=tracker.sender_id,
                    channel=tracker.get_latest_input_channel(),
                    procedure_code=tracker.get_slot("procedure_code"),
                )
        if not call.failed:
            dispatcher.utter_message(text=m.FEEDBACK_SAVED.format(rating=int(rating)))
        return cleared
