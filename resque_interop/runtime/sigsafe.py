"""An Event that a signal handler may set.

Python runs a signal handler in the main thread between two bytecodes, which
can be while that same thread is inside ``Event.clear``, ``Event.wait`` or
another handler's ``Event.set``, holding the Event's lock. ``threading.Event``'s
lock is not reentrant, so the handler's ``set()`` then waits on its own thread
forever: a worker sent QUIT and, a moment later, CONT (as systemd and
``timeout(1)`` do when they stop a process) hung in about one stop in five.
"""

from __future__ import annotations

import threading


class SignalSafeEvent(threading.Event):
    """``threading.Event`` whose lock the main thread may take again from a signal handler."""

    def __init__(self) -> None:
        super().__init__()
        # a reentrant lock: the handler's set() proceeds in the thread that holds it
        self._cond = threading.Condition(threading.RLock())
