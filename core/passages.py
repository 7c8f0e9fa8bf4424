"""What a question asks and which passage of a procedure record answers it: aspects with spans, items, passages.

Pure logic over text and procedure records (docs/interfaces.md), no I/O:

- ``detect_aspects``: every question a message asks ("cần giấy tờ gì và mất bao lâu" asks for the
  documents and the time), multi-label, each with the span of the words that ask it, in the order asked;
- ``clauses``: the parts of a message ("khai sinh cần gì, còn kết hôn bao nhiêu tiền"), so that
  each procedure named gets its own aspects;
- ``needed_item``: the X of "có cần (mang) X không";
- ``matching_documents``, ``find_passages``: the record's own documents and passages that answer;
- ``days``: a processing time in days, to compare two procedures;
- ``clean``: a record's text without editors' notes.

The cue lists below are what citizens type (folded: no diacritics, abbreviations expanded by
core/text.py), not what they are told.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence

from core.text import NormToken, fold, folded_text, normalize

# --- aspects -------------------------------------------------------------------------------------

# Each aspect and the folded phrases that ask for it. The longest match wins where two overlap
# ("lấy kết quả ở đâu" is pickup, not where). Order inside a list does not matter.
ASPECT_CUES: dict[str, tuple[str, ...]] = {
    "documents": (
        r"(?<!chung thuc )(?<!sao y )(?<!sao )giay to",  # "chứng thực giấy tờ" names the act, asks nothing
        r"ho so (?:gom|can|co|phai|la) (?:nhung )?(?:gi|nao|nhung gi)",
        r"thanh phan ho so",
        r"bo ho so",
        r"(?:can|mang|chuan bi|nop|dem) (?:theo |them )?(?:nhung )?gi",
        r"(?:can|mang|nop|dem) (?:them )?giay (?:gi|nao)",
        r"(?:ho so|giay to) (?:co )?khac (?:gi|nhau|the nao|khong)",
        r"can nhung gi",
        r"can (?:nhung )?cai gi",
        r"chuan bi (?:nhung )?(?:gi|nhung gi)",
        r"can (?:ban|giay|to|so|anh)(?: \w+){0,2} gi",  # "cần bản vẽ gì": which of those papers
        # "cần những hồ sơ gì", "phải nộp các giấy nào": the papers named before the question word.
        r"(?:can|mang|chuan bi|nop|dem|phai nop) (?:nhung |cac )?(?:ho so|giay to|giay|loai giay) (?:gi|nao)",
    ),
    "fee": (
        r"(?<!ho tro chi )(?:le )?phi",
        r"(?<!ho tro )chi phi",  # "hỗ trợ chi phí mai táng" names a benefit
        r"(?:mat |het |ton )?(?:bao nhieu|may) (?:tien|dong|nghin|ngan|trieu)",
        r"(?:het|ton|mat|la|dong|tra) bao nhieu(?! ngay| lau| thang| tuan| gio)",
        r"bao nhieu(?= \?|$)",
        r"(?:co )?(?:phai )?(?:mat|ton|het|dong|tra|nop) tien (?:khong|gi)",
        # "sang tên thì đóng những khoản gì": the sums to pay, whatever they are called (fees, taxes).
        r"(?:dong|nop|tra|chiu|mat) (?:nhung |cac )?(?:khoan|loai phi|loai thue)(?: tien| phi| thue)? (?:gi|nao)",
        r"(?:tien|gia) bao nhieu",
        r"re hon|dat hon|it tien hon|nhieu tien hon|ton hon",
    ),
    "time": (
        r"(?:mat |het |ton |trong )?bao lau",
        r"(?:mat |het |ton |trong )?(?:may|bao nhieu) (?:ngay|hom|tuan|thang|gio)(?! tuoi)",
        r"thoi (?:gian|han) (?:giai quyet|xu ly|lam|tra|cho|nhan)",
        r"thoi gian",
        r"thoi han",
        r"(?:khi nao|bao gio|luc nao|hom nao) (?:thi )?(?:co|xong|nhan|lay|duoc tra)",
        r"lau (?:khong|vay|the|qua|nhi)",
        r"(?:co )?lau khong",
        r"nhanh hon|lau hon|cham hon|nhanh nhat",
        r"xong (?:chua|khong)",
    ),
    "where": (
        r"(?:o|tai|den|toi) (?:dau|cho nao|noi nao)",
        r"(?:nop|lam|dang ky|di) (?:o )?dau",
        r"cho nao|noi nao",
        r"co quan nao",
        r"(?:xa|phuong|huyen|tinh|cong an|ubnd|uy ban) nao",
        r"(?<!lan )dau (?:lam|nop)",  # "lần đầu làm" is the first time, not where
        r"(?:nop|gui|dua) (?:ho so |don |giay to )?(?:cho|toi|den) (?:ai|ben nao)",
    ),
    "steps": (
        r"cac buoc",
        r"(?:quy|trinh) (?:trinh|tu)",
        r"(?:lam|thuc hien|tien hanh) (?:nhu )?(?:the nao|ra sao|sao)",
        r"(?:thu tuc|cach) (?:nhu )?(?:the nao|ra sao)",
        r"cach (?:lam|thuc hien)",
        r"huong dan",
        r"lam sao",
        r"buoc (?:dau|tiep|nao)",
        r"(?:lam|thu tuc)(?=(?: \w+){1,5} (?:the nao|ra sao))",  # the span leaves the name between
    ),
    "online": (
        r"online",
        r"truc tuyen",
        r"qua mang",
        r"(?:cong )?dich vu cong",
        r"tren (?:mang|dien thoai|app|ung dung)",
        r"(?:lam|nop) (?:tai|o|tu) nha",
        # "trên VNeID", "qua vneid": done through the app. A bare "VNeID" names the account itself ("làm VNeID
        # mức 2 cần gì"), which asks nothing of the online channel.
        r"(?:tren|qua|bang|dung) (?:app |ung dung )?vneid",
    ),
    "result": (
        r"ket qua (?:la gi|nhan duoc gi|gom|la cai gi|ra sao)",
        r"(?:duoc cap|nhan duoc|se nhan|duoc nhan|cap cho) (?:giay |cai |the |so )?(?:gi|nhung gi)",
        r"(?:nhan|duoc|cap) (?:duoc )?(?:giay|cai|the|so|ban) (?:gi|nao)",
        r"(?:lam xong|xong) (?:thi )?(?:duoc|nhan|co) (?:cai |giay )?gi",
        r"co duoc cap (?:giay|the|so|ban|ban chinh|ban sao)(?: \w+){0,3} khong",
        # How long the paper is valid: the result's own words ("có giá trị 06 tháng"), not the processing time.
        r"(?:co )?gia tri (?:trong |su dung )?(?:bao lau|may thang|may nam|den khi nao|bao nhieu lau)",
        r"(?:thoi han|han) (?:su dung|hieu luc|cua giay|cua the|cua bang|cua ket qua)",
        r"(?:co )?thoi han (?:khong|bao lau)",
        r"(?:giay|the|bang|so|ket qua) (?:co )?han (?:bao lau|may thang|may nam|den khi nao)",
        r"(?:het han|hieu luc) (?:khi nao|bao lau|chua|den khi nao)",
        r"(?:dung|su dung|xai) duoc (?:bao lau|may thang|may nam|den khi nao|bao nhieu lau)",
        # What the citizen receives, not what they pay: a benefit's amount is in the result ("mức trợ cấp …").
        r"(?:duoc|nhan duoc|duoc nhan|duoc huong|huong|nhan|linh|duoc linh|rut duoc) (?:bao nhieu|may)"
        r"(?: (?:tien|dong|nghin|ngan|trieu))?(?! ngay| lau| thang| tuan| gio| tuoi| lan)",
        r"muc (?:tro cap|ho tro|huong|chi tra|tien)(?: (?:la|duoc))?(?: bao nhieu| the nao| ra sao| may)?",
        r"(?:tro cap|ho tro|huong) (?:duoc )?(?:bao nhieu|may) (?:tien|dong|nghin|ngan|trieu)",
    ),
    "pickup": (
        r"(?:lay|nhan|tra|cho) (?:lai )?ket qua(?: (?:o|tai) (?:dau|cho nao|noi nao))?",
        r"(?:lay|nhan) (?:giay|the|so|ban chinh)(?: \w+){0,3} (?:o|tai) (?:dau|cho nao)",
        # After the filing ("làm … rồi thì nhận ở đâu"), by post ("gửi về nhà được không").
        r"(?:thi|roi|xong) (?:lay|nhan|den lay) (?:o|tai) (?:dau|cho nao|noi nao)",
        r"(?:gui|tra|chuyen|ship) (?:ket qua |ve |toi |den )?(?:tan )?nha",
        r"(?:nhan|tra|lay)(?: ket qua)? (?:qua|bang|theo) (?:duong )?(?:buu dien|buu chinh)",
    ),
    "legal_basis": (
        r"can cu(?: phap ly| phap luat| nao| vao dau)?",
        r"co so phap ly",
        r"(?:van ban|quy dinh) (?:phap luat|phap ly|nao|o dau)",
        r"(?:luat|nghi dinh|thong tu) (?:nao|gi|so may)",
        r"theo (?:luat|quy dinh|nghi dinh|thong tu) nao",
        r"dua (?:tren|vao) (?:luat|quy dinh|van ban) (?:nao|gi)",
    ),
    "forms": (
        r"(?:mau|bieu mau|file|form) (?:to khai|don)",
        r"bieu mau",
        r"to khai(?: mau)? (?:o dau|lay o dau|tai o dau|the nao|ra sao)",
        r"(?:lay|tai|xin|in) (?:to khai|mau|mau don|bieu mau)",
        r"mau (?:so|o dau|gi|nao|ct\d+|tk\d+)",
        r"mau don",
    ),
    "decision": (
        r"quyet dinh (?:cong bo|so|nao|ban hanh)",
        r"so quyet dinh",
        r"(?:cong bo|ban hanh) (?:theo|tai|o) (?:quyet dinh )?(?:nao|dau|so may)",
    ),
    "source": (
        r"(?:thong tin|du lieu|cai nay|noi dung|so lieu)(?: nay| do| tren)? (?:lay|co|duoc lay|trich|o) (?:tu |o )?(?:dau|dau ra)",
        r"nguon(?: goc)? (?:thong tin|tin|du lieu|goc|o dau|nao|tu dau|la gi)",
        r"(?:o|lay|trich) (?:tu )?dau ra",
        r"(?:link|trang|duong dan|website|web) (?:goc|nguon|chinh thuc|nao)",
        r"cap nhat (?:khi nao|ngay nao|luc nao|chua|moi nhat|lan cuoi)",
        r"(?:chinh xac|tin duoc|dang tin|chinh thuc|con hieu luc|moi nhat) (?:khong|chua)",
        r"(?:ai|co quan nao) cung cap (?:thong tin|du lieu)",
        r"xem (?:o|tai) (?:trang|web|website) nao",
    ),
    "eligibility": (
        r"ai (?:duoc|co the|phai|co quyen|di|dung ra|la nguoi) (?:lam|dang ky|nop|xin|khai|di|huong|rut)",
        r"ai (?:lam|dang ky|nop|di lam|khai)(?: duoc)?",
        r"doi tuong",
        r"dieu kien",
        r"(?:bao nhieu|may) tuoi",
        # Someone else doing it for the citizen: whether the record allows it ("không được ủy quyền").
        r"(?:nho|de|cho) (?:nguoi khac|nguoi nha|nguoi than|con|vo|chong|ban|bo|me)(?: \w+){0,2} "
        r"(?:di |lam |nop |ky |nhan )?(?:thay|ho)(?! chieu| khau| kinh| tich| ngheo| gia| so)",
        r"(?:may|bao nhieu) (?:thang|nam)(?: (?:thi|moi|la))+(?= (?:duoc|rut|huong|xin|nhan))",
        # A deadline after which the right is lost ("qua mấy tháng thì mất quyền").
        r"(?:qua|sau|tre|cham) (?:may|bao nhieu) (?:ngay|thang|nam)(?: thi)? (?:mat quyen|het quyen|khong (?:con )?duoc)",
        # A deadline the citizen must keep: a condition, not the processing time.
        r"(?:phai )?(?:lam|nop|dang ky|khai bao|gia han|bao)(?: ho so)? (?:truoc|cham nhat) (?:bao nhieu|may) (?:ngay|thang|tuan)",
        # "mẹ cháu không đồng ý, vậy xã có làm cho tôi không": whether the agency handles the citizen's case.
        r"co (?:lam|giai quyet|chap nhan|nhan ho so|cap|dang ky)(?: \w+){0,6}? cho (?:toi|em|minh|chung toi|tui|con toi)"
        r"(?: \w+){0,2}? (?:khong|duoc khong)",
    ),
    # Weak: "… được không" asks whether the citizen may, unless it asks something else ("online được không").
    "can_do": (
        r"(?:co )?(?:duoc|the) (?:lam|dang ky|nop|rut|huong|xin|cap|khai|dung ten|nhap)(?: \w+){0,4} (?:khong|chua|duoc khong)",
        r"(?:co )?duoc khong",
        r"(?:co )?(?:lam|dang ky|nop|rut|huong|xin|cap|khai|nhap) duoc(?: \w+){0,6} (?:khong|chua)",
        r"co (?:duoc|the) (?:\w+ ){1,14}khong",
    ),
    "compare": (
        r"(?:cai|thu tuc|ben|loai|viec) nao (?:nhanh|lau|cham|re|dat|ton|de|kho|don gian|it|nhieu)(?: hon)?",
        r"so sanh",
        r"khac (?:nhau|gi)(?: nhau)?(?: (?:the nao|cho nao|o dau|ra sao))?",
        r"giong (?:nhau|gi)(?: nhau)?",
    ),
}
# The seven answers the dialogue already had (core/vocabulary.py's intents) and the new ones.
ASPECT_INTENT: dict[str, str] = {
    "documents": "ask_documents",
    "fee": "ask_fee",
    "time": "ask_processing_time",
    "where": "ask_where_to_submit",
    "steps": "ask_steps",
    "online": "ask_online",
}
INTENT_ASPECT: dict[str, str] = {intent: aspect for aspect, intent in ASPECT_INTENT.items()}
# Answered from the record's own passages (services/answering.py).
FIELD_ASPECTS: tuple[str, ...] = ("result", "pickup", "legal_basis", "forms", "decision", "source", "eligibility")
ALL_ASPECTS: tuple[str, ...] = (*ASPECT_INTENT, *FIELD_ASPECTS, "need", "compare")


@dataclass(frozen=True)
class Cue:
    """One thing a message asks: the aspect, and the span of the words that ask it (original text)."""

    aspect: str
    start: int
    end: int
    text: str = ""  # the item of a "need" question ("giấy đăng ký kết hôn"), else ""


@dataclass
class _Folded:
    tokens: list[NormToken]
    text: str  # folded tokens joined by single spaces
    starts: list[int]  # char offset of each token in ``text``

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """The tokens covering [start, end) of the folded text, as (first, last + 1)."""
        first = next(i for i, s in enumerate(self.starts) if s + len(self.tokens[i].folded) > start)
        last = max(i for i, s in enumerate(self.starts) if s < end)
        return first, last + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        first, stop = self.token_range(start, end)
        return self.tokens[first].start, self.tokens[stop - 1].end


def _folded(text: str) -> _Folded:
    tokens = [t for t in normalize(text or "") if t.kind != "dossier_code"]
    starts, offset = [], 0
    for token in tokens:
        starts.append(offset)
        offset += len(token.folded) + 1
    return _Folded(tokens, " ".join(t.folded for t in tokens), starts)


_COMPILED: dict[str, re.Pattern[str]] = {
    aspect: re.compile(r"(?<![\w])(?:" + "|".join(cues) + r")(?![\w])") for aspect, cues in ASPECT_CUES.items()
}
# "có cần (mang) X không": X is the item asked about.
_NEED = re.compile(
    # Not "căn cước", "cần thiết", "cán bộ", "căn hộ" (whole words: "cần hợp đồng" is a need).
    r"(?<![\w])(?:co |co phai |phai )?(?:can(?! cuoc| thiet| bo(?![\w])(?! sung| me)| ho(?![\w])(?! so| chieu| khau))|phai(?! la )|bat buoc)(?: phai)?"
    r"(?: (?P<verb>mang theo|dem theo|mang|dem|nop|xuat trinh|chuan bi|lam|dua|kem|photo|cong chung|chung thuc|co|xin|di))?"
    # Up to eleven words: the item with whose it is ("giấy đăng ký kết hôn của bố mẹ bé"); the shortest first.
    r" (?P<item>(?:\w+ ){0,10}?\w+) (?:khong|chua|hay khong|nua khong)(?![\w])"
)
# "phải nộp hồ sơ trợ cấp thất nghiệp trong thời hạn bao lâu": the citizen's own deadline (a condition), not the
# time the agency takes nor how long the result is valid. Only the words that ask are the cue: the procedure's
# name between them is searched as a name.
_DEADLINE = re.compile(
    r"(?<![\w])phai (?:lam|nop|dang ky|khai bao|khai|bao|di)(?: \w+){0,6}?"
    r" (?P<tail>trong (?:thoi han|vong|thoi gian) (?:bao lau|may (?:ngay|thang|tuan|nam)|bao nhieu (?:ngay|thang|tuan|nam)))"
    r"(?![\w])"
)
# Items that are really another aspect ("có cần nộp phí không", "có cần làm online không").
_NEED_NOT_AN_ITEM = re.compile(
    r"^(?:phi|le phi|tien|(?:dong|tra|nop|mat) (?:tien|phi|le phi)|online|truc tuyen|lam gi|gi|cho|doi|lau|di lam|lam)$"
)


# "sổ hộ khẩu cũ thì có phải nộp không": the act alone follows "có phải"; the thing was said before "thì".
_BARE_ACT = re.compile(
    r"(?:co phai |co can |phai |can )(?:nop|mang|dem|xuat trinh|nop lai|mang theo|dem theo) (?:khong|chua)"
)
_FRONTED_END = re.compile(r" thi $")
# "Giấy ủy quyền đó có cần chứng thực không": what a paper needs done to it; the paper is said just before.
_PAPER_ACT = re.compile(
    r"(?:co phai |co can |phai |can )(?:cong chung|chung thuc|hop phap hoa|dich|dich thuat) (?:khong|chua)"
)
_POINTER = re.compile(r"(?: (?:do|nay|kia|ay))? $")


def _fronted_item(folded: str, need_start: int) -> Optional[tuple[int, int]]:
    """The span of the thing said before "thì" when the question after it names only an act ("có phải nộp
    không"), or of the paper said just before what it needs done ("giấy ủy quyền đó có cần chứng thực không"):
    back to the clause's start (a comma, "còn", "và", "vậy"), at most six words; None otherwise."""
    if _BARE_ACT.match(folded, need_start) and _FRONTED_END.search(folded[:need_start]):
        end = need_start - len(" thi ")
    elif _PAPER_ACT.match(folded, need_start) and (pointer := _POINTER.search(folded[:need_start])):
        end = pointer.start()
        span = _clause_tail(folded, end)
        return span if span and is_paper(folded[span[0] : span[1]]) else None
    else:
        return None
    return _clause_tail(folded, end)


def _clause_tail(folded: str, end: int) -> Optional[tuple[int, int]]:
    """The last words before ``end``, back to the clause's start, at most six."""
    words = list(re.finditer(r"\w+", folded[:end]))
    kept: list[re.Match[str]] = []
    for word in reversed(words[-6:]):
        if (
            word.group() in CLAUSE_WORDS
            or word.group() in ("v", "vay")
            or folded[word.end() : end].startswith((",", "."))
        ):
            break
        kept.insert(0, word)
        if re.search(r"[,.;?!]", folded[max(word.start() - 2, 0) : word.start()]):
            break
    return (kept[0].start(), kept[-1].end()) if kept else None


_TO_DO = re.compile(r"(?<![\w])(?:xin|lam|di lam|dang ky|di dang ky|lam lai|xin cap)$")


def asks_to_do(text: str, cue: Cue) -> bool:
    """The item of "có cần/có phải X không" is an act the citizen would do ("khai báo tạm vắng", "xin giấy phép
    xây dựng", "đổi thẻ căn cước"), not a paper to bring ("giấy đăng ký kết hôn")."""
    if cue.aspect != "need" or not cue.text:
        return False
    start = text.find(cue.text, cue.start)
    before = _folded(text[cue.start : start]).text if start > cue.start else ""
    return not is_paper(cue.text) or bool(_TO_DO.search(before))


_PAPERS = frozenset("giay ban so the don to van hop phieu anh hinh bang trich chung".split())


# Papers named without a paper word ("cccd của ông", "hộ chiếu cũ"), folded with abbreviations read out.
_NAMED_PAPER = re.compile(r"^(?:can cuoc|chung minh nhan dan|ho chieu|passport|visa|thi thuc)(?![\w])")


def is_paper(item: str) -> bool:
    """The item is a paper ("giấy", "bản sao", "sổ", "thẻ", "căn cước"), not a person or an act ("đưa bé đi")."""
    words = item_words(item)
    return bool(words) and (words[0] in _PAPERS or bool(_NAMED_PAPER.match(folded_text(item or ""))))


# A photo the citizen would bring ("ảnh thẻ", "ảnh 4x6", "hình"): "ảnh" and "thẻ" are everyday words that
# content_words drops, so photos are read apart. A document is one only when its name is the photo ("Ảnh chân dung
# theo quy cách …", not "Giấy tờ tùy thân có ảnh"); steps say when it is taken at the office ("chụp ảnh",
# "thu nhận ảnh khuôn mặt").
_PHOTO_ITEM = re.compile(r"^(?:(?:mang|nop|chup|lam|co|cai|tam) )*(?:anh|hinh)(?![\w])")
_PHOTO_DOCUMENT = re.compile(r"^(?:\d+ )?(?:anh|hinh)(?![\w])")
_PHOTO_TAKEN = re.compile(r"(?<![\w])(?:chup anh|chup hinh|anh khuon mat|anh chan dung)(?![\w])")


def asks_photo(item: str) -> bool:
    """The item of "có cần X không" is a photo ("ảnh thẻ", "mang ảnh 3x4")."""
    return bool(_PHOTO_ITEM.match(fold(item).strip()))


def photo_documents(documents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents that are a photo ("Ảnh chân dung theo quy cách của Bộ Công an")."""
    return [d for d in documents if _PHOTO_DOCUMENT.match(fold(clean(d.get("name"))))]


def photo_passages(record: dict[str, Any]) -> list[Passage]:
    """The passages outside the documents that say a photo is taken ("Thu nhận ảnh khuôn mặt, vân tay …")."""
    return [
        Passage(x.field, x.text, 1.0)
        for x in record_passages(record)
        if x.field != "documents" and _PHOTO_TAKEN.search(fold(x.text))
    ]


# Whether someone must come in person ("có cần đưa bé đi không", "có phải có mặt không"): the record says so in
# words no synonym list reaches ("người đại diện hợp pháp đưa người dưới 14 tuổi đến …", "thu nhận vân tay,
# chụp ảnh khuôn mặt"), so the passages that require presence are read apart, like photos.
_PRESENCE_ITEM = re.compile(
    # "đưa bé đi", "dẫn cháu theo", "bế cháu lên công an": taking someone there, a place after it or not.
    r"^(?:(?:dua|dan|cho|be|bong|mang|dat) (?:\w+ ){0,2}?(?:be|chau|con|tre|em|nguoi|me|bo|ong|ba)"
    r"(?: \w+)?(?: (?:di|theo|den|len|ra|toi|ve)(?: \w+){0,3})?$"
    r"|(?:ca nhan |truc tiep |phai )?co mat$|(?:den|di|len) truc tiep$)"
)
_PRESENCE_REQUIRED = re.compile(
    r"(?<![\w])(?:(?:dua|dan) (?:\w+ ){1,6}den|co mat|thu nhan (?:\w+ ){0,3}(?:van tay|anh)|anh khuon mat"
    r"|chup anh|truc tiep den)(?![\w])"
)


def asks_presence(item: str) -> bool:
    """The item of "có cần X không" asks whether someone must come in person ("đưa bé đi", "có mặt")."""
    return bool(_PRESENCE_ITEM.match(fold(item).strip()))


_AGE_RANGE = re.compile(
    r"(?:tu du |tu )(\d{1,2})(?: tuoi)?(?: (?:den|toi) (?:duoi |chua du )?(\d{1,2}) tuoi)?|(?:duoi|chua du) (\d{1,2}) tuoi"
)


def age_span(text: str, age: int) -> Optional[int]:
    """How many years the narrowest age range of a passage that holds ``age`` spans ("Trẻ dưới 6 tuổi": 6, "từ
    đủ 6 đến dưới 14 tuổi": 8); None when the passage names no range that holds it."""
    ranges = [
        (int(low), int(high) if high else 200) if low else (0, int(under))
        for low, high, under in _AGE_RANGE.findall(fold(text or ""))
    ]
    spans = [high - low for low, high in ranges if low <= age < high]
    return min(spans) if spans else None


_CONSENT = re.compile(r"(?<![\w])(?:dong y|y kien|chap thuan|cho phep)(?![\w])")


def asks_consent(item: str) -> bool:
    """The item of "có cần X không" is someone's consent ("bố mẹ đồng ý", "ý kiến của chủ nhà")."""
    return bool(_CONSENT.search(folded_text(item or "")))


def consent_documents(documents: Iterable[dict[str, Any]], item: str) -> list[dict]:
    """The documents that are a consent, or say one is needed, those naming whose the item says first ("cha,
    mẹ" for "bố mẹ đồng ý")."""
    whose = {w for w in content_words(_CONSENT.sub(" ", folded_text(item))) if w not in _WEAK}
    found = [d for d in documents if _CONSENT.search(folded_text(f"{d.get('name') or ''} {d.get('case') or ''}"))]
    return sorted(found, key=lambda d: -len(whose & set(content_words(f"{d.get('name') or ''} {d.get('case') or ''}"))))


def presence_passages(record: dict[str, Any]) -> list[Passage]:
    """The passages outside the documents that require someone in person ("đưa trẻ đến", "thu nhận vân tay")."""
    return [
        Passage(x.field, x.text, 1.0)
        for x in record_passages(record)
        if x.field != "documents" and _PRESENCE_REQUIRED.search(fold(x.text))
    ]


_FORM = re.compile(r"^(?:to khai|mau|don|ban khai|phieu)|\(mau|mau so|theo mau")


def is_alternative(case: Optional[str]) -> bool:
    """The case says what replaces the document when it is missing ("Nếu không có Giấy chứng sinh: …"):
    the document itself is the rule, not the exception."""
    return bool(re.match(r"(?:neu|truong hop|khi) (?:khong co|chua co|mat)", fold(case or "")))


def is_form(document_name: str) -> bool:
    """The document is a form to fill in ("Tờ khai … (mẫu CT01)", "Đơn đề nghị theo mẫu")."""
    return bool(_FORM.search(fold(document_name or "")))


# Folded words that are another word when typed with their accents ("màu" is not "mẫu", "cán bộ" not
# "cần"): a cue that needs the one is not matched on the other.
_TYPED_AS: dict[str, dict[str, frozenset[str]]] = {
    "need": {"can": frozenset({"cần", "can"})},
    "documents": {"can": frozenset({"cần", "can"})},
    "forms": {"mau": frozenset({"mẫu", "mau"})},
    "fee": {"phi": frozenset({"phí", "phi"})},
}


def _typed_as_meant(folded: "_Folded", aspect: str, start: int, end: int) -> bool:
    wanted = _TYPED_AS.get(aspect)
    if not wanted:
        return True
    first, stop = folded.token_range(start, end)
    return all(token.text in wanted[token.folded] for token in folded.tokens[first:stop] if token.folded in wanted)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def detect_aspects(text: str) -> list[Cue]:
    """Every aspect the message asks, in the order asked, each once; overlapping cues keep the longest."""
    return _dedupe(_cues(text))


def _cues(text: str) -> list[Cue]:
    """Every cue of the message, an aspect asked again in a later clause too ("… mất mấy ngày, còn kết hôn
    thì mấy ngày")."""
    folded = _folded(text)
    if not folded.tokens:
        return []
    found: list[tuple[int, int, str, str]] = []  # folded start, end, aspect, item
    for aspect, pattern in _COMPILED.items():
        for match in pattern.finditer(folded.text):
            if match.end() > match.start() and _typed_as_meant(folded, aspect, match.start(), match.end()):
                found.append((match.start(), match.end(), aspect, ""))
    for match in _DEADLINE.finditer(folded.text):
        found.append((match.start("tail"), match.end("tail"), "eligibility", ""))
    need = _NEED.search(folded.text)
    if (
        need
        and not _NEED_NOT_AN_ITEM.match(need.group("item"))
        and _typed_as_meant(folded, "need", need.start(), need.start("item"))
    ):
        item_start, item_end = _fronted_item(folded.text, need.start()) or need.span("item")
        # The item names a thing: the aspects found inside it are its words, not questions.
        found = [f for f in found if not _overlaps((f[0], f[1]), (item_start, item_end))]
        first, stop = folded.token_range(item_start, item_end)
        start, end = folded.tokens[first].start, folded.tokens[stop - 1].end
        if need.group("verb") and not is_paper(text[start:end]):
            start = folded.span(*need.span("verb"))[0]  # "đưa bé đi": the act, not only "bé đi"
        # A thing said before the question ("giấy ủy quyền đó có cần chứng thực không") is inside its span.
        found.append((min(need.start(), item_start), need.end(), "need", text[start:end]))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, str, str]] = []
    # "Có được … không" is weak: it never hides a question inside it ("có được giảm phí không" asks the fee).
    for candidate in [f for f in found if f[2] != "can_do"] + [f for f in found if f[2] == "can_do"]:
        if not any(_overlaps((candidate[0], candidate[1]), (k[0], k[1])) for k in kept):
            kept.append(candidate)
    kept.sort()
    # "mẫu tờ khai ở đâu", "căn cứ pháp lý ở đâu": the "ở đâu" belongs to the question before it.
    kept = [
        k
        for i, k in enumerate(kept)
        if not (k[2] == "where" and i and kept[i - 1][2] in FIELD_ASPECTS and k[0] - kept[i - 1][1] <= 12)
    ]
    if any(k[2] not in ("can_do", "where") for k in kept):
        kept = [k for k in kept if k[2] != "can_do"]
    # "có thể ủy quyền … đăng ký kết hôn thay không": the words that ask are "có thể", not the procedure's name.
    kept = [
        (a, _two_words(folded.text, a, b) if aspect == "can_do" else b, aspect, item) for a, b, aspect, item in kept
    ]
    kept = [(a, b, "eligibility" if aspect == "can_do" else aspect, item) for a, b, aspect, item in kept]
    cues = []
    for start, end, aspect, item in kept:
        span = folded.span(start, end)
        cues.append(Cue(aspect, span[0], span[1], item))
    return cues


def _two_words(text: str, start: int, end: int) -> int:
    """The end of the first two words of ``text[start:end]``."""
    words = list(re.finditer(r"\S+", text[start:end]))
    return start + words[1].end() if len(words) > 2 else end


def _dedupe(cues: list[Cue]) -> list[Cue]:
    """One cue per aspect (its first)."""
    seen: set[str] = set()
    result = []
    for cue in cues:
        if cue.aspect not in seen:
            seen.add(cue.aspect)
            result.append(cue)
    return result


# Where one question ends and the next begins ("…, còn kết hôn …", "… với …").
CLAUSE_WORDS = frozenset({"con", "va", "voi", "hay", "hoac", "roi", "ma", "the", "thi"})
# Words that end a clause's question without naming anything ("thường trú mỗi cái bao nhiêu", "… hơn").
# Phrases, not words: "hon" ends "kết hôn", "bao" ends "khai báo".
TRAILING_PHRASES: tuple[tuple[str, ...], ...] = (("moi", "cai"), ("cai", "nao"), ("bao", "nhieu"), ("vay",), ("nhi",))
_CLAUSE_BREAK = re.compile(r"(?<![\w])(?:con|va|voi|hay|hoac|roi|ma|so voi|the con|thi sao)(?![\w])|[,;?!.]")


def clauses(text: str) -> list[tuple[int, int]]:
    """The message's parts as spans of the original text, split at commas, "còn", "và", "với"..."""
    folded = _folded(text)
    if not folded.tokens:
        return []
    cuts = [0]
    for match in _CLAUSE_BREAK.finditer(folded.text):
        first, _ = folded.token_range(match.start(), match.end())
        if 0 < first < len(folded.tokens):
            cuts.append(first)
    cuts = sorted(set(cuts)) + [len(folded.tokens)]
    spans = []
    for a, b in zip(cuts, cuts[1:]):
        words = [t for t in folded.tokens[a:b] if t.kind != "punct"]
        if words:
            spans.append((words[0].start, words[-1].end))
    return spans


def aspects_by_clause(text: str) -> list[tuple[tuple[int, int], list[Cue]]]:
    """Each clause with the aspects asked inside it, each once (a cue belongs to the clause where it starts)."""
    cues = _cues(text)
    return [(span, _dedupe([c for c in cues if span[0] <= c.start < span[1]])) for span in clauses(text)]


def comparison(text: str) -> Optional[str]:
    """ "cái nào nhanh hơn" → "time"; "rẻ hơn" → "fee"; "so sánh" → "all"; else None."""
    folded = " " + _folded(text).text + " "
    if not (_COMPILED["compare"].search(folded) or re.search(r" (?:nhanh|lau|cham|re|dat|ton) hon ", folded)):
        return None
    if re.search(r" (?:nhanh|lau|cham|mat it thoi gian)", folded):
        return "time"
    if re.search(r" (?:re|dat|ton|it tien|nhieu tien|phi)", folded):
        return "fee"
    if re.search(r" (?:giay to|ho so|don gian|de|kho)", folded):
        return "documents"
    return "all"


# --- the record's own text -------------------------------------------------------------------------

# Editors' notes and sample-data labels in records: never shown to citizens.
_EDITOR_NOTE = re.compile(
    r"[.;]?\s*(?:\(?\s*(?:cần kiểm tra lại|can kiem tra lai|check|todo|dữ liệu mẫu|du lieu mau|sample)\b[^.;)]*\)?)",
    re.IGNORECASE,
)


def clean(text: Optional[str]) -> str:
    """The record's text without editors' notes ("Cần kiểm tra lại …", "(check)") and stray spaces."""
    if not text:
        return ""
    return re.sub(r"\s{2,}", " ", _EDITOR_NOTE.sub("", text)).strip(" ;")


# The national portal writes amounts in đồng the English way ("7,000 Việt Nam Đồng"), which a
# Vietnamese reader takes for seven: a comma is the decimal mark in Vietnamese.
_COMMA_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,])(?=\s?(?:VNĐ|VND|Việt Nam Đồng|[Đđ]ồng))")


def vietnamese_amounts(text: str) -> str:
    """Amounts in đồng grouped the Vietnamese way ("7,000 Việt Nam Đồng" -> "7.000 Việt Nam Đồng");
    the figures themselves, other currencies and the rest of the text unchanged."""
    return _COMMA_THOUSANDS.sub(lambda match: match.group(0).replace(",", "."), text)


# Words that say nothing about which document or passage is meant.
_STOPWORDS = frozenset(
    "co can phai khong ko k gi nao la va cua cho the thi o tai den voi mot cac nhung duoc bi "
    "toi em minh anh chi ban nha a nhe vay a oi ha nhi mang dem nop lam di ve theo hay hoac "
    "neu khi ma da se dang con nua roi thu tuc sao bao nhieu khoang tren duoi ra vao".split()
)
# Frequent in every record: weak evidence that a passage is the one asked about.
_WEAK = frozenset("giay to ban sao chinh dang ky don mau khai so cap xac nhan nguoi".split())


# How citizens name a child ("đưa bé đi", "cháu 9 tuổi") and how the records do ("đưa trẻ đến").
_SAME_WORD = {"be": "tre", "chau": "tre"}


def content_words(text: str) -> list[str]:
    """The folded words of ``text`` that carry meaning (no particles, no question words), a child named
    as the records name one."""
    return [
        _SAME_WORD.get(t.folded, t.folded)
        for t in normalize(text or "")
        if t.kind in ("word", "number") and (t.folded not in _STOPWORDS or t.text in _NOT_STOPWORDS)
    ]


# Stop words folded from particles ("bạn", "về") that are also a paper's words written with their accents
# ("bản vẽ thiết kế"); typed without accents ("can ban ve k") an item of nothing else is read as the paper's.
_NOT_STOPWORDS = frozenset({"bản", "vẽ"})
_BARE_PAPER_WORDS = frozenset({"ban", "ve"})


def item_words(item: str) -> list[str]:
    """The content words of the item of "có cần X không"; an item of bare stop words only ("ban ve", typed
    for "bản vẽ") keeps those that may be a paper's."""
    words = content_words(item)
    if words:
        return words
    return [t.folded for t in normalize(item or "") if t.kind == "word" and t.folded in _BARE_PAPER_WORDS]


def strong_words(text: str) -> set[str]:
    """The content words of ``text`` that say which thing it is (not "giấy", "tờ", "bản", "đăng ký" …)."""
    return {w for w in content_words(text) if w not in _WEAK}


def _bigrams(words: Sequence[str]) -> set[str]:
    return {f"{a} {b}" for a, b in zip(words, words[1:])}


def overlap(query: Sequence[str], passage: Sequence[str]) -> float:
    """How much of the query a passage covers: strong words count 1, weak ones 0.3, shared bigrams 0.5."""
    if not query:
        return 0.0
    have = set(passage)
    weight = sum(0.3 if w in _WEAK else 1.0 for w in query)
    covered = sum(0.3 if w in _WEAK else 1.0 for w in query if w in have)
    bonus = 0.5 * len(_bigrams(query) & _bigrams(passage))
    return min(1.0, (covered + bonus) / (weight + 0.5 * max(len(query) - 1, 0)))


# Papers citizens name differently from the records ("căn cước" is a "giấy tờ tùy thân").
_SAME_PAPER = {
    "can cuoc": "tuy than",
    "cccd": "tuy than",
    "cmnd": "tuy than",
    "chung minh": "tuy than",
    "ho chieu": "tuy than",
    "giay khai sinh": "trich luc khai sinh",
    "hon thu": "ket hon",
    # A lease is how most tenants prove a lawful home ("giấy tờ, tài liệu chứng minh chỗ ở hợp pháp").
    "hop dong thue": "cho o hop phap",
}


def matching_documents(
    item: str, documents: Iterable[dict[str, Any]], ignore: Iterable[str] = (), min_overlap: float = 0.6
) -> list[dict]:
    """The record's documents that are the item asked about ("bản sao giấy khai sinh"), best first.

    Words of ``ignore`` (the procedure's own name: "khai sinh" in every document of the birth
    registration) count only when the item has no other words; a paper named as citizens name
    it ("căn cước") is also looked for as the records name it ("giấy tờ tùy thân").
    """
    ignored = {w for phrase in ignore for w in content_words(phrase)}
    words = item_words(item)
    queries = [[w for w in words if w not in ignored] or words]
    folded_item = _folded(item).text
    for said, meant in _SAME_PAPER.items():
        if re.search(rf"(?<![\w]){said}(?![\w])", folded_item):
            queries.append(content_words(meant))
    scored = []
    for document in documents:
        have = content_words(f"{document.get('name') or ''} {document.get('form_name') or ''}")
        best = 0.0
        for query in queries:
            strong = [w for w in query if w not in _WEAK]
            # Two strong words named together are one name ("chứng tử"): found apart ("chứng minh … từ") they
            # are another paper's words.
            together = len(strong) < 2 or bool(_bigrams(strong) & _bigrams([w for w in have if w not in _WEAK]))
            if strong and together and any(w in have for w in strong):
                best = max(best, overlap(query, have))
        if best >= min_overlap:
            scored.append((best, document))
    scored.sort(key=lambda pair: -pair[0])
    return [document for _, document in scored]


# How a document entry of a national record begins when it is not a paper every case needs: one case's
# ("Trường hợp trẻ em bị bỏ rơi thì …", "Đối với …", "Nếu …"), or a note or a heading of the list
# ("Lưu ý: …", "… các giấy tờ sau:").
_ONE_CASE_ENTRY = re.compile(r"^(?:truong hop|doi voi|neu|khi)(?![\w])")
_NOTE_ENTRY = re.compile(r"^(?:luu y|ghi chu|chu y|vi du)(?![\w])")
_ENTRY_MARK = re.compile(r"^[-+•*\s]+")


def _entry(document: Any, key: str) -> Any:
    return document.get(key) if isinstance(document, dict) else getattr(document, key, None)


def document_rank(document: Any) -> int:
    """0: a paper every case needs; 1: a paper of one case ("Trường hợp …", "Văn bản ủy quyền … trong trường
    hợp ủy quyền"; not "Giấy chứng sinh; trường hợp không có …", the paper and what replaces it); 2: a note, an
    example ("Ví dụ: …") or a heading
    (the portal's ``luu_y`` group, "Lưu ý: …", a line ending with ":"). ``document``: a record's dict or a model."""
    folded = fold(_ENTRY_MARK.sub("", str(_entry(document, "name") or ""))).strip()
    if _entry(document, "group") == "luu_y" or _NOTE_ENTRY.match(folded) or folded.endswith(":"):
        return 2
    one_case = _ONE_CASE_ENTRY.match(folded) or "trong truong hop" in folded.split(";", 1)[0]
    return 1 if one_case else 0


def ordered_documents(documents: Iterable[Any]) -> list[Any]:
    """The documents every case needs first, then those of one case, then notes and headings, each kind
    in the record's order; an entry that is part of the one before it ("+ …" under "Đối với …:") stays
    with it. The national portal lists them mixed ("Trường hợp trẻ em bị bỏ rơi …" before "Giấy chứng sinh")."""
    groups: list[list[Any]] = []
    for document in documents:
        if groups and str(_entry(document, "name") or "").lstrip().startswith("+"):
            groups[-1].append(document)
        else:
            groups.append([document])
    groups.sort(key=lambda group: document_rank(group[0]))  # stable: the record's order within a kind
    return [document for group in groups for document in group]


# "Nhận hộ chiếu tại nơi nộp hoặc qua dịch vụ bưu chính": the result named by words of its own, then where.
_HANDED_OVER = re.compile(
    r"(?<![\w])(?:(?:tra|nhan|lay) ket qua|(?<!kiem )(?:nhan|tra|lay|gui) (?:\w+ ){0,2}(?:ban chinh|giay|the|qua buu)"
    r"|(?<!kiem )(?:nhan|tra|lay) (?:\w+ ){0,6}(?:tai noi nop|qua (?:dich vu )?buu chinh|tai bo phan mot cua))"
)


def tells_handover(text: str) -> bool:
    """The passage says how or where the result is handed over ("Nhận Giấy khai sinh", "trả kết quả")."""
    return bool(_HANDED_OVER.search(fold(text)))


@dataclass(frozen=True)
class Passage:
    """A sentence or item of a record, with the record's field it comes from."""

    field: str  # a record field: subjects, conditions, result, documents, steps, fees, methods ...
    text: str
    score: float = 0.0


# Sentences of long fields; items of list fields.
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-ZĐÀ-Ỹ(])")


def record_passages(record: dict[str, Any]) -> list[Passage]:
    """Every passage a question could be answered from, each with its field."""
    passages: list[Passage] = []
    for field in ("subjects", "conditions", "result", "processing_time", "agency"):
        for sentence in _SENTENCE.split(clean(record.get(field))):
            if sentence:
                passages.append(Passage(field, sentence))
    for document in record.get("documents") or []:
        text = clean(document.get("name"))
        if document.get("case"):
            text += f" — {clean(document['case'])}"
        passages.append(Passage("documents", text))
    for step in record.get("steps") or []:
        passages.append(Passage("steps", clean(step if isinstance(step, str) else step.get("text"))))
    for fee in record.get("fees") or []:
        passages.append(Passage("fees", clean(fee.get("text"))))
    for method in record.get("methods") or []:
        detail = "; ".join(
            clean(method.get(k)) for k in ("processing_time", "fee_text", "description") if method.get(k)
        )
        passages.append(Passage("methods", f"{method.get('channel')}: {detail}"))
    for basis in record.get("legal_basis") or []:
        passages.append(Passage("legal_basis", clean(basis if isinstance(basis, str) else legal_text(basis))))
    # One line each: a national step runs to twenty lines of its own ("Bước 3:\n3.1. …\na) …"), which a quote
    # cut to a phone's few lines would keep as twenty.
    return [Passage(p.field, " ".join(p.text.split()), p.score) for p in passages if p.text.strip()]


def states_case(query: Sequence[str], case: str, min_overlap: float = 0.5) -> bool:
    """The message's words (``content_words``, without the procedure's name) describe this case of a document."""
    have = content_words(case)
    strong = [w for w in query if w not in _WEAK]
    return sum(w in have for w in strong) >= 2 and overlap(strong, have) >= min_overlap


# A legal basis's rank, highest first: the law ("Luật Hộ tịch 60/2014/QH13") before the decrees, circulars and
# resolutions that carry it out, which the national portal lists first and by the dozen.
_LEGAL_RANKS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(?:bo )?luat\b|/qh\d*\b"), 0),
    (re.compile(r"/ubtvqh\d*\b|^phap lenh\b"), 1),
    (re.compile(r"/nd-cp\b|^nghi dinh\b"), 2),
    (re.compile(r"/(?:nq-cp|qd-ttg)\b"), 3),
)


def legal_rank(basis: Any) -> int:
    """0 for a law, 1 an ordinance, 2 a decree, 3 a government resolution or PM decision, 4 the rest (circulars)."""
    text = fold(basis if isinstance(basis, str) else legal_text(basis))
    number = fold(basis.get("number") or "") if isinstance(basis, dict) else ""
    return next((rank for pattern, rank in _LEGAL_RANKS if pattern.search(text) or pattern.search(number)), 4)


def legal_text(basis: dict[str, Any]) -> str:
    number, title = basis.get("number") or "", basis.get("title") or ""
    return f"{title} {number}".strip() if number and number not in title else (title or number)


def find_passages(
    record: dict[str, Any], question: str, ignore: Iterable[str] = (), fields: Optional[Iterable[str]] = None
) -> list[Passage]:
    """The record's passages that answer ``question``, best first (words of ``ignore`` do not count).

    ``ignore`` holds the procedure's own name words: "khai sinh" is in every passage of the
    birth registration and says nothing about which one answers.
    """
    ignored = {w for phrase in ignore for w in content_words(phrase)}
    query = [w for w in content_words(question) if w not in ignored]
    if not query:
        return []
    wanted = set(fields) if fields is not None else None
    scored = []
    for passage in record_passages(record):
        if wanted is not None and passage.field not in wanted:
            continue
        score = overlap(query, content_words(passage.text))
        if score > 0:
            scored.append(Passage(passage.field, passage.text, score))
    scored.sort(key=lambda p: -p.score)
    return scored


# --- what a citizen's words mean in the records' words --------------------------------------------------

# How citizens tell their case and the words the records use for it: "đi xin thay cho con", "nhờ người nhà
# làm hộ" is an "ủy quyền"; "không về được", "đi một mình" asks whether both must be present ("có mặt"); "mẹ
# cháu không đồng ý" is a "tranh chấp"; "nhà thuê", "phòng trọ" a place lent or rented by an owner who must agree
# ("ý kiến đồng ý … của chủ sở hữu"); a parent asking for a child is the child's "đại diện hợp pháp". Folded
# patterns (core/text.py has expanded "dc", "k", "đk") and the record's phrases each stands for.
_MEANT_AS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(
            r"(?<![\w])(?:(?:xin|lam|di|nop|ky|nhan|dang ky|khai|lanh|linh|lay) (?:ho|thay|giup|gium|dum)"
            r"(?! chieu| khau| kinh| ngheo| tich| gia| so| can| ca)"
            r"|(?:thay|ho) cho (?:con|vo|chong|bo|me|cha|ong|ba|anh|chi|em|nguoi)"
            r"|nho (?:nguoi|ai|ban|bo|me|con|vo|chong|anh|chi|em)|uy quyen|dung ten thay)(?![\w])"
        ),
        ("uy quyen",),
    ),
    (
        re.compile(
            r"(?<![\w])(?:(?:khong|chua) (?:ve|den|co mat|di|len) (?:duoc|kip)|(?:mot|1) minh|vang mat)(?![\w])"
        ),
        ("co mat",),
    ),
    (
        re.compile(
            r"(?<![\w])(?:khong (?:dong y|chiu|cho|ung ho|chap nhan)|phan doi|tranh chap|gianh nhau|cai nhau)(?![\w])"
        ),
        ("tranh chap",),
    ),
    (
        re.compile(
            r"(?<![\w])(?:nha thue|thue nha|thue phong|thue can ho|o thue|phong tro|nha tro|o tro|o nho|o ghep"
            r"|nha muon|muon nha)(?![\w])"
        ),
        ("o thue", "chu so huu", "o nho", "cho thue"),
    ),
    (
        re.compile(
            r"(?<![\w])(?:(?:cho|cua|thay) (?:con|chau|be) (?:toi|minh|em|tui|nha toi|nha em)"
            r"|cho (?:con|chau|be) (?:\w+ )?(?:\d+ tuoi|chua du|duoi))(?![\w])"
        ),
        ("dai dien hop phap", "cha me", "giam ho"),
    ),
)


def meant_phrases(text: str) -> list[str]:
    """The records' phrases for what the citizen tells of their case (``_MEANT_AS``), folded, in table order."""
    folded = _folded(text or "").text
    return [phrase for pattern, phrases in _MEANT_AS if pattern.search(folded) for phrase in phrases]


_RULE_WORDS = r"(?:khong duoc|khong the|khong can|khong phai|phai|bat buoc|duoc phep|chi duoc|co the|khi khong co)"


_PIECE = re.compile(r"\s*[;()]\s*|(?<=[^\s.]{2})\.\s+")


def rule_about(text: str, phrases: Sequence[str], question: str = "") -> Optional[str]:
    """The part of a passage that states the rule on one of ``phrases`` ("Phiếu số 2 phải tự mình yêu cầu,
    không được ủy quyền" of a longer entry about "ủy quyền"), the plain answer to "được không"; of several, the
    one that says most of the ``question``'s words ("số 2"); None when no part says "không được", "phải",
    "được phép" … before the phrase."""
    rules = [
        piece.strip(" .;,")
        for piece in _PIECE.split(text or "")
        if any(
            re.search(rf"(?<![\w]){_RULE_WORDS} (?:\w+ ){{0,2}}{re.escape(x)}(?![\w])", fold(piece)) for x in phrases
        )
    ]
    if question:  # not the rule of a case numbered otherwise ("Phiếu số 2 …" for "phiếu số 1")
        rules = [piece for piece in rules if _numbers_agree(piece, question)]
    if not rules:
        return None
    words = content_words(question)
    return max(rules, key=lambda piece: overlap(words, content_words(piece)) if words else 0.0)


_RULE_NO = re.compile(r"(?<![\w])(?:khong duoc|khong the|phai tu minh|phai truc tiep|phai co mat|khi khong co)(?![\w])")
_RULE_YES = re.compile(r"(?<![\w])(?:duoc phep|co the|duoc uy quyen)(?![\w])")


_NUMBER = re.compile(r"(?<![\w.,])\d+(?!\w|[.,]\d)")  # "số 2." is 2; "20.000" is no case number


def _numbers_agree(rule: str, question: str) -> bool:
    """The numbers a rule states (of its case: "Phiếu số 2") are all the question's, or it states none."""
    numbers = set(_NUMBER.findall(fold(rule)))
    return not numbers or numbers <= set(_NUMBER.findall(fold(question)))


def rule_verdict(rule: Optional[str], question: str = "") -> Optional[bool]:
    """What a rule of ``rule_about`` answers to "được không": False when it forbids or requires what the citizen
    cannot ("không được ủy quyền", "phải có mặt", "khi không có tranh chấp"), True when it allows ("có thể ủy quyền
    cho cha, mẹ"), None when it says neither, or when it is the rule of a case numbered otherwise than the
    ``question``'s ("Phiếu số 2 không được ủy quyền" says nothing of "phiếu số 1")."""
    folded = fold(rule or "")
    if not _numbers_agree(folded, question):
        return None
    if _RULE_NO.search(folded):
        return False
    return True if _RULE_YES.search(folded) else None


def focus(text: str, phrases: Sequence[str], question: str = "") -> Optional[str]:
    """What an excerpt of a passage about the citizen's case should keep: the rule it states on one of
    ``phrases`` (``rule_about``), else the first of them it says; None when it says none."""
    return rule_about(text, phrases, question) or next((x for x in phrases if says_phrase(text, x)), None)


def says_phrase(text: str, phrase: str) -> bool:
    """The passage says the folded ``phrase`` as whole words ("ủy quyền" in "không được ủy quyền")."""
    return bool(re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", fold(text or "")))


# --- numbers out of text ----------------------------------------------------------------------------

_SAME_DAY = re.compile(r"\b(?:ngay trong ngay|trong ngay|ngay khi|ngay lap tuc)\b")
_DAYS = re.compile(r"(?<![\d.,])(\d{1,6}(?:[.,]\d{1,3})?)\s{0,3}(ngay lam viec|ngay|gio|thang|tuan)")
_UNIT_DAYS = {"ngay lam viec": 1.0, "ngay": 1.0, "gio": 1 / 8, "thang": 22.0, "tuan": 5.0}


def days(processing_time: Optional[str]) -> Optional[float]:
    """The first time limit of a record's processing time, in (working) days; None when unreadable."""
    folded = fold(processing_time or "")
    same_day, number = _SAME_DAY.search(folded), _DAYS.search(folded)
    if same_day and (not number or same_day.start() < number.start()):
        return 0.0
    if number:
        return float(number.group(1).replace(",", ".")) * _UNIT_DAYS[number.group(2)]
    return None


# The household registration book (sổ hộ khẩu) was abolished on 1 January 2023 (Luật Cư trú 2020, Điều 38).
_HOUSEHOLD_BOOK = re.compile(r"(?<![\w])(?:so )?(?:ho khau|hk|so hk)(?![\w])")


def asks_household_book(item: str) -> bool:
    """The item is the household registration book ("sổ hộ khẩu", "hộ khẩu", "sổ hk")."""
    return bool(_HOUSEHOLD_BOOK.search(_folded(item).text)) and "nhap" not in _folded(item).text.split()


_VALIDITY_ASKED = re.compile(r"(?<![\w])(?:gia tri|thoi han|het han|hieu luc|dung duoc|su dung duoc|xai duoc)(?![\w])")
_VALIDITY_STATED = re.compile(r"(?<![\w])(?:gia tri|thoi han|hieu luc|vinh vien)(?![\w])")


def asks_validity(text: str) -> bool:
    """The question asks how long the result is valid ("có thời hạn không", "dùng được bao lâu")."""
    return bool(_VALIDITY_ASKED.search(_folded(text).text)) if text else False


def states_validity(text: str) -> bool:
    """A result's passage says how long it is valid ("có giá trị 06 tháng", "không thời hạn")."""
    return bool(_VALIDITY_STATED.search(_folded(text).text)) if text else False


# --- phone-sized replies ------------------------------------------------------------------------------

# A phone's chat bubble holds about this many characters of a line (a 6" phone, default font).
PHONE_LINE_CHARS = 45


def phone_lines(text: str) -> int:
    """How many lines ``text`` takes on a phone: each line wraps every PHONE_LINE_CHARS characters."""
    return sum(max(1, -(-len(line) // PHONE_LINE_CHARS)) for line in text.splitlines() if line.strip())


def shorten(line: str, max_chars: int) -> str:
    """``line`` cut at a word before ``max_chars`` characters, with "…" when cut."""
    if len(line) <= max_chars:
        return line
    cut = line[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:—-(")
    return cut + "…"


# A procedure's name in a reply's first line: about two phone lines, so that the answer itself shows on the
# screen (a national name runs to 300 characters: "Cấp giấy phép xây dựng mới đối với công trình cấp III, cấp
# IV (Công trình không theo tuyến/…/Dự án) và nhà ở riêng lẻ"). The code beside it names the procedure exactly.
HEADING_NAME_CHARS = 2 * PHONE_LINE_CHARS
_PARENTHESES = re.compile(r"\s*\([^()]*\)")


# Cutting a name's last few characters saves no line worth the words lost ("… cho trẻ em dưới 6 tuổi").
HEADING_SLACK = 10


def heading_name(name: str, max_chars: int = HEADING_NAME_CHARS) -> str:
    """``name`` as a reply's heading shows it: whole when short, else without its bracketed details, then cut."""
    if len(name) <= max_chars:
        return name
    plain = _PARENTHESES.sub("", name).strip()
    if len(plain) <= max_chars or len(name) <= max_chars + HEADING_SLACK:
        return plain if len(plain) <= max_chars else name
    return plain if len(plain) <= max_chars + HEADING_SLACK else shorten(plain, max_chars)


def fit(lines: Sequence[str], budget: int, max_line_chars: int = 2 * PHONE_LINE_CHARS) -> tuple[list[str], int]:
    """The lines that fit in ``budget`` phone lines (each shortened to ``max_line_chars`` when they do not
    all fit as they are) and how many were left out."""
    if sum(phone_lines(line) for line in lines) <= budget:
        return list(lines), 0
    kept: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        short = shorten(line, max_line_chars)
        if used + phone_lines(short) > budget:
            return kept, len(lines) - index
        kept.append(short)
        used += phone_lines(short)
    return _widened(lines, kept, budget - used), 0


def widened(lines: Sequence[str], kept: list[str], room: int) -> list[str]:
    """``kept`` (``lines`` shortened, one for one) given back ``room`` phone lines, the fewest needed first."""
    return _widened(lines, kept, room)


def _widened(lines: Sequence[str], kept: list[str], room: int) -> list[str]:
    """The shortened lines given back the phone lines left over, those that need the fewest first, so that
    as many as possible are whole ("… chứng minh chỗ ở hợp pháp", not "… chứng minh chỗ ở hợp…")."""
    kept = list(kept)
    needs = sorted(
        (phone_lines(line) - phone_lines(short), index)
        for index, (line, short) in enumerate(zip(lines, kept))
        if short != line
    )
    for need, index in needs:
        if room <= 0:
            break
        if need <= room:
            kept[index], room = lines[index], room - need
        else:  # a part of it: as much as the room left shows
            kept[index] = shorten(lines[index], (phone_lines(kept[index]) + room) * PHONE_LINE_CHARS)
            room = 0
    return kept


# --- digests: a record's long entries as a compound reply's short lines ---------------------------

# The portal's own list marks and numbering before an entry ("- ", "+ ", "(iv) ", "a) ", "1. ").
_ENTRY_NUMBER = re.compile(r"^(?:[-+•*]\s*|\((?:[ivx]+|\d+|[a-zđ])\)\s*|(?:[a-zđ]|\d+)[.)]\s+)+", re.IGNORECASE)
# "(sau đây gọi tắt là giấy tờ tùy thân)": the record's own short name of what it lists.
_CALLED = re.compile(r"\(sau đây gọi(?: tắt)? là ([^()]{3,40})\)", re.IGNORECASE)
# "(Mẫu CT01 ban hành kèm theo Thông tư số 53/2025/TT-BCA)": the form's number says it; the act it came with
# is in the full answer.
_ISSUED_WITH = re.compile(r"\s*,?\s+(?:ban hành )?kèm theo (?:Thông tư|Nghị định|Quyết định)[^();]*", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"(?<=[^\s.]{2})[.;](?=\s+\S)")
_BRACKETED = re.compile(r"\s*\([^()]*\)")
_FORM_NUMBER = re.compile(r"\s?\((?:Mẫu|mẫu) (?:số )?\S{2,12}\)$")
_COMMA_BREAK = re.compile(r",\s")


def _first_sentence(line: str) -> str:
    """``line`` up to its first ". " or "; " outside brackets ("Miễn phí (… quyết định. Miễn …)" is one)."""
    depth = 0
    for index, char in enumerate(line):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth <= 0 and char in ".;" and _SENTENCE_BREAK.match(line, index):
            return line[:index].strip()
    return line.strip()


def entry_text(text: Optional[str]) -> str:
    """A record's entry without the portal's list marks and numbering ("- (iv) Trường hợp …")."""
    return _ENTRY_NUMBER.sub("", clean(text).replace("\xa0", " ")).strip()


def gist(text: Optional[str], max_chars: int, keep_brackets: bool = False) -> str:
    """A long entry of a record shortened to what it is about, within ``max_chars``: its own short name
    ("(sau đây gọi tắt là giấy tờ tùy thân)"), else its first sentence, without the act a form was issued
    with and, when still too long, without its bracketed details, then cut after a comma or a word ("…").
    "Giấy báo tử hoặc giấy tờ thay Giấy báo tử do cơ quan có thẩm quyền cấp. Trường hợp …" keeps its first
    sentence, not "Giấy báo tử hoặc giấy tờ thay Giấy báo…". ``keep_brackets``: the bracketed details are the
    answer's own ("Miễn phí (Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh … quyết định)")."""
    line = entry_text(text)
    if len(line) <= max_chars:
        return line
    called = _CALLED.search(_first_sentence(line))
    if called and not _NOTE_ENTRY.match(fold(line)) and not _ONE_CASE_ENTRY.match(fold(line)):
        name = called.group(1).strip()
        head = line[: called.start()].strip()
        line = f"{name[:1].upper()}{name[1:]}: {head}"
    line = _ISSUED_WITH.sub("", line)
    first = _first_sentence(line)
    if len(first) >= min(20, max_chars // 2):
        line = first
    while len(line) > max_chars and not keep_brackets:  # the longest bracketed detail first
        # A form's number ("(Mẫu CT01)") is what the citizen asks for at the desk: it stays.
        brackets = sorted(
            (x for x in _BRACKETED.finditer(line) if not _FORM_NUMBER.match(x.group(0))),
            key=lambda match: len(match.group(0)),
        )
        plain = (line[: brackets[-1].start()] + line[brackets[-1].end() :]).strip() if brackets else line
        if plain == line or len(plain) < min(20, max_chars // 2):
            break
        line = plain
    if len(line) <= max_chars:
        return line
    form = _FORM_NUMBER.search(line.rstrip(" .;"))
    if form and len(form.group(0)) < max_chars // 2:  # "Tờ khai thay đổi thông tin… (Mẫu CT01)"
        number = form.group(0).strip()
        return shorten(line[: form.start()].rstrip(), max_chars - len(number) - 1) + " " + number
    # After the last comma that keeps at least half of the room: a whole clause rather than half a word.
    head = line[: max_chars - 1]
    # Two thirds of the room at least: "Ý kiến đồng ý của cha, mẹ …" is cut after a word, not at the comma of its list.
    cuts = [match.start() for match in _COMMA_BREAK.finditer(head) if match.start() >= 2 * max_chars // 3]
    if cuts:
        return head[: cuts[-1]].rstrip(" ,;:—-(") + "…"
    return shorten(line, max_chars)


# An entry of the document list that holds for one way of filing only ("Mẫu hộ tịch điện tử … nếu … nộp hồ sơ
# theo hình thức trực tuyến"): after those every citizen files in person.
_ONLINE_ONLY = re.compile(r"(?<![\w])(?:truc tuyen|tai len|dien tu tuong tac)(?![\w])")
# "… đối với trường hợp đăng ký khai tử cho người chết đã lâu": one case's paper, however it begins.
_FOR_A_CASE = re.compile(r"(?<![\w])(?:doi voi|trong|cho) truong hop(?![\w])")


def digest_rank(document: Any, cases_named: bool = True) -> tuple[int, int]:
    """Where an entry goes in a compound reply's short list of documents: the papers every citizen brings
    (no case, to submit; in person before online) first, then those to show, then one case's papers, then
    notes and headings. ``document``: a record's dict or a model; ``cases_named``: the record's ``case``
    tells one case's papers apart (not when every entry has one: a record of cases only)."""
    rank = document_rank(document)
    name = fold(entry_text(str(_entry(document, "name") or "")))
    # A case that says what replaces a missing paper ("Nếu không có Giấy chứng sinh: …") leaves it a paper for all.
    case = _entry(document, "case")
    if rank == 0 and (
        (cases_named and case and not is_alternative(case)) or _FOR_A_CASE.search(name.split(". ", 1)[0])
    ):
        rank = 1
    if rank == 0 and _ONE_CASE_ENTRY.match(name):  # "(iv) Trường hợp …": a case behind its numbering
        rank = 1
    shown = 1 if _entry(document, "group") == "xuat_trinh" else 0
    online = 1 if _ONLINE_ONLY.search(name) else 0
    return rank, shown + online


def digest_documents(documents: Iterable[Any]) -> list[Any]:
    """The documents in a compound reply's order (``digest_rank``), each kind in the record's order."""
    documents = ordered_documents(documents)
    cases_named = not all(_entry(document, "case") for document in documents)
    return sorted(documents, key=lambda document: digest_rank(document, cases_named))


_FRAGMENT = re.compile(r"\s*[;()]\s*")


def excerpt(text: str, question: str, max_chars: int) -> str:
    """The part of a long passage that speaks of the question's words ("chỗ ở thuê, mượn, ở nhờ …"),
    marked "…" where it was cut; the passage itself when it is short enough."""
    if len(text) <= max_chars:
        return text
    query = content_words(question)
    # A fragment after a bracket starts at its words, not at the full stop after the bracket (". Phiếu số 2 …").
    fragments = [f.lstrip(" .,;:") for f in _FRAGMENT.split(text) if f.strip(" .,;:")]
    # A word typed with its accents and found so breaks a tie: "đóng thuế" is about "cơ quan thuế", not "đồng thời".
    accented = {w for w in re.findall(r"\w+", unicodedata.normalize("NFC", question.lower())) if w != fold(w)}

    def score(fragment: str) -> float:
        said = set(re.findall(r"\w+", unicodedata.normalize("NFC", fragment.lower())))
        return overlap(query, content_words(fragment)) + 0.01 * len(accented & said)

    best = max(fragments, key=score, default=text)
    if not query or overlap(query, content_words(best)) == 0:
        return shorten(text, max_chars)
    ends = text.rstrip(" .").endswith(best.rstrip(" ."))
    start = "" if text.startswith(best) else "…"
    if len(best) > max_chars - len(start):
        # Still too long: from the first clause whose next lines say most of the question's words, with room
        # after them for what the record says of them.
        strong = {w for w in query if w not in _WEAK}

        def said_from(at: int) -> float:
            window = best[at : at + max_chars * 2 // 3]
            return len(strong & set(content_words(window))) + 0.01 * len(accented & set(re.findall(r"\w+", window)))

        clauses = [0] + [m.end() for m in re.finditer(r"[,.:] ", best)]
        cut = max(clauses, key=lambda at: (said_from(at), -at))
        if cut:
            best, start = best[cut:], "…"
    body = shorten(best, max_chars - len(start))
    return start + body + ("" if ends or body.endswith("…") else "…")


# --- circumstances that pick a procedure's variant ------------------------------------------------------

_AGE_STATED = re.compile(r"(?<![\w.,])(\d{1,2}) ?(?:tuoi|t)(?![\w])")
_AGE_BOUND = re.compile(r"(?<![\w])(duoi|tu du|tu|tren|du) (\d{1,2}) tuoi")
_NAME_TAIL = re.compile(r" (?:cho|doi voi|cua) ")


def stated_age(text: str) -> Optional[int]:
    """The age the message states ("bé 10 tuổi", "con 5t"), or None."""
    match = _AGE_STATED.search(fold(text or ""))
    return int(match.group(1)) if match else None


def stated_ages(text: str) -> list[int]:
    """Every age the message states, in order, each once ("tôi 16 tuổi, em trai 12 tuổi": [16, 12])."""
    return list(dict.fromkeys(int(match.group(1)) for match in _AGE_STATED.finditer(fold(text or ""))))


# What records call a person under 18 (Bộ luật Dân sự, Điều 21): "người chưa thành niên", folded.
MINOR = "nguoi chua thanh nien"
ADULT_AGE = 18


_DIFFERENCE = re.compile(r"(?<![\w])khac (?:gi|nhau|the nao|khong|cho nao|o dau)(?![\w])")


def asks_difference(text: str) -> bool:
    """ "Vậy hồ sơ có khác gì không?": how one procedure's documents differ from another's."""
    return bool(_DIFFERENCE.search(_folded(text or "").text))


def same_paper(one: str, other: str) -> bool:
    """The same paper in two lists, give or take a detail: nearly all the words of the one named more briefly
    are the other's ("Giấy chứng sinh" and "Giấy chứng sinh hoặc giấy tờ thay Giấy chứng sinh")."""
    short, long = sorted((set(content_words(one)), set(content_words(other))), key=len)
    return len(short) >= 2 and len(short & long) >= 0.8 * len(short)


def states_minor(text: str) -> bool:
    """The message states an age under 18 ("tôi 16 tuổi")."""
    age = stated_age(text)
    return age is not None and age < ADULT_AGE


def age_fits(name: str, age: int) -> Optional[bool]:
    """Whether a procedure named with an age bound ("… dưới 14 tuổi", "… từ đủ 14 tuổi trở lên") is for
    that age; None when its name has no age bound."""
    match = _AGE_BOUND.search(fold(name or ""))
    if not match:
        return None
    bound = int(match.group(2))
    if match.group(1) == "duoi":
        return age < bound
    if match.group(1) == "tren":
        return age > bound
    return age >= bound


def name_head(name: str) -> str:
    """A procedure name before who it is for ("cap the can cuoc" of "Cấp thẻ căn cước cho người dưới 14 tuổi")."""
    return _NAME_TAIL.split(fold(name or ""), maxsplit=1)[0].strip()


# A party from abroad: "chồng tôi là người Hàn Quốc", "bố bé là người Nhật", "lấy vợ Việt kiều".
_COUNTRY = (
    r"han quoc|nhat ban|trung quoc|dai loan|thai lan|campuchia|singapore|an do|hoa ky|hong kong|"
    r"philippines|indonesia|malaysia|canada|ha lan|tay ban nha|bo dao nha|thuy dien|thuy si|new zealand"
)
# "người Nhật", "ng Hàn": after "người" only, since alone they are given names ("ông Nhật"), places or words.
_NATIONALITY = r"nhat|han|my|phap|duc|nga|uc|lao(?! dong)|tay|anh quoc|canada"
# "sinh ở Đức", "bên Nhật": a country after where-words, when the clause ends there ("ở Mỹ Tho", "ở Đức Hòa" and
# "ở Nga Sơn" are places in Việt Nam).
_ABROAD = (
    r"(?:sinh|sinh ra|de|o|tai|ben|sang) (?:ben )?(?:duc|phap|my|uc|nga|nhat|han|anh|canada)"
    r"(?= *(?:$|[,.;?!])| (?:ve|roi|thi|nen|chua|duoc|khong|va|con|nam|nay|luon|hoc|lam))"
)
_FOREIGN_STATED = re.compile(
    rf"(?<![\w])(?:nuoc ngoai|ngoai quoc|viet kieu|khong quoc tich|{_COUNTRY}|"
    rf"(?:nguoi|ng) (?:{_NATIONALITY})|(?:chong|vo|ck|vk) tay|{_ABROAD})(?![\w])"
)
_FOREIGN_NAME = re.compile(r"(?<![\w])(?:co yeu to nuoc ngoai|nguoi nuoc ngoai)(?![\w])")


def states_foreign(text: str) -> bool:
    """Whether the message says a party of the case is from abroad (a foreign spouse or parent, a Việt kiều)."""
    return bool(_FOREIGN_STATED.search(fold(text or "")))


def foreign_variant_name(name: str) -> Optional[str]:
    """The folded name of a procedure's variant "có yếu tố nước ngoài" ("dang ky ket hon co yeu to nuoc
    ngoai" for "Đăng ký kết hôn"); None when the name already is for a foreign case."""
    folded = fold(name or "").strip()
    if not folded or _FOREIGN_NAME.search(folded):
        return None
    return f"{folded} co yeu to nuoc ngoai"


# "không có giấy báo tử", "chưa có giấy chứng sinh": the paper the citizen does not have is their case.
_LACKED = re.compile(
    r"(?<![\w])(?:khong|chua|khong con|thieu|chang)(?: co| con)? ((?:giay|ban|so|the|don|to|phieu|bang|trich|van ban|"
    r"hop dong|hoa don|chung)(?: (?!thi |nen |phai |duoc |lam |can |o |tai |va |ma |thi$|nen$|duoc$|lam$)\w+){0,4})"
)


def lacked_item(text: str) -> Optional[str]:
    """The paper the message says the citizen does not have ("không có giấy báo tử" → "giay bao tu"), folded."""
    match = _LACKED.search(_folded(text or "").text)
    return match.group(1).strip() if match else None


# "nghỉ việc mấy tháng thì rút được", "bao nhiêu tuổi thì được": the question asks a number of this unit.
_QUANTITY_ASKED = re.compile(r"(?<![\w])(?:may|bao nhieu|bn) (thang|nam|tuoi|ngay|tuan)(?![\w])")


def asked_unit(text: str) -> Optional[str]:
    """The unit of the number a question asks for ("mấy tháng" → "thang"), folded; None when it asks none."""
    folded = _folded(text or "").text
    match = _QUANTITY_ASKED.search(folded)
    if match:
        return match.group(1)
    # "phải nộp … trong thời hạn bao lâu": a deadline, which the records state in months or days.
    return DEADLINE_UNITS if _DEADLINE.search(folded) else None


# The units of a deadline asked as "bao lâu" (a pattern of units for ``states_quantity``).
DEADLINE_UNITS = "thang|ngay"


_QUANTITY_STATED = re.compile(r"(?<![\w.,])\d{1,3} ?(thang|nam|tuoi|ngay|tuan)(?![\w])")


def stated_unit(text: str) -> Optional[str]:
    """The unit of a number the citizen states of their case ("nghỉ việc được 2 tháng" → "thang"), folded;
    the record's passages stating a number of that unit ("sau 12 tháng") are what decides it."""
    match = _QUANTITY_STATED.search(_folded(text or "").text)
    return match.group(1) if match else None


def states_quantity(text: str, unit: str) -> bool:
    """Whether a passage states a number of that unit ("sau 12 tháng" for "thang")."""
    return bool(re.search(rf"(?<![\w])\d+ (?:{unit})(?![\w])", fold(text or "")))


# Words that say for whom a procedure split by age is done: a child, an adult, the asker, an age.
# For whom, when it decides the age: an adult ("cho tôi"). A child ("cho con", "cho bé") may be on either
# side of an age bound (14 for the ID card): the age is asked.
_WHOM_STATED = re.compile(r"(?<![\w])(?:nguoi lon|tuoi|cho toi|cho minh|cua toi|cua minh|ban than|chinh minh)(?![\w])")


def states_whom(text: str) -> bool:
    """Whether the message says for whom ("cho bé", "cho tôi", "14 tuổi"), which picks a procedure split by age."""
    return bool(_WHOM_STATED.search(_folded(text or "").text))
