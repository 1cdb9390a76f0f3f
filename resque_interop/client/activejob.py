"""Rails ActiveJob on the client side: a JobWrapper payload resolved through the registry, and
the checked (queue, job_data) an enqueue writes (the wire format itself is
:mod:`resque_interop.schema.activejob`). The Ruby values a job receives or sends (``Symbol``,
``GlobalID``, ``Duration``, ``RubyModule``, ``RubyRange``) are importable from here."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any, Protocol

from ..schema.activejob import (
    WITH_ACTIVESUPPORT,
    Duration,
    GlobalID,
    RubyModule,
    RubyRange,
    Symbol,
    deserialize_arguments,
    job_data,
)
from ..schema.codec import Codec
from .registry import Registry

__all__ = [
    "ActiveJobProducer", "Duration", "GlobalID", "RubyModule", "RubyRange", "Symbol", "activejob_request",
    "resolve_wrapper",
]


class ActiveJobProducer(Protocol):
    """What an ActiveJob enqueue reads of its client (the sync and the asyncio client have it)."""

    @property
    def registry(self) -> Registry: ...

    @property
    def codec(self) -> Codec: ...

    def queue_for(self, job: Any) -> str | None: ...


def resolve_wrapper(registry: Registry, args: list[Any]) -> tuple[Any, Any, list[Any], dict[str, Any]]:
    """(target, perform, args, kwargs) for a JobWrapper payload's ``job_data``."""
    if not args or not isinstance(args[0], dict) or "job_class" not in args[0]:
        raise TypeError("ActiveJob wrapper payload without job data (expected args[0].job_class)")
    job_data = args[0]
    spec = registry.get(str(job_data["job_class"]))
    arguments = job_data.get("arguments") or []
    if not isinstance(arguments, list):
        raise TypeError(f"ActiveJob arguments must be a list, got {type(arguments).__name__}")
    pos, kw = deserialize_arguments(arguments, getattr(registry, "globalid_resolver", None))
    if spec.typed:
        pos, kw = spec.argument_types.convert(pos, kw)
    return spec.target, spec.perform, pos, kw



def activejob_request(client: ActiveJobProducer, job_class: str, args: tuple[Any, ...], *, queue: str | None = None,
                      kwargs: dict[str, Any] | None = None, timezone_name: str | None = None,
                      locale: str = "en", priority: int | None = None, rails: str = "6.1",
                      wait: float | None = None, wait_until: datetime | float | None = None
                      ) -> tuple[str, dict[str, Any]]:
    """(queue, job_data) for :func:`enqueue_activejob`, checked; both clients share it."""
    queue = queue or client.queue_for(job_class) or "default"
    spec = client.registry.find(job_class)
    if spec is not None and spec.typed:
        spec.argument_types.validate(args, kwargs)
    if wait is not None and wait_until is not None:
        raise ValueError("give wait or wait_until, not both")
    scheduled_at = None
    if wait is not None:
        scheduled_at = time.time() + wait
    elif wait_until is not None:
        scheduled_at = wait_until.timestamp() if isinstance(wait_until, datetime) else float(wait_until)
    data = job_data(job_class, args, kwargs or {}, queue, timezone_name=timezone_name, locale=locale,
                    priority=priority, rails=rails, activesupport=client.codec.dialect in WITH_ACTIVESUPPORT,
                    scheduled_at=scheduled_at)
    return queue, data
