"""Waiting for a job without polling and without taking it out of Redis.

An idle worker blocks on ``BLMOVE q q LEFT LEFT`` for each of its queues, one
connection per queue, each in a thread: BLMOVE with the same source and
destination returns as soon as ``q`` holds a job and leaves the job where it
was (a blocking peek). The first to return wakes the worker, which then
reserves atomically in priority order; the other waits are cut short with
``CLIENT UNBLOCK``. Where the server lacks BLMOVE (Redis < 6.2) the worker
falls back to an adaptive poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import redis

from ..schema.keys import Keys

log = logging.getLogger("resque_interop.worker")

# One BLMOVE blocks at most this long; its connection reads with a timeout above
# it (redis-py >= 8 reads with a 5 s timeout by default, shorter than a wait).
WAIT_CAP = 30.0


class BlockingUnsupported(Exception):
    """The server has no BLMOVE."""


class QueueWaiter:
    """Blocks until one of some queues holds a job, or ``wake`` is set."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._client = client
        self._keys = keys
        self._pool: ThreadPoolExecutor | None = None
        self._conns: dict[str, tuple[redis.Redis, int]] = {}
        self._lock = threading.Lock()
        self.supported = True

    def _conn(self, queue: str) -> tuple[redis.Redis, int]:
        with self._lock:
            found = self._conns.get(queue)
            if found is None:
                kwargs = dict(self._client.connection_pool.connection_kwargs)
                kwargs["socket_timeout"] = WAIT_CAP + 10.0
                pool = self._client.connection_pool.__class__(
                    connection_class=self._client.connection_pool.connection_class,
                    max_connections=1,
                    **kwargs,
                )
                conn = redis.Redis(connection_pool=pool)
                found = (conn, int(conn.client_id()))
                self._conns[queue] = found
            return found

    def _drop(self, queue: str) -> None:
        """Forget a connection after an error: a reconnect would carry a new client id."""
        with self._lock:
            found = self._conns.pop(queue, None)
        if found is not None:
            found[0].close()

    def _block(self, queue: str, timeout: float, ready: threading.Event) -> bool:
        conn, _ = self._conn(queue)
        key = self._keys.queue(queue)
        try:
            got = conn.blmove(key, key, min(timeout, WAIT_CAP), "LEFT", "LEFT") is not None
        except redis.ResponseError as exc:
            if "unknown command" in str(exc).lower():
                raise BlockingUnsupported(str(exc)) from None
            if str(exc).startswith("WRONGTYPE"):
                return False  # not a list: the reserve skips it and says so; this wait times out
            self._drop(queue)
            ready.set()  # let the worker retry now rather than after the whole wait
            raise
        except redis.RedisError:
            self._drop(queue)
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
        futures: list[Future[bool]] = [
            self._pool.submit(self._block, q, timeout, wake) for q in queues
        ]
        wake.wait(timeout + 1.0)
        pending = [q for q, f in zip(queues, futures) if not f.done()]
        for q in pending:
            with self._lock:
                found = self._conns.get(q)
            if found is None:
                continue  # its wait already failed and dropped its connection
            try:
                self._client.client_unblock(found[1], error=False)
            except redis.RedisError:
                pass
        got = False
        for f in futures:
            try:
                got = f.result(timeout=5.0) or got
            except BlockingUnsupported as exc:
                log.warning("no BLMOVE on this server (%s): polling instead", exc)
                self.supported = False
            except Exception as exc:  # noqa: BLE001 - a lost connection is retried by the caller
                log.debug("wait on a queue failed: %r", exc)
        return got

    def forget(self, keep: Sequence[str]) -> None:
        """Close the connections of queues no longer resolved."""
        with self._lock:
            for q in [q for q in self._conns if q not in keep]:
                conn, _ = self._conns.pop(q)
                conn.close()

    def close(self) -> None:
        """Stop waiting for good."""
        if self._pool is not None:
            for _, client_id in list(self._conns.values()):
                try:
                    self._client.client_unblock(client_id, error=False)
                except redis.RedisError:
                    pass
            self._pool.shutdown(wait=True)
            self._pool = None
        self.forget([])
