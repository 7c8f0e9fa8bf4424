"""Buttons as numbered text, for channels that cannot show (all) buttons.

When a channel has to fall back to plain text (Zalo rejects a button template,
Messenger gets more options than quick replies allow, ...) the options are sent
as "1. Title\\n2. Title" and remembered per sender, so that a reply such as
"1", "số 2" or "2." can be turned back into the payload of that button.

Offers are kept in the replicas' shared state (``replica_state.py``: Redis
when ``REDIS_URL`` is set, so the "2" may reach any replica; else this process's
memory, bounded, with a TTL). Losing them (a restart without Redis) just means a
bare number reaches the bot as text, which it handles.
"""

import json
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Text

from bot.channels.replica_state import MemoryState

DEFAULT_MAX_SENDERS = 10_000
# Long enough to read a list and answer, short enough that a stale list does not
# hijack a number typed much later for another reason.
DEFAULT_TTL_SECONDS = 30 * 60

# "1", "2.", "3)", "số 2", "so 2", "chọn 1", "#2" (accents optional, any case).
_CHOICE_PATTERN = re.compile(
    r"^(?:(?:số|so|chọn|chon|lựa chọn|lua chon|phương án|phuong an|#)\s*)?" r"(\d{1,2})\s*[.)]?$"
)


@dataclass(frozen=True)
class Option:
    """One choice offered to the user."""

    title: Text
    payload: Text
    url: Optional[Text] = None

    @classmethod
    def from_button(cls, button: Dict[Text, Any]) -> "Option":
        title = str(button.get("title") or "").strip()
        url = button.get("url")
        # A button without payload (e.g. a link) answers with its title.
        payload = str(button.get("payload") or title)
        return cls(title=title, payload=payload, url=url)

    def line(self, number: int) -> Text:
        if self.url:
            return f"{number}. {self.title}: {self.url}"
        return f"{number}. {self.title}"


def options_from_buttons(buttons: Iterable[Dict[Text, Any]]) -> List[Option]:
    return [Option.from_button(button) for button in buttons]


def format_numbered(text: Optional[Text], options: List[Option]) -> Text:
    """Returns `text` followed by one numbered line per option.

    A single newline separates the text from the list so that channels which
    split messages on blank lines keep the list with its question.
    """
    lines = [option.line(number) for number, option in enumerate(options, start=1)]
    head = (text or "").strip()
    return "\n".join([head, *lines] if head else lines)


def parse_choice(reply: Optional[Text]) -> Optional[int]:
    """Returns the number chosen in `reply` ("số 2" -> 2), or None."""
    if not reply:
        return None
    normalised = unicodedata.normalize("NFC", reply).strip().lower()
    match = _CHOICE_PATTERN.match(normalised)
    return int(match.group(1)) if match else None


class NumberedOptions:
    """Remembers, per sender, the options last offered as numbered text."""

    def __init__(
        self,
        state: Any = None,
        namespace: Text = "offers",
        max_senders: int = DEFAULT_MAX_SENDERS,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # A channel passes its shared state and a namespace of its own.
        self._state = state if state is not None else MemoryState(max_senders, clock)
        self._namespace = namespace
        self._ttl = ttl_seconds

    def offer(self, sender_id: Text, text: Optional[Text], buttons: List[Dict[Text, Any]]) -> Text:
        """Remembers `buttons` for `sender_id` and returns the text to send."""
        options = options_from_buttons(buttons)
        stored = json.dumps([[o.title, o.payload, o.url] for o in options], ensure_ascii=False)
        self._state.put(self._namespace, sender_id, stored, self._ttl)
        return format_numbered(text, options)

    def resolve(self, sender_id: Text, reply: Optional[Text]) -> Optional[Text]:
        """Returns the payload chosen by `reply`, or None if it is not a choice.

        An offer answers only the next message of that sender: it is forgotten
        either way, so a number typed later (an age, a count) stays a number.
        """
        stored = self._state.take(self._namespace, sender_id)
        number = parse_choice(reply)
        if not stored or number is None:
            return None
        try:
            options = [Option(*item) for item in json.loads(stored)]
        except (ValueError, TypeError):
            return None
        if not 1 <= number <= len(options):
            return None
        return options[number - 1].payload

    def forget(self, sender_id: Text) -> None:
        self._state.delete(self._namespace, sender_id)
