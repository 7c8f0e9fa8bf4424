"""Personal data never reaches the logs of the Rasa server or the action server.

Both servers read ``bot/logging.yml`` (``scripts/stack.py`` passes it; the option
is spelled differently by the two programs)::

    rasa run ... --logging-config-file bot/logging.yml
    python -m rasa_sdk ... --logging-config_file bot/logging.yml

That file declares one logging filter whose factory is :func:`install`: it
redacts every log record of the process with ``procedures_db.privacy``'s rules
(CCCD, CMND, phones, dossier codes, e-mails, names), message, traceback and
stack text, whatever logger or handler emits it, including the JSON lines of
Rasa's structlog and Python warnings (routed through logging: Rasa's warning for
a malformed ``/intent{...}`` message quotes it). In log lines, a quoted value of
3 to 8 digits only is redacted too (Rasa's DEBUG lines print the 4 phone digits
as ``parse_data_text="4321"``). Handlers, formats and levels stay Rasa's
(LOG_LEVEL, --debug).

The mechanism itself is pure Python logging and lives with the rules in
``procedures_db.privacy`` (:func:`install_log_redaction`), so that processes
that do not load Rasa (the API) can use it too.
"""
from __future__ import annotations

from procedures_db.privacy import RedactingLogFilter, install_log_redaction

RedactingFilter = RedactingLogFilter


def install() -> RedactingLogFilter:
    """The filter factory named in bot/logging.yml: installs process-wide redaction."""
    return install_log_redaction()
