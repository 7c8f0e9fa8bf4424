"""Personal data never reaches the logs of the Rasa server or the action server.

Both servers read ``bot/logging.yml`` (``tools/stack.py`` passes it; the option
is spelled differently by the two programs)::

    rasa run ... --logging-config-file bot/logging.yml
    python -m rasa_sdk ... --logging-config_file bot/logging.yml

That file declares one logging filter whose factory is :func:`install`: it
redacts every log record of the process with ``core.redaction``'s rules
(CCCD, CMND, phones, dossier codes, e-mails, names), message, traceback and
stack text, whatever logger or handler emits it, including the JSON lines of
Rasa's structlog and Python warnings (routed through logging: Rasa's warning for
a malformed ``/intent{...}`` message quotes it). In log lines, a quoted value of
3 to 8 digits only is redacted too (Rasa's DEBUG lines print the 4 phone digits
as ``parse_data_text="4321"``). Handlers, formats and levels stay Rasa's
(LOG_LEVEL, --debug).

The mechanism itself is pure Python logging and lives with the rules in
``core.redaction`` (:func:`install_log_redaction`), so that processes
that do not load Rasa (the API) can use it too.
"""

from __future__ import annotations

import logging

from core.redaction import RedactingLogFilter, install_log_redaction

RedactingFilter = RedactingLogFilter


def install() -> RedactingLogFilter:
    """The filter factory named in bot/logging.yml: installs process-wide redaction."""
    return install_log_redaction()


class ClientPayloadErrors(logging.Filter):
    """One warning line instead of a traceback when python-engineio fails to decode a client's payload.

    engineio logs every error of a polling POST with ``logger.exception`` ("post request
    handler error") and answers the client anyway; a malformed payload (``ValueError``:
    "Too many packets in payload", a bad packet) is the client's fault, not a server fault, and
    a stranger must not be able to fill the logs with tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, ValueError):
            record.msg = f"{record.getMessage()} (client payload refused: {type(error).__name__}: {error})"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True
