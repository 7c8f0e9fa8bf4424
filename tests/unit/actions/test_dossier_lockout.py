"""The dossier form's digit check is locked per dossier code for everyone (issue 19, findings 2b, 3, 12).

Each conversation is a fresh tracker (another sender id, or the same one after
``/restart``): the lock must hold through the database, not the conversation's slots.
"""

from __future__ import annotations

import asyncio
import time

from rasa_sdk.executor import CollectingDispatcher

from actions.dossier_status import ActionDossierStatus, ValidateDossierForm
from procedures_db.db import session_scope
from tests.unit.actions.conftest import make_tracker, slot_events

DOSSIER, DIGITS = "000.00.12.H48-251103-0021", "4321"
UNKNOWN = "000.00.12.H48-991231-9999"
MAX_FAILURES = 5  # the default of DOSSIER_LOOKUP_MAX_FAILURES


def conversation(sender: str, text: str, slots: dict):
    tracker = make_tracker("inform", text, slots=slots, active_loop="dossier_form")
    tracker.sender_id = sender
    return tracker


def give_digits(sender: str, code: str, digits: str):
    """One turn answering the digits question; returns (slots set, responses, seconds taken)."""
    dispatcher = CollectingDispatcher()
    tracker = conversation(sender, digits, {"dossier_code": code, "requested_slot": "phone_last4"})
    started = time.perf_counter()
    result = asyncio.run(ValidateDossierForm().validate_phone_last4(digits, dispatcher, tracker, {}))
    return result, dispatcher.messages, time.perf_counter() - started


def give_code(sender: str, code: str):
    dispatcher = CollectingDispatcher()
    tracker = conversation(sender, code, {"requested_slot": "dossier_code"})
    result = ValidateDossierForm().validate_dossier_code(code, dispatcher, tracker, {})
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return result, dispatcher.messages


def responses(messages) -> list:
    return [message.get("response") for message in messages]


def test_the_lock_holds_across_senders(database):
    for i in range(MAX_FAILURES):
        give_digits(f"attacker-{i}", DOSSIER, f"{1000 + i}")  # a new sender id for every guess
    result, messages, _ = give_digits("someone-else", DOSSIER, DIGITS)  # the right digits
    assert result["phone_last4"] is None and result["dossier_code"] is None
    assert responses(messages) == ["utter_dossier_locked"]
    assert messages[0]["until"].count(":") == 1 and "ngày" in messages[0]["until"]
    assert messages[0]["hotline"]


def test_the_lock_holds_after_a_restart(database):
    for i in range(MAX_FAILURES):
        give_digits("citizen-1", DOSSIER, f"{1000 + i}")
    # /restart or /session_start: the same sender starts over with empty slots.
    result, messages = give_code("citizen-1", DOSSIER)
    assert result["dossier_code"] is None and responses(messages) == ["utter_dossier_locked"]


def test_an_unknown_code_locks_the_same_way(database):
    def attempts(code):
        replies = [give_digits(f"s-{i}", code, "1111")[:2] for i in range(MAX_FAILURES + 1)]
        return [(result, [m["response"] for m in messages]) for result, messages in replies]

    assert attempts(UNKNOWN) == attempts(DOSSIER)
    assert (
        responses(give_code("new", UNKNOWN)[1]) == responses(give_code("new", DOSSIER)[1]) == ["utter_dossier_locked"]
    )


def test_a_wrong_guess_is_answered_at_once(database):
    seconds = [give_digits("citizen-1", DOSSIER, f"{1000 + i}")[2] for i in range(MAX_FAILURES + 2)]
    assert max(seconds) < 1.0, seconds


def test_calling_the_status_action_directly_is_counted_too(database):
    """The action server runs action_dossier_status with any slots it is sent: guesses there count."""

    def status(digits):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker("inform", digits, slots={"dossier_code": DOSSIER, "phone_last4": digits})
        asyncio.run(ActionDossierStatus().run(dispatcher, tracker, {}))
        return dispatcher.messages

    for i in range(MAX_FAILURES):
        status(f"{1000 + i}")
    [message] = status(DIGITS)
    assert message.get("response") == "utter_dossier_locked" and DOSSIER not in (message.get("text") or "")


def test_a_dossier_code_at_the_digits_step_is_not_a_guess(database):
    for _ in range(MAX_FAILURES + 1):
        result, messages, _ = give_digits("citizen-1", DOSSIER, DOSSIER)
        assert result == {"dossier_code": DOSSIER, "phone_last4": None}
        assert responses(messages) == ["utter_dossier_code_at_digits_step"]
    from procedures_db.lookup_locks import list_locks  # here: the test module also runs against older code

    with session_scope(database) as session:
        assert list_locks(session)["locks"] == []
    assert give_digits("citizen-1", DOSSIER, DIGITS)[0] == {"phone_last4": DIGITS}


def test_another_code_at_the_digits_step_switches_the_lookup(database):
    other = "000.00.12.H48-251105-0012"
    result, messages, _ = give_digits("citizen-1", DOSSIER, f"nhầm, mã đúng là {other}")
    assert result == {"dossier_code": other, "phone_last4": None}
    assert responses(messages) == ["utter_dossier_code_at_digits_step"]


def test_a_full_width_code_is_read_as_the_same_code(database):
    full_width = DOSSIER.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    result, _ = give_code("citizen-1", full_width)
    assert result == {"dossier_code": DOSSIER}


def test_the_status_is_told_and_no_lock_slot_is_written(database):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("inform", DIGITS, slots={"dossier_code": DOSSIER, "phone_last4": DIGITS})
    events = asyncio.run(ActionDossierStatus().run(dispatcher, tracker, {}))
    assert DOSSIER in dispatcher.messages[0]["text"]
    assert set(slot_events(events)) == {"phone_last4", "dossier_code"}


def test_a_code_and_the_digits_in_one_message_at_the_digits_step_are_both_read(database):
    other, other_digits = "000.00.12.H48-251105-0012", "5678"
    result, messages, _ = give_digits("citizen-1", DOSSIER, f"mã {other} số {other_digits}")
    assert result == {"dossier_code": other, "phone_last4": other_digits} and messages == []
    result, messages, _ = give_digits("citizen-1", DOSSIER, f"{DOSSIER} 0000")
    assert result == {"dossier_code": DOSSIER, "phone_last4": None}
    assert responses(messages) == ["utter_dossier_not_verified"]


def test_switching_to_a_locked_code_at_the_digits_step_is_refused_once(database):
    for i in range(MAX_FAILURES):
        give_digits(f"s-{i}", UNKNOWN, "1111")
    result, messages, _ = give_digits("citizen-1", DOSSIER, f"mã {UNKNOWN} số 4321")
    assert result == {"dossier_code": None, "phone_last4": None, "requested_slot": None}
    assert responses(messages) == ["utter_dossier_locked"]
    # When the code was read as an entity, validate_dossier_code already refused it and said so.
    dispatcher = CollectingDispatcher()
    tracker = conversation("citizen-1", UNKNOWN, {"dossier_code": None, "requested_slot": "phone_last4"})
    result = asyncio.run(ValidateDossierForm().validate_phone_last4(UNKNOWN, dispatcher, tracker, {}))
    assert result == {"dossier_code": None, "phone_last4": None} and dispatcher.messages == []
