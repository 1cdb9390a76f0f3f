"""Delayed + recurring: one scheduler process, started as master with a YAML of
``--schedules`` entries (``every: 1s``) over a Redis already holding ``--due`` due
delayed jobs. Measured: how fast it empties the delayed queue while firing, and
how many recurring ticks per second it fires in a window after that (ideal:
one per schedule per second). resque_interop's ``scheduler`` beside
resque-scheduler 5.0's ``Resque::Scheduler.run`` (when RESQUE_SRC and
RESQUE_SCHEDULER_SRC are set), alternated run by run on a Redis pinned to one vCPU.

    python -m benchmarks.recurring [--rounds 3] [--schedules 200] [--due 20000] [--window 6]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import redis

from .common import PinnedRedis, alternate, report
from .delayed import fill_due, scheduler_cmd

HERE = Path(__file__).resolve().parent
RUNNER = HERE.parent / "tests" / "ruby" / "scheduler_run.rb"


def write_schedule(path: Path, count: int) -> None:
    path.write_text("".join(f"tick{i}:\n  every: 1s\n  class: Tick\n  queue: ticks\n  args: [{i}]\n"
                            for i in range(count)))


def measure(raw: redis.Redis[bytes], argv: list[str], env: dict[str, str], due: int, window: float) -> tuple[float, float]:
    """(delayed jobs moved per second, recurring ticks per second) for one scheduler run."""
    raw.flushall()
    fill_due(raw, due)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not raw.llen("resque:queue:bench"):
            assert time.time() < deadline and proc.poll() is None, "scheduler did not start moving"
            time.sleep(0.005)
        first = time.perf_counter()
        while raw.exists("resque:delayed_queue_schedule"):
            assert time.time() < deadline, "delayed queue not emptied"
            time.sleep(0.005)
        moved = due / (time.perf_counter() - first)
        assert raw.llen("resque:queue:bench") == due
        time.sleep(1.5)  # past the first interval, so the window sees steady firing
        before, start = raw.llen("resque:queue:ticks"), time.perf_counter()
        time.sleep(window)
        ticks = (raw.llen("resque:queue:ticks") - before) / (time.perf_counter() - start)
        return moved, ticks
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--schedules", type=int, default=200)
    parser.add_argument("--due", type=int, default=20000)
    parser.add_argument("--window", type=float, default=6.0)
    opts = parser.parse_args()
    notes: list[str] = []
    with PinnedRedis() as server, tempfile.TemporaryDirectory() as tmp:
        raw = server.client()
        schedule = Path(tmp) / "schedule.yml"
        write_schedule(schedule, opts.schedules)
        env = {**os.environ, "REDIS_URL": server.url, "RESQUE_SCHEDULER_INTERVAL": "1", "QUIET": "true",
               "PYTHONPATH": str(HERE.parent)}
        commands = {"resque_interop scheduler": [sys.executable, "-m", "resque_interop", "scheduler", "--quiet",
                                                 "--schedule", str(schedule)]}
        ruby = scheduler_cmd()
        if ruby:
            commands["resque-scheduler 5.0 Resque::Scheduler.run"] = [*ruby, str(RUNNER), str(schedule)]
        else:
            notes.append("resque-scheduler: not measured (set RESQUE_SRC and RESQUE_SCHEDULER_SRC).")
        ticks: dict[str, list[float]] = {name: [] for name in commands}

        def system(name: str) -> Callable[[], float]:
            def run() -> float:
                moved, rate = measure(raw, commands[name], env, opts.due, opts.window)
                ticks[name].append(rate)
                return moved

            return run

        moved = alternate(opts.rounds, {name: system(name) for name in commands})
        report(f"Delayed + recurring: moving {opts.due:,} due jobs while {opts.schedules} schedules fire",
               "jobs/s", moved, [])
        report(f"Delayed + recurring: ticks fired per second ({opts.schedules} schedules every: 1s, ideal "
               f"{opts.schedules})", "ticks/s", ticks, notes)


if __name__ == "__main__":
    main()
