"""Vietnamese text normalisation shared by catalogue search and the NLU pipeline.

Citizens type without diacritics, with teencode and abbreviations, with old-style
tone placement. Everything that compares text (search, entity linking, intent
features) goes through :func:`normalize`, which keeps every output token tied to
the span of the original text it came from, so entities can always be reported
on the user's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Dossier codes (e.g. 000.00.12.H48-241105-0012) must survive as one token: the
# word segmenter would split them at every dot.
# Every pattern here sees citizens' text (up to 2,000 characters): it must run in
# linear time. The gaps between the parts of a code are bounded ("H48 - 241105"
# has at most 3 spaces on each side of the dash): an unbounded ``\s*[-–]?\s*``
# tried every split of a long run of spaces, and one message of 1,995 characters
# ("000.00.12.H48", 650 spaces, "123456", 1,300 spaces, "x") held the process 36 s.
_CODE_GAP = r"\s{0,3}[-–]?\s{0,3}"
# A catalogue procedure code (1.001193, 2.000986.000.00.00.H48).
PROCEDURE_CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]{1,63}$")
DOSSIER_CODE_PATTERN = re.compile(
    r"(?<![\w.])(\d{3}[.\s]?\d{2}[.\s]?\d{2}[.\s]?[A-Za-z]\d{2})"
    + _CODE_GAP
    + r"(\d{6})"
    + _CODE_GAP
    + r"(\d{4})(?![\w])"
)

# One chunk per dossier code, word (letters/digits, keeping inner dots and
# slashes of numbers like 75/2022/TT-BTC), or single punctuation mark.
# Combining marks (decomposed accents) are not \w: keep them inside the word.
_LETTER = r"(?:[^\W_]|[\u0300-\u036f])"
_CHUNK = re.compile(rf"{_LETTER}+(?:[./-]{_LETTER}+)*|[^\w\s\u0300-\u036f]", re.UNICODE)

# Abbreviations and teencode seen in citizens' messages (vietnamese_nlp_notes.md),
# keyed by the folded lowercase form. Values are written with diacritics.
ABBREVIATIONS: dict[str, str] = {
    "ko": "không",
    "k": "không",
    "kh": "không",
    "hok": "không",
    "khong": "không",
    "kg": "không",
    "hem": "không",
    "dc": "được",
    "nc": "nước",
    "dky": "đăng ký",
    "dki": "đăng ký",
    "j": "gì",
    "gi": "gì",
    "ji": "gì",
    "mik": "mình",
    "mk": "mình",
    "mn": "mọi người",
    "bnhieu": "bao nhiêu",
    "baonhieu": "bao nhiêu",
    "ntn": "như thế nào",
    "nhg": "những",
    "nhug": "những",
    "ntnao": "như thế nào",
    "vs": "với",
    "tv": "thành viên",
    "ck": "chồng",
    "vk": "vợ",
    "trc": "trước",
    "r": "rồi",
    "z": "vậy",
    "v": "vậy",
    "lm": "làm",
    "ng": "người",
    "bh": "bao giờ",
    "bjo": "bao giờ",
    "bg": "bao giờ",
    "sdt": "số điện thoại",
    "dt": "điện thoại",
    "cccd": "căn cước công dân",
    "cmnd": "chứng minh nhân dân",
    "cmt": "chứng minh thư",
    "gks": "giấy khai sinh",
    "dkkd": "đăng ký kinh doanh",
    "dkkh": "đăng ký kết hôn",
    "gplx": "giấy phép lái xe",
    "qsdd": "quyền sử dụng đất",
    "gcn": "giấy chứng nhận",
    "bhxh": "bảo hiểm xã hội",
    "bhyt": "bảo hiểm y tế",
    "bhtn": "bảo hiểm thất nghiệp",
    "ubnd": "ủy ban nhân dân",
    "hdnd": "hội đồng nhân dân",
    "hs": "hồ sơ",
    "tthc": "thủ tục hành chính",
    "dvc": "dịch vụ công",
    "dvctt": "dịch vụ công trực tuyến",
    "lltp": "lý lịch tư pháp",
    "cty": "công ty",
    "tp": "thành phố",
    "tks": "cảm ơn",
    "thks": "cảm ơn",
    "hkd": "hộ kinh doanh",
    "kd": "kinh doanh",
    "tk": "tài khoản",
    "vn": "việt nam",
    "tncn": "thu nhập cá nhân",
    "mst": "mã số thuế",
    "tnhh": "trách nhiệm hữu hạn",
    "htx": "hợp tác xã",
    "noxh": "nhà ở xã hội",
    "tthn": "tình trạng hôn nhân",
    "gpxd": "giấy phép xây dựng",
    "gpkd": "giấy phép kinh doanh",
    "blx": "bằng lái xe",
    "tnld": "tai nạn lao động",
    "bnn": "bệnh nghề nghiệp",
    "oto": "ô tô",
    "ks": "khai sinh",
    "gp": "giấy phép",
    "ct": "chứng thực",
    "xn": "xác nhận",
    "kq": "kết quả",
    "gt": "giấy tờ",
    "tg": "thời gian",
    "tgian": "thời gian",
    "s": "sao",
    "cx": "cũng",
    "passport": "hộ chiếu",
    "onl": "online",
    "cb": "cán bộ",
    "nv": "nhân viên",
    "dv": "dịch vụ",
    "tc": "trợ cấp",
    "bc": "bước",
    "ad": "admin",
    "wa": "quá",
    "qa": "quá",
    "hnay": "hôm nay",
    "tui": "tôi",
    "t": "tôi",
    "e": "em",
    "ak": "à",
    "ah": "à",
    "uk": "ừ",
    "uh": "ừ",
    "oke": "ok",
    "okie": "ok",
}
# Catalogue search's lexicons (core/ranking.py).
# How people talk, not what they ask about: never evidence either way. Typed
# with diacritics they are compared as typed ("thẻ", "bản", "mã" are content);
# typed without, on the folded form.
CONVERSATION_WORDS = frozenset(
    """tôi tui mình em anh chị bạn ad admin ơi à ạ ah ak nhé nha nhỉ vậy thế nào sao gì bao nhiêu lâu
    không có được chưa rồi thì là và với của những để phải này kia khi nếu mà nữa hay hỏi muốn cần giúp
    xin vui lòng cảm ơn làm ở đâu mấy ai biết hôm nay mai lúc giờ phút các hả dạ vâng ừ thưa kính gửi
    đi đến lấy ok cho lệ phí tiền hiện ngày bước gồm như mạng online xong trả nộp giải thích giới thiệu
    hướng dẫn""".split()
)

# A foreign element said by the person or country ("chồng người Hàn Quốc", "Việt kiều",
# "lấy chồng Tây"): the procedures "… có yếu tố nước ngoài" are meant. Folded, longest first.
_FOREIGN_CUE_TEXT = """han quoc|trung quoc|nhat ban|dai loan|hong kong|thai lan|campuchia|cam pu chia|singapore
    |malaysia|philippines|indonesia|an do|my|hoa ky|phap|duc|uc|canada|nga|anh quoc|ha lan|thuy dien|na uy
    |tay ban nha|bo dao nha|ba lan|new zealand|viet kieu|ngoai quoc|ngoai kieu|tay|han|nhat"""
FOREIGN_CUES: tuple[tuple[str, ...], ...] = tuple(
    sorted((tuple(cue.split()) for cue in _FOREIGN_CUE_TEXT.split("|")), key=lambda cue: -len(cue))
)
# Words before a country name that make it a person or a place abroad ("người Hàn",
# "chồng Nhật", "ở Úc", "bên Mỹ"): a bare "Pháp" or "Anh" is not a cue.
FOREIGN_CUE_BEFORE = frozenset("nguoi chong vo ban trai gai o ben tai sang quoc tich lay cha me bo nuoc".split())

# Trades that need a licence of their own (Công Thương), not only the shop's household-business registration.
_LICENSED_TRADES = (
    "bán lẻ thuốc lá",
    "bán buôn thuốc lá",
    "bán thuốc lá",
    "kinh doanh thuốc lá",
    "bán lẻ rượu",
    "bán buôn rượu",
    "bán rượu",
    "kinh doanh rượu",
    "bán lẻ xăng dầu",
    "kinh doanh xăng dầu",
)

# Words that, said right beside (or inside) a procedure's name, make it another matter the
# name does not cover: "hộ chiếu công vụ" is not the ordinary passport, "đấu giá biển số xe"
# not the registration of a vehicle, "trích lục bản án ly hôn" a court's paper, not a civil-status
# extract, "thẻ nhà báo" a press card, "học lái xe" a driving course, "giấy kết hôn do nhà thờ
# cấp" a church's. Reviewed by hand: each names a kind of paper, an issuer or an act that only
# procedures holding these words serve (a name that holds one is not refused for it). Typed
# without diacritics they match on the folded form, except those in OTHER_MATTER_ACCENTED_ONLY
# whose folded form is an everyday phrase ("ban an" is also "bán ăn").
OTHER_MATTER_QUALIFIERS: tuple[str, ...] = (
    "công vụ",
    "ngoại giao",
    "đấu giá",
    "nhà thờ",
    "nhà chùa",
    "giáo hội",
    "bản án",
    "nhà báo",
    "phóng viên",
    "học lái",
    "học giấy phép",  # "học bằng lái", as the search reads "bằng lái"
    "trường dạy lái",
    "karaoke",  # a business with a licence of its own, not only the household business's registration
    "vũ trường",
    "tạm giữ",  # a licence held for a violation is given back, not re-issued
    "khiếu nại",
    "tố cáo",
    "khởi kiện",
    "đồng giới",  # the law registers no same-sex marriage
    # the power company's contract, not the land's transfer ("sang tên hợp đồng mua điện")
    "hợp đồng mua điện",
    "hợp đồng điện",
    "công tơ điện",
    "đồng hồ điện",
    # trades that need a licence of their own (Công Thương), beside the shop's household-business
    # registration: "mở cửa hàng bán lẻ thuốc lá", "giấy phép kinh doanh rượu"
    *_LICENSED_TRADES,
)
OTHER_MATTER_ACCENTED_ONLY = frozenset({"bản án"})
# Qualifiers that make the whole question another matter wherever they are said: a complaint, a
# denunciation or a lawsuit about a neighbour's building is not the building permit; selling tobacco,
# alcohol or fuel asks for that trade's licence, whatever shop it is said of.
OTHER_MATTER_ANYWHERE = frozenset({"khiếu nại", "tố cáo", "khởi kiện", *_LICENSED_TRADES})
# Typed without diacritics, an accented-only qualifier still counts beside words that only go with
# it, folded: "trich luc ban an ly hon" is the court's judgment, "ban an" after "trích lục" or
# before "ly hôn", "của tòa" no shop selling food.
OTHER_MATTER_UNACCENTED_BESIDE: dict[str, tuple[str, ...]] = {
    "ban an": ("trich luc", "sao", "ly hon", "toa", "toa an", "cua toa", "hinh su", "dan su", "phuc tham", "so tham"),
}

# Where an official name's qualifiers begin (lowercase): what follows only narrows it.
NAME_QUALIFIERS = (" (", " đối với ", " trong trường hợp ", " trường hợp ", ";", " thực hiện tại ", " tại cấp ", " mà ")
# Folk terms and the official words they stand for, in names and queries alike.
CANONICAL_TERMS: dict[str, str] = {
    "bằng lái xe": "giấy phép lái xe",
    "bằng lái": "giấy phép lái xe",
    "cà vẹt": "chứng nhận đăng ký xe",
    "cavet": "chứng nhận đăng ký xe",
    "giấy đăng ký xe": "chứng nhận đăng ký xe",
    "thổ cư": "đất ở",
    "mở công ty": "thành lập công ty",
    "mở doanh nghiệp": "thành lập doanh nghiệp",
    "một thành viên": "1 thành viên",
    "hai thành viên": "2 thành viên",
}

# Abbreviations whose meaning depends on the neighbouring words: (usual meaning,
# meaning after one of `before`, or before one of `after`). "đk kết hôn" is
# "đăng ký" but "làm ở đâu đk ko" is "được"; "nhập hk" is "hộ khẩu" but "đc hk"
# is "không"; "phí bn" is "bao nhiêu" but "bn là người hay máy" is "bạn".
_IN_CONTEXT: dict[str, tuple[str, str, set[str | None], set[str | None]]] = {
    "dk": (
        "đăng ký",
        "được",
        {"khong", "ko", "k", "co", "chua", "lam", "nop", "the", "hok"},
        {None, "khong", "ko", "k", "hok", "chua", "nhi", "nhe", "a", "roi", "?", "."},
    ),
    # "sđ" is how "sổ đỏ" is typed, but "quyền sd đất", "mục đích sd" are "sử dụng".
    "sd": ("sổ đỏ", "sử dụng", {"quyen", "dich", "dang", "duoc", "chua", "khong", "ko", "k", "de"}, set()),
    # "hđ mua bán", "ký hđ" is "hợp đồng"; elsewhere left as typed ("hd" may be "hướng dẫn").
    "hd": (
        "hd",
        "hợp đồng",
        {"ky", "lap", "huy", "cham", "sua", "theo", "chung", "cong"},
        {"mua", "thue", "lao", "tang", "chuyen", "uy", "dat", "vay", "the", "dich", "mua-ban"},
    ),
    # "thẻ cc", "làm cc" is "căn cước"; elsewhere left as typed.
    "cc": ("cc", "căn cước", {"the", "lam", "lm", "cap", "doi", "mat", "so"}, set()),
    # "rút bh 1 lần", "đóng bh" is "bảo hiểm"; elsewhere "bh" asks when ("bh có kết quả").
    "bh": (
        "bao giờ",
        "bảo hiểm",
        {"rut", "dong", "mua", "the", "so", "huong", "nop", "tham", "lanh", "linh", "cap"},
        {"xa", "y", "that", "1", "mot", "xh", "yt"},
    ),
    # "nghỉ vc", "làm vc" is "việc"; elsewhere "vợ chồng" ("vc tôi muốn tách hộ").
    "vc": ("vợ chồng", "việc", {"nghi", "lam", "cong", "xin", "tim", "mat", "bo", "thoi", "di"}, set()),
    # "người nn" is "nước ngoài", "đất phi nn" "nông nghiệp".
    "nn": ("nước ngoài", "nông nghiệp", {"phi", "dat", "thue", "khuyen"}, set()),
    # "vay nh" is "ngân hàng"; elsewhere left as typed.
    "nh": ("nh", "ngân hàng", {"vay", "no", "tai", "qua"}, set()),
    "hk": ("không", "hộ khẩu", {"nhap", "cat", "chuyen", "tach", "xoa", "so", "ghep", "dk", "ky"}, set()),
    "bn": (
        "bạn",
        "bao nhiêu",
        {"het", "mat", "phi", "ton", "la", "gia", "tra", "nop", "dong", "khoang", "thu", "can", "tien", "duoc"},
        {
            "tien",
            "ngay",
            "lau",
            "thang",
            "nam",
            "buoc",
            "dong",
            "k",
            "nghin",
            "trieu",
            "lan",
            "tuoi",
            "?",
            "%",
            "phan",
            "v",
            "vay",
            "z",
            "a",
            "ak",
            "ah",
        },
    ),
}

# A third meaning after one word: "đủ đk" is "đủ điều kiện".
_AFTER_WORD: dict[tuple[str, str | None], str] = {("dk", "du"): "điều kiện"}

# Old-style tone placement on a syllable-final "oa/oe/uy" ("hoà", "thuỷ") moved to
# the modern style that underthesea and most catalogues use ("hòa", "thủy").
_TONE_MOVES = {}
for _base, _marked in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("y", "ỳýỷỹỵ")):
    _first = "u" if _base == "y" else "o"
    _first_marked = "ùúủũụ" if _base == "y" else "òóỏõọ"
    for _tone, _ch in enumerate(_marked):
        _TONE_MOVES[_first + _ch] = _first_marked[_tone] + _base
_OLD_TONE = re.compile(r"(?<![qQ])(" + "|".join(_TONE_MOVES) + r")(?!\w)")


@dataclass(frozen=True)
class NormToken:
    """One normalised syllable or symbol with the span of the original text it came from."""

    text: str  # lowercase, NFC, modern tone placement, abbreviations expanded
    folded: str  # ``text`` without diacritics (đ -> d)
    start: int
    end: int
    kind: str = "word"  # "word", "punct", "number" or "dossier_code"


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase and strip Vietnamese diacritics (including đ -> d)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "d")


def nfc(text: str) -> str:
    """NFC with modern tone placement; the length of the text may change."""
    text = unicodedata.normalize("NFC", text).replace("Ð", "Đ").replace("ð", "đ")
    return _OLD_TONE.sub(lambda m: _TONE_MOVES[m.group(1)], text)


def canonical_dossier_code(raw: str) -> str | None:
    """``000 00 12 h48 241105 0012`` -> ``000.00.12.H48-241105-0012``; None if not a code."""
    match = DOSSIER_CODE_PATTERN.fullmatch(raw.strip())
    if not match:
        return None
    agency = re.sub(r"[.\s]", "", match.group(1))
    agency = f"{agency[0:3]}.{agency[3:5]}.{agency[5:7]}.{agency[7:].upper()}"
    return f"{agency}-{match.group(2)}-{match.group(3)}"


def _expand(word: str, folded: str, prev: str | None, nxt: str | None) -> str:
    # A word typed with tone marks is a real word ("gí" is not "gì"); only plain
    # letters and đ make an abbreviation (đkkd, sđt).
    if word.replace("đ", "d") != folded:
        return word
    if (folded, prev) in _AFTER_WORD:
        return _AFTER_WORD[(folded, prev)]
    if folded in _IN_CONTEXT:
        usual, other, before, after = _IN_CONTEXT[folded]
        return other if prev in before or nxt in after else usual
    return ABBREVIATIONS.get(folded, word)


def normalize(text: str) -> list[NormToken]:
    """Split ``text`` into normalised tokens, each tied to its original span."""
    if not text:
        return []
    tokens: list[NormToken] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for match in DOSSIER_CODE_PATTERN.finditer(text):
        spans.extend(_chunks(text, last, match.start()))
        spans.append((match.start(), match.end()))
        last = match.end()
    spans.extend(_chunks(text, last, len(text)))

    folded_chunks = [fold(text[s:e]) for s, e in spans]
    for index, (start, end) in enumerate(spans):
        raw = text[start:end]
        code = canonical_dossier_code(raw) if len(raw) >= 18 else None
        if code:
            tokens.append(NormToken(code, code.lower(), start, end, "dossier_code"))
            continue
        word = nfc(raw).lower()
        if not word[0].isalnum():
            tokens.append(NormToken(word, word, start, end, "punct"))
            continue
        if word.replace(".", "").replace(",", "").isdigit():
            tokens.append(NormToken(word, word, start, end, "number"))
            continue
        prev = folded_chunks[index - 1] if index else None
        nxt = folded_chunks[index + 1] if index + 1 < len(spans) else None
        expanded = _expand(word, folded_chunks[index], prev, nxt)
        for syllable in expanded.split():
            tokens.append(NormToken(syllable, fold(syllable), start, end))
    return tokens


def _chunks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(m.start() + start, m.end() + start) for m in _CHUNK.finditer(text[start:end])]


def normalized_text(text: str) -> str:
    """The normalised text as one string (syllables separated by single spaces)."""
    return " ".join(token.text for token in normalize(text))


def folded_text(text: str) -> str:
    return " ".join(token.folded for token in normalize(text))
