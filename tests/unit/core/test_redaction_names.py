"""The personal slots and entities that core/redaction.py names are the domain's own.

The tracker store stores these values as placeholders whatever they look like
(four digits are nothing the text rules can recognise). Before, the names lived
in the store with nothing tying them to the domain: a slot renamed there would
have been stored in clear.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from core.redaction import DIGIT_ANSWER_SLOTS, PERSONAL_ENTITIES, PERSONAL_SLOTS, PLACEHOLDERS

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())
DOMAIN = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "bot/domain").glob("*.yml"))]
SLOTS = {name for part in DOMAIN for name in (part.get("slots") or {})}
ENTITIES = {name for part in DOMAIN for name in part.get("entities", [])}


def test_every_personal_slot_is_a_slot_of_the_domain():
    assert set(PERSONAL_SLOTS) | set(DIGIT_ANSWER_SLOTS) <= SLOTS


def test_every_personal_entity_is_an_entity_or_a_slot_of_the_domain():
    # phone_last4 is a slot filled from text; as an entity it is kept redacted should a component ever set it.
    assert set(PERSONAL_ENTITIES) <= ENTITIES | SLOTS
    assert "dossier_code" in PERSONAL_ENTITIES and "dossier_code" in ENTITIES


def test_every_dossier_form_slot_that_holds_digits_is_redacted_as_digits():
    forms = {name: form for part in DOMAIN for name, form in (part.get("forms") or {}).items()}
    assert "phone_last4" in forms["dossier_form"]["required_slots"]
    assert set(DIGIT_ANSWER_SLOTS) <= set(forms["dossier_form"]["required_slots"])


def test_the_placeholders_are_the_redaction_rules_own():
    assert set(PERSONAL_ENTITIES.values()) | set(PERSONAL_SLOTS.values()) | set(DIGIT_ANSWER_SLOTS.values()) <= set(
        PLACEHOLDERS
    )
