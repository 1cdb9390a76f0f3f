"""DataStore: Resque's Redis schema over one client, as the sub-stores of its seams.

Ruby's ``Resque::DataStore`` delegates each command to its seam with ``def_delegators``;
ours exposes the seams instead, so a caller names the one it uses: ``store.queues``
(:mod:`.queues`), ``store.failed`` (:mod:`.failed`), ``store.workers`` (:mod:`.workers`),
``store.counters`` (:mod:`.counters`), ``store.keyspace`` (:mod:`.keyspace`), and
resque-scheduler's ``store.delayed`` (:mod:`.delayed_store`) and ``store.schedules``
(:mod:`.schedule_store`). Each takes only a client, the key names and, for the hot paths,
the lean lane. What stays here spans seams: a pipeline on the shared client, the writes
that finish or unregister a worker together with a recorded :class:`~.pipeline.CommandLog`,
and the worker's hot-path reserve. Writes take an optional ``pipe`` so that callers can
batch several operations into one round trip. Key names come from
:class:`~resque_interop.schema.keys.Keys`; values are bytes already encoded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis

from ..schema.keys import Keys
from .counters import CounterStore
from .delayed_store import DelayedStore
from .failed import FailedStore
from .keyspace import KeyspaceStore
from .lane import Lane
from .pipeline import CommandLog
from .queues import QueueStore
from .reserve import Reserver
from .schedule_store import ScheduleStore
from .workers import WorkerStore


class DataStore:
    """Resque's Redis schema over one redis-py client: the sub-stores (a caller names the
    seam, as ``store.queues.push(...)``) and the operations that span seams."""

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

    # -- across seams: a worker's writes with a recorded CommandLog ----------
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
        """``writes`` (the failure of the job it held) and :meth:`.WorkerStore.unregister_worker` in one
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
                self.workers.unregister_worker(worker_id, pipe)
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    def apply(self, writes: CommandLog) -> None:
        """Send recorded writes now, in one MULTI/EXEC."""
        with self.redis.pipeline(transaction=True) as multi:
            writes.replay(multi)
            multi.execute()

    # -- the worker's hot path ---------------------------------------------
    def reserver(self, worker_id: str, queues: Sequence[str], queue_json: Sequence[bytes]) -> Reserver:
        """The hot-path reserve for one worker and queue list (see :class:`~.reserve.Reserver`)."""
        return Reserver(self.lane, self.redis, self.keys, worker_id, queues, queue_json)

