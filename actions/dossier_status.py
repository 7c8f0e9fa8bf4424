"""Dossier status, told only to the dossier's owner.

The form takes the dossier code (from the message or asked for) and the last 4
digits of the phone on the dossier. An unknown code and wrong digits get the
same answer. Failed checks are counted per dossier code in the database, for
every sender, channel and replica (procedures_db/lookup_locks.py): after a few
the code is locked for a while, even for the right digits, and the citizen is
told until when and whom to call. Nothing waits inside the turn: the delay is
the stored lock-out, so wrong guesses cannot hold the server's turn slots.

The lookup can be left at any step ("thôi", "hủy", "không tra nữa"), and an
identity number typed instead of a dossier code ("số cccd của tôi là ...") is
never looked up nor echoed: the citizen is asked not to share it here and told
where to check a card (VNeID).
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from core.settings import current as settings
from core import cues
from core import passages as p
from core import wording as m
from actions.service import record_complaint
from actions.store_unavailable import StoreCall
from procedures_db.db import session_scope
from core.dossier_rules import canonical_code, local_time
from services.dossiers import DossierView
from services.dossiers import LookupOutcome, lock_state, verify_with_lockout
from core.text import DOSSIER_CODE_PATTERN

_LAST4 = re.compile(r"(?<![0-9])([0-9]{4})(?![0-9])")


def extract_last4(text: str) -> Optional[str]:
    """The 4 digits in "5678", "số cuối 5678" or "0912 345 678" (the last 4 of a full number).

    Full-width digits are read as ASCII (NFKC); other digit scripts are not digits here.
    """
    text = unicodedata.normalize("NFKC", text or "")
    digits = re.sub(r"[\s.\-]", "", text)
    if re.fullmatch(r"\+?[0-9]{9,12}", digits):
        return digits[-4:]
    found = _LAST4.findall(text)
    return found[-1] if len(found) == 1 else None


def split_dossier_code(text: str) -> tuple[Optional[str], str]:
    """The canonical dossier code written in ``text`` (or None), and the text without it."""
    match = DOSSIER_CODE_PATTERN.search(text or "")
    if match is None:
        return None, text or ""
    return canonical_code(match.group()), text[: match.start()] + " " + text[match.end() :]


def retry_time(until: datetime) -> str:
    """The lock's end for the citizen, Vietnam time, rounded up to the minute: "10:31 ngày 07/12/2026"."""
    local = local_time(until + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return local.strftime("%H:%M ngày %d/%m/%Y")


def utter_locked(dispatcher: CollectingDispatcher, until: datetime) -> None:
    dispatcher.utter_message(
        response="utter_dossier_locked", until=retry_time(until), hotline=settings().support_hotline
    )


# A locked code ends the lookup: requested_slot None stops the form (the citizen was told why).
LOCKED = {"dossier_code": None, "phone_last4": None, "requested_slot": None}


# Leaving the lookup: the form stops (requested_slot None) with its slots cleared.
LEFT = {"dossier_code": None, "phone_last4": None, "requested_slot": None}


def _slot_events(slots: Dict[Text, Any]) -> List[Dict]:
    return [SlotSet(name, value) for name, value in slots.items()]


# What a question about a procedure asks, never a dossier's progress ("có kết quả chưa", "đến đâu rồi" may be either).
_PROCEDURE_ASPECTS = frozenset({"documents", "fee", "steps", "online", "legal_basis", "forms", "eligibility"})


def _asks_about_the_procedure(tracker: Tracker, text: str) -> bool:
    """The message names a procedure surely and asks about it, with no dossier code in it."""
    if text.startswith("/") or DOSSIER_CODE_PATTERN.search(text):
        return False
    entities = tracker.latest_message.get("entities") or []
    if not any(e.get("entity") == "procedure" and not e.get("candidates") for e in entities):
        return False
    asked = {cue.aspect for cue in p.detect_aspects(text)}
    return bool(asked & _PROCEDURE_ASPECTS) or p.asks_household_book(text)


class ValidateDossierForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_dossier_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if not text.startswith("/") and cues.id_numbers(text) and not DOSSIER_CODE_PATTERN.search(text):
            dispatcher.utter_message(text=m.ID_NUMBER_WARNING_ENGLISH if cues.is_english(text) else m.ID_NUMBER_WARNING)
            return _slot_events(LEFT)
        if tracker.active_loop.get("name") == self.form_name() and cues.is_stop(text):
            dispatcher.utter_message(text=m.DOSSIER_LOOKUP_LEFT)
            return _slot_events(LEFT)
        if tracker.active_loop.get("name") != self.form_name() and _asks_about_the_procedure(tracker, text):
            # "Đăng ký thường trú xong tôi có được cấp sổ hộ khẩu không?": a question about a procedure the
            # classifier took for a lookup, with no dossier to look up; answered, the lookup not opened.
            from actions.procedure_info import ActionAnswerProcedure  # it hands this module a bare dossier code

            return _slot_events(LEFT) + ActionAnswerProcedure().run(dispatcher, tracker, domain)
        if not text.startswith("/") and cues.is_explicit_complaint(text):
            # "tt báo mất hs, em muốn khiếu nại": a grievance about a dossier is a complaint for staff,
            # not a status lookup (the text, with any code in it, is what staff read).
            return record_complaint(dispatcher, tracker) + _slot_events(LEFT)
        return await super().run(dispatcher, tracker, domain)

    async def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        code = canonical_code(str(value or ""))
        if code is None:
            dispatcher.utter_message(response="utter_dossier_code_invalid")
            return {"dossier_code": None}
        with StoreCall(dispatcher, "dossiers, lock state") as call:
            until = await asyncio.to_thread(_lock_state, code)
        if call.failed:
            return {"dossier_code": None, "requested_slot": None}
        if until is not None:
            utter_locked(dispatcher, until)
            return dict(LOCKED)
        return {"dossier_code": code}

    async def validate_phone_last4(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text, slots = str(value or ""), {}
        typed_code, rest = split_dossier_code(text)
        if typed_code is not None:
            # A dossier code at the digits step is never a guess: it is the code to look up,
            # with the digits when they come in the same message ("mã ... số 5678").
            slots = await self._switch_code(typed_code, dispatcher, tracker, domain)
            if slots.get("dossier_code") is None:
                return {**slots, "phone_last4": None}
            if extract_last4(rest) is None:
                dispatcher.utter_message(response="utter_dossier_code_at_digits_step")
                return {**slots, "phone_last4": None}
            text = rest
        last4 = extract_last4(text)
        if last4 is None:
            dispatcher.utter_message(response="utter_phone_last4_invalid")
            return {"phone_last4": None}
        code = slots.get("dossier_code") or tracker.get_slot("dossier_code")
        if not code:  # the code was refused in this very turn
            return {"phone_last4": None}
        with StoreCall(dispatcher, "dossiers, checking the digits") as call:
            outcome = await asyncio.to_thread(_check, code, last4)
        if call.failed:
            return {"phone_last4": None, "requested_slot": None}
        if outcome.verified:
            return {**slots, "phone_last4": last4}
        if outcome.locked_until is not None:  # locked
            utter_locked(dispatcher, outcome.locked_until)
            return dict(LOCKED)
        dispatcher.utter_message(response="utter_dossier_not_verified")
        return {**slots, "phone_last4": None}

    async def _switch_code(
        self, code: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        """``{"dossier_code": code}``, or the refusal when the code is locked (then said to the citizen)."""
        current = tracker.get_slot("dossier_code")  # already updated when the code was read as an entity
        if current is None:  # validate_dossier_code refused it in this turn, and said why
            return {"dossier_code": None}
        if current == code:
            return {"dossier_code": code}
        return await self.validate_dossier_code(code, dispatcher, tracker, domain)


def _lock_state(code: str) -> Optional[datetime]:
    with session_scope() as session:
        return lock_state(session, code)


def _check(code: Optional[str], last4: str) -> LookupOutcome:
    if not code:
        return LookupOutcome()
    with session_scope() as session:
        return verify_with_lockout(session, code, last4)


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
        lines.append(m.DOSSIER_OVERDUE.format(hotline=settings().support_hotline))
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
        with StoreCall(dispatcher, "dossiers, status") as call:
            # Checked again, and counted: this action can be called without the form.
            outcome = await asyncio.to_thread(_check, code, last4)
        if call.failed:
            return events
        if outcome.locked_until is not None:  # locked
            utter_locked(dispatcher, outcome.locked_until)
        elif outcome.view is None:  # not verified: changed since validation
            dispatcher.utter_message(response="utter_dossier_not_verified")
        else:
            dispatcher.utter_message(text=render_status(outcome.view))
        return events
