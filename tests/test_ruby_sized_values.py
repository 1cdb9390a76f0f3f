"""What Ruby accepts and refuses at the edges: integers of any size, text that is not Unicode,
a job without a queue. Python does as Ruby does (measured against Ruby Resque 3.0.0)."""

from __future__ import annotations

import asyncio

import pytest
import redis

from resque_interop import EncodeError, NoQueueError, Registry, Resque
from resque_interop.aio import AsyncResque
from resque_interop.worker import Worker

HUGE = 7**9000  # 7,606 digits: past Python's int/str limit of 4,300, ordinary for Ruby's Integer


def test_a_worker_runs_a_job_holding_an_integer_past_pythons_digit_limit(r: Resque, raw_redis: redis.Redis) -> None:
    seen: list[object] = []
    r.registry.register("Archive", lambda *args: seen.append(args), queue="file_serve")
    r.enqueue_ruby("Archive", HUGE, -HUGE, queue="file_serve")
    stored = raw_redis.lindex("resque:queue:file_serve", 0)
    assert stored is not None and len(stored) > 15_000
    Worker(r, ["file_serve"], fork_per_job=False).work(0)
    assert r.failure.count() == 0
    assert seen == [(HUGE, -HUGE)]


def test_a_failed_job_holding_a_huge_integer_keeps_its_bytes(r: Resque, raw_redis: redis.Redis) -> None:
    digits = b"9" * 6000
    raw = b'{"class":"PythonOnly","args":[' + digits + b"]}"
    raw_redis.rpush("resque:queue:low", raw)
    Worker(r, ["low"], fork_per_job=False).work(0)
    (failure,) = r.failure.all(0, 1)
    assert failure.exception  # unknown class: failed, not crashed
    r.failure.requeue(0)
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [raw]


@pytest.mark.parametrize("name", ["Arch\ud800ive", "\udfff"])
def test_a_class_name_that_is_not_unicode_is_an_encode_error(r: Resque, raw_redis: redis.Redis, name: str) -> None:
    with pytest.raises(EncodeError, match="not valid Unicode"):
        r.enqueue_ruby(name, 1, queue="q")
    with pytest.raises(EncodeError, match="not valid Unicode"):
        r.enqueue_ruby("Archive", {"k\ud800": 1}, queue="q")
    with pytest.raises(EncodeError, match="not valid Unicode"):
        r.delayed.enqueue_at_with_queue("q", 2_000_000_000, name, 1)
    with pytest.raises(EncodeError, match="queue name .* is not valid Unicode"):
        r.enqueue_ruby("Archive", 1, queue=f"q{name}")
    assert raw_redis.keys("*") == []


def test_enqueue_to_without_a_queue_is_rubys_no_queue_error(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    with pytest.raises(NoQueueError, match="No queue could be inferred for class Archive"):
        r.enqueue_to(None, "Archive", 1)  # type: ignore[arg-type]
    with pytest.raises(NoQueueError):
        r.create(None, "Archive", [1])

    async def go() -> None:
        async with AsyncResque(redis_url, registry=Registry()) as aclient:
            with pytest.raises(NoQueueError):
                await aclient.enqueue_to(None, "Archive", 1)  # type: ignore[arg-type]

    asyncio.run(go())
    assert raw_redis.keys("*") == []
    # as in Ruby: a registered class infers its queue check, and "" is a name (Ruby pushes to queue:)
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    assert r.enqueue_to("", "Archive", 1) is True
    assert raw_redis.lrange("resque:queue:", 0, -1) == [b'{"class":"Archive","args":[1]}']
