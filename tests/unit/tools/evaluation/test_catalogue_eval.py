"""make eval's catalogue part: how a parsed first message counts (tools/evaluation/catalogue_eval.py)."""

from tools.evaluation.catalogue_eval import Outcome, nlu_outcome, score

ANSWER = frozenset({"ask_documents", "ask_procedure_info"})


def parse(intent, procedure=None, candidates=(), confidence=None):
    entities = []
    if procedure:
        entity = {"entity": "procedure", "value": procedure}
        if confidence is not None:
            entity["confidence_entity"] = confidence
        if candidates:
            entity["candidates"] = [{"code": c} for c in candidates]
        entities.append(entity)
    return {"intent": {"name": intent, "confidence": 0.9}, "entities": entities}


def test_a_procedure_under_a_procedure_question_is_answered():
    assert nlu_outcome(parse("ask_documents", "1.001193"), ANSWER) == Outcome("answer", "1.001193")


def test_candidates_under_a_procedure_question_are_asked():
    got = nlu_outcome(parse("ask_documents", "1.001193", ("1.001193", "2.000986")), ANSWER)
    assert got == Outcome("clarify", None, ("1.001193", "2.000986"))


def test_the_fallback_asks_about_the_linked_procedure():
    assert nlu_outcome(parse("nlu_fallback", "1.001193"), ANSWER) == Outcome("clarify", None, ("1.001193",))


def test_another_intent_or_no_procedure_answers_nothing():
    assert nlu_outcome(parse("greet", "1.001193"), ANSWER) == Outcome("none")
    assert nlu_outcome(parse("out_of_scope", "1.001193", confidence=0.5), ANSWER) == Outcome("none")
    assert nlu_outcome(parse("ask_documents"), ANSWER) == Outcome("none")


def test_a_procedure_named_surely_under_out_of_scope_is_answered_as_the_dialogue_does():
    assert nlu_outcome(parse("out_of_scope", "1.001193", confidence=0.8), ANSWER) == Outcome("answer", "1.001193")


def test_an_out_of_catalogue_query_answered_is_wrong_and_asked_is_not():
    queries = [{"kind": "out_of_catalogue", "expected_codes": []}] * 2 + [{"kind": "accented", "expected_codes": ["A"]}]
    table = score(queries, [Outcome("answer", "X"), Outcome("clarify", None, ("X",)), Outcome("answer", "A")], set())
    assert table["out_of_catalogue"]["wrong"] == 1 and table["out_of_catalogue"]["clarify"] == 1
    assert table["accented"]["right"] == 1


def test_the_nlu_misses_name_the_intent_and_what_was_linked():
    from tools.evaluation.catalogue_eval import nlu_misses

    queries = [
        {"query": "a", "kind": "accented", "expected_codes": ["A"]},
        {"query": "b", "kind": "accented", "expected_codes": ["A"]},
        {"query": "c", "kind": "out_of_catalogue", "expected_codes": []},
    ]
    parses = [parse("ask_documents", "A"), parse("nlu_fallback", "A"), parse("out_of_scope")]
    lines = nlu_misses(queries, parses, ANSWER)
    assert len(lines) == 1
    assert "'b'" in lines[0] and "nlu_fallback 0.90" in lines[0] and "A 0.00" in lines[0] and "clarify" in lines[0]
