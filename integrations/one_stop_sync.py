"""Pull dossier updates from the one-stop system's REST endpoint.

Assumed interface (configurable base URL, ``ONE_STOP_SYNC_URL``)::

    GET {base}/dossiers?updated_since=ISO[&cursor=NEXT]
    -> {"dossiers": [contract payloads], "next": cursor, absolute URL or null}

Connection errors, 5xx and 429 are retried with exponential back-off (a
``Retry-After`` header wins). A record that fails validation is counted as
rejected with its reason and never stops the sync.

The time of the last successful sync is kept in a small JSON file
(``DOSSIER_SYNC_STATE_FILE``, default ``var/dossier_sync_state.json``), keyed by
base URL. A file rather than a table because the schema belongs to the models
module; and it is safe because the watermark is only written after the data is
committed, and upserts are idempotent: a crash in between only makes the next
run pull the same window again.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin

import requests  # type: ignore[import-untyped]  # no stubs pinned
from sqlalchemy.orm import Session

from core.settings import REPO_ROOT
from core.settings import current as settings
from core.dossier_rules import phone_hash_key
from integrations.import_outcomes import DossierImportSummary, Rejection
from procedures_db.dossiers import apply_in_savepoint

logger = logging.getLogger(__name__)

DEFAULT_STATE_FILE = REPO_ROOT / "var" / "dossier_sync_state.json"
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
# The next window starts a little before the last sync started: covers clock skew
# between the two systems and records changed while the pages were being read.
WATERMARK_OVERLAP = timedelta(minutes=5)
MAX_PAGES = 10_000  # a server that keeps returning a "next" cursor must not loop forever


class SyncError(RuntimeError):
    """The one-stop endpoint could not be read (after retries); nothing is lost, retry later."""


@dataclass
class SyncSummary(DossierImportSummary):
    since: str | None = None
    pages: int = 0

    def __str__(self) -> str:
        return f"{self.pages} page(s) since {self.since or 'the beginning'}: {super().__str__()}"


class SyncState:
    """The last successful sync time per endpoint, in a JSON file written atomically."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings().dossier_sync_state_file)

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            logger.warning("unreadable sync state %s: starting a full sync", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def last_sync(self, endpoint: str) -> datetime | None:
        value = self._read().get(endpoint)
        try:
            return datetime.fromisoformat(value) if value else None
        except ValueError:
            return None

    def save(self, endpoint: str, when: datetime) -> None:
        data = self._read()
        data[endpoint] = when.isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(temporary, self.path)  # never leave a half-written file behind


class DossierSyncClient:
    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        timeout: float = 10,
        max_retries: int = 4,
        backoff: float = 0.5,
        *,
        max_delay: float = 60,
        state: SyncState | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not base_url:
            raise ValueError("the one-stop sync URL is empty (set ONE_STOP_SYNC_URL)")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_delay = max_delay
        self.state = state or SyncState()
        self.sleep = sleep
        self.http = requests.Session()
        self.http.headers["Accept"] = "application/json"
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_env(cls, **kwargs: Any) -> "DossierSyncClient":
        """Configured by ``ONE_STOP_SYNC_URL`` and ``ONE_STOP_SYNC_TOKEN``."""
        return cls(settings().one_stop_sync_url, settings().one_stop_sync_token, **kwargs)

    def close(self) -> None:
        self.http.close()

    # --- HTTP ---------------------------------------------------------------------------------

    def get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        """GET with retries on connection errors, 5xx and 429; raises SyncError when it gives up."""
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                reply = self.http.get(url, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if reply.status_code not in RETRYABLE_STATUSES:
                    return self._decode(reply)
                problem = f"HTTP {reply.status_code}"
                retry_after = parse_retry_after(reply.headers.get("Retry-After"))
            if attempt == self.max_retries:
                raise SyncError(f"{url}: {problem}, gave up after {attempt + 1} attempts")
            delay = min(self.max_delay, retry_after if retry_after is not None else self.backoff * 2**attempt)
            logger.warning("sync %s: %s, retrying in %.1fs", url, problem, delay)
            self.sleep(delay)
        raise AssertionError("unreachable")

    @staticmethod
    def _decode(reply: requests.Response) -> Any:
        if not reply.ok:  # 4xx: retrying will not help (bad token, wrong URL)
            raise SyncError(f"{reply.url}: HTTP {reply.status_code} {reply.text[:200]!r}")
        try:
            return reply.json()
        except ValueError as exc:
            raise SyncError(f"{reply.url}: the response is not JSON") from exc

    # --- sync ---------------------------------------------------------------------------------

    def sync_once(self, session: Session) -> SyncSummary:
        """Pull every page of updates since the last successful sync and upsert them.

        Commits ``session`` after each page, so a failure on page 10 keeps pages
        1-9; the watermark only moves once all pages are in. Raises SyncError
        when the endpoint cannot be read.
        """
        phone_hash_key()  # a missing key is a setup error: fail before pulling anything
        started = datetime.now(timezone.utc)
        since = self.state.last_sync(self.base_url)
        summary = SyncSummary(since=since.isoformat() if since else None)
        url: str | None = f"{self.base_url}/dossiers"
        params: dict[str, str] = {"updated_since": summary.since} if since and summary.since else {}

        while url:
            if summary.pages >= MAX_PAGES:
                raise SyncError(f"more than {MAX_PAGES} pages: is the server's 'next' cursor stuck?")
            page = self.get_json(url, params)
            records, cursor = self._page_content(page)
            summary.pages += 1
            for index, record in enumerate(records):
                self._apply(session, record, summary, f"page {summary.pages} record {index + 1}")
            session.commit()
            url, params = self._next_request(cursor, params)

        self.state.save(self.base_url, started - WATERMARK_OVERLAP)
        logger.info("dossier sync from %s: %s", self.base_url, summary)
        return summary

    @staticmethod
    def _page_content(page: Any) -> tuple[list, Any]:
        if not isinstance(page, dict) or not isinstance(page.get("dossiers", []), list):
            raise SyncError('unexpected response: expected {"dossiers": [...], "next": ...}')
        return page.get("dossiers", []), page.get("next")

    def _next_request(self, cursor: Any, params: dict[str, str]) -> tuple[str | None, dict[str, str]]:
        if cursor in (None, ""):
            return None, params
        cursor = str(cursor)
        if cursor.startswith(("http://", "https://", "/")):
            return urljoin(self.base_url + "/", cursor), {}  # a link: it carries its own query
        return f"{self.base_url}/dossiers", {**params, "cursor": cursor}

    @staticmethod
    def _apply(session: Session, record: Any, summary: SyncSummary, where: str) -> None:
        outcome, errors = apply_in_savepoint(session, record)
        if outcome:
            summary.count(outcome)
            return
        code = record.get("code") if isinstance(record, dict) and isinstance(record.get("code"), str) else None
        rejection = Rejection(where, code, errors)
        summary.rejected.append(rejection)
        logger.warning("sync: rejected %s", rejection)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
