"""Every place that must know an aspect (a question about a procedure) knows each one of core/vocabulary.py.

Adding "legal basis" or "forms" to ASPECTS makes these fail until the domain,
the rules, the NLU data, the dossier form's mappings, the answer templates and
the renderer all have it; and routing stays one table (INTENT_ACTIONS agrees
with the rules).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions import answers, fallback, procedure_info
from core import wording
from core.vocabulary import ANSWER_ACTION, ASPECT_INTENTS, ASPECTS, DEFAULT_ASPECT, INTENT_ACTIONS

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())


def _yaml_files(folder: str) -> list:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((ROOT / folder).glob("*.yml"))]


DOMAIN = _yaml_files("bot/domain")
INTENTS = {intent for part in DOMAIN for intent in part.get("intents", [])}
SLOTS = {name: slot for part in DOMAIN for name, slot in (part.get("slots") or {}).items()}
RULES = [rule for part in _yaml_files("data/rules") for rule in part.get("rules", [])]
NLU_INTENTS = {
    block["intent"] for part in _yaml_files("data/nlu") for block in part.get("nlu", []) if "intent" in block
}


def _rule_action(intent: str) -> str | None:
    """The first action of the unconditional rule that starts with ``intent``."""
    for rule in RULES:
        steps = rule.get("steps", [])
        if "condition" not in rule and steps and steps[0].get("intent") == intent and len(steps) > 1:
            return steps[1].get("action")
    return None


aspect_ids = pytest.mark.parametrize("aspect", ASPECTS, ids=lambda aspect: aspect.intent)


def test_the_vocabulary_has_each_aspect_once():
    assert len(set(ASPECT_INTENTS)) == len(ASPECTS) and DEFAULT_ASPECT in ASPECT_INTENTS


@aspect_ids
def test_the_domain_the_rules_and_the_nlu_data_know_the_aspect(aspect):
    assert aspect.intent in INTENTS
    assert _rule_action(aspect.intent) == ANSWER_ACTION
    assert aspect.intent in NLU_INTENTS


@aspect_ids
def test_a_question_in_the_middle_of_a_dossier_lookup_is_answered_not_taken_as_the_answer(aspect):
    for slot in ("dossier_code", "phone_last4"):
        from_text = [m for m in SLOTS[slot]["mappings"] if m["type"] == "from_text"]
        assert from_text and all(aspect.intent in mapping["not_intent"] for mapping in from_text)


@aspect_ids
def test_the_answer_templates_know_the_aspect(aspect):
    assert aspect.intent in wording.ASPECT_TITLE
    assert aspect.intent in wording.INTENT_LABEL  # the graded fallback can ask about it
    assert (aspect.intent in wording.UNKNOWN_WHAT) == (not aspect.always_known)
    assert (aspect.intent in [intent for _, intent in wording.NEXT_QUESTION_BUTTONS]) == aspect.next_question


def test_the_renderer_has_one_body_per_aspect_and_nothing_else():
    assert set(answers.BODIES) == set(ASPECT_INTENTS)


def test_the_actions_use_the_vocabulary():
    assert procedure_info.ASPECT_INTENTS == ASPECT_INTENTS
    assert fallback.FOLLOWUP_ACTION is INTENT_ACTIONS


def test_every_intent_the_fallback_may_suggest_goes_where_its_rule_goes():
    assert set(wording.INTENT_LABEL) == set(INTENT_ACTIONS)
    for intent, action in INTENT_ACTIONS.items():
        assert intent in INTENTS
        assert _rule_action(intent) == action, intent


def test_every_intent_button_of_the_domain_sends_an_intent_of_the_domain():
    payloads = [
        button["payload"]
        for part in DOMAIN
        for variants in (part.get("responses") or {}).values()
        for variant in variants
        for button in variant.get("buttons", [])
    ]
    intent_payloads = [payload for payload in payloads if payload.startswith("/")]  # others are typed text ("4")
    assert intent_payloads
    for payload in intent_payloads:
        assert payload[1:].split("{", 1)[0] in INTENTS, payload
