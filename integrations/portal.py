"""The national portal's procedure page (``../shared/data/national`` format) read into a procedure record.

Pure functions: no I/O, no database. :func:`parse_portal_record` turns one page
(field names are the page's headings: ``ma_thu_tuc``, ``thanh_phan_ho_so`` ...)
into the project's record (docs/interfaces.md "Procedure record", with the extensions
listed there) plus the list of what could not be read and why.

The page's tables were flattened to text, so cells run together:
"Hình thức nộpThời gianPhí, lệ phíMô tảTrực tiếp5 Ngày làm việc10,000 Việt Nam
Đồng(…)Mô tả…", "Tên giấy tờ…1 bản chính- Văn bản ủy quyền…0 bản chính,1 bản sao".
The parser finds the cells by the shapes the portal prints (a channel name glued
to a time, a count "N bản chính[,M bản sao]" glued to the next row, a document
number glued to the next title). Whatever it cannot separate with confidence is
left unknown with a reason, never guessed: a bare processing time "1" keeps its
value but no unit, an empty fee cell is unknown (not free), a fee cell of
"135 VNĐ" is read as 135,000 only when the row's own note says "135.000 đồng".

A document's ``case`` (the situation it applies to) comes from its table's title ("Trường
hợp …", or the situations a list is split by: "Đăng ký thường trú vào chỗ ở … do thuê, mượn,
ở nhờ") or from the row itself ("Trường hợp … thì nộp …"); entries before any heading stay
common (no case). The page's row order is not trusted for a heading printed among the rows,
and a heading printed over two tables keeps only the one whose entries repeat it: the others
get :data:`UNCLEAR_CASE`, not a case they may not belong to (tools/evaluation/portal_cases.py
measures it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

NO_INFO = "Không có thông tin"

# Channels as the portal prints them, and the kind each one is.
CHANNELS = {"Trực tiếp": "in_person", "Trực tuyến": "online", "Dịch vụ bưu chính": "postal"}
TIME_UNITS = {
    "Ngày làm việc": "ngày làm việc",
    "Ngày": "ngày",
    "Giờ": "giờ",
    "Tháng": "tháng",
    "Năm": "năm",
    "Phút": "phút",
    "Tuần": "tuần",
}
GROUP_SUBMIT, GROUP_SHOW, GROUP_NOTE = "nop", "xuat_trinh", "luu_y"

_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_METHODS_HEADER = "Hình thức nộpThời gianPhí, lệ phíMô tả"
_DOCUMENTS_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"

_CHANNEL = re.compile("|".join(map(re.escape, CHANNELS)))
_TIME = re.compile(r"(\d+(?:[.,]\d+)?)(?: ?(" + "|".join(TIME_UNITS) + r"))?")
_CURRENCY = r"VNĐ|Việt Nam Đồng|Đồng|đồng|USD"
_FEE = re.compile(
    r"(?P<free>Miễn phí)|(?P<none>" + NO_INFO + r")"
    r"|(?P<amount>\d{1,3}(?:,\d{3})+|\d+)\s?(?P<currency>" + _CURRENCY + ")"
)
_RUN_TOGETHER_FEE = re.compile(r"\s?(?:" + _CURRENCY + ")")
# The count cell of a document row: one digit (a longer run is the end of the
# document's name glued to it: "Mẫu số 18" + "1 bản chính"); _is_count_cell tells it from
# a phrase inside the name.
_COUNT = re.compile(r"(\d) bản chính(?:,(\d) bản sao)?")


def _is_count_cell(text: str, match: re.Match) -> bool:
    """Whether "N bản chính[,M bản sao]" is the count cell, not a phrase inside the name.

    The cell is followed by the next row or the end, not by a space or punctuation
    ("…: 01 bản chính; bản fax"); the next row may start "1. Văn bản…", "03 ảnh…"; after a
    stop it starts with a capital or a list mark ("1 bản chính.Đơn …", "…1 bản sao;- Văn bản");
    after a space or a tab only when the count is glued to its row's name
    ("…phương tiện.1 bản chính,1 bản sao * Trường hợp …"), never "nộp 01 bản chính văn bản".
    """
    following = text[match.end() :]
    first = following[:1]
    if not first or not (first.isspace() or first.isdigit() or first in ",;:."):
        return True
    if first.isdigit():
        # the next row starts with a number: "1. Văn bản…", "03 ảnh…", "01 bản chính Biên bản…"
        return bool(re.match(r"\d+(?:[.)/]|\s(?!bản)|\sbản (?:chính|sao) [^\W\d_])", following))
    after = following[1:].lstrip(" \t")[:1]
    starts_row = bool(after) and (after.isupper() or after in "-+*([" or "\uf000" <= after <= "\uf0ff")
    before = text[: match.start()]
    glued = bool(before) and not (before[-1].isspace() or before[-1].isdigit())
    return glued and starts_row and (first in ".,;" or first in " \t")


_FORM_FILE = re.compile(r"\.(?:docx?|pdf|xlsx?|odt|rtf|zip|rar)$", re.IGNORECASE)
_FORM_FILE_NAME = re.compile(r"\S*\.(?:docx?|pdf|xlsx?|odt|rtf|zip|rar)\b", re.IGNORECASE)
# "54/2014/QH13", "134/2016/NĐ-CP", "05/2019/QĐ-TTg", "72/2011/TTLT-BTC-BGTVT", "66.7/2025/NQ-CP",
# "198/2016/TT/BTC", "165/2024/NĐ- CP", a garbled "41/201Đ-CP": digits only after QH (a number glued to the next one,
# "QH1354/2014/QH13", must stop at "QH13").
_DOC_NUMBER_PART = r"(?:[A-ZĐ]*QH\d{2}|TTg|[A-ZĐ]+)"
_DOC_NUMBER = re.compile(
    rf"\d{{1,4}}(?:\.\d{{1,2}})?/(?:\d{{4}}/|\d{{2,3}}(?=[A-ZĐ]{{1,2}}-))?{_DOC_NUMBER_PART}(?:(?:- ?|_|/){_DOC_NUMBER_PART})*"
)
# The issuers' codes that end a document number. A number glued to the next title ends at the
# longest of these ("NĐ-CPLuật" → "NĐ-CP", "TT-BCAngày" → "TT-BCA", "NĐ-CPQUY ĐỊNH" → "NĐ-CP").
_ISSUERS = frozenset(
    "CP TTg BTC BTP BCA BNNMT BGTVT BXD BTNMT BNNPTNT BKHĐT BHXH UBND HĐND BLĐTBXH BKHCN VPCP BVHTTDL BNV "
    "BYT BQP BCT BNG VPQH CSXH VKSNDTC TANDTC NHNN BTTTT BGDĐT BKH TCHQ TCT BTCTT UBCKNN".split()
)
# A number cell without the issuer ("Luật số 58", "46/2020", the "54" of a law named "Luật Hải
# quan 2014"): digits glued to the next row's capital, or ending the text.
_BARE_NUMBER = re.compile(r"(?<!\d)\d+(?:/\d{4})?")
_YEAR = re.compile(r"(?:19|20)\d\d")
# Cyrillic capitals typed for Latin ones inside numbers ("TT-BTС").
_LOOKALIKES = str.maketrans("АВСЕНКМОРТХ", "ABCEHKMOPTX")
# A number cell may start with the kind of document: "…đô thịNghị quyết số 26/2022/UBTVQH15", "….NĐ 23/2026/NĐ-CP".
_NUMBER_PREFIX = re.compile(
    r"(?:(?:Bộ luật|Luật|Nghị định|Nghị quyết|Thông tư liên tịch|Thông tư|Quyết định|Pháp lệnh|Chỉ thị"
    r"|Văn bản hợp nhất|NĐ|TT|QĐ|NQ)\s*)?(?:số\s*)?$"
)
_RESULT_CODE = re.compile(r"Mã:\s*KQ\.[A-Z0-9.]*\d")
_RESULT_MENU = ("Từ khóa", "Chọn cơ quan thực hiện", "Nộp hồ sơ")
_STEP_WORD = re.compile(r"^[\s\-+*•]*(?:\d+(?:\.\d+)*\.?\s*)?bước\s*\d+", re.IGNORECASE)
_LIST_STYLES = (
    re.compile(r"^[a-zđ]\)\s"),  # a) b) c)
    re.compile(r"^\d+[.)]\s"),  # 1. 2) …
    re.compile(r"^\(\d+\)\s?"),  # (1) (2) …
    re.compile(r"^-\s?"),  # - …
    re.compile(r"^\+\s?"),  # + …
)
_STEP_LABEL = re.compile(r"^(?!trường hợp|đối với|lưu ý|ghi chú)[^\s:]+(?:\s[^\s:]+){0,4}\s?:\s", re.IGNORECASE)
_NAME_PREFIX = re.compile(r"^thủ tục\s+", re.IGNORECASE)


class PortalRecordError(ValueError):
    """The record cannot become a procedure at all (no code or no name)."""


@dataclass(frozen=True)
class Unknown:
    field: str
    reason: str


@dataclass
class ParsedRecord:
    record: dict
    unknown: list[Unknown] = field(default_factory=list)


def clean_text(value: Any) -> str:
    """NFC, without invisible marks, trimmed. Tone placement (hoà / hòa) is left as written: search folds it."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _INVISIBLE.sub("", text).strip()


def _given(text: str) -> str | None:
    """The text, or None when the portal says nothing ('', '--', 'Không có thông tin')."""
    text = text.strip()
    return None if text in ("", "-", "--", NO_INFO) else text


def display_name(official: str) -> str:
    """The name without the "Thủ tục" every page title starts with."""
    name = _NAME_PREFIX.sub("", official).strip()
    return name[:1].upper() + name[1:] if name else official


# --- methods: channel, time, fee, description -------------------------------------------------


def _row_starts(body: str) -> list[int]:
    """Where a method row starts: a channel name glued to what precedes it, at the start or at the
    start of a line, and followed by its time cell. "nộp Trực tuyến qua…" (a space before) is description text."""
    starts = []
    for match in _CHANNEL.finditer(body):
        at, end = match.start(), match.end()
        if at and ((body[at - 1].isspace() and body[at - 1] != "\n") or body[at - 1] in "-+(*:"):
            continue
        nxt = body[end : end + 1]
        if nxt.isdigit() or body.startswith(NO_INFO, end):
            starts.append(at)
        elif nxt[:1].isupper() and _FEE.search(body, end, end + 400):
            starts.append(at)  # a time cell written as text ("Hệ thống … phản hồi tự động")
    return starts


def _balanced_note(text: str, at: int) -> int:
    """End of the parenthesised note starting at ``text[at] == '('`` (or the end of text if unbalanced)."""
    depth = 0
    for index in range(at, len(text)):
        if text[index] == "(":
            depth += 1
        elif text[index] == ")":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _thousands_forms(amount: int) -> tuple[str, ...]:
    grouped = f"{amount:,}"
    return (grouped, grouped.replace(",", "."), str(amount))


def _mentions_amount(text: str, amount: int) -> bool:
    return any(re.search(rf"(?<![\d.,]){re.escape(form)}(?![\d])", text) for form in _thousands_forms(amount))


# An amount of money written in a fee's note ("135.000 đồng/lần", "50.000 VNĐ").
_STATED_AMOUNT = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:[.,]\d{3})+\s*(?:đồng|đ\b|VNĐ|VND)", re.IGNORECASE)


def _fee_amount(number: int, currency: str, note: str) -> tuple[int | None, str | None, str | None]:
    """(amount, currency, reason if unknown) for the fee cell's number."""
    if currency == "USD":
        return number, "USD", None
    if 0 < number < 1000:
        # Some cells are written in thousands ("135 VNĐ" with the note "135.000 đồng/lần"):
        # believed only when the note says so.
        if _mentions_amount(note, number * 1000):
            return number * 1000, "VND", None
        return None, "VND", f"fee cell says {number} VNĐ (implausibly small) and the note does not confirm the unit"
    return number, "VND", None


def _parse_method(channel: str, cells: str, bare_times: tuple[str, ...] = ()) -> tuple[dict, list[str]]:
    """One method row (the text after the channel name) into a method and the reasons of its unknowns.

    ``bare_times`` are the bare times the other rows of the table print: "1" + "25 VNĐ" run
    together as "125 VNĐ" is split after the "1" when another row prints a bare "1" (and nothing
    else tells the cut)."""
    gaps: list[str] = []
    method: dict[str, Any] = {
        "channel": channel,
        "processing_time": None,
        "time_value": None,
        "time_unit": None,
        "fee_amount": None,
        "fee_currency": None,
        "fee_text": None,
        "description": None,
    }
    position = 0
    run_together = None
    time = _TIME.match(cells)
    if cells.startswith(NO_INFO):
        position = len(NO_INFO)
        gaps.append("time: the portal gives no time")
    elif time and not time.group(2) and _RUN_TOGETHER_FEE.match(cells, time.end()):
        run_together = time.group(1)  # "1100 VNĐ": a bare time and the fee's digits run together
    elif time:
        position = time.end()
        value = float(time.group(1).replace(",", "."))
        method["time_value"] = int(value) if value.is_integer() else value
        if time.group(2):
            method["time_unit"] = TIME_UNITS[time.group(2)]
            method["processing_time"] = f"{time.group(1)} {method['time_unit']}"
        else:
            gaps.append(f"time: bare number '{time.group(1)}', its unit was lost")
    else:
        fee = _FEE.search(cells)
        position = fee.start() if fee else len(cells)
        method["processing_time"] = cells[:position].strip() or None
        gaps.append("time: written as text, no number and unit")

    if run_together is not None:
        # run_together is set only when _RUN_TOGETHER_FEE matched here, so this matches too
        fee_match = re.compile(r"[\d.,]+\s?(?P<currency>" + _CURRENCY + ")").match(cells)
        assert fee_match is not None
        end = fee_match.end()
        note_end = _balanced_note(cells, end) if cells[end : end + 1] == "(" else end
        note = cells[end:note_end]
        splits = []
        if not run_together.isdigit():  # "10,000 VNĐ": a grouped amount, no time cell at all
            run_together = run_together.replace(",", "")
            splits = [0]
        for cut in range(0, len(run_together) if not splits else 0):
            fee_digits = run_together[cut:]
            if fee_digits.startswith("0") and fee_digits != "0":
                continue
            number = int(fee_digits)
            if _mentions_amount(note, number) or (0 < number < 1000 and _mentions_amount(note, number * 1000)):
                splits.append(cut)
        if not splits:
            splits = [
                len(time)
                for time in bare_times
                if run_together.startswith(time) and run_together[len(time) :].lstrip("0") == run_together[len(time) :]
            ][:1]
        currency = "USD" if fee_match.group("currency") == "USD" else "VND"
        method["fee_text"] = cells[:note_end].strip()
        if len(splits) == 1:
            cut = splits[0]
            if cut:
                method["time_value"] = int(run_together[:cut])
                gaps.append(f"time: bare number '{run_together[:cut]}', its unit was lost")
            else:
                gaps.append("time: the portal gives no time")
            amount, method["fee_currency"], reason = _fee_amount(int(run_together[cut:]), currency, note)
            method["fee_amount"] = amount
            if reason:
                gaps.append(f"fee: {reason}")
        else:
            gaps.append(f"time: digits '{run_together}' of the time and fee cells run together")
            gaps.append(f"fee: digits '{run_together}' of the time and fee cells run together")
        method["description"] = _given(cells[note_end:])
        return method, gaps

    fee = _FEE.match(cells, position)
    if fee is None:
        method["description"] = _given(cells[position:])
        gaps.append("fee: no fee cell")
        return method, gaps
    end = fee.end()
    note_end = _balanced_note(cells, end) if cells[end : end + 1] == "(" else end
    note = cells[end:note_end]
    method["description"] = _given(cells[note_end:])
    if fee.group("none"):
        gaps.append("fee: the portal gives no fee")
        return method, gaps
    method["fee_text"] = (fee.group(0) + (" " + note if note else "")).strip()
    if fee.group("free") and _STATED_AMOUNT.search(note):
        # "Miễn phí(- Lệ phí cấp giấy phép lái xe: 135.000 đồng/lần …)": the cell and its note disagree. Never
        # "free": the note, as written, and the amount unknown.
        method["fee_text"] = note.strip().strip("()").strip(" -")
        gaps.append("fee: the cell says 'Miễn phí' but its note states an amount")
        return method, gaps
    if fee.group("free"):
        method["fee_amount"], method["fee_currency"] = 0, "VND"
        return method, gaps
    number = int(fee.group("amount").replace(",", ""))
    currency = "USD" if fee.group("currency") == "USD" else "VND"
    method["fee_amount"], method["fee_currency"], reason = _fee_amount(number, currency, note)
    if reason:
        gaps.append(f"fee: {reason}")
    return method, gaps


def parse_methods(text: str) -> tuple[list[dict], list[Unknown]]:
    body = clean_text(text).removeprefix(_METHODS_HEADER)
    if not _given(body):
        return [], [Unknown("methods", "the portal gives no submission method")]
    starts = _row_starts(body)
    if not starts:
        return [], [Unknown("methods", "no row 'channel + time + fee' could be found")]
    unknown: list[Unknown] = []
    if starts[0] > 0 and body[: starts[0]].strip():
        unknown.append(Unknown("methods", "text before the first method row was left out"))
    rows = [(start, end, _CHANNEL.match(body, start).group(0)) for start, end in zip(starts, starts[1:] + [len(body)])]  # type: ignore[union-attr]  # starts are its matches
    parsed = [_parse_method(channel, body[start + len(channel) : end]) for start, end, channel in rows]
    bare_times = tuple(
        dict.fromkeys(str(m["time_value"]) for m, _ in parsed if m["time_value"] is not None and m["time_unit"] is None)
    )
    methods = []
    for number, ((start, end, channel), (method, gaps)) in enumerate(zip(rows, parsed), start=1):
        if bare_times and any("run together" in gap for gap in gaps):
            method, gaps = _parse_method(channel, body[start + len(channel) : end], bare_times)
        methods.append(method)
        unknown += [Unknown(f"methods[{number}] {channel}", gap) for gap in gaps]
    return methods, unknown


# --- documents ---------------------------------------------------------------------------------


def _glue_points(text: str, start: int = 1) -> tuple[list[int], list[int], list[int]]:
    """Where a new cell seems to start inside run-together text: (after a sentence's end, case
    changes, after other punctuation).

    A sentence's end is a stop after a lowercase word or a bracket ("…Chính phủ.Đơn trình báo
    (TK07).pdf", "…của Bộ).MauKX10.docx", "…Bộ Công an)Mẫu CC01.doc"). A case change is a
    lowercase letter glued to a capital ("…khoáng sảnMau 09.docx") or a capital starting a word
    after capitals ("…NĐ-CPMẫu số 01.docx").
    """
    ends, cases, punctuation = [], [], []
    for i in range(max(start, 2), len(text)):
        before, prev, cur = text[i - 2], text[i - 1], text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if prev.isspace() or cur.isspace():
            continue
        if (prev in ".;" and (before.islower() or before == ")") and cur.isalnum()) or (prev == ")" and cur.isupper()):
            ends.append(i)
        elif (prev.islower() or (prev.isupper() or prev.isdigit()) and nxt.islower()) and cur.isupper():
            cases.append(i)
        elif prev in '.;:)]”"' and cur.isalnum() and not (prev == "." and cur.isdigit()):
            punctuation.append(i)
    return ends, cases, punctuation


def _split_form(row: str) -> tuple[str, str | None, str | None]:
    """(document name, form file name(s), reason when the boundary is unclear)."""
    forms: list[str] = []
    name = row
    while _FORM_FILE.search(name):
        # a file name is short: look for its start among the last 150 characters
        head = name[: name.rfind(".")]
        # another file glued before this one ("…Mẫu 01.docxMẫu 02.docx") is the surest start
        files = [m.end() for m in re.finditer(r"\.(?:docx?|pdf|xlsx?|odt|rtf)(?=\w)", head, re.IGNORECASE)]
        ends, cases, punctuation = _glue_points(head, start=len(name) - 150)
        points = files[-1:] or ends or cases or punctuation
        if not points:
            return name, "; ".join(reversed(forms)) or None, "a form file name is glued to the document name"
        cut = points[-1]
        forms.append(name[cut:].strip())
        name = name[:cut].rstrip()
    return name, "; ".join(reversed(forms)) or None, None


def _section_kind(title: str) -> tuple[str | None, str | None]:
    """(group, case) said by a section title of the documents table."""
    lowered = title.lower()
    if not _given(title) or title.strip("-* :") == "":
        return None, None
    if "lưu ý" in lowered:
        return GROUP_NOTE, None
    # a group's title may name its case ("- Đối với phương tiện đóng mới …, chủ phương tiện phải xuất trình …:")
    case = title.strip() if "trường hợp" in lowered or re.match(r"^[\s*\-+]*đối với\b", lowered) else None
    if "xuất trình" in lowered:
        return GROUP_SHOW, case
    if "phải nộp" in lowered or lowered.strip("* :-") in ("giấy tờ nộp", "hồ sơ nộp"):
        return GROUP_SUBMIT, case
    if "trường hợp" in lowered or "đối với" in lowered or re.match(r"^[\s*\-+]*[a-zđ]\)", lowered):
        return None, title.strip()
    return None, None


# A table title that introduces the list or a part of it rather than naming a situation ("* Hồ sơ đăng ký
# tạm trú gồm:", "(ii) Hồ sơ trình phê duyệt", "Nhóm 1 gồm các văn bản …", "Theo quy định tại Điều 47 …,
# cụ thể:"), or that is itself a paper of the list ("1. Đơn đề nghị được miễn …"): its entries stay common.
_TITLE_MARK = re.compile(r"^[\s\-+*•.]*(?:\(?(?:[a-zđ]\d?|[ivx]+|[IVX]+|[A-Z]|\d+(?:\.\d+)*)[.)/]\s*)?", re.IGNORECASE)
_INTRODUCTION = re.compile(
    r"(?:các\s+|một trong (?:các|những)\s+|một\s+)?(?:t?thành phần|hồ sơ|bộ hồ sơ|giấy tờ|tài liệu|chứng từ|văn bản"
    r"|nhóm|phần|ghi chú|lưu ý|theo\b|ngoài\b|căn cứ\b|gồm\b|bao gồm\b)",
    re.IGNORECASE,
)


def _introduces(title: str) -> bool:
    rest = _TITLE_MARK.sub("", title, count=1)
    if _INTRODUCTION.match(rest):
        return True
    # a paper's name (not "Thông báo lập địa điểm kinh doanh": there it is the procedure's act)
    return bool(re.match(_PAPER_WORD, rest, re.IGNORECASE)) and not re.match(r"thông báo\b", rest, re.IGNORECASE)


_DOSSIER_TAIL = re.compile(
    r"[,;]?\s*(?:thì\s+)?(?:thành phần\s+)?hồ sơ\s+(?:bao\s+)?gồm(?:\s+có)?\s*:?\s*$", re.IGNORECASE
)


def _variant_heading(title: str) -> str | None:
    """The situation a table title names without saying "Trường hợp" ("Đăng ký thường trú vào chỗ ở hợp
    pháp do thuê, mượn, ở nhờ", "* Đăng ký tạm trú theo danh sách, hồ sơ gồm:"), cleaned for display;
    None for an empty title ("--") or one that introduces the list."""
    text = title.strip()
    if not _given(text) or not text.strip("-* :") or _introduces(text):
        return None
    text = _DOSSIER_TAIL.sub("", text.lstrip("-*+• \t")).strip(" :;,")
    return text or None


def _table_rows(piece: str) -> tuple[list[re.Match], str]:
    """A table's count cells and the text after the last one (the next table's title, or the closing text)."""
    cells = [match for match in _COUNT.finditer(piece) if _is_count_cell(piece, match)]
    return cells, piece[cells[-1].end() if cells else 0 :].strip()


# A row that states its own case before the paper it asks for: "- Trường hợp … đã ly hôn … thì … cung cấp
# thông tin về giấy tờ …", "Đối với Quân đội nhân dân: Giấy giới thiệu …".
_OWN_CASE = re.compile(
    r"^[\s\-+*•.\uf000-\uf0ff]*(?:\(?(?:[a-zđ]|\d{1,2}(?:\.\d{1,2})*)[.)/]\s*)?"
    r"((?:trong\s+)?(?:trường hợp|đối với|nếu)\b[^:;]{3,300}?)(?:,?\s+thì\s+|\s*:\s*)(?=\S)",
    re.IGNORECASE,
)
# A row that only heads the rows after it ("Trường hợp quy định tại điểm d …, hồ sơ gồm:").
_HEADING_ROW = re.compile(
    r"^[\s\-+*•.\uf000-\uf0ff(]*(?:[a-zđ]|\d{1,2}|[ivx]+)?[.)/]?\s*(?:trường hợp|đối với)\b.*:$", re.IGNORECASE | re.S
)


def _own_case(name: str) -> str | None:
    """The case a row states for itself, when what follows names a paper (not "thì không phải nộp …")."""
    found = _OWN_CASE.match(name)
    if not found or _NOT_NEEDED.search(name):
        return None
    if not re.search(_PAPER_WORD, name[found.end() : found.end() + 150], re.IGNORECASE):
        return None
    return found.group(1).strip(" ,")


def _table_entries(piece: str) -> str:
    """A table's rows, without the next table's title that follows them."""
    cells, _ = _table_rows(piece)
    return piece[: cells[-1].end()] if cells else piece


def _table_titles(pieces: list[str]) -> list[tuple[str | None, str | None]]:
    """(group, case) of each table: its title is the text before the table's header (after the
    previous table's last row).

    A title with "Trường hợp", "Đối với" or a list letter is a case (:func:`_section_kind`). A
    title that names a situation in other words ("Đăng ký thường trú vào chỗ ở hợp pháp do thuê,
    mượn, ở nhờ") is a case only when two tables or more are titled so: then they are the variants
    the list is split by, while a lone one may just restate the procedure. Introductions ("Hồ sơ
    gồm:") and empty titles ("--") leave the entries common to all cases."""
    titles = [pieces[0]] + [_table_rows(piece)[1] for piece in pieces[1:-1]]
    kinds = [_section_kind(title) for title in titles]
    variants = [
        _variant_heading(title) if group is None and case is None else None
        for title, (group, case) in zip(titles, kinds)
    ]
    if sum(1 for v in variants if v) >= 2:
        kinds = [(group, case or variant) for (group, case), variant in zip(kinds, variants)]
    return kinds


# The case of entries whose heading the page contradicts: not common to all cases (which an empty case
# says), not any one case; the bracket keeps it out of the case question (services/answering.py).
UNCLEAR_CASE = "(chưa rõ trường hợp áp dụng)"


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return set(zip(words, words[1:], words[2:]))


def _check_repeated_headings(kinds: list[tuple[str | None, str | None]], tables: list[str]) -> list[str]:
    """A case heading the page prints over two tables apart (with another case between them) is wrong for
    one of them ("Đăng ký thường trú vào chỗ ở hợp pháp thuộc quyền sở hữu của mình" over the papers of a
    vehicle home, and again over those of one's own home). It is kept only for the one table whose
    entries repeat three words running of it; the others, or all of them when that does not single one
    out, get :data:`UNCLEAR_CASE`. Changes ``kinds`` in place; returns the headings found unclear."""
    runs: dict[str, list[int]] = {}
    previous = None
    for index, (_, case) in enumerate(kinds):
        if case and case != previous:
            runs.setdefault(case, []).append(index)
        previous = case
    unclear = []
    for case, starts in runs.items():
        if len(starts) < 2:
            continue
        indexes = [i for i, (_, c) in enumerate(kinds) if c == case]
        heading = _trigrams(case)
        sharing = [i for i in indexes if heading & _trigrams(tables[i])]
        kept = sharing if len(sharing) == 1 else []
        for i in indexes:
            if i not in kept:
                kinds[i] = (kinds[i][0], UNCLEAR_CASE)
        unclear.append(case)
    return unclear


def parse_documents(text: str) -> tuple[list[dict], list[Unknown]]:
    body = clean_text(text)
    if _DOCUMENTS_HEADER not in body:
        if not _given(body):
            return [], [Unknown("documents", "the portal gives no documents")]
        return [], [Unknown("documents", "no documents table (the field holds other text)")]
    pieces = body.split(_DOCUMENTS_HEADER)
    unknown: list[Unknown] = []
    documents: list[dict] = []
    group = None
    kinds = _table_titles(pieces)
    unknown += [
        Unknown(
            "documents.case", f"the heading '{case}' titles two tables apart: kept only where the entries repeat it"
        )
        for case in _check_repeated_headings(kinds, [_table_entries(piece) for piece in pieces[1:]])
    ]
    for index, (piece, (section_group, case)) in enumerate(zip(pieces[1:], kinds), start=1):
        if section_group is not None:
            group = section_group
        elif group == GROUP_NOTE:
            group = None
        cells, rest = _table_rows(piece)
        start = 0
        headed = False
        for cell in cells:
            row = piece[start : cell.start()].strip().lstrip(".,;").strip()
            originals, copies = int(cell.group(1)), cell.group(2)
            start = cell.end()
            if not row:
                unknown.append(Unknown("documents", "a count without a document name was left out"))
                continue
            name, form, reason = _split_form(row)
            if reason:
                unknown.append(Unknown(f"documents[{len(documents) + 1}].form_name", reason))
            if group != GROUP_NOTE and _HEADING_ROW.match(name) and not headed:
                # The portal prints such a row apart from its entries (before, after, other cases' between):
                # its entries cannot be told, so they keep the table's case.
                headed = True
                unknown.append(
                    Unknown(
                        f"documents[{len(documents) + 1}].case",
                        "a case heading among the table's rows: which rows are its own is not printed, they keep the table's case",
                    )
                )
            documents.append(
                {
                    "name": name,
                    "originals": originals,
                    "copies": int(copies) if copies is not None else 0,
                    "case": case or (_own_case(name) if group != GROUP_NOTE else None),
                    "form_url": None,
                    "form_name": form,
                    "group": group,
                }
            )
        if index == len(pieces) - 1 and _given(rest) and len(rest.strip("-* ")) > 3:
            # the last table's text after its last count: a row without a count ("----": the empty groups after the table)
            name, form, _ = _split_form(rest)
            last = {
                "name": name,
                "originals": None,
                "copies": None,
                "case": case or (_own_case(name) if group != GROUP_NOTE else None),
                "form_url": None,
                "form_name": form,
                "group": group,
            }
            documents.append(last)
            if not is_explanation(last):  # a closing note ("Trường hợp … thì …") has no count to lose
                unknown.append(Unknown(f"documents[{len(documents)}].count", "the last row has no count (text cut)"))
    if not documents:
        unknown.append(Unknown("documents", "the documents table has no rows"))
    return documents, unknown


# --- legal basis, steps, results ----------------------------------------------------------------


def _number_end(text: str, match: re.Match) -> int:
    """End of a document number glued to the next title: at the longest issuer code
    ("NĐ-CPLuật" → "NĐ-CP", "TT-BCAngày" → "TT-BCA"), else a capital before a lowercase letter
    is given back to the title ("NĐ-CQuy" → "NĐ-C")."""
    end = match.end()
    last = re.split(r"[-/_\s]", match.group(0))[-1]
    if last in _ISSUERS or re.fullmatch(r"[A-ZĐ]*QH\d{2}", last):
        return end
    for size in range(len(last) - 1, 0, -1):
        if last[:size] in _ISSUERS:
            return end - (len(last) - size)  # "NĐ-CPQUY ĐỊNH …": the title's first word was taken
    if end >= len(text) or not text[end].isalpha():
        return end
    tail = re.search(r"(?:- ?|_|/)[A-ZĐ]+$", match.group(0))
    if tail and text[end].islower() and re.split(r"[-/_\s]", match.group(0)[: tail.start()])[-1] in _ISSUERS:
        return match.start() + tail.start()  # "NĐ-CP-Quy định …": the dash starts the title
    spaced = match.group(0).rfind("- ")
    if spaced > 0 and text[end].islower():
        return match.start() + spaced  # "…/QH12- Luật …": a dash and the next title, not "NĐ- CP" split by a space
    if text[end].islower() and len(last) >= 2 and text[end - 1].isupper():
        end -= 1
    return end


def _number_start(text: str, at: int, end: int) -> int:
    """Start of a document number, giving back a year glued before it ("ngày 25/01/202640/2026/NĐ-CP",
    "giai đoạn 2026-203016/2026/QĐ-UBND", "sửa đổi 2025147/2025/QH15")."""
    glued = at
    while glued > 0 and text[glued - 1].isdigit():
        glued -= 1
    if glued == at:
        return at
    digits = re.match(r"\d+", text[glued:end])
    run = digits.group(0) if digits else ""
    if len(run) > 4 and _YEAR.match(run) and (re.search(r"(?:/|năm ?|-|\s)$", text[:glued]) or glued == 0):
        return glued + 4
    if re.search(r"(?:/|năm ?)$", text[:glued]):
        return min(glued + 4, end)
    return at


def _ends_row(text: str, spans: list[tuple[int, int]], index: int) -> bool:
    """Whether the number at ``spans[index]`` is a row's number cell rather than quoted in a title.

    A cell is glued to the next row's title, or one space before a capitalised word, or
    ends the text; "Luật 54/2014/QH13" + "54/2014/QH13" is a title quoting the number, then the
    cell (whatever follows that repeat).
    """
    at, end = spans[index]
    number = text[at:end]
    previous = spans[index - 1] if index else None
    if previous and previous[1] == at and text[previous[0] : previous[1]] == number:
        return True  # the repeat of a number its title ends with
    following = text[end : end + 3]
    if not following.strip(" .;,"):
        return True
    if following[0] in "\t\n" and following.strip()[:1].isdigit():
        following = following.strip()  # "…/UBTVQH13\t05/2013/TT-BLĐTBXH - Hướng dẫn …": a tab between cells
        end = text.index(following, end)
    if following[0].isdigit():
        # Glued to another number: a title quoting a number ends with it ("Sửa đổi Nghị định
        # 08/2022/NĐ-CP" + "05/2025/NĐ-CP"), unless that next number is printed again further on:
        # then it starts a row named by it ("…QH15" + "193/2025/NĐ-CP193/2025/NĐ-CP", "…thân
        # nhân05/2013/TT-BLĐTBXH" + "26/2005/PL-UBTVQH11 - Ưu đãi …26/2005/PL-UBTVQH11").
        nxt = spans[index + 1] if index + 1 < len(spans) else None
        if not nxt or nxt[0] != end:
            return False
        glued = text[nxt[0] : nxt[1]]
        return glued != number and any(text[a:b] == glued for a, b in spans[index + 2 :])
    if following[0] == " ":
        return len(following) == 3 and following[1].isupper() and following[2].islower()
    if following[0] in ".-" and following[1:].lstrip()[:1].isupper():
        return True  # "…QH14.BỘ LUẬT …", "…TT-BXD-\tThông tư …": the cell ends with a stop or a dash
    return following[0].isalpha()


def _bare_numbers(text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Number cells printed without their issuer: digits glued to a capital that starts the next
    row ("Luật số 58Sửa đổi…", "…46/2020Luật Hải quan 201454Nghị định…", "…ngày 28/4/202225Thông
    tư…") or ending the text."""
    spans = []
    for match in _BARE_NUMBER.finditer(text):
        at, end = match.span()
        if any(a <= at < b or a < end <= b for a, b in taken):
            continue
        following = text[end:]
        if following.strip(" .") and not following[:1].isupper():
            continue
        if text[end : end + 1] == "/":
            continue
        run = match.group(0)
        after_date = text[at - 1 : at] in ("/", ".", ",")
        if after_date and not ("/" not in run and len(run) > 4 and _YEAR.match(run)):
            continue
        if following.strip(" .") and _YEAR.fullmatch(run):
            continue  # "giai đoạn 2022-2025" + the next row's number cell
        if "/" not in run and len(run) > 4:
            if not _YEAR.match(run):
                continue
            at += 4  # "Luật Hải quan 2014" + "54"
        spans.append((at, end))
    for match in re.finditer(r"/(?:19|20)\d\d(\d{1,4})(?!\d)", text):  # "…ngày 28/4/2022" + "25"
        following = text[match.end() :]
        if not following.strip(" .") or following[:1].isupper():
            spans.append(match.span(1))
    return spans


def _number_prefix_start(title: str) -> int:
    """Where a document kind glued before the number cell starts ("…đô thịNghị quyết số "), or len(title)."""
    prefix = _NUMBER_PREFIX.search(title)
    if not prefix or prefix.start() == len(title):
        return len(title)
    at = prefix.start()
    glued = at > 0 and (not title[at - 1].isspace() or title[at - 1] == "\n")  # or the cell starts a line
    return at if glued or at == 0 else len(title)


def parse_legal_basis(text: str) -> tuple[list[dict], list[Unknown]]:
    """The legal-basis table: rows of (title, number cell), run together.

    A row ends at its number cell: a document number glued to the next title (or ending the
    text); a number quoted inside a title ("Nghị định số 23/2026/NĐ-CP ngày …") does not end it.
    """
    body = clean_text(text).removeprefix(_LEGAL_HEADER).translate(_LOOKALIKES)
    if not _given(body):
        return [], [Unknown("legal_basis", "the portal gives no legal basis")]
    numbers = [(_number_start(body, m.start(), m.end()), _number_end(body, m)) for m in _DOC_NUMBER.finditer(body)]
    cells = {span for index, span in enumerate(numbers) if _ends_row(body, numbers, index)}
    rows: list[Any] = []
    start = 0
    for at, end in sorted(cells | set(_bare_numbers(body, numbers))):
        if at < start:
            continue
        raw_title = body[start:at]
        if _NUMBER_PREFIX.fullmatch(raw_title) and re.match(r"[ :\-–]|(?:ngày|của|về)\b", body[end : end + 5]):
            continue  # "Thông tư số 40/2025/TT-BTC Sửa đổi …", "…TT-BCAngày 01/7/2025": the title starts with its number
        cut = _number_prefix_start(raw_title)
        title = raw_title[:cut].strip(" ;,-.\t\n")
        number = body[at:end]
        if rows and not title and (rows[-1]["number"].startswith(number) or number.startswith(rows[-1]["number"])):
            # "Nghị định 101/2024/NĐ-CP" + "Nghị định 101/2024/NĐ-CP", "…29/2025/TT-BTC" + "TT29/2025":
            # a row whose name is its number
            previous = rows.pop()
            kind = raw_title[cut:].strip() or previous["prefix"].strip()
            title = previous["title"] or f"{kind} {previous['number']}".strip()
            number = max(number, previous["number"], key=len)
        rows.append({"number": number, "title": title or None, "prefix": raw_title[cut:]})
        start = end
    rest = body[start:].strip(" .;,")
    unknown = []
    if rest:
        rows.append({"number": None, "title": rest, "prefix": ""})
        unknown.append(Unknown(f"legal_basis[{len(rows)}].number", "no document number found"))
    items = []
    for row in rows:
        title, number = row["title"], row["number"]
        if title is None and row["prefix"].strip():
            title = f"{row['prefix'].strip()} {number}"  # "Luật" + "28/2023/QH15": the kind is all the title says
        text_ = f"{title} ({number})" if title and number and number not in title else (title or number)
        items.append({"number": number, "title": title, "text": text_})
    return items, unknown


_INLINE_STEP = re.compile(r"(?:[-+]\s*)?Bước\s*\d+(?:\s*[:.)]|\s(?=[^\W\d_]))")


def _inline_steps(body: str) -> list[re.Match]:
    """ "Bước N:" / "Bước N Xem xét" starting a step inside a line; "tại bước B4", "theo Bước 2 nêu trên" are references."""
    return [m for m in _INLINE_STEP.finditer(body) if not m.group(0).endswith(" ") or body[m.end()].isupper()]


def _break_before_steps(body: str) -> str:
    """A "Bước N:" run into the line before it ("…hạng II - Bước 1: Nộp hồ sơ") starts its own line."""
    pieces, last = [], 0
    for match in _inline_steps(body):
        line_start = body.rfind("\n", 0, match.start()) + 1
        if body[line_start : match.start()].strip(" \t-+*•"):
            pieces += [body[last : match.start()].rstrip(), "\n"]
            last = match.start()
    return "".join(pieces) + body[last:]


def parse_steps(text: str) -> tuple[list[str], list[Unknown]]:
    body = clean_text(text)
    if not _given(body):
        return [], [Unknown("steps", "the portal gives no steps")]
    lines = [line.strip() for line in _break_before_steps(body).splitlines() if line.strip()]
    step_lines = [i for i, line in enumerate(lines) if _STEP_WORD.match(line)]
    starts: list[int] = []
    if len(step_lines) >= 2:
        starts = step_lines
    else:
        # The top level is the list style that comes first ("1." items with "a)" under them).
        listed = [
            marked for style in _LIST_STYLES if len(marked := [i for i, x in enumerate(lines) if style.match(x)]) >= 2
        ]
        starts = min(listed, key=lambda marked: marked[0], default=[])
    if not starts:
        # Labelled paragraphs ("Nộp hồ sơ TTHC: …", "Giải quyết TTHC: …"): the labels start the steps,
        # the paragraphs between them ("Trường hợp hồ sơ chưa đầy đủ …") belong to them.
        labelled = [i for i, line in enumerate(lines) if line[:1].isupper() and _STEP_LABEL.match(line)]
        if len(labelled) >= 2:
            starts = labelled
    if not starts:
        if len(lines) == 1:
            # One paragraph: "Bước 1: … Bước 2: …" run into one line.
            inline = [m.start() for m in _inline_steps(body)]
            cuts = [0] + (inline[1:] if len(inline) >= 2 else inline) + [len(body)]  # an introduction joins step 1
            parts = [body[a:b].strip() for a, b in zip(cuts, cuts[1:])]
            return [p for p in parts if p], []
        return lines, []
    # Text before the first step ("Trình tự thực hiện:", an introduction) belongs to the first step.
    starts[0] = 0
    return ["\n".join(lines[a:b]) for a, b in zip(starts, starts[1:] + [len(lines)])], []


def parse_results(text: str) -> tuple[list[str], str | None]:
    """(results, keywords) from ``ket_qua_xu_ly``, without the page menu that follows them."""
    body = clean_text(text)
    keywords = None
    cut = min((body.find(marker) for marker in _RESULT_MENU if marker in body), default=len(body))
    menu = body[cut:]
    body = body[:cut]
    found = re.match(r"Từ khóa(.*?)(?:Mô tả|Chọn cơ quan|$)", menu, re.S)
    if found and _given(found.group(1)):
        keywords = found.group(1).strip()
    results = [part.strip(" .;") for part in _RESULT_CODE.split(body)]
    return [r for r in results if _given(r)], keywords


# --- sections re-read from the whole page -------------------------------------------------------

# The page's section headings in page order, each with what must follow it. The split fields
# were cut at the first occurrence of a heading, so a heading quoted inside the text before it
# ("… theo quy định tại mục 9.3 (Thành phần hồ sơ) …", "… căn cứ pháp lý: Thông tư …") moved
# the cut; the page itself (raw_text) keeps the true order.
_SECTIONS = (
    ("trinh_tu_thuc_hien", "Trình Tự Thực Hiện", ""),
    ("cach_thuc_thuc_hien", "Cách Thức Thực Hiện", _METHODS_HEADER[:13]),
    ("thanh_phan_ho_so", "Thành phần hồ sơ", ""),
    ("can_cu_phap_ly", "Căn cứ pháp lý", r"(?:Tên văn bản pháp lý|Không có thông tin)"),
    ("co_quan_thuc_hien", "Cơ quan thực hiện", ""),
)
_SECTION_END = "Yêu cầu, điều kiện thực hiện"


def page_sections(raw_text: str) -> dict[str, str] | None:
    """The steps, methods, documents, legal-basis and agency sections cut from the whole page
    at their headings in page order, or None when a heading is missing."""
    page = clean_text(raw_text)
    found: list[tuple[str, int, int]] = []
    at = 0
    for key, heading, follows in _SECTIONS:
        match = re.compile(re.escape(heading) + (f"(?={follows})" if follows else "")).search(page, at)
        if match is None:
            return None
        found.append((key, match.start(), match.end()))
        at = match.end()
    end = page.find(_SECTION_END, at)
    if end < 0:
        return None
    bounds = [start for _, start, _ in found[1:]] + [end]
    return {key: page[body:stop].strip() for (key, _, body), stop in zip(found, bounds)}


def _realigned(text: dict[str, str], raw_text: Any) -> list[str]:
    """Put the page's own sections in place of split fields that were cut in the wrong place
    (a methods, documents or legal-basis field without its table, or cut short); the steps
    follow the documents. Returns the fields replaced."""
    sections = page_sections(raw_text) if isinstance(raw_text, str) else None
    if not sections:
        return []
    shapes = {
        "cach_thuc_thuc_hien": lambda value: value.startswith(_METHODS_HEADER),
        "thanh_phan_ho_so": lambda value: _DOCUMENTS_HEADER in value,
        "can_cu_phap_ly": lambda value: value.startswith(_LEGAL_HEADER) or value == NO_INFO,
    }
    replaced = []
    for key, fits in shapes.items():
        field, section = text.get(key, ""), sections[key]
        cut_short = len(field) < len(section) and section.startswith(field)
        if field != section and fits(section) and (cut_short or not fits(field)):
            text[key] = section
            replaced.append(key)
    steps = sections["trinh_tu_thuc_hien"]
    if (
        "thanh_phan_ho_so" in replaced
        and steps != text.get("trinh_tu_thuc_hien", "")
        and steps.startswith(text.get("trinh_tu_thuc_hien", ""))
    ):
        text["trinh_tu_thuc_hien"] = steps
        replaced.append("trinh_tu_thuc_hien")
    return replaced


# --- the whole record ---------------------------------------------------------------------------


def _split_list(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


# What the portal's "Đối tượng thực hiện" holds: a kind of applicant from this fixed list, never
# who may apply or on what condition ("Cha hoặc mẹ của trẻ", "Người lao động … đóng dưới 20 năm").
PORTAL_SUBJECT_KINDS = frozenset(
    (
        "Công dân Việt Nam",
        "Người Việt Nam định cư ở nước ngoài",
        "Người nước ngoài",
        "Người nước ngoài cư trú tại Việt Nam",
        "Tổ chức (không bao gồm doanh nghiệp, HTX)",
        "Tổ chức nước ngoài",
        "Doanh nghiệp",
        "Doanh nghiệp Việt Nam",
        "Doanh nghiệp có vốn đầu tư nước ngoài",
        "Hợp tác xã",
        "Cán bộ",
        "công chức",
        "viên chức",
        "Đảng viên",
        "Tổ chức Đảng",
    )
)


def only_subject_kinds(text: str | None) -> bool:
    """Whether a subjects text names only the portal's kinds of applicant (it says nobody's case)."""
    parts = _subjects(text)
    return bool(parts) and all(part in PORTAL_SUBJECT_KINDS for part in parts)


def _subjects(text: str | None) -> list[str]:
    """'Tổ chức (không bao gồm doanh nghiệp, HTX), Công dân Việt Nam' → two subjects (commas inside brackets kept)."""
    parts, depth, current = [], 0, ""
    for char in text or "":
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return [p for p in parts if p]


def _common(values: list) -> Any:
    values = list(dict.fromkeys(values))
    return values[0] if len(values) == 1 else None


def parse_portal_record(raw: Any) -> ParsedRecord:
    """One portal page → the project's record and what stayed unknown. Raises PortalRecordError."""
    if not isinstance(raw, dict):
        raise PortalRecordError("record: must be a JSON object")
    code = clean_text(raw.get("ma_thu_tuc"))
    official = re.sub(r"\s+", " ", clean_text(raw.get("ten_thu_tuc")))
    problems = [f"{name}: is missing" for name, value in (("ma_thu_tuc", code), ("ten_thu_tuc", official)) if not value]
    if problems:
        raise PortalRecordError("; ".join(problems))
    text = {
        key: clean_text(value)
        for key, value in raw.items()
        if key != "raw_text" and isinstance(value, (str, int, float))
    }
    # Another portal's export may nest a field: say so instead of reading it as empty.
    unknown: list[Unknown] = [
        Unknown(key, f"is a {type(value).__name__}, not the page's text: not read")
        for key, value in raw.items()
        if value is not None and key != "raw_text" and not isinstance(value, (str, int, float))
    ]

    unknown += [
        Unknown(key, "the field was cut in the wrong place: read from the whole page (raw_text)")
        for key in _realigned(text, raw.get("raw_text"))
    ]
    methods, gaps = parse_methods(text.get("cach_thuc_thuc_hien", ""))
    unknown += gaps
    documents, gaps = parse_documents(text.get("thanh_phan_ho_so", ""))
    unknown += gaps
    legal, gaps = parse_legal_basis(text.get("can_cu_phap_ly", ""))
    unknown += gaps
    steps, gaps = parse_steps(text.get("trinh_tu_thuc_hien", ""))
    unknown += gaps
    results, keywords = parse_results(text.get("ket_qua_xu_ly", ""))
    if not results:
        unknown.append(Unknown("result", "the portal gives no result"))
    conditions = _given(text.get("yeu_cau_dieu_kien", ""))
    if conditions is None:
        unknown.append(Unknown("conditions", "the portal gives no conditions ('Không có thông tin')"))
    agency = _given(text.get("co_quan_thuc_hien", "")) or _given(text.get("co_quan_co_tham_quyen", ""))
    if agency is None:
        unknown.append(Unknown("agency", "the portal gives no agency"))
    subjects = _given(text.get("doi_tuong_thuc_hien", ""))
    if subjects is None:
        unknown.append(Unknown("subjects", "the portal gives no subjects"))

    fees = []
    for method in methods:
        if method["fee_text"] is None:
            continue
        fees.append(
            {
                "name": None,
                "text": method["fee_text"],
                "channel": method["channel"],
                "basis": None,
                "amount_vnd": method["fee_amount"] if method["fee_currency"] == "VND" else None,
            }
        )
    if fees and _common([(f["text"], f["amount_vnd"]) for f in fees]) is not None and len(fees) == len(methods):
        fees = [{**fees[0], "channel": None}]  # the same fee whatever the channel

    extra = {
        "source": "national_portal",  # which importer wrote it (the seed's records have no "source")
        "agencies": {
            key: value
            for key, value in (
                ("competent", _given(text.get("co_quan_co_tham_quyen", ""))),
                ("performing", _given(text.get("co_quan_thuc_hien", ""))),
                ("delegated", _given(text.get("co_quan_duoc_uy_quyen", ""))),
                ("coordinating", _given(text.get("co_quan_phoi_hop", ""))),
            )
            if value
        },
        "subject_list": _subjects(subjects),
        "results": results,
    }
    for key, source in (
        ("procedure_type", "loai_thu_tuc"),
        ("address", "dia_chi_tiep_nhan"),
        ("related", "thu_tuc_lien_quan"),
        ("formality_id", "formality_id"),
    ):
        if _given(text.get(source, "")):
            extra[key] = text[source]
    if keywords:
        extra["keywords"] = keywords
    if unknown:
        extra["unknown"] = [f"{u.field}: {u.reason}" for u in unknown]

    record = {
        "code": code,
        "name": display_name(official),
        "official_name": official,
        "field": _given(text.get("linh_vuc", "")),
        "levels": _split_list(text.get("cap_thuc_hien")),
        "agency": agency,
        "subjects": subjects,
        "conditions": conditions,
        "result": "; ".join(results) or None,
        "processing_time": _common([m["processing_time"] for m in methods]) if methods else None,
        "fees": fees,
        "documents": documents,
        "steps": steps,
        "methods": methods,
        "online": "mot_phan" if any(CHANNELS[m["channel"]] == "online" for m in methods) else "none",
        "online_url": None,
        "legal_basis": legal,
        "decision": _given(text.get("so_quyet_dinh", "")),
        "source_url": _given(text.get("detail_url", "")),
        "updated_at": None,
        "aliases": [],
        **extra,
    }
    return ParsedRecord(record, unknown)


# --- counts, for the import report and the parser gold set -------------------------------------

REPORT_FIELDS = ("documents", "method_time", "method_fee", "steps", "legal_basis", "conditions", "result")


def given_fields(record: dict) -> dict[str, bool]:
    """Which answer fields a parsed record could give (the import report counts these)."""
    methods = record.get("methods") or []
    return {
        "documents": bool(record.get("documents")),
        "method_time": any(m.get("time_value") is not None and m.get("time_unit") for m in methods),
        "method_fee": any(m.get("fee_amount") is not None for m in methods),
        "steps": bool(record.get("steps")),
        "legal_basis": bool(record.get("legal_basis")),
        "conditions": bool(record.get("conditions")),
        "result": bool(record.get("result")),
    }


_MARKS = r"^[\s\-+*•.\uf000-\uf0ff]*(?:\(?(?:[a-zđ]|\d{1,2}(?:\.\d{1,2})*)(?:\.\d{1,2})?[.)/]\s*)?"
_NOTE_ROW = re.compile(
    _MARKS + r"\*?\s*(?:lưu ý|chú ý|ghi chú|số lượng|ví dụ|(?:\(?\d+\)\s*|một\s*\(\d+\)\s*)?bộ hồ sơ\b"
    r"|(?:hồ sơ|thành phần hồ sơ|giấy tờ)\s+(?:như|theo)\s+(?:nêu|quy định)\s+tại\s+(?:nội dung|mục|điểm)\s)",
    re.IGNORECASE,
)
_CASE_ROW = re.compile(_MARKS + r"(?:trường hợp|đối với|nếu)\b", re.IGNORECASE)
_NOT_NEEDED = re.compile(
    r"không (?:phải|cần) (?:nộp|xuất trình|tải|gửi|cung cấp|kèm)|chỉ cần|không áp dụng|thì có thể (?:nộp|sử dụng)",
    re.IGNORECASE,
)
# What a row naming a paper starts with (after its list mark), when the portal prints no count for it.
_PAPER_ROW = re.compile(
    _MARKS + r"(?:xuất trình\s+|nộp\s+)?(?:\d{1,2}\s+)?(?:các\s+|một trong (?:các|những)\s+)?"
    r"(?:bản|tờ|đơn|giấy|văn bản|văn bằng|hợp đồng|hóa đơn|hoá đơn|chứng|vận|bảng|phiếu|danh|báo cáo|biên bản"
    r"|quyết định|sổ|thẻ|hộ chiếu|ảnh|hình ảnh|tài liệu|hồ sơ|dự án|đề án|phương án|kế hoạch|thuyết minh|công văn"
    r"|thông báo|lý lịch|bằng|sơ đồ|mẫu|thư|điều lệ|trích lục|căn cước|cam kết|xác nhận|dự thảo|quy chế|quy trình"
    r"|tờ trình|ý kiến|biểu|đề nghị|kết quả|catalog|chương trình)\b",
    re.IGNORECASE,
)
_EXPLAINS = re.compile(r"được tạo lập|này là|nêu trên|quy định tại (?:điểm|mục)|phải được|\bthì\b", re.IGNORECASE)


def is_explanation(document: dict) -> bool:
    """A row of the documents table that explains or introduces instead of naming a paper:
    a "Lưu ý" row or section, "Số lượng hồ sơ: 01 bộ", a row ending with ":" ("Hồ sơ gồm:"),
    a case that needs no paper ("Trường hợp … thì không phải tải lên"), or a row without a
    count that does not start with a paper ("Các tài liệu nêu trên nếu bằng tiếng nước ngoài …").
    Rows printed "0 bản chính" that name a paper ("Tờ khai hải quan: 02 bản chính") are documents."""
    name = (document.get("name") or "").strip()
    if document.get("group") == GROUP_NOTE or name.endswith(":") or _NOTE_ROW.match(name):
        return True
    case = _CASE_ROW.match(name)
    if case and _NOT_NEEDED.search(name):
        return True
    counted = bool(document.get("originals") or document.get("copies"))
    opening = re.split(r"[:;]|\.\s", name, maxsplit=1)[0]  # the case's own sentence, before any list
    then = re.search(r"\bthì\b", opening) if case else None
    if counted:
        # a counted case row states a rule when what follows "thì" names no paper
        # ("Trường hợp … gồm nhiều người thì phải có đầy đủ chữ ký, con dấu …")
        consequence = name[then.end() : then.end() + 90] if then else ""
        return bool(
            then and not re.search(_PAPER_WORD + r"|phụ lục|bảng|nộp|xuất trình|kèm", consequence, re.IGNORECASE)
        )
    head, colon, tail = name.partition(":")
    if case and colon and not then and _PAPER_START.match(tail.strip()):
        return False  # "Đối với cá nhân: 01 bản sao Giấy đăng ký …"
    return bool(case or not _PAPER_ROW.match(name) or _EXPLAINS.search(name[:200]))


# What a paper's name starts with, when a row names several ("Bản sao hóa đơn thu tiền, giấy ra
# viện", "Văn bản đề nghị kèm theo phương án … và hồ sơ pháp lý …").
_PAPER_WORD = (
    r"(?:bản (?:sao|chính|chụp|gốc|kê|khai|vẽ|thuyết minh|cam kết|cam đoan|dịch|tóm tắt|tự khai|đăng ký)"
    r"|tờ khai|tờ trình|đơn(?! vị| giá)|giấy|văn bản|hợp đồng|hóa đơn|hoá đơn|chứng từ|chứng chỉ|chứng thư|phiếu"
    r"|danh sách|danh mục|báo cáo|biên bản|quyết định|sổ|thẻ|hộ chiếu|ảnh(?! hưởng)|tài liệu|hồ sơ|đề án"
    r"|phương án|kế hoạch|công văn|thông báo|lý lịch|văn bằng|sơ đồ|điều lệ|trích lục|dự thảo)\b"
)
_PAPER_START = re.compile(r"^(?:[-+*•\uf000-\uf0ff\s]|\d{1,2}\s)*" + _PAPER_WORD, re.IGNORECASE)
_LABEL = re.compile(r"^(?:đối với|trường hợp|hồ sơ (?:hỗ trợ|đề nghị|cấp|đối với|của|cho)|.*\bbước\b)", re.IGNORECASE)
_CONTENTS = re.compile(
    r",?\s+(?:trong đó|bao gồm|gồm(?: các| những)?|ghi rõ|nêu rõ|có các nội dung)\b.*$", re.IGNORECASE | re.S
)
_GENERIC = re.compile(
    r"^(?:các|những)\s+(?:giấy tờ|tài liệu|văn bản|hồ sơ|chứng từ)\b.*\b(?:khác|liên quan)\b", re.IGNORECASE
)
_CASE_PAPER = re.compile(
    r"^trường hợp\b.*\bthì\b.*?\b(?:nộp|có|kèm theo|bổ sung|xuất trình)\s+(?:cả\s+|thêm\s+)?(?:01\s+)?" + _PAPER_WORD,
    re.IGNORECASE,
)


_LATER_CASE_PAPER = re.compile(
    r"(?:^|[.;]\s+)[+\-\s]*(?:trong\s+)?(?:trường hợp|nếu)\b[^.;]*?\bthì\s+(?:phải\s+)?"
    r"(?:nộp|có|kèm theo|bổ sung|xuất trình|gửi kèm)\s+(?:thêm\s+|cả\s+)?(?:01\s+)?(" + _PAPER_WORD + r"[^.;]*)",
    re.IGNORECASE,
)


def _without_notes(text: str) -> str:
    """The text without its parenthesised notes ("(Mẫu số 01 …)", "(nếu có)"); an unclosed one runs to the end."""
    while True:
        stripped = re.sub(r"\([^()]*\)", "", text)
        if stripped == text:
            return stripped.split("(", 1)[0]
        text = stripped


def row_papers(name: str) -> list[str]:
    """The papers a document row names: usually one, several when the row joins specific papers
    with ";", "và", "kèm theo" or a comma ("Bản sao hóa đơn thu tiền, giấy ra viện" → 2).

    The first paper is the row itself. Alternatives ("A, B hoặc C") are one paper; a generic
    tail ("và các tài liệu khác liên quan") and contents after "trong đó", "gồm" are not papers;
    a dossier item with its contents after a colon ("Hồ sơ bản giấy: Thuyết minh; Bản vẽ") is
    one paper, while a label before a colon ("Đối với bước 6: Báo cáo …, bản gốc quyết định …")
    introduces the papers after it. A clause "Trường hợp … thì phải nộp cả <paper>" adds that paper.
    """
    text = _FORM_FILE_NAME.sub("", re.sub(r"\s+", " ", _without_notes(name))).strip(" -+*•\t.;")
    sentence_end = next((m.start() for m in re.finditer(r"\.\s+(?=\w)", text) if text[m.end()].isupper()), None)
    later = text[sentence_end:] if sentence_end is not None else ""
    text = text[:sentence_end]  # the first sentence names the papers
    head, colon, tail = text.partition(":")
    if colon and _LABEL.match(head.strip(" -+*•\t")) and not re.search(r"\bnhư$", head.strip()):
        text = tail
    elif colon:
        text = head
    papers: list[str] = []
    for clause in re.split(r"\s*;\s*", text):
        clause = clause.strip(" -+*•\t\uf000-\uf0ff")
        clause = clause.removeprefix("hoặc ") if papers else clause  # "…; hoặc bản sao …": another case's paper
        if not clause:
            continue
        if papers and _CASE_PAPER.match(clause):
            papers.append(clause)
            continue
        if papers and not _PAPER_START.match(clause):
            continue
        joins = r"\s+(?:và|cùng với|(?<!ban hành )kèm theo)\s+(?!bản chính để)"  # not "kèm theo bản chính để đối chiếu"
        for piece in re.split(joins, _CONTENTS.sub("", clause)):
            piece = piece.strip(" ,.")
            if not piece or (papers and not _PAPER_START.match(piece)) or _GENERIC.match(piece):
                continue
            # A comma joins two papers only between two full names, the second in lower case ("Bản
            # sao hóa đơn thu tiền, giấy ra viện"); not in alternatives ("A, B hoặc C"), exceptions
            # ("…, trừ X, Y"), names listed inside a paper's name ("… hủy bỏ Quyết định chia, Hợp
            # đồng sáp nhập") or a short pair naming one paper ("Hồ sơ, tài liệu chứng minh …").
            parts, last = [], 0
            if " hoặc " not in piece and " trừ " not in piece and _PAPER_START.match(piece):
                for comma in re.finditer(r",\s+(?=" + _PAPER_WORD + ")", piece):
                    if (
                        len(piece[last : comma.start()].split()) >= 5
                        and len(piece[comma.end() :].split(",")[0].split()) >= 3
                    ):
                        parts.append(piece[last : comma.start()])
                        last = comma.end()
            parts.append(piece[last:])
            for part in parts:
                part = part.strip(" ,.")
                if part and not (papers and _GENERIC.match(part)):
                    papers.append(part)
    # a later sentence for another case that asks for more papers ("… Trong trường hợp … do lỗi
    # của người đó thì phải có văn bản bảo lãnh … và đơn xin cư trú …")
    for case in _LATER_CASE_PAPER.finditer(later):
        for piece in re.split(r"\s+(?:và|kèm theo)\s+(?=" + _PAPER_WORD + ")", case.group(1)):
            piece = piece.strip(" ,.")
            if piece and not _GENERIC.match(piece) and not re.match(r"bản chính để", piece):
                papers.append(piece)
    return papers or [name.strip()]


def _paper_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text.lower())).strip()


def _same_paper(one: str, other: str) -> bool:
    """The same paper printed again in another group or case: the same words, give or take one
    ("… (đối với khoản viện trợ …)" / "… (đối với viện trợ …)")."""
    if one == other:
        return True
    words, others = one.split(), other.split()
    if abs(len(words) - len(others)) > 1 or words[:1] != others[:1]:
        return False
    matcher = SequenceMatcher(None, words, others, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return len(words) + len(others) - 2 * same <= 1


def portal_counts(record: dict) -> dict:
    """The figures a hand-checked gold line states (tests/catalogue_gold/README.md), from a parsed record.

    ``documents_count`` counts distinct papers: explanation rows (:func:`is_explanation`)
    are left out and the same name in several cases counts once. Methods are listed in
    the page's order with ``method`` (in_person / online / postal), ``time_value``,
    ``time_unit`` (None when the unit was lost), ``fee_amount`` (VND only) and
    ``fee_text_present``.
    """
    rows = [d for d in record.get("documents") or [] if not is_explanation(d)]
    papers: list[tuple[str, bool, str | None]] = []  # (name, printed with copies, group)
    for document in rows:
        copies = (document.get("copies") or 0) > 0
        name = _FORM_FILE_NAME.sub("", document.get("name") or "").strip(" -+*•\t")
        # the row itself by its whole name (two rows differing in a note are two papers), the papers
        # it adds by theirs
        for number, paper in enumerate(row_papers(name)):
            key = _paper_key(name if number == 0 else paper)
            for index, (seen, seen_copies, group) in enumerate(papers):
                if _same_paper(seen, key):
                    papers[index] = (seen, seen_copies or copies, group)  # any printing with copies counts
                    break
            else:
                papers.append((key, copies, document.get("group")))
    methods = record.get("methods") or []
    return {
        "documents_count": len(papers),
        "documents_with_copies": sum(1 for _, copies, _ in papers if copies),
        "documents_to_show": sum(1 for _, _, group in papers if group == GROUP_SHOW),
        "steps_count": len(record.get("steps") or []),
        "has_legal_basis": bool(record.get("legal_basis")),
        "legal_basis_count": len(record.get("legal_basis") or []),
        "method_count": len(methods),
        "methods": [
            {
                "method": CHANNELS.get(m["channel"]),
                "channel": m["channel"],
                "time_value": m.get("time_value"),
                "time_unit": m.get("time_unit"),
                "fee_amount": m.get("fee_amount") if m.get("fee_currency") in (None, "VND") else None,
                "fee_text_present": m.get("fee_text") is not None,
            }
            for m in methods
        ],
    }
