"""The failure backend interface (Ruby's ``Resque::Failure::Base``).

A backend has one write method, :meth:`FailureBackend.save`, and the read and
management API that resque-web and the CLI use. Write-only backends (an error
tracker, a logger) override ``save`` only; their reads say they have none.
"""

from __future__ import annotations

import os
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DecodeError
from ..schema.codec import raw_text
from ..schema.payloads import PayloadView, original_bytes
from ..store.pipeline import Pipeline

if TYPE_CHECKING:
    from ..store.protocols import StoreClient

def exception_name(exc: BaseException) -> str:
    """The ``exception`` field: Ruby's class name for our Resque errors, else the
    Python class name (``ValueError``, ``myapp.errors.Boom`` for non-builtins)."""
    ruby = getattr(exc, "ruby_name", None)
    if isinstance(ruby, str):
        return ruby
    kind = type(exc)
    if kind.__module__ == "builtins" or kind.__module__.startswith("resque_interop."):
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def backtrace_lines(exc: BaseException, cut_after: str | None = None) -> list[str]:
    """The ``backtrace`` field: ``file:line:in 'func'``, innermost first as Ruby
    writes it; frames up to the last one in the file ``cut_after`` (where the job was
    called from) are left out, as Ruby cuts at ``lib/resque/job.rb``."""
    frames = traceback.extract_tb(exc.__traceback__)
    start = 0
    cut = os.path.abspath(cut_after) if cut_after else None
    for i, frame in enumerate(frames):
        if cut is not None and os.path.abspath(frame.filename) == cut:
            start = i + 1
    return [f"{f.filename}:{f.lineno}:in '{f.name}'" for f in reversed(frames[start:])]


@dataclass
class FailureInfo:
    """A failure before it is saved: what every backend receives."""

    payload: Any
    exception: str
    error: str
    backtrace: list[str]
    worker: str
    queue: str
    failure_id: str | None = None
    #: the exception itself, for backends that want more than its text (an error tracker)
    exc: BaseException | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_exception(cls, exc: BaseException, payload: Any, worker: str, queue: str,
                       cut_after: str | None = None) -> FailureInfo:
        """Describe a Python exception as Ruby would describe a Ruby one (its backtrace cut
        after the frames of the file ``cut_after``, the one that called the job)."""
        return cls(payload, exception_name(exc), str(exc), backtrace_lines(exc, cut_after), worker, queue,
                   exc=exc)


@dataclass
class FailureRecord(PayloadView):
    """A failure as read back: its place, its raw bytes and, when they decode, its fields."""

    index: int
    list_name: str
    raw: bytes
    data: dict[str, Any] | None = None
    problem: str | None = None

    @classmethod
    def read(cls, client: StoreClient, index: int, list_name: str, raw: bytes) -> FailureRecord:
        """Decode an entry; one that is not a JSON object is kept with a ``problem``."""
        try:
            data = client.codec.decode(raw)
        except DecodeError as exc:
            return cls(index, list_name, raw, None, f"entry is not JSON: {exc}")
        if not isinstance(data, dict):
            return cls(index, list_name, raw, None, "entry is not a JSON object")
        missing = [k for k in ("payload", "exception", "error", "queue") if k not in data]
        problem = f"entry lacks {', '.join(missing)}" if missing else None
        return cls(index, list_name, raw, data, problem)

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default) if self.data else default

    @property
    def payload(self) -> Any:
        return self.get("payload")

    @property
    def queue(self) -> str | None:
        value = self.get("queue")
        return value if isinstance(value, str) else None

    @property
    def exception(self) -> str:
        return str(self.get("exception", ""))

    @property
    def error(self) -> str:
        return str(self.get("error", ""))

    @property
    def backtrace(self) -> list[str]:
        value = self.get("backtrace")
        if isinstance(value, list):
            return [str(v) for v in value]
        return [str(value)] if value else []

    @property
    def worker(self) -> str:
        return str(self.get("worker", ""))

    @property
    def failed_at(self) -> str:
        return str(self.get("failed_at", ""))

    @property
    def retried_at(self) -> str | None:
        value = self.get("retried_at")
        return str(value) if value else None

    @property
    def failure_id(self) -> str | None:
        value = self.get("failure_id")
        return str(value) if value else None

    @property
    def fingerprint(self) -> str:
        """A short hash of the raw entry: lets a UI check that the entry it shows is
        still the one at that index before acting on it (indexes shift)."""
        import hashlib

        return hashlib.sha1(self.raw).hexdigest()[:16]

    @property
    def text(self) -> str:
        """The raw entry as text (for entries that do not decode)."""
        return raw_text(self.raw)

    @property
    def original(self) -> bytes | None:
        """For the failure of bytes that were not a job: those bytes (docs/schema.md)."""
        return original_bytes(self.payload)

    @property
    def original_text(self) -> str | None:
        """:attr:`original` as text (invalid UTF-8 escaped)."""
        original = self.original
        return raw_text(original) if original is not None else None

    @property
    def not_a_job(self) -> str | None:
        """Why the bytes of this failure were not a job, when they were not."""
        if self.original is None:
            return None
        problem = self.payload.get("problem")
        return str(problem) if problem else "not a job"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able view for the API and the CLI."""
        return {
            "index": self.index,
            "list": self.list_name,
            "failed_at": self.failed_at,
            "retried_at": self.retried_at,
            "exception": self.exception,
            "error": self.error,
            "backtrace": self.backtrace,
            "worker": self.worker,
            "queue": self.queue,
            "class": self.class_name,
            "args": self.args,
            "failure_id": self.failure_id,
            "problem": self.problem,
            "raw": None if self.data is not None else self.text,
            "not_a_job": self.not_a_job,
            "original": self.original_text,
            "fingerprint": self.fingerprint,
        }


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
