"""resque-scheduler's recurring-schedule keys, every Redis command on them
(``DataStore.schedules``): ``persistent_schedules``, ``schedules_changed`` and
``delayed:last_enqueued_at``. Configs are bytes already encoded.
"""

from __future__ import annotations

from typing import Any

import redis

from ..schema.keys import Keys
from ..schema.readable import text


class ScheduleStore:
    """The hashes and the set resque-scheduler keeps its schedules in."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def persistent(self) -> dict[str, bytes]:
        """Every persisted schedule: name -> encoded config (HGETALL)."""
        return {text(k): bytes(v) for k, v in self.redis.hgetall(self.keys.persistent_schedules).items()}

    def persistent_one(self, name: str) -> bytes | None:
        found = self.redis.hget(self.keys.persistent_schedules, name)
        return None if found is None else bytes(found)

    def set(self, name: str, data: bytes | None) -> None:
        """Store (or with ``data=None`` only flag) a schedule and mark it changed, as
        ``set_schedule``: HSET persistent_schedules, SADD schedules_changed."""
        pipe = self.redis.pipeline(transaction=True)
        if data is not None:
            pipe.hset(self.keys.persistent_schedules, name, data)
        pipe.sadd(self.keys.schedules_changed, name)
        pipe.execute()

    def remove(self, name: str) -> bool:
        """``remove_schedule``: HDEL persistent_schedules, SADD schedules_changed."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hdel(self.keys.persistent_schedules, name)
        pipe.sadd(self.keys.schedules_changed, name)
        return bool(pipe.execute()[0])

    def changed_count(self) -> int:
        return int(self.redis.scard(self.keys.schedules_changed))

    def pop_changed(self) -> str | None:
        """SPOP one changed name (the master's ``update_schedule`` takes them one at a time)."""
        found: Any = self.redis.spop(self.keys.schedules_changed)
        return None if found is None else text(found)

    def clear_changed(self) -> None:
        """DEL schedules_changed (a master that has just loaded everything)."""
        self.redis.delete(self.keys.schedules_changed)

    def set_last_enqueued_at(self, name: str, when: str) -> None:
        self.redis.hset(self.keys.last_enqueued_at, name, when)

    def last_enqueued_at(self, name: str) -> str | None:
        found = self.redis.hget(self.keys.last_enqueued_at, name)
        return None if found is None else text(found)

    def all_last_enqueued_at(self) -> dict[str, str]:
        return {text(k): text(v) for k, v in self.redis.hgetall(self.keys.last_enqueued_at).items()}

    def lock_holder(self, key: str) -> str | None:
        """Who holds resque-scheduler's master lock (``host:pid``), if anyone."""
        found = self.redis.get(key)
        return None if found is None else text(bytes(found))
