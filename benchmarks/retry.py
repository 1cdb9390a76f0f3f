"""What a Retry costs per job, beside Ruby's resque-retry 1.8.1 measured in the same run.

    python -m benchmarks.retry [--rounds 3] [--jobs 1000]   # about 90 s

Each system drains ``--jobs`` jobs with one in-process worker (no fork: the fork would
hide the difference): jobs without a Retry, jobs with one that succeed (SETNX + INCR
before, DEL after), and jobs that fail once and succeed on their retry (the failure's
decision, its enqueue, the suppressed failure). Figures are microseconds per job (for
"fails once": per original job, its two runs together). A job without a Retry learns it
has none from its one registry lookup: a Job made and asked, timed alone, per job. Redis runs pinned to
vCPU 0, the workers to vCPU 1; systems alternate run by run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from resque_interop import Registry, Resque

from .common import PinnedRedis, alternate, paired_ratios, peer_src, report, ruby_cmd, run_json

HERE = __file__.rsplit("/", 1)[0]


def ruby_retry_cmd() -> list[str] | None:
    """Ruby with Resque, resque-scheduler and resque-retry on its load path, or None."""
    base = ruby_cmd()
    scheduler = peer_src("RESQUE_SCHEDULER_SRC", "resque-scheduler-5.0.0")
    retry = peer_src("RESQUE_RETRY_SRC", "resque-retry-1.8.1")
    if base is None or scheduler is None or retry is None:
        return None
    return [*base, "-I", str(scheduler / "lib"), "-I", str(retry / "lib")]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=1000)
    opts = parser.parse_args()
    n = opts.jobs
    with PinnedRedis() as server:
        client = Resque(server.url, registry=Registry())
        raw = server.client()
        env = {"REDIS_URL": server.url}

        def fill(class_name: str) -> None:
            raw.flushall()
            client.enqueue_many([("bench", class_name, [i]) for i in range(n)], batch=5000)

        def python(class_name: str) -> float:
            fill(class_name)
            out = run_json([sys.executable, "-m", "benchmarks.retry_drain", server.url, "bench", str(n), class_name], env)
            assert raw.llen("resque:queue:bench") == 0 and raw.llen("resque:failed") == 0
            return float(out["seconds"] / n * 1e6)

        ruby = ruby_retry_cmd()

        def ruby_run(class_name: str) -> float:
            fill(class_name)
            out = run_json([*(ruby or []), f"{HERE}/bench_retry.rb", "bench", str(n), class_name], env)
            assert raw.llen("resque:queue:bench") == 0 and raw.llen("resque:failed") == 0
            return float(out["seconds"] / n * 1e6)

        systems: dict[str, Callable[[], float]] = {}
        notes = []
        for label, class_name in (("no Retry", "Plain"), ("Retry, succeeds", "WithRetry"), ("Retry, fails once", "FailOnce")):
            systems[f"resque_interop, {label}"] = lambda c=class_name: python(c)  # type: ignore[misc]
            if ruby:
                systems[f"Ruby resque-retry 1.8.1, {label}"] = lambda c=class_name: ruby_run(c)  # type: ignore[misc]
        if not ruby:
            notes.append("Ruby: not measured (needs the resque, resque-scheduler and resque-retry sources).")
        results = alternate(opts.rounds, systems)
        report(f"Per-job cost of a Retry ({n} jobs a run, one in-process worker)", "µs/job", results, notes, digits=1)
        paired_ratios(results, [
            ("resque_interop, Retry, succeeds", "resque_interop, no Retry"),
            ("Ruby resque-retry 1.8.1, Retry, succeeds", "Ruby resque-retry 1.8.1, no Retry"),
            ("resque_interop, Retry, fails once", "Ruby resque-retry 1.8.1, Retry, fails once"),
            ("resque_interop, Retry, succeeds", "Ruby resque-retry 1.8.1, Retry, succeeds"),
        ])
        lookup = run_json([sys.executable, "-m", "benchmarks.retry_drain", server.url, "bench", "1000000", "lookup"], env)
        print(f"\nA job without a Retry: finding it has none takes {lookup['seconds'] / 1e6 * 1e9:.0f} ns a job "
              "(1,000,000 Jobs made and asked, timed alone).")


if __name__ == "__main__":
    main()
