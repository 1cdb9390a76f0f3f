"""Pending retries as resque-retry's Retry tab shows them: the delayed items whose
resque-retry counter exists, with the counter (the attempt that last failed, 0 for the
first run) and the last failure (``failure-<key>``, while it lives: twice the delay).

A delayed item is a retry when its class's counter exists: for a class registered here
the key follows its :class:`~.policy.Retry` (identifier, hash style); for any other (a
class only Ruby has) the default digest is tried, so Ruby's retries show too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from ..errors import DecodeError
from ..schema.readable import text
from ..schema.ruby_join import RubyJoinError, fleet_hash_style, retry_key_name
from .lifecycle import RetryClient, retry_key, store_of

#: Items looked at per timestamp (a timestamp may hold very many jobs).
MAX_ITEMS_PER_TIMESTAMP = 100


@dataclass
class PendingRetry:
    """One delayed retry."""

    timestamp: int
    item: bytes
    class_name: str
    args: list[Any]
    queue: str | None
    retry_key: str
    #: the counter: the number of the attempt that failed last (0: the first run)
    attempt: int
    #: ``failure-<key>`` decoded (failed_at, exception, error, backtrace, ...), if still there
    last_failure: dict[str, Any] | None

    @property
    def next_attempt(self) -> int:
        """The attempt number this retry's run will have."""
        return self.attempt + 1

    def as_json(self) -> dict[str, Any]:
        """The fields as JSON-ready values (the item as text)."""
        return {
            "timestamp": self.timestamp, "class": self.class_name, "args": self.args, "queue": self.queue,
            "attempt": self.attempt, "retry_key": self.retry_key, "item": text(self.item),
            "last_failure": self.last_failure,
        }


def _key_for(client: RetryClient, class_name: str, args: list[Any]) -> str | None:
    registry = getattr(client, "registry", None)
    spec = registry.find(class_name) if registry is not None else None
    try:
        if spec is not None and spec.retry is not None:
            return retry_key(client, spec.retry, class_name, args)
        return client.keys.raw(retry_key_name(class_name, args, fleet_hash_style()))
    except RubyJoinError:
        return None


def pending_retries(client: RetryClient, start: int = 0, count: int = 20) -> tuple[list[PendingRetry], int]:
    """The retries among the delayed items of ``count`` timestamps from ``start`` (earliest
    first), and how many timestamps there are in all."""
    try:
        stamps = client.store.delayed.timestamps(start, start + count - 1)  # non-integers skipped
    except ResponseError:  # the schedule is not a sorted set: nothing there is a retry
        return [], 0
    found: list[tuple[int, bytes, str, list[Any], str | None, str]] = []
    for ts in stamps:
        try:
            items = client.store.delayed.range(ts, 0, MAX_ITEMS_PER_TIMESTAMP)
        except ResponseError:
            continue  # not a list: resque-web shows it as such; no retry in it
        for item in items:
            try:
                data = client.codec.decode(item)
            except DecodeError:
                continue
            if not isinstance(data, dict) or not isinstance(data.get("class"), str):
                continue
            raw_args, raw_queue = data.get("args"), data.get("queue")
            args: list[Any] = raw_args if isinstance(raw_args, list) else []
            key = _key_for(client, str(data["class"]), args)
            if key is not None:
                queue = raw_queue if isinstance(raw_queue, str) else None
                found.append((ts, bytes(item), str(data["class"]), args, queue, key))
    store = store_of(client)
    attempts = store.attempts([f[5] for f in found])
    details = store.failure_details([f[5] for f in found])
    out = []
    for (ts, item, name, args, queue, key), attempt, detail in zip(found, attempts, details):
        if attempt is None:
            continue  # a delayed job, not a retry
        failure = None
        if detail is not None:
            try:
                decoded = client.codec.decode(detail)
                failure = decoded if isinstance(decoded, dict) else None
            except DecodeError:
                failure = None
        out.append(PendingRetry(ts, item, name, args, queue, key, attempt, failure))
    return out, client.store.delayed.schedule_size()


def cancel_retry(client: RetryClient, timestamp: int, item: bytes) -> bool:
    """The Retry tab's remove: take the delayed item off ``timestamp``, then DEL its
    ``failure-<key>`` and its counter. False when the item was not there (run or removed)."""
    pending = [p for p in pending_retries_at(client, timestamp) if p.item == item]
    removed = client.store.delayed.remove_at(timestamp, item)
    if not removed:
        return False
    for retry in pending:
        store_of(client).cancel(retry.retry_key)
    return True


def pending_retries_at(client: RetryClient, timestamp: int) -> list[PendingRetry]:
    """The retries waiting at one timestamp."""
    rank = client.store.delayed.rank(timestamp)
    if rank is None:
        return []
    return pending_retries(client, int(rank), 1)[0]
