"""A lean lane to Redis for the hot paths (enqueue, reserve/finish).

redis-py's pipeline machinery costs more per call than a Redis round trip on
loopback. The lane keeps one connection per process and thread (borrowed from
the client's own pool, so TLS, auth and unix sockets behave the same, and
``max_connections`` counts it once however often it reconnects), writes
pre-packed RESP and reads the replies with the pool's parser (hiredis when
installed). A new pid (after fork) borrows a new connection; a broken one is
reconnected once, as redis-py retries.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .scripts import LuaScript


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


class _Lent:
    """A pool connection lent to one thread's lane: counted by the pool as in use, and
    handed back when the thread ends (its thread-local slot is dropped) or the lane closes."""

    def __init__(self, pool: redis.ConnectionPool, conn: Any) -> None:
        self.conn = conn
        self.pid = os.getpid()
        self._give_back = weakref.finalize(self, pool.release, conn)

    def give_back(self) -> None:
        self._give_back()


class Lane:
    """Sends packed commands on a connection of its own and reads their replies.

    Each thread borrows one connection from the client's pool (``get_connection``) and
    keeps it; a broken connection is disconnected and the same one connects again, so a
    reconnect never takes another of the pool's ``max_connections``. The loan ends with
    the thread or :meth:`close` (``release``): the lane and the pool count the same
    connections."""

    def __init__(self, client: redis.Redis[bytes]) -> None:
        self._client = client
        self._pool = client.connection_pool
        self._local = threading.local()

    def _conn(self) -> Any:
        local = self._local
        lent = getattr(local, "lent", None)
        if lent is None or lent.pid != os.getpid():
            # after fork the pool starts afresh: the parent's loan is the parent's to end
            local.lent = None
            lent = local.lent = _Lent(self._pool, self._pool.get_connection())
        return lent.conn

    def call(self, packed: bytes, replies: int = 1) -> list[Any]:
        """Send ``packed`` (one or more commands), return ``replies`` replies; a
        Redis error reply is raised after all replies are read."""
        for attempt in (0, 1):
            conn = self._conn()
            try:
                # a disconnected connection connects again here (send_packed_command does)
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
                conn.disconnect()  # kept: the next try reconnects the same connection
                if attempt:
                    raise
            except BaseException:
                # interrupted between send and the last reply (a signal's exception): the
                # replies still due would answer the next call, so this socket is closed
                conn.disconnect()
                raise
        raise AssertionError("unreachable")

    def run_script(self, script: LuaScript, keys: Sequence[str], args: Sequence[bytes | str]) -> Any:
        """EVALSHA on the lane, loading the script once when the server lacks it."""
        packed = pack(b"EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return self.call(packed)[0]
        except NoScriptError:
            self._client.execute_command("SCRIPT LOAD", script.source)
            return self.call(packed)[0]

    def close(self) -> None:
        """End this thread's loan: its connection goes back to the pool."""
        lent = getattr(self._local, "lent", None)
        self._local.lent = None
        if lent is not None and lent.pid == os.getpid():
            lent.give_back()
