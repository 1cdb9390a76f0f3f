"""Python side of benchmarks/worker.py: drain a queue of no-op jobs, print the time."""

from __future__ import annotations

import json
import sys
import time

from resque_interop import Registry, Resque
from resque_interop.schema import timefmt
from resque_interop.worker import Worker


def ceiling(client: Resque, queue: str) -> float:
    """Seconds to drain ``queue`` by calling FINISH_AND_RESERVE in a bare loop."""
    qjson = client.codec.encode(queue)
    worker_id = "bench:0:" + queue
    client.store.workers.register_worker(worker_id, timefmt.started_at())  # the script serves listed workers only
    reserver = client.store.reserver(worker_id, [queue], [qjson])
    start = time.perf_counter()
    finish, held = "0", None
    while True:
        run_at = timefmt.run_at()
        reply = reserver.call(finish, run_at, held)
        if not isinstance(reply, list):
            return time.perf_counter() - start
        finish, held = "1", reserver.held_after(reply, run_at)


def main() -> None:
    url, queue, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    registry = Registry()
    registry.register("Noop", lambda *a: None, queue=queue)
    client = Resque(url, registry=registry)
    if mode == "latency":

        def latency(sent: float) -> None:
            client.redis.rpush("bench:latency", str(time.time() - sent))

        registry.register("Latency", latency, queue=queue)
        Worker(client, [queue], fork_per_job=False).work(2.0)
        return
    if (
        mode == "ceiling"
    ):  # the reserve script alone, no worker: the floor of one round trip per job
        print(json.dumps({"seconds": ceiling(client, queue), "n": n}))
        return
    worker = Worker(client, [queue], fork_per_job=mode == "fork")
    start = time.perf_counter()
    worker.work(0)
    print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))


if __name__ == "__main__":
    main()
