"""The personal-data log filter (bot/logging_filter.py) in a process of its own."""
from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

from bot.logging_filter import RedactingFilter
from scripts.stack import ROOT


def test_filter_rewrites_message_arguments_and_traceback():
    record = logging.LogRecord("rasa.core.processor", logging.DEBUG, __file__, 1,
                               "Received user message '%s'", ("tên tôi là An, cccd 079095001234",), None)
    try:
        raise ValueError("dossier 000.00.12.H48-251103-0021 not found for 0912345678")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True  # never drops a line
    text = logging.Formatter().format(record)
    for secret in ("079095001234", "An,", "000.00.12.H48-251103-0021", "0912345678"):
        assert secret not in text
    assert "[CCCD]" in text and "[MÃ HỒ SƠ]" in text and "ValueError" in text


def test_logging_config_installs_it_for_every_logger_and_later_handlers(tmp_path):
    """What `--logging-config-file bot/logging.yml` does in the Rasa server and the action server."""
    script = textwrap.dedent(f"""
        import logging, logging.config, sys, yaml
        logging.config.dictConfig(yaml.safe_load(open({str(ROOT / 'bot' / 'logging.yml')!r})))
        logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(name)s %(message)s")  # added later
        logging.getLogger("rasa.core.processor").debug("Received user message 'sdt %s'", "0912345678")
        try:
            raise RuntimeError("tên tôi là Nguyễn Văn An")
        except RuntimeError:
            logging.getLogger("rasa_sdk.executor").exception("action failed")
        print(logging.getLogger("x").makeRecord("x", 20, "f", 1, "ok %s", ("079095001234",), None).getMessage())
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "0912345678" not in out and "079095001234" not in out and "Nguyễn" not in out
    assert "[SĐT]" in out and "[HỌ TÊN]" in out and "ok [CCCD]" in out
