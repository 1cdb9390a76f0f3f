"""Resque's queues: the ``queues`` set and each ``queue:<name>`` list (Ruby's
``DataStore::QueueAccess``), and the list reads other stores share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import redis

from ..schema.keys import Keys
from ..schema.readable import text
from .lane import Lane
from .packing import push_batches, push_command, push_commands
from .pipeline import Pipeline


def list_lengths(client: redis.Redis[bytes], keys: Sequence[str]) -> list[int | None]:
    """LLEN of many keys in one round trip; ``None`` for a key of another type."""
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.llen(key)
    return [None if isinstance(n, redis.ResponseError) else int(n) for n in pipe.execute(raise_on_error=False)]


def list_range(client: redis.Redis[bytes], key: str, start: int, count: int) -> list[bytes]:
    """Items ``start`` .. ``start+count-1`` of a list (none when ``count`` is not positive)."""
    if count <= 0:
        return []
    return list(client.lrange(key, start, start + count - 1))


class QueueStore:
    """The queue keys of one namespace: pushes go on the lean lane, reads on the client."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys, lane: Lane) -> None:
        self.redis = client
        self.keys = keys
        self.lane = lane

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

    def push_in(self, pipe: Pipeline, queue: str, data: bytes) -> None:
        """Queue ``Resque.push``'s SADD queues + RPUSH on ``pipe`` (a MULTI under way)."""
        for command in push_commands(self.keys, queue, data):
            pipe.execute_command(*command)

    def pop(self, queue: str) -> bytes | None:
        found: bytes | None = self.redis.lpop(self.keys.queue(queue))
        return found

    def size(self, queue: str) -> int:
        return int(self.redis.llen(self.keys.queue(queue)))

    def sizes(self, queues: Sequence[str]) -> list[int]:
        """LLEN of many queues in one round trip (0 for a key that is not a list)."""
        return [n or 0 for n in self.sizes_or_none(queues)]

    def sizes_or_none(self, queues: Sequence[str]) -> list[int | None]:
        """LLEN of many queues; ``None`` where ``queue:<name>`` holds another type."""
        return list_lengths(self.redis, [self.keys.queue(q) for q in queues])

    def list_lengths(self, keys: Sequence[str]) -> list[int | None]:
        """LLEN of many keys in one round trip; ``None`` for a key of another type."""
        return list_lengths(self.redis, keys)

    def list_range(self, key: str, start: int, count: int) -> list[bytes]:
        return list_range(self.redis, key, start, count)

    def list_index(self, key: str, index: int) -> bytes | None:
        found: bytes | None = self.redis.lindex(key, index)
        return found

    def queue_range(self, queue: str, start: int, count: int) -> list[bytes]:
        """Raw jobs ``start`` .. ``start+count-1`` of a queue."""
        return list_range(self.redis, self.keys.queue(queue), start, count)

    def clear_queue(self, queue: str) -> int:
        """Delete a queue's jobs, keeping its name in ``queues``."""
        return int(self.redis.delete(self.keys.queue(queue)))

    def queue_names(self) -> list[str]:
        return sorted(text(n) for n in self.redis.smembers(self.keys.queues))

    def remove_queue(self, queue: str) -> list[int]:
        pipe = self.redis.pipeline(transaction=False)
        pipe.srem(self.keys.queues, queue)
        pipe.delete(self.keys.queue(queue))
        return [int(x) for x in pipe.execute()]

    def everything_in_queue(self, queue: str) -> list[bytes]:
        return list(self.redis.lrange(self.keys.queue(queue), 0, -1))

    def remove_from_queue(self, queue: str, data: bytes) -> int:
        return int(self.redis.lrem(self.keys.queue(queue), 0, data))
