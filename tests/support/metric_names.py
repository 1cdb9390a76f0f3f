"""The metric names resque_interop exposes, for tests that check docs and dashboards."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, generate_latest

from resque_interop import Registry, Resque
from resque_interop.metrics.collector import ResqueCollector
from resque_interop.worker.worker_metrics import JobMetrics


def exposed_names(redis_url: str) -> set[str]:
    """Every metric name the dashboard's collector (over the test Redis) and a worker expose."""
    client = Resque(redis_url, registry=Registry())
    client.enqueue_ruby("Archive", 1, queue="file_serve")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ResqueCollector(client))
    names = set(re.findall(r"^(resque_[a-z_]+)", generate_latest(registry).decode(), re.MULTILINE))
    worker = JobMetrics()
    worker.outcomes.labels("Archive", "performed").inc()
    worker.duration.labels("Archive").observe(0.1)
    worker.retries.labels("Archive", "retried").inc()
    names |= set(re.findall(r"^(resque_[a-z_]+)", generate_latest(worker.registry).decode(), re.MULTILINE))
    return names | {"resque_job_duration_seconds"}
