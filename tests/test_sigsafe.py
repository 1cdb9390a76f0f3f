"""A signal handler that sets the worker's wake-up Event while the main thread is
inside that Event (clear, wait, or another handler's set) must not hang: systemd
and timeout(1) follow QUIT with CONT, and both handlers set it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .support.workers import ROOT

PROBE = """
import os, signal, sys, threading
from resque_interop.runtime.sigsafe import SignalSafeEvent

event = SignalSafeEvent() if sys.argv[1] == "safe" else threading.Event()
signal.signal(signal.SIGUSR2, lambda *_: event.set())
with event._cond:  # the main thread inside the Event, as in clear() or wait()
    os.kill(os.getpid(), signal.SIGUSR2)  # its handler runs here, in this thread
    for _ in range(1000):
        pass
print("set" if event.is_set() else "not set")
"""


@pytest.mark.parametrize("kind", ["safe", "plain"])
def test_a_handler_can_set_the_event_the_main_thread_is_inside(kind: str) -> None:
    cmd = [sys.executable, "-c", PROBE, kind]
    if kind == "plain":  # threading.Event deadlocks here: what the worker used before
        with pytest.raises(subprocess.TimeoutExpired):
            subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3)
        return
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "set"
