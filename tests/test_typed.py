"""Typed job arguments (``@job(..., typed=True)``): converted at perform, refused at enqueue."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest
import redis

from resque_interop import JobArgumentError, Registry, Resque
from resque_interop.worker import Worker

from .support.ruby_peer import has_activejob, needs_ruby, ruby
from .typed_jobs import Brand, Meta

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def typed(redis_url: str) -> Resque:
    """A client whose registry holds the jobs of tests/typed_jobs.py."""
    from resque_interop import default_registry

    from . import typed_jobs  # noqa: F401 - registers them in the default registry

    return Resque(redis_url, registry=default_registry, hooks=[])


class Size(msgspec.Struct):
    """The argument of the Resize job below (module level: annotations resolve here)."""

    width: int


def ruby_push(raw: redis.Redis, class_name: str, *args: object) -> None:
    """What a Ruby producer writes for ``Resque.enqueue_to("typed", class_name, *args)``."""
    raw.sadd("resque:queues", "typed")
    raw.rpush("resque:queue:typed", json.dumps({"class": class_name, "args": list(args)}, separators=(",", ":")))


def drain(client: Resque, fork: bool) -> None:
    Worker(client, ["typed"], fork_per_job=fork).work(0)


def results(raw: redis.Redis) -> list[dict]:
    return [json.loads(x) for x in raw.lrange("typed:results", 0, -1)]


def failures(client: Resque) -> list:
    return client.failure.all(0, 100)


@pytest.mark.parametrize("fork", [False, True])
def test_json_from_ruby_is_converted_to_the_annotations(typed: Resque, raw_redis: redis.Redis, fork: bool) -> None:
    typed.enqueue_ruby("TypedArchive", 44, "masterbrew",
                       {"tags": ["a", "b"], "published": "2026-12-05T10:00:00Z", "ignored": 1}, queue="typed")
    typed.enqueue_ruby("TypedBrand", {"name": "cbbc", "launched": "2002-02-11"}, "1.10", 1, 2, queue="typed")
    drain(typed, fork)
    assert failures(typed) == []
    first, second = results(raw_redis)
    assert first["types"] == ["int", "str", "Meta", "datetime"]
    assert first["published"] == "2026-12-05T10:00:00+00:00"
    assert second["types"] == ["Brand", "date", "Decimal", "int", "int"]
    assert second["price"] == "1.10" and second["sizes"] == [1, 2]


def test_ruby_time_to_s_reads_as_a_datetime(typed: Resque, raw_redis: redis.Redis) -> None:
    # the json gem writes a Time as Time#to_s
    typed.enqueue_ruby("TypedArchive", 1, "b", {"tags": [], "published": "2026-12-05 10:00:00 +0100"}, queue="typed")
    drain(typed, False)
    assert results(raw_redis)[0]["published"] == "2026-12-05T10:00:00+01:00"


@pytest.mark.parametrize("args, message", [
    (["44", "masterbrew", {"tags": []}], "episode_id: expected int, got str"),
    ([44, "masterbrew", {"tags": ["a", 1]}], "meta.tags[1]: expected str, got int"),
    ([44, "masterbrew", {}], "meta: object missing required field tags"),
    ([44, "masterbrew", {"tags": [], "published": "yesterday"}], "meta.published: invalid RFC3339 encoded datetime"),
    ([44], "arguments do not fit"),
])
def test_a_mismatch_fails_the_job_before_it_runs(typed: Resque, raw_redis: redis.Redis, args: list,
                                                 message: str) -> None:
    ruby_push(raw_redis, "TypedArchive", *args)
    before = raw_redis.lindex("resque:queue:typed", 0)
    drain(typed, False)
    assert results(raw_redis) == []  # the function never ran
    [failure] = failures(typed)
    assert failure.exception == "JobArgumentError"
    assert message in failure.error
    assert typed.codec.encode(failure.payload, wrapped=True) == before  # the payload is kept as sent


def test_lax_accepts_what_ruby_sends_as_strings(typed: Resque, raw_redis: redis.Redis) -> None:
    typed.enqueue_ruby("LaxCount", "44", "true", "0.25", queue="typed")
    typed.enqueue_ruby("LaxCount", 3, False, queue="typed")
    drain(typed, False)
    assert failures(typed) == []
    first, second = results(raw_redis)
    assert first == {"types": ["int", "bool", "float"], "values": [44, True, 0.25]}
    assert second["values"] == [3, False, 0.5]  # the default is honoured


def test_lax_takes_strings_from_python_too(typed: Resque, raw_redis: redis.Redis) -> None:
    from .typed_jobs import lax_count

    typed.enqueue(lax_count, "44", "true")
    assert raw_redis.lrange("resque:queue:typed", 0, -1) == [b'{"class":"LaxCount","args":["44","true"]}']
    with pytest.raises(JobArgumentError, match="count: expected int, got str"):
        typed.enqueue(lax_count, "many", True)


def test_strict_refuses_what_lax_takes(redis_url: str, raw_redis: redis.Redis) -> None:
    registry = Registry(typed=True)  # typed for every job of this registry

    @registry.job("Count", queue="typed")
    def count(n: int) -> None:
        raw_redis.rpush("typed:results", json.dumps(n))

    client = Resque(redis_url, registry=registry, hooks=[])
    ruby_push(raw_redis, "Count", "44")
    drain(client, False)
    [failure] = failures(client)
    assert "n: expected int, got str" in failure.error


def test_python_enqueue_is_refused_before_redis(typed: Resque, raw_redis: redis.Redis) -> None:
    from .typed_jobs import typed_archive

    with pytest.raises(JobArgumentError, match=r"meta\.tags\[0\]: expected str, got int"):
        typed.enqueue(typed_archive, 44, "masterbrew", {"tags": [1]})
    with pytest.raises(JobArgumentError, match="episode_id: expected int, got str"):
        typed.enqueue_ruby("TypedArchive", "44", "b", Meta(tags=[]), queue="typed")
    with pytest.raises(JobArgumentError, match="arguments do not fit"):
        typed.enqueue(typed_archive, 44)
    with pytest.raises(JobArgumentError, match="episode_id"):
        typed.delayed.enqueue_in(60, typed_archive, "x", "b", Meta(tags=[]))
    with pytest.raises(JobArgumentError, match="episode_id"):
        typed.enqueue_many([(typed_archive, ["x", "b", Meta(tags=[])])])
    assert raw_redis.keys("*") == []


def test_python_enqueue_writes_dataclasses_and_structs_as_objects(typed: Resque, raw_redis: redis.Redis) -> None:
    from .typed_jobs import typed_archive, typed_brand

    typed.enqueue(typed_archive, 44, "masterbrew",
                  Meta(tags=["x"], published=datetime(2026, 12, 5, 10, tzinfo=timezone.utc)))
    typed.enqueue(typed_brand, Brand(name="cbbc", launched=date(2002, 2, 11)), Decimal("1.10"), 3)
    assert raw_redis.lrange("resque:queue:typed", 0, -1) == [
        b'{"class":"TypedArchive","args":[44,"masterbrew",'
        b'{"tags":["x"],"published":"2026-12-05T10:00:00Z","extra":{}}]}',
        b'{"class":"TypedBrand","args":[{"name":"cbbc","launched":"2002-02-11"},"1.10",3]}',
    ]
    drain(typed, True)
    assert [r["types"][:3] for r in results(raw_redis)] == [["int", "str", "Meta"], ["Brand", "date", "Decimal"]]


def test_an_untyped_job_is_unchanged(r: Resque, registry: Registry, raw_redis: redis.Redis) -> None:
    @registry.job("Loose", queue="typed")
    def loose(n: int) -> None:
        raw_redis.rpush("typed:results", json.dumps([type(n).__name__, n]))

    r.enqueue(loose, "44")  # no check without typed
    drain(r, False)
    assert results(raw_redis) == [["str", "44"]]
    assert failures(r) == []


def test_typed_rejects_an_unknown_mode(registry: Registry) -> None:
    with pytest.raises(ValueError, match="typed= takes"):
        registry.job("X", typed="loose")(lambda: None)


def test_activejob_keyword_arguments_are_converted(typed: Resque, raw_redis: redis.Redis) -> None:
    typed.enqueue_activejob("TypedAJ", 44, "masterbrew", queue="typed", kwargs={"flag": True, "size": 3})
    drain(typed, False)
    assert failures(typed) == []
    assert results(raw_redis) == [{"types": ["int", "str", "bool", "int"], "flag": True, "options": {"size": 3}}]
    with pytest.raises(JobArgumentError, match="flag: expected bool, got str"):
        typed.enqueue_activejob("TypedAJ", 44, "masterbrew", queue="typed", kwargs={"flag": "yes"})


def test_a_struct_job_retried_from_the_failed_list_after_a_fix(redis_url: str, raw_redis: redis.Redis) -> None:
    """A Ruby producer sends a bad Struct; the job fails naming the field; the Python side
    is fixed (a new registration accepting it) and the failure retried: it runs."""
    strict = Registry(typed=True)

    @strict.job("Resize", queue="typed")
    def resize(size: Size) -> None:
        raw_redis.rpush("typed:results", json.dumps(["strict", size.width]))

    client = Resque(redis_url, registry=strict, hooks=[])
    ruby_push(raw_redis, "Resize", {"width": "640"})
    drain(client, False)
    [failure] = failures(client)
    assert "size.width: expected int, got str" in failure.error

    fixed = Registry(typed="lax")  # the fix: lax takes Ruby's string

    @fixed.job("Resize", queue="typed")
    def resize_fixed(size: Size) -> None:
        raw_redis.rpush("typed:results", json.dumps(["lax", size.width]))

    client = Resque(redis_url, registry=fixed, hooks=[])
    client.failure.requeue(0)
    drain(client, True)
    assert results(raw_redis) == [["lax", 640]]


def test_a_forking_worker_process_runs_typed_jobs(redis_url: str, typed: Resque, raw_redis: redis.Redis) -> None:
    ruby_push(raw_redis, "TypedArchive", 7, "b", {"tags": ["t"]})
    ruby_push(raw_redis, "TypedArchive", "7", "b", {"tags": ["t"]})
    done = subprocess.run(
        [sys.executable, "-m", "resque_interop", "work", "-A", "tests.typed_jobs", "-q", "typed", "-i", "0"],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_url, "RESQUE_TEST_REDIS_URL": redis_url,
                       "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert [r["types"] for r in results(raw_redis)] == [["int", "str", "Meta", "NoneType"]]
    [failure] = failures(typed)
    assert "episode_id: expected int, got str" in failure.error


@needs_ruby
def test_ruby_enqueued_jobs_are_performed_with_converted_types(redis_url: str, typed: Resque,
                                                               raw_redis: redis.Redis) -> None:
    ruby(redis_url, "enqueue", "typed", "TypedArchive",
         json.dumps([44, "masterbrew", {"tags": ["a"], "published": "2026-12-05T10:00:00Z"}]))
    ruby(redis_url, "enqueue", "typed", "TypedBrand", json.dumps([{"name": "cbbc", "launched": "2002-02-11"},
                                                                  "1.1", 5]))
    ruby(redis_url, "enqueue", "typed", "TypedArchive", json.dumps([44, "masterbrew", {"tags": [1]}]))
    drain(typed, True)
    got = results(raw_redis)
    assert [g["types"] for g in got] == [["int", "str", "Meta", "datetime"], ["Brand", "date", "Decimal", "int"]]
    [failure] = failures(typed)
    assert "meta.tags[0]: expected str, got int" in failure.error


@needs_ruby
def test_rails_activejob_with_keyword_arguments_performs_typed(redis_url: str, raw_redis: redis.Redis) -> None:
    """Rails' ``ArchiveJob.perform_later(44, 'masterbrew', {...}, Time, TimeWithZone, Date,
    BigDecimal, 2**70, :a_symbol, flag: true)`` run by a typed Python registration."""
    if not has_activejob():
        pytest.skip("Debian's ruby-activejob is not installed")
    registry = Registry(typed=True)
    seen: list[Any] = []

    @registry.job("ArchiveJob", queue="file_serve")
    def archive_job(episode_id: int, brand: str, options: dict[str, Any], at: datetime, local: datetime,
                    day: date, price: Decimal, big: int, symbol: str, *, flag: bool = False) -> None:
        seen.append((episode_id, brand, options, at, local, day, price, big, symbol, flag))

    ruby(redis_url, "aj_enqueue", json.dumps("rich"), WITH_ACTIVEJOB="1")
    client = Resque(redis_url, registry=registry, hooks=[])
    Worker(client, ["file_serve"], fork_per_job=False).work(0)
    assert [f.error for f in failures(client)] == []
    [(episode_id, brand, options, at, local, day, price, big, symbol, flag)] = seen
    assert (episode_id, brand, big, symbol, flag) == (44, "masterbrew", 2**70, "a_symbol", True)
    assert isinstance(at, datetime) and at.utcoffset() is not None and isinstance(local, datetime)
    assert day == date(2026, 11, 28) and price == Decimal("1.10") and options["sym"] == 1
