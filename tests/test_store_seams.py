"""The data store's seams: each sub-store works alone over a client and the key names (and
the lane where it sends packed commands), and the ``DataStore`` facade forwards every one of
their methods under the same name and signature, so callers of either read the same keys."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import redis

from resque_interop.schema.keys import Keys
from resque_interop.store.counters import CounterStore
from resque_interop.store.datastore import DataStore
from resque_interop.store.failed import FailedStore
from resque_interop.store.keyspace import KeyspaceStore
from resque_interop.store.lane import Lane
from resque_interop.store.queues import QueueStore
from resque_interop.store.workers import WorkerStore

SEAMS = [QueueStore, FailedStore, WorkerStore, CounterStore, KeyspaceStore]
#: methods a sub-store has that the facade does not forward (new since the split)
NOT_FORWARDED = {"push_in", "ping"}


def shape(method: Callable[..., object]) -> list[tuple[str, object, object]]:
    """A method's parameters: names, kinds and defaults (annotations are the type checker's)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(method).parameters.values()]


def test_the_facade_forwards_every_method_of_every_seam() -> None:
    missing, differ = [], []
    for seam in SEAMS:
        for name, method in inspect.getmembers(seam, inspect.isfunction):
            if name.startswith("_") or name in NOT_FORWARDED:
                continue
            facade = getattr(DataStore, name, None)
            if facade is None:
                missing.append(f"{seam.__name__}.{name}")
            elif shape(facade) != shape(method):
                differ.append(f"{seam.__name__}.{name}{inspect.signature(method)} vs {inspect.signature(facade)}")
    assert not missing and not differ, (missing, differ)


def test_each_seam_works_alone_over_a_client_and_the_keys(raw_redis: redis.Redis) -> None:
    keys = Keys("resque")
    lane = Lane(raw_redis)
    try:
        queues, workers = QueueStore(raw_redis, keys, lane), WorkerStore(raw_redis, keys, lane)
        failed, counters = FailedStore(raw_redis, keys, lane), CounterStore(raw_redis, keys)
        queues.push("media", b'{"class":"Archive","args":[1]}')
        failed.push_failed("failed", b'{"error":"boom"}')
        workers.register_worker("host:1:media", "2026-01-01 00:00:00 +0000")
        assert workers.heartbeat_if_registered("host:1:media", "2026-01-01T00:00:00Z") is True
        counters.incr_stat("processed", 2)

        store = DataStore(raw_redis, keys)  # the facade reads what the seams wrote
        assert store.queue_names() == ["media"] and store.size("media") == 1
        assert failed.remove_failed("failed", 0) == 1 and store.num_failed() == 0
        assert store.worker_ids() == ["host:1:media"]
        assert store.all_heartbeats() == {"host:1:media": "2026-01-01T00:00:00Z"}
        assert store.stat("processed") == 2
        assert KeyspaceStore(raw_redis, keys).key_info("queue:media") == ("list", 1)
    finally:
        lane.close()
