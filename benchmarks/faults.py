"""How long faults last, Python workers beside Ruby Resque 3.0 workers, same run:

* reconnect: an idle worker, Redis down for ``--outage`` seconds (append-only file
  on), then a job: seconds from Redis answering to the job done;
* prune: a worker killed (kill -9) while it holds a job, another worker alive on
  other queues, heartbeat 1 s, prune interval 3 s, no worker starting: seconds
  from the kill to the job's failure (``None``: not within ``--wait`` seconds).

    python -m benchmarks.faults [--rounds 3] [--outage 8] [--wait 20]

Ruby runs when RESQUE_SRC points at a resque checkout. Systems alternate round by
round; Redis is pinned to vCPU 0 and the workers to vCPU 1.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from tests.support.faults import RestartableRedis

from .common import ROOT, pinned, ruby_cmd

PEER = ROOT / "tests" / "ruby" / "peer.rb"


def _python_worker(url: str, queues: str, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "REDIS_URL": url, "RESQUE_TEST_REDIS_URL": url, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "resque_interop", "work", "-A", "tests.jobs", "-q", queues, "-i", "0.2", *extra]
    return subprocess.Popen(pinned(1, argv), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _ruby_worker(url: str, queues: str, ruby: list[str], **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "REDIS_URL": url, "RESQUE_NAMESPACE": "resque", **env}
    return subprocess.Popen(pinned(1, [*ruby, str(PEER), "work", queues, "0.2"]), env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait(predicate: Callable[[], bool], timeout: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if predicate():
                return time.monotonic() - start
        except redis.ConnectionError:
            pass
        time.sleep(0.02)
    return None


def _registered(raw: redis.Redis[bytes], count: int) -> None:
    if _wait(lambda: raw.scard("resque:workers") >= count, 30) is None:
        raise RuntimeError("workers did not register")


def _stop(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)


def reconnect(system: str, ruby: list[str] | None, outage: float) -> float | None:
    with RestartableRedis() as server:
        raw = redis.Redis.from_url(server.url)
        proc = _python_worker(server.url, "file_serve") if system == "python" else _ruby_worker(
            server.url, "file_serve", ruby or [])
        try:
            _registered(raw, 1)
            server.restart(down_for=outage)
            raw.sadd("resque:queues", "file_serve")
            raw.rpush("resque:queue:file_serve", b'{"class":"Archive","args":["back"]}')
            return _wait(lambda: raw.llen("contract:results") == 1, 60)
        finally:
            _stop(proc)


def prune(system: str, ruby: list[str] | None, wait: float) -> float | None:
    with RestartableRedis() as server:
        raw = redis.Redis.from_url(server.url)
        if system == "python":
            timing = ("--heartbeat-interval", "1", "--prune-interval", "3")
            live = _python_worker(server.url, "low", *timing)
            doomed = _python_worker(server.url, "high", *timing)
            job = b'{"class":"Sleep","args":[300]}'
        else:
            live = _ruby_worker(server.url, "low", ruby or [], HEARTBEAT_INTERVAL="1", PRUNE_INTERVAL="3")
            doomed = _ruby_worker(server.url, "high", ruby or [], HEARTBEAT_INTERVAL="1", PRUNE_INTERVAL="3")
            job = b'{"class":"Blocking","args":["never"]}'
        try:
            _registered(raw, 2)
            raw.sadd("resque:queues", "high")
            raw.rpush("resque:queue:high", job)
            if _wait(lambda: raw.llen("resque:queue:high") == 0 and any(
                    raw.exists(f"resque:worker:{w.decode()}") for w in raw.smembers("resque:workers")), 30) is None:
                raise RuntimeError("the job was not taken")
            children = Path(f"/proc/{doomed.pid}/task/{doomed.pid}/children").read_text().split()
            doomed.send_signal(signal.SIGKILL)
            for child in children:
                os.kill(int(child), signal.SIGKILL)
            return _wait(lambda: raw.llen("resque:failed") > 0, wait)
        finally:
            _stop(live, doomed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--outage", type=float, default=8.0)
    parser.add_argument("--wait", type=float, default=20.0)
    opts = parser.parse_args()
    ruby = ruby_cmd()
    systems = ["python"] + (["ruby"] if ruby else [])
    results: dict[tuple[str, str], list[float | None]] = {}
    for _ in range(opts.rounds):
        for system in systems:
            results.setdefault(("reconnect", system), []).append(reconnect(system, ruby, opts.outage))
            results.setdefault(("prune", system), []).append(prune(system, ruby, opts.wait))
    if not ruby:
        print("ruby: skipped (set RESQUE_SRC to a resque v3.0.0 checkout)")
    for (what, system), runs in sorted(results.items()):
        done = [r for r in runs if r is not None]
        median = f"{statistics.median(done):.2f}s" if len(done) == len(runs) else "not within the wait"
        shown = ", ".join("-" if r is None else f"{r:.2f}" for r in runs)
        print(f"{what:10} {system:7} median {median:>20}  runs: {shown}")


if __name__ == "__main__":
    main()
