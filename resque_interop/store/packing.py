"""The producer's hot-path commands, packed as RESP once for both stores: the
blocking :class:`~resque_interop.store.datastore.DataStore` and the asyncio one send the
same bytes, so they write the same keys in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from redis.exceptions import WatchError

from ..schema.keys import Keys, delayed_name
from .lane import pack


def push_command(keys: Keys, queue: str, data: bytes, front: bool = False) -> bytes:
    """SADD queues + RPUSH (LPUSH when ``front``): Ruby's ``Resque.push``; two replies."""
    return pack(b"SADD", keys.queues, queue.encode()) + pack(
        b"LPUSH" if front else b"RPUSH", keys.queue(queue), data
    )


def push_batches(keys: Keys, items: Iterable[tuple[str, bytes]], batch: int = 1000) -> Iterator[tuple[bytes, int, int]]:
    """``(packed, replies, jobs)`` per batch of ``(queue, data)`` pairs: one SADD of the
    batch's queues, then one RPUSH per run of jobs bound for the same queue."""
    commands: list[bytes] = []
    names: dict[str, None] = {}
    run_queue: str | None = None
    run: list[bytes] = []
    pending = 0

    def close_run() -> None:
        if run:
            commands.append(pack(b"RPUSH", keys.queue(run_queue or ""), *run))
            run.clear()

    def flush() -> tuple[bytes, int, int]:
        close_run()
        head = pack(b"SADD", keys.queues, *[n.encode() for n in names])
        out = (head + b"".join(commands), len(commands) + 1, pending)
        commands.clear()
        names.clear()
        return out

    for queue, data in items:
        if queue != run_queue:
            close_run()
            run_queue = queue
        names.setdefault(queue, None)
        run.append(data)
        pending += 1
        if pending >= batch:
            yield flush()
            pending = 0
    if pending:
        yield flush()


def delayed_push_command(keys: Keys, timestamp: int, data: bytes) -> bytes:
    """resque-scheduler's ``delayed_push`` in one MULTI: RPUSH delayed:<ts>, SADD
    timestamps:<item>, ZADD the schedule; five replies, the last EXEC's."""
    ts = str(int(timestamp))
    return (
        pack(b"MULTI")
        + pack(b"RPUSH", keys.delayed(timestamp), data)
        + pack(b"SADD", keys.timestamps(data), delayed_name(timestamp))
        + pack(b"ZADD", keys.delayed_schedule, ts, ts)
        + pack(b"EXEC")
    )


def exec_reply(replies: list[Any]) -> list[Any]:
    """The EXEC reply of a packed MULTI, raising the first error a command in it met
    (as redis-py's transaction pipeline does)."""
    result = replies[-1]
    if result is None:
        raise WatchError("the transaction was aborted")
    for item in result:
        if isinstance(item, Exception):
            raise item
    return list(result)
