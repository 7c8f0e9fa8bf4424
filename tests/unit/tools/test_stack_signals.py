"""make run's runner stops on a burst of signals (tools/stack.py's StopRequest).

make forwards one more SIGTERM to the runner that the process group's SIGTERM already reached.
A handler calling threading.Event.set() deadlocked when the second signal's handler ran inside
the first one's set(), while it held the event's lock: 11 of 20 such children hung.
"""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

RUNNER = textwrap.dedent(
    """
    import signal
    import sys

    from tools.stack import StopRequest

    stop = StopRequest()
    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    while not stop.wait(2):
        pass
    print("stopped", flush=True)
    sys.stdin.read()  # exits when the test closes stdin: not while the burst still arrives
    """
)


@pytest.mark.parametrize("attempt", range(5))
def test_a_burst_of_sigterms_stops_the_runner_at_once(attempt):
    child = subprocess.Popen(
        [sys.executable, "-c", RUNNER], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline() == "ready\n"
    for _ in range(2000):
        try:
            os.kill(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            break
    try:
        out, _ = child.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        pytest.fail("the runner hung in its signal handler")
    assert child.returncode == 0
    assert out == "stopped\n"


def test_wait_returns_false_when_no_stop_is_requested():
    from tools.stack import StopRequest

    assert StopRequest().wait(0.2) is False
