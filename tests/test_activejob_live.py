"""ActiveJob with real Rails (Debian's ruby-activejob) and Ruby Resque, both ways."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import redis

from resque_interop import Registry, Resque
from resque_interop.schema.activejob import Duration, Symbol
from resque_interop.worker import Worker

from .support.ruby_peer import has_activejob, needs_ruby, needs_scheduler, ruby, ruby_worker

pytestmark = [needs_ruby, pytest.mark.skipif(not has_activejob(), reason="ruby activejob not installed "
                                             "(apt-get install ruby-activejob)")]


def test_rails_job_runs_in_a_python_worker(r: Resque, raw_redis: redis.Redis) -> None:
    ruby(r.redis_id, "aj_enqueue", json.dumps("rich"), WITH_ACTIVEJOB="1")
    seen = []
    r.registry.register("ArchiveJob", lambda *a, **k: seen.append((a, k)), queue="file_serve")
    Worker(r, ["file_serve"], fork_per_job=False).work(0)
    assert r.failure.count() == 0
    (args, kwargs), = seen
    assert args[:3] == (44, "masterbrew", {"sym": 1, "str": {"deep": "x"}})
    assert args[3] == datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=timezone.utc)
    assert args[5] == date(2026, 11, 28) and args[7] == 2**70 and args[8] == Symbol("a_symbol")
    assert kwargs == {"flag": True}


def test_python_job_runs_in_a_ruby_worker(r: Resque, redis_url: str, raw_redis: redis.Redis) -> None:
    r.enqueue_activejob("ArchiveJob", 44, "masterbrew", {Symbol("sym"): 1, "str": 2},
                        datetime(2026, 11, 28, 12, tzinfo=timezone.utc), date(2026, 11, 28), Decimal("1.10"),
                        Symbol("a_symbol"), queue="file_serve", kwargs={"flag": True})
    proc = ruby_worker(redis_url, "file_serve", "0", WITH_ACTIVEJOB="1")
    assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""
    assert r.failure.count() == 0, r.failure.all(0, 1)[0].as_dict()
    (result,) = [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)]
    assert result[0] == 44 and result[1] == "masterbrew"
    assert result[2] == {"Symbol:sym": 1, "String:str": 2}
    assert result[3] == "Time:2026-11-28 12:00:00 UTC"
    assert result[4].startswith("Date:#<Date: 2026-11-28 ")
    assert result[5] == "0.11e1"  # Rails 6.1 hands BigDecimal over as its string
    assert result[6] == "Symbol::a_symbol"
    assert result[7] == {"flag": True}  # arrived as a keyword argument (**kwargs)


@needs_scheduler
def test_delayed_rails_job_matches_and_runs_in_python(r: Resque, raw_redis: redis.Redis) -> None:
    # ArchiveJob.set(wait: 3600).perform_later with resque-scheduler, next to ours
    ruby_id = ruby(r.redis_id, "aj_enqueue_in", json.dumps([44, "masterbrew"]), "3600",
                   WITH_ACTIVEJOB="1", WITH_SCHEDULER="1")
    ours_id = r.enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve", wait=3600)
    stamps = r.delayed.peek(0, 5)
    assert 1 <= len(stamps) <= 2 and stamps[-1] - stamps[0] <= 2
    items = [item for ts in stamps for item in raw_redis.lrange(f"resque:delayed:{ts}", 0, -1)]

    def shape(item: bytes, job_id: str) -> str:
        text = item.decode().replace(job_id, "<ID>")
        return re.sub(r'"enqueued_at":"[^"]+"', '"enqueued_at":"<T>"', text)

    by_id = {json.loads(i)["args"][0]["job_id"]: i for i in items}
    assert shape(by_id[ruby_id], ruby_id) == shape(by_id[ours_id], ours_id)
    for ts in stamps:
        r.delayed.enqueue_timestamp(ts)
    seen = []
    r.registry.register("ArchiveJob", lambda *a: seen.append(a), queue="file_serve")
    Worker(r, ["file_serve"], fork_per_job=False).work(0)
    assert seen == [(44, "masterbrew"), (44, "masterbrew")] and r.failure.count() == 0



def test_rails_durations_and_utc_times_reach_python_with_activesupport(redis_url: str) -> None:
    # Rails 6.1 writes Duration parts as [Symbol, n] pairs and 1.5.hours as 5400.0
    client = Resque(redis_url, registry=Registry(), dialect="rails")
    ruby(redis_url, "aj_enqueue", json.dumps("durations"), WITH_ACTIVEJOB="1", ACTIVESUPPORT="1")
    seen = []
    client.registry.register("ArchiveJob", lambda *a, **k: seen.append((a, k)), queue="file_serve")
    Worker(client, ["file_serve"], fork_per_job=False).work(0)
    assert client.failure.count() == 0
    (args, kwargs), = seen
    assert isinstance(args[0], Duration) and args[0].value == 5400.0 and args[0].parts == {"hours": 1.5}
    assert isinstance(args[0].value, float)
    assert args[1].value == 5400 and args[1].parts == {"hours": 1, "minutes": 30}
    assert args[2] == datetime(2026, 11, 28, 12, 0, 0, 500000, tzinfo=timezone.utc)
    assert args[3] == "<b>&" and kwargs == {"at": Duration(172800, {"days": 2})}


def test_python_durations_and_utc_times_run_in_rails(redis_url: str, raw_redis: redis.Redis) -> None:
    client = Resque(redis_url, registry=Registry(), dialect="rails")
    client.enqueue_activejob("ArchiveJob", Duration(5400.0, {"hours": 1.5}), Duration(5400, {"hours": 1, "minutes": 30}),
                             datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("UTC")), "<b>&", queue="file_serve",
                             kwargs={"at": Duration(172800, {"days": 2})}, timezone_name="UTC")
    assert b"\\u003cb\\u003e\\u0026" in (raw_redis.lindex("resque:queue:file_serve", 0) or b"")
    proc = ruby_worker(redis_url, "file_serve", "0", WITH_ACTIVEJOB="1", ACTIVESUPPORT="1")
    assert proc.wait(60) == 0, proc.stdout.read() if proc.stdout else ""
    assert client.failure.count() == 0, client.failure.all(0, 1)[0].as_dict()
    (result,) = [json.loads(x) for x in raw_redis.lrange("contract:results", 0, -1)]
    assert result[0] == "ActiveSupport::Duration:1.5 hours"
    assert result[1] == "ActiveSupport::Duration:1 hour and 30 minutes"
    # Rails 6.1 reads a TimeWithZone back with in_time_zone(Time.zone): the worker sets no zone, so a Time
    assert result[2] == "Time:2026-11-28 12:00:00 UTC"
    assert result[3] == "<b>&" and result[4] == {"at": "ActiveSupport::Duration:2 days"}
