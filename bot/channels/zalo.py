"""Zalo Official Account channel.

Webhook: POST /webhooks/zalo/webhook. Each call is checked against
`X-ZEvent-Signature`, acknowledged at once (Zalo wants 200 within ~2 s and
retries otherwise) and handled in a background task. Replies go through the
OA "consultation" API with the OA access token; the token is refreshed when
Zalo says it expired, and the rotated single-use refresh token is persisted.
Rate limits per user and for dossier lookups (`bot/rate_limit.py`; Zalo's
servers are the HTTP peer, so no per-address limit): over a limit the user
gets the polite "please slow down" and the bot is not called; a message
longer than `max_message_chars` (optional, 2000) is cut, after a note.

Hardening (issue 19):
- the signature is checked on the raw body before any JSON is decoded (its
  timestamp is found in the raw bytes by a bounded pattern, and must be the
  decoded event's); the body is capped (`max_body_bytes`, default 64 KiB:
  413 beyond); a non-ASCII signature header is simply wrong (403);
- a signed event of an unexpected shape is skipped and logged (no content),
  answered 200 so that Zalo does not retry it;
- an event whose `timestamp` is older than the de-duplication window (minus
  the allowed clock skew) or in the future beyond that skew is refused: a
  captured, signed event cannot be replayed once its id is forgotten;
- sender ids are namespaced (`zalo:<user id>`, `conversations.py`); replies go
  to the raw id; typed `/intent{...}` commands are read as plain text; a failed
  turn (action server down...) gets the polite fault reply (`turns.py`);
- the seen-event ids, numbered-option offers and the token pair live in the
  replicas' shared state (`replica_state.py`: Redis when `REDIS_URL` is set),
  and a Redis lock lets exactly one replica refresh the single-use refresh
  token; the others read the new pair from Redis.

credentials.yml:

    bot.channels.zalo.ZaloInput:
      app_id: ${ZALO_APP_ID}
      app_secret: ${ZALO_APP_SECRET}
      oa_secret_key: ${ZALO_OA_SECRET_KEY}
      access_token: ${ZALO_ACCESS_TOKEN}
      refresh_token: ${ZALO_REFRESH_TOKEN}
      token_store_path: var/zalo_tokens.json
"""

import asyncio
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Set
from typing import Text

import requests
from rasa.core.channels.channel import InputChannel
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MEDIA,
    TEXT,
    ZALO,
    IncomingEvent,
    conversation_id,
    platform_user_id,
    split_text,
)
from bot.channels.numbered_options import NumberedOptions
from bot.channels.replica_state import MemoryState, shared_state_from_env
from bot.channels.webhooks import (
    SEEN_EVENTS_TTL_SECONDS,
    MalformedEvent,
    PlatformOutput,
    PlatformWebhook,
    Unsigned,
    WebhookCall,
    as_dict,
    as_text,
    skip_malformed,
)
from bot.rate_limit import ChannelGuard

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-ZEvent-Signature"
SIGNATURE_PREFIX = "mac="

DEFAULT_API_BASE = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE = "https://oauth.zaloapp.com"
DEFAULT_TOKEN_STORE_PATH = "var/zalo_tokens.json"
DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_MAX_RETRIES = 2
DEFAULT_RETRY_BACKOFF_SECONDS = 0.5
# Refresh a little before the access token (25 h) runs out, when its expiry
# is known, rather than losing a reply to -216.
REFRESH_MARGIN_SECONDS = 10 * 60

# Codes of the JSON `error` field (the HTTP status is 200 either way).
ERROR_RATE_LIMITED = -32
ERROR_INVALID_PARAMETER = -201
TOKEN_ERRORS = frozenset({-216, -220})
# The user cannot be reached now (not a follower, no interaction for 7 days,
# quiet hours, ...): retrying does not help, staff may follow up elsewhere.
UNREACHABLE_USER_ERRORS = frozenset({-213, -217, -227, -230, -232, -234, -244})

# Unconfirmed limits: kept conservative; see README.md.
MAX_TEXT = 2000
MAX_TEMPLATE_BUTTONS = 5

TEXT_EVENTS = frozenset({"user_send_text", "anonymous_send_text"})
RECEIPT_EVENTS = frozenset({"user_received_message", "user_seen_message"})
USER_EVENT_PREFIXES = ("user_send_", "anonymous_send_")

# Clocks (Zalo's, ours) may differ by this much.
CLOCK_SKEW_SECONDS = 5 * 60
# An older event could be a replay of one whose id is forgotten: refused. With
# the skew taken off, an event accepted now is still remembered when replayed.
MAX_EVENT_AGE_SECONDS = SEEN_EVENTS_TTL_SECONDS - CLOCK_SKEW_SECONDS
# One event per call: a 2,000-character text is well under 16 KiB.
DEFAULT_MAX_BODY_BYTES = 64 * 1024
# How long a stopping server waits for replies still being sent.
_DRAIN_TIMEOUT_SECONDS = 10.0
# The single-use refresh token lives 3 months: so does the stored pair.
TOKEN_PAIR_TTL_SECONDS = 92 * 24 * 3600
TOKEN_NAMESPACE = f"{ZALO}:tokens"

# The signature covers the body's `timestamp`: found in the raw bytes (bounded,
# linear pattern) so that nothing is decoded before the signature is checked.
_TIMESTAMP_FIELD = re.compile(rb'"timestamp"[ \t\r\n]{0,8}:[ \t\r\n]{0,8}"?([0-9]{1,20})"?')
_MAX_TIMESTAMP_CANDIDATES = 4


def signature_is_valid(
    app_id: Text,
    oa_secret_key: Text,
    body: bytes,
    timestamp: Text,
    header: Optional[Text],
) -> bool:
    """Checks `X-ZEvent-Signature: mac=<sha256(app_id+body+timestamp+key)>`."""
    if not oa_secret_key or not header:
        return False
    header = header.strip()
    if not header.startswith(SIGNATURE_PREFIX):
        return False
    received = header[len(SIGNATURE_PREFIX) :].strip().lower()
    if not received.isascii():  # Sanic keeps undecodable header bytes as surrogates
        return False
    expected = hashlib.sha256(
        app_id.encode("utf-8") + body + timestamp.encode("utf-8") + oa_secret_key.encode("utf-8")
    ).hexdigest()
    return hmac.compare_digest(expected, received)


def signed_timestamp(app_id: Text, oa_secret_key: Text, body: bytes, header: Optional[Text]) -> Optional[Text]:
    """The `timestamp` under which the raw `body` is validly signed, or None.

    Tries the first few `"timestamp": ...` fields of the raw bytes (a body
    without one is tried with an empty timestamp, as it would be signed)."""
    candidates = [
        match.group(1).decode("ascii")
        for _, match in zip(range(_MAX_TIMESTAMP_CANDIDATES), _TIMESTAMP_FIELD.finditer(body))
    ] or [""]
    for timestamp in candidates:
        if signature_is_valid(app_id, oa_secret_key, body, timestamp, header):
            return timestamp
    return None


@dataclass(frozen=True)
class ZaloSettings:
    """The `bot.channels.zalo.ZaloInput` section of credentials.yml."""

    app_id: Text
    app_secret: Text = field(repr=False)
    oa_secret_key: Text = field(repr=False)
    access_token: Text = field(default="", repr=False)
    refresh_token: Text = field(default="", repr=False)
    token_store_path: Optional[Text] = DEFAULT_TOKEN_STORE_PATH
    api_base: Text = DEFAULT_API_BASE
    oauth_base: Text = DEFAULT_OAUTH_BASE
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_retries: int = DEFAULT_MAX_RETRIES
    retry_backoff: float = DEFAULT_RETRY_BACKOFF_SECONDS
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    REQUIRED = ("app_id", "app_secret", "oa_secret_key")

    @classmethod
    def from_credentials(cls, credentials: Dict[Text, Any]) -> "ZaloSettings":
        missing = [key for key in cls.REQUIRED if not credentials.get(key)]
        if missing:
            # Without the OA secret key no webhook call could be trusted.
            raise RasaException(f"Zalo channel: missing credentials {', '.join(missing)}.")

        def text(key: Text, default: Text = "") -> Text:
            value = credentials.get(key)
            return default if value in (None, "") else str(value)

        return cls(
            app_id=text("app_id"),
            app_secret=text("app_secret"),
            oa_secret_key=text("oa_secret_key"),
            access_token=text("access_token"),
            refresh_token=text("refresh_token"),
            token_store_path=text("token_store_path", DEFAULT_TOKEN_STORE_PATH),
            api_base=text("api_base", DEFAULT_API_BASE).rstrip("/"),
            oauth_base=text("oauth_base", DEFAULT_OAUTH_BASE).rstrip("/"),
            timeout=float(text("timeout", str(DEFAULT_TIMEOUT_SECONDS))),
            max_retries=int(text("max_retries", str(DEFAULT_MAX_RETRIES))),
            retry_backoff=float(text("retry_backoff", str(DEFAULT_RETRY_BACKOFF_SECONDS))),
            max_message_chars=int(text("max_message_chars", str(DEFAULT_MAX_MESSAGE_CHARS))),
            max_body_bytes=int(text("max_body_bytes", str(DEFAULT_MAX_BODY_BYTES))),
        )


@dataclass(frozen=True)
class ZaloTokens:
    access_token: Text = field(repr=False)
    refresh_token: Text = field(repr=False)
    # Epoch seconds; None when unknown (tokens taken from credentials.yml).
    expires_at: Optional[float] = None


def _fingerprint(secret: Text) -> Text:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


class TokenStore:
    """Keeps the latest token pair: a refresh token works only once, so the
    rotated one must survive restarts and be seen by every replica.

    With a shared state (Redis, `REDIS_URL`), the pair lives there (key
    `<prefix>:ch:zalo:tokens:<hash of app_id>`, kept 92 days: the refresh
    token's life) and refreshes are serialised across replicas by a Redis
    lock; the file is still written, as a backup read when Redis has no pair.
    Without, the file is the store and a file lock serialises the processes
    sharing it.

    The file is written atomically (temporary file + os.replace) with mode
    0600. The pair also records which credentials.yml refresh token it descends
    from: when an operator puts a new one there, the stored (probably dead)
    pair is ignored.
    """

    def __init__(
        self,
        path: Optional[Text],
        seed_refresh_token: Text,
        state: Any = None,
        app_id: Text = "",
        lock_timeout: float = 60.0,
    ) -> None:
        self.path = path
        self._seed = _fingerprint(seed_refresh_token)
        self._state = state if state is not None else MemoryState()
        self._app_id = app_id
        self._lock_timeout = lock_timeout

    def _decode(self, data: Any) -> Optional[ZaloTokens]:
        if data.get("seeded_from") != self._seed:
            return None
        return ZaloTokens(data["access_token"], data["refresh_token"], data.get("expires_at"))

    def load(self) -> Optional[ZaloTokens]:
        if self._state.shared:
            shared = self._state.get(TOKEN_NAMESPACE, self._app_id)
            if shared:
                try:
                    tokens = self._decode(json.loads(shared))
                except (ValueError, KeyError, AttributeError, TypeError):
                    logger.error("The Zalo tokens in Redis are unreadable; ignoring them.")
                    tokens = None
                if tokens:
                    return tokens
        if not self.path or not os.path.exists(self.path):
            return None
        try:
            with open(self.path, encoding="utf-8") as file:
                return self._decode(json.load(file))
        except (OSError, ValueError, KeyError, AttributeError, TypeError):
            logger.error("Zalo token store %s is unreadable; ignoring it.", self.path)
            return None

    def save(self, tokens: ZaloTokens) -> None:
        data = {
            "access_token": tokens.access_token,
            "refresh_token": tokens.refresh_token,
            "expires_at": tokens.expires_at,
            "seeded_from": self._seed,
            "updated_at": int(time.time()),
        }
        if self._state.shared:
            self._state.put(TOKEN_NAMESPACE, self._app_id, json.dumps(data), TOKEN_PAIR_TTL_SECONDS)
        if not self.path:
            if not self._state.shared:
                logger.warning(
                    "Zalo tokens were refreshed but no token_store_path is set: the "
                    "new refresh token will be lost on restart."
                )
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        # mkstemp creates the file with mode 0600.
        descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".zalo-tokens-")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                json.dump(data, file)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Serialises refreshes across the replicas (Redis lock) and across the
        processes sharing the file (file lock)."""
        if self._state.shared:
            with self._state.lock(TOKEN_NAMESPACE, self._app_id, self._lock_timeout):
                with self._file_lock():
                    yield
        else:
            with self._file_lock():
                yield

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        if not self.path:
            yield
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(f"{self.path}.lock", "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


class ZaloTokenError(Exception):
    """The OA tokens could not be refreshed."""


class ZaloTokenManager:
    """Holds the current OA tokens and refreshes them, one refresh at a time."""

    def __init__(
        self,
        settings: ZaloSettings,
        store: TokenStore,
        session: requests.Session,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._store = store
        self._session = session
        self._clock = clock
        self._tokens = store.load() or ZaloTokens(settings.access_token, settings.refresh_token)
        self._lock = asyncio.Lock()
        if not self._tokens.access_token and not self._tokens.refresh_token:
            logger.error("Zalo channel has neither an access token nor a refresh token.")

    @property
    def access_token(self) -> Text:
        return self._tokens.access_token

    def expires_soon(self) -> bool:
        if not self._tokens.access_token:
            return True
        expires_at = self._tokens.expires_at
        return expires_at is not None and expires_at - REFRESH_MARGIN_SECONDS <= self._clock()

    async def refresh(self, stale_access_token: Text) -> bool:
        """Replaces `stale_access_token`; True when a fresh token is available."""
        async with self._lock:
            if self._tokens.access_token != stale_access_token:
                return True  # refreshed by another request meanwhile
            try:
                self._tokens = await asyncio.to_thread(self._refresh_blocking, stale_access_token)
            except ZaloTokenError as error:
                logger.error(
                    "Zalo access token could not be refreshed (%s). Replies fail "
                    "until a new refresh token from the Zalo developer console is "
                    "put in credentials.yml.",
                    error,
                )
                return False
            except TimeoutError:
                logger.error(
                    "Zalo access token not refreshed: another replica held the "
                    "refresh lock too long; the next reply tries again."
                )
                return False
            except OSError as error:
                path, reason = self._store.path, error.strerror
                logger.error("Zalo access token not refreshed: the token store %s cannot be used (%s).", path, reason)
                return False
            return True

    def _refresh_blocking(self, stale_access_token: Text) -> ZaloTokens:
        with self._store.exclusive():
            stored = self._store.load()
            if stored and stored.access_token != stale_access_token:
                logger.info("Zalo access token taken from the store (refreshed by another process).")
                return stored  # another process or replica refreshed first
            current = stored or self._tokens
            if not current.refresh_token:
                raise ZaloTokenError("no refresh token")
            tokens = self._request_tokens(current.refresh_token)
            logger.info("Zalo access token refreshed.")
            try:
                self._store.save(tokens)
            except OSError as error:
                logger.error(
                    "Could not write the Zalo token store %s (%s): the new refresh " "token lives in memory only.",
                    self._store.path,
                    error.strerror,
                )
            return tokens

    def _request_tokens(self, refresh_token: Text) -> ZaloTokens:
        try:
            reply = self._session.post(
                f"{self._settings.oauth_base}/v4/oa/access_token",
                headers={"secret_key": self._settings.app_secret},
                data={
                    "app_id": self._settings.app_id,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
                timeout=self._settings.timeout,
            )
            data = reply.json()
        except requests.RequestException as error:
            raise ZaloTokenError(f"network error: {type(error).__name__}") from None
        except ValueError:
            raise ZaloTokenError(f"non-JSON answer, HTTP {reply.status_code}") from None
        if not isinstance(data, dict) or not data.get("access_token"):
            details = data if isinstance(data, dict) else {}
            raise ZaloTokenError(
                f"error {details.get('error')}: " f"{details.get('error_description') or details.get('message')}"
            )
        expires_in = _as_int(data.get("expires_in"))
        return ZaloTokens(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token") or refresh_token,
            expires_at=self._clock() + expires_in if expires_in else None,
        )


def _as_int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ZaloApiError(Exception):
    """A message was not delivered; `code` is Zalo's error (None: network)."""

    def __init__(self, code: Optional[int], message: Text) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code

    @property
    def user_unreachable(self) -> bool:
        return self.code in UNREACHABLE_USER_ERRORS


class _TransientError(Exception):
    """Network trouble or an unreadable answer: worth another try."""


class ZaloApiClient:
    """Sends OA consultation messages; blocking I/O runs in worker threads."""

    def __init__(
        self,
        settings: ZaloSettings,
        tokens: ZaloTokenManager,
        session: requests.Session,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._session = session
        self._sleep = sleep
        self._send_url = f"{settings.api_base}/v3.0/oa/message/cs"

    async def send_message(self, user_id: Text, message: Dict[Text, Any]) -> None:
        """Delivers `message` to `user_id` or raises ZaloApiError."""
        # `user_id`: the conversation id ("zalo:<id>") or Zalo's own id.
        body = {"recipient": {"user_id": platform_user_id(user_id)}, "message": message}
        if self._tokens.expires_soon():
            await self._tokens.refresh(self._tokens.access_token)
        refreshed = False
        retries = 0
        while True:
            token = self._tokens.access_token
            try:
                result = await asyncio.to_thread(self._post, token, body)
            except _TransientError as error:
                if retries >= self._settings.max_retries:
                    raise ZaloApiError(None, str(error)) from None
                retries += 1
                await self._sleep(self._backoff(retries))
                continue

            code = _as_int(result.get("error"))
            if code == 0:
                return
            if code in TOKEN_ERRORS and not refreshed:
                refreshed = True
                if await self._tokens.refresh(token):
                    continue
            elif code == ERROR_RATE_LIMITED and retries < self._settings.max_retries:
                retries += 1
                await self._sleep(self._backoff(retries))
                continue
            raise ZaloApiError(code, str(result.get("message", "")))

    def _backoff(self, retry: int) -> float:
        return self._settings.retry_backoff * 2 ** (retry - 1)

    def _post(self, token: Text, body: Dict[Text, Any]) -> Dict[Text, Any]:
        try:
            # The token goes in a header, so it never shows in error messages.
            reply = self._session.post(
                self._send_url,
                headers={"access_token": token},
                json=body,
                timeout=self._settings.timeout,
            )
        except requests.RequestException as error:
            raise _TransientError(f"network error: {type(error).__name__}") from None
        try:
            result = reply.json()
        except ValueError:
            raise _TransientError(f"non-JSON answer, HTTP {reply.status_code}") from None
        if not isinstance(result, dict):
            raise _TransientError(f"unexpected answer, HTTP {reply.status_code}")
        return result


def zalo_button(button: Dict[Text, Any]) -> Dict[Text, Any]:
    """A Rasa button as a Zalo template button (shape unconfirmed by Zalo's
    own docs; used by several integrations)."""
    title = str(button.get("title", ""))
    if button.get("url"):
        return {
            "title": title,
            "type": "oa.open.url",
            "payload": {"url": button["url"]},
        }
    # Tapping it sends the payload back as a text message from the user.
    return {
        "title": title,
        "type": "oa.query.show",
        "payload": button.get("payload") or title,
    }


def button_message(text: Text, buttons: List[Dict[Text, Any]]) -> Dict[Text, Any]:
    return {
        "text": text,
        "attachment": {
            "type": "template",
            "payload": {"buttons": [zalo_button(button) for button in buttons]},
        },
    }


class ZaloOutput(PlatformOutput):
    """Sends bot responses to a Zalo user. Failures are logged, never raised:
    the conversation goes on even if one reply is lost."""

    CHANNEL = "zalo"
    client: ZaloApiClient

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # One message per response (not per paragraph): Zalo caps the number
        # of free replies after each user message.
        for piece in split_text(text, MAX_TEXT):
            await self._deliver(recipient_id, {"text": piece})

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        # Images must be uploaded to Zalo first; a link is good enough for now.
        await self.send_text_message(recipient_id, image)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if not buttons:
            await self.send_text_message(recipient_id, text)
            return
        if len(buttons) <= MAX_TEMPLATE_BUTTONS and len(text or "") <= MAX_TEXT:
            try:
                await self.client.send_message(recipient_id, button_message(text, buttons))
                return
            except ZaloApiError as error:
                if error.code != ERROR_INVALID_PARAMETER:
                    self._log_failure(error)
                    return
                logger.info("Zalo rejected a button template; sending numbered options.")
        await self.send_text_message(recipient_id, self.numbered_options.offer(recipient_id, text, buttons))

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Sends a raw Zalo `message` object (e.g. a request_user_info template)."""
        await self._deliver(recipient_id, json_message)

    async def _deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        try:
            await self.client.send_message(recipient_id, message)
        except ZaloApiError as error:
            self._log_failure(error)

    @staticmethod
    def _log_failure(error: ZaloApiError) -> None:
        if error.user_unreachable:
            logger.warning(
                "Zalo user cannot be reached now (error %s); reply dropped. Staff "
                "may need to follow up through another channel.",
                error.code,
            )
        else:
            logger.error("Zalo reply not delivered: %s", error)


def parse_event(event: Any) -> Optional[IncomingEvent]:
    """Returns what to act upon in a webhook event, None to ignore it (our own
    messages echoed as oa_send_*, receipts, follow/unfollow...). Raises
    MalformedEvent (or InvalidSender) for a user event that cannot be read."""
    if not isinstance(event, dict):
        raise MalformedEvent("not an object")
    name = event.get("event_name")
    if not isinstance(name, str):
        raise MalformedEvent("no event name")
    if name.startswith("oa_send_") or name in RECEIPT_EVENTS:
        return None
    if not name.startswith(USER_EVENT_PREFIXES):
        logger.debug("Ignoring Zalo event %s.", name[:40] or "without a name")
        return None
    sender = as_text(as_dict(event.get("sender")).get("id"))
    if not sender:
        raise MalformedEvent("no sender id")
    sender_id = conversation_id(ZALO, sender)
    message = event.get("message")
    if message is not None and not isinstance(message, dict):
        raise MalformedEvent("message is not an object")
    message = message or {}
    message_id = as_text(message.get("msg_id"))
    if name in TEXT_EVENTS:
        text = message.get("text")
        if text is not None and not isinstance(text, str):
            raise MalformedEvent("text is not a string")
        return IncomingEvent(sender_id, TEXT, text, message_id) if text else None
    return IncomingEvent(sender_id, MEDIA, message_id=message_id)


def event_age_problem(timestamp: Text, now: float) -> Optional[Text]:
    """Why an event's `timestamp` (epoch ms) is refused, or None when it is fresh."""
    if not timestamp:
        return "no timestamp"
    age = now - int(timestamp) / 1000
    if age > MAX_EVENT_AGE_SECONDS:
        return f"{age:.0f} s old, beyond the de-duplication window (a replay? or check the server clock)"
    if age < -CLOCK_SKEW_SECONDS:
        return f"timestamp {-age:.0f} s in the future (check the server clock)"
    return None


class ZaloInput(PlatformWebhook, InputChannel):
    """Zalo OA input channel (URL prefix /webhooks/zalo/)."""

    PLATFORM = "Zalo"
    CONVERSATIONS = ZALO

    @classmethod
    def name(cls) -> Text:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZaloInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
            raise AssertionError("unreachable: Rasa raised (its raiser is typed as returning None)")
        return cls(ZaloSettings.from_credentials(credentials))

    def __init__(
        self,
        settings: ZaloSettings,
        guard: Optional[ChannelGuard] = None,
        state: Any = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.max_body_bytes = settings.max_body_bytes
        self.max_message_chars = settings.max_message_chars
        self.guard = guard or ChannelGuard.from_env()
        # Shared by the replicas (Redis) when REDIS_URL is set.
        self.state = state if state is not None else shared_state_from_env()
        self._clock = clock
        session = requests.Session()
        store = TokenStore(
            settings.token_store_path,
            settings.refresh_token,
            self.state,
            settings.app_id,
            lock_timeout=max(30.0, 3 * settings.timeout),
        )
        self.tokens = ZaloTokenManager(settings, store, session)
        self.client = ZaloApiClient(settings, self.tokens, session)
        self.numbered_options = NumberedOptions(self.state, f"{ZALO}:offers")
        self._tasks: Set["asyncio.Task[None]"] = set()

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.listener("before_server_stop")
        async def finish_pending_replies(*_: Any) -> None:
            await self.drain(_DRAIN_TIMEOUT_SECONDS)

    def signed(self, request: Request, body: bytes) -> Text:
        """The signed timestamp (Zalo's signature covers it)."""
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            raise Unsigned("missing signature")
        # Checked on the raw bytes: nothing is decoded for a stranger.
        timestamp = signed_timestamp(self.settings.app_id, self.settings.oa_secret_key, body, signature)
        if timestamp is None:
            raise Unsigned("wrong signature (is oa_secret_key right?)")
        return timestamp

    def events(self, payload: Any, signed: Text) -> List[Any]:
        """The one event of a call, unless it is not the signed one or too old."""
        if (as_text(as_dict(payload).get("timestamp")) or "") != signed:
            skip_malformed(self.PLATFORM, "the signed timestamp is not the event's")
            return []
        problem = event_age_problem(signed, self._clock())
        if problem:
            logger.warning("Refused a signed Zalo event: %s.", problem)
            return []
        return [payload]

    parse_event = staticmethod(parse_event)  # the module's function above

    def acknowledge(self) -> HTTPResponse:
        return response.json({"status": "ok"})

    async def dispatch(self, incoming: IncomingEvent, call: WebhookCall) -> None:
        """Zalo wants its answer within ~2 s: the event is handled in a background task.
        Re-deliveries were dropped before, so a retry arriving while the first delivery
        is still being handled is dropped too."""
        task = asyncio.create_task(self._handle(incoming, call))
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, incoming: IncomingEvent, call: WebhookCall) -> None:
        try:
            await self.answer(incoming, call)
        except Exception as error:
            # Before the turn (limits, numbered options): logged without content.
            logger.error("Failed to handle a Zalo message: %s", type(error).__name__)

    async def drain(self, timeout: Optional[float] = None) -> None:
        """Waits for the events being handled (used on shutdown and in tests)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    def get_output_channel(self) -> ZaloOutput:
        return ZaloOutput(self.client, self.numbered_options)

    async def push(self, conversation: Text, text: Text) -> None:
        for piece in split_text(text, MAX_TEXT):
            await self.client.send_message(conversation, {"text": piece})  # ZaloApiError on a refusal
