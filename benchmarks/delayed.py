"""Delayed jobs (resque-scheduler's schema): delaying jobs one by one, and a
scheduler moving due jobs to their queue, for resque_interop beside node-resque
and, when RESQUE_SRC and RESQUE_SCHEDULER_SRC are set, Ruby's resque-scheduler,
alternated run by run on a Redis pinned to one vCPU.

    python -m benchmarks.delayed [--rounds 3] [--jobs 5000] [--due 20000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from .common import (
    NODE_DIR,
    PinnedRedis,
    alternate,
    have_node,
    peer_src,
    report,
    ruby_cmd,
    run_json,
)

HERE = Path(__file__).resolve().parent

CHILD = """
import json, sys, time
from resque_interop import Registry, Resque
url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = Resque(url, registry=Registry())
start = time.perf_counter()
if mode == "enqueue_at":
    at = time.time() + 86400
    for i in range(n):
        client.delayed.enqueue_at_with_queue("bench", at + i % 100, "Noop", i)
else:
    client.delayed.enqueue_due()
print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))
"""


def scheduler_cmd() -> list[str] | None:
    """ruby with Resque and resque-scheduler on the load path, or None."""
    ruby = ruby_cmd()
    src = peer_src("RESQUE_SCHEDULER_SRC", "resque-scheduler-5.0.0")
    if ruby is None:
        return None
    args = [*ruby, "-I", str(src / "lib")] if src else ruby
    ok = subprocess.run([*args, "-e", 'require "resque-scheduler"'], capture_output=True)
    return args if ok.returncode == 0 else None


def fill_due(raw: redis.Redis[bytes], n: int) -> None:
    """``n`` due jobs over 100 past timestamps, as resque-scheduler stores them."""
    past = int(time.time()) - 1000
    pipe = raw.pipeline(transaction=False)
    for i in range(n):
        ts = past + i % 100
        item = b'{"class":"Noop","args":[%d],"queue":"bench"}' % i
        pipe.rpush(f"resque:delayed:{ts}", item)
        pipe.sadd(b"resque:timestamps:" + item, f"delayed:{ts}")
        if i < 100:
            pipe.zadd("resque:delayed_queue_schedule", {str(ts): ts})
        if len(pipe) >= 3000:
            pipe.execute()
    pipe.execute()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--due", type=int, default=20000)
    opts = parser.parse_args()
    notes: list[str] = []
    with PinnedRedis() as server:
        raw = server.client()
        env = {"REDIS_URL": server.url}

        def system(argv: list[str], mode: str, n: int, cwd: Path = HERE.parent) -> Callable[[], float]:
            def run() -> float:
                raw.flushall()
                if mode == "move":
                    fill_due(raw, n)
                out = run_json(argv, env, cwd=cwd)
                if mode == "move":
                    assert raw.llen("resque:queue:bench") == n and not raw.exists("resque:delayed_queue_schedule")
                else:
                    assert sum(raw.llen(k) for k in raw.scan_iter("resque:delayed:*")) == n
                return n / out["seconds"]

            return run

        python = [sys.executable, "-c", CHILD, server.url]
        delaying = {"resque_interop delayed.enqueue_at_with_queue": system([*python, "enqueue_at", str(opts.jobs)],
                                                                           "enqueue_at", opts.jobs)}
        moving = {"resque_interop delayed.enqueue_due": system([*python, "move", str(opts.due)], "move", opts.due)}
        if have_node():
            node = ["node", "bench.js"]
            delaying["node-resque 9.7.1 queue.enqueueAt"] = system(
                [*node, "enqueue_at", "bench", str(opts.jobs)], "enqueue_at", opts.jobs, NODE_DIR)
            moving["node-resque 9.7.1 scheduler.poll"] = system(
                [*node, "schedule", "bench", str(opts.due)], "move", opts.due, NODE_DIR)
        else:
            notes.append("node-resque: not installed (run ./scripts/test once, or npm ci in tests/node).")
        ruby = scheduler_cmd()
        if ruby:
            rb = [*ruby, str(HERE / "bench_scheduler.rb")]
            delaying["resque-scheduler 5.0 Resque.enqueue_at_with_queue"] = system(
                [*rb, "enqueue_at", "bench", str(opts.jobs)], "enqueue_at", opts.jobs)
            moving["resque-scheduler 5.0 handle_delayed_items"] = system(
                [*rb, "move", "bench", str(opts.due)], "move", opts.due)
        else:
            notes.append("resque-scheduler: not measured (set RESQUE_SRC and RESQUE_SCHEDULER_SRC to checkouts"
                         " of resque v3.0.0 and resque-scheduler v5.0.0; needs ruby-rufus-scheduler).")
        report("Delaying jobs one by one", "jobs/s", alternate(opts.rounds, delaying), [])
        report("Moving due jobs to their queue", "jobs/s", alternate(opts.rounds, moving), notes)


if __name__ == "__main__":
    main()
