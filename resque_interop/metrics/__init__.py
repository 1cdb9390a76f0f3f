"""Prometheus metrics of a Resque keyspace: :class:`ResqueCollector` (the collector) over
:mod:`.snapshot` (what one scrape reads)."""

from .collector import ResqueCollector
from .snapshot import Snapshot, queue_workers, read_snapshot

__all__ = ["ResqueCollector", "Snapshot", "queue_workers", "read_snapshot"]
