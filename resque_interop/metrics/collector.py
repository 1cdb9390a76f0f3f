"""Prometheus metrics of a Resque keyspace, read by any peer's writes alike.

:class:`ResqueCollector` is a ``prometheus_client`` collector: register it in a
``CollectorRegistry`` and every scrape reads Redis afresh, in two pipelined round
trips whatever the number of queues, workers or delayed timestamps.

Exposed (``resque_`` prefix):

* ``jobs_pending{queue}``: jobs waiting on each known queue;
* ``processed_total``, ``failed_total``: ``stat:processed`` / ``stat:failed``;
* ``failed_jobs{list}``: entries of each failure list (``failed``, ``<queue>_failed``);
* ``workers``, ``workers_working``: registered workers, and those holding a job;
* ``queue_workers{queue}``: workers whose queue list (their id's) covers a known queue;
* ``delayed_jobs``: resque-scheduler's delayed jobs, over every timestamp.

Hostile data never fails a scrape: a key of the wrong type reads as absent and a
counter that is not a number is left out; ``resque_metrics_malformed_keys`` counts both.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .schema.readable import text
from .store.snapshot import read_lengths, read_totals
from .worker.queues import QueueList
from .worker_info import split_worker_id

if TYPE_CHECKING:
    from .client import Resque

log = logging.getLogger("resque_interop.metrics")


@dataclass
class Snapshot:
    """What one scrape read."""

    queues: dict[str, int] = field(default_factory=dict)
    processed: float | None = None
    failed: float | None = None
    failure_lists: dict[str, int] = field(default_factory=dict)
    workers: list[str] = field(default_factory=list)
    working: int = 0
    delayed: int = 0
    malformed: int = 0


class _Reader:
    """Turns pipeline replies into values, counting what is not what it should be."""

    def __init__(self) -> None:
        self.malformed = 0

    def members(self, reply: Any) -> list[str]:
        if isinstance(reply, Exception):
            self.malformed += 1
            return []
        return sorted(text(m) for m in reply)

    def length(self, reply: Any) -> int:
        if isinstance(reply, Exception):
            self.malformed += 1
            return 0
        return int(reply)

    def counter(self, reply: Any) -> float | None:
        if reply is None:
            return 0.0
        try:
            if isinstance(reply, Exception):
                raise ValueError(reply)
            value = float(int(reply))
        except ValueError:
            self.malformed += 1
            return None
        return value


def read_snapshot(client: Resque) -> Snapshot:
    """Read every figure the collector exposes, in two pipelined round trips."""
    read = _Reader()
    queue_set, worker_set, processed, failed, failed_set, stamps = read_totals(client.store)
    snap = Snapshot(processed=read.counter(processed), failed=read.counter(failed))
    queues = read.members(queue_set)
    snap.workers = read.members(worker_set)
    lists = ["failed", *(n for n in read.members(failed_set) if n != "failed")]
    timestamps = []
    for stamp in read.members(stamps):
        try:
            timestamps.append(int(stamp))
        except ValueError:
            read.malformed += 1
    replies = read_lengths(client.store, queues, lists, timestamps, snap.workers)
    sizes = iter(replies)
    snap.queues = {name: read.length(next(sizes)) for name in queues}
    snap.failure_lists = {name: read.length(next(sizes)) for name in lists}
    snap.delayed = sum(read.length(next(sizes)) for _ in timestamps)
    if snap.workers:
        held = next(sizes)
        snap.working = 0 if isinstance(held, Exception) else sum(1 for v in held if v)
    snap.malformed = read.malformed
    return snap


def queue_workers(workers: Iterable[str], queues: list[str]) -> dict[str, int]:
    """How many workers cover each known queue, judged from their ids' queue lists
    (globs matched as the worker would; ``!`` skips are not in an id, so not applied)."""
    counts = dict.fromkeys(queues, 0)
    for worker_id in workers:
        _, _, patterns = split_worker_id(worker_id)
        if not patterns:
            continue
        try:
            covered = QueueList(patterns).resolve(queues)
        except ValueError:
            continue
        for name in covered:
            if name in counts:
                counts[name] += 1
    return counts


class ResqueCollector(Collector):
    """A ``prometheus_client`` collector over one client's keyspace."""

    def __init__(self, client: Resque) -> None:
        self.client = client

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry must not scrape Redis when this is registered."""
        return []

    def collect(self) -> Iterator[Metric]:
        snap = read_snapshot(self.client)
        pending = GaugeMetricFamily("resque_jobs_pending", "Jobs waiting on a queue.", labels=["queue"])
        for name, size in snap.queues.items():
            pending.add_metric([name], size)
        yield pending
        if snap.processed is not None:
            yield CounterMetricFamily("resque_processed", "Jobs processed (stat:processed).", value=snap.processed)
        if snap.failed is not None:
            yield CounterMetricFamily("resque_failed", "Jobs failed (stat:failed).", value=snap.failed)
        lists = GaugeMetricFamily("resque_failed_jobs", "Entries in a failure list.", labels=["list"])
        for name, size in snap.failure_lists.items():
            lists.add_metric([name], size)
        yield lists
        yield GaugeMetricFamily("resque_workers", "Registered workers.", value=len(snap.workers))
        yield GaugeMetricFamily("resque_workers_working", "Workers holding a job.", value=snap.working)
        covering = GaugeMetricFamily("resque_queue_workers", "Workers whose queue list covers a queue.",
                                     labels=["queue"])
        for name, count in queue_workers(snap.workers, list(snap.queues)).items():
            covering.add_metric([name], count)
        yield covering
        yield GaugeMetricFamily("resque_delayed_jobs", "Delayed jobs (resque-scheduler).", value=snap.delayed)
        if snap.malformed:
            log.warning("%d Resque keys held values of the wrong type or not a number", snap.malformed)
        yield GaugeMetricFamily("resque_metrics_malformed_keys",
                                "Keys this scrape could not read (wrong type, not a number).",
                                value=snap.malformed)
