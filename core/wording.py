"""Citizen-facing wording that is not a Rasa domain response: the one home of the bot's own Vietnamese.

Fixed replies live in the domain (bot/domain/*.yml); everything the code says to
a citizen lives here, so that it reads as one voice ("Dạ", "ạ", short, polite).
Pure constants, no I/O: placeholders such as ``{hotline}`` and ``{hours}`` are
filled by the callers from ``core.settings``, never written here.
tests/unit/core/test_wording.py fails when citizen-facing Vietnamese appears
anywhere else in the code.
"""

# --- Channels: a message refused, shortened or not understood (every channel alike) ---

SLOW_DOWN_REPLY = (
    "Dạ, anh/chị đang gửi tin nhắn nhanh quá nên em chưa kịp xử lý. "
    "Anh/Chị vui lòng đợi khoảng {seconds} giây rồi gửi lại giúp em ạ."
)
MESSAGE_TOO_LONG_NOTE = (
    "Dạ, tin nhắn dài hơn {limit} ký tự nên em chỉ đọc được phần đầu. "
    "Anh/Chị vui lòng gửi câu hỏi ngắn gọn hơn hoặc chia thành nhiều tin nhắn ạ."
)
SERVICE_UNAVAILABLE_REPLY = (
    "Dạ, em xin lỗi, hệ thống đang gặp sự cố nên em chưa trả lời được ngay. "
    "Anh/Chị vui lòng gửi lại tin nhắn sau ít phút hoặc gọi tổng đài hỗ trợ {hotline} ạ."
)
SERVICE_BUSY_REPLY = (
    "Dạ, hệ thống đang bận nên em trả lời chậm. Anh/Chị vui lòng đợi một chút rồi "
    "gửi lại tin nhắn, hoặc gọi tổng đài hỗ trợ {hotline} ạ."
)

# The procedure search of the HTTP API (GET /api/procedures?q=...): a query over the length limit.
SEARCH_QUERY_TOO_LONG = "Nội dung tìm kiếm dài quá {limit} ký tự, vui lòng rút gọn."

# The answer to an image, file, sticker, voice note, location... Only text is understood for now.
UNSUPPORTED_MEDIA_REPLY = (
    "Xin lỗi, hiện tại tôi mới chỉ đọc được tin nhắn dạng chữ. "
    "Anh/Chị vui lòng nhập câu hỏi bằng chữ để được hỗ trợ ạ."
)

# --- Dossiers: the Vietnamese wording of each status (the statuses themselves are its keys) ---

STATUS_LABELS_VI: dict[str, str] = {
    "received": "đã tiếp nhận",
    "processing": "đang xử lý",
    "supplement_required": "cần bổ sung hồ sơ",
    "completed": "đã có kết quả, chờ trả",
    "returned": "đã trả kết quả",
    "rejected": "không giải quyết",
    "cancelled": "đã hủy",
}

# --- Answers built from catalogue and store data (actions) ---

ONLINE_LEVEL = {
    "toan_trinh": "Có thể nộp trực tuyến toàn trình (nộp, theo dõi và nhận kết quả qua mạng)",
    "mot_phan": "Có thể nộp trực tuyến một phần (nộp hồ sơ qua mạng, một số bước vẫn phải đến trực tiếp)",
    "none": "Thủ tục này hiện chưa nộp trực tuyến được, anh/chị nộp trực tiếp hoặc qua bưu chính (nếu có)",
}

# "Dạ, {title} của thủ tục ..." for each question.
ASPECT_TITLE = {
    "ask_procedure_info": "thông tin",
    "ask_documents": "giấy tờ cần chuẩn bị",
    "ask_fee": "phí, lệ phí",
    "ask_processing_time": "thời hạn giải quyết",
    "ask_where_to_submit": "nơi nộp hồ sơ",
    "ask_steps": "trình tự thực hiện",
    "ask_online": "cách nộp trực tuyến",
}

NEXT_QUESTION_BUTTONS = [
    ("Giấy tờ", "ask_documents"),
    ("Lệ phí", "ask_fee"),
    ("Thời gian", "ask_processing_time"),
    ("Nộp ở đâu", "ask_where_to_submit"),
    ("Nộp trực tuyến", "ask_online"),
    ("Các bước", "ask_steps"),
]

HEADER = 'Dạ, {title} của thủ tục "{name}" (mã {code}):'
UPDATED = "Thông tin cập nhật ngày {date}."
SOURCE = "Xem chi tiết: {url}"
UNKNOWN_FACT = (
    'Dạ, cơ sở dữ liệu của em chưa có thông tin {what} đã được kiểm chứng cho thủ tục "{name}" (mã {code}). '
    "Anh/chị vui lòng kiểm tra trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn) hoặc hỏi Bộ phận Một cửa nơi nộp hồ sơ ạ."
)
UNKNOWN_WHAT = {
    "ask_documents": "thành phần hồ sơ",
    "ask_fee": "lệ phí",
    "ask_processing_time": "thời hạn giải quyết",
    "ask_where_to_submit": "nơi nộp hồ sơ",
    "ask_steps": "trình tự thực hiện",
}

DOCUMENT_COUNTS = {
    (True, True): " (bản chính: {originals}, bản sao: {copies})",
    (True, False): " (bản chính: {originals})",
    (False, True): " (bản sao: {copies})",
}
DOCUMENT_CASE = " — {case}"
FEE_CHANNEL = "{channel}: {text}"
FEE_BASIS = "Căn cứ: {basis}."
METHOD_LINE = "{channel}: {detail}"
AGENCY = "Cơ quan giải quyết: {agency}."
LEVELS = "Cấp thực hiện: {levels}."
RESULT = "Kết quả: {result}."
PROCESSING_TIME = "Thời hạn giải quyết: {time}."
ONLINE_LINK = "Nộp trực tuyến tại: {url}"
FEE_SUMMARY = "Lệ phí: {text}."
FEE_UNKNOWN = "Lệ phí: chưa có thông tin đã kiểm chứng."

CLARIFY = 'Dạ, "{mention}" có thể là một trong các thủ tục sau. Anh/chị chọn giúp em thủ tục đúng nhé:'
NO_MATCH_SUGGEST = (
    "Dạ, em chưa tìm thấy đúng thủ tục anh/chị hỏi. Có phải anh/chị muốn hỏi một trong các thủ tục sau không ạ?"
)

# Graded fallback: what each intent means, to ask "did you mean ...?"
INTENT_LABEL = {
    "ask_procedure_info": "Thông tin về thủ tục",
    "ask_documents": "Giấy tờ cần chuẩn bị",
    "ask_fee": "Lệ phí",
    "ask_processing_time": "Thời gian giải quyết",
    "ask_where_to_submit": "Nơi nộp hồ sơ",
    "ask_steps": "Các bước thực hiện",
    "ask_online": "Nộp hồ sơ trực tuyến",
    "check_dossier_status": "Tra cứu tình trạng hồ sơ",
    "request_human": "Gặp cán bộ hỗ trợ",
    "give_feedback": "Góp ý, phản ánh",
    "ask_support_point": "Điểm hỗ trợ, giờ làm việc",
}
CONFIRM_ONE = 'Dạ, có phải anh/chị muốn hỏi về "{label}"{about} không ạ?'
CONFIRM_ABOUT = ' của thủ tục "{name}"'
CONFIRM_MANY = "Dạ, em chưa chắc đã hiểu đúng. Anh/chị muốn hỏi về:"
YES_NO_BUTTONS = [("Đúng vậy", "/affirm"), ("Không phải", "/deny")]

HANDOFF = (
    "Dạ, em đã chuyển yêu cầu của anh/chị cho cán bộ hỗ trợ, mã yêu cầu: {reference}.\n"
    "Cán bộ sẽ trả lời ngay tại đây trong giờ làm việc. Nếu cần gấp, anh/chị gọi tổng đài {hotline}."
)
HANDOFF_HOURS = "Giờ làm việc: {hours}."
SUPPORT_POINT = "{index}. {name}\n   Địa chỉ: {address}\n   Giờ làm việc: {hours}"
SUPPORT_POINT_PHONE = "\n   Điện thoại: {phone}"
SUPPORT_POINTS_HEADER = "Dạ, anh/chị có thể đến các nơi sau để được hỗ trợ làm thủ tục, kể cả nộp hồ sơ trực tuyến:"
SUPPORT_POINTS_FOOTER = "Tổng đài hỗ trợ Cổng Dịch vụ công quốc gia: {hotline}."
FEEDBACK_SAVED = (
    "Dạ, em cảm ơn anh/chị đã đánh giá {rating}/5. Ý kiến của anh/chị đã được ghi nhận để cải thiện dịch vụ ạ."
)

DOSSIER_STATUS = "Dạ, hồ sơ {code}{procedure}: {status}."
DOSSIER_PROCEDURE = " ({name})"
DOSSIER_RECEIVED = "Ngày tiếp nhận: {date}."
DOSSIER_DUE = "Ngày hẹn trả kết quả: {date}."
DOSSIER_RETURNED = "Đã trả kết quả ngày {date}."
DOSSIER_OVERDUE = (
    "Hồ sơ đã quá hạn hẹn trả. Em thành thật xin lỗi anh/chị vì sự chậm trễ này; "
    "anh/chị có thể gọi tổng đài {hotline} hoặc liên hệ Bộ phận Một cửa để được giải quyết sớm."
)
DOSSIER_NOTE = "Ghi chú của cơ quan giải quyết: {note}"
DOSSIER_NEXT = {
    "received": "Hồ sơ đang chờ chuyển xử lý, anh/chị chưa cần làm gì thêm.",
    "processing": "Hồ sơ đang được giải quyết, anh/chị chưa cần làm gì thêm.",
    "supplement_required": "Anh/chị cần bổ sung giấy tờ theo ghi chú trên và nộp lại tại nơi đã nộp hồ sơ (hoặc trên Cổng Dịch vụ công nếu nộp trực tuyến).",
    "completed": "Anh/chị mang giấy tiếp nhận và căn cước đến Bộ phận Một cửa để nhận kết quả; nếu đã đăng ký nhận qua bưu chính, kết quả sẽ được gửi đến địa chỉ của anh/chị.",
    "returned": "Kết quả đã được trả. Nếu chưa nhận được, anh/chị liên hệ Bộ phận Một cửa giúp em.",
    "rejected": "Lý do được ghi trong văn bản trả lời của cơ quan giải quyết; anh/chị có thể liên hệ Bộ phận Một cửa để được hướng dẫn.",
    "cancelled": "Nếu cần, anh/chị có thể nộp lại hồ sơ mới.",
}
