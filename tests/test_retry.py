"""Retry for Python jobs: resque-retry's options and decisions, against a real Redis."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import redis

from resque_interop import Registry, Resque, Retry
from resque_interop.schema.ruby_join import retry_identifier, retry_key_name, ruby_join

from .support.retry_peer import python_run_one


class Busy(Exception):
    pass


class VeryBusy(Busy):
    pass


def scripted(raw: redis.Redis, outcomes: list[BaseException | None]) -> Any:
    """A job that raises the next of ``outcomes`` (None: succeeds) and notes each run."""
    queue = list(outcomes)

    def perform(*args: Any) -> None:
        raw.rpush("runs", json.dumps(args))
        outcome = queue.pop(0)
        if outcome is not None:
            raise outcome

    return perform


def drain(client: Resque, queue: str = "retry_q") -> int:
    runs = 0
    while python_run_one(client, queue):
        runs += 1
    return runs


def test_ruby_34_hash_style_changes_only_hashes() -> None:
    args = [1, {"a": 1, "b": None}]
    assert ruby_join(args, style="3.4") == '1-{"a" => 1, "b" => nil}'
    assert retry_identifier(args, "3.4") == hashlib.sha1(b'1-{"a" => 1, "b" => nil}').hexdigest()
    assert retry_identifier([1, "x"], "3.4") == retry_identifier([1, "x"], "3.3")
    assert retry_key_name("Foo Bar", []) == "resque-retry:FooBar"


def test_limits_and_delays_as_resque_retry_computes_them() -> None:
    assert Retry().retry_limit == 1
    assert Retry(delay=[1, 2, 3]).retry_limit == 3
    assert Retry(exceptions={Busy: [5, 10, 20], KeyError: 1}).retry_limit == 3
    assert Retry(limit=0).limit_reached(0)
    assert not Retry(limit=-1).limit_reached(10**6)
    assert Retry(limit=2).limit_reached(2) and not Retry(limit=2).limit_reached(1)
    exp = Retry.exponential()
    assert exp.retry_limit == 6 and [exp.delay_for(None, a) for a in (0, 1, 5, 9)] == [0, 60, 21600, 21600]
    jitter = Retry(delay=[100], backoff=(1.0, 2.0))
    assert all(100 <= jitter.delay_for(None, 0) <= 200 for _ in range(50))
    mapped = Retry(exceptions={Busy: [5, 10], Exception: 1})
    assert mapped.delay_for(VeryBusy(), 0) == 5 and mapped.delay_for(VeryBusy(), 7) == 10  # closest base
    assert mapped.delay_for(KeyError(), 0) == 1
    with pytest.raises(ValueError):
        Retry(exceptions=[Busy], fatal=[KeyError])
    with pytest.raises(ValueError):
        Retry(backoff=(2.0, 1.0))


def test_exception_filters_match_classes_and_names() -> None:
    assert Retry(exceptions=[Busy]).retries_exception(VeryBusy())
    assert Retry(exceptions=["Busy"]).retries_exception(VeryBusy())
    assert not Retry(exceptions=["Busy"]).retries_exception(KeyError())
    assert not Retry(fatal=[KeyError]).retries_exception(KeyError())
    assert Retry(exceptions=["Resque::DirtyExit"]).retries_exception(__import__("resque_interop").DirtyExit())
    assert Retry(ignore=[Busy]).ignores(Busy()) and not Retry(ignore=[Busy]).ignores(VeryBusy())


def test_a_python_job_is_retried_up_to_its_limit_then_one_failure(
    r: Resque, registry: Registry, raw_redis: redis.Redis
) -> None:
    gave_up: list[Any] = []
    perform = scripted(raw_redis, [Busy("1"), Busy("2"), Busy("3")])
    registry.register("Flaky", perform, "retry_q", retry=Retry(limit=2, on_give_up=[lambda e, *a: gave_up.append(a)]))
    r.enqueue_ruby("Flaky", 1, queue="retry_q")
    assert drain(r) == 3
    assert raw_redis.llen("resque:failed") == 1
    assert json.loads(raw_redis.lindex("resque:failed", 0))["error"] == "3"
    assert raw_redis.get("resque:stat:failed") == b"3"
    assert not raw_redis.exists("resque:" + retry_key_name("Flaky", [1]))
    assert gave_up == [(1,)]


def test_ignored_exceptions_do_not_count(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    registry.register("Flaky", scripted(raw_redis, [KeyError(), KeyError(), KeyError(), None]), "retry_q",
                      retry=Retry(limit=1, ignore=[KeyError]))
    r.enqueue_ruby("Flaky", 2, queue="retry_q")
    assert drain(r) == 4
    assert raw_redis.llen("resque:failed") == 0


def test_without_suppression_every_failure_is_recorded(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    registry.register("Flaky", scripted(raw_redis, [Busy(), None]), "retry_q", retry=Retry(suppress_failures=False))
    r.enqueue_ruby("Flaky", 3, queue="retry_q")
    assert drain(r) == 2
    assert raw_redis.llen("resque:failed") == 1


def test_a_delayed_retry_waits_in_the_delayed_queue_with_its_failure_details(
    r: Resque, registry: Registry, raw_redis: redis.Redis
) -> None:
    registry.register("Later", scripted(raw_redis, [Busy("first"), None]), "retry_q",
                      retry=Retry(delay=30, expire_key_after=100))
    r.enqueue_ruby("Later", "a b", queue="retry_q")
    assert drain(r) == 1
    k = "resque:" + retry_key_name("Later", ["a b"])
    assert raw_redis.get(k) == b"0" and 100 < raw_redis.ttl(k) <= 130
    [ts] = raw_redis.zrange("resque:delayed_queue_schedule", 0, -1)
    assert raw_redis.lrange(f"resque:delayed:{int(ts)}", 0, -1) == [b'{"class":"Later","args":["a b"],"queue":"retry_q"}']
    details = json.loads(raw_redis.get("resque:failure-" + retry_key_name("Later", ["a b"])))
    assert details["error"] == "first" and details["exception"] == "tests.test_retry.Busy"
    assert 50 < raw_redis.ttl("resque:failure-" + retry_key_name("Later", ["a b"])) <= 60
    assert r.delayed.enqueue_due(at=int(ts)) == 1
    assert drain(r) == 1
    assert not raw_redis.exists(k) and raw_redis.llen("resque:failed") == 0


def test_delegate_queue_and_args_of_a_retry(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    policy = Retry(delegate="Fallback", queue=lambda exc, *args: "slow", args=lambda exc, *args: [*args, type(exc).__name__])
    registry.register("Primary", scripted(raw_redis, [Busy()]), "retry_q", retry=policy)
    r.enqueue_ruby("Primary", 9, queue="retry_q")
    assert drain(r) == 1
    assert raw_redis.lrange("resque:queue:slow", 0, -1) == [b'{"class":"Fallback","args":[9,"Busy"]}']
    assert not raw_redis.exists("resque:" + retry_key_name("Primary", [9]))  # handed off: cleared
    assert raw_redis.llen("resque:failed") == 1  # not retried as itself: recorded


def test_before_enqueue_hooks_run_for_a_plain_retry(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    seen: list[Any] = []

    class Job:
        @staticmethod
        def perform(*args: Any) -> None:
            raise Busy()

        @staticmethod
        def before_enqueue_note(*args: Any) -> bool:
            seen.append(args)
            return False  # cancels the retry's enqueue, as in Ruby

    registry.register("Hooked", Job, "retry_q", retry=Retry())
    r.create("retry_q", "Hooked", [4])  # no hooks for the first enqueue
    assert drain(r) == 1
    assert seen == [(4,)] and raw_redis.llen("resque:queue:retry_q") == 0


def test_an_inline_client_does_not_retry(redis_url: str, registry: Registry, raw_redis: redis.Redis) -> None:
    registry.register("Flaky", scripted(raw_redis, [Busy()]), "retry_q", retry=Retry())
    inline = Resque(redis_url, registry=registry, hooks=[], inline=True)
    with pytest.raises(Busy):
        inline.enqueue_ruby("Flaky", 1, queue="retry_q")
    assert raw_redis.keys("resque-retry*") == [] and raw_redis.keys("resque:resque-retry*") == []


def test_the_registry_checks_retry_and_timeout(registry: Registry) -> None:
    with pytest.raises(TypeError):
        registry.register("X", lambda: None, retry={"limit": 3})  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        registry.register("X", lambda: None, timeout=0)


def test_a_raising_callback_never_loses_the_failure(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    def broken(exc: BaseException, *args: Any) -> None:
        raise ValueError("callback bug")

    registry.register("Flaky", scripted(raw_redis, [Busy("x")]), "retry_q", retry=Retry(limit=3, on_retry=[broken]))
    r.enqueue_ruby("Flaky", 1, queue="retry_q")
    assert drain(r) == 1
    assert raw_redis.llen("resque:failed") == 1  # recorded as an ordinary failure
    assert raw_redis.llen("resque:queue:retry_q") == 0


def test_the_fleet_hash_style_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    args = [{"a": 1}]
    assert Retry().key_hash_style == "3.3"
    monkeypatch.setenv("RESQUE_RETRY_HASH_STYLE", "3.4")
    assert Retry().key_hash_style == "3.4" and Retry(hash_style="3.3").key_hash_style == "3.3"
    assert retry_key_name("A", args, Retry().key_hash_style) == "resque-retry:A:" + hashlib.sha1(b'{"a" => 1}').hexdigest()
    monkeypatch.setenv("RESQUE_RETRY_HASH_STYLE", "3.5")
    with pytest.raises(ValueError):
        Retry().key_hash_style  # noqa: B018
