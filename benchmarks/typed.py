"""Typed job arguments: the per-job cost of ``typed=True`` beside the same job untyped,
alternated run by run in one process pinned to vCPU 1 (Redis on vCPU 0).

Two measures: the worker's own per-job path without Redis (decode the payload, resolve
it through the registry, convert, call the function), and a no-fork worker draining
a queue of the same jobs through a real Redis.

    python -m benchmarks.typed [--rounds 5] [--jobs 20000]
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from dataclasses import dataclass

from resque_interop import Job, Registry, Resque
from resque_interop.worker import Worker

from .common import TASKSET, PinnedRedis, alternate, paired_ratios, report


@dataclass
class Meta:
    """A nested argument: what a Ruby hash becomes in the typed job."""

    tags: list[str]
    rank: int = 0


def perform(episode_id: int, brand: str, meta: Meta) -> None:
    """The typed job: its annotations are what typed=True converts to."""


def perform_plain(episode_id, brand, meta):  # type: ignore[no-untyped-def]  # the untyped twin
    """The same job without annotations."""


ARGS = [44, "masterbrew", {"tags": ["a", "b", "c"], "rank": 3}]


def registries() -> dict[str, Registry]:
    typed, plain, lax = Registry(), Registry(), Registry()
    typed.register("Archive", perform, queue="bench", typed=True)
    lax.register("Archive", perform, queue="bench", typed="lax")
    plain.register("Archive", perform_plain, queue="bench")
    return {"untyped": plain, "typed=True": typed, 'typed="lax"': lax}


def per_job_path(client: Resque, n: int) -> float:
    """Microseconds per job of decode + resolve (+ convert) + call, no Redis."""
    data = client.codec.encode_job("Archive", ARGS)
    start = time.perf_counter()
    for _ in range(n):
        Job(client, "bench", client.codec.decode(data), data).perform()
    return (time.perf_counter() - start) / n * 1e6


def drain(client: Resque, n: int) -> float:
    """Jobs per second of a no-fork worker draining ``n`` jobs."""
    client.store.redis.delete("resque:queue:bench")
    client.enqueue_many((("bench", "Archive", ARGS) for _ in range(n)), batch=1000)
    start = time.perf_counter()
    Worker(client, ["bench"], fork_per_job=False).work(0)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=20000)
    opts = parser.parse_args()
    if TASKSET and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    with PinnedRedis() as server:
        clients = {name: Resque(server.url, registry=reg, hooks=[]) for name, reg in registries().items()}
        path = alternate(opts.rounds, {name: functools.partial(per_job_path, c, opts.jobs)
                                       for name, c in clients.items()})
        report("Per-job path without Redis (decode, resolve, convert, call)", "µs/job", path, [], digits=2)
        paired_ratios(path, [("typed=True", "untyped"), ('typed="lax"', "untyped")])
        rate = alternate(opts.rounds, {name: functools.partial(drain, c, opts.jobs) for name, c in clients.items()})
        report("No-fork worker draining a queue", "jobs/s", rate, [])
        paired_ratios(rate, [("untyped", "typed=True"), ("untyped", 'typed="lax"')])


if __name__ == "__main__":
    main()
