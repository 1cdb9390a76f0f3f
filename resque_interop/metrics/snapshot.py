"""One scrape's figures, read from Redis in two pipelined round trips; hostile values are counted,
never raised."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..schema.readable import text
from ..schema.workers import split_worker_id
from ..store.datastore import DataStore
from ..store.snapshot import read_lengths, read_totals
from ..worker.queues import QueueList


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


def read_snapshot(store: DataStore) -> Snapshot:
    """Read every figure the collector exposes, in two pipelined round trips."""
    read = _Reader()
    queue_set, worker_set, processed, failed, failed_set, stamps = read_totals(store)
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
    replies = read_lengths(store, queues, lists, timestamps, snap.workers)
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
