"""Answers an intent from inside another action: a confirmed suggestion, a question asked inside a form.

Running the intent's own action in the same turn (instead of a FollowupAction)
keeps the turn inside the rule that started it: after a FollowupAction no rule
predicts the next step and Rasa's core fallback adds "em chưa xử lý được yêu
cầu này" to a right answer. Forms are the exception: a form started by a
FollowupAction keeps the turn itself (it asks, then listens).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import KIND, RATING, ActionFeedback, store_rating
from actions.out_of_scope import answer_out_of_scope
from actions.procedure_info import ActionAnswerProcedure
from actions.service import ActionRequestHuman, ActionSupportPoint
from core import passages as p
from core import wording as m
from core.vocabulary import ASPECT_INTENTS, INTENT_ACTIONS

UTTERANCES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_thank",
    "bot_challenge": "utter_iamabot",
}
FORM_SLOTS = {"feedback_form": ("feedback_rating", "feedback_comment"), "dossier_form": ("dossier_code", "phone_last4")}
LEFT_MESSAGE = {"feedback_form": m.FEEDBACK_LEFT, "dossier_form": m.DOSSIER_LOOKUP_LEFT}


def answer_intent(
    intent: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict
) -> List[Dict[Text, Any]]:
    """What the intent's rule would do, run now; the events to return."""
    if intent in ASPECT_INTENTS or intent == "inform":
        return ActionAnswerProcedure().run(dispatcher, tracker, domain)
    if intent == "request_human":
        return ActionRequestHuman().run(dispatcher, tracker, domain)
    if intent == "ask_support_point":
        return ActionSupportPoint().run(dispatcher, tracker, domain)
    if intent == "give_feedback":
        events = ActionFeedback().run(dispatcher, tracker, domain)
        if SlotSet(KIND, RATING) in events:
            events.append(FollowupAction("feedback_form"))  # a form keeps the turn itself
        return events
    if intent == "check_dossier_status":
        return [FollowupAction(INTENT_ACTIONS[intent])]  # a form keeps the turn itself
    if intent == "out_of_scope":
        return answer_out_of_scope(dispatcher, tracker)
    dispatcher.utter_message(response=UTTERANCES.get(intent, "utter_anything_else"))
    return []


class ActionLeaveForm(Action):
    """A question, a greeting or "không" inside a form: the form ends and the message is answered.

    A rating already given is kept (only the comment was still missing).
    """

    def name(self) -> Text:
        return "action_leave_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        form = tracker.active_loop.get("name") or ""
        events: List[Dict] = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if form == "feedback_form" and tracker.get_slot("feedback_rating"):
            store_rating(dispatcher, tracker, tracker.get_slot("feedback_rating"), None)
        events += [SlotSet(slot, None) for slot in FORM_SLOTS.get(form, ())]
        intent = tracker.get_intent_of_latest_message() or ""
        if intent == "deny":
            dispatcher.utter_message(text=LEFT_MESSAGE.get(form, m.FEEDBACK_LEFT))
            if p.detect_aspects(tracker.latest_message.get("text") or ""):
                # "thôi không tra nữa, làm hộ chiếu ở đâu": left, and the question after the "thôi" answered.
                events += ActionAnswerProcedure().run(dispatcher, tracker, domain)
            return events
        return events + answer_intent(intent, dispatcher, tracker, domain)
