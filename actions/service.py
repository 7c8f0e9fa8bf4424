"""Hand-over to staff and support points: where a citizen gets a person's help."""

from __future__ import annotations

from typing import Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from core.settings import current as settings
from core import wording as m
from core import cues
from core.cues import is_english
from actions.store_unavailable import StoreCall
from services.catalogue import list_support_points
from procedures_db.db import session_scope
from services.service_requests import create_handoff, save_complaint


class ActionRequestHuman(Action):
    """Records the request with a reference and says truthfully how and when a person answers.

    The conversation is not paused: the assistant keeps answering until a staff member
    takes the request (services/live_handover.py then holds the conversation). Asking
    again ("mã yêu cầu của tôi là gì", "khi nào cán bộ trả lời") repeats the same
    reference instead of opening another request.
    """

    def name(self) -> Text:
        return "action_request_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        reference = tracker.get_slot("handoff_reference")
        recent = [
            e.get("text")
            for e in tracker.events
            if e.get("event") == "user" and e.get("text") and not e["text"].startswith("/")
        ][-5:]
        with StoreCall(dispatcher, "hand-over request") as call:
            with session_scope() as session:
                if not reference:
                    reference = create_handoff(
                        session,
                        tracker.sender_id,
                        tracker.get_latest_input_channel(),
                        tracker.get_slot("procedure_code"),
                        "\n".join(recent),
                    ).reference
                points = list_support_points(session, limit=1)
                hours = (points[0].hours if points else None) or m.HANDOFF_DEFAULT_HOURS
        if call.failed:
            return []
        hotline = settings().support_hotline
        if is_english(tracker.latest_message.get("text") or ""):
            text = m.HANDOFF_ENGLISH.format(hotline=hotline, hours=hours, reference=reference)
        else:
            again = tracker.get_slot("handoff_reference") is not None
            text = (m.HANDOFF_AGAIN if again else m.HANDOFF).format(reference=reference, hotline=hotline)
            text += "\n" + m.HANDOFF_HOURS.format(hours=hours)
        dispatcher.utter_message(text=text)
        return [SlotSet("handoff_reference", reference)]


def record_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
    """A complaint (khiếu nại, phản ánh, kiến nghị): stored for staff with a reference, told where formal ones go."""
    text = tracker.latest_message.get("text") or ""
    with StoreCall(dispatcher, "complaint") as call:
        with session_scope() as session:
            reference = save_complaint(
                session,
                text,
                sender_id=tracker.sender_id,
                channel=tracker.get_latest_input_channel(),
                procedure_code=tracker.get_slot("procedure_code"),
            )
    if call.failed:
        return []
    recorded = m.COMPLAINT_RECORDED_ENGLISH if is_english(text) else m.COMPLAINT_RECORDED
    dispatcher.utter_message(text=recorded.format(reference=reference, hotline=settings().support_hotline))
    return [SlotSet("handoff_reference", reference)]


class ActionSupportPoint(Action):
    def name(self) -> Text:
        return "action_support_point"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        if cues.is_explicit_complaint(tracker.latest_message.get("text") or ""):
            return record_complaint(dispatcher, tracker)  # "kiến nghị: một cửa chỉ mở 4 buổi" is a complaint
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
        # Without the province's own list: where every commune and province receives dossiers.
        dispatcher.utter_message(
            text="\n".join([m.SUPPORT_POINTS_HEADER, *lines] if lines else [m.SUPPORT_POINTS_NONE]) + "\n" + footer
        )
        return []
