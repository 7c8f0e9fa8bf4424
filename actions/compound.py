"""Answers the whole question: several aspects or procedures, comparisons, "có cần X không", eligibility, any field.

Called first by action_answer_procedure (actions/procedure_info.py): it returns the events
when it answered, or None to leave the message to the one-aspect answer. What the message
asks comes from core/passages.py (aspects with spans, clauses, the item of "có cần X không");
the procedures of each clause and the record's passages from services/answering.py. Every
fact is the catalogue record's own text; when the record does not say, the reply says so
and who does.

Which procedure: the one named in the clause, else the one before it, else the
conversation's (``procedure_code``). Words that ask a question ("căn cứ pháp lý",
"lấy kết quả ở đâu") or name the item of "có cần X không" ("giấy đăng ký kết hôn")
never switch the procedure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    BODIES,
    answer_reply,
    document_digest,
    document_line,
    fee_line,
    next_question_buttons,
    render_answer,
    step_digest,
)
from core.passages import vietnamese_amounts
from actions.store_unavailable import StoreCall
from core import circumstances
from core import passages as p
from core import wording as m
from procedures_db.db import session_scope
from services import answering
from services.catalogue import get_procedure

# The lines of one reply on a phone (core/passages.py phone_lines), about one screen, however many
# questions it answers. The rest is behind a "Xem đầy đủ" button.
MAX_REPLY_LINES = 12
# A quoted passage keeps about three phone lines in the short answer.
PASSAGE_CHARS = 3 * p.PHONE_LINE_CHARS
ANSWERED_HERE = (*p.ASPECT_INTENT, *p.FIELD_ASPECTS)
DEFAULT = "ask_procedure_info"
# The parse data's procedures of each clause (bot/components/aspect_detector.py).
PROCEDURE_REFS = "procedure_refs"
# A message that asks something ("… không", "… gì", "… nào", "?") rather than names a procedure.
_QUESTION = re.compile(r"\?|(?<![\w])(?:khong|ko|gi|nao|sao|chua|khi nao|bao gio)(?![\w])")


@dataclass
class Section:
    code: str
    aspect: str
    item: str = ""  # the item of a "need" section ("bản chính giấy chứng nhận kết hôn")


@dataclass
class Plan:
    kind: str  # "sections", "compare", "need", "eligibility", "field", "case", "lacking", "passage"
    sections: list[Section] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    item: str = ""
    dimension: str = ""


def _entity(tracker: Tracker, name: str) -> Optional[Dict[str, Any]]:
    found = [e for e in tracker.latest_message.get("entities", []) if e.get("entity") == name]
    return found[-1] if found else None


def plan(
    text: str,
    cues: list[p.Cue],
    mentions: list[answering.Mention],
    context: Optional[str],
    linked: Optional[Dict[str, Any]] = None,
    general: bool = False,
    intent_aspect: Optional[str] = None,
) -> Optional[Plan]:
    """What to answer, or None when the one-aspect answer serves the message as it is.

    ``general``: the intent asked no particular aspect (an overview, a bare name), so one aspect
    the message does ask ("sao lâu vậy") is answered. ``intent_aspect``: the aspect of the message's
    intent (core/passages.py INTENT_ASPECT), asked of each procedure when the message's words ask none.
    """
    need = next((c for c in cues if c.aspect == "need"), None)
    if need and context:
        # "có cần mang giấy đăng ký kết hôn không": the item is not a procedure to switch to.
        mentions = [x for x in mentions if not (need.start <= x.start and x.end <= need.end)]
        if linked and linked.get("candidates") and _within(linked, need):
            linked = None  # nor a list of procedures to choose from ("có cần sổ hộ khẩu không")
    codes = list(dict.fromkeys(x.code for x in mentions))
    if not codes and linked and linked.get("value") and not linked.get("candidates") and not _asks(linked, cues):
        # The clause search found no name among the citizen's many words; the linker did, outside the question.
        codes = [str(linked["value"])]
    dimension = p.comparison(text)
    if dimension and len(codes) >= 2:
        return Plan("compare", codes=codes, dimension=dimension)
    asked = [c for c in cues if c.aspect in ANSWERED_HERE]
    if len(codes) >= 2 and asked:
        return Plan("sections", sections=_by_clause(text, mentions, context))
    if len(codes) >= 2 and not need and intent_aspect in ANSWERED_HERE:
        # "lm khai tử vs xóa hộ khẩu cho bố ntn": the question the classifier read, for each procedure.
        return Plan("sections", sections=[Section(c, intent_aspect) for c in codes])
    code = codes[0] if codes else context
    doing = _done(text, need, mentions, linked) if need and not asked else None
    if doing and doing == (context or doing) and len(codes) <= 1:
        # "có phải khai báo tạm vắng không", "có cần xin giấy phép xây dựng không": whether the citizen must
        # do the procedure, which its subjects and conditions say; not a paper of its dossier.
        return Plan("eligibility", codes=[doing])
    if linked and linked.get("candidates") and not codes:
        return None  # the linker's ambiguous mention is asked back first (action_answer_procedure)
    if not code:
        return None
    if need and not asked:
        return Plan("need", codes=[code], item=need.text)
    if need and not doing:
        # "có cần mang bản chính … không, và phí bao nhiêu": the item and each other question, in the order asked.
        ordered = sorted([need, *asked], key=lambda c: c.start)
        return Plan("sections", sections=[Section(code, c.aspect, c.text) for c in ordered])
    lacked = p.lacked_item(text)
    if lacked and not need and all(c.aspect in ("documents", "steps", "info") for c in asked):
        # "không có giấy báo tử thì làm khai tử thế nào": the documents of that case first.
        return Plan("lacking", codes=[code], item=lacked)
    if len(asked) >= 2:
        return Plan("sections", sections=[Section(code, c.aspect) for c in asked])
    if len(asked) == 1:
        aspect = asked[0].aspect
        if aspect == "eligibility":
            return Plan("eligibility", codes=[code])
        if aspect in p.FIELD_ASPECTS:
            return Plan("field", codes=[code], dimension=aspect)
        context_stays = bool(linked and linked.get("value") != code or general)
        if aspect == "documents":
            # The documents of the case the message states, if it states one; else, when the context stays,
            # its documents card here (otherwise the one-aspect answer, which asks back an ambiguous name).
            return Plan("case", codes=[code], dimension="card" if context_stays else "")
        if context_stays:
            # The linker read a procedure into the question's own words ("sao lâu vậy"): the context stays.
            return Plan("sections", sections=[Section(code, aspect)])
    if not asked and not need and general and _QUESTION.search(p.fold(text)):
        return Plan("passage", codes=[code])  # "bằng A1 có thời hạn không": the record's passage, if one answers
    return None


def _mentions(session, tracker: Tracker, text: str) -> list[answering.Mention]:
    """The procedures of each clause, as the NLU's aspect detector found them (searched again only
    when the parse data lacks them)."""
    return answering.found_mentions(session, text, tracker.latest_message.get(PROCEDURE_REFS))


def _done(text: str, need: p.Cue, mentions: list[answering.Mention], linked: Optional[Dict[str, Any]]) -> Optional[str]:
    """The procedure the item of "có cần/có phải X không" names when X is an act (p.asks_to_do), else None."""
    if not p.asks_to_do(text, need):
        return None
    inside = [x.code for x in mentions if need.start <= x.start and x.end <= need.end]
    if inside:
        return inside[0]
    if linked and linked.get("value") and not linked.get("candidates") and _within(linked, need):
        return str(linked["value"])
    # "xây nhà ở nông thôn thì có phải xin giấy phép xây dựng không": the item is the name of the procedure the
    # message names elsewhere ("nhà ở" read as "Cấp giấy phép xây dựng nhà ở riêng lẻ").
    said = p.strong_words(need.text)
    # Two words of the name at least: "thi lại" is no name ("lại" of "Cấp lại giấy phép lái xe").
    return next((x.code for x in mentions if len(said) >= 2 and said <= set(p.content_words(x.name))), None)


def _asks(entity: Dict[str, Any], cues: list[p.Cue]) -> bool:
    """The linked words are (partly) words that ask ("căn cứ pháp lý" read as "lý lịch tư pháp")."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return True
    return any(c.start < end and start < c.end for c in cues if c.aspect != "need") or any(
        _within(entity, c) for c in cues if c.aspect == "need"
    )


def _within(entity: Dict[str, Any], cue: p.Cue) -> bool:
    start, end = entity.get("start"), entity.get("end")
    return isinstance(start, int) and isinstance(end, int) and cue.start <= start and end <= cue.end


def _by_clause(text: str, mentions: list[answering.Mention], context: Optional[str]) -> list[Section]:
    """One section per (procedure, aspect) in the order asked; a clause without a procedure takes
    the previous one's, a clause without a question takes the next one's ("khai sinh và kết hôn cần gì")."""
    groups: list[tuple[list[str], list[str]]] = []
    for span, clause_cues in p.aspects_by_clause(text):
        # Two names in one clause ("mất cả căn cước lẫn bằng lái xe") are both asked what it asks.
        codes = list(dict.fromkeys(x.code for x in mentions if span[0] <= x.start < span[1]))
        aspects = [c.aspect for c in clause_cues if c.aspect in ANSWERED_HERE]
        groups.append((codes, aspects))
    sections: list[Section] = []
    current = [context] if context else []
    for index, (codes, aspects) in enumerate(groups):
        current = codes or current
        if not aspects:
            later = next((a for c, a in groups[index + 1 :] if a), None)
            earlier = next((a for c, a in reversed(groups[:index]) if a), None)
            aspects = later or earlier or []
            if not codes:
                continue  # a clause with neither names nothing new
        for code in current:
            for aspect in aspects:
                if not any(s.code == code and s.aspect == aspect for s in sections):
                    sections.append(Section(code, aspect))
    return sections


def answer_whole_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, pending: Optional[str] = None
) -> Optional[List[Dict[Text, Any]]]:
    """The events when this message was answered here, None to leave it to the one-aspect answer."""
    text = tracker.latest_message.get("text") or ""
    context = tracker.get_slot("procedure_code")
    linked = _entity(tracker, "procedure")
    channel = tracker.get_latest_input_channel()
    if text.startswith("/"):
        detail = _entity(tracker, "detail")
        if not (detail and linked):
            return None
        return _in_full(dispatcher, tracker, linked["value"], str(detail.get("value")))
    cues = p.detect_aspects(text)
    own = linked if linked and _names_its_own(cues, linked, context) else None
    for ask_variant in (_ask_age, _ask_cause, _ask_register):
        asked = ask_variant(dispatcher, tracker, text, own)
        if asked is not None:
            return asked
    if pending in p.FIELD_ASPECTS and linked and not linked.get("candidates"):
        cues = [p.Cue(pending, 0, 0)] + cues  # "căn cứ pháp lý?" "của khai sinh": the question waited
    # A circumstance that picks the variant: an age ("bé 10 tuổi"), a party from abroad ("chồng người Hàn"),
    # why a paper is issued again ("thẻ bị rách").
    circumstance = (
        p.stated_age(text) is not None or p.states_foreign(text) or circumstances.reissue_cause(text) is not None
    )
    # Several procedures named ("làm khai tử với xóa hộ khẩu thế nào"): each gets the question the intent asks.
    several = len(tracker.latest_message.get(PROCEDURE_REFS) or []) >= 2
    if not cues and not circumstance and not several and p.lacked_item(text) is None:
        return None
    answerable = [c for c in cues if c.aspect in ANSWERED_HERE or c.aspect in ("need", "compare")]
    if (
        not circumstance
        and not (context or linked)
        and not several  # "trợ cấp thất nghiệp với bảo hiểm xã hội một lần, nộp ở đâu": each one's answer
        and len(answerable) < 2
        and not any(c.aspect in (*p.FIELD_ASPECTS, "compare") for c in cues)
    ):
        return None  # one plain question and no procedure yet: the one-aspect answer asks which
    replies: list[tuple[str, list[dict]]] = []
    chosen: Optional[str] = None
    with StoreCall(dispatcher, "catalogue, answering the whole question") as call:
        with session_scope() as session:
            # The procedures asked about: those the message names, less the ones that only tell the citizen's case.
            found = answering.asked_procedures(text, _mentions(session, tracker, text))
            intent = tracker.get_intent_of_latest_message() or ""
            general = intent in ("ask_procedure_info", "inform")
            # Two people of two ages ("tôi 16 tuổi, em trai 12 tuổi"): the variant of each, answered side by side.
            each_age = _for_each_age(session, text, found, linked, context)
            variant = _variant(session, text, found, linked, context) if circumstance and not each_age else None
            base = (linked or {}).get("value") or context
            if variant:
                # "làm căn cước cho bé 10 tuổi", "chồng tôi người Hàn Quốc, đăng ký kết hôn": the procedure
                # for that age or that foreign party, whatever the words named.
                found = [answering.Mention(code, "", 0, 0, (0, len(text))) for code in _compared(text, found, base)]
                found.append(answering.Mention(variant, "", 0, 0, (0, len(text))))
                linked, context = None, variant
            what = plan(text, cues, found, context, linked, general, p.INTENT_ASPECT.get(intent))
            if each_age:
                aspects = [c.aspect for c in cues if c.aspect in p.ASPECT_INTENT] or ["documents"]
                what = Plan("sections", sections=[Section(code, aspect) for code in each_age for aspect in aspects])
            # "À, chồng tôi là người Hàn Quốc. Vậy hồ sơ có khác gì không?": what the variant's list adds.
            different = (
                _difference(session, variant, str(base))
                if variant and base and base != variant and p.asks_difference(text)
                else None
            )
            # The citizen's own words, without those that name the procedure ("nhập hộ khẩu"): their case.
            case_text = _without_names(text, found, linked)
            if different:
                replies, chosen = [different], variant
            elif variant:
                replies, chosen = _render(session, what, text, channel, case_text) if what else ([], None)
                procedure = get_procedure(session, variant)
                if not replies and procedure is not None:  # the variant's answer to the question asked
                    # "Cháu 5 tuổi" typed back: the question that waited for the age.
                    # A circumstance told after an answer ("bé sinh bên Đài Loan" after "khai sinh cần gì"): the
                    # variant's answer to the question asked before.
                    before = _previous_intent(tracker)
                    aspect = next((x for x in (intent, pending, before) if x in BODIES), DEFAULT)
                    replies, chosen = [answer_reply(procedure, aspect, channel)], variant
            elif what is not None:
                replies, chosen = _render(session, what, text, channel, case_text)
            elif pending in p.FIELD_ASPECTS:
                return None
            else:
                only_field = [c.aspect for c in cues if c.aspect in p.FIELD_ASPECTS and c.aspect != "eligibility"]
                if only_field and not (found or context):
                    dispatcher.utter_message(text=m.ASK_WHICH_FOR.format(what=m.FIELD_WHAT[only_field[0]]))
                    return [SlotSet("pending_question", only_field[0])]
                return None
    if call.failed:
        return []
    if not replies:
        return None
    for reply, buttons in replies:
        dispatcher.utter_message(text=reply, buttons=buttons)
    return [SlotSet("procedure_code", chosen), SlotSet("pending_question", None)] if chosen else []


def _ask_age(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, linked: Optional[Dict[str, Any]]
) -> Optional[List[Dict[Text, Any]]]:
    """ "Tôi muốn làm căn cước": the procedure ``linked`` (the message's own: _names_its_own) is split by age
    and the message does not say for whom, so one short question with a button per age; None when the case
    is stated or does not matter."""
    if not linked:
        return None
    if p.stated_age(text) is not None or p.states_whom(text) or p.states_foreign(text):
        return None
    if circumstances.reissue_cause(text) is not None:
        return None  # "căn cước ghi sai ngày sinh": a card held already, exchanged whatever the age
    variants: list[tuple[str, str]] = []
    with StoreCall(dispatcher, "catalogue, the variants by age") as call:
        with session_scope() as session:
            variants = answering.age_variants(session, str(linked["value"]))
            # Most procedures have none: the message's procedures are searched only for those that do.
            if variants and len(_mentions(session, tracker, text)) > 1:
                variants = []
    if call.failed:
        return []
    if not variants:
        return None
    # A typed answer ("bé 8 tuổi") picks the variant from the procedure in context.
    return _ask_variant(dispatcher, tracker, m.ASK_AGE_VARIANT, variants, str(linked["value"]))


def _names_its_own(cues: list[p.Cue], linked: Dict[str, Any], context: Optional[str]) -> bool:
    """The message links one procedure of its own: not the one in context, nor a paper to bring for it ("Có cần
    mang theo thẻ căn cước không?" about a passport), so its variants may be asked about."""
    if linked.get("candidates") or linked.get("value") == context:
        return False
    return not (context and any(c.aspect == "need" and _within(linked, c) for c in cues))


def _ask_variant(
    dispatcher: CollectingDispatcher, tracker: Tracker, question: str, variants: list[tuple[str, str]], code: str
) -> List[Dict[Text, Any]]:
    """One short question, a button per variant answering the message's question; ``code`` stays in context
    with that question waiting, for the answer typed back."""
    intent = tracker.get_intent_of_latest_message() or ""
    aspect = intent if intent in BODIES else DEFAULT
    buttons = [{"title": name, "payload": f'/{aspect}{{"procedure": "{v}"}}'} for v, name in variants[:MAX_CASES]]
    dispatcher.utter_message(text=question, buttons=buttons)
    return [SlotSet("procedure_code", code), SlotSet("pending_question", aspect)]


def _ask_cause(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, linked: Optional[Dict[str, Any]]
) -> Optional[List[Dict[Text, Any]]]:
    """ "Tôi muốn làm lại thẻ căn cước": a lost card is re-issued (cấp lại), a torn or expired one exchanged
    (cấp đổi), and the message does not say which, so one short question with a button per procedure; None
    when the cause is stated, the procedure is named by its own verb ("cấp lại"), or it has no such sibling."""
    if not linked:
        return None
    if not circumstances.asks_again(text) or circumstances.reissue_cause(text) is not None:
        return None
    variants: list[tuple[str, str, str]] = []
    with StoreCall(dispatcher, "catalogue, the variants by cause") as call:
        with session_scope() as session:
            variants = answering.reissue_variants(session, str(linked["value"]))
    if call.failed:
        return []
    again = [(code, name) for code, name, verb in variants if verb != circumstances.FIRST_ISSUE]
    verbs = {verb for _, _, verb in variants}
    if not all(verbs & set(heads) for heads in circumstances.CAUSE_HEADS.values()):
        return None
    # A typed answer ("thẻ bị mất rồi") picks the procedure from the one in context (answer_to_our_question).
    return _ask_variant(dispatcher, tracker, m.ASK_REISSUE_CAUSE, again, str(linked["value"]))


def _ask_register(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, linked: Optional[Dict[str, Any]]
) -> Optional[List[Dict[Text, Any]]]:
    """ "Muốn xin lại giấy khai sinh thì làm thế nào": a lost birth, marriage or death paper is copied from the
    register while the commune keeps it, registered again when the register is lost too, and the message does
    not say which, so one short question with a button per procedure; None when it says, or asks no such
    thing."""
    if not linked or not (circumstances.asks_again(text) or circumstances.reissue_cause(text) == circumstances.LOST):
        return None
    if circumstances.register_state(text) is not None:
        return None
    if any(cue.aspect == "eligibility" for cue in p.detect_aspects(text)):
        return None  # "… có làm đăng ký lại khai sinh được không": who may, which the record's subjects say
    variants: list[tuple[str, str]] = []
    with StoreCall(dispatcher, "catalogue, the variants by register") as call:
        with session_scope() as session:
            variants = answering.register_variants(session, str(linked["value"]), text)
    if call.failed:
        return []
    if not variants:
        return None
    # A typed answer ("ở xã vẫn còn sổ") picks the procedure from the one in context (answer_to_our_question).
    return _ask_variant(dispatcher, tracker, m.ASK_REGISTER, variants, str(linked["value"]))


def _variant(
    session, text: str, found: list[answering.Mention], linked: Optional[Dict[str, Any]], context: Optional[str]
) -> Optional[str]:
    """The variant for the age or the foreign party the message states, of the one procedure it names
    (or the conversation's)."""
    if len(found) > 1:
        return None
    if linked and linked.get("candidates"):
        choices = tuple({"code": c["code"], "name": c["name"]} for c in linked["candidates"])
        return answering.variant_for_age(session, linked["value"], text, choices) or answering.variant_for_foreign(
            session, linked["value"], text, choices
        )
    code = found[0].code if found else (linked or {}).get("value") or context
    if not code:
        return None
    return (
        answering.variant_for_age(session, code, text)
        or answering.variant_for_foreign(session, code, text)
        or answering.variant_for_cause(session, code, text)
        or answering.variant_for_register(session, code, text)
    )


def _for_each_age(
    session, text: str, found: list[answering.Mention], linked: Optional[Dict[str, Any]], context: Optional[str]
) -> list[str]:
    """The procedure for each of two or more ages the message states, when the one it names (or the
    conversation's) is split by age and they differ ("căn cước: tôi 16 tuổi, em trai 12 tuổi"); else []."""
    ages = p.stated_ages(text)
    code = found[0].code if len(found) == 1 else None if found else (linked or {}).get("value") or context
    if len(ages) < 2 or not code or (linked or {}).get("candidates"):
        return []
    procedure = get_procedure(session, str(code))
    if procedure is None:
        return []
    codes = []
    for age in ages:
        fitting = answering.variant_for_age(session, str(code), f"{age} tuoi")
        if fitting is None and p.age_fits(procedure.name, age) is not False:
            fitting = str(code)
        if fitting is None:
            return []
        codes.append(fitting)
    codes = list(dict.fromkeys(codes))
    return codes if len(codes) >= 2 else []


def _compared(text: str, found: list[answering.Mention], base: Any) -> list[str]:
    """The plain procedure a comparison sets beside its variant ("đkkh bình thường vs đkkh với người nước ngoài
    cái nào lâu hơn": both are named by one name), else none."""
    plain = found[0].code if found else base
    return [str(plain)] if plain and p.comparison(text) else []


def _in_full(dispatcher: CollectingDispatcher, tracker: Tracker, code: str, detail: str) -> List[Dict[Text, Any]]:
    """ "Xem đầy đủ": the answer that was cut for the phone, whole."""
    intent = tracker.get_intent_of_latest_message() or ""
    reply: Optional[tuple[str, list[dict]]] = None
    with StoreCall(dispatcher, "catalogue, answering in full") as call:
        with session_scope() as session:
            procedure = get_procedure(session, code)
            record = answering.record(session, code)
            if procedure is not None and record is not None:
                if detail == "full" and intent in BODIES:
                    reply = render_answer(procedure, intent, full=True), next_question_buttons(code, intent)
                elif detail == "eligibility":
                    reply = _eligibility(record, "", full=True)
                elif detail.startswith(CASE_DETAIL) and detail[len(CASE_DETAIL) :].isdigit():
                    # A button of the case question: that case's documents.
                    documents = record.get("documents") or []
                    index = int(detail[len(CASE_DETAIL) :])
                    case = p.clean(documents[index].get("case")) if index < len(documents) else ""
                    reply = _case(record, case) if case else None
                elif detail in p.FIELD_ASPECTS:
                    reply = _field(record, detail, full=True)
    if call.failed:
        return []
    if reply is None:
        dispatcher.utter_message(response="utter_ask_which_procedure")
        return []
    dispatcher.utter_message(text=reply[0], buttons=reply[1])
    return [SlotSet("procedure_code", code), SlotSet("pending_question", None)]


def _full_button(code: str, aspect: str) -> dict:
    return {"title": m.FULL_BUTTON, "payload": f'/ask_procedure_info{{"procedure": "{code}", "detail": "{aspect}"}}'}


def _phone(lines: list[str], budget: int = MAX_REPLY_LINES) -> tuple[list[str], bool]:
    """The lines a phone shows in ``budget`` lines: the first (the direct answer) whole, long passages
    shortened, a "more" line when some are left out; and whether anything was cut."""
    head, rest = lines[:1], lines[1:]
    room = budget - sum(p.phone_lines(line) for line in head)
    kept, left = p.fit(rest, room, max_line_chars=PASSAGE_CHARS + p.PHONE_LINE_CHARS)
    if left:
        kept, left = p.fit(rest, room, max_line_chars=PASSAGE_CHARS)
    if left:
        kept, left = p.fit(rest, room - 1, max_line_chars=PASSAGE_CHARS)
        kept.append(m.MORE_LINES.format(count=left))
    return head + kept, bool(left) or kept != rest[: len(kept)]


def _without_names(text: str, found: list[answering.Mention], linked: Optional[Dict[str, Any]]) -> str:
    spans = [(x.start, x.end) for x in found]
    if linked and isinstance(linked.get("start"), int) and isinstance(linked.get("end"), int):
        spans.append((linked["start"], linked["end"]))
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _render(
    session, what: Plan, text: str, channel: Optional[str] = None, case_text: Optional[str] = None
) -> tuple[list[tuple[str, list[dict]]], Optional[str]]:
    """``case_text``: the message without the words that name its procedures (the citizen's case)."""
    case_text = text if case_text is None else case_text
    if what.kind == "sections":
        return _sections(session, what.sections, channel, text), what.sections[-1].code if what.sections else None
    if what.kind == "compare":
        return _compare(session, what.codes, what.dimension), what.codes[-1]
    code = what.codes[0]
    procedure = get_procedure(session, code)
    record = answering.record(session, code)
    if procedure is None or record is None:
        return [], None
    if what.kind == "need":
        return [_need(record, what.item, p.stated_age(text))], code
    if what.kind == "eligibility":
        asked = p.asked_unit(text)
        unit = asked or p.stated_unit(text)
        own = _own_case(text, record)
        meant = p.meant_phrases(text)
        if p.states_minor(text) and any(x.score >= 1.0 for x in p.find_passages(record, p.MINOR)):
            # "tôi 16 tuổi, tự đăng ký tạm trú được không": what the record says of a minor ("người chưa thành niên
            # … ý kiến đồng ý của cha, mẹ hoặc người giám hộ"), which no passage states as "16".
            own, unit, meant = p.MINOR, None, []
        return [_eligibility(record, own, unit=unit, asked=asked is not None, meant=meant, question=text)], code
    if what.kind == "field":
        return [_field(record, what.dimension, text=text)], code
    if what.kind == "passage":
        reply = _passage(record, text)
        return ([reply] if reply else []), code
    if what.kind == "case":
        # A bare question is asked which case; one that tells something of the citizen's situation that names
        # no case of the record ("mới chuyển về ở nhà thuê") gets the whole list rather than a question.
        reply = _case(record, case_text) or (None if _tells_situation(case_text, record) else _case_question(record))
        if reply is None and what.dimension == "card":
            reply = answer_reply(procedure, "ask_documents", channel)
        return ([reply] if reply else []), code
    if what.kind == "lacking":
        reply = _lacking(record, what.item)
        return ([reply] if reply else []), code
    return [], None


_LIST_ITEM = re.compile(r"(?:\d+\.|-) ")  # a list's first item is no direct answer: the list is


def _clip(lines: list[str], limit: int) -> tuple[list[str], bool]:
    """At most ``limit`` phone lines of ``lines`` (shortened first), with a "more" line when cut."""
    kept, left = p.fit(lines, limit)
    if left:
        kept, left = p.fit(lines, limit, max_line_chars=p.PHONE_LINE_CHARS)
    if left:
        kept, left = p.fit(lines, limit - 1, max_line_chars=p.PHONE_LINE_CHARS)
        # The first line is the direct answer ("Cơ quan giải quyết: Trung tâm Dịch vụ việc làm …"): two phone
        # lines of it rather than one more line after it, when there is room for both.
        head = p.shorten(lines[0], 2 * p.PHONE_LINE_CHARS)
        if kept and kept[0] != lines[0] and not _LIST_ITEM.match(lines[0]) and limit - 1 - p.phone_lines(head) >= 0:
            rest, left = p.fit(lines[1:], limit - 1 - p.phone_lines(head), max_line_chars=p.PHONE_LINE_CHARS)
            kept = [head, *rest]
        kept.append(m.MORE_LINES.format(count=left))
    return kept, bool(left) or kept != lines[: len(kept)]


def _section_body(session, section: Section, text: str = "") -> Optional[str]:
    """``text``: the citizen's message, for the sections that answer its own words (eligibility, an item)."""
    if section.aspect == "fee":
        procedure = get_procedure(session, section.code)
        # Its amount before its name ("200.000đ/lần/người (Phí cung cấp thông tin …)").
        fees = [fee_line(fee, m.FEE_AMOUNT_FIRST) for fee in procedure.fees] if procedure else []
        return "\n".join(fees) or None
    if section.aspect in p.ASPECT_INTENT:
        procedure = get_procedure(session, section.code)
        return BODIES[p.ASPECT_INTENT[section.aspect]](procedure) if procedure else None
    record = answering.record(session, section.code)
    if record is None:
        return None
    if section.aspect == "need":
        return _need_in_section(record, section.item)
    if section.aspect == "eligibility":
        asked = p.asked_unit(text)
        unit = asked or p.stated_unit(text)
        meant = p.meant_phrases(text)
        answer = answering.eligibility(record, _own_case(text, record), unit, meant)
        if answer.relevant and (unit or meant or _own_case(text, record)):
            # "qua mấy tháng thì mất quyền": the passage stating the months, as the one-aspect answer quotes it.
            return "\n".join(
                m.ELIGIBILITY_RELEVANT.format(
                    field=m.FIELD_LABEL[x.field],
                    text=p.excerpt(
                        x.text,
                        p.focus(x.text, meant, text)
                        or _asked(x.text, " ".join([text, *meant]), unit, asked is not None),
                        PASSAGE_CHARS,
                    ),
                )
                for x in answer.relevant[:2]
            )
        lines = [m.ELIGIBILITY_SUBJECTS.format(text=answer.subjects)] if answer.subjects else []
        lines += [m.ELIGIBILITY_CONDITIONS.format(text=answer.conditions)] if answer.conditions else []
        return "\n".join(lines) or None
    found = answering.field_answer(record, section.aspect)
    return "\n".join(found.lines) or None


def _sections(
    session, sections: list[Section], channel: Optional[str] = None, text: str = ""
) -> list[tuple[str, list[dict]]]:
    codes = list(dict.fromkeys(s.code for s in sections))
    names = {}
    for code in codes:
        procedure = get_procedure(session, code)
        if procedure is not None:
            # Several procedures' titles each take a line of their own: their names as short as compared ones.
            names[code] = p.heading_name(
                procedure.name, p.HEADING_NAME_CHARS if len(codes) == 1 else COMPARED_NAME_CHARS
            )
    sections = [s for s in sections if s.code in names]
    if not sections:
        return []
    if len(sections) == 1:
        procedure = get_procedure(session, sections[0].code)
        intent = p.ASPECT_INTENT.get(sections[0].aspect)
        if intent and procedure is not None:
            return [answer_reply(procedure, intent, channel)]
    one = len(codes) == 1
    header = m.COMPOUND_HEADER.format(name=names[codes[0]], code=codes[0]) if one else m.MULTI_HEADER
    titles = [
        m.SECTION_TITLE[s.aspect] if one else f'{m.SECTION_TITLE[s.aspect]} — "{names[s.code]}" (mã {s.code})'
        for s in sections
    ]
    entries = [_digest(session, s, text) or [("", m.SECTION_UNKNOWN)] for s in sections]
    # About one screen; each section its share, and one line saying where the rest is when something was cut.
    room = MAX_REPLY_LINES - p.phone_lines(header)
    needs = [_section_need(t, e, s.aspect) for t, e, s in zip(titles, entries, sections)]
    for more in (0, 1):
        shares = _shares(needs, room - more)
        for _ in range(len(sections)):
            rendered = [_section_lines(t, e, n, s.aspect) for t, e, n, s in zip(titles, entries, shares, sections)]
            # A section that took less than its share leaves the rest to the first one that was cut.
            left = room - more - sum(p.phone_lines(line) for lines, _ in rendered for line in lines)
            cut = [i for i, (_, was_cut) in enumerate(rendered) if was_cut and shares[i] < needs[i]]
            if left <= 0 or not cut:
                break
            shares = [
                share - (share - sum(p.phone_lines(x) for x in lines)) for share, (lines, _) in zip(shares, rendered)
            ]
            shares[cut[0]] += left
        if not any(was_cut for _, was_cut in rendered):
            break
    lines = [header]
    buttons = []
    for section, (section_lines, clipped) in zip(sections, rendered):
        lines += section_lines
        intent = p.ASPECT_INTENT.get("documents" if section.aspect == "need" else section.aspect)
        if clipped:
            title = m.SECTION_TITLE[section.aspect]
            label = title if one else f"{title} — {names[section.code]}"
            payload = (
                f'/{intent}{{"procedure": "{section.code}", "detail": "full"}}'
                if intent
                else f'/ask_procedure_info{{"procedure": "{section.code}", "detail": "{section.aspect}"}}'
            )
            buttons.append({"title": m.FULL_BUTTON_OF.format(title=label)[:60], "payload": payload})
    if buttons:
        lines.append(m.SECTIONS_MORE)
    return [("\n".join(lines), buttons[:5])]


# --- a compound reply's sections: each the direct answer first, whole, then what fits ----------------

# The channels in the order a compound reply lists them: in person first, as most citizens file.
_CHANNEL_ORDER = ("truc tiep", "buu chinh", "truc tuyen")
_LABELLED = re.compile(r"^[^:]{1,30}: ")


def _channel_rank(channel: Optional[str]) -> int:
    folded = p.fold(channel or "")
    return next((rank for rank, name in enumerate(_CHANNEL_ORDER) if name in folded), len(_CHANNEL_ORDER))


def _by_channel(pairs: list[tuple[str, str]]) -> list[str]:
    """``(channel, text)`` as one line per distinct text, in person first ("Trực tiếp: 200.000 …",
    "Trực tuyến, Dịch vụ bưu chính: 160.000 …")."""
    texts: dict[str, list[str]] = {}
    for channel, text in sorted(pairs, key=lambda pair: _channel_rank(pair[0])):
        texts.setdefault(text, []).append(channel)
    return [m.FEE_CHANNEL.format(channel=", ".join(channels), text=text) for text, channels in texts.items()]


def _digest(session, section: Section, text: str) -> list[tuple[str, str]]:
    """A compound reply's section as ``(prefix, entry)`` pairs, the direct answer first: the papers every
    citizen brings before one case's papers and notes, the fee of each way of filing in person first, the
    agency whole, the first real step. The entries are the record's own, shortened later (``_fitted``)."""
    procedure = get_procedure(session, section.code) if section.aspect in p.ASPECT_INTENT else None
    if procedure is None:
        return [("", line) for line in (_section_body(session, section, text) or "").split("\n") if line]
    if section.aspect == "documents":
        record = answering.record(session, section.code)
        # A case the message states ("hộ chiếu bị mất"): the papers every citizen brings and that case's.
        choice = answering.documents_for_case(record, text, ignore=[record.get("name") or ""]) if record else None
        documents = [*choice.always, *choice.stated] if choice and choice.stated else procedure
        return [(f"{i}. ", name) for i, name in enumerate(document_digest(documents), start=1)]
    if section.aspect == "fee":
        channelled = [(fee.channel, vietnamese_amounts(p.clean(fee.text))) for fee in procedure.fees if fee.channel]
        lines = _by_channel(channelled) if len(channelled) > 1 else []
        lines += [fee_line(fee, m.FEE_AMOUNT_FIRST) for fee in procedure.fees if not (fee.channel and lines)]
        return [("", line) for line in lines]
    if section.aspect == "where":
        lines = [p.clean(procedure.agency)] if procedure.agency else []
        channels = sorted((method.channel for method in procedure.methods), key=_channel_rank)
        if channels:
            lines.append(m.METHODS_DIGEST.format(channels=", ".join(channels)))
        if procedure.online_url and procedure.online != "none":
            lines.append(m.ONLINE_LINK.format(url=procedure.online_url))
        return [("", line) for line in lines]
    if section.aspect == "time":
        per_method = [(x.channel, x.processing_time) for x in procedure.methods if x.processing_time]
        same = procedure.processing_time and all(t == procedure.processing_time for _, t in per_method)
        lines = [procedure.processing_time] if procedure.processing_time else []
        if not same:
            lines += _by_channel(per_method)
        return [("", line) for line in lines]
    if section.aspect == "steps":
        return [(f"{i}. ", step) for i, step in enumerate(step_digest(procedure), start=1)]
    body = _section_body(session, section, text) or ""
    return [("", line) for line in body.split("\n") if line]


def _fitted(
    entries: list[tuple[str, str]], room: int, first_chars: int, keep_brackets: bool, cut_to: Any = None
) -> tuple[list[str], bool]:
    """The entries within ``room`` phone lines, each the gist of its text (``core.passages.gist``): the first
    (the direct answer) in up to ``first_chars`` characters, the others in one phone line, widened to two
    while room is left; and whether anything was left out or shortened."""
    if not entries:
        return [], False

    def line(index: int, chars: int) -> str:
        prefix, text = entries[index]
        if cut_to is not None:  # ``cut_to(text, chars)``: a passage cut at a word rather than its gist
            return prefix + cut_to(p.entry_text(text), chars - len(prefix))
        return prefix + p.gist(text, chars - len(prefix), keep_brackets=keep_brackets)

    kept = [line(0, first_chars)]
    used = p.phone_lines(kept[0])
    for index in range(1, len(entries)):
        short = line(index, p.PHONE_LINE_CHARS)
        if used + p.phone_lines(short) > room:
            break
        kept.append(short)
        used += p.phone_lines(short)
    for index in range(len(kept)):  # the room left: whole entries, or two lines of them
        wide = line(index, max(2 * p.PHONE_LINE_CHARS, first_chars if index == 0 else 0))
        if wide != kept[index] and used - p.phone_lines(kept[index]) + p.phone_lines(wide) <= room:
            used += p.phone_lines(wide) - p.phone_lines(kept[index])
            kept[index] = wide
    whole = [prefix + p.entry_text(text) for prefix, text in entries]
    return kept, len(kept) < len(entries) or kept != whole[: len(kept)]


def _section_lines(title: str, entries: list[tuple[str, str]], room: int, aspect: str) -> tuple[list[str], bool]:
    """A section in ``room`` phone lines: its title, with the direct answer beside it when that is one
    unlabelled line ("▸ Nơi nộp hồ sơ: Ủy ban nhân dân cấp xã"), then the entries that fit."""
    keep_brackets = aspect in ("fee", "time", "where")
    if aspect not in p.ASPECT_INTENT:  # a passage quoted for the question ("không cần sổ hộ khẩu … 01/01/2023")
        header = m.SECTION.format(title=title)
        body, cut = _fitted(entries, max(room - p.phone_lines(header), 1), PASSAGE_CHARS, keep_brackets, p.shorten)
        return [header, *body], cut
    # A list's entries are cut to their gist; a fee, a time, an agency at a word, their details and the fee's
    # name after its amount kept ("0,5% giá tính lệ phí trước bạ; miễn … (Lệ phí trước bạ nhà, đất)").
    cut_to = None if aspect in ("documents", "steps") else p.shorten
    head = m.SECTION_INLINE.format(title=title, text="")
    # Beside a title of one phone line ("▸ Nơi nộp hồ sơ: …"); a title naming its procedure leaves no room.
    if entries and not entries[0][0] and not _LABELLED.match(entries[0][1]) and len(head) <= p.PHONE_LINE_CHARS:
        chars = 2 * p.PHONE_LINE_CHARS - len(head)
        text = entries[0][1]
        first = head + (
            cut_to(p.entry_text(text), chars) if cut_to else p.gist(text, chars, keep_brackets=keep_brackets)
        )
        rest, cut = _fitted(entries[1:], room - p.phone_lines(first), p.PHONE_LINE_CHARS, keep_brackets, cut_to)
        rest = rest if room - p.phone_lines(first) > 0 else []
        whole = head + p.entry_text(entries[0][1])
        return [first, *rest], cut or first != whole or len(rest) < len(entries) - 1
    header = m.SECTION.format(title=title)
    # A list's first entry is no more the answer than the next: one line each, so that more of them show.
    first_chars = p.PHONE_LINE_CHARS if entries and entries[0][0] else 2 * p.PHONE_LINE_CHARS
    body, cut = _fitted(entries, max(room - p.phone_lines(header), 1), first_chars, keep_brackets, cut_to)
    return [header, *body], cut


def _section_need(title: str, entries: list[tuple[str, str]], aspect: str) -> int:
    """The phone lines a section takes whole (each entry in two lines at most)."""
    return sum(p.phone_lines(line) for line in _section_lines(title, entries, 10 * MAX_REPLY_LINES, aspect)[0])


def _shares(needs: list[int], room: int) -> list[int]:
    """Each section's phone lines of ``room``: its need when that is less than an equal share ("Không thu phí,
    lệ phí": one line), the rest shared by the others, so that a long one keeps its direct answer whole
    ("Cơ quan giải quyết: Trung tâm Dịch vụ việc làm …")."""
    shares = [0] * len(needs)
    waiting = list(range(len(needs)))
    while waiting:
        each = max(1, room // len(waiting))
        small = [i for i in waiting if needs[i] <= each]
        if not small:
            for rank, i in enumerate(waiting):  # the lines left over by the division go to the first ones
                shares[i] = each + (1 if rank < room - each * len(waiting) else 0)
            break
        for i in small:
            shares[i] = needs[i]
            room -= needs[i]
            waiting.remove(i)
    return shares


def _compare(session, codes: list[str], dimension: str) -> list[tuple[str, list[dict]]]:
    records = [r for r in (answering.record(session, code) for code in codes) if r]
    compared = answering.compare(records)
    if len(compared) < 2:
        return []
    lines = [m.COMPARE_HEADER]
    if dimension in ("time", "all"):
        lines.append(m.SECTION.format(title=m.SECTION_TITLE["time"]))
        lines += [
            m.COMPARE_TIME.format(
                name=_short_name(c.name), code=c.code, time=_lead(c.processing_time) or m.COMPARE_TIME_UNKNOWN
            )
            for c in compared
        ]
        known = [c for c in compared if c.days is not None]
        if len(known) == len(compared):
            fastest = min(known, key=lambda c: c.days or 0.0)
            same = all(c.days == fastest.days for c in known)
            lines.append(m.COMPARE_SAME if same else m.COMPARE_FASTER.format(name=fastest.name))
        else:
            lines.append(m.COMPARE_UNDECIDED)
    if dimension in ("fee", "all"):
        lines.append(m.SECTION.format(title=m.SECTION_TITLE["fee"]))
        lines += [
            m.COMPARE_FEE.format(
                name=_short_name(c.name), code=c.code, fees="; ".join(c.fees) or m.COMPARE_TIME_UNKNOWN
            )
            for c in compared
        ]
        cheaper = answering.cheaper(compared)
        if cheaper == "same":
            lines.append(m.COMPARE_SAME_FEE)
        elif cheaper:
            lines.append(m.COMPARE_CHEAPER.format(name=next(c.name for c in compared if c.code == cheaper)))
        else:
            lines.append(m.COMPARE_FEE_UNDECIDED)
    if dimension in ("documents", "all"):
        lines.append(m.SECTION.format(title=m.SECTION_TITLE["documents"]))
        lines += [
            m.COMPARE_DOCUMENTS.format(name=_short_name(c.name), code=c.code, count=c.documents) for c in compared
        ]
    return [("\n".join(_clip(lines, MAX_REPLY_LINES)[0]), [])]


# A compared procedure's name keeps about one phone line, so that its code and figure stay on the screen.
COMPARED_NAME_CHARS = 50


def _short_name(name: str) -> str:
    return p.shorten(name, COMPARED_NAME_CHARS)


def _lead(processing_time: str) -> str:
    """A processing time's main rule, without its exceptions and legal reference ("Không quá 10 ngày làm
    việc kể từ ngày nhận yêu cầu hợp lệ" of "…; không quá 15 ngày … (Luật …, Điều 48)")."""
    lead = processing_time.split(";", 1)[0]
    return re.sub(r"\s*\([^)]*\)\s*$", "", lead).strip()


def _need(record: dict, item: str, age: Optional[int] = None) -> tuple[str, list[dict]]:
    name, code = p.heading_name(record["name"]), record["code"]
    answer = answering.needed_item(record, item, age)
    buttons = [
        {
            "title": m.FULL_BUTTON_OF.format(title=m.SECTION_TITLE["documents"]),
            "payload": f'/ask_documents{{"procedure": "{code}", "detail": "full"}}',
        }
    ]
    if answer.household_book and not answer.documents:
        return m.HOUSEHOLD_BOOK.format(name=name, code=code), buttons
    if answer.documents:
        only_in_case = all(d.get("case") and not p.is_alternative(d["case"]) for d in answer.documents)
        lines = [(m.NEED_YES_CASE if only_in_case else m.NEED_YES).format(name=name, code=code)]
        for document in answer.documents[:3]:
            line = "- " + p.entry_text(document.get("name"))  # the portal's own "- " mark is not doubled
            if document.get("case"):
                case = p.clean(document["case"])
                line += (m.NEED_ALTERNATIVE if p.is_alternative(case) else m.NEED_ONLY_CASE).format(case=case)
            lines.append(line)
        return "\n".join(_phone(lines)[0]), buttons
    if answer.passages:  # "có phải có mặt không": what the record says of it
        lines = [m.NEED_SAID.format(name=name, code=code, item=item)]
        # The part of each passage that speaks of the item ("… chuyển hồ sơ đến cơ quan thuế …"), not its start.
        # One passage alone keeps twice the room ("Trẻ dưới 6 tuổi: … không thu nhận sinh trắc học của trẻ").
        room = PASSAGE_CHARS * (2 if len(answer.passages) == 1 else 1)
        lines += [
            m.NEED_PASSAGE.format(field=m.FIELD_LABEL[x.field], text=p.excerpt(x.text, item, room))
            for x in answer.passages
        ]
        return "\n".join(_phone(lines)[0]), buttons
    lines = [(m.NEED_NO if p.is_paper(item) else m.NEED_NOT_SAID).format(name=name, code=code, item=item)]
    required = document_digest(record.get("documents") or [])
    if required:
        lines.append(m.NEED_WHAT_IS)
        room = MAX_REPLY_LINES - sum(p.phone_lines(line) for line in lines)
        # The papers every citizen brings, each its gist (not "- - Giấy chứng nhận quyền sử dụng đất, quyền…").
        entries = [("- ", name) for name in required]
        kept, _ = _fitted(entries, max(room, 2), p.PHONE_LINE_CHARS, False)
        if len(kept) < len(entries):
            kept, _ = _fitted(entries, max(room - 1, 1), p.PHONE_LINE_CHARS, False)
            kept.append(m.MORE_LINES.format(count=len(entries) - len(kept)))
        lines += kept
    return "\n".join(lines), buttons


def _need_in_section(record: dict, item: str) -> str:
    """The answer to "có cần X không" as one section of a longer reply: the procedure is named in the
    reply's header already, so its lines say "thủ tục này" and do not greet again."""
    named = re.compile(
        r'(?:thủ tục )?"' + re.escape(p.heading_name(record["name"])) + r'" \(mã ' + re.escape(record["code"]) + r"\)"
    )
    reply, _ = _need(record, item)
    reply = named.sub("thủ tục này", reply)
    return reply[4].upper() + reply[5:] if reply.startswith("Dạ, ") else reply


def _eligibility(
    record: dict,
    text: str,
    full: bool = False,
    unit: Optional[str] = None,
    asked: bool = True,
    meant: Sequence[str] = (),
    question: str = "",
) -> tuple[str, list[dict]]:
    """``unit``: the unit of a number the question asks ("mấy tháng", ``asked``) or the citizen states of their
    case ("nghỉ việc được 2 tháng"): the passages stating one lead. ``meant``: the records' phrases for the
    citizen's case (core/passages.py meant_phrases); ``question``: the citizen's whole message."""
    name, code = record["name"] if full else p.heading_name(record["name"]), record["code"]
    who = p.clean(record.get("agency")) or m.DEFAULT_WHO
    answer = answering.eligibility(record, text, unit, meant)
    if not answer.subjects and not answer.conditions and not answer.relevant:
        return m.ELIGIBILITY_NOT_SAID.format(name=name, code=code, who=who), []
    lines = [m.ELIGIBILITY_HEADER.format(name=name, code=code)]
    text = " ".join([text, *meant]).strip()
    if not text and not unit:  # "ai được làm": who may, in general
        if answer.subjects:
            lines.append(m.ELIGIBILITY_SUBJECTS.format(text=answer.subjects))
        if answer.conditions:
            lines.append(m.ELIGIBILITY_CONDITIONS.format(text=answer.conditions))
        return _sized(lines, code, "eligibility", full)
    if answer.relevant:
        question = question or text
        shown = answer.relevant[:2]
        ruled = [(rule, x) for x in answer.relevant if meant and (rule := p.rule_about(x.text, meant, question))]
        if ruled:
            # Of the rules the passages state on what was asked, the one saying most of the question ("Phiếu … số 2
            # không được ủy quyền", not "… số 1 … không cần văn bản ủy quyền") leads; when it forbids, it is the
            # answer, said first ("Dạ, không được ạ").
            words = p.content_words(question)
            rule, lead = max(ruled, key=lambda pair: p.overlap(words, p.content_words(pair[0])))
            shown = [lead, *[x for x in answer.relevant if x is not lead][:1]]
            if p.rule_verdict(rule, question) is False:
                lines = [m.ELIGIBILITY_HEADER_NO.format(name=name, code=code)]
        lines += [
            m.ELIGIBILITY_RELEVANT.format(
                field=m.FIELD_LABEL[x.field],
                text=x.text
                if full
                else p.excerpt(
                    x.text, p.focus(x.text, meant, question) or _asked(x.text, text, unit, asked), PASSAGE_CHARS
                ),
            )
            for x in shown
        ]
        lines = list(dict.fromkeys(lines))  # two entries quoted alike ("…Dùng cho … số 1 …") once
        if answer.subjects and all(x.field != "subjects" for x in shown):
            # Who may do it, after what the record says of the case ("bà nội đi thay bố mẹ": "… thì ông, bà …").
            lines.append(m.ELIGIBILITY_SUBJECTS.format(text=answer.subjects))
        lines.append(m.ELIGIBILITY_CHECK.format(who=who))
    else:
        if answer.subjects:
            lines.append(m.ELIGIBILITY_SUBJECTS.format(text=answer.subjects))
        if answer.conditions:
            lines.append(m.ELIGIBILITY_CONDITIONS.format(text=answer.conditions))
        lines.append(m.ELIGIBILITY_UNDECIDED.format(who=who))
    return _sized(lines, code, "eligibility", full)


def _asked(passage: str, text: str, unit: Optional[str], asked: bool = True) -> str:
    """What an excerpt of the passage should keep: the number asked for ("sau 12 tháng") when it states one."""
    if not unit or not p.states_quantity(passage, unit):
        return text
    # A number asked for ("mấy tháng"): that number; one the citizen stated ("76 tuổi, hộ nghèo"): it and their case.
    return unit if asked else f"{unit} {text}"


def _sized(
    lines: list[str], code: str, aspect: str, full: bool, tail: Optional[list[str]] = None
) -> tuple[str, list[dict]]:
    """The reply whole (``full``) or phone-sized with a "Xem đầy đủ" button when it was cut; ``tail``
    (the source) comes last, in the room left."""
    if full:
        return "\n".join(lines + (tail or [])), []
    tail_lines = sum(p.phone_lines(line) for line in tail or [])
    kept, cut = _phone(lines, MAX_REPLY_LINES - tail_lines)
    return "\n".join(kept + (tail or [])), [_full_button(code, aspect)] if cut else []


def _passage(record: dict, text: str) -> Optional[tuple[str, list[dict]]]:
    """The record's passages that answer a question no other answer covers, quoted with their field."""
    found = answering.best_passages(record, text)
    if not found:
        return None
    name, code = p.heading_name(record["name"]), record["code"]
    lines = [m.OTHER_PASSAGE.format(field=m.FIELD_LABEL[found[0].field], name=name, code=code)]
    quotes = [(x.field, p.excerpt(x.text, text, PASSAGE_CHARS)) for x in found]
    lines += [
        f"- {quote}" if field == found[0].field else m.NEED_PASSAGE.format(field=m.FIELD_LABEL[field], text=quote)
        for field, quote in quotes
    ]
    url = record.get("source_url")
    text, _ = _sized(lines, code, "other", False, [m.SOURCE_SHORT.format(site=_site(url))] if url else [])
    return text, []


def _own_case(text: str, record: dict) -> str:
    """The citizen's own case in an eligibility question: the words that neither ask nor name the procedure."""
    for cue in sorted(p.detect_aspects(text), key=lambda c: -c.start):
        text = text[: cue.start] + " " + text[cue.end :]
    names = {
        w for phrase in [record.get("name") or "", *(record.get("aliases") or [])] for w in p.content_words(phrase)
    }
    words = p.content_words(text)
    # A word of the name said beside none of the name's words is the citizen's own ("hộ nghèo" beside "hỗ trợ mai
    # táng": folded, "hộ" is a word of "hỗ trợ").
    return " ".join(
        w
        for i, w in enumerate(words)
        if w not in names or not {*words[max(i - 1, 0) : i], *words[i + 1 : i + 2]} & names
    )


# Words of a wish or a request, not of the citizen's situation ("tôi muốn làm lại …", "nộp những giấy gì").
_NOT_SITUATION = frozenset(
    {"muon", "xin", "hoi", "giup", "voi", "nhe", "oi", "a", "lai", "moi", "thi", "giay", *p.CLAUSE_WORDS}
)


# The dossier asked about, not a situation ("thì hồ sơ cần những giấy tờ gì").
_DOSSIER_WORDS = re.compile(r"(?<![\w])(?:ho so|giay to|thu tuc)(?![\w])")


def _tells_situation(text: str, record: dict) -> bool:
    return any(w not in _NOT_SITUATION for w in _DOSSIER_WORDS.sub(" ", _own_case(text, record)).split())


def _field(record: dict, aspect: str, full: bool = False, text: str = "") -> tuple[str, list[dict]]:
    """The record's passage for a field question; ``text``: the question ("có thời hạn không" asks how long
    the result is valid, which its passage may not say)."""
    name, code = record["name"] if full else p.heading_name(record["name"]), record["code"]
    who = p.clean(record.get("agency")) or m.DEFAULT_WHO
    if aspect == "eligibility":
        return _eligibility(record, "", full)
    if aspect == "source":
        if not record.get("source_url"):
            return m.SOURCE_NO_LINK.format(name=name, code=code, who=who), []
        lines = [m.SOURCE_ANSWER.format(name=name, code=code), record["source_url"]]
        if record.get("decision"):
            lines.append(m.DECISION_LINE.format(decision=record["decision"]))
        if record.get("updated_at"):
            lines.append(m.UPDATED.format(date=_date(record["updated_at"])))
        return "\n".join(lines), []
    found = answering.field_answer(record, aspect)
    header = m.PICKUP_QUOTE if aspect == "pickup" else m.FIELD_QUOTE
    if not found.lines:
        if aspect == "pickup" and record.get("agency"):
            # Nothing says where the result is handed over: where the dossier is handled is what the record knows.
            found = answering.FieldAnswer(aspect, "agency", [p.clean(record["agency"])])
            header = m.PICKUP_AT_AGENCY
        else:
            return m.FIELD_NOT_SAID.format(name=name, code=code, what=m.FIELD_WHAT[aspect], who=who), []
    lines = [header.format(field=m.FIELD_LABEL[found.field], name=name, code=code)]
    lines += [f"- {line}" for line in found.lines]
    if aspect == "result" and p.asks_validity(text) and not any(p.states_validity(line) for line in found.lines):
        lines.append(m.VALIDITY_NOT_SAID.format(who=who))  # "có thời hạn không": the result, and that it does not say
    if aspect == "result" and p.asks_household_book(text):
        lines.append(m.HOUSEHOLD_BOOK_NOT_ISSUED)  # "có sổ hộ khẩu không": none is issued since 2023
    url = record.get("source_url")
    if not url:
        return _sized(lines, code, aspect, full)
    # The page behind a short label (a link button), not its 90-character address in the text.
    text, buttons = _sized(lines, code, aspect, full, [m.SOURCE_SHORT.format(site=_site(url))])
    return text, [*buttons, {"title": m.SOURCE_BUTTON, "url": url}]


def _case(record: dict, text: str, told: bool = False) -> Optional[tuple[str, list[dict]]]:
    """Documents with the stated case first; None when the message states no case of the record. ``told``:
    the situation came unasked, after an answer (services/answering.py told_case)."""
    # The procedure's name is not the case; its folk names are left to the caller, who knows which words named
    # it ("nhập hộ khẩu về nhà chồng" is a folk name, and "vợ về ở với chồng" a case).
    by_case = answering.told_case if told else answering.documents_for_case
    choice = by_case(record, text, ignore=[record.get("name") or ""])
    if not choice.stated:
        return None
    code = record["code"]
    lines = [
        m.HEADER.format(title=m.ASPECT_TITLE["ask_documents"], name=p.heading_name(record["name"]), code=code),
        m.CASE_STATED,
    ]
    lines += [f"- {document_line(d)}" for d in choice.stated]
    lines.append(m.CASE_ALWAYS)
    lines += [f"- {document_line(d)}" for d in choice.always]
    buttons = []
    tail = []
    if choice.others:
        tail.append(m.CASE_OTHERS.format(count=len(choice.others)))
        buttons.append(
            {"title": m.FULL_BUTTON, "payload": f'/ask_documents{{"procedure": "{code}", "detail": "full"}}'}
        )
    # The header whole: it names the procedure and its code.
    room = MAX_REPLY_LINES - sum(p.phone_lines(line) for line in [lines[0], *tail])
    return "\n".join([lines[0], *_clip(lines[1:], room)[0], *tail]), buttons


def _case_question(record: dict) -> Optional[tuple[str, list[dict]]]:
    """The documents every case needs and one short question, a button per case, when nearly all the
    documents depend on a case the message does not state (services/answering.py deciding_cases)."""
    cases = answering.deciding_cases(record)
    if not cases:
        return None
    code = record["code"]
    always = [d for d in record.get("documents") or [] if not d.get("case") or p.is_alternative(d.get("case"))]
    lines = [m.HEADER.format(title=m.ASPECT_TITLE["ask_documents"], name=p.heading_name(record["name"]), code=code)]
    if always:
        lines += [m.CASE_ASK_ONLY_FORM] + [f"- {document_line(d)}" for d in always]
    lines.append(m.CASE_ASK)
    buttons = [
        {"title": p.shorten(case, CASE_BUTTON_CHARS), "payload": _case_payload(code, index)}
        for index, case in cases[:MAX_CASES]
    ]
    buttons.append({"title": m.FULL_BUTTON, "payload": f'/ask_documents{{"procedure": "{code}", "detail": "full"}}'})
    return "\n".join(_clip(lines, MAX_REPLY_LINES)[0]), buttons


CASE_BUTTON_CHARS = 60
MAX_CASES = 4
CASE_DETAIL = "case:"


def _case_payload(code: str, index: int) -> str:
    return f'/ask_documents{{"procedure": "{code}", "detail": "{CASE_DETAIL}{index}"}}'


def answer_case_reply(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """The citizen's answer to the case question ("nhà tôi tự mua", "thẻ bị rách"), whatever intent the NLU
    gave it: the documents of the case it states, else the whole list. Told unasked after an answer about the
    procedure ("Tôi mua lại của người ta, có hợp đồng mua bán rồi"): the documents of the case, if it states
    one of the record. None when the last reply neither asked the case nor answered of the procedure, or the
    message asks something new (a question, another procedure)."""
    code = tracker.get_slot("procedure_code")
    text = tracker.latest_message.get("text") or ""
    last = _last_bot_text(tracker)
    asked = m.CASE_ASK in last
    if not code or not text or text.startswith("/") or not (asked or f"mã {code}" in last):
        return None
    if p.detect_aspects(text):
        return None
    refs = [r for r in tracker.latest_message.get(PROCEDURE_REFS) or [] if r.get("value") != code]
    others = [answering.Mention.from_dict(r) for r in refs]
    reply: Optional[tuple[str, list[dict]]] = None
    with StoreCall(dispatcher, "catalogue, the documents of the citizen's case") as call:
        with session_scope() as session:
            record = answering.record(session, code)
            procedure = get_procedure(session, code)
            # Another procedure's name is a new question ("còn kết hôn thì sao"), unless it is a paper of the
            # situation told ("nhà tôi tự mua, có sổ hồng đứng tên tôi").
            rest = _without_names(text, [x for x in others if x], None)
            if record is not None and procedure is not None and (not refs or _tells_situation(rest, record)):
                reply = _case(record, text, told=not asked) or (
                    answer_reply(procedure, "ask_documents", tracker.get_latest_input_channel()) if asked else None
                )
    return _sent(dispatcher, call, reply, code)


def answer_to_our_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[Dict[Text, Any]]]:
    """A message that answers the short question of the last reply (which case, which age), or states a
    circumstance that picks the variant of the procedure in context (a party from abroad), read as such
    whatever intent the NLU gave it ("Cháu 5 tuổi.", "thẻ bị rách rồi"); None when it does not."""
    case = answer_case_reply(dispatcher, tracker)
    if case is not None:
        return case
    text = tracker.latest_message.get("text") or ""
    code = tracker.get_slot("procedure_code")
    refs = tracker.latest_message.get(PROCEDURE_REFS) or []
    if code and p.states_foreign(text) and all(r.get("value") == code for r in refs):
        # "À, chồng tôi là người Hàn Quốc, vậy hồ sơ có khác gì không": the circumstance picks the variant.
        return answer_whole_question(dispatcher, tracker, tracker.get_slot("pending_question"))
    if code and circumstances.register_state(text) and all(r.get("value") == code for r in refs):
        # "Ở xã vẫn còn sổ lưu" about a lost birth certificate: the copy of the extract, or the re-registration.
        picked = _variant_answer(
            dispatcher,
            tracker,
            code,
            "register",
            lambda session, code, text: answering.register_for(session, code, text, lost_told=True),
        )
        if picked is not None:
            return picked
    if code and circumstances.reissue_cause(text) and all(r.get("value") == code for r in refs):
        # "Thẻ bị mất rồi" about a card in context, asked or not: the re-issue for that cause.
        return _variant_answer(dispatcher, tracker, code, "cause", answering.reissue_for_cause)
    if not code or m.ASK_AGE_VARIANT not in _last_bot_text(tracker) or p.stated_age(text) is None:
        return None
    return _variant_answer(
        dispatcher,
        tracker,
        code,
        "age",
        lambda session, code, text: answering.variant_for_age(session, code, text) or code,
    )


def _variant_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    code: str,
    what: str,
    variant_for: Callable[[Any, str, str], Optional[str]],
) -> Optional[List[Dict[Text, Any]]]:
    """The question that waited (else the one answered last), answered for the procedure ``variant_for``
    picks from the one in context and the message (a sibling, or itself when it fits); None when it picks none."""
    text = tracker.latest_message.get("text") or ""
    aspect = _waiting_aspect(tracker)
    reply: Optional[tuple[str, list[dict]]] = None
    with StoreCall(dispatcher, f"catalogue, the variant for the {what} typed back") as call:
        with session_scope() as session:
            picked = variant_for(session, code, text)
            procedure = get_procedure(session, picked) if picked else None
            if procedure is not None:
                code = procedure.code
                reply = answer_reply(procedure, aspect, tracker.get_latest_input_channel())
    return _sent(dispatcher, call, reply, code)


def _sent(
    dispatcher: CollectingDispatcher, call: StoreCall, reply: Optional[tuple[str, list[dict]]], code: str
) -> Optional[List[Dict[Text, Any]]]:
    """The reply built in a store call, sent, the conversation now on its procedure; [] when the store
    failed (StoreCall has apologised), None when there was nothing to answer."""
    if call.failed:
        return []
    if reply is None:
        return None
    dispatcher.utter_message(text=reply[0], buttons=reply[1])
    return [SlotSet("procedure_code", code), SlotSet("pending_question", None)]


_SENTENCE_END = re.compile(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ+-])")


def _difference(session, code: str, base: str) -> Optional[tuple[str, list[dict]]]:
    """The documents of ``code`` that ``base``'s list does not hold, or None when the records do not tell them."""
    record, other = answering.record(session, code), answering.record(session, base)
    return _added_documents(record, other) if record is not None and other is not None else None


def _added_documents(record: dict, other: dict) -> Optional[tuple[str, list[dict]]]:
    code = record["code"]
    added = answering.documents_not_in(record, other)
    if not added or len(added) == len(record.get("documents") or []):
        return None  # nothing added, or two lists that share nothing: no difference to tell
    header = m.DIFFERENCE_HEADER.format(
        base=p.heading_name(other["name"], COMPARED_NAME_CHARS), name=p.heading_name(record["name"]), code=code
    )
    # Each entry's first sentence: a national entry runs to ten phone lines.
    entries = [f"- {_SENTENCE_END.split(document_line(d), 1)[0]}" for d in added]
    lines, _ = _clip(entries, MAX_REPLY_LINES - p.phone_lines(header))
    buttons = [{"title": m.FULL_BUTTON, "payload": f'/ask_documents{{"procedure": "{code}", "detail": "full"}}'}]
    return "\n".join([header, *lines]), buttons


def _previous_message(tracker: Tracker) -> Dict[str, Any]:
    """The citizen's message before this one (its user event), or {}."""
    users = [event for event in tracker.events or [] if event.get("event") == "user"]
    return users[-2] if len(users) >= 2 else {}


def _previous_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the citizen's message before this one, if any."""
    return ((_previous_message(tracker).get("parse_data") or {}).get("intent") or {}).get("name")


def _waiting_aspect(tracker: Tracker) -> str:
    """The question that waited for this message, else the one asked before it, else the information card."""
    return next((x for x in (tracker.get_slot("pending_question"), _previous_intent(tracker)) if x in BODIES), DEFAULT)


def _last_bot_text(tracker: Tracker) -> str:
    for event in reversed(tracker.events or []):
        if event.get("event") == "bot":
            return str(event.get("text") or "")
    return ""


LACKED_LINE_CHARS = 3 * p.PHONE_LINE_CHARS  # the entry of the paper the citizen lacks, on the phone


def _lacking(record: dict, item: str) -> Optional[tuple[str, list[dict]]]:
    """The documents for a citizen who lacks a paper: that paper's entry (what replaces it) first, the
    others every case needs after, those of other cases behind a button; None when the record does
    not ask for that paper."""
    choice = answering.documents_without(record, item)
    if not choice.stated:
        return None
    code = record["code"]
    who = p.clean(record.get("agency")) or m.DEFAULT_WHO
    lines = [m.LACKED_HEADER.format(name=p.heading_name(record["name"]), code=code)]
    # A national record's entry can be a paragraph: its start on the phone, the whole behind the button.
    stated = [f"- {document_line(d)}" for d in choice.stated]
    shortened = [p.shorten(line, LACKED_LINE_CHARS) for line in stated]
    lines += shortened
    tail = [m.LACKED_CHECK.format(who=who)]
    if choice.always:
        lines.append(m.LACKED_OTHERS)
        lines += [f"- {document_line(d)}" for d in choice.always]
    buttons = []
    if choice.others:
        tail.insert(0, m.CASE_OTHERS.format(count=len(choice.others)))
    if choice.others or shortened != stated:
        buttons.append(
            {"title": m.FULL_BUTTON, "payload": f'/ask_documents{{"procedure": "{code}", "detail": "full"}}'}
        )
    room = MAX_REPLY_LINES - sum(p.phone_lines(line) for line in tail)
    head, rest = lines[:2], lines[2:]
    kept = _clip(rest, max(room - sum(p.phone_lines(line) for line in head), 2))[0] if rest else []
    return "\n".join(head + kept + tail), buttons


def _site(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")


def _date(value: Any) -> str:
    text = str(value)
    parts = text[:10].split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]}" if len(parts) == 3 else text
