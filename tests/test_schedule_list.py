"""``schedule list``: entries skipped for the environment are marked, and the next run is the
one the running master will use (an ``every`` entry's from its last enqueue), labelled
otherwise; checked against a live Python scheduler and a live Ruby resque-scheduler."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Resque
from resque_interop.cli import main
from resque_interop.scheduler.forecast import IF_STARTED_NOW, MASTER, MASTER_AT_THE_LATEST, overview
from resque_interop.schema.timefmt import started_at

from .support.ruby_peer import SCHEDULER_PEER, PeerProcess, needs_scheduler, ruby_popen
from .support.waiting import wait_for
from .support.workers import ROOT

LOCK = "resque:resque:resque_scheduler_master_lock"
LAST = "resque:delayed:last_enqueued_at"
NOW = 1_900_000_000  # 2030-03-17 17:46:40 UTC, a whole second as the records are

YAML = """\
hourly:
  every: 1h
  class: Report
  queue: low
nightly:
  cron: "0 3 * * * UTC"
  class: Archive
  queue: low
prod_only:
  every: 1s
  class: Archive
  queue: low
  rails_env: production, staging
manual:
  class: Archive
  queue: low
"""


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yml"
    path.write_text(YAML)
    return path


def _list(redis_url: str, *options: str, **env: str) -> dict:
    out = CliRunner().invoke(main, ["schedule", "list", "--json", *options], env={"REDIS_URL": redis_url, **env})
    assert out.exit_code == 0, out.output
    found = json.loads(out.output)
    return {**found, "schedules": {item["name"]: item for item in found["schedules"]}}


def test_entries_for_another_env_are_marked_skipped_with_no_next_run(redis_url: str, raw_redis: redis.Redis,
                                                                     schedule_file: Path) -> None:
    found = _list(redis_url, "-s", str(schedule_file), "-E", "development")
    assert found["env"] == "development"
    prod = found["schedules"]["prod_only"]
    assert prod["state"] == "skipped: env production, staging (this is development)"
    assert prod["next_run"] is None and prod["next_run_basis"] is None
    assert found["schedules"]["hourly"]["state"] == "fires" and found["schedules"]["hourly"]["next_run"]
    assert found["schedules"]["manual"]["state"] == "manual only (no cron / every)"
    raw_redis.hset("resque:persistent_schedules", "broken", "{not json")  # written by anyone: shown, not raised
    broken = _list(redis_url, "-s", str(schedule_file))["schedules"]["broken"]
    assert broken["state"].startswith("invalid: its stored config is not usable") and broken["next_run"] is None
    # RAILS_ENV as the scheduler reads it; one of the entry's envs loads it
    staging = _list(redis_url, "-s", str(schedule_file), RAILS_ENV="staging")["schedules"]["prod_only"]
    assert staging["state"] == "fires" and staging["next_run_basis"] == IF_STARTED_NOW
    # no env at all: resque-scheduler skips every entry that names one
    assert _list(redis_url, "-s", str(schedule_file))["schedules"]["prod_only"]["state"] == \
        "skipped: env production, staging (no env set)"
    out = CliRunner().invoke(main, ["schedule", "list", "-s", str(schedule_file), "-E", "development"],
                             env={"REDIS_URL": redis_url, "COLUMNS": "300"})
    row = next(line for line in out.output.splitlines() if "prod_only" in line)
    assert "skipped: env production, staging (this is development)" in row and "UTC" not in row
    assert "env: development" in out.output


def test_every_next_run_is_the_last_enqueue_plus_the_interval_while_a_master_holds_the_lock(
        r: Resque, raw_redis: redis.Redis, schedule_file: Path) -> None:
    from resque_interop.scheduler.schedules import load_schedule_file

    r.schedules.load(load_schedule_file(schedule_file))
    raw_redis.hset(LAST, "hourly", started_at(NOW - 600))  # Ruby's Time.now.to_s, local zone
    # no master: what a scheduler started now would do, whatever the record says
    none = {item.name: item for item in overview(r, "production", now=NOW).schedules}
    assert overview(r, None, now=NOW).master is None
    assert (none["hourly"].next_run, none["hourly"].basis) == (NOW + 3600, IF_STARTED_NOW)
    raw_redis.set(LOCK, "box:4242")
    found = overview(r, "production", now=NOW)
    by_name = {item.name: item for item in found.schedules}
    assert found.master == "box:4242"
    assert (by_name["hourly"].next_run, by_name["hourly"].basis) == (NOW + 3000.5, MASTER)
    assert (by_name["nightly"].next_run, by_name["nightly"].basis) == (NOW + 33200, MASTER)  # 03:00 UTC next day
    assert (by_name["prod_only"].next_run, by_name["prod_only"].basis) == (NOW + 1, MASTER_AT_THE_LATEST)
    # a record older than one interval predates the master's load of the entry: only a bound
    raw_redis.hset(LAST, "hourly", started_at(NOW - 7200))
    hourly = next(item for item in overview(r, "production", now=NOW).schedules if item.name == "hourly")
    assert (hourly.next_run, hourly.basis) == (NOW + 3600, MASTER_AT_THE_LATEST)


def test_the_table_names_the_master_and_labels_times_that_are_not_its_own(
        redis_url: str, raw_redis: redis.Redis, schedule_file: Path) -> None:
    env = {"REDIS_URL": redis_url, "COLUMNS": "300"}
    out = CliRunner().invoke(main, ["schedule", "list", "-s", str(schedule_file)], env=env)
    assert out.exit_code == 0 and "master: none (no scheduler holds the lock" in out.output
    row = next(line for line in out.output.splitlines() if "hourly" in line)
    assert "when a scheduler starts (" in row and "if it started now)" in row
    raw_redis.set(LOCK, "box:4242")
    out = CliRunner().invoke(main, ["schedule", "list", "-s", str(schedule_file)], env=env)
    assert "master: box:4242" in out.output
    row = next(line for line in out.output.splitlines() if "hourly" in line)
    assert "(at the latest: not enqueued since the master loaded it)" in row
    raw_redis.hset(LAST, "hourly", started_at(time.time() - 60))
    out = CliRunner().invoke(main, ["schedule", "show", "hourly", "-s", str(schedule_file)], env=env)
    shown = json.loads(out.output)
    assert shown["master"] == "box:4242" and shown["next_run_basis"] == MASTER and shown["next_run"].endswith("UTC")


class SchedulerProcess:
    """One scheduler process (Python's or Ruby's) running a YAML file; stopped at the end."""

    def __init__(self, redis_url: str, language: str, schedule: Path) -> None:
        self.schedule = schedule
        self.proc: subprocess.Popen[bytes] | PeerProcess
        if language == "python":
            args = [sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2", "-s", str(schedule)]
            env = {**os.environ, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
            self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            self.proc = ruby_popen(redis_url, SCHEDULER_PEER.parent / "scheduler_run.rb", str(schedule),
                                   peers=["scheduler"], stdout=subprocess.DEVNULL, RESQUE_SCHEDULER_INTERVAL="0.2")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def running(request: pytest.FixtureRequest, redis_url: str, tmp_path: Path) -> Iterator[SchedulerProcess]:
    path = tmp_path / "tick.yml"
    path.write_text("tick:\n  every: 3s\n  class: Tick\n  queue: ticks\n")
    proc = SchedulerProcess(redis_url, request.param, path)
    yield proc
    proc.stop()


@pytest.mark.parametrize("running", ["python", pytest.param("ruby", marks=[needs_scheduler, pytest.mark.ruby])],
                         indirect=True)
def test_the_list_predicts_a_live_masters_every_ticks(running: SchedulerProcess, redis_url: str,
                                                      raw_redis: redis.Redis) -> None:
    """Asked halfway between two ticks (where "if a scheduler started now" is 1.5 s off), the
    list's next run is within a second of the tick observed (the record has whole seconds)."""
    wait_for(lambda: (raw_redis.get(LOCK) or b"").endswith(f":{running.proc.pid}".encode()), timeout=30,
             what="the scheduler holds the master lock")
    count = raw_redis.llen("resque:queue:ticks")
    wait_for(lambda: raw_redis.llen("resque:queue:ticks") > count, timeout=30, what="a tick")
    errors = []
    for _ in range(3):
        time.sleep(1.5)  # halfway to the next tick
        found = _list(redis_url, "-s", str(running.schedule))  # a static schedule is in the master's memory only
        assert found["master"] == raw_redis.get(LOCK).decode()
        tick = found["schedules"]["tick"]
        assert tick["next_run_basis"] == MASTER and tick["last_enqueued_at"]
        count = raw_redis.llen("resque:queue:ticks")
        wait_for(lambda: raw_redis.llen("resque:queue:ticks") > count, timeout=30, what="the predicted tick")
        errors.append(time.time() - tick["next_run"])
    assert all(abs(error) < 1.0 for error in errors), errors


def test_an_entry_a_python_scheduler_would_refuse_is_marked(redis_url: str, raw_redis: redis.Redis) -> None:
    # in Redis (as Ruby persists it): no queue, and its class registered nowhere in this process
    raw_redis.hset("resque:persistent_schedules", "orphan", '{"every":"1h","class":"RubyOnlyNightly"}')
    raw_redis.hset("resque:persistent_schedules", "queued", '{"every":"1h","class":"RubyOnlyNightly","queue":"q"}')
    found = _list(redis_url)["schedules"]
    assert found["orphan"]["state"].startswith("fires in Ruby only (no queue here: a Python scheduler refuses it")
    assert found["queued"]["state"] == "fires"
