"""resque-retry's Redis commands: the attempt counter ``resque-retry:<Class>:<digest>`` and
MultipleWithRetrySuppression's ``failure-<retry key>``.

What happens before and after a perform is sent at once (Ruby sends the same commands
one by one); what a failure decides (the retry's enqueue, the counter, the suppressed
failure's details) is recorded into the :class:`~.pipeline.CommandLog` that the worker
sends with the job's finish in one MULTI/EXEC, so a failure is retried once or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

from ..schema.keys import Keys
from ..schema.readable import to_int
from .packing import delayed_push_commands, push_commands
from .pipeline import CommandLog


class RetryStore:
    """The retry keys of one namespace over one redis-py client."""

    def __init__(self, client: redis.Redis[bytes], keys: Keys) -> None:
        self.redis = client
        self.keys = keys

    def begin_attempt(self, key: str) -> int:
        """``before_perform_retry``: SETNX -1, INCR (the first run reads 0); the attempt number."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.setnx(key, -1)
        pipe.incr(key)
        return int(pipe.execute()[1])

    def expire(self, key: str, seconds: int) -> None:
        """``expire_retry_key_after``'s EXPIRE."""
        self.redis.expire(key, max(int(seconds), 1))

    def clear(self, key: str) -> None:
        """``clean_retry_key`` (after a success, or a cancel): DEL."""
        self.redis.delete(key)

    def attempt(self, key: str) -> int:
        """The counter as Ruby's ``get(...).to_i`` reads it (0 when absent)."""
        return to_int(self.redis.get(key)) or 0

    def attempts(self, keys: Sequence[str]) -> list[int | None]:
        """The counters of many retry keys (None where absent), in one round trip."""
        if not keys:
            return []
        return [to_int(v) for v in self.redis.mget(list(keys))]

    def failure_details(self, keys: Sequence[str]) -> list[bytes | None]:
        """The ``failure-<key>`` value of each retry key (None where absent or expired)."""
        if not keys:
            return []
        return list(self.redis.mget([self.failure_key(k) for k in keys]))

    def failure_key(self, retry_key: str) -> str:
        """``failure-<retry key>`` under the namespace, from the namespaced retry key."""
        return self.keys.raw("failure-" + self.keys.strip(retry_key))

    def cancel(self, retry_key: str) -> None:
        """What resque-retry's Retry tab does after removing a delayed retry: DEL the
        failure details and the counter."""
        self.redis.delete(self.failure_key(retry_key), retry_key)

    # -- writes sent with a job's outcome ------------------------------------
    @staticmethod
    def log_mark_retrying(writes: CommandLog, key: str) -> None:
        """``try_again``'s SETNX -1: the counter exists while a retry is pending."""
        writes.command("SETNX", key, -1)

    @staticmethod
    def log_decrement(writes: CommandLog, key: str) -> None:
        """An ignored exception's DECR: the attempt does not count."""
        writes.command("DECR", key)

    @staticmethod
    def log_clear(writes: CommandLog, key: str) -> None:
        writes.delete(key)

    def log_enqueue(self, writes: CommandLog, queue: str, data: bytes) -> None:
        """``Resque.push``: SADD queues, RPUSH queue:<name> (the queue store's spelling)."""
        for command in push_commands(self.keys, queue, data):
            writes.command(*command)

    def log_delayed_push(self, writes: CommandLog, timestamp: int, data: bytes) -> None:
        """resque-scheduler's ``delayed_push``: RPUSH delayed:<ts>, SADD timestamps:<item>,
        ZADD delayed_queue_schedule (the delayed store's spelling)."""
        for command in delayed_push_commands(self.keys, timestamp, data):
            writes.command(*command)

    def log_failure_details(self, writes: CommandLog, retry_key: str, seconds: int, data: bytes) -> None:
        """MultipleWithRetrySuppression's SETEX ``failure-<key>`` for ``seconds``."""
        writes.command("SETEX", self.failure_key(retry_key), max(int(seconds), 1), data)

    def log_clear_failure_details(self, writes: CommandLog, retry_key: str) -> None:
        """``cleanup_retry_failure_log!``: DEL ``failure-<key>``."""
        writes.delete(self.failure_key(retry_key))
