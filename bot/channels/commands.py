"""What a citizen may type on a public channel: no Rasa commands, no forged payloads.

Rasa reads a message starting with ``/`` as an intent given outright, with
entities in JSON: ``/check_dossier_status{"dossier_code": "..."}`` skips the
language understanding, and Rasa's own ``/restart`` or ``/session_start``
clear the conversation (and, before, its 3-strike digits lock). On the
public channels (REST, socket.io, Zalo, Messenger) :func:`public_text` lets
a ``/...`` message through as a command only when it is what the bot's own
buttons send (``bot/domain/*.yml``, ``actions/``):

- the intent is one of the domain's intents (not Rasa's default ones:
  ``restart``, ``session_start``, ``back``, ``stop``, ``nlu_fallback``...);
- its entities, if any, are only ``procedure`` with a short code value
  (``/ask_documents{"procedure": "1.001193"}``).

Such a command is passed on rewritten in one canonical form (JSON escapes
decoded). Anything else starting with ``/`` loses its leading slashes and is
read as plain text, so ``/restart`` gets the bot's ordinary answer.

:func:`lookup_text` is what the dossier-lookup rate limit must search for a
code: the text plus the decoded JSON strings in it, so a code hidden with
escapes (``000\\u002e00...``) is counted too.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, FrozenSet, Iterable, Iterator, Optional, Set

import yaml

DOMAIN_DIR = Path(__file__).resolve().parents[1] / "domain"

# Entities a button payload may carry, and what their value may look like.
PAYLOAD_ENTITIES = {"procedure": re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")}

_COMMAND = re.compile(r"/([A-Za-z_][A-Za-z0-9_]{0,63})(\{.*\})?", re.DOTALL)
_LEADING_SLASHES = re.compile(r"^[\s/]+")


@lru_cache(maxsize=None)
def domain_intents(domain_dir: Path = DOMAIN_DIR) -> FrozenSet[str]:
    """The intents declared in the bot's domain files (Rasa's default intents are not declared)."""
    intents: Set[str] = set()
    for path in sorted(domain_dir.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
            intents.update(item if isinstance(item, dict) else [item])
    return frozenset(str(intent) for intent in intents)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested input
        return None


def _allowed_entities(entities: Any) -> bool:
    return isinstance(entities, dict) and all(
        name in PAYLOAD_ENTITIES and isinstance(value, str) and PAYLOAD_ENTITIES[name].fullmatch(value)
        for name, value in entities.items()
    )


def public_text(text: str, allowed_intents: Optional[Iterable[str]] = None) -> str:
    """``text`` as the bot may read it from a citizen on a public channel.

    A button payload (a domain intent, with at most a ``procedure`` entity) comes back in
    canonical form; any other ``/...`` text comes back without its leading slashes (and
    white space), so that Rasa reads it as an ordinary message; other text is unchanged.
    ``allowed_intents`` defaults to the intents of ``bot/domain``.
    """
    text = "" if text is None else str(text)
    stripped = text.strip()  # Rasa strips too before looking for the "/"
    if not stripped.startswith("/"):
        return text
    intents = domain_intents() if allowed_intents is None else frozenset(allowed_intents)
    match = _COMMAND.fullmatch(stripped)
    if match and match.group(1) in intents:
        intent, raw_entities = match.group(1), match.group(2)
        if raw_entities is None:
            return f"/{intent}"
        entities = _json(raw_entities)
        if _allowed_entities(entities):
            return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")
    return _LEADING_SLASHES.sub("", stripped)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def lookup_text(text: str) -> str:
    """``text`` and the decoded strings of the JSON object it may carry, for the lookup limit.

    The JSON starts at the first ``{`` (Rasa's payload syntax); json.loads is linear, and the
    text has already been cut to the channel's maximum length.
    """
    text = "" if text is None else str(text)
    start = text.find("{")
    if start < 0:
        return text
    try:
        decoded, _ = json.JSONDecoder().raw_decode(text, start)  # what follows the object is ignored
    except (ValueError, RecursionError):
        return text
    return "\n".join([text, *_strings(decoded)])
