"""Live against Ruby Resque 3.0 (and resque-scheduler 5.0) set up as Rails apps are: operations
that match jobs by their bytes (remove_delayed, dequeue, a failure's requeue) work both ways in
every dialect. Skipped with the reason when Ruby is not there."""

from __future__ import annotations

import json

import pytest
import redis

from resque_interop import Registry, Resque

from .support.ruby_peer import needs_ruby, needs_scheduler, ruby, ruby_worker, scheduler

pytestmark = needs_ruby

#: dialect -> what the Ruby side loads to write it (tests/ruby/peer.rb, scheduler_peer.rb)
SETUPS = {
    "json": {"JSON_ADAPTER": "json_gem"},
    "oj": {"JSON_ADAPTER": "oj"},
    "rails": {"JSON_ADAPTER": "json_gem", "ACTIVESUPPORT": "1"},
    "oj_rails": {"JSON_ADAPTER": "oj", "OJ_RAILS": "1"},
    "rails_oj": {"JSON_ADAPTER": "json_gem", "OJ_RAILS": "1"},
}
#: Arguments whose bytes differ between the dialects (no float of 16+ digits: Ruby on Oj reads
#: those back as BigDecimal, see docs/interop.md)
ARGS = ["<b>&", "a\u2028b", 0.1, 1.0e20, 2.5e-07, 44, {"k<": ">"}]
WHEN = 1_900_000_000


def _client(redis_url: str, dialect: str) -> Resque:
    client = Resque(redis_url, registry=Registry(), dialect=dialect)  # type: ignore[arg-type]
    client.registry.register("Archive", lambda *a: None, queue="file_serve")
    return client


@needs_scheduler
@pytest.mark.parametrize("dialect", SETUPS)
def test_python_removes_what_ruby_delayed(dialect: str, redis_url: str, raw_redis: redis.Redis) -> None:
    scheduler(redis_url, "enqueue_at", str(WHEN), json.dumps(ARGS), **SETUPS[dialect])
    client = _client(redis_url, dialect)
    assert client.delayed.scheduled_at("Archive", *ARGS) == [WHEN]
    assert client.delayed.remove_delayed("Archive", *ARGS) == 1
    assert raw_redis.keys("resque:timestamps:*") == [] and raw_redis.llen(f"resque:delayed:{WHEN}") == 0


@needs_scheduler
@pytest.mark.parametrize("dialect", SETUPS)
def test_ruby_removes_what_python_delayed(dialect: str, redis_url: str, raw_redis: redis.Redis) -> None:
    client = _client(redis_url, dialect)
    client.delayed.enqueue_at(WHEN, "Archive", *ARGS)
    client.delayed.enqueue_at(WHEN + 60, "Archive", *ARGS)
    assert sorted(scheduler(redis_url, "scheduled_at", json.dumps(ARGS), **SETUPS[dialect])) == [WHEN, WHEN + 60]
    assert scheduler(redis_url, "remove", json.dumps(ARGS), **SETUPS[dialect]) == 2
    assert raw_redis.keys("resque:timestamps:*") == [] and raw_redis.keys("resque:delayed:*") == []


@pytest.mark.parametrize("dialect", SETUPS)
def test_dequeue_matches_both_ways(dialect: str, redis_url: str, raw_redis: redis.Redis) -> None:
    client = _client(redis_url, dialect)
    ruby(redis_url, "enqueue", "file_serve", "Archive", json.dumps(ARGS), **SETUPS[dialect])
    ruby_bytes = raw_redis.lindex("resque:queue:file_serve", 0)
    client.enqueue("Archive", *ARGS)
    assert raw_redis.lindex("resque:queue:file_serve", 1) == ruby_bytes  # the same bytes
    assert client.dequeue("Archive", *ARGS) == 2  # Python removes Ruby's entry and its own
    client.enqueue("Archive", *ARGS)
    assert ruby(redis_url, "dequeue", json.dumps(ARGS), **SETUPS[dialect]) == 1  # and Ruby removes Python's
    assert raw_redis.llen("resque:queue:file_serve") == 0


@pytest.mark.parametrize("dialect", SETUPS)
@pytest.mark.parametrize("python_dialect", ["json", "rails"])
def test_python_retry_of_a_ruby_failure_keeps_rubys_bytes(dialect: str, python_dialect: str, redis_url: str,
                                                          raw_redis: redis.Redis) -> None:
    ruby(redis_url, "enqueue", "low", "Failing", json.dumps(ARGS), **SETUPS[dialect])
    queued = raw_redis.lindex("resque:queue:low", 0)
    proc = ruby_worker(redis_url, "low", "0", **SETUPS[dialect])
    assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""
    entry = raw_redis.lindex("resque:failed", 0)
    assert entry is not None and queued is not None and queued in entry  # Ruby kept the job's bytes
    if dialect in ("rails", "rails_oj"):
        assert b'"error":"boom \\u003cb\\u003e"' in entry
    _client(redis_url, python_dialect).failure.requeue(0)
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [queued]
    after = raw_redis.lindex("resque:failed", 0)
    assert after is not None and after.startswith(entry[:-1] + b',"retried_at":"')
    # and Ruby still matches the requeued job by its bytes
    assert ruby(redis_url, "requeue", "0", **SETUPS[dialect]) is not None
    assert raw_redis.lrange("resque:queue:low", 0, -1) == [queued, queued]
