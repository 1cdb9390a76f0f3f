"""resque-scheduler's delayed jobs from the asyncio client (``client.delayed``):
the same items, keys and rules as :mod:`resque_interop.scheduler.delayed`."""

from __future__ import annotations

import time
from typing import Any, Protocol

from ..errors import NoQueueError
from ..scheduler.delayed import When, delay_seconds, delayed_item, epoch_seconds, is_due
from ..schema.codec import Codec
from .store import AsyncDataStore


class AsyncDelayingClient(Protocol):
    """What the delayed queue uses of :class:`~.client.AsyncResque` (which satisfies it;
    typed here so this module never imports the client that imports it)."""

    @property
    def store(self) -> AsyncDataStore: ...

    @property
    def codec(self) -> Codec: ...

    def queue_for(self, job: Any) -> str | None: ...

    def job_name(self, job: Any) -> str: ...

    async def enqueue_to(self, queue: str, job: Any, *args: Any) -> bool | None: ...


class AsyncDelayedQueue:
    """``enqueue_at`` / ``enqueue_in`` (and their ``_with_queue`` forms) on redis.asyncio."""

    def __init__(self, client: AsyncDelayingClient) -> None:
        self.client = client

    async def enqueue_at(self, when: When, job: Any, *args: Any) -> bool | None:
        """Run ``job`` at ``when`` on its registered queue; a time not in the future
        enqueues now, as Ruby does."""
        queue = self.client.queue_for(job)
        if queue is None:
            name = self.client.job_name(job)
            raise NoQueueError(f"No queue could be inferred for class {name}; use enqueue_at_with_queue")
        return await self.enqueue_at_with_queue(queue, when, job, *args)

    async def enqueue_at_with_queue(self, queue: str, when: When, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_at_with_queue``; ``job`` is a registered job or a class name."""
        timestamp = epoch_seconds(when)
        if is_due(timestamp):
            return await self.client.enqueue_to(queue, job, *args)
        item = delayed_item(self.client.job_name(job), args, queue)
        await self.client.store.delayed_push(timestamp, self.client.codec.encode(item))
        return True

    async def enqueue_in(self, seconds: float, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_in``: ``seconds`` from now."""
        return await self.enqueue_at(time.time() + delay_seconds(seconds), job, *args)

    async def enqueue_in_with_queue(self, queue: str, seconds: float, job: Any, *args: Any) -> bool | None:
        """``Resque.enqueue_in_with_queue``."""
        return await self.enqueue_at_with_queue(queue, time.time() + delay_seconds(seconds), job, *args)
