"""resque-retry's outcome writes spell ``Resque.push`` and ``delayed_push`` as the queue and
delayed stores do (one spelling, ``store/packing.py``): the same commands reach Redis."""

from __future__ import annotations

from collections.abc import Callable

import redis

from resque_interop import Resque
from resque_interop.store.packing import delayed_push_commands, push_commands
from resque_interop.store.pipeline import CommandLog
from resque_interop.store.retry_store import RetryStore

WRITES = {"SADD", "RPUSH", "LPUSH", "ZADD"}
DATA = b'{"class":"Archive","args":[1,"x \\u00e9"]}'


def monitored(raw_redis: redis.Redis, send: Callable[[], None], count: int) -> list[str]:
    """The first ``count`` writes Redis's MONITOR shows while ``send`` runs, as it shows them."""
    seen: list[str] = []
    with raw_redis.monitor() as monitor:
        send()
        while len(seen) < count:
            command = str(monitor.next_command()["command"])
            if command.split(" ", 1)[0].upper() in WRITES:
                seen.append(command)
    return seen


def retry_writes(r: Resque, record: Callable[[RetryStore, CommandLog], None]) -> Callable[[], None]:
    def send() -> None:
        writes = CommandLog()
        record(RetryStore(r.redis, r.keys), writes)
        r.store.apply(writes)
    return send


def test_a_retry_enqueue_sends_the_queue_stores_push(r: Resque, raw_redis: redis.Redis) -> None:
    writes = CommandLog()
    RetryStore(r.redis, r.keys).log_enqueue(writes, "retry_q", DATA)
    assert writes.commands == [("execute_command", command) for command in push_commands(r.keys, "retry_q", DATA)]

    pushed = monitored(raw_redis, lambda: r.store.queues.push("retry_q", DATA), 2)
    retried = monitored(raw_redis, retry_writes(r, lambda store, w: store.log_enqueue(w, "retry_q", DATA)), 2)
    assert retried == pushed and pushed[0].startswith("SADD") and pushed[1].startswith("RPUSH")
    assert raw_redis.lrange("resque:queue:retry_q", 0, -1) == [DATA, DATA]


def test_a_delayed_retry_sends_the_delayed_stores_push(r: Resque, raw_redis: redis.Redis) -> None:
    writes = CommandLog()
    RetryStore(r.redis, r.keys).log_delayed_push(writes, 1_900_000_000, DATA)
    assert writes.commands == [("execute_command", command)
                               for command in delayed_push_commands(r.keys, 1_900_000_000, DATA)]

    pushed = monitored(raw_redis, lambda: r.store.delayed.push(1_900_000_000, DATA), 3)
    retried = monitored(raw_redis, retry_writes(r, lambda store, w: store.log_delayed_push(w, 1_900_000_000, DATA)), 3)
    assert retried == pushed and [c.split(" ", 1)[0] for c in pushed] == ["RPUSH", "SADD", "ZADD"]
    assert raw_redis.llen("resque:delayed:1900000000") == 2
