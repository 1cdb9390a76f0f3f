"""A stretch of Redis not answering, or refusing writes, as a worker lives through it:
when it began (so the worker logs it once, and how long it lasted once Redis is
back) and the pause before each new try."""

from __future__ import annotations

import os
import time

#: The longest pause between two tries while Redis does not answer: an idle worker
#: takes new work within about this long of Redis answering again.
#: ``RESQUE_MAX_BACKOFF`` (seconds) changes it per process.
MAX_BACKOFF = 2.0
FIRST_BACKOFF = 0.1


def max_backoff() -> float:
    """The cap on the pause between tries: ``RESQUE_MAX_BACKOFF`` when set, else MAX_BACKOFF."""
    value = os.environ.get("RESQUE_MAX_BACKOFF")
    return float(value) if value not in (None, "") else MAX_BACKOFF


class Outage:
    """Back-off from FIRST_BACKOFF (or the cap, when lower), doubling, capped at
    :func:`max_backoff`; one per retry loop."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.cap = max_backoff()
        self._delay = min(FIRST_BACKOFF, self.cap)

    @property
    def ongoing(self) -> bool:
        """Whether a try has failed since this loop began."""
        return self.started is not None

    def begin(self) -> bool:
        """Note a failed try; True for the first one (the one to log)."""
        if self.started is not None:
            return False
        self.started = time.monotonic()
        return True

    def lasted(self) -> float:
        """Seconds since the first failed try."""
        return 0.0 if self.started is None else time.monotonic() - self.started

    def next_delay(self) -> float:
        """How long to wait before the next try."""
        delay = self._delay
        self._delay = min(delay * 2, self.cap)
        return delay
