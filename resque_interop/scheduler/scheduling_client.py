"""The client shape the running scheduler and its overview type against: the scheduler's
client (:class:`.protocols.SchedulerClient`) with its delayed queue and schedules.

Kept apart from :mod:`.protocols`, which :mod:`.delayed` and :mod:`.schedules` import: this
one imports them, so no module of the scheduler reaches itself through its imports.
"""

from __future__ import annotations

from typing import Protocol

from .delayed import DelayedQueue
from .protocols import SchedulerClient
from .schedules import Schedules


class SchedulingClient(SchedulerClient, Protocol):
    """The client as the scheduler's loop uses it (``Resque`` satisfies it structurally)."""

    @property
    def delayed(self) -> DelayedQueue: ...

    @property
    def schedules(self) -> Schedules: ...
