"""Failure backends: where failed jobs go and how they come back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .backend import FailureBackend
from .info import FailureInfo
from .multi_queue import RedisMultiQueueFailureBackend
from .multiple import LoggingFailureBackend, MultipleFailureBackend
from .record import FailureRecord
from .redis import RedisFailureBackend

if TYPE_CHECKING:
    from ..store.protocols import StoreClient

BACKENDS = {
    "redis": RedisFailureBackend,
    "redis_multi_queue": RedisMultiQueueFailureBackend,
}


def backend_named(name: str, client: StoreClient) -> FailureBackend:
    """A backend by the names Ruby's ``FAILURE_BACKEND`` takes; ``redis,sentry`` (names
    joined by commas) saves to each, reading from the first (``Failure::Multiple``)."""
    if "," in name:
        return MultipleFailureBackend(client, [backend_named(n.strip(), client) for n in name.split(",")])
    if name == "sentry":  # an optional extra: imported only when asked for
        from .sentry import SentryFailureBackend

        return SentryFailureBackend(client)
    try:
        return BACKENDS[name](client)
    except KeyError:
        raise ValueError(
            f"invalid failure backend {name!r}; choose one of {sorted([*BACKENDS, 'sentry'])}"
            " or several joined by commas (redis,sentry)"
        ) from None


__all__ = [
    "BACKENDS",
    "FailureBackend",
    "FailureInfo",
    "FailureRecord",
    "LoggingFailureBackend",
    "MultipleFailureBackend",
    "RedisFailureBackend",
    "RedisMultiQueueFailureBackend",
    "backend_named",
]
