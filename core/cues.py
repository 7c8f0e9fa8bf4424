"""What a message signals beside its intent: a complaint, leaving a form, English, an ID number, a procedure.

Pure functions over the citizen's text, used by the dialogue's actions to pick
the path the intent alone cannot: a "góp ý" intent that is a complaint
(khiếu nại, phản ánh, kiến nghị) and not a rating; "thôi", "hủy" inside a form;
a question in English; an identity number typed into the chat; a request for
an administrative procedure the catalogue does not hold ("hoãn nghĩa vụ quân
sự") rather than something outside administrative procedures ("giá vàng").
Patterns are written on folded text (core.text.folded_text: no diacritics,
lower case, abbreviations expanded), so accented, unaccented and abbreviated
messages are read alike.
"""

from __future__ import annotations

import re
from typing import Optional

from core.ranking import vietnamese_syllables
from core.redaction import scan_personal_data
from core.text import folded_text

# --- complaints: a grievance to be handled by staff, not a satisfaction rating ---------------------
_COMPLAINT = re.compile(
    r"\b(khieu nai|khieu kien|phan anh|kien nghi|to cao|buc xuc|khong hai long voi|nhung nhieu|vo trach nhiem|"
    r"hach dich|quat|gay kho de|doi tien|tre hen|hen di hen lai|hen nhieu lan|\d+ lan (?:van|roi|ma)|complain|complaint)\b"
)


_EXPLICIT_COMPLAINT = re.compile(r"\b(khieu nai|khieu kien|phan anh|kien nghi|to cao)\b")
# Words of someone who chose to rate or comment on the service.
# "sao" only as stars ("5 sao", "mấy sao"): alone it asks why ("sao lâu vậy"); "ý kiến" not as a paper or a
# consent of the dossier ("hỏi ý kiến bé", "ý kiến đồng ý của con").
_RATING_OFFER = re.compile(
    r"\b(danh gia|gop y|nhan xet|hai long|cham diem|\d+ ?sao|may sao|(?<!hoi )(?<!xin )(?<!lay )y kien(?! dong y)|"
    r"chat luong|phuc vu|dich vu)\b"
)


def is_complaint(text: str) -> bool:
    return bool(_COMPLAINT.search(folded_text(text or "")))


def is_explicit_complaint(text: str) -> bool:
    """The citizen names it a complaint (khiếu nại, phản ánh, kiến nghị, tố cáo), whatever else it says."""
    return bool(_EXPLICIT_COMPLAINT.search(folded_text(text or "")))


def offers_a_rating(text: str) -> bool:
    """The message speaks of rating or commenting on the service ("đánh giá", "góp ý", "hài lòng")."""
    return bool(_RATING_OFFER.search(folded_text(text or "")))


# After a hand-over: asking about the person, the wait or the reference.
_ABOUT_HANDOFF = re.compile(
    r"\b(ma yeu cau|ma so|ma ho tro|can bo|nhan vien|nguoi that|co ai|ai do|tra loi|lien he lai|bao gio|khi nao)\b"
)


def asks_about_handoff(text: str) -> bool:
    return bool(_ABOUT_HANDOFF.search(folded_text(text or "")))


# --- a satisfaction rating the citizen chose to give ----------------------------------------------
_RATING_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5}
# A rating stated as one: "4 sao", "4/5", "5 điểm", "3*", "năm sao".
_STATED_RATING = re.compile(
    r"(?<![\d/.,])([1-5])\s*(?:sao|\*|/\s*5|diem)(?!\w)|\b(mot|hai|ba|bon|tu|nam)\s+(?:sao|diem)\b"
)
# A reply that is the rating alone: "4", "4 a", "cho 5", "5 nhe", "bon".
_BARE_RATING = re.compile(
    r"^\s*(?:(?:cho|danh gia|chon)\s+)?(?:([1-5])|(mot|hai|ba|bon|tu|nam))\s*(?:a|nhe|nha|thoi)?\s*[.!]*\s*$"
)


def parse_rating(text: str, bare_allowed: bool = True) -> Optional[int]:
    """The 1–5 rating in ``text``: stated with a unit ("4 sao"), or the whole reply ("4") when ``bare_allowed``.

    A number inside a sentence is not a rating ("hẹn tôi 3 lần" is not 3 stars).
    """
    folded = folded_text(text or "")
    match = _STATED_RATING.search(folded) or (_BARE_RATING.match(folded) if bare_allowed else None)
    if not match:
        return None
    return int(match.group(1)) if match.group(1) else _RATING_WORDS[match.group(2)]


def rating_comment(text: str) -> Optional[str]:
    """The comment given with a stated rating in one message ("5 sao, cán bộ hướng dẫn nhiệt tình"): the
    message, when three words or more remain besides the rating; None otherwise ("cho 5 sao nhé")."""
    folded = folded_text(text or "")
    match = _STATED_RATING.search(folded)
    if not match:
        return None
    rest = (folded[: match.start()] + " " + folded[match.end() :]).split()
    words = [w for w in rest if w.isalpha() and w not in {"cho", "a", "nhe", "nha", "thoi", "danh", "gia", "toi"}]
    return text.strip() if len(words) >= 3 else None


# --- leaving a form ---------------------------------------------------------------------------------
_STOP = re.compile(
    r"^\s*(?:(?:thoi|huy|huy bo|dung|dung lai|khong|khong a|bo qua|khoi|cancel|stop|quit)\s*(?:a|nhe|nha|nua)?\s*[.!,]*\s*$"
    r"|(?:thoi|huy|huy bo)\b.*"
    r"|.*\b(?:thoi|huy|dung lai|khong can nua|khong tra nua|khong tra cuu nua|khong danh gia nua|"
    r"khong can|bo qua|khoi)\s*(?:a|nhe|nha)?\s*[.!]*\s*$)"
)
_STOP_MAX_WORDS = 8


def is_stop(text: str) -> bool:
    """ "thôi", "hủy", "không", "thôi không cần nữa", "ko nhớ mã, thôi": the citizen leaves the form."""
    folded = folded_text(text or "")
    return len(folded.split()) <= _STOP_MAX_WORDS and bool(_STOP.match(folded))


# --- English ----------------------------------------------------------------------------------------
# Clearly English words (none is also an unaccented Vietnamese syllable: not "can", "do", "the", "to", "an").
_ENGLISH_WORDS = frozenset(
    "what how where when why which who does did could would should is are your you we of for with and "
    "please help need want get lost much long take register registration card passport birth marriage "
    "human person talk hello hi thanks thank this that there have has about apply work if ready number "
    "buy check speak staff officer someone certificate permit residence temporary online cost fee "
    # Not Vietnamese typed without accents ("can", "the", "do", "to", "my", "it" are: cần, thẻ, do, to, Mỹ, ít).
    "i'd i'm like marry married wife husband baby daughter born died our her his their here was were "
    "papers documents vietnamese foreigner fiance fiancee "
    # Everyday words of questions outside the catalogue ("which is the best pho restaurant in District 1").
    "best good restaurant district weather price food near nearest find city recommend tell know from will".split()
)
_VIETNAMESE_MARK = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


def is_english(text: str) -> bool:
    """A message in English: no Vietnamese letters, at least 3 words, 2 or more of them clearly English, and
    nearly a third English: listed, or of five letters or more and no Vietnamese syllable ("anything",
    "criminal", "complaint"; Vietnamese typed without accents never has such words, its abbreviations are short)."""
    if not text or _VIETNAMESE_MARK.search(text):
        return False
    words = re.findall(r"[a-z']+", text.lower())
    listed = sum(word in _ENGLISH_WORDS for word in words)
    syllables = vietnamese_syllables()
    unvietnamese = sum(
        word not in _ENGLISH_WORDS and len(word) >= 5 and word.strip("'") not in syllables for word in words
    )
    return len(words) >= 3 and listed >= 2 and (listed + unvietnamese) / len(words) >= 0.3


# English words for the catalogue's procedures and questions: a search query in Vietnamese.
# The procedures an English question may name: the catalogue search (in Vietnamese) for each and its
# name in English. The first pattern found wins, so the more specific come first.
ENGLISH_PROCEDURES = tuple(
    (re.compile(pattern), query, name)
    for pattern, query, name in (
        (r"\bpassports?\b", "cap ho chieu pho thong", "a passport"),
        (r"\btemporary residen", "dang ky tam tru", "temporary residence registration"),
        (r"\bpermanent residen", "dang ky thuong tru", "permanent residence registration"),
        (r"\b(?:id|identity|citizen(?:ship)?) cards?\b", "cap lai the can cuoc", "an ID card"),
        (r"\bcriminal record", "phieu ly lich tu phap", "a criminal record certificate"),
        (r"\bdriv(?:ing|er'?s?) licen[cs]e", "giay phep lai xe", "a driving licence"),
        (r"\bhousehold business", "dang ky thanh lap ho kinh doanh", "household business registration"),
        (r"\b(?:building|construction) permit", "giay phep xay dung", "a building permit"),
        (r"\bcertif(?:ied|y) (?:a )?cop(?:y|ies)\b|\bnotari[sz]", "chung thuc ban sao", "certified copies"),
        (r"\b(?:birth|born|newborn)\b", "dang ky khai sinh", "birth registration"),
        (r"\b(?:marry|marriage|married|wedding)\b", "dang ky ket hon", "marriage registration"),
        (r"\b(?:death|died|passed away)\b", "dang ky khai tu", "death registration"),
    )
)
# The procedures that have a variant "có yếu tố nước ngoài" for a party who is not Vietnamese.
ENGLISH_FOREIGN_VARIANT = {
    "dang ky khai sinh": "dang ky khai sinh co yeu to nuoc ngoai",
    "dang ky ket hon": "dang ky ket hon co yeu to nuoc ngoai",
    "dang ky khai tu": "dang ky khai tu co yeu to nuoc ngoai",
}
# A party who is not Vietnamese: a foreign nationality, or an English writer whose partner is the Vietnamese one.
ENGLISH_FOREIGN = re.compile(
    r"\b(american|foreign|foreigner|fiance|fiancee|expat|british|english|french|german|korean|japanese|chinese|"
    r"australian|canadian|taiwanese|thai|indian|russian|italian|spanish|dutch|swedish|norwegian|danish|filipino|"
    r"indonesian|malaysian|singaporean|laotian|cambodian|irish|scottish|new zealander)\b"
    r"|\bmy vietnamese (?:wife|husband|girlfriend|boyfriend|fianc\w*|partner|spouse)\b"
)
ENGLISH_ASPECTS = (
    ("ask_fee", re.compile(r"\b(cost|fee|fees|price|how much|pay)\b")),
    ("ask_processing_time", re.compile(r"\b(how long|take|days|time)\b")),
    ("ask_online", re.compile(r"\b(online|internet|website)\b")),
    ("ask_documents", re.compile(r"\b(documents?|papers?|bring|need to prepare)\b")),
    ("ask_where_to_submit", re.compile(r"\b(where)\b")),
    ("ask_steps", re.compile(r"\b(how do|how can|what should|steps?|apply|process)\b")),
)
ENGLISH_HUMAN = re.compile(r"\b(human|person|staff|officer|someone|real people|agent)\b")


# --- identity numbers typed into the chat -----------------------------------------------------------
_ID_KINDS = ("[CCCD]", "[CMND]")


def id_numbers(text: str) -> list[str]:
    """The identity numbers (12-digit CCCD, 9-digit CMND) written in ``text``."""
    return [value for kind, value in scan_personal_data(text or "") if kind in _ID_KINDS]


# --- an administrative procedure, named or asked for ------------------------------------------------
_PROCEDURE_REQUEST = re.compile(
    r"\b(thu tuc|giay phep|cap phep|dang ky|xin cap|cap giay|cap lai|cap doi|gia han|chung nhan|chung chi|"
    r"ho so|nghia vu quan su|hoan nghia vu|sang ten|sang nhuong|chuyen nhuong|con nuoi|visa|thi thuc|"
    r"ma so thue|thue|chuyen truong|bang lai|giay phep lao dong|chuyen muc dich|an toan thuc pham|"
    r"xin giay|lam giay|lam the|cap the|bao hiem|tro cap|ho khau|so do|giay to|hop phap hoa|lanh su|hanh nghe|"
    r"permit|licence|license|visa|register|registration|certificate|tax code)\b"
)


def asks_for_a_procedure(text: str) -> bool:
    """The message asks about an administrative procedure (whether or not the catalogue holds it)."""
    return bool(_PROCEDURE_REQUEST.search(folded_text(text or "")))


_QUESTION = re.compile(
    r"\b(the nao|ra sao|o dau|bao gio|bao lau|bao nhieu|can gi|lam sao|cach nao|duoc khong|co duoc)\b"
    r"|\b(?:khong|chua)(?: a| vay| nhi)?\W*$"
)


def asks_a_question(text: str) -> bool:
    """The message is a question ("?", "thế nào", "ở đâu", "được không" …), not a statement or a wish."""
    return "?" in (text or "") or bool(_QUESTION.search(folded_text(text or "")))
