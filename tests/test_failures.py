"""Failure backends reproduce Ruby's Failure API recordings; bad entries never crash."""

from __future__ import annotations

import threading

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.failure import FailureInfo, MultipleFailureBackend, RedisFailureBackend
from resque_interop.store.stats import NullStatStore

from .support.keyspace import dump, load, normalize, step


def fail(r: Resque, cls: str, arg: int, queue: str) -> None:
    r.save_failure(FailureInfo({"class": cls, "args": [arg]}, "RuntimeError", "boom", [], "", queue))


def same(raw_redis: redis.Redis, expected: dict) -> None:
    assert normalize(dump(raw_redis), {}) == normalize(expected, {})


def test_failure_api_scenario(r: Resque, raw_redis: redis.Redis) -> None:
    rec = load("failure_api.json")
    fail(r, "Failing", 1, "low")
    fail(r, "Foo::Bar", 2, "high")
    same(raw_redis, step(rec, "setup two failures")["keyspace"])
    records = r.failure.all(0, 2)
    expected = step(rec, "all")["result"]
    assert [rec_.data for rec_ in records] == [
        {**e, "failed_at": rec_.failed_at} for e, rec_ in zip(expected, records)
    ]
    r.failure.requeue(0)
    same(raw_redis, step(rec, "requeue index 0")["keyspace"])
    r.failure.remove(1)
    same(raw_redis, step(rec, "remove index 1")["keyspace"])
    r.failure.requeue_queue("low")
    same(raw_redis, step(rec, "requeue_queue low")["keyspace"])
    r.failure.clear()
    same(raw_redis, step(rec, "clear")["keyspace"])


def test_failure_multi_queue_scenario(redis_url: str, raw_redis: redis.Redis) -> None:
    rec = load("failure_multi_queue.json")
    r = Resque(redis_url, failure_backend="redis_multi_queue", registry=Registry())
    fail(r, "Failing", 1, "low")
    fail(r, "Failing", 2, "low")
    fail(r, "Failing", 3, "high")
    s = step(rec, "fail into per-queue lists")
    same(raw_redis, s["keyspace"])
    assert sorted(r.failure.queues()) == sorted(s["result"]["queues"])
    assert r.failure.count() == 3 and r.failure.count("low_failed") == 2
    assert [x.args for x in r.failure.all(0, 2, "low_failed")] == [[1], [2]]
    r.failure.requeue(0, "low_failed")
    same(raw_redis, step(rec, "requeue")["keyspace"])
    r.failure.remove(1, "low_failed")
    same(raw_redis, step(rec, "remove")["keyspace"])
    r.failure.requeue_queue("high")
    same(raw_redis, step(rec, "requeue_queue high")["keyspace"])
    r.failure.remove_queue("high")
    same(raw_redis, step(rec, "remove_queue high")["keyspace"])
    r.failure.clear("low_failed")
    same(raw_redis, step(rec, "clear low_failed")["keyspace"])


def test_retried_at_formats(r: Resque, raw_redis: redis.Redis, redis_url: str) -> None:
    fail(r, "Failing", 1, "low")
    r.failure.requeue(0)
    assert r.failure.all(0, 1)[0].retried_at.endswith(" UTC")  # type: ignore[union-attr]
    multi = Resque(redis_url, failure_backend="redis_multi_queue", registry=Registry())
    fail(multi, "Failing", 1, "low")
    multi.failure.requeue(0, "low_failed")
    assert len(multi.failure.all(0, 1, "low_failed")[0].retried_at or "") == len("2026/11/28 23:41:41")


def test_requeue_to_another_queue_and_requeue_all(r: Resque, raw_redis: redis.Redis) -> None:
    fail(r, "A", 1, "low")
    fail(r, "B", 2, "high")
    r.failure.requeue(1, to_queue="elsewhere")
    assert raw_redis.lrange("resque:queue:elsewhere", 0, -1) == [b'{"class":"B","args":[2]}']
    assert r.failure.requeue_all() == 2
    assert r.size("low") == 1 and r.size("high") == 1


def test_clear_retried_and_count_by_class(r: Resque) -> None:
    for i, cls in enumerate(["A", "B", "A", "C"]):
        fail(r, cls, i, "low")
    assert r.failure.count(class_name="A") == 2
    r.failure.requeue(0)
    r.failure.requeue(3)
    assert r.failure.clear_retried() == 2
    assert [x.class_name for x in r.failure.all(0, 10)] == ["B", "A"]


def test_failure_id_is_kept_and_written_when_asked(redis_url: str, raw_redis: redis.Redis) -> None:
    r = Resque(redis_url, registry=Registry(), write_failure_ids=True)
    fail(r, "A", 1, "low")
    record = r.failure.all(0, 1)[0]
    assert record.failure_id and len(record.failure_id) == 36
    assert list(record.data or {})[-1] == "failure_id"
    r.failure.requeue(0)
    again = r.failure.all(0, 1)[0]
    assert again.failure_id == record.failure_id and again.retried_at
    off = Resque(redis_url, registry=Registry())
    fail(off, "A", 2, "low")
    assert "failure_id" not in (off.failure.all(1, 1)[0].data or {})


def test_bad_entries_are_shown_and_removable(r: Resque, raw_redis: redis.Redis) -> None:
    raw_redis.rpush("resque:failed", b"not json", b"[1,2]", b'{"failed_at":"x"}')
    fail(r, "A", 1, "low")
    records = r.failure.all(0, 10)
    assert records[0].data is None and "not JSON" in (records[0].problem or "")
    assert records[0].as_dict()["raw"] == "not json"
    assert records[1].problem == "entry is not a JSON object"
    assert "lacks" in (records[2].problem or "")
    assert records[3].problem is None
    with pytest.raises(Exception, match="cannot be retried"):
        r.failure.requeue(0)
    assert r.failure.remove(0) == 1
    assert r.failure.count() == 3


def test_remove_under_concurrent_pushes_removes_the_entry_asked_for(r: Resque, raw_redis: redis.Redis) -> None:
    import random

    for i in range(300):
        fail(r, "Seed", i, "low")
    stop = threading.Event()

    def writer() -> None:
        client = Resque(r.redis_id, registry=Registry())
        n = 0
        while not stop.is_set():
            fail(client, "Pushed", n, "low")
            n += 1

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for t in threads:
        t.start()
    rng = random.Random(5)
    try:
        for _ in range(100):
            index = rng.randrange(0, 150)
            asked = r.failure.all(index, 1)[0]
            assert asked.class_name == "Seed"
            assert r.failure.remove(index) == 1
            seeds = [x.args[0] for x in r.failure.all(0, r.failure.count()) if x.class_name == "Seed"]
            assert asked.args[0] not in seeds
    finally:
        stop.set()
        for t in threads:
            t.join()
    seeds = [x.args[0] for x in r.failure.all(0, r.failure.count()) if x.class_name == "Seed"]
    assert len(seeds) == 200 and seeds == sorted(seeds)
    assert r.failure.count(class_name="Pushed") > 0


def test_remove_of_an_index_past_the_end_removes_nothing(r: Resque) -> None:
    fail(r, "A", 1, "low")
    assert r.failure.remove(5) == 0
    assert r.failure.count() == 1


def test_multiple_backend_writes_all_reads_first(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    from resque_interop.failure import LoggingFailureBackend, RedisMultiQueueFailureBackend

    logged: list[str] = []

    class Recorder(LoggingFailureBackend):
        def save(self, info: FailureInfo, pipe: object = None) -> None:
            logged.append(info.error)

    r.failure = MultipleFailureBackend(r, [RedisFailureBackend(r), RedisMultiQueueFailureBackend(r), Recorder(r)])
    fail(r, "A", 1, "low")
    assert logged == ["boom"]
    assert raw_redis.llen("resque:failed") == 1 and raw_redis.llen("resque:low_failed") == 1
    assert r.failure.count() == 1
    # as Ruby's Multiple: remove(index, queue) goes to every backend with the same list name
    r.failure.remove(0)
    assert raw_redis.llen("resque:failed") == 0 and raw_redis.llen("resque:low_failed") == 1
    r.failure.remove(0, "low_failed")
    assert raw_redis.llen("resque:low_failed") == 0


def test_stat_stores(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.stats.incr("processed", 3)
    r.stats.decr("processed")
    assert r.stats.get("processed") == 2
    r.stats.clear("processed")
    assert raw_redis.get("resque:stat:processed") is None
    null = Resque(redis_url, registry=Registry(), stat_store=NullStatStore())
    null.stats.incr("processed")
    assert null.stats.get("processed") == 0 and raw_redis.keys("*") == []
