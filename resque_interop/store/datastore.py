"""DataStore: every Redis command Resque issues, behind one thin layer.

As Ruby's ``Resque::DataStore`` does, each method takes an optional ``pipe``
so that callers can batch several operations into one round trip. Key names
come from :class:`~resque_interop.schema.keys.Keys`; values are bytes already encoded.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import redis

from ..schema.keys import Keys
from ..schema.readable import text, to_int
from . import scripts
from .delayed_store import DelayedStore
from .lane import Lane, pack
from .packing import push_batches, push_command
from .pipeline import CommandLog
from .reserve import Reserver
from .schedule_store import ScheduleStore

Pipe = Any  # a redis.client.Pipeline or the client itself


def _s(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return text(value)


class DataStore:
    """Resque's Redis schema over one redis-py client."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.redis = client
        self.keys = keys
        self.lane = Lane(client)
        #: resque-scheduler's delayed queue (``delayed_store.py``)
        self.delayed = DelayedStore(self)
        #: resque-scheduler's recurring schedules (``schedule_store.py``)
        self.schedules = ScheduleStore(self)
        self._queues_key = self.keys.queues.encode()

    def pipeline(self, transaction: bool = False) -> Any:
        """A pipeline on the same connection pool."""
        return self.redis.pipeline(transaction=transaction)

    # -- queues -------------------------------------------------------------
    def push(self, queue: str, data: bytes, front: bool = False) -> None:
        """SADD queues + RPUSH (LPUSH when ``front``) in one round trip, as Ruby."""
        self.lane.call(push_command(self.keys, queue, data, front), 2)

    def push_many(self, items: Iterable[tuple[str, bytes]], batch: int = 1000) -> int:
        """Push many (queue, data) pairs: per batch, one SADD of the batch's queues and
        one RPUSH per run of jobs bound for the same queue, in one round trip."""
        count = 0
        for packed, replies, jobs in push_batches(self.keys, items, batch):
            self.lane.call(packed, replies)
            count += jobs
        return count

    def pop(self, queue: str) -> bytes | None:
        return self.redis.lpop(self.keys.queue(queue))

    def size(self, queue: str) -> int:
        return int(self.redis.llen(self.keys.queue(queue)))

    def sizes(self, queues: Sequence[str]) -> list[int]:
        """LLEN of many queues in one round trip (0 for a key that is not a list)."""
        return [n or 0 for n in self.sizes_or_none(queues)]

    def sizes_or_none(self, queues: Sequence[str]) -> list[int | None]:
        """LLEN of many queues; ``None`` where ``queue:<name>`` holds another type."""
        return self.list_lengths([self.keys.queue(q) for q in queues])

    def list_lengths(self, keys: Sequence[str]) -> list[int | None]:
        """LLEN of many keys in one round trip; ``None`` for a key of another type."""
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.llen(key)
        return [None if isinstance(n, redis.ResponseError) else int(n) for n in pipe.execute(raise_on_error=False)]

    def list_range(self, key: str, start: int, count: int) -> list[bytes]:
        if count <= 0:
            return []
        return self.redis.lrange(key, start, start + count - 1)

    def list_index(self, key: str, index: int) -> bytes | None:
        return self.redis.lindex(key, index)

    def queue_range(self, queue: str, start: int, count: int) -> list[bytes]:
        """Raw jobs ``start`` .. ``start+count-1`` of a queue."""
        return self.list_range(self.keys.queue(queue), start, count)

    def clear_queue(self, queue: str) -> int:
        """Delete a queue's jobs, keeping its name in ``queues``."""
        return int(self.redis.delete(self.keys.queue(queue)))

    def delete(self, *names: str) -> int:
        """Delete namespaced keys by name."""
        return int(self.redis.delete(*[self.keys.raw(n) for n in names])) if names else 0

    def queue_names(self) -> list[str]:
        return sorted(_s(n) or "" for n in self.redis.smembers(self.keys.queues))

    def remove_queue(self, queue: str) -> list[int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.srem(self.keys.queues, queue)
        pipe.delete(self.keys.queue(queue))
        return [int(x) for x in pipe.execute()]

    def everything_in_queue(self, queue: str) -> list[bytes]:
        return self.redis.lrange(self.keys.queue(queue), 0, -1)

    def remove_from_queue(self, queue: str, data: bytes) -> int:
        return int(self.redis.lrem(self.keys.queue(queue), 0, data))

    # -- failures -----------------------------------------------------------
    def push_failed(self, list_name: str, data: bytes, register: bool = False, pipe: Pipe = None) -> None:
        """RPUSH a failure entry; ``register`` also SADDs ``failed_queues`` (RedisMultiQueue)."""
        target = pipe if pipe is not None else self.redis.pipeline(transaction=False)
        if register:
            target.sadd(self.keys.failed_queues, list_name)
        target.rpush(self.keys.failed_list(list_name), data)
        if pipe is None:
            target.execute()

    def num_failed(self, list_name: str = "failed") -> int:
        return int(self.redis.llen(self.keys.failed_list(list_name)))

    def failed_queue_names(self) -> list[str]:
        return sorted(_s(n) or "" for n in self.redis.smembers(self.keys.failed_queues))

    def failed_range(self, list_name: str, start: int, count: int) -> list[bytes]:
        return self.list_range(self.keys.failed_list(list_name), start, count)

    def update_failed(self, list_name: str, index: int, data: bytes) -> None:
        self.redis.lset(self.keys.failed_list(list_name), index, data)

    def remove_failed(self, list_name: str, index: int) -> int:
        """Remove the entry at ``index`` (LSET a unique sentinel, LREM it; atomic)."""
        sentinel = f"__resque_interop_remove_{uuid.uuid4().hex}__"
        return int(self.eval_script(scripts.REMOVE_AT, [self.keys.failed_list(list_name)], [str(index), sentinel]))

    def clear_failed(self, list_name: str = "failed") -> int:
        return int(self.redis.delete(self.keys.failed_list(list_name)))

    def remove_failed_queue(self, list_name: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.delete(self.keys.failed_list(list_name))
        pipe.execute()

    # -- workers ------------------------------------------------------------
    def worker_ids(self) -> list[str]:
        return sorted(_s(n) or "" for n in self.redis.smembers(self.keys.workers))

    def worker_payload(self, worker_id: str) -> bytes | None:
        return self.redis.get(self.keys.worker(worker_id))

    def worker_payloads(self, worker_ids: Sequence[str]) -> list[bytes | None]:
        """MGET of each ``worker:<id>``: the job a worker holds, or None (idle)."""
        if not worker_ids:
            return []
        return list(self.redis.mget([self.keys.worker(w) for w in worker_ids]))

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

    def worker_exists(self, worker_id: str) -> bool:
        return bool(self.redis.sismember(self.keys.workers, worker_id))

    def register_worker(self, worker_id: str, started: str) -> None:
        pipe = self.redis.pipeline(transaction=False)
        pipe.sadd(self.keys.workers, worker_id)
        pipe.set(self.keys.worker_started(worker_id), started)
        pipe.execute()

    def unregister_worker(self, worker_id: str, pipe: Pipe = None) -> None:
        """Ruby's unregister: SREM workers, DEL worker + started, HDEL heartbeat,
        DEL the worker's processed/failed counters."""
        target = pipe if pipe is not None else self.redis.pipeline(transaction=False)
        target.srem(self.keys.workers, worker_id)
        target.delete(self.keys.worker(worker_id))
        target.delete(self.keys.worker_started(worker_id))
        target.hdel(self.keys.heartbeats, worker_id)
        target.delete(self.keys.stat(f"processed:{worker_id}"))
        target.delete(self.keys.stat(f"failed:{worker_id}"))
        if pipe is None:
            target.execute()

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
                    mine = held is not None and pipe.get(key) == held
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
                if pipe.get(key) != held:
                    pipe.reset()
                    return False
                pipe.multi()
                writes.replay(pipe)
                self.unregister_worker(worker_id, pipe)
                pipe.execute()
                return True
            except redis.WatchError:
                return False

    def set_worker_payload(self, worker_id: str, data: bytes) -> None:
        self.redis.set(self.keys.worker(worker_id), data)

    def heartbeat(self, worker_id: str, value: str) -> None:
        self.redis.hset(self.keys.heartbeats, worker_id, value)

    def heartbeat_if_registered(self, worker_id: str, value: str) -> bool:
        """HSET the heartbeat only while ``worker_id`` is in ``workers``; False when it is not."""
        return bool(self.eval_script(scripts.HEARTBEAT_IF_REGISTERED, [self.keys.workers, self.keys.heartbeats], [worker_id, value]))

    def remove_heartbeat(self, worker_id: str) -> None:
        self.redis.hdel(self.keys.heartbeats, worker_id)

    def all_heartbeats(self) -> dict[str, str]:
        raw = self.redis.hgetall(self.keys.heartbeats)
        return {_s(k) or "": _s(v) or "" for k, v in raw.items()}

    def acquire_prune_lock(self, worker_id: str, expiry: int) -> bool:
        return bool(self.redis.set(self.keys.prune_lock, worker_id, ex=max(1, int(expiry)), nx=True))

    def server_time(self) -> float:
        seconds, micros = self.redis.time()
        return seconds + micros / 1e6

    # -- the worker's hot path ---------------------------------------------
    def reserver(self, worker_id: str, queues: Sequence[str], queue_json: Sequence[bytes]) -> Reserver:
        """The hot-path reserve for one worker and queue list (see :class:`~.reserve.Reserver`)."""
        return Reserver(self.lane, self.redis, self.keys, worker_id, queues, queue_json)

    def eval_script(self, script: scripts.LuaScript, keys: Sequence[str], args: Sequence[bytes | str]) -> Any:
        """EVALSHA on the lane, loading the script once when the server lacks it."""
        packed = pack(b"EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return self.lane.call(packed)[0]
        except redis.exceptions.NoScriptError:
            self.redis.script_load(script.source)
            return self.lane.call(packed)[0]

    # -- pause and stats ----------------------------------------------------
    def pause_value(self) -> str | None:
        return _s(self.redis.get(self.keys.pause))

    def set_pause(self, paused: bool) -> None:
        if paused:
            self.redis.set(self.keys.pause, "true")
        else:
            self.redis.delete(self.keys.pause)

    def stat(self, name: str) -> int:
        """A counter; 0 when unset or not an integer (see :meth:`stat_raw`)."""
        return to_int(self.redis.get(self.keys.stat(name))) or 0

    def stat_raw(self, name: str) -> bytes | None:
        """A counter's bytes as stored, to show one that does not parse."""
        return self.redis.get(self.keys.stat(name))

    def incr_stat(self, name: str, by: int = 1, pipe: Pipe = None) -> None:
        (pipe if pipe is not None else self.redis).incrby(self.keys.stat(name), by)

    def decr_stat(self, name: str, by: int = 1, pipe: Pipe = None) -> None:
        (pipe if pipe is not None else self.redis).decrby(self.keys.stat(name), by)

    def clear_stat(self, name: str, pipe: Pipe = None) -> None:
        (pipe if pipe is not None else self.redis).delete(self.keys.stat(name))

    # -- introspection ------------------------------------------------------
    def all_keys(self) -> list[str]:
        """Every key under the namespace, without the prefix (SCAN, not KEYS)."""
        return sorted(self.keys.strip(_s(k) or "") for k in self.redis.scan_iter(match=self.keys.raw("*"), count=1000))

    def key_info(self, name: str) -> tuple[str, int]:
        """(type, size) of a namespaced key, as resque-web's stats page shows."""
        key = self.keys.raw(name)
        kind = _s(self.redis.type(key)) or "none"
        size = {
            "list": self.redis.llen,
            "set": self.redis.scard,
            "zset": self.redis.zcard,
            "hash": self.redis.hlen,
            "string": self.redis.strlen,
        }.get(kind)
        return kind, int(size(key)) if size else 0

    def key_infos(self, names: Sequence[str]) -> list[tuple[str, int]]:
        """(type, size) of many namespaced keys in two round trips."""
        kinds = self.key_types(names)
        pipe = self.redis.pipeline(transaction=False)
        sizers = {"list": pipe.llen, "set": pipe.scard, "zset": pipe.zcard, "hash": pipe.hlen, "string": pipe.strlen}
        asked = [kind in sizers for kind in kinds]
        for name, kind in zip(names, kinds):
            if kind in sizers:
                sizers[kind](self.keys.raw(name))
        sizes = iter(pipe.execute(raise_on_error=False) if any(asked) else [])
        out = []
        for kind, ok in zip(kinds, asked):
            n = next(sizes) if ok else 0
            out.append((kind, n if isinstance(n, int) else 0))  # a key that changed type meanwhile: 0
        return out

    def key_types(self, names: Sequence[str]) -> list[str]:
        """TYPE of many namespaced keys in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.type(self.keys.raw(name))
        return [_s(t) or "none" for t in pipe.execute()]

    def key_items(self, name: str, start: int, count: int) -> tuple[str, int, list[Any]]:
        """(type, size, a window of the contents) of a namespaced key, as resque-web's
        per-key view: list and zset members, set members, hash pairs, a string's value."""
        kind, size = self.key_info(name)
        key, stop = self.keys.raw(name), start + count - 1
        items: list[Any] = []
        if kind == "list":
            items = self.redis.lrange(key, start, stop)
        elif kind == "zset":
            items = self.redis.zrange(key, start, stop, withscores=True)
        elif kind == "set":
            items = sorted(self.redis.sscan_iter(key, count=1000))[start:stop + 1]
        elif kind == "hash":
            items = sorted(self.redis.hscan_iter(key, count=1000))[start:stop + 1]
        elif kind == "string":
            items = [self.redis.getrange(key, 0, 64 * 1024 - 1)] if start == 0 else []
        return kind, size, items

    def redis_info(self) -> dict[str, Any]:
        return dict(self.redis.info())

