"""The asyncio client's Redis I/O: the same commands as :mod:`resque_interop.store`,
on redis.asyncio. The hot-path commands come packed from
:mod:`resque_interop.store.packing`, so both clients send the same bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..errors import ConnectionConfigError
from ..schema.keys import Keys
from ..schema.readable import text
from ..store.connection import normalize_url, sentinel_address, url_from_env
from ..store.packing import delayed_push_command, exec_reply, push_batches, push_command


def connect_async(address: str | aioredis.Redis[bytes] | None = None, **kwargs: Any) -> aioredis.Redis[bytes]:
    """A redis.asyncio client for the addresses :func:`resque_interop.store.connection.connect` takes."""
    if isinstance(address, aioredis.Redis):
        return address
    if address is not None and not isinstance(address, str):
        raise TypeError(f"AsyncResque needs a redis.asyncio client or an address, not {type(address).__name__}")
    url = normalize_url(address or url_from_env())
    if url.startswith("redis-sentinel://"):
        from redis.asyncio.sentinel import Sentinel

        nodes, service, db = sentinel_address(url)
        return Sentinel(nodes).master_for(service, db=db, **kwargs)
    try:
        return aioredis.Redis.from_url(url, **kwargs)
    except ValueError as exc:
        raise ConnectionConfigError(f"cannot use Redis URL {url!r}: {exc}") from None


class AsyncLane:
    """Sends packed commands on connections of its own (made by the client's pool,
    so TLS, auth and unix sockets behave the same) and reads their replies. Each
    concurrent call holds one connection for its round trip; at most
    ``max_connections`` are open (further calls wait their turn), and they are
    kept for the next calls."""

    def __init__(self, client: aioredis.Redis[bytes], max_connections: int = 128) -> None:
        self._pool = client.connection_pool
        self._idle: list[Any] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def call(self, packed: bytes, replies: int = 1) -> list[Any]:
        """Send ``packed`` (one or more commands), return ``replies`` replies; a Redis
        error reply is raised after all replies are read. A broken connection is
        replaced once, as the blocking lane does."""
        async with self._slots:
            for attempt in (0, 1):
                conn = self._idle.pop() if self._idle else self._pool.make_connection()
                try:
                    if not conn.is_connected:
                        await conn.connect()
                    await conn.send_packed_command([packed], check_health=False)
                    out: list[Any] = []
                    error: ResponseError | None = None
                    for _ in range(replies):
                        try:
                            out.append(await conn.read_response())
                        except ResponseError as exc:
                            error = error or exc
                            out.append(exc)
                except (RedisConnectionError, RedisTimeoutError, OSError):
                    await conn.disconnect(nowait=True)
                    if attempt:
                        raise
                    # one broken connection means the kept ones likely are too (a restarted
                    # server): the retry gets a fresh one, as the blocking lane's does
                    await self.close(nowait=True)
                    continue
                except BaseException:
                    # cancelled between send and the last reply: the replies still due would
                    # answer the next caller, so this connection is never reused
                    await conn.disconnect(nowait=True)
                    raise
                self._idle.append(conn)
                if error is not None:
                    raise error
                return out
            raise AssertionError("unreachable")

    async def close(self, nowait: bool = False) -> None:
        """Close the idle connections."""
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.disconnect(nowait=nowait)


class AsyncDataStore:
    """The producer's and the read API's commands over one redis.asyncio client."""

    def __init__(self, client: aioredis.Redis[bytes], keys: Keys, max_connections: int = 128) -> None:
        self.redis = client
        self.keys = keys
        self.lane = AsyncLane(client, max_connections)

    async def close(self, client_too: bool = True) -> None:
        """Close the lane's connections, and the client's own when ``client_too``."""
        await self.lane.close()
        if client_too:
            close = getattr(self.redis, "aclose", None) or self.redis.close
            await close()

    async def push(self, queue: str, data: bytes, front: bool = False) -> None:
        """SADD queues + RPUSH (LPUSH when ``front``) in one round trip, as Ruby."""
        await self.lane.call(push_command(self.keys, queue, data, front), 2)

    async def push_many(self, items: Iterable[tuple[str, bytes]], batch: int = 1000) -> int:
        """Push many (queue, data) pairs, one round trip per batch (see ``packing.push_batches``)."""
        count = 0
        for packed, replies, jobs in push_batches(self.keys, items, batch):
            await self.lane.call(packed, replies)
            count += jobs
        return count

    async def delayed_push(self, timestamp: int, data: bytes) -> None:
        """resque-scheduler's ``delayed_push`` in one MULTI."""
        exec_reply(await self.lane.call(delayed_push_command(self.keys, timestamp, data), 5))

    async def size(self, queue: str) -> int:
        return int(await self.redis.llen(self.keys.queue(queue)))

    async def sizes(self, queues: Sequence[str]) -> list[int]:
        """LLEN of many queues in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for q in queues:
            pipe.llen(self.keys.queue(q))
        return [int(n) for n in await pipe.execute()]

    async def list_index(self, key: str, index: int) -> bytes | None:
        return await self.redis.lindex(key, index)

    async def queue_range(self, queue: str, start: int, count: int) -> list[bytes]:
        """Raw jobs ``start`` .. ``start+count-1`` of a queue."""
        if count <= 0:
            return []
        return list(await self.redis.lrange(self.keys.queue(queue), start, start + count - 1))

    async def queue_names(self) -> list[str]:
        return sorted(text(n) for n in await self.redis.smembers(self.keys.queues))

    async def summary(self, failure_lists: str) -> tuple[dict[str, int], int, int, int, int]:
        """(queue sizes, processed, workers, working, failed) in two round trips.
        ``failure_lists`` is ``"failed"`` (the Redis backend's one list) or
        ``"failed_queues"`` (RedisMultiQueue: every list that set names)."""
        keys = self.keys
        pipe = self.redis.pipeline(transaction=False)
        pipe.smembers(keys.queues)
        pipe.smembers(keys.workers)
        pipe.get(keys.stat("processed"))
        pipe.smembers(keys.failed_queues)
        queue_set, worker_set, processed, failed_set = await pipe.execute()
        names = sorted(text(n) for n in queue_set)
        workers = sorted(text(n) for n in worker_set)
        lists = sorted(text(n) for n in failed_set) if failure_lists == "failed_queues" else ["failed"]
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.llen(keys.queue(name))
        for name in lists:
            pipe.llen(keys.failed_list(name))
        if workers:
            pipe.mget([keys.worker(w) for w in workers])
        replies = await pipe.execute()
        sizes = {name: int(n) for name, n in zip(names, replies)}
        failed = sum(int(n) for n in replies[len(names): len(names) + len(lists)])
        working = sum(1 for v in replies[-1] if v) if workers else 0
        return sizes, int(processed) if processed is not None else 0, len(workers), working, failed
