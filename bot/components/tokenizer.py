"""Tokenizer on underthesea ``word_tokenize`` with tokens aligned to the original text.

underthesea rewrites text internally (NFC, tone placement, spaces), so tokens
are aligned on the normalised syllables, not by searching the raw text: each
token keeps the span of the characters the user typed, whatever the input.
Multi-syllable words are joined with "_" ("căn_cước") so that featurizers see
one word; the lemma is the accent-folded form ("can_cuoc").

Words inside a procedure mention found by the ProcedureEntityLinker get a
placeholder lemma: the intent is in how people ask ("cần giấy tờ gì"), not in
which of hundreds of procedures they name.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components import SourceFingerprinted
from bot.components.normalizer import VietnameseNormalizer, normalized_tokens
from bot.components.procedure_linker import MENTION_SPANS
from core.text import NormToken, fold

logger = logging.getLogger(__name__)

MASK = "__procedure__"


def segment(syllables: List[str]) -> List[List[int]]:
    """Group syllable indices into words with underthesea; one word per syllable if it fails."""
    from underthesea import word_tokenize

    if len(syllables) < 2:  # nothing to group (the result would be the same); spares
        return [[0]] if syllables else []  # a CRF call per word of "a@b–a@b–..." (0.3 s a message)
    try:
        words = word_tokenize(" ".join(syllables))
    except Exception:  # underthesea is a helper, never a reason to fail a message
        logger.warning("word_tokenize failed; falling back to syllables", exc_info=True)
        return [[i] for i in range(len(syllables))]

    # Align on the folded characters without spaces: robust to underthesea's own
    # normalisation and to words it splits or joins differently.
    owner: List[int] = []
    for index, syllable in enumerate(syllables):
        owner.extend([index] * len(fold(syllable)))
    stream = "".join(fold(s) for s in syllables)
    groups: List[List[int]] = []
    cursor, next_syllable = 0, 0
    for word in words:
        key = fold(word).replace(" ", "")
        position = stream.find(key, cursor) if key else -1
        if position < 0:
            continue
        first, last = owner[position], owner[position + len(key) - 1]
        first = max(first, next_syllable)
        # syllables underthesea skipped become words of their own
        groups.extend([i] for i in range(next_syllable, first))
        if last >= first:
            groups.append(list(range(first, last + 1)))
            next_syllable = last + 1
        cursor = position + len(key)
    groups.extend([i] for i in range(next_syllable, len(syllables)))
    return groups


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(SourceFingerprinted, Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    @classmethod
    def required_components(cls) -> List[Type]:
        # The linker is not required (comparison pipelines run without it) but, when present, it
        # must come first: its mention spans are masked here (tests/unit/bot/components/test_pipeline_order.py).
        return [VietnameseNormalizer]

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        if attribute != TEXT:
            text = message.get(attribute) or ""
            return [Token(m.group(), m.start(), lemma=fold(m.group())) for m in re.finditer(r"\S+", text)]
        tokens: List[Token] = []
        run: List[NormToken] = []
        for norm in normalized_tokens(message) + [None]:
            if norm is not None and norm.kind in ("word", "number"):
                run.append(norm)
                continue
            # Dossier codes and punctuation end a run: never glued to a word.
            tokens.extend(self._token([run[i] for i in group]) for group in segment([t.text for t in run]))
            run = []
            if norm is not None and norm.kind == "dossier_code":
                tokens.append(self._token([norm]))
        return self._mask(message, tokens)

    @staticmethod
    def _mask(message: Message, tokens: List[Token]) -> List[Token]:
        spans = message.get(MENTION_SPANS) or []
        for token in tokens:
            if any(start <= token.start and token.end <= end for start, end in spans):
                token.lemma = MASK
        return tokens

    @staticmethod
    def _token(parts: List[NormToken]) -> Token:
        text = "_".join(p.text for p in parts)
        return Token(text, parts[0].start, max(p.end for p in parts), lemma="_".join(p.folded for p in parts))
