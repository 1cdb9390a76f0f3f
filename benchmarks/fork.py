"""What one fork costs: fork + the child's immediate exit + the parent's wait,
for CPython with more and more imported (bare, msgspec, redis-py, the
resque_interop worker) beside Ruby (bare, and with Resque loaded when
RESQUE_SRC is set), alternated run by run on one pinned vCPU.

    python -m benchmarks.fork [--rounds 5] [--forks 300]

This is the floor under a fork-per-job worker's cost per job: the kernel
copies the page tables of the parent's anonymous memory at fork and tears them
down at exit, and the child pays a copy-on-write fault for each page it
writes. It explains docs/benchmarks.md's fork-per-job figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from .common import alternate, report, ruby_cmd, run_json

PYTHON_PROBE = """
import json, os, resource, sys, time
for name in sys.argv[2:]:
    __import__(name)
n = int(sys.argv[1])
start = time.perf_counter()
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
seconds = time.perf_counter() - start
anon = [int(line.split()[1]) for line in open("/proc/self/smaps_rollup") if line.startswith("Anonymous")][0]
faults = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt / n
print(json.dumps({"ms": seconds / n * 1000, "anon_kb": anon, "child_faults": faults}))
"""

RUBY_PROBE = """
require "json"
ARGV.drop(1).each { |lib| require lib }
n = Integer(ARGV[0])
t = Process.clock_gettime(Process::CLOCK_MONOTONIC)
n.times { Process.wait(fork { exit! }) }
ms = (Process.clock_gettime(Process::CLOCK_MONOTONIC) - t) / n * 1000
anon = File.read("/proc/self/smaps_rollup")[/^Anonymous:\\s+(\\d+)/, 1].to_i
puts JSON.generate(ms: ms, anon_kb: anon)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--forks", type=int, default=300)
    opts = parser.parse_args()
    anon: dict[str, int] = {}
    faults: dict[str, float] = {}

    def probe(name: str, argv: list[str]) -> Callable[[], float]:
        def run() -> float:
            out = run_json(argv, {})
            anon[name] = int(out["anon_kb"])
            if "child_faults" in out:
                faults[name] = out["child_faults"]
            return float(out["ms"])

        return run

    python = [sys.executable, "-c", PYTHON_PROBE, str(opts.forks)]
    systems = {
        "CPython, bare": probe("CPython, bare", python),
        "CPython + msgspec": probe("CPython + msgspec", [*python, "msgspec"]),
        "CPython + redis-py": probe("CPython + redis-py", [*python, "redis"]),
        "CPython + resque_interop worker": probe(
            "CPython + resque_interop worker", [*python, "resque_interop.worker"]
        ),
    }
    notes = []
    ruby = ruby_cmd()
    if ruby:
        plain = ["ruby", "-e", RUBY_PROBE, str(opts.forks)]
        systems["Ruby, bare"] = probe("Ruby, bare", plain)
        systems["Ruby + Resque 3.0"] = probe(
            "Ruby + Resque 3.0", [*ruby, "-e", RUBY_PROBE, str(opts.forks), "resque"]
        )
    else:
        notes.append(
            "Ruby: not measured (no ruby with resque; set RESQUE_SRC to a resque v3.0.0 checkout)."
        )
    results = alternate(opts.rounds, systems)
    notes.append(
        "Anonymous memory of each parent (kB): "
        + ", ".join(f"{name} {kb:,}" for name, kb in anon.items())
        + "."
    )
    notes.append(
        "Page faults in each child before it exits: "
        + ", ".join(f"{name} {n:.0f}" for name, n in faults.items())
        + "."
    )
    report("One fork + exit + wait, ms (lower is better)", "ms", results, notes, digits=2)


if __name__ == "__main__":
    main()
