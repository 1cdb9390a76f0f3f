"""Failures in one list per job queue: ``<queue>_failed`` lists named in the
``failed_queues`` set (Ruby's ``Failure::RedisMultiQueue``).

As in Ruby, the index-based calls (``all``, ``requeue``, ``remove``,
``clear``) take a failure list name (``low_failed``) and ``requeue_queue`` /
``remove_queue`` take the job queue's name (``low``).
"""

from __future__ import annotations

from ..schema.keys import failure_queue_name, job_queue_name
from .redis import ListBackend


class RedisMultiQueueFailureBackend(ListBackend):
    """One failure list per job queue."""

    retried_zone = False

    def list_for(self, queue: str) -> str:
        return failure_queue_name(queue)

    def _list(self, queue: str | None) -> str:
        return str(queue) if queue else "failed"

    def queues(self) -> list[str]:
        return self.client.store.failed.failed_queue_names()

    def count(self, queue: str | None = None, class_name: str | None = None) -> int:
        if queue is None:
            return sum(self.count(q, class_name) for q in self.queues())
        if class_name:
            return sum(1 for r in self._records(queue) if r.class_name == class_name)
        return self.client.store.failed.num_failed(queue)

    def requeue_queue(self, queue: str) -> int:
        list_name = failure_queue_name(queue)
        records = self._records(list_name)
        for record in records:
            self.requeue(record.index, list_name)
        return len(records)

    def requeue_all(self) -> int:
        return sum(self.requeue_queue(job_queue_name(q)) for q in self.queues())

    def remove_queue(self, queue: str) -> int:
        list_name = failure_queue_name(queue)
        count = self.client.store.failed.num_failed(list_name)
        self.client.store.failed.remove_failed_queue(list_name)
        return count

    def clear(self, queue: str | None = None) -> None:
        for list_name in [queue] if queue else self.queues():
            self.client.store.failed.clear_failed(list_name)
