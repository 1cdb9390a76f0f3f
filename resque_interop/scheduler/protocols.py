"""The client shape the scheduler types against (``Resque`` satisfies it structurally).

The client exposes :class:`.delayed.DelayedQueue` and :class:`.schedules.Schedules`, so the
scheduler sits below it and must not import it; this Protocol names the few things they use.
What the running scheduler also uses (the client's delayed queue and schedules) is
:class:`.scheduling_client.SchedulingClient`, a module above both, so neither imports back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ..failure.info import FailureInfo
from ..schema.keys import Keys
from ..store.pipeline import Pipeline
from ..store.protocols import StoreClient


class SchedulerClient(StoreClient, Protocol):
    """The client as the scheduler uses it: key names, enqueueing, job names and queues, failures."""

    @property
    def keys(self) -> Keys: ...

    @property
    def inline(self) -> bool: ...

    def enqueue_to(self, queue: str, job: Any, *args: Any) -> bool | None: ...

    def create(self, queue: str | None, class_name: str, args: Sequence[Any]) -> None: ...

    def job_name(self, job: Any) -> str: ...

    def job_args(self, job: Any, args: Sequence[Any]) -> list[Any]: ...

    def queue_for(self, job: Any) -> str | None: ...

    def save_failure(self, info: FailureInfo, pipe: Pipeline | None = None) -> None: ...
