"""The failure backend interface (Ruby's ``Resque::Failure::Base``).

A backend has one write method, :meth:`FailureBackend.save`, and the read and
management API that resque-web and the CLI use. Write-only backends (an error
tracker, a logger) override ``save`` only; their reads say they have none.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..store.pipeline import Pipeline
from .info import FailureInfo
from .record import FailureRecord

if TYPE_CHECKING:
    from ..store.protocols import StoreClient


class FailureBackend:
    """Base class. ``save`` is required; the rest is the management API."""

    #: Whether ``save`` stamps a 3.1.0-style ``failure_id`` (off: 3.0.0 writes none).
    write_failure_ids = False

    def __init__(self, client: StoreClient) -> None:
        self.client = client

    def new_failure_id(self) -> str | None:
        return str(uuid.uuid4()) if self.write_failure_ids else None

    def save(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        """Record one failure."""
        raise NotImplementedError

    def _no_reads(self) -> NotImplementedError:
        return NotImplementedError(f"{type(self).__name__} keeps no failures to read")

    def queues(self) -> list[str]:
        """Names of the failure lists."""
        raise self._no_reads()

    def count(self, queue: str | None = None, class_name: str | None = None) -> int:
        """How many failures (in one list, of one class)."""
        raise self._no_reads()

    def all(self, start: int = 0, count: int = 1, queue: str | None = None) -> list[FailureRecord]:
        """Entries ``start`` .. ``start+count-1`` of a list."""
        raise self._no_reads()

    def each(
        self, start: int = 0, count: int | None = None, queue: str | None = None,
        class_name: str | None = None, order: str = "desc",
    ) -> Iterator[FailureRecord]:
        """Entries in a window, newest first by default, optionally of one class."""
        records = self.all(start, self.count(queue) if count is None else count, queue)
        if order == "desc":
            records = list(reversed(records))
        for record in records:
            if class_name is None or record.class_name == class_name:
                yield record

    def class_counts(self, queue: str | None = None) -> dict[str, int]:
        """How many failures of each job class a list holds, by name ("nil" for none, as Ruby)."""
        counts: dict[str, int] = {}
        for record in self.each(0, None, queue, None, "asc"):
            name = record.class_name or "nil"
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    def requeue(self, index: int, queue: str | None = None, to_queue: str | None = None) -> FailureRecord:
        """Put entry ``index`` back on its queue (or ``to_queue``), stamping ``retried_at``."""
        raise self._no_reads()

    def requeue_queue(self, queue: str) -> int:
        """Requeue every failure of jobs from ``queue``."""
        raise self._no_reads()

    def requeue_all(self) -> int:
        """Requeue every failure."""
        raise self._no_reads()

    def count_retried(self) -> int:
        """How many failures, over every list, were retried before (carry ``retried_at``)."""
        return sum(1 for name in self.queues() for r in self.each(0, None, name, order="asc") if r.retried_at)

    def requeue_not_retried(self) -> int:
        """Requeue every failure not retried before; ``requeue_all`` requeues those too,
        as Ruby's ``Resque::Failure.requeue_all`` does."""
        done = 0
        for name in self.queues():
            for record in self.each(0, None, name, order="asc"):
                if record.class_name and not record.retried_at:
                    self.requeue(record.index, name)
                    done += 1
        return done

    def remove(self, index: int, queue: str | None = None) -> int:
        """Delete entry ``index``."""
        raise self._no_reads()

    def remove_queue(self, queue: str) -> int:
        """Delete every failure of jobs from ``queue``."""
        raise self._no_reads()

    def clear(self, queue: str | None = None) -> None:
        """Delete failures (one list, or all)."""
        raise self._no_reads()

    def record_if_unchanged(self, index: int, fingerprint: str, queue: str | None = None) -> FailureRecord | None:
        """Entry ``index`` when it is still the failure ``fingerprint`` names (a page's view
        of it), else None: it moved or is gone."""
        found = self.all(index, 1, queue)
        return found[0] if found and found[0].fingerprint == fingerprint else None

    def act_on_unchanged(self, pairs: list[tuple[int, str]], queue: str | None, action: str) -> tuple[int, int]:
        """``requeue`` or ``remove`` each ``(index, fingerprint)`` still in place (removals
        highest index first, so the lower ones keep their places); (done, left as moved)."""
        done = moved = 0
        for index, fingerprint in sorted(pairs, reverse=action == "remove"):
            if self.record_if_unchanged(index, fingerprint, queue) is None:
                moved += 1
                continue
            if action == "remove":
                self.remove(index, queue)
            else:
                self.requeue(index, queue)
            done += 1
        return done, moved

    def clear_retried(self) -> int:
        """Delete the failures that were retried (resque-web's "clear retried")."""
        removed = 0
        for list_name in self.queues():
            for record in self.each(0, None, list_name):
                if record.retried_at:
                    removed += self.remove(record.index, list_name)
        return removed
