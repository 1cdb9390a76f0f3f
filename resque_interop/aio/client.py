"""``AsyncResque``: Resque's producer and read API on redis.asyncio, for asyncio
services (FastAPI, aiohttp, Starlette) that must not block their event loop.

It shares naming, queue inference, validation, payload encoding and command
packing with the blocking :class:`~resque_interop.Resque` (``producer.py``,
``packing.py``, ``codec.py``, ``keys.py``), so it writes the same bytes in both
dialects; only the I/O differs.

Hooks: the same :class:`~resque_interop.Hooks` objects and per-job hook methods
as the blocking client run, in the same order. A hook may also be ``async def``:
its result is awaited before the next hook is called, and an awaited ``False``
from ``before_enqueue`` cancels the enqueue as a plain ``False`` does.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any

import redis.asyncio as aioredis

from ..client.activejob import activejob_request
from ..client.hooks import Hooks, default_hooks
from ..client.producer import Producer, info_summary
from ..client.registry import Registry, default_registry
from ..schema.activejob import WRAPPER
from ..schema.codec import Codec, Dialect, dialect_from_env
from ..schema.keys import Keys, namespace_from_env
from ..store.connection import describe
from .delayed import AsyncDelayedQueue
from .store import AsyncDataStore, connect_async


class AsyncResque(Producer):
    """Ruby Resque's producer and read API over redis.asyncio.

    Takes the arguments :class:`~resque_interop.Resque` takes for producing:
    ``redis`` (a redis.asyncio client, a URL or ``host:port[:db]``; ``REDIS_URL``
    by default), ``namespace``, ``registry``, ``dialect`` (``RESQUE_DIALECT``, else ``"json"``),
    ``hooks``, ``enqueue_front``; ``failure_backend`` (``FAILURE_BACKEND`` by
    default; the first of ``redis,sentry``) only tells ``info()`` which failure
    lists to count. ``max_connections`` bounds the connections concurrent enqueues
    hold (more calls wait their turn). Use ``async with AsyncResque(url) as client:``
    or call :meth:`aclose`.
    """

    def __init__(
        self,
        redis: str | aioredis.Redis[bytes] | None = None,
        *,
        namespace: str | None = None,
        registry: Registry | None = None,
        dialect: Dialect | None = None,
        hooks: Sequence[Hooks] | None = None,
        enqueue_front: bool = False,
        failure_backend: str | None = None,
        max_connections: int = 128,
    ) -> None:
        self._owns_client = not isinstance(redis, aioredis.Redis)
        self.redis = connect_async(redis)
        self.keys = Keys(namespace if namespace is not None else namespace_from_env())
        self.store = AsyncDataStore(self.redis, self.keys, max_connections)
        self.registry = registry if registry is not None else default_registry
        self.codec = Codec(dialect or dialect_from_env())
        # the default list itself (not a copy), so hooks an app registers later still apply
        self.hooks: list[Hooks] = default_hooks if hooks is None else list(hooks)
        self.enqueue_front = enqueue_front
        # FAILURE_BACKEND as the workers read it (``redis,sentry``): reads go to the first
        names = [n.strip() for n in (failure_backend or os.environ.get("FAILURE_BACKEND") or "redis").split(",")]
        if names[0] not in ("redis", "redis_multi_queue"):
            raise ValueError(f"invalid failure backend {names[0]!r} to count failures in; "
                             "choose redis or redis_multi_queue (first when several are named)")
        self._failure_lists = "failed_queues" if names[0] == "redis_multi_queue" else "failed"
        #: resque-scheduler's delayed jobs: ``await client.delayed.enqueue_in(60, "Archive", 44)``
        self.delayed = AsyncDelayedQueue(self)

    @property
    def redis_id(self) -> str:
        """``redis://host:port/db`` (resque-web's ``servers``)."""
        return describe(self.redis)  # type: ignore[arg-type]  # the same pool attributes

    # -- producing ----------------------------------------------------------
    async def enqueue(self, job: Any, *args: Any) -> bool | None:
        """Enqueue a registered job on its registered queue (``Resque.enqueue``)."""
        return await self.enqueue_to(self._registered_queue(job), job, *args)

    async def enqueue_to(self, queue: str, job: Any, *args: Any) -> bool | None:
        """Enqueue on ``queue``; ``job`` is a registered job or a class name.
        Returns True, or None when a ``before_enqueue`` hook returned False."""
        self._validate(queue, job)
        name = self.job_name(job)
        target = self._target(job)
        argv = self.job_args(job, args)
        if self._hooked(target) and any(
            r is False for r in await self.run_enqueue_hooks("before_enqueue", target, queue, name, argv)
        ):
            return None
        data = self._job_data(name, argv)
        await self.store.push("" if queue is None else str(queue), data, front=self.enqueue_front)
        if self._hooked(target):
            await self.run_enqueue_hooks("after_enqueue", target, queue, name, argv)
        return True

    async def enqueue_ruby(self, class_name: str, *args: Any, queue: str | None = None) -> bool | None:
        """Enqueue for a Ruby class, as :meth:`Resque.enqueue_ruby <resque_interop.Resque.enqueue_ruby>`."""
        return await self.enqueue_to(self._ruby_queue(class_name, queue), class_name, *args)

    async def enqueue_many(self, jobs: Iterable[tuple[Any, ...]], batch: int = 1000) -> int:
        """Bulk enqueue ``(queue, job, args)`` tuples (or ``(job, args)`` for registered
        jobs), one round trip per ``batch``. Enqueue hooks are not run."""
        return await self.store.push_many(self._bulk_items(jobs), batch)

    async def enqueue_activejob(self, job_class: str, *args: Any, queue: str | None = None,
                                wait: float | None = None, wait_until: datetime | float | None = None,
                                **options: Any) -> str:
        """Enqueue for Rails' ActiveJob, as :func:`resque_interop.activejob.enqueue_activejob`;
        returns the job_id."""
        queue, data = activejob_request(self, job_class, args, queue=queue, wait=wait,
                                        wait_until=wait_until, **options)
        if wait is not None:
            await self.delayed.enqueue_in_with_queue(queue, wait, WRAPPER, data)
        elif wait_until is not None:
            await self.delayed.enqueue_at_with_queue(queue, wait_until, WRAPPER, data)
        else:
            await self.enqueue_to(queue, WRAPPER, data)
        return str(data["job_id"])

    async def push(self, queue: str, item: dict[str, Any]) -> None:
        """Push a raw payload (extra fields kept), as ``Resque.push``."""
        await self.store.push(str(queue), self.codec.encode(item))

    async def run_enqueue_hooks(self, kind: str, target: Any, queue: str, name: str,
                                 args: list[Any]) -> list[Any]:
        results = []
        for result in self._hook_results(kind, target, queue, name, args):
            results.append(await result if inspect.isawaitable(result) else result)
        return results

    # -- reading --------------------------------------------------------------
    async def size(self, queue: str) -> int:
        """Jobs waiting on ``queue``."""
        return await self.store.size(queue)

    async def peek(self, queue: str, start: int = 0, count: int = 1) -> Any:
        """One payload when ``count`` is 1 (None past the end), else a list, as Ruby."""
        if count == 1:
            data = await self.store.list_index(self.keys.queue(queue), start)
            return None if data is None else self.codec.decode(data)
        return [self.codec.decode(d) for d in await self.store.queue_range(queue, start, count)]

    async def queues(self) -> list[str]:
        """Known queue names, sorted."""
        return await self.store.queue_names()

    async def queue_sizes(self) -> dict[str, int]:
        """Queue name -> size."""
        names = await self.queues()
        return dict(zip(names, await self.store.sizes(names)))

    async def info(self) -> dict[str, Any]:
        """``Resque.info`` in two round trips, whatever the number of queues."""
        sizes, processed, workers, working, failed = await self.store.summary(self._failure_lists)
        return info_summary(sizes, processed, workers, working, failed, self.redis_id)

    # -- lifetime ---------------------------------------------------------------
    async def aclose(self) -> None:
        """Close this client's connections (a client passed in is left open for its owner)."""
        await self.store.close(client_too=self._owns_client)

    async def __aenter__(self) -> AsyncResque:
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncResque({self.redis_id!r}, namespace={self.keys.namespace!r})"
