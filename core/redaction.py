"""Redaction of citizens' personal data in free text: the one place where the rules live.

Citizens type their identity numbers, phone numbers, names, addresses and dossier
codes into the chat. The conversation itself needs them (the NLU and the actions
see the original text), but what is *persisted* (the tracker store) and what is
*logged* goes through :func:`redact` first. No Rasa here: the tracker store
(``bot/stores/tracker_store.py``), the servers' logs (:func:`install_log_redaction`,
installed by ``bot/logging_filter.py``) and anything in this package use it.
:func:`scan_personal_data` finds what the rules would remove (tests assert that
stored rows and log files hold none). What is stored where: docs/privacy.md.

What is replaced, by which typed placeholder:

=================================================  =================
CCCD (12 digits)                                   ``[CCCD]``
old CMND (9 digits)                                ``[CMND]``
phone (0xxxxxxxxx, 02x landline, +84, 8-digit      ``[SĐT]``
landline "3829 1234")
dossier code (000.00.12.H48-...)                   ``[MÃ HỒ SƠ]``
the 4 phone digits given with a code, after        ``[4 SỐ CUỐI]``
"4 số cuối", "đuôi", ``phone_last4``
e-mail address                                     ``[EMAIL]``
name after "tên tôi là", "Tên:", "Họ tên người     ``[HỌ TÊN]``
nộp:", "tôi là" + capitalised words...
home address: house number, alley (ngõ, ngách,     ``[ĐỊA CHỈ]``
hẻm, kiệt), street after them, village (thôn,
xóm, ấp, bản, tổ...)
date of birth (after "sinh ngày", "ngày sinh")     ``[NGÀY SINH]``
passport number (one letter + 7 digits)            ``[HỘ CHIẾU]``
bank account (digits after "stk", "số tài          ``[SỐ TÀI KHOẢN]``
khoản", a bank's name)
card number (13-19 digits, or 4-4-4-4 groups)      ``[SỐ THẺ]``
digits answering "4 số cuối SĐT"                   ``[4 SỐ CUỐI]`` (:func:`redact_digits`)
=================================================  =================

Before the rules run, the text is made plain: zero-width characters are removed
("09\u200b12...") and full-width or other scripts' digits become ASCII digits
("０９１２..."), so a phone cannot be hidden from the rules by typing tricks.
Digits may be grouped with spaces, dots or hyphens ("0912.345.678",
"079 095 001 234"). Left alone: amounts ("150.000.000 đồng", "15000000 đồng"),
dates other than a date of birth, years, procedure codes ("1.001193"), legal
references ("75/2022/TT-BTC"), hotlines (1800/1900...), decimals (confidences,
timestamps of events and log lines). Names and addresses are
found best-effort after the words that introduce them, with or without
diacritics; a name given without such a phrase is not recognised (nothing in free
text says it is a name). The addresses' commune, district and province stay
(the assistant needs them to say where to go; they identify no one).
Placeholders contain no digit runs, so redacting twice changes nothing.

Every rule runs in time linear in the text (bounded gaps and windows, no nested
unbounded repetition): citizens' messages reach 2,000 characters and the rules
run on every stored event and log line (tests/unit/core/test_redaction_table.py
times them on adversarial input).
"""

from __future__ import annotations

import logging
import re
import traceback
import unicodedata
from typing import Any, Callable, Iterable, List, Optional, Tuple

from core.text import DOSSIER_CODE_PATTERN, fold

CCCD = "[CCCD]"
CMND = "[CMND]"
PHONE = "[SĐT]"
DOSSIER_CODE = "[MÃ HỒ SƠ]"
EMAIL = "[EMAIL]"
NAME = "[HỌ TÊN]"
LAST_DIGITS = "[4 SỐ CUỐI]"
ADDRESS = "[ĐỊA CHỈ]"
BIRTH_DATE = "[NGÀY SINH]"
PASSPORT = "[HỘ CHIẾU]"
BANK_ACCOUNT = "[SỐ TÀI KHOẢN]"
CARD = "[SỐ THẺ]"
PLACEHOLDERS = (
    CCCD,
    CMND,
    PHONE,
    DOSSIER_CODE,
    EMAIL,
    NAME,
    LAST_DIGITS,
    ADDRESS,
    BIRTH_DATE,
    PASSPORT,
    BANK_ACCOUNT,
    CARD,
)

# --- the dialogue's personal data, by name (what the tracker store stores redacted) ----------------
# Entities and slots of the domain whose value is personal data the rules below cannot recognise
# (4 digits) or that is personal whatever its form: stored as the placeholder. A test checks that
# each name is one of the domain's (tests/unit/core/test_redaction_names.py): a renamed slot would
# otherwise be stored in clear.
PERSONAL_ENTITIES = {"dossier_code": DOSSIER_CODE, "phone_last4": LAST_DIGITS}
PERSONAL_SLOTS = {"phone_last4": LAST_DIGITS}
# A message answering the dossier form's request for one of these slots is digits, and personal:
# every run of 3+ digits in it is replaced.
DIGIT_ANSWER_SLOTS = {"phone_last4": LAST_DIGITS}

# Found on the way: (placeholder, the text it replaced); None when only redacting.
_Found = Optional[List[Tuple[str, str]]]

# --- plain text first -------------------------------------------------------------------------
# Invisible characters that could split a number ("09\u200b12345678"): removed. The
# zero-width joiner also builds emoji sequences: removed only next to a digit.
_INVISIBLE = frozenset([0x00AD, 0x180E, 0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF])
_JOINER_NEXT_TO_DIGIT = re.compile(r"(?<=\d)\u200d+|\u200d+(?=\d)")


class _PlainTable(dict):
    """``str.translate`` table filled on first use: every char maps to at most one char."""

    def __missing__(self, code: int) -> Optional[str]:
        ch = chr(code)
        if code in _INVISIBLE:
            out = None
        elif code < 0x80:
            out = ch
        elif (
            0xFF10 <= code <= 0xFF19
            or 0xFF21 <= code <= 0xFF3A
            or 0xFF41 <= code <= 0xFF5A
            or code in (0xFF0B, 0xFF0D, 0xFF0E, 0xFF20)
        ):  # full-width ０９１２, Ｈ, ＋, －, ．, ＠ (not CJK punctuation)
            out = chr(code - 0xFEE0)
        elif unicodedata.decimal(ch, None) is not None:  # other scripts' digits
            out = str(unicodedata.decimal(ch))
        elif unicodedata.category(ch) == "Zs":  # no-break, thin, ideographic spaces
            out = " "
        elif code in (0x2010, 0x2011, 0x2212):  # hyphen, no-break hyphen, minus sign
            out = "-"
        else:
            out = ch
        self[code] = out
        return out


_PLAIN = _PlainTable()


def _plain(text: str) -> str:
    if text.isascii():  # most log lines and stored events: nothing to make plain
        return text
    text = unicodedata.normalize("NFC", text).translate(_PLAIN)
    if "\u200d" in text:
        text = _JOINER_NEXT_TO_DIGIT.sub("", text)
    return text


# --- patterns on the plain text ---------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone or identity number glued to its label ("sdt0912345678", "cccd079095001234"):
# a space is put between them so that the digit rule sees the number.
_GLUED_LABEL = re.compile(
    r"(?i)(?<![^\W\d_])(sđt|sdt|đt|dt|tel|zalo|cccd|cmnd|cmt|stk|hotline|phone|mobile|didong|dđ)(?=\+?\d)"
)
# Runs of digit groups separated by one space, dot or hyphen; "+84" may lead.
_DIGIT_RUN = re.compile(r"(?<![\w+])(\+?\d+(?:[ .\-]\d+)*)(?![\w])")
_GROUP_SEPARATOR = re.compile(r"[ .\-]")
_DIGIT = re.compile(r"\d")
# Any run of 3+ digits (with separators): what answers "the last 4 digits of your phone".
_ANY_DIGITS = re.compile(r"\d(?:[ .\-]?\d){2,}")
# Vietnamese passports: one letter and 7 digits (C1234567, B1234567, N1234567).
_PASSPORT = re.compile(r"(?<![\w])[A-Za-z]\d{7}(?![\w])")
# A unit after a number makes it an amount ("15000000 đồng", "150000000đ").
_AMOUNT_UNIT = re.compile(
    r"\s{0,2}(?:đồng|đ|vnđ|vnd|dong|nghìn|ngàn|nghin|ngan|triệu|trieu|tr|tỷ|ty|k)(?![^\W\d_])", re.IGNORECASE
)
_WINDOW_GROUPS = 6  # a phone or an identity number is never typed in more groups than this
_MAX_NUMBER_DIGITS = 19

# --- patterns on the folded text (lowercase, no diacritics, same length) --------------------
_GAP = r"[^\d\n\[\]]{0,24}"  # label ... number: a few words, no digits (bounded: linear time)
# The phone's last 4 digits, after a dossier code or a phrase that announces them.
_LAST_DIGITS_CUE = re.compile(
    r"(?P<cue>\[ma ho so\]|\[4 so cuoi\]|phone_last4|last4|(?<![a-z])(?:4|bon)\s{0,2}(?:so|chu so)\s{0,2}cuoi"
    r"|(?<![a-z])duoi(?![a-z])|(?<![a-z])so cuoi(?![a-z]))"
    r"(?P<gap>[^\d\n\[\]]{0,40})(?P<digits>(?<![\w.,/])\d{4}(?![\w/]|[.,]\d))"
)
# Words that may stand between a dossier code and the digits ("mã X, số 5678").
_LAST_DIGITS_GAP_WORDS = frozenset(
    "va voi la so sdt dt dien thoai duoi cuoi 4 bon chu cua ma phone last4 value entity".split()
)
# "sinh ngày", "ngày sinh"... then a few words; "sinh", "ns" right before the date only
# ("khai sinh, hạn nộp 30/06/2025" is not a birth date).
_BIRTH_DATE = re.compile(
    r"(?<![a-z])(?:(?:ngay\s{1,2}thang\s{1,2}nam\s{1,2}sinh|ngay\s{1,2}sinh|sinh\s{1,2}ngay|sinh\s{1,2}nhat"
    r"|dob|date of birth|birthday)(?![a-z])" + _GAP + r"|(?:sinh|ns)(?![a-z])[\s:,]{0,3})"
    r"(?P<date>\d{1,2}\s{0,2}[/.\-]\s{0,2}\d{1,2}\s{0,2}[/.\-]\s{0,2}\d{2,4}"
    r"|\d{1,2}\s{1,2}thang\s{1,2}\d{1,2}(?:\s{0,2},?\s{0,2}nam\s{1,2}\d{4})?"
    r"|\d{8})(?![\w])"
)
_BANKS = (
    "vietcombank|vcb|techcombank|tcb|bidv|agribank|vietinbank|mbbank|mb bank|acb|tpbank|vpbank|sacombank|shb"
    "|hdbank|ocb|vib|msb|seabank|eximbank|lienvietpostbank|lpbank|namabank|bac a bank|scb|abbank|momo|zalopay"
)
_BANK_ACCOUNT = re.compile(
    r"(?<![a-z])(?:stk|so tk|tk ngan hang|so tai khoan|tai khoan|ngan hang|account|acc|"
    + _BANKS
    + r")(?![a-z])"
    + _GAP
    + r"(?P<number>(?<![\w])\d{2,19}(?:[ .\-]\d{2,6}){0,4})(?![\w])"
)
_CARD_LABEL = re.compile(
    r"(?<![a-z])(?:so the|the atm|the tin dung|the ghi no|visa|mastercard|jcb|napas)(?![a-z])"
    + _GAP
    + r"(?P<number>(?<![\w])\d{2,19}(?:[ .\-]\d{2,6}){0,4})(?![\w])"
)
_MIN_ACCOUNT_DIGITS = 6  # "ngân hàng ... năm 2024" is a year
_MIN_CARD_DIGITS = 12


def _mark(found: _Found, placeholder: str, original: str) -> str:
    if found is not None:
        found.append((placeholder, original))
    return placeholder


def _sub(pattern: re.Pattern, placeholder: str, text: str, found: _Found) -> str:
    return pattern.sub(lambda m: _mark(found, placeholder, m.group()), text)


def _sub_on_folded(
    pattern: re.Pattern,
    group: str,
    placeholder: str,
    text: str,
    found: _Found,
    accept: Callable[[re.Match, str], bool] = lambda match, text: True,
) -> str:
    """Replaces ``group`` of each match of ``pattern`` on the folded text, in the original text."""
    folded = _fold_same_length(text)
    out, last = [], 0
    for match in pattern.finditer(folded):
        start, end = match.span(group)
        if start < last or not accept(match, text):
            continue
        out.append(text[last:start])
        out.append(_mark(found, placeholder, text[start:end]))
        last = end
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _last_digits_accepted(match: re.Match, text: str) -> bool:
    if _AMOUNT_UNIT.match(text, match.end("digits")):
        return False  # "dưới 5000 đồng"
    cue = match.group("cue")
    if cue == "duoi":  # "đuôi" (tail), not "dưới" (below) nor "đuổi"
        return text[match.start("cue") : match.end("cue")].lower() in ("duoi", "đuôi")
    if cue != "[ma ho so]":
        return True  # an explicit cue ("4 số cuối", phone_last4)
    # After a dossier code only when the words between announce the phone ("mã X số 5678",
    # "mã X - 5678"), not any 4 digits ("hồ sơ X nộp năm 2025").
    return set(re.findall(r"[a-z0-9_]+", match.group("gap"))) <= _LAST_DIGITS_GAP_WORDS


def _number_of_at_least(digits: int) -> Callable[[re.Match, str], bool]:
    """Accepts a labelled number of ``digits`` or more that is not an amount ("100.000 đồng")."""

    def accept(match: re.Match, text: str) -> bool:
        number = match.group("number")
        groups = _GROUP_SEPARATOR.split(number)
        return (
            sum(len(group) for group in groups) >= digits
            and not _is_amount(groups, _GROUP_SEPARATOR.findall(number))
            and not _AMOUNT_UNIT.match(text, match.end("number"))
        )

    return accept


# Name labels and phrases (folded: lowercase, no diacritics). After a strong phrase
# any words are taken; after a weak one ("tôi là") only words starting with a
# capital letter (otherwise "tôi là công dân" would lose words). A label ending
# in a colon ("Tên:", "Họ tên người nộp:", "Người yêu cầu:") is strong.
_PRONOUNS = r"(?:toi|em|minh|tui|tao|con|chau|be|anh|chi|ong|ba|me|bo|vo|chong|ban)"
_STRONG_TRIGGER = re.compile(
    r"(?<![a-z])(?:(?:ho\s+va\s+ten|ho\s+ten|ten|nguoi\s+nop|nguoi\s+yeu\s+cau|nguoi\s+dung\s+ten|chu\s+ho"
    r"|nguoi\s+khai|nguoi\s+nhan|full\s?name)(?:\s+[a-z]+){0,3}\s{0,3}:"
    r"|ho\s+va\s+ten|ho\s+ten|ten\s+(?:cua\s+)?" + _PRONOUNS + r"(?:\s+la)?"
    r"|" + _PRONOUNS + r"\s+ten(?:\s+la)?|ten\s+la|ten\s+toi)(?![a-z])\s{0,3}(?::|-)?\s{0,3}"
)
_WEAK_TRIGGER = re.compile(r"(?<![a-z])(?:toi|em|minh|tui)\s+la(?![a-z])\s{0,3}")
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
    "trên của người khai giấy thay đổi gái trai đẹp".split()
)
_STOP_FOLDED = frozenset(
    "va muon mun can hoi o so xin cho co duoc dc a nhe voi de ve toi em tuoi la khong ko k vay gi "
    "den bi da se oi roi di hay hoac cccd cmnd sdt dt giup sinh cha me bo tren cua nguoi giay thay doi gai trai dep".split()
)

# Address parts (folded). A home address is redacted from its house-level part
# (house number, alley, the street after them, the village) up to the commune,
# district or province, which stay.
_NUMBER = r"\d{1,5}[a-z]?(?:/\d{1,5}[a-z]?){0,3}"
_ALLEY = r"(?:ngo|ngach|hem|kiet)"
_VILLAGE = r"(?:thon|xom|ap|ban|to\s+dan\s+pho|tdp|to|khu\s+pho|kp|khoi|cum|doi|lang)"
_STREET = r"(?:duong|pho)"
_ADDRESS_START = re.compile(
    r"(?<![a-z0-9])(?:"
    r"(?P<house>(?:so\s{1,2}nha|nha\s{1,2}so|sn|dia\s{1,2}chi(?:\s{1,2}[a-z]{1,6}){0,2}\s{0,2}:?|so)\s{0,2}:?\s{0,2}"
    + _NUMBER
    + r"|"
    + _NUMBER
    + r")(?![\w/])"
    r"|(?P<alley>" + _ALLEY + r"\s{1,2}(?:so\s{1,2})?" + _NUMBER + r")(?![\w/])"
    r"|(?P<village>" + _VILLAGE + r")\s{1,2}(?=[^\W_])"
    r")"
)
_ADDRESS_NEXT = re.compile(
    r"\s{0,2},?\s{0,2}(?:(?P<alley>" + _ALLEY + r"\s{1,2}(?:so\s{1,2})?" + _NUMBER + r")(?![\w/])"
    r"|(?P<street>" + _STREET + r")\s{1,2}(?=[^\W\d_])|(?P<village>" + _VILLAGE + r")\s{1,2}(?=[^\W_]))"
)
# Ambiguous village words ("tổ chức", "bản sao", "ấp" / "áp dụng", "đổi"): a number or a
# capitalised name must follow, and when typed with diacritics they must be the right word.
_VILLAGE_ACCENTED = {"ap": "ấp", "ban": "bản", "to": "tổ", "doi": "đội", "khoi": "khối", "cum": "cụm", "lang": "làng"}
_ADMIN_WORDS = frozenset("phuong xa quan huyen thi tran thanh pho tp tinh p q tx tt".split())
_MAX_PLACE_WORDS = 4


# Texts the rules left unchanged, so holding no personal data: a stored event repeats
# them (model id, intent and action names, the bot's fixed replies, button titles),
# and running the rules on them was most of a tracker save. Bounded; emptied when full.
_UNCHANGED: dict[str, None] = {}
_UNCHANGED_MAX = 4096


def redact(text: str) -> str:
    """``text`` with identity numbers, phones, dossier codes, e-mails, names, addresses... replaced."""
    if not text or not isinstance(text, str) or text in _UNCHANGED:
        return text
    redacted = _redact_rules(text, None)
    if redacted == text:
        if len(_UNCHANGED) >= _UNCHANGED_MAX:
            _UNCHANGED.clear()
        _UNCHANGED[text] = None
    return redacted


# What the abuse tests look for in stored rows and logs: data that identifies a
# citizen by itself. Names and addresses are best-effort (a bot reply may look like one).
STRICT_KINDS = frozenset(
    {CCCD, CMND, PHONE, DOSSIER_CODE, EMAIL, LAST_DIGITS, PASSPORT, BANK_ACCOUNT, CARD, BIRTH_DATE}
)


def scan_personal_data(text: Any, kinds: Iterable[str] = STRICT_KINDS) -> List[Tuple[str, str]]:
    """The raw personal data in ``text`` (any JSON-like value), as ``(placeholder, text found)`` pairs.

    Empty when ``text`` holds none of ``kinds`` (placeholders such as :data:`PHONE`;
    default :data:`STRICT_KINDS`, ``PLACEHOLDERS`` for every rule). Runs the same
    rules as :func:`redact`: e.g. ``assert not scan_personal_data(log_text)``.
    Log lines with JSON escapes are decoded first, as :func:`redact_log_text` does.
    """
    wanted = frozenset(kinds)
    found: List[Tuple[str, str]] = []
    for piece in _strings(text):
        if "\\u" in piece:
            piece = _JSON_ESCAPE.sub(_decode_non_ascii_escape, piece)
        _redact_rules(piece, found)
    return [(kind, raw) for kind, raw in found if kind in wanted]


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)


def _redact_rules(text: str, found: _Found) -> str:
    text = _plain(text)
    if "@" in text:
        text = _sub(_EMAIL, EMAIL, text, found)
    if _DIGIT.search(text):  # every rule below but names and villages needs a digit
        text = _sub(DOSSIER_CODE_PATTERN, DOSSIER_CODE, text, found)
        text = _sub_on_folded(_LAST_DIGITS_CUE, "digits", LAST_DIGITS, text, found, _last_digits_accepted)
        text = _sub_on_folded(_BIRTH_DATE, "date", BIRTH_DATE, text, found)
        text = _sub_on_folded(_CARD_LABEL, "number", CARD, text, found, _number_of_at_least(_MIN_CARD_DIGITS))
        text = _sub_on_folded(
            _BANK_ACCOUNT, "number", BANK_ACCOUNT, text, found, _number_of_at_least(_MIN_ACCOUNT_DIGITS)
        )
        text = _sub(_PASSPORT, PASSPORT, text, found)
        if _GLUED_LABEL.search(text):
            text = _GLUED_LABEL.sub(r"\1 ", text)
        text = _DIGIT_RUN.sub(lambda match: _redact_digit_run(match, found), text)
    text = _redact_addresses(text, found)
    return _redact_names(text, found)


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


# Metadata keys whose values are personal data whatever they look like ("name": "An").
_PERSONAL_KEY = re.compile(
    r"(?:^|_)(?:name|ten|hoten|ho_ten|fullname|full_name|phone|sdt|tel|mobile|email|mail|address|dia_?chi"
    r"|cccd|cmnd|id_?number|passport|birth|dob|ngay_?sinh|account|stk|card|so_?the|avatar|ip|location)(?:$|_)"
)
REDACTED = "[ĐÃ ẨN]"


def redact_metadata(value: Any) -> Any:
    """Channel metadata as stored: :func:`redact_value`, numbers too, and personal keys' values hidden.

    Metadata comes from the client (REST ``metadata``, a channel's user profile):
    a value under a key such as ``name``, ``phone`` or ``address`` is replaced by
    :data:`REDACTED` whatever it looks like; numbers are redacted like text
    (``{"phone": 912345678}``).
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            personal = isinstance(key, str) and _PERSONAL_KEY.search(key.lower().replace("-", "_"))
            out[key] = REDACTED if personal and item not in (None, "", [], {}) else redact_metadata(item)
        return out
    if isinstance(value, (list, tuple)):
        return [redact_metadata(item) for item in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        redacted = redact(str(value))
        return value if redacted == str(value) else redacted
    return redact_value(value)


# JSON log lines escape non-ASCII ("t\u00ean t\u00f4i l\u00e0"): decode those
# (never quotes, backslashes or control characters, nor surrogate halves) so the
# name rule sees the words; the line stays valid JSON.
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


# In a log line, a quoted value (or a structlog ``key=value``, or Rasa's policy state
# "user text: 4321") made of 3 to 8 digits only is a citizen's message or slot such as
# the 4 phone digits: Rasa's DEBUG lines print them where nothing says what they answer.
# Numbers with a decimal point (confidences, timestamps) are left alone.
_LOG_DIGITS_VALUE = re.compile(r"(?:(?<!port=)(?<=['\"=])|(?<=text: ))\s{0,2}\d(?:[ \-]?\d){2,7}\s{0,2}(?=['\"]|\s|$)")


def redact_log_text(text: str) -> str:
    """:func:`redact` for log lines, which may be JSON with escaped Vietnamese.

    Also every quoted all-digit value of 3 to 8 digits (:data:`LAST_DIGITS`): a log
    line does not say which question a message answered.
    """
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(_decode_non_ascii_escape, text)
    return _LOG_DIGITS_VALUE.sub(LAST_DIGITS, redact(text))


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

    Python warnings are routed through logging too (``logging.captureWarnings``):
    printed directly, Rasa's warning for a malformed ``/intent{...}`` message
    showed the message as typed.
    """
    global _log_redaction_installed
    logging.captureWarnings(True)
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


def _redact_digit_run(match: re.Match, found: _Found) -> str:
    run = match.group(1)
    groups = _GROUP_SEPARATOR.split(run)
    separators = _GROUP_SEPARATOR.findall(run)
    if (
        _is_amount(groups, separators)
        or _is_decimal(groups, separators)
        or _AMOUNT_UNIT.match(match.string, match.end())
    ):
        return run
    # Try the longest window of consecutive groups first, so that "0912 345 678"
    # is one phone number while "2023 0912345678" keeps the year. Windows are at
    # most _WINDOW_GROUPS groups and _MAX_NUMBER_DIGITS digits: linear in the run.
    out: list[str] = []
    i = 0
    while i < len(groups):
        for j in range(min(len(groups), i + _WINDOW_GROUPS), i, -1):
            window = groups[i:j]
            if not 8 <= sum(len(group) for group in window) <= _MAX_NUMBER_DIGITS + 1:  # + the "+" of +84
                continue
            label = _classify(window, separators[i : j - 1])
            if label:
                out.append(
                    _mark(
                        found,
                        label,
                        "".join(
                            group + (separators[i + k] if k < len(window) - 1 else "") for k, group in enumerate(window)
                        ),
                    )
                )
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


def _is_decimal(groups: list[str], separators: list[str]) -> bool:
    """0.037494371395259005, 1796610228.0978367: a confidence or a timestamp in a log line or event.

    Not "0912.345678" (a leading zero before the point is a phone's, unless it is "0.").
    """
    return (
        separators == ["."] and len(groups[1]) >= 5 and (groups[0] == "0" or not groups[0].lstrip("+").startswith("0"))
    )


def _is_date(groups: list[str], separators: list[str]) -> bool:
    """12.03.1990, 12-3-1990: a date (only a date of birth is personal: its own rule)."""
    return (
        len(groups) == 3
        and len(set(separators)) == 1
        and separators[0] in ".-"
        and len(groups[0]) <= 2
        and len(groups[1]) <= 2
        and len(groups[2]) in (2, 4)
        and 1 <= int(groups[0]) <= 31
        and 1 <= int(groups[1]) <= 12
    )


def _classify(groups: list[str], separators: list[str]) -> str | None:
    digits = "".join(groups)
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isdigit() or _is_date(groups, separators):
        return None
    if (plus or digits.startswith("84")) and len(digits) == 11:
        return PHONE
    if digits.startswith("0") and (len(digits) == 10 or (len(digits) == 11 and digits.startswith("02"))):
        return PHONE
    if len(digits) == 12:
        return CCCD
    if len(digits) == 9:
        return CMND
    if len(digits) == 8 and _is_landline(groups):
        return PHONE
    lengths = [len(group) for group in groups]
    card_groups = len(groups) >= 3 and lengths[:-1] == [4] * (len(groups) - 1) and lengths[-1] <= 4  # 9704 1234 ...
    if 13 <= len(digits) <= _MAX_NUMBER_DIGITS and (len(groups) == 1 or card_groups):
        return CARD
    return None


def _is_landline(groups: list[str]) -> bool:
    """A local landline without its area code: "38291234", "3829 1234", "38 29 12 34"."""
    digits = "".join(groups)
    lengths = [len(group) for group in groups]
    if lengths not in ([8], [4, 4], [2, 2, 2, 2], [3, 3, 2], [2, 3, 3]):
        return False
    if digits[0] in "01" or digits.startswith(("1800", "1900")):  # hotlines, not people
        return False
    return not (lengths == [4, 4] and groups[0][:2] in ("19", "20"))  # "năm 2023 1234"


class _SameLengthFold(dict):
    """``str.translate`` table filled on first use: folding char by char was a third of a tracker save."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = fold(ch)
        self[code] = folded if len(folded) == 1 else ch.lower() if len(ch.lower()) == 1 else ch
        return self[code]


_SAME_LENGTH_FOLD = _SameLengthFold()


_last_fold: tuple[str, str] = ("", "")


def _fold_same_length(text: str) -> str:
    """Lowercase without diacritics, one character per character (indexes stay valid).

    The last result is kept (one tuple, replaced whole: safe across the tracker
    store's threads): the rules fold the same text several times when none of them
    changed it.
    """
    global _last_fold
    cached = _last_fold
    if cached[0] == text:
        return cached[1]
    folded = text.translate(_SAME_LENGTH_FOLD)
    _last_fold = (text, folded)
    return folded


def _replace_spans(text: str, spans: list[tuple[int, int]], placeholder: str, found: _Found) -> str:
    if not spans:
        return text
    spans.sort()
    out, last = [], 0
    for start, end in spans:
        if start < last:  # overlapping triggers ("tên tôi là" and "tôi là")
            continue
        out.append(text[last:start])
        out.append(_mark(found, placeholder, text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def _redact_names(text: str, found: _Found) -> str:
    folded = _fold_same_length(text)
    spans: list[tuple[int, int]] = []
    # Substring checks first: the trigger patterns are slow to scan and most texts hold none.
    strong = "ten" in folded or "nguoi" in folded or "chu ho" in folded or "name" in folded
    for trigger, capitalised_only, hint in ((_STRONG_TRIGGER, False, strong), (_WEAK_TRIGGER, True, "la" in folded)):
        for match in trigger.finditer(folded) if hint else ():
            span = _words_after(text, match.end(), _MAX_NAME_WORDS, capitalised_only)
            if span:
                spans.append(span)
    return _replace_spans(text, spans, NAME, found)


_SPACED_WORD = re.compile(r"( *)([^\W\d_]+)")


def _words_after(
    text: str, position: int, most: int, capitalised_only: bool, folded: Optional[str] = None
) -> tuple[int, int] | None:
    """The span of the name words at ``position`` (one space between them), or None.

    With ``folded`` (place names), an administrative word ("phường", "xã") ends the words.
    """
    start: int | None = None
    end = position
    words = 0
    while words < most:
        match = _SPACED_WORD.match(text, position)
        if not match or (words and len(match.group(1)) > 1):
            break
        word = match.group(2)
        if text[match.end(2) : match.end(2) + 1] in ("_", "-") or text[match.end(2) : match.end(2) + 1].isdigit():
            break  # part of an identifier ("action_listen", "H48"), not a name
        if folded is not None and _admin_word_at(folded, match.start(2)):
            break
        if not word[0].isupper() and (capitalised_only or _is_stop_word(word)):
            break
        start = match.start(2) if start is None else start
        end = position = match.end(2)
        words += 1
    return (start, end) if start is not None else None


def _is_stop_word(word: str) -> bool:
    lower = word.lower()
    folded = fold(lower)
    if lower != folded:  # typed with diacritics: compare exactly
        return lower in _STOP_ACCENTED
    return folded in _STOP_FOLDED


_ADMIN = re.compile(r"(?:phuong|xa|quan|huyen|tinh|tp|thi\s(?:xa|tran)|thanh\spho|p|q|tx|tt)(?![^\W_])")


def _admin_word_at(folded: str, position: int) -> bool:
    return bool(_ADMIN.match(folded, position))


# Every address holds a digit or one of these words: a quick check before the slow scan.
_VILLAGE_WORD = re.compile(r"(?<![a-z])" + _VILLAGE + r"\s")


def _redact_addresses(text: str, found: _Found) -> str:
    folded = _fold_same_length(text)
    if not _DIGIT.search(folded) and not _VILLAGE_WORD.search(folded):
        return text
    spans: list[tuple[int, int]] = []
    last = 0
    for match in _ADDRESS_START.finditer(folded):
        if match.start() < last:
            continue
        span = _address_at(text, folded, match)
        if span:
            spans.append(span)
            last = span[1]
    return _replace_spans(text, spans, ADDRESS, found)


_NUMBER_AT = re.compile(r"(?:so\s{1,2})?" + _NUMBER + r"(?![\w/])")


def _address_at(text: str, folded: str, match: re.Match) -> tuple[int, int] | None:
    """The span of the home address starting at ``match`` (of _ADDRESS_START), or None."""
    start, end = match.start(), match.end()
    if match.group("alley"):
        street = _words_after(text, end, _MAX_PLACE_WORDS, True, folded)
        end = street[1] if street else end
    if match.group("village"):
        village_end = _place_after(text, folded, match, "village")
        if village_end is None:
            return None
        end, enough = village_end, True
    else:
        house = match.group("house") or ""
        # "số nhà 12", "địa chỉ: 12" are addresses by themselves; "số 12", "12" only
        # when an alley, street or village follows ("số 12 ngõ 34", not "thông tư số 12").
        enough = bool(match.group("alley")) or bool(re.match(r"(?:so\s{1,2}nha|nha\s{1,2}so|sn|dia)", house))
        if house.startswith("dia"):  # "địa chỉ: 12 Lê Lợi": the street name may follow without "đường"
            words = _words_after(text, end, _MAX_PLACE_WORDS, True, folded)
            if words:
                end = words[1]
            label = re.match(r"dia\s{1,2}chi(?:\s{1,2}[a-z]{1,6}){0,2}\s{0,2}:?\s{0,2}", house)
            start = match.start() + (len(label.group()) if label else 0)
    while True:
        following = _ADDRESS_NEXT.match(folded, end)
        if not following:
            break
        kind = following.lastgroup or ""
        if kind == "alley":  # "ngõ 75 Giải Phóng", "kiệt 45 Trần Phú": a street may follow without "phố"
            end = following.end()
            street = _words_after(text, end, _MAX_PLACE_WORDS, True, folded)
            end = street[1] if street else end
        else:
            place_end = _place_after(text, folded, following, kind)
            if place_end is None:
                break
            end = place_end
        enough = True
    return (start, end) if enough else None


def _place_after(text: str, folded: str, match: re.Match, group: str) -> int | None:
    """End of "thôn Đông", "tổ 5", "phố Hàng Bạc" (``group`` of ``match`` is the keyword)."""
    keyword = folded[match.start(group) : match.end(group)]
    typed = text[match.start(group) : match.end(group)].lower()
    expected = _VILLAGE_ACCENTED.get(keyword)
    if expected and typed != keyword and typed != expected:  # "đổi", "áp", "bán": other words
        return None
    position = match.end()
    number = _NUMBER_AT.match(folded, position)
    if number:
        return number.end()
    strict = expected is not None or keyword in ("tdp", "kp")  # "tổ chức", "bản sao": a capital must follow
    words = _words_after(text, position, _MAX_PLACE_WORDS, strict, folded)
    return words[1] if words else None
