"""Every pattern that sees citizens' text runs in linear time (issue 19, finding 1).

A chat message is at most 2,000 characters (channels cut longer ones). Each
regular expression of the modules that read user text, and each function built
on them, is timed on adversarial messages of that length: long runs of spaces,
dots, digits and separators between the parts of a dossier code, phone number,
e-mail or name phrase, ending with a character that makes the match fail (what
forces a backtracking engine to try every split). Before the fix the dossier-code
pattern took 60 s on one of them; a hard limit of 0.2 s per call leaves a wide
margin. Time is the CPU time of the test's thread with the garbage collector
paused (a full collection of Rasa's and TensorFlow's objects takes longer than the
limit), and a call over the limit is timed once more: backtracking is
deterministic, a pause of the machine is not.
"""

from __future__ import annotations

import gc
import importlib
import re
import time

import pytest

from core.text import DOSSIER_CODE_PATTERN, canonical_dossier_code, normalize

MAX_MESSAGE = 2000
LIMIT_SECONDS = 0.2

# Modules whose regular expressions see user text (checked by grepping re. in
# procedures_db/, bot/ and actions/); every compiled pattern at module level is timed.
MODULES = [
    "core.text",
    "core.redaction",
    "core.dossier_rules",
    "procedures_db.dossiers",
    "procedures_db.records",
    "bot.rate_limit",
    "bot.channels.commands",
    "bot.channels.numbered_options",
    "bot.channels.web_sessions",
    "bot.channels.zalo",
    "bot.components.intent_classifier",
    "actions.dossier_status",
    "actions.feedback",
]

# The message of the report: it held the Rasa process 36.5 s.
REPORTED = "000.00.12.H48" + " " * 650 + "123456" + " " * 1325 + "x"

_PARTS = [
    "000.00.12.H48",
    "000",
    "0000012H48",
    "123456",
    "1234",
    "0",
    "1",
    "12",
    "+84",
    "a",
    "a@b",
    "ho",
    "ten",
    "toi la",
    "mot",
    "so",
    "#",
    "gop y",
    "\\u0030",
    "\u0301",
    "_",
    "x",
]
_FILLERS = [" ", ".", "-", "–", "\t", "\n", "1", "a", "@", "_", " - ", ". "]


def adversarial_messages() -> list[str]:
    messages = [REPORTED]
    for part in _PARTS:
        for filler in _FILLERS:
            # part, a long run, part, a long run, a character that makes the match fail
            run = filler * ((MAX_MESSAGE - 2 * len(part) - 1) // (2 * len(filler)))
            messages.append((part + run + part + run + "x")[:MAX_MESSAGE])
            # the part repeated with the filler between: many short candidate matches
            unit = part + filler
            messages.append((unit * (MAX_MESSAGE // len(unit) + 1))[: MAX_MESSAGE - 1] + "x")
    # Codes with runs inside each gap, and a code that is almost complete.
    for gap in (" " * 300, "-" * 300, " - " * 100, "." * 300):
        messages.append(("000" + gap + "00" + gap + "12" + gap + "H48" + gap + "241105" + gap + "001x")[:MAX_MESSAGE])
    messages.append(("000.00.12.H48-241105-001 " * 100)[:MAX_MESSAGE])
    assert all(len(message) <= MAX_MESSAGE for message in messages)
    return messages


MESSAGES = adversarial_messages()


def module_patterns() -> list[tuple[str, re.Pattern]]:
    patterns = []
    for name in MODULES:
        module = importlib.import_module(name)
        patterns += [(f"{name}.{attr}", value) for attr, value in vars(module).items() if isinstance(value, re.Pattern)]
    return patterns


def cpu_seconds(call, message: str) -> float:
    gc.disable()
    try:
        start = time.thread_time()
        call(message)
        return time.thread_time() - start
    finally:
        gc.enable()


def slowest(call) -> tuple[float, str]:
    worst = (0.0, "")
    for message in MESSAGES:
        elapsed = cpu_seconds(call, message)
        if elapsed >= LIMIT_SECONDS:
            elapsed = min(elapsed, cpu_seconds(call, message))
        worst = max(worst, (elapsed, message[:40]))
    return worst


def test_the_reported_message_is_read_at_once():
    assert cpu_seconds(DOSSIER_CODE_PATTERN.search, REPORTED) < LIMIT_SECONDS
    assert cpu_seconds(normalize, REPORTED) < LIMIT_SECONDS
    assert DOSSIER_CODE_PATTERN.search(REPORTED) is None
    assert [token.kind for token in normalize(REPORTED)] == ["word", "number", "word"]


@pytest.mark.parametrize("name, pattern", module_patterns(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_pattern_runs_in_linear_time(name, pattern):
    def run(text: str):
        subject = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text  # webhook bodies
        return list(pattern.finditer(subject)), pattern.match(subject), pattern.fullmatch(subject)

    elapsed, message = slowest(run)
    assert elapsed < LIMIT_SECONDS, f"{name} took {elapsed:.2f} s on {message!r}..."


def _guard_check(text: str):
    from bot.rate_limit import ChannelGuard, Rate

    guard = ChannelGuard(sender=Rate(1000, 60), ip=Rate(1000, 60), lookup=Rate(1000, 60))
    return guard.check("citizen", "198.51.100.7", text)


def _extract(text: str):
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.dossier_code_extractor import DossierCodeExtractor

    return DossierCodeExtractor().process([Message(data={"text": text})])


def _redact(text: str):
    from core.redaction import redact_digits, redact_log_text

    return redact_log_text(text), redact_digits(text)


def _normalise_and_tokenize(text: str):
    """The first two NLU components, as the trained pipeline runs them on a message."""
    from rasa.shared.nlu.training_data.message import Message

    from bot.components.normalizer import VietnameseNormalizer
    from bot.components.tokenizer import VietnameseTokenizer

    message = Message(data={"text": text})
    VietnameseNormalizer().process([message])
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config()).process([message])


def _public_and_lookup_text(text: str):
    from bot.channels.commands import lookup_text, public_text
    from bot.rate_limit import mentions_dossier_code

    payload = '/check_dossier_status{"dossier_code": "%s"}' % text.replace("\\", "").replace('"', "")
    return [(public_text(t), mentions_dossier_code(lookup_text(t))) for t in (text, payload[:MAX_MESSAGE])]


def _feedback(text: str):
    from actions.feedback import parse_rating

    return parse_rating(text)


def _choice(text: str):
    from bot.channels.numbered_options import parse_choice

    return parse_choice(text)


@pytest.mark.parametrize(
    "name, call",
    [
        ("normalize", normalize),
        ("canonical_dossier_code", canonical_dossier_code),
        ("rate limiter check", _guard_check),
        ("dossier code extractor", _extract),
        ("normaliser and tokenizer components", _normalise_and_tokenize),
        ("public channel text and lookup count", _public_and_lookup_text),
        ("log and tracker redaction", _redact),
        ("feedback rating", _feedback),
        ("numbered choice", _choice),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_functions_reading_user_text_run_in_linear_time(name, call):
    elapsed, message = slowest(call)
    assert elapsed < LIMIT_SECONDS, f"{name} took {elapsed:.2f} s on {message!r}..."


@pytest.mark.parametrize(
    "typed",
    [
        "000.00.12.H48-241105-0012",
        "000.00.12.h48-241105-0012",
        "0000012H48-241105-0012",
        "0000012H482411050012",
        "000 00 12 H48 241105 0012",
        "000.00.12.H48 - 241105 - 0012",
        "000.00.12.H48   –   241105   -   0012",
        "000.00.12.H48\n241105\n0012",
    ],
)
def test_accepted_code_formats_still_read(typed):
    assert canonical_dossier_code(typed) == "000.00.12.H48-241105-0012"
    assert DOSSIER_CODE_PATTERN.search(f"tra cứu hồ sơ {typed} giúp em").group() == typed
