"""A stretch of Redis not answering, or refusing writes, as a worker lives through it:
when it began (so the worker logs it once, and how long it lasted once Redis is
back) and the pause before each new try."""

from __future__ import annotations

import os
import time

import redis

from ..runtime.logfmt import format_error
from ..store.redis_errors import refusal

#: The longest pause between two tries while Redis does not answer: an idle worker
#: takes new work within about this long of Redis answering again.
#: ``RESQUE_MAX_BACKOFF`` (seconds) changes it per process.
MAX_BACKOFF = 2.0
FIRST_BACKOFF = 0.1
#: how the reason of a refused write begins (see :func:`passing_fault`)
REFUSED = "Redis refuses writes: "
_LOST = (redis.ConnectionError, redis.TimeoutError)


def passing_fault(exc: BaseException) -> str | None:
    """What a fault that passes is, in one line: a lost connection (or a timeout) or a
    write Redis refused (out of memory, read-only replica, ...); None for any other error."""
    if isinstance(exc, _LOST):
        return f"lost Redis ({format_error(exc)})"
    why = refusal(exc)
    return None if why is None else REFUSED + why


def max_backoff() -> float:
    """The cap on the pause between tries: ``RESQUE_MAX_BACKOFF`` when set, else MAX_BACKOFF."""
    value = os.environ.get("RESQUE_MAX_BACKOFF")
    return float(value) if value not in (None, "") else MAX_BACKOFF


class Outage:
    """Back-off from FIRST_BACKOFF (or the cap, when lower), doubling, capped at
    :func:`max_backoff`; one per retry loop."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.reason = ""
        self.cap = max_backoff()
        self._delay = min(FIRST_BACKOFF, self.cap)

    @property
    def ongoing(self) -> bool:
        """Whether a try has failed since this loop began."""
        return self.started is not None

    def begin(self, reason: str = "") -> bool:
        """Note a failed try and why; True for the first one and whenever the reason
        changes (the ones to log)."""
        first = self.started is None
        if first:
            self.started = time.monotonic()
        new = first or reason != self.reason
        self.reason = reason
        return new

    @property
    def refused(self) -> bool:
        """Whether the last failed try was a refused write (Redis answered)."""
        return self.reason.startswith(REFUSED)

    def over(self) -> str:
        """The line to log when a try succeeds after failed ones."""
        if self.refused:
            return f"Redis accepts writes again after {self.lasted():.1f}s"
        return f"Redis is back after {self.lasted():.1f}s"

    def lasted(self) -> float:
        """Seconds since the first failed try."""
        return 0.0 if self.started is None else time.monotonic() - self.started

    def next_delay(self) -> float:
        """How long to wait before the next try."""
        delay = self._delay
        self._delay = min(delay * 2, self.cap)
        return delay
