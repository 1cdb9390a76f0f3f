"""Every delayed job queued exactly once while a Ruby (resque-scheduler 5.0) and a
Python scheduler run together, whichever holds the master lock.

Ruby's mover reads ``delayed:<ts>`` before it WATCHes it, so a Python mover that
took items in between made Ruby queue them again (67 of 50,000 in the issue's run).
Here 30,000 jobs, enqueued half by Ruby and half by Python, fall due over 20 s
while both schedulers run; afterwards each one is on its queue once and nothing
of the delayed schema is left. That race is rare under load (a commit must land in
one round trip), so the last test opens Ruby's window on purpose."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from resque_interop import Registry, Resque

from .support.processes import StartedProcesses
from .support.ruby_peer import (
    SCHEDULER_PEER,
    PeerProcess,
    needs_local_ruby,
    needs_scheduler,
    ruby_env,
    ruby_popen,
    scheduler_args,
)
from .support.waiting import wait_for
from .support.workers import ROOT

pytestmark = [needs_scheduler, pytest.mark.ruby]

LOCK = "resque:resque:resque_scheduler_master_lock"
RUNNER = SCHEDULER_PEER.parent / "scheduler_run.rb"
PER_LANGUAGE = 15_000
SPAN = 20  # seconds over which the jobs fall due (1,500 a second)
LEAD = 20  # seconds from now to the first due time: both enqueuers finish before it (Ruby's took 7-13 s)
INTERVAL = "1"  # seconds between rounds, for both languages


class Procs(StartedProcesses):
    """Processes a test started, stopped (TERM, then kill) at its end."""

    def ruby_scheduler(self, schedule: Path | None = None) -> PeerProcess:
        return self.keep(ruby_popen(self.redis_url, RUNNER, *([str(schedule)] if schedule else []),
                                    peers=["scheduler"], stdout=subprocess.DEVNULL,
                                    RESQUE_SCHEDULER_INTERVAL=INTERVAL, LOCK_TIMEOUT="30"))

    def python_scheduler(self, *options: str) -> subprocess.Popen[str]:
        env = {**os.environ, "REDIS_URL": self.redis_url, "PYTHONPATH": str(ROOT), "LOCK_TIMEOUT": "30"}
        return self.popen([sys.executable, "-m", "resque_interop", "scheduler", "--quiet", "-i", INTERVAL, *options], env)

    def ruby_enqueuer(self, first: int, start: int, stop: int) -> PeerProcess:
        return self.keep(ruby_popen(self.redis_url, SCHEDULER_PEER, "enqueue_many", str(first), str(SPAN),
                                    str(start), str(stop), "ruby", peers=["scheduler"],
                                    stdout=subprocess.DEVNULL))


@pytest.fixture
def procs(redis_url: str) -> Iterator[Procs]:
    started = Procs(redis_url)
    yield started
    started.stop()


def _holder(raw: redis.Redis) -> str:
    value = raw.get(LOCK)
    return "" if value is None else value.decode()


def _enqueue_from_both(procs: Procs, raw: redis.Redis) -> None:
    """PER_LANGUAGE jobs from each language, due over SPAN seconds from LEAD seconds on."""
    first, half = int(time.time()) + LEAD, PER_LANGUAGE // 2
    rubies = [procs.ruby_enqueuer(first, 0, half), procs.ruby_enqueuer(first, half, PER_LANGUAGE)]  # Ruby's is slower
    delayed = Resque(procs.redis_url, registry=Registry()).delayed
    for i in range(PER_LANGUAGE):
        delayed.enqueue_at_with_queue("file_serve", first + i % SPAN, "Archive", "python", i)
    assert [ruby.wait(60) for ruby in rubies] == [0, 0]
    assert time.time() < first, "the enqueuers were too slow for the test's premise (all enqueued before due)"


def _assert_each_queued_once(raw: redis.Redis) -> None:
    total = 2 * PER_LANGUAGE
    wait_for(lambda: not raw.exists("resque:delayed_queue_schedule"), timeout=SPAN + LEAD + 30,
             what="every timestamp moved")
    queued = Counter(tuple(json.loads(item)["args"]) for item in raw.lrange("resque:queue:file_serve", 0, -1))
    duplicates = {job: n for job, n in queued.items() if n > 1}
    missing = [(lang, i) for lang in ("ruby", "python") for i in range(PER_LANGUAGE) if (lang, i) not in queued]
    assert not duplicates and not missing, (
        f"{sum(duplicates.values()) - len(duplicates)} duplicates, {len(missing)} missing of {total}")
    assert sum(queued.values()) == total
    left = [k for k in raw.scan_iter("resque:delayed:*") if k != b"resque:delayed:last_enqueued_at"]
    assert left == [] and list(raw.scan_iter("resque:timestamps:*")) == []
    assert raw.llen("resque:failed") == 0


@pytest.mark.slow  # about 40 s
def test_ruby_master_and_python_scheduler_queue_each_delayed_job_once(procs: Procs, raw_redis: redis.Redis) -> None:
    ruby = procs.ruby_scheduler()
    wait_for(lambda: _holder(raw_redis).endswith(f":{ruby.pid}"), timeout=30, what="Ruby took the master lock")
    procs.python_scheduler()
    _enqueue_from_both(procs, raw_redis)
    _assert_each_queued_once(raw_redis)
    assert _holder(raw_redis).endswith(f":{ruby.pid}")


@pytest.mark.slow  # about 40 s
def test_python_master_and_ruby_standby_queue_each_delayed_job_once(procs: Procs, raw_redis: redis.Redis,
                                                                    tmp_path: Path) -> None:
    schedule = tmp_path / "schedule.yml"  # a schedule makes the Python scheduler take the lock
    schedule.write_text("hourly:\n  cron: '0 * * * *'\n  class: Tick\n  queue: ticks\n")
    python = procs.python_scheduler("--schedule", str(schedule))
    wait_for(lambda: _holder(raw_redis).endswith(f":{python.pid}"), timeout=30, what="Python took the master lock")
    procs.ruby_scheduler()
    procs.python_scheduler()  # and a second Python scheduler with no schedules
    _enqueue_from_both(procs, raw_redis)
    _assert_each_queued_once(raw_redis)
    assert _holder(raw_redis).endswith(f":{python.pid}")


@needs_local_ruby  # the Python mover runs inside Ruby's window: both on this machine
def test_python_mover_run_inside_rubys_read_then_watch_window_leaves_the_list_to_ruby(
        redis_url: str, raw_redis: redis.Redis) -> None:
    # deterministic: Ruby's master reads delayed:<ts>, then a Python mover runs, then Ruby
    # WATCHes and commits what it read. Before the lock check the Python mover took the
    # 250 items and Ruby queued its first batch again (100 duplicates, every run).
    due = int(time.time()) - 5
    producer = Resque(redis_url, registry=Registry())
    for i in range(250):
        producer.delayed.delayed_push(due, {"class": "Archive", "args": [i], "queue": "file_serve"})
    base = scheduler_args()
    assert base is not None
    python_mover = [sys.executable, "-c", "import os, resque_interop as ri; "
                    "print(ri.Resque(os.environ['REDIS_URL'], registry=ri.Registry()).delayed.enqueue_due())"]
    done = subprocess.run([*base, str(SCHEDULER_PEER.parent / "interleaved_move.rb"), *python_mover],
                          capture_output=True, text=True, timeout=60,
                          env={**ruby_env(redis_url), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "true"]  # the Python mover ran in the window and moved nothing
    queued = Counter(json.loads(item)["args"][0] for item in raw_redis.lrange("resque:queue:file_serve", 0, -1))
    assert sorted(queued) == list(range(250)) and set(queued.values()) == {1}, \
        f"{sum(queued.values()) - len(queued)} duplicates"
    assert not raw_redis.exists("resque:delayed_queue_schedule") and not raw_redis.exists(LOCK)
