"""Recurring schedules: the YAML file, client.schedules, firing as resque-scheduler's
master does, the master lock taken only with schedules, and bad entries from Redis."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import redis
from click.testing import CliRunner

from resque_interop import Resque
from resque_interop.cli import main
from resque_interop.scheduler.recurring import Recurring
from resque_interop.scheduler.schedule_times import ScheduleSyntaxError
from resque_interop.scheduler.scheduler import Scheduler
from resque_interop.scheduler.schedules import load_schedule_file

from .support.waiting import wait_for
from .support.workers import ROOT

LOCK = "resque:resque:resque_scheduler_master_lock"
NOW = 1_900_000_000.0  # 2030-03-17 17:46:40 UTC
RUBY_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}")

YAML = """\
# resque-scheduler's format, one file for both languages
nightly:
  cron: "0 3 * * * Europe/Berlin"
  class: Archive
  args: [1, "two"]
  description: every night
every_second:
  every: 1s
  class: Archive
  queue: fast
  args:
    a: 1
Archive:
  every: ["2s", {"first_in": "5s"}]
prod_only:
  every: 1s
  class: Archive
  args: prod
  rails_env: production, staging
manual:
  class: Archive
"""


@pytest.fixture
def r(r: Resque) -> Resque:
    """conftest's client, with the jobs this module enqueues registered."""
    r.registry.register("Archive", lambda *a: None, queue="file_serve")
    return r


@pytest.fixture
def schedule_file(tmp_path: Path) -> Path:
    path = tmp_path / "schedule.yml"
    path.write_text(YAML)
    return path


def _queued(raw: redis.Redis, queue: str) -> list[dict]:
    return [json.loads(x) for x in raw.lrange(f"resque:queue:{queue}", 0, -1)]


def test_the_yaml_file_loads_as_resque_scheduler_reads_it(schedule_file: Path) -> None:
    schedules = load_schedule_file(schedule_file)
    assert list(schedules) == ["nightly", "every_second", "Archive", "prod_only", "manual"]
    assert schedules["Archive"] == {"every": ["2s", {"first_in": "5s"}], "class": "Archive"}  # class defaults to the name
    assert schedules["every_second"]["args"] == {"a": 1}


@pytest.mark.parametrize("bad, why", [
    ("  cron: 61 * * * *\n", "not valid"),
    ("  every: soon\n", "every 'soon'"),
    ("  cron: 0 0 * * * Nowhere/Zone\n", "unknown time zone"),
    ("  evry: 1s\n", "unknown key"),
    ("  every: [1s, {times: 3}]\n", "unsupported every option"),
    ("  every: [1s, {first_at: someday}]\n", "first_at 'someday'"),
    ("  every: 1s\n  args: [1\n", "not valid YAML"),
])
def test_a_bad_line_is_refused_at_start_with_its_line(tmp_path: Path, redis_url: str, bad: str, why: str) -> None:
    path = tmp_path / "s.yml"
    path.write_text("good:\n  every: 1s\n  queue: q\nbad:\n" + bad)
    where = "s.yml" if "YAML" in why else "s.yml:5: schedule 'bad'" if "unknown key" in why else "s.yml:4: schedule 'bad'"
    with pytest.raises(ScheduleSyntaxError, match=rf"{re.escape(where)}.*{re.escape(why)}"):
        load_schedule_file(path)
    out = CliRunner().invoke(main, ["scheduler", "--once", "--schedule", str(path)], env={"REDIS_URL": redis_url})
    assert out.exit_code != 0 and where in out.output and why in out.output


def test_recurring_jobs_fire_as_resque_schedulers_master(r: Resque, raw_redis: redis.Redis,
                                                         schedule_file: Path) -> None:
    r.schedules.load(load_schedule_file(schedule_file))
    sched = Scheduler(r, recurring=Recurring(r, env="staging"))
    sched.start(NOW)
    assert sched.master and raw_redis.exists(LOCK)
    assert sorted(sched.recurring.jobs) == ["Archive", "every_second", "nightly", "prod_only"]  # type: ignore[union-attr]
    sched.tick(NOW + 1)
    assert _queued(raw_redis, "fast") == [{"class": "Archive", "args": [{"a": 1}]}]  # a hash is the one argument
    assert _queued(raw_redis, "file_serve") == [{"class": "Archive", "args": ["prod"]}]  # a scalar too; registry's queue
    last = raw_redis.hgetall("resque:delayed:last_enqueued_at")
    assert sorted(last) == [b"every_second", b"prod_only"] and RUBY_TIME.fullmatch(last[b"every_second"].decode())
    sched.tick(NOW + 1.5)  # nothing new is due
    assert raw_redis.llen("resque:queue:fast") == 1
    sched.tick(NOW + 5.2)  # first_in: 5s; every_second once, however many ticks were missed
    assert raw_redis.llen("resque:queue:fast") == 2
    assert {"class": "Archive", "args": []} in _queued(raw_redis, "file_serve")  # no args: none
    nightly = sched.recurring.jobs["nightly"].next_at  # type: ignore[union-attr]
    sched.tick(nightly)
    assert {"class": "Archive", "args": [1, "two"]} in _queued(raw_redis, "file_serve")  # an array is splatted


def test_rails_env_entries_load_only_in_their_env(r: Resque, schedule_file: Path) -> None:
    r.schedules.load(load_schedule_file(schedule_file))
    for env, loaded in [(None, False), ("development", False), ("production", True)]:
        recurring = Recurring(r, env=env)
        recurring.load_all(NOW)
        assert ("prod_only" in recurring.jobs) is loaded
        assert "manual" in recurring.skipped  # no cron / every: only queued by hand


def test_custom_job_class_is_what_gets_queued(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.set("status", {"every": "1s", "class": "Archive", "custom_job_class": "StatusJob", "args": [3]})
    r.schedules.enqueue_now("status")
    assert _queued(raw_redis, "file_serve") == [{"class": "StatusJob", "args": [3]}]


def test_client_schedules_api_and_its_bytes(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.set("hourly", {"every": "1h", "queue": "low", "persist": True})
    assert raw_redis.hget("resque:persistent_schedules", "hourly") == b'{"every":"1h","queue":"low","class":"hourly"}'
    assert raw_redis.smembers("resque:schedules_changed") == {b"hourly"}
    r.schedules.set("local", {"cron": "*/5 * * * *", "class": "Archive"})  # not persisted: this process only
    assert not raw_redis.hexists("resque:persistent_schedules", "local")
    assert set(r.schedules.all()) == {"hourly", "local"} and r.schedules.get("hourly")["queue"] == "low"  # type: ignore[index]
    assert r.schedules.next_run("local", NOW) == NOW + 200  # the next */5 minute
    with pytest.raises(ScheduleSyntaxError):
        r.schedules.set("broken", {"cron": "* * *", "persist": True})
    assert not raw_redis.hexists("resque:persistent_schedules", "broken")  # refused before writing
    assert r.schedules.remove("hourly") and r.schedules.get("hourly") is None
    assert not r.schedules.remove("local")  # it was not persisted
    assert r.schedules.all() == {}


def test_a_scheduler_never_takes_the_lock_without_schedules(r: Resque, raw_redis: redis.Redis) -> None:
    raw_redis.set(LOCK, "rubyhost:4242", ex=180)
    dynamic = Scheduler(r, recurring=Recurring(r, dynamic=True))
    dynamic.start(NOW)
    assert not dynamic.master and "never takes the lock" in dynamic.role()
    raw_redis.delete(LOCK)
    dynamic.tick(NOW + 1)
    assert not raw_redis.exists(LOCK)  # nothing to fire: the Ruby master can come back
    r.schedules.set("tick", {"every": "1s", "class": "Archive", "persist": True})
    dynamic.tick(NOW + 2)  # a standby re-reads persistent_schedules, finds one, takes the lock
    assert dynamic.master and raw_redis.exists(LOCK)
    assert not raw_redis.exists("resque:schedules_changed")  # the new master loaded everything
    dynamic.tick(NOW + 3.5)
    assert raw_redis.llen("resque:queue:file_serve") == 1
    r.schedules.remove("tick")
    dynamic.tick(NOW + 5)
    assert not dynamic.master and not raw_redis.exists(LOCK)  # nothing left to fire: let go
    assert raw_redis.llen("resque:queue:file_serve") == 1


def test_standby_does_not_fire_while_ruby_holds_the_lock(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.set("tick", {"every": "1s", "class": "Archive"})
    raw_redis.set(LOCK, "rubyhost:4242", ex=180)
    sched = Scheduler(r, recurring=Recurring(r))
    sched.start(NOW)
    sched.tick(NOW + 10)
    assert not sched.master and sched.role() == "standby" and raw_redis.llen("resque:queue:file_serve") == 0
    assert raw_redis.get(LOCK) == b"rubyhost:4242"
    raw_redis.delete(LOCK)  # the Ruby master died and its lock expired
    sched.tick(NOW + 11)  # takes over and reloads: every 1s counts from now, as rufus
    assert sched.master and raw_redis.llen("resque:queue:file_serve") == 0
    sched.tick(NOW + 12)
    assert raw_redis.llen("resque:queue:file_serve") == 1


@pytest.mark.parametrize("stored", [b"{not json", b"[1, 2]", b'{"cron": "61 * * * *", "class": "Archive"}',
                                    b'{"every": "1s", "class": 5}', b'{"every": "1s"}'])
def test_a_bad_entry_in_redis_never_stops_the_others(r: Resque, raw_redis: redis.Redis, stored: bytes) -> None:
    r.schedules.set("good", {"every": "1s", "class": "Archive", "persist": True})
    sched = Scheduler(r, recurring=Recurring(r, dynamic=True))
    sched.start(NOW)
    raw_redis.hset("resque:persistent_schedules", "bad", stored)  # written later, by anyone
    raw_redis.sadd("resque:schedules_changed", "bad")
    for i in range(1, 4):
        sched.tick(NOW + i)
    assert sched.master and raw_redis.llen("resque:queue:file_serve") == 3
    assert "bad" not in sched.recurring.jobs or raw_redis.hexists("resque:delayed:last_enqueued_at", "bad")  # type: ignore[union-attr]


def test_scheduler_process_logs_its_role_and_titles_itself(r: Resque, raw_redis: redis.Redis,
                                                           schedule_file: Path) -> None:
    env = {**os.environ, "REDIS_URL": r.redis_id, "PYTHONPATH": str(ROOT), "RESQUE_SCHEDULE": str(schedule_file),
           "RAILS_ENV": "production"}
    proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2", "-A", "tests.jobs"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    try:
        wait_for(lambda: raw_redis.llen("resque:queue:fast") >= 1, timeout=15, what="every: 1s fired")
        title = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode().replace("\0", " ")
        assert "resque-interop-scheduler-" in title and "[production]: Master scheduler (holds the lock" in title
        assert raw_redis.get(LOCK) is not None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert not raw_redis.exists(LOCK)  # given up on the way out
        out = proc.stdout.read()  # type: ignore[union-attr]
        assert "scheduler started as master; schedules: file " in out
        assert "4 loaded (4 static, 0 from Redis persistent_schedules, read at start" in out and "1 skipped" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_cli_schedule_set_list_show_run_remove(redis_url: str, raw_redis: redis.Redis, schedule_file: Path) -> None:
    env, runner = {"REDIS_URL": redis_url, "COLUMNS": "200"}, CliRunner()
    out = runner.invoke(main, ["schedule", "set", "hourly", '{"every": "1h", "class": "Report", "queue": "low"}'], env=env)
    assert out.exit_code == 0 and raw_redis.hget("resque:persistent_schedules", "hourly") == \
        b'{"every":"1h","class":"Report","queue":"low"}'
    out = runner.invoke(main, ["schedule", "set", "bad", '{"cron": "* * *"}'], env=env)
    assert out.exit_code != 0 and "expected 5 fields" in out.output and not raw_redis.hexists(
        "resque:persistent_schedules", "bad")
    out = runner.invoke(main, ["schedule", "list", "--schedule", str(schedule_file)], env=env)
    assert out.exit_code == 0 and "hourly" in out.output and "nightly" in out.output and "every 1h" in out.output
    out = runner.invoke(main, ["schedule", "show", "hourly"], env=env)
    assert out.exit_code == 0 and json.loads(out.output)["config"]["queue"] == "low"
    out = runner.invoke(main, ["schedule", "run", "hourly"], env=env)
    assert out.exit_code == 0 and raw_redis.lrange("resque:queue:low", 0, -1) == [b'{"class":"Report","args":[]}']
    assert not raw_redis.exists("resque:delayed:last_enqueued_at")  # queue-now is not a tick, as in Ruby
    out = runner.invoke(main, ["schedule", "run", "nope"], env=env)
    assert out.exit_code != 0 and "no schedule named 'nope'" in out.output
    out = runner.invoke(main, ["schedule", "remove", "hourly", "--yes"], env=env)
    assert out.exit_code == 0 and not raw_redis.exists("resque:persistent_schedules")


def test_hostile_key_types_never_stop_the_static_schedule(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.set("tick", {"every": "1s", "class": "Archive"})
    raw_redis.delete("resque:schedules_changed")
    raw_redis.set("resque:persistent_schedules", "not a hash")
    raw_redis.set("resque:schedules_changed", "not a set")
    sched = Scheduler(r, recurring=Recurring(r, dynamic=True))
    sched.start(NOW)
    for i in range(1, 4):
        sched.tick(NOW + i)
    assert sched.master and raw_redis.llen("resque:queue:file_serve") == 3
    raw_redis.set("resque:delayed_queue_schedule", "not a zset")
    with pytest.raises(redis.ResponseError):
        sched.tick(NOW + 5)  # Redis refuses ZRANGEBYSCORE, after the schedules have fired
    assert raw_redis.llen("resque:queue:file_serve") == 4


def test_scheduler_run_survives_a_failing_round(r: Resque, raw_redis: redis.Redis,
                                                caplog: pytest.LogCaptureFixture) -> None:
    raw_redis.set("resque:delayed_queue_schedule", "not a zset")
    with caplog.at_level("ERROR", logger="resque_interop.scheduler"):
        assert Scheduler(r).run(once=True) == 0
    # the round ran as master, failed on the hostile key (logged with its reason), left it
    # as it was, and gave the lock back on the way out
    assert "scheduler round failed" in caplog.text and "WRONGTYPE" in caplog.text
    assert raw_redis.get("resque:delayed_queue_schedule") == b"not a zset"
    assert not raw_redis.exists(LOCK)


def test_every_keeps_its_phase_and_skips_missed_ticks_as_rufus(r: Resque, raw_redis: redis.Redis) -> None:
    r.schedules.set("two", {"every": "2s", "class": "Archive"})
    recurring = Recurring(r)
    recurring.load_all(NOW)
    assert recurring.next_due() == NOW + 2  # rufus: one interval after loading
    assert recurring.fire_due(NOW + 2.5) == ["two"] and recurring.next_due() == NOW + 4  # not NOW + 4.5
    assert recurring.fire_due(NOW + 7.1) == ["two"] and recurring.next_due() == NOW + 8  # 4 and 6 missed: once
    assert raw_redis.llen("resque:queue:file_serve") == 2


def test_scheduler_prints_on_usr1_reloads_on_usr2_and_hup_and_survives_a_broken_file(
    r: Resque, raw_redis: redis.Redis, tmp_path: Path
) -> None:
    # resque-scheduler prints its schedule on USR1 and reloads it on USR2; an unhandled
    # signal would kill the process and leave the master lock for LOCK_TIMEOUT (180 s)
    path = tmp_path / "schedule.yml"
    path.write_text("tick:\n  every: 1s\n  class: Tick\n  queue: ticks\n")
    log_path = tmp_path / "scheduler.log"
    env = {**os.environ, "REDIS_URL": r.redis_id, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2",
                                 "--schedule", str(path)], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: raw_redis.llen("resque:queue:ticks") >= 1, timeout=15, what="tick fired")
        proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: "tick (static, every 1s): next run" in log_path.read_text(), what="the schedule printed")
        path.write_text("tock:\n  every: 1s\n  class: Tock\n  queue: tocks\n")
        proc.send_signal(signal.SIGUSR2)
        wait_for(lambda: raw_redis.llen("resque:queue:tocks") >= 1, timeout=15, what="the reloaded schedule fired")
        ticks, tocks = raw_redis.llen("resque:queue:ticks"), raw_redis.llen("resque:queue:tocks")
        wait_for(lambda: raw_redis.llen("resque:queue:tocks") >= tocks + 2, timeout=15, what="two more tocks")
        assert raw_redis.llen("resque:queue:ticks") == ticks  # the old entry is gone
        path.write_text("tock:\n  cron: '* * *'\n")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "schedule not reloaded" in log_path.read_text(), what="the broken file refused")
        tocks = raw_redis.llen("resque:queue:tocks")
        wait_for(lambda: raw_redis.llen("resque:queue:tocks") > tocks, timeout=15, what="the schedule in force")
        assert proc.poll() is None and raw_redis.get(LOCK) is not None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        assert not raw_redis.exists(LOCK)
        assert "schedule.yml:1: schedule 'tock': cron" in log_path.read_text()  # the refused entry named
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_typo_in_a_key_is_refused_naming_the_key_its_line_and_why(tmp_path: Path, redis_url: str) -> None:
    path = tmp_path / "s.yml"
    path.write_text("nightly:\n  cron: '0 3 * * *'\n  clas: Archive\n  queue: low\n")
    out = CliRunner().invoke(main, ["scheduler", "--once", "--schedule", str(path)], env={"REDIS_URL": redis_url})
    assert out.exit_code != 0
    assert "s.yml:3: schedule 'nightly': unknown key 'clas' (did you mean 'class'?)" in out.output
    assert "resque-scheduler ignores keys it does not know, so it would queue class 'nightly'" in out.output


# a class no test registers (tests.jobs registers Archive in the default registry, which the
# scheduler command reads, once any test has imported it)
@pytest.mark.parametrize("entry, refused", [
    ("  class: RubyOnlyArchive\n", True),  # no queue, and the class is not registered here
    ("  class: RubyOnlyArchive\n  queue: file_serve\n", False),
    ("  class: RubyOnlyArchive\n  rails_env: production\n", False),  # never fires in this env
])
def test_an_entry_with_no_queue_is_refused_at_start(tmp_path: Path, redis_url: str, entry: str,
                                                    refused: bool) -> None:
    path = tmp_path / "s.yml"
    path.write_text("archive:\n  every: 1h\n" + entry)
    out = CliRunner().invoke(main, ["scheduler", "--once", "--schedule", str(path)], env={"REDIS_URL": redis_url})
    if refused:
        assert out.exit_code != 0 and "s.yml:1: schedule 'archive': no queue for class RubyOnlyArchive" in out.output
        assert "add 'queue: <name>' to the entry, or register RubyOnlyArchive with its queue" in out.output
    else:
        assert out.exit_code == 0, out.output


def test_a_persistent_entry_with_no_queue_is_skipped_with_one_line_per_change(
        r: Resque, raw_redis: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    raw_redis.hset("resque:persistent_schedules", "orphan", '{"every":"1s","class":"Unregistered"}')
    r.schedules.set("tick", {"every": "1s", "class": "Archive"}, persist=True)
    sched = Scheduler(r, recurring=Recurring(r, dynamic=True))
    with caplog.at_level("ERROR", logger="resque_interop.scheduler"):
        sched.start(NOW)
        for i in range(1, 6):
            sched.tick(NOW + i)
        raw_redis.hset("resque:persistent_schedules", "orphan", '{"every":"2s","class":"Unregistered"}')
        for i in range(6, 9):
            sched.tick(NOW + i)
    skipped = [rec.getMessage() for rec in caplog.records if "orphan" in rec.getMessage()]
    assert len(skipped) == 2 and "no queue for class Unregistered" in skipped[0]  # at start, and on its change
    assert "orphan" in sched.recurring.skipped and raw_redis.llen("resque:queue:file_serve") == 8  # type: ignore[union-attr]
    assert not raw_redis.hexists("resque:delayed:last_enqueued_at", "orphan")


@pytest.mark.parametrize("options", [[], ["--dynamic"]], ids=["static", "dynamic"])
def test_persistent_schedules_present_at_start_fire_without_dynamic(
        r: Resque, raw_redis: redis.Redis, tmp_path: Path, options: list[str]) -> None:
    r.schedules.set("tick", {"every": "1s", "class": "Tick", "queue": "ticks"}, persist=True)
    log_path = tmp_path / "scheduler.log"
    env = {**os.environ, "REDIS_URL": r.redis_id, "PYTHONPATH": str(ROOT)}
    with open(log_path, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2", *options],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: raw_redis.llen("resque:queue:ticks") >= 2, timeout=15, what="the persistent tick fired")
        assert raw_redis.get(LOCK) is not None
        started = log_path.read_text()
        assert "scheduler started as master; schedules: no schedule file: 1 loaded (0 static, 1 from Redis" in started
        r.schedules.set("tock", {"every": "1s", "class": "Tock", "queue": "tocks"}, persist=True)
        if options:  # --dynamic re-reads them
            wait_for(lambda: raw_redis.llen("resque:queue:tocks") >= 1, timeout=15, what="the new schedule fired")
        else:  # as resque-scheduler without DYNAMIC_SCHEDULE: read at start only
            ticks = raw_redis.llen("resque:queue:ticks")
            wait_for(lambda: raw_redis.llen("resque:queue:ticks") >= ticks + 2, timeout=15, what="two more ticks")
            assert raw_redis.llen("resque:queue:tocks") == 0
        proc.send_signal(signal.SIGUSR1)
        wait_for(lambda: "tick (Redis, every 1s): next run" in log_path.read_text(), what="USR1 says where from")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_cron_line_fugit_fails_on_later_is_unloaded_after_its_firing_with_one_error(
        r: Resque, raw_redis: redis.Redis, caplog: pytest.LogCaptureFixture) -> None:
    # fugit raises TZInfo::AmbiguousTime for this line from any October 2026 day: Havana's
    # 2026-11-01 00:00 happens twice and fugit builds it to find the month's last day
    r.schedules.set("havana", {"cron": "0 12 15 * * America/Havana", "class": "Archive"})
    r.schedules.set("two", {"every": "2s", "class": "Archive"})
    recurring = Recurring(r)
    september = datetime(2026, 9, 10, tzinfo=timezone.utc).timestamp()
    recurring.load_all(september)
    fire_at = datetime(2026, 9, 15, 16, 0, tzinfo=timezone.utc).timestamp()  # 12:00 in Havana
    assert recurring.jobs["havana"].next_at == fire_at
    with caplog.at_level(logging.ERROR, logger="resque_interop.scheduler"):
        assert "havana" in recurring.fire_due(fire_at)
        recurring.fire_due(fire_at + 10)
    assert "havana" not in recurring.jobs and "two" in recurring.jobs
    assert "ambiguous" in recurring.skipped["havana"]
    assert [rec.getMessage() for rec in caplog.records if "havana" in rec.getMessage()] == [
        f"skipping schedule havana: {recurring.skipped['havana']}"]
    assert raw_redis.llen("resque:queue:file_serve") >= 2  # havana's firing and the every's
