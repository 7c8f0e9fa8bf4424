"""Dossier status, told only to the dossier's owner.

The form takes the dossier code (from the message or asked for) and the last 4
digits of the phone on the dossier. An unknown code and wrong digits get the
same answer; after MAX_FAILURES wrong attempts the code is locked for the
conversation and every further failure is answered more slowly.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import messages as m
from actions.service import HOTLINE
from procedures_db.db import session_scope
from procedures_db.dossiers import DossierView, verify_owner
from procedures_db.text import canonical_dossier_code

logger = logging.getLogger(__name__)

MAX_FAILURES = 3
SLOWDOWN_SECONDS = 1.0  # doubled after each failure: guessing digits gets expensive
_LAST4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def extract_last4(text: str) -> Optional[str]:
    """The 4 digits in "5678", "số cuối 5678" or "0912 345 678" (the last 4 of a full number)."""
    digits = re.sub(r"[\s.\-]", "", text or "")
    if re.fullmatch(r"\+?\d{9,12}", digits):
        return digits[-4:]
    found = _LAST4.findall(text or "")
    return found[-1] if len(found) == 1 else None


class ValidateDossierForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_dossier_form"

    def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = canonical_dossier_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_dossier_code_invalid")
            return {"dossier_code": None}
        if code in (tracker.get_slot("locked_dossier_codes") or []):
            dispatcher.utter_message(response="utter_dossier_locked")
            return {"dossier_code": None, "phone_last4": None, "requested_slot": None}
        return {"dossier_code": code}

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        last4 = extract_last4(str(value or ""))
        if last4 is None:
            dispatcher.utter_message(response="utter_phone_last4_invalid")
            return {"phone_last4": None}
        code = tracker.get_slot("dossier_code")
        try:
            view = await asyncio.to_thread(_verify, code, last4)
        except Exception:
            logger.exception("dossier store unavailable")
            dispatcher.utter_message(response="utter_default")
            return {"phone_last4": None, "requested_slot": None}
        if view is not None:
            return {"phone_last4": last4}

        failures = int(tracker.get_slot("failed_verifications") or 0) + 1
        await asyncio.sleep(SLOWDOWN_SECONDS * 2 ** (failures - 1))
        if failures >= MAX_FAILURES:
            locked = list(tracker.get_slot("locked_dossier_codes") or []) + [code]
            dispatcher.utter_message(response="utter_dossier_locked")
            return {"phone_last4": None, "dossier_code": None, "requested_slot": None,
                    "failed_verifications": failures, "locked_dossier_codes": locked}
        dispatcher.utter_message(response="utter_dossier_not_verified")
        return {"phone_last4": None, "failed_verifications": failures}


def _verify(code: Optional[str], last4: str) -> Optional[DossierView]:
    if not code:
        return None
    with session_scope() as session:
        return verify_owner(session, code, last4)


def render_status(view: DossierView) -> str:
    procedure = m.DOSSIER_PROCEDURE.format(name=view.procedure_name) if view.procedure_name else ""
    lines = [m.DOSSIER_STATUS.format(code=view.code, procedure=procedure, status=view.status_label_vi)]
    if view.received_at:
        lines.append(m.DOSSIER_RECEIVED.format(date=view.received_at.strftime("%d/%m/%Y")))
    if view.returned_at:
        lines.append(m.DOSSIER_RETURNED.format(date=view.returned_at.strftime("%d/%m/%Y")))
    elif view.due_at:
        lines.append(m.DOSSIER_DUE.format(date=view.due_at.strftime("%H:%M %d/%m/%Y")))
    if view.overdue:
        lines.append(m.DOSSIER_OVERDUE.format(hotline=HOTLINE))
    if view.note:
        lines.append(m.DOSSIER_NOTE.format(note=view.note))
    if view.status in m.DOSSIER_NEXT:
        lines.append(m.DOSSIER_NEXT[view.status])
    return "\n".join(lines)


class ActionDossierStatus(Action):
    """Runs when the form is complete: the digits were verified by the validation."""

    def name(self) -> Text:
        return "action_dossier_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict) -> List[Dict]:
        code, last4 = tracker.get_slot("dossier_code"), tracker.get_slot("phone_last4")
        # The digits leave the tracker as soon as they are used.
        events: List[Dict] = [SlotSet("phone_last4", None), SlotSet("dossier_code", None)]
        if not code or not last4:
            return events
        try:
            view = await asyncio.to_thread(_verify, code, last4)
        except Exception:
            logger.exception("dossier store unavailable")
            dispatcher.utter_message(response="utter_default")
            return events
        if view is None:  # changed since validation: treat as not verified
            dispatcher.utter_message(response="utter_dossier_not_verified")
            return events
        dispatcher.utter_message(text=render_status(view))
        return events + [SlotSet("failed_verifications", 0)]
