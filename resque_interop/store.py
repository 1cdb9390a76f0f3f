"""DataStore: every Redis command Resque issues, behind one thin layer.

As Ruby's ``Resque::DataStore`` does, each method takes an optional ``pipe``
so that callers can batch several operations into one round trip. Key names
come from :class:`~resque_interop.keys.Keys`; values are bytes already encoded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import redis

from . import scripts
from .delayed_store import DelayedStore
from .keys import Keys
from .lane import Lane, pack
from .schedule_store import ScheduleStore

Pipe = Any  # a redis.client.Pipeline or the client itself


def _s(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


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
        name = queue.encode()
        self.lane.call(
            pack(b"SADD", self._queues_key, name)
            + pack(b"LPUSH" if front else b"RPUSH", self.keys.queue(queue), data),
            2,
        )

    def push_many(self, items: Iterable[tuple[str, bytes]], batch: int = 1000) -> int:
        """Push many (queue, data) pairs: per batch, one SADD of the batch's queues and
        one RPUSH per run of jobs bound for the same queue, in one round trip."""
        count = 0
        commands: list[bytes] = []
        names: dict[str, None] = {}
        run_queue: str | None = None
        run: list[bytes] = []
        pending = 0

        def close_run() -> None:
            if run:
                commands.append(pack(b"RPUSH", self.keys.queue(run_queue or ""), *run))
                run.clear()

        def flush() -> None:
            close_run()
            if commands:
                head = pack(b"SADD", self._queues_key, *[n.encode() for n in names])
                self.lane.call(head + b"".join(commands), len(commands) + 1)
                commands.clear()
                names.clear()

        for queue, data in items:
            if queue != run_queue:
                close_run()
                run_queue = queue
            names.setdefault(queue, None)
            run.append(data)
            pending += 1
            if pending >= batch:
                flush()
                count += pending
                pending = 0
        flush()
        return count + pending

    def pop(self, queue: str) -> bytes | None:
        return self.redis.lpop(self.keys.queue(queue))

    def size(self, queue: str) -> int:
        return int(self.redis.llen(self.keys.queue(queue)))

    def sizes(self, queues: Sequence[str]) -> list[int]:
        """LLEN of many queues in one round trip."""
        pipe = self.redis.pipeline(transaction=False)
        for q in queues:
            pipe.llen(self.keys.queue(q))
        return [int(n) for n in pipe.execute()]

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

    def set_worker_payload(self, worker_id: str, data: bytes) -> None:
        self.redis.set(self.keys.worker(worker_id), data)

    def heartbeat(self, worker_id: str, value: str) -> None:
        self.redis.hset(self.keys.heartbeats, worker_id, value)

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
        """The hot-path reserve for one worker and queue list (see :class:`Reserver`)."""
        return Reserver(self, worker_id, queues, queue_json)

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
        value = self.redis.get(self.keys.stat(name))
        return int(value) if value is not None else 0

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

    def redis_info(self) -> dict[str, Any]:
        return dict(self.redis.info())


class Reserver:
    """FINISH_AND_RESERVE for one worker and queue list, packed once: per job only
    the finish flag, ``run_at`` and the held value's SHA1 change, so a call costs
    one send and one read."""

    def __init__(self, store: DataStore, worker_id: str, queues: Sequence[str], queue_json: Sequence[bytes]) -> None:
        keys = store.keys
        key_list = [keys.worker(worker_id), keys.stat("processed"), keys.stat(f"processed:{worker_id}"), keys.pause]
        key_list += [keys.queue(q) for q in queues]
        self.store = store
        self.queues = list(queues)
        argc = 3 + len(key_list) + 3 + len(queue_json)
        head = pack(b"EVALSHA", scripts.FINISH_AND_RESERVE.sha, len(key_list), *key_list)
        # pack() writes the argument count first: replace it with the full count
        self._head = b"*%d\r\n" % argc + head.split(b"\r\n", 1)[1]
        self._queue_json = list(queue_json)
        self._tail = b"".join(pack(j)[4:] for j in queue_json)  # each "$n\r\n<json>\r\n"

    def call(self, finish: str, run_at: str, held: bytes | None = None) -> Any:
        """Finish the previous job (``finish``; ``held`` is the ``worker:<id>`` value it
        left there) and reserve the next."""
        held_sha = hashlib.sha1(held).hexdigest().encode() if held is not None else b""
        packed = b"%s$1\r\n%s\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n%s" % (
            self._head, finish.encode(), len(run_at), run_at.encode(), len(held_sha), held_sha, self._tail,
        )
        try:
            return self.store.lane.call(packed)[0]
        except redis.exceptions.NoScriptError:
            self.store.redis.script_load(scripts.FINISH_AND_RESERVE.source)
            return self.store.lane.call(packed)[0]

    def held_after(self, reply: Any, run_at: str) -> bytes | None:
        """The ``worker:<id>`` value a reply of :meth:`call` (sent with ``run_at``) left:
        the record the script wrote, the one it handed back, or None."""
        if reply == -1 or not reply:
            return None
        index, payload = reply
        if int(index) == 0:
            return bytes(payload)
        return b'{"queue":%s,"run_at":"%s","payload":%s}' % (
            self._queue_json[int(index) - 1], run_at.encode(), payload,
        )
