"""Accent-insensitive, typo-tolerant procedure search over names and folk names.

The index lives in memory and is built from the database, so ranking is the
same on SQLite and PostgreSQL. Each official name and each alias is a phrase;
a query is scored against every phrase with sparse matrix products:

- recall: how much of the phrase (IDF-weighted syllables) the query contains;
- precision: how much of the query's catalogue vocabulary the phrase explains;
- order: the share of the phrase's syllable pairs found side by side in the query.

A syllable typed with diacritics only matches the same accented syllable
("cần" is not "căn"); typed without, it matches on the folded form. Unknown
syllables are corrected to a catalogue syllable one edit away; words typed
glued together ("dangkykethon", "tachho") are split into catalogue syllables.
An official code ("1.004222", "1004222") finds its procedure directly.

Precision counts the query's content words the catalogue does not know ("thất
nghiệp" when no procedure names it): a question about something else is not
explained by a procedure that shares one of its words. How people ask ("cho
em hỏi", "bao lâu", "ở đâu") is neither evidence nor counter-evidence. A name said
whole beside a qualifier that makes it another matter ("hộ chiếu công vụ", "đấu giá biển
số xe"; core.text.OTHER_MATTER_QUALIFIERS) that the name lacks is no mention at all.
What a query says around a name tells its case, not another procedure: a purpose clause
("… để nhập quốc tịch …"), a procedure said done ("đăng ký kết hôn xong …"), words of a name
scattered with none of its pairs side by side ("thửa đất liền kề" is no "đất thừa kế").
:func:`decide` turns a result into what the assistant does: answer one
procedure, ask between at most four, or say the catalogue does not hold it.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from core.text import (
    CANONICAL_TERMS,
    CONVERSATION_WORDS,
    FOREIGN_CUE_BEFORE,
    FOREIGN_CUES,
    NAME_QUALIFIERS,
    OTHER_MATTER_ACCENTED_ONLY,
    OTHER_MATTER_ANYWHERE,
    OTHER_MATTER_QUALIFIERS,
    OTHER_MATTER_UNACCENTED_BESIDE,
    NormToken,
    fold,
    folded_text,
    nfc,
    normalize,
)

RECALL_WEIGHT, PRECISION_WEIGHT, ORDER_WEIGHT = 0.35, 0.45, 0.20
ALIAS_FACTOR = 0.98  # the official name wins a tie with a folk name
TYPO_FACTOR = 0.8  # a corrected syllable counts a little less than a typed one
# A mention is ambiguous when other procedures match (almost) the same words
# and the query does not spell out the best one's whole name: "kết hôn" is
# Đăng ký kết hôn or Đăng ký kết hôn có yếu tố nước ngoài.
AMBIGUITY_SHARED_WEIGHT = 0.9
AMBIGUITY_SCORE_GAP = 0.30  # hits kept for the ambiguity check
CLARIFY_SCORE_GAP = 0.10  # procedures this close to the best are asked about
AMBIGUITY_MAX_RECALL = 0.9
MAX_AMBIGUOUS = 10  # procedures considered for a clarification question
MAX_CHOICES = 4  # choices a clarification question offers
CLARIFY_MIN_RECALL = 0.7  # how much of the best name a query must say to be asked about
# A name said almost whole ("cấp hộ chiếu phổ thông" of "… ở trong nước") may come with more words.
NEARLY_WHOLE_NAME, NEARLY_WHOLE_NAME_PRECISION = 0.9, 0.5
MIN_SCORE = 0.35
# A name said whole inside a longer question must have some of its word pairs said side by side:
# its words scattered over a story ("gộp hai thửa đất liền kề" holds "đất thừa kế") name nothing.
WHOLE_NAME_MIN_ORDER = 0.01
# A question made only of a long name's words must still say a fair part of it: six common
# syllables scattered over a name of eighty ("xin dac xa cho ck dang o tu") name nothing.
ALL_WORDS_MIN_RECALL = 0.2
VARIANT_PRECISION_GAIN = 0.08  # how much more of the query a variant must explain than its base name
VARIANT_MIN_RECALL = 0.5  # and how much of its own name the query must say
VARIANT_MIN_EXTRA = 0.35  # and of the words that make it a variant
# Near-ties go to what a citizen at a commune most likely means: the commune's
# procedure and the one for individuals (not organisations).
COMMUNE_BONUS, INDIVIDUAL_BONUS = 0.015, 0.015
COMMUNE_LEVEL = "cap xa"
INDIVIDUAL_MARKERS = ("cong dan", "ca nhan", "nguoi", "ho gia dinh")
ORGANISATION_MARKERS = ("to chuc", "doanh nghiep", "hop tac xa", "can bo")
# A query word the catalogue does not know weighs like a fairly rare catalogue word:
# content the best procedure does not explain lowers its precision.
UNKNOWN_DOCUMENT_FREQUENCY = 20
MIN_UNKNOWN_WEIGHT = 3.0  # however small the catalogue
_CONVERSATION_FOLDED = frozenset(fold(w) for w in CONVERSATION_WORDS)
_TALK_SPELLINGS: dict[str, tuple[str, ...]] = defaultdict(tuple)
for _word in sorted(CONVERSATION_WORDS):
    _TALK_SPELLINGS[fold(_word)] += (_word,)
# Talk words typed without accents that ask only before these words; elsewhere they are
# content ("bao" is "báo" in "nhà báo", "trình báo").
TALK_ONLY_BEFORE = {"bao": frozenset({"nhieu", "lau", "gio", "nhiu"})}
# Particles that end a sentence, folded: before a content word they are one ("nha" is "nhà").
CLOSING_PARTICLES = frozenset({"nha", "nhe"})
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
    ("trinh", "tu"),
    ("cac", "buoc"),
    ("nop", "don"),
    ("lam", "don"),
    ("uy", "ban", "nhan", "dan"),  # where ("nộp ở ủy ban nhân dân phường"), not what
)
# "cần" (need), typed with or without its accent, unless followed by "cước": never read as
# "căn" by the slip correction either ("cấp lại cần gì" is not "cấp lại căn cước").
_CAN_NOT_CAN_CUOC = ("can", "cần")
# "mất bao lâu", "có mất tiền không" is what it takes or costs, not a loss ("mất hộ chiếu").
_MAT_BEFORE = {"bao", "may", "khoang", "het", "nhieu", "tam", "chung", "tien", "phi", "thoi", "cong"}
# "hết bao nhiêu tiền", "hết mấy ngày" is what it costs or takes, not an end ("hết hạn").
_HET_BEFORE = {"bao", "may", "khoang", "nhieu", "tam", "chung"}
# A head names the procedure when at most this many names begin with it. Not four: the heads four
# names share ("Chứng thực chữ ký người dịch", "Trình báo mất thẻ ABTC", "Kiểm tra nhà nước về an
# toàn …") would answer one of the four for a question that does not tell them apart.
MAX_HEAD_SHARE = 3
# The words that make a name a re-issue of another ("Cấp lại", "Cấp đổi", "Cấp chuyển đổi",
# "Gia hạn", "Điều chỉnh"), and those of a first issue ("Cấp mới", "lần đầu"), folded.
REISSUE_WORDS = frozenset({"lai", "doi", "chuyen", "gia", "han", "dieu", "chinh"})
FIRST_ISSUE_WORDS = frozenset({"moi", "lan", "dau"})
# Where a query says the person is (folded): in Vietnam, and the names' "ở nước ngoài" / "ở trong nước".
IN_COUNTRY = ("o viet nam", "tai viet nam", "trong nuoc", "sinh song o viet nam")
ABROAD_PLACE, HOME_PLACE = " o nuoc ngoai ", " o trong nuoc "
# "lần đầu", folded, and the words of a name that issues a paper ("Cấp …", "Đăng ký …").
FIRST_TIME = ("lan", "dau")
ISSUE_WORDS = frozenset({"cap", "dang", "ky"})
# The re-issue words that, said, ask for the re-issue whatever else the query names ("cấp lại", "cấp đổi").
REISSUE_SAID_WORDS = frozenset({"lai", "doi"})
# What happened to a paper, as a name of its re-issue says it ("… bị mất", "… bị hỏng"), folded.
STATE_WORDS = frozenset({"mat", "hong", "gay", "rach", "nat", "het"})
# Words that tell what happened to a paper or what is done again ("làm lại", "bị mất", "hết hạn",
# "bị gãy", "cấp đổi"), folded: they name no paper, so a match of these alone ("làm lại có mất
# phí", "bi mat") is no mention of "Cấp lại Giấy chứng nhận do bị mất" or "Gia hạn tạm trú".
CIRCUMSTANCE_WORDS = (
    REISSUE_WORDS
    | FIRST_ISSUE_WORDS
    | frozenset({"cap", "lam", "bi", "do", "mat", "het", "hong", "gay", "rach", "nat", "cu", "thay", "xin"})
)
# "xong" (done) right after a procedure's mention, within this many characters ("kết hôn rồi xong"), folded.
DONE_WORD, DONE_REACH = "xong", 8
# Words after "xong" that ask for the procedure's own result ("xong thì nhận giấy gì"), folded.
RESULT_WORDS = frozenset({"nhan", "giay", "ket", "qua", "hen"})
# Words that say a procedure was not done, right before its name ("chưa đăng ký kết hôn"), folded.
NEGATION_WORDS = frozenset({"chua", "khong", "ko", "k", "hong"})
# Words of a name that only join its others ("các thủ tục", "về"): no difference between two names.
NAME_FUNCTION_WORDS = frozenset({"cac", "nhung", "ve", "cua", "va"})
# Words that only join a name's or a folk name's others, as a query may leave them out (as written
# in names: "đã" joins, "đa" of "đa mục đích" does not).
JOINING_WORDS = frozenset({"các", "những", "về", "của", "và", "cho", "với", "khi", "đã"})
# A best procedure this far ahead of the next, saying this much of its name and of the query,
# is answered though the question's other words dilute its precision (see far_ahead).
MARGIN_GAP, MARGIN_MIN_SCORE, MARGIN_MIN_RECALL, MARGIN_MIN_PRECISION = 0.2, 0.6, 0.6, 0.6
# Or says this much of its name, and this much of the query (a citizen's story around it).
MARGIN_WIDE_RECALL, MARGIN_WIDE_PRECISION = 0.7, 0.4
# How many words away from a mention a qualifier still qualifies it ("giấy chứng nhận kết hôn
# do nhà thờ cấp": one word between).
OTHER_MATTER_REACH = 2
_OTHER_MATTER: tuple[tuple[tuple[str, ...], tuple[str, ...], bool], ...] = tuple(
    (tuple(q.split()), tuple(fold(w) for w in q.split()), q in OTHER_MATTER_ACCENTED_ONLY)
    for q in OTHER_MATTER_QUALIFIERS
)
_OTHER_MATTER_BY_FIRST: dict[str, list[tuple[tuple[str, ...], tuple[str, ...], bool]]] = defaultdict(list)
for _qualifier in _OTHER_MATTER:
    _OTHER_MATTER_BY_FIRST[_qualifier[1][0]].append(_qualifier)
_OTHER_MATTER_ANYWHERE = frozenset(" ".join(fold(w) for w in q.split()) for q in OTHER_MATTER_ANYWHERE)
GENERIC_HEAD_NAMES = 20  # a head whose words this many names hold is generic, not a name
HEAD_FACTOR = 0.97  # a name's head ranks just below the whole name and folk names
_CANONICAL_BY_FOLDED: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
for _folk, _official in CANONICAL_TERMS.items():
    _words = tuple(_folk.split())
    _CANONICAL_BY_FOLDED.setdefault(tuple(fold(w) for w in _words), []).append((_words, _official))


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    field: str | None = None
    levels: tuple[str, ...] = ()
    agency: str | None = None
    aliases: tuple[str, ...] = ()
    subjects: str | None = None  # who may apply (đối tượng thực hiện)


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
    by_code: bool = False  # found by its official code, not by words
    evidence: int = 0  # distinct content syllables of the mention (how people talk excluded)
    # The code of a procedure whose whole name this one's name contains and which the query
    # names whole, when this variant explains more of the query ("… có yếu tố nước ngoài").
    extends: str | None = None
    # Every folded syllable of the query this procedure's phrase holds, in or out of the mention.
    said: frozenset[str] = frozenset()
    # Qualifiers said beside the mention that make it another matter this name does not cover
    # ("công vụ" in "cấp hộ chiếu công vụ"; see core.text.OTHER_MATTER_QUALIFIERS), folded.
    other_matter: tuple[str, ...] = ()
    # The query says this procedure is done and asks about what comes after ("đăng ký kết hôn xong
    # có phải đổi họ không"): it tells the case, it is not what is asked about.
    done: bool = False
    # The share of the phrase's word pairs the query says side by side (its recall when it has none).
    order: float = 1.0

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
    # Content words of the query no catalogue name or alias holds (folded).
    unexplained: tuple[str, ...] = ()
    # The score of the best hit that is another procedure than the best one's, not the same one
    # at another level ("… (thực hiện tại cấp tỉnh)"); None: the second hit's.
    runner_up: float | None = None

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


@lru_cache(maxsize=1)
def vietnamese_accented_syllables() -> frozenset[str]:
    """The lexicon's syllables as written: "đảng" is a word, "kêt" is a tone mark typed wrong."""
    try:
        import underthesea

        path = Path(underthesea.__file__).parent / "corpus" / "data" / "Viet74K.txt"
        with open(path, encoding="utf-8") as lexicon:
            return frozenset(nfc(word).lower() for line in lexicon for word in line.split())
    except (ImportError, OSError):
        return frozenset()


def _syllables(text: str) -> list[NormToken]:
    return _canonical(_words_and_numbers(normalize(text)))


_DIGITS_OR_LETTERS = re.compile(r"\d+|\D+")
# Letters glued to a number that name its unit or kind ("14t", "mức2", "lv2").
_AFTER_NUMBER = {"t": "tuổi", "tuoi": "tuổi"}
_BEFORE_NUMBER = {"lv": "mức", "level": "mức", "muc": "mức"}


def _words_and_numbers(tokens: Sequence[NormToken]) -> list[NormToken]:
    """The words, and the whole numbers as words without leading zeros ("mức độ 01" and
    "mức 1", "trên 14 tuổi" and "14t", "lv2"): a number tells variants apart."""
    out: list[NormToken] = []
    for token in tokens:
        if token.kind == "number":
            digits = token.text.replace(".", "").replace(",", "")
            if token.text.isdigit() and len(digits) <= 4:
                out.append(NormToken(str(int(digits)), str(int(digits)), token.start, token.end))
            continue
        if token.kind != "word":
            continue
        runs = _DIGITS_OR_LETTERS.findall(token.folded)
        if len(runs) < 2 or not any(r.isdigit() for r in runs) or len(token.folded) > 12:
            out.append(token)
            continue
        for i, run in enumerate(runs):
            if run.isdigit():
                out.append(NormToken(str(int(run)), str(int(run)), token.start, token.end))
                continue
            word = (_AFTER_NUMBER if i else _BEFORE_NUMBER).get(run, run)
            out.extend(NormToken(w, fold(w), token.start, token.end) for w in word.split())
    return out


def _canonical(tokens: list[NormToken]) -> list[NormToken]:
    """Folk terms replaced by the official words, in names and queries alike ("bằng lái" is
    "giấy phép lái xe"), so one folk word finds every procedure about the thing."""
    out: list[NormToken] = []
    i = 0
    keys = [t.folded for t in tokens]
    while i < len(tokens):
        for length in (4, 3, 2, 1):
            window = tokens[i : i + length]
            official = next(
                (
                    target
                    for words, target in _CANONICAL_BY_FOLDED.get(tuple(keys[i : i + length]), ())
                    if all(t.text == t.folded or t.text == w for t, w in zip(window, words))
                ),
                None,
            )
            if official and i + length <= len(tokens):
                start, end = tokens[i].start, tokens[i + length - 1].end
                out.extend(NormToken(w, fold(w), start, end) for w in official.split())
                i += length
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _distinctive_heads(entries: list[CatalogueEntry]) -> dict[int, list[str]]:
    """Each entry's name heads that begin at most MAX_HEAD_SHARE names and whose words fewer
    than GENERIC_HEAD_NAMES names hold: "Cấp lại giấy phép xây dựng" names a procedure (at two
    levels); "Cấp phép hoạt động" does not, its words are those of some sixty "Cấp giấy phép
    hoạt động …" names, and a citizen asking about one of those is not asking about it."""
    folded_names = sorted(folded_text(e.name) for e in entries)
    names_with: dict[str, set[int]] = defaultdict(set)
    for index, entry in enumerate(entries):
        for token in _syllables(entry.name):
            names_with[token.folded].add(index)
    heads: dict[int, list[str]] = {}
    for index, entry in enumerate(entries):
        for head in _name_heads(entry.name):
            key = folded_text(head)
            first = bisect.bisect_left(folded_names, key)
            last = bisect.bisect_left(folded_names, key + "\uffff")
            words = sorted({t.folded for t in _syllables(head)}, key=lambda w: len(names_with[w]))
            holders = set(names_with[words[0]]) if words else set()
            for word in words[1:]:
                if len(holders) < GENERIC_HEAD_NAMES:
                    break
                holders &= names_with[word]
            if last - first <= MAX_HEAD_SHARE and len(holders) < GENERIC_HEAD_NAMES:
                heads.setdefault(index, []).append(head)
    return heads


def _name_heads(name: str) -> list[str]:
    """The official name's first clause when the rest only narrows it ("Cấp lại giấy phép xây
    dựng" of "Cấp lại giấy phép xây dựng đối với công trình cấp III, cấp IV (…)"): citizens
    name the procedure by its head."""
    head = name
    for separator in sorted(NAME_QUALIFIERS, key=lambda s: s == " ("):
        position = head.lower().find(separator)
        if separator == " (" and position > 0 and head.find(")", position) not in (-1, len(head.rstrip(" .:;,")) - 1):
            # A parenthesis inside the clause ("an toàn thực phẩm (Chứng thư) cho lô hàng thủy
            # sản…") is followed by what the procedure is about: the head is not the name.
            return []
        if position > 0:
            head = head[:position]
    head = head.strip(" ,.-")
    if head != name.strip() and len(head.split()) >= 3 and len(name.split()) - len(head.split()) >= 2:
        return [head]
    return []


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class CatalogueIndex:
    def __init__(self, entries: Iterable[CatalogueEntry]):
        self.entries: list[CatalogueEntry] = list(entries)
        phrase_owner: list[int] = []
        phrase_factor: list[float] = []
        phrase_tokens: list[list[NormToken]] = []
        heads = _distinctive_heads(self.entries)
        for index, entry in enumerate(self.entries):
            seen: set[str] = set()
            phrases = [(entry.name, 1.0)] + [(h, HEAD_FACTOR) for h in heads.get(index, ())]
            for text, factor in phrases + [(a, ALIAS_FACTOR) for a in entry.aliases]:
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
        # Official names' word pairs whose second word is spelled as a talk word ("đất ở", "nhà ở"),
        # folded (a folk name's "ở" is where: "chứng thực chữ ký ở ủy ban xã").
        self.talk_word_pairs = frozenset(
            (a.folded, b.folded)
            for p, factor in zip(phrase_tokens, phrase_factor)
            if factor != ALIAS_FACTOR
            for a, b in zip(p, p[1:])
            if b.text in CONVERSATION_WORDS
        )
        self.delete_map: dict[str, set[str]] = defaultdict(set)
        for syllable in self.folded_vocab:
            if len(syllable) > 2:
                for deleted in _deletes(syllable) | {syllable}:
                    self.delete_map[deleted].add(syllable)

        folded_rows, accented_rows, bigram_rows = [], [], []
        talk_rows: list[dict[int, float]] = []
        self.phrase_weight = np.zeros(len(phrase_tokens))
        self.phrase_bigrams = np.zeros(len(phrase_tokens))
        for row, tokens in enumerate(phrase_tokens):
            folded = {t.folded for t in tokens}
            folded_rows.append({self.folded_vocab[s]: self.weight[s] for s in folded})
            accented_rows.append({self.accented_vocab[t.text]: self.weight[t.folded] for t in tokens})
            pairs = {(a.folded, b.folded) for a, b in zip(tokens, tokens[1:])}
            bigram_rows.append({self.bigram_vocab[p]: 1.0 for p in pairs})
            self.phrase_weight[row] = sum(self.weight[s] for s in folded)
            # Words that only join a name's or folk name's others ("cho", "của", "các"): a query that
            # leaves them out still says the whole name.
            talk_rows.append(
                {self.folded_vocab[t.folded]: self.weight[t.folded] for t in tokens if t.text in JOINING_WORDS}
            )
            self.phrase_bigrams[row] = len(pairs)
        self.folded_matrix = _csr(folded_rows, len(self.folded_vocab))
        self.accented_matrix = _csr(accented_rows, len(self.accented_vocab))
        self.bigram_matrix = _csr(bigram_rows, len(self.bigram_vocab))
        talk_matrix = _csr(talk_rows, len(self.folded_vocab))
        self.phrase_talk = np.asarray(talk_matrix.sum(axis=1)).ravel()
        # Each joining word's phrases and weight in them (a handful of words: no matrix product per query).
        by_word = talk_matrix.tocsc()
        vocab_of = {column: word for word, column in self.folded_vocab.items()}
        self.joining_rows = {
            vocab_of[column]: (
                by_word.indices[by_word.indptr[column] : by_word.indptr[column + 1]],
                by_word.data[by_word.indptr[column] : by_word.indptr[column + 1]],
            )
            for column in np.flatnonzero(np.diff(by_word.indptr))
        }
        self.phrase_owner = np.array(phrase_owner, dtype=np.int64)
        self.phrase_factor = np.array(phrase_factor)
        self.phrase_tokens = phrase_tokens
        self.entry_bonus = np.array([_preference(entry) for entry in self.entries])
        self.by_code = {_code_key(entry.code): index for index, entry in enumerate(self.entries)}
        self.entry_of_code = {entry.code: index for index, entry in enumerate(self.entries)}
        self.name_words = [frozenset(t.folded for t in _syllables(entry.name)) for entry in self.entries]
        # The words of each name's head ("Cấp lại giấy phép xây dựng" of "… đối với công trình …"),
        # the whole name's when it has none: two names re-issue each other by their heads even when
        # their tails list different cases ("… Sửa chữa, cải tạo …" in the re-issue's only).
        self.head_words = [
            frozenset(t.folded for t in _syllables(next(iter(_name_heads(entry.name)), entry.name)))
            for entry in self.entries
        ]
        self.name_text = [f" {' '.join(t.folded for t in _syllables(entry.name))} " for entry in self.entries]
        self.age_range = [_age_range(entry.name) for entry in self.entries]
        self.correcting = [_corrects(entry.name) for entry in self.entries]
        # Phrases of procedures that issue a paper for the first time by name ("Cấp hộ chiếu …", not
        # "Cấp lại …", nor a name that says "lần đầu" itself): a query's "lần đầu" is what they do.
        first_issue = [
            not (self.name_words[index] & (REISSUE_WORDS | {"lan"})) and bool(self.name_words[index] & ISSUE_WORDS)
            for index in range(len(self.entries))
        ]
        self.phrase_first_issue = np.array([first_issue[owner] for owner in phrase_owner], dtype=float)
        self.level_free_name = [_LEVEL_QUALIFIER.sub("", folded_text(entry.name)).strip() for entry in self.entries]
        self.unknown_weight = max(math.log(1 + total / UNKNOWN_DOCUMENT_FREQUENCY), MIN_UNKNOWN_WEIGHT)
        self.longest_syllable = max((len(s) for s in self.folded_vocab), default=0)
        self.acronyms = _acronyms(phrase_tokens)
        vietnamese_syllables()  # loaded with the index, not on the first query
        vietnamese_accented_syllables()

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
        all_tokens = list(normalize(query) if isinstance(query, str) else query)
        if not self.entries:
            return SearchResult([])
        coded = self._by_code(all_tokens)
        if coded is not None:
            return SearchResult([coded])
        words = _drop_question_words(_words_and_numbers(all_tokens), self.bigram_vocab)
        tokens = _canonical(_drop_question_words(self._unglue(words), self.bigram_vocab))  # "dichvucong" too
        foreign = _foreign_element(tokens)
        foreign_said = (
            len(foreign) != len(tokens)
            or any(a.text != b.text for a, b in zip(foreign, tokens))
            or _abroad_said(tokens)
        )  # a foreign person or country stated ("chồng người Hàn Quốc", "người nước ngoài")
        tokens = self._fix_in_context(foreign)
        if not tokens:
            return SearchResult([])
        qualifiers = _other_matter_said(tokens)
        content_query = np.zeros(len(self.folded_vocab))
        talk_query = np.zeros(len(self.folded_vocab))
        accented_content = np.zeros(len(self.accented_vocab))
        accented_talk = np.zeros(len(self.accented_vocab))
        query_weight = 0.0
        unexplained: list[str] = []
        # folded syllable of each query token after correction (None: not in the catalogue)
        resolved: list[str | None] = []
        unmatched: set[int] = set()  # tokens whose accents match no catalogue syllable
        talks = self._conversation_flags(tokens)
        for i, (token, talk) in enumerate(zip(tokens, talks)):
            key: str | None = token.folded
            factor = 1.0
            if key not in self.folded_vocab:
                key, factor = self._correct(token), TYPO_FACTOR
            resolved.append(key)
            if key is None:
                if token.folded.isdigit() or (i > 0 and tokens[i - 1].folded.isdigit()):
                    # A number no name holds ("3 tháng", "năm 2024"), and its unit ("1 tuần",
                    # "5 buổi"), is how people tell their case.
                    continue
                if not talk and token.folded not in unexplained:
                    unexplained.append(token.folded)
                    query_weight += self.unknown_weight
                continue
            if talk and len(key) == 1 and token.text == token.folded:
                # One letter of talk typed without accents is the talk word ("o" of "o dau" is "ở"):
                # it matches a name's "nhà ở", not "ô tô".
                columns = [self.accented_vocab[w] for w in _TALK_SPELLINGS.get(key, ()) if w in self.accented_vocab]
                if not columns:
                    unmatched.add(len(resolved) - 1)
                for column in columns:
                    accented_talk[column] = factor
                continue
            if token.text != token.folded and factor == 1.0 and token.text in self.accented_vocab:
                vector, column = (accented_talk if talk else accented_content), self.accented_vocab[token.text]
            elif token.text == token.folded or factor < 1.0:
                vector, column = (talk_query if talk else content_query), self.folded_vocab[key]
            elif not talk and token.text not in vietnamese_accented_syllables():
                # A tone mark typed wrong ("dăng ký", "kêt hôn") counts like a typo;
                # another real word ("đảng" is not "đăng") does not match.
                vector, column, factor = content_query, self.folded_vocab[key], TYPO_FACTOR
            else:
                # How people talk, accented as no catalogue word is ("cần" when only
                # "căn" exists), matches nothing and explains nothing (nor joins a mention;
                # it still counts for word order: "cấp đôi sổ đỏ" typed for "cấp đổi").
                unmatched.add(len(resolved) - 1)
                continue
            if vector[column] == 0:
                vector[column] = factor
                if not talk:
                    query_weight += self.weight[key] * factor
        # Corrected typos refine a match; on their own ("xyz qwe") they are noise.
        if not any(t.folded in self.folded_vocab for t in tokens):
            return SearchResult([], unexplained=tuple(unexplained))
        bigram_query = np.zeros(len(self.bigram_vocab))
        for a, b in zip(resolved, resolved[1:]):
            index = self.bigram_vocab.get((a, b)) if a and b else None
            if index is not None:
                bigram_query[index] = 1.0

        content = self.folded_matrix @ content_query + self.accented_matrix @ accented_content
        matched = content + self.folded_matrix @ talk_query + self.accented_matrix @ accented_talk
        unsaid_talk = self.phrase_talk.copy()
        for key in {key for key in resolved if key in self.joining_rows}:
            rows, weights = self.joining_rows[key]
            unsaid_talk[rows] -= weights
        whole = np.where(self.phrase_weight - unsaid_talk > 0, self.phrase_weight - unsaid_talk, self.phrase_weight)
        recall = np.minimum(matched / whole, 1.0)
        first_time = self._first_time_weight(tokens, talks)
        explained = content + self.phrase_first_issue * first_time if first_time else content
        precision = np.minimum(explained / query_weight, 1.0) if query_weight else np.zeros_like(content)
        order = np.divide(
            self.bigram_matrix @ bigram_query,
            self.phrase_bigrams,
            out=recall.copy(),
            where=self.phrase_bigrams > 0,
        )
        score = (RECALL_WEIGHT * recall + PRECISION_WEIGHT * precision + ORDER_WEIGHT * order) * self.phrase_factor
        score = score + self.entry_bonus[self.phrase_owner] * (content > 0)

        # Best phrase per procedure, best first (ties: catalogue order, i.e. by code),
        # for the hits asked for and the near ones the ambiguity check needs.
        candidates = np.flatnonzero((content > 0) & (score >= MIN_SCORE))
        if candidates.size == 0:
            return SearchResult([], unexplained=tuple(unexplained))
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
                owner,
                phrase,
                float(score[phrase]),
                float(recall[phrase]),
                float(precision[phrase]),
                tokens,
                [None if i in unmatched else key for i, key in enumerate(resolved)],
                qualifiers,
                float(order[phrase]),
            )
            for owner, phrase in picked.items()
        ]
        said = {key for i, key in enumerate(resolved) if key and i not in unmatched}
        content_said = {key for i, key in enumerate(resolved) if key and i not in unmatched and not talks[i]}
        hits = self._prefer_variants(hits, list(picked.values()), said)
        hits = self._prefer_told_apart(hits, content_said, said)
        hits = self._prefer_stated_age(hits, _stated_age(words))
        if ERROR_WORDS & set(keys_of(words)) or _fixes_a_detail(keys_of(words)):
            hits = self._prefer_correction(hits)
        if foreign_said:
            hits = self._prefer_foreign_variant(hits)
        hits = self._prefer_bundle(hits)
        hits = self._prefer_not_negated(hits, tokens)
        hits = _prefer_before_purpose(hits, _purpose_clauses(all_tokens))
        hits = self._after_done(hits, tokens)
        hits = self._prefer_in_country(hits, keys_of(tokens))
        return SearchResult(
            hits[:limit], self._ambiguous(hits, said, content_said), tuple(unexplained), self._runner_up(hits)
        )

    def _runner_up(self, hits: list[Hit]) -> float:
        """The best score among the hits that are not the best one at another level."""
        if not hits:
            return 0.0
        best = self.level_free_name[self.entry_of_code[hits[0].code]]
        return next((h.score for h in hits[1:] if self.level_free_name[self.entry_of_code[h.code]] != best), 0.0)

    def _near(self, hits: list[Hit]) -> list[Hit]:
        """The hits close enough to the best one, matching (almost) its words, to be confused with it."""
        top = hits[0]
        top_weight = sum(self.weight[s] for s in top.matched)
        return [
            h
            for h in hits
            if h.score >= top.score - CLARIFY_SCORE_GAP
            and sum(self.weight[s] for s in h.matched & top.matched) >= AMBIGUITY_SHARED_WEIGHT * top_weight
        ]

    def _prefer_not_negated(self, hits: list[Hit], tokens: list[NormToken]) -> list[Hit]:
        """A best procedure the query says is not done ("bố mẹ chưa đăng ký kết hôn thì khai sinh
        cho con thế nào") tells the case; another procedure it names whole is what it asks for,
        ranked just above."""
        if len(hits) < 2 or hits[0].by_code or not self._negated(hits[0], tokens):
            return hits
        top = hits[0]
        for position, hit in enumerate(hits[1:], start=1):
            if hit.score < top.score - CLARIFY_SCORE_GAP:
                break
            if hit.recall >= 0.99 and not hit.matched & top.matched and not self._negated(hit, tokens):
                promoted = replace(hit, score=round(top.score + 0.001, 4))
                return [promoted] + [h for i, h in enumerate(hits) if i != position]
        return hits

    @staticmethod
    def _negated(hit: Hit, tokens: list[NormToken]) -> bool:
        span = hit.mention_span
        if span is None:
            return False
        before = [t for t in tokens if t.end <= span[0]]
        return bool(before) and before[-1].folded in NEGATION_WORDS

    def _prefer_in_country(self, hits: list[Hit], keys: list[str]) -> list[Hit]:
        """A query that says the person is in Vietnam ("người nước ngoài … ở vn lâu năm muốn nhập
        quốc tịch") means the procedure "… ở trong nước", not its sibling "… ở nước ngoài" that its
        words "nước ngoài" (said of the person) made best."""
        if len(hits) < 2 or hits[0].by_code:
            return hits
        text = f" {' '.join(keys)} "
        if not any(f" {place} " in text for place in IN_COUNTRY):
            return hits
        top_name = self.level_free_name[self.entry_of_code[hits[0].code]]
        if ABROAD_PLACE not in f" {top_name} ":
            return hits
        sibling = f" {top_name} ".replace(ABROAD_PLACE, HOME_PLACE).strip()
        for position, hit in enumerate(hits[1:], start=1):
            if self.level_free_name[self.entry_of_code[hit.code]] == sibling:
                return [_promoted(hit, hits[0])] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _first_time_weight(self, tokens: list[NormToken], talks: list[bool]) -> float:
        """The weight of "lần đầu" (for the first time) when the query says it as content."""
        for i, (a, b) in enumerate(zip(tokens, tokens[1:])):
            if (a.folded, b.folded) == FIRST_TIME and not talks[i] and not talks[i + 1]:
                return sum(self.weight.get(w, 0.0) for w in FIRST_TIME)
        return 0.0

    def _after_done(self, hits: list[Hit], tokens: list[NormToken]) -> list[Hit]:
        """A best procedure the query says is done ("… xong") before asking about content words its
        name does not hold ("đăng ký kết hôn xong có phải đổi họ cho vợ", "xây nhà xong muốn đưa vào sổ")
        tells the case: a near procedure named by words after "xong" is meant, ranked just above;
        without one, the best one is no answer (Hit.done)."""
        if not hits or hits[0].by_code or not hits[0].spans:
            return hits
        top = hits[0]
        start, end = top.mention_span or (0, 0)
        done = next(
            (
                i
                for i, t in enumerate(tokens)
                if t.folded == DONE_WORD
                and start - 1 <= t.end
                and t.start - end <= DONE_REACH  # "X xong", "làm xong X"
            ),
            None,
        )
        if done is None:
            return hits
        rest = max(tokens[done].end, end)  # what is said after the procedure done
        talks = self._conversation_flags(tokens)
        name = self.name_words[self.entry_of_code[top.code]]
        after = {
            t.folded
            for t, talk in zip(tokens, talks)
            if t.start >= rest
            and not talk
            and t.folded.isalpha()
            and t.folded not in name
            and t.folded not in RESULT_WORDS
        }
        if not after:
            return hits  # "khai sinh xong bao lâu có": still about it
        for position, hit in enumerate(hits[1:], start=1):
            if hit.score < top.score - CLARIFY_SCORE_GAP:
                break
            if hit.evidence >= 2 and all(s >= rest for s, _ in hit.spans):
                return [replace(hit, score=round(top.score + 0.001, 4))] + [
                    h for i, h in enumerate(hits) if i != position
                ]
        return [replace(top, done=True)] + hits[1:]

    def _prefer_bundle(self, hits: list[Hit]) -> list[Hit]:
        """Two procedures the query names whole, each by other words ("khai sinh cho con kèm nhận
        cha", "làm khai tử, xóa hộ khẩu và nhận tiền mai táng"), and a procedure whose name holds
        both their names ("… khai sinh kết hợp đăng ký nhận cha, mẹ, con", "Liên thông: đăng ký khai
        tử, xóa đăng ký thường trú, …"): the query asks for what that one does at once. It is ranked
        first, as a variant of the best part (see Hit.extends)."""
        if len(hits) < 3 or hits[0].by_code:
            return hits
        top = hits[0]
        shown = hits[:MAX_AMBIGUOUS]
        whole = [h for h in shown if h.recall >= 0.99]
        for position, bundle in enumerate(shown):
            if bundle.score < top.score - CLARIFY_SCORE_GAP:
                break
            name = self.name_words[self.entry_of_code[bundle.code]]
            parts = [h for h in whole if h is not bundle and self.name_words[self.entry_of_code[h.code]] < name]
            if any(not (a.matched <= b.matched or b.matched <= a.matched) for a in parts for b in parts):
                if position == 0 and bundle.extends:
                    return hits
                promoted = replace(bundle, score=round(top.score + 0.001, 4), extends=bundle.extends or parts[0].code)
                return [promoted] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _prefer_foreign_variant(self, hits: list[Hit]) -> list[Hit]:
        """A foreign person or country the query states ("bố là người Mỹ", "chồng quốc tịch Hàn
        Quốc") picks, among the hits, the variant of the best one "… có yếu tố nước ngoài" (its
        name is the best one's and those words), named as surely as the best one was."""
        if len(hits) < 2 or hits[0].by_code:
            return hits
        top = hits[0]
        top_name = self.name_words[self.entry_of_code[top.code]]
        if ABROAD_WORDS <= top_name:
            return hits
        for position, hit in enumerate(hits[1:], start=1):
            name = self.name_words[self.entry_of_code[hit.code]]
            extra = name - top_name
            if top_name < name and (
                (FOREIGN_WORDS <= extra and len(extra) <= len(FOREIGN_WORDS) + 1)
                # "Đổi giấy phép lái xe hoặc bằng lái xe của người nước ngoài" beside "Đổi giấy phép lái xe"
                or (ABROAD_WORDS <= extra and extra <= FOREIGN_PERSON_WORDS)
            ):
                return [_promoted(hit, top)] + [h for i, h in enumerate(hits) if i != position]
        for position, hit in enumerate(hits[1:], start=1):
            # "cho một người Nhật thuê phòng, khai báo tạm trú": not a variant of "Đăng ký tạm trú" by
            # name, but the foreign person's procedure whose name holds every word the best one matched.
            if hit.score < top.score - FOREIGN_SCORE_GAP:
                break
            name = self.name_words[self.entry_of_code[hit.code]]
            foreign = FOREIGNER_WORDS <= name or FOREIGN_WORDS <= name  # not "… ở nước ngoài" (abroad)
            if foreign and top.matched <= name and not hit.other_matter:
                return [_promoted(hit, top)] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _prefer_correction(self, hits: list[Hit]) -> list[Hit]:
        """A paper the query says is wrong ("giấy kết hôn ghi sai ngày sinh, sửa thế nào") is
        corrected, not issued: among near hits of the best one's field (hộ tịch, đất đai …), the
        procedure whose name corrects ("cải chính", "đính chính", "điều chỉnh", "hiệu đính") is
        ranked above a best one that does not."""
        if len(hits) < 2 or hits[0].by_code or self._corrects(hits[0]) or not hits[0].field:
            return hits
        top = hits[0]
        for position, hit in enumerate(hits[1:], start=1):
            if self._corrects(hit) and hit.field == top.field and hit.score >= top.score - CORRECTION_SCORE_GAP:
                return [_promoted(hit, top)] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _corrects(self, hit: Hit) -> bool:
        return self.correcting[self.entry_of_code[hit.code]]

    def _prefer_stated_age(self, hits: list[Hit], age: int | None) -> list[Hit]:
        """A person's age the query states ("làm căn cước cho con 16 tuổi", "bé 2 tuoi") picks,
        among near names that bound the age ("… dưới 14 tuổi", "… từ đủ 14 tuổi trở lên"), one
        whose bound holds it, ranked just above a best one whose bound excludes it."""
        if age is None or len(hits) < 2 or hits[0].by_code:
            return hits
        top = hits[0]
        bound = self.age_range[self.entry_of_code[top.code]]
        if bound is None or bound[0] <= age < bound[1]:
            return hits
        for position, hit in enumerate(hits[1:], start=1):
            other = self.age_range[self.entry_of_code[hit.code]]
            if other is not None and other[0] <= age < other[1] and hit.score >= top.score - CLARIFY_SCORE_GAP:
                return [_promoted(hit, top)] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _prefer_told_apart(self, hits: list[Hit], said: set[str], said_all: set[str] | None = None) -> list[Hit]:
        """Among procedures the query names almost alike, the one it tells apart is meant, ranked
        just above the best: the query says words of its name the best one lacks and none of the
        best one's own ("ghi vào sổ hộ tịch việc kết hôn …" is the marriage's, not "… việc hộ tịch
        khác"); or, saying no kind of issue, the plain issue of what the best one re-issues ("chứng
        chỉ hành nghề hoạt động xây dựng" is "Cấp mới …", not "Cấp lại …"). A re-issue the query says
        is meant even beside a name (or folk name) it says whole."""
        if len(hits) < 2 or hits[0].extends or hits[0].by_code:
            return hits
        top = hits[0]
        top_name = self.name_words[self.entry_of_code[top.code]]
        top_head = self.head_words[self.entry_of_code[top.code]]
        named_whole = top.recall >= AMBIGUITY_MAX_RECALL
        for position, hit in enumerate(hits[1:], start=1):
            # A re-issue the query says ("giấy đăng ký kết hôn … bị mất …, đăng ký lại") is meant
            # though its mention is shorter than the best one's ("giấy đăng ký kết hôn", a folk name).
            # So is the base name of a best one that only adds words the query does not say ("làm
            # giấy khai sinh cho con" is not "… có yếu tố nước ngoài"), whatever their mentions.
            entry = self.entry_of_code[hit.code]
            name = self.name_words[entry]
            if hit.score >= top.score - CLARIFY_SCORE_GAP and (
                _reissue_said(name, top_name, said)
                or _reissue_said(self.head_words[entry], top_head, said)
                # (words of how people talk count as said here: "nhà ở không thuộc tài sản công")
                # a re-issue whose own words the query does not say is not named whole, whatever its recall
                or _reissue_of(top_name, name, said_all or said)
                or (not named_whole and _adds_unsaid(top_name, name, said_all or said))
            ):
                promoted = (
                    _promoted(hit, top)  # the first issue: the words the query says of both are as much its own
                    if named_whole and _reissue_of(top_name, name, said_all or said)
                    else replace(hit, score=round(top.score + 0.001, 4))
                )
                return [promoted] + [h for i, h in enumerate(hits) if i != position]
        for hit in self._near(hits)[1:]:
            name = self.name_words[self.entry_of_code[hit.code]]
            if not named_whole and (
                self._told_apart(top, name, said)
                or _reissue_of(top_name, name, said)
                or _adds_unsaid(top_name, name, said)
            ):
                position = hits.index(hit)
                promoted = replace(hit, score=round(top.score + 0.001, 4))
                return [promoted] + [h for i, h in enumerate(hits) if i != position]
        for hit in hits[1:]:
            # "giấy chứng nhận hộ kinh doanh bị rách, xin cấp lại": a re-issue the query says, of a paper
            # whose words hold all the best one matched, is meant rather than a name with no re-issue in it.
            name = self.name_words[self.entry_of_code[hit.code]]
            if (
                hit.score >= top.score - CLARIFY_SCORE_GAP
                and (name - top_name) & said & REISSUE_SAID_WORDS
                and not top_name & REISSUE_WORDS
                and top.matched <= hit.matched
                and not hit.other_matter
            ):
                position = hits.index(hit)
                return [_promoted(hit, top)] + [h for i, h in enumerate(hits) if i != position]
        for hit in hits[1:]:
            # "bằng lái xe máy của e mất": the loss the query states is the re-issue that names it
            # ("Cấp lại giấy phép lái xe bị mất"), not the renewal its other words match a little better.
            name = self.name_words[self.entry_of_code[hit.code]]
            stated = (name - top_name) & said & STATE_WORDS
            if (
                stated
                and hit.score >= top.score - CLARIFY_SCORE_GAP
                and not stated & top.said
                and (top_name - name) <= REISSUE_WORDS
                and not (top_name - name) & said
            ):
                position = hits.index(hit)
                promoted = replace(hit, score=round(top.score + 0.001, 4))
                return [promoted] + [h for i, h in enumerate(hits) if i != position]
        return hits

    def _prefer_variants(self, hits: list[Hit], phrases: list[int], said: set[str]) -> list[Hit]:
        """A variant whose name holds the whole of a better-scored name the query says whole
        ("Đăng ký kết hôn" in "Đăng ký kết hôn có yếu tố nước ngoài", "Đổi giấy phép lái xe" in
        "… quân sự do Bộ Quốc phòng cấp") and that explains clearly more of the query is the one
        meant: the query's extra words are the variant's. It is ranked just above that name."""
        if len(hits) < 2:
            return hits
        words = [frozenset(t.folded for t in self.phrase_tokens[p]) for p in phrases]
        names = [self.name_words[self.entry_of_code[h.code]] for h in hits]
        order = list(range(len(hits)))
        promoted: dict[int, Hit] = {}
        for base in range(min(len(hits), MAX_AMBIGUOUS)):
            a = hits[base]
            if a.recall < 0.99 or a.by_code:
                continue
            best = None
            for other in range(base + 1, min(len(hits), MAX_AMBIGUOUS)):
                b = hits[other]
                if (
                    words[base] == names[base]
                    and names[base] < names[other]
                    and words[other] == names[other]
                    and self._said_share(names[other] - names[base], said) >= VARIANT_MIN_EXTRA
                    and b.recall >= VARIANT_MIN_RECALL
                    and b.precision >= a.precision + VARIANT_PRECISION_GAIN
                    and (best is None or b.precision > hits[best].precision)
                ):
                    best = other
            if best is not None and best not in promoted:
                promoted[best] = replace(hits[best], score=round(a.score + 0.001, 4), extends=a.code)
                order.remove(best)
                order.insert(order.index(base), best)
                break  # the best-scored base decides; one promotion per query
        return [promoted.get(i, hits[i]) for i in order]

    def _said_share(self, words: frozenset[str], said: set[str]) -> float:
        total = sum(self.weight[w] for w in words)
        return sum(self.weight[w] for w in words & said) / total if total else 0.0

    def _conversation_flags(self, tokens: list[NormToken]) -> list[bool]:
        """Which tokens are how people talk; typed without diacritics, a word that forms a
        catalogue word pair with its neighbour is content ("co phan" is "cổ phần", not "có")."""
        flags = [_is_conversation(t) for t in tokens]
        keys = [t.folded for t in tokens]
        for i, token in enumerate(tokens):
            if flags[i] and token.text == token.folded:
                nxt = keys[i + 1] if i + 1 < len(keys) else None
                if keys[i] in TALK_ONLY_BEFORE and nxt not in TALK_ONLY_BEFORE[keys[i]]:
                    flags[i] = False  # "nha bao" is "nhà báo": "bao" asks only in "bao nhiêu / lâu / giờ"
                    continue
                # One letter ("o": "ở", "ô") pairs with the word before only as the talk word itself
                # ("đất ở", "nhà ở"): "đăng ký ở đâu" is not "đăng ký ô tô".
                before = (
                    i > 0
                    and (keys[i - 1], keys[i]) in (self.bigram_vocab if len(keys[i]) > 1 else self.talk_word_pairs)
                    and not flags[i - 1]
                )
                after = nxt is not None and (keys[i], nxt) in self.bigram_vocab and not flags[i + 1]
                flags[i] = not (before or after)
        for i in reversed(range(len(tokens))):
            # A closing particle ("nha", "nhe") closes: before a content word it is one ("nhà báo").
            if flags[i] and keys[i] in CLOSING_PARTICLES and tokens[i].text == keys[i] and i + 1 < len(keys):
                flags[i] = flags[i + 1]
        return flags

    def _fix_in_context(self, tokens: list[NormToken]) -> list[NormToken]:
        """A syllable that matches nothing, read as the catalogue syllable a common slip
        stands for when that one forms a name's word pair with its neighbour: "tạm chú"
        (tr/ch) is "tạm trú", "đk ki" "đăng ký", "khai sin" "khai sinh", "kahi sinh"
        "khai sinh", "đảng ký" "đăng ký". A real catalogue word is never changed."""
        keys = [t.folded for t in tokens]
        out = list(tokens)
        for i, token in enumerate(tokens):
            known = (
                token.text in self.accented_vocab if token.text != token.folded else token.folded in self.folded_vocab
            )
            if not token.folded.isalpha() or len(token.folded) < 2:
                continue
            prev = keys[i - 1] if i else None
            nxt = keys[i + 1] if i + 1 < len(keys) else None
            if known and ((prev, token.folded) in self.bigram_vocab or (token.folded, nxt) in self.bigram_vocab):
                continue
            # A catalogue word is read as another only after the word it pairs with
            # ("tạm chú", "thường chu"), by a confused initial (tr/ch, s/x).
            slips = _initial_slips(token.folded) if known else _slips(token.folded)
            for variant in slips:
                if variant in self.folded_vocab and (
                    (prev, variant) in self.bigram_vocab or (not known and (variant, nxt) in self.bigram_vocab)
                ):
                    out[i] = NormToken(variant, variant, token.start, token.end)
                    keys[i] = variant
                    break
        return out

    def _by_code(self, tokens: Sequence[NormToken]) -> Hit | None:
        """The procedure whose official code the query types ("1.004222", "1004222", "DP-KD-04")."""
        for token in tokens:
            key = _code_key(token.text)
            if len(key) >= 6 and any(c.isdigit() for c in key) and key in self.by_code:
                entry = self.entries[self.by_code[key]]
                return Hit(
                    entry.code,
                    entry.name,
                    entry.field,
                    entry.levels,
                    entry.agency,
                    1.0,
                    1.0,
                    1.0,
                    ((token.start, token.end),),
                    frozenset({key}),
                    by_code=True,
                    evidence=1,
                )
        return None

    def _unglue(self, tokens: list[NormToken]) -> list[NormToken]:
        """Words typed glued ("dangkykethon", "khaisinh") split into catalogue syllables,
        and a syllable typed split in two ("kha isinh" aside, "th uong") joined back."""
        out: list[NormToken] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            known = token.folded in self.folded_vocab or token.folded in _CONVERSATION_FOLDED
            if not known and i + 1 < len(tokens):
                joined = token.folded + tokens[i + 1].folded
                if tokens[i + 1].folded not in self.folded_vocab and joined in self.folded_vocab:
                    out.append(NormToken(joined, joined, token.start, tokens[i + 1].end))
                    i += 2
                    continue
            pieces = None if known else (self._split(token.folded) or self._acronym(token))
            if pieces:
                out.extend(NormToken(p, p, token.start, token.end) for p in pieces)
            else:
                out.append(token)
            i += 1
        return out

    def _acronym(self, token: NormToken) -> list[str] | None:
        """The name words an acronym typed stands for ("ctck": "chứng thực chữ ký", "gcnqsdd"):
        the run of three to seven name words with these initials that names use most, when
        clearly the most used (an acronym of several phrases alike is left as typed)."""
        word = token.folded
        if not (ACRONYM_MIN <= len(word) <= ACRONYM_MAX) or not word.isalpha() or token.text != word:
            return None
        if word in vietnamese_syllables():
            return None
        found = self.acronyms.get(word)
        return list(found) if found else None

    def _split(self, word: str) -> list[str] | None:
        """The fewest catalogue syllables (two letters or more) that spell ``word``, if any;
        between as few, the one with most syllable pairs found side by side in names
        ("dang ky ket hon", not "dang ky ke thon")."""
        if not (5 <= len(word) <= 40) or not word.isalpha() or word in vietnamese_syllables():
            return None
        # best[end][last piece] = (pieces, -known pairs, the pieces)
        best: list[dict[str, tuple[int, int, list[str]]]] = [dict() for _ in range(len(word) + 1)]
        best[0][""] = (0, 0, [])
        for end in range(2, len(word) + 1):
            for start in range(max(0, end - self.longest_syllable), end - 1):
                piece = word[start:end]
                if piece not in self.folded_vocab:
                    continue
                for last, (count, pairs, pieces) in best[start].items():
                    known = pairs - ((last, piece) in self.bigram_vocab)
                    candidate = (count + 1, known, pieces + [piece])
                    if piece not in best[end] or candidate[:2] < best[end][piece][:2]:
                        best[end][piece] = candidate
        if not best[len(word)]:
            return None
        _, _, pieces = min(best[len(word)].values(), key=lambda c: c[:2])
        return pieces if len(pieces) >= 2 else None

    def _hit(self, owner, phrase, score, recall, precision, tokens, resolved, qualifiers=(), order=1.0) -> Hit:
        entry = self.entries[owner]
        phrase_syllables = {t.folded for t in self.phrase_tokens[phrase]}
        positions = [i for i, key in enumerate(resolved) if key in phrase_syllables]
        mention = self._mention(positions, resolved)
        spans = tuple((tokens[i].start, tokens[i].end) for i in mention)
        matched = frozenset(resolved[i] for i in mention)
        talks = self._conversation_flags(tokens)
        phrase_text = f" {' '.join(t.folded for t in self.phrase_tokens[phrase])} "
        name_words = self.name_words[owner]
        other_matter = tuple(
            words
            for first, last, words in qualifiers
            if mention
            and (
                (
                    first <= mention[-1] + OTHER_MATTER_REACH
                    and last >= mention[0] - OTHER_MATTER_REACH
                    # joined by how people talk ("tôi là nhà báo, muốn làm hộ chiếu"), it tells who asks
                    and not any(talks[last + 1 : mention[0]])
                    and not any(talks[mention[-1] + 1 : first])
                )
                # or it qualifies words of this name said elsewhere than the mention ("đấu giá biển
                # số xe ô tô, đăng ký ở đâu": the mention is "ô tô … đăng ký", "biển số xe" is qualified)
                or self._qualifies_name_words(first, last, resolved, talks, name_words)
                or words in _OTHER_MATTER_ANYWHERE
            )
            and f" {words} " not in self.name_text[owner]
            and f" {words} " not in phrase_text
        )
        evidence = len({resolved[i] for i in mention if not talks[i]})
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
            evidence=evidence,
            said=frozenset(resolved[i] or "" for i in positions),
            other_matter=other_matter,
            order=round(order, 4),
        )

    @staticmethod
    def _qualifies_name_words(first, last, resolved, talks, name_words: frozenset[str]) -> bool:
        """Whether the word right after a qualifier, or right before it, is a content word of the name."""
        return any(0 <= j < len(resolved) and not talks[j] and resolved[j] in name_words for j in (last + 1, first - 1))

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

    def _ambiguous(self, hits: list[Hit], said: set[str], content_said: set[str] | None = None) -> list[Hit]:
        """The procedures the query cannot tell from the best one. A name that holds the whole
        of the best one's name and adds words the query does not say at all ("Xóa đăng ký
        thường trú", "… có yếu tố nước ngoài", "… (thực hiện tại cấp tỉnh)" beside "Đăng ký
        thường trú" for "thường trú cần gì") is a variant nobody asked for, not a choice; nor is a
        name the query tells apart from the best one by its content words (``content_said``)."""
        if len(hits) < 2 or hits[0].recall >= AMBIGUITY_MAX_RECALL or hits[0].extends:
            return []
        top = hits[0]
        top_name = self.name_words[self.entry_of_code[top.code]]
        content = said if content_said is None else content_said
        near = [
            h
            for h in self._near(hits)
            if not self._unasked_variant(h, top_name, said)
            and not self._told_apart(h, top_name, content)
            and not _reissue_of(self.name_words[self.entry_of_code[h.code]], top_name, content)
            and not _adds_unsaid(self.name_words[self.entry_of_code[h.code]], top_name, content)
        ]
        return near if len(near) >= 2 else []

    def _told_apart(self, hit: Hit, top_name: frozenset[str], said: set[str]) -> bool:
        """Whether the query says a word of the best name that this one lacks, and none of this
        one's own: "bồi thường … cán bộ xã" is the commune's procedure, not the province's."""
        name = self.name_words[self.entry_of_code[hit.code]]
        return bool((top_name - name) & said) and not (name - top_name) & said

    def _unasked_variant(self, hit: Hit, base: frozenset[str], said: set[str]) -> bool:
        name = self.name_words[self.entry_of_code[hit.code]]
        return base < name and not (name - base) & said


@dataclass(frozen=True)
class Thresholds:
    """How sure the search must be before the assistant names a procedure (calibrated on
    tests/catalogue_eval/queries_dev.jsonl by tools/evaluation/catalogue_eval.py)."""

    min_score: float = 0.5
    min_recall: float = 0.45
    min_precision: float = 0.8


@dataclass(frozen=True)
class Decision:
    """What the assistant does with a query: answer one procedure, ask, or say it has none."""

    kind: str  # "answer", "clarify" or "none"
    best: Hit | None = None
    choices: tuple[Hit, ...] = ()  # for "clarify": at most MAX_CHOICES, the preferred first

    @property
    def code(self) -> str | None:
        return self.best.code if self.best and self.kind == "answer" else None


def confident(hit: Hit, thresholds: Thresholds) -> bool:
    """Whether a hit is evidence: enough of the procedure named, little of the query left over.

    One content word that also occurs in names ("đăng ký", "nước ngoài", "bản sao")
    is not a mention: two or more unless that one word is the whole folk name.
    """
    if hit.by_code or (hit.extends and hit.score >= thresholds.min_score):
        return True  # a variant of a name said whole: the base name's evidence and more
    if hit.other_matter or hit.done:
        return False  # "hộ chiếu công vụ": the name said, qualified into what it does not cover
    if hit.evidence < 2 and hit.recall < 0.99:
        return False
    if names_nothing(hit):
        return False
    if (
        hit.precision >= 0.95
        and hit.evidence >= 4
        and hit.recall >= ALL_WORDS_MIN_RECALL
        and hit.score >= thresholds.min_score
    ):
        return True  # the question is all this procedure's words (a long name asked in part)
    # A whole name or folk name inside a longer question is a mention however much else
    # the question says; a part of one must also explain most of the question.
    return (
        hit.score >= thresholds.min_score
        and hit.recall >= thresholds.min_recall
        and (
            hit.precision >= thresholds.min_precision
            or (hit.recall >= 0.99 and hit.order >= WHOLE_NAME_MIN_ORDER)
            or (hit.recall >= NEARLY_WHOLE_NAME and hit.precision >= NEARLY_WHOLE_NAME_PRECISION)
        )
    )


def names_nothing(hit: Hit) -> bool:
    """Whether a hit matched only words of what happened or is done again (CIRCUMSTANCE_WORDS):
    "làm lại có mất", "hết hạn" say no paper, whichever name holds them."""
    words = hit.said or hit.matched
    return not hit.by_code and bool(words) and words <= CIRCUMSTANCE_WORDS


def far_ahead(result: SearchResult, thresholds: Thresholds = Thresholds()) -> bool:
    """Whether the best procedure leads the next by a wide margin, says most of its own name and
    of the query's words, and the query holds no word the catalogue does not know: a long
    question ("tranh chấp đất đai thì nộp đơn ở đâu") dilutes precision with words found in
    other names, but when no other procedure comes near, the question is about this one. A
    word no procedure holds ("kết nạp đảng") may be what the question is really about."""
    best = result.best
    if (
        best is None
        or best.by_code
        or best.evidence < 2
        or result.unexplained
        or names_nothing(best)
        or best.other_matter
        or best.done
    ):
        return False
    second = (
        result.runner_up if result.runner_up is not None else (result.hits[1].score if len(result.hits) > 1 else 0.0)
    )
    return (
        best.score - second >= MARGIN_GAP
        and best.score >= max(MARGIN_MIN_SCORE, thresholds.min_score)
        and best.recall >= max(MARGIN_MIN_RECALL, thresholds.min_recall)
        and (
            best.precision >= MARGIN_MIN_PRECISION
            or (best.recall >= MARGIN_WIDE_RECALL and best.precision >= MARGIN_WIDE_PRECISION)
        )
    )


def decide(result: SearchResult, thresholds: Thresholds = Thresholds()) -> Decision:
    best = result.best
    if best is None or best.mention_span is None or not (confident(best, thresholds) or far_ahead(result, thresholds)):
        return Decision("none", best)
    if result.ambiguous:
        if best.recall < CLARIFY_MIN_RECALL:
            return Decision("none", best)  # a part of several names ("bản sao"): nothing to ask about
        return Decision("clarify", best, tuple(result.ambiguous_with[:MAX_CHOICES]))
    return Decision("answer", best)


def choice_labels(hits: Sequence[Hit], max_length: int = 90) -> list[str]:
    """Button titles that say how the choices differ: the name, shortened at a word,
    with its level when two choices have the same name."""
    names = [_shorten(h.name, max_length) for h in hits]
    return [
        f"{name} ({', '.join(hit.levels).lower()})" if names.count(name) > 1 and hit.levels else name
        for name, hit in zip(names, hits)
    ]


def _shorten(text: str, max_length: int) -> str:
    text = " ".join(text.split()).rstrip(".")
    if len(text) <= max_length:
        return text
    cut = text[: max_length - 1].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + "…"


def _adds_unsaid(name: frozenset[str], base: frozenset[str], said: set[str]) -> bool:
    """Whether ``name`` is ``base`` with more content words, none of which the query says
    ("… đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế …" beside "… đăng ký khai
    sinh, cấp thẻ bảo hiểm y tế …" for a query about the birth and the health card)."""
    name, base = name - NAME_FUNCTION_WORDS, base - NAME_FUNCTION_WORDS
    return base < name and not (name - base) & said


def _reissue_of(name: frozenset[str], base: frozenset[str], said: set[str]) -> bool:
    """Whether ``name`` is ``base`` re-issued ("Cấp lại", "Cấp đổi", "Cấp chuyển đổi", "Gia hạn" …
    beside "Cấp mới …" or "Cấp …") and the query says no word of the re-issue."""
    extra, missing = name - base, base - name
    return bool(extra) and extra <= REISSUE_WORDS and not extra & said and missing <= FIRST_ISSUE_WORDS


def _reissue_said(name: frozenset[str], base: frozenset[str], said: set[str]) -> bool:
    """Whether ``name`` is ``base`` re-issued and the query says so ("cấp lại chứng chỉ hành nghề
    xây dựng": a folk name of the first issue, said whole, does not outrank it)."""
    extra, missing = name - base, base - name
    return bool(extra & said) and extra <= REISSUE_WORDS and missing <= FIRST_ISSUE_WORDS


# A level said after the name ("(thực hiện tại cấp tỉnh)", "(cấp xã)"), folded: the same procedure.
_LEVEL_QUALIFIER = re.compile(r"\s*\(\s*(thuc hien )?(tai )?cap [^)]*\)\s*\.?$")


ACRONYM_MIN, ACRONYM_MAX = 3, 7  # letters of an acronym ("hkd" … "gcnqsdd")
ACRONYM_DOMINANCE = 3  # the phrase read must be used this many times more than the next
ACRONYM_PHRASE_WORDS = 10  # folk names and short official names


def _acronyms(phrases: list[list[NormToken]]) -> dict[str, tuple[str, ...]]:
    """Initials -> the run of name words they most likely stand for, over every name and alias
    ("ctck" -> chung thuc chu ky); kept only when that run is used clearly more than any other."""
    uses: dict[str, Counter] = defaultdict(Counter)
    for tokens in phrases:
        if len(tokens) > ACRONYM_PHRASE_WORDS:
            continue  # a long official name is not what citizens abbreviate
        words = [t.folded for t in tokens if t.folded.isalpha()]
        for length in range(ACRONYM_MIN, ACRONYM_MAX + 1):
            for start in range(len(words) - length + 1):
                run = tuple(words[start : start + length])
                uses["".join(w[0] for w in run)][run] += 1
    out: dict[str, tuple[str, ...]] = {}
    for initials, runs in uses.items():
        ranked = runs.most_common(2)
        if ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] >= ACRONYM_DOMINANCE * ranked[1][1]):
            out[initials] = ranked[0][0]
    return out


# "để" before what a procedure is for ("thôi quốc tịch để nhập quốc tịch nước khác"), folded; not in
# "để lại" (left behind: "di sản bố để lại"). Typed without accents, "de" is also "đề" ("đề nghị", "đề
# xuất", "đề án", "đề tài", "chủ đề") and "đẻ" ("sinh đẻ").
NOT_PURPOSE_AFTER = frozenset({"lai"})
# "làm sao để …", "thế nào để …", "cần gì để …" ask how to do what follows: it is no purpose, folded.
ASKING_BEFORE_PURPOSE = frozenset({"sao", "nao", "gi", "j"})
UNACCENTED_NOT_PURPOSE_AFTER = frozenset({"nghi", "xuat", "an", "tai", "cuong", "muc"})
UNACCENTED_NOT_PURPOSE_BEFORE = frozenset({"sinh", "chu", "van", "tieu"})


def _purpose_clauses(tokens: Sequence[NormToken]) -> list[tuple[int, int]]:
    """The character ranges of the query's purpose clauses: from "để" to the next punctuation mark."""
    clauses: list[tuple[int, int]] = []
    for i, token in enumerate(tokens):
        if token.kind != "word" or token.text not in ("để", "de"):
            continue
        nxt = tokens[i + 1].folded if i + 1 < len(tokens) else None
        prev = tokens[i - 1].folded if i else None
        if (
            nxt in NOT_PURPOSE_AFTER
            or prev in ASKING_BEFORE_PURPOSE
            or (token.text == "de" and (nxt in UNACCENTED_NOT_PURPOSE_AFTER or prev in UNACCENTED_NOT_PURPOSE_BEFORE))
        ):
            continue
        end = next((t.start for t in tokens[i + 1 :] if t.kind == "punct"), None)
        # from the word after "để": a name's own "đê" / "dê" typed without accents stays outside
        clauses.append((token.end, end if end is not None else tokens[-1].end + 1))
    return clauses


def _prefer_before_purpose(hits: list[Hit], clauses: list[tuple[int, int]]) -> list[Hit]:
    """A best procedure named with words of a purpose clause ("xin thôi quốc tịch Việt Nam để nhập quốc
    tịch nước khác": "Nhập quốc tịch …") yields to a near one the query names outside it (two content
    words or more): what a procedure is asked for is not the procedure asked about. The one promoted is
    answered only when it is itself confident; else the assistant says it does not know."""
    if len(hits) < 2 or not clauses or hits[0].by_code:
        return hits
    top = hits[0]

    def in_purpose(hit: Hit) -> bool:
        return any(start <= s < end for s, _ in hit.spans for start, end in clauses)

    if not in_purpose(top):
        return hits
    for position, hit in enumerate(hits[1:], start=1):
        if hit.score < top.score - CLARIFY_SCORE_GAP:
            break
        if hit.spans and not in_purpose(hit) and hit.evidence >= 2:
            return [replace(hit, score=round(top.score + 0.001, 4))] + [h for i, h in enumerate(hits) if i != position]
    return hits


def _promoted(hit: Hit, top: Hit) -> Hit:
    """``hit`` ranked just above ``top``: what the query states (an age, a foreign party) tells
    them apart, and says what ``top`` said of their common words, so it is named as surely."""
    return replace(
        hit,
        score=round(top.score + 0.001, 4),
        recall=max(hit.recall, top.recall),
        precision=max(hit.precision, top.precision),
        evidence=max(hit.evidence, top.evidence),
        order=max(hit.order, top.order),
    )


# A paper stated wrong ("ghi sai", "bị nhầm"), and the names that correct one, folded.
ERROR_WORDS = frozenset({"sai", "nham"})
# "sửa" before a personal detail ("sửa tên đệm", "sửa ngày sinh") asks a correction too; before
# anything else it may be a repair ("sửa nhà"), folded.
CORRECTED_DETAILS = frozenset({"ten", "ho", "ngay", "nam", "que", "gioi", "dan", "thong"})


def _fixes_a_detail(keys: list[str]) -> bool:
    return any(a == "sua" and b in CORRECTED_DETAILS for a, b in zip(keys, keys[1:]))


CORRECTION_PAIRS = frozenset({("cai", "chinh"), ("dinh", "chinh"), ("dieu", "chinh"), ("hieu", "dinh")})
CORRECTION_SCORE_GAP = 0.3


def keys_of(tokens: Sequence[NormToken]) -> list[str]:
    return [t.folded for t in tokens]


def _corrects(name: str) -> bool:
    """Whether a name corrects a paper ("Thay đổi, cải chính …", "Đính chính Giấy chứng nhận …")."""
    words = [t.folded for t in _syllables(name)]
    return any(pair in CORRECTION_PAIRS for pair in zip(words, words[1:]))


# The words that make a name the variant "… có yếu tố nước ngoài", folded.
FOREIGN_WORDS = frozenset({"yeu", "to", "nuoc", "ngoai"})
ABROAD_WORDS = frozenset({"nuoc", "ngoai"})
FOREIGNER_WORDS = frozenset({"nguoi", "nuoc", "ngoai"})
FOREIGN_SCORE_GAP = 0.3  # how far below the best one the foreign person's procedure may score
# The words a name adds to make its base name the foreign person's ("… của người nước ngoài",
# "… cho người nước ngoài", "… có yếu tố nước ngoài"), folded.
FOREIGN_PERSON_WORDS = FOREIGN_WORDS | NAME_FUNCTION_WORDS | frozenset({"co", "nguoi", "hoac", "cho", "doi", "voi"})


def _abroad_said(tokens: Sequence[NormToken]) -> bool:
    """Whether the query says a person or place abroad in words ("người nước ngoài", "ở nước ngoài")."""
    keys = [t.folded for t in tokens]
    return any(
        keys[i : i + 2] == ["nuoc", "ngoai"] and i > 0 and keys[i - 1] in FOREIGN_CUE_BEFORE
        for i in range(len(keys) - 1)
    )


_AGE_BELOW = re.compile(r"\bduoi (\d{1,3}) tuoi\b")
_AGE_FROM = re.compile(r"\b(tu du|tu|du|tren) (\d{1,3}) tuoi\b")
MAX_AGE = 150


def _age_range(name: str) -> tuple[int, int] | None:
    """The ages a name bounds its applicants to, [low, high): "dưới 14 tuổi" (0, 14), "từ đủ 14
    tuổi trở lên" (14, MAX_AGE), "trên 80 tuổi" (81, MAX_AGE); None when it states no age."""
    folded = folded_text(name)
    below = _AGE_BELOW.search(folded)
    if below:
        return 0, int(below.group(1))
    start = _AGE_FROM.search(folded)
    if start:
        low = int(start.group(2))
        return (low + 1 if start.group(1) == "tren" else low), MAX_AGE
    return None


def _stated_age(tokens: Sequence[NormToken]) -> int | None:
    """The age a query states: a number followed by "tuổi" ("16 tuổi", "14t", "2 tuoi")."""
    for token, after in zip(tokens, tokens[1:]):
        if token.folded.isdigit() and after.folded == "tuoi" and int(token.folded) < MAX_AGE:
            return int(token.folded)
    return None


def _code_key(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalnum())


def _is_conversation(token: NormToken) -> bool:
    if token.text != token.folded:
        return token.text in CONVERSATION_WORDS
    return token.folded in _CONVERSATION_FOLDED


def _preference(entry: CatalogueEntry) -> float:
    """Tie-break bonus: the commune's procedure, the one for individuals."""
    levels = {fold(level) for level in entry.levels}
    who = fold(f"{entry.subjects or ''} {entry.name}")
    individual = any(m in who for m in INDIVIDUAL_MARKERS) or not any(m in who for m in ORGANISATION_MARKERS)
    return COMMUNE_BONUS * any(COMMUNE_LEVEL in level for level in levels) + INDIVIDUAL_BONUS * individual


# Slips of typing and of pronunciation, on the folded syllable: (start, replacement).
_INITIAL_SLIPS = (
    ("tr", "ch"),
    ("ch", "tr"),
    ("s", "x"),
    ("x", "s"),
    ("d", "gi"),
    ("gi", "d"),
    ("r", "d"),
    ("l", "n"),
    ("n", "l"),
)
_FINAL_SLIPS = (("i", "y"), ("y", "i"), ("n", "nh"), ("nh", "n"), ("n", "ng"), ("ng", "n"), ("c", "t"), ("t", "c"))


def _initial_slips(word: str) -> list[str]:
    return [new + word[len(old) :] for old, new in _INITIAL_SLIPS[:4] if word.startswith(old)]


def _slips(word: str) -> list[str]:
    """The syllables ``word`` may stand for by one common slip: the same letters with another
    tone (already folded), a confused initial or final, two letters swapped."""
    out = [word]
    out += [new + word[len(old) :] for old, new in _INITIAL_SLIPS if word.startswith(old)]
    out += [word[: -len(old)] + new for old, new in _FINAL_SLIPS if word.endswith(old) and len(word) > len(old)]
    out += [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)]
    return list(dict.fromkeys(out))


_FOREIGN_ELEMENT = ("yếu", "tố")
# Cues that, typed without accents beside "dân tộc", are an ethnic group ("người Tày"), not "người Tây".
ETHNIC_CUES = frozenset({("tay",)})


def _foreign_element(tokens: list[NormToken]) -> list[NormToken]:
    """A foreign person or country ("bạn trai người Hàn Quốc", "Việt kiều", "chồng Nhật")
    stands for the words of the procedures "… có yếu tố nước ngoài"; a country name after no
    word that makes it a person or a place ("Pháp" in "pháp lý" aside) is left as typed."""
    keys = [t.folded for t in tokens]
    ethnic = any(pair == ("dan", "toc") for pair in zip(keys, keys[1:]))
    out: list[NormToken] = []
    found = False
    i = 0
    while i < len(tokens):
        cue = next((c for c in FOREIGN_CUES if tuple(keys[i : i + len(c)]) == c), None)
        if (
            cue
            and (len(cue) > 1 or (i > 0 and keys[i - 1] in FOREIGN_CUE_BEFORE))
            and not (ethnic and cue in ETHNIC_CUES)
        ):
            start, end = tokens[i].start, tokens[i + len(cue) - 1].end
            if not found:
                out.extend(NormToken(w, fold(w), start, end) for w in _FOREIGN_ELEMENT if fold(w) not in keys)
            found = True
            i += len(cue)
            continue
        out.append(tokens[i])
        i += 1
    return out


def _other_matter_said(tokens: Sequence[NormToken]) -> list[tuple[int, int, str]]:
    """Where the query says an other-matter qualifier (core.text.OTHER_MATTER_QUALIFIERS): its
    first and last token and its folded words. Typed with diacritics a word must be the listed
    one; typed without, its folded form, unless the qualifier is listed as accented only."""
    found: list[tuple[int, int, str]] = []
    keys = [t.folded for t in tokens]
    for i in range(len(tokens)):
        for words, folded, accented_only in _OTHER_MATTER_BY_FIRST.get(keys[i], ()):
            window = tokens[i : i + len(words)]
            if tuple(keys[i : i + len(words)]) != folded:
                continue
            unaccented = not accented_only or _beside(keys, i, i + len(words), " ".join(folded))
            if all(t.text == w or (unaccented and t.text == t.folded == f) for t, w, f in zip(window, words, folded)):
                found.append((i, i + len(words) - 1, " ".join(folded)))
    return found


def _beside(keys: list[str], start: int, end: int, qualifier: str) -> bool:
    """Whether the words before ``keys[start:end]`` or after it are ones that only go with the
    accented-only ``qualifier`` (core.text.OTHER_MATTER_UNACCENTED_BESIDE)."""
    for phrase in OTHER_MATTER_UNACCENTED_BESIDE.get(qualifier, ()):
        words = phrase.split()
        if keys[max(start - len(words), 0) : start] == words or keys[end : end + len(words)] == words:
            return True
    return False


def _drop_question_words(tokens: list[NormToken], name_pairs=frozenset({("can", "cuoc")})) -> list[NormToken]:
    """Without how people ask ("giấy tờ", "hồ sơ", "cần", "mất bao lâu"); "can" is kept where it
    begins a name's word pair (``name_pairs``, folded): "căn cước", "cán bộ", "cận nghèo"."""
    keys = [t.folded for t in tokens]
    drop: set[int] = set()
    for phrase in QUESTION_PHRASES:
        for i in range(len(keys) - len(phrase) + 1):
            if tuple(keys[i : i + len(phrase)]) == phrase:
                drop.update(range(i, i + len(phrase)))
    for i, token in enumerate(tokens):
        if token.text in _CAN_NOT_CAN_CUOC and (i + 1 == len(keys) or (keys[i], keys[i + 1]) not in name_pairs):
            drop.add(i)
        if keys[i] == "mat" and token.text in ("mat", "mất") and i + 1 < len(keys) and keys[i + 1] in _MAT_BEFORE:
            # "mất hết bao nhiêu" is a cost, "cháy mất hết rồi" a loss.
            if keys[i + 1] != "het" or (i + 2 < len(keys) and keys[i + 2] in _HET_BEFORE):
                drop.add(i)
        if keys[i] == "het" and token.text in ("het", "hết") and i + 1 < len(keys) and keys[i + 1] in _HET_BEFORE:
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
