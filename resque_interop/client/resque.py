"""The client object: a Redis connection, a namespace, a registry and the
producer and introspection API of Ruby's ``Resque`` module.

Pass it around explicitly (``Resque(redis_url)``); nothing here is global
except the convenience default registry.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import redis

from ..errors import NoQueueError
from ..failure import FailureBackend, FailureInfo, backend_named
from ..scheduler.delayed import DelayedQueue
from ..scheduler.schedules import Schedules
from ..schema.activejob import WRAPPER
from ..schema.codec import Codec, Dialect, dialect_from_env
from ..schema.keys import Keys, namespace_from_env
from ..schema.workers import WorkerInfo
from ..store.connection import connect, describe
from ..store.datastore import DataStore
from ..store.pipeline import Pipeline
from ..store.stats import RedisStatStore, StatStore
from ..store.worker_listing import list_workers
from .activejob import activejob_request
from .hooks import Hooks, default_hooks
from .job import Job
from .producer import Producer, info_summary
from .registry import Registry, default_registry

DEFAULT_HEARTBEAT_INTERVAL = 60


class Resque(Producer):
    """Ruby Resque's schema over one Redis, as a Python object.

    ``redis``: a redis-py client, a URL (``redis://``, ``rediss://``, ``unix://``,
    ``redis-sentinel://``) or Resque's ``host:port[:db]``; ``REDIS_URL`` by default.
    ``namespace``: ``resque`` (or ``RESQUE_NAMESPACE``) by default.
    ``dialect``: the JSON the Ruby side writes: ``"json"`` (the json gem, MultiJson's default),
    ``"oj"`` (the oj gem), ``"rails"`` (a Rails app: ActiveSupport loaded, the json gem) or
    ``"oj_rails"`` (``Oj.optimize_rails``); ``RESQUE_DIALECT``, else ``"json"``, by default.
    """

    def __init__(
        self,
        redis: str | redis.Redis[bytes] | None = None,
        *,
        namespace: str | None = None,
        registry: Registry | None = None,
        dialect: Dialect | None = None,
        failure_backend: str | FailureBackend | None = None,
        stat_store: StatStore | None = None,
        hooks: Sequence[Hooks] | None = None,
        inline: bool = False,
        enqueue_front: bool = False,
        heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
        prune_interval: float | None = None,
        write_failure_ids: bool = False,
    ) -> None:
        self.redis = connect(redis)
        self.keys = Keys(namespace if namespace is not None else namespace_from_env())
        self.store = DataStore(self.redis, self.keys)
        self.registry = registry if registry is not None else default_registry
        self.codec = Codec(dialect or dialect_from_env())
        # the default list itself (not a copy), so hooks an app registers later still apply
        self.hooks: list[Hooks] = default_hooks if hooks is None else list(hooks)
        self.inline = inline
        self.enqueue_front = enqueue_front
        self.heartbeat_interval = heartbeat_interval
        self.prune_interval = prune_interval if prune_interval is not None else heartbeat_interval * 5
        self.stats: StatStore = stat_store if stat_store is not None else RedisStatStore(self.store.counters)
        if isinstance(failure_backend, FailureBackend):
            self.failure = failure_backend
        else:
            self.failure = backend_named(
                failure_backend or os.environ.get("FAILURE_BACKEND") or "redis", self
            )
        self.failure.write_failure_ids = write_failure_ids or self.failure.write_failure_ids
        #: resque-scheduler's delayed jobs: ``client.delayed.enqueue_at(when, "Archive", 44)``
        self.delayed = DelayedQueue(self)
        #: resque-scheduler's recurring schedules: ``client.schedules.set("nightly", {"cron": "0 3 * * *"})``
        self.schedules = Schedules(self)

    # -- connection ---------------------------------------------------------
    # After fork, redis-py's ConnectionPool notices the new pid and opens fresh
    # connections in the child, leaving the parent's sockets alone: a forked job
    # never shares a connection with its parent.

    @property
    def redis_id(self) -> str:
        """``redis://host:port/db`` (resque-web's ``servers``)."""
        return describe(self.redis)

    # -- producing (naming, queues, payloads and hooks: producer.py) ---------
    def enqueue(self, job: Any, *args: Any) -> bool | None:
        """Enqueue a registered job on its registered queue (``Resque.enqueue``)."""
        return self.enqueue_to(self._registered_queue(job), job, *args)

    def enqueue_to(self, queue: str, job: Any, *args: Any) -> bool | None:
        """Enqueue on ``queue``; ``job`` is a registered job or a class name.
        Returns True, or None when a ``before_enqueue`` hook returned False."""
        self._validate(queue, job)
        name = self.job_name(job)
        target = self._target(job)
        argv = self.job_args(job, args)
        if self._hooked(target) and any(
            r is False for r in self.run_enqueue_hooks("before_enqueue", target, queue, name, argv)
        ):
            return None
        self.create(queue, name, argv)
        if self._hooked(target):
            self.run_enqueue_hooks("after_enqueue", target, queue, name, argv)
        return True

    def enqueue_ruby(self, class_name: str, *args: Any, queue: str | None = None) -> bool | None:
        """Enqueue for a Ruby class: ``enqueue_ruby("Archive", 44, "masterbrew", queue="file_serve")``
        stores exactly what ``Resque.enqueue(Archive, 44, "masterbrew")`` stores."""
        return self.enqueue_to(self._ruby_queue(class_name, queue), class_name, *args)

    def enqueue_activejob(self, job_class: str, *args: Any, queue: str | None = None,
                          kwargs: dict[str, Any] | None = None, timezone_name: str | None = None,
                          locale: str = "en", priority: int | None = None, rails: str = "6.1",
                          wait: float | None = None, wait_until: datetime | float | None = None) -> str:
        """Enqueue for Rails: ``enqueue_activejob("ArchiveJob", 44, "masterbrew", queue="file_serve")``
        writes what ``ArchiveJob.perform_later(44, "masterbrew")`` writes; ``kwargs`` are the job's
        keyword arguments. ``wait`` (seconds) or ``wait_until`` delay it as
        ``ArchiveJob.set(wait: ...).perform_later`` does with resque-scheduler. Returns the job_id."""
        queue, data = activejob_request(self, job_class, args, queue=queue, kwargs=kwargs,
                                        timezone_name=timezone_name, locale=locale, priority=priority,
                                        rails=rails, wait=wait, wait_until=wait_until)
        # delayed, as the Rails adapter's enqueue_at: Resque.enqueue_at_with_queue(queue, ts, JobWrapper, data)
        if wait is not None:
            self.delayed.enqueue_in_with_queue(queue, wait, WRAPPER, data)
        elif wait_until is not None:
            self.delayed.enqueue_at_with_queue(queue, wait_until, WRAPPER, data)
        else:
            self.enqueue_to(queue, WRAPPER, data)
        return str(data["job_id"])

    def enqueue_many(self, jobs: Iterable[tuple[Any, ...]], batch: int = 1000) -> int:
        """Bulk enqueue ``(queue, job, args)`` tuples (or ``(job, args)`` for registered
        jobs), pipelined ``batch`` at a time. Enqueue hooks are not run."""
        return self.store.queues.push_many(self._bulk_items(jobs), batch)

    def create(self, queue: str | None, class_name: str, args: Sequence[Any]) -> None:
        """Ruby's ``Job.create``: validate, then push (or perform at once when inline)."""
        self._validate(queue, class_name)
        data = self._job_data(class_name, args)
        queue = "" if queue is None else str(queue)
        if self.inline:
            Job(self, "inline", self.codec.decode(data)).perform()
            return
        self.store.queues.push(queue, data, front=self.enqueue_front)

    def run_enqueue_hooks(self, kind: str, target: Any, queue: str, name: str, args: list[Any]) -> list[Any]:
        return list(self._hook_results(kind, target, queue, name, args))

    def push(self, queue: str, item: dict[str, Any]) -> None:
        """Push a raw payload (extra fields kept), as ``Resque.push``."""
        self.store.queues.push(str(queue), self.codec.encode(item, wrapped=True))

    def pop(self, queue: str) -> Any:
        """LPOP and decode one payload (None when empty)."""
        data = self.store.queues.pop(queue)
        return None if data is None else self.codec.decode(data)

    # -- introspection ------------------------------------------------------
    def size(self, queue: str) -> int:
        """Jobs waiting on ``queue``."""
        return self.store.queues.size(queue)

    def peek(self, queue: str, start: int = 0, count: int = 1) -> Any:
        """One payload when ``count`` is 1 (None past the end), else a list, as Ruby."""
        if count == 1:
            data = self.store.queues.list_index(self.keys.queue(queue), start)
            return None if data is None else self.codec.decode(data)
        return [self.codec.decode(d) for d in self.store.queues.queue_range(queue, start, count)]

    def clear_queue(self, queue: str) -> int:
        """Delete every job waiting on ``queue`` (the queue stays known)."""
        return self.store.queues.clear_queue(queue)

    def queues(self) -> list[str]:
        """Known queue names, sorted."""
        return self.store.queues.queue_names()

    def queue_sizes(self) -> dict[str, int]:
        """Queue name -> size, in one round trip."""
        names = self.queues()
        return dict(zip(names, self.store.queues.sizes(names)))

    def remove_queue(self, queue: str) -> list[int]:
        """Forget a queue and delete its jobs (SREM queues, DEL queue:<name>)."""
        return self.store.queues.remove_queue(queue)

    def destroy(self, queue: str, job: Any, *args: Any) -> int:
        """Remove jobs of a class from ``queue`` (only those with exactly ``args`` when
        given); returns how many, as ``Resque::Job.destroy``."""
        name = self.job_name(job)
        if args:
            return self.store.queues.remove_from_queue(queue, self.codec.encode({"class": name, "args": list(args)}))
        removed = 0
        for data in self.store.queues.everything_in_queue(queue):
            try:
                decoded = self.codec.decode(data)
            except ValueError:
                continue
            if isinstance(decoded, dict) and decoded.get("class") == name:
                removed += self.store.queues.remove_from_queue(queue, data)
        return removed

    def dequeue(self, job: Any, *args: Any, queue: str | None = None) -> int | None:
        """``Resque.dequeue``: destroy on the job's registered queue, with hooks."""
        queue = queue or self.queue_for(job)
        if queue is None:
            raise NoQueueError(f"No queue could be inferred for class {self.job_name(job)}; pass queue=...")
        name = self.job_name(job)
        spec = self._spec(job)
        target = spec.target if spec else None
        if any(r is False for r in self.run_enqueue_hooks("before_dequeue", target, queue, name, list(args))):
            return None
        removed = self.destroy(queue, name, *args)
        self.run_enqueue_hooks("after_dequeue", target, queue, name, list(args))
        return removed

    def workers(self, ids: list[str] | None = None) -> list[WorkerInfo]:
        """Every registered worker (Ruby, Python or node-resque), or those in ``ids``; one
        whose heartbeat is past the prune interval (by Redis's clock) is ``stale``."""
        return list_workers(self.store, self.codec, ids, self.prune_interval)

    def worker(self, worker_id: str) -> WorkerInfo | None:
        """One registered worker, or None."""
        if not self.store.workers.worker_exists(worker_id):
            return None
        return list_workers(self.store, self.codec, [worker_id], self.prune_interval)[0]

    def working(self) -> list[WorkerInfo]:
        """The workers that hold a job now (only those are read in full)."""
        ids = self.store.workers.worker_ids()
        held = self.store.workers.worker_payloads(ids)
        return self.workers([i for i, job in zip(ids, held) if job]) if any(held) else []

    def info(self) -> dict[str, Any]:
        """``Resque.info``: pending, processed, queues, workers, working, failed, servers,
        environment."""
        sizes = self.queue_sizes()
        ids = self.store.workers.worker_ids()
        working = sum(1 for job in self.store.workers.worker_payloads(ids) if job)
        return info_summary(sizes, self.stats.get("processed"), len(ids), working,
                            self.failure.count(), self.redis_id)

    def all_keys(self) -> list[str]:
        """Every key under the namespace (SCAN)."""
        return self.store.keyspace.all_keys()

    # -- pause --------------------------------------------------------------
    def pause_all(self) -> None:
        """SET pause-all-workers true: every worker, Ruby or Python, stops taking jobs."""
        self.store.workers.set_pause(True)

    def resume_all(self) -> None:
        """DEL pause-all-workers."""
        self.store.workers.set_pause(False)

    def paused(self) -> bool:
        """Ruby's rule: the value, stripped and downcased, is ``true``."""
        value = self.store.workers.pause_value()
        return value is not None and value.strip(" \t\n\v\f\r\0").lower() == "true"

    # -- failures -----------------------------------------------------------
    def save_failure(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        """Record a failure through the configured backend."""
        if info.failure_id is None:
            info.failure_id = self.failure.new_failure_id()
        self.failure.save(info, pipe)

    def __repr__(self) -> str:
        return f"Resque({self.redis_id!r}, namespace={self.keys.namespace!r})"
