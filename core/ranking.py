"""Accent-insensitive, typo-tolerant procedure search over names and folk names.

The index lives in memory and is built from the database, so ranking is the
same on SQLite and PostgreSQL. Each official name and each alias is a phrase;
a query is scored against every phrase with sparse matrix products:

- recall: how much of the phrase (IDF-weighted syllables) the query contains;
- precision: how much of the query's catalogue vocabulary the phrase explains;
- order: the share of the phrase's syllable pairs found side by side in the query.

A syllable typed with diacritics only matches the same accented syllable
("cần" is not "căn"); typed without, it matches on the folded form. Unknown
syllables are corrected to a catalogue syllable one edit away.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from core.text import NormToken, fold, normalize

RECALL_WEIGHT, PRECISION_WEIGHT, ORDER_WEIGHT = 0.45, 0.35, 0.20
ALIAS_FACTOR = 0.98  # the official name wins a tie with a folk name
TYPO_FACTOR = 0.8  # a corrected syllable counts a little less than a typed one
# A mention is ambiguous when other procedures match (almost) the same words
# and the query does not spell out the best one's whole name: "kết hôn" is
# Đăng ký kết hôn or Đăng ký kết hôn có yếu tố nước ngoài.
AMBIGUITY_SHARED_WEIGHT = 0.9
AMBIGUITY_SCORE_GAP = 0.30
AMBIGUITY_MAX_RECALL = 0.9
MAX_AMBIGUOUS = 10  # procedures considered for a clarification question
MIN_SCORE = 0.35
# How people ask, not what they ask about: these words also occur in procedure
# names ("giấy" in "giấy khai sinh", "căn" in "căn cước") and must not match there.
QUESTION_PHRASES = (
    ("giay", "to"),
    ("ho", "so"),
    ("thu", "tuc"),
    ("dich", "vu", "cong"),
    ("truc", "tuyen"),
    ("nhieu", "lam"),
    ("ket", "qua"),
)
_CAN_NOT_CAN_CUOC = "can"  # unaccented "cần" (need) unless followed by "cước"


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    field: str | None = None
    levels: tuple[str, ...] = ()
    agency: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    code: str
    name: str
    field: str | None
    levels: tuple[str, ...]
    agency: str | None
    score: float
    recall: float
    precision: float
    # Spans of the query text that matched this procedure (the mention).
    spans: tuple[tuple[int, int], ...] = ()
    matched: frozenset[str] = frozenset()  # the folded syllables that matched

    @property
    def mention_span(self) -> tuple[int, int] | None:
        if not self.spans:
            return None
        return min(s for s, _ in self.spans), max(e for _, e in self.spans)


@dataclass
class SearchResult:
    hits: list[Hit]
    # Procedures the query cannot tell apart (e.g. "kết hôn": in Vietnam or with a foreigner).
    ambiguous_with: list[Hit] = field(default_factory=list)

    @property
    def best(self) -> Hit | None:
        return self.hits[0] if self.hits else None

    @property
    def ambiguous(self) -> bool:
        return len(self.ambiguous_with) > 1


@lru_cache(maxsize=1)
def vietnamese_syllables() -> frozenset[str]:
    """Folded syllables of underthesea's 74K-word lexicon: a real word is never "corrected"."""
    try:
        import underthesea

        path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
        with open(path, encoding="utf-8") as lexicon:
            return frozenset(fold(word) for line in lexicon for word in line.split())
    except (ImportError, OSError):
        return frozenset()


def _syllables(text: str) -> list[NormToken]:
    return [t for t in normalize(text) if t.kind == "word"]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class CatalogueIndex:
    def __init__(self, entries: Iterable[CatalogueEntry]):
        self.entries: list[CatalogueEntry] = list(entries)
        phrase_owner: list[int] = []
        phrase_factor: list[float] = []
        phrase_tokens: list[list[NormToken]] = []
        for index, entry in enumerate(self.entries):
            seen: set[str] = set()
            for text, factor in [(entry.name, 1.0)] + [(a, ALIAS_FACTOR) for a in entry.aliases]:
                tokens = _syllables(text)
                key = " ".join(t.folded for t in tokens)
                if tokens and key not in seen:
                    seen.add(key)
                    phrase_owner.append(index)
                    phrase_factor.append(factor)
                    phrase_tokens.append(tokens)

        # IDF over procedures (not phrases), on folded syllables.
        syllables_of: dict[int, set[str]] = defaultdict(set)
        for tokens, owner in zip(phrase_tokens, phrase_owner):
            syllables_of[owner].update(t.folded for t in tokens)
        document_frequency: dict[str, int] = defaultdict(int)
        for syllables in syllables_of.values():
            for syllable in syllables:
                document_frequency[syllable] += 1
        total = max(len(self.entries), 1)
        self.weight = {s: math.log(1 + total / df) for s, df in document_frequency.items()}

        self.folded_vocab = {s: i for i, s in enumerate(sorted(self.weight))}
        accented = sorted({t.text for p in phrase_tokens for t in p})
        self.accented_vocab = {s: i for i, s in enumerate(accented)}
        bigrams = sorted({(a.folded, b.folded) for p in phrase_tokens for a, b in zip(p, p[1:])})
        self.bigram_vocab = {b: i for i, b in enumerate(bigrams)}
        self.delete_map: dict[str, set[str]] = defaultdict(set)
        for syllable in self.folded_vocab:
            if len(syllable) > 2:
                for deleted in _deletes(syllable) | {syllable}:
                    self.delete_map[deleted].add(syllable)

        folded_rows, accented_rows, bigram_rows = [], [], []
        self.phrase_weight = np.zeros(len(phrase_tokens))
        self.phrase_bigrams = np.zeros(len(phrase_tokens))
        for row, tokens in enumerate(phrase_tokens):
            folded = {t.folded for t in tokens}
            folded_rows.append({self.folded_vocab[s]: self.weight[s] for s in folded})
            accented_rows.append({self.accented_vocab[t.text]: self.weight[t.folded] for t in tokens})
            pairs = {(a.folded, b.folded) for a, b in zip(tokens, tokens[1:])}
            bigram_rows.append({self.bigram_vocab[p]: 1.0 for p in pairs})
            self.phrase_weight[row] = sum(self.weight[s] for s in folded)
            self.phrase_bigrams[row] = len(pairs)
        self.folded_matrix = _csr(folded_rows, len(self.folded_vocab))
        self.accented_matrix = _csr(accented_rows, len(self.accented_vocab))
        self.bigram_matrix = _csr(bigram_rows, len(self.bigram_vocab))
        self.phrase_owner = np.array(phrase_owner, dtype=np.int64)
        self.phrase_factor = np.array(phrase_factor)
        self.phrase_tokens = phrase_tokens
        vietnamese_syllables()  # loaded with the index, not on the first query

    def __len__(self) -> int:
        return len(self.entries)

    def _correct(self, token: NormToken) -> str | None:
        """A catalogue syllable one edit away from a typo (the most informative if several).

        Only plain-letter tokens that are not Vietnamese words are typos: "sinnh"
        is corrected to "sinh", but "bước" or "buoc" is never read as "cước".
        """
        syllable = token.folded
        if len(syllable) < 4 or not syllable.isalpha() or token.text != syllable or syllable in vietnamese_syllables():
            return None
        candidates: set[str] = set(self.delete_map.get(syllable, ()))
        for deleted in _deletes(syllable):
            candidates |= self.delete_map.get(deleted, set())
            if deleted in self.folded_vocab:
                candidates.add(deleted)
        if not candidates:
            return None
        return max(sorted(candidates), key=lambda s: self.weight[s])

    def search(self, query: str | Sequence[NormToken], limit: int = 10) -> SearchResult:
        tokens = _drop_question_words(
            [t for t in (normalize(query) if isinstance(query, str) else query) if t.kind == "word"]
        )
        if not tokens or not self.entries:
            return SearchResult([])
        folded_query = np.zeros(len(self.folded_vocab))
        accented_query = np.zeros(len(self.accented_vocab))
        query_weight = 0.0
        # folded syllable of each query token after correction (None: not in the catalogue)
        resolved: list[str | None] = []
        for token in tokens:
            key: str | None = token.folded
            factor = 1.0
            if key not in self.folded_vocab:
                key, factor = self._correct(token), TYPO_FACTOR
            resolved.append(key)
            if key is None:
                continue
            if token.text != token.folded and factor == 1.0 and token.text in self.accented_vocab:
                if accented_query[self.accented_vocab[token.text]] == 0:
                    accented_query[self.accented_vocab[token.text]] = factor
                    query_weight += self.weight[key] * factor
            elif token.text == token.folded or factor < 1.0:
                if folded_query[self.folded_vocab[key]] == 0:
                    folded_query[self.folded_vocab[key]] = factor
                    query_weight += self.weight[key] * factor
            # An accented syllable absent from the catalogue in that form ("cần"
            # when only "căn" exists) matches nothing and explains nothing.
        # Corrected typos refine a match; on their own ("xyz qwe") they are noise.
        if query_weight == 0 or not any(t.folded in self.folded_vocab for t in tokens):
            return SearchResult([])
        bigram_query = np.zeros(len(self.bigram_vocab))
        for a, b in zip(resolved, resolved[1:]):
            index = self.bigram_vocab.get((a, b)) if a and b else None
            if index is not None:
                bigram_query[index] = 1.0

        matched = self.folded_matrix @ folded_query + self.accented_matrix @ accented_query
        recall = np.minimum(matched / self.phrase_weight, 1.0)
        precision = np.minimum(matched / query_weight, 1.0)
        order = np.divide(
            self.bigram_matrix @ bigram_query,
            self.phrase_bigrams,
            out=recall.copy(),
            where=self.phrase_bigrams > 0,
        )
        score = (RECALL_WEIGHT * recall + PRECISION_WEIGHT * precision + ORDER_WEIGHT * order) * self.phrase_factor

        # Best phrase per procedure, best first (ties: catalogue order, i.e. by code),
        # for the hits asked for and the near ones the ambiguity check needs.
        candidates = np.flatnonzero((matched > 0) & (score >= MIN_SCORE))
        if candidates.size == 0:
            return SearchResult([])
        candidates = candidates[np.lexsort((self.phrase_owner[candidates], -score[candidates]))]
        top = score[candidates[0]]
        picked: dict[int, int] = {}
        for phrase in candidates:
            owner = int(self.phrase_owner[phrase])
            if owner in picked:
                continue
            if len(picked) >= max(limit, MAX_AMBIGUOUS) or (
                len(picked) >= limit and score[phrase] < top - AMBIGUITY_SCORE_GAP
            ):
                break
            picked[owner] = int(phrase)
        hits = [
            self._hit(
                owner, phrase, float(score[phrase]), float(recall[phrase]), float(precision[phrase]), tokens, resolved
            )
            for owner, phrase in picked.items()
        ]
        return SearchResult(hits[:limit], self._ambiguous(hits))

    def _hit(self, owner, phrase, score, recall, precision, tokens, resolved) -> Hit:
        entry = self.entries[owner]
        phrase_syllables = {t.folded for t in self.phrase_tokens[phrase]}
        mention = self._mention([i for i, key in enumerate(resolved) if key in phrase_syllables], resolved)
        spans = tuple((tokens[i].start, tokens[i].end) for i in mention)
        matched = frozenset(resolved[i] for i in mention)
        return Hit(
            entry.code,
            entry.name,
            entry.field,
            entry.levels,
            entry.agency,
            round(score, 4),
            round(recall, 4),
            round(precision, 4),
            spans,
            matched,
        )

    def _mention(self, positions: list[int], resolved: list[str | None]) -> list[int]:
        """The heaviest run of matched words (gaps of one word allowed): "làm hộ chiếu nộp
        xong thì làm gì" names the procedure in its first three words only."""
        runs: list[list[int]] = []
        for position in positions:
            if runs and position - runs[-1][-1] <= 2:
                runs[-1].append(position)
            else:
                runs.append([position])
        # positions are matched words: their resolved syllable is never None
        return max(runs, key=lambda run: sum(self.weight[resolved[i] or ""] for i in run), default=[])

    def _ambiguous(self, hits: list[Hit]) -> list[Hit]:
        if len(hits) < 2 or hits[0].recall >= AMBIGUITY_MAX_RECALL:
            return []
        top = hits[0]
        top_weight = sum(self.weight[s] for s in top.matched)
        return [
            h
            for h in hits
            if h.score >= top.score - AMBIGUITY_SCORE_GAP
            and sum(self.weight[s] for s in h.matched & top.matched) >= AMBIGUITY_SHARED_WEIGHT * top_weight
        ]


def _drop_question_words(tokens: list[NormToken]) -> list[NormToken]:
    keys = [t.folded for t in tokens]
    drop: set[int] = set()
    for phrase in QUESTION_PHRASES:
        for i in range(len(keys) - len(phrase) + 1):
            if tuple(keys[i : i + len(phrase)]) == phrase:
                drop.update(range(i, i + len(phrase)))
    for i, token in enumerate(tokens):
        if token.text == _CAN_NOT_CAN_CUOC and (i + 1 == len(keys) or keys[i + 1] != "cuoc"):
            drop.add(i)
    return [t for i, t in enumerate(tokens) if i not in drop]


def _csr(rows: list[dict[int, float]], width: int) -> sparse.csr_matrix:
    data, indices, indptr = [], [], [0]
    for row in rows:
        for column, value in sorted(row.items()):
            indices.append(column)
            data.append(value)
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), max(width, 1)))
