"""Hand-over to staff and support points: where a citizen gets a person's help."""

from __future__ import annotations

from typing import Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ConversationPaused, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from core.settings import current as settings
from core import wording as m
from actions.store_unavailable import StoreCall
from services.catalogue import list_support_points
from procedures_db.db import session_scope
from services.service_requests import create_handoff


class ActionRequestHuman(Action):
    """Records the request with a reference, tells the citizen, and pauses the bot for staff."""

    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        recent = [
            e.get("text")
            for e in tracker.events
            if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/")
        ][-5:]
        with StoreCall(dispatcher, "hand-over request") as call:
            with session_scope() as session:
                request = create_handoff(
                    session,
                    tracker.sender_id,
                    tracker.get_latest_input_channel(),
                    tracker.get_slot("procedure_code"),
                    "\n".join(recent),
                )
                reference = request.reference
                points = list_support_points(session, limit=1)
                hours = points[0].hours if points else None
        if call.failed:
            return []
        text = m.HANDOFF.format(reference=reference, hotline=settings().support_hotline)
        if hours:
            text += "\n" + m.HANDOFF_HOURS.format(hours=hours)
        dispatcher.utter_message(text=text)
        return [SlotSet("handoff_reference", reference), ConversationPaused()]


class ActionSupportPoint(Action):
    def name(self) -> Text:
        return "action_support_point"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        with StoreCall(dispatcher, "support points") as call:
            with session_scope() as session:
                points = list_support_points(session, place=tracker.latest_message.get("text"), limit=3)
                lines = [
                    m.SUPPORT_POINT.format(index=i, name=p.name, address=p.address or "—", hours=p.hours or "—")
                    + (m.SUPPORT_POINT_PHONE.format(phone=p.phone) if p.phone else "")
                    for i, p in enumerate(points, start=1)
                ]
        if call.failed:
            return []
        footer = m.SUPPORT_POINTS_FOOTER.format(hotline=settings().support_hotline)
        dispatcher.utter_message(text="\n".join([m.SUPPORT_POINTS_HEADER, *lines, footer]) if lines else footer)
        return []
