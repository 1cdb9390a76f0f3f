"""No-op jobs per second drained by one worker, with and without fork, beside
node-resque and Ruby Resque (when RESQUE_SRC is set) measured in the same run;
and the pick-up latency of an idle worker.

    python -m benchmarks.worker [--rounds 3] [--jobs 20000] [--fork-jobs 2000]

Redis runs pinned to vCPU 0, every worker to vCPU 1; systems alternate run by run.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from resque_interop import Registry, Resque

from .common import (
    NODE_DIR,
    PinnedRedis,
    alternate,
    have_node,
    paired_ratios,
    pinned,
    report,
    ruby_cmd,
    run_json,
)

HERE = __file__.rsplit("/", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--fork-jobs", type=int, default=2000)
    parser.add_argument("--latency-samples", type=int, default=300)
    opts = parser.parse_args()
    with PinnedRedis() as server:
        client = Resque(server.url, registry=Registry())
        raw = server.client()
        env = {"REDIS_URL": server.url}

        def fill(n: int) -> None:
            raw.flushall()
            client.enqueue_many([("bench", "Noop", [i]) for i in range(n)], batch=5000)

        def python(mode: str, n: int) -> float:
            fill(n)
            out = run_json(
                [sys.executable, "-m", "benchmarks.drain", server.url, "bench", str(n), mode], env
            )
            assert raw.llen("resque:queue:bench") == 0
            return n / out["seconds"]

        def node(n: int) -> float:
            fill(n)
            out = run_json(["node", "bench.js", "work", "bench", str(n), "5"], env, cwd=NODE_DIR)
            return n / out["seconds"]

        # paired systems sit next to each other so that one round compares runs close in time
        systems: dict[str, Callable[[], float]] = {
            "resque_interop, no fork": lambda: python("nofork", opts.jobs)
        }
        notes = []
        ruby = ruby_cmd()

        def ruby_run(fork: bool, n: int) -> float:
            fill(n)
            out = run_json(
                [*(ruby or []), f"{HERE}/bench.rb", "work", "bench", str(n), str(fork).lower()], env
            )
            return n / out["seconds"]

        if ruby:
            systems["Ruby Resque 3.0, no fork"] = lambda: ruby_run(False, opts.jobs)
        if have_node():
            systems["node-resque 9.7.1"] = lambda: node(opts.jobs)
        else:
            notes.append(
                "node-resque: not installed (run ./scripts/test once, or npm ci in tests/node)."
            )
        if ruby:
            systems["Ruby Resque 3.0, fork per job"] = lambda: ruby_run(True, opts.fork_jobs)
        else:
            notes.append("Ruby Resque: not measured (set RESQUE_SRC to a resque v3.0.0 checkout).")
        systems["resque_interop, fork per job"] = lambda: python("fork", opts.fork_jobs)
        systems["reserve script alone (ceiling)"] = lambda: python("ceiling", opts.jobs)
        results = alternate(opts.rounds, systems)
        report("Worker throughput, no-op jobs", "jobs/s", results, notes)
        paired_ratios(
            results,
            [
                ("resque_interop, no fork", "Ruby Resque 3.0, no fork"),
                ("resque_interop, no fork", "node-resque 9.7.1"),
                ("resque_interop, fork per job", "Ruby Resque 3.0, fork per job"),
            ],
        )

        # pick-up latency of an idle worker: enqueue, then time until the job starts
        raw.flushall()
        proc = subprocess.Popen(
            pinned(1, [sys.executable, "-m", "benchmarks.drain", server.url, "lat", "0", "latency"])
        )
        try:
            while not raw.scard("resque:workers"):
                time.sleep(0.05)
            time.sleep(0.3)
            for _ in range(opts.latency_samples):
                time.sleep(0.02)  # idle again: the worker is blocked waiting
                client.enqueue_to("lat", "Latency", time.time())
            deadline = time.time() + 30
            while raw.llen("bench:latency") < opts.latency_samples and time.time() < deadline:
                time.sleep(0.05)
        finally:
            proc.send_signal(3)
            proc.wait(30)
        samples = sorted(float(x) * 1000 for x in raw.lrange("bench:latency", 0, -1))
        p50 = statistics.median(samples)
        p99 = samples[int(len(samples) * 0.99) - 1]
        print(
            f"\n## Pick-up latency of an idle resque_interop worker ({len(samples)} jobs, enqueue -> job start)\n"
        )
        print(f"p50 {p50:.2f} ms, p99 {p99:.2f} ms (a worker blocked in BLMOVE, INTERVAL 2 s)")


if __name__ == "__main__":
    main()
