"""The data store's seams: each sub-store works alone over a client and the key names (and
the lane where it sends packed commands), and ``DataStore`` composes them without forwarding
their methods, so a caller names the seam (``store.queues.push``) and reads the same keys."""

from __future__ import annotations

import inspect

import redis

from resque_interop.schema.keys import Keys
from resque_interop.store.counters import CounterStore
from resque_interop.store.datastore import DataStore
from resque_interop.store.delayed_store import DelayedStore
from resque_interop.store.failed import FailedStore
from resque_interop.store.keyspace import KeyspaceStore
from resque_interop.store.lane import Lane
from resque_interop.store.queues import QueueStore
from resque_interop.store.schedule_store import ScheduleStore
from resque_interop.store.workers import WorkerStore

#: each seam's attribute on DataStore and its sub-store
SEAMS = {
    "queues": QueueStore, "failed": FailedStore, "workers": WorkerStore, "counters": CounterStore,
    "keyspace": KeyspaceStore, "delayed": DelayedStore, "schedules": ScheduleStore,
}
#: what stays on DataStore: operations that span seams (a pipeline on the shared client, a
#: worker's writes with a recorded CommandLog, the hot-path reserve)
CROSS_SEAM = {"pipeline", "finish_with", "unregister_worker_with", "apply", "reserver"}


def public_methods(cls: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def test_datastore_keeps_only_the_cross_seam_operations() -> None:
    assert public_methods(DataStore) == CROSS_SEAM


def test_each_seams_methods_are_reached_only_through_its_seam(raw_redis: redis.Redis) -> None:
    store = DataStore(raw_redis, Keys("resque"))
    try:
        for attr, seam in SEAMS.items():
            assert type(getattr(store, attr)) is seam, attr
            methods = public_methods(seam)
            assert methods, seam.__name__
            forwarded = {name for name in methods if hasattr(store, name)}
            assert not forwarded, f"DataStore forwards {seam.__name__}'s {sorted(forwarded)}"
    finally:
        store.lane.close()


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

        store = DataStore(raw_redis, keys)  # its seams read what the lone sub-stores wrote
        assert store.queues.queue_names() == ["media"] and store.queues.size("media") == 1
        assert failed.remove_failed("failed", 0) == 1 and store.failed.num_failed() == 0
        assert store.workers.worker_ids() == ["host:1:media"]
        assert store.workers.all_heartbeats() == {"host:1:media": "2026-01-01T00:00:00Z"}
        assert store.counters.stat("processed") == 2
        assert KeyspaceStore(raw_redis, keys).key_info("queue:media") == ("list", 1)
    finally:
        lane.close()
