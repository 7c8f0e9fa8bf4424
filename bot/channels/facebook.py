"""Facebook Messenger channel: Rasa's connector with the gaps closed.

Differences from `rasa.core.channels.facebook.FacebookInput` (Rasa 3.6):
- every POST must carry a valid `X-Hub-Signature-256` (HMAC-SHA256 of the raw
  body with the app secret, compared in constant time), otherwise HTTP 403;
- every messaging event of a batched POST is handled, not only the first;
- more than 3 buttons become quick replies (or numbered text) instead of
  being dropped;
- the Send API is called from a worker thread with a timeout, so a slow Graph
  API never blocks the event loop;
- rate limits per user and for dossier lookups (`bot/rate_limit.py`; Meta's
  servers are the HTTP peer, so no per-address limit): over a limit the user
  gets the polite "please slow down" and the bot is not called; a message
  longer than `max_message_chars` (optional credential, 2000) is cut, after a
  note saying so;
- the body is capped (`max_body_bytes`, default 1 MiB: 413 beyond); a signed
  body of an unexpected shape is answered 200 and each of its events handled on
  its own (a malformed one is skipped and logged, the others answered:
  `webhooks.py`);
- sender ids are namespaced (`messenger:<PSID>`, `conversations.py`); replies go
  to the raw PSID; typed `/intent{...}` commands are read as plain text
  (`commands.py`), while the payload of a tapped button or quick reply, ours,
  passes; a failed turn (action server down...) gets the polite fault reply
  (`turns.py`) instead of silence;
- the seen-event ids and numbered-option offers live in the replicas' shared
  state (`replica_state.py`: Redis when `REDIS_URL` is set), since Meta's calls
  reach any replica.

credentials.yml:

    bot.channels.facebook.FacebookInput:
      verify: ${FB_VERIFY_TOKEN}
      secret: ${FB_APP_SECRET}
      page-access-token: ${FB_PAGE_ACCESS_TOKEN}
"""

import asyncio
import copy
import hashlib
import hmac
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict, Iterable, Iterator, List
from typing import Optional, Text, Union

import requests
from rasa.core.channels.facebook import FacebookInput as RasaFacebookInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MEDIA,
    MESSENGER,
    PAYLOAD,
    TEXT,
    IncomingEvent,
    conversation_id,
    platform_user_id,
    split_text,
    truncate,
)
from bot.channels.numbered_options import NumberedOptions
from bot.channels.replica_state import shared_state_from_env
from bot.channels.webhooks import (
    MalformedEvent,
    PlatformOutput,
    PlatformWebhook,
    Unsigned,
    as_dict,
    as_text,
)
from bot.rate_limit import ChannelGuard

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="

# Rasa still calls v2.12; the Graph API upgrades calls to retired versions, but
# naming a current one keeps the behaviour predictable. Overridable.
DEFAULT_GRAPH_API_URL = "https://graph.facebook.com/v21.0"
DEFAULT_TIMEOUT_SECONDS = 10.0

# Messenger Platform limits.
MAX_TEMPLATE_BUTTONS = 3
MAX_TEMPLATE_TEXT = 640
MAX_BUTTON_TITLE = 20
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_TEXT = 2000


class MessengerSendRefused(Exception):
    """The Send API did not accept a message that must not be lost (a staff message: retried)."""


# A batch of many events stays far below this; an unsigned stranger gets 413.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def signature_is_valid(app_secret: Text, body: bytes, header: Optional[Text]) -> bool:
    """Checks `X-Hub-Signature-256: sha256=<hex HMAC of the raw body>`."""
    if not app_secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    received = header[len(SIGNATURE_PREFIX) :].strip().lower()
    if not received.isascii():  # Sanic keeps undecodable header bytes as surrogates
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


class GraphApiClient:
    """Messenger Send API client that never blocks the event loop."""

    def __init__(
        self,
        page_access_token: Text,
        api_url: Text = DEFAULT_GRAPH_API_URL,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self._token = page_access_token
        self._messages_url = f"{api_url.rstrip('/')}/me/messages"
        self._timeout = timeout
        self._session = requests.Session()

    async def send_message(self, recipient_id: Text, message: Union[List[Any], Dict[Text, Any]]) -> bool:
        """`recipient_id`: the conversation id ("messenger:<PSID>") or the PSID."""
        return await self._post(
            {
                "messaging_type": "RESPONSE",
                "recipient": {"id": platform_user_id(recipient_id)},
                "message": message,
            }
        )

    async def send_action(self, recipient_id: Text, action: Text) -> bool:
        return await self._post({"recipient": {"id": platform_user_id(recipient_id)}, "sender_action": action})

    async def _post(self, body: Dict[Text, Any]) -> bool:
        """Returns True when Messenger accepted the call; failures are logged."""
        try:
            reply = await asyncio.to_thread(
                self._session.post,
                self._messages_url,
                params={"access_token": self._token},
                json=body,
                timeout=self._timeout,
            )
        except requests.RequestException as error:
            # Only the type: requests puts the URL, token included, in messages.
            logger.warning("Messenger Send API unreachable: %s", type(error).__name__)
            return False
        if reply.ok:
            return True
        try:
            details = reply.json().get("error") or {}
        except (ValueError, AttributeError):
            details = {}
        logger.warning(
            "Messenger Send API refused a call: HTTP %s, code %s, %s",
            reply.status_code,
            details.get("code"),
            details.get("message"),
        )
        return False


def messaging_events(payload: Any) -> Iterator[Any]:
    """Every messaging event of every entry: Messenger batches them. Entries or
    lists of an unexpected type are passed over; events are yielded as they are
    (each is checked on its own by parse_messaging_event)."""
    entries = as_dict(payload).get("entry")
    for entry in entries if isinstance(entries, list) else []:
        events = as_dict(entry).get("messaging")
        yield from events if isinstance(events, list) else []


def parse_messaging_event(event: Any) -> Optional[IncomingEvent]:
    """Turns one messaging event into an IncomingEvent; None to ignore it
    (echoes of our own messages, delivery and read receipts, reactions...).
    Raises MalformedEvent (or InvalidSender) for one that cannot be read."""
    if not isinstance(event, dict):
        raise MalformedEvent("not an object")
    sender = as_text(as_dict(event.get("sender")).get("id"))
    if not sender:
        raise MalformedEvent("no sender id")
    sender_id = conversation_id(MESSENGER, sender)
    message = event.get("message")
    if message:
        if not isinstance(message, dict):
            raise MalformedEvent("message is not an object")
        if message.get("is_echo"):
            return None
        mid = as_text(message.get("mid"))
        # A quick reply also carries its title as text: the payload wins.
        quick_reply_payload = as_text(as_dict(message.get("quick_reply")).get("payload"))
        if quick_reply_payload:
            return IncomingEvent(sender_id, PAYLOAD, quick_reply_payload, mid)
        text = message.get("text")
        if text and isinstance(text, str):
            return IncomingEvent(sender_id, TEXT, text, mid)
        if message.get("attachments"):
            return IncomingEvent(sender_id, MEDIA, message_id=mid)
        if text:
            raise MalformedEvent("text is not a string")
        return None
    postback = as_dict(event.get("postback"))
    payload = as_text(postback.get("payload"))
    if payload:
        return IncomingEvent(sender_id, PAYLOAD, payload, as_text(postback.get("mid")))
    return None


class MessengerOutput(PlatformOutput):
    """Sends bot responses through the Messenger Send API."""

    CHANNEL = "facebook"
    client: GraphApiClient

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        # As in Rasa: a blank line starts a new chat bubble.
        for paragraph in text.strip().split("\n\n"):
            await self._send_text(recipient_id, paragraph)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self.client.send_message(
            recipient_id,
            {"attachment": {"type": "image", "payload": {"url": image}}},
        )

    async def send_action(self, recipient_id: Text, sender_action: Text) -> None:
        await self.client.send_action(recipient_id, sender_action)

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        if self._fits_button_template(text, buttons):
            await self._send_button_template(recipient_id, text, buttons)
        elif self._fits_quick_replies(buttons):
            await self._send_quick_replies(recipient_id, text, buttons)
        else:
            await self._send_numbered(recipient_id, text, buttons)

    async def send_quick_replies(
        self,
        recipient_id: Text,
        text: Text,
        quick_replies: List[Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        if self._fits_quick_replies(quick_replies):
            await self._send_quick_replies(recipient_id, text, quick_replies)
        else:
            await self._send_numbered(recipient_id, text, quick_replies)

    async def send_elements(self, recipient_id: Text, elements: Iterable[Dict[Text, Any]], **kwargs: Any) -> None:
        elements = copy.deepcopy(list(elements))
        for element in elements:
            for button in element.get("buttons", []):
                button.setdefault("type", "postback")
        await self.client.send_message(
            recipient_id,
            {
                "attachment": {
                    "type": "template",
                    "payload": {"template_type": "generic", "elements": elements},
                }
            },
        )

    async def send_custom_json(
        self,
        recipient_id: Text,
        json_message: Union[List, Dict[Text, Any]],
        **kwargs: Any,
    ) -> None:
        """Sends a raw Messenger `message` object (as Rasa does)."""
        json_message = copy.deepcopy(json_message)
        messages = json_message if isinstance(json_message, list) else [json_message]
        for message in messages:
            if isinstance(message, dict) and "sender" in message:
                recipient_id = message.pop("sender", {}).pop("id", recipient_id)
                break
        await self.client.send_message(recipient_id, json_message)

    @staticmethod
    def _fits_button_template(text: Text, buttons: List[Dict[Text, Any]]) -> bool:
        return (
            len(buttons) <= MAX_TEMPLATE_BUTTONS
            and len(text or "") <= MAX_TEMPLATE_TEXT
            and all(len(b.get("title", "")) <= MAX_BUTTON_TITLE for b in buttons)
        )

    @staticmethod
    def _fits_quick_replies(buttons: List[Dict[Text, Any]]) -> bool:
        # Links cannot be quick replies; text quick replies need a payload.
        return len(buttons) <= MAX_QUICK_REPLIES and all(
            b.get("content_type", "text") != "text" or (b.get("payload") and not b.get("url")) for b in buttons
        )

    async def _send_button_template(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]]) -> None:
        buttons = copy.deepcopy(buttons)
        for button in buttons:
            if button.get("url"):
                button.setdefault("type", "web_url")
            button.setdefault("type", "postback")
        await self.client.send_message(
            recipient_id,
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "button",
                        "text": text,
                        "buttons": buttons,
                    },
                }
            },
        )

    async def _send_quick_replies(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]]) -> None:
        titles = [str(b.get("title", "")) for b in buttons]
        numbered = any(len(title) > MAX_QUICK_REPLY_TITLE for title in titles)
        if numbered:
            # Cut titles can become ambiguous: show them in full, numbered, and
            # number the quick replies so the two match.
            text = self.numbered_options.offer(recipient_id, text, buttons)
            titles = [f"{n}. {title}" for n, title in enumerate(titles, start=1)]
        quick_replies = []
        for button, title in zip(buttons, titles, strict=True):
            content_type = button.get("content_type", "text")
            quick_reply: Dict[Text, Any] = {"content_type": content_type}
            if content_type == "text":
                quick_reply["title"] = truncate(title, MAX_QUICK_REPLY_TITLE)
                quick_reply["payload"] = button["payload"]
            quick_replies.append(quick_reply)
        await self._send_text(recipient_id, text, {"quick_replies": quick_replies})

    async def _send_numbered(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]]) -> None:
        await self._send_text(recipient_id, self.numbered_options.offer(recipient_id, text, buttons))

    async def _send_text(
        self,
        recipient_id: Text,
        text: Text,
        extra: Optional[Dict[Text, Any]] = None,
    ) -> None:
        """Sends `text` in pieces Messenger accepts; `extra` (e.g. quick
        replies) goes with the last piece."""
        pieces = split_text(text or "", MAX_TEXT) or [""]
        for index, piece in enumerate(pieces):
            message: Dict[Text, Any] = {"text": piece}
            if extra and index == len(pieces) - 1:
                message.update(extra)
            if message["text"] or len(message) > 1:
                await self.client.send_message(recipient_id, message)


class FacebookInput(PlatformWebhook, RasaFacebookInput):
    """Facebook Messenger input channel (URL prefix /webhooks/facebook/)."""

    PLATFORM = "Messenger"
    CONVERSATIONS = MESSENGER

    REQUIRED_CREDENTIALS = ("verify", "secret", "page-access-token")

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "FacebookInput":
        if not credentials:
            cls.raise_missing_credentials_exception()
            raise AssertionError("unreachable: Rasa raised (its raiser is typed as returning None)")
        missing = [key for key in cls.REQUIRED_CREDENTIALS if not credentials.get(key)]
        if missing:
            # An empty secret would make every signature forgeable: refuse.
            raise RasaException(f"Facebook channel: missing credentials {', '.join(missing)}.")
        return cls(
            str(credentials["verify"]),
            str(credentials["secret"]),
            str(credentials["page-access-token"]),
            graph_api_url=credentials.get("graph-api-url") or DEFAULT_GRAPH_API_URL,
            timeout=float(credentials.get("timeout") or DEFAULT_TIMEOUT_SECONDS),
            max_message_chars=int(credentials.get("max_message_chars") or DEFAULT_MAX_MESSAGE_CHARS),
            max_body_bytes=int(credentials.get("max_body_bytes") or DEFAULT_MAX_BODY_BYTES),
        )

    def __init__(
        self,
        fb_verify: Text,
        fb_secret: Text,
        fb_access_token: Text,
        graph_api_url: Text = DEFAULT_GRAPH_API_URL,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        guard: Optional[ChannelGuard] = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        state: Any = None,
    ) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.client = GraphApiClient(fb_access_token, graph_api_url, timeout)
        self.max_message_chars = max_message_chars
        self.max_body_bytes = max_body_bytes
        self.guard = guard or ChannelGuard.from_env()
        # Shared by the replicas (Redis) when REDIS_URL is set.
        self.state = state if state is not None else shared_state_from_env()
        self.numbered_options = NumberedOptions(self.state, f"{MESSENGER}:offers")

    def add_routes(self, webhook: Blueprint) -> None:
        @webhook.route("/webhook", methods=["GET"])
        async def verify_subscription(request: Request) -> HTTPResponse:
            token = request.args.get("hub.verify_token") or ""
            if hmac.compare_digest(token.encode(), self.fb_verify.encode()):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning(
                "Messenger webhook verification failed: the verify token does " "not match the one in credentials.yml."
            )
            return response.text("invalid verify token", status=403)

    def signed(self, request: Request, body: bytes) -> None:
        if not signature_is_valid(self.fb_secret, body, request.headers.get(SIGNATURE_HEADER)):
            raise Unsigned(f"{SIGNATURE_HEADER} missing or wrong (does the app secret match the Meta app?)")

    def events(self, payload: Any, signed: Any) -> Iterator[Any]:
        # Meta expects the answer within 20 s; a turn takes well under that, and
        # handling in order keeps a user's messages in sequence.
        return messaging_events(payload)

    parse_event = staticmethod(parse_messaging_event)

    def acknowledge(self) -> HTTPResponse:
        return response.text("success")

    @asynccontextmanager
    async def typing(self, out_channel: Any, sender_id: Text) -> AsyncIterator[None]:
        """The message shows as seen, and "typing..." while the turn runs."""
        await out_channel.send_action(sender_id, "mark_seen")
        await out_channel.send_action(sender_id, "typing_on")
        try:
            yield
        finally:
            await out_channel.send_action(sender_id, "typing_off")

    @staticmethod
    def validate_hub_signature(app_secret: Text, request_payload: bytes, hub_signature_header: Text) -> bool:
        """Rasa's check, made constant-time and limited to SHA-256."""
        return signature_is_valid(app_secret, request_payload, hub_signature_header)

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.client, self.numbered_options)

    async def push(self, conversation: Text, text: Text) -> None:
        for piece in split_text(text, MAX_TEXT):
            if not await self.client.send_message(conversation, {"text": piece}):
                raise MessengerSendRefused("the Send API did not accept a staff message")
