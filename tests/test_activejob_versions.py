"""ActiveJob's serializers from Rails 6.1 (recorded live with ActiveSupport loaded: activejob_rails.json)
to 8.0 (read from Rails' source: activejob_from_source.json), both ways."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from resque_interop import EncodeError, Resque
from resque_interop.schema.activejob import (
    WRAPPER,
    Duration,
    GlobalID,
    RubyModule,
    RubyRange,
    Symbol,
    deserialize,
    deserialize_arguments,
    job_data,
    serialize,
)
from resque_interop.worker import Worker

from .support.keyspace import load, step

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
#: recorded step -> (the Python value, the job's timezone), for what Python can produce
PRODUCED: dict[str, tuple[Any, str | None]] = {
    "duration 1.5.hours": (Duration(5400.0, {"hours": 1.5}), None),
    "duration 2.hours": (Duration(7200, {"hours": 2}), None),
    "duration 1.hour + 30.minutes": (Duration(5400, {"hours": 1, "minutes": 30}), None),
    "duration 3.days": (Duration(259200, {"days": 3}), None),
    "duration 1.month": (Duration(2629746, {"months": 1}), None),
    "Time.current (Time.zone UTC)": (datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=ZoneInfo("UTC")), "UTC"),
    "TimeWithZone London": (datetime(2026, 6, 1, 9, 30, tzinfo=LONDON), "Europe/London"),
    "Time.utc": (datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=UTC), None),
    "Time with offset": (datetime(2026, 11, 28, 12, tzinfo=timezone(timedelta(hours=5, minutes=30))), None),
    "Date": (date(2026, 11, 28), None),
    "BigDecimal": (Decimal("1.10"), None),
    "Symbol": (Symbol("a_symbol"), None),
    "Module": (RubyModule("ArchiveJob"), None),
    "GlobalID": (GlobalID("gid://bbc/Episode/44"), None),
    "html string": ("<b>&</b> \u2028", None),
    "symbol keys": ({Symbol("sym"): 1, "str": {Symbol("deep"): Symbol("x")}}, None),
}
#: what a Python job receives for each recorded Rails 6.1 argument
RECEIVED: dict[str, Any] = {
    **{name: value for name, (value, _) in PRODUCED.items()},
    "DateTime": datetime(2026, 11, 28, 12, tzinfo=timezone(timedelta(hours=1))),
    "BigDecimal": "1.1",  # Rails 6.1 has no BigDecimal serializer: its to_s arrives
    "indifferent hash": {"a": 1},
}


def _recorded_job(name: str) -> bytes:
    rec = load("activejob_rails.json")
    return step(rec, name)["keyspace"]["resque:queue:file_serve"]["value"][0].encode()


def _same_but_time(ours: bytes, theirs: bytes) -> None:
    stamp = re.compile(rb'"enqueued_at":"[^"]+"')
    assert stamp.sub(b'"enqueued_at":"T"', ours) == stamp.sub(b'"enqueued_at":"T"', theirs)


@pytest.mark.parametrize("name", list(PRODUCED))
def test_python_writes_rails_61_bytes_with_activesupport(name: str, redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, dialect="rails")
    value, zone = PRODUCED[name]
    index = list(json.loads(_recorded_job(name))["args"][0]["job_id"].split("-"))[1]
    data = job_data("ArchiveJob", (value,), {}, "file_serve", timezone_name=zone, job_id=f"job-{index}",
                    activesupport=True)
    client.enqueue_to("file_serve", WRAPPER, data)
    _same_but_time(raw_redis.lindex("resque:queue:file_serve", 0) or b"", _recorded_job(name))


def test_python_writes_rails_keyword_arguments(redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, dialect="rails")
    data = job_data("ArchiveJob", (44,), {"flag": True, "at": Duration(5400.0, {"hours": 1.5})}, "file_serve",
                    job_id="job-kw", activesupport=True)
    client.enqueue_to("file_serve", WRAPPER, data)
    _same_but_time(raw_redis.lindex("resque:queue:file_serve", 0) or b"", _recorded_job("keyword arguments"))


def test_every_recorded_rails_61_argument_reaches_a_python_job(redis_url: str, raw_redis: redis.Redis) -> None:
    rec = load("activejob_rails.json")
    client = Resque(redis_url, dialect="rails")
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    client.registry.register("ArchiveJob", lambda *a, **k: seen.append((a, k)), queue="file_serve")
    names = [s["step"] for s in rec["steps"]]
    for name in names:
        raw_redis.rpush("resque:queue:file_serve", _recorded_job(name))
    Worker(client, ["file_serve"], fork_per_job=False).work(0)
    assert client.failure.count() == 0
    received = dict(zip(names, seen, strict=True))
    for name, expected in RECEIVED.items():
        (value,), kwargs = received[name]
        assert value == expected and type(value) is type(expected) and kwargs == {}, name
    hours = received["duration 1.5.hours"][0][0]
    assert hours.value == 5400.0 and isinstance(hours.value, float) and hours.parts == {"hours": 1.5}
    assert received["duration 1.hour + 30.minutes"][0][0].parts == {"hours": 1, "minutes": 30}
    utc_now = received["Time.current (Time.zone UTC)"][0][0]
    assert utc_now.utcoffset() == timedelta(0)
    assert received["keyword arguments"] == ((44,), {"flag": True, "at": Duration(5400.0, {"hours": 1.5})})


SOURCE = load("activejob_from_source.json")
VALUES: dict[str, Any] = {
    "duration 1.5.hours": Duration(5400.0, {"hours": 1.5}),
    "duration 1.hour + 30.minutes": Duration(5400, {"hours": 1, "minutes": 30}),
    "Time.current (Time.zone UTC)": datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=ZoneInfo("UTC")),
    "TimeWithZone London": datetime(2026, 6, 1, 9, 30, tzinfo=LONDON),
    "Time.utc": datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=UTC),
    "Date": date(2026, 11, 28),
    "BigDecimal": Decimal("1.10"),
    "Range 1...5": RubyRange(1, 5, True),
    "Module": RubyModule("ArchiveJob"),
    "Symbol": Symbol("a_symbol"),
    "GlobalID": GlobalID("gid://bbc/Episode/44"),
}


@pytest.mark.parametrize("rails", sorted(SOURCE["versions"]))
def test_python_writes_and_reads_each_rails_versions_format(rails: str) -> None:
    formats = SOURCE["versions"][rails]
    for name, value in VALUES.items():
        assert serialize(value, rails, activesupport=True) == formats[name], (rails, name)
        back = deserialize(formats[name])
        if name == "BigDecimal" and rails < "7.1":
            assert back == "1.1"  # no serializer before 7.1: the string arrives
        else:
            assert back == value and type(back) is type(value), (rails, name)
    assert deserialize(formats["DateTime"]) == datetime(2026, 11, 28, 12, tzinfo=timezone(timedelta(hours=1)))
    london = deserialize(formats["TimeWithZone London"])
    if rails >= "7.1":  # the zone is named: Python puts the time in it
        assert london.tzinfo == LONDON
    assert list(job_data("ArchiveJob", (), {}, "q", rails=rails)) == formats["job data keys"]


def test_rails_71_job_data_has_nanosecond_times_and_scheduled_at(redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, dialect="rails")
    client.enqueue_activejob("ArchiveJob", 1, queue="file_serve", rails="7.1", wait_until=2_000_000_000)
    data = json.loads(raw_redis.lrange("resque:delayed:2000000000", 0, -1)[0])["args"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", data["enqueued_at"])
    assert data["scheduled_at"] == "2033-05-18T03:33:20.000000000Z"
    client.enqueue_activejob("ArchiveJob", 1, queue="file_serve", rails="7.1")
    assert json.loads(raw_redis.lindex("resque:queue:file_serve", 0) or b"")["args"][0]["scheduled_at"] is None


def test_duration_parts_are_read_as_pairs_and_as_a_hash() -> None:
    pairs = {"_aj_serialized": "ActiveJob::Serializers::DurationSerializer", "value": 5400.0,
             "parts": [[{"_aj_serialized": "ActiveJob::Serializers::SymbolSerializer", "value": "hours"}, 1.5]]}
    hash_ = {"_aj_serialized": "ActiveJob::Serializers::DurationSerializer", "value": 3600,
             "parts": {"hours": 1, "_aj_symbol_keys": ["hours"]}}
    assert deserialize(pairs).parts == {"hours": 1.5} and deserialize(hash_).parts == {"hours": 1}
    args, _ = deserialize_arguments([serialize(Duration(5400.0, {"hours": 1.5}))])
    assert args[0].value == 5400.0 and args[0].parts == {"hours": 1.5}
    assert serialize(timedelta(minutes=90))["value"] == 5400  # a plain timedelta of whole seconds: Integer


def test_utc_zones_are_written_with_z_and_london_winter_with_its_offset() -> None:
    for zone in ("UTC", "Etc/UTC"):
        written = serialize(datetime(2026, 1, 5, 12, tzinfo=ZoneInfo(zone)), "7.1")
        assert written["value"] == "2026-01-05T12:00:00.000000000Z" and written["time_zone"] == "Etc/UTC"
    winter = serialize(datetime(2026, 1, 5, 12, tzinfo=LONDON))  # GMT: TimeWithZone#utc? is false
    assert winter == {"_aj_serialized": "ActiveJob::Serializers::TimeWithZoneSerializer",
                      "value": "2026-01-05T12:00:00.000000000+00:00"}
    assert serialize(datetime(2026, 1, 5, 12, tzinfo=UTC))["_aj_serialized"].endswith("::TimeSerializer")


def test_range_before_rails_70_is_refused() -> None:
    with pytest.raises(EncodeError, match="RangeSerializer"):
        serialize(RubyRange(1, 5, False), "6.1")
