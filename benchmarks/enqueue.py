"""Enqueue throughput: sequential ``enqueue`` (one round trip each), bulk
``enqueue_many``, and ``AsyncResque.enqueue_ruby`` from ``--tasks`` concurrent
coroutines (as the request handlers of an asyncio service), beside node-resque
and Ruby Resque (when RESQUE_SRC is set) in the same run.

    python -m benchmarks.enqueue [--rounds 3] [--jobs 20000] [--bulk 200000] [--tasks 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from resque_interop import Registry, Resque

from .common import NODE_DIR, PinnedRedis, alternate, have_node, report, ruby_cmd, run_json

HERE = __file__.rsplit("/", 1)[0]

CHILD = """
import asyncio, json, sys, time
from resque_interop import Registry, Resque
from resque_interop.aio import AsyncResque
url, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = Resque(url, registry=Registry())
if mode.startswith("async"):
    tasks = int(mode[5:])

    async def handler(r, jobs):
        for i in jobs:
            await r.enqueue_ruby("Noop", i, queue="bench")

    async def main():
        async with AsyncResque(url, registry=Registry()) as r:
            await handler(r, range(tasks))  # connections made before the clock starts
            await r.redis.delete("resque:queue:bench")
            start = time.perf_counter()
            await asyncio.gather(*(handler(r, range(t, n, tasks)) for t in range(tasks)))
            return time.perf_counter() - start

    seconds = asyncio.run(main())
    print(json.dumps({"seconds": seconds, "n": n}))
    sys.exit(0)
if mode == "seq":
    start = time.perf_counter()
    for i in range(n):
        client.enqueue_ruby("Noop", i, queue="bench")
else:
    jobs = [("bench", "Noop", [i]) for i in range(n)]
    start = time.perf_counter()
    client.enqueue_many(jobs, batch=5000)
print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--bulk", type=int, default=200000)
    parser.add_argument("--tasks", type=int, default=100, help="concurrent coroutines for AsyncResque")
    opts = parser.parse_args()
    with PinnedRedis() as server:
        raw = server.client()
        env = {"REDIS_URL": server.url}

        def python(mode: str, n: int) -> float:
            raw.flushall()
            out = run_json([sys.executable, "-c", CHILD, server.url, mode, str(n)], env)
            assert raw.llen("resque:queue:bench") == n
            return n / out["seconds"]

        systems = {
            "resque_interop enqueue (sequential)": lambda: python("seq", opts.jobs),
            "resque_interop enqueue_many (bulk)": lambda: python("bulk", opts.bulk),
            f"resque_interop AsyncResque ({opts.tasks} concurrent)": lambda: python(f"async{opts.tasks}", opts.jobs),
        }
        notes = []
        if have_node():
            def node() -> float:
                raw.flushall()
                out = run_json(["node", "bench.js", "enqueue", "bench", str(opts.jobs)], env, cwd=NODE_DIR)
                return float(opts.jobs / out["seconds"])

            systems["node-resque 9.7.1 queue.enqueue"] = node
        else:
            notes.append("node-resque: not installed (run ./scripts/test once, or npm ci in tests/node).")
        ruby = ruby_cmd()
        if ruby:
            def ruby_run() -> float:
                raw.flushall()
                out = run_json([*ruby, f"{HERE}/bench.rb", "enqueue", "bench", str(opts.jobs)], env)
                return float(opts.jobs / out["seconds"])

            systems["Ruby Resque 3.0 Resque.enqueue"] = ruby_run
        else:
            notes.append("Ruby Resque: not measured (set RESQUE_SRC to a resque v3.0.0 checkout).")
        # one PING loop for scale: the cost of a bare round trip in this run
        client = Resque(server.url, registry=Registry())
        start = time.perf_counter()
        for _ in range(5000):
            client.store.lane.call(b"*1\r\n$4\r\nPING\r\n")
        notes.append(f"A bare round trip (PING) from this process: {(time.perf_counter() - start) / 5000 * 1e6:.0f} us.")
        results = alternate(opts.rounds, systems)
        report("Enqueue throughput", "jobs/s", results, notes)
        print(json.dumps({k: sorted(v) for k, v in results.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
