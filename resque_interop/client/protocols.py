"""What a job uses of its client, as Protocols: :class:`~resque_interop.client.resque.Resque`
satisfies them, and the job module need not import the client that creates jobs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..failure.info import FailureInfo
from ..retry.lifecycle import RetryClient
from ..store.pipeline import Pipeline
from .registry import Registry


class PerformHooks(Protocol):
    """The global hooks a job runs itself (:class:`~resque_interop.client.hooks.Hooks` has them)."""

    def before_perform(self, job: Any) -> Any: ...
    def around_perform(self, job: Any, call: Callable[[], Any]) -> Any: ...
    def after_perform(self, job: Any) -> Any: ...
    def on_failure(self, job: Any, exc: BaseException) -> Any: ...


class JobClient(RetryClient, Protocol):
    """The client as a job uses it: the registry, the hooks, failures and the retry steps' keys."""

    @property
    def registry(self) -> Registry: ...

    @property
    def hooks(self) -> Sequence[PerformHooks]: ...

    @property
    def inline(self) -> bool: ...

    def save_failure(self, info: FailureInfo, pipe: Pipeline | None = None) -> None: ...

    def run_enqueue_hooks(self, kind: str, target: Any, queue: str, name: str, args: list[Any]) -> list[Any]: ...
