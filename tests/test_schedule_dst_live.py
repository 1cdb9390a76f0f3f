"""The DST repeat and gap live, under a fake clock, rufus-scheduler 3.8.2 (resque-scheduler
5.0) and the Python scheduler side by side, each on its own namespace (so each is master).

The Ruby scheduler runs under libfaketime; the Python one shifts ``time.time()`` by the
same offset file (tests/support/fake_clock_cli.py says why). The clock jumps forward from window
to window; each window is a few seconds around one instant, and the firings of the
schedules that matter there are counted. TZ=Europe/Berlin, lines without a zone:
- autumn 2027-10-31: 02:00-02:59 is lived twice; ``0 0 2 * * *`` fires once,
  ``0 0 * * * *`` fires at 02:00 CEST and 03:00 CET but not at 02:00 CET (fugit's gh-6);
- spring 2027-03-28: 02:00-02:59 does not exist; ``0 30 2 * * *`` does not fire that day
  (not at 03:30 either) and fires the next day; the hourly line fires at 03:00 CEST."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import redis

from .support.ruby_peer import (
    SCHEDULER_PEER,
    needs_local_ruby,
    needs_scheduler,
    ruby_env,
    scheduler_args,
)
from .support.waiting import wait_for
from .support.workers import ROOT

pytestmark = [needs_scheduler, pytest.mark.ruby, needs_local_ruby,  # libfaketime is preloaded into this host's ruby
              pytest.mark.skipif(shutil.which("faketime") is None, reason="needs libfaketime (faketime)"),
              pytest.mark.slow]  # each about 25 s: two schedulers across a fake clock's jumps

RUNNER = SCHEDULER_PEER.parent / "scheduler_run.rb"
SCHEDULE = """\
daily2:
  cron: "0 0 2 * * *"
  class: Tick
  queue: daily2
hourly:
  cron: "0 0 * * * *"
  class: Tick
  queue: hourly
half2:
  cron: "0 30 2 * * *"
  class: Tick
  queue: half2
"""
NAMESPACES = {"ruby": "rb", "python": "py"}


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _libfaketime() -> str:
    """The preload library the faketime command uses (read from its environment)."""
    out = subprocess.run(["faketime", "-f", "+0", "printenv", "LD_PRELOAD"], capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


class FakeClock:
    """An offset file both schedulers read; :meth:`jump` moves the fake time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def jump(self, iso: str) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(f"{_epoch(iso) - time.time():+.3f}\n")
        tmp.replace(self.path)  # atomically: a reader never sees an empty file

    def now(self) -> float:
        return time.time() + float(self.path.read_text())


@pytest.fixture
def schedulers(redis_url: str, tmp_path: Path) -> Iterator[FakeClock]:
    clock = FakeClock(tmp_path / "faketime")
    clock.path.write_text("+0\n")
    schedule = tmp_path / "schedule.yml"
    schedule.write_text(SCHEDULE)
    base = scheduler_args()
    assert base is not None
    common = {"TZ": "Europe/Berlin", "FAKETIME_NO_CACHE": "1", "FAKE_CLOCK_FILE": str(clock.path)}
    ruby = subprocess.Popen([*base, str(RUNNER), str(schedule)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=ruby_env(redis_url, **common, RESQUE_NAMESPACE=NAMESPACES["ruby"],
                                         LD_PRELOAD=_libfaketime(), FAKETIME_TIMESTAMP_FILE=str(clock.path),
                                         RESQUE_SCHEDULER_INTERVAL="0.2"))
    python = subprocess.Popen([sys.executable, str(Path(__file__).parent / "support" / "fake_clock_cli.py"), "scheduler",
                               "-i", "0.2", "-N", NAMESPACES["python"], "--schedule", str(schedule)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, **common, "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)})
    clock.procs = (ruby, python)  # type: ignore[attr-defined]
    yield clock
    for proc in (ruby, python):
        proc.terminate()
    for proc in (ruby, python):
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _counts(raw: redis.Redis) -> dict[str, dict[str, int]]:
    return {lang: {q: int(raw.llen(f"{ns}:queue:{q}")) for q in ("daily2", "hourly", "half2")}
            for lang, ns in NAMESPACES.items()}


def _start(clock: FakeClock, raw: redis.Redis, iso: str) -> None:
    clock.jump(iso)
    wait_for(lambda: len([k for k in raw.scan_iter("*resque_scheduler_master_lock")]) == 2, timeout=60,
             what="both schedulers are masters of their namespaces")
    for proc in clock.procs:  # type: ignore[attr-defined]
        assert proc.poll() is None


def _window(clock: FakeClock, raw: redis.Redis, around: str) -> dict[str, dict[str, int]]:
    """Jump to 4 s before ``around``, let both schedulers live 8 s past it; the firings."""
    before = _counts(raw)
    clock.jump(datetime.fromtimestamp(_epoch(around) - 4).astimezone().isoformat())
    end = _epoch(around) + 4
    wait_for(lambda: clock.now() >= end, timeout=30, what=f"the fake clock passed {around} + 4 s")
    after = _counts(raw)
    return {lang: {q: after[lang][q] - before[lang][q] for q in after[lang]} for lang in after}


def test_autumn_repeat_fires_once_as_rufus(schedulers: FakeClock, raw_redis: redis.Redis) -> None:
    _start(schedulers, raw_redis, "2027-10-30T23:30:00Z")  # 01:30 CEST
    first = _window(schedulers, raw_redis, "2027-10-31T00:00:00Z")  # 02:00 CEST
    repeat = _window(schedulers, raw_redis, "2027-10-31T01:00:00Z")  # 02:00 CET, the repeat
    after = _window(schedulers, raw_redis, "2027-10-31T02:00:00Z")  # 03:00 CET
    print("autumn firings", first, repeat, after)
    assert [w["ruby"] for w in (first, repeat, after)] == [w["python"] for w in (first, repeat, after)]
    for lang in NAMESPACES:
        assert (first[lang]["daily2"], repeat[lang]["daily2"]) == (1, 0), lang
        assert (first[lang]["hourly"], repeat[lang]["hourly"], after[lang]["hourly"]) == (1, 0, 1), lang


def test_spring_gap_is_skipped_as_rufus(schedulers: FakeClock, raw_redis: redis.Redis) -> None:
    _start(schedulers, raw_redis, "2027-03-28T00:30:00Z")  # 01:30 CET
    change = _window(schedulers, raw_redis, "2027-03-28T01:00:00Z")  # 03:00 CEST (02:00 CET never comes)
    late = _window(schedulers, raw_redis, "2027-03-28T01:30:00Z")  # 03:30 CEST: not a late 02:30
    next_day = _window(schedulers, raw_redis, "2027-03-29T00:30:00Z")  # 02:30 CEST on the 29th
    print("spring firings", change, late, next_day)
    assert [w["ruby"] for w in (change, late, next_day)] == [w["python"] for w in (change, late, next_day)]
    for lang in NAMESPACES:
        assert (change[lang]["hourly"], change[lang]["daily2"], change[lang]["half2"]) == (1, 0, 0), lang
        assert late[lang]["half2"] == 0 and next_day[lang]["half2"] == 1, lang
