"""A lean lane to Redis for the hot paths (enqueue, reserve/finish).

redis-py's pipeline machinery costs more per call than a Redis round trip on
loopback. The lane keeps one connection per process and thread (made by the
client's own pool, so TLS, auth and unix sockets behave the same), writes
pre-packed RESP and reads the replies with the pool's parser (hiredis when
installed). A new pid (after fork) gets a new connection; a broken one is
reconnected once, as redis-py retries.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


def pack(*args: bytes | str | int) -> bytes:
    """One command in RESP."""
    parts = [b"*%d\r\n" % len(args)]
    for arg in args:
        if isinstance(arg, str):
            data = arg.encode()
        elif isinstance(arg, int):
            data = b"%d" % arg
        else:
            data = arg
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class Lane:
    """Sends packed commands on a connection of its own and reads their replies."""

    def __init__(self, client: redis.Redis) -> None:
        self._pool = client.connection_pool
        self._local = threading.local()

    def _conn(self) -> Any:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = self._pool.make_connection()
            conn.connect()
            local.conn, local.pid = conn, os.getpid()
        return conn

    def call(self, packed: bytes, replies: int = 1) -> list[Any]:
        """Send ``packed`` (one or more commands), return ``replies`` replies; a
        Redis error reply is raised after all replies are read."""
        for attempt in (0, 1):
            conn = self._conn()
            try:
                conn.send_packed_command([packed], check_health=False)
                out = []
                error = None
                for _ in range(replies):
                    try:
                        out.append(conn.read_response())
                    except ResponseError as exc:
                        error = error or exc
                        out.append(exc)
                if error is not None:
                    raise error
                return out
            except (RedisConnectionError, RedisTimeoutError, OSError):
                conn.disconnect()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.disconnect()
            self._local.conn = None
