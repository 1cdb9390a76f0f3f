"""Failures, retries and delayed jobs write the bytes Ruby writes with ActiveSupport loaded
(recordings of tests/ruby/record_rails.rb), and byte-matching operations keep another dialect's bytes."""

from __future__ import annotations

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.failure import FailureInfo

from .support.keyspace import dump, load, normalize, restore, step

#: recording mode -> the dialect that writes its bytes (oj_as: ActiveSupport with MultiJson on Oj)
MODES = [("rails", "rails"), ("oj_as", "oj"), ("oj_rails", "oj_rails"), ("rails_oj", "rails_oj")]
FAILED_ARGS = ["<b>&", "\u2028", 1.0e15, 0.1]
DELAYED_ARGS = ["<b>&", "\u2028", 1.0e15, 0.1, 1.0e20]


def _client(redis_url: str, dialect: str) -> Resque:
    client = Resque(redis_url, registry=Registry(), dialect=dialect)  # type: ignore[arg-type]
    client.registry.register("Archive", lambda *a: None, queue="file_serve")
    return client


def _same(raw_redis: redis.Redis, expected: dict) -> None:
    assert normalize(dump(raw_redis), {}) == normalize(expected, {})


#: Ruby with MultiJson on Oj reads a float of 16 or more significant digits as a BigDecimal
#: (Oj's bigdecimal_load :auto), so its own requeue writes 1e15 back as "1000000000000000.0"
#: (with ActiveSupport; "0.1e16" without). Python's requeue keeps the bytes instead.
OJ_REWRITES_FLOATS = {"oj_as", "oj_rails"}


def _requeued_job(rec: dict) -> str:
    return str(step(rec, "requeue")["keyspace"]["resque:queue:low"]["value"][0])


def _failed_job(rec: dict) -> bytes:
    entry = step(rec, "fail")["keyspace"]["resque:failed"]["value"][0].encode()
    return entry[entry.index(b'"payload":') + 10:entry.index(b',"exception"')]


@pytest.mark.parametrize("mode,dialect", MODES)
def test_failure_and_its_requeue_match_ruby_with_activesupport(mode: str, dialect: str, redis_url: str,
                                                               raw_redis: redis.Redis) -> None:
    rec = load(f"failures_{mode}.json")
    client = _client(redis_url, dialect)
    client.save_failure(FailureInfo({"class": "Failing", "args": FAILED_ARGS}, "RuntimeError",
                                    "boom <b> & \u2028", [], "", "low"))
    _same(raw_redis, step(rec, "fail")["keyspace"])
    client.failure.requeue(0)
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [_failed_job(rec)]
    if mode in OJ_REWRITES_FLOATS:
        assert '"1000000000000000.0"' in _requeued_job(rec)  # Ruby's own requeue, as recorded
    else:
        _same(raw_redis, step(rec, "requeue")["keyspace"])


@pytest.mark.parametrize("mode", [mode for mode, _ in MODES])
@pytest.mark.parametrize("dialect", ["json", "oj", "rails"])
def test_requeue_of_a_ruby_failure_keeps_rubys_bytes_in_any_dialect(mode: str, dialect: str, redis_url: str,
                                                                    raw_redis: redis.Redis) -> None:
    rec = load(f"failures_{mode}.json")
    restore(raw_redis, step(rec, "fail")["keyspace"])
    _client(redis_url, dialect).failure.requeue(0)
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [_failed_job(rec)]
    entry = raw_redis.lindex("resque:failed", 0)
    assert entry is not None
    ruby_entry = step(rec, "fail")["keyspace"]["resque:failed"]["value"][0].encode()
    assert entry.startswith(ruby_entry[:-1] + b',"retried_at":"')  # every byte Ruby wrote, kept
    if mode not in OJ_REWRITES_FLOATS:
        _same(raw_redis, step(rec, "requeue")["keyspace"])


@pytest.mark.parametrize("mode,dialect", MODES)
def test_delayed_items_and_remove_delayed_match_resque_scheduler(mode: str, dialect: str, redis_url: str,
                                                                 raw_redis: redis.Redis) -> None:
    rec = load(f"delayed_{mode}.json")
    client = _client(redis_url, dialect)
    client.delayed.enqueue_at(1_900_000_000, "Archive", *DELAYED_ARGS)
    assert dump(raw_redis) == step(rec, "enqueue_at")["keyspace"]
    client.delayed.enqueue_at(1_900_000_060, "Archive", *DELAYED_ARGS)
    assert dump(raw_redis) == step(rec, "enqueue_at again")["keyspace"]
    assert client.delayed.scheduled_at("Archive", *DELAYED_ARGS) == [1_900_000_000, 1_900_000_060]
    removed = client.delayed.remove_delayed("Archive", *DELAYED_ARGS)
    assert removed == step(rec, "remove_delayed")["result"] == 2
    assert dump(raw_redis) == step(rec, "remove_delayed")["keyspace"]


@pytest.mark.parametrize("mode,dialect", MODES)
def test_python_finds_and_removes_what_ruby_delayed(mode: str, dialect: str, redis_url: str,
                                                    raw_redis: redis.Redis) -> None:
    rec = load(f"delayed_{mode}.json")
    restore(raw_redis, step(rec, "enqueue_at again")["keyspace"])
    client = _client(redis_url, dialect)
    assert client.delayed.is_delayed("Archive", *DELAYED_ARGS)
    assert client.delayed.remove_delayed("Archive", *DELAYED_ARGS) == 2
    assert dump(raw_redis) == step(rec, "remove_delayed")["keyspace"]


def test_a_rails_worker_records_the_job_it_runs_as_rails_writes_it(redis_url: str, raw_redis: redis.Redis) -> None:
    from resque_interop.worker import Worker

    client = _client(redis_url, "rails")
    seen: list[bytes] = []
    client.registry.register("Archive", lambda *a: seen.extend(
        raw_redis.get(key) or b"" for key in raw_redis.keys("resque:worker:*") if key.count(b":") > 2
    ), queue="file_serve")
    raw_redis.rpush("resque:queue:file_serve", b'{"class":"Archive","args":["<b>&"]}')  # another producer's bytes
    Worker(client, ["file_serve"], fork_per_job=False).work(0)
    (record,) = [s for s in seen if s.startswith(b"{")]
    assert b'"payload":{"class":"Archive","args":["\\u003cb\\u003e\\u0026"]}' in record  # as Ruby with ActiveSupport
