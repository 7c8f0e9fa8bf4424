"""Every setting the assistant reads from the environment: one typed place.

Code asks :func:`current` (the process environment) or ``Settings(environ)`` (a
mapping: tests, the channels' ``from_env(environ)``) instead of reading
``os.environ`` itself. ``current()`` reads the environment once, and again only
when one of the variables below changed (tests set them per test; operators set
them before start). Each value is parsed when first asked for, so one bad value
only fails the part of the assistant that uses it, with a clear message.

The table :data:`VARIABLES` (name, default, meaning) is also what
``docs/interfaces.md`` lists; a test checks that they agree.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOTLINE = "1800 1096"  # the national public service portal's switchboard
DEFAULT_MAX_CONCURRENT_TURNS = 4
DEFAULT_MAX_REQUEST_BYTES = 64 * 1024


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


# Only the variables read by the assistant's own code (Rasa, Sanic and the launcher read others:
# docs/interfaces.md lists those too).
VARIABLES: tuple[Variable, ...] = (
    Variable("DATABASE_URL", "sqlite:///var/assistant.db", "catalogue and dossier store (PostgreSQL in production)"),
    Variable(
        "CATALOGUE_IMPORT",
        "",
        "national portal files or folders (':'-separated) that `make run` imports when they changed; empty: the seed",
    ),
    Variable("PHONE_HASH_KEY", "", "key of the phone-digit digests (at least 16 characters; no default)"),
    Variable("DOSSIER_API_TOKEN", "", "bearer token of the dossier and staff HTTP API"),
    Variable("SUPPORT_HOTLINE", DEFAULT_HOTLINE, "hotline given to citizens in answers and fault replies"),
    Variable("API_HOST", "127.0.0.1", "address the HTTP API listens on"),
    Variable("API_PORT", "8000", "port of the HTTP API and web page"),
    Variable("WEB_DIR", "bot/web", "folder of the web chat page served by the API"),
    Variable("WEB_BRANDING_DIR", "$WEB_DIR/branding", "the province's branding served under /branding"),
    Variable("LOG_LEVEL", "INFO", "log level of `python -m procedures_db`"),
    Variable("ONE_STOP_SYNC_URL", "", "the one-stop system's dossier feed pulled by `sync-dossiers`"),
    Variable("ONE_STOP_SYNC_TOKEN", "", "bearer token sent to ONE_STOP_SYNC_URL"),
    Variable("DOSSIER_SYNC_STATE_FILE", "var/dossier_sync_state.json", "where `sync-dossiers` keeps its watermark"),
    Variable("DOSSIER_LOOKUP_MAX_FAILURES", "5", "wrong phone digits within the window that lock a dossier code"),
    Variable("DOSSIER_LOOKUP_WINDOW_SECONDS", "900", "window in which wrong digits are counted"),
    Variable("DOSSIER_LOOKUP_LOCK_SECONDS", "900", "first lock-out, doubled at each new one"),
    Variable("DOSSIER_LOOKUP_MAX_LOCK_SECONDS", "86400", "longest lock-out"),
    Variable("ACTION_HOST", "127.0.0.1", "address the action server listens on"),
    Variable("ACTION_SERVER_TOKEN", "", "token Rasa sends with every action call (required)"),
    Variable("RASA_AUTH_TOKEN", "", "token of Rasa's HTTP API"),
    Variable("RASA_PATCHES", "on", "off: Rasa runs without bot/patches (slower: docs/production.md)"),
    Variable("RASA_MAX_REQUEST_BYTES", "65536", "largest request body the Rasa server accepts"),
    Variable("MAX_CONCURRENT_TURNS", "4", "conversation turns run at once per Rasa process (0: no limit)"),
    Variable("WEB_SESSION_KEY", "", "key signing web chat sessions (else derived from PHONE_HASH_KEY)"),
    Variable("REDIS_URL", "", "Redis shared by replicas (locks, rate limits, channel state); empty: in memory"),
    Variable("REDIS_KEY_PREFIX", "dvc", "prefix of the assistant's Redis keys"),
    Variable("REDIS_RETRY_SECONDS", "5", "how long Redis is left alone after a failure"),
    Variable("REDIS_SOCKET_TIMEOUT", "2", "Redis socket timeout (seconds)"),
    Variable("LOCK_POLL_SECONDS", "0.05", "how often a waiting turn polls the conversation lock"),
    Variable("SANIC_WORKERS", "1", "worker processes of the Rasa server"),
    Variable("TRACKER_STORE_URL", "", "SQL tracker store (PostgreSQL in production); empty: SQLite TRACKER_DB"),
    Variable("TRACKER_DB", "var/tracker.db", "SQLite tracker store when TRACKER_STORE_URL is empty"),
    Variable("TRACKER_DB_CONNECT_TIMEOUT", "5", "tracker database connect timeout (seconds)"),
    Variable("TRACKER_RETENTION_DAYS", "90", "conversations older than this are deleted by `python -m bot.retention`"),
    Variable("RATE_LIMIT_SENDER", "20/60", "messages per sender per seconds"),
    Variable("RATE_LIMIT_IP", "120/60", "messages per client address per seconds"),
    Variable("RATE_LIMIT_LOOKUP", "10/600", "dossier lookups per sender per seconds"),
    Variable("RATE_LIMIT_EXEMPT_IPS", "127.0.0.1,::1", "addresses never rate-limited"),
    Variable("RATE_LIMIT_ENABLED", "true", "false turns the chat channels' rate limits off (load tests)"),
    Variable("TRUSTED_PROXIES", "", "proxies whose X-Forwarded-For is believed"),
    Variable("STAFF_SESSION_IDLE_MINUTES", "30", "a staff console session unused this long is signed out"),
    Variable("STAFF_LOGIN_MAX_FAILURES", "5", "wrong passwords for one staff user name within 15 minutes that lock it"),
    Variable("STAFF_LOGIN_LOCK_MINUTES", "15", "first staff sign-in lock-out, doubled at each new one (max 24 h)"),
    Variable(
        "OFFICE_DAYS", "1-5", "days staff answer live hand-overs (ISO weekdays, 1 Monday .. 7 Sunday: 1-5, 1-6, 1,3,5)"
    ),
    Variable("OFFICE_HOURS", "07:30-11:30,13:30-17:00", "hours staff answer live hand-overs, Vietnam time (UTC+7)"),
    Variable("HANDOVER_WAIT_MINUTES", "10", "a hand-over nobody takes within this many office minutes gets the notice"),
    Variable("LIVE_POLL_SECONDS", "0.5", "how often Rasa replicas and the console look for staff messages to send"),
)
NAMES = tuple(variable.name for variable in VARIABLES)


class Settings:
    """A snapshot of the variables above; typed values are parsed on first use."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        source = os.environ if environ is None else environ
        self._values = {name: source.get(name) for name in NAMES}

    def raw(self, name: str) -> str:
        """The value as set, stripped; '' when unset."""
        return (self._values.get(name) or "").strip()

    def get(self, name: str, default: str = "") -> str:
        """The value exactly as set (an empty value stays empty); ``default`` when unset."""
        if name not in self._values:
            raise KeyError(f"{name} is not a setting: add it to core/settings.py VARIABLES")
        value = self._values.get(name)
        return default if value is None else value

    def _secret(self, name: str) -> str:
        return self._values.get(name) or ""  # secrets are used exactly as set

    # --- store ---------------------------------------------------------------------------

    @cached_property
    def database_url(self) -> str:
        url = self.raw("DATABASE_URL")
        if not url:
            return f"sqlite:///{REPO_ROOT / 'var' / 'assistant.db'}"
        # Heroku-style "postgres://" is not accepted by SQLAlchemy 1.4.
        return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url

    @cached_property
    def catalogue_import(self) -> tuple[Path, ...]:
        """CATALOGUE_IMPORT: the files or folders of national portal pages, in the order given."""
        return tuple(Path(part.strip()) for part in self.raw("CATALOGUE_IMPORT").split(":") if part.strip())

    @cached_property
    def phone_hash_key(self) -> str:
        return self._secret("PHONE_HASH_KEY")

    @cached_property
    def lookup_max_failures(self) -> int:
        return self._positive_int("DOSSIER_LOOKUP_MAX_FAILURES", 5)

    @cached_property
    def lookup_window_seconds(self) -> int:
        return self._positive_int("DOSSIER_LOOKUP_WINDOW_SECONDS", 900)

    @cached_property
    def lookup_lock_seconds(self) -> int:
        return self._positive_int("DOSSIER_LOOKUP_LOCK_SECONDS", 900)

    @cached_property
    def lookup_max_lock_seconds(self) -> int:
        return self._positive_int("DOSSIER_LOOKUP_MAX_LOCK_SECONDS", 86400)

    # --- citizens --------------------------------------------------------------------------

    @cached_property
    def support_hotline(self) -> str:
        return self.raw("SUPPORT_HOTLINE") or DEFAULT_HOTLINE

    # --- HTTP API and web page -----------------------------------------------------------

    @cached_property
    def dossier_api_token(self) -> str:
        return self._secret("DOSSIER_API_TOKEN")

    @cached_property
    def api_host(self) -> str:
        return self._values.get("API_HOST") or "127.0.0.1"

    @cached_property
    def api_port(self) -> int:
        return int(self._values.get("API_PORT") or "8000")

    @cached_property
    def web_dir(self) -> Path:
        return Path(self._values.get("WEB_DIR") or REPO_ROOT / "bot" / "web")

    @cached_property
    def web_branding_dir(self) -> Path:
        return Path(self._values.get("WEB_BRANDING_DIR") or self.web_dir / "branding")

    @cached_property
    def log_level(self) -> str:
        return self._values.get("LOG_LEVEL") or "INFO"

    # --- one-stop sync -----------------------------------------------------------------------

    @cached_property
    def one_stop_sync_url(self) -> str:
        return self._values.get("ONE_STOP_SYNC_URL") or ""

    @cached_property
    def one_stop_sync_token(self) -> str | None:
        return self._values.get("ONE_STOP_SYNC_TOKEN") or None

    @cached_property
    def dossier_sync_state_file(self) -> Path:
        return Path(self._values.get("DOSSIER_SYNC_STATE_FILE") or REPO_ROOT / "var" / "dossier_sync_state.json")

    # --- action server -------------------------------------------------------------------

    @cached_property
    def action_host(self) -> str:
        return self._values.get("ACTION_HOST") or "127.0.0.1"

    @cached_property
    def action_server_token(self) -> str:
        return self.raw("ACTION_SERVER_TOKEN")

    # --- Rasa server and channels ---------------------------------------------------------

    @cached_property
    def rasa_auth_token(self) -> str:
        return self.raw("RASA_AUTH_TOKEN")

    @cached_property
    def rasa_max_request_bytes(self) -> int:
        configured = self.raw("RASA_MAX_REQUEST_BYTES")
        return int(configured) if configured else DEFAULT_MAX_REQUEST_BYTES

    @cached_property
    def max_concurrent_turns(self) -> int:
        """0: no limit; a clear error when it is not a whole number of 0 or more."""
        raw = self.raw("MAX_CONCURRENT_TURNS")
        if not raw:
            return DEFAULT_MAX_CONCURRENT_TURNS
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < 0:
            raise ValueError(f"MAX_CONCURRENT_TURNS must be a whole number, 0 or more (0: no limit), not {raw!r}")
        return value

    @cached_property
    def web_session_key(self) -> str:
        return self._secret("WEB_SESSION_KEY")

    # --- staff console ---------------------------------------------------------------------

    @cached_property
    def staff_session_idle_minutes(self) -> int:
        return self._positive_int("STAFF_SESSION_IDLE_MINUTES", 30)

    @cached_property
    def staff_login_max_failures(self) -> int:
        return self._positive_int("STAFF_LOGIN_MAX_FAILURES", 5)

    @cached_property
    def staff_login_lock_minutes(self) -> int:
        return self._positive_int("STAFF_LOGIN_LOCK_MINUTES", 15)

    @cached_property
    def office_days(self) -> frozenset[int]:
        """OFFICE_DAYS as ISO weekdays (1 Monday .. 7 Sunday); an invalid value keeps Monday to Friday."""
        raw = self.raw("OFFICE_DAYS") or "1-5"
        days: set[int] = set()
        try:
            for part in raw.split(","):
                first, _, last = part.strip().partition("-")
                days.update(range(int(first), int(last or first) + 1))
        except ValueError:
            days = set()
        if not days or not days <= set(range(1, 8)):
            logger.warning("OFFICE_DAYS=%r is not a list of weekdays 1-7; using 1-5", raw)
            return frozenset(range(1, 6))
        return frozenset(days)

    @cached_property
    def office_hours(self) -> tuple[tuple[int, int], ...]:
        """OFFICE_HOURS as (start, end) minutes after midnight, Vietnam time; invalid keeps the default."""
        raw = self.raw("OFFICE_HOURS") or "07:30-11:30,13:30-17:00"
        spans: list[tuple[int, int]] = []
        try:
            for part in raw.split(","):
                start, end = (piece.strip() for piece in part.split("-"))
                first, last = (int(h) * 60 + int(m) for h, m in (start.split(":"), end.split(":")))
                if not 0 <= first < last <= 24 * 60:
                    raise ValueError(part)
                spans.append((first, last))
        except ValueError:
            logger.warning("OFFICE_HOURS=%r is not like 07:30-11:30,13:30-17:00; using that", raw)
            return ((450, 690), (810, 1020))
        return tuple(spans)

    @cached_property
    def handover_wait_minutes(self) -> int:
        return self._positive_int("HANDOVER_WAIT_MINUTES", 10)

    @cached_property
    def live_poll_seconds(self) -> float:
        raw = self.raw("LIVE_POLL_SECONDS")
        try:
            value = float(raw) if raw else 0.5
        except ValueError:
            value = 0.0
        if not 0.05 <= value <= 60:
            logger.warning("LIVE_POLL_SECONDS=%r is not between 0.05 and 60; using 0.5", raw)
            return 0.5
        return value

    # --- helpers -------------------------------------------------------------------------

    def _positive_int(self, name: str, default: int) -> int:
        """A positive whole number; a missing or invalid value keeps ``default`` (with a warning)."""
        raw = self.raw(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            logger.warning("%s=%r is not a positive whole number; using %d", name, raw, default)
            return default
        return value


_cache: tuple[tuple[object, ...], Settings] | None = None
_cache_lock = threading.Lock()

# Settings are read several times a message (every database session asks for DATABASE_URL).
# os.environ.get costs about a microsecond a name (an exception for each unset one); CPython keeps
# the encoded environment in os.environ._data, which a lookup reads 30 times faster.
_RAW_ENVIRON = getattr(os.environ, "_data", None)
_ENCODED_NAMES = tuple(os.environ.encodekey(name) for name in NAMES) if _RAW_ENVIRON is not None else ()  # type: ignore[attr-defined]


def _environment_key() -> tuple[object, ...]:
    if isinstance(_RAW_ENVIRON, dict):
        return tuple(map(_RAW_ENVIRON.get, _ENCODED_NAMES))
    return tuple(os.environ.get(name) for name in NAMES)


def current() -> Settings:
    """The settings of this process's environment (rebuilt only when a variable changed)."""
    global _cache
    key = _environment_key()
    cached = _cache
    if cached is not None and cached[0] == key:
        return cached[1]
    with _cache_lock:
        _cache = (key, Settings())
        return _cache[1]
