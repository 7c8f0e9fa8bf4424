"""The dialogue's vocabulary: the questions about a procedure (aspects) and where each intent goes.

One table for what the domain (bot/domain), the rules (data/rules), the NLU
data, the answer templates (core/wording.py), the answer renderer
(actions/answers.py) and the graded fallback (actions/fallback.py) must all
know. Adding an aspect ("legal basis", "forms") starts here;
tests/unit/core/test_vocabulary.py then fails for every place that does not know it yet.
Names only, no wording: the Vietnamese lives in the domain and core/wording.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Aspect:
    intent: str  # the question's intent, also the aspect's key in the answer templates
    next_question: bool  # offered as a button after another aspect's answer
    always_known: bool  # answered from what every record has (else "not verified yet" when missing)


ASPECTS: Tuple[Aspect, ...] = (
    Aspect("ask_procedure_info", next_question=False, always_known=True),
    Aspect("ask_documents", next_question=True, always_known=False),
    Aspect("ask_fee", next_question=True, always_known=False),
    Aspect("ask_processing_time", next_question=True, always_known=False),
    Aspect("ask_where_to_submit", next_question=True, always_known=False),
    Aspect("ask_steps", next_question=True, always_known=False),
    Aspect("ask_online", next_question=True, always_known=True),
)
ASPECT_INTENTS: Tuple[str, ...] = tuple(aspect.intent for aspect in ASPECTS)
# The overview, when a procedure is named without a question ("khai sinh").
DEFAULT_ASPECT = "ask_procedure_info"

# Where each intent the graded fallback may suggest goes once the citizen confirms it:
# the same action as its rule in data/rules/rules.yml (a test compares them).
ANSWER_ACTION = "action_answer_procedure"
INTENT_ACTIONS: Dict[str, str] = {
    **{intent: ANSWER_ACTION for intent in ASPECT_INTENTS},
    "check_dossier_status": "dossier_form",
    "request_human": "action_request_human",
    "give_feedback": "action_feedback",
    "ask_support_point": "action_support_point",
}

# A message with one of these intents inside a form is not the form's answer: the form is left
# and the message answered (the forms' from_text mappings skip them: bot/domain/*.yml; the rules
# "... inside a form" in data/rules/forms.yml). "deny" leaves a form too, saying so.
FORM_EXIT_INTENTS: Tuple[str, ...] = (
    *ASPECT_INTENTS,
    "greet",
    "goodbye",
    "thank",
    "bot_challenge",
    "check_dossier_status",
    "request_human",
    "give_feedback",
    "ask_support_point",
    "out_of_scope",
)
