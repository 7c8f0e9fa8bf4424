"""Messaging channels (Facebook Messenger, Zalo OA) for the Rasa server.

Enabled through credentials.yml; see README.md in this folder. This module
holds the few things all channels share.
"""

from typing import List, Text

# User-facing (Vietnamese): the answer to an image, file, sticker, voice note,
# location... Only text is understood for now. Shared by all channels so the
# wording stays the same everywhere.
UNSUPPORTED_MEDIA_REPLY = (
    "Xin lỗi, hiện tại tôi mới chỉ đọc được tin nhắn dạng chữ. "
    "Anh/Chị vui lòng nhập câu hỏi bằng chữ để được hỗ trợ ạ."
)


def truncate(text: Text, limit: int) -> Text:
    """Cuts `text` to `limit` characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_text(text: Text, limit: int) -> List[Text]:
    """Splits `text` into pieces of at most `limit` characters, at a line break
    or a space when possible, so that long answers are not rejected."""
    pieces: List[Text] = []
    rest = (text or "").strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
