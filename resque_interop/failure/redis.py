"""Failures in Redis lists: the ``failed`` list (Ruby's ``Failure::Redis``)."""

from __future__ import annotations

from ..errors import ResqueError
from ..schema import timefmt
from ..schema.payloads import FailureEntry, original_bytes, payload_bytes, with_field
from ..store.pipeline import Pipeline
from .backend import FailureBackend
from .info import FailureInfo
from .record import FailureRecord


class ListBackend(FailureBackend):
    """What the two Redis-list backends share; they differ in which list an
    entry goes to and in how ``retried_at`` is written."""

    #: RedisMultiQueue writes ``retried_at`` without the zone (as Ruby 3.0 does).
    retried_zone = True

    def list_for(self, queue: str) -> str:
        """The failure list a job from ``queue`` goes to."""
        raise NotImplementedError

    def _list(self, queue: str | None) -> str:
        raise NotImplementedError

    def save(self, info: FailureInfo, pipe: Pipeline | None = None) -> None:
        """RPUSH one entry with Ruby's fields in Ruby's order."""
        entry = FailureEntry(
            failed_at=timefmt.failed_at(),
            payload=info.payload,
            exception=info.exception,
            error=info.error,
            backtrace=info.backtrace,
            worker=info.worker,
            queue=info.queue,
            failure_id=info.failure_id,
        )
        list_name = self.list_for(info.queue)
        self.client.store.failed.push_failed(
            list_name, self.client.codec.encode(entry), register=list_name != "failed", pipe=pipe
        )

    def all(self, start: int = 0, count: int = 1, queue: str | None = None) -> list[FailureRecord]:
        list_name = self._list(queue)
        raws = self.client.store.failed.failed_range(list_name, start, count)
        return [FailureRecord.read(self.client, start + i, list_name, raw) for i, raw in enumerate(raws)]

    def get(self, index: int, queue: str | None = None) -> FailureRecord | None:
        """Entry ``index`` of a list, or ``None``."""
        found = self.all(index, 1, queue)
        return found[0] if found else None

    def requeue(self, index: int, queue: str | None = None, to_queue: str | None = None) -> FailureRecord:
        """Push the failed job back as it was: the payload's own bytes (for a payload that
        was not a job, the bytes kept in ``raw``/``raw_base64``), and stamp ``retried_at``."""
        list_name = self._list(queue)
        record = self.get(index, list_name)
        if record is None:
            raise ResqueError(f"no failure at index {index} of {list_name!r}")
        original = original_bytes(record.payload)
        if record.data is None or (record.class_name is None and original is None):
            raise ResqueError(
                f"failure {index} of {list_name!r} cannot be retried: {record.problem or 'it has no job class'}"
            )
        target = to_queue or record.queue
        if not target:
            raise ResqueError(f"failure {index} of {list_name!r} names no queue; pass to_queue")
        data = dict(record.data)  # keeps every field (failure_id included) in place
        data["retried_at"] = timefmt.failed_at(zone=self.retried_zone)
        # the entry and the job keep their writer's bytes (a Rails app's \u003c, Oj's floats), so
        # what Ruby matches by bytes (remove_delayed, dequeue) still matches after a Python retry
        entry = None
        if "retried_at" not in record.data:
            entry = with_field(record.raw, "retried_at", self.client.codec.encode(data["retried_at"]))
        self.client.store.failed.update_failed(list_name, index, entry or self.client.codec.encode(data))
        job = original if original is not None else payload_bytes(record.raw)
        self.client.store.queues.push(target, job or self.client.codec.encode(record.payload))
        record.data = data
        return record

    def remove(self, index: int, queue: str | None = None) -> int:
        return self.client.store.failed.remove_failed(self._list(queue), index)

    def _records(self, list_name: str) -> list[FailureRecord]:
        return self.all(0, self.client.store.failed.num_failed(list_name), list_name)


class RedisFailureBackend(ListBackend):
    """Every failure in one ``failed`` list."""

    def list_for(self, queue: str) -> str:
        return "failed"

    def _list(self, queue: str | None) -> str:
        if queue is not None and str(queue) != "failed":
            raise ValueError(f"invalid queue: {queue} (the Redis backend has one list, 'failed')")
        return "failed"

    def queues(self) -> list[str]:
        return ["failed"]

    def count(self, queue: str | None = None, class_name: str | None = None) -> int:
        self._list(queue)
        if class_name:
            return sum(1 for r in self._records("failed") if r.class_name == class_name)
        return self.client.store.failed.num_failed("failed")

    def requeue_queue(self, queue: str) -> int:
        done = 0
        for record in self._records("failed"):
            if record.queue == queue:
                self.requeue(record.index)
                done += 1
        return done

    def requeue_all(self) -> int:
        done = 0
        for record in self._records("failed"):
            if record.class_name:
                self.requeue(record.index)
                done += 1
        return done

    def remove_queue(self, queue: str) -> int:
        removed = 0
        # from the end, so that the indexes still to visit do not shift
        for record in reversed(self._records("failed")):
            if record.queue == queue:
                removed += self.remove(record.index)
        return removed

    def clear(self, queue: str | None = None) -> None:
        self._list(queue)
        self.client.store.failed.clear_failed("failed")
