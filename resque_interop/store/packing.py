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

#: one Redis command: its name and arguments, as :func:`~.lane.pack` and redis-py take them
Command = tuple[str | bytes | int, ...]


def push_commands(keys: Keys, queue: str, data: bytes, front: bool = False) -> list[Command]:
    """Ruby's ``Resque.push``: SADD queues, RPUSH queue:<name> (LPUSH when ``front``). The one
    spelling of it, packed here and recorded by the retry store's outcome writes."""
    return [("SADD", keys.queues, queue), ("LPUSH" if front else "RPUSH", keys.queue(queue), data)]


def push_command(keys: Keys, queue: str, data: bytes, front: bool = False) -> bytes:
    """:func:`push_commands` packed: SADD queues + RPUSH (LPUSH when ``front``); two replies."""
    register, push = push_commands(keys, queue, data, front)
    return pack(*register) + pack(*push)


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


def delayed_push_commands(keys: Keys, timestamp: int, data: bytes) -> list[Command]:
    """resque-scheduler's ``delayed_push``: RPUSH delayed:<ts>, SADD timestamps:<item>, ZADD
    the schedule (the one spelling, packed here and recorded by the retry store)."""
    ts = int(timestamp)
    return [("RPUSH", keys.delayed(ts), data), ("SADD", keys.timestamps(data), delayed_name(ts)),
            ("ZADD", keys.delayed_schedule, ts, ts)]


def delayed_push_command(keys: Keys, timestamp: int, data: bytes) -> bytes:
    """:func:`delayed_push_commands` packed in one MULTI; five replies, the last EXEC's."""
    rpush, sadd, zadd = delayed_push_commands(keys, timestamp, data)
    return pack("MULTI") + pack(*rpush) + pack(*sadd) + pack(*zadd) + pack("EXEC")


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
