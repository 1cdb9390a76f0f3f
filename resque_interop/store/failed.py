"""Resque's failed jobs: the ``failed`` list, and RedisMultiQueue's ``<queue>_failed``
lists named in ``failed_queues`` (Ruby's ``DataStore::FailedQueueAccess``)."""

from __future__ import annotations

import uuid

import redis

from ..schema.keys import Keys
from ..schema.readable import text
from . import scripts
from .lane import Lane
from .pipeline import Pipeline
from .queues import list_range


class FailedStore:
    """The failure lists of one namespace; entries are bytes already encoded."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys, lane: Lane) -> None:
        self.redis = client
        self.keys = keys
        self.lane = lane

    def push_failed(self, list_name: str, data: bytes, register: bool = False, pipe: Pipeline | None = None) -> None:
        """RPUSH a failure entry; ``register`` also SADDs ``failed_queues`` (RedisMultiQueue).
        Queued on ``pipe`` (a failure backend's, or a worker's recorded writes) when given."""
        if pipe is not None:
            self._queue_failure(pipe, list_name, data, register)
            return
        own = self.redis.pipeline(transaction=False)
        self._queue_failure(own, list_name, data, register)
        own.execute()

    def _queue_failure(self, pipe: Pipeline, list_name: str, data: bytes, register: bool) -> None:
        if register:
            pipe.sadd(self.keys.failed_queues, list_name)
        pipe.rpush(self.keys.failed_list(list_name), data)

    def num_failed(self, list_name: str = "failed") -> int:
        return int(self.redis.llen(self.keys.failed_list(list_name)))

    def failed_queue_names(self) -> list[str]:
        return sorted(text(n) for n in self.redis.smembers(self.keys.failed_queues))

    def failed_range(self, list_name: str, start: int, count: int) -> list[bytes]:
        return list_range(self.redis, self.keys.failed_list(list_name), start, count)

    def update_failed(self, list_name: str, index: int, data: bytes) -> None:
        self.redis.lset(self.keys.failed_list(list_name), index, data)

    def remove_failed(self, list_name: str, index: int) -> int:
        """Remove the entry at ``index`` (LSET a unique sentinel, LREM it; atomic)."""
        sentinel = f"__resque_interop_remove_{uuid.uuid4().hex}__"
        return int(self.lane.run_script(scripts.REMOVE_AT, [self.keys.failed_list(list_name)], [str(index), sentinel]))

    def clear_failed(self, list_name: str = "failed") -> int:
        return int(self.redis.delete(self.keys.failed_list(list_name)))

    def remove_failed_queue(self, list_name: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(self.keys.failed_list(list_name))
        pipe.execute()
