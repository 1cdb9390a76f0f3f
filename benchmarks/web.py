"""The dashboard at scale, beside resque-web 3.0.0 (with resque-scheduler 5.0's tabs)
in the same run: 50,000 failures, a 200,000-job queue, 2,000 queues, 1,000 workers
on 10 hosts, 10,000 delayed timestamps, and the Schedule tab at 200, 500 and 2,000
schedules. Both servers on vCPU 1, Redis on vCPU 0, requests alternated.

    python -m benchmarks.web [--rounds 3]

Prints a markdown table (median ms, response size per server) and the Schedule
cost ratio between 2,000 and 200 schedules (10x the schedules: linear is ~10x).
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

from .common import ROOT, PinnedRedis, peer_src, pinned, ruby_cmd

OURS = "resque_interop (waitress)"
RUBY = "resque-web 3.0.0 + resque-scheduler 5.0"

#: (what, our path, resque-web's path)
SCALE = [
    ("50,000 failures", "/failed", "/failed"),
    ("50,000 failures, class filter", "/failed?class=Archive", "/failed?class=Archive"),
    ("50,000 failures, a late page", "/failed?start=40000", "/failed?start=40000"),
    ("200,000-job queue", "/queues/file_serve", "/queues/file_serve"),
    ("200,000-job queue, last page", "/queues/file_serve?start=199980", "/queues/file_serve?start=199980"),
    ("2,000 queues", "/queues", "/queues"),
    ("2,000 queues, overview", "/", "/overview"),
    ("1,000 workers on 10 hosts", "/workers", "/workers"),
    ("1,000 workers, one host's 100", "/workers?host=host3", "/workers/host3"),
    ("1,000 workers, live tick (JSON)", "/api/info", None),
    ("10,000 delayed timestamps", "/delayed", "/delayed"),
]


def schedule_rows(count: int) -> list[tuple[str, str, str | None]]:
    """The Schedule tab (ours paged at 100 rows, resque-scheduler's every row) and our
    every-row JSON listing, at ``count`` schedules."""
    return [(f"{count:,} schedules", "/schedule", "/schedule"),
            (f"{count:,} schedules, every row (JSON)", "/api/schedule", None)]


def fill(url: str, failures: int, jobs: int, queues: int, workers: int, stamps: int) -> None:
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
    for i in range(queues):
        pipe.sadd(client.keys.queues, f"queue_{i:04}")
        pipe.rpush(client.keys.queue(f"queue_{i:04}"), json.dumps({"class": "Archive", "args": [i]}))
    for i in range(workers):
        wid = f"host{i % 10}:{10000 + i}:queue_{i % queues:04},file_serve"
        pipe.sadd(client.keys.workers, wid)
        pipe.set(client.keys.worker_started(wid), "2026-12-05 08:50:07 +0000")
        pipe.hset(client.keys.heartbeats, wid, "2026-12-05T08:50:07+00:00")
        if i % 4 == 0:
            pipe.set(client.keys.worker(wid), json.dumps({"queue": "file_serve", "run_at": "2026/12/05 08:50:07 UTC",
                                                          "payload": {"class": "Archive", "args": [i]}}))
    pipe.execute()
    client.enqueue_many(("file_serve", "Archive", [i, "masterbrew"]) for i in range(jobs))
    for i in range(stamps):
        client.delayed.enqueue_at_with_queue("file_serve", 2_000_000_000 + i * 60, "Archive", i)


def set_schedules(url: str, count: int) -> None:
    from resque_interop import Registry, Resque

    client = Resque(url, registry=Registry())
    client.redis.delete(client.keys.persistent_schedules, client.keys.last_enqueued_at)
    pipe = client.store.pipeline()
    for i in range(count):
        config = {"every": "1h" if i % 2 else None, "cron": None if i % 2 else "0 3 * * *", "class": "Archive",
                  "queue": "file_serve", "args": [i], "description": f"schedule {i}"}
        pipe.hset(client.keys.persistent_schedules, f"schedule_{i:04}",
                  json.dumps({k: v for k, v in config.items() if v is not None}))
        pipe.hset(client.keys.last_enqueued_at, f"schedule_{i:04}", "2026-12-05 03:00:00 +0000")
    pipe.execute()


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
            get(base + "/stats")
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{argv} did not answer")


def measure(servers: dict[str, tuple[str, subprocess.Popen[bytes]]], rows: list[tuple[str, str, str | None]], rounds: int,
            times: dict[tuple[str, str], list[float]], sizes: dict[tuple[str, str], int]) -> None:
    for r in range(rounds):
        for what, ours, theirs in rows:
            order = list(servers.items())[::-1] if r % 2 else list(servers.items())
            for name, (base, _) in order:
                path = ours if name == OURS else theirs
                if path is None:
                    continue
                seconds, size = get(base + path)
                times.setdefault((what, name), []).append(seconds)
                sizes[(what, name)] = size
                print(f"  round {r + 1}: {name:<40} {path:<34} {seconds * 1000:10.1f} ms", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with PinnedRedis() as redis_server:
        started = time.perf_counter()
        fill(redis_server.url, failures=50_000, jobs=200_000, queues=2_000, workers=1_000, stamps=10_000)
        set_schedules(redis_server.url, 500)
        print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        env = {"REDIS_URL": redis_server.url, "RESQUE_NAMESPACE": "resque", "DYNAMIC_SCHEDULE": "1"}
        servers: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        servers[OURS] = (base, serve(
            [sys.executable, "-m", "resque_interop", "web", "-p", str(port), "-r", redis_server.url], env, base))
        ruby, scheduler = ruby_cmd(), peer_src("RESQUE_SCHEDULER_SRC", "resque-scheduler-5.0.0")
        if ruby and scheduler:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            # DYNAMIC_SCHEDULE: its Schedule tab re-reads persistent_schedules per request, as ours does
            servers[RUBY] = (base, serve(
                [*ruby, "-I", str(scheduler / "lib"), str(ROOT / "tests" / "ruby" / "peer.rb"), "web", str(port)],
                {**env, "WITH_SCHEDULER": "1"}, base))
        else:
            print("resque-web left out: no ruby, or no resque / resque-scheduler source", file=sys.stderr)
        times: dict[tuple[str, str], list[float]] = {}
        sizes: dict[tuple[str, str], int] = {}
        try:
            measure(servers, [*SCALE, *schedule_rows(500)], args.rounds, times, sizes)
            for count in (200, 2_000):
                set_schedules(redis_server.url, count)
                measure(servers, schedule_rows(count), args.rounds, times, sizes)
            rss = {name: rss_mb(proc.pid) for name, (_, proc) in servers.items()}
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.wait(timeout=20)
    names = list(servers)
    print(f"\nmedian of {args.rounds} requests per row, ms (response KiB)\n")
    print("| what | path | " + " | ".join(names) + " |\n|---|---|" + "---:|" * len(names))
    for what, ours, _ in [*SCALE, *[row for n in (200, 500, 2_000) for row in schedule_rows(n)]]:
        cells = []
        for name in names:
            values = times.get((what, name))
            cells.append("n/a" if not values else
                         f"{statistics.median(values) * 1000:,.0f} ({sizes[(what, name)] / 1024:,.0f} KiB)")
        print(f"| {what} | `{ours}` | " + " | ".join(cells) + " |")
    print("\n| 2,000 / 200 schedules (10x the schedules) | ratio of medians |\n|---|---:|")
    for what in ("schedules", "schedules, every row (JSON)"):
        for name in names:
            few, many = times.get((f"200 {what}", name)), times.get((f"2,000 {what}", name))
            if few and many:
                print(f"| {name}: {what} | {statistics.median(many) / statistics.median(few):.1f}x |")
    print("\n| server | RSS after the run, MB |\n|---|---:|")
    for name, mb in rss.items():
        print(f"| {name} | {mb:,.0f} |")


if __name__ == "__main__":
    main()
