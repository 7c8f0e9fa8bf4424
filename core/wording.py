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
    "Dạ, em chưa tìm thấy đúng thủ tục anh/chị hỏi. Có phải anh/chị muốn hỏi một trong các thủ tục sau không ạ? "
    "Nếu không phải, có thể thủ tục đó chưa có trong cơ sở dữ liệu của em: anh/chị hỏi Bộ phận Một cửa "
    "hoặc xem dichvucong.gov.vn ạ."
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

# A hand-over: how and when a person answers, truthfully (staff answer here once they take the request,
# services/live_handover.py; nobody promises "at once"), and that the assistant keeps answering meanwhile.
HANDOFF = (
    "Dạ, em đã ghi nhận yêu cầu gặp cán bộ của anh/chị, mã yêu cầu: {reference}.\n"
    "Cán bộ sẽ nhắn anh/chị tại khung chat này khi nhận yêu cầu, trong giờ làm việc. Cần gấp, anh/chị "
    "gọi tổng đài {hotline} và đọc mã yêu cầu trên.\n"
    "Trong lúc chờ, em vẫn trả lời các câu hỏi về thủ tục ạ."
)
HANDOFF_AGAIN = (
    "Dạ, yêu cầu gặp cán bộ của anh/chị đã được ghi nhận, mã yêu cầu: {reference}. "
    "Cán bộ sẽ nhắn tại đây khi nhận yêu cầu, trong giờ làm việc; cần gấp, anh/chị gọi tổng đài {hotline} "
    "và đọc mã yêu cầu."
)
HANDOFF_DEFAULT_HOURS = "giờ hành chính, Thứ Hai đến Thứ Sáu"
HANDOFF_ENGLISH = (
    "Your request for a person is recorded, reference {reference}. A staff member will write to you here when "
    "they take it, during working hours ({hours}); if it is urgent, call the hotline {hotline} and give the "
    "reference. Meanwhile I keep answering questions about procedures (in Vietnamese)."
)
HANDOFF_HOURS = "Giờ làm việc: {hours}."
SUPPORT_POINT = "{index}. {name}\n   Địa chỉ: {address}\n   Giờ làm việc: {hours}"
SUPPORT_POINT_PHONE = "\n   Điện thoại: {phone}"
SUPPORT_POINTS_HEADER = "Dạ, anh/chị có thể đến các nơi sau để được hỗ trợ làm thủ tục, kể cả nộp hồ sơ trực tuyến:"
SUPPORT_POINTS_FOOTER = "Tổng đài hỗ trợ Cổng Dịch vụ công quốc gia: {hotline}."
SUPPORT_POINTS_NONE = (
    "Dạ, anh/chị đến Bộ phận Một cửa của UBND xã/phường nơi cư trú hoặc Trung tâm Phục vụ hành chính công "
    "của tỉnh; cán bộ ở đó hướng dẫn thủ tục và hỗ trợ nộp hồ sơ trực tuyến, trong giờ hành chính các ngày làm việc ạ."
)
# Complaints (khiếu nại, phản ánh, kiến nghị): recorded for staff with a reference; where formal ones go.
COMPLAINT_RECORDED = (
    "Dạ, em đã ghi nhận phản ánh của anh/chị và chuyển cho cán bộ phụ trách, mã phản ánh: {reference}.\n"
    "Cán bộ xem xét trong giờ làm việc; cần gấp, anh/chị gọi tổng đài {hotline} và đọc mã trên.\n"
    "Để gửi khiếu nại, kiến nghị chính thức, anh/chị dùng mục Phản ánh, kiến nghị trên Cổng Dịch vụ công "
    "quốc gia (dichvucong.gov.vn) hoặc nộp đơn tại Bộ phận Một cửa nơi giải quyết hồ sơ ạ."
)
COMPLAINT_RECORDED_ENGLISH = (
    "Your complaint is recorded and passed to the staff in charge, reference {reference}. They review it during "
    "working hours; if it is urgent, call the hotline {hotline} and give the reference. A formal complaint or "
    "petition goes through the Feedback section of the National Public Service Portal (dichvucong.gov.vn) or, in "
    "writing, to the one-stop desk that handles your file."
)
FEEDBACK_LEFT = "Dạ, em đã dừng phần đánh giá, không ghi nhận điểm nào ạ. Anh/chị cần hỏi gì thêm cứ nhắn em nhé."
DOSSIER_LOOKUP_LEFT = (
    'Dạ, em đã dừng tra cứu. Khi cần tra lại, anh/chị nhắn "tra cứu hồ sơ" ạ. '
    "Anh/chị cần hỏi gì thêm cứ nhắn em nhé."
)
# An identity number typed into the chat: never echoed, and where the citizen checks it instead.
ID_NUMBER_WARNING = (
    "Dạ, anh/chị vui lòng không gửi số căn cước/CCCD, CMND hay số định danh vào khung chat này để bảo vệ "
    "thông tin cá nhân. Em không tra cứu theo số căn cước.\n"
    "Để xem thẻ căn cước đã làm xong chưa, anh/chị xem trên ứng dụng VNeID hoặc hỏi Công an nơi đã làm thủ tục; "
    "hồ sơ nộp trên Cổng Dịch vụ công thì tra theo mã hồ sơ ạ."
)
ID_NUMBER_WARNING_ENGLISH = (
    "Please do not share ID card numbers in this chat. I cannot look up a card by its number: "
    "check it in the VNeID app or ask the police office where you applied."
)
# A real administrative procedure that the catalogue does not hold (yet): not "out of scope".
NOT_IN_CATALOGUE = (
    "Dạ, thủ tục anh/chị hỏi chưa có trong cơ sở dữ liệu của em (em chưa được cập nhật thủ tục này), "
    "nên em chưa trả lời chắc chắn được.\n"
    "Anh/chị tra trên Cổng Dịch vụ công quốc gia (dichvucong.gov.vn), hỏi Bộ phận Một cửa của UBND xã/phường "
    "hoặc gọi tổng đài {hotline} ạ."
)
# English: what the assistant does, in a few lines.
ENGLISH_CAPABILITIES = (
    "Hello! I am a virtual assistant for Vietnamese administrative procedures (public services): "
    "the documents, fees, processing time and where to apply, and the status of a submitted dossier. "
    "I answer from the official procedure catalogue, in Vietnamese. "
    "For a person, call the hotline {hotline} during working hours."
)
ENGLISH_ANSWER_LEAD = "Here is what the catalogue says about {topic} for {procedure} (in Vietnamese):"
ENGLISH_TOPIC = {
    "ask_procedure_info": "the procedure",
    "ask_documents": "the documents to bring",
    "ask_fee": "the fee",
    "ask_processing_time": "the processing time",
    "ask_where_to_submit": "where to apply",
    "ask_steps": "the steps",
    "ask_online": "applying online",
}
# The direct answer in English, read from the record's figures; the details follow in Vietnamese.
ENGLISH_FREE = "In short: free of charge (no fee)."
ENGLISH_FREE_SOME = "In short: free of charge (no fee) in some cases, marked below; other cases as listed."
ENGLISH_FEE_AMOUNTS = "In short: {amounts} VND, depending on the case below."
ENGLISH_FEE_AMOUNT = "In short: {amounts} VND."
ENGLISH_SAME_DAY = "In short: the same day, as a rule (exceptions below)."
ENGLISH_WITHIN_DAYS = "In short: within {days} days, as a rule (the exact rule below)."
ENGLISH_NOT_IN_CATALOGUE = (
    "This is an administrative procedure that my catalogue does not hold yet. Please check the National Public "
    "Service Portal (dichvucong.gov.vn) or ask the one-stop desk of the local People's Committee; hotline {hotline}."
)
ENGLISH_OUT_OF_SCOPE = (
    "Sorry, I only help with administrative procedures and public services (documents, fees, processing time, "
    "where to apply, dossier status), so I cannot answer this."
)
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

# --- The whole question (actions/compound.py): several aspects or procedures, "có cần X không",
# eligibility, legal basis, forms, source; every fact is the catalogue record's own text.
SECTION_TITLE = {
    "documents": "Giấy tờ cần chuẩn bị",
    "fee": "Phí, lệ phí",
    "time": "Thời hạn giải quyết",
    "where": "Nơi nộp hồ sơ",
    "steps": "Các bước thực hiện",
    "online": "Nộp trực tuyến",
    "result": "Kết quả nhận được",
    "pickup": "Nhận kết quả",
    "legal_basis": "Căn cứ pháp lý",
    "forms": "Mẫu đơn, tờ khai",
    "decision": "Quyết định công bố",
    "source": "Nguồn thông tin",
    "eligibility": "Đối tượng, điều kiện",
    "need": "Giấy tờ anh/chị hỏi",
}
# The record's fields, named as the national portal's page names them (quoted with the passage).
FIELD_LABEL = {
    "subjects": "Đối tượng thực hiện",
    "conditions": "Yêu cầu, điều kiện thực hiện",
    "result": "Kết quả thực hiện",
    "documents": "Thành phần hồ sơ",
    "steps": "Trình tự thực hiện",
    "fees": "Phí, lệ phí",
    "methods": "Cách thức thực hiện",
    "legal_basis": "Căn cứ pháp lý",
    "processing_time": "Thời hạn giải quyết",
    "agency": "Cơ quan thực hiện",
    "decision": "Quyết định công bố",
    "source_url": "Trang thủ tục trên Cổng Dịch vụ công quốc gia",
}
COMPOUND_HEADER = 'Dạ, em trả lời lần lượt từng ý về thủ tục "{name}" (mã {code}):'
MULTI_HEADER = "Dạ, em trả lời lần lượt từng thủ tục anh/chị hỏi:"
SECTION = "▸ {title}:"
SECTION_OF = '▸ {title} — "{name}" (mã {code}):'
SECTION_UNKNOWN = "Cơ sở dữ liệu của em chưa có thông tin này đã được kiểm chứng."
MORE_LINES = "… (còn {count} mục, bấm nút bên dưới để xem)"
# A compound reply's sections: the direct answer beside its title, one line for what the buttons hold.
SECTION_INLINE = "▸ {title}: {text}"
SECTIONS_MORE = "Xem thêm ở nút “Xem đầy đủ” bên dưới ạ."
METHODS_DIGEST = "Hình thức nộp: {channels}."
FULL_BUTTON = "Xem đầy đủ"
FULL_BUTTON_OF = "Xem đầy đủ: {title}"
FIELD_QUOTE = 'Dạ, theo mục "{field}" của thủ tục "{name}" (mã {code}):'
# "Lấy kết quả ở đâu" answered by the steps that hand the result over: the header says what it answers.
PICKUP_QUOTE = 'Dạ, nơi nhận kết quả, theo mục "{field}" của thủ tục "{name}" (mã {code}):'
# "Lấy kết quả ở đâu" when the record says nothing of the hand-over: where the dossier is handled, said as such.
PICKUP_AT_AGENCY = (
    'Dạ, hồ sơ thủ tục "{name}" (mã {code}) không nêu riêng nơi nhận kết quả; '
    'kết quả do cơ quan giải quyết trả (mục "{field}"):'
)
# "Có thời hạn không", "dùng được bao lâu" when the record's result states no period of validity.
VALIDITY_NOT_SAID = "Hồ sơ thủ tục không nêu thời hạn sử dụng của kết quả; anh/chị hỏi {who} ạ."
FIELD_NOT_SAID = (
    'Dạ, hồ sơ thủ tục "{name}" (mã {code}) trong cơ sở dữ liệu của em chưa có thông tin về {what}. '
    "Anh/chị hỏi {who} hoặc xem trang thủ tục trên Cổng Dịch vụ công quốc gia ạ."
)
FIELD_WHAT = {
    "result": "kết quả nhận được",
    "pickup": "nơi, cách nhận kết quả",
    "legal_basis": "căn cứ pháp lý",
    "forms": "mẫu đơn, tờ khai",
    "decision": "số quyết định công bố",
    "source": "nguồn thông tin",
    "eligibility": "đối tượng, điều kiện thực hiện",
    "other": "nội dung anh/chị hỏi",
}
DEFAULT_WHO = "Bộ phận Một cửa nơi nộp hồ sơ"
SOURCE_ANSWER = (
    'Dạ, nguồn thông tin thủ tục "{name}" (mã {code}) là Cơ sở dữ liệu quốc gia về thủ tục hành chính, '
    "trang thủ tục trên Cổng Dịch vụ công quốc gia:"
)
SOURCE_NO_LINK = (
    'Dạ, nguồn thông tin thủ tục "{name}" (mã {code}) là cơ sở dữ liệu thủ tục hành chính địa phương; '
    "em chưa có thông tin về đường dẫn đến trang của thủ tục trên Cổng Dịch vụ công quốc gia. Anh/chị hỏi {who} để đối chiếu ạ."
)
DECISION_LINE = "Số quyết định công bố: {decision}."
NEED_YES = 'Dạ, có. Thành phần hồ sơ của "{name}" (mã {code}) gồm:'
NEED_YES_CASE = 'Dạ, chỉ trong một số trường hợp. Thành phần hồ sơ của "{name}" (mã {code}) ghi:'
NEED_ONLY_CASE = " (chỉ khi: {case})"
NEED_NO = 'Dạ, không cần. Thành phần hồ sơ của "{name}" (mã {code}) không có "{item}".'
NEED_NOT_SAID = 'Dạ, "{item}" không có trong hồ sơ thủ tục "{name}" (mã {code}): thủ tục không nêu việc này.'
NEED_PASSAGE = '- Mục "{field}": {text}'
NEED_WHAT_IS = "Giấy tờ thủ tục yêu cầu:"
HOUSEHOLD_BOOK = (
    'Dạ, thủ tục "{name}" (mã {code}) không cần sổ hộ khẩu ạ. Sổ hộ khẩu đã hết giá trị sử dụng từ ngày '
    "01/01/2023 (Luật Cư trú 2020, khoản 3 Điều 38); thông tin cư trú nay được tra trong Cơ sở dữ liệu quốc gia về dân cư."
)
HOUSEHOLD_BOOK_NOT_ISSUED = (
    "Sổ hộ khẩu không còn được cấp: sổ đã hết giá trị sử dụng từ ngày 01/01/2023 (Luật Cư trú 2020, khoản 3 Điều 38)."
)
ELIGIBILITY_HEADER = 'Dạ, theo hồ sơ thủ tục "{name}" (mã {code}):'
# The record forbids what the citizen asked ("… không được ủy quyền"): the answer first, then the rule.
ELIGIBILITY_HEADER_NO = 'Dạ, không được ạ. Hồ sơ thủ tục "{name}" (mã {code}) ghi rõ:'
ELIGIBILITY_SUBJECTS = "Đối tượng thực hiện: {text}"
ELIGIBILITY_CONDITIONS = "Điều kiện: {text}"
ELIGIBILITY_RELEVANT = 'Mục "{field}" ghi: {text}'
ELIGIBILITY_CHECK = "Anh/chị đối chiếu trường hợp của mình với các điều kiện trên; khi chưa chắc, hỏi {who} ạ."
ELIGIBILITY_UNDECIDED = (
    "Hồ sơ thủ tục không nêu rõ trường hợp anh/chị hỏi, nên em không khẳng định được; anh/chị hỏi {who} ạ."
)
ELIGIBILITY_NOT_SAID = (
    'Dạ, hồ sơ thủ tục "{name}" (mã {code}) chưa ghi đối tượng, điều kiện thực hiện. Anh/chị hỏi {who} ạ.'
)
CASE_STATED = "Giấy tờ cho trường hợp anh/chị nêu:"
SITUATION_HEADER = 'Dạ, về trường hợp anh/chị nêu, hồ sơ thủ tục "{name}" (mã {code}) ghi:'
# The documents depend on the citizen's case, which the message does not state: one short question.
CASE_ASK = "Giấy tờ còn lại tùy trường hợp. Anh/chị thuộc trường hợp nào ạ? (bấm để xem giấy tờ của trường hợp đó)"
CASE_ASK_ONLY_FORM = "Giấy tờ luôn cần:"
ASK_AGE_VARIANT = "Dạ, thủ tục này khác nhau theo tuổi của người được cấp. Anh/chị làm cho người bao nhiêu tuổi ạ?"
ASK_REGISTER = (
    "Dạ, mất giấy khai sinh, giấy đăng ký kết hôn hay trích lục khai tử: nếu sổ hộ tịch nơi đã đăng ký vẫn còn lưu, "
    "anh/chị xin cấp bản sao trích lục; nếu sổ cũng mất thì đăng ký lại. Sổ nơi anh/chị đã đăng ký còn lưu không ạ?"
)
ASK_REISSUE_CAUSE = (
    "Dạ, làm lại giấy tờ này là một trong hai thủ tục: giấy bị mất thì cấp lại; giấy bị hỏng, hết hạn hoặc"
    " sai thông tin thì cấp đổi. Giấy của anh/chị bị mất hay bị hỏng ạ?"
)
CASE_ALWAYS = "Giấy tờ luôn cần:"
CASE_OTHERS = "Còn {count} giấy tờ cho các trường hợp khác (bấm nút bên dưới để xem)."
LACKED_HEADER = 'Dạ, khi không có giấy tờ đó, hồ sơ thủ tục "{name}" (mã {code}) ghi:'
# "hồ sơ có khác gì không" once the variant is picked: what its list has that the other's does not.
DIFFERENCE_HEADER = 'Dạ, so với {base}, hồ sơ thủ tục "{name}" (mã {code}) có thêm:'
LACKED_CHECK = "Khi chưa rõ giấy tờ nào thay được, anh/chị hỏi {who} trước khi nộp ạ."
LACKED_OTHERS = "Các giấy tờ khác cần nộp:"
COMPARE_HEADER = "Dạ, so sánh theo cơ sở dữ liệu thủ tục:"
COMPARE_TIME = '- "{name}" (mã {code}): {time}'
COMPARE_FEE = '- "{name}" (mã {code}): {fees}'
COMPARE_DOCUMENTS = '- "{name}" (mã {code}): {count} loại giấy tờ'
COMPARE_FASTER = 'Nhanh hơn: "{name}".'
COMPARE_SAME = "Thời hạn giải quyết như nhau."
COMPARE_CHEAPER = 'Rẻ hơn: "{name}".'
COMPARE_SAME_FEE = "Phí, lệ phí như nhau."
COMPARE_FEE_UNDECIDED = "Phí, lệ phí tùy trường hợp, em không so được chung một mức; anh/chị xem từng mức ở trên ạ."
COMPARE_UNDECIDED = (
    "Thời hạn không ghi bằng con số nên em không so sánh chắc chắn được; anh/chị xem thời hạn từng thủ tục ở trên ạ."
)
COMPARE_TIME_UNKNOWN = "chưa có thông tin"
OTHER_PASSAGE = 'Dạ, về câu anh/chị hỏi, mục "{field}" của thủ tục "{name}" (mã {code}) ghi:'
ASK_WHICH_FOR = "Dạ, anh/chị hỏi {what} của thủ tục nào ạ? Anh/chị nhắn tên thủ tục giúp em nhé."
NEED_ALTERNATIVE = " ({case})"

# Live hand-over (services/live_handover.py): what the citizen is told when staff take, answer or hand back
# the conversation, and the truthful notice when nobody takes it in time or outside office hours.
LIVE_STAFF_JOINED = "Dạ, cán bộ {name} đã tiếp nhận yêu cầu {reference} và sẽ trả lời anh/chị ngay tại đây ạ."
LIVE_STAFF_MESSAGE = "Cán bộ {name}: {text}"
LIVE_STAFF_LEFT = (
    "Dạ, cán bộ đã kết thúc hỗ trợ yêu cầu {reference}. Em là trợ lý tự động, "
    "anh/chị cần hỏi thêm về thủ tục cứ nhắn cho em ạ."
)
LIVE_NOBODY_FREE = (
    "Dạ, hiện chưa có cán bộ nào nhận được yêu cầu {reference} của anh/chị. Anh/chị gọi tổng đài {hotline} "
    "và đọc mã yêu cầu để được hỗ trợ; cán bộ nhận yêu cầu sẽ trả lời ngay tại đây ạ. "
    "Trong lúc chờ, em vẫn trả lời các câu hỏi về thủ tục."
)
LIVE_OUT_OF_HOURS = (
    "Dạ, hiện ngoài giờ làm việc ({hours}) nên chưa có cán bộ trả lời yêu cầu {reference} của anh/chị. "
    "Anh/chị gọi tổng đài {hotline} trong giờ làm việc và đọc mã yêu cầu; cán bộ sẽ trả lời tại đây "
    "khi vào làm việc ạ. Trong lúc chờ, em vẫn trả lời các câu hỏi về thủ tục."
)
LIVE_ANSWER = "Dạ, cán bộ trả lời yêu cầu {reference} của anh/chị:\n{answer}"
LIVE_WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
LIVE_DAY_RANGE = "{first} đến {last}"
LIVE_HOURS_JOIN = " và "
SOURCE_SHORT = "Nguồn: {site}."
SOURCE_BUTTON = "Trang thủ tục (nguồn)"
SOURCE_SHORT_DATED = "Cập nhật {date}, nguồn {site}."
FEE_NAMED = "{name}: {text}"
# In a section of a compound answer the amount leads, so that a line cut for the phone keeps it.
FEE_AMOUNT_FIRST = "{text} ({name})"
NEED_SAID = 'Dạ, về "{item}", hồ sơ thủ tục "{name}" (mã {code}) ghi:'
