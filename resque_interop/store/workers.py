"""Resque's worker registry: the ``workers`` set, ``worker:<id>`` (the job a worker
holds) and its start time, the heartbeats, the prune lock and the pause flag (Ruby's
``DataStore::Workers``), and the worker's connection names."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from ..schema.keys import Keys
from ..schema.readable import text
from . import scripts
from .lane import Lane


class WorkerStore:
    """The worker keys of one namespace over one redis-py client."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys, lane: Lane) -> None:
        self.redis = client
        self.keys = keys
        self.lane = lane

    # -- registration -------------------------------------------------------
    def worker_ids(self) -> list[str]:
        return sorted(text(n) for n in self.redis.smembers(self.keys.workers))

    def worker_exists(self, worker_id: str) -> bool:
        return bool(self.redis.sismember(self.keys.workers, worker_id))

    def register_worker(self, worker_id: str, started: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.sadd(self.keys.workers, worker_id)
        pipe.set(self.keys.worker_started(worker_id), started)
        pipe.execute()

    def unregister_worker(self, worker_id: str, pipe: redis.client.Pipeline[bytes] | None = None) -> None:
        """Ruby's unregister: SREM workers, DEL worker + started, HDEL heartbeat,
        DEL the worker's processed/failed counters (on ``pipe`` when given)."""
        target = pipe if pipe is not None else self.redis.pipeline(transaction=False)
        target.srem(self.keys.workers, worker_id)
        target.delete(self.keys.worker(worker_id))
        target.delete(self.keys.worker_started(worker_id))
        target.hdel(self.keys.heartbeats, worker_id)
        target.delete(self.keys.stat(f"processed:{worker_id}"))
        target.delete(self.keys.stat(f"failed:{worker_id}"))
        if pipe is None:
            target.execute()

    # -- the job a worker holds ----------------------------------------------
    def worker_payload(self, worker_id: str) -> bytes | None:
        found: bytes | None = self.redis.get(self.keys.worker(worker_id))
        return found

    def worker_payloads(self, worker_ids: Sequence[str]) -> list[bytes | None]:
        """MGET of each ``worker:<id>``: the job a worker holds, or None (idle)."""
        if not worker_ids:
            return []
        return list(self.redis.mget([self.keys.worker(w) for w in worker_ids]))

    def set_worker_payload(self, worker_id: str, data: bytes) -> None:
        self.redis.set(self.keys.worker(worker_id), data)

    # -- heartbeats and pruning -----------------------------------------------
    def heartbeat(self, worker_id: str, value: str) -> None:
        self.redis.hset(self.keys.heartbeats, worker_id, value)

    def heartbeat_if_registered(self, worker_id: str, value: str) -> bool:
        """HSET the heartbeat only while ``worker_id`` is in ``workers``; False when it is not."""
        return bool(self.lane.run_script(scripts.HEARTBEAT_IF_REGISTERED, [self.keys.workers, self.keys.heartbeats],
                                         [worker_id, value]))

    def remove_heartbeat(self, worker_id: str) -> None:
        self.redis.hdel(self.keys.heartbeats, worker_id)

    def all_heartbeats(self) -> dict[str, str]:
        raw = self.redis.hgetall(self.keys.heartbeats)
        return {text(k): text(v) for k, v in raw.items()}

    def acquire_prune_lock(self, worker_id: str, expiry: int) -> bool:
        return bool(self.redis.set(self.keys.prune_lock, worker_id, ex=max(1, int(expiry)), nx=True))

    def server_time(self) -> float:
        seconds, micros = self.redis.time()
        return float(seconds + micros / 1e6)

    # -- pause ------------------------------------------------------------------
    def pause_value(self) -> str | None:
        found = self.redis.get(self.keys.pause)
        return None if found is None else text(found)

    def set_pause(self, paused: bool) -> None:
        if paused:
            self.redis.set(self.keys.pause, "true")
        else:
            self.redis.delete(self.keys.pause)

    # -- connection names ---------------------------------------------------------
    def name_connections(self, name: str) -> None:
        """Name this process's Redis connections (CLIENT SETNAME; new ones too): not a key,
        so nothing Ruby reads changes. A server that refuses it (ACL) leaves them unnamed."""
        self.redis.connection_pool.connection_kwargs["client_name"] = name
        try:
            self.redis.client_setname(name)
        except redis.ResponseError:
            self.redis.connection_pool.connection_kwargs.pop("client_name", None)

    def client_names(self) -> set[str] | None:
        """The names of the server's open connections (CLIENT LIST); None when refused."""
        try:
            return {str(c.get("name") or "") for c in self.redis.client_list()} - {""}
        except redis.ResponseError:
            return None
