"""Every action that reads or writes the store answers the same polite way when it is down.

One handling (actions/store_unavailable.py) instead of a copy per action: the
citizen gets ``utter_default``, the operators one error with its traceback under
one logger, and the action leaves the conversation as it does when nothing could
be done.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from actions.dossier_status import ActionDossierStatus, ValidateDossierForm
from actions.feedback import ActionSaveFeedback
from actions.procedure_info import ActionAnswerProcedure
from actions.service import ActionRequestHuman, ActionSupportPoint
from actions.store_unavailable import STORE_UNAVAILABLE_RESPONSE
from tests.unit.actions.conftest import make_tracker, slot_events

DOSSIER = "000.00.12.H48-251103-0021"
PROCEDURE = [{"entity": "procedure", "value": "1.001193", "start": 0, "end": 9}]


def _run(result):
    return asyncio.run(result) if asyncio.iscoroutine(result) else result


CALLS = {
    "answer": (lambda d: ActionAnswerProcedure().run(d, make_tracker("ask_fee", "phí khai sinh", PROCEDURE), {}), []),
    "dossier code": (
        lambda d: ValidateDossierForm().validate_dossier_code(DOSSIER, d, make_tracker("inform", DOSSIER), {}),
        {"dossier_code": None, "requested_slot": None},
    ),
    "phone digits": (
        lambda d: ValidateDossierForm().validate_phone_last4(
            "5678", d, make_tracker("inform", "5678", slots={"dossier_code": DOSSIER}), {}
        ),
        {"phone_last4": None, "requested_slot": None},
    ),
    "dossier status": (
        lambda d: ActionDossierStatus().run(
            d, make_tracker("inform", "5678", slots={"dossier_code": DOSSIER, "phone_last4": "5678"}), {}
        ),
        [{"phone_last4": None, "dossier_code": None}],
    ),
    "hand-over": (lambda d: ActionRequestHuman().run(d, make_tracker("request_human", "gặp cán bộ"), {}), []),
    "support points": (lambda d: ActionSupportPoint().run(d, make_tracker("ask_support_point", "ở đâu"), {}), []),
    "feedback": (
        lambda d: ActionSaveFeedback().run(
            d, make_tracker("inform", "ok", slots={"feedback_rating": 4.0, "feedback_comment": "tốt"}), {}
        ),
        [{"feedback_rating": None, "feedback_comment": None}],
    ),
}


@pytest.fixture
def store_down(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # nothing listens on port 1


@pytest.mark.parametrize("call", CALLS, ids=list(CALLS))
def test_the_store_down_gets_the_polite_default_and_one_logged_error(store_down, dispatcher, caplog, call):
    action, expected = CALLS[call]
    with caplog.at_level(logging.ERROR):
        result = _run(action(dispatcher))
    assert [message.get("response") for message in dispatcher.messages] == [STORE_UNAVAILABLE_RESPONSE]
    assert (result if isinstance(result, dict) else ([slot_events(result)] if result else [])) == expected
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert [record.name for record in errors] == ["actions.store_unavailable"] and errors[0].exc_info


def test_suggestions_are_skipped_quietly_when_the_catalogue_is_down(store_down, dispatcher, caplog):
    with caplog.at_level(logging.ERROR):
        events = ActionAnswerProcedure().run(dispatcher, make_tracker("ask_fee", "lệ phí bao nhiêu"), {})
    assert [message.get("response") for message in dispatcher.messages] == ["utter_ask_which_procedure"]
    assert slot_events(events) == {"pending_question": "ask_fee"}
    assert [record.name for record in caplog.records if record.levelno >= logging.ERROR] == [
        "actions.store_unavailable"
    ]
