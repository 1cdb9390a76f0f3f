"""The explicit map from Ruby class names to Python callables.

A class name read from Redis is looked up here and nowhere else: it never
reaches ``importlib``, so a payload cannot make a worker import a module.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from ..errors import UnknownJobError
from ..retry.policy import Retry
from .typed import ArgumentTypes, TypedMode, typed_mode

T = TypeVar("T")


@dataclass(frozen=True)
class JobSpec:
    """One registered job: the Ruby class name, what runs it, its default queue, how it is
    retried (resque-retry's policy, mirrored), how long one run may last (seconds), and
    whether its arguments are converted to their annotations (``typed``)."""

    name: str
    target: Any
    queue: str | None = None
    retry: Retry | None = None
    timeout: float | None = None
    typed: TypedMode | None = None

    @cached_property
    def argument_types(self) -> ArgumentTypes:
        """The perform callable's annotations, read on first use (for typed jobs)."""
        return ArgumentTypes(self.perform, self.typed or "strict")

    @property
    def perform(self) -> Callable[..., Any]:
        """The callable that runs the job: ``target.perform`` for classes, else ``target``."""
        perform: Callable[..., Any] | None = (
            getattr(self.target, "perform", None) if isinstance(self.target, type) else None)
        return perform if perform is not None else self.target


class Registry:
    """Ruby class name -> Python job. Thread-safe; one per application or shared.

    ``typed`` is the default for jobs registered here without ``typed=`` (see
    :mod:`resque_interop.client.typed`)."""

    def __init__(self, typed: bool | str = False) -> None:
        self.typed = typed_mode(typed)
        #: Turns an ActiveJob GlobalID into a record: ``callable(GlobalID) -> object``.
        self.globalid_resolver: Callable[[Any], Any] | None = None
        self._by_name: dict[str, JobSpec] = {}
        self._by_target: dict[int, JobSpec] = {}
        self._lock = threading.Lock()

    def register(
        self, name: str, target: Any, queue: str | None = None, typed: bool | str | None = None, *,
        retry: Retry | None = None, timeout: float | None = None,
    ) -> JobSpec:
        """Map ``name`` (``Archive``, ``Foo::Bar``) to ``target`` (a function or a class
        with ``perform``); ``queue`` defaults to ``target.queue`` when it has one; ``typed``
        (True, "lax", False) defaults to the registry's. ``retry``: a
        :class:`~resque_interop.Retry` (resque-retry's policy); ``timeout``: seconds one run
        may last (enforced by a forking worker)."""
        if not name:
            raise ValueError("a job needs a class name")
        if not callable(target):
            raise TypeError(f"job {name!r}: {target!r} is not callable")
        if retry is not None and not isinstance(retry, Retry):
            raise TypeError(f"job {name!r}: retry must be a Retry, not {type(retry).__name__}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"job {name!r}: timeout must be a positive number of seconds")
        if queue is None:
            queue = getattr(target, "queue", None) if isinstance(target, type) else None
        mode = self.typed if typed is None else typed_mode(typed)
        spec = JobSpec(name, target, None if queue is None else str(queue), retry, timeout, mode)
        with self._lock:
            self._by_name[name] = spec
            self._by_target[id(target)] = spec
        return spec

    def job(
        self, name: str | None = None, queue: str | None = None, *, typed: bool | str | None = None,
        retry: Retry | None = None, timeout: float | None = None,
    ) -> Callable[[T], T]:
        """Decorator: ``@job("Archive", queue="file_serve", retry=Retry(limit=3))``; the name
        defaults to the Python name; ``typed=True`` (or "lax") converts arguments to their
        annotations."""

        def decorate(target: T) -> T:
            self.register(name or str(getattr(target, "__name__", "")), target, queue, typed,
                          retry=retry, timeout=timeout)
            return target

        return decorate

    def get(self, name: str) -> JobSpec:
        """The job registered as ``name``; :class:`UnknownJobError` names the known ones."""
        spec = self._by_name.get(name)
        if spec is None:
            raise UnknownJobError(name, self.names())
        return spec

    def find(self, job: Any) -> JobSpec | None:
        """The spec for a registered target or name, if any."""
        if isinstance(job, str):
            return self._by_name.get(job)
        if isinstance(job, JobSpec):
            return job
        return self._by_target.get(id(job))

    def names(self) -> list[str]:
        """Registered class names, sorted."""
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)


#: The convenience default registry used when none is passed explicitly.
default_registry = Registry()


def job(
    name: str | None = None, queue: str | None = None, *, typed: bool | str | None = None,
    retry: Retry | None = None, timeout: float | None = None,
) -> Callable[[T], T]:
    """Register in the default registry: ``@job("Archive", queue="file_serve")``;
    ``typed=True`` checks and converts the arguments against the annotations."""
    return default_registry.job(name, queue, typed=typed, retry=retry, timeout=timeout)
