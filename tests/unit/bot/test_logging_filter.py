"""The personal-data log filter (bot/logging_filter.py) in a process of its own."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap

from bot.logging_filter import RedactingFilter
from core.redaction import scan_personal_data
from tests.support import ROOT

CODE = "000.00.12.H48-251103-0021"


def test_filter_rewrites_message_arguments_and_traceback():
    record = logging.LogRecord(
        "rasa.core.processor",
        logging.DEBUG,
        __file__,
        1,
        "Received user message '%s'",
        ("tên tôi là An, cccd 079095001234",),
        None,
    )
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


def test_rasa_debug_logs_and_warnings_carry_no_raw_personal_data():
    """Rasa's own logging set-up at DEBUG, as `rasa run --debug --logging-config-file bot/logging.yml`.

    Before: the warning for a malformed `/intent{...}` message was printed by the
    warnings module, past the log redaction, with the code and phone as typed; the 4
    digits of the digits step were logged raw (nothing in "4321" says what it is).
    """
    script = textwrap.dedent(f"""
        import logging, os, sys
        os.chdir({str(ROOT)!r})
        from rasa.utils.common import configure_logging_and_warnings
        from rasa.utils.log_utils import configure_structlog
        configure_logging_and_warnings(logging.DEBUG, logging_config_file="bot/logging.yml")
        configure_structlog(logging.DEBUG)
        import structlog
        from rasa.core.processor import MessageProcessor
        from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
        from rasa.shared.core.events import SlotSet
        from rasa.shared.core.slots import TextSlot
        from rasa.shared.core.trackers import DialogueStateTracker
        from rasa.shared.nlu.training_data.message import Message

        # A typed intent with broken JSON: Rasa warns with the whole line.
        line = '/check_dossier_status{{"dossier_code": "{CODE}", "phone_last4": 4321, sdt 0912345678'
        RegexMessageHandler().process([Message(data={{"text": line}})])
        # What MessageProcessor.parse_message logs for the digits step, and its slot log.
        structlog.get_logger().debug("processor.message.parse", parse_data_text="4321",
                                     parse_data_intent={{"name": "inform", "confidence": 0.9876}},
                                     parse_data_entities=[{{"entity": "phone_last4", "start": 0, "end": 4,
                                                           "confidence_entity": 0.9987, "value": "4321"}}])
        # What RulePolicy logs of the conversation's states (the digits step is a from_text slot).
        structlog.get_logger().debug("rule_policy.actions.find", current_states=(
            "[state 7] user text: 4321 | previous action name: action_listen | active loop: {{'name': 'dossier_form'}}"))
        slots = [TextSlot(name, mappings=[{{}}]) for name in ("dossier_code", "phone_last4")]
        tracker = DialogueStateTracker("citizen", slots)
        tracker.update(SlotSet("dossier_code", "{CODE}"))
        tracker.update(SlotSet("phone_last4", "4321"))
        MessageProcessor._log_slots(tracker)
        logging.getLogger("rasa_sdk.forms").debug("Validating extracted slots: %s", {{"phone_last4": "4321"}})
        try:
            raise ValueError("no dossier {CODE} for CCCD 079095001234")
        except ValueError:
            logging.getLogger("rasa.core.actions.action").exception("action failed")
        print("done")
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0 and "done" in out, out[-3000:]
    for secret in (CODE, "0912345678", "079095001234"):
        assert secret not in out, secret
    assert not re.search(r"(?<![\w.])4321(?![\w])", out), out[-3000:]
    assert scan_personal_data(out) == []
    assert "Failed to parse arguments" in out  # the warning is still there, redacted
    assert "[MÃ HỒ SƠ]" in out and "[4 SỐ CUỐI]" in out and "[CCCD]" in out
    assert "0.9876" in out  # numbers that are not personal data stay
    assert "previous action name: action_listen" in out  # "name:" is not a person's name


def test_a_clients_malformed_socketio_payload_is_one_warning_line_not_a_traceback(capsys):
    """python-engineio logs a client's undecodable polling payload with logger.exception."""
    import io
    import logging.config

    import yaml

    from bot.logging_filter import ClientPayloadErrors

    config = yaml.safe_load((ROOT / "bot" / "logging.yml").read_text(encoding="utf-8"))
    assert "client_payload_errors" in config["loggers"]["engineio.server"]["filters"]
    logger = logging.getLogger("engineio.server.test")
    logger.addFilter(ClientPayloadErrors())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("Too many packets in payload")
        except ValueError:
            logger.exception("post request handler error")
        try:
            raise RuntimeError("a real server fault")
        except RuntimeError:
            logger.exception("post request handler error")
    finally:
        logger.removeHandler(handler)
    client, server = stream.getvalue().split("post request handler error", 2)[1:]
    assert "Traceback" not in client and "Too many packets in payload" in client
    assert "Traceback" in server  # a server fault keeps its traceback
