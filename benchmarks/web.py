"""The dashboard over a big Redis: time and size of /failed, /failed?class= and
/queues/<q> at 50,000 failures (half of one class) and 100,000 queued jobs,
for ``resque-interop web`` (waitress) beside resque-web 3.0.0 when RESQUE_SRC
is set, both served from vCPU 1, Redis on vCPU 0, alternated request by request.

    python -m benchmarks.web [--rounds 5] [--failures 50000] [--jobs 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from resque_interop.dev.redis_server import free_port

from .common import ROOT, PinnedRedis, pinned, ruby_cmd

PATHS = ["/failed", "/failed?class=Archive", "/failed?class=Nope", "/failed?start=40000", "/queues/file_serve"]


def fill(url: str, failures: int, jobs: int) -> None:
    from resque_interop import Registry, Resque

    client = Resque(url, registry=Registry())
    pipe = client.store.pipeline()
    for i in range(failures):
        entry = {"failed_at": "2026/11/28 21:27:38 UTC",
                 "payload": {"class": "Archive" if i % 2 else "Resize", "args": [i, "masterbrew", {"z": 1, "a": 2}]},
                 "exception": "RuntimeError", "error": "boom", "backtrace": [f"app/jobs/archive.rb:{n}:in 'perform'"
                                                                             for n in range(8)],
                 "worker": "vm:1160:file_serve", "queue": "file_serve"}
        pipe.rpush(client.keys.failed, json.dumps(entry))
    pipe.execute()
    client.enqueue_many(("file_serve", "Archive", [i, "masterbrew"]) for i in range(jobs))


def get(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        size = len(response.read())
    return time.perf_counter() - start, size


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(argv: list[str], env: dict[str, str], base: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(pinned(1, argv), env={**os.environ, **env}, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            get(base + "/queues")
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{argv} did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--failures", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()
    with PinnedRedis() as redis_server:
        fill(redis_server.url, args.failures, args.jobs)
        env = {"REDIS_URL": redis_server.url, "RESQUE_NAMESPACE": "resque"}
        servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        servers["resque_interop (waitress)"] = (base, serve(
            [sys.executable, "-m", "resque_interop", "web", "-p", str(port), "-r", redis_server.url], env, base))
        ruby = ruby_cmd()
        if ruby:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            servers["resque-web 3.0.0"] = (base, serve(
                [*ruby, str(ROOT / "tests" / "ruby" / "peer.rb"), "web", str(port)], env, base))
        else:
            print("resque-web left out: set RESQUE_SRC to a checkout of resque v3.0.0", file=sys.stderr)
        try:
            times: dict[tuple[str, str], list[float]] = {}
            sizes: dict[tuple[str, str], int] = {}
            for r in range(args.rounds):
                for path in PATHS:
                    for name, (base, _) in (list(servers.items())[::-1] if r % 2 else servers.items()):
                        seconds, size = get(base + path)
                        times.setdefault((name, path), []).append(seconds)
                        sizes[(name, path)] = size
                        print(f"  round {r + 1}: {name:<28} {path:<24} {seconds * 1000:10.1f} ms", file=sys.stderr)
            print(f"\n{args.failures:,} failures (half Archive), {args.jobs:,} jobs on file_serve; "
                  f"median of {args.rounds} requests\n")
            print("| server | path | median ms | runs ms | response KiB |\n|---|---|---:|---|---:|")
            for (name, path), values in times.items():
                runs = ", ".join(f"{v * 1000:,.0f}" for v in values)
                print(f"| {name} | `{path}` | {statistics.median(values) * 1000:,.1f} | {runs} | "
                      f"{sizes[(name, path)] / 1024:,.0f} |")
            print("\n| server | RSS after the run, MB |\n|---|---:|")
            for name, (_, proc) in servers.items():
                print(f"| {name} | {rss_mb(proc.pid):,.0f} |")
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.wait(timeout=20)


if __name__ == "__main__":
    main()
