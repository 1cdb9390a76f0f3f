"""ActiveJob payloads recorded from Rails 6.1 are consumed value by value, and
Python-produced ones equal them field by field (job_id and times aside)."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from resque_interop import Resque
from resque_interop.schema.activejob import (
    WRAPPER,
    Duration,
    GlobalID,
    RubyModule,
    RubyRange,
    Symbol,
    UnsupportedSerializer,
    bigdecimal_to_s,
    deserialize,
)
from resque_interop.worker import Worker

from .support.keyspace import load

UTC = timezone.utc


def recorded(fixture: str = "activejob.json") -> list[dict[str, Any]]:
    space = load(fixture)["keyspace"]
    return [json.loads(p) for p in space["resque:queue:file_serve"] + space["resque:queue:aj_more"]]


def run(r: Resque, queue: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    r.registry.register("ArchiveJob", lambda *a, **k: seen.append((a, k)), queue="file_serve")
    Worker(r, queue, fork_per_job=False).work(0)
    return seen


def load_payloads(raw_redis: redis.Redis, fixture: str = "activejob.json") -> None:
    space = load(fixture)["keyspace"]
    for key in ("resque:queue:file_serve", "resque:queue:aj_more"):
        raw_redis.rpush(key, *space[key])
    raw_redis.sadd("resque:queues", "file_serve", "aj_more")


@pytest.mark.parametrize("fixture", ["activejob.json", "activejob_oj.json"])
def test_recorded_payloads_run_with_the_right_arguments(r: Resque, raw_redis: redis.Redis, fixture: str) -> None:
    load_payloads(raw_redis, fixture)
    seen = run(r, "file_serve,aj_more")
    assert r.failure.count() == 0
    (a1, k1), (a2, k2), (a3, k3) = seen
    assert a1 == (44, "masterbrew") and k1 == {}
    assert a2 == (44, {"str": 1, "sym": "val"}, datetime(2026, 11, 28, 12, tzinfo=UTC), "a_symbol", 1.5, None)
    assert isinstance(a2[3], Symbol) and isinstance(a2[1]["sym"], Symbol)
    assert [type(k) for k in a2[1]] == [str, Symbol]
    assert k2 == {"flag": True}
    assert a3[:3] == (44, "masterbrew", {"sym": 1, "str": {"deep": "x"}})
    assert a3[3] == datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=UTC)
    assert a3[4] == datetime(2026, 6, 1, 8, 30, tzinfo=UTC) and a3[4].utcoffset() == timedelta(hours=1)
    assert a3[5] == date(2026, 11, 28)
    assert a3[6] == "0.11e1" and Decimal("1.1") == Decimal(str(float(a3[6])))  # Rails 6.1 writes BigDecimal#to_s
    assert a3[7] == 2**70 and k3 == {}


def test_python_produces_what_rails_writes(r: Resque, raw_redis: redis.Redis) -> None:
    london = ZoneInfo("Europe/London")
    r.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve")
    r.enqueue_activejob("ArchiveJob", 44, {"str": 1, Symbol("sym"): Symbol("val")}, datetime(2026, 11, 28, 12, tzinfo=UTC),
                        Symbol("a_symbol"), 1.5, None, queue="file_serve", kwargs={"flag": True})
    r.enqueue_activejob("ArchiveJob", 44, "masterbrew", {Symbol("sym"): 1, "str": {Symbol("deep"): Symbol("x")}},
                        datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=UTC), datetime(2026, 6, 1, 9, 30, tzinfo=london),
                        date(2026, 11, 28), Decimal("1.10"), 2**70, queue="aj_more", timezone_name="Europe/London")
    ours = [json.loads(p) for k in ("file_serve", "aj_more") for p in raw_redis.lrange(f"resque:queue:{k}", 0, -1)]
    for mine, theirs in zip(ours, recorded(), strict=True):
        assert mine["class"] == theirs["class"] == WRAPPER
        a, b = mine["args"][0], theirs["args"][0]
        assert list(a) == list(b)
        for field in ("job_id", "enqueued_at"):
            a.pop(field), b.pop(field)
        assert a == b
    # and byte for byte, once the ids and times are the recorded ones
    first = raw_redis.lindex("resque:queue:file_serve", 0).decode()
    data = json.loads(first)["args"][0]
    expected = load("activejob.json")["keyspace"]["resque:queue:file_serve"][0]
    assert first.replace(data["job_id"], "03d04d87-a5b6-479e-8282-38fb7a39c51a").replace(
        data["enqueued_at"], "2026-11-28T23:14:43Z") == expected


def test_round_trip_of_every_supported_kind() -> None:
    from resque_interop.schema.activejob import deserialize_arguments, serialize

    values = [Symbol("s"), RubyModule("Foo::Bar"), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
              datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))), date(2026, 1, 2),
              timedelta(minutes=5), Duration(300, {"minutes": 5}), GlobalID("gid://app/User/7"),
              RubyRange(1, 5, True), [1, [Symbol("x")]], {Symbol("k"): {"n": None}}]
    back, kwargs = deserialize_arguments([serialize(v, "7.1") for v in values])
    assert back == values and kwargs == {}
    assert Decimal(serialize(Decimal("123.45"), rails="7.1")["value"]) == Decimal("123.45")


def test_newer_rails_fields_and_serializers_are_accepted(r: Resque, raw_redis: redis.Redis) -> None:
    data = {"job_class": "ArchiveJob", "job_id": "x", "provider_job_id": None, "queue_name": "file_serve",
            "priority": 5, "arguments": [
                {"_aj_serialized": "ActiveJob::Serializers::BigDecimalSerializer", "value": "1.1"},
                {"_aj_serialized": "ActiveJob::Serializers::RangeSerializer", "begin": 1, "end": 9, "exclude_end": False},
                {"_aj_serialized": "ActiveJob::Serializers::DurationSerializer", "value": 3600,
                 "parts": {"hours": 1, "_aj_symbol_keys": ["hours"]}},
                {"_aj_globalid": "gid://app/User/7"}, {"a": 1, "_aj_hash_with_indifferent_access": True}],
            "executions": 0, "exception_executions": {}, "locale": "en", "timezone": "UTC",
            "enqueued_at": "2026-11-28T23:14:43.123456789Z", "scheduled_at": "2026-11-28T23:15:00.000000000Z"}
    r.push("file_serve", {"class": WRAPPER, "args": [data]})
    r.registry.globalid_resolver = lambda gid: ("User", gid.model_id)
    (args, kwargs), = run(r, "file_serve")
    assert args == (Decimal("1.1"), RubyRange(1, 9, False), timedelta(hours=1), ("User", "7"), {"a": 1})
    assert args[2].parts == {"hours": 1}


def test_unsupported_serializer_fails_with_its_name(r: Resque, raw_redis: redis.Redis) -> None:
    data = {"job_class": "ArchiveJob", "arguments": [{"_aj_serialized": "MoneySerializer", "value": "5 EUR"}]}
    r.push("file_serve", {"class": WRAPPER, "args": [data]})
    assert run(r, "file_serve") == []
    record = r.failure.all(0, 1)[0]
    assert record.exception == "UnsupportedSerializer" and "MoneySerializer" in record.error
    assert record.payload == {"class": WRAPPER, "args": [data]}  # the wrapper is kept for Ruby to retry
    with pytest.raises(UnsupportedSerializer):
        deserialize({"_aj_serialized": "X"})


def test_unknown_activejob_class_names_it(r: Resque) -> None:
    r.push("file_serve", {"class": WRAPPER, "args": [{"job_class": "NotHereJob", "arguments": []}]})
    Worker(r, ["file_serve"], fork_per_job=False).work(0)
    assert "NotHereJob" in r.failure.all(0, 1)[0].error


def test_bigdecimal_to_s_is_rubys() -> None:
    cases = {"1.10": "0.11e1", "0": "0.0", "-2.5": "-0.25e1", "100": "0.1e3", "0.001": "0.1e-2", "123.456": "0.123456e3"}
    for text, ruby in cases.items():
        assert bigdecimal_to_s(Decimal(text)) == ruby, text


def test_delayed_activejob_is_what_set_wait_perform_later_stores(r: Resque, raw_redis: redis.Redis) -> None:
    # Rails' resque adapter: enqueue_at -> Resque.enqueue_at_with_queue(queue, ts, JobWrapper, job.serialize)
    job_id = r.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve", wait=3600)
    (ts,) = r.delayed.peek(0, 5)
    assert abs(ts - (time.time() + 3600)) < 5
    (item,) = raw_redis.lrange(f"resque:delayed:{ts}", 0, -1)
    decoded = json.loads(item)
    assert list(decoded) == ["class", "args", "queue"] and decoded["queue"] == "file_serve"
    assert decoded["class"] == "ActiveJob::QueueAdapters::ResqueAdapter::JobWrapper"
    assert decoded["args"][0]["job_id"] == job_id and decoded["args"][0]["arguments"] == [44, "masterbrew"]
    # once due, the queue holds exactly what perform_later would have pushed
    assert r.delayed.enqueue_timestamp(ts) == 1
    (queued,) = raw_redis.lrange("resque:queue:file_serve", 0, -1)
    assert queued == r.codec.encode_job(decoded["class"], decoded["args"])
    with pytest.raises(ValueError, match="wait or wait_until"):
        r.enqueue_activejob("ArchiveJob", 1, wait=1, wait_until=time.time() + 5)
    r.enqueue_activejob("ArchiveJob", 2, queue="file_serve", wait_until=datetime(2000, 1, 1, tzinfo=UTC))
    assert raw_redis.llen("resque:queue:file_serve") == 2  # a time already past: queued now
