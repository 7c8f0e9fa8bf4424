"""Aspect detector: every question a message asks (multi-label, with spans) and every procedure it names.

Runs after the intent classifier. It adds to the parse data, on the citizen's own words (``start``, ``end``):

- ``aspects``: one per question asked (``documents``, ``fee``, ``time``, ``where``, ``steps``,
  ``online``, ``result``, ``pickup``, ``legal_basis``, ``forms``, ``decision``, ``source``,
  ``eligibility``, ``need`` with the item of "có cần X không" as ``item``, ``compare``), in the
  order asked (core/passages.py);
- ``procedure_refs``: one per procedure named in a clause of the message ("khai sinh cần gì,
  còn kết hôn bao nhiêu tiền" names two), with the catalogue's own search (services/answering.py),
  each with its name, clause and the other codes its words could mean; the procedure answer
  (actions/compound.py) reads them rather than search the catalogue a second time.

It also routes what the single-label classifier cannot: a question about a procedure's
legal basis, forms, decision, source or result, a "có cần X không", a comparison, or several
questions at once goes to the procedure answer (its first question's intent, else the
overview's) instead of "out of scope" or a low-confidence fallback. The answer itself reads
the message again (actions/compound.py), so these are what the NLU says, measured by
tools/evaluation/aspect_eval.py. They are not entities: the domain's entities, and the test
stories that list them, stay the procedure and the dossier code.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

import core.passages
import services.answering
from bot.components import source_fingerprint
from core.cues import asks_for_a_procedure
from core.passages import ASPECT_INTENT, FIELD_ASPECTS, detect_aspects
from procedures_db.db import session_scope
from services.answering import mentions

logger = logging.getLogger(__name__)

ASPECT = "aspect"
PROCEDURE_REF = "procedure_ref"
# The parse data's keys: the questions asked and the procedures named, each with its span.
ASPECTS = "aspects"
PROCEDURE_REFS = "procedure_refs"
OVERVIEW = "ask_procedure_info"
# The intents a question about a procedure may have been given instead of its own.
REROUTABLE = frozenset({*ASPECT_INTENT.values(), OVERVIEW, "inform", "out_of_scope", "nlu_fallback"})
# Questions that are about a procedure whatever else the message says.
ALWAYS_PROCEDURE = frozenset({"legal_basis", "forms", "decision", "pickup", "source", "need"})
# Intents whose words a question about a procedure shares ("có cần … không": deny), routed only
# for such a question and when the classifier is unsure.
ALSO_FOR_STRONG = frozenset({"affirm", "deny", "ask_support_point"})
ALSO_FOR_STRONG_BELOW = 0.9
# Small talk a request for a procedure is sometimes read as ("xin giấy phép … ở đâu vậy ad": goodbye 0.42):
# routed below this confidence when the message asks a question and asks for a procedure.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "bot_challenge"})
# Intents a procedure request is sometimes read as: small talk, and a support point for a word like "hướng dẫn".
READ_AS_OTHER = SMALL_TALK | {"ask_support_point"}
ROUTED_CONFIDENCE = 0.8
ANSWER_INTENTS = frozenset({*ASPECT_INTENT.values(), OVERVIEW, "inform"})
FALLBACK_THRESHOLD = 0.4  # config.yml's FallbackClassifier
# A procedure linked at least this well counts as named (the linker answers from 0.5; the fallback
# already says the classifier doubts, so the name must be clear). Calibrated on
# tests/catalogue_eval/queries_dev.jsonl through the NLU (make eval): the lowest value before more
# out-of-catalogue queries are answered with a procedure (0.7 and 0.6 answer more of them).
NAMED_CONFIDENCE = 0.8
# A procedure linked less clearly is left to the fallback's "có phải anh/chị muốn hỏi …" (one click to the
# answer, or to "không phải"): answering it directly when the classifier's answer intents held most of its
# belief gave, through the NLU on both development sets (catalogue_eval --routing-sweep), 9 more right
# answers for 2 more wrong cards (one out of the catalogue, on the blind queries_dev2.jsonl).
# Requests a message naming a procedure may still be: the classifier's doubt is left to the fallback.
OTHER_REQUESTS = frozenset({"check_dossier_status", "request_human", "give_feedback", "ask_support_point"})
AMBIGUITY_THRESHOLD = 0.1  # the FallbackClassifier's default ambiguity_threshold


def routed_intent(
    intent: Optional[str],
    confidence: float,
    aspects: List[str],
    procedures: int,
    margin: float = 1.0,
    named: bool = False,
    requests_procedure: bool = False,
) -> Optional[str]:
    """The intent the message should have, or None to keep the classifier's.

    Every answer intent goes to the same answer (action_answer_procedure reads all the
    questions again), so one answer intent is never swapped for another: only a question
    about a procedure classified "out of scope", or an answer intent too unsure to pass the
    fallback, is routed (``margin``: how far the second intent is behind; the fallback takes
    two intents closer than its ambiguity threshold for a doubt).

    ``named``: the linker answers one procedure well (``NAMED_CONFIDENCE``, no choice to offer).
    A message the classifier cannot place that names one ("Đăng ký hộ kinh doanh để mở tiệm tạp
    hóa": a wish, no question word) asks about that procedure: its answer, not the fallback's
    "có phải anh/chị muốn hỏi …", unless the classifier leans to another request.
    ``requests_procedure``: the message asks for an administrative procedure (core.cues), named in the
    catalogue or not; its question is then no small talk.
    """
    if intent in READ_AS_OTHER and requests_procedure and confidence < ALSO_FOR_STRONG_BELOW:
        # A support point is where to go: only the procedure's other questions ("cấp thẻ hướng dẫn viên … cần hồ
        # sơ gì": ask_support_point 0.51 for its "hướng dẫn") make it a question about the procedure.
        asked = [a for a in aspects if a in ASPECT_INTENT or a in FIELD_ASPECTS]
        if intent == "ask_support_point":
            asked = [a for a in asked if a not in ("where", "pickup")]
        if asked:
            return ASPECT_INTENT.get(asked[0], OVERVIEW)
    routed = _routed_for_questions(intent, confidence, aspects, procedures, margin)
    unsure = confidence < FALLBACK_THRESHOLD or margin < AMBIGUITY_THRESHOLD
    if routed is None and unsure and named and intent not in OTHER_REQUESTS:
        return intent if intent in ANSWER_INTENTS else OVERVIEW
    return routed


def _routed_for_questions(
    intent: Optional[str], confidence: float, aspects: List[str], procedures: int, margin: float
) -> Optional[str]:
    answered = [a for a in aspects if a in ASPECT_INTENT or a in FIELD_ASPECTS or a in ("need", "compare")]
    strong = any(a in ALWAYS_PROCEDURE for a in answered)
    if intent in ALSO_FOR_STRONG and strong and confidence < ALSO_FOR_STRONG_BELOW:
        # "có cần đưa bé đi không" is not a "không", "quyết định công bố số mấy" not a support point.
        return next((ASPECT_INTENT[a] for a in answered if a in ASPECT_INTENT), OVERVIEW)
    if not answered or (intent not in REROUTABLE and intent is not None):
        return None
    several = len(answered) >= 2 or procedures >= 2 or "compare" in answered
    if intent in ANSWER_INTENTS:
        unsure = confidence < FALLBACK_THRESHOLD or margin < AMBIGUITY_THRESHOLD
        return intent if unsure and (strong or several or procedures) else None
    if not (strong or (procedures and answered)):
        return None  # "out of scope" and nothing says it is about a procedure
    return next((ASPECT_INTENT[a] for a in answered if a in ASPECT_INTENT), OVERVIEW)


def _in_question(entity: Dict[str, Any], found: List[Dict[str, Any]]) -> bool:
    """The linked words are (partly) the words that ask ("căn cứ pháp lý" read as "lý lịch tư pháp")."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return True
    return any(e["entity"] == ASPECT and e["start"] < end and start < e["end"] for e in found)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AspectDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"database_url": None, "route_intents": True}

    @classmethod
    def required_components(cls) -> List[Type]:
        return [IntentClassifier]  # it routes the classifier's intent, so it must come after it

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        digest = hashlib.sha256(source_fingerprint().encode())
        for module in (core.passages, services.answering):
            digest.update(Path(str(module.__file__)).read_bytes())
        return digest.hexdigest()

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "AspectDetector":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not text or text.startswith("/"):
                continue
            found = self.entities(text)
            # Beside the entities, not among them: the domain's entities (and the stories that list
            # them) stay the procedure and the dossier code; the parse data carries these to the actions.
            message.set(ASPECTS, [e for e in found if e["entity"] == ASPECT], add_to_output=True)
            message.set(PROCEDURE_REFS, [e for e in found if e["entity"] == PROCEDURE_REF], add_to_output=True)
            if self.config.get("route_intents", True):
                self._route(message, found)
        return messages

    def entities(self, text: str) -> List[Dict[str, Any]]:
        found: List[Dict[str, Any]] = []
        asked = detect_aspects(text)
        for cue in asked:
            entity: Dict[str, Any] = {"entity": ASPECT, "value": cue.aspect, "start": cue.start, "end": cue.end}
            if cue.text:
                entity["item"] = cue.text
            found.append(entity)
        try:
            with session_scope(self.config.get("database_url")) as session:
                named = mentions(session, text, asked=asked)
        except Exception:  # the catalogue is down: the questions are still understood
            logger.warning("procedure mentions per clause skipped: catalogue unavailable", exc_info=True)
            named = []
        for mention in named:
            # Whole (name, clause, candidates): the answer reads them instead of searching again.
            found.append({"entity": PROCEDURE_REF, **mention.as_dict()})
        return found

    @staticmethod
    def _route(message: Message, entities: List[Dict[str, Any]]) -> None:
        intent = message.get(INTENT) or {}
        aspects = [e["value"] for e in entities if e["entity"] == ASPECT]
        procedures = sum(e["entity"] == PROCEDURE_REF for e in entities)
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        ranking = message.get(INTENT_RANKING_KEY) or []
        second = max((float(r["confidence"]) for r in ranking if r.get("name") != name), default=0.0)
        linked = [e for e in message.get(ENTITIES) or [] if e.get("entity") == "procedure"]
        named = len(linked) == 1 and not linked[0].get("candidates")
        if not procedures and named and not _in_question(linked[0], entities):
            # "ông tôi 76 tuổi, hộ nghèo … có được trợ cấp người cao tuổi không": the clause search finds no
            # name among so many words of the citizen's case, the linker does; the question is about it.
            procedures = 1
        named = named and float(linked[0].get("confidence_entity") or 0.0) >= NAMED_CONFIDENCE
        routed = routed_intent(
            name,
            confidence,
            aspects,
            procedures,
            confidence - second,
            named,
            requests_procedure=name in READ_AS_OTHER and asks_for_a_procedure(message.get(TEXT) or ""),
        )
        if routed is None:
            return
        top_confidence = max(confidence, ROUTED_CONFIDENCE)
        top = {"name": routed, "confidence": top_confidence}
        rest = [
            {"name": r["name"], "confidence": min(float(r["confidence"]), (1 - top_confidence) / 2)}
            for r in ranking
            if r.get("name") != routed
        ]
        message.set(INTENT, top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [top, *rest], add_to_output=True)
