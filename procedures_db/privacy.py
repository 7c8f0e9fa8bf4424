"""Redaction of citizens' personal data in free text: the one place where the rules live.

Citizens type their identity numbers, phone numbers, names and dossier codes into
the chat. The conversation itself needs them (the NLU and the actions see the
original text), but what is *persisted* (the tracker store) and what is *logged*
goes through :func:`redact` first. No Rasa here: the tracker store
(``bot/tracker_store.py``), the servers' logs (:func:`install_log_redaction`,
installed by ``bot/logging_filter.py``) and anything in this package use it.
What is stored where: docs/privacy.md.

What is replaced, by which typed placeholder:

======================================  ===============
CCCD (12 digits)                        ``[CCCD]``
old CMND (9 digits)                     ``[CMND]``
phone (0xxxxxxxxx, 02x landline, +84)   ``[SĐT]``
dossier code (000.00.12.H48-...)        ``[MÃ HỒ SƠ]``
e-mail address                          ``[EMAIL]``
name after "tên tôi là", "tôi tên"...   ``[HỌ TÊN]``
digits answering "4 số cuối SĐT"        ``[4 SỐ CUỐI]`` (:func:`redact_digits`)
======================================  ===============

Digits may be grouped with spaces, dots or hyphens ("0912.345.678",
"079 095 001 234"). Amounts written with thousands dots ("150.000.000 đồng")
are left alone. Names are found best-effort after the phrases citizens use
to introduce themselves, with or without diacritics; a name given without
such a phrase is not recognised (nothing in free text says it is a name).
Placeholders contain no digits, so redacting twice changes nothing.
"""
from __future__ import annotations

import logging
import re
import traceback
import unicodedata
from typing import Any

from procedures_db.text import DOSSIER_CODE_PATTERN, fold

CCCD = "[CCCD]"
CMND = "[CMND]"
PHONE = "[SĐT]"
DOSSIER_CODE = "[MÃ HỒ SƠ]"
EMAIL = "[EMAIL]"
NAME = "[HỌ TÊN]"
LAST_DIGITS = "[4 SỐ CUỐI]"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Runs of digit groups separated by one space, dot or hyphen; "+84" may lead.
_DIGIT_RUN = re.compile(r"(?<![\w+])(\+?\d+(?:[ .\-]\d+)*)(?![\w])")
_GROUP_SEPARATOR = re.compile(r"[ .\-]")
# Any run of 3+ digits (with separators): what answers "the last 4 digits of your phone".
_ANY_DIGITS = re.compile(r"\d(?:[ .\-]?\d){2,}")

# Phrases that introduce a name (folded: lowercase, no diacritics). After a
# strong phrase any words are taken; after a weak one ("tôi là") only words
# starting with a capital letter (otherwise "tôi là công dân" would lose words).
_PRONOUNS = r"(?:toi|em|minh|tui|tao|con|chau|be|anh|chi|ong|ba|me|bo|vo|chong|ban)"
_STRONG_TRIGGER = re.compile(
    r"(?<![a-z])(?:ho\s+va\s+ten|ho\s+ten|ten\s+(?:cua\s+)?" + _PRONOUNS + r"(?:\s+la)?"
    r"|" + _PRONOUNS + r"\s+ten(?:\s+la)?|ten\s+la|ten\s+toi)(?![a-z])\s*(?::|-)?\s*"
)
_WEAK_TRIGGER = re.compile(r"(?<![a-z])(?:toi|em|minh|tui)\s+la(?![a-z])\s*")
_WORD = re.compile(r"[^\W\d_]+")
_MAX_NAME_WORDS = 5
# Words that end a name typed in lowercase: the sentence goes on. A capitalised
# word is always taken as part of the name ("Nguyễn Thế Anh"). Compared with
# diacritics when the citizen typed them (so "Đăng", "Nam", "Tài" stay names),
# folded otherwise; the folded list leaves out every syllable that is also a
# name once its accents are gone (thi/Thị, thanh, lam, tu, nhung, nha, chu...):
# a name cut short leaks, a word too many does not.
_STOP_ACCENTED = frozenset(
    "và muốn cần hỏi ở sinh số nhà đang làm xin cho thì nay có được ạ nhé với để về tôi "
    "em hiện năm tuổi là mà không vậy thế gì như tại sống quê hộ điện đến từ bị đã sẽ ơi "
    "à nhưng rồi cũng đi hay hoặc mình đâu chứ nhờ giúp hiện tại thường trú cha mẹ bố thành trong "
    "trên của người khai giấy thay đổi".split()
)
_STOP_FOLDED = frozenset(
    "va muon mun can hoi o so xin cho co duoc dc a nhe voi de ve toi em tuoi la khong ko k vay gi "
    "den bi da se oi roi di hay hoac cccd cmnd sdt dt giup sinh cha me bo tren cua nguoi giay thay doi".split()
)


# Texts the rules left unchanged, so holding no personal data: a stored event repeats
# them (model id, intent and action names, the bot's fixed replies, button titles),
# and running the rules on them was most of a tracker save. Bounded; emptied when full.
_UNCHANGED: dict[str, None] = {}
_UNCHANGED_MAX = 4096


def redact(text: str) -> str:
    """``text`` with identity numbers, phones, dossier codes, e-mails and names replaced."""
    if not text or not isinstance(text, str) or text in _UNCHANGED:
        return text
    redacted = _redact_rules(text)
    if redacted == text:
        if len(_UNCHANGED) >= _UNCHANGED_MAX:
            _UNCHANGED.clear()
        _UNCHANGED[text] = None
    return redacted


def _redact_rules(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub(EMAIL, text)
    text = DOSSIER_CODE_PATTERN.sub(DOSSIER_CODE, text)
    text = _DIGIT_RUN.sub(_redact_digit_run, text)
    return _redact_names(text)


def redact_digits(text: str, placeholder: str = LAST_DIGITS) -> str:
    """Every run of 3 or more digits replaced (a message answering a question about digits)."""
    if not text or not isinstance(text, str):
        return text
    return _ANY_DIGITS.sub(placeholder, redact(text))


def redact_value(value: Any) -> Any:
    """:func:`redact` applied to every string inside lists and dicts (keys are kept)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(item) for item in value]
    return value


# JSON log lines escape non-ASCII ("t\u00ean t\u00f4i l\u00e0"): decode those
# (never quotes, backslashes or control characters, nor surrogate halves) so the
# name rule sees the words; the line stays valid JSON.
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def redact_log_text(text: str) -> str:
    """:func:`redact` for log lines, which may be JSON with escaped Vietnamese."""
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(_decode_non_ascii_escape, text)
    return redact(text)


class RedactingLogFilter(logging.Filter):
    """Rewrites a log record's message, traceback and stack text in place; never drops it.

    Fields passed as ``extra`` are not rewritten (Sanic's access log puts the request
    line there; this project's webhooks and API carry citizens' text in bodies).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        redact_log_record(record)
        return True


def redact_log_record(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, "_personal_data_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a malformed call (wrong % arguments): leave it to the handler's error path
        return record
    redacted = redact_log_text(message)
    if redacted != message or record.args:
        record.msg, record.args = redacted, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact_log_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    if record.stack_info:
        record.stack_info = redact_log_text(record.stack_info)
    record._personal_data_redacted = True
    return record


_log_redaction_installed = False


def install_log_redaction() -> RedactingLogFilter:
    """Redacts every log record this process creates from now on (idempotent).

    Hooked into the log record factory, where every record is born: a filter on
    the root logger would miss records propagated from child loggers, and one on
    the root handlers would miss handlers added later (Rasa adds coloredlogs and
    structlog after reading its logging configuration; Sanic configures its own).
    Only records that pass their logger's level are built, so only emitted lines
    cost anything.
    """
    global _log_redaction_installed
    if not _log_redaction_installed:
        previous = logging.getLogRecordFactory()

        def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            return redact_log_record(previous(*args, **kwargs))

        logging.setLogRecordFactory(redacting_factory)
        _log_redaction_installed = True
    return RedactingLogFilter()


def _decode_non_ascii_escape(match: re.Match) -> str:
    code = int(match.group(1), 16)
    if code < 0x80 or 0xD800 <= code <= 0xDFFF:
        return match.group(0)
    return chr(code)


def _redact_digit_run(match: re.Match) -> str:
    run = match.group(1)
    groups = _GROUP_SEPARATOR.split(run)
    separators = _GROUP_SEPARATOR.findall(run)
    if _is_amount(groups, separators):
        return run
    # Try the longest window of consecutive groups first, so that "0912 345 678"
    # is one phone number while "2023 0912345678" keeps the year.
    out: list[str] = []
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            label = _classify("".join(groups[i:j]))
            if label:
                out.append(label)
                i = j
                break
        else:
            out.append(groups[i])
            i += 1
        if i < len(groups):
            out.append(separators[i - 1])
    return "".join(out)


def _is_amount(groups: list[str], separators: list[str]) -> bool:
    """150.000.000 (thousands grouped with dots or commas, no leading zero)."""
    return (
        len(groups) > 1
        and all(sep in ".," for sep in separators)
        and not groups[0].lstrip("+").startswith("0")
        and 1 <= len(groups[0]) <= 3
        and all(len(group) == 3 for group in groups[1:])
    )


def _classify(digits: str) -> str | None:
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit():
        return None
    if (plus or digits.startswith("84")) and len(digits) == 11:
        return PHONE
    if digits.startswith("0") and (len(digits) == 10 or (len(digits) == 11 and digits.startswith("02"))):
        return PHONE
    if len(digits) == 12:
        return CCCD
    if len(digits) == 9:
        return CMND
    return None


class _SameLengthFold(dict):
    """``str.translate`` table filled on first use: folding char by char was a third of a tracker save."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = fold(ch)
        self[code] = folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch
        return self[code]


_SAME_LENGTH_FOLD = _SameLengthFold()


def _fold_same_length(text: str) -> str:
    """Lowercase without diacritics, one character per character (indexes stay valid)."""
    return text.translate(_SAME_LENGTH_FOLD)


def _redact_names(text: str) -> str:
    folded = _fold_same_length(text)
    spans: list[tuple[int, int]] = []
    for trigger, capitalised_only in ((_STRONG_TRIGGER, False), (_WEAK_TRIGGER, True)):
        for match in trigger.finditer(folded):
            span = _name_after(text, match.end(), capitalised_only)
            if span:
                spans.append(span)
    if not spans:
        return text
    spans.sort()
    out, last = [], 0
    for start, end in spans:
        if start < last:  # overlapping triggers ("tên tôi là" and "tôi là")
            continue
        out.append(text[last:start])
        out.append(NAME)
        last = end
    out.append(text[last:])
    return "".join(out)


def _name_after(text: str, position: int, capitalised_only: bool) -> tuple[int, int] | None:
    start = end = None
    words = 0
    while words < _MAX_NAME_WORDS:
        gap = text[position:]
        stripped = gap.lstrip(" ")
        match = _WORD.match(stripped)
        if not match or (words and len(gap) - len(stripped) > 1):
            break
        word = match.group()
        if not word[0].isupper() and (capitalised_only or _is_stop_word(word)):
            break
        word_start = position + (len(gap) - len(stripped))
        start = word_start if start is None else start
        end = word_start + len(word)
        position = end
        words += 1
    return (start, end) if start is not None else None


def _is_stop_word(word: str) -> bool:
    lower = word.lower()
    folded = fold(lower)
    if lower != folded:  # typed with diacritics: compare exactly
        return lower in _STOP_ACCENTED
    return folded in _STOP_FOLDED
