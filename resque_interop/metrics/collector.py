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
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .snapshot import queue_workers, read_snapshot

if TYPE_CHECKING:
    from ..client.resque import Resque

log = logging.getLogger("resque_interop.metrics")


class ResqueCollector(Collector):
    """A ``prometheus_client`` collector over one client's keyspace."""

    def __init__(self, client: Resque) -> None:
        self.client = client

    def describe(self) -> list[Metric]:
        """Nothing up front: the registry must not scrape Redis when this is registered."""
        return []

    def collect(self) -> Iterator[Metric]:
        snap = read_snapshot(self.client.store)
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
