"""The reads behind a metrics scrape: two pipelined round trips whatever the size of
the keyspace. Replies come back as Redis gave them, errors (a key of the wrong type)
left in place, for the caller to judge."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .datastore import DataStore


def read_totals(store: DataStore) -> list[Any]:
    """SMEMBERS queues and workers, GET stat:processed and stat:failed, SMEMBERS
    failed_queues, ZRANGE of the delayed schedule: one round trip."""
    keys, pipe = store.keys, store.pipeline()
    pipe.smembers(keys.queues)
    pipe.smembers(keys.workers)
    pipe.get(keys.stat("processed"))
    pipe.get(keys.stat("failed"))
    pipe.smembers(keys.failed_queues)
    pipe.zrange(keys.delayed_schedule, 0, -1)
    return list(pipe.execute(raise_on_error=False))


def read_lengths(store: DataStore, queues: Sequence[str], failure_lists: Sequence[str],
                 timestamps: Sequence[int], workers: Sequence[str]) -> list[Any]:
    """LLEN of each queue, failure list and delayed timestamp, in that order, then (with
    workers) one MGET of their ``worker:<id>`` records: one round trip."""
    keys, pipe = store.keys, store.pipeline()
    for name in queues:
        pipe.llen(keys.queue(name))
    for name in failure_lists:
        pipe.llen(keys.failed_list(name))
    for timestamp in timestamps:
        pipe.llen(keys.delayed(timestamp))
    if workers:
        pipe.mget([keys.worker(w) for w in workers])
    return list(pipe.execute(raise_on_error=False))
