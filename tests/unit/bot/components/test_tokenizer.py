"""The underthesea tokenizer: words aligned to the original text whatever the input."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.components.normalizer import NORMALIZED_TOKENS, VietnameseNormalizer
from bot.components.tokenizer import VietnameseTokenizer, segment


@pytest.fixture(scope="module")
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def tokens_of(tokenizer, text, normalise_first=False):
    message = Message.build(text)
    if normalise_first:
        VietnameseNormalizer().process([message])
        assert message.get(NORMALIZED_TOKENS)
    return tokenizer.tokenize(message, "text")


def test_compound_words_are_one_token_with_a_folded_lemma(tokenizer):
    tokens = tokens_of(tokenizer, "Thủ tục đăng ký thường trú")
    assert [t.text for t in tokens] == ["thủ_tục", "đăng_ký", "thường_trú"]
    assert [t.lemma for t in tokens] == ["thu_tuc", "dang_ky", "thuong_tru"]


@pytest.mark.parametrize(
    "text",
    [
        "Thủ tục hoà giải ở  uỷ ban nhân dân xã",  # old tone placement and a double space
        "Cho e hỏi làm cccd cần j ạ???",  # abbreviations expand to several tokens
        "ĐĂNG KÝ KẾT HÔN",
        "Đăng ky\u0301 khai sinh",  # decomposed accent
        "tra ho so 000.00.12.H48-241105-0012 giup voi",
        "lam can cuoc cong dan can giay to gi",
        "phí 20k, còn 75/2022/TT-BTC thì sao?",
    ],
)
def test_tokens_align_to_the_original_text(tokenizer, text):
    for normalise_first in (False, True):
        tokens = tokens_of(tokenizer, text, normalise_first)
        assert tokens, text
        previous_start = -1
        for token in tokens:
            assert 0 <= token.start < token.end <= len(text)
            assert token.start >= previous_start
            previous_start = token.start
            assert text[token.start : token.end].strip() == text[token.start : token.end]


def test_dossier_code_is_one_token_never_glued_to_a_word(tokenizer):
    tokens = tokens_of(tokenizer, "tra ho so 000.00.12.H48-241105-0012 giup")
    assert "000.00.12.H48-241105-0012" in [t.text for t in tokens]


def test_segment_falls_back_to_syllables_when_words_do_not_match():
    assert segment([]) == []
    groups = segment(["căn", "cước", "công", "dân"])
    assert sorted(i for g in groups for i in g) == [0, 1, 2, 3]


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "?!", "a" * 5000])
def test_empty_or_odd_input_gives_no_crash(tokenizer, text):
    for token in tokens_of(tokenizer, text):
        assert 0 <= token.start < token.end <= len(text)
