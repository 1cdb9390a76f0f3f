"""An Event that a signal handler may set.

Python runs a signal handler in the main thread between two bytecodes, which
can be while that same thread is inside ``Event.clear``, ``Event.wait`` or
another handler's ``Event.set``, holding the Event's lock. ``threading.Event``'s
lock is not reentrant, so the handler's ``set()`` then waits on its own thread
forever: a worker sent QUIT and, a moment later, CONT (as systemd and
``timeout(1)`` do when they stop a process) hung in about one stop in five.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque


class SignalSafeEvent(threading.Event):
    """``threading.Event`` whose lock the main thread may take again from a signal handler."""

    def __init__(self) -> None:
        super().__init__()
        # a reentrant lock: the handler's set() proceeds in the thread that holds it
        self._cond = threading.Condition(threading.RLock())


class SignalLog:
    """Log lines written on behalf of signal handlers, from a thread of their own.

    A handler runs in the main thread between two bytecodes, possibly in the middle of
    that thread's own write to the log stream; logging there again can fail with
    "reentrant call" on the stream's buffer. ``note()`` only appends to a deque and
    sets a reentrant-safe event; a daemon thread logs the line as soon as the main
    thread has let go of the stream (it takes the handler's lock, as any thread does).
    """

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self._lines: deque[str] = deque()
        self._pending = SignalSafeEvent()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def note(self, line: str) -> None:
        """Queue ``line`` (safe in a signal handler) and start the writer if needed."""
        self._lines.append(line)
        self._pending.set()
        if self._thread is None or self._pid != os.getpid():
            # started lazily, again after a fork (threads do not survive one)
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="signal-log", daemon=True)
            self._thread.start()

    def flush(self) -> None:
        """Log what is queued now, in this thread (at exit, so nothing noted is lost).
        At WARNING: a signal is an operator's act, shown without -v as well."""
        while self._lines:
            try:
                line = self._lines.popleft()
            except IndexError:  # the writer thread took it first
                return
            self.logger.warning("%s", line)

    def _run(self) -> None:
        while True:
            self._pending.wait()
            self._pending.clear()
            self.flush()
