"""resque-retry 1.8.1 live: one attempt counter whichever language runs each attempt."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.schema.ruby_join import retry_key_name

from .support.retry_peer import PLAN, RAN, mirror, needs_retry, python_run_one, ruby_retry

pytestmark = needs_retry

ARGS = [1.5, None, True, False, [2, [3.0, None]], {"a": 1, "b": None, "c": [1e15, {"d": 'x"y'}]}, "s p", 1e-05, 100.0]


@pytest.fixture
def rr(r: Resque, registry: Registry) -> Resque:
    mirror(registry)
    return r


def plan(raw: redis.Redis, *steps: str) -> None:
    raw.delete(PLAN)
    raw.rpush(PLAN, *steps)


def counter(raw: redis.Redis, cls: str, args: list) -> bytes | None:
    return raw.get("resque:" + retry_key_name(cls, args))


def delayed_items(raw: redis.Redis) -> list[tuple[int, bytes]]:
    out = []
    for ts in raw.zrange("resque:delayed_queue_schedule", 0, -1):
        out += [(int(ts), item) for item in raw.lrange(f"resque:delayed:{int(ts)}", 0, -1)]
    return out


@pytest.mark.parametrize("args", [
    ARGS,
    [],
    [None],
    [[]],
    [1, [], 2, [[], [3]]],
    ["", ""],
    [{"k": "tab\there", "u": "é\u2028\x01#{x}#$y", "n": [1, {"m": {}}]}],
    [-0.0, 0.0001, 1e16, 123456789012345.6, 2**70, -7],
    [1234567890123456.8, 1e15, 9007199254740993.0, 0.1 + 0.2],  # 16 digits before the point: fixed form
    ["with space", "new\nline"],
])
def test_the_digest_is_rubys(redis_url: str, args: list) -> None:
    assert ruby_retry(redis_url, "key", "RetryNow", json.dumps(args)) == retry_key_name("RetryNow", args)


def test_attempts_alternate_ruby_python_ruby_with_one_counter(rr: Resque, raw_redis: redis.Redis, redis_url: str) -> None:
    plan(raw_redis, "fail", "fail", "ok")
    rr.enqueue_ruby("RetryNow", *ARGS, queue="retry_q")
    ruby_retry(redis_url, "run_one", "retry_q")
    assert counter(raw_redis, "RetryNow", ARGS) == b"0"  # attempt 0 failed; the retry is queued
    assert python_run_one(rr)
    assert counter(raw_redis, "RetryNow", ARGS) == b"1"
    ruby_retry(redis_url, "run_one", "retry_q")
    assert raw_redis.lrange(RAN, 0, -1) == [b"ruby", b"python", b"ruby"]
    assert counter(raw_redis, "RetryNow", ARGS) is None
    assert raw_redis.llen("resque:failed") == 0
    assert raw_redis.get("resque:stat:failed") == b"2"
    assert raw_redis.llen("resque:queue:retry_q") == 0
    assert raw_redis.keys("resque:failure-*") == []


def test_python_first_then_ruby_finds_the_same_counter(rr: Resque, raw_redis: redis.Redis, redis_url: str) -> None:
    plan(raw_redis, "fail", "fail", "ok")
    rr.enqueue_ruby("RetryNow", *ARGS, queue="retry_q")
    assert python_run_one(rr)
    ruby_key = ruby_retry(redis_url, "key", "RetryNow", json.dumps(ARGS))
    assert raw_redis.get("resque:" + ruby_key) == b"0"
    # the retry Python enqueued is the bytes Ruby's Resque.enqueue_to writes
    assert raw_redis.lrange("resque:queue:retry_q", 0, -1) == [rr.codec.encode_job("RetryNow", ARGS)]
    ruby_retry(redis_url, "run_one", "retry_q")
    assert raw_redis.get("resque:" + ruby_key) == b"1"
    assert python_run_one(rr)
    assert raw_redis.lrange(RAN, 0, -1) == [b"python", b"ruby", b"python"]
    assert raw_redis.get("resque:" + ruby_key) is None
    assert raw_redis.llen("resque:failed") == 0
    assert raw_redis.get("resque:stat:failed") == b"2"


@pytest.mark.parametrize("first", ["python", "ruby"])
def test_give_up_on_either_side(rr: Resque, raw_redis: redis.Redis, redis_url: str, first: str) -> None:
    plan(raw_redis, "fail", "fail")
    rr.enqueue_ruby("RetryOnce", 7, "x", queue="retry_q")
    runs = [lambda: python_run_one(rr), lambda: ruby_retry(redis_url, "run_one", "retry_q")]
    if first == "ruby":
        runs.reverse()
    for run in runs:
        run()
    assert raw_redis.lrange(RAN, 0, -1) == ([b"python", b"ruby"] if first == "python" else [b"ruby", b"python"])
    assert raw_redis.llen("resque:failed") == 1
    entry = json.loads(raw_redis.lindex("resque:failed", 0))
    assert entry["payload"] == {"class": "RetryOnce", "args": [7, "x"]}
    assert counter(raw_redis, "RetryOnce", [7, "x"]) is None
    assert raw_redis.llen("resque:queue:retry_q") == 0
    assert delayed_items(raw_redis) == []
    assert raw_redis.keys("resque:failure-*") == []
    assert raw_redis.get("resque:stat:failed") == b"2"


def test_exceptions_filter_gives_up_at_once_on_either_side(rr: Resque, raw_redis: redis.Redis, redis_url: str) -> None:
    plan(raw_redis, "fail:BusyError", "fail", "fail:BusyError", "fail")
    rr.enqueue_ruby("RetryBusy", 1, queue="retry_q")
    assert python_run_one(rr)  # BusyError: retried
    ruby_retry(redis_url, "run_one", "retry_q")  # RuntimeError: not in @retry_exceptions
    rr.enqueue_ruby("RetryBusy", 2, queue="retry_q")
    ruby_retry(redis_url, "run_one", "retry_q")  # BusyError: retried
    assert python_run_one(rr)  # RuntimeError: given up
    assert raw_redis.llen("resque:failed") == 2
    assert counter(raw_redis, "RetryBusy", [1]) is None and counter(raw_redis, "RetryBusy", [2]) is None
    assert raw_redis.llen("resque:queue:retry_q") == 0


def test_delays_go_through_the_delayed_queue_and_either_scheduler_moves_them(
    rr: Resque, raw_redis: redis.Redis, redis_url: str
) -> None:
    plan(raw_redis, "fail", "fail", "ok")
    rr.enqueue_ruby("RetryLater", *ARGS, queue="retry_q")
    before = int(time.time())
    ruby_retry(redis_url, "run_one", "retry_q")
    [(ruby_ts, ruby_item)] = delayed_items(raw_redis)
    ruby_failure = json.loads(raw_redis.get("resque:failure-" + retry_key_name("RetryLater", ARGS)))
    assert raw_redis.llen("resque:failed") == 0
    # the Python scheduler moves Ruby's delayed retry; Python runs (and fails) attempt 1
    assert rr.delayed.enqueue_due(at=ruby_ts) == 1
    assert python_run_one(rr)
    [(py_ts, py_item)] = delayed_items(raw_redis)
    assert py_item == ruby_item  # byte for byte: {"class":...,"args":...,"queue":"retry_q"}
    assert before + 60 <= ruby_ts <= py_ts <= int(time.time()) + 60
    failure_key = "resque:failure-" + retry_key_name("RetryLater", ARGS)
    py_failure = json.loads(raw_redis.get(failure_key))
    assert list(py_failure) == list(ruby_failure) == [
        "failed_at", "payload", "exception", "error", "backtrace", "worker", "queue"]
    assert py_failure["payload"] == ruby_failure["payload"] and py_failure["queue"] == "retry_q"
    assert py_failure["error"] == ruby_failure["error"] == "planned failure"
    assert 110 <= raw_redis.ttl(failure_key) <= 120
    assert raw_redis.llen("resque:failed") == 0
    assert raw_redis.scard(b"resque:timestamps:" + py_item) == 1
    # Ruby's scheduler moves Python's; Ruby runs the last attempt, which succeeds
    ruby_retry(redis_url, "handle", str(py_ts))
    assert raw_redis.llen("resque:queue:retry_q") == 1
    ruby_retry(redis_url, "run_one", "retry_q")
    assert raw_redis.lrange(RAN, 0, -1) == [b"ruby", b"python", b"ruby"]
    assert counter(raw_redis, "RetryLater", ARGS) is None
    assert raw_redis.llen("resque:failed") == 0
    assert delayed_items(raw_redis) == []
    assert raw_redis.get("resque:stat:failed") == b"2"


def test_a_ruby_dirty_exit_counts_as_an_attempt_python_then_gives_up(
    rr: Resque, raw_redis: redis.Redis, redis_url: str
) -> None:
    plan(raw_redis, "fail")
    rr.enqueue_ruby("RetryOnce", 3, queue="retry_q")
    raw_redis.set("resque:" + retry_key_name("RetryOnce", [3]), 0)  # a Ruby child began attempt 0, then died
    payload = json.loads(raw_redis.lpop("resque:queue:retry_q"))
    ruby_retry(redis_url, "dirty", json.dumps(payload))
    assert counter(raw_redis, "RetryOnce", [3]) == b"0"
    assert raw_redis.llen("resque:queue:retry_q") == 1  # retried once
    assert python_run_one(rr)  # attempt 1 fails: the limit is reached
    assert raw_redis.llen("resque:failed") == 1
    assert counter(raw_redis, "RetryOnce", [3]) is None


def test_the_digest_is_rubys_for_random_arguments(redis_url: str) -> None:
    """600 random argument lists (floats of every magnitude, nesting, hashes, odd strings) in one Ruby call."""
    import random
    import struct

    rng = random.Random(24)
    strings = ["", " ", "a b", "é", "\u2028", "\x00", "\x7f", "#{x}", "#$y", "#@z", '"', "\\", "\t\n", "\U0001F600", "\u200b"]

    def value(depth: int) -> Any:
        kind = rng.randrange(9 if depth < 3 else 6)
        if kind == 0:
            return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0] if rng.random() < 0.5 \
                else rng.choice([1.0, 0.1, 1e15, 1e16, 1e-4, 1e-5, 123456789012345.6, -2.5e-7, 5e-324])
        if kind == 1:
            return rng.choice([0, -1, 2**63, 2**70, 7])
        if kind == 2:
            return rng.choice(strings) + rng.choice(strings)
        if kind == 3:
            return rng.choice([None, True, False])
        if kind in (4, 5):
            return round(rng.uniform(-1e6, 1e6), rng.randrange(8))
        if kind in (6, 7):
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        return {rng.choice(strings) + str(i): value(depth + 1) for i in range(rng.randrange(3))}

    cases = [[value(0) for _ in range(rng.randrange(1, 4))] for _ in range(600)]
    cases = [c for c in cases if "NaN" not in json.dumps(c) and "Infinity" not in json.dumps(c)]  # not JSON
    ruby_keys = ruby_retry(redis_url, "keys", "RetryNow", json.dumps(cases))
    mismatches = [(c, k) for c, k in zip(cases, ruby_keys) if retry_key_name("RetryNow", c) != k]
    assert len(ruby_keys) == len(cases) > 500
    assert mismatches == []
