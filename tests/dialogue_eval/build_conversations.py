"""Builds conversations_fresh.jsonl (blind evaluation set for issue 16).

Written by helper session H11, which never read the dialogue code, the NLU/story
training data or the existing tests. Facts in the checks come only from
procedures_db/seed/procedures.jsonl. Do not train on this file or its output.

Run:  python tests/dialogue_eval/build_conversations.py
"""

import json
import os
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "..", "..", "procedures_db", "seed", "procedures.jsonl")
NAMES = {}
for _line in open(SEED, encoding="utf-8"):
    _r = json.loads(_line)
    NAMES[_r["code"]] = _r["name"]

# ---------------------------------------------------------------- codes
KS, KH, KT, TTHN = "1.001193", "1.000894", "1.000656", "1.004873"
NCMC, CCHT, TL, GH = "1.001022", "1.004859", "2.000635", "1.004837"
KSNN, KHNN, DLKS, KTNN = "2.000528", "2.000806", "1.004884", "1.001766"
TTR, TAMTRU, TV, XTT, CT07, GHTT = "1.004222", "1.004194", "1.003677", "1.003197", "1.010041", "1.002755"
CC14, CCDOI, CCLAI, CCU14, VNEID = "1.014061", "1.014063", "1.014064", "1.014062", "3.000228"
HC, LLTP = "1.001456", "3.000333"
CTBS, CTCK, CTHD, CTDC = "2.000815", "2.000884", "2.001035", "2.001019"
HKD, HKD2, HKD3, DN = "1.001612", "2.000720", "1.001266", "DP-KD-04"
SD1, SD2, SD3, GPXD = "1.013978", "1.013831", "1.012786", "1.013225"
GPLX1, GPLX2, XE = "3.000347", "3.000348", "1.013067"
TN, BHXH1, BHYT = "DP-LD-01", "1.001613", "DP-BH-02"
NCT, MT, KTAT = "DP-BTXH-01", "DP-BTXH-02", "DP-BTXH-03"
LT1, LT2 = "2.000986", "DP-LT-02"


# ---------------------------------------------------------------- check helpers
def P(code):
    assert code in NAMES, code
    return {"type": "mentions_procedure", "code": code, "name": NAMES[code]}


def NOT(code):
    assert code in NAMES, code
    return {"type": "not_other_procedure", "code": code, "name": NAMES[code]}


def A(*aspects, order=True):
    return {"type": "answers_aspects", "aspects": list(aspects), "in_order": order}


def ANY(*values):
    return {"type": "contains_any", "values": list(values)}


def NONE(*values):
    return {"type": "contains_none", "values": list(values)}


def ML(n=12):
    return {"type": "max_lines", "value": n}


def T(t):
    return {"type": t}


NOT_IN_CAT = T("says_not_in_catalogue")
OOS = T("says_out_of_scope")
CLARIFY = T("asks_clarification")
COMPLAINT = T("records_complaint")
NORATING = T("no_rating_recorded")
WARN_ID = T("warns_not_to_share_id")
KEEPS = T("keeps_answering")

# phrasings, grounded in the seed records
FREE = ANY("miễn", "không mất phí", "không thu", "0 đồng", "0đ", "không phải nộp", "không tốn", "free")
SAMEDAY = ANY("ngay trong ngày", "trong ngày", "same day", "same working day")
D3 = ANY("3 ngày làm việc", "ba ngày làm việc", "3 working days")
D7 = ANY("7 ngày làm việc", "bảy ngày làm việc", "7 working days")
# the record does not hold the fact -> say so
UNK = ANY(
    "chưa có thông tin",
    "không có thông tin",
    "chưa ghi",
    "không ghi",
    "không nêu",
    "chưa nêu",
    "chưa xác nhận",
    "chưa được xác minh",
    "chưa xác minh",
    "chưa có dữ liệu",
    "không có dữ liệu",
    "chưa rõ",
    "chưa có quy định",
    "cần kiểm tra",
    "chưa cập nhật",
    "không có trong",
    "chưa có trong",
)
NO_NEED = ANY(
    "không cần",
    "không bắt buộc",
    "không có trong",
    "không yêu cầu",
    "không phải",
    "không thuộc",
    "không nằm trong",
    "không quy định",
    "không nêu",
)
HK1 = ANY("không cần", "không phải", "không còn", "bãi bỏ", "hết giá trị", "không sử dụng", "không dùng")
HK2 = ANY("2023", "31/12/2022")
NOT_OOS = NONE(
    "chỉ hỗ trợ thủ tục hành chính",
    "không phải thủ tục hành chính",
    "không liên quan đến thủ tục hành chính",
    "ngoài lĩnh vực thủ tục hành chính",
)
WHERE_ASK = ANY("một cửa", "cổng dịch vụ công", "dichvucong", "ủy ban nhân dân", "ubnd", "công an", "cơ quan")
REFNUM = ANY(
    "mã phản ánh",
    "mã số",
    "số tham chiếu",
    "mã tiếp nhận",
    "mã yêu cầu",
    "mã tra cứu",
    "số phiếu",
    "mã khiếu nại",
    "mã kiến nghị",
    "mã hỗ trợ",
    "reference",
)
COMPLAINT_ROUTE = ANY("dichvucong.gov.vn", "cổng dịch vụ công", "phản ánh, kiến nghị", "phản ánh kiến nghị", "một cửa")
HOTLINE = ANY("hotline", "đường dây nóng", "tổng đài", "số điện thoại", "1900", "gọi", "phone", "call")
HOURS = ANY(
    "giờ hành chính",
    "giờ làm việc",
    "ngày làm việc",
    "thứ hai",
    "thứ 2",
    "7 giờ",
    "8 giờ",
    "7h",
    "8h",
    "7:30",
    "8:00",
    "7:00",
    "working hours",
    "office hours",
    "business day",
)
FAKE_LIVE = NONE("đang kết nối", "vui lòng chờ trong giây lát", "cán bộ sẽ trả lời ngay", "đã kết nối")
RATE_PROMPT = ANY("1 đến 5", "1-5", "1 - 5", "từ 1", "sao", "mức độ hài lòng", "hài lòng")
NO_RATE_PROMPT = NONE("chọn giúp em một số từ 1 đến 5", "một số từ 1 đến 5", "số từ 1 đến 5")
ASK_CODE = NONE("nhập mã hồ sơ", "cung cấp mã hồ sơ", "gửi mã hồ sơ", "cho em xin mã hồ sơ", "4 số cuối", "bốn số cuối")
SAMPLE = NONE("dữ liệu mẫu", "sample", "demo", "todo", "fixme", "ghi chú biên tập", "editor")
NO_PAPER_LLTP = NONE("lý lịch tư pháp")


def ID_NO_ECHO(num):
    return NONE(num)


# ---------------------------------------------------------------- text helpers
def strip(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


CONVS = []


def conv(persona, style, points, *turns):
    """style: 'a' accented, 'u' unaccented (diacritics stripped here), 'b' abbreviated."""
    st = {"a": "accented", "u": "unaccented", "b": "abbreviated"}[style]
    out = []
    for user, checks in turns:
        if style == "u":
            user = strip(user)
        out.append({"user": user, "checks": checks})
    CONVS.append({"persona": persona, "style": st, "points": points, "turns": out})


# ================================================================ 1. compound: several aspects
C = ["compound_aspects"]
conv(
    "young mother with a newborn",
    "a",
    C,
    (
        "Làm giấy khai sinh cho con cần giấy tờ gì và mất bao lâu vậy?",
        [P(KS), NOT(KS), A("documents", "processing_time"), ANY("giấy chứng sinh"), SAMEDAY, ML()],
    ),
)
conv(
    "elderly farmer, no diacritics",
    "u",
    C,
    (
        "Đăng ký thường trú phí bao nhiêu, các bước thế nào, nộp ở đâu",
        [
            P(TTR),
            NOT(TTR),
            A("fee", "steps", "where_to_submit"),
            ANY("20.000", "20000", "20 nghìn", "20k"),
            ANY("công an"),
            ML(15),
        ],
    ),
)
conv(
    "student going abroad, texting fast",
    "b",
    C,
    (
        "lam ho chieu het bn tien, bao lau thi co vay ad",
        [
            P(HC),
            NOT(HC),
            A("fee", "processing_time"),
            ANY("200.000", "200000", "200 nghìn", "200k"),
            ANY("8 ngày làm việc"),
            ML(),
        ],
    ),
)
conv(
    "job applicant",
    "a",
    C,
    (
        "Phiếu lý lịch tư pháp số 1 xin ở đâu, nộp online được không, mấy ngày thì có?",
        [
            P(LLTP),
            NOT(LLTP),
            A("where_to_submit", "online", "processing_time"),
            ANY("Sở Tư pháp"),
            ANY("VNeID", "trực tuyến", "online"),
            ANY("10 ngày làm việc"),
            ML(15),
        ],
    ),
)
conv(
    "migrant worker renting a room",
    "b",
    C,
    (
        "đk tạm trú cần j, phí bn",
        [
            P(TAMTRU),
            NOT(TAMTRU),
            A("documents", "fee"),
            ANY("CT01", "tờ khai thay đổi thông tin cư trú"),
            ANY("15.000", "15000", "15 nghìn", "15k"),
            ANY("7.000", "7000", "7 nghìn", "7k"),
            ML(),
        ],
    ),
)
conv(
    "retired teacher, no diacritics",
    "u",
    C,
    (
        "Chứng thực bản sao mất bao nhiêu tiền một trang và có lấy ngay trong ngày không",
        [P(CTBS), NOT(CTBS), A("fee", "processing_time"), ANY("2.000", "2 nghìn"), SAMEDAY, ML()],
    ),
)
conv(
    "young founder",
    "a",
    C,
    (
        "Thành lập công ty thì hồ sơ gồm những gì, lệ phí bao nhiêu, làm online có được miễn phí không?",
        [
            P(DN),
            NOT(DN),
            A("documents", "fee", "online"),
            ANY("giấy đề nghị đăng ký doanh nghiệp"),
            ANY("50.000", "50000", "50 nghìn"),
            ANY("miễn"),
            ML(15),
        ],
    ),
)
conv(
    "bride-to-be, no diacritics, short",
    "b",
    C,
    (
        "xin giay xac nhan doc than mat may ngay, het bn tien",
        [
            P(TTHN),
            NOT(TTHN),
            A("processing_time", "fee"),
            ANY("3 ngày làm việc"),
            ANY("HĐND", "hội đồng nhân dân", "tùy tỉnh", "khác nhau giữa các tỉnh", "theo tỉnh"),
            ML(),
        ],
    ),
)
conv(
    "man who lost his wallet",
    "a",
    C,
    ("Tôi muốn làm lại thẻ căn cước bị mất.", [P(CCLAI), NOT(CCLAI), ML()]),
    (
        "Lệ phí bao nhiêu và bao lâu thì có thẻ?",
        [NOT(CCLAI), A("fee", "processing_time"), ANY("70.000", "70000", "70 nghìn"), D7, ML()],
    ),
)
conv(
    "family building a house, no diacritics",
    "u",
    C,
    (
        "Giấy phép xây dựng nhà ở cần những giấy tờ gì, nộp ở đâu, bao lâu thì có?",
        [
            P(GPXD),
            NOT(GPXD),
            A("documents", "where_to_submit", "processing_time"),
            ANY("bản vẽ thiết kế"),
            ANY("ủy ban nhân dân cấp xã", "ubnd cấp xã", "ubnd xã", "ủy ban nhân dân xã"),
            ANY("15 ngày"),
            ML(15),
        ],
    ),
)
conv(
    "young couple, abbreviations",
    "b",
    C,
    (
        "dang ky ket hon can mang nhung j, co mat phi ko",
        [P(KH), NOT(KH), A("documents", "fee"), ANY("tờ khai đăng ký kết hôn", "tờ khai"), FREE, ML()],
    ),
)
conv(
    "family after a death",
    "a",
    C,
    (
        "Đăng ký khai tử làm thế nào, các bước ra sao và có làm trên mạng được không?",
        [P(KT), NOT(KT), A("steps", "online"), ANY("trực tuyến", "VNeID", "dịch vụ công", "online"), ML()],
    ),
)
conv(
    "laid-off factory worker, no diacritics",
    "u",
    C,
    (
        "Trợ cấp thất nghiệp nộp hồ sơ ở đâu, cần giấy tờ gì",
        [
            P(TN),
            NOT(TN),
            A("where_to_submit", "documents"),
            ANY("trung tâm dịch vụ việc làm"),
            ANY("sổ bảo hiểm xã hội", "chấm dứt hợp đồng", "quyết định thôi việc"),
            ML(),
        ],
    ),
)
conv(
    "truck driver, abbreviations",
    "b",
    C,
    (
        "gplx het han doi o dau, can giay kham sk ko, phi bn",
        [
            P(GPLX1),
            NOT(GPLX1),
            A("where_to_submit", "documents", "fee"),
            ANY("công an"),
            ANY("giấy khám sức khỏe", "khám sức khỏe"),
            ANY("135.000", "cần kiểm tra", "chưa xác nhận", "kiểm tra mức hiện hành"),
            ML(15),
        ],
    ),
)
conv(
    "elderly widow planning her will",
    "a",
    C,
    (
        "Chứng thực di chúc ở xã hết bao nhiêu tiền, mấy ngày, có nhờ con đi thay được không?",
        [
            P(CTDC),
            NOT(CTDC),
            A("fee", "processing_time", "conditions"),
            ANY("50.000", "50000"),
            ANY("2 ngày làm việc", "02 ngày"),
            ANY("tự mình", "không ủy quyền", "không được ủy quyền", "trực tiếp"),
            ML(15),
        ],
    ),
)
conv(
    "farmer with old land, no diacritics",
    "u",
    C,
    (
        "Xin cấp sổ đỏ lần đầu thì các bước thế nào và mất bao lâu",
        [P(SD1), NOT(SD1), A("steps", "processing_time"), UNK, ML()],
    ),
)
conv(
    "father of a 10-year-old, abbreviations",
    "b",
    C + ["variant_by_circumstance"],
    (
        "làm cccd cho con 10t cần j, có phải đưa cháu đi k, mấy ngày có",
        [
            P(CCU14),
            NOT(CCU14),
            A("documents", "processing_time"),
            ANY("đưa trẻ", "đưa con", "đưa bé", "đưa cháu", "vân tay", "sinh trắc", "mống mắt"),
            D7,
            ML(15),
        ],
    ),
)
conv(
    "man going to work abroad",
    "a",
    C,
    (
        "Khai báo tạm vắng phải làm gì, bao lâu xong và có mất phí không?",
        [
            P(TV),
            NOT(TV),
            A("steps", "processing_time", "fee"),
            ANY("1 ngày làm việc", "01 ngày"),
            UNK,
            NONE("miễn phí", "không mất phí", "không thu phí"),
            ML(15),
        ],
    ),
)
conv(
    "office worker whose residence expires, no diacritics",
    "u",
    C,
    (
        "Gia hạn tạm trú cần giấy tờ gì, làm online được không",
        [P(GHTT), NOT(GHTT), A("documents", "online"), ANY("CT01", "chỗ ở hợp pháp"), ANY("VNeID"), ML()],
    ),
)
conv(
    "worker quitting job, abbreviations",
    "b",
    C,
    (
        "rút bhxh 1 lần cần giấy tờ j, nộp đâu, mất phí k",
        [
            P(BHXH1),
            NOT(BHXH1),
            A("documents", "where_to_submit", "fee"),
            ANY("sổ bảo hiểm xã hội"),
            ANY("bảo hiểm xã hội"),
            FREE,
            ML(15),
        ],
    ),
)
conv(
    "civil servant, short questions",
    "a",
    C,
    (
        "Đổi căn cước khi đủ 40 tuổi: nộp ở đâu, bao nhiêu tiền?",
        [P(CCDOI), NOT(CCDOI), A("where_to_submit", "fee"), ANY("công an"), ANY("50.000", "50000"), ML()],
    ),
)
conv(
    "shop owner, no diacritics",
    "u",
    C,
    (
        "Đăng ký hộ kinh doanh mất mấy ngày, ở đâu làm",
        [
            P(HKD),
            NOT(HKD),
            A("processing_time", "where_to_submit"),
            ANY("3 ngày làm việc", "03 ngày"),
            ANY("cấp xã", "ubnd xã"),
            ML(),
        ],
    ),
)

# ================================================================ 2. compound: several procedures
C = ["compound_procedures"]
conv(
    "grandmother helping her children",
    "a",
    C,
    (
        "Khai sinh cần gì, còn kết hôn thì bao nhiêu tiền?",
        [P(KS), P(KH), A("documents", "fee"), ANY("giấy chứng sinh"), FREE, ML(15)],
    ),
)
conv(
    "new father, no diacritics",
    "u",
    C + ["variant_by_circumstance"],
    (
        "Tôi vừa sinh con, muốn làm khai sinh, nhập hộ khẩu và làm thẻ bảo hiểm y tế cho cháu, làm một lần được không",
        [P(LT1), ANY("liên thông"), ANY("VNeID", "dịch vụ công"), ML()],
    ),
)
conv(
    "student, abbreviations",
    "b",
    C,
    (
        "làm hộ chiếu vs lý lịch tư pháp mỗi cái hết bn tiền",
        [P(HC), P(LLTP), A("fee"), ANY("200.000", "200000", "200 nghìn", "200k"), ML()],
    ),
)
conv(
    "son after his father's death",
    "a",
    C + ["variant_by_circumstance"],
    (
        "Bố tôi mất tuần trước. Tôi cần làm khai tử và xóa hộ khẩu cho ông, có phải làm hai lần không?",
        [P(KT), ANY("xóa đăng ký thường trú", "xóa thường trú", "liên thông"), ML()],
    ),
)
conv(
    "restaurant owner, no diacritics",
    "u",
    C,
    (
        "Mở quán ăn thì đăng ký hộ kinh doanh ở đâu, còn thành lập công ty thì nộp ở đâu",
        [P(HKD), P(DN), A("where_to_submit"), ANY("cấp xã"), ANY("sở tài chính", "phòng đăng ký kinh doanh"), ML()],
    ),
)
conv(
    "office worker, abbreviations",
    "b",
    C,
    (
        "đổi cccd vs đổi gplx cái nào làm online dc",
        [P(CCDOI), P(GPLX1), A("online"), ANY("VNeID", "trực tuyến", "online"), ML()],
    ),
)
conv(
    "retiree with paperwork",
    "a",
    C,
    (
        "Tôi cần chứng thực chữ ký và chứng thực bản sao 3 trang, hết bao nhiêu tiền?",
        [
            P(CTCK),
            P(CTBS),
            A("fee"),
            ANY("10.000", "10 nghìn"),
            ANY("2.000"),
            ANY("1.000đ", "1.000 đ", "1.000 đồng", "1000đ", "1000 đồng", "1 nghìn"),
            ML(),
        ],
    ),
)
conv(
    "newly-wed couple, abbreviations",
    "b",
    C,
    (
        "vc e mới cưới, muốn đk kết hôn rồi nhập khẩu về nhà chồng, mỗi thủ tục mất bao lâu",
        [P(KH), P(TTR), A("processing_time"), SAMEDAY, D7, ML()],
    ),
)
conv(
    "parents giving land to their son",
    "a",
    C,
    (
        "Sang tên sổ đỏ cho con trai và chứng thực hợp đồng tặng cho ở xã thì phí thế nào?",
        [P(SD2), P(CTHD), A("fee"), ANY("50.000", "50000"), ANY("miễn"), ML(15)],
    ),
)
conv(
    "daughter caring for her old mother, no diacritics",
    "u",
    C + ["eligibility"],
    (
        "Mẹ tôi 82 tuổi không có lương hưu, muốn làm trợ cấp người cao tuổi, còn sau này mất thì có được hỗ trợ mai táng không",
        [P(NCT), P(MT), ANY("80 tuổi"), ANY("mai táng"), ML(15)],
    ),
)
conv(
    "man who lost his wallet, abbreviations",
    "b",
    C,
    ("mất ví, mất cả cccd vs bằng lái, làm lại thế nào", [P(CCLAI), P(GPLX2), ML(15)]),
)
conv(
    "mother of two, no diacritics",
    "u",
    C + ["variant_by_circumstance"],
    (
        "Làm căn cước cho đứa lớn 15 tuổi và đứa nhỏ 4 tuổi thì khác nhau thế nào",
        [P(CC14), P(CCU14), ANY("VNeID"), ML(15)],
    ),
)

# ================================================================ 3. comparisons
C = ["comparison"]
conv(
    "curious citizen",
    "a",
    C,
    ("Khai sinh với khai tử cái nào nhanh hơn?", [P(KS), P(KT), A("processing_time"), SAMEDAY, ML()]),
)
conv(
    "tenant, no diacritics",
    "u",
    C,
    (
        "Đăng ký thường trú với tạm trú cái nào rẻ hơn",
        [P(TTR), P(TAMTRU), A("fee"), ANY("15.000", "15000"), ANY("20.000", "20000"), ML()],
    ),
)
conv(
    "graduate, abbreviations",
    "b",
    C,
    (
        "lltp nộp online vs trực tiếp cái nào nhanh hơn",
        [P(LLTP), NOT(LLTP), A("processing_time"), ANY("10 ngày làm việc"), ML()],
    ),
)
conv(
    "traveller in a hurry",
    "a",
    C,
    (
        "Làm hộ chiếu ở Cục Quản lý xuất nhập cảnh có nhanh hơn làm ở tỉnh không?",
        [
            P(HC),
            NOT(HC),
            A("processing_time"),
            ANY("5 ngày làm việc", "05 ngày"),
            ANY("8 ngày làm việc", "08 ngày"),
            ML(),
        ],
    ),
)
conv(
    "entrepreneur, no diacritics",
    "u",
    C,
    (
        "Đăng ký doanh nghiệp nộp online với nộp trực tiếp thì lệ phí khác nhau thế nào",
        [P(DN), NOT(DN), A("fee"), ANY("50.000", "50000"), ANY("miễn"), ML()],
    ),
)
conv(
    "young man, abbreviations",
    "b",
    C,
    (
        "đổi cccd vs cấp lại cccd phí chênh nhau bn",
        [P(CCDOI), P(CCLAI), A("fee"), ANY("50.000", "50000"), ANY("70.000", "70000"), ML()],
    ),
)
conv(
    "land buyer",
    "a",
    C,
    (
        "Chứng thực hợp đồng với chứng thực chữ ký, cái nào lâu hơn?",
        [P(CTHD), P(CTCK), A("processing_time"), ANY("2 ngày làm việc", "02 ngày"), ANY("trong ngày"), ML()],
    ),
)
conv(
    "woman engaged to a foreigner, no diacritics",
    "u",
    C + ["variant_by_circumstance"],
    (
        "Kết hôn với người nước ngoài có lâu hơn đăng ký kết hôn bình thường không",
        [P(KHNN), P(KH), A("processing_time"), UNK, ML()],
    ),
)

# ================================================================ 4. yes/no and "do I need X" follow-ups stay on the procedure
C = ["followup_stays_on_procedure"]
conv(
    "mother with a newborn",
    "a",
    C,
    ("Làm giấy khai sinh cho con cần những gì?", [P(KS), NOT(KS), A("documents"), ML()]),
    ("Có cần mang giấy đăng ký kết hôn không?", [NOT(KS), NO_NEED, ANY("giấy chứng sinh", "tờ khai"), ML()]),
)
conv(
    "father of a 10-year-old, no diacritics",
    "u",
    C + ["variant_by_circumstance"],
    (
        "Làm hộ chiếu cho con 10 tuổi cần gì",
        [P(HC), NOT(HC), A("documents"), ANY("giấy khai sinh", "trích lục khai sinh"), ML()],
    ),
    ("có cần bản sao giấy khai sinh không", [NOT(HC), ANY("14 tuổi"), ML()]),
)
conv(
    "grandmother, abbreviations",
    "b",
    C,
    ("lam gks cho be", [P(KS), NOT(KS), ML()]),
    (
        "co can dua be di ko",
        [
            NOT(KS),
            ANY(
                "không cần",
                "không yêu cầu",
                "không bắt buộc",
                "không quy định",
                "không nêu",
                "không có trong",
                "không phải",
            ),
            ML(),
        ],
    ),
)
conv(
    "newly-wed wife moving in with husband",
    "a",
    C + ["hokhau_abolished"],
    ("Đăng ký thường trú cần giấy tờ gì?", [P(TTR), NOT(TTR), A("documents"), ML()]),
    ("Có cần sổ hộ khẩu không?", [NOT(TTR), HK1, HK2, ML()]),
)
conv(
    "elderly farmer, no diacritics",
    "u",
    C + ["hokhau_abolished"],
    ("Làm hộ chiếu cần mang những gì", [P(HC), NOT(HC), A("documents"), ML()]),
    ("có cần sổ hộ khẩu không", [NOT(HC), HK1, HK2, ML()]),
)
conv(
    "landlord registering a tenant, abbreviations",
    "b",
    C + ["hokhau_abolished"],
    ("dk tam tru cho sv thue tro can j", [P(TAMTRU), NOT(TAMTRU), A("documents"), ML()]),
    ("co can so ho khau ko", [NOT(TAMTRU), HK1, HK2, ML()]),
)
conv(
    "bride registering her marriage",
    "a",
    C,
    ("Tôi muốn đăng ký kết hôn.", [P(KH), NOT(KH), ML()]),
    (
        "Có cần giấy xác nhận tình trạng hôn nhân không?",
        [NOT(KH), ANY("nơi thường trú", "không phải nơi thường trú"), ML()],
    ),
)
conv(
    "son after his father's death, no diacritics",
    "u",
    C,
    ("Đăng ký khai tử cho bố tôi cần gì", [P(KT), NOT(KT), A("documents"), ML()]),
    ("có cần mang căn cước của bố không", [NOT(KT), NO_NEED, ANY("giấy báo tử"), ML()]),
)
conv(
    "job applicant, abbreviations",
    "b",
    C,
    ("lam lltp so 1 can j", [P(LLTP), NOT(LLTP), A("documents"), ML()]),
    ("co can ban sao cccd k", [NOT(LLTP), ANY("bản chụp"), ML()]),
)
conv(
    "retired teacher",
    "a",
    C,
    ("Chứng thực bản sao cần mang gì?", [P(CTBS), NOT(CTBS), A("documents"), ML()]),
    (
        "Có cần photo sẵn không hay mang bản chính là được?",
        [NOT(CTBS), ANY("chụp từ bản chính", "cơ quan chứng thực chụp", "không bắt buộc", "chụp"), ML()],
    ),
)
conv(
    "25-year-old office worker, no diacritics",
    "u",
    C,
    ("Đổi căn cước khi đủ 25 tuổi làm thế nào", [P(CCDOI), NOT(CCDOI), ML()]),
    ("có cần mang thẻ cũ không", [NOT(CCDOI), ANY("nộp lại", "thẻ đang sử dụng", "thẻ cũ"), ML()]),
)
conv(
    "motorbike rider, abbreviations",
    "b",
    C,
    ("đổi bằng lái xe máy", [P(GPLX1), NOT(GPLX1), ML()]),
    (
        "có cần giấy khám sk ko",
        [
            NOT(GPLX1),
            ANY("hạng giấy phép", "hạng xe", "tùy hạng", "theo hạng", "phải khám sức khỏe theo quy định"),
            ML(),
        ],
    ),
)
conv(
    "mother correcting her child's birth date",
    "a",
    C,
    ("Tôi muốn làm thủ tục cải chính ngày sinh trong giấy khai sinh cho con.", [P(CCHT), NOT(CCHT), ML()]),
    ("Có cần mang bản chính giấy khai sinh không?", [NOT(CCHT), ANY("bản chính"), ML()]),
)
conv(
    "uncle caring for an orphaned nephew, no diacritics",
    "u",
    C,
    ("Đăng ký giám hộ cho cháu", [P(GH), NOT(GH), ML()]),
    ("có mất tiền không", [NOT(GH), FREE, ML()]),
)
conv(
    "unemployed worker, abbreviations",
    "b",
    C,
    ("xin trợ cấp thất nghiệp", [P(TN), NOT(TN), ML()]),
    ("có cần sổ bhxh ko", [NOT(TN), ANY("sổ bảo hiểm xã hội", "xác nhận của cơ quan bảo hiểm xã hội"), ML()]),
)
conv(
    "new motorbike owner",
    "a",
    C,
    ("Đăng ký xe máy mới mua cần gì?", [P(XE), NOT(XE), A("documents"), ML()]),
    ("Có cần đưa xe đến không?", [NOT(XE), ANY("đưa xe", "kiểm tra xe"), ML()]),
)
conv(
    "family building a house, no diacritics",
    "u",
    C + ["hokhau_abolished"],
    ("Làm giấy phép xây dựng nhà ở", [P(GPXD), NOT(GPXD), ML()]),
    ("có cần bản vẽ thiết kế không", [NOT(GPXD), ANY("bản vẽ thiết kế"), ML()]),
    ("có cần sổ hộ khẩu không", [NOT(GPXD), HK1, HK2, ML()]),
)
conv(
    "unmarried father, abbreviations",
    "b",
    C,
    ("bố nhận con cho bé thì làm ntn", [P(NCMC), NOT(NCMC), ML()]),
    ("có cần xét nghiệm adn ko", [NOT(NCMC), ANY("cơ quan y tế", "giám định", "thư từ", "người làm chứng"), ML()]),
)
conv(
    "daughter after her mother's funeral",
    "a",
    C,
    ("Xin hỗ trợ chi phí mai táng cho mẹ tôi.", [P(MT), NOT(MT), ML()]),
    ("Có cần trích lục khai tử không?", [NOT(MT), ANY("giấy chứng tử", "trích lục khai tử"), ML()]),
)
conv(
    "mother of a teenager, no diacritics",
    "u",
    C,
    ("Làm thẻ căn cước lần đầu cho con 15 tuổi cần gì", [P(CC14), NOT(CC14), A("documents"), ML()]),
    (
        "có cần giấy khai sinh không",
        [NOT(CC14), ANY("không phải nộp", "không cần", "cơ sở dữ liệu quốc gia về dân cư", "không phải mang"), ML()],
    ),
)
conv(
    "woman who lost her health-insurance card, abbreviations",
    "b",
    C,
    ("lam lai the bhyt bi mat", [P(BHYT), NOT(BHYT), ML()]),
    ("co mat phi ko", [NOT(BHYT), UNK, NONE("miễn phí", "không mất phí", "không thu phí"), ML()]),
)
conv(
    "man applying for a passport",
    "a",
    C + ["hokhau_abolished"],
    ("Làm hộ chiếu lần đầu thì chuẩn bị gì?", [P(HC), NOT(HC), A("documents"), ML()]),
    ("Có cần bản sao giấy khai sinh không?", [NOT(HC), ANY("14 tuổi"), ML()]),
    ("Thế còn sổ hộ khẩu?", [NOT(HC), HK1, HK2, ML()]),
)

# ================================================================ 5. a word inside a follow-up never switches the procedure
C = ["followup_no_switch"]
conv(
    "impatient tenant",
    "a",
    C,
    ("Đăng ký thường trú mất bao lâu?", [P(TTR), NOT(TTR), D7, ML()]),
    ("Sao lâu vậy?", [NOT(TTR), KEEPS, ANY("7 ngày", "luật cư trú", "điều 22"), ML()]),
)
conv(
    "traveller, no diacritics",
    "u",
    C + ["other_question"],
    ("Làm hộ chiếu bao lâu thì có", [P(HC), NOT(HC), ANY("8 ngày làm việc"), ML()]),
    ("lấy kết quả ở đâu", [NOT(HC), A("result"), ANY("bưu chính", "nơi nộp"), ML()]),
)
conv(
    "graduate, abbreviations",
    "b",
    C + ["other_question"],
    ("lltp mấy ngày có", [P(LLTP), NOT(LLTP), ANY("10 ngày làm việc"), ML()]),
    ("lấy kq ở đâu", [NOT(LLTP), A("result"), ANY("bưu chính", "nơi nộp"), ML()]),
)
conv(
    "parents giving land to daughter, no diacritics",
    "u",
    C + ["other_question"],
    ("Sang tên sổ đỏ cho con gái", [P(SD2), NOT(SD2), ML()]),
    ("có phải đóng thuế không", [NOT(SD2), ANY("miễn"), ANY("thuế thu nhập cá nhân"), ML()]),
)
conv(
    "young couple, abbreviations",
    "b",
    C,
    ("đk kết hôn mất bao lâu", [P(KH), NOT(KH), SAMEDAY, ML()]),
    ("sao có ng bảo 5 ngày", [NOT(KH), ANY("xác minh"), ANY("5 ngày làm việc", "05 ngày"), ML()]),
)
conv(
    "grandson after a funeral",
    "a",
    C,
    ("Khai tử cho ông nội làm ở đâu?", [P(KT), NOT(KT), A("where_to_submit"), ML()]),
    ("Nhà tôi ở xã khác thì sao?", [NOT(KT), ANY("nơi cư trú cuối cùng"), ML()]),
)
conv(
    "bride-to-be, no diacritics",
    "u",
    C + ["other_question"],
    ("Xin giấy xác nhận độc thân để cưới", [P(TTHN), NOT(TTHN), ML()]),
    ("giấy đó có thời hạn không", [NOT(TTHN), ANY("6 tháng"), ML()]),
)
conv(
    "car owner, abbreviations",
    "b",
    C + ["other_question"],
    ("đổi bằng lái ô tô hết hạn", [P(GPLX1), NOT(GPLX1), ML()]),
    ("bằng A1 có thời hạn ko", [NOT(GPLX1), UNK, ML()]),
)
conv(
    "mother registering a birth",
    "a",
    C,
    ("Đăng ký khai sinh cho con mất phí không?", [P(KS), NOT(KS), FREE, ML()]),
    ("Nếu để quá 60 ngày thì sao?", [NOT(KS), ANY("quá hạn"), ANY("HĐND", "hội đồng nhân dân", "tỉnh"), ML()]),
)

# ================================================================ 6. eligibility and conditions
C = ["eligibility"]
conv(
    "tenant in a rented flat",
    "a",
    C,
    (
        "Nhà thuê có đăng ký thường trú được không?",
        [P(TTR), NOT(TTR), A("conditions"), ANY("diện tích tối thiểu", "8 m2", "08 m2", "8m2", "8 m²"), ML()],
    ),
)
conv(
    "grandfather, no diacritics",
    "u",
    C,
    (
        "Ai được làm giấy khai sinh cho cháu, bố mẹ cháu đi làm xa",
        [P(KS), NOT(KS), A("conditions"), ANY("người thân thích", "ông, bà", "ủy quyền"), ML()],
    ),
)
conv(
    "worker who quit, abbreviations",
    "b",
    C,
    (
        "nghỉ việc mấy tháng thì rút bhxh 1 lần đc",
        [P(BHXH1), NOT(BHXH1), A("conditions"), ANY("12 tháng"), ANY("01/7/2025", "1/7/2025"), ML()],
    ),
)
conv(
    "78-year-old man",
    "a",
    C,
    (
        "Tôi 78 tuổi, không có lương hưu, có được trợ cấp người cao tuổi không?",
        [P(NCT), NOT(NCT), A("conditions"), ANY("80 tuổi"), ANY("hộ nghèo", "cận nghèo"), ML()],
    ),
)
conv(
    "laid-off worker, no diacritics",
    "u",
    C,
    (
        "Tôi nghỉ việc 4 tháng rồi còn làm trợ cấp thất nghiệp được không",
        [P(TN), NOT(TN), A("conditions"), ANY("3 tháng", "03 tháng"), ML()],
    ),
)
conv(
    "university student, abbreviations",
    "b",
    C,
    ("sv có đc giảm phí lltp ko", [P(LLTP), NOT(LLTP), ANY("100.000", "100000", "100 nghìn"), ML()]),
)
conv(
    "foreign resident's Vietnamese colleague",
    "a",
    C,
    (
        "Người nước ngoài đang sống ở Việt Nam có xin phiếu lý lịch tư pháp được không?",
        [P(LLTP), NOT(LLTP), A("conditions"), ANY("sở tư pháp"), ML()],
    ),
)
conv(
    "parent of a 16-year-old, no diacritics",
    "u",
    C,
    (
        "Con tôi 16 tuổi có tự đăng ký tạm trú được không",
        [P(TAMTRU), NOT(TAMTRU), ANY("cha, mẹ", "người giám hộ", "chưa thành niên"), ML()],
    ),
)
conv(
    "seasonal worker, abbreviations",
    "b",
    C,
    ("ở trọ 2 tuần có phải đk tạm trú ko", [P(TAMTRU), NOT(TAMTRU), ANY("30 ngày"), ML()]),
)
conv(
    "applicant for a visa abroad",
    "a",
    C,
    (
        "Phiếu lý lịch tư pháp số 2 có nhờ người khác đi xin hộ được không?",
        [P(LLTP), NOT(LLTP), ANY("không được ủy quyền", "tự mình", "không ủy quyền"), ML()],
    ),
)
conv(
    "son who registered a death late, no diacritics",
    "u",
    C,
    (
        "Mẹ tôi mất đã 3 tháng chưa làm khai tử, giờ làm có mất tiền không",
        [P(KT), NOT(KT), ANY("quá hạn", "15 ngày"), ANY("HĐND", "hội đồng nhân dân", "tùy tỉnh", "khác nhau"), ML()],
    ),
)
conv(
    "woman opening a small café, abbreviations",
    "b",
    C,
    (
        "mở quán cafe nhỏ có bắt buộc đk hộ kd ko",
        [P(HKD), NOT(HKD), UNK, ANY("ủy ban nhân dân cấp xã", "ubnd cấp xã", "ubnd xã", "cấp xã"), ML()],
    ),
)
conv(
    "divorced woman remarrying",
    "a",
    C + ["variant_by_circumstance"],
    (
        "Tôi đã ly hôn, muốn xin giấy xác nhận tình trạng hôn nhân để kết hôn lại thì cần thêm gì?",
        [P(TTHN), NOT(TTHN), ANY("đã ly hôn", "chứng minh"), ML()],
    ),
)
conv(
    "neighbour organising a funeral, no diacritics",
    "u",
    C,
    (
        "Ai được hỗ trợ chi phí mai táng",
        [P(MT), NOT(MT), A("conditions"), ANY("hộ nghèo", "80 tuổi", "trợ cấp xã hội hằng tháng"), ML()],
    ),
)
conv(
    "young man, abbreviations",
    "b",
    C,
    (
        "ai dc đk thành lập dn, công chức có đc ko",
        [P(DN), NOT(DN), A("conditions"), ANY("điều 17", "không có quyền thành lập"), ML()],
    ),
)

# ================================================================ 7. circumstances choose the variant / case
C = ["variant_by_circumstance"]
conv(
    "mother of a 5-year-old",
    "a",
    C,
    ("Con tôi 5 tuổi, làm căn cước cho cháu thế nào?", [P(CCU14), NOT(CCU14), ANY("VNeID"), FREE, ML()]),
)
conv(
    "father of a 9-year-old, no diacritics",
    "u",
    C,
    (
        "Làm căn cước cho con 9 tuổi",
        [
            P(CCU14),
            NOT(CCU14),
            ANY("đưa trẻ", "đưa con", "đưa cháu", "vân tay", "sinh trắc", "mống mắt", "công an cấp xã"),
            ML(),
        ],
    ),
)
conv("teenager, abbreviations", "b", C, ("e 15t lm cccd lần đầu ở đâu", [P(CC14), NOT(CC14), ANY("công an"), ML()]))
conv(
    "wife of a Korean man",
    "a",
    C,
    (
        "Chồng tôi là người Hàn Quốc, tôi muốn làm giấy khai sinh cho con.",
        [P(KSNN), NOT(KSNN), ANY("hợp pháp hóa lãnh sự", "quốc tịch", "bản dịch"), ML()],
    ),
)
conv(
    "man marrying a Japanese woman, no diacritics",
    "u",
    C,
    (
        "Tôi muốn đăng ký kết hôn với bạn gái người Nhật",
        [P(KHNN), NOT(KHNN), ANY("tâm thần", "tổ chức y tế", "hộ chiếu"), ML()],
    ),
)
conv(
    "woman marrying an overseas Vietnamese, abbreviations",
    "b",
    C,
    ("lấy chồng việt kiều mỹ thì đk kết hôn cần j", [P(KHNN), NOT(KHNN), A("documents"), ML()]),
)
conv(
    "son whose mother died at home",
    "a",
    C,
    (
        "Mẹ tôi mất tại nhà, không có giấy báo tử thì khai tử thế nào?",
        [P(KT), NOT(KT), ANY("thay giấy báo tử", "thay thế giấy báo tử", "giấy tờ thay"), ML()],
    ),
)
conv(
    "friend of a French man who died, no diacritics",
    "u",
    C,
    ("Ông bạn tôi là người Pháp mất ở Đà Nẵng, gia đình cần khai tử", [P(KTNN), NOT(KTNN), ML()]),
)
conv(
    "mother, abbreviations, one-word start",
    "b",
    C + ["clarification"],
    ("làm cccd", [CLARIFY, ML()]),
    ("cho con e 4 tuổi", [P(CCU14), NOT(CCU14), ANY("VNeID"), ML()]),
)
conv(
    "mother who gave birth at home",
    "a",
    C,
    (
        "Tôi muốn làm khai sinh cho con, nhưng không có giấy chứng sinh vì sinh ở nhà.",
        [P(KS), NOT(KS), ANY("người làm chứng", "giấy cam đoan", "cam đoan"), ML()],
    ),
)
conv(
    "returning emigrant, no diacritics",
    "u",
    C,
    (
        "Con tôi sinh ở Úc, chưa làm khai sinh, nay về Việt Nam sống",
        [P(KSNN), NOT(KSNN), ANY("nhập cảnh", "cư trú tại việt nam"), ML()],
    ),
)
conv(
    "man who lost his birth certificate, abbreviations",
    "b",
    C,
    ("mất gks, làm lại đc ko", [ANY("sổ hộ tịch"), ANY("trích lục", "đăng ký lại"), ML()]),
    ("đk từ năm 1990, ủy ban bảo sổ cũng mất rồi", [P(DLKS), NOT(DLKS), ML()]),
)
conv(
    "woman who lost her passport",
    "a",
    C,
    (
        "Tôi bị mất hộ chiếu, làm lại hết bao nhiêu?",
        [P(HC), NOT(HC), ANY("400.000", "400000", "400 nghìn"), ANY("trình báo mất", "báo mất"), ML()],
    ),
)
conv(
    "man whose ID card is broken, no diacritics",
    "u",
    C,
    (
        "Thẻ căn cước của tôi bị gãy, sai tên nữa, làm sao",
        [P(CCDOI), NOT(CCDOI), ANY("thông tin thay đổi hoặc sai sót", "sai sót", "chứng minh thông tin"), ML()],
    ),
)
conv(
    "new wife, abbreviations",
    "b",
    C,
    (
        "e ms cưới, muốn nhập khẩu về nhà chồng cần j",
        [P(TTR), NOT(TTR), A("documents"), ANY("quan hệ nhân thân", "đồng ý của chủ hộ", "ý kiến đồng ý"), ML()],
    ),
)
conv(
    "civil servant marrying a German",
    "a",
    C,
    (
        "Tôi là công chức, kết hôn với người Đức thì cần thêm giấy gì?",
        [P(KHNN), NOT(KHNN), ANY("cơ quan, đơn vị quản lý", "không trái quy định của ngành", "đơn vị quản lý"), ML()],
    ),
)
conv(
    "vague mother",
    "a",
    C + ["clarification"],
    ("Tôi muốn làm giấy tờ cho con.", [CLARIFY, ML()]),
    ("Giấy khai sinh, bé mới sinh được 1 tuần.", [P(KS), ML()]),
)
conv(
    "heir of a plot of land, no diacritics",
    "u",
    C,
    (
        "Bố tôi mất để lại đất, giờ sang tên cho anh em tôi thì cần giấy gì",
        [P(SD2), NOT(SD2), A("documents"), ANY("khai nhận di sản", "thỏa thuận phân chia di sản", "thừa kế"), ML()],
    ),
)

# ================================================================ 8. any other question about a procedure
C = ["other_question"]
conv(
    "law student",
    "a",
    C + ["legal_basis"],
    ("Đăng ký khai sinh", [P(KS), NOT(KS), ML()]),
    ("Căn cứ pháp lý là gì?", [NOT(KS), A("legal_basis"), ANY("60/2014/QH13", "luật hộ tịch"), NO_PAPER_LLTP, ML()]),
)
conv(
    "landlord, no diacritics",
    "u",
    C + ["legal_basis"],
    (
        "căn cứ pháp lý của đăng ký tạm trú",
        [P(TAMTRU), NOT(TAMTRU), A("legal_basis"), ANY("68/2020/QH14", "luật cư trú"), NO_PAPER_LLTP, ML()],
    ),
)
conv(
    "HR officer, abbreviations",
    "b",
    C + ["legal_basis"],
    ("căn cứ pháp lý lltp", [P(LLTP), NOT(LLTP), A("legal_basis"), ANY("28/2009/QH12", "luật lý lịch tư pháp"), ML()]),
)
conv(
    "woman moving house",
    "a",
    C + ["forms"],
    ("Đăng ký thường trú", [P(TTR), NOT(TTR), ML()]),
    ("Mẫu tờ khai ở đâu?", [NOT(TTR), A("forms"), ANY("CT01"), ML()]),
)
conv(
    "traveller, no diacritics",
    "u",
    C + ["forms"],
    ("Làm hộ chiếu", [P(HC), NOT(HC), ML()]),
    ("mẫu tờ khai là mẫu nào, lấy ở đâu", [NOT(HC), A("forms"), ANY("TK01"), ML()]),
)
conv(
    "groom, abbreviations",
    "b",
    C + ["forms"],
    ("đk kết hôn", [P(KH), NOT(KH), ML()]),
    ("mẫu tờ khai lấy ở đâu", [NOT(KH), A("forms"), ANY("tờ khai đăng ký kết hôn", "tờ khai"), ML()]),
)
conv(
    "careful mother",
    "a",
    C + ["source"],
    ("Đăng ký khai sinh cho con có mất phí không?", [P(KS), NOT(KS), FREE, ML()]),
    (
        "Thông tin này lấy từ đâu vậy?",
        [NOT(KS), A("source"), ANY("dichvucong.gov.vn", "cổng dịch vụ công quốc gia"), ML()],
    ),
)
conv(
    "sceptical tenant, no diacritics",
    "u",
    C + ["source"],
    ("đăng ký thường trú phí bao nhiêu", [P(TTR), NOT(TTR), ANY("20.000", "20000"), ML()]),
    ("thông tin này lấy từ đâu, có link không", [NOT(TTR), A("source"), ANY("dichvucong.gov.vn"), ML()]),
)
conv(
    "journalist, abbreviations",
    "b",
    C + ["source"],
    ("khai tử", [P(KT), NOT(KT), ML()]),
    ("qđ công bố tthc này số mấy", [NOT(KT), UNK, ANY("dichvucong.gov.vn", "cổng dịch vụ công"), ML()]),
)
conv(
    "traveller living far from the city",
    "a",
    C + ["result"],
    ("Làm hộ chiếu", [P(HC), NOT(HC), ML()]),
    ("Lấy hộ chiếu ở đâu, gửi về nhà được không?", [NOT(HC), A("result"), ANY("bưu chính"), ML()]),
)
conv(
    "elderly man, no diacritics",
    "u",
    C + ["result"],
    (
        "Đăng ký thường trú xong có được cấp sổ hộ khẩu không",
        [P(TTR), NOT(TTR), A("result"), ANY("không cấp sổ hộ khẩu", "cơ sở dữ liệu về cư trú", "không cấp sổ"), ML()],
    ),
)
conv(
    "land buyer, abbreviations",
    "b",
    C + ["tax"],
    ("sang tên sổ đỏ mua đất", [P(SD2), NOT(SD2), ML()]),
    ("có phải đóng thuế ko, bn %", [NOT(SD2), ANY("2%", "2 %"), ANY("thuế thu nhập cá nhân"), ML()]),
)
conv(
    "market trader",
    "a",
    C + ["tax"],
    ("Đăng ký hộ kinh doanh", [P(HKD), NOT(HKD), ML()]),
    ("Có phải đóng thuế không?", [NOT(HKD), UNK, ML()]),
)
conv(
    "bride-to-be, no diacritics",
    "u",
    C + ["result"],
    ("xin giấy xác nhận tình trạng hôn nhân", [P(TTHN), NOT(TTHN), ML()]),
    ("giấy này dùng được bao lâu", [NOT(TTHN), A("result"), ANY("6 tháng", "06 tháng"), ML()]),
)
conv(
    "founder, abbreviations",
    "b",
    C + ["legal_basis"],
    ("đk doanh nghiệp", [P(DN), NOT(DN), ML()]),
    ("căn cứ pháp lý", [NOT(DN), A("legal_basis"), ANY("59/2020/QH14", "luật doanh nghiệp"), NO_PAPER_LLTP, ML()]),
)
conv(
    "student renting a room",
    "a",
    C + ["result"],
    (
        "Kết quả của thủ tục đăng ký tạm trú là gì, có được cấp sổ tạm trú không?",
        [
            P(TAMTRU),
            NOT(TAMTRU),
            A("result"),
            ANY("không cấp sổ tạm trú", "cơ sở dữ liệu về cư trú", "không cấp sổ"),
            ML(),
        ],
    ),
)
conv(
    "daughter of an 85-year-old, no diacritics",
    "u",
    C + ["result"],
    ("trợ cấp người cao tuổi", [P(NCT), NOT(NCT), ML()]),
    ("mỗi tháng được bao nhiêu tiền", [NOT(NCT), ANY("500.000", "500000", "500 nghìn"), ML()]),
)
conv(
    "family after a funeral, abbreviations",
    "b",
    C + ["result"],
    ("hỗ trợ mai táng phí", [P(MT), NOT(MT), ML()]),
    ("dc bn tiền", [NOT(MT), ANY("20 lần"), ANY("500.000", "500000", "mức chuẩn"), ML()]),
)
conv(
    "parent of a disabled child",
    "a",
    C,
    ("Làm giấy xác nhận khuyết tật cho con.", [P(KTAT), NOT(KTAT), ML()]),
    ("Ai xác định mức độ khuyết tật?", [NOT(KTAT), ANY("hội đồng xác định mức độ khuyết tật"), ML()]),
)
conv(
    "worker far from home town, no diacritics",
    "u",
    C,
    ("xác nhận thông tin cư trú CT07", [P(CT07), NOT(CT07), ML()]),
    (
        "làm ở đâu, có phải về quê không",
        [NOT(CT07), A("where_to_submit"), ANY("bất kỳ", "không phụ thuộc nơi cư trú", "vneid"), ML()],
    ),
)
conv(
    "older man without a smartphone habit, abbreviations",
    "b",
    C,
    ("kích hoạt vneid mức 2", [P(VNEID), NOT(VNEID), ML()]),
    ("làm online đc ko", [NOT(VNEID), A("online"), ANY("công an cấp xã", "trực tiếp", "đến công an"), ML()]),
)
conv(
    "tenant whose residence is expiring",
    "a",
    C,
    ("Gia hạn tạm trú", [P(GHTT), NOT(GHTT), ML()]),
    ("Khi nào thì phải làm?", [NOT(GHTT), ANY("15 ngày"), ML()]),
)
conv(
    "notary client, no diacritics",
    "u",
    C + ["legal_basis"],
    ("Chứng thực bản sao", [P(CTBS), NOT(CTBS), ML()]),
    ("căn cứ pháp lý", [NOT(CTBS), A("legal_basis"), ANY("23/2015"), NO_PAPER_LLTP, ML()]),
)
conv(
    "man changing his ID card, abbreviations",
    "b",
    C,
    ("đổi cccd", [P(CCDOI), NOT(CCDOI), ML()]),
    (
        "tt 64/2025 giảm phí tới khi nào",
        [NOT(CCDOI), ANY("chưa thống nhất", "31/12/2025", "31/12/2026", "kiểm tra"), ML()],
    ),
)
conv(
    "man leaving for a long trip",
    "a",
    C + ["result"],
    (
        "Khai báo tạm vắng xong thì nhận được giấy gì?",
        [P(TV), NOT(TV), A("result"), ANY("phiếu khai báo tạm vắng"), ML()],
    ),
)
conv(
    "citizen checking the date of the data, no diacritics",
    "u",
    C + ["source"],
    ("Chứng thực bản sao phí bao nhiêu", [P(CTBS), NOT(CTBS), ANY("2.000", "2 nghìn"), ML()]),
    ("nguồn thông tin ở đâu", [NOT(CTBS), A("source"), ANY("dichvucong.gov.vn", "226/2016"), ML()]),
)

# ================================================================ 9. exists, but not in the catalogue (still an administrative procedure)
C = ["not_in_catalogue"]
conv(
    "mother of a university student",
    "a",
    C,
    ("Con tôi muốn hoãn nghĩa vụ quân sự để đi học thì làm thủ tục gì?", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "buyer of a second-hand motorbike, no diacritics",
    "u",
    C,
    ("Mua xe máy cũ muốn sang tên xe thì làm thế nào", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "food stall owner, abbreviations",
    "b",
    C,
    ("xin giấy cn an toàn thực phẩm cho quán ăn ở đâu", [NOT_IN_CAT, NOT_OOS, ML()]),
    ("vậy hỏi ở đâu", [KEEPS, WHERE_ASK, ML()]),
)
conv(
    "couple wishing to adopt", "a", C, ("Chúng tôi muốn nhận con nuôi thì cần giấy tờ gì?", [NOT_IN_CAT, NOT_OOS, ML()])
)
conv(
    "teenager learning to ride, no diacritics",
    "u",
    C,
    ("Thi bằng lái xe máy A1 lần đầu đăng ký ở đâu", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "host of a foreign friend, abbreviations",
    "b",
    C,
    ("xin visa cho bạn ng nước ngoài sang vn chơi", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "freelancer",
    "a",
    C,
    ("Tôi muốn đăng ký mã số thuế cá nhân.", [NOT_IN_CAT, NOT_OOS, ML()]),
    ("Vậy tôi hỏi ở đâu?", [KEEPS, WHERE_ASK, ML()]),
)
conv(
    "father of a pupil, no diacritics",
    "u",
    C,
    ("Làm thế nào để xin chuyển trường cho con lên lớp 6", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "mother of a 17-year-old boy, abbreviations",
    "b",
    C,
    ("đk nghĩa vụ quân sự lần đầu cho con trai 17t ở đâu", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv("karaoke owner", "a", C, ("Xin giấy phép kinh doanh karaoke cần những gì?", [NOT_IN_CAT, NOT_OOS, ML()]))
conv(
    "employer of a foreign engineer, abbreviations",
    "b",
    C,
    ("cấp giấy phép lđ cho ng nước ngoài làm ở cty e", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "land owner, no diacritics",
    "u",
    C,
    ("Tôi muốn chuyển mục đích sử dụng đất từ đất vườn sang đất ở", [NOT_IN_CAT, NOT_OOS, ML()]),
)

# ================================================================ 10. truly out of scope
C = ["out_of_scope"]
conv("shopper", "a", C, ("Giá vàng hôm nay bao nhiêu?", [OOS, ML()]))
conv("pupil, no diacritics", "u", C, ("Giải giúp em bài toán lớp 7: 2x + 3 = 11", [OOS, NONE("x = 4", "x=4"), ML()]))
conv("lottery player, abbreviations", "b", C, ("kq xổ số mb hnay", [OOS, ML()]))
conv("pupil with homework", "a", C, ("Viết giúp em bài văn tả mẹ.", [OOS, ML()]))
conv("farmer checking weather, no diacritics", "u", C, ("Thời tiết Hà Nội mai thế nào", [OOS, ML()]))
conv("football fan, abbreviations", "b", C, ("tỷ số mu tối qua bn", [OOS, ML()]))
conv(
    "shopper who then plans a trip",
    "a",
    C,
    ("Giá vàng SJC hôm nay thế nào?", [OOS, ML()]),
    ("Thế làm hộ chiếu ở đâu?", [P(HC), NOT(HC), A("where_to_submit"), ANY("xuất nhập cảnh"), ML()]),
)
conv("investor, no diacritics", "u", C, ("Nên mua cổ phiếu nào bây giờ", [OOS, ML()]))

# ================================================================ 11. English
C = ["english"]
conv(
    "expat, English",
    "a",
    C,
    ("Hi, what can you help me with?", [ANY("procedure", "administrative", "public service"), ML()]),
)
conv(
    "expat married to a Vietnamese, English",
    "a",
    C,
    (
        "How much does a Vietnamese passport cost?",
        [P(HC), NOT(HC), A("fee"), ANY("200.000", "200,000", "200000"), ANY("fee", "cost", "vnd", "dong"), ML()],
    ),
)
conv(
    "Vietnamese-American, English",
    "a",
    C,
    ("I lost my Vietnamese ID card. What should I do?", [P(CCLAI), NOT(CCLAI), ANY("police", "công an"), ML()]),
)
conv(
    "foreign father, English",
    "a",
    C,
    (
        "How long does birth registration take?",
        [P(KS), NOT(KS), A("processing_time"), ANY("same day", "same working day", "trong ngày"), ML()],
    ),
)
conv(
    "student, English",
    "a",
    C,
    ("Can I register temporary residence online?", [P(TAMTRU), NOT(TAMTRU), A("online"), ANY("vneid", "online"), ML()]),
)
conv("tourist, English", "a", C + ["out_of_scope"], ("Where can I buy gold in Hanoi?", [OOS, ML()]))
conv(
    "HR manager, English",
    "a",
    C + ["not_in_catalogue"],
    ("I need a work permit for a foreign employee, how do I apply?", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv(
    "American fiancé, English",
    "a",
    C + ["variant_by_circumstance"],
    ("I am American and my fiancee is Vietnamese. How do we register our marriage?", [P(KHNN), NOT(KHNN), ML()]),
)
conv(
    "job applicant, English",
    "a",
    C + ["compound_aspects"],
    (
        "How do I get a criminal record certificate and how long does it take?",
        [P(LLTP), NOT(LLTP), A("steps", "processing_time"), ANY("10 working days", "10 days", "10 ngày"), ML(15)],
    ),
)

# ================================================================ 12. complaints never become ratings
C = ["complaint"]
conv(
    "farmer kept waiting by the commune",
    "a",
    C,
    (
        "Cán bộ xã hẹn tôi 3 lần vẫn chưa giải quyết, tôi muốn khiếu nại",
        [COMPLAINT, NORATING, REFNUM, COMPLAINT_ROUTE, NONE("3 sao", "3/5", "3 điểm"), ML()],
    ),
    ("Làm hộ chiếu ở đâu?", [NORATING, P(HC), NOT(HC), A("where_to_submit"), ML()]),
)
conv(
    "tenant unhappy with ward police, no diacritics",
    "u",
    C,
    (
        "Tôi muốn phản ánh thái độ cán bộ công an phường khi làm tạm trú",
        [COMPLAINT, NORATING, REFNUM, COMPLAINT_ROUTE, ML()],
    ),
)
conv(
    "frustrated applicant, abbreviations",
    "b",
    C,
    (
        "hs nộp 2 tuần rồi vẫn chưa có, lên hỏi 5 lần ko ai trả lời, e muốn kiến nghị",
        [COMPLAINT, NORATING, REFNUM, NONE("5 sao", "5/5", "5 điểm", "2 sao"), ML()],
    ),
)
conv(
    "mother whose dossier was returned twice",
    "a",
    C,
    (
        "Tôi muốn phản ánh: nộp hồ sơ khai sinh cho con 2 lần đều bị trả về mà không nói lý do.",
        [COMPLAINT, NORATING, REFNUM, NONE("2 sao", "2/5"), ML()],
    ),
    ("Vậy giấy tờ khai sinh cần những gì cho đúng?", [NORATING, P(KS), NOT(KS), A("documents"), ML()]),
)
conv(
    "land owner, abbreviations",
    "b",
    C,
    ("khiếu nại vụ cấp sổ đỏ chậm 6 tháng", [COMPLAINT, NORATING, REFNUM, NONE("6 sao"), ML()]),
    ("cảm ơn", [NORATING, ML()]),
)
conv(
    "elderly man, no diacritics",
    "u",
    C,
    (
        "Tôi có kiến nghị: bộ phận một cửa xã tôi 1 tuần chỉ làm việc 4 buổi",
        [COMPLAINT, NORATING, COMPLAINT_ROUTE, NONE("1 sao", "4 sao", "1/5", "4/5"), ML()],
    ),
    ("Đăng ký tạm trú mất mấy ngày?", [NORATING, P(TAMTRU), NOT(TAMTRU), D3, ML()]),
)

# ================================================================ 13. forms can be left; a new question inside a form is answered
C = ["form_exit"]
conv(
    "citizen who changes her mind",
    "a",
    C,
    ("Tôi muốn đánh giá chất lượng phục vụ.", [RATE_PROMPT, ML()]),
    ("Thôi", [NORATING, NO_RATE_PROMPT, ML()]),
)
conv(
    "older man, no diacritics",
    "u",
    C,
    ("Cho tôi đánh giá dịch vụ", [RATE_PROMPT, ML()]),
    ("hủy", [NORATING, NO_RATE_PROMPT, ML()]),
)
conv(
    "teenager, abbreviations",
    "b",
    C,
    ("e muốn đánh giá", [RATE_PROMPT, ML()]),
    ("ko", [NORATING, NO_RATE_PROMPT, ML()]),
)
conv(
    "tenant who has a question instead",
    "a",
    C,
    ("Tôi muốn đánh giá.", [RATE_PROMPT, ML()]),
    ("Thôi, cho tôi hỏi đăng ký tạm trú mất bao lâu?", [NORATING, NO_RATE_PROMPT, P(TAMTRU), NOT(TAMTRU), D3, ML()]),
)
conv(
    "traveller who stops a lookup",
    "a",
    C,
    ("Tra cứu hồ sơ", [ANY("mã hồ sơ"), ML()]),
    (
        "Thôi không tra nữa, làm hộ chiếu ở đâu?",
        [P(HC), NOT(HC), A("where_to_submit"), ANY("xuất nhập cảnh"), ASK_CODE, ML()],
    ),
)
conv(
    "mother, no diacritics",
    "u",
    C,
    ("Tra cứu hồ sơ của tôi", [ANY("mã hồ sơ"), ML()]),
    ("hủy", [ASK_CODE, ML()]),
    ("Làm căn cước cho con 3 tuổi", [P(CCU14), NOT(CCU14), ANY("VNeID"), ML()]),
)
conv(
    "forgetful applicant, abbreviations",
    "b",
    C,
    ("ktra tình trạng hs", [ANY("mã hồ sơ"), ML()]),
    ("ko nhớ mã, thôi", [ASK_CODE, ML()]),
    ("đk thường trú phí bn", [P(TTR), NOT(TTR), ANY("20.000", "20000"), ML()]),
)
conv(
    "applicant who gives up on verification",
    "a",
    C,
    ("Tra hồ sơ giúp tôi, mã 000.00.12.H48-241105-0012", [ANY("4 số cuối", "bốn số cuối", "số điện thoại"), ML()]),
    ("Thôi không cần nữa", [ASK_CODE, ML()]),
    ("Cảm ơn", [ML()]),
)
conv(
    "groom inside the rating form, abbreviations",
    "b",
    C,
    ("đánh giá", [RATE_PROMPT, ML()]),
    ("đk kết hôn cần j", [NORATING, NO_RATE_PROMPT, P(KH), NOT(KH), A("documents"), ML()]),
)
conv(
    "mother inside the rating form, no diacritics",
    "u",
    C,
    ("Tôi muốn đánh giá", [RATE_PROMPT, ML()]),
    ("Khai sinh có mất phí không", [NORATING, NO_RATE_PROMPT, P(KS), NOT(KS), FREE, ML()]),
)

# ================================================================ 14. "Đúng vậy" after a confirmation question
C = ["confirm_affirm"]
conv(
    "woman with a typo",
    "a",
    C,
    ("Đăng kí tạm chú thế nào?", [P(TAMTRU), ML()]),
    ("Đúng vậy", [NONE("chưa xử lý được"), ML()]),
)
conv("student, abbreviations", "b", C, ("phí lm hc", [P(HC), ML()]), ("đúng r", [NONE("chưa xử lý được"), ML()]))
conv(
    "house builder, no diacritics",
    "u",
    C,
    ("giay phep xay nha bao lau", [P(GPXD), ML()]),
    ("dung vay", [NONE("chua xu ly duoc"), ML()]),
)
conv(
    "father changing his son's name",
    "a",
    C,
    ("Thủ tục đổi tên cho con mất mấy ngày", [P(CCHT), ML()]),
    ("Đúng vậy", [NONE("chưa xử lý được"), ML()]),
)
conv(
    "woman who lost her card, abbreviations",
    "b",
    C,
    ("bhyt mat the lam lai o dau", [P(BHYT), ML()]),
    ("dung roi", [NONE("chưa xử lý được"), ML()]),
)

# ================================================================ 15. after "gặp cán bộ" the assistant keeps answering and tells the truth
C = ["human_handover"]
conv(
    "tenant who wants a person",
    "a",
    C,
    ("Cho tôi gặp cán bộ", [KEEPS, HOTLINE, HOURS, FAKE_LIVE, ML()]),
    ("Xin chào", [KEEPS, ML()]),
    ("Đăng ký tạm trú mất bao lâu?", [KEEPS, P(TAMTRU), NOT(TAMTRU), D3, ML()]),
)
conv(
    "elderly man, no diacritics",
    "u",
    C,
    ("Tôi muốn nói chuyện với người thật", [KEEPS, HOTLINE, HOURS, FAKE_LIVE, ML()]),
    ("Làm hộ chiếu hết bao nhiêu tiền", [KEEPS, P(HC), NOT(HC), ANY("200.000", "200000"), ML()]),
)
conv(
    "impatient young man, abbreviations",
    "b",
    C,
    ("gặp cán bộ", [KEEPS, HOTLINE, HOURS, FAKE_LIVE, ML()]),
    ("alo", [KEEPS, ML()]),
    (
        "có ai ko",
        [
            KEEPS,
            ANY(
                "hotline",
                "đường dây nóng",
                "tổng đài",
                "số điện thoại",
                "giờ làm việc",
                "giờ hành chính",
                "mã yêu cầu",
                "mã số",
            ),
            ML(),
        ],
    ),
    ("thôi, cho hỏi gks cần j", [KEEPS, P(KS), NOT(KS), A("documents"), ML()]),
)
conv(
    "woman who gave up on the bot",
    "a",
    C,
    ("Tôi hỏi mãi không được, cho tôi nói chuyện với nhân viên.", [KEEPS, HOTLINE, HOURS, FAKE_LIVE, ML()]),
    ("Khi nào cán bộ trả lời tôi?", [KEEPS, HOURS, NONE("ngay lập tức", "trong giây lát"), ML()]),
)
conv(
    "man who wants his request number, no diacritics",
    "u",
    C,
    ("gặp cán bộ", [KEEPS, HOTLINE, FAKE_LIVE, ML()]),
    ("mã yêu cầu của tôi là gì", [KEEPS, REFNUM, ML()]),
)
conv(
    "office worker, abbreviations",
    "b",
    C,
    ("cho e gặp ng thật", [KEEPS, HOTLINE, FAKE_LIVE, ML()]),
    ("đổi cccd phí bn", [KEEPS, P(CCDOI), NOT(CCDOI), ANY("50.000", "50000"), ML()]),
)
conv(
    "expat, English",
    "a",
    C + ["english"],
    (
        "Can I talk to a human?",
        [KEEPS, ANY("hotline", "phone", "call", "working hours", "office hours"), FAKE_LIVE, ML()],
    ),
    ("How long does a passport take?", [KEEPS, P(HC), NOT(HC), ANY("8 working days", "8 days", "8 ngày"), ML()]),
)

# ================================================================ 16. an ID number typed into the chat
C = ["id_number_shared"]
conv(
    "woman waiting for her card",
    "a",
    C,
    (
        "Số CCCD của tôi là 001203004567, tra giúp tôi đã có căn cước chưa",
        [WARN_ID, ANY("VNeID"), ID_NO_ECHO("001203004567"), NONE("4 số cuối", "bốn số cuối"), ML()],
    ),
)
conv(
    "elderly man, no diacritics",
    "u",
    C,
    (
        "Số căn cước của tôi 036095001234 kiểm tra giúp xem thẻ làm xong chưa",
        [WARN_ID, ANY("VNeID"), ID_NO_ECHO("036095001234"), ML()],
    ),
)
conv(
    "young man, abbreviations",
    "b",
    C,
    ("cccd e 079301009876, check giùm đã có thẻ chưa ạ", [WARN_ID, ANY("VNeID"), ID_NO_ECHO("079301009876"), ML()]),
)
conv(
    "man waiting two weeks",
    "a",
    C,
    ("Tôi làm căn cước 2 tuần rồi chưa có.", [KEEPS, ML()]),
    ("Đây là số định danh của tôi: 038190012345", [WARN_ID, ANY("VNeID"), ID_NO_ECHO("038190012345"), ML()]),
)
conv(
    "woman with an old ID, no diacritics",
    "u",
    C,
    ("CMND cũ của tôi là 271234567, đổi sang căn cước được chưa", [WARN_ID, ID_NO_ECHO("271234567"), ML()]),
)
conv(
    "student, abbreviations",
    "b",
    C,
    ("sđt 0912345678, số cccd 001099012345, tra hồ sơ hộ chiếu giúp e", [WARN_ID, ID_NO_ECHO("001099012345"), ML()]),
)
conv(
    "expat, English",
    "a",
    C + ["english"],
    (
        "My ID number is 001203004567, can you check if my card is ready?",
        [WARN_ID, ANY("VNeID"), ID_NO_ECHO("001203004567"), ML()],
    ),
)

# ================================================================ 17. phone-sized answers (direct answer first, <= about 12 lines, no internal labels)
C = ["phone_size"]
conv(
    "woman moving house",
    "a",
    C,
    ("Cho tôi biết thông tin về thủ tục đăng ký thường trú", [P(TTR), NOT(TTR), A("info"), ML(), SAMPLE]),
)
conv("farmer, no diacritics", "u", C, ("Thủ tục cấp sổ đỏ lần đầu", [P(SD1), NOT(SD1), ML(), SAMPLE]))
conv(
    "founder, abbreviations",
    "b",
    C,
    ("tt đăng ký dn gồm những giấy tờ j", [P(DN), NOT(DN), A("documents"), ML(), SAMPLE]),
)
conv(
    "land buyer",
    "a",
    C,
    (
        "Đăng ký biến động đất đai khi mua đất thì phải nộp những khoản phí gì?",
        [P(SD2), NOT(SD2), A("fee"), ANY("lệ phí trước bạ"), ANY("thuế thu nhập cá nhân"), ML(), SAMPLE],
    ),
)
conv(
    "passport applicant, no diacritics",
    "u",
    C,
    ("Thông tin đầy đủ về thủ tục làm hộ chiếu", [P(HC), NOT(HC), ML(), SAMPLE]),
)
conv(
    "driver, abbreviations",
    "b",
    C,
    (
        "đổi gplx phí bn",
        [
            P(GPLX1),
            NOT(GPLX1),
            A("fee"),
            ANY("135.000", "cần kiểm tra", "chưa xác nhận", "kiểm tra mức hiện hành"),
            ML(),
            SAMPLE,
        ],
    ),
)
conv(
    "new father",
    "a",
    C,
    (
        "Liên thông khai sinh, thường trú, bảo hiểm y tế cho bé dưới 6 tuổi làm thế nào?",
        [P(LT1), NOT(LT1), A("steps"), ANY("VNeID", "dịch vụ công"), ML(), SAMPLE],
    ),
)


# ================================================================ extra conversations (style balance)
conv(
    "young man let down by ward staff, abbreviations",
    "b",
    ["complaint"],
    (
        "cb phường hẹn e 3 lần r vẫn chưa xong, e mún khiếu nại",
        [COMPLAINT, NORATING, REFNUM, COMPLAINT_ROUTE, NONE("3 sao", "3/5", "3 điểm"), ML()],
    ),
    ("lm hc ở đâu", [NORATING, P(HC), NOT(HC), A("where_to_submit"), ML()]),
)
conv(
    "land owner waiting, abbreviations",
    "b",
    ["complaint"],
    ("phản ánh: nộp hs đất 3 tháng r ko ai xử lý", [COMPLAINT, NORATING, REFNUM, NONE("3 sao", "3/5"), ML()]),
)
conv(
    "groom with a terse query, abbreviations",
    "b",
    ["confirm_affirm"],
    ("lệ phí dk ket hon", [P(KH), ML()]),
    ("đúng", [NONE("chưa xử lý được"), ML()]),
)
conv(
    "graduate with a terse query, abbreviations",
    "b",
    ["confirm_affirm"],
    ("tg lam lltp", [P(LLTP), ML()]),
    ("đúng vậy", [NONE("chưa xử lý được"), ML()]),
)
conv(
    "worker in a hurry, abbreviations",
    "b",
    ["human_handover"],
    ("e cần gặp cán bộ gấp", [KEEPS, HOTLINE, HOURS, FAKE_LIVE, ML()]),
    ("xin chào", [KEEPS, ML()]),
    ("gia hạn tạm trú cần j", [KEEPS, P(GHTT), NOT(GHTT), A("documents"), ML()]),
)
conv(
    "sceptical student, abbreviations",
    "b",
    ["other_question", "source"],
    ("đk tạm trú", [P(TAMTRU), NOT(TAMTRU), ML()]),
    ("nguồn ở đâu, link đâu", [NOT(TAMTRU), A("source"), ANY("dichvucong.gov.vn"), ML()]),
)
conv(
    "engaged mother-to-be, abbreviations",
    "b",
    ["comparison"],
    ("khai sinh vs kết hôn cái nào cần nhiều giấy hơn", [P(KS), P(KH), A("documents"), ML(15)]),
)
conv(
    "man moving for work, abbreviations",
    "b",
    ["compound_procedures"],
    (
        "đk thường trú, tạm trú, tạm vắng mỗi cái mấy ngày",
        [P(TTR), P(TAMTRU), P(TV), A("processing_time"), D7, D3, ANY("1 ngày làm việc", "01 ngày"), ML(15)],
    ),
)
conv(
    "traveller planning to drive abroad, abbreviations",
    "b",
    ["not_in_catalogue"],
    ("xin cấp bằng lái quốc tế ở đâu", [NOT_IN_CAT, NOT_OOS, ML()]),
)
conv("pupil, abbreviations", "b", ["out_of_scope"], ("giải hộ e bài tiếng anh lớp 9 vs", [OOS, ML()]))
conv(
    "couple renting a tiny room, abbreviations",
    "b",
    ["eligibility"],
    (
        "nhà đi thuê 10m2 ở 2 ng có nhập khẩu đc ko",
        [P(TTR), NOT(TTR), A("conditions"), ANY("diện tích tối thiểu", "8 m2", "08 m2", "8m2", "8 m²"), ML()],
    ),
)
conv(
    "mother of a 13-year-old, abbreviations",
    "b",
    ["variant_by_circumstance"],
    (
        "bé nhà e 13t làm cccd có phải đến ko",
        [
            P(CCU14),
            NOT(CCU14),
            ANY("đưa trẻ", "đưa con", "đưa bé", "đưa cháu", "vân tay", "sinh trắc", "mống mắt", "có mặt"),
            ML(),
        ],
    ),
)
conv(
    "grandson registering a death, abbreviations",
    "b",
    ["followup_stays_on_procedure", "hokhau_abolished"],
    ("đk khai tử cho bà", [P(KT), NOT(KT), ML()]),
    ("có cần sổ hk ko", [NOT(KT), HK1, HK2, ML()]),
)
conv(
    "farmer who lost his land certificate",
    "a",
    ["compound_aspects"],
    (
        "Cấp lại sổ đỏ bị mất thì nộp ở đâu, lệ phí bao nhiêu?",
        [
            P(SD3),
            NOT(SD3),
            A("where_to_submit", "fee"),
            ANY("văn phòng đăng ký đất đai"),
            ANY("HĐND", "hội đồng nhân dân"),
            ML(),
        ],
    ),
)
conv(
    "citizen who declines to rate",
    "a",
    ["form_exit"],
    ("Tôi muốn đánh giá.", [RATE_PROMPT, ML()]),
    ("Không", [NORATING, NO_RATE_PROMPT, ML()]),
)
conv(
    "relative of a foreigner who died",
    "a",
    ["other_question"],
    ("Đăng ký khai tử có yếu tố nước ngoài mất bao lâu?", [P(KTNN), NOT(KTNN), A("processing_time"), UNK, ML()]),
)

conv(
    "man who lost a paper, no diacritics",
    "u",
    ["variant_by_circumstance", "clarification"],
    ("Tôi muốn làm lại giấy tờ bị mất", [CLARIFY, ML()]),
    ("thẻ căn cước", [P(CCLAI), NOT(CCLAI), ML()]),
)
conv(
    "granddaughter of an 85-year-old, abbreviations",
    "b",
    ["variant_by_circumstance", "clarification"],
    ("xin trợ cấp", [CLARIFY, ML()]),
    ("cho ông ngoại 85t, ko có lương hưu", [P(NCT), NOT(NCT), ANY("80 tuổi"), ML()]),
)

# ================================================================ output
ALLOWED = {
    "mentions_procedure",
    "not_other_procedure",
    "answers_aspects",
    "contains_any",
    "contains_none",
    "says_not_in_catalogue",
    "says_out_of_scope",
    "asks_clarification",
    "records_complaint",
    "no_rating_recorded",
    "warns_not_to_share_id",
    "keeps_answering",
    "max_lines",
}
ASPECTS = {
    "info",
    "documents",
    "fee",
    "processing_time",
    "where_to_submit",
    "online",
    "steps",
    "legal_basis",
    "forms",
    "conditions",
    "result",
    "source",
}
ENGLISH_POINT = "english"


def validate(c):
    assert 1 <= len(c["turns"]) <= 6, c
    for t in c["turns"]:
        assert t["user"].strip() and t["checks"], c
        for ch in t["checks"]:
            assert ch["type"] in ALLOWED, ch
            if ch["type"] == "answers_aspects":
                assert set(ch["aspects"]) <= ASPECTS, ch
            if ch["type"] in ("contains_any", "contains_none"):
                assert ch["values"] and all(isinstance(v, str) and v for v in ch["values"]), ch


def main():
    path = os.path.join(HERE, "conversations_fresh.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for i, c in enumerate(CONVS, 1):
            validate(c)
            rec = {"id": "c%03d" % i, "persona": c["persona"], "style": c["style"]}
            if ENGLISH_POINT in c["points"] and c["style"] == "accented":
                # English text carries no Vietnamese diacritics; kept apart by "lang"
                rec["style"] = "unaccented"
            if ENGLISH_POINT in c["points"]:
                rec["lang"] = "en"
            rec["points"] = c["points"]
            rec["turns"] = c["turns"]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote %d conversations to %s" % (len(CONVS), path))


if __name__ == "__main__":
    main()
