"""Session tokens of the web widget: issued by the server, checked with an HMAC.

Before, the widget chose its own session id and any socket that named it joined the
conversation: a second client knowing the id received the bot's replies (a dossier status
included) and could post into it. Now the socket.io channel (``socketio.py``) issues a token
``"<session id>.<signature>"`` on the first ``session_request``; the widget keeps it
(localStorage) and presents it again after a reload or reconnection. Only a token whose
signature is right joins its session again; anything else (an unknown, expired-format or
forged token, a bare session id) gets a new session.

The signature is HMAC-SHA256 of the session id, keyed by:

1. ``WEB_SESSION_KEY`` when set (any secret string; changing it starts every web
   conversation afresh);
2. otherwise a key derived from ``PHONE_HASH_KEY`` (generated into ``.env`` by ``make run``)
   with HMAC and a label of its own, so the two uses never share a key;
3. otherwise a random key of this process, with a warning: tokens then do not survive a
   restart and are not accepted by another replica.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from typing import Optional, Tuple

from core.settings import current as settings

logger = logging.getLogger(__name__)

# Why a label: the derived key must differ from PHONE_HASH_KEY's other use (phone digests).
DERIVATION_LABEL = b"web-session-token/v1"
MIN_KEY_LENGTH = 16
# 128 random bits as 32 hex characters; 128 signature bits as 22 base64url characters.
_TOKEN = re.compile(r"([0-9a-f]{32})\.([A-Za-z0-9_-]{22})")


def _signature(key: bytes, session_id: str) -> str:
    digest = hmac.new(key, session_id.encode("ascii"), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class SessionTokens:
    """Issues tokens for new sessions and tells which session a presented token names."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_env(cls) -> "SessionTokens":
        explicit = settings().web_session_key
        if len(explicit) >= MIN_KEY_LENGTH:
            return cls(explicit.encode("utf-8"))
        phone_key = settings().phone_hash_key
        if len(phone_key) >= MIN_KEY_LENGTH:
            return cls(hmac.new(phone_key.encode("utf-8"), DERIVATION_LABEL, hashlib.sha256).digest())
        logger.warning(
            "Neither WEB_SESSION_KEY nor PHONE_HASH_KEY is set (at least %d characters): web chat "
            "sessions are signed with a random key of this process, so they end when it restarts "
            "and another replica does not accept them.",
            MIN_KEY_LENGTH,
        )
        return cls(secrets.token_bytes(32))

    def issue(self) -> str:
        """A token for a new session."""
        return self.new_session()[1]

    def new_session(self) -> Tuple[str, str]:
        """A new session id and its token."""
        session_id = secrets.token_hex(16)
        return session_id, f"{session_id}.{_signature(self._key, session_id)}"

    def session_of(self, token: object) -> Optional[str]:
        """The session id a token names, or None when it was not issued with this key."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            return None
        session_id, signature = match.groups()
        return session_id if hmac.compare_digest(signature, _signature(self._key, session_id)) else None
