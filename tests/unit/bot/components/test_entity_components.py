"""The entity components on their own: dossier codes from raw text, procedures linked to codes."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.dossier_code_extractor import DossierCodeExtractor
from bot.components.normalizer import VietnameseNormalizer
from bot.components.procedure_linker import MENTION_SPANS, ProcedureEntityLinker
from bot.components.tokenizer import MASK, VietnameseTokenizer
from core.text import canonical_dossier_code


def entities(message, name):
    return [e for e in message.get("entities", []) if e["entity"] == name]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("tra cứu hồ sơ 000.00.12.H48-241105-0012 giúp em", "000.00.12.H48-241105-0012"),
        ("ma ho so 0000012h48-241105-0012", "000.00.12.H48-241105-0012"),
        ("hồ sơ 000 00 12 H48 241105 0012 đến đâu rồi", "000.00.12.H48-241105-0012"),
    ],
)
def test_dossier_codes_are_extracted_with_their_span(text, expected):
    [message] = DossierCodeExtractor().process([Message.build(text)])
    [entity] = entities(message, "dossier_code")
    assert entity["value"] == expected
    assert canonical_dossier_code(text[entity["start"] : entity["end"]]) == expected


def test_no_dossier_code_in_ordinary_text():
    [message] = DossierCodeExtractor().process([Message.build("số điện thoại 0912345678, cccd 012345678901")])
    assert entities(message, "dossier_code") == []


@pytest.fixture(scope="module")
def linker(seeded_sqlite_url):
    return ProcedureEntityLinker({**ProcedureEntityLinker.get_default_config(), "database_url": seeded_sqlite_url})


def link(linker, text):
    message = Message.build(text)
    VietnameseNormalizer().process([message])
    linker.process([message])
    return message


@pytest.mark.parametrize(
    "text,code,mention",
    [
        ("làm hộ chiếu cần giấy tờ gì", "1.001456", "hộ chiếu"),
        ("lam gks cho be het bao nhieu tien", "1.001193", "gks"),
        ("Cho em hỏi nhập hộ khẩu cho vợ thì nộp ở đâu ạ", "1.004222", "nhập hộ khẩu"),
        ("xac nhan doc than mat may ngay", "1.004873", "xac nhan doc than"),
    ],
)
def test_procedure_mentions_link_to_codes_on_the_users_words(linker, text, code, mention):
    message = link(linker, text)
    [entity] = entities(message, "procedure")
    assert entity["value"] == code
    assert mention in text[entity["start"] : entity["end"]]
    assert message.get(MENTION_SPANS) == [(entity["start"], entity["end"])]


def test_ambiguous_mention_carries_at_most_four_labelled_candidates(linker):
    [entity] = entities(link(linker, "căn cước cần giấy tờ gì"), "procedure")
    candidates = entity["candidates"]
    assert 2 <= len(candidates) <= 4
    assert {"1.014061", "1.014063", "1.014064"} & {c["code"] for c in candidates}
    assert all(c["label"] and len(c["label"]) <= 90 for c in candidates)
    assert len({c["label"] for c in candidates}) == len(candidates)  # the choices say how they differ


@pytest.mark.parametrize("text", ["thủ tục 1.004222 cần gì", "ma 1004222", "1.004222"])
def test_an_official_code_links_its_procedure(linker, text):
    [entity] = entities(link(linker, text), "procedure")
    assert entity["value"] == "1.004222" and "candidates" not in entity


@pytest.mark.parametrize(
    "text", ["đăng ký", "nước ngoài", "bản sao", "lấy kết quả ở đâu", "sao lâu vậy", "đăng ký nghĩa vụ quân sự"]
)
def test_a_partial_word_or_an_unknown_matter_links_nothing(linker, text):
    assert entities(link(linker, text), "procedure") == []


def test_glued_words_link_the_procedure(linker):
    [entity] = entities(link(linker, "dangkykethon can gi"), "procedure")
    assert entity["value"] == "1.000894"


@pytest.mark.parametrize("text", ["thế lệ phí bao nhiêu", "cần giấy tờ gì", "xin chào", "ok cảm ơn", "😀"])
def test_follow_ups_and_small_talk_link_nothing(linker, text):
    assert entities(link(linker, text), "procedure") == []


def test_catalogue_down_links_nothing_and_does_not_fail():
    broken = ProcedureEntityLinker(
        {**ProcedureEntityLinker.get_default_config(), "database_url": "postgresql://nobody@127.0.0.1:1/none"}
    )
    message = Message.build("làm hộ chiếu")
    broken.process([message])
    assert entities(message, "procedure") == []


def test_training_data_gets_the_same_masks_as_run_time(linker):
    example = Message.build("lam ho chieu can giay to gi", intent="ask_documents")
    VietnameseNormalizer().process([example])
    linker.process_training_data(TrainingData([example]))
    tokens = VietnameseTokenizer(VietnameseTokenizer.get_default_config()).tokenize(example, "text")
    lemmas = [t.lemma for t in tokens]
    assert MASK in lemmas and "giay" in " ".join(lemmas)
