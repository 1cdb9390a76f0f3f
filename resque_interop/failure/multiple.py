"""Several backends at once (Ruby's ``Failure::Multiple``): a failure is saved
to every backend, reads go to the first, removals to all that keep lists."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..runtime.logfmt import format_error
from ..store.pipeline import Pipeline
from .backend import FailureBackend
from .info import FailureInfo
from .record import FailureRecord

if TYPE_CHECKING:
    from ..store.protocols import StoreClient

log = logging.getLogger("resque_interop.failure")


class MultipleFailureBackend(FailureBackend):
    """Write to all, read from the first."""

    def __init__(self, client: StoreClient, backends: Sequence[FailureBackend]) -> None:
        super().__init__(client)
        if not backends:
            raise ValueError("Multiple needs at least one backend")
        self.backends = list(backends)

    @property
    def first(self) -> FailureBackend:
        return self.backends[0]

    def save(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        # one failing backend (an unreachable error tracker) must not stop the others
        errors: list[BaseException] = []
        for backend in self.backends:
            try:
                backend.save(info, pipe if backend is self.first else None)
            except Exception as exc:  # noqa: BLE001 - reported below, then re-raised
                log.error("failure backend %s could not save: %s", type(backend).__name__, format_error(exc))
                errors.append(exc)
        if errors:
            raise errors[0]

    def queues(self) -> list[str]:
        return self.first.queues()

    def count(self, queue: str | None = None, class_name: str | None = None) -> int:
        return self.first.count(queue, class_name)

    def all(self, start: int = 0, count: int = 1, queue: str | None = None) -> list[FailureRecord]:
        return self.first.all(start, count, queue)

    def each(
        self, start: int = 0, count: int | None = None, queue: str | None = None,
        class_name: str | None = None, order: str = "desc",
    ) -> Iterator[FailureRecord]:
        return self.first.each(start, count, queue, class_name, order)

    def requeue(self, index: int, queue: str | None = None, to_queue: str | None = None) -> FailureRecord:
        return self.first.requeue(index, queue, to_queue)

    def requeue_queue(self, queue: str) -> int:
        return self.first.requeue_queue(queue)

    def requeue_all(self) -> int:
        return self.first.requeue_all()

    def remove(self, index: int, queue: str | None = None) -> int:
        removed = 0
        for backend in self.backends:
            try:
                removed = max(removed, backend.remove(index, queue))
            except (NotImplementedError, ValueError):
                continue  # a write-only backend, or one without that list
        return removed

    def remove_queue(self, queue: str) -> int:
        return self.first.remove_queue(queue)

    def clear(self, queue: str | None = None) -> None:
        self.first.clear(queue)


class LoggingFailureBackend(FailureBackend):
    """A write-only backend that logs each failure (a model for Sentry and the like)."""

    def __init__(self, client: StoreClient, logger: logging.Logger | None = None) -> None:
        super().__init__(client)
        self.logger = logger or log

    def save(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        self.logger.error(
            "job failed: %s on %s by %s: %s: %s",
            info.payload, info.queue, info.worker, info.exception, info.error,
        )
