"""resque-scheduler's find/remove/enqueue_delayed_selection: the Python client, the
CLI, and live against Ruby's own calls on the same data (same results, same keyspace)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Resque
from resque_interop.cli import main
from resque_interop.scheduler.selection import args_contain, contains

from .support.keyspace import dump
from .support.ruby_peer import needs_scheduler, scheduler

LATER = int(time.time()) + 3600


@pytest.fixture
def r(r: Resque) -> Resque:
    """conftest's client, with the jobs this module enqueues registered."""
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    r.registry.register("Report", lambda *a: None, queue="reports")
    return r


def _fill(r: Resque) -> None:
    """Archive and Report items over three timestamps; one item at two of them."""
    d = r.delayed
    d.enqueue_at(LATER, "Archive", 7, "a")
    d.enqueue_at(LATER, "Archive", 8, "b")
    d.enqueue_at(LATER + 60, "Archive", 7, "a")  # the same item again, later
    d.enqueue_at(LATER + 60, "Report", 7)
    d.enqueue_at(LATER + 120, "Archive", [7], {"n": 7})
    d.enqueue_at(LATER + 120, "Report", 9)


def _has(value: Any) -> Any:
    """The block the Ruby peer uses: ``Array(args).include?(value)``."""
    return lambda args: value in (args if isinstance(args, list) else [args])


def test_find_matches_class_and_args_as_ruby(r: Resque) -> None:
    _fill(r)
    found = r.delayed.find_delayed_selection(_has(7))
    assert [json.loads(f)["args"] for f in found] == [[7, "a"], [7, "a"], [7]]  # one per copy, schedule order
    assert [json.loads(f)["class"] for f in r.delayed.find_delayed_selection(_has(7), "Report")] == ["Report"]
    assert r.delayed.find_delayed_selection(lambda args: True, "Nobody") == []


def test_remove_selection_removes_every_copy(r: Resque, raw_redis: redis.Redis) -> None:
    _fill(r)
    assert r.delayed.remove_delayed_selection(_has(7), "Archive") == 2
    assert r.delayed.count_all() == 4 and not r.delayed.is_delayed("Archive", 7, "a")
    assert r.delayed.remove_delayed_selection(_has(7), "Archive") == 0


def test_enqueue_selection_queues_each_copy_once_and_leaves_the_rest(r: Resque, raw_redis: redis.Redis) -> None:
    _fill(r)
    raw_redis.rpush(f"resque:delayed:{LATER}", b"{not json")  # skipped, never matched (Ruby raises)
    assert r.delayed.enqueue_delayed_selection(_has(7)) == 3
    assert raw_redis.lrange("resque:queue:file_serve", 0, -1) == [b'{"class":"Archive","args":[7,"a"]}'] * 2
    assert raw_redis.lrange("resque:queue:reports", 0, -1) == [b'{"class":"Report","args":[7]}']
    assert r.delayed.count_all() == 4 and not raw_redis.keys("resque:timestamps:*[[]7,*")


def test_args_contain_is_json_containment() -> None:
    assert args_contain(44)([44, "masterbrew"]) and not args_contain(45)([44])
    assert args_contain({"account_id": 7})([{"account_id": 7, "day": 3}])
    assert not args_contain({"account_id": 7})([{"account_id": "7"}])
    assert args_contain([44, "masterbrew"])([44, "masterbrew", 1]) and not args_contain([44, "x"])([44])
    assert contains(1.0, 1) and not contains(True, 1) and not contains(1, True) and contains(None, None)
    assert args_contain("x")("x")  # args that are not a list are the one argument


def test_cli_find_remove_and_enqueue(r: Resque, raw_redis: redis.Redis) -> None:
    _fill(r)
    env, runner = {"REDIS_URL": r.redis_id, "COLUMNS": "200"}, CliRunner()
    out = runner.invoke(main, ["delayed", "find", "--class", "Archive", "--match", "7", "--json"], env=env)
    assert out.exit_code == 0, out.output
    assert [item["args"] for item in json.loads(out.output)] == [[7, "a"], [7, "a"]]  # not [[7], ...]: 7 is not [7]
    out = runner.invoke(main, ["delayed", "find", "--match", '{"n": 7}'], env=env)
    assert out.exit_code == 0 and "1 delayed job" in out.output
    out = runner.invoke(main, ["delayed", "remove"], env=env)
    assert out.exit_code != 0 and "--class or --match" in out.output  # never everything by accident
    out = runner.invoke(main, ["delayed", "remove", "--class", "Report", "--match", "9"], env=env)
    assert out.exit_code == 0 and "removed 1" in out.output
    out = runner.invoke(main, ["delayed", "enqueue", "--match", "7", "--class", "Archive"], env=env)
    assert out.exit_code == 0 and "queued 2" in out.output
    assert raw_redis.llen("resque:queue:file_serve") == 2
    out = runner.invoke(main, ["delayed", "find", "--match", "{not json"], env=env)
    assert out.exit_code != 0 and "--match" in out.output
    out = runner.invoke(main, ["delayed"], env=env)  # the listing as before
    assert out.exit_code == 0 and "delayed: 3 jobs at 3 timestamps" in out.output


def _snapshot(raw: redis.Redis) -> dict[bytes, bytes]:
    return {key: raw.dump(key) for key in raw.scan_iter()}


def _restore(raw: redis.Redis, snapshot: dict[bytes, bytes]) -> None:
    raw.flushdb()
    for key, value in snapshot.items():
        raw.restore(key, 0, value)


@needs_scheduler
@pytest.mark.ruby
def test_live_selection_calls_match_resque_schedulers_on_the_same_data(r: Resque, raw_redis: redis.Redis) -> None:
    _fill(r)
    assert scheduler(r.redis_id, "enqueue_at", str(LATER + 180), '[7, "ruby"]') is True  # Ruby's own items too
    assert scheduler(r.redis_id, "enqueue_at", str(LATER + 180), '[10]') is True
    before = _snapshot(raw_redis)
    for class_name in ("", "Archive", "Report"):
        for value in ("7", '"a"', "11"):
            job = class_name or None
            ruby_found = scheduler(r.redis_id, "find_selection", class_name, value)
            assert r.delayed.find_delayed_selection(_has(json.loads(value)), job) == ruby_found
            for call in ("remove", "enqueue"):
                _restore(raw_redis, before)
                ruby_count = scheduler(r.redis_id, f"{call}_selection", class_name, value)
                after_ruby = dump(raw_redis)
                _restore(raw_redis, before)
                ours = getattr(r.delayed, f"{call}_delayed_selection")(_has(json.loads(value)), job)
                assert (ours, dump(raw_redis)) == (ruby_count, after_ruby), (call, class_name, value)
