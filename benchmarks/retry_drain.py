"""Python side of benchmarks/retry.py: drain a queue with one in-process worker, print the time."""

from __future__ import annotations

import json
import sys
import time

from resque_interop import Registry, Resque, Retry
from resque_interop.client.job import Job
from resque_interop.worker import Worker


def fail_once(*args: object) -> None:
    """Fails its first run, succeeds on the retry (the worker runs both in this process)."""
    key = json.dumps(args)
    if key not in _SEEN:
        _SEEN.add(key)
        raise RuntimeError("first run fails")


_SEEN: set[str] = set()


def main() -> None:
    url, queue, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    registry = Registry()
    registry.register("Plain", lambda *a: None, queue=queue)
    registry.register("WithRetry", lambda *a: None, queue=queue, retry=Retry(limit=3))
    registry.register("FailOnce", fail_once, queue=queue, retry=Retry(limit=3))
    client = Resque(url, registry=registry, hooks=[])
    if sys.argv[4] == "lookup":  # what a job without Retry pays: finding that it has none
        # a Job each time: its first read makes the job's one registry lookup (then kept)
        payload = {"class": "Plain", "args": [1]}
        start = time.perf_counter()
        for _ in range(n):
            Job(client, queue, payload).retry_policy  # noqa: B018 - the property is the measured work
        print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))
        return
    start = time.perf_counter()
    Worker(client, [queue], fork_per_job=False).work(0)
    print(json.dumps({"seconds": time.perf_counter() - start, "n": n}))


if __name__ == "__main__":
    main()
