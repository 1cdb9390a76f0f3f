"""Every signal a worker or the scheduler handles leaves one timestamped log line, without
-v, and the lines carry no Python reprs."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import redis

from .support.waiting import wait_for
from .support.workers import ROOT, WorkerProcess

ISO = r"\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}\]"


def test_each_worker_signal_is_one_timestamped_line(redis_url: str, raw_redis: redis.Redis, tmp_path: Path) -> None:
    worker = WorkerProcess(redis_url, "file_serve", "-i", "0.1", log_path=str(tmp_path / "worker.log"))
    try:
        worker.worker_id()
        steps = [(signal.SIGUSR2, "USR2 received: pausing job processing"),
                 (signal.SIGCONT, "CONT received: resuming job processing"),
                 (signal.SIGUSR1, "USR1 received: killing the job's child, carrying on")]
        for sig, line in steps:
            worker.send(sig)
            wait_for(lambda line=line: line in worker.output(), 15, line)
        worker.send(signal.SIGQUIT)
        assert worker.proc.wait(15) == 0
    finally:
        if worker.proc.poll() is None:
            worker.proc.kill()
    out = worker.output()
    assert "QUIT received: finishing the job in hand, then exiting" in out
    for _sig, line in steps:
        assert re.search(rf"^\*\*\* {ISO} {re.escape(line)}$", out, re.M), out
    assert out.count("USR2 received") == 1


def test_the_scheduler_says_why_it_stops(redis_url: str, tmp_path: Path) -> None:
    log = tmp_path / "scheduler.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "resque_interop", "scheduler", "-i", "0.2"], cwd=ROOT,
                                env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)},
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: log.read_text().strip() != "", 30, "the start-up line")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text()
    assert re.search(rf"{ISO} Got SIGTERM signal: stopping", text), text
    assert "Error(" not in text and "None" not in text
