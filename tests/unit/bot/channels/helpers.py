"""Test doubles for the messaging channels (imported by conftest.py and tests).

- `FakeHttpApi`: a real HTTP server on 127.0.0.1 standing in for the Graph
  API or the Zalo API; it records requests and answers scripted JSON;
- `serve_channel`: runs an input channel's blueprint in a real Sanic server,
  registered exactly as Rasa does (under /webhooks/<name>/);
- `FakeBot`: collects the UserMessages that reach the bot.
"""

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Deque,
    Dict,
    List,
    Optional,
    Text,
)
from urllib.parse import parse_qs, urlsplit

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage, register
from sanic import Sanic

# A scripted reply that closes the connection without answering.
DROP = object()


@dataclass
class RecordedRequest:
    method: Text
    path: Text
    query: Dict[Text, List[Text]]
    headers: Dict[Text, Text]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> Dict[Text, Text]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


class FakeHttpApi:
    """A local HTTP API double: records every request, answers scripted JSON."""

    def __init__(self, default_reply: Dict[Text, Any]) -> None:
        self.default_reply = default_reply
        self.requests: List[RecordedRequest] = []
        self._replies: Dict[Text, Deque[Any]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._gate = threading.Event()
        self._gate.set()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    @property
    def url(self) -> Text:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, path: Text, *replies: Any) -> None:
        """Queues replies for `path`: a JSON dict, (status, dict) or DROP."""
        with self._lock:
            self._replies[path].extend(replies)

    def hold(self) -> None:
        """Keeps answers back (requests are still recorded) until release()."""
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    def received(self, path: Optional[Text] = None) -> List[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, path: Text) -> Any:
        with self._lock:
            queue = self._replies[path]
            return queue.popleft() if queue else self.default_reply

    def _handler_class(self) -> type:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = RecordedRequest(
                    method="POST",
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                with api._lock:
                    api.requests.append(request)
                api._gate.wait(timeout=10)
                reply = api._next_reply(parts.path)
                if reply is DROP:
                    self.close_connection = True
                    return
                status, body = reply if isinstance(reply, tuple) else (200, reply)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


class FakeBot:
    """Stands in for Rasa's agent: records messages, optionally answers."""

    def __init__(self, answer: Optional[Callable[[UserMessage], Awaitable[Any]]] = None) -> None:
        self.messages: List[UserMessage] = []
        self._answer = answer

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self._answer:
            await self._answer(message)

    @property
    def texts(self) -> List[Text]:
        return [message.text for message in self.messages]

    @classmethod
    def answering(cls, text: Text = "Dạ") -> "FakeBot":
        """A bot that answers every message with ``text`` (a silent turn is a fault
        now: the channels send the polite "sự cố" reply, bot.channels.turns)."""

        async def answer(message: UserMessage) -> None:
            await message.output_channel.send_response(message.sender_id, {"text": text})

        return cls(answer)


@asynccontextmanager
async def serve_channel(
    channel: InputChannel,
    bot: Optional[FakeBot] = None,
    agent: Any = None,
    request_max_size: Optional[int] = None,
) -> AsyncIterator[Text]:
    """Serves `channel` on 127.0.0.1 as `rasa run` would; yields the base URL.

    Messages go to `bot`, or to `agent` (a real Rasa agent) when given;
    `request_max_size` is the server-wide body limit (Sanic's REQUEST_MAX_SIZE)."""
    # Lets several apps start in one process, as sanic-testing does (without
    # it Sanic 21.12 fails to re-compile its request handler for a 2nd app).
    Sanic.test_mode = True
    app = Sanic(f"channels_test_{uuid.uuid4().hex}", configure_logging=False)
    if request_max_size is not None:
        app.config.REQUEST_MAX_SIZE = request_max_size
    # is_ready() False: no tracker to ask whether a silent conversation is handed over.
    app.ctx.agent = agent or SimpleNamespace(handle_message=bot, is_ready=lambda: False)
    register([channel], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        await server.close()
        await server.after_stop()
        sock.close()


async def post_raw(url: Text, body: bytes, headers: Dict[Text, bytes]) -> int:
    """POSTs with header values sent as raw bytes (e.g. not UTF-8), which HTTP
    clients refuse to send; returns the status code."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    head = [
        f"POST {parts.path} HTTP/1.1".encode(),
        f"Host: {parts.netloc}".encode(),
        b"Content-Type: application/json",
        f"Content-Length: {len(body)}".encode(),
        b"Connection: close",
        *[name.encode() + b": " + value for name, value in headers.items()],
    ]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    await reader.read()
    writer.close()
    return int(status_line.split()[1])


async def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


async def post_webhook(url: Text, body: bytes, headers: Dict[Text, Text]) -> aiohttp.ClientResponse:
    """POSTs ``body`` to a channel's webhook; the response is read, its status and text kept."""
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as response:
            await response.read()
            return response
