"""Per-job hooks (Resque::Plugin): methods on a registered job class found by name prefix and run
in name order, as Ruby's ``Plugin.before_hooks`` & co. find them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JOB_HOOK_PREFIXES = (
    "before_enqueue",
    "after_enqueue",
    "before_dequeue",
    "after_dequeue",
    "before_perform",
    "around_perform",
    "after_perform",
    "on_failure",
)


def job_hooks(target: Any, prefix: str) -> list[Callable[..., Any]]:
    """The per-job hook methods of a job class with this prefix, in name order."""
    if not isinstance(target, type):
        return []
    names = sorted(n for n in dir(target) if n.startswith(prefix) and callable(getattr(target, n)))
    return [getattr(target, n) for n in names]
