"""What an attacker sends: adversarial texts of a given length and malformed request bodies.

The texts target the patterns that read user text (dossier codes with white
space between their parts, digit runs, names after a phrase, e-mails, word
chunks, typed ``/intent{...}`` payloads), each padded to an exact length; the
first one is finding 1's message scaled to that length.
"""

from __future__ import annotations

import json
from typing import Callable, Dict, List, Tuple

LENGTHS = (2_000, 20_000, 100_000)
CODE = "000.00.12.H48-251015-0009"


def _fit(text: str, length: int) -> str:
    """Exactly ``length`` characters: repeated or cut, the last character kept (it is what fails the match)."""
    if len(text) >= length:
        return text[: length - 1] + text[-1]
    return (text[:-1] * (length // max(1, len(text) - 1) + 1))[: length - 1] + text[-1]


def _runs(parts: List[str], length: int, gap: str = " ") -> str:
    """The parts separated by runs of ``gap`` that fill ``length`` (the run between parts is what backtracks)."""
    fixed = sum(len(p) for p in parts)
    run = max(1, (length - fixed) // max(1, len(parts) - 1))
    text = (gap * run).join(parts)
    return text[:length] if len(text) >= length else text + "x" * (length - len(text))


ADVERSARIAL: Dict[str, Callable[[int], str]] = {
    # Finding 1: "000.00.12.H48", ~1/3 spaces, "123456", ~2/3 spaces, "x" (held Rasa 36.5 s at 1,995 chars).
    "finding-1": lambda n: ("000.00.12.H48" + " " * ((n - 20) // 3) + "123456" + " " * (n - 20 - (n - 20) // 3) + "x")[
        :n
    ],
    "code-parts-spaced": lambda n: _runs(["000", "00", "12", "H48", "-", "251015", "-", "000x"], n),
    "code-parts-mixed-space": lambda n: _runs(["000.00.12.H48", "–", "251015", "–", "00x"], n, " \t\u00a0\u3000"),
    "code-prefix-repeated": lambda n: _fit("000.00.12.H48 251015 " * 3 + "x", n),
    "digit-groups": lambda n: _fit("0912 345 678 " * 3 + "x", n),
    "digits-only": lambda n: "9" * n,
    "dotted-words": lambda n: _fit("a.b-c/d." * 4 + "!", n),
    "name-phrase": lambda n: _fit("tên tôi là Nguyễn Văn An và " * 3 + ".", n),
    "email-like": lambda n: _fit("a.b+c-d" * 8 + "@x", n),
    "vietnamese-question": lambda n: _fit("làm hộ chiếu cần giấy tờ gì ạ " * 2 + "?", n),
    "typed-intent": lambda n: _fit('/check_dossier_status{"dossier_code": "' + " " * 40, n),
    "zero-width": lambda n: _fit("0\u200b9\u200c1\u200d2\ufeff" * 4 + "3", n),
    "emoji": lambda n: "😀" * n,
}


def adversarial_texts(lengths=LENGTHS) -> List[Tuple[str, str]]:
    """(label, text) for every pattern at every length."""
    return [(f"{name} x{length}", make(length)) for length in lengths for name, make in ADVERSARIAL.items()]


def deep_json(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# Bodies no endpoint may answer with a 5xx: not JSON, wrong JSON types, invalid UTF-8, deep nesting.
MALFORMED_BODIES: List[Tuple[str, bytes]] = [
    ("empty", b""),
    ("not json", b"not json at all"),
    ("truncated", b'{"sender": "x", "message": "hi'),
    ("array", b"[]"),
    ("array of objects", b'[{"sender": "x", "message": "hi"}]'),
    ("null", b"null"),
    ("number", b"1"),
    ("string", b'"hello"'),
    ("NaN", b'{"sender": "x", "message": NaN, "text": NaN}'),
    ("huge number", b'{"sender": 1e999999, "message": 1e999999, "text": 1e999999}'),
    ("invalid utf-8", b'{"sender": "x\xff\xfe", "message": "xin ch\xe0o", "text": "\xc3\x28"}'),
    ("utf-16", '{"sender": "x", "message": "xin chào", "text": "xin chào"}'.encode("utf-16")),
    ("nul bytes", b'{"sender": "x\\u0000y", "message": "a\\u0000b", "text": "a\\u0000b"}'),
    ("lone surrogate", b'{"sender": "\\ud800", "message": "\\udfff", "text": "\\ud800"}'),
    ("deep nesting 100k", deep_json(100_000)),
    (
        "deep nesting in object",
        b'{"sender": "x", "message": "hi", "text": "hi", "metadata": ' + deep_json(50_000) + b"}",
    ),
    ("nulls", json.dumps({"sender": None, "message": None, "text": None, "metadata": None}).encode()),
    ("wrong types", json.dumps({"sender": {"a": 1}, "message": ["hi"], "text": {"t": 1}, "metadata": "x"}).encode()),
    ("numbers", json.dumps({"sender": 12, "message": 34, "text": 56}).encode()),
    ("booleans", json.dumps({"sender": True, "message": False, "text": True}).encode()),
    ("metadata list", json.dumps({"sender": "x", "message": "hi", "text": "hi", "metadata": [1, 2]}).encode()),
    ("message_id object", json.dumps({"text": "hi", "message_id": {"a": 1}, "sender": "x", "message": "hi"}).encode()),
]
