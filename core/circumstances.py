"""Why a citizen needs a paper issued again, as their message says it: it was lost, or it is damaged,
expired or wrong. The cause picks the variant the catalogue splits the matter into ("Cấp lại thẻ căn
cước" for a lost card, "Cấp đổi thẻ căn cước" for a torn, expired or wrong one); a message that says
"làm lại" without a cause leaves the choice to one short question.

Everything here reads folded text (core.text.fold: lower case, no diacritics, đ→d), so the same rules
serve accented, unaccented and abbreviated messages.
"""

from __future__ import annotations

import re
from typing import Optional

from core.text import fold, folded_text

LOST, DAMAGED = "lost", "damaged"


def _words(pattern: str) -> re.Pattern[str]:
    """A compiled pattern of whole folded words."""
    return re.compile(rf"(?<![\w])(?:{pattern})(?![\w])")


# "bị mất", "làm mất", "đánh rơi", "thất lạc", "mất ví", "cháy hết", "bị trộm", "không tìm thấy". "mất" alone, or
# "mất rồi", is not enough: it also means a death ("bố tôi mất rồi") and how long something takes ("mất bao lâu").
# The papers a citizen loses, as typed ("mất cccd", "bằng lái xe máy của em mất rồi").
_PAPER = r"(?:vi|tui|cap|giay|the|bang|bang lai|so|ho chieu|passport|cccd|cmnd|cmt|can cuoc|gplx|blx|gks)"
# What "mất" costs when it is no loss: money or time ("bị mất phí không", "mất bao lâu", "mất đồng nào").
_COST = r"(?:bao|may|tien|phi|le phi|thoi|khoang|dong|xu|nhieu|gi|cong|chi phi|\d)"
_LOST = _words(
    # "bị mất", but not "bị mất phí / tiền / bao lâu" (charged, or how long).
    rf"(?:bi|da|lam|danh|lm|do) mat(?! {_COST})|mat (?:ca |het )?{_PAPER}|"
    # The paper, then "mất" a few words on, unless it is how long or how much ("bằng lái … mất bao lâu", "thế làm
    # vậy có mất đồng nào không": folded, "thế" is "thẻ") or a relative who died ("giấy báo tử vì bố em mất").
    rf"{_PAPER}(?: (?!(?:bo|me|cha|ong|ba|chong|vo|nguoi)(?![\w]))\w+){{0,5}} mat(?! {_COST})|"
    r"that lac|danh roi|roi mat|bi trom|bi cuop|(?:bi|da) chay|chay (?:het|mat|rui)|cuon troi|lu cuon|"
    r"khong (?:con|tim thay|thay)(?: nua)?(?= *(?:$|[.,!?]))|khong tim (?:thay|duoc)"
)
# Damaged, wrong or expired: the paper is still in hand and is exchanged.
_BROKEN = (
    r"(?:bi |da )?(?:hong|hu hong|rach|gay|bong troc|bong|nhoe|uot|cong venh|tray xuoc)|(?:bi |chu |anh )mo|"
    r"mo (?:het|chu|anh|qua)"
)
_WRONG = (
    r"(?:ghi |bi |in )sai|sai (?:ten|ngay|ho|thong tin|so|dia chi|que)|"
    r"thay doi (?:thong tin|ho|ten|noi|dia chi)|doi (?:ten|ho|dia chi)"
)
_EXPIRED = r"het han|qua han su dung|sap het han"


_DAMAGED = _words(f"{_BROKEN}|{_WRONG}|{_EXPIRED}")
# "làm lại", "xin lại", "làm cái mới": a wish for the paper again, without a cause ("cấp lại" names the procedure
# itself; "làm căn cước mới cho con" is a first card).
_AGAIN = _words(r"(?:lam|lm|xin|lay) lai|(?:lam|lm|xin|doi) (?:cai |the )?moi")


# A situation told in the citizen's words, in the words records use for their cases, folded ("thẻ bị rách" is a
# "hỏng" card; "mua lại, có hợp đồng mua bán" a "chuyển nhượng").
_IMPLIED: tuple[tuple[re.Pattern[str], str], ...] = (
    (_words(_BROKEN), "hong"),
    (_words(_WRONG), "thay doi thong tin"),
    (_words(_EXPIRED), "het han"),
    (_LOST, "bi mat"),
    (_words(r"mua lai|mua cua|hop dong mua ban|mua ban|da mua"), "chuyen nhuong"),
    (_words(r"duoc cho|cho tang|tang cho|bo me cho|cho con"), "tang cho"),
    (_words(r"thua ke|de lai"), "thua ke"),
    # Where one lives for good or for a while: a permanent or a temporary residence.
    (_words(r"o (?:lau dai|han|luon|that|on dinh)|dinh cu|song lau dai|nha (?:minh|toi|em) mua"), "thuong tru"),
    (_words(r"o (?:tam|tro|nho)|thue tro|phong tro|tam thoi"), "tam tru"),
)


def implied_cases(text: str) -> list[str]:
    """The case words the citizen's situation stands for, folded ("hong" for "thẻ bị rách")."""
    folded = fold(text)
    return [words for pattern, words in _IMPLIED if pattern.search(folded)]


def reissue_cause(text: str) -> Optional[str]:
    """LOST or DAMAGED when the message says why the paper must be issued again; None when it does not
    (or says both: then the citizen is asked)."""
    folded = fold(text)
    lost, damaged = bool(_LOST.search(folded)), bool(_DAMAGED.search(folded))
    if lost == damaged:
        return None
    return LOST if lost else DAMAGED


def asks_again(text: str) -> bool:
    """ "làm lại thẻ căn cước": the citizen wants the paper again, whichever variant that is."""
    return bool(_AGAIN.search(fold(text)))


# A procedure name that issues a paper: its verb, the paper, and a cause ("… bị mất", "… do bị hư hỏng") or
# whom it is for ("… cho người dưới 14 tuổi") it may carry.
_HEAD = re.compile(r"^(cap lai|cap doi|doi|cap)\s+")
_CAUSE_TAIL = re.compile(r"\s*(?:,\s*)?(?:do |vi )?(?:bi )?(?:mat|hu hong|hong|rach)(?:\s.*)?$")
_WHOM_TAIL = re.compile(r" (?:cho|doi voi|cua) .*$")
FIRST_ISSUE = "cap"
CAUSE_HEADS = {LOST: ("cap lai",), DAMAGED: ("cap doi", "doi")}


def issued_paper(name: str) -> Optional[tuple[str, str]]:
    """(verb, paper) of a procedure that issues a paper, first or again ("cap lai", "the can cuoc"), the
    paper without the cause or the person its name may carry; None for any other procedure."""
    folded = fold(name).strip()
    head = _HEAD.match(folded)
    if head is None:
        return None
    paper = _CAUSE_TAIL.sub("", _WHOM_TAIL.sub("", folded[head.end() :])).strip(" ,")
    return (head.group(1), paper) if paper else None


# A civil-status paper (birth, marriage, death) lost: while the register the commune keeps ("sổ hộ tịch", "sổ
# gốc") still holds the event, a copy of its extract is issued; lost with it, the event is registered again
# ("Đăng ký lại khai sinh"). The records say so themselves (Nghị định 123/2015/NĐ-CP, Điều 24–26).
KEPT = "kept"
_REGISTER = r"so(?: (?:goc|ho tich|luu|bo|dang ky))?"
_NOT = r"(?<!khong )(?<!chua )"
_REGISTER_KEPT = _words(
    rf"{_NOT}(?:van |con )(?:con )?(?:luu(?: (?:so|lai|ban goc|du lieu))?|giu (?:so|ban goc|du lieu))|"
    rf"{_REGISTER}(?: \w+){{0,3}} {_NOT}(?:van )?con(?: luu| giu)?|{_NOT}(?:van )?con (?:so|du lieu)|"
    r"(?:xa|phuong|uy ban|ubnd) (?:van )?(?:con )?luu"
)
_REGISTER_LOST = _words(
    rf"{_REGISTER}(?: \w+){{0,4}} (?:(?:bi|da) )?(?:mat|chay|hong|that lac|khong con)|"
    rf"(?:mat|chay|khong con|het) (?:ca |luon )?{_REGISTER}|(?:khong|chua) (?:con )?luu"
)
# The civil-status event a name or a message is about, folded ("gks" is read as "giấy khai sinh" by core.text).
CIVIL_EVENTS = ("khai sinh", "ket hon", "khai tu")


def register_state(text: str) -> Optional[str]:
    """KEPT when the message says the register still holds the event, LOST when it is lost too, None when it
    says neither (or both)."""
    folded = folded_text(text)
    kept, lost = bool(_REGISTER_KEPT.search(folded)), bool(_REGISTER_LOST.search(folded))
    if kept == lost:
        return None
    return KEPT if kept else LOST


def civil_event(text: str) -> Optional[str]:
    """The civil-status event a name or message is about ("khai sinh"), folded; None when none or several."""
    folded = folded_text(text)
    events = [event for event in CIVIL_EVENTS if re.search(rf"(?<![\w]){event}(?![\w])", folded)]
    return events[0] if len(events) == 1 else None
