"""A job is looked up in the registry once, however many steps read its spec (perform,
its timeout, its Retry, the failure step); an unknown class fails as it always has."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import redis

from resque_interop import Registry, Resque, Retry

from .support.retry_peer import python_run_one


class CountingRegistry(Registry):
    """A registry that counts its lookups by class name."""

    def __init__(self) -> None:
        super().__init__()
        self.lookups: Counter[str] = Counter()

    def get(self, name: str) -> Any:
        self.lookups[name] += 1
        return super().get(name)

    def find(self, job: Any) -> Any:
        if isinstance(job, str):
            self.lookups[job] += 1
        return super().find(job)


def test_each_job_is_looked_up_once(redis_url: str, raw_redis: redis.Redis) -> None:
    registry = CountingRegistry()
    r = Resque(redis_url, registry=registry, hooks=[])
    outcomes: list[Exception | None] = [RuntimeError("once"), None]

    def flaky(n: int) -> None:
        raw_redis.rpush("runs", n)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    registry.register("Plain", lambda n: raw_redis.rpush("runs", n), "retry_q", timeout=30)
    registry.register("Flaky", flaky, "retry_q", retry=Retry(limit=2))
    r.enqueue_ruby("Plain", 1, queue="retry_q")
    r.enqueue_ruby("Flaky", 2, queue="retry_q")
    registry.lookups.clear()  # the producer's (its enqueue hooks) are not the job's

    assert python_run_one(r) and registry.lookups == Counter({"Plain": 1})
    registry.lookups.clear()
    assert python_run_one(r)  # fails, and its Retry enqueues it again
    assert registry.lookups == Counter({"Flaky": 1})
    registry.lookups.clear()
    assert python_run_one(r)  # the retry succeeds: a new job, its own lookup
    assert registry.lookups == Counter({"Flaky": 1})
    assert raw_redis.lrange("runs", 0, -1) == [b"1", b"2", b"2"] and raw_redis.llen("resque:failed") == 0


def test_an_unknown_class_still_fails_naming_the_known_ones(redis_url: str, raw_redis: redis.Redis) -> None:
    registry = CountingRegistry()
    r = Resque(redis_url, registry=registry, hooks=[])
    registry.register("Plain", lambda n: None, "retry_q")
    r.enqueue_ruby("Missing", 1, queue="retry_q")
    assert python_run_one(r)
    entry = json.loads(raw_redis.lindex("resque:failed", 0) or b"{}")
    assert entry["payload"] == {"class": "Missing", "args": [1]}
    assert "Missing" in entry["error"] and "Plain" in entry["error"]
    assert entry["backtrace"] and "registry.py" in entry["backtrace"][0]
