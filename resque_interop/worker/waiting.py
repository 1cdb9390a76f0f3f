"""Waiting for a job without polling and without taking it out of Redis.

An idle worker blocks on ``BLMOVE q q LEFT LEFT`` for each of its queues, one
connection per queue (:mod:`resque_interop.store.waits` owns them), each in a thread:
BLMOVE with the same source and destination returns as soon as ``q`` holds a job and leaves the job where it
was (a blocking peek). The first to return wakes the worker, which then
reserves atomically in priority order; the other waits are cut short with
``CLIENT UNBLOCK``. Where the server lacks BLMOVE (Redis < 6.2) the worker
falls back to an adaptive poll.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures

import redis

from ..runtime.logfmt import format_error
from ..schema.keys import Keys
from ..store.redis_errors import refusal
from ..store.waits import WAIT_CAP, WaitConnections

log = logging.getLogger("resque_interop.worker")


class BlockingUnsupported(Exception):
    """The server has no BLMOVE."""


class QueueWaiter:
    """Blocks until one of some queues holds a job, or ``wake`` is set."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self._conns = WaitConnections(client, keys)
        self._pool: ThreadPoolExecutor | None = None
        self._futures: dict[str, Future[bool]] = {}  # the last wait's, released again at close
        self.supported = True

    def _block(self, queue: str, timeout: float, ready: threading.Event) -> bool:
        self._conns.connect(queue)
        try:
            got = self._conns.peek(queue, timeout)
        except redis.ResponseError as exc:
            if "unknown command" in str(exc).lower():
                raise BlockingUnsupported(str(exc)) from None
            if str(exc).startswith("WRONGTYPE"):
                return False  # not a list: the reserve skips it and says so; this wait times out
            if refusal(exc) is not None:
                # BLMOVE is a write Redis refuses while out of memory (or read-only): no job
                # can be taken meanwhile anyway, so this wait times out (the worker's reserve
                # says why) rather than spin on the refusal
                return False
            self._conns.drop(queue)
            ready.set()  # let the worker retry now rather than after the whole wait
            raise
        except redis.RedisError:
            self._conns.drop(queue)
            ready.set()
            raise
        if got:
            ready.set()
        return got

    def wait(self, queues: Sequence[str], timeout: float, wake: threading.Event) -> bool:
        """True when a job arrived (or may have), False on timeout or wake-up."""
        if not queues or not self.supported:
            wake.wait(timeout)
            return False
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=64, thread_name_prefix="resque-wait")
        futures = {q: self._pool.submit(self._block, q, timeout, wake) for q in queues}
        self._futures = futures
        wake.wait(timeout + 1.0)
        self._release(futures)
        got = False
        for f in futures.values():
            try:
                got = f.result(timeout=0.5) or got
            except BlockingUnsupported as exc:
                log.warning("no BLMOVE on this server (%s): polling instead", exc)
                self.supported = False
            except Exception as exc:  # noqa: BLE001 - a lost connection is retried by the caller
                log.debug("wait on a queue failed: %s", format_error(exc))
        return got

    def _release(self, futures: dict[str, Future[bool]], patience: float = 5.0) -> None:
        """Unblock the waits still blocked, again and again until each has returned: an
        UNBLOCK that reaches Redis before its BLMOVE does is lost, and would leave that wait
        blocked for up to WAIT_CAP (a shutdown then hangs on it)."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            pending = [q for q, f in futures.items() if not f.done()]
            if not pending:
                return
            for q in pending:
                self._conns.unblock(q)
            wait_futures([futures[q] for q in pending], timeout=0.05)

    def forget(self, keep: Sequence[str]) -> None:
        """Close the connections of queues no longer resolved."""
        self._conns.forget(keep)

    def close(self) -> None:
        """Stop waiting for good."""
        if self._pool is not None:
            self._release(self._futures, patience=WAIT_CAP + 5.0)
            self._pool.shutdown(wait=True)
            self._pool = None
        self.forget([])
