"""A failure as read back from a failure list: :class:`FailureRecord`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DecodeError
from ..schema.payloads import PayloadView, original_bytes
from ..schema.readable import raw_text

if TYPE_CHECKING:
    from ..store.protocols import StoreClient


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
