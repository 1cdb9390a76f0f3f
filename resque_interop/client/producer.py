"""What the blocking :class:`~resque_interop.Resque` and the asyncio
:class:`~resque_interop.aio.AsyncResque` share when they produce jobs: naming
the class, inferring the queue, validating, encoding the payload and calling
enqueue hooks. None of it does I/O, so both clients write the same bytes and
raise the same errors; only how the bytes reach Redis differs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..errors import EncodeError, NoClassError, NoQueueError
from ..schema.codec import Codec
from .hooks import Hooks
from .plugins import job_hooks
from .registry import JobSpec, Registry


class Producer:
    """The pure half of the producer API (a base of both clients)."""

    registry: Registry
    codec: Codec
    hooks: list[Hooks]

    def _spec(self, job: Any) -> JobSpec | None:
        return self.registry.find(job)

    def job_name(self, job: Any) -> str:
        """The Ruby class name of a registered job (a string is taken as one)."""
        if isinstance(job, str):
            return job
        if job is None:
            raise NoClassError("Jobs must be given a class.")
        spec = self._spec(job)
        if spec is None:
            name = getattr(job, "__name__", None) or repr(job)
            raise NoClassError(
                f"{name} is not a registered job; register it with @job(...) or pass the "
                "Ruby class name as a string"
            )
        return spec.name

    def job_args(self, job: Any, args: Sequence[Any]) -> list[Any]:
        """The arguments as they are sent: checked against a typed job's annotations
        (dataclasses and Structs become objects; JobArgumentError before anything reaches
        Redis), else as given."""
        spec = self._spec(job)
        if spec is not None and spec.typed:
            return spec.argument_types.check(list(args))[0]
        return list(args)

    def queue_for(self, job: Any) -> str | None:
        """The queue a job is registered to, if any (Ruby's ``queue_from_class``)."""
        spec = self._spec(job)
        return spec.queue if spec else None

    def _registered_queue(self, job: Any) -> str:
        """``enqueue``'s queue: the registered one, else Ruby's NoQueueError."""
        queue = self.queue_for(job)
        if queue is None:
            raise NoQueueError(
                f"Jobs must be placed onto a queue. No queue could be inferred for class {self.job_name(job)}"
            )
        return queue

    def _validate(self, queue: str | None, job: Any) -> None:
        """Ruby's ``Resque.validate``: no queue given and none registered is a NoQueueError
        (an empty name passes, as in Ruby)."""
        if queue is None and self.queue_for(job) is None:
            raise NoQueueError(
                f"Jobs must be placed onto a queue. No queue could be inferred for class {self.job_name(job)}"
            )
        if isinstance(queue, str):
            try:
                queue.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise EncodeError(f"queue name {queue!r} is not valid Unicode ({exc.reason}); "
                                  "Ruby cannot write it either") from None

    def _ruby_queue(self, class_name: str, queue: str | None) -> str:
        """``enqueue_ruby``'s queue: the one given, else the registered one."""
        if queue is None:
            queue = self.queue_for(class_name)
        if queue is None:
            raise NoQueueError(
                f"Jobs must be placed onto a queue. No queue could be inferred for class {class_name}; "
                "pass queue=..."
            )
        return queue

    def _target(self, job: Any) -> Any:
        """The registered class or function whose per-job hooks apply (None for a bare name)."""
        spec = self._spec(job)
        return spec.target if spec else None

    def _hooked(self, target: Any) -> bool:
        return bool(self.hooks) or target is not None

    def _hook_results(self, kind: str, target: Any, queue: str, name: str, args: list[Any]) -> Iterator[Any]:
        """Call the per-job hooks, then the global ones, one at a time, yielding each result
        (the asyncio client awaits an awaitable result before calling the next hook)."""
        for fn in job_hooks(target, kind):
            yield fn(*args)
        for hook in self.hooks:
            yield getattr(hook, kind)(queue, name, args)

    def _job_data(self, class_name: str, args: Sequence[Any]) -> bytes:
        """Ruby's ``Job.create`` checks, then the payload's bytes."""
        if not class_name:
            raise NoClassError("Jobs must be given a class.")
        return self.codec.encode_job(class_name, args)

    def _bulk_items(self, jobs: Iterable[tuple[Any, ...]]) -> Iterator[tuple[str, bytes]]:
        """``enqueue_many``'s ``(queue, job, args)`` or ``(job, args)`` tuples as (queue, bytes)."""
        encode_job = self.codec.encode_job
        for item in jobs:
            if len(item) == 3:
                queue, job, args = item
            else:
                job, args = item
                queue = self.queue_for(job)
                if queue is None:
                    raise NoQueueError(f"No queue could be inferred for class {self.job_name(job)}")
            name = self.job_name(job)
            if not name:
                raise NoClassError("Jobs must be given a class.")
            yield str(queue), encode_job(name, self.job_args(job, args))


def info_summary(sizes: dict[str, int], processed: int, workers: int, working: int, failed: int,
                 server: str) -> dict[str, Any]:
    """``Resque.info``'s hash: pending, processed, queues, workers, working, failed, servers,
    environment (Ruby's keys, in Ruby's order)."""
    return {
        "pending": sum(sizes.values()),
        "processed": processed,
        "queues": len(sizes),
        "workers": workers,
        "working": working,
        "failed": failed,
        "servers": [server],
        "environment": os.environ.get("RAILS_ENV") or os.environ.get("RACK_ENV") or "development",
    }
