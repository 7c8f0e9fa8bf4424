"""Answering the whole question from a procedure record: its procedures, the item asked, the passage that answers.

The use cases behind compound questions, "có cần X không", eligibility, case selection and
any other question about a procedure (actions/compound.py words them; bot/components/aspect_detector.py
finds the procedures of each clause with ``mentions``). Every answer is read from the catalogue
record (services/catalogue.py get_procedure_record), never written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Sequence

from sqlalchemy.orm import Session

from core import circumstances
from core import passages as p
from core.ranking import Thresholds, decide
from core.text import folded_text, normalize
from services.catalogue import catalogue_index, get_procedure, get_procedure_record

# A passage must cover this much of the question's own words to be quoted as its answer.
MIN_PASSAGE_SCORE = 0.5


@dataclass(frozen=True)
class Mention:
    """A procedure named in one clause of the message, with the span of its words."""

    code: str
    name: str
    start: int
    end: int
    clause: tuple[int, int]
    candidates: tuple[str, ...] = ()  # other codes the words could mean ("kết hôn": with a foreigner)
    recall: float = 1.0  # how much of the procedure's name (or folk name) the words say

    def as_dict(self) -> dict[str, Any]:
        """The mention as plain data (the NLU's parse data carries it to the actions)."""
        return {
            "value": self.code,
            "name": self.name,
            "start": self.start,
            "end": self.end,
            "clause": list(self.clause),
            "candidates": list(self.candidates),
            "recall": self.recall,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Optional["Mention"]:
        """The mention of ``as_dict``; None when ``data`` lacks a part of it."""
        try:
            clause = data["clause"]
            return cls(
                str(data["value"]),
                str(data["name"]),
                int(data["start"]),
                int(data["end"]),
                (int(clause[0]), int(clause[1])),
                tuple(str(c) for c in data.get("candidates") or ()),
                float(data.get("recall", 1.0)),
            )
        except (KeyError, TypeError, ValueError, IndexError):
            return None


def mentions(
    session: Session, text: str, thresholds: Thresholds = Thresholds(), asked: Optional[list[p.Cue]] = None
) -> list[Mention]:
    """The procedures named in the message, one per clause at most, in order, without repeats.

    A clause is searched alone ("khai sinh cần gì" | "còn kết hôn bao nhiêu tiền"), with the
    same search and decision as the NLU's entity linker; words that ask a question (a cue of
    core/passages.py: "căn cứ pháp lý") are not a procedure's name. ``asked``: the message's cues
    when the caller has them already (``p.detect_aspects(text)``).
    """
    tokens = _naming_words(text, asked)
    index = catalogue_index(session)
    found: list[Mention] = []
    clauses = p.clauses(text)
    by_clause = [_clause_words(tokens, clause) for clause in clauses]
    for number, (clause, words) in enumerate(zip(clauses, by_clause)):
        if not words:
            continue
        decision = decide(index.search(words, limit=5), thresholds)
        if decision.kind == "none":
            decision = _shared(index, words, by_clause, number, found, thresholds)
        best = decision.best
        if decision.kind == "none" or best is None or best.mention_span is None:
            continue
        again = next((m for m in found if m.code == best.code), None)
        if again is not None:
            if best.recall > again.recall:  # "bố e mất, lm khai tử": the words that name it best stand for it
                start, end = best.mention_span
                found[found.index(again)] = replace(
                    again, start=start, end=end, clause=clause, recall=round(best.recall, 4)
                )
            continue
        others = tuple(h.code for h in decision.choices if h.code != best.code) if decision.kind == "clarify" else ()
        start, end = best.mention_span
        found.append(Mention(best.code, best.name, start, end, clause, others, round(best.recall, 4)))
        # "mất cả căn cước lẫn bằng lái xe": a second name in the clause, said whole, beside the first.
        for side in ([w for w in words if w.end <= start], [w for w in words if w.start >= end]):
            second = _named_whole(index, side, thresholds)
            if second is None or second.mention_span is None:
                continue
            second_start, second_end = second.mention_span
            a, b = sorted([(start, end), (second_start, second_end)])
            between = text[a[1] : b[0]]
            # Joined as two things asked alike ("căn cước lẫn bằng lái", "tạm trú, thường trú"), not one said of
            # the other ("gks của em bị sai tên": the paper the correction is made to).
            joined = _LIST_SEPARATOR.fullmatch(between) or _JOINING.search(folded_text(between))
            if joined and all(m.code != second.code for m in found):
                found.append(
                    Mention(second.code, second.name, second_start, second_end, clause, (), round(second.recall, 4))
                )
    found.sort(key=lambda m: m.start)
    return found


def _shared(index: Any, words: list, by_clause: list[list], number: int, found: list[Mention], thresholds: Thresholds):
    """The procedure a clause names with words another clause says once for both, else the "none" decision:
    "cấp đổi và cấp lại thẻ căn cước" (the object after the next clause's verb), "đăng ký tạm trú với thường
    trú" (the verb before the clause before's object, its procedure's name beginning with it)."""
    none = decide(index.search(words, limit=5), thresholds)
    later = by_clause[number + 1] if number + 1 < len(by_clause) else []
    named_later = decide(index.search(later, limit=5), thresholds).best if len(later) > len(words) else None
    verb = " ".join(t.folded for t in later[: len(words)])
    if named_later and _folded_name(named_later.name).startswith(f"{verb} "):
        # The next clause's procedure is its verb and an object: this clause's verb takes that object.
        thing = _folded_name(named_later.name)[len(verb) + 1 :]
        decision = decide(index.search(words + normalize(thing), limit=5), thresholds)
        own = " ".join(t.folded for t in words)
        if decision.best and _folded_name(decision.best.name) == f"{own} {thing}":
            return decision
    before = by_clause[number - 1] if number else []
    verb = " ".join(t.folded for t in before[: len(before) - len(words)])
    if verb and found and _folded_name(found[-1].name).startswith(verb):
        decision = decide(index.search(before[: len(before) - len(words)] + words, limit=5), thresholds)
        own = " ".join(t.folded for t in words)
        if decision.best and _folded_name(decision.best.name) == f"{verb} {own}":
            return decision
    return none


def _clause_words(tokens: list, clause: tuple[int, int]) -> list:
    """The words of a clause that may name a procedure: not its link word ("còn kết hôn …") nor the words that
    end it ("thuong tru moi cai (phí) bao nhieu")."""
    words = [t for t in tokens if clause[0] <= t.start < clause[1]]
    while words and words[0].folded in p.CLAUSE_WORDS:
        words = words[1:]
    return _without_trailing(words)


def _naming_words(text: str, asked: Optional[list[p.Cue]] = None) -> list:
    """The words of the message that may name a procedure: neither the words that ask nor the item of "có cần X
    không" ("giấy đăng ký kết hôn")."""
    asked = p.detect_aspects(text) if asked is None else asked
    cues = [(c.start, c.end) for c in asked if c.aspect != "need"]
    cues += [_item_span(text, c) for c in asked if c.aspect == "need" and c.text]
    return [t for t in normalize(text or "") if t.kind == "word" and not any(a <= t.start < b for a, b in cues)]


def named_with(session: Session, text: str, before: str, thresholds: Thresholds = Thresholds()) -> Optional[str]:
    """The procedure a message names together with the question before it: "đóng cửa luôn, không bán nữa" after
    "thủ tục hộ kinh doanh", "sai trên gks" after "giấy tờ ghi sai tên con, sửa sao"; the case words its situation
    stands for count too ("ở lâu dài" is a "thường trú"). None unless the search answers one surely, and another
    than the question alone answers: words that add nothing ("giá vàng hôm nay") pick nothing."""
    index = catalogue_index(session)
    asked = _naming_words(before)
    words = asked + _naming_words(text)
    words += [t for words in circumstances.implied_cases(text) for t in normalize(words) if t.kind == "word"]
    picked = decide(index.search(words, limit=5), thresholds).code if words else None
    if picked is None or (asked and decide(index.search(asked, limit=5), thresholds).code == picked):
        return None
    return picked


# A second procedure in one clause is taken only when the words beside the first name it this fully.
SECOND_NAME_RECALL = 0.9


def _named_whole(index: Any, words: list, thresholds: Thresholds) -> Any:
    """The procedure ``words`` name unambiguously and (nearly) whole, else None."""
    words = _without_trailing([w for w in words if w.folded not in p.CLAUSE_WORDS])
    if len(words) < 2:
        return None
    decision = decide(index.search(words, limit=5), thresholds)
    best = decision.best
    if decision.kind != "answer" or best is None or best.mention_span is None or best.recall < SECOND_NAME_RECALL:
        return None
    return best


# A joint procedure's name: the procedures it does in one filing follow ("Liên thông: …", "Liên thông các thủ tục …").
_JOINT = re.compile(r"lien thong(?![\w])")
_SENTENCE_END = re.compile(r"[.?!](?:\s|$)")
# Below this share of a procedure's name said, a mention outside the clauses that ask is not a procedure asked.
WEAK_RECALL = 0.5
# Names listed one after the other ("đk tạm trú, cấp lại cccd, hộ chiếu mới").
_LIST_SEPARATOR = re.compile(r"\s*[,;/&+]\s*")
# Words that join the procedures a message asks about ("khai sinh và kết hôn", "tạm trú với thường trú",
# "…, còn kết hôn …"), folded as core/text.py reads them.
_JOINING = re.compile(r"(?<![\w])(?:va|voi|con|hay|hoac|lan|cung nhu|so voi)(?![\w])")


def asked_procedures(text: str, found: list[Mention]) -> list[Mention]:
    """The procedures the message asks about, of those it names: all of them when it joins them ("khai sinh
    cần gì, còn kết hôn bao nhiêu tiền", "tạm trú với thường trú") or each one's clause asks its own question;
    else one, the citizen's circumstances naming the others ("giấy xác nhận độc thân cấp từ năm ngoái, giờ hết
    hạn rồi xin lại có phải nộp gì không" is no question about "Gia hạn tạm trú"): the procedure of the
    clause that asks, else the one named most fully."""
    if len(found) < 2:
        return found
    # "khai sinh cho bé kèm luôn nhập hộ khẩu và thẻ bảo hiểm y tế": the joint procedure ("Liên thông: đăng ký
    # khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế …") is asked, not each of the procedures it joins.
    joint = [m for m in found if _JOINT.match(folded_text(m.name))]
    found = [
        m
        for m in found
        if m in joint or not any(set(p.content_words(m.name)) <= set(p.content_words(j.name)) for j in joint)
    ]
    if len(found) < 2:
        return found
    asking = {span for span, cues in p.aspects_by_clause(text) if cues}
    # A few words of a long name in a clause that asks nothing ("… hay phải có bố mẹ" read as "bố mẹ cho đất
    # con") are the citizen's story, not a second procedure, beside one named in full.
    named = [m for m in found if m.recall >= WEAK_RECALL or m.clause in asking]
    if named and len(named) < len(found) and any(m.recall >= 0.9 for m in named):
        found = named
        if len(found) < 2:
            return found

    def joined(a: Mention, b: Mention) -> bool:
        if _SENTENCE_END.search(text[a.end : b.start]) and b.clause not in asking:
            # "Ai được làm thủ tục nhận cha cho con? Tôi với mẹ cháu không đăng ký kết hôn.": a sentence that
            # asks nothing after the question tells the citizen's story, whatever words join its people.
            return False
        between = folded_text(text[a.end : b.start])
        # "phí: đk tạm trú, cấp lại cccd, hộ chiếu mới": names listed one after the other are asked alike.
        listed = _LIST_SEPARATOR.fullmatch(text[a.end : b.start]) is not None
        return listed or bool(_JOINING.search(between)) or (a.clause in asking and b.clause in asking)

    if all(joined(a, b) for a, b in zip(found, found[1:])):
        return found
    in_question = [m for m in found if m.clause in asking]
    if len(in_question) == 1:
        return in_question
    # "Thủ tục nhận cha cho con cần gì? Hai vợ chồng tôi chưa đăng ký kết hôn.": the one named in the sentence
    # that asks, the other sentences telling the story.
    in_asking_sentence = [m for m in found if _sentence_asks(text, m.start)]
    if len(in_asking_sentence) == 1:
        return in_asking_sentence
    return [max(found, key=lambda m: m.recall)]


def _sentence_asks(text: str, at: int) -> bool:
    """The sentence of ``text`` around offset ``at`` asks something (a cue of core/passages.py)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    start = max([e for e in ends if e <= at], default=0)
    end = min([e for e in ends if e > at], default=len(text))
    return bool(p.detect_aspects(text[start:end]))


def found_mentions(session: Session, text: str, refs: Optional[list[dict[str, Any]]]) -> list[Mention]:
    """The message's procedures as the NLU's aspect detector found them (``refs``, its parse data's
    ``procedure_refs``, made by ``Mention.as_dict``), so that the answer does not search the catalogue
    for them again; searched here when the parse data does not carry them whole."""
    if refs is not None:
        read = [Mention.from_dict(ref) for ref in refs]
        if all(mention is not None for mention in read):
            return [mention for mention in read if mention is not None]
    return mentions(session, text)


def _without_trailing(words: list) -> list:
    trimmed = True
    while trimmed:
        trimmed = False
        for phrase in p.TRAILING_PHRASES:
            if len(words) > len(phrase) and tuple(w.folded for w in words[-len(phrase) :]) == phrase:
                words, trimmed = words[: -len(phrase)], True
    return words


def _item_span(text: str, cue: p.Cue) -> tuple[int, int]:
    start = text.find(cue.text, cue.start)
    return (start, start + len(cue.text)) if start >= 0 else (cue.start, cue.end)


def record(session: Session, code: str) -> Optional[dict[str, Any]]:
    return get_procedure_record(session, code)


@dataclass
class ItemAnswer:
    """Whether the record asks for the item of "có cần X không", and what it asks for instead."""

    item: str
    documents: list[dict] = field(default_factory=list)  # the record's documents that are the item
    passages: list[p.Passage] = field(default_factory=list)  # other passages that speak of it
    household_book: bool = False  # the sổ hộ khẩu: abolished since 1/1/2023


# Where a record says who must go, and at which age: its steps, conditions and subjects (not its fees).
_WHO_GOES_FIELDS = frozenset({"steps", "conditions", "subjects"})


def needed_item(rec: dict[str, Any], item: str, age: Optional[int] = None) -> ItemAnswer:
    """What the record says of the item of "có cần X không"; ``age``: the age the message states, which picks
    the passages of that age ("Trẻ dưới 6 tuổi: … không thu nhận sinh trắc học")."""
    answer = ItemAnswer(item, household_book=p.asks_household_book(item))
    if p.asks_presence(item) and age is not None:
        # "con 4 tuổi có phải bế cháu lên công an không": the steps and conditions said of that age.
        spans = [(p.age_span(x.text, age), x) for x in p.record_passages(rec) if x.field in _WHO_GOES_FIELDS]
        fitting = [(span, x) for span, x in spans if span is not None]
        # The narrowest range said of that age ("Trẻ dưới 6 tuổi: …", not "Công dân dưới 14 tuổi").
        answer.passages = [x for span, x in fitting if span == min(s for s, _ in fitting)][:2]
        if answer.passages:
            return answer
    if p.asks_photo(item):
        # "có cần ảnh thẻ không": a photo the dossier lists, else the step where the office takes it.
        answer.documents = p.photo_documents(rec.get("documents") or [])
        answer.passages = [] if answer.documents else p.photo_passages(rec)[:2]
        return answer
    if p.asks_consent(item):
        # "có cần bố mẹ đồng ý không", "con nó có phải đồng ý không": the consent the documents ask for, if any.
        answer.documents = p.consent_documents(rec.get("documents") or [], item)
        if answer.documents:
            return answer
    paper = p.is_paper(item)
    # An act ("thi lại") is no document: one shared syllable ("lái" in "giấy phép lái xe") made it one.
    found = p.matching_documents(item, rec.get("documents") or [], ignore=[rec.get("name") or ""]) if paper else []
    answer.documents = sorted(found, key=p.document_rank)  # the paper itself before one case's entry naming it
    if not answer.documents and not paper:
        # An act or a person ("đưa bé đi"): what the record says of it, if anything; someone taken there is read
        # where the record requires presence ("đưa người dưới 14 tuổi đến", "thu nhận vân tay") first.
        answer.passages = p.presence_passages(rec)[:2] if p.asks_presence(item) else []
        if not answer.passages:
            answer.passages = [
                x for x in p.find_passages(rec, item, ignore=[rec.get("name") or ""]) if x.score >= 0.75
            ][:2]
    return answer


@dataclass
class FieldAnswer:
    """The passages of one record field that answer a question (empty: the record does not say)."""

    aspect: str
    field: str
    lines: list[str]


def field_answer(rec: dict[str, Any], aspect: str, question: str = "") -> FieldAnswer:
    """The record's own text for a field question: result, pickup, legal basis, forms, decision, source, eligibility."""
    if aspect == "legal_basis":
        # The law first, then the decrees and circulars under it (the portal lists them in no such order).
        bases = sorted(rec.get("legal_basis") or [], key=p.legal_rank)
        lines = [p.clean(b if isinstance(b, str) else p.legal_text(b)) for b in bases]
        return FieldAnswer(aspect, "legal_basis", [line for line in lines if line])
    if aspect == "forms":
        lines = []
        # The forms themselves ("Tờ khai … (mẫu CT01)") before the other papers that have a template.
        documents = sorted(
            p.ordered_documents(rec.get("documents") or []), key=lambda d: not p.is_form(d.get("name") or "")
        )
        for document in documents:
            name = p.clean(document.get("name"))
            link = document.get("form_url") or document.get("form_name")
            if link or p.is_form(name):
                lines.append(f"{name}: {link}" if link else name)
        return FieldAnswer(aspect, "documents", lines)
    if aspect == "decision":
        return FieldAnswer(aspect, "decision", [rec["decision"]] if rec.get("decision") else [])
    if aspect == "source":
        lines = [rec["source_url"]] if rec.get("source_url") else []
        return FieldAnswer(aspect, "source_url", lines)
    if aspect == "result":
        return FieldAnswer(aspect, "result", [p.clean(rec.get("result"))] if rec.get("result") else [])
    if aspect == "pickup":
        # Where and how the result is handed over: the steps and methods that say so.
        lines = [
            passage.text
            for passage in p.record_passages(rec)
            if passage.field in ("steps", "methods", "result") and p.tells_handover(passage.text)
        ]
        return FieldAnswer(aspect, "steps", lines[:3])
    if aspect == "eligibility":
        lines = [p.clean(rec.get("subjects"))] if rec.get("subjects") else []
        if rec.get("conditions"):
            lines.append(p.clean(rec.get("conditions")))
        return FieldAnswer(aspect, "subjects", lines)
    return FieldAnswer(aspect, "", [])


@dataclass
class Eligibility:
    """Who may do the procedure and on what conditions, and the passages about the citizen's case."""

    subjects: str
    conditions: str
    relevant: list[p.Passage]  # the passages that speak of the words of the question


def eligibility(
    rec: dict[str, Any], question: str, unit: Optional[str] = None, meant: Sequence[str] = ()
) -> Eligibility:
    """``question``: the citizen's own case ("nhà thuê"), without the words that ask; "" for who may in general.
    ``unit``: the unit of a number the question asks ("mấy tháng": "thang"); the passages that state such a
    number ("sau 12 tháng") come first. ``meant``: the records' phrases for the case the citizen told in words of
    their own (core/passages.py meant_phrases: "xin thay cho con" is "ủy quyền"); the passages saying one come
    before those that only share the citizen's words."""
    ignore = [rec.get("name") or "", *(rec.get("aliases") or [])]
    found = p.find_passages(rec, question, ignore=ignore, fields=("subjects", "conditions", "documents"))
    # Two words of the citizen's case said together in a passage ("nhà em hộ nghèo": "người thuộc hộ nghèo")
    # name it, however long the rest of the story.
    pairs = _own_pairs(question, ignore)
    relevant = [x for x in found if x.score >= MIN_PASSAGE_SCORE] + [
        x for x in found if x.score < MIN_PASSAGE_SCORE and pairs & _pairs(p.content_words(x.text))
    ]
    if unit:
        passages = p.record_passages(rec)
        stating = [x for x in passages if x.field in ("subjects", "conditions") and p.states_quantity(x.text, unit)]
        if not stating:
            # A deadline the citizen must keep is often told in the steps ("nộp hồ sơ … trong 03 tháng").
            stating = [x for x in passages if x.field == "steps" and p.states_quantity(x.text, unit)][:1]
    if meant:
        said = [x for x in p.record_passages(rec) if x.field in _CASE_FIELDS]
        # A passage stating the rule ("… không được ủy quyền") before one that only names the thing.
        said.sort(key=lambda x: p.rule_about(x.text, meant) is None)
        saying: list[p.Passage] = []
        for phrase in meant:  # one passage for each phrase first ("chỗ ở thuê …", then "… của chủ sở hữu")
            first = next((x for x in said if p.says_phrase(x.text, phrase) and x not in saying), None)
            if first is not None:
                saying.append(first)
        saying += [x for x in said if x not in saying and any(p.says_phrase(x.text, w) for w in meant)]
        relevant = saying + [x for x in relevant if all(x.text != s.text for s in saying)]
    if unit:
        # A number asked for ("phải làm trước bao nhiêu ngày"): the passages that state one answer it first.
        relevant = stating + [x for x in relevant if all(x.text != s.text for s in stating)]
    relevant = relevant[:3]
    return Eligibility(p.clean(rec.get("subjects")), p.clean(rec.get("conditions")), relevant)


# The fields that say who may do a procedure and in which case.
_CASE_FIELDS = ("subjects", "conditions", "documents", "steps")


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def _own_pairs(question: str, ignore: list[str]) -> set[tuple[str, str]]:
    """Neighbouring words of the question, but those that only name the procedure (both words of its name)."""
    named = {w for phrase in ignore for w in p.content_words(phrase)}
    return {(a, b) for a, b in _pairs(p.content_words(question)) if not (a in named and b in named)}


def best_passages(rec: dict[str, Any], question: str, limit: int = 2) -> list[p.Passage]:
    """The passages that answer a question no other answer covers ("bằng A1 có thời hạn không")."""
    ignore = [rec.get("name") or "", *(rec.get("aliases") or [])]
    return [x for x in p.find_passages(rec, question, ignore=ignore) if x.score >= MIN_PASSAGE_SCORE][:limit]


# The fields a situation told unasked is read against: who may apply, the conditions, the documents and their
# cases ("Tôi 81 tuổi, không có lương hưu"; "Cháu 11 tuổi": "… cho người từ đủ 09 tuổi trở lên").
SITUATION_FIELDS = ("subjects", "conditions", "documents")
# A situation about the procedure in context is quoted from the passage it shares a word with; one that picks
# among the procedures offered must match one as well as a question does, and clearly better than the others.
MIN_SITUATION_SCORE = 0.2
SITUATION_MARGIN = 0.2


def situation_passages(rec: dict[str, Any], text: str, limit: int = 2) -> list[p.Passage]:
    """The passages of the procedure in context that a situation told unasked shares words with."""
    ignore = [rec.get("name") or "", *(rec.get("aliases") or [])]
    found = p.find_passages(rec, text, ignore=ignore, fields=SITUATION_FIELDS)
    if p.stated_age(text) is not None:
        # An age told ("con tôi năm nay 12 tuổi") is read against the passages that set an age, whatever else the
        # few words share by chance ("năm" folded is the "Nam" of "Việt Nam").
        return [x for x in found if "tuoi" in p.content_words(x.text)][:limit]
    return [x for x in found if x.score >= MIN_SITUATION_SCORE][:limit]


def procedure_for_situation(session: Session, codes: list[str], text: str, asked: str = "") -> Optional[str]:
    """Of the procedures offered for the question ``asked``, the one whose subjects, conditions or documents the
    situation told describes ("Tôi 81 tuổi, không có lương hưu" after "xin trợ cấp ở xã": the social allowance,
    not the burial support that also names pensionless old people), its name counting for the question's words;
    None when none does clearly."""
    said = p.content_words(f"{asked} {text}")
    scored = []
    for code in dict.fromkeys(codes):
        rec = record(session, code)
        if rec is not None:
            found = p.find_passages(rec, text, fields=SITUATION_FIELDS)
            named = p.overlap(said, p.content_words(rec.get("name") or ""))
            scored.append(((found[0].score if found else 0.0) + named, code))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < MIN_PASSAGE_SCORE:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < SITUATION_MARGIN:
        return None
    return scored[0][1]


@dataclass
class CaseChoice:
    """The record's documents split by the case the citizen stated ("mẹ mất tại nhà")."""

    always: list[dict]  # documents without a case
    stated: list[dict]  # documents of the case the message describes
    others: list[dict]  # documents of other cases


def documents_for_case(rec: dict[str, Any], text: str, ignore: list[str]) -> CaseChoice:
    """The documents of the case the message states: one its own words describe, or one named by all the words
    its situation stands for ("Hộ chiếu của tôi bị mất": the case "Hộ chiếu bị mất")."""
    ignored = {w for phrase in ignore for w in p.content_words(phrase)}
    query = [w for w in p.content_words(text) if w not in ignored]
    implied = _implied(text)
    return _split_by_case(rec, lambda case: _implies(implied, case) or p.states_case(query, case))


def told_case(rec: dict[str, Any], text: str, ignore: list[str]) -> CaseChoice:
    """The documents of the case a situation told unasked states ("Tôi mua lại của người ta, có hợp đồng mua
    bán rồi"): a case named by all the words the situation stands for (core/circumstances.py: "chuyển
    nhượng"), or by the story's own words among those the record's cases use, so that a long story does not
    drown the two words that name its case."""
    implied = _implied(text)
    case_words = {w for d in rec.get("documents") or [] if d.get("case") for w in p.content_words(d["case"])}
    ignored = {w for phrase in ignore for w in p.content_words(phrase)}
    query = [w for w in dict.fromkeys(p.content_words(text)) if w in case_words and w not in ignored]
    return _split_by_case(rec, lambda case: _implies(implied, case) or p.states_case(query, case))


def _implied(text: str) -> list[list[str]]:
    return [p.content_words(words) for words in circumstances.implied_cases(text)]


# The exception a case makes ("Người đã được cấp hộ chiếu (trừ trường hợp hộ chiếu bị mất)"), folded: its words
# are the case it leaves out, not the case.
_EXCEPT = re.compile(r"\(?\s*(?<![\w])(?:tru|ngoai tru|khong ap dung)(?![\w])[^)]*\)?")


def _implies(implied: list[list[str]], case: str) -> bool:
    """All the words a situation stands for are the case's own, outside what it excepts."""
    have = p.content_words(_EXCEPT.sub(" ", p.fold(case)))
    return any(words and all(w in have for w in words) for words in implied)


def _split_by_case(rec: dict[str, Any], names: Callable[[str], bool]) -> CaseChoice:
    always, stated, others = [], [], []
    for document in rec.get("documents") or []:
        case = document.get("case")
        if not case:
            always.append(document)
        elif names(case):
            stated.append(document)
        else:
            others.append(document)
    return CaseChoice(p.ordered_documents(always), stated, p.ordered_documents(others))


def deciding_cases(rec: dict[str, Any]) -> list[tuple[int, str]]:
    """The cases that decide a record's documents, as (index of the first document of the case, case): those
    to ask the citizen about when the message states none. Empty unless nearly every document depends on the
    case (at most one every case needs) and there are two cases or more ("Đăng ký thường trú": one's own
    home, a rented one, a relative's …); the exceptions of a list most citizens bring whole ("khi ủy quyền")
    are no question."""
    documents = rec.get("documents") or []
    always = [d for d in documents if not d.get("case") or p.is_alternative(d.get("case"))]
    cases: dict[str, int] = {}
    for index, document in enumerate(documents):
        case = p.clean(document.get("case"))
        # A bracketed heading is a note on the list ("(Trường hợp không quy định là bản chính thì …)."), no case.
        if case and not p.is_alternative(case) and not re.fullmatch(r"\([^()]*\)\.?", case):
            cases.setdefault(case, index)
    listed = _listed_cases(rec.get("name") or "")
    named = [case for case in cases if any(phrase in p.fold(case) for phrase in listed)]
    if len(named) >= 2:
        # The name lists the cases its documents are split by ("Đăng ký biến động … (chuyển nhượng, tặng cho,
        # thừa kế)"): they decide, whatever papers every case brings besides.
        return [(cases[case], case) for case in named]
    if len(always) > 1 or len(cases) < 2:
        return []
    first = min(cases, key=lambda case: cases[case])
    if _restates(first, set(p.content_words(rec.get("name") or ""))):
        # The list opens with the procedure's own case ("1. Trường hợp hưởng BHXH một lần" of "Giải quyết hưởng bảo
        # hiểm xã hội một lần"), which most citizens are in; the others ("2. Đối với người lao động là công dân nước
        # ngoài") are its exceptions, no question to ask first.
        return []
    return [(index, case) for case, index in cases.items()]


def _listed_cases(name: str) -> list[str]:
    """The cases a procedure's name lists in brackets ("(chuyển nhượng, tặng cho, thừa kế)"), folded."""
    listed = re.search(r"\(([^()]*,[^()]*)\)\s*$", p.fold(name))
    return [phrase.strip() for phrase in listed.group(1).split(",") if phrase.strip()] if listed else []


_CASE_MARKS = frozenset({"truong", "hop", "doi", "voi"})
# Words of a procedure's name that only say it is handled ("Giải quyết hưởng …"), not what it is about.
_HANDLED = frozenset({"giai", "quyet", "thuc", "hien", "thu", "tuc"})


def _restates(case: str, name: set[str]) -> bool:
    """The case says the procedure's name and nothing else (besides "trường hợp", "đối với", its number and
    "giải quyết"): "Trường hợp hưởng BHXH một lần" of "Giải quyết hưởng bảo hiểm xã hội một lần", not "Đối với cấp
    Giấy chứng nhận" of "Cấp, cấp lại, điều chỉnh Giấy chứng nhận"."""
    words = {w for w in p.content_words(case) if w not in _CASE_MARKS and not w.isdigit()}
    return bool(words) and words <= name and name - words <= _HANDLED


def documents_not_in(rec: dict[str, Any], other: dict[str, Any]) -> list[dict]:
    """The documents of ``rec`` that ``other``'s list does not hold ("có yếu tố nước ngoài": the papers from
    abroad, the choice of nationality), those every case needs first."""
    theirs = [d.get("name") or "" for d in other.get("documents") or []]
    added = [
        d
        for d in p.ordered_documents(rec.get("documents") or [])
        if not any(p.same_paper(d.get("name") or "", t) for t in theirs)
    ]
    # Those that speak of what the names differ by ("nước ngoài") first.
    own = p.strong_words(rec.get("name") or "") - p.strong_words(other.get("name") or "")
    return sorted(added, key=lambda d: not own & p.strong_words(d.get("name") or ""))


def documents_without(rec: dict[str, Any], item: str) -> CaseChoice:
    """The record's documents for a citizen who lacks a paper ("không có giấy báo tử"): ``stated`` are the
    documents that are that paper (their name or case says what replaces it), ``always`` the others
    every case needs, ``others`` the documents of other cases; ``stated`` is empty when the record does
    not ask for that paper."""
    documents = rec.get("documents") or []
    # The paper is named whole ("giấy báo tử" shares "tử" with "Đăng ký khai tử"): its best match only.
    found = p.matching_documents(item, documents, ignore=[rec.get("name") or ""]) or p.matching_documents(
        item, documents
    )
    # The entry that is the paper ("- Giấy chứng sinh; trường hợp không có …") before one case's that names it
    # ("Trường hợp … đã nộp bản điện tử Giấy chứng sinh …").
    stated = sorted(found, key=p.document_rank)[:1]
    always: list[dict] = []
    others: list[dict] = []
    for document in documents:
        if any(document is s for s in stated):
            continue
        (others if document.get("case") else always).append(document)
    return CaseChoice(p.ordered_documents(always), stated, p.ordered_documents(others))


@dataclass(frozen=True)
class Compared:
    code: str
    name: str
    processing_time: str
    days: Optional[float]
    fees: tuple[str, ...]
    documents: int
    amounts: tuple[tuple[str, Optional[int]], ...] = ()  # (channel or "", amount in VND; None: not a number)


def cheaper(compared: list[Compared]) -> Optional[str]:
    """The code of the procedure that costs less in every case the records let compare, "same" when they
    cost the same, None when the records do not decide it (a fee without an amount, or cheaper one way
    and dearer another). Fees of the same submission channel are compared with each other."""
    if len(compared) < 2 or any(not c.amounts or any(a is None for _, a in c.amounts) for c in compared):
        return None
    shared = set.intersection(*({ch for ch, _ in c.amounts if ch} for c in compared))
    groups: list[Optional[str]] = [*sorted(shared)] or [None]
    winners: set[str] = set()
    for channel in groups:
        ranges = [
            (min(costs), max(costs), c.code)
            for c in compared
            for costs in [[int(a or 0) for ch, a in c.amounts if channel is None or ch == channel]]
        ]
        if all(r[:2] == ranges[0][:2] for r in ranges):
            winners.add("same")
            continue
        low = min(ranges)
        if not all(low[1] < r[0] for r in ranges if r is not low):
            return None
        winners.add(low[2])
    if winners == {"same"}:
        return "same"
    winners.discard("same")
    return winners.pop() if len(winners) == 1 else None


def compare(records: list[dict[str, Any]]) -> list[Compared]:
    return [
        Compared(
            r["code"],
            r["name"],
            p.clean(r.get("processing_time")),
            p.days(r.get("processing_time")),
            tuple(p.vietnamese_amounts(p.clean(f.get("text"))) for f in r.get("fees") or []),
            len(r.get("documents") or []),
            tuple((f.get("channel") or "", f.get("amount_vnd")) for f in r.get("fees") or []),
        )
        for r in records
    ]


def variant_for_age(session: Session, code: str, text: str, choices: tuple[dict, ...] = ()) -> Optional[str]:
    """The variant of a procedure for the age the message states ("làm căn cước cho bé 10 tuổi": the card
    for under 14), among the linker's ``choices`` or the catalogue's procedures of the same name head;
    None when no age is stated, the procedure already fits it, or no variant does."""
    age = p.stated_age(text)
    procedure = get_procedure(session, code) if code else None
    if age is None or procedure is None:
        return None
    if choices:
        fitting = [c["code"] for c in choices if p.age_fits(c.get("name") or "", age)]
        return fitting[0] if len(fitting) == 1 else None
    if p.age_fits(procedure.name, age) is not False:
        return None
    head = p.name_head(procedure.name)
    for hit in catalogue_index(session).search(head, limit=10).hits:
        if hit.code != code and p.name_head(hit.name) == head and p.age_fits(hit.name, age):
            return hit.code
    return None


def variant_for_foreign(session: Session, code: str, text: str, choices: tuple[dict, ...] = ()) -> Optional[str]:
    """The variant "có yếu tố nước ngoài" of a procedure when the message says a party is from abroad
    ("chồng tôi là người Hàn Quốc, đăng ký kết hôn": Đăng ký kết hôn có yếu tố nước ngoài), among the
    linker's ``choices`` or the catalogue's procedures; None when no foreign party is stated, the
    procedure already is for that case, or the catalogue holds no such variant."""
    if not p.states_foreign(text):
        return None
    procedure = get_procedure(session, code) if code else None
    if procedure is None:
        return None
    wanted = p.foreign_variant_name(procedure.name)
    if wanted is None:
        return None
    for choice in choices:
        if _folded_name(choice.get("name") or "") == wanted:
            return str(choice["code"])
    for hit in catalogue_index(session).search(wanted, limit=10).hits:
        if hit.code != code and _folded_name(hit.name) == wanted:
            return hit.code
    return None


def reissue_variants(session: Session, code: str) -> list[tuple[str, str, str]]:
    """The procedures that issue again the paper ``code`` issues ("Cấp lại thẻ căn cước", "Cấp đổi thẻ căn
    cước" for any card procedure), as (code, name, verb), ``code`` first; [] when it issues no paper or
    none issues it again."""
    procedure = get_procedure(session, code) if code else None
    own = circumstances.issued_paper(procedure.name) if procedure is not None else None
    if procedure is None or own is None:
        return []
    siblings = []
    for hit in catalogue_index(session).search(own[1], limit=15).hits:
        verb, paper = circumstances.issued_paper(hit.name) or ("", "")
        if hit.code != code and paper == own[1] and verb != circumstances.FIRST_ISSUE:
            siblings.append((hit.code, hit.name, verb))
    return [(code, procedure.name, own[0]), *siblings] if siblings else []


def reissue_for_cause(session: Session, code: str, text: str) -> Optional[str]:
    """The procedure of ``code``'s re-issue family that fits the cause the message states ("thẻ bị mất": Cấp lại
    thẻ căn cước; "thẻ bị rách", "ghi sai ngày sinh": Cấp đổi): a sibling, or ``code`` itself when it fits or
    none does; None when no cause is stated or ``code`` has no such family."""
    cause = circumstances.reissue_cause(text)
    variants = reissue_variants(session, code) if cause else []
    if not variants or not cause:
        return None
    heads = circumstances.CAUSE_HEADS[cause]
    if variants[0][2] in heads:
        return code
    return next((c for c, _, verb in variants[1:] if verb in heads), code)


def variant_for_cause(session: Session, code: str, text: str) -> Optional[str]:
    """The sibling of ``code`` for the cause the message states (reissue_for_cause); None when ``code`` fits."""
    picked = reissue_for_cause(session, code, text)
    return picked if picked != code else None


def register_variants(session: Session, code: str, text: str) -> list[tuple[str, str]]:
    """For a lost birth, marriage or death paper: the copy of the extract (the register kept) and the
    re-registration of the event (the register lost too), as [(code, name), (code, name)], when ``code`` is of
    that event's matter (its registration, re-registration or copy; the event from its name, else the message's);
    [] for any other procedure or when the catalogue lacks either."""
    procedure = get_procedure(session, code) if code else None
    if procedure is None:
        return []
    name = _folded_name(procedure.name)
    event = circumstances.civil_event(procedure.name) or ("trich luc" in name and circumstances.civil_event(text))
    if not event or not (name.startswith("dang ky") or "trich luc" in name):
        return []
    found = []
    # Searched by the words of their names (folded), each hit checked to be that procedure.
    for query, words in (("cap ban sao trich luc ho tich", "ban sao trich luc"), (f"dang ky lai {event}", None)):
        hit = decide(catalogue_index(session).search(query, limit=5)).best
        if hit is None or (words or query) not in _folded_name(hit.name):
            return []
        found.append((hit.code, hit.name))
    return found


def register_for(session: Session, code: str, text: str, lost_told: bool = False) -> Optional[str]:
    """The copy of the extract or the re-registration, by what the message says of the register, for a paper of
    ``code``'s matter the message says is lost (or ``lost_told`` before); None when it says nothing of either."""
    state = circumstances.register_state(text)
    if state is None or not (lost_told or circumstances.reissue_cause(text) == circumstances.LOST):
        return None
    variants = register_variants(session, code, text)
    if not variants:
        return None
    return variants[0][0] if state == circumstances.KEPT else variants[1][0]


def variant_for_register(session: Session, code: str, text: str) -> Optional[str]:
    """The procedure for a lost civil-status paper other than ``code`` (register_for); None when ``code`` fits."""
    picked = register_for(session, code, text)
    return picked if picked != code else None


def _folded_name(name: str) -> str:
    return p.fold(name or "").strip()


def age_variants(session: Session, code: str) -> list[tuple[str, str]]:
    """The procedures split by age that this one belongs to (itself first): the catalogue's procedures of
    the same name head whose names carry an age bound ("Cấp thẻ căn cước cho người dưới 14 tuổi" and
    "… từ đủ 14 tuổi trở lên"); empty when its name carries none or it has no such sibling."""
    procedure = get_procedure(session, code) if code else None
    if procedure is None or p.age_fits(procedure.name, 0) is None:
        return []
    head = p.name_head(procedure.name)
    variants = [(procedure.code, procedure.name)]
    for hit in catalogue_index(session).search(head, limit=10).hits:
        if hit.code != code and p.name_head(hit.name) == head and p.age_fits(hit.name, 0) is not None:
            variants.append((hit.code, hit.name))
    return variants if len(variants) > 1 else []
