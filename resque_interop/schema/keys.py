"""Every Redis key name Resque uses, in one place.

Resque writes through redis-namespace, so every key carries the namespace
prefix (``resque`` by default; ``resque:GitHub`` gives ``resque:GitHub:queue:x``).
Nothing outside this module spells a key.
"""

from __future__ import annotations

import os

DEFAULT_NAMESPACE = "resque"


def namespace_from_env(default: str = DEFAULT_NAMESPACE) -> str:
    """The namespace named by ``RESQUE_NAMESPACE``, else ``default``."""
    return os.environ.get("RESQUE_NAMESPACE") or default


class Keys:
    """Key names under one namespace."""

    __slots__ = ("namespace", "_p")

    def __init__(self, namespace: str = DEFAULT_NAMESPACE) -> None:
        self.namespace = namespace
        # redis-namespace joins with ':'; an empty namespace means no prefix.
        self._p = f"{namespace}:" if namespace else ""

    def raw(self, name: str) -> str:
        """Any name under the namespace (what ``Resque.redis.get(name)`` reads)."""
        return self._p + name

    def strip(self, key: str) -> str:
        """The name of a namespaced key without its prefix."""
        return key[len(self._p):] if key.startswith(self._p) else key

    # queues
    @property
    def queues(self) -> str:
        return self._p + "queues"

    def queue(self, name: str) -> str:
        return f"{self._p}queue:{name}"

    # workers
    @property
    def workers(self) -> str:
        return self._p + "workers"

    def worker(self, worker_id: str) -> str:
        return f"{self._p}worker:{worker_id}"

    def worker_started(self, worker_id: str) -> str:
        return f"{self._p}worker:{worker_id}:started"

    @property
    def heartbeats(self) -> str:
        return self._p + "workers:heartbeat"

    @property
    def prune_lock(self) -> str:
        return self._p + "pruning_dead_workers_in_progress"

    @property
    def pause(self) -> str:
        return self._p + "pause-all-workers"

    # failures
    @property
    def failed(self) -> str:
        return self._p + "failed"

    @property
    def failed_queues(self) -> str:
        return self._p + "failed_queues"

    def failed_list(self, list_name: str) -> str:
        """A failure list by its bare name (``failed``, ``low_failed``)."""
        return self._p + list_name

    # stats
    def stat(self, name: str) -> str:
        return f"{self._p}stat:{name}"

    # resque-scheduler's delayed jobs
    @property
    def delayed_schedule(self) -> str:
        """The sorted set of timestamps that hold delayed jobs (score = member)."""
        return self._p + "delayed_queue_schedule"

    def delayed(self, timestamp: int) -> str:
        """The list of jobs due at ``timestamp`` (epoch seconds)."""
        return self._p + delayed_name(timestamp)

    def timestamps(self, item: bytes) -> bytes:
        """The set of ``delayed:<ts>`` names holding this encoded delayed item."""
        return self._p.encode() + b"timestamps:" + item

    # resque-scheduler's recurring schedules
    @property
    def persistent_schedules(self) -> str:
        """Hash of schedule name -> JSON config, for schedules set with ``persist: true``."""
        return self._p + "persistent_schedules"

    @property
    def schedules_changed(self) -> str:
        """Set of schedule names a dynamic scheduler must reload."""
        return self._p + "schedules_changed"

    @property
    def last_enqueued_at(self) -> str:
        """Hash of schedule name -> when it last fired, as Ruby's ``Time#to_s``."""
        return self._p + "delayed:last_enqueued_at"

    def scheduler_master_lock(self, prefix: str = "") -> str:
        """resque-scheduler names its lock with the namespace inside a namespaced
        client, so the namespace appears twice: ``resque:resque:resque_scheduler_master_lock``."""
        inner = f"{self.namespace}:" if self.namespace else ":"
        return self._p + inner + (f"{prefix}:" if prefix else "") + "resque_scheduler_master_lock"

    def __repr__(self) -> str:
        return f"Keys({self.namespace!r})"


def delayed_name(timestamp: int) -> str:
    """``delayed:<ts>`` without the namespace, as resque-scheduler stores it in ``timestamps:*``."""
    return f"delayed:{int(timestamp)}"


def failure_queue_name(queue: str) -> str:
    """RedisMultiQueue's list for a job queue: ``low`` -> ``low_failed``."""
    return f"{queue}_failed"


def job_queue_name(failure_queue: str) -> str:
    """The job queue behind a RedisMultiQueue list: ``low_failed`` -> ``low``."""
    return failure_queue[: -len("_failed")] if failure_queue.endswith("_failed") else failure_queue


_SCHEMA_TYPES = {
    "queues": "set", "workers": "set", "workers:heartbeat": "hash", "failed": "list", "failed_queues": "set",
    "delayed_queue_schedule": "zset", "pause-all-workers": "string", "pruning_dead_workers_in_progress": "string",
}


def schema_type(name: str) -> str | None:
    """The Redis type docs/schema.md gives a key (named without the namespace);
    ``None`` for a key Resque does not define."""
    if name in _SCHEMA_TYPES:
        return _SCHEMA_TYPES[name]
    if name.startswith(("queue:", "delayed:")) or name.endswith("_failed"):
        return "list"
    if name.startswith(("stat:", "worker:")) or name.endswith("resque_scheduler_master_lock"):
        return "string"
    if name.startswith("timestamps:"):
        return "set"
    return None
