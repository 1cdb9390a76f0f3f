"""The client shape the scheduler types against (``Resque`` satisfies it structurally).

The client exposes :class:`.delayed.DelayedQueue` and :class:`.schedules.Schedules`, so the
scheduler sits below it and must not import it; this Protocol names the few things it uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from ..failure.info import FailureInfo
from ..schema.keys import Keys
from ..store.protocols import StoreClient

if TYPE_CHECKING:
    from .delayed import DelayedQueue
    from .schedules import Schedules


class SchedulerClient(StoreClient, Protocol):
    """The client as the scheduler uses it: key names, enqueueing, job names and queues, failures."""

    @property
    def keys(self) -> Keys: ...

    @property
    def inline(self) -> bool: ...

    @property
    def delayed(self) -> DelayedQueue: ...

    @property
    def schedules(self) -> Schedules: ...

    def enqueue_to(self, queue: str, job: Any, *args: Any) -> bool | None: ...

    def create(self, queue: str | None, class_name: str, args: Sequence[Any]) -> None: ...

    def job_name(self, job: Any) -> str: ...

    def job_args(self, job: Any, args: Sequence[Any]) -> list[Any]: ...

    def queue_for(self, job: Any) -> str | None: ...

    def save_failure(self, info: FailureInfo, pipe: Any = None) -> None: ...
