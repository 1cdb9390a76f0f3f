"""DataStore: every Redis command Resque issues, behind one thin facade.

As Ruby's ``Resque::DataStore`` does, it forwards each method to the sub-store of its
seam (:mod:`.queues`, :mod:`.failed`, :mod:`.workers`, :mod:`.counters`, :mod:`.keyspace`;
resque-scheduler's :mod:`.delayed_store` and :mod:`.schedule_store`), each of which takes
only a client, the key names and, for the hot paths, the lean lane. Writes take an
optional ``pipe`` so that callers can batch several operations into one round trip. Key
names come from :class:`~resque_interop.schema.keys.Keys`; values are bytes already encoded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import redis

from ..schema.keys import Keys
from . import scripts
from .counters import CounterStore
from .delayed_store import DelayedStore
from .failed import FailedStore
from .keyspace import KeyspaceStore
from .lane import Lane
from .pipeline import CommandLog, Pipeline
from .queues import QueueStore
from .reserve import Reserver
from .schedule_store import ScheduleStore
from .workers import WorkerStore


class DataStore:
    """Resque's Redis schema over one redis-py client: the sub-stores, and each of their
    methods under its old name (documented on the sub-store)."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self.redis = client
        self.keys = keys
        self.lane = Lane(client)
        #: ``queues`` and ``queue:<name>`` (``queues.py``)
        self.queues = QueueStore(client, keys, self.lane)
        #: the failure lists (``failed.py``)
        self.failed = FailedStore(client, keys, self.lane)
        #: the worker registry, heartbeats and pause (``workers.py``)
        self.workers = WorkerStore(client, keys, self.lane)
        #: ``stat:<name>`` (``counters.py``)
        self.counters = CounterStore(client, keys)
        #: the keyspace by name, as resque-web browses it (``keyspace.py``)
        self.keyspace = KeyspaceStore(client, keys)
        #: resque-scheduler's delayed queue (``delayed_store.py``)
        self.delayed = DelayedStore(client, keys, self.lane)
        #: resque-scheduler's recurring schedules (``schedule_store.py``)
        self.schedules = ScheduleStore(client, keys)

    def pipeline(self, transaction: bool = False) -> Any:
        """A pipeline on the same connection pool."""
        return self.redis.pipeline(transaction=transaction)

    # -- queues -------------------------------------------------------------
    def push(self, queue: str, data: bytes, front: bool = False) -> None:
        self.queues.push(queue, data, front)

    def push_many(self, items: Iterable[tuple[str, bytes]], batch: int = 1000) -> int:
        return self.queues.push_many(items, batch)

    def pop(self, queue: str) -> bytes | None:
        return self.queues.pop(queue)

    def size(self, queue: str) -> int:
        return self.queues.size(queue)

    def sizes(self, queues: Sequence[str]) -> list[int]:
        return self.queues.sizes(queues)

    def sizes_or_none(self, queues: Sequence[str]) -> list[int | None]:
        return self.queues.sizes_or_none(queues)

    def list_lengths(self, keys: Sequence[str]) -> list[int | None]:
        return self.queues.list_lengths(keys)

    def list_range(self, key: str, start: int, count: int) -> list[bytes]:
        return self.queues.list_range(key, start, count)

    def list_index(self, key: str, index: int) -> bytes | None:
        return self.queues.list_index(key, index)

    def queue_range(self, queue: str, start: int, count: int) -> list[bytes]:
        return self.queues.queue_range(queue, start, count)

    def clear_queue(self, queue: str) -> int:
        return self.queues.clear_queue(queue)

    def delete(self, *names: str) -> int:
        return self.keyspace.delete(*names)

    def queue_names(self) -> list[str]:
        return self.queues.queue_names()

    def remove_queue(self, queue: str) -> list[int]:
        return self.queues.remove_queue(queue)

    def everything_in_queue(self, queue: str) -> list[bytes]:
        return self.queues.everything_in_queue(queue)

    def remove_from_queue(self, queue: str, data: bytes) -> int:
        return self.queues.remove_from_queue(queue, data)

    # -- failures -----------------------------------------------------------
    def push_failed(self, list_name: str, data: bytes, register: bool = False, pipe: Pipeline | None = None) -> None:
        self.failed.push_failed(list_name, data, register, pipe)

    def num_failed(self, list_name: str = "failed") -> int:
        return self.failed.num_failed(list_name)

    def failed_queue_names(self) -> list[str]:
        return self.failed.failed_queue_names()

    def failed_range(self, list_name: str, start: int, count: int) -> list[bytes]:
        return self.failed.failed_range(list_name, start, count)

    def update_failed(self, list_name: str, index: int, data: bytes) -> None:
        self.failed.update_failed(list_name, index, data)

    def remove_failed(self, list_name: str, index: int) -> int:
        return self.failed.remove_failed(list_name, index)

    def clear_failed(self, list_name: str = "failed") -> int:
        return self.failed.clear_failed(list_name)

    def remove_failed_queue(self, list_name: str) -> None:
        self.failed.remove_failed_queue(list_name)

    # -- workers ------------------------------------------------------------
    def worker_ids(self) -> list[str]:
        return self.workers.worker_ids()

    def worker_payload(self, worker_id: str) -> bytes | None:
        return self.workers.worker_payload(worker_id)

    def worker_payloads(self, worker_ids: Sequence[str]) -> list[bytes | None]:
        return self.workers.worker_payloads(worker_ids)

    def name_connections(self, name: str) -> None:
        self.workers.name_connections(name)

    def client_names(self) -> set[str] | None:
        return self.workers.client_names()

    def worker_exists(self, worker_id: str) -> bool:
        return self.workers.worker_exists(worker_id)

    def register_worker(self, worker_id: str, started: str) -> None:
        self.workers.register_worker(worker_id, started)

    def unregister_worker(self, worker_id: str, pipe: redis.client.Pipeline[bytes] | None = None) -> None:
        self.workers.unregister_worker(worker_id, pipe)

    def finish_with(self, worker_id: str, held: bytes | None, writes: CommandLog, count: bool = True) -> bool:
        """Write a job's outcome (``writes``: its failure entry and counters) and finish it
        (DEL ``worker:<id>``, count it processed when ``count``) in one MULTI/EXEC, only while
        ``worker:<id>`` still holds ``held``. False, writing nothing, when it holds something
        else: the job was already finished (this very call, whose reply was lost) or pruned,
        and its outcome recorded then. With ``held`` None the writes go without finishing."""
        key = self.keys.worker(worker_id)
        with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    pipe.watch(key)
                    current: Any = pipe.get(key)  # while watching, an immediate reply (bytes or None)
                    mine = held is not None and current == held
                    if held is not None and not mine:
                        pipe.reset()
                        return False
                    pipe.multi()
                    writes.replay(pipe)
                    if mine:
                        pipe.delete(key)
                        if count:
                            pipe.incrby(self.keys.stat("processed"), 1)
                            pipe.incrby(self.keys.stat(f"processed:{worker_id}"), 1)
                    pipe.execute()
                    return True
                except redis.WatchError:
                    continue  # worker:<id> changed under us (a pruner): look again

    def unregister_worker_with(self, worker_id: str, held: bytes | None, writes: CommandLog) -> bool:
        """``writes`` (the failure of the job it held) and :meth:`unregister_worker` in one
        MULTI/EXEC, only while ``worker:<id>`` still holds ``held``; False when it changed."""
        key = self.keys.worker(worker_id)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)
                found: Any = pipe.get(key)  # at once, while watching
                if found != held:
                    pipe.reset()
                    return False
                pipe.multi()
                writes.replay(pipe)
                self.unregister_worker(worker_id, pipe)
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    def apply(self, writes: CommandLog) -> None:
        """Send recorded writes now, in one MULTI/EXEC."""
        with self.redis.pipeline(transaction=True) as multi:
            writes.replay(multi)
            multi.execute()

    def set_worker_payload(self, worker_id: str, data: bytes) -> None:
        self.workers.set_worker_payload(worker_id, data)

    def heartbeat(self, worker_id: str, value: str) -> None:
        self.workers.heartbeat(worker_id, value)

    def heartbeat_if_registered(self, worker_id: str, value: str) -> bool:
        return self.workers.heartbeat_if_registered(worker_id, value)

    def remove_heartbeat(self, worker_id: str) -> None:
        self.workers.remove_heartbeat(worker_id)

    def all_heartbeats(self) -> dict[str, str]:
        return self.workers.all_heartbeats()

    def acquire_prune_lock(self, worker_id: str, expiry: int) -> bool:
        return self.workers.acquire_prune_lock(worker_id, expiry)

    def server_time(self) -> float:
        return self.workers.server_time()

    # -- the worker's hot path ---------------------------------------------
    def reserver(self, worker_id: str, queues: Sequence[str], queue_json: Sequence[bytes]) -> Reserver:
        """The hot-path reserve for one worker and queue list (see :class:`~.reserve.Reserver`)."""
        return Reserver(self.lane, self.redis, self.keys, worker_id, queues, queue_json)

    def eval_script(self, script: scripts.LuaScript, keys: Sequence[str], args: Sequence[bytes | str]) -> Any:
        """EVALSHA on the lane, loading the script once when the server lacks it."""
        return self.lane.run_script(script, keys, args)

    # -- pause and stats ----------------------------------------------------
    def pause_value(self) -> str | None:
        return self.workers.pause_value()

    def set_pause(self, paused: bool) -> None:
        self.workers.set_pause(paused)

    def stat(self, name: str) -> int:
        return self.counters.stat(name)

    def stat_raw(self, name: str) -> bytes | None:
        return self.counters.stat_raw(name)

    def incr_stat(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        self.counters.incr_stat(name, by, pipe)

    def decr_stat(self, name: str, by: int = 1, pipe: Pipeline | None = None) -> None:
        self.counters.decr_stat(name, by, pipe)

    def clear_stat(self, name: str, pipe: Pipeline | None = None) -> None:
        self.counters.clear_stat(name, pipe)

    # -- introspection ------------------------------------------------------
    def all_keys(self) -> list[str]:
        return self.keyspace.all_keys()

    def key_info(self, name: str) -> tuple[str, int]:
        return self.keyspace.key_info(name)

    def key_infos(self, names: Sequence[str]) -> list[tuple[str, int]]:
        return self.keyspace.key_infos(names)

    def key_types(self, names: Sequence[str]) -> list[str]:
        return self.keyspace.key_types(names)

    def key_items(self, name: str, start: int, count: int) -> tuple[str, int, list[Any]]:
        return self.keyspace.key_items(name, start, count)

    def redis_info(self) -> dict[str, Any]:
        return self.keyspace.redis_info()

