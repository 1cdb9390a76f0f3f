"""Python and Ruby (resque-scheduler 5.0) schedulers side by side on one Redis:
Ruby's recurring jobs keep firing beside a Python scheduler, persistent schedules
cross languages, one YAML in both fires each tick once, and a kill -9'd master
is replaced within the lock's TTL (LOCK_TIMEOUT=3 here, 180 s by default)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque

from .support.processes import StartedProcesses
from .support.ruby_peer import SCHEDULER_PEER, PeerProcess, needs_scheduler, ruby_popen, scheduler
from .support.waiting import wait_for
from .support.workers import ROOT

pytestmark = [needs_scheduler, pytest.mark.ruby]

LOCK = "resque:resque:resque_scheduler_master_lock"
RUNNER = SCHEDULER_PEER.parent / "scheduler_run.rb"
TTL = "3"  # LOCK_TIMEOUT for both languages, so a takeover fits in a test
RUBY_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")


def _yaml(tmp_path: Path, every: str = "1s") -> Path:
    path = tmp_path / "schedule.yml"
    path.write_text(f"tick:\n  every: {every}\n  class: Tick\n  queue: ticks\n  args: [1]\n")
    return path


class Procs(StartedProcesses):
    """Scheduler processes started by a test; all stopped at its end."""

    def ruby(self, schedule: Path | None = None, dynamic: bool = False) -> PeerProcess:
        return self.keep(ruby_popen(self.redis_url, RUNNER, *([str(schedule)] if schedule else []),
                                    peers=["scheduler"], stdout=subprocess.DEVNULL, LOCK_TIMEOUT=TTL,
                                    RESQUE_SCHEDULER_INTERVAL="0.2", DYNAMIC_SCHEDULE="true" if dynamic else ""))

    def python(self, *options: str) -> subprocess.Popen[str]:
        env = {**os.environ, "REDIS_URL": self.redis_url, "PYTHONPATH": str(ROOT), "LOCK_TIMEOUT": TTL}
        return self.popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2", *options], env)


@pytest.fixture
def procs(redis_url: str) -> Iterator[Procs]:
    started = Procs(redis_url)
    yield started
    started.stop()


def _holder(raw: redis.Redis) -> str:
    value = raw.get(LOCK)
    return "" if value is None else value.decode()


def _ticks(raw: redis.Redis) -> int:
    return int(raw.llen("resque:queue:ticks"))


@pytest.mark.parametrize("options", [[], ["--dynamic"]], ids=["delayed-only", "dynamic-without-schedules"])
def test_ruby_static_schedule_keeps_firing_beside_a_python_scheduler_started_first(
        procs: Procs, raw_redis: redis.Redis, tmp_path: Path, options: list[str]) -> None:
    python = procs.python(*options)
    time.sleep(1.5)  # a window of many rounds in which Python's scheduler must not take the lock
    assert python.poll() is None and not raw_redis.exists(LOCK)
    ruby = procs.ruby(_yaml(tmp_path))
    wait_for(lambda: _ticks(raw_redis) >= 3, timeout=30, what="Ruby's every: 1s fired 3 times")
    assert _holder(raw_redis).endswith(f":{ruby.pid}")
    assert json.loads(raw_redis.lindex("resque:queue:ticks", 0)) == {"class": "Tick", "args": [1]}
    # a due delayed job is moved once, by the master (the Python scheduler leaves it to Ruby)
    Resque(procs.redis_url, registry=Registry()).delayed.delayed_push(
        int(time.time()) - 1, {"class": "Tick", "args": ["delayed"], "queue": "moved"})
    wait_for(lambda: raw_redis.llen("resque:queue:moved") == 1, timeout=15, what="delayed job moved")


def test_persistent_schedule_set_from_ruby_is_fired_by_python_alone(procs: Procs, raw_redis: redis.Redis) -> None:
    scheduler(procs.redis_url, "set_schedule", "tick", '{"every":"1s","class":"Tick","queue":"ticks","args":[1]}')
    python = procs.python("--dynamic")
    wait_for(lambda: _ticks(raw_redis) >= 2, timeout=30, what="Python fired Ruby's persistent schedule")
    assert _holder(raw_redis).endswith(f":{python.pid}")
    assert RUBY_TIME.fullmatch(scheduler(procs.redis_url, "last_enqueued_at", "tick"))
    # changed from Ruby while Python is master: reloaded through schedules_changed
    scheduler(procs.redis_url, "set_schedule", "tick", '{"every":"1s","class":"Tick","queue":"ticks","args":[2]}')
    wait_for(lambda: json.loads(raw_redis.lindex("resque:queue:ticks", -1))["args"] == [2], timeout=30,
             what="the changed schedule fired")
    assert not raw_redis.exists("resque:schedules_changed")


def test_persistent_schedule_set_from_python_is_fired_by_ruby_alone(procs: Procs, raw_redis: redis.Redis) -> None:
    client = Resque(procs.redis_url, registry=Registry())
    client.schedules.set("tick", {"every": "1s", "class": "Tick", "queue": "ticks", "args": [1]}, persist=True)
    assert scheduler(procs.redis_url, "schedule")["tick"] == {"every": "1s", "class": "Tick", "queue": "ticks",
                                                              "args": [1]}
    ruby = procs.ruby(dynamic=True)
    wait_for(lambda: _ticks(raw_redis) >= 2, timeout=30, what="Ruby fired Python's persistent schedule")
    assert _holder(raw_redis).endswith(f":{ruby.pid}")
    assert RUBY_TIME.fullmatch(client.schedules.last_enqueued_at("tick") or "")


@pytest.mark.slow  # a minute of ticks counted
def test_same_yaml_in_both_fires_each_tick_once(procs: Procs, raw_redis: redis.Redis, tmp_path: Path) -> None:
    # every: 1s for a minute: each tick once is 60 (a tick at either edge may fall
    # outside the window); a tick lost or fired twice moves it past 59..61
    schedule = _yaml(tmp_path, "1s")
    procs.ruby(schedule)
    procs.python("--schedule", str(schedule))
    wait_for(lambda: _ticks(raw_redis) >= 1, timeout=30, what="first tick")
    first = _ticks(raw_redis)
    start = time.monotonic()
    time.sleep(60)  # the minute over which the ticks are counted
    fired = _ticks(raw_redis) - first
    elapsed = time.monotonic() - start
    assert abs(fired - elapsed) <= 1.5, (fired, elapsed)


@pytest.mark.parametrize("master", ["python", "ruby"])
def test_kill_9_of_the_master_and_the_other_takes_over(procs: Procs, raw_redis: redis.Redis, tmp_path: Path,
                                                       master: str) -> None:
    schedule = _yaml(tmp_path)
    first = procs.python("--schedule", str(schedule)) if master == "python" else procs.ruby(schedule)
    wait_for(lambda: _holder(raw_redis).endswith(f":{first.pid}"), timeout=30, what="first master")
    second = procs.ruby(schedule) if master == "python" else procs.python("--schedule", str(schedule))
    wait_for(lambda: _ticks(raw_redis) >= 2, timeout=30, what="the master fires")
    assert _holder(raw_redis).endswith(f":{first.pid}")
    first.kill()
    first.wait(10)
    wait_for(lambda: _holder(raw_redis).endswith(f":{second.pid}"), timeout=30, what="the standby took the lock")
    after = _ticks(raw_redis)
    wait_for(lambda: _ticks(raw_redis) >= after + 2, timeout=30, what="the new master fires")
