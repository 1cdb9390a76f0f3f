"""The blocking peeks an idle worker waits on: ``BLMOVE q q LEFT LEFT``, one connection of
its own per queue (a pool of one, made like the client's own), and ``CLIENT UNBLOCK`` to cut
a wait short. :mod:`resque_interop.worker.waiting` runs them in threads and decides what an
error means."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import redis

from ..schema.keys import Keys

# One BLMOVE blocks at most this long; its connection reads with a timeout above
# it (redis-py >= 8 reads with a 5 s timeout by default, shorter than a wait).
WAIT_CAP = 30.0


def _close(client: redis.Redis[bytes]) -> None:
    """Close a wait's own pool (one connection) for good: a client made on a pool
    leaves the pool open when it closes, its socket to the garbage collector."""
    client.close()
    client.connection_pool.disconnect()


class WaitConnections:
    """One connection per queue for its blocking peek, kept between waits."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self._client = client
        self._keys = keys
        self._conns: dict[str, tuple[redis.Redis[bytes], int]] = {}
        self._lock = threading.Lock()

    def connect(self, queue: str) -> redis.Redis[bytes]:
        """The queue's connection, made (and its client id asked) on first use."""
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
                conn: redis.Redis[bytes] = redis.Redis(connection_pool=pool)
                found = (conn, int(conn.client_id()))
                self._conns[queue] = found
            return found[0]

    def peek(self, queue: str, timeout: float) -> bool:
        """Block until ``queue:<queue>`` holds a job (True) or ``timeout`` (at most
        :data:`WAIT_CAP`) passes (False), leaving the job where it is. Redis's errors
        are raised as they come (the caller decides; :meth:`drop` forgets the connection)."""
        conn = self.connect(queue)
        key = self._keys.queue(queue)
        return conn.blmove(key, key, min(timeout, WAIT_CAP), "LEFT", "LEFT") is not None

    def drop(self, queue: str) -> None:
        """Forget a queue's connection after an error: a reconnect would carry a new client id."""
        with self._lock:
            found = self._conns.pop(queue, None)
        if found is not None:
            _close(found[0])

    def unblock(self, queue: str) -> None:
        """CLIENT UNBLOCK the queue's wait, if it has a connection (an error is ignored:
        the wait ends by itself at its timeout)."""
        with self._lock:
            found = self._conns.get(queue)
        if found is None:
            return  # not connected yet, or its wait failed and dropped the connection
        try:
            self._client.client_unblock(found[1], error=False)
        except redis.RedisError:
            pass

    def forget(self, keep: Sequence[str]) -> None:
        """Close the connections of queues not in ``keep``."""
        with self._lock:
            for q in [q for q in self._conns if q not in keep]:
                conn, _ = self._conns.pop(q)
                _close(conn)
