"""resque-scheduler's delayed queue: every Redis command it issues, behind the
same thin layer as the rest (``DataStore.delayed``). Key names come from
:class:`~resque_interop.schema.keys.Keys`; items are bytes already encoded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redis

from ..schema.keys import Keys, delayed_name
from ..schema.readable import to_int
from . import scripts
from .lane import Lane
from .packing import delayed_push_command, exec_reply
from .pipeline import Pipeline
from .queues import list_lengths, list_range

#: how a move queues one item in the MULTI under way: ``route(item, pipe)``
Route = Callable[[bytes, Pipeline], None]


#: :meth:`DelayedStore.move_batch`'s answer when another scheduler holds the master lock
OTHER_MASTER = -2


class DelayedStore:
    """``delayed_queue_schedule``, ``delayed:<ts>``, ``timestamps:<item>`` and the master lock."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys, lane: Lane) -> None:
        self.redis = client
        self.keys = keys
        self.lane = lane

    def push(self, timestamp: int, data: bytes) -> None:
        """RPUSH delayed:<ts>, SADD timestamps:<item>, ZADD the schedule (one MULTI)."""
        exec_reply(self.lane.call(delayed_push_command(self.keys, timestamp, data), 5))

    def timestamps(self, start: int = 0, stop: int = -1) -> list[int]:
        """The schedule's timestamps in a window; members that are not integers are skipped."""
        return [t for t in (to_int(m) for m in self.members(start, stop)) if t is not None]

    def members(self, start: int = 0, stop: int = -1) -> list[bytes]:
        """The schedule's members as stored (a plugin may have left non-integers)."""
        return list(self.redis.zrange(self.keys.delayed_schedule, start, stop))

    def rank(self, timestamp: int) -> int | None:
        """The timestamp's place in the schedule (ZRANK, 0 the earliest); None when absent."""
        found = self.redis.zrank(self.keys.delayed_schedule, str(int(timestamp)))
        return None if found is None else int(found)

    def schedule_size(self) -> int:
        return int(self.redis.zcard(self.keys.delayed_schedule))

    def size(self, timestamp: int) -> int:
        return int(self.redis.llen(self.keys.delayed(timestamp)))

    def range(self, timestamp: int, start: int, count: int) -> list[bytes]:
        return list_range(self.redis, self.keys.delayed(timestamp), start, count)

    def sizes(self, timestamps: Sequence[int]) -> list[int]:
        """LLEN of each ``delayed:<ts>`` (0 for a key of another type)."""
        return [n or 0 for n in list_lengths(self.redis, [self.keys.delayed(ts) for ts in timestamps])]

    def firsts(self, timestamps: Sequence[int]) -> list[bytes | None]:
        """The first job of each ``delayed:<ts>`` (LINDEX 0, one round trip; None for an
        empty key or one of another type): what a listing previews."""
        pipe = self.redis.pipeline(transaction=False)
        for ts in timestamps:
            pipe.lindex(self.keys.delayed(ts), 0)
        return [v if isinstance(v, bytes) else None for v in pipe.execute(raise_on_error=False)]

    def item_timestamps(self, data: bytes) -> list[str]:
        """The ``delayed:<ts>`` names that hold this encoded item."""
        return sorted(bytes(m).decode("utf-8", "replace") for m in self.redis.smembers(self.keys.timestamps(data)))

    def remove(self, data: bytes) -> int:
        """LREM the item from every list its ``timestamps:*`` set names; the count removed."""
        names = self.item_timestamps(data)
        if not names:
            return 0
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.lrem(self.keys.raw(name), 0, data)
            pipe.srem(self.keys.timestamps(data), name)
        return sum(int(n) for n in pipe.execute()[::2])

    def all_items(self, group: int = 100) -> list[bytes]:
        """Every item of every ``delayed:<ts>`` in the schedule, in order, ``group``
        lists a round trip (as ``find_delayed_selection`` reads them)."""
        prefix, found = self.keys.raw("delayed:").encode(), list[bytes]()
        members = self.members()
        for at in range(0, len(members), group):
            pipe = self.redis.pipeline(transaction=False)
            for member in members[at:at + group]:
                pipe.lrange(prefix + bytes(member), 0, -1)
            for items in pipe.execute(raise_on_error=False):
                if isinstance(items, list):  # a key of another type holds nothing to select
                    found.extend(bytes(i) for i in items)
        return found

    def take(self, data: bytes, route: Route) -> int:
        """Remove every copy of one encoded item from the lists its ``timestamps:*`` set
        names and have ``route`` queue each copy, in one MULTI under WATCH (Ruby's
        ``enqueue_delayed``: ``remove_delayed_job``, then queue that many); the count."""
        names_key, prefix = self.keys.timestamps(data), self.keys.raw("").encode()
        while True:
            with self.redis.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(names_key)
                    names: Any = pipe.smembers(names_key)
                    lists = [prefix + bytes(name) for name in names]
                    if lists:
                        pipe.watch(*lists)
                    held: list[Any] = [pipe.lrange(key, 0, -1) for key in lists]  # at once, while watching
                    copies = sum(list(items).count(data) for items in held)
                    pipe.multi()
                    for name, key in zip(names, lists):
                        pipe.lrem(key, 0, data)
                        pipe.srem(names_key, name)
                    for _ in range(copies):
                        route(data, pipe)
                    pipe.execute()
                    return copies
                except redis.WatchError:
                    continue  # an edit meanwhile: count again

    def next_timestamp(self, at: int) -> int | None:
        """The earliest timestamp due at ``at`` (epoch seconds), if any."""
        found = self.redis.zrangebyscore(self.keys.delayed_schedule, "-inf", at, start=0, num=1)
        return int(found[0]) if found else None

    def move_batch(
        self, timestamp: int, batch: int, route: Route,
        lock_key: str | None = None, holder: str = "",
    ) -> int:
        """Take up to ``batch`` items from ``delayed:<ts>`` as resque-scheduler does:
        under WATCH, one MULTI that SREMs each item's timestamps entry, has ``route``
        queue it (or record why it cannot), and LTRIMs them off. The number taken,
        -1 when another client changed the list first, or :data:`OTHER_MASTER` (and
        nothing touched) when ``lock_key`` names a master lock that a scheduler other
        than ``holder`` holds: the lock is WATCHed with the list, so the batch never
        commits once another scheduler has taken it (resque-scheduler reads the list
        before it WATCHes it, and must be the list's only writer while it moves)."""
        key, name = self.keys.delayed(timestamp), delayed_name(timestamp)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key, *([lock_key] if lock_key else []))
                if lock_key:
                    owner: Any = pipe.get(lock_key)
                    if owner is not None and bytes(owner) != holder.encode():
                        pipe.unwatch()
                        return OTHER_MASTER
                found: Any = pipe.lrange(key, 0, batch - 1)  # runs at once while watching
                items = [bytes(i) for i in found]
                pipe.multi()
                for item in items:
                    pipe.srem(self.keys.timestamps(item), name)
                    route(item, pipe)
                pipe.ltrim(key, batch, -1)
                pipe.execute()
            except redis.WatchError:
                return -1
        if len(items) < batch:
            self.clean_up(timestamp)
        return len(items)

    def clean_up(self, timestamp: int) -> None:
        """DEL an emptied ``delayed:<ts>`` and ZREM it from the schedule, atomically."""
        key = self.keys.delayed(timestamp)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)
                if pipe.llen(key):
                    pipe.unwatch()
                    return
                pipe.multi()
                pipe.delete(key)
                pipe.zrem(self.keys.delayed_schedule, str(int(timestamp)))
                pipe.execute()
            except redis.WatchError:
                pass  # an item arrived meanwhile: the timestamp stays

    def remove_at(self, timestamp: int, data: bytes) -> int:
        """Remove one item from one timestamp (``remove_delayed_job_from_timestamp``)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.srem(self.keys.timestamps(data), delayed_name(timestamp))
        pipe.lrem(self.keys.delayed(timestamp), 0, data)
        count = int(pipe.execute()[1])
        self.clean_up(timestamp)
        return count

    def reset(self) -> None:
        """Delete every delayed job, its ``timestamps:*`` sets and the schedule (``reset_delayed_queue``)."""
        for timestamp in self.timestamps():
            key = self.keys.delayed(timestamp)
            items = self.redis.lrange(key, 0, -1)
            self.redis.delete(key, *{self.keys.timestamps(bytes(i)) for i in items})
        self.redis.delete(self.keys.delayed_schedule)

    def master_lock(self, script: scripts.LuaScript, key: str, value: str, ttl: int) -> bool:
        """Run one of resque-scheduler's master-lock scripts; True when it holds."""
        return bool(self.lane.run_script(script, [key], [value, str(int(ttl))]))
